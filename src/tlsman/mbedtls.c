/**
 * @file mbedtls.c
 * @brief TLSMAN driver for mbedTLS 2.28 (DTLS 1.2 / TLS 1.2 with pre-shared keys and with
 *        X.509 certificates: the ECDHE-ECDSA suites on P-256).
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
 * DNS names only, so ss_verify_cb checks the peer's certificate's iPAddress subjectAltNames itself
 * (x509_ip.h) and reports a mismatch as mbedTLS reports a wrong name (CN_MISMATCH). mbedTLS 2.28
 * has no raw public keys (RFC 7250): no TLSMAN_CAP_RPK.
 *
 * Memory: the per-socket state (ssl config, cookie key, suite list, own certificate, trust
 * anchors, key) and the per-session state (ssl context) live in the core's areas (1816 and 808
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
 * Renegotiation stays disabled (mbedTLS's default: enabling it would also let any peer start one
 * at will), so renew is NULL. mbedTLS 2.28 servers cannot send a PSK identity hint (ssl_srv.c
 * sends no ServerKeyExchange for plain PSK and an empty hint for (EC)DHE-PSK; there is no API
 * for one): no TLSMAN_CAP_PSK_HINT, and ctx_init refuses tlsman_config_t.psk_hint (-ENOTSUP).
 */

/* pthread_once for the one-time RNG seeding (only with MBEDTLS_THREADING_PTHREAD). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(MBEDTLS_CONFIG_FILE)
#include <mbedtls/config.h>
#else
#include MBEDTLS_CONFIG_FILE
#endif

#include <mbedtls/cipher.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/version.h>
#if defined(MBEDTLS_X509_CRT_PARSE_C)
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#endif

#if defined(MBEDTLS_THREADING_PTHREAD)
#include <pthread.h>
#endif

#include "builtin.h"
#include "common.h"
#include "secure_sock/config.h"
#include "secure_sock/error.h"
#include "secure_sock/tlsman.h"

#if MBEDTLS_VERSION_NUMBER < 0x021C0000 || MBEDTLS_VERSION_NUMBER >= 0x03000000
#error "this driver is written for mbedTLS 2.28 (LTS)"
#endif
#if !defined(MBEDTLS_SSL_PROTO_TLS1_2) || !defined(MBEDTLS_KEY_EXCHANGE_PSK_ENABLED)
#error "mbedTLS must have TLS 1.2 and the PSK key exchange"
#endif

/* Certificates (TLSMAN_CAP_X509, the ECDHE-ECDSA suites) need X.509 parsing, the ECDHE-ECDSA key
 * exchange and P-256; without them the driver is PSK-only and says so in its caps. */
#if defined(MBEDTLS_X509_CRT_PARSE_C) && defined(MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED) && \
    defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED) && defined(MBEDTLS_PK_PARSE_C)
#define SS_X509 1
#else
#define SS_X509 0
#endif

#if defined(MBEDTLS_SSL_PROTO_DTLS)
#define SS_CAP_DTLS TLSMAN_CAP_DTLS
#else
#define SS_CAP_DTLS 0u /* no DTLS compiled in: the core refuses datagram transports */
#endif

/* ---- state ------------------------------------------------------------------------------------ */

/** Timer state as mbedTLS sees it through ss_get_timer(). */
enum {
    SS_TIMER_CANCELLED = 0, /**< get_timer -1 */
    SS_TIMER_RUNNING = 1,   /**< get_timer 0 */
    SS_TIMER_EXPIRED = 2,   /**< get_timer 2: the core called timer_expired since the last set */
};

/** Per-socket state, in the core's ctx area. */
typedef struct {
    mbedtls_ssl_config conf;                /**< shared by every session of the socket */
#if defined(MBEDTLS_SSL_COOKIE_C)
    mbedtls_ssl_cookie_ctx cookie;          /**< server: HelloVerifyRequest cookie key */
#endif
#if SS_X509
    mbedtls_x509_crt own;                   /**< own certificate chain (leaf first) */
    mbedtls_x509_crt ca;                    /**< trust anchors */
    mbedtls_pk_context key;                 /**< own private key */
#endif
    int suites[CONFIG_SOCK_SECURE_MAX_SUITES + 1]; /**< mbedTLS wants a 0-terminated int list */
    tlsman_sock_t k;                        /**< role, transport, callbacks (common.h) */
} ss_mbedtls_ctx_t;

