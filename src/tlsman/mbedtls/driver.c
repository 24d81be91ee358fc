/**
 * @file driver.c
 * @brief TLSMAN driver for mbedTLS 2.28 (DTLS 1.2 / TLS 1.2 with pre-shared keys and with
 *        X.509 certificates: the ECDHE-ECDSA suites on P-256): the driver table and its
 *        operations, the memory BIO, timers, PSK, suites and cookies. Certificates are in x509.c,
 *        error and alert mapping in errors.c, their shared state in driver.h; what every driver
 *        does alike in ../common.c.
 *
 * Memory BIO: mbedTLS reads and writes ciphertext through the core's tlsman_io_t; it never sees a
 * socket. Timers: mbedTLS's timer callbacks are mapped onto tlsman_io_t.timer and
 * tlsman_driver_t.timer_expired; mbedTLS is configured never to give up on its own (the core
 * counts retransmissions and enforces the limit).
 *
 * Certificates: the socket's key, certificate chain and trust anchors are parsed at ctx_init into
 * the socket state (mbedtls_x509_crt own and ca, mbedtls_pk_context key) and checked (P-256 only,
 * key matches certificate); cred_check() lets the credential store refuse bad input early. ECDHE
 * and every certificate key are limited to P-256 (secp256r1). Verification follows
 * tlsman_config_t.verify (mbedTLS authmode none/optional/required); its outcome is kept per
 * session as SOCK_SECURE_VFY_* bits (info.verify), an application verify_cb runs for each
 * certificate of the peer's chain, and a client sets the expected server name (SNI and name
 * check) with set_server_name, or the expected address with set_peer_ip: mbedTLS 2.28 matches
 * DNS names only, so the verify callback checks the peer's certificate's iPAddress subjectAltNames itself
 * (x509_ip.h) and reports a mismatch as mbedTLS reports a wrong name (CN_MISMATCH). mbedTLS 2.28
 * has no raw public keys (RFC 7250): no TLSMAN_CAP_RPK.
 *
 * Memory: the per-socket state (ssl config, cookie key, suite list, own certificate, trust
 * anchors, key, two ticket keys) and the per-session state (ssl context) live in the core's areas (1896 and 808
 * bytes on x86_64 with Debian's 2.28.3). mbedTLS itself allocates, measured on that build (glibc
 * mallinfo2; tests/perf/cert_hs_cost.c, see docs/CREDENTIALS.md):
 * - per session: ~36.8 KB from session_init (two 16.7 KB record buffers, handshake state),
 *   ~38 KB at the handshake's peak, ~34.8 KB once established with PSK; all freed by
 *   session_free. With certificates a session keeps the peer's parsed certificate chain
 *   (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE) and the server name: about +2.5 KB established, and
 *   about +10 KB at the handshake's peak (ECDHE and ECDSA state). A server session answering a
 *   cookie-less ClientHello costs the same, briefly;
 * - per socket: the client's PSK and identity copies; the server's cookie HMAC (~0.5 KB); the
 *   contents of each parsed certificate (1.6 to 2.5 KB per P-256 certificate: DER copy, names,
 *   extensions, public key), of the private key (~2.4 KB) and mbedTLS's own-certificate list node;
 *   measured: a client with one CA 1.6 KB, a server with certificate, key and CA 6.1 KB. All
 *   freed (the key zeroed) by ctx_free;
 * - once: nothing on the heap; one entropy source (~38 KB) and one CTR-DRBG shared by every
 *   socket are static, seeded on first use and never freed.
 * Renegotiation (renew, TLSMAN_CAP_RENEGOTIATION where the build has MBEDTLS_SSL_RENEGOTIATION,
 * as Debian's does) is enabled only for a socket whose configuration asks for it, as it also
 * lets the peer start one at will; secure renegotiation (RFC 5746) only, mbedTLS's default
 * (MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION); never enforced (a peer that ignores a server's
 * HelloRequest keeps its session). Otherwise it stays disabled and a peer's attempt is refused. mbedTLS 2.28 servers cannot send a PSK identity hint (ssl_srv.c
 * sends no ServerKeyExchange for plain PSK and an empty hint for (EC)DHE-PSK; there is no API
 * for one): no TLSMAN_CAP_PSK_HINT, so the core refuses a psk_hint at create (-ENOTSUP).
 * Nor can its clients use one: ssl_parse_server_psk_hint() (ssl_cli.c) checks the hint's length
 * and skips it ("we currently ignore the PSK identity hint, as we only allow one PSK to be
 * provisioned on the client"), with no callback and no field that keeps it: no
 * TLSMAN_CAP_PSK_FOR_HINT, so the core refuses psk_for_hint at create (-ENOTSUP).
 */

/* pthread_once for the one-time RNG seeding (only with MBEDTLS_THREADING_PTHREAD). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "driver.h"

#include <limits.h>
#include <string.h>

#include <mbedtls/cipher.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/ssl_internal.h> /* handshake->resume (ss_handshake) */
#if defined(MBEDTLS_THREADING_PTHREAD)
#include <pthread.h>
#endif

#include "../builtin.h"

#if defined(MBEDTLS_SSL_RENEGOTIATION)
#define SS_CAP_RENEGOTIATION TLSMAN_CAP_RENEGOTIATION
#else
#define SS_CAP_RENEGOTIATION 0u
#endif

#if defined(MBEDTLS_SSL_PROTO_DTLS)
#define SS_CAP_DTLS TLSMAN_CAP_DTLS
#else
#define SS_CAP_DTLS 0u /* no DTLS compiled in: the core refuses datagram transports */
#endif

