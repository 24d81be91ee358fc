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

#include "secure_sock/config.h"
#include "secure_sock/error.h"
#include "secure_sock/tlsman.h"
#include "x509_ip.h"

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

/* An mbedTLS built with record buffers smaller than TLS's 2^14 bytes (the device profile,
 * config/mbedtls/device_config.h): a client asks the server for records that fit, with the
 * largest RFC 6066 max_fragment_length code that does (docs/DEVICE.md). With the default sizes,
 * nothing is asked. */
#define SS_CONTENT_LEN                                                                            \
    (MBEDTLS_SSL_IN_CONTENT_LEN < MBEDTLS_SSL_OUT_CONTENT_LEN ? MBEDTLS_SSL_IN_CONTENT_LEN         \
                                                             : MBEDTLS_SSL_OUT_CONTENT_LEN)
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH) && SS_CONTENT_LEN < 16384 && SS_CONTENT_LEN >= 512
#define SS_MFL_CODE                                                                               \
    (SS_CONTENT_LEN >= 4096   ? MBEDTLS_SSL_MAX_FRAG_LEN_4096                                      \
     : SS_CONTENT_LEN >= 2048 ? MBEDTLS_SSL_MAX_FRAG_LEN_2048                                      \
     : SS_CONTENT_LEN >= 1024 ? MBEDTLS_SSL_MAX_FRAG_LEN_1024                                      \
                              : MBEDTLS_SSL_MAX_FRAG_LEN_512)
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
    tlsman_verify_cb_t verify_cb;           /**< the application's extra check, or NULL */
    void *verify_arg;                       /**< passed to verify_cb */
#endif
    int suites[CONFIG_SOCK_SECURE_MAX_SUITES + 1]; /**< mbedTLS wants a 0-terminated int list */
    const tlsman_io_t *io;                  /**< the core's callbacks */
    uint16_t mtu;                           /**< DTLS path MTU, 0 = mbedTLS default */
    bool server;                            /**< role */
    bool datagram;                          /**< DTLS */
    bool have_own;                          /**< own, key hold a certificate and its key */
    bool have_ca;                           /**< ca holds at least one trust anchor */
} ss_mbedtls_ctx_t;