/** Per-session state, in the core's session area. */
typedef struct {
    /** First member: the PSK callback is handed this pointer and gets back to the session. */
    mbedtls_ssl_context ssl;
    ss_mbedtls_ctx_t *ctx;         /**< the socket */
    tlsman_sess_t t;               /**< callbacks, I/O errors, alert, verification (common.h) */
    tlsman_tx_alert_t tx;          /**< alert records sent during the current call */
    uint8_t timer;                 /**< SS_TIMER_* */
    bool established;              /**< handshake() returned 0 */
} ss_mbedtls_session_t;

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

/* ---- errors and alerts ------------------------------------------------------------------------ */

/** The alert mbedTLS 2.28 sends (fatal) when it fails with @p err, for encrypted alerts whose
 *  description the send callback cannot read. */
static uint8_t ss_alert_for(int err)
{
    switch (err) {
    case MBEDTLS_ERR_SSL_INVALID_MAC:
        return SS_ALERT_BAD_RECORD_MAC;
    case MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY:
        return SS_ALERT_UNKNOWN_PSK_IDENTITY;
    case MBEDTLS_ERR_SSL_BAD_HS_FINISHED:
        return SS_ALERT_DECRYPT_ERROR;
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
        return SS_ALERT_HANDSHAKE_FAILURE;
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
        return SS_ALERT_PROTOCOL_VERSION;
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
        return SS_ALERT_UNEXPECTED_MESSAGE;
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE:
        return SS_ALERT_DECODE_ERROR;
    case MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC:
        return SS_ALERT_ILLEGAL_PARAMETER;
    default:
        return SS_ALERT_INTERNAL_ERROR;
    }
}

#if SS_X509
/** An X.509 or PK parsing error (high-level code in the X509 or PK module's range): the peer's
 *  certificate could not be read. */
static bool ss_is_x509_error(int err)
{
    int high = -err & 0xFF80; /* high-level part of an mbedTLS error code */
    return (high >= 0x2080 && high <= 0x2980) || (high >= 0x3880 && high <= 0x3F80);
}

/** SOCK_SECURE_VFY_* bits for mbedTLS verification flags (MBEDTLS_X509_BADCERT_*). */
static uint32_t ss_vfy_bits(uint32_t f)
{
    uint32_t v = 0;
    f &= ~(uint32_t)MBEDTLS_X509_BADCERT_SKIP_VERIFY; /* verification off: not a failure */
    if (f == 0) {
        return 0;
    }
    if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        v |= SOCK_SECURE_VFY_UNKNOWN_CA; /* also a signature that does not verify: mbedTLS does
                                            not tell the two apart */
    }
    if (f & MBEDTLS_X509_BADCERT_EXPIRED) {
        v |= SOCK_SECURE_VFY_EXPIRED;
    }
    if (f & MBEDTLS_X509_BADCERT_FUTURE) {
        v |= SOCK_SECURE_VFY_NOT_YET_VALID;
    }
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        v |= SOCK_SECURE_VFY_NAME_MISMATCH;
    }
    if (f & MBEDTLS_X509_BADCERT_MISSING) {
        v |= SOCK_SECURE_VFY_NO_CERT;
    }
    if (f & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
             MBEDTLS_X509_BADCERT_BAD_KEY)) {
        v |= SOCK_SECURE_VFY_BAD_KEY;
    }
    if (f & MBEDTLS_X509_BADCERT_REVOKED) {
        v |= SOCK_SECURE_VFY_REVOKED;
    }
    /* key usage, extended key usage, CRL problems, and BADCERT_OTHER (set by ss_verify_cb for
     * the application's bits, which are reported as they are) */
    if ((f & ~(uint32_t)(MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED |
                         MBEDTLS_X509_BADCERT_FUTURE | MBEDTLS_X509_BADCERT_CN_MISMATCH |
                         MBEDTLS_X509_BADCERT_MISSING | MBEDTLS_X509_BADCERT_BAD_MD |
                         MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY |
                         MBEDTLS_X509_BADCERT_REVOKED | MBEDTLS_X509_BADCERT_OTHER)) != 0) {
        v |= SOCK_SECURE_VFY_OTHER;
    }
    return v;
}

/** Record the outcome of the peer verification so far in s->t.verify (after each handshake
 *  step; the application's bits are in s->t.vfy_app). */
static void ss_note_verify(ss_mbedtls_session_t *s)
{
    uint32_t f = mbedtls_ssl_get_verify_result(&s->ssl);
    uint32_t v = 0;
    if (!s->t.vfy_abort && f != UINT32_MAX) { /* UINT32_MAX: no session, or verify_cb failed */
        v = ss_vfy_bits(f);
        if ((f & MBEDTLS_X509_BADCERT_OTHER) && s->t.vfy_app == 0) {
            v |= SOCK_SECURE_VFY_OTHER;
        }
    }
    s->t.verify = v;
}
#else
static void ss_note_verify(ss_mbedtls_session_t *s)
{
    (void)s;
}
#endif