/* ---- state (driver.h): it must fit the core's areas ------------------------------------------ */

_Static_assert(sizeof(ss_mbedtls_ctx_t) <= CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE,
               "mbedTLS socket state exceeds CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE");
_Static_assert(sizeof(ss_mbedtls_session_t) <= CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE,
               "mbedTLS session state exceeds CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE");
_Static_assert(offsetof(ss_mbedtls_session_t, ssl) == 0,
               "the ssl context must be the first member (see ss_psk_cb)");
_Static_assert(_Alignof(ss_mbedtls_ctx_t) <= 8 && _Alignof(ss_mbedtls_session_t) <= 8,
               "the core's driver areas are 8-byte aligned");
_Static_assert(CONFIG_SOCK_SECURE_MAX_SUITES >= 1, "at least one suite");

/* ---- the shared random generator ---------------------------------------------------------------- */

/* mbedtls_entropy_context is ~38 KB: one for the whole driver, never per socket. ctr_drbg_random
 * is thread-safe when mbedTLS is built with MBEDTLS_THREADING_C (as Debian's is). */
static mbedtls_entropy_context ss_entropy;
static mbedtls_ctr_drbg_context ss_drbg;
static int ss_rng_status = 1; /* 1 = not yet seeded, 0 = ready, < 0 = seeding failed */

static void ss_rng_seed(void)
{
    static const unsigned char pers[] = "secure_sock/mbedtls";
    mbedtls_entropy_init(&ss_entropy);
    mbedtls_ctr_drbg_init(&ss_drbg);
    int rc = mbedtls_ctr_drbg_seed(&ss_drbg, mbedtls_entropy_func, &ss_entropy, pers,
                                   sizeof(pers) - 1);
    ss_rng_status = rc == 0 ? 0 : -1;
}

/** Seed the generator once. Returns 0 or SOCK_SECURE_E_BACKEND. */
static int ss_rng_ready(void)
{
#if defined(MBEDTLS_THREADING_PTHREAD)
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (pthread_once(&once, ss_rng_seed) != 0) {
        return SOCK_SECURE_E_BACKEND;
    }
#else
    /* No threading support in this mbedTLS: the library is used from one thread. */
    if (ss_rng_status == 1) {
        ss_rng_seed();
    }
#endif
    return ss_rng_status == 0 ? 0 : SOCK_SECURE_E_BACKEND;
}

int tlsman_mbedtls_random(uint8_t *out, size_t len)
{
    return mbedtls_ctr_drbg_random(&ss_drbg, out, len);
}

/* ---- suites ----------------------------------------------------------------------------------- */

/** mbedTLS's key exchange for a table entry's, or -1 if the driver does not route it (ECDHE-ECDSA
 *  needs certificates compiled in). */
static int ss_key_exchange(const tlsman_suite_t *suite)
{
    switch (suite->kx) {
    case TLSMAN_KX_PSK:
        return MBEDTLS_KEY_EXCHANGE_PSK;
    case TLSMAN_KX_ECDHE_ECDSA:
        return SS_X509 ? (int)MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA : -1;
    default:
        return -1;
    }
}

/** mbedTLS's cipher for a table entry's (CCM-8 is AES-CCM with MBEDTLS_CIPHERSUITE_SHORT_TAG). */
static int ss_cipher(const tlsman_suite_t *suite)
{
    switch (suite->cipher) {
    case TLSMAN_CIPHER_AES_128_CCM_8:
    case TLSMAN_CIPHER_AES_128_CCM:
        return MBEDTLS_CIPHER_AES_128_CCM;
    case TLSMAN_CIPHER_AES_128_GCM:
        return MBEDTLS_CIPHER_AES_128_GCM;
    case TLSMAN_CIPHER_AES_256_GCM:
        return MBEDTLS_CIPHER_AES_256_GCM;
#if defined(MBEDTLS_CHACHAPOLY_C)
    case TLSMAN_CIPHER_CHACHA20_POLY1305:
        return MBEDTLS_CIPHER_CHACHA20_POLY1305;
#endif
    default:
        return -1;
    }
}

/** Does this mbedTLS build have the core's table entry @p suite, as the table describes it (key
 *  exchange, cipher), for TLS 1.2 / DTLS 1.2? The driver holds no suite list of its own. */
static bool ss_suite_supported(const tlsman_suite_t *suite, bool datagram)
{
    const mbedtls_ssl_ciphersuite_t *cs =
        suite != NULL ? mbedtls_ssl_ciphersuite_from_id((int)suite->id) : NULL;
    if (cs == NULL || (int)cs->key_exchange != ss_key_exchange(suite) ||
        (int)cs->cipher != ss_cipher(suite) ||
        ((cs->flags & MBEDTLS_CIPHERSUITE_SHORT_TAG) != 0) !=
            (suite->cipher == TLSMAN_CIPHER_AES_128_CCM_8)) {
        return false;
    }
    if (datagram && (cs->flags & MBEDTLS_CIPHERSUITE_NODTLS) != 0) {
        return false;
    }
    if (cs->min_minor_ver > MBEDTLS_SSL_MINOR_VERSION_3 ||
        cs->max_minor_ver < MBEDTLS_SSL_MINOR_VERSION_3) {
        return false;
    }
    return mbedtls_cipher_info_from_type(cs->cipher) != NULL;
}

/* ---- memory BIO and timers --------------------------------------------------------------------- */