/** Per-session state, in the core's session area. */
typedef struct {
    /** First member: the PSK callback is handed this pointer and gets back to the session. */
    mbedtls_ssl_context ssl;
    ss_mbedtls_ctx_t *ctx;         /**< the socket */
    const tlsman_io_t *io;         /**< the core's callbacks */
    void *io_ctx;                  /**< passed to them */
    int io_err;                    /**< last hard error of io->send/recv (negative errno), or 0 */
    bool rx_dropped;               /**< io->recv dropped an oversized datagram in this call */
    uint8_t timer;                 /**< SS_TIMER_* */
    bool established;              /**< handshake() returned 0 */
    uint8_t alert;                 /**< last alert description */
    uint8_t alert_origin;          /**< tlsman_alert_origin_t */
    bool tx_alert;                 /**< an alert record left during the current call */
    bool tx_alert_known;           /**< ... and it was plaintext: tx_alert_desc is valid */
    uint8_t tx_alert_desc;         /**< its description */
    bool vfy_abort;                /**< the application's verify_cb aborted the handshake */
    uint32_t vfy_app;              /**< SOCK_SECURE_VFY_* bits the application's verify_cb added */
    uint32_t verify;               /**< SOCK_SECURE_VFY_* of the peer verification (info.verify) */
    uint8_t peer_ip_len;           /**< client: 4 or 16 if set_peer_ip gave an address, else 0 */
    uint8_t peer_ip[16];           /**< ... the address the server's certificate must carry */
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

/* RFC 5246 §7.2 alert descriptions used below. */
#define SS_ALERT_CLOSE_NOTIFY        0u
#define SS_ALERT_UNEXPECTED_MESSAGE 10u
#define SS_ALERT_BAD_RECORD_MAC     20u
#define SS_ALERT_RECORD_OVERFLOW    22u
#define SS_ALERT_HANDSHAKE_FAILURE  40u
#define SS_ALERT_ILLEGAL_PARAMETER  47u
#define SS_ALERT_DECODE_ERROR       50u
#define SS_ALERT_DECRYPT_ERROR      51u
#define SS_ALERT_PROTOCOL_VERSION   70u
#define SS_ALERT_INTERNAL_ERROR     80u
#define SS_ALERT_UNKNOWN_PSK_ID    115u

/* Record header lengths (RFC 6347 §4.1, RFC 5246 §6.2.1) and the alert content type. */
#define SS_DTLS_HDR 13u
#define SS_TLS_HDR   5u
#define SS_CT_ALERT 21u

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

static void ss_set_alert(ss_mbedtls_session_t *s, uint8_t desc, tlsman_alert_origin_t origin)
{
    s->alert = desc;
    s->alert_origin = (uint8_t)origin;
}

/** The alert mbedTLS 2.28 sends (fatal) when it fails with @p err, for encrypted alerts whose
 *  description the send callback cannot read. */
static uint8_t ss_alert_for(int err)
{
    switch (err) {
    case MBEDTLS_ERR_SSL_INVALID_MAC:
        return SS_ALERT_BAD_RECORD_MAC;
    case MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY:
        return SS_ALERT_UNKNOWN_PSK_ID;
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

/** Record the outcome of the peer verification so far in s->verify (after each handshake step). */
static void ss_note_verify(ss_mbedtls_session_t *s)
{
    uint32_t f = mbedtls_ssl_get_verify_result(&s->ssl);
    uint32_t v = s->vfy_app;
    if (!s->vfy_abort && f != UINT32_MAX) { /* UINT32_MAX: no session, or verify_cb failed */
        v |= ss_vfy_bits(f);
        if ((f & MBEDTLS_X509_BADCERT_OTHER) && s->vfy_app == 0) {
            v |= SOCK_SECURE_VFY_OTHER;
        }
    }
    s->verify = v;
}
#else
static void ss_note_verify(ss_mbedtls_session_t *s)
{
    (void)s;
}
#endif

/**
 * TLS: the record whose header mbedTLS has just read is longer than its input buffer (a build
 * with a small MBEDTLS_SSL_IN_CONTENT_LEN and a peer that did not negotiate
 * max_fragment_length, or any build and a record over TLS's 2^14 + 2048 bytes). mbedTLS 2.28
 * then fails with BAD_INPUT_DATA ("requesting more data than fits") and sends nothing; the
 * record cannot be skipped (the stream is lost), so the session ends with record_overflow.
 */
static bool ss_record_too_large(const ss_mbedtls_session_t *s, int err)
{
    const mbedtls_ssl_context *ssl = &s->ssl;
    if (err != MBEDTLS_ERR_SSL_BAD_INPUT_DATA || s->ctx == NULL || s->ctx->datagram ||
        ssl->in_hdr == NULL || ssl->in_left < SS_TLS_HDR) {
        return false;
    }
    size_t len = ((size_t)ssl->in_hdr[SS_TLS_HDR - 2] << 8) | ssl->in_hdr[SS_TLS_HDR - 1];
    return len > MBEDTLS_SSL_IN_CONTENT_LEN;
}

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
            ss_set_alert(s, ssl->in_msg[1], TLSMAN_ALERT_RECEIVED);
        }
        return SOCK_SECURE_E_ALERT;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        ss_set_alert(s, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_RECEIVED);
        return SOCK_SECURE_E_PEER_CLOSED;
    default:
        break;
    }

    if (ss_record_too_large(s, err)) {
        (void)mbedtls_ssl_send_alert_message(ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                             MBEDTLS_SSL_ALERT_MSG_RECORD_OVERFLOW);
        ss_set_alert(s, SS_ALERT_RECORD_OVERFLOW, TLSMAN_ALERT_SENT);
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    }
    if (s->tx_alert) {
        ss_set_alert(s, s->tx_alert_known ? s->tx_alert_desc : ss_alert_for(err),
                     TLSMAN_ALERT_SENT);
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
        return s->io_err < 0 ? s->io_err : -EIO;
#if SS_X509
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED: /* the chain, name, dates or verify_cb (flags) */
    case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE: /* required, none sent */
    case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
        return SOCK_SECURE_E_VERIFY;
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
        /* the certificate's key (curve) or usage was refused (flags set), or the message was
         * malformed (no flags) */
        return s->verify != 0 ? SOCK_SECURE_E_VERIFY
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
            s->verify |= SOCK_SECURE_VFY_BAD_SIGNATURE;
            return SOCK_SECURE_E_VERIFY;
        }
        return SOCK_SECURE_E_BACKEND;
#endif
    default:
#if SS_X509
        /* verify_cb returned an error (mbedTLS reports MBEDTLS_ERR_X509_FATAL_ERROR), or the
         * peer's certificate could not be parsed (an X.509 or PK error: bad_certificate or
         * unsupported_certificate was sent) */
        if (in_handshake && (s->vfy_abort || ss_is_x509_error(err))) {
            if (s->verify == 0) {
                s->verify = SOCK_SECURE_VFY_OTHER;
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
    s->tx_alert = false;
    s->tx_alert_known = false;
    s->io_err = 0;
    s->rx_dropped = false;
}

/* ---- memory BIO and timers --------------------------------------------------------------------- */

/** Note alert records in what mbedTLS sends; a plaintext alert's description is read directly. */
static void ss_scan_tx(ss_mbedtls_session_t *s, const uint8_t *buf, size_t len)
{
    const bool dtls = s->ctx->datagram;
    const size_t hdr = dtls ? SS_DTLS_HDR : SS_TLS_HDR;
    size_t off = 0;

    /* A datagram carries whole records; a stream send is scanned only if it is whole records. */
    while (off + hdr <= len) {
        size_t rlen = ((size_t)buf[off + hdr - 2] << 8) | buf[off + hdr - 1];
        if (off + hdr + rlen > len) {
            return;
        }
        off += hdr + rlen;
    }
    if (off != len) {
        return;
    }
    for (off = 0; off < len;) {
        size_t rlen = ((size_t)buf[off + hdr - 2] << 8) | buf[off + hdr - 1];
        if (buf[off] == SS_CT_ALERT) {
            bool plain = dtls ? (buf[off + 3] == 0 && buf[off + 4] == 0)
                              : s->ssl.transform_out == NULL;
            if (plain && rlen == 2) {
                if (buf[off + hdr] == MBEDTLS_SSL_ALERT_LEVEL_FATAL) {
                    s->tx_alert = true;
                    s->tx_alert_known = true;
                    s->tx_alert_desc = buf[off + hdr + 1];
                }
            } else if (!plain) {
                s->tx_alert = true;
                s->tx_alert_known = false;
            }
        }
        off += hdr + rlen;
    }
}

static int ss_send_cb(void *p, const unsigned char *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (len > INT_MAX) {
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    int rc = s->io->send(s->io_ctx, buf, len);
    if (rc == -EAGAIN) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (rc < 0) {
        s->io_err = rc;
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    if (rc > 0) {
        ss_scan_tx(s, buf, (size_t)rc);
    }
    return rc;
}

static int ss_recv_cb(void *p, unsigned char *buf, size_t len)
{
    ss_mbedtls_session_t *s = p;
    int rc = s->io->recv(s->io_ctx, buf, len > INT_MAX ? (size_t)INT_MAX : len);
    if (rc == -EAGAIN) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (rc == -EMSGSIZE) {
        /* the core dropped a datagram too large for mbedTLS's input buffer: to mbedTLS this is
         * a lost datagram (retransmission recovers a handshake); read() reports it */
        s->rx_dropped = true;
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (rc < 0) {
        s->io_err = rc;
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
            s->io->timer(s->io_ctx, false);
        }
        return;
    }
    s->timer = SS_TIMER_RUNNING;
    s->io->timer(s->io_ctx, true);
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
    uint8_t key[CONFIG_SOCK_SECURE_PSK_KEY_MAX];
    int rc = -1;
    (void)p;

    if (identity_len == 0 || identity_len > CONFIG_SOCK_SECURE_PSK_ID_MAX ||
        s->io->psk == NULL) {
        return -1;
    }
    size_t n = s->io->psk(s->io_ctx, identity, identity_len, key, sizeof(key));
    if (n > 0 && n <= sizeof(key) && n <= MBEDTLS_PSK_MAX_LEN &&
        mbedtls_ssl_set_hs_psk(ssl, key, n) == 0) {
        rc = 0;
    }
    mbedtls_platform_zeroize(key, sizeof(key));
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

/** What @p data is, when it is not what was declared: SOCK_SECURE_E_CRED_TYPE if it parses as
 *  one of the other kinds (certificate, private key, public key), else SOCK_SECURE_E_CRED_FORMAT.
 *  @p declared is the kind that already failed (not tried again). */
static int ss_classify(int declared, const uint8_t *data, size_t len)
{
    int rc = SOCK_SECURE_E_CRED_FORMAT;
    if (declared != SOCK_SECURE_CRED_CERT_CHAIN && declared != SOCK_SECURE_CRED_CA) {
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        if (mbedtls_x509_crt_parse(&crt, data, len) == 0) {
            rc = SOCK_SECURE_E_CRED_TYPE;
        }
        mbedtls_x509_crt_free(&crt);
    }
    mbedtls_pk_context pk;
    if (rc == SOCK_SECURE_E_CRED_FORMAT && declared != SOCK_SECURE_CRED_PRIVATE_KEY) {
        mbedtls_pk_init(&pk);
        if (ss_parse_key(&pk, data, len) == 0) {
            rc = SOCK_SECURE_E_CRED_TYPE;
        }
        mbedtls_pk_free(&pk); /* zeroes the key */
    }
    if (rc == SOCK_SECURE_E_CRED_FORMAT && declared != SOCK_SECURE_CRED_PEER_KEY) {
        mbedtls_pk_init(&pk);
        if (mbedtls_pk_parse_public_key(&pk, data, len) == 0) {
            rc = SOCK_SECURE_E_CRED_TYPE;
        }
        mbedtls_pk_free(&pk);
    }
    return rc;
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
    if (data == NULL || len == 0) {
        return -EINVAL;
    }
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
    return ss_classify(type, data, len);
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
    const ss_mbedtls_ctx_t *c = s->ctx;
    if (depth == 0 && s->peer_ip_len != 0 &&
        !tlsman_x509_has_ip(crt->raw.p, crt->raw.len, s->peer_ip, s->peer_ip_len)) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    if (c->verify_cb == NULL) {
        return 0;
    }
    uint32_t before = ss_vfy_bits(*flags);
    uint32_t v = before;
    int rc = c->verify_cb(c->verify_arg, crt->raw.p, crt->raw.len, depth, &v);
    uint32_t added = v & ~before;
    if (rc < 0) {
        s->vfy_abort = true;
        s->vfy_app |= added | SOCK_SECURE_VFY_APP;
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
        return MBEDTLS_ERR_X509_FATAL_ERROR; /* fatal even with optional verification */
    }
    if (added != 0) {
        s->vfy_app |= added | SOCK_SECURE_VFY_APP;
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
    return 0;
}

/**
 * Parse cfg->creds into the socket: one certificate chain and its key (own identity), any number
 * of CA sets (appended into one trust list). Raw public keys (RFC 7250) are not in mbedTLS 2.28:
 * a pinned peer key, or a key without certificate, is -ENOTSUP (the core refuses both before,
 * as the driver lacks TLSMAN_CAP_RPK).
 */
static int ss_ctx_creds(ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg)
{
    bool have_key = false;
    int rc;
    for (size_t i = 0; i < cfg->cred_count; i++) {
        const tlsman_cred_t *cr = &cfg->creds[i];
        switch (cr->type) {
        case SOCK_SECURE_CRED_PRIVATE_KEY:
            if (have_key) {
                return -ENOTSUP; /* one identity per socket */
            }
            rc = ss_parse_cred(cr->type, cr->data, cr->len, NULL, &c->key);
            have_key = true;
            break;
        case SOCK_SECURE_CRED_CERT_CHAIN:
            if (c->have_own) {
                return -ENOTSUP;
            }
            rc = ss_parse_cred(cr->type, cr->data, cr->len, &c->own, NULL);
            c->have_own = true;
            break;
        case SOCK_SECURE_CRED_CA:
            rc = ss_parse_cred(cr->type, cr->data, cr->len, &c->ca, NULL);
            c->have_ca = true;
            break;
        case SOCK_SECURE_CRED_PEER_KEY:
            return -ENOTSUP;
        default:
            return -EINVAL;
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (c->have_own != have_key) {
        return c->have_own ? -EINVAL : -ENOTSUP; /* a certificate needs its key; a bare key is RPK */
    }
    if (c->have_own) {
        if (ss_check_p256(&c->own.pk) < 0) {
            return -ENOTSUP;
        }
        if (mbedtls_pk_check_pair(&c->own.pk, &c->key) != 0) {
            return SOCK_SECURE_E_CRED_MISMATCH;
        }
        /* mbedTLS 2.28 builds its Certificate message whole in its output buffer (DTLS then
         * fragments it): 4 + 3 bytes of headers, 3 per certificate, 8 more for DTLS's handshake
         * header. A chain that cannot fit would fail every handshake: refused here. */
        size_t need = 7u + (cfg->datagram ? 8u : 0u);
        for (const mbedtls_x509_crt *crt = &c->own; crt != NULL && crt->raw.p != NULL;
             crt = crt->next) {
            need += 3u + crt->raw.len;
        }
        if (need > MBEDTLS_SSL_OUT_CONTENT_LEN) {
            return -EMSGSIZE;
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
    mbedtls_platform_zeroize(c, sizeof(*c));
}

static int ss_ctx_check(const tlsman_config_t *cfg)
{
    if (cfg == NULL || cfg->io == NULL || cfg->io->send == NULL || cfg->io->recv == NULL ||
        cfg->io->timer == NULL || cfg->suites == NULL || cfg->suite_count == 0) {
        return -EINVAL;
    }
    if (cfg->role != TLSMAN_CLIENT && cfg->role != TLSMAN_SERVER) {
        return -EINVAL;
    }
    if (cfg->suite_count > CONFIG_SOCK_SECURE_MAX_SUITES) {
        return -EINVAL;
    }
    bool psk_suites = false;
    for (size_t i = 0; i < cfg->suite_count; i++) {
        if (!ss_suite_supported(cfg->suites[i], cfg->datagram)) {
            return -ENOTSUP;
        }
        psk_suites |= cfg->suites[i]->kx == TLSMAN_KX_PSK;
    }
    if (cfg->psk_hint_len > 0) {
        return -ENOTSUP; /* no TLSMAN_CAP_PSK_HINT: mbedTLS 2.28 servers cannot send one */
    }
#if !defined(MBEDTLS_SSL_PROTO_DTLS)
    if (cfg->datagram) {
        return -ENOTSUP;
    }
#endif
    if ((cfg->cred_count > 0 && cfg->creds == NULL) || cfg->verify > TLSMAN_VERIFY_REQUIRED) {
        return -EINVAL;
    }
    if (cfg->role == TLSMAN_CLIENT) {
        const sock_secure_psk_t *psk = cfg->psk;
#if !defined(MBEDTLS_SSL_CLI_C)
        return -ENOTSUP;
#endif
        if (psk == NULL) {
            /* certificate suites alone are fine; PSK suites need the key to offer */
            return psk_suites ? -EINVAL : 0;
        }
        if (psk->identity == NULL || psk->key == NULL ||
            psk->identity_len == 0 || psk->identity_len > CONFIG_SOCK_SECURE_PSK_ID_MAX ||
            psk->key_len == 0 || psk->key_len > CONFIG_SOCK_SECURE_PSK_KEY_MAX) {
            return -EINVAL;
        }
        if (psk->key_len > MBEDTLS_PSK_MAX_LEN) {
            return -ENOTSUP; /* this mbedTLS build takes keys up to MBEDTLS_PSK_MAX_LEN bytes */
        }
    } else {
#if !defined(MBEDTLS_SSL_SRV_C)
        return -ENOTSUP;
#endif
        if (cfg->io->psk == NULL) {
            return -EINVAL;
        }
#if !defined(MBEDTLS_SSL_COOKIE_C) || !defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
        if (cfg->datagram) {
            return -ENOTSUP; /* a DTLS server without cookies would keep state for spoofers */
        }
#endif
    }
    return 0;
}

#if SS_X509
/**
 * What the suites and the verification mode need from the credentials; the mbedTLS authmode in
 * @p authmode. The core passes a resolved mode; TLSMAN_VERIFY_DEFAULT (a caller of the driver
 * alone) is resolved as the core would: required on clients and on servers with trust anchors.
 */
static int ss_ctx_cert_rules(const ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg,
                             int *authmode)
{
    bool cert_suites = false;
    for (size_t i = 0; i < cfg->suite_count; i++) {
        cert_suites |= (cfg->suites[i]->flags & TLSMAN_SUITE_CERT) != 0;
    }
    if (c->server && cert_suites && !c->have_own) {
        return -EINVAL; /* an ECDHE-ECDSA suite the server could never serve */
    }
    tlsman_verify_t v = cfg->verify;
    if (v == TLSMAN_VERIFY_DEFAULT) {
        v = !c->server || c->have_ca ? TLSMAN_VERIFY_REQUIRED : TLSMAN_VERIFY_NONE;
    }
    if (v != TLSMAN_VERIFY_NONE && !c->have_ca) {
        if (c->server || cert_suites) {
            return -EINVAL; /* a certificate to check and nothing to check it against */
        }
        v = TLSMAN_VERIFY_NONE; /* a PSK client: no certificate will come */
    }
    *authmode = v == TLSMAN_VERIFY_NONE       ? MBEDTLS_SSL_VERIFY_NONE
                : v == TLSMAN_VERIFY_OPTIONAL ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                              : MBEDTLS_SSL_VERIFY_REQUIRED;
    return 0;
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

    if ((rc = ss_ctx_check(cfg)) < 0 || (rc = ss_rng_ready()) < 0) {
        ss_ctx_free(c);
        return rc;
    }
#if SS_X509
    int authmode = MBEDTLS_SSL_VERIFY_NONE;
    if ((rc = ss_ctx_creds(c, cfg)) < 0 || (rc = ss_ctx_cert_rules(c, cfg, &authmode)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    c->verify_cb = cfg->verify_cb;
    c->verify_arg = cfg->verify_arg;
#else
    if (cfg->cred_count > 0) {
        ss_ctx_free(c);
        return -ENOTSUP;
    }
#endif
    c->io = cfg->io;
    c->server = cfg->role == TLSMAN_SERVER;
    c->datagram = cfg->datagram;
    c->mtu = cfg->mtu > UINT16_MAX ? UINT16_MAX : (uint16_t)cfg->mtu;

    int err = mbedtls_ssl_config_defaults(&c->conf,
                                          c->server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                          c->datagram ? MBEDTLS_SSL_TRANSPORT_DATAGRAM
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
    mbedtls_ssl_conf_authmode(&c->conf, authmode);
    mbedtls_ssl_conf_curves(&c->conf, ss_curves); /* ECDHE and certificate keys: P-256 only */
    if (c->have_ca) {
        mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
    }
    if (c->have_own) {
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
#if defined(SS_MFL_CODE)
    if (!c->server) {
        err = mbedtls_ssl_conf_max_frag_len(&c->conf, SS_MFL_CODE);
        if (err != 0) {
            goto fail;
        }
    }
#endif

    /* exactly the checked list: mbedTLS negotiates nothing else */
    for (size_t i = 0; i < cfg->suite_count; i++) {
        c->suites[i] = (int)cfg->suites[i]->id;
    }
    c->suites[cfg->suite_count] = 0;
    mbedtls_ssl_conf_ciphersuites(&c->conf, c->suites);

#if defined(MBEDTLS_SSL_PROTO_DTLS)
    if (c->datagram) {
        /* the core owns retransmission: mbedTLS's own back-off must never end the handshake */
        mbedtls_ssl_conf_handshake_timeout(&c->conf, 1, UINT32_MAX);
#if defined(MBEDTLS_SSL_DTLS_BADMAC_LIMIT)
        /* mbedTLS counts records failing authentication (ssl->badmac_seen) only with a limit:
         * one it never reaches, so that read() can report them (they are still discarded) */
        mbedtls_ssl_conf_dtls_badmac_limit(&c->conf, UINT_MAX);
#endif
    }
#endif

    if (c->server) {
#if defined(MBEDTLS_SSL_COOKIE_C) && defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)
        if (c->datagram) {
            err = mbedtls_ssl_cookie_setup(&c->cookie, mbedtls_ctr_drbg_random, &ss_drbg);
            if (err != 0) {
                goto fail;
            }
            mbedtls_ssl_conf_dtls_cookies(&c->conf, mbedtls_ssl_cookie_write,
                                          mbedtls_ssl_cookie_check, &c->cookie);
        }
#endif
        /* mbedTLS 2.28 servers send no PSK identity hint (no ServerKeyExchange for plain PSK,
         * an empty hint for (EC)DHE-PSK): a hint was refused in ss_ctx_check (no
         * TLSMAN_CAP_PSK_HINT). */
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
    mbedtls_platform_zeroize(s, sizeof(*s));
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
    if (c == NULL || c->io == NULL) {
        return -EINVAL;
    }
    s->ctx = c;
    s->io = c->io;
    s->io_ctx = io_ctx;
    s->timer = SS_TIMER_CANCELLED;

    int err = mbedtls_ssl_setup(&s->ssl, &c->conf);
    if (err != 0) {
        ss_session_free(s);
        return ss_setup_error(err);
    }
    mbedtls_ssl_set_bio(&s->ssl, s, ss_send_cb, ss_recv_cb, NULL);
    mbedtls_ssl_set_timer_cb(&s->ssl, s, ss_set_timer, ss_get_timer);
#if SS_X509
    if (c->verify_cb != NULL) {
        mbedtls_ssl_set_verify(&s->ssl, ss_verify_cb, s);
    }
#endif
#if defined(MBEDTLS_SSL_PROTO_DTLS)
    if (c->datagram && c->mtu != 0) {
        mbedtls_ssl_set_mtu(&s->ssl, c->mtu);
    }
#endif
#if defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY) && defined(MBEDTLS_SSL_SRV_C)
    if (c->server && c->datagram) {
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
    if (!s->tx_alert && (err == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE ||
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
            bool dropped = s->rx_dropped || ss_badmac_seen(s) != bad_before;
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
    if (avail > len && s->ctx->datagram) {
        return -EMSGSIZE; /* the record stays: call again with a larger buffer */
    }
    if (avail <= len && s->ssl.in_offt != NULL && s->ssl.in_msglen == avail) {
        /* The record is decrypted and waiting (read(len 0) above or earlier): take it the way
         * the tail of mbedtls_ssl_read() in 2.28 does - copy, wipe, mark consumed - without a
         * second pass through its record machinery (about 1,000 instructions per record). */
        memcpy(buf, s->ssl.in_offt, avail);
        mbedtls_platform_zeroize(s->ssl.in_offt, avail);
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
    if (!s->ctx->datagram) {
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
    ss_set_alert(s, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_SENT);
    return 0;
}

static int ss_info(void *p, tlsman_info_t *info)
{
    ss_mbedtls_session_t *s = p;
    if (info == NULL) {
        return -EINVAL;
    }
    memset(info, 0, sizeof(*info));
    info->alert = s->alert;
    info->alert_origin = s->alert_origin;
    info->verify = s->verify;
    if (s->established) {
        /* the id itself (2.28's fields are public): no lookup through the suite's name */
        int id = s->ssl.session != NULL ? s->ssl.session->ciphersuite : 0;
        info->suite = id > 0 && id <= UINT16_MAX ? (uint16_t)id : 0;
        info->version = mbedtls_ssl_get_version(&s->ssl);
    }
    return 0;
}

/** Client: the name expected in the server's certificate (subjectAltName DNS or CN), also sent
 *  as SNI. mbedTLS copies it (heap, freed with the session). */
static int ss_set_server_name(void *p, const char *name)
{
#if SS_X509 && defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
    ss_mbedtls_session_t *s = p;
    if (name == NULL || name[0] == '\0' || s->ssl.conf == NULL || s->ctx->server) {
        return -EINVAL;
    }
    int err = mbedtls_ssl_set_hostname(&s->ssl, name);
    if (err == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
        return -ENOMEM;
    }
    return err == 0 ? 0 : -EINVAL; /* longer than 255 bytes */
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
    if (ip == NULL || (len != 4 && len != 16) || s->ssl.conf == NULL || s->ctx->server) {
        return -EINVAL;
    }
    memcpy(s->peer_ip, ip, len);
    s->peer_ip_len = (uint8_t)len;
    mbedtls_ssl_set_verify(&s->ssl, ss_verify_cb, s);
    return 0;
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
    if (!c->server || !c->datagram) {
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
    if (!c->server || !c->datagram) {
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
    .caps = TLSMAN_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | (SS_X509 ? TLSMAN_CAP_X509 : 0u),
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
