/*
 * The core's side of the memory BIO (tlsman_io_t): what a driver calls to send a datagram to its
 * session's peer, take the input the core read for it, arm or stop the retransmission timer, and
 * (servers) find the key for a PSK identity. The driver never owns a socket (docs/DESIGN.md,
 * "The driver contract").
 */
#include <string.h>

#include "core.h"

static int ss_io_send(void *ctx, const uint8_t *buf, size_t len)
{
    sock_secure_session_t *s = ctx;
    sock_secure_t *sk = s->owner;
    int rc = sock_secure_transport_send(sk->cfg.transport, buf, len, &s->remote);
    if (rc > 0) {
        SS_SESSION_STAT(s->bytes_out += (uint64_t)rc; s->dgrams_out++);
        s->flags |= SF_SENT;
        sk->stats.datagrams_out++;
    }
    return rc;
}

static int ss_io_recv(void *ctx, uint8_t *buf, size_t len)
{
    sock_secure_session_t *s = ctx;
    sock_secure_t *sk = s->owner;
    if (!ss_has_input(sk, s)) {
        return -EAGAIN;
    }
    if (ss_input_in_transport(sk)) {
        sk->in_for = NULL; /* still in the transport: straight into the stack's buffer */
        return sock_secure_transport_recv(sk->cfg.transport, buf, len, NULL);
    }
    size_t n = sk->in_len;
    if (n > len) {
        if (!ss_stream(sk)) {
            sk->in_for = NULL; /* a datagram is taken whole or not at all */
            return -EMSGSIZE;
        }
        n = len; /* stream bytes: the rest stays for the next call */
    }
    memcpy(buf, sk->in, n);
    sk->in_len -= n;
    sk->in += n;
    if (sk->in_len == 0) {
        sk->in_for = NULL;
    }
    return (int)n;
}

static void ss_io_timer(void *ctx, bool run)
{
    sock_secure_session_t *s = ctx;
    sock_secure_t *sk = s->owner;
    if (run) {
        s->flags |= SF_TIMER;
        sk->work |= SW_TIMERS;
        s->timer_ms = (uint32_t)ss_now(sk);
    } else {
        /* the peer's flight arrived: the next flight starts afresh (RFC 6347 §4.2.4); for a
         * server's stall deadline and displacement this is the handshake's progress */
        s->flags &= (uint16_t)~SF_TIMER;
        s->rto_ms = sk->cfg.hs_timeout_initial_ms;
        s->flight_retx = 0;
        if (ss_server_session(sk, s) && s->state == SOCK_SECURE_ST_HANDSHAKE) {
            ss_note_progress(s, ss_now(sk));
        }
    }
}

#if CONFIG_SOCK_SECURE_SERVER
/* Servers: the key for a PSK identity (a client never asks; a client-only build has none). */
static size_t ss_psk_find(sock_secure_session_t *s, const uint8_t *identity, size_t identity_len,
                          uint8_t *key, size_t key_max)
{
    const sock_secure_config_t *cfg = &s->owner->cfg;
    for (size_t i = 0; i < cfg->psk_count; i++) {
        const sock_secure_psk_t *p = &cfg->psk[i];
        if (p->identity_len == identity_len && memcmp(p->identity, identity, identity_len) == 0) {
            if (p->key_len > key_max) {
                return 0;
            }
            memcpy(key, p->key, p->key_len);
            return p->key_len;
        }
    }
    for (size_t t = 0; cfg->creds != NULL && t < cfg->cred_tag_count; t++) {
        size_t cursor = 0;
        int i;
        while ((i = sock_secure_creds_find(cfg->creds, cfg->cred_tags[t], SOCK_SECURE_CRED_PSK,
                                           &cursor, NULL, NULL)) >= 0) {
            sock_secure_psk_t p;
            if (sock_secure_creds_psk(cfg->creds, i, &p) == 0 && p.identity_len == identity_len &&
                memcmp(p.identity, identity, identity_len) == 0 && p.key_len <= key_max) {
                memcpy(key, p.key, p.key_len);
                return p.key_len;
            }
        }
    }
    if (cfg->psk_lookup != NULL) {
        size_t n = cfg->psk_lookup(cfg->psk_lookup_arg, identity, identity_len, key, key_max);
        if (n <= key_max) {
            return n;
        }
        sock_secure__zero(key, key_max);
    }
    return 0;
}

/* ss_psk_find(), and the identity whose key was found kept for sock_secure_session_info() */
static size_t ss_io_psk(void *ctx, const uint8_t *identity, size_t identity_len, uint8_t *key,
                        size_t key_max)
{
    sock_secure_session_t *s = ctx;
    size_t n = ss_psk_find(s, identity, identity_len, key, key_max);
#if CONFIG_SOCK_SECURE_SESSION_PSK_ID > 0
    if (n > 0) {
        size_t keep = identity_len < sizeof(s->psk_id) ? identity_len : sizeof(s->psk_id);
        memcpy(s->psk_id, identity, keep);
        s->psk_id_len = (uint16_t)keep;
        s->psk_id_cut = keep < identity_len;
    }
#endif
    return n;
}
#endif

/* Client sessions: the application's choice of a PSK from the server's hint. Its error (or -EINVAL
 * for a PSK outside the limits) is kept in last_error, which is 0 during a handshake
 * (sock_secure__start), so that the session ends with it (sock_secure__end), whatever the
 * stack makes of the failed step. */
static int ss_io_psk_for_hint(void *ctx, const uint8_t *hint, size_t hint_len,
                              sock_secure_psk_t *psk)
{
    sock_secure_session_t *s = ctx;
    const sock_secure_config_t *cfg = &s->owner->cfg;
    if (cfg->psk_for_hint == NULL || ss_server_session(s->owner, s)) {
        return 1; /* (a driver asks only client sessions of a socket with the callback) */
    }
    if (hint_len == 0) {
        hint = NULL;
    }
    sock_secure_psk_t chosen = {0};
    int rc = cfg->psk_for_hint(cfg->psk_for_hint_arg, &s->remote, hint, hint_len, &chosen);
    if (rc == 0) {
        rc = sock_secure__check_psk(&chosen) < 0 ? -EINVAL : 0;
    } else if (rc > 0) {
        return 1;
    }
    if (rc < 0) {
        s->last_error = (int16_t)(rc >= INT16_MIN ? rc : SOCK_SECURE_E_HANDSHAKE);
        return rc;
    }
    *psk = chosen;
    return 0;
}

/* Raised by the engine once the driver's call returned (ss_read_ready), never from inside it. */
static void ss_io_renewed(void *ctx)
{
    sock_secure_session_t *s = ctx;
    s->flags |= SF_RENEWED;
}

const tlsman_io_t sock_secure__io = {
    .send = ss_io_send,
    .recv = ss_io_recv,
    .timer = ss_io_timer,
    .renewed = ss_io_renewed,
    .psk_for_hint = ss_io_psk_for_hint,
#if CONFIG_SOCK_SECURE_SERVER
    .psk = ss_io_psk,
#endif
};
