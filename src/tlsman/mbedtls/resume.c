/**
 * @file resume.c
 * @brief Session resumption on mbedTLS 2.28 (TLSMAN_CAP_RESUMPTION): a client's session exported
 *        as bytes and offered again (session id and RFC 5077 ticket, whichever the server
 *        honours), and a server's tickets under keys the application sets and rotates.
 *
 * Client: session_export is mbedtls_ssl_get_session() + mbedtls_ssl_session_save() (master
 * secret, id, ticket, suite, the server's certificate and its verification result);
 * session_resume is mbedtls_ssl_session_load() + mbedtls_ssl_set_session(). mbedTLS checks the
 * blob's version and build header, so a blob of another build is refused (-EINVAL). The
 * temporary session is freed (zeroed) in the same call.
 *
 * Server: no session cache (mbedTLS's allocates an entry per session); tickets instead, which
 * keep nothing per client. mbedTLS 2.28's own ticket module makes its keys from the RNG and
 * rotates them on its own clock, with no way to set one, so a pool of servers could not share
 * them: this file implements the ticket callbacks. A ticket is
 *     key name (4) | nonce (12) | AEAD(session as mbedtls_ssl_session_save() writes it) | tag (16)
 * with AES-256-GCM (AES-256-CCM in a build without GCM), the key name being the first 4 bytes of
 * SHA-256("secure_sock ticket key" | key) so that servers with the same key agree on it. Two
 * keys are held: the current one, which protects new tickets, and the one it replaced, still
 * accepted. A ticket under another key, one that fails authentication or is older than
 * CONFIG_SOCK_SECURE_TICKET_LIFETIME_S (from the full handshake that made the session) is
 * ignored: mbedTLS then runs a full handshake.
 */
#include "driver.h"

#include <string.h>

#if SS_RESUME

#include <mbedtls/cipher.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/sha256.h>
#if defined(MBEDTLS_HAVE_TIME)
#include <mbedtls/platform_time.h>
#endif

#if defined(MBEDTLS_GCM_C)
#define SS_TICKET_CIPHER MBEDTLS_CIPHER_AES_256_GCM
#else
#define SS_TICKET_CIPHER MBEDTLS_CIPHER_AES_256_CCM
#endif
#define SS_TICKET_NAME  4u
#define SS_TICKET_NONCE 12u
#define SS_TICKET_TAG   16u
#define SS_TICKET_HDR   (SS_TICKET_NAME + SS_TICKET_NONCE)

_Static_assert(sizeof(((ss_mbedtls_ticket_key_t *)0)->key) == SOCK_SECURE_TICKET_KEY_LEN,
               "a ticket key is SOCK_SECURE_TICKET_KEY_LEN bytes");

/* ---- client ------------------------------------------------------------------------------------ */

int tlsman_mbedtls_session_export(void *p, uint8_t *out, size_t out_max)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    if (s->ctx->k.server) {
        return -ENOTSUP;
    }
    mbedtls_ssl_session tmp;
    mbedtls_ssl_session_init(&tmp);
    int rc = mbedtls_ssl_get_session(&s->ssl, &tmp);
    size_t len = 0;
    if (rc == 0) {
        rc = mbedtls_ssl_session_save(&tmp, out, out_max, &len);
    }
    mbedtls_ssl_session_free(&tmp); /* zeroes the copy of the master secret */
    if (rc == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL || (rc == 0 && len > INT32_MAX)) {
        tlsman_zero(out, out_max);
        return -EMSGSIZE;
    }
    if (rc != 0) {
        tlsman_zero(out, out_max);
        return tlsman_mbedtls_setup_error(rc);
    }
    return (int)len;
}

int tlsman_mbedtls_session_resume(void *p, const uint8_t *blob, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (s->ctx->k.server) {
        return -ENOTSUP;
    }
    mbedtls_ssl_session tmp;
    mbedtls_ssl_session_init(&tmp);
    int rc = mbedtls_ssl_session_load(&tmp, blob, len);
    if (rc == 0) {
        rc = mbedtls_ssl_set_session(&s->ssl, &tmp);
    }
    mbedtls_ssl_session_free(&tmp);
    if (rc == MBEDTLS_ERR_SSL_BAD_INPUT_DATA || rc == MBEDTLS_ERR_SSL_VERSION_MISMATCH) {
        return -EINVAL;
    }
    return rc == 0 ? 0 : tlsman_mbedtls_setup_error(rc);
}

/* ---- server: tickets ---------------------------------------------------------------------------- */