/**
 * Turn an mbedTLS error into a secure_sock code, recording the alert behind it: the one the peer
 * sent (FATAL_ALERT_MESSAGE), or the one mbedTLS sent before giving up (seen by ss_send_cb).
 * @p in_handshake picks the code for authentication failures (handshake vs. record).
 */
static int ss_error(ss_mbedtls_session_t *s, int err, bool in_handshake)
{
    mbedtls_ssl_context *ssl = &s->ssl;

    switch (err) {
    case MBEDTLS_ERR_SSL_WANT_READ:
    case MBEDTLS_ERR_SSL_WANT_WRITE:
    case MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS:
    case MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS:
        return -EAGAIN;
    case MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED:
        return SOCK_SECURE_E_HELLO_VERIFY;
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        /* mbedTLS 2.28 has no getter for the received alert; its fields are public in this
         * version (no MBEDTLS_PRIVATE) and in_msg holds the alert record after this error. */
        if (ssl->in_msg != NULL && ssl->in_msgtype == MBEDTLS_SSL_MSG_ALERT) {
            tlsman_alert_set(&s->t, ssl->in_msg[1], TLSMAN_ALERT_RECEIVED);
        }
        return SOCK_SECURE_E_ALERT;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_RECEIVED);
        return SOCK_SECURE_E_PEER_CLOSED;
    default:
        break;
    }

    if (s->tx.fatal) {
        tlsman_alert_set(&s->t, s->tx.known ? s->tx.desc : ss_alert_for(err), TLSMAN_ALERT_SENT);
    }

    switch (err) {
    case MBEDTLS_ERR_SSL_TIMEOUT:
        return -ETIMEDOUT;
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
        return -ENOMEM;
    case MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY:
        return SOCK_SECURE_E_PSK_IDENTITY;
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
        return SOCK_SECURE_E_NO_SUITE;
    case MBEDTLS_ERR_SSL_CONN_EOF:
        return -ECONNRESET;
    case MBEDTLS_ERR_SSL_CLIENT_RECONNECT:
        /* a DTLS client restarted on the same address with a valid cookie: this session is
         * over; the client's retransmitted ClientHello starts a new one */
        return -ECONNRESET;
    case MBEDTLS_ERR_NET_SEND_FAILED:
    case MBEDTLS_ERR_NET_RECV_FAILED:
        return s->t.io_err < 0 ? s->t.io_err : -EIO;
#if SS_X509
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED: /* the chain, name, dates or verify_cb (flags) */
    case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE: /* required, none sent */
    case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
        return SOCK_SECURE_E_VERIFY;
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
        /* the certificate's key (curve) or usage was refused (flags set), or the message was
         * malformed (no flags) */
        return tlsman_vfy_all(&s->t) != 0 ? SOCK_SECURE_E_VERIFY
                              : in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
#endif
    case MBEDTLS_ERR_SSL_INVALID_MAC:
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
    case MBEDTLS_ERR_SSL_UNEXPECTED_RECORD:
    case MBEDTLS_ERR_SSL_COUNTER_WRAPPING:
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO_DONE:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_RP:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_CS:
    case MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC:
    case MBEDTLS_ERR_SSL_BAD_HS_FINISHED:
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
    case MBEDTLS_ERR_SSL_BAD_HS_NEW_SESSION_TICKET:
        /* After the handshake these end the session too (mbedTLS drops bad DTLS records itself
         * and never returns them), so they must not be SOCK_SECURE_E_BAD_RECORD, which the
         * core treats as "record dropped, session goes on". The alert sent says what failed. */
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
#if SS_X509
    case MBEDTLS_ERR_X509_ALLOC_FAILED:
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
        return -ENOMEM;
    case MBEDTLS_ERR_ECP_VERIFY_FAILED:
    case MBEDTLS_ERR_PK_SIG_LEN_MISMATCH:
        /* the peer's signature (ServerKeyExchange, CertificateVerify) does not verify with the
         * key of its certificate */
        if (in_handshake) {
            s->t.verify |= SOCK_SECURE_VFY_BAD_SIGNATURE;
            return SOCK_SECURE_E_VERIFY;
        }
        return SOCK_SECURE_E_BACKEND;
#endif
    default:
#if SS_X509
        /* verify_cb returned an error (mbedTLS reports MBEDTLS_ERR_X509_FATAL_ERROR), or the
         * peer's certificate could not be parsed (an X.509 or PK error: bad_certificate or
         * unsupported_certificate was sent) */
        if (in_handshake && (s->t.vfy_abort || ss_is_x509_error(err))) {
            if (tlsman_vfy_all(&s->t) == 0) {
                s->t.verify = SOCK_SECURE_VFY_OTHER;
            }
            return SOCK_SECURE_E_VERIFY;
        }
#endif
        return SOCK_SECURE_E_BACKEND;
    }
}