static int ss_send_cb(void *p, const unsigned char *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (len > INT_MAX) {
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    int rc = s->t.io->send(s->t.io_ctx, buf, len);
    if (rc == -EAGAIN) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (rc < 0) {
        s->t.io_err = rc;
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    if (rc > 0 && !s->tx_data) {
        /* a plaintext alert's description is read here; an encrypted one's from the error
         * (a datagram that ss_write() knows to hold its one application record has none) */
        tlsman_scan_tx_alerts(&s->t.tx, buf, (size_t)rc, SS_DATAGRAM(s->ctx),
                              s->ssl.transform_out == NULL);
    }
    return rc;
}

static int ss_recv_cb(void *p, unsigned char *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    int rc = s->t.io->recv(s->t.io_ctx, buf, len > INT_MAX ? (size_t)INT_MAX : len);
    if (rc == -EAGAIN) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (rc == -EMSGSIZE) {
        /* the core dropped a datagram too large for mbedTLS's input buffer: to mbedTLS this is
         * a lost datagram (retransmission recovers a handshake); read() reports it */
        s->t.rx_dropped = true;
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (rc < 0) {
        s->t.io_err = rc;
        return MBEDTLS_ERR_NET_RECV_FAILED;
    }
#if defined(MBEDTLS_SSL_PROTO_DTLS)
    /* a handshake message mbedTLS would ignore (too long to reassemble): handshake() ends the
     * handshake instead of waiting for it forever (errors.c, tlsman_mbedtls_hs_too_long) */
    if (rc > 0 && !s->established && SS_DATAGRAM(s->ctx) &&
        tlsman_dtls_hs_too_long(buf, (size_t)rc, MBEDTLS_SSL_IN_CONTENT_LEN - SS_DTLS_HS_HDR)) {
        s->hs_too_long = true;
    }
#endif
    return rc;
}

/*
 * mbedTLS arms the timer after each flight (fin_ms > 0) and stops it (fin_ms 0) when the peer's
 * next flight arrives, when the handshake ends, and - first thing - when it handles an expiry,
 * just before it retransmits and re-arms. The core reads io->timer(false) as "the peer answered,
 * restart the RFC 6347 back-off", so the stop that is part of a retransmission is not passed on:
 * the core then sees only the re-arm and keeps doubling and counting.
 */
static void ss_set_timer(void *p, uint32_t int_ms, uint32_t fin_ms)
{
    ss_mbedtls_session_t *s = p;
    (void)int_ms;
    if (fin_ms == 0) {
        uint8_t was = s->timer;
        s->timer = SS_TIMER_CANCELLED;
        if (was == SS_TIMER_RUNNING) {
            s->t.io->timer(s->t.io_ctx, false);
        }
        return;
    }
    s->timer = SS_TIMER_RUNNING;
    s->t.io->timer(s->t.io_ctx, true);
}

static int ss_get_timer(void *p)
{
    const ss_mbedtls_session_t *s = p;
    switch (s->timer) {
    case SS_TIMER_CANCELLED:
        return -1;
    case SS_TIMER_EXPIRED:
        return 2;
    default:
        return 0;
    }
}

#if defined(MBEDTLS_SSL_SRV_C)
/** Server PSK lookup: the ssl context is the first member of the session. (mbedTLS's client
 * never calls it: a build without its server has neither this nor tlsman_psk_lookup.) */
static int ss_psk_cb(void *p, mbedtls_ssl_context *ssl, const unsigned char *identity,
                     size_t identity_len)
{
    ss_mbedtls_session_t *s = (ss_mbedtls_session_t *)(void *)ssl;
    uint8_t key[CONFIG_SOCK_SECURE_PSK_KEY_MAX < MBEDTLS_PSK_MAX_LEN ? CONFIG_SOCK_SECURE_PSK_KEY_MAX
                                                                     : MBEDTLS_PSK_MAX_LEN];
    (void)p;
    size_t n = tlsman_psk_lookup(&s->t, identity, identity_len, key, sizeof(key));
    int rc = n > 0 && mbedtls_ssl_set_hs_psk(ssl, key, n) == 0 ? 0 : -1;
    tlsman_zero(key, sizeof(key));
    return rc; /* -1: mbedTLS answers unknown_psk_identity */
}
#endif

/* ---- socket state ---------------------------------------------------------------------------- */

static void ss_ctx_free(void *p)
{
    ss_mbedtls_ctx_t *c = p;
    mbedtls_ssl_config_free(&c->conf); /* zeroes and frees the client PSK copy */
#if SS_CLIENT_SERVER
    mbedtls_ssl_config_free(&c->conf_cli);
#endif
#if defined(MBEDTLS_SSL_COOKIE_C)
    mbedtls_ssl_cookie_free(&c->cookie);
#endif
#if SS_X509
    mbedtls_x509_crt_free(&c->own); /* frees the certificates mbedTLS allocated */
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_pk_free(&c->key);       /* zeroes the private key */
#endif
    tlsman_zero(c, sizeof(*c));
}

/**
 * What this mbedTLS build cannot do with a configuration the core accepted (the core has checked
 * everything tlsman_config_t lists; tlsman_ctx_plan what is common to every driver).
 */
static int ss_ctx_check(const tlsman_config_t *cfg)
{
    if (cfg->role == TLSMAN_CLIENT_SERVER && !SS_CLIENT_SERVER) {
        return -ENOTSUP;
    }
    if (cfg->role != TLSMAN_SERVER) {
#if !defined(MBEDTLS_SSL_CLI_C)
        return -ENOTSUP;
#endif
        if (cfg->psk != NULL && cfg->psk->key_len > MBEDTLS_PSK_MAX_LEN) {
            return -ENOTSUP; /* this mbedTLS build takes keys up to MBEDTLS_PSK_MAX_LEN bytes */
        }
    }
    if (cfg->role != TLSMAN_CLIENT) {
#if !defined(MBEDTLS_SSL_SRV_C)
        return -ENOTSUP;
#endif
#if !defined(MBEDTLS_SSL_COOKIE_C) || !defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
        if (cfg->datagram) {
            return -ENOTSUP; /* a DTLS server without cookies would keep state for spoofers */
        }
#endif
    }
    return 0;
}

/* One stack configuration: a socket's, or one of a client-server's two. Everything but
 * certificates (x509.c) and the server's cookie key (set up once, in ss_ctx_init). Returns 0 or an
 * mbedTLS error. */
static int ss_conf_setup(ss_mbedtls_ctx_t *c, mbedtls_ssl_config *conf, bool server,
                         const tlsman_config_t *cfg)
{
    int err = mbedtls_ssl_config_defaults(conf, server ? MBEDTLS_SSL_IS_SERVER
                                                       : MBEDTLS_SSL_IS_CLIENT,
                                          SS_DATAGRAM(c) ? MBEDTLS_SSL_TRANSPORT_DATAGRAM
                                                        : MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (err != 0) {
        return err;
    }
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &ss_drbg);
    /* TLS 1.2 / DTLS 1.2 only (minor version 3 is DTLS 1.2 on datagram transports) */
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    /* no certificates (x509.c sets the mode of a socket that has them) */
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(conf, cfg->renegotiation ? MBEDTLS_SSL_RENEGOTIATION_ENABLED
                                                            : MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    mbedtls_ssl_conf_legacy_renegotiation(conf, MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
    mbedtls_ssl_conf_renegotiation_enforced(conf, MBEDTLS_SSL_RENEGOTIATION_NOT_ENFORCED);
#endif
    mbedtls_ssl_conf_read_timeout(conf, 0);
#if defined(SS_MFL_CODE)
    if (!server) {
        err = mbedtls_ssl_conf_max_frag_len(conf, SS_MFL_CODE);
        if (err != 0) {
            return err;
        }
    }
#endif
    /* exactly the checked list (c->suites): mbedTLS negotiates nothing else */
    mbedtls_ssl_conf_ciphersuites(conf, c->suites);
#if defined(MBEDTLS_SSL_PROTO_DTLS)
    if (SS_DATAGRAM(c)) {
        /* the core owns retransmission: mbedTLS's own back-off must never end the handshake */
        mbedtls_ssl_conf_handshake_timeout(conf, 1, UINT32_MAX);
#if defined(MBEDTLS_SSL_DTLS_BADMAC_LIMIT)
        /* mbedTLS counts records failing authentication (ssl->badmac_seen) only with a limit:
         * one it never reaches, so that read() can report them (they are still discarded) */
        mbedtls_ssl_conf_dtls_badmac_limit(conf, UINT_MAX);
#endif
    }
#endif
    if (server) { /* (ss_ctx_check refused a server role without MBEDTLS_SSL_SRV_C) */
#if defined(MBEDTLS_SSL_COOKIE_C) && defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
        if (SS_DATAGRAM(c)) {
            mbedtls_ssl_conf_dtls_cookies(conf, mbedtls_ssl_cookie_write,
                                          mbedtls_ssl_cookie_check, &c->cookie);
        }
#endif
        /* mbedTLS 2.28 servers send no PSK identity hint (no ServerKeyExchange for plain PSK,
         * an empty hint for (EC)DHE-PSK): no TLSMAN_CAP_PSK_HINT, so the core passes none. */
#if defined(MBEDTLS_SSL_SRV_C)
        mbedtls_ssl_conf_psk_cb(conf, ss_psk_cb, c);
#endif
    } else if (cfg->psk != NULL) {
        err = mbedtls_ssl_conf_psk(conf, cfg->psk->key, cfg->psk->key_len, cfg->psk->identity,
                                   cfg->psk->identity_len);
    }
    return err;
}

static int ss_ctx_init(void *p, const tlsman_config_t *cfg)
{
    ss_mbedtls_ctx_t *c = p;
    int rc;

    memset(c, 0, sizeof(*c));
    mbedtls_ssl_config_init(&c->conf);
#if SS_CLIENT_SERVER
    mbedtls_ssl_config_init(&c->conf_cli);
#endif
#if defined(MBEDTLS_SSL_COOKIE_C)
    mbedtls_ssl_cookie_init(&c->cookie);
#endif
#if SS_X509
    mbedtls_x509_crt_init(&c->own);
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_pk_init(&c->key);
#endif

    tlsman_plan_t plan;
    if ((rc = tlsman_ctx_plan(cfg, &c->k, &plan)) < 0 || (rc = ss_ctx_check(cfg)) < 0 ||
        (rc = ss_rng_ready()) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    for (size_t i = 0; i < cfg->suite_count; i++) {
        c->suites[i] = (int)cfg->suites[i]->id;
    }
    c->suites[cfg->suite_count] = 0;

    int err = 0;
#if defined(MBEDTLS_SSL_COOKIE_C) && defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
    if (c->k.server && SS_DATAGRAM(c)) {
        err = mbedtls_ssl_cookie_setup(&c->cookie, mbedtls_ctr_drbg_random, &ss_drbg);
    }
#endif
    if (err == 0) {
        err = ss_conf_setup(c, &c->conf, c->k.server, cfg);
    }
#if SS_CLIENT_SERVER
    if (err == 0 && c->k.both) {
        err = ss_conf_setup(c, &c->conf_cli, false, cfg);
    }
#endif
    if (err != 0) {
        ss_ctx_free(c);
        return tlsman_mbedtls_setup_error(err);
    }
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    c->renegotiation = cfg->renegotiation;
#endif
#if SS_RESUME
    if ((rc = tlsman_mbedtls_conf_resumption(c, cfg)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
#endif
#if SS_X509
    if ((rc = tlsman_mbedtls_conf_x509(c, cfg, &plan)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
#endif
    return 0;
}

/* ---- sessions ---------------------------------------------------------------------------------- */

static void ss_session_free(void *p)
{
    ss_mbedtls_session_t *s = p;
    mbedtls_ssl_free(&s->ssl); /* zeroes and frees record buffers and handshake state */
    tlsman_zero(s, sizeof(*s));
}

static int ss_session_init(void *ctx, void *p, void *io_ctx, const uint8_t *peer_id,
                           size_t peer_id_len)
{
    ss_mbedtls_ctx_t *c = ctx;
    ss_mbedtls_session_t *s = p;

    memset(s, 0, sizeof(*s));
    mbedtls_ssl_init(&s->ssl);
    s->ctx = c;
    tlsman_sess_init(&s->t, c->k.io, io_ctx);
    s->timer = SS_TIMER_CANCELLED;

    /* a client-server's sessions: a server session has the peer id its cookies are bound to,
     * a client session (the core's connect()) none */
    bool server = c->k.server && !(c->k.both && peer_id == NULL);
#if SS_CLIENT_SERVER
    int err = mbedtls_ssl_setup(&s->ssl, server || !c->k.both ? &c->conf : &c->conf_cli);
#else
    int err = mbedtls_ssl_setup(&s->ssl, &c->conf);
#endif
    if (err != 0) {
        ss_session_free(s);
        return tlsman_mbedtls_setup_error(err);
    }
    mbedtls_ssl_set_bio(&s->ssl, s, ss_send_cb, ss_recv_cb, NULL);
    mbedtls_ssl_set_timer_cb(&s->ssl, s, ss_set_timer, ss_get_timer);
#if SS_X509
    if (c->k.verify_cb != NULL) {
        mbedtls_ssl_set_verify(&s->ssl, tlsman_mbedtls_verify_cb, s);
    }
#endif
#if defined(MBEDTLS_SSL_PROTO_DTLS)
    if (SS_DATAGRAM(c) && c->k.mtu != 0) {
        mbedtls_ssl_set_mtu(&s->ssl, c->k.mtu);
    }
#endif
#if defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY) && defined(MBEDTLS_SSL_SRV_C)
    if (server && SS_DATAGRAM(c)) {
        /* the cookie binds the peer's address: without it every cookie check fails */
        if (peer_id == NULL || peer_id_len == 0) {
            ss_session_free(s);
            return -EINVAL;
        }
        err = mbedtls_ssl_set_client_transport_id(&s->ssl, peer_id, peer_id_len);
        if (err != 0) {
            ss_session_free(s);
            return tlsman_mbedtls_setup_error(err);
        }
    }
#else
    (void)server;
    (void)peer_id;
    (void)peer_id_len;
#endif
    return 0;
}

/* Client: offer @p psk in this session instead of the configuration's. */
static int ss_set_psk(void *p, const sock_secure_psk_t *psk)
{
    ss_mbedtls_session_t *s = p;
    if (s->ssl.conf == NULL || s->ssl.conf->endpoint != MBEDTLS_SSL_IS_CLIENT || psk == NULL ||
        psk->identity == NULL || psk->identity_len == 0 || psk->key == NULL ||
        psk->key_len == 0) {
        return -EINVAL;
    }
    if (psk->key_len > MBEDTLS_PSK_MAX_LEN) {
        return -ENOTSUP; /* this mbedTLS build takes keys up to MBEDTLS_PSK_MAX_LEN bytes */
    }
    s->psk = *psk;
    s->own_psk = true;
    return 0;
}

/* mbedtls_ssl_handshake() step by step, to see whether the session is resumed: mbedTLS frees the
 * handshake state that says so when it ends. Its flag is final once the hellos are exchanged (a
 * client offering a session sets it at the start, and clears it if the ServerHello does not take
 * the session). */
static int ss_handshake_steps(ss_mbedtls_session_t *s)
{
    int err = 0;
    while (err == 0 && s->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
        err = mbedtls_ssl_handshake_step(&s->ssl);
        if (s->ssl.handshake != NULL && s->ssl.state > MBEDTLS_SSL_SERVER_HELLO) {
            s->resumed = s->ssl.handshake->resume != 0;
        }
    }
    return err;
}

static int ss_handshake(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (s->established) {
        return 0;
    }
    tlsman_call_begin(&s->t);
    int err;
    if (s->own_psk) {
        /* mbedTLS 2.28's client offers PSK suites only if its configuration has a PSK, and sends
         * the configuration's identity (mbedtls_ssl_set_hs_psk() sets only the key): for this
         * session's steps the configuration (the socket's, ours) names this session's PSK. One
         * socket is stepped by one caller at a time, and nothing reads these fields between
         * handshake steps. */
#if SS_CLIENT_SERVER
        mbedtls_ssl_config *conf = s->ssl.conf == &s->ctx->conf ? &s->ctx->conf
                                                                : &s->ctx->conf_cli;
#else
        mbedtls_ssl_config *conf = &s->ctx->conf;
#endif
        unsigned char *key = conf->psk, *id = conf->psk_identity;
        size_t key_len = conf->psk_len, id_len = conf->psk_identity_len;
        conf->psk = (unsigned char *)(uintptr_t)s->psk.key;
        conf->psk_len = s->psk.key_len;
        conf->psk_identity = (unsigned char *)(uintptr_t)s->psk.identity;
        conf->psk_identity_len = s->psk.identity_len;
        err = ss_handshake_steps(s);
        conf->psk = key;
        conf->psk_len = key_len;
        conf->psk_identity = id;
        conf->psk_identity_len = id_len;
    } else {
        err = ss_handshake_steps(s);
    }
    tlsman_mbedtls_note_verify(s);
    if (err == 0) {
        s->established = true;
        return 0;
    }
    if (err == MBEDTLS_ERR_SSL_WANT_READ && s->hs_too_long) {
        return tlsman_mbedtls_hs_too_long(s); /* mbedTLS ignored a message it cannot take */
    }
    tlsman_mbedtls_missing_alert(s, err); /* what mbedTLS 2.28 fails to tell the peer */
    return ss_error(s, err, true);
}

static void ss_timer_expired(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (s->timer == SS_TIMER_RUNNING) {
        s->timer = SS_TIMER_EXPIRED;
    }
}

/** Records mbedTLS discarded for failing authentication so far (DTLS; see ss_ctx_init). */
static unsigned ss_badmac_seen(const ss_mbedtls_session_t *s)
{
#if defined(MBEDTLS_SSL_DTLS_BADMAC_LIMIT)
    return s->ssl.badmac_seen;
#else
    (void)s;
    return 0;
#endif
}

/** mbedtls_ssl_get_bytes_avail() of 2.28 from the context's public fields (twice per record). */
static size_t ss_avail(const mbedtls_ssl_context *ssl)
{
    return ssl->in_offt == NULL ? 0 : ssl->in_msglen;
}

/** After a call that may have run a renegotiation: note one that started (ours, or the peer's
 *  hello), and tell the core when it completed (the new keys are in use). A server that refused
 *  ours (a no_renegotiation warning) leaves mbedTLS 2.28 waiting for a ServerHello for ever, its
 *  writes blocked: the session ends at once instead. Returns 0 or SOCK_SECURE_E_ALERT. */
static int ss_renew_check_slow(ss_mbedtls_session_t *s)
{
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    if (s->ssl.renego_status == MBEDTLS_SSL_RENEGOTIATION_IN_PROGRESS) {
        s->renewing = true;
        if (s->ssl.state == MBEDTLS_SSL_SERVER_HELLO && s->ssl.in_msg != NULL &&
            s->ssl.in_msgtype == MBEDTLS_SSL_MSG_ALERT && s->ssl.in_msglen >= SS_ALERT_LEN &&
            s->ssl.in_msg[0] == SS_ALERT_LEVEL_WARNING &&
            s->ssl.in_msg[1] == MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION) {
            tlsman_alert_set(&s->t, MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION,
                             TLSMAN_ALERT_RECEIVED);
            return SOCK_SECURE_E_ALERT;
        }
    } else if (s->renewing && s->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER &&
               s->ssl.renego_status == MBEDTLS_SSL_RENEGOTIATION_DONE) {
        s->renewing = false;
        if (s->t.io->renewed != NULL) {
            s->t.io->renewed(s->t.io_ctx);
        }
    }
#else
    (void)s;
#endif
    return 0;
}

/* The same, with the answer for a session outside any renegotiation (every record's) here. */
static inline int ss_renew_check(ss_mbedtls_session_t *s)
{
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    if (s->ssl.renego_status != MBEDTLS_SSL_RENEGOTIATION_IN_PROGRESS && !s->renewing) {
        return 0;
    }
#endif
    return ss_renew_check_slow(s);
}

static int ss_renew(void *p)
{
    ss_mbedtls_session_t *s = p;
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    if (!s->established) {
        return -ENOTCONN;
    }
    if (!ss_renegotiation(s->ctx)) {
        return -ENOTSUP;
    }
    if (s->renewing || s->ssl.renego_status == MBEDTLS_SSL_RENEGOTIATION_PENDING) {
        return -EALREADY;
    }
    tlsman_call_begin(&s->t);
    int err = mbedtls_ssl_renegotiate(&s->ssl); /* client: its hello; server: a HelloRequest */
    if (s->ssl.renego_status == MBEDTLS_SSL_RENEGOTIATION_IN_PROGRESS) {
        s->renewing = true;
    }
    if (err == 0 || err == MBEDTLS_ERR_SSL_WANT_READ || err == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return ss_renew_check(s);
    }
    return ss_error(s, err, false);
#else
    (void)s;
    return -ENOTSUP;
#endif
}

static int ss_read(void *p, uint8_t *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    tlsman_call_begin(&s->t);

    size_t avail = ss_avail(&s->ssl);
    if (avail == 0) {
        /* With len 0 mbedTLS 2.28 processes input up to the next application record and leaves
         * it in place (ssl->in_offt set, nothing copied or consumed). Handshake records of an
         * old flight, non-fatal alerts and bad records are dealt with inside (WANT_READ). */
        unsigned bad_before = ss_badmac_seen(s);
        int err = mbedtls_ssl_read(&s->ssl, NULL, 0);
        int refused = ss_renew_check(s);
        if (refused < 0) {
            return refused;
        }
        if (err < 0) {
            err = ss_error(s, err, false);
            bool dropped = s->t.rx_dropped || ss_badmac_seen(s) != bad_before;
            return err == -EAGAIN && dropped ? SOCK_SECURE_E_BAD_RECORD : err;
        }
        avail = ss_avail(&s->ssl);
        if (avail == 0) {
            return -EAGAIN; /* nothing, or an empty record */
        }
    }
    if (avail > INT_MAX) {
        return SOCK_SECURE_E_BACKEND;
    }
    if (len == 0) {
        return (int)avail;
    }
    if (buf == NULL) {
        return -EINVAL;
    }
    if (avail > len && SS_DATAGRAM(s->ctx)) {
        return -EMSGSIZE; /* the record stays: call again with a larger buffer */
    }
    if (avail <= len) {
        /* The record is decrypted and waiting (read(len 0) above or earlier; avail is
         * ss_avail(): in_offt set, in_msglen bytes): take it the way
         * the tail of mbedtls_ssl_read() in 2.28 does - copy, wipe, mark consumed - without a
         * second pass through its record machinery (about 1,000 instructions per record). */
        memcpy(buf, s->ssl.in_offt, avail);
        tlsman_zero(s->ssl.in_offt, avail);
        s->ssl.in_msglen = 0;
        s->ssl.in_offt = NULL;
        s->ssl.keep_current_message = 0;
        return (int)avail;
    }
    int n = mbedtls_ssl_read(&s->ssl, buf, len); /* a stream takes what fits; the rest stays */
    if (n < 0) {
        return ss_error(s, n, false);
    }
    return n;
}

/** Undecrypted input still buffered: more records of the current datagram, or more handshake
 *  messages of the current record. Unlike mbedtls_ssl_check_pending() a decrypted record waiting
 *  to be read does not count (read(len 0) reports that one). */
static bool ss_pending(void *p)
{
    ss_mbedtls_session_t *s = p;
    const mbedtls_ssl_context *ssl = &s->ssl;
    if (ssl->conf == NULL) {
        return false;
    }
    if (ssl->in_offt == NULL) {
        /* mbedtls_ssl_check_pending() of 2.28, cases A to C (D is in_offt), read from the
         * context's public fields: that function costs a debug call each time it finds nothing,
         * which is after every record read */
        if (ssl->keep_current_message) {
            return true;
        }
#if defined(MBEDTLS_SSL_PROTO_DTLS)
        if (ssl->conf->transport == MBEDTLS_SSL_TRANSPORT_DATAGRAM &&
            ssl->in_left > ssl->next_record_offset) {
            return true;
        }
#endif
        return ssl->in_hslen > 0 && ssl->in_hslen < ssl->in_msglen;
    }
#if defined(MBEDTLS_SSL_PROTO_DTLS)
    if (ssl->conf->transport == MBEDTLS_SSL_TRANSPORT_DATAGRAM) {
        return ssl->in_left > ssl->next_record_offset;
    }
#endif
    return false;
}

static size_t ss_max_payload(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (s->ssl.conf == NULL) {
        return 0;
    }
    int n = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    return n > 0 ? (size_t)n : 0;
}

#if CONFIG_SOCK_SECURE_STREAMS
static int ss_flush(void *p);

/*
 * TLS: one record of up to @p max bytes. mbedTLS wants a write that returned WANT_WRITE repeated
 * with the same data; instead, once the record is built (output pending) it counts as accepted,
 * and the pending output is flushed before anything new is taken. So no byte is lost, repeated or
 * reordered, whatever the caller passes next.
 */
static int ss_write_stream(ss_mbedtls_session_t *s, const uint8_t *buf, size_t len, size_t max)
{
    int rc = ss_flush(s);
    if (rc < 0) {
        return rc; /* -EAGAIN: earlier output still waits; nothing new taken */
    }
    tlsman_call_begin(&s->t);
    size_t n = len < max ? len : max;
    rc = mbedtls_ssl_write(&s->ssl, buf, n);
    if (ss_renew_check(s) < 0 || rc == MBEDTLS_ERR_SSL_WAITING_SERVER_HELLO_RENEGO) {
        return -EAGAIN; /* the refusal ends the session at the next read */
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE && s->ssl.out_left > 0) {
        return (int)n; /* encrypted and queued: flushed by the next write or flush */
    }
    return rc < 0 ? ss_error(s, rc, false) : rc;
}
#endif

static int ss_write(void *p, const uint8_t *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    tlsman_call_begin(&s->t);
#if CONFIG_SOCK_SECURE_STREAMS
    if (!SS_DATAGRAM(s->ctx)) {
        int max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
        if (max < 0) {
            return ss_error(s, max, false);
        }
        return ss_write_stream(s, buf, len, (size_t)max);
    }
#endif
    /* DTLS: mbedTLS compares the length with the maximum payload itself and refuses a larger
     * record (BAD_INPUT_DATA, nothing sent), so it is not computed twice. With no output pending,
     * the one datagram this write sends holds just this application record: ss_send_cb() need
     * not look for alerts in it (nor while a renegotiation may send its own messages first). */
    s->tx_data = s->ssl.out_left == 0 && !s->renewing;
    int n = mbedtls_ssl_write(&s->ssl, buf, len);
    s->tx_data = false;
    if (n == MBEDTLS_ERR_SSL_BAD_INPUT_DATA && len > ss_max_payload(s)) {
        return -EMSGSIZE;
    }
    if (ss_renew_check(s) < 0 || n == MBEDTLS_ERR_SSL_WAITING_SERVER_HELLO_RENEGO) {
        return -EAGAIN; /* WANT_READ while renegotiating; a refusal ends the session at the next read */
    }
    if (n < 0) {
        return ss_error(s, n, false);
    }
    return n;
}

#if CONFIG_SOCK_SECURE_STREAMS
/* Push what the transport refused earlier. With output pending, mbedtls_ssl_write() only
 * flushes (and its length argument is ignored): the public way to reach mbedtls_ssl_flush_output. */
static int ss_flush(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established || s->ssl.out_left == 0) {
        return 0;
    }
    tlsman_call_begin(&s->t);
    int rc = mbedtls_ssl_write(&s->ssl, (const unsigned char *)"", 0);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return -EAGAIN;
    }
    return rc < 0 ? ss_error(s, rc, false) : 0;
}
#endif

static int ss_close_notify(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    tlsman_call_begin(&s->t);
    int err = mbedtls_ssl_close_notify(&s->ssl);
    if (err != 0) {
        return ss_error(s, err, false);
    }
    tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_SENT);
    return 0;
}

static int ss_info(void *p, tlsman_info_t *info)
{
    const ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return tlsman_info(&s->t, info, 0, NULL);
    }
    /* the id itself (2.28's fields are public): no lookup through the suite's name; the
     * version is the only one ss_ctx_init allows (minimum = maximum = 1.2), so no
     * mbedtls_ssl_get_version() and its table of names */
    int rc = tlsman_info(&s->t, info, s->ssl.session != NULL ? s->ssl.session->ciphersuite : 0,
                         SS_DATAGRAM(s->ctx) ? "DTLSv1.2" : "TLSv1.2");
    info->resumed = s->resumed;
    return rc;
}

#if SS_X509 && defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
static size_t ss_peer_subject(void *p, char *buf, size_t len)
{
    const ss_mbedtls_session_t *s = p;
    const mbedtls_x509_crt *peer = s->established ? mbedtls_ssl_get_peer_cert(&s->ssl) : NULL;
    int n = peer != NULL ? mbedtls_x509_dn_gets(buf, len, &peer->subject) : -1;
    if (n < 0) {
        buf[0] = '\0'; /* none, or too long for the room: nothing rather than a cut name */
        return 0;
    }
    return (size_t)n;
}
#endif

/* ---- stateless cookies (the core answers cookie-less ClientHellos itself) --------------------- */
#if defined(MBEDTLS_SSL_COOKIE_C)

static int ss_cookie_write(void *ctx, const uint8_t *peer_id, size_t peer_id_len, uint8_t *out,
                           size_t out_max)
{
    ss_mbedtls_ctx_t *c = ctx;
    if (!c->k.server || !SS_DATAGRAM(c)) {
        return -ENOTSUP;
    }
    unsigned char *p = out;
    if (mbedtls_ssl_cookie_write(&c->cookie, &p, out + out_max, peer_id, peer_id_len) != 0) {
        return -EMSGSIZE;
    }
    return (int)(p - out);
}

static int ss_cookie_check(void *ctx, const uint8_t *peer_id, size_t peer_id_len,
                           const uint8_t *cookie, size_t cookie_len)
{
    ss_mbedtls_ctx_t *c = ctx;
    if (!c->k.server || !SS_DATAGRAM(c)) {
        return -ENOTSUP;
    }
    return mbedtls_ssl_cookie_check(&c->cookie, cookie, cookie_len, peer_id, peer_id_len) == 0
               ? 0
               : -EINVAL;
}
#endif

#if defined(MBEDTLS_SSL_CLI_C)
#define SS_CAP_PSK_PER_SESSION TLSMAN_CAP_PSK_PER_SESSION
#else
#define SS_CAP_PSK_PER_SESSION 0u
#endif

const tlsman_driver_t tlsman_mbedtls = {
    .name = "mbedtls",
    .version = MBEDTLS_VERSION_STRING,
    .caps = SS_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | (SS_X509 ? TLSMAN_CAP_X509 : 0u) |
            (SS_CLIENT_SERVER ? TLSMAN_CAP_CLIENT_SERVER : 0u) | SS_CAP_PSK_PER_SESSION |
            (SS_RESUME ? TLSMAN_CAP_RESUMPTION : 0u) | SS_CAP_RENEGOTIATION |
            (SS_SAVE ? TLSMAN_CAP_SAVE_RESTORE : 0u),
    .ctx_size = sizeof(ss_mbedtls_ctx_t),
    .session_size = sizeof(ss_mbedtls_session_t),
    .suite_supported = ss_suite_supported,
    .ctx_init = ss_ctx_init,
    .ctx_free = ss_ctx_free,
    .session_init = ss_session_init,
    .session_free = ss_session_free,
    .handshake = ss_handshake,
    .timer_expired = ss_timer_expired,
    .read = ss_read,
    .pending = ss_pending,
    .write = ss_write,
    .close_notify = ss_close_notify,
    .renew = ss_renew, /* -ENOTSUP unless configured (and compiled in) */
    .info = ss_info,
#if SS_X509 && defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
    .peer_subject = ss_peer_subject,
#endif
    .max_payload = ss_max_payload,
#if CONFIG_SOCK_SECURE_STREAMS /* (TLS only: the core's streams.c) */
    .flush = ss_flush,
#endif
#if defined(MBEDTLS_SSL_COOKIE_C)
    .cookie_write = ss_cookie_write,
    .cookie_check = ss_cookie_check,
#endif
#if SS_X509
    .cred_check = tlsman_mbedtls_cred_check,
    .set_peer_ip = tlsman_mbedtls_set_peer_ip,
#if defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
    .set_server_name = tlsman_mbedtls_set_server_name,
#endif
#else /* PSK only: no certificates to check, no names or addresses to expect in them */
    .cred_check = tlsman_cred_check_none,
#endif
#if defined(MBEDTLS_SSL_CLI_C)
    .set_psk = ss_set_psk,
#endif
#if SS_RESUME
    .session_export = tlsman_mbedtls_session_export,
    .session_resume = tlsman_mbedtls_session_resume,
    .ticket_key = tlsman_mbedtls_ticket_key,
#endif
#if SS_SAVE
    .session_save = tlsman_mbedtls_session_save,
    .session_load = tlsman_mbedtls_session_load,
#endif
};