/** Install @p key as the current ticket key (the current one becomes the previous one). */
static int ss_ticket_key_set(ss_mbedtls_ctx_t *c, const uint8_t *key)
{
    static const unsigned char label[] = "secure_sock ticket key";
    unsigned char in[sizeof(label) - 1 + SOCK_SECURE_TICKET_KEY_LEN];
    unsigned char hash[32];
    memcpy(in, label, sizeof(label) - 1);
    memcpy(in + sizeof(label) - 1, key, SOCK_SECURE_TICKET_KEY_LEN);
    int rc = mbedtls_sha256_ret(in, sizeof(in), hash, 0);
    tlsman_zero(in, sizeof(in));
    if (rc != 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    c->tickets[1] = c->tickets[0]; /* the one it replaces stays valid */
    memcpy(c->tickets[0].name, hash, SS_TICKET_NAME);
    memcpy(c->tickets[0].key, key, SOCK_SECURE_TICKET_KEY_LEN);
    c->tickets[0].set = true;
    tlsman_zero(hash, sizeof(hash));
    return 0;
}

/** AEAD with @p k over @p in into @p out (encrypt: @p out gets the tag after the text). */
static int ss_ticket_crypt(const ss_mbedtls_ticket_key_t *k, bool encrypt, const uint8_t *nonce,
                           const uint8_t *in, size_t in_len, uint8_t *out, size_t out_max,
                           size_t *out_len)
{
    mbedtls_cipher_context_t cc;
    mbedtls_cipher_init(&cc);
    int rc = mbedtls_cipher_setup(&cc, mbedtls_cipher_info_from_type(SS_TICKET_CIPHER));
    if (rc == 0) {
        rc = mbedtls_cipher_setkey(&cc, k->key, 8 * SOCK_SECURE_TICKET_KEY_LEN,
                                   encrypt ? MBEDTLS_ENCRYPT : MBEDTLS_DECRYPT);
    }
    if (rc == 0 && encrypt) {
        rc = mbedtls_cipher_auth_encrypt_ext(&cc, nonce, SS_TICKET_NONCE, k->name, SS_TICKET_NAME,
                                             in, in_len, out, out_max, out_len, SS_TICKET_TAG);
    } else if (rc == 0) {
        rc = mbedtls_cipher_auth_decrypt_ext(&cc, nonce, SS_TICKET_NONCE, k->name, SS_TICKET_NAME,
                                             in, in_len, out, out_max, out_len, SS_TICKET_TAG);
    }
    mbedtls_cipher_free(&cc); /* zeroes the key schedule */
    return rc;
}

/** mbedtls_ssl_ticket_write_t: the session, sealed under the current key. */
static int ss_ticket_write(void *p, const mbedtls_ssl_session *session, unsigned char *start,
                           const unsigned char *end, size_t *tlen, uint32_t *lifetime)
{
    ss_mbedtls_ctx_t *c = p;
    const ss_mbedtls_ticket_key_t *k = &c->tickets[0];
    size_t room = (size_t)(end - start);
    if (!k->set || room < SS_TICKET_HDR + SS_TICKET_TAG) {
        return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    }
    /* the session is written at the end of the room, then sealed to just after the header */
    size_t plain_len = 0;
    int rc = mbedtls_ssl_session_save(session, NULL, 0, &plain_len);
    if (rc != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL && rc != 0) {
        return rc;
    }
    if (plain_len > room - SS_TICKET_HDR - SS_TICKET_TAG) {
        return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    }
    unsigned char *plain = start + room - plain_len;
    rc = mbedtls_ssl_session_save(session, plain, plain_len, &plain_len);
    if (rc == 0) {
        rc = tlsman_mbedtls_random(start + SS_TICKET_NAME, SS_TICKET_NONCE);
    }
    size_t sealed = 0;
    unsigned char work[MBEDTLS_SSL_OUT_CONTENT_LEN < 4096 ? MBEDTLS_SSL_OUT_CONTENT_LEN : 4096];
    if (rc == 0 && plain_len + SS_TICKET_TAG > sizeof(work)) {
        rc = MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    }
    if (rc == 0) {
        rc = ss_ticket_crypt(k, true, start + SS_TICKET_NAME, plain, plain_len, work,
                             sizeof(work), &sealed);
    }
    tlsman_zero(plain, plain_len);
    if (rc == 0) {
        memcpy(start, k->name, SS_TICKET_NAME);
        memcpy(start + SS_TICKET_HDR, work, sealed);
        *tlen = SS_TICKET_HDR + sealed;
        *lifetime = CONFIG_SOCK_SECURE_TICKET_LIFETIME_S;
    }
    tlsman_zero(work, sealed);
    return rc;
}

/** mbedtls_ssl_ticket_parse_t: open a ticket under the current or previous key (in place). */
static int ss_ticket_parse(void *p, mbedtls_ssl_session *session, unsigned char *buf, size_t len)
{
    ss_mbedtls_ctx_t *c = p;
    if (len < SS_TICKET_HDR + SS_TICKET_TAG) {
        return MBEDTLS_ERR_SSL_INVALID_MAC;
    }
    const ss_mbedtls_ticket_key_t *k = NULL;
    for (size_t i = 0; i < 2; i++) {
        if (c->tickets[i].set && memcmp(c->tickets[i].name, buf, SS_TICKET_NAME) == 0) {
            k = &c->tickets[i];
            break;
        }
    }
    if (k == NULL) {
        return MBEDTLS_ERR_SSL_INVALID_MAC; /* another key (retired, or another pool's) */
    }
    unsigned char plain[MBEDTLS_SSL_IN_CONTENT_LEN < 4096 ? MBEDTLS_SSL_IN_CONTENT_LEN : 4096];
    size_t plain_len = 0;
    int rc = ss_ticket_crypt(k, false, buf + SS_TICKET_NAME, buf + SS_TICKET_HDR,
                             len - SS_TICKET_HDR, plain, sizeof(plain), &plain_len);
    if (rc != 0) {
        tlsman_zero(plain, sizeof(plain));
        return MBEDTLS_ERR_SSL_INVALID_MAC;
    }
    rc = mbedtls_ssl_session_load(session, plain, plain_len);
    tlsman_zero(plain, plain_len);
    if (rc != 0) {
        return MBEDTLS_ERR_SSL_INVALID_MAC;
    }
#if defined(MBEDTLS_HAVE_TIME)
    mbedtls_time_t now = mbedtls_time(NULL);
    if (now < session->start || now - session->start > CONFIG_SOCK_SECURE_TICKET_LIFETIME_S) {
        return MBEDTLS_ERR_SSL_SESSION_TICKET_EXPIRED;
    }
#endif
    return 0;
}

int tlsman_mbedtls_ticket_key(void *ctx, const uint8_t *key, size_t len)
{
    ss_mbedtls_ctx_t *c = ctx;
    if (!c->k.server || !c->resumption) {
        return -ENOTSUP;
    }
    if (key == NULL || len != SOCK_SECURE_TICKET_KEY_LEN) {
        return -EINVAL;
    }
    return ss_ticket_key_set(c, key);
}

int tlsman_mbedtls_conf_resumption(ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg)
{
    c->resumption = cfg->resumption;
    if (!cfg->resumption) {
        return 0;
    }
    if (!c->k.server) {
        mbedtls_ssl_conf_session_tickets(&c->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
        return 0;
    }
#if defined(MBEDTLS_SSL_SRV_C)
    /* a random key until the application sets one (sock_secure_ticket_key) */
    uint8_t key[SOCK_SECURE_TICKET_KEY_LEN];
    int rc = tlsman_mbedtls_random(key, sizeof(key));
    if (rc == 0) {
        rc = ss_ticket_key_set(c, key);
    }
    tlsman_zero(key, sizeof(key));
    if (rc != 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    tlsman_zero(&c->tickets[1], sizeof(c->tickets[1])); /* no previous key */
    mbedtls_ssl_conf_session_tickets_cb(&c->conf, ss_ticket_write, ss_ticket_parse, c);
    return 0;
#else
    return -ENOTSUP;
#endif
}

#endif /* SS_RESUME */

/* ---- save/restore of an established DTLS connection ------------------------------------------- */
#if SS_SAVE

int tlsman_mbedtls_session_save(void *p, uint8_t *out, size_t out_max)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    if (!SS_DATAGRAM(s->ctx) || ss_renegotiation(s->ctx)) {
        return -ENOTSUP; /* mbedTLS saves DTLS 1.2 only, and only without renegotiation */
    }
    if (s->ssl.in_offt != NULL || mbedtls_ssl_check_pending(&s->ssl) || s->ssl.out_left > 0) {
        return -EBUSY;
    }
    size_t len = 0;
    int rc = mbedtls_ssl_context_save(&s->ssl, out, out_max, &len);
    if (rc == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL) {
        tlsman_zero(out, out_max);
        return -EMSGSIZE; /* nothing was reset: the connection goes on */
    }
    if (rc == MBEDTLS_ERR_SSL_BAD_INPUT_DATA) {
        return -EBUSY; /* a handshake message or record still held, or a non-AEAD suite */
    }
    if (rc != 0 || len > INT32_MAX) {
        tlsman_zero(out, out_max);
        return tlsman_mbedtls_setup_error(rc);
    }
    s->established = false; /* mbedTLS reset the context: it holds no connection any more */
    return (int)len;
}

int tlsman_mbedtls_session_load(void *p, const uint8_t *blob, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (!SS_DATAGRAM(s->ctx) || ss_renegotiation(s->ctx)) {
        return -ENOTSUP;
    }
    int rc = mbedtls_ssl_context_load(&s->ssl, blob, len);
    if (rc != 0) {
        /* mbedTLS freed the context: set it up again so that session_free finds it sane */
        mbedtls_ssl_init(&s->ssl);
        return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
    }
    if (s->ctx->k.mtu != 0) {
        mbedtls_ssl_set_mtu(&s->ssl, s->ctx->k.mtu); /* the load restored the old one */
    }
    s->established = true;
    return 0;
}

#endif /* SS_SAVE */