/** mbedTLS setup failures: -ENOMEM or SOCK_SECURE_E_BACKEND. */
static int ss_setup_error(int err)
{
    return err == MBEDTLS_ERR_SSL_ALLOC_FAILED || err == MBEDTLS_ERR_MD_ALLOC_FAILED ||
                   err == MBEDTLS_ERR_CIPHER_ALLOC_FAILED
               ? -ENOMEM
               : SOCK_SECURE_E_BACKEND;
}

/** Begin a driver call: forget what the previous call saw leave. */
static void ss_call_begin(ss_mbedtls_session_t *s)
{
    tlsman_call_begin(&s->t);
    tlsman_tx_alert_reset(&s->tx);
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
    if (rc > 0) {
        /* a plaintext alert's description is read here; an encrypted one's from the error */
        tlsman_scan_tx_alerts(&s->tx, buf, (size_t)rc, s->ctx->k.datagram,
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

/** Server PSK lookup: the ssl context is the first member of the session. */
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

/* ---- credentials: keys, certificates, trust anchors ------------------------------------------- */
#if SS_X509

/** The curves of every ECDHE exchange and every certificate key we accept (P-256 only). */
static const mbedtls_ecp_group_id ss_curves[] = { MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE };

/** 0 if @p pk is an EC key on P-256 usable for ECDSA, else -ENOTSUP (RSA, other curves). */
static int ss_check_p256(const mbedtls_pk_context *pk)
{
    if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA)) {
        return -ENOTSUP;
    }
    return mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1 ? 0 : -ENOTSUP;
}

/** Parse errors that mean "a key of a kind or encryption this build does not take". */
static bool ss_pk_unsupported(int err)
{
    return err == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG || err == MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE ||
           err == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE || err == MBEDTLS_ERR_PK_PASSWORD_REQUIRED ||
           err == MBEDTLS_ERR_PK_PASSWORD_MISMATCH;
}

/** Parse a private key (PEM with its NUL, or DER; SEC1 or PKCS#8) into @p pk. 0 or an mbedTLS
 *  error. */
static int ss_parse_key(mbedtls_pk_context *pk, const uint8_t *data, size_t len)
{
    return mbedtls_pk_parse_key(pk, data, len, NULL, 0);
}

/** tlsman_cred_is_kind_t: does @p data parse as a certificate (chain), a private key or a
 *  public key, whatever its algorithm? */
static bool ss_is_kind(void *arg, int kind, const uint8_t *data, size_t len)
{
    (void)arg;
    int err;
    if (kind == SOCK_SECURE_CRED_CERT_CHAIN) {
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        err = mbedtls_x509_crt_parse(&crt, data, len);
        mbedtls_x509_crt_free(&crt);
        return err == 0;
    }
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    err = kind == SOCK_SECURE_CRED_PRIVATE_KEY ? ss_parse_key(&pk, data, len)
                                               : mbedtls_pk_parse_public_key(&pk, data, len);
    mbedtls_pk_free(&pk); /* zeroes the key */
    return err == 0;
}

/**
 * Parse one credential of @p type. Private keys go to @p pk (must be P-256), certificates are
 * appended to @p crt, public keys go to @p pk. Returns 0, SOCK_SECURE_E_CRED_FORMAT,
 * SOCK_SECURE_E_CRED_TYPE, -ENOTSUP, -ENOMEM or -EINVAL (unknown type).
 */
static int ss_parse_cred(int type, const uint8_t *data, size_t len, mbedtls_x509_crt *crt,
                         mbedtls_pk_context *pk)
{
    int err;
    switch (type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY:
        err = ss_parse_key(pk, data, len);
        if (err == 0) {
            return ss_check_p256(pk);
        }
        break;
    case SOCK_SECURE_CRED_CERT_CHAIN:
    case SOCK_SECURE_CRED_CA:
        /* > 0: that many PEM blocks failed while others parsed: refuse the whole set */
        err = mbedtls_x509_crt_parse(crt, data, len);
        if (err == 0) {
            return 0;
        }
        break;
    case SOCK_SECURE_CRED_PEER_KEY:
        err = mbedtls_pk_parse_public_key(pk, data, len);
        if (err == 0) {
            return ss_check_p256(pk);
        }
        break;
    default:
        return -EINVAL;
    }
    if (err == MBEDTLS_ERR_X509_ALLOC_FAILED || err == MBEDTLS_ERR_PK_ALLOC_FAILED) {
        return -ENOMEM;
    }
    if (ss_pk_unsupported(err)) {
        return -ENOTSUP;
    }
    return tlsman_cred_misdeclared(type, data, len, ss_is_kind, NULL);
}

/** tlsman_driver_t.cred_check: parse into temporaries and throw them away (keys zeroed). */
static int ss_cred_check(int type, const uint8_t *data, size_t len)
{
    mbedtls_x509_crt crt;
    mbedtls_pk_context pk;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&pk);
    int rc = ss_parse_cred(type, data, len, &crt, &pk);
    if (rc == 0 && type == SOCK_SECURE_CRED_CERT_CHAIN) {
        rc = ss_check_p256(&crt.pk); /* the leaf must carry a key we can sign with */
    }
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&pk);
    return rc;
}

