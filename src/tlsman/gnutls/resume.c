/**
 * @file resume.c
 * @brief Session resumption on GnuTLS 3.7 (TLSMAN_CAP_RESUMPTION): a client's session exported
 *        as bytes (gnutls_session_get_data2) and offered again (gnutls_session_set_data); a
 *        server's RFC 5077 tickets under a master key made at random when the socket is created.
 *
 * GnuTLS derives its ticket encryption keys from one master key per session
 * (gnutls_session_ticket_enable_server) and rotates them on its own clock; a ticket made under a
 * master key it no longer has is refused. It has no place for "the key just replaced", so the
 * contract's ticket_key (set and rotate, the previous key still accepted) is not offered:
 * sock_secure_ticket_key() is -ENOTSUP on GnuTLS, and its tickets last as long as the socket.
 */
#include "driver.h"

#include <string.h>

int tlsman_gnutls_conf_resumption(ss_gnutls_ctx_t *c, const tlsman_config_t *cfg)
{
    c->resumption = cfg->resumption;
    if (!cfg->resumption || !c->k.server) {
        return 0;
    }
    int rc = gnutls_session_ticket_key_generate(&c->ticket_key);
    return rc < 0 ? -ENOMEM : 0;
}

void tlsman_gnutls_free_resumption(ss_gnutls_ctx_t *c)
{
    if (c->ticket_key.data != NULL) {
        tlsman_zero(c->ticket_key.data, c->ticket_key.size);
        gnutls_free(c->ticket_key.data);
        c->ticket_key.data = NULL;
        c->ticket_key.size = 0;
    }
}

int tlsman_gnutls_session_tickets(ss_gnutls_session_t *s)
{
    if (!s->ctx->resumption || !s->ctx->k.server) {
        return 0;
    }
    int rc = gnutls_session_ticket_enable_server(s->gs, &s->ctx->ticket_key);
    return rc < 0 ? tlsman_gnutls_setup_error(rc) : 0;
}

int tlsman_gnutls_session_export(void *p, uint8_t *out, size_t out_max)
{
    ss_gnutls_session_t *s = p;
    if (!s->established || s->gs == NULL) {
        return -ENOTCONN;
    }
    if (s->ctx->k.server) {
        return -ENOTSUP;
    }
    gnutls_datum_t d = { NULL, 0 };
    int rc = gnutls_session_get_data2(s->gs, &d);
    if (rc < 0) {
        return tlsman_gnutls_setup_error(rc);
    }
    int len;
    if (d.size > out_max || d.size > INT32_MAX) {
        tlsman_zero(out, out_max);
        len = -EMSGSIZE;
    } else {
        memcpy(out, d.data, d.size);
        len = (int)d.size;
    }
    tlsman_zero(d.data, d.size); /* the master secret */
    gnutls_free(d.data);
    return len;
}

int tlsman_gnutls_session_resume(void *p, const uint8_t *blob, size_t len)
{
    ss_gnutls_session_t *s = p;
    if (s->ctx->k.server) {
        return -ENOTSUP;
    }
    int rc = gnutls_session_set_data(s->gs, blob, len);
    if (rc == GNUTLS_E_MEMORY_ERROR) {
        return -ENOMEM;
    }
    return rc < 0 ? -EINVAL : 0;
}