/**
 * mbedTLS's verify callback (set per session when the application gave one or set_peer_ip an
 * address): called for each certificate of the peer's chain, root first, depth 0 = the peer's
 * own. With an address, the peer's own certificate must carry it as an iPAddress subjectAltName
 * (mbedTLS 2.28 checks DNS names only): if not, MBEDTLS_X509_BADCERT_CN_MISMATCH is added, which
 * mbedTLS treats exactly as a wrong host name (bad_certificate; SOCK_SECURE_VFY_NAME_MISMATCH).
 * The application then sees the SOCK_SECURE_VFY_* bits found for that certificate and may add
 * more; bits it adds fail the verification (as MBEDTLS_X509_BADCERT_OTHER: mbedTLS then sends
 * access_denied) and are reported in info.verify together with SOCK_SECURE_VFY_APP. Clearing
 * bits has no effect.
 */
static int ss_verify_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    ss_mbedtls_session_t *s = p;
    uint32_t bits = ss_vfy_bits(*flags);
    int rc = tlsman_verify_cert(&s->t, &s->ctx->k, crt->raw.p, crt->raw.len, depth, &bits);
    if (rc & TLSMAN_VFY_NO_IP) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    if (rc & (TLSMAN_VFY_APP_ADDED | TLSMAN_VFY_APP_ABORT)) {
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
    /* an error from the application is fatal even with optional verification */
    return (rc & TLSMAN_VFY_APP_ABORT) ? MBEDTLS_ERR_X509_FATAL_ERROR : 0;
}

/**
 * Parse the socket's credentials: its certificate chain and key (tlsman_ctx_plan found at most
 * one of each), any number of CA sets (appended into one trust list). The core passes a chain
 * only with its key, and neither raw public keys nor a key alone (the driver lacks
 * TLSMAN_CAP_RPK: mbedTLS 2.28 has no RFC 7250).
 */
static int ss_ctx_creds(ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg, const tlsman_plan_t *plan)
{
    int rc;
    if (plan->chain != NULL) {
        const tlsman_cred_t *k = plan->key, *ch = plan->chain;
        if ((k != NULL && (rc = ss_parse_cred(k->type, k->data, k->len, NULL, &c->key)) < 0) ||
            (rc = ss_parse_cred(ch->type, ch->data, ch->len, &c->own, NULL)) < 0) {
            return rc;
        }
        if (ss_check_p256(&c->own.pk) < 0) {
            return -ENOTSUP;
        }
        if (mbedtls_pk_check_pair(&c->own.pk, &c->key) != 0) {
            return SOCK_SECURE_E_CRED_MISMATCH;
        }
    }
    for (size_t i = 0; i < cfg->cred_count; i++) {
        const tlsman_cred_t *cr = &cfg->creds[i];
        if (cr->type == SOCK_SECURE_CRED_CA &&
            (rc = ss_parse_cred(cr->type, cr->data, cr->len, &c->ca, NULL)) < 0) {
            return rc;
        }
    }
    return 0;
}

#else /* !SS_X509 */

static int ss_cred_check(int type, const uint8_t *data, size_t len)
{
    (void)type;
    (void)data;
    (void)len;
    return -ENOTSUP;
}

#endif /* SS_X509 */

/* ---- socket state ---------------------------------------------------------------------------- */

static void ss_ctx_free(void *p)
{
    ss_mbedtls_ctx_t *c = p;
    if (c == NULL) {
        return;
    }
    mbedtls_ssl_config_free(&c->conf); /* zeroes and frees the client PSK copy */
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
    if (cfg->role == TLSMAN_CLIENT) {
#if !defined(MBEDTLS_SSL_CLI_C)
        return -ENOTSUP;
#endif
        if (cfg->psk != NULL && cfg->psk->key_len > MBEDTLS_PSK_MAX_LEN) {
            return -ENOTSUP; /* this mbedTLS build takes keys up to MBEDTLS_PSK_MAX_LEN bytes */
        }
    } else {
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

#if SS_X509
/** mbedTLS's authmode for the verification mode the core resolved (never DEFAULT there; a
 *  DEFAULT from a caller of the driver alone counts as REQUIRED). */
static int ss_authmode(uint8_t verify)
{
    return verify == TLSMAN_VERIFY_NONE       ? MBEDTLS_SSL_VERIFY_NONE
           : verify == TLSMAN_VERIFY_OPTIONAL ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                              : MBEDTLS_SSL_VERIFY_REQUIRED;
}
#endif

static int ss_ctx_init(void *p, const tlsman_config_t *cfg)
{
    ss_mbedtls_ctx_t *c = p;
    int rc;

    if (c == NULL) {
        return -EINVAL;
    }
    memset(c, 0, sizeof(*c));
    mbedtls_ssl_config_init(&c->conf);
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
#if SS_X509
    if ((rc = ss_ctx_creds(c, cfg, &plan)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
#endif

    int err = mbedtls_ssl_config_defaults(&c->conf,
                                          c->k.server ? MBEDTLS_SSL_IS_SERVER
                                                      : MBEDTLS_SSL_IS_CLIENT,
                                          c->k.datagram ? MBEDTLS_SSL_TRANSPORT_DATAGRAM
                                                        : MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (err != 0) {
        goto fail;
    }
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &ss_drbg);
    /* TLS 1.2 / DTLS 1.2 only (minor version 3 is DTLS 1.2 on datagram transports) */
    mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
#if SS_X509
    mbedtls_ssl_conf_authmode(&c->conf, ss_authmode(c->k.verify));
    mbedtls_ssl_conf_curves(&c->conf, ss_curves); /* ECDHE and certificate keys: P-256 only */
    if (plan.cas > 0) {
        mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
    }
    if (plan.chain != NULL) {
        err = mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key);
        if (err != 0) {
            goto fail;
        }
    }
#else
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE); /* PSK only: no certificates */
#endif
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&c->conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(&c->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
    mbedtls_ssl_conf_read_timeout(&c->conf, 0);

    /* exactly the checked list: mbedTLS negotiates nothing else */
    for (size_t i = 0; i < cfg->suite_count; i++) {
        c->suites[i] = (int)cfg->suites[i]->id;
    }
    c->suites[cfg->suite_count] = 0;
    mbedtls_ssl_conf_ciphersuites(&c->conf, c->suites);

#if defined(MBEDTLS_SSL_PROTO_DTLS)
    if (c->k.datagram) {
        /* the core owns retransmission: mbedTLS's own back-off must never end the handshake */
        mbedtls_ssl_conf_handshake_timeout(&c->conf, 1, UINT32_MAX);
#if defined(MBEDTLS_SSL_DTLS_BADMAC_LIMIT)
        /* mbedTLS counts records failing authentication (ssl->badmac_seen) only with a limit:
         * one it never reaches, so that read() can report them (they are still discarded) */
        mbedtls_ssl_conf_dtls_badmac_limit(&c->conf, UINT_MAX);
#endif
    }
#endif

    if (c->k.server) {
#if defined(MBEDTLS_SSL_COOKIE_C) && defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
        if (c->k.datagram) {
            err = mbedtls_ssl_cookie_setup(&c->cookie, mbedtls_ctr_drbg_random, &ss_drbg);
            if (err != 0) {
                goto fail;
            }
            mbedtls_ssl_conf_dtls_cookies(&c->conf, mbedtls_ssl_cookie_write,
                                          mbedtls_ssl_cookie_check, &c->cookie);
        }
#endif
        /* mbedTLS 2.28 servers send no PSK identity hint (no ServerKeyExchange for plain PSK,
         * an empty hint for (EC)DHE-PSK): no TLSMAN_CAP_PSK_HINT, so the core passes none. */
        mbedtls_ssl_conf_psk_cb(&c->conf, ss_psk_cb, c);
    } else if (cfg->psk != NULL) {
        err = mbedtls_ssl_conf_psk(&c->conf, cfg->psk->key, cfg->psk->key_len,
                                   cfg->psk->identity, cfg->psk->identity_len);
        if (err != 0) {
            goto fail;
        }
    }
    return 0;

fail:
    ss_ctx_free(c);
    return ss_setup_error(err);
}

/* ---- sessions ---------------------------------------------------------------------------------- */

static void ss_session_free(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (s == NULL) {
        return;
    }
    mbedtls_ssl_free(&s->ssl); /* zeroes and frees record buffers and handshake state */
    tlsman_zero(s, sizeof(*s));
}

static int ss_session_init(void *ctx, void *p, void *io_ctx, const uint8_t *peer_id,
                           size_t peer_id_len)
{
    ss_mbedtls_ctx_t *c = ctx;
    ss_mbedtls_session_t *s = p;

    if (s == NULL) {
        return -EINVAL;
    }
    memset(s, 0, sizeof(*s));
    mbedtls_ssl_init(&s->ssl);
    if (c == NULL || c->k.io == NULL) {
        return -EINVAL;
    }
    s->ctx = c;
    tlsman_sess_init(&s->t, c->k.io, io_ctx);
    s->timer = SS_TIMER_CANCELLED;

    int err = mbedtls_ssl_setup(&s->ssl, &c->conf);
    if (err != 0) {
        ss_session_free(s);
        return ss_setup_error(err);
    }
    mbedtls_ssl_set_bio(&s->ssl, s, ss_send_cb, ss_recv_cb, NULL);
    mbedtls_ssl_set_timer_cb(&s->ssl, s, ss_set_timer, ss_get_timer);
#if SS_X509
    if (c->k.verify_cb != NULL) {
        mbedtls_ssl_set_verify(&s->ssl, ss_verify_cb, s);
    }
#endif
#if defined(MBEDTLS_SSL_PROTO_DTLS)
    if (c->k.datagram && c->k.mtu != 0) {
        mbedtls_ssl_set_mtu(&s->ssl, c->k.mtu);
    }
#endif
#if defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY) && defined(MBEDTLS_SSL_SRV_C)
    if (c->k.server && c->k.datagram) {
        /* the cookie binds the peer's address: without it every cookie check fails */
        if (peer_id == NULL || peer_id_len == 0) {
            ss_session_free(s);
            return -EINVAL;
        }
        err = mbedtls_ssl_set_client_transport_id(&s->ssl, peer_id, peer_id_len);
        if (err != 0) {
            ss_session_free(s);
            return ss_setup_error(err);
        }
    }
#else
    (void)peer_id;
    (void)peer_id_len;
#endif
    return 0;
}

static int ss_handshake(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (s->established) {
        return 0;
    }
    ss_call_begin(s);
    int err = mbedtls_ssl_handshake(&s->ssl);
    ss_note_verify(s);
    if (err == 0) {
        s->established = true;
        return 0;
    }
#if SS_X509
    /* Two failures of an mbedTLS 2.28 server that send no alert, leaving the client to retransmit
     * its last flight until it times out: no client certificate when one is required (RFC 5246
     * §7.4.6: handshake_failure) and a CertificateVerify that does not verify (decrypt_error).
     * Both come before the server's ChangeCipherSpec, so the alert goes in the clear. */
    if (!s->tx.fatal && (err == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE ||
                         err == MBEDTLS_ERR_ECP_VERIFY_FAILED ||
                         err == MBEDTLS_ERR_PK_SIG_LEN_MISMATCH)) {
        (void)mbedtls_ssl_send_alert_message(&s->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                             err == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE
                                                 ? MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE
                                                 : MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR);
    }
#endif
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

static int ss_read(void *p, uint8_t *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    ss_call_begin(s);

    size_t avail = mbedtls_ssl_get_bytes_avail(&s->ssl);
    if (avail == 0) {
        /* With len 0 mbedTLS 2.28 processes input up to the next application record and leaves
         * it in place (ssl->in_offt set, nothing copied or consumed). Handshake records of an
         * old flight, non-fatal alerts and bad records are dealt with inside (WANT_READ). */
        unsigned bad_before = ss_badmac_seen(s);
        int err = mbedtls_ssl_read(&s->ssl, NULL, 0);
        if (err < 0) {
            err = ss_error(s, err, false);
            bool dropped = s->t.rx_dropped || ss_badmac_seen(s) != bad_before;
            return err == -EAGAIN && dropped ? SOCK_SECURE_E_BAD_RECORD : err;
        }
        avail = mbedtls_ssl_get_bytes_avail(&s->ssl);
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
    if (avail > len && s->ctx->k.datagram) {
        return -EMSGSIZE; /* the record stays: call again with a larger buffer */
    }
    if (avail <= len && s->ssl.in_offt != NULL && s->ssl.in_msglen == avail) {
        /* The record is decrypted and waiting (read(len 0) above or earlier): take it the way
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
        return mbedtls_ssl_check_pending(ssl) != 0;
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
    ss_call_begin(s);
    size_t n = len < max ? len : max;
    rc = mbedtls_ssl_write(&s->ssl, buf, n);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE && s->ssl.out_left > 0) {
        return (int)n; /* encrypted and queued: flushed by the next write or flush */
    }
    return rc < 0 ? ss_error(s, rc, false) : rc;
}

static int ss_write(void *p, const uint8_t *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    ss_call_begin(s);
    int max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    if (max < 0) {
        return ss_error(s, max, false);
    }
    if (!s->ctx->k.datagram) {
        return ss_write_stream(s, buf, len, (size_t)max);
    }
    if (len > (size_t)max) {
        return -EMSGSIZE;
    }
    int n = mbedtls_ssl_write(&s->ssl, buf, len);
    if (n < 0) {
        return ss_error(s, n, false);
    }
    return n;
}

/* Push what the transport refused earlier. With output pending, mbedtls_ssl_write() only
 * flushes (and its length argument is ignored): the public way to reach mbedtls_ssl_flush_output. */
static int ss_flush(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established || s->ssl.out_left == 0) {
        return 0;
    }
    ss_call_begin(s);
    int rc = mbedtls_ssl_write(&s->ssl, (const unsigned char *)"", 0);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return -EAGAIN;
    }
    return rc < 0 ? ss_error(s, rc, false) : 0;
}

static int ss_close_notify(void *p)
{
    ss_mbedtls_session_t *s = p;
    if (!s->established) {
        return -ENOTCONN;
    }
    ss_call_begin(s);
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
    /* the id itself (2.28's fields are public): no lookup through the suite's name */
    return tlsman_info(&s->t, info, s->ssl.session != NULL ? s->ssl.session->ciphersuite : 0,
                       mbedtls_ssl_get_version(&s->ssl));
}

/** Client: the name expected in the server's certificate (subjectAltName DNS or CN), also sent
 *  as SNI. mbedTLS copies it (heap, freed with the session). */
static int ss_set_server_name(void *p, const char *name)
{
#if SS_X509 && defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
    ss_mbedtls_session_t *s = p;
    if (tlsman_server_name_len(name) < 0 || s->ssl.conf == NULL || s->ctx->k.server) {
        return -EINVAL;
    }
    int err = mbedtls_ssl_set_hostname(&s->ssl, name);
    if (err == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
        return -ENOMEM;
    }
    return err == 0 ? 0 : -EINVAL;
#else
    (void)p;
    (void)name;
    return -ENOTSUP;
#endif
}

/** Client: the address expected in the server's certificate as an iPAddress subjectAltName,
 *  checked by ss_verify_cb on the peer's own certificate (nothing is sent: no SNI for an
 *  address). */
static int ss_set_peer_ip(void *p, const uint8_t *ip, size_t len)
{
#if SS_X509
    ss_mbedtls_session_t *s = p;
    if (s->ssl.conf == NULL || s->ctx->k.server) {
        return -EINVAL;
    }
    int rc = tlsman_set_peer_ip(&s->t, ip, len);
    if (rc == 0) {
        mbedtls_ssl_set_verify(&s->ssl, ss_verify_cb, s);
    }
    return rc;
#else
    (void)p;
    (void)ip;
    (void)len;
    return -ENOTSUP;
#endif
}

/* ---- stateless cookies (the core answers cookie-less ClientHellos itself) --------------------- */
#if defined(MBEDTLS_SSL_COOKIE_C)

static int ss_cookie_write(void *ctx, const uint8_t *peer_id, size_t peer_id_len, uint8_t *out,
                           size_t out_max)
{
    ss_mbedtls_ctx_t *c = ctx;
    if (!c->k.server || !c->k.datagram) {
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
    if (!c->k.server || !c->k.datagram) {
        return -ENOTSUP;
    }
    return mbedtls_ssl_cookie_check(&c->cookie, cookie, cookie_len, peer_id, peer_id_len) == 0
               ? 0
               : -EINVAL;
}
#endif

const tlsman_driver_t tlsman_mbedtls = {
    .name = "mbedtls",
    .version = MBEDTLS_VERSION_STRING,
    .caps = SS_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | (SS_X509 ? TLSMAN_CAP_X509 : 0u),
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
    .renew = NULL, /* renegotiation stays disabled (see the top of this file) */
    .info = ss_info,
    .max_payload = ss_max_payload,
    .flush = ss_flush,
#if defined(MBEDTLS_SSL_COOKIE_C)
    .cookie_write = ss_cookie_write,
    .cookie_check = ss_cookie_check,
#endif
    .cred_check = ss_cred_check,
    .set_server_name = ss_set_server_name,
    .set_peer_ip = ss_set_peer_ip,
};
