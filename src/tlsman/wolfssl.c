/**
 * @file wolfssl.c
 * @brief TLSMAN driver for wolfSSL 5.5 (DTLS 1.2 / TLS 1.2 with pre-shared keys and with X.509
 *        certificates: the ECDHE-ECDSA suites on P-256).
 *
 * Memory BIO: wolfSSL reads and writes ciphertext through the core's tlsman_io_t (custom I/O
 * callbacks); it never sees a socket. Timers: wolfSSL has no timer callbacks in non-blocking DTLS,
 * so the driver arms the core's timer when a new flight leaves (a plaintext handshake record with
 * a higher message_seq than any sent before), stops it when the handshake completes or the next
 * flight starts, and on timer_expired lets the next handshake step call
 * wolfSSL_dtls_got_timeout(), which resends the flight. wolfSSL's own back-off is reset before
 * every retransmission so it never gives up first (the core counts and enforces the limit).
 *
 * Certificates: the socket's key, certificate chain and trust anchors are loaded at ctx_init into
 * the WOLFSSL_CTX (wolfSSL keeps parsed copies; P-256 only, key checked against the certificate);
 * cred_check() parses into a scratch WOLFSSL_CTX so the credential store refuses bad input early
 * (SOCK_SECURE_E_CRED_FORMAT / _TYPE, -ENOTSUP for RSA and other curves). Verification follows
 * tlsman_config_t.verify: WOLFSSL_VERIFY_NONE, PEER (optional: ss_verify_cb accepts what fails and
 * reports it), PEER|FAIL_IF_NO_PEER_CERT (a required client certificate). ss_verify_cb sees every
 * certificate the peer sent (this build has WOLFSSL_ALWAYS_VERIFY_CB and VERIFY_CB_ALL_CERTS) and
 * turns wolfSSL's verdict into SOCK_SECURE_VFY_* bits (info.verify), running the application's
 * verify_cb with the certificate's DER. A client sets the expected name with set_server_name
 * (SNI and wolfSSL_check_domain_name), or the expected address with set_peer_ip, which
 * ss_verify_cb checks itself against the iPAddress subjectAltNames (x509_ip.h). The client offers only P-256 for ECDHE, and no peer ECC key
 * under 256 bits is taken.
 *
 * What this Debian build (5.5.4, configure defaults + Debian's options) can and cannot do:
 * - Plain-PSK suites: only TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 is compiled in. The static PSK
 *   AES suites (..._AES_128_CCM_8, _AES_128_CCM, _AES_128_GCM_SHA256) need WOLFSSL_STATIC_PSK,
 *   which Debian leaves off: suite_supported() reports them unsupported, so an explicit request
 *   fails at create with -ENOTSUP and the default list becomes CHACHA20-POLY1305 alone.
 * - PSK identity hint: a server sends tlsman_config_t.psk_hint in its ServerKeyExchange
 *   (wolfSSL_CTX_use_psk_identity_hint; TLSMAN_CAP_PSK_HINT).
 * - DTLS MTU: WOLFSSL_DTLS_MTU is off, so records are sized for wolfSSL's fixed 1400-byte MTU
 *   (max_payload 1359 with CHACHA20-POLY1305) and tlsman_config_t.mtu can only lower that:
 *   max_payload() honours a smaller MTU; handshake flights (PSK: < 200 bytes) are not resized.
 *   Incoming datagrams up to CONFIG_SOCK_SECURE_MAX_DATAGRAM are accepted once established (read
 *   asks wolfSSL for that much); during the handshake wolfSSL takes datagrams up to 1400 bytes.
 * - Cookies: wolfSSL 5.5.4 parses a DTLS 1.2 ClientHello statelessly and answers a missing or
 *   bad cookie with HelloVerifyRequest. The cookie is an HMAC over the peer set with
 *   wolfSSL_dtls_set_peer() (we give it the core's peer_id bytes) and the ClientHello, keyed by a
 *   per-socket random secret set on every session, so a fresh session verifies the cookie another
 *   session issued: handshake() returns SOCK_SECURE_E_HELLO_VERIFY and the core frees the
 *   session, exactly as with mbedTLS. (wolfSSL_CTX_SetGenCookie is not consulted by 5.5.4's
 *   DTLS 1.2 server.)
 * - Wrong PSK: a DTLS record that fails to decrypt is dropped silently by wolfSSL (RFC 6347
 *   §4.1.2.7 allows it), so the peer's Finished under a different key would leave the handshake
 *   waiting until the core's retransmission budget ran out. The driver notices it instead: the
 *   peer's key exchange and ChangeCipherSpec were seen, then an epoch-1 handshake record (the
 *   Finished) arrived and wolfSSL did not complete. It fails the handshake with
 *   SOCK_SECURE_E_HANDSHAKE and sends the fatal bad_record_mac alert mbedTLS sends in the same
 *   place (a plaintext epoch-0 record; wolfSSL has no public call to send an alert). A peer that
 *   can forge datagrams from the client's address could end a handshake this way, as it can with
 *   mbedTLS, which fails on a bad Finished too.
 * - Damaged datagrams: wolfSSL 5.5.4 ends a DTLS handshake on a handshake record whose header is
 *   damaged (PARSE_ERROR, no alert) and on a ChangeCipherSpec that arrives without the key exchange
 *   before it (a fatal unexpected_message, after which it waits on). The driver discards records
 *   with an invalid header and such a ChangeCipherSpec (with the Finished behind it) before
 *   wolfSSL sees them, so retransmission recovers as with mbedTLS; a handshake wolfSSL still ends
 *   locally without an alert gets one from the driver (while our records are still plaintext),
 *   so the peer does not wait for its budget to run out. Records wolfSSL or the driver drop once
 *   established (bad MAC, replay, malformed) are reported as SOCK_SECURE_E_BAD_RECORD, so the
 *   core's drop_bad_record counts them.
 * - A datagram io->send cannot take (-EAGAIN) counts as lost: a flight is recovered by its timer
 *   and write() returns -EAGAIN. (wolfSSL's WANT_WRITE would keep the record in its output buffer
 *   and count it against the next, different, wolfSSL_write().)
 * - PSK identities are C strings in wolfSSL's API: identities containing a NUL byte are refused
 *   (-ENOTSUP) for a client, and a server sees a received identity only up to its first NUL.
 * - Undecrypted records are invisible through wolfSSL's API (wolfSSL_has_pending() counts only
 *   decrypted data), so pending() follows the records of the last datagram itself.
 * - Lost last flight: once its handshake is done, a 5.5.4 DTLS server does not answer the
 *   client's repeated last flight with its own (wolfSSL_dtls_got_timeout and _retransmit do
 *   nothing after the handshake), so the client would time out. A server session keeps the
 *   datagrams that completed its handshake (ChangeCipherSpec + Finished, 67 bytes with
 *   CHACHA20-POLY1305) and resends them verbatim when handshake records arrive afterwards, until
 *   the client's first application record shows it has them.
 * - Certificates, where 5.5.4 differs from mbedTLS: the verify callback is not called for the
 *   trust anchor (only for the certificates the peer sent: a server with one certificate gives
 *   one call, depth 0); a certificate not yet valid is answered with certificate_expired (mbedTLS:
 *   certificate_unknown) and one the application refuses with bad_certificate (mbedTLS:
 *   access_denied) - wolfSSL picks the alert. In the callback, store->error carries the
 *   OpenSSL-style X509_V_ERR_* code, and 5.5.4 reports an expired certificate as
 *   X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD and a future one as ..._NOT_BEFORE_FIELD; both are
 *   mapped. wolfSSL_CTX_check_private_key compares only the key types for ECC, so the driver
 *   compares the public points itself (SOCK_SECURE_E_CRED_MISMATCH). A peer certificate on another
 *   curve of at least 256 bits (P-384) is not refused as mbedTLS refuses it. No raw public keys
 *   (RFC 7250 arrived in later wolfSSL): no TLSMAN_CAP_RPK.
 * - Renegotiation is not compiled in (renew is NULL); session tickets and the session cache are
 *   turned off, so nothing of a session outlives session_free().
 * - TLS 1.2 over streams (TLSMAN_CAP_TLS): output the transport refuses is never left to
 *   wolfSSL, whose WANT_WRITE keeps the record in its output buffer and wants the next
 *   wolfSSL_write() repeated with the same data (it resumes at the old offset of whatever buffer
 *   it is given). The send callback instead keeps the refused bytes in a per-session heap buffer
 *   (s->out) and reports them sent; everything after waits behind them: write() and handshake()
 *   push them first (write() takes nothing new, -EAGAIN, while some wait), flush() pushes them.
 *   So a record wolfSSL built counts as accepted, and no byte is lost, sent twice or reordered,
 *   close_notify included. The buffer holds at most one record and what the same call added (a
 *   handshake flight, an alert): up to ~16.5 KB, allocated only while the transport is blocked.
 *   write() takes up to max_payload() bytes (one record, 16 KB) per call.
 * - cookie_write/cookie_check stay NULL: wolfSSL's cookie is an HMAC over the whole ClientHello,
 *   which the core's stateless answer cannot reproduce; the core's fallback (a session per
 *   ClientHello, freed after the HelloVerifyRequest) is what this driver serves.
 *
 * Memory: the per-socket state (WOLFSSL_CTX pointer, cookie secret, the client's PSK copy,
 * verification settings) and the per-session state (WOLFSSL pointer, flight and record tracking,
 * the kept last flight, verification results, the TLS output buffer's pointer) live in the core's
 * areas: 248 and 328 bytes on x86_64. wolfSSL allocates the rest, measured on Debian's
 * 5.5.4 x86_64 with counting wolfSSL_SetAllocators hooks (DTLS 1.2, PSK-CHACHA20-POLY1305):
 * - per socket: 9,180 bytes in 7 blocks (the WOLFSSL_CTX and its method), freed by ctx_free;
 * - per session: 56.0 KB from session_init (9 blocks: the WOLFSSL object 10.9 KB, its
 *   WOLFSSL_SESSION 37.5 KB - Debian builds with SESSION_CERTS, which reserves room for a
 *   certificate chain in every session, unused with PSK -, handshake arrays 3.5 KB, RNG, ...);
 *   58.6 KB (client) / 58.3 KB (server) at the handshake's peak; 56.6 / 56.8 KB when
 *   established and 55.4 KB once application data has flowed (the handshake state kept for
 *   retransmission is dropped then). All of it is freed by session_free; wolfSSL_free zeroes
 *   the keys. A server session answering a cookie-less ClientHello costs 57.6 KB, briefly.
 * - once: 136 bytes from wolfSSL_Init(), kept (wolfSSL_Cleanup is not called: other users of
 *   wolfSSL in the process may need the library). 200 handshakes in a row, completed or failed
 *   (wrong PSK), leave nothing behind (wolfSSL's OpenSSL-compatible error queue does not grow).
 * - certificates (ECDHE-ECDSA-AES128-CCM-8, same method, measured once wolfSSL's caches were
 *   full): a server socket with certificate and key 9.7 KB, a client socket with one CA 10.1 KB;
 *   session_init 56.0 KB per side as with PSK; the two sessions of one handshake together peak
 *   at 168 KB; established, the client (it keeps the server's certificate: SESSION_CERTS,
 *   KEEP_PEER_CERT) 78.6 KB and the server (no client certificate) 57.3 KB.
 * - Debian builds with FP_ECC: wolfCrypt keeps a per-thread cache of fixed-point tables for the
 *   ECC points it uses most (the curve's base point, the keys it verifies with). It is no leak
 *   (bounded: it stopped at 12.4 MB after ~50 certificate handshakes on x86_64 and stayed there
 *   for 400 more) but it is by far the largest thing certificates cost on this build, outlives
 *   every socket, and is only released by wc_ecc_fp_free() (or wolfSSL_Cleanup()), which the
 *   driver does not call: other sockets and other users of wolfSSL in the thread may be using it.
 */

/* pthread_once for the one-time wolfSSL_Init(), strnlen. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* options.h would otherwise redefine _FORTIFY_SOURCE (a warning at -O0): keep the build's own. */
#define WOLFSSL_OPTIONS_IGNORE_SYS
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "builtin.h"
#include "common.h"
#include "secure_sock/config.h"
#include "secure_sock/error.h"
#include "secure_sock/tlsman.h"

#if LIBWOLFSSL_VERSION_HEX < 0x05005000
#error "this driver is written for wolfSSL 5.5 or later"
#endif
#if defined(NO_PSK) || defined(WOLFSSL_NO_TLS12)
#error "wolfSSL must have TLS 1.2 and PSK"
#endif

/* Certificates (TLSMAN_CAP_X509, the ECDHE-ECDSA suites) need ECC, certificate parsing, the
 * OpenSSL-compatible verify callback (X509_STORE_CTX with the current certificate) and SNI;
 * without them the driver is PSK-only and says so in its caps. */
#if defined(HAVE_ECC) && !defined(NO_CERTS) && defined(OPENSSL_EXTRA) && defined(HAVE_SNI) && \
    defined(WOLFSSL_PEM_TO_DER) && !defined(NO_RSA)
#define SS_X509 1
#else
#define SS_X509 0
#endif

/* ---- state ----------------------------------------------------------------------------------- */

#define SS_COOKIE_SECRET_LEN 32u /**< HMAC-SHA256 key for HelloVerifyRequest cookies */
#define SS_DG_TRACK 16u          /**< records of one datagram followed for pending() */
#define SS_FLIGHT_MAX 160u       /**< bytes of the server's last flight kept for resending it */
#define SS_FLIGHT_DGRAMS 2u      /**< ... in at most this many datagrams */
#define SS_AEAD_MIN 16u          /**< smallest encrypted record body of any AEAD suite (its tag) */

/** Per-socket state, in the core's ctx area. */
typedef struct {
    WOLFSSL_CTX *wctx;                       /**< shared by every session of the socket */
    tlsman_sock_t k;                         /**< role, transport, callbacks (common.h) */
    uint8_t cookie_secret[SS_COOKIE_SECRET_LEN]; /**< server: one key for every session */
    char psk_id[CONFIG_SOCK_SECURE_PSK_ID_MAX + 1]; /**< client: identity, NUL-terminated */
    uint8_t psk_key[CONFIG_SOCK_SECURE_PSK_KEY_MAX]; /**< client: the key */
    size_t psk_key_len;                      /**< its length */
    uint8_t cert_suite_n;                    /**< entries in cert_suites */
    uint16_t cert_suites[CONFIG_SOCK_SECURE_MAX_SUITES]; /**< configured suites with
                                                              TLSMAN_SUITE_CERT (IANA ids) */
} ss_wolfssl_ctx_t;

/** Per-session state, in the core's session area. */
typedef struct {
    WOLFSSL *ssl;                  /**< allocated by wolfSSL_new, freed by session_free */
    ss_wolfssl_ctx_t *ctx;         /**< the socket */
    tlsman_sess_t t;               /**< callbacks, I/O errors, alert, verification (common.h) */
    tlsman_tx_alert_t tx;          /**< alert records sent during the current call */
    int fail;                      /**< the error that ended the session, 0 while it lives */
    uint64_t tx_seq0;              /**< next free epoch-0 record sequence number */
    int32_t tx_mseq;               /**< highest handshake message_seq sent in the clear, -1 */
    bool established;              /**< handshake() returned 0 */
    bool timer_on;                 /**< io->timer(true) reported and not stopped since */
    bool retx_due;                 /**< the core's timer fired: resend on the next step */
    bool tx_ccs;                   /**< we sent ChangeCipherSpec: our records are encrypted now */
    bool peer_kx;                  /**< the peer's ClientKeyExchange/ServerHelloDone arrived */
    bool peer_ccs;                 /**< ... and then its ChangeCipherSpec */
    bool vfy_seen;                 /**< the verify callback saw a peer certificate */
    uint16_t rec_min;              /**< smallest valid encrypted record body (the AEAD overhead) */
    /* What the current driver call saw (reset by ss_call_begin, with t and tx). */
    bool call_new_flight;          /**< we sent the first records of a new flight */
    bool call_hvr;                 /**< we sent a HelloVerifyRequest */
    bool call_tx_blocked;          /**< DTLS: io->send would have blocked (datagram lost) */
    bool call_peer_fin;            /**< an epoch-1 handshake record arrived after the peer's key
                                        exchange and ChangeCipherSpec */
    bool call_peer_hs;             /**< established: handshake records arrived */
    uint16_t call_rx_app;          /**< application records handed to wolfSSL */
    uint16_t call_rx_bad;          /**< malformed records the driver discarded */
    /* The last datagram handed to wolfSSL, for pending(): its record content types, how many
     * application records wolfSSL decrypted from it, and whether wolfSSL may still hold some. */
    uint8_t dg_ct[SS_DG_TRACK];
    uint8_t dg_n;                  /**< records in dg_ct */
    uint8_t dg_apps;               /**< application records decrypted from it so far */
    bool dg_more;                  /**< it had more than SS_DG_TRACK records */
    bool dg_live;                  /**< wolfSSL has not asked for the next datagram since */
    /* Server: the datagrams of the handshake() call that completed the handshake (ChangeCipherSpec,
     * Finished), resent when the client repeats its last flight (see ss_read). */
    uint8_t flight[SS_FLIGHT_MAX];
    uint16_t flight_len[SS_FLIGHT_DGRAMS];
    uint8_t flight_n;              /**< datagrams in flight[], 0 = none (or too large) */
    bool flight_full;              /**< the current call sent more than flight[] holds */
    /* TLS: output the transport refused (-EAGAIN), kept here instead of in wolfSSL (see
     * ss_send_cb); heap, allocated only while something waits. */
    uint8_t *out;
    size_t out_off;                /**< first byte not yet sent */
    size_t out_len;                /**< bytes in out */
    size_t out_cap;                /**< its size */
} ss_wolfssl_session_t;

_Static_assert(sizeof(ss_wolfssl_ctx_t) <= CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE,
               "wolfSSL socket state exceeds CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE");
_Static_assert(sizeof(ss_wolfssl_session_t) <= CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE,
               "wolfSSL session state exceeds CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE");
_Static_assert(_Alignof(ss_wolfssl_ctx_t) <= 8 && _Alignof(ss_wolfssl_session_t) <= 8,
               "the core's driver areas are 8-byte aligned");
_Static_assert(CONFIG_SOCK_SECURE_MAX_SUITES >= 1, "at least one suite");
_Static_assert(CONFIG_SOCK_SECURE_MAX_DATAGRAM <= INT_MAX - 100, "datagram size fits an int");

/* ---- one-time library set-up ----------------------------------------------------------------- */

static int ss_lib_status = 1; /* 1 = not yet, 0 = ready, -1 = wolfSSL_Init failed */

static void ss_lib_init(void)
{
    ss_lib_status = wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : -1;
}

/** wolfSSL_Init() once per process, thread-safe. Returns 0 or SOCK_SECURE_E_BACKEND. */
static int ss_lib_ready(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (pthread_once(&once, ss_lib_init) != 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    return ss_lib_status == 0 ? 0 : SOCK_SECURE_E_BACKEND;
}

/* ---- suites ---------------------------------------------------------------------------------- */

/** Does this wolfSSL build have the core's table entry @p suite? The key exchange must be one the
 *  driver routes (ECDHE-ECDSA needs certificates compiled in); wolfSSL's cipher_names table holds
 *  only the suites of the build (any other id is "None"). The driver holds no suite list. */
static bool ss_suite_supported(const tlsman_suite_t *suite, bool datagram)
{
    (void)datagram; /* every AEAD suite works over DTLS */
    if (suite == NULL ||
        !(suite->kx == TLSMAN_KX_PSK || (suite->kx == TLSMAN_KX_ECDHE_ECDSA && SS_X509))) {
        return false;
    }
    const char *name = wolfSSL_get_cipher_name_from_suite((unsigned char)(suite->id >> 8),
                                                          (unsigned char)(suite->id & 0xFFu));
    return name != NULL && strcmp(name, "None") != 0;
}

/* ---- errors and alerts ----------------------------------------------------------------------- */

/** Record the fatal alert wolfSSL sent (its history has the description even when encrypted).
 *  Returns whether there is one. */
static bool ss_note_sent_alert(ss_wolfssl_session_t *s)
{
    WOLFSSL_ALERT_HISTORY h;
    if (wolfSSL_get_alert_history(s->ssl, &h) == WOLFSSL_SUCCESS && h.last_tx.code >= 0 &&
        h.last_tx.code <= UINT8_MAX && h.last_tx.level == (int)SS_ALERT_LEVEL_FATAL) {
        tlsman_alert_set(&s->t, (uint8_t)h.last_tx.code, TLSMAN_ALERT_SENT);
        return true;
    }
    return false;
}

#if SS_X509
/**
 * SOCK_SECURE_VFY_* bits for a certificate verification error: a wolfSSL/wolfCrypt code
 * (negative; what wolfSSL_get_error reports), or with @p x509 also the OpenSSL-style
 * X509_V_ERR_* code that an OPENSSL_EXTRA build puts in the verify callback's store->error.
 * 0 for codes that are no verification failure.
 */
static uint32_t ss_vfy_bits(int err, bool x509)
{
    if (err > 0 && !x509) {
        return 0; /* WOLFSSL_ERROR_* codes, not verification results */
    }
    switch (err) {
    case ASN_NO_SIGNER_E: /* no trusted issuer */
    case ASN_SELF_SIGNED_E:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_INVALID_CA:
        return SOCK_SECURE_VFY_UNKNOWN_CA;
    case ASN_AFTER_DATE_E:
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: /* 5.5.4 reports ASN_AFTER_DATE_E as this */
        return SOCK_SECURE_VFY_EXPIRED;
    case ASN_BEFORE_DATE_E:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD: /* ... and ASN_BEFORE_DATE_E as this */
        return SOCK_SECURE_VFY_NOT_YET_VALID;
    case DOMAIN_NAME_MISMATCH:
    case IPADDR_MISMATCH:
        return SOCK_SECURE_VFY_NAME_MISMATCH;
    case ASN_SIG_CONFIRM_E:
    case SIG_VERIFY_E:
    case VERIFY_SIGN_ERROR:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return SOCK_SECURE_VFY_BAD_SIGNATURE;
    case NO_PEER_CERT:
        return SOCK_SECURE_VFY_NO_CERT;
    case ASN_SIG_KEY_E:
    case ECC_CURVE_OID_E:
    case ECC_KEY_SIZE_E:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
        return SOCK_SECURE_VFY_BAD_KEY;
    case CRL_CERT_REVOKED:
    case X509_V_ERR_CERT_REVOKED:
        return SOCK_SECURE_VFY_REVOKED;
    case VERIFY_CERT_ERROR: /* the verify callback refused (its bits are recorded) */
    case NO_PEER_VERIFY:
    case ASN_CRIT_EXT_E:
    case ASN_PATHLEN_INV_E:
    case ASN_PATHLEN_SIZE_E:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
        return SOCK_SECURE_VFY_OTHER;
    default:
        return x509 && err != 0 ? SOCK_SECURE_VFY_OTHER : 0;
    }
}
#endif

/**
 * Turn a wolfSSL error (wolfSSL_get_error) into a secure_sock code, recording the alert behind it.
 * @p in_handshake picks the code for protocol failures (handshake vs. established session).
 */
static int ss_error(ss_wolfssl_session_t *s, int err, bool in_handshake)
{
    switch (err) {
    case WOLFSSL_ERROR_WANT_READ:
    case WOLFSSL_ERROR_WANT_WRITE:
    case WANT_READ:
    case WANT_WRITE:
        return -EAGAIN;
    case WOLFSSL_ERROR_ZERO_RETURN:
    case ZERO_RETURN:
        tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_RECEIVED);
        return SOCK_SECURE_E_PEER_CLOSED;
    case FATAL_ERROR: { /* the peer sent a fatal alert */
        WOLFSSL_ALERT_HISTORY h;
        if (wolfSSL_get_alert_history(s->ssl, &h) == WOLFSSL_SUCCESS && h.last_rx.code >= 0 &&
            h.last_rx.code <= UINT8_MAX) {
            tlsman_alert_set(&s->t, (uint8_t)h.last_rx.code, TLSMAN_ALERT_RECEIVED);
        }
        return SOCK_SECURE_E_ALERT;
    }
    default:
        break;
    }

    (void)ss_note_sent_alert(s);

#if SS_X509
    uint32_t vfy = ss_vfy_bits(err, false);
    if (vfy != 0 || s->t.vfy_abort) {
        /* the peer's certificate (chain, dates, name, signature) or the application refused it;
         * the bits the verify callback recorded say why, the error code if it saw nothing */
        if (!in_handshake) {
            return SOCK_SECURE_E_BACKEND;
        }
        if ((s->t.verify | s->t.vfy_app) == 0) {
            s->t.verify = vfy;
        }
        return SOCK_SECURE_E_VERIFY;
    }
#endif

    switch (err) {
    case MEMORY_E:
    case MEMORY_ERROR:
        return -ENOMEM;
    case PSK_KEY_ERROR:  /* the server's PSK callback knew no key for the identity */
    case CLIENT_ID_ERROR:
        return SOCK_SECURE_E_PSK_IDENTITY;
    case MATCH_SUITE_ERROR:
    case UNSUPPORTED_SUITE:
        return SOCK_SECURE_E_NO_SUITE;
    case SOCKET_ERROR_E:
        return s->t.io_err < 0 ? s->t.io_err : -EIO;
    case SOCKET_PEER_CLOSED_E:
    case WOLFSSL_ERROR_SYSCALL:
        return -ECONNRESET;
    case VERIFY_FINISHED_ERROR:
    case VERIFY_MAC_ERROR:
    case DECRYPT_ERROR:
    case PARSE_ERROR:
    case UNKNOWN_HANDSHAKE_TYPE:
    case UNKNOWN_RECORD_TYPE:
    case BAD_HELLO:
    case VERSION_ERROR:
    case BUFFER_ERROR:
    case LENGTH_ERROR:
    case SEQUENCE_ERROR:
    case OUT_OF_ORDER_E:
    case SANITY_MSG_E:
    case DUPLICATE_MSG_E:
    case NO_CHANGE_CIPHER_E:
    case DECODE_E:
    case COOKIE_ERROR:
    case SECURE_RENEGOTIATION_E:
    case UNSUPPORTED_PROTO_VERSION:
    case EXT_MISSING:
    case UNSUPPORTED_EXTENSION:
    case DUPLICATE_TLS_EXT_E:
    case COMPRESSION_ERROR:
        /* After the handshake these end the session too (wolfSSL drops bad DTLS records itself
         * and never returns them), so they must not be SOCK_SECURE_E_BAD_RECORD, which the core
         * treats as "record dropped, session goes on". The alert sent says what failed. */
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    default:
        return SOCK_SECURE_E_BACKEND;
    }
}

/** The session is over: every later call returns @p err. */
static int ss_fail(ss_wolfssl_session_t *s, int err)
{
    if (err < 0 && err != -EAGAIN) {
        s->fail = err;
    }
    return err;
}

/** Begin a driver call: forget what the previous call saw. */
static void ss_call_begin(ss_wolfssl_session_t *s)
{
    tlsman_call_begin(&s->t);
    tlsman_tx_alert_reset(&s->tx);
    s->call_new_flight = false;
    s->call_hvr = false;
    s->call_peer_fin = false;
    s->call_peer_hs = false;
    s->call_tx_blocked = false;
    s->call_rx_app = 0;
    s->call_rx_bad = 0;
    if (!s->established) {
        s->flight_n = 0;
        s->flight_full = false;
    }
}

/* ---- memory BIO ------------------------------------------------------------------------------ */

/** Walk what we send (one datagram): alerts, our ChangeCipherSpec, the epoch-0 sequence numbers
 *  in use, new flights (a handshake message_seq above every one sent before) and
 *  HelloVerifyRequests. */
static void ss_scan_tx(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
{
    tlsman_scan_tx_alerts(&s->tx, buf, len, true, false);
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        if (r.type == SS_CT_CHANGE_CIPHER_SPEC) {
            s->tx_ccs = true;
        }
        if (!ss_dtls_rec_epoch0(r.hdr)) {
            continue;
        }
        uint64_t seq = ss_dtls_rec_seq(r.hdr);
        if (seq + 1 > s->tx_seq0) {
            s->tx_seq0 = seq + 1;
        }
        if (r.type == SS_CT_HANDSHAKE && r.len >= SS_DTLS_HS_HDR) {
            int32_t mseq = (int32_t)ss_dtls_hs_seq(r.body);
            if (mseq > s->tx_mseq) {
                s->tx_mseq = mseq;
                s->call_new_flight = true;
            }
            if (r.body[SS_HS_TYPE] == SS_HT_HELLO_VERIFY_REQUEST) {
                s->call_hvr = true;
            }
        }
    }
}

/**
 * Discard the records of a received datagram whose header is not DTLS 1.2's (content type,
 * version 1.2 or the 1.0 of a first ClientHello/HelloVerifyRequest, a length within the datagram,
 * and for encrypted records room for the AEAD overhead: wolfSSL fails the session on a shorter
 * one), closing the gap in place. RFC 6347 §4.1.2.7: invalid records are silently discarded; wolfSSL
 * 5.5.4 instead ends the handshake on, e.g., a handshake record with a corrupted version. A server
 * also discards the client's ChangeCipherSpec (and what follows it) when the ClientKeyExchange
 * before it is missing - lost or discarded -, which wolfSSL answers with a fatal
 * unexpected_message; the client's retransmission of the whole flight then completes it.
 * Returns the new length; counts what it dropped.
 */
static size_t ss_filter_rx(ss_wolfssl_session_t *s, uint8_t *buf, size_t len)
{
    size_t out = 0;
    bool kx = s->peer_kx || s->established || !s->ctx->k.server;
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        const uint8_t *h = r.hdr;
        const uint8_t minor = h[SS_REC_VERSION + 1];
        bool epoch0 = ss_dtls_rec_epoch0(h);
        bool ok = r.type >= SS_CT_CHANGE_CIPHER_SPEC && r.type <= SS_CT_APPLICATION_DATA &&
                  h[SS_REC_VERSION] == SS_DTLS_MAJOR &&
                  (minor == SS_DTLS_1_2_MINOR || minor == SS_DTLS_1_0_MINOR) &&
                  (epoch0 || r.len >= s->rec_min);
        if (ok && r.type == SS_CT_HANDSHAKE && epoch0 && r.len >= SS_DTLS_HS_HDR &&
            r.body[SS_HS_TYPE] == SS_HT_CLIENT_KEY_EXCHANGE) {
            kx = true;
        }
        if (ok && r.type == SS_CT_CHANGE_CIPHER_SPEC && !kx) {
            s->call_rx_bad++; /* out of order: drop it and the Finished behind it */
            return out;
        }
        if (ok) {
            size_t n = SS_DTLS_RECORD_HDR + r.len;
            if (buf + out != h) {
                memmove(buf + out, h, n); /* to the front: never over a record not yet read */
            }
            out += n;
        } else {
            s->call_rx_bad++; /* at most one per record of one datagram: no overflow */
        }
    }
    if (!ss_rec_walk_whole(&w)) {
        s->call_rx_bad++; /* truncated: the rest of the datagram cannot be delimited */
    }
    return out;
}

/** Walk a datagram handed to wolfSSL: its record types (for pending()) and the signs of a peer
 *  Finished under another key (see the top of this file). */
static void ss_scan_rx(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
{
    const uint8_t kx = s->ctx->k.server ? SS_HT_CLIENT_KEY_EXCHANGE : SS_HT_SERVER_HELLO_DONE;
    s->dg_n = 0;
    s->dg_apps = 0;
    s->dg_more = false;
    s->dg_live = true;
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        if (s->dg_n < SS_DG_TRACK) {
            s->dg_ct[s->dg_n++] = r.type;
        } else {
            s->dg_more = true;
        }
        if (r.type == SS_CT_APPLICATION_DATA && s->call_rx_app < UINT16_MAX) {
            s->call_rx_app++;
        }
        bool epoch0 = ss_dtls_rec_epoch0(r.hdr);
        if (s->established) {
            s->call_peer_hs = s->call_peer_hs || r.type == SS_CT_HANDSHAKE;
        } else if (epoch0 && r.type == SS_CT_HANDSHAKE && r.len >= SS_DTLS_HS_HDR &&
                   r.body[SS_HS_TYPE] == kx) {
            s->peer_kx = true;
        } else if (epoch0 && r.type == SS_CT_CHANGE_CIPHER_SPEC && s->peer_kx) {
            s->peer_ccs = true;
        } else if (!epoch0 && r.type == SS_CT_HANDSHAKE && s->peer_ccs) {
            s->call_peer_fin = true;
        }
    }
}

/** Server: keep what this handshake() call sends, in case it is the last flight. */
static void ss_keep_flight(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
{
    size_t used = 0;
    for (unsigned i = 0; i < s->flight_n; i++) {
        used += s->flight_len[i];
    }
    if (s->flight_full || s->flight_n == SS_FLIGHT_DGRAMS || len > SS_FLIGHT_MAX - used) {
        s->flight_full = true;
        return;
    }
    memcpy(s->flight + used, buf, len);
    s->flight_len[s->flight_n++] = (uint16_t)len;
}

/** Server, established: the client repeated its last flight, so ours was lost. wolfSSL 5.5.4 does
 *  not resend it once its handshake is done (wolfSSL_dtls_got_timeout and _retransmit do nothing
 *  then), so resend the very datagrams: same records, same sequence numbers, which the client
 *  takes if it missed them and drops as replays if not. */
static void ss_resend_flight(ss_wolfssl_session_t *s)
{
    size_t off = 0;
    for (unsigned i = 0; i < s->flight_n; i++) {
        (void)s->t.io->send(s->t.io_ctx, s->flight + off, s->flight_len[i]);
        off += s->flight_len[i];
    }
}

/** TLS: push the output kept in s->out. Returns 0 when nothing is left (the buffer is freed),
 *  -EAGAIN while the transport refuses some, or the transport's error. */
static int ss_out_push(ss_wolfssl_session_t *s)
{
    while (s->out_off < s->out_len) {
        int rc = s->t.io->send(s->t.io_ctx, s->out + s->out_off, s->out_len - s->out_off);
        if (rc == -EAGAIN || rc == 0) {
            return -EAGAIN;
        }
        if (rc < 0) {
            s->t.io_err = rc;
            return rc;
        }
        s->out_off += (size_t)rc < s->out_len - s->out_off ? (size_t)rc : s->out_len - s->out_off;
    }
    free(s->out); /* ciphertext only: nothing to zero */
    s->out = NULL;
    s->out_off = s->out_len = s->out_cap = 0;
    return 0;
}

/** TLS: keep @p len bytes after what already waits. 0 or -ENOMEM. */
static int ss_out_append(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
{
    if (s->out_off > 0) { /* move what is left to the front */
        memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
        s->out_len -= s->out_off;
        s->out_off = 0;
    }
    if (len > s->out_cap - s->out_len) {
        size_t cap = (s->out_len + len + 1023u) & ~(size_t)1023u;
        uint8_t *n = realloc(s->out, cap);
        if (n == NULL) {
            return -ENOMEM;
        }
        s->out = n;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, buf, len);
    s->out_len += len;
    return 0;
}

static int ss_send_cb(WOLFSSL *ssl, char *buf, int sz, void *p)
{
    ss_wolfssl_session_t *s = p;
    (void)ssl;
    if (sz < 0) {
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
    if (!s->ctx->k.datagram) {
        /* TLS: what the transport does not take now is kept in s->out and pushed before anything
         * else (ss_flush, and first thing in write and handshake), and wolfSSL is told it all
         * went. wolfSSL's own WANT_WRITE would keep the record in its output buffer and want the
         * next wolfSSL_write() called with the same data, which the stream contract cannot
         * promise (accepted bytes count as sent; the caller moves on to new data). */
        size_t done = 0;
        if (s->out_off == s->out_len) {
            int rc = s->t.io->send(s->t.io_ctx, (const uint8_t *)buf, (size_t)sz);
            if (rc < 0 && rc != -EAGAIN) {
                s->t.io_err = rc;
                return WOLFSSL_CBIO_ERR_GENERAL;
            }
            done = rc > 0 ? ((size_t)rc < (size_t)sz ? (size_t)rc : (size_t)sz) : 0;
        }
        if (done < (size_t)sz && ss_out_append(s, (const uint8_t *)buf + done,
                                               (size_t)sz - done) < 0) {
            s->t.io_err = -ENOMEM;
            return WOLFSSL_CBIO_ERR_GENERAL;
        }
        return sz;
    }
    int rc = s->t.io->send(s->t.io_ctx, (const uint8_t *)buf, (size_t)sz);
    if (rc == -EAGAIN) {
        /* A datagram that cannot go now is a datagram lost: DTLS recovers (a flight by its
         * timer; write() reports -EAGAIN). WANT_WRITE would leave the record in wolfSSL's output
         * buffer, where the next wolfSSL_write() would count it against different data. */
        s->call_tx_blocked = true;
        rc = sz;
    }
    if (rc < 0) {
        s->t.io_err = rc;
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
    if (rc > 0) {
        ss_scan_tx(s, (const uint8_t *)buf, (size_t)rc);
        if (s->ctx->k.server && !s->established) {
            ss_keep_flight(s, (const uint8_t *)buf, (size_t)rc);
        }
    }
    return rc;
}

static int ss_recv_cb(WOLFSSL *ssl, char *buf, int sz, void *p)
{
    ss_wolfssl_session_t *s = p;
    (void)ssl;
    if (sz <= 0) {
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
    /* wolfSSL asks for input only when it holds none: the last datagram is used up */
    s->dg_live = false;
    int rc = s->t.io->recv(s->t.io_ctx, (uint8_t *)buf, (size_t)sz);
    if (rc == -EAGAIN) {
        return WOLFSSL_CBIO_ERR_WANT_READ;
    }
    if (rc == -EMSGSIZE) {
        /* the core dropped a datagram larger than wolfSSL asked for: to wolfSSL this is a lost
         * datagram (retransmission recovers a handshake); read() reports it */
        s->t.rx_dropped = true;
        return WOLFSSL_CBIO_ERR_WANT_READ;
    }
    if (rc < 0) {
        s->t.io_err = rc;
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
    if (s->ctx->k.datagram) {
        size_t n = ss_filter_rx(s, (uint8_t *)buf, (size_t)rc);
        if (n == 0) {
            return WOLFSSL_CBIO_ERR_WANT_READ; /* nothing valid in it: as if lost */
        }
        ss_scan_rx(s, (const uint8_t *)buf, n);
        rc = (int)n;
    } else if (rc == 0) {
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    }
    return rc;
}

/* ---- timers ---------------------------------------------------------------------------------- */

static void ss_timer(ss_wolfssl_session_t *s, bool run)
{
    s->timer_on = run;
    s->t.io->timer(s->t.io_ctx, run);
}

/* ---- PSK callbacks --------------------------------------------------------------------------- */

static unsigned int ss_psk_client_cb(WOLFSSL *ssl, const char *hint, char *identity,
                                     unsigned int id_max, unsigned char *key,
                                     unsigned int key_max)
{
    const ss_wolfssl_session_t *s = wolfSSL_get_psk_callback_ctx(ssl);
    (void)hint; /* the identity is configured, not chosen by hint */
    if (s == NULL) {
        return 0;
    }
    const ss_wolfssl_ctx_t *c = s->ctx;
    size_t id_len = strlen(c->psk_id);
    if (id_len > id_max || c->psk_key_len > key_max) {
        return 0;
    }
    memcpy(identity, c->psk_id, id_len + 1); /* wolfSSL's buffer has id_max + 1 bytes */
    memcpy(key, c->psk_key, c->psk_key_len);
    return (unsigned int)c->psk_key_len;
}

static unsigned int ss_psk_server_cb(WOLFSSL *ssl, const char *identity, unsigned char *key,
                                     unsigned int key_max)
{
    const ss_wolfssl_session_t *s = wolfSSL_get_psk_callback_ctx(ssl);
    if (s == NULL || identity == NULL) {
        return 0;
    }
    /* a C string in wolfSSL's API: the identity up to its first NUL (longer ones are refused) */
    size_t id_len = strnlen(identity, CONFIG_SOCK_SECURE_PSK_ID_MAX + 1);
    size_t max = key_max < CONFIG_SOCK_SECURE_PSK_KEY_MAX ? key_max : CONFIG_SOCK_SECURE_PSK_KEY_MAX;
    /* 0: wolfSSL answers unknown_psk_identity */
    return (unsigned int)tlsman_psk_lookup(&s->t, (const uint8_t *)identity, id_len, key, max);
}

/* ---- credentials: keys, certificates, trust anchors ------------------------------------------ */
#if SS_X509

/** PEM (a "-----BEGIN" line) or DER? */
static bool ss_is_pem(const uint8_t *d, size_t len)
{
    static const char tag[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof(tag) - 1 <= len && i < 1024; i++) {
        if (memcmp(d + i, tag, sizeof(tag) - 1) == 0) {
            return true;
        }
    }
    return false;
}

/** Its wolfSSL format; a PEM's length without the terminating NULs the store may add. */
static int ss_format(const uint8_t *d, size_t *len)
{
    if (!ss_is_pem(d, *len)) {
        return WOLFSSL_FILETYPE_ASN1;
    }
    while (*len > 0 && d[*len - 1] == '\0') {
        (*len)--;
    }
    return WOLFSSL_FILETYPE_PEM;
}

/** 0 if the ECC key is on P-256, else -ENOTSUP. */
static int ss_ecc_p256(const ecc_key *k)
{
    return wc_ecc_get_curve_id(k->idx) == ECC_SECP256R1 ? 0 : -ENOTSUP;
}

/** A private key (PEM or DER, SEC1 or PKCS#8): 0 for EC P-256, -ENOTSUP for another key wolfSSL
 *  takes (RSA, other curves), SOCK_SECURE_E_CRED_FORMAT if it is no private key at all. */
static int ss_check_key(WOLFSSL_CTX *tmp, const uint8_t *d, size_t len, int fmt)
{
    uint8_t der[512];
    const uint8_t *p = d;
    int dlen = (int)len;
    int rc = SOCK_SECURE_E_CRED_FORMAT;
    if (fmt == WOLFSSL_FILETYPE_PEM) {
        dlen = wc_KeyPemToDer(d, (int)len, der, (int)sizeof(der), NULL);
        p = der;
    }
    if (dlen > 0) {
        ecc_key k;
        word32 idx = 0;
        if (wc_ecc_init(&k) != 0) {
            return -ENOMEM;
        }
        if (wc_EccPrivateKeyDecode(p, &idx, &k, (word32)dlen) == 0) {
            rc = ss_ecc_p256(&k);
        }
        wc_ecc_free(&k); /* zeroes the key */
    }
    tlsman_zero(der, sizeof(der));
    if (rc == SOCK_SECURE_E_CRED_FORMAT && tmp != NULL &&
        wolfSSL_CTX_use_PrivateKey_buffer(tmp, d, (long)len, fmt) == WOLFSSL_SUCCESS) {
        rc = -ENOTSUP; /* a key, but not an EC one (the buffer of a larger key lands here too) */
    }
    return rc;
}

/**
 * The public point of an EC key in X9.63 form (@p out, 65 bytes for P-256): from a private key
 * (PEM or DER, SEC1 or PKCS#8; the point is computed from the scalar, as PKCS#8 may omit it) or
 * from a SubjectPublicKeyInfo (DER). Returns its length, or a negative code.
 */
static int ss_ecc_point(const uint8_t *d, size_t len, int fmt, bool priv, uint8_t *out,
                        word32 out_max)
{
    uint8_t der[512];
    const uint8_t *p = d;
    int dlen = (int)len;
    int rc = -EINVAL;
    if (fmt == WOLFSSL_FILETYPE_PEM) {
        dlen = wc_KeyPemToDer(d, (int)len, der, (int)sizeof(der), NULL);
        p = der;
    }
    ecc_key k;
    word32 idx = 0;
    if (dlen > 0 && wc_ecc_init(&k) == 0) {
        int dec = priv ? wc_EccPrivateKeyDecode(p, &idx, &k, (word32)dlen)
                       : wc_EccPublicKeyDecode(p, &idx, &k, (word32)dlen);
        if (dec == 0 && (!priv || wc_ecc_make_pub(&k, NULL) == 0) &&
            wc_ecc_export_x963(&k, out, &out_max) == 0) {
            rc = (int)out_max;
        }
        wc_ecc_free(&k); /* zeroes the key */
    }
    tlsman_zero(der, sizeof(der));
    return rc;
}

/** Does the private key belong to the first certificate (the same public point)? wolfSSL 5.5.4's
 *  wolfSSL_CTX_check_private_key compares only the key types for ECC. */
static bool ss_key_matches_cert(const tlsman_cred_t *key, const tlsman_cred_t *cert)
{
    uint8_t a[80], b[80], spki[512];
    size_t klen = key->len, clen = cert->len;
    int kfmt = ss_format(key->data, &klen), cfmt = ss_format(cert->data, &clen);
    int an = ss_ecc_point(key->data, klen, kfmt, true, a, sizeof(a));
    WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(cert->data, (int)clen, cfmt);
    int n = (int)sizeof(spki);
    int bn = -EINVAL;
    if (x != NULL && wolfSSL_X509_get_pubkey_buffer(x, spki, &n) == WOLFSSL_SUCCESS && n > 0) {
        bn = ss_ecc_point(spki, (size_t)n, WOLFSSL_FILETYPE_ASN1, false, b, sizeof(b));
    }
    wolfSSL_X509_free(x);
    return an > 0 && an == bn && memcmp(a, b, (size_t)an) == 0;
}

/** A SubjectPublicKeyInfo (PEM or DER): 0 for EC P-256, -ENOTSUP for another EC or RSA key,
 *  SOCK_SECURE_E_CRED_FORMAT otherwise. */
static int ss_check_spki(const uint8_t *d, size_t len, int fmt)
{
    uint8_t der[1024];
    const uint8_t *p = d;
    int dlen = (int)len;
    int rc = SOCK_SECURE_E_CRED_FORMAT;
    if (fmt == WOLFSSL_FILETYPE_PEM) {
        dlen = wc_PubKeyPemToDer(d, (int)len, der, (int)sizeof(der));
        p = der;
    }
    if (dlen <= 0) {
        return rc;
    }
    ecc_key k;
    word32 idx = 0;
    if (wc_ecc_init(&k) != 0) {
        return -ENOMEM;
    }
    if (wc_EccPublicKeyDecode(p, &idx, &k, (word32)dlen) == 0) {
        rc = ss_ecc_p256(&k);
    }
    wc_ecc_free(&k);
    if (rc == SOCK_SECURE_E_CRED_FORMAT) {
        RsaKey r;
        idx = 0;
        if (wc_InitRsaKey(&r, NULL) == 0) {
            if (wc_RsaPublicKeyDecode(p, &idx, &r, (word32)dlen) == 0) {
                rc = -ENOTSUP;
            }
            wc_FreeRsaKey(&r);
        }
    }
    return rc;
}

/** The first certificate's key (the leaf of a chain): 0 for EC P-256, else -ENOTSUP. */
static int ss_check_leaf(const uint8_t *d, size_t len, int fmt)
{
    WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(d, (int)len, fmt);
    if (x == NULL) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    uint8_t spki[512];
    int n = (int)sizeof(spki);
    int rc = wolfSSL_X509_get_pubkey_buffer(x, spki, &n) == WOLFSSL_SUCCESS && n > 0
                 ? ss_check_spki(spki, (size_t)n, WOLFSSL_FILETYPE_ASN1)
                 : -ENOTSUP;
    wolfSSL_X509_free(x);
    return rc == SOCK_SECURE_E_CRED_FORMAT ? -ENOTSUP : rc;
}

/** Do the certificates parse (all of them: a PEM bundle with one bad block is refused)? */
static bool ss_certs_parse(WOLFSSL_CTX *tmp, const uint8_t *d, size_t len, int fmt, bool ca)
{
    if (tmp == NULL) {
        return false;
    }
    if (ca) {
        return wolfSSL_CTX_load_verify_buffer(tmp, d, (long)len, fmt) == WOLFSSL_SUCCESS;
    }
    return wolfSSL_CTX_use_certificate_chain_buffer_format(tmp, d, (long)len, fmt) ==
           WOLFSSL_SUCCESS;
}

/** tlsman_cred_is_kind_t (@p arg: a scratch WOLFSSL_CTX): does @p data parse as a certificate, a
 *  private key or a public key, whatever its algorithm? */
static bool ss_is_kind(void *arg, int kind, const uint8_t *data, size_t len)
{
    int fmt = ss_format(data, &len);
    if (kind == SOCK_SECURE_CRED_CERT_CHAIN) {
        WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(data, (int)len, fmt);
        wolfSSL_X509_free(x);
        return x != NULL;
    }
    return (kind == SOCK_SECURE_CRED_PRIVATE_KEY ? ss_check_key(arg, data, len, fmt)
                                                 : ss_check_spki(data, len, fmt)) !=
           SOCK_SECURE_E_CRED_FORMAT;
}

/**
 * Check one credential of @p type with a scratch WOLFSSL_CTX @p tmp (wolfSSL parses into one).
 * Returns 0, SOCK_SECURE_E_CRED_FORMAT, SOCK_SECURE_E_CRED_TYPE (valid, another kind: a
 * certificate, private key or public key), -ENOTSUP (not EC P-256) or -EINVAL.
 */
static int ss_check_cred(WOLFSSL_CTX *tmp, int type, const uint8_t *data, size_t len)
{
    if (len > INT_MAX) {
        return -EINVAL; /* wolfSSL takes lengths as int */
    }
    int fmt = ss_format(data, &len);
    int rc;
    switch (type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY:
        rc = ss_check_key(tmp, data, len, fmt);
        break;
    case SOCK_SECURE_CRED_CERT_CHAIN:
        rc = ss_certs_parse(tmp, data, len, fmt, false) ? ss_check_leaf(data, len, fmt)
                                                        : SOCK_SECURE_E_CRED_FORMAT;
        break;
    case SOCK_SECURE_CRED_CA:
        rc = ss_certs_parse(tmp, data, len, fmt, true) ? 0 : SOCK_SECURE_E_CRED_FORMAT;
        break;
    case SOCK_SECURE_CRED_PEER_KEY:
        rc = ss_check_spki(data, len, fmt);
        break;
    default:
        return -EINVAL;
    }
    /* not what was declared: another kind of object, or nothing valid at all */
    return rc != SOCK_SECURE_E_CRED_FORMAT ? rc
                                           : tlsman_cred_misdeclared(type, data, len, ss_is_kind, tmp);
}

/** tlsman_driver_t.cred_check: parse into a scratch WOLFSSL_CTX and throw it away (wolfSSL
 *  zeroes the key it holds when the context is freed). */
static int ss_cred_check(int type, const uint8_t *data, size_t len)
{
    if (ss_lib_ready() < 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    WOLFSSL_CTX *tmp = wolfSSL_CTX_new(wolfTLSv1_2_server_method());
    if (tmp == NULL) {
        return -ENOMEM;
    }
    int rc = ss_check_cred(tmp, type, data, len);
    wolfSSL_CTX_free(tmp);
    return rc;
}

/**
 * wolfSSL's verify callback (every certificate of the peer's chain, issuer first, depth 0 = the
 * peer's own: this build has WOLFSSL_ALWAYS_VERIFY_CB and WOLFSSL_VERIFY_CB_ALL_CERTS). Records
 * the SOCK_SECURE_VFY_* bits of what wolfSSL found, adds SOCK_SECURE_VFY_NAME_MISMATCH when
 * set_peer_ip gave an address that the peer's own certificate does not carry as an iPAddress
 * subjectAltName (x509_ip.h: this build's wolfSSL_X509_check_ip_asc also matches dNSNames and
 * not IPv6), runs the application's verify_cb (it sees those bits and may add more: they fail a
 * required verification and are reported with SOCK_SECURE_VFY_APP; an error from it fails the
 * handshake in any mode), and decides: required keeps wolfSSL's verdict (and refuses a wrong
 * address: wolfSSL then sends bad_certificate, as for a wrong name), optional accepts and
 * reports. Returns 1 to accept, 0 to refuse.
 */
static int ss_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    ss_wolfssl_session_t *s = store != NULL ? store->userCtx : NULL;
    if (s == NULL || s->ctx == NULL) {
        return preverify;
    }
    const ss_wolfssl_ctx_t *c = s->ctx;
    if (c->k.verify == TLSMAN_VERIFY_NONE) {
        return 1; /* nothing checked, nothing reported */
    }
    int depth = store->error_depth;
    if (store->totalCerts == 0) { /* current_cert may be a stale, empty object then */
        return c->k.verify == TLSMAN_VERIFY_OPTIONAL ? 1 : preverify; /* an empty Certificate */
    }
    s->vfy_seen = true;
    uint32_t bits = preverify ? 0 : ss_vfy_bits(store->error, true);
    if (!preverify && bits == 0) {
        bits = SOCK_SECURE_VFY_OTHER;
    }
    int len = 0;
    const uint8_t *der = NULL;
    if (tlsman_verify_needs_der(&s->t, &c->k, depth) && store->current_cert != NULL) {
        der = wolfSSL_X509_get_der(store->current_cert, &len);
    }
    int rc = tlsman_verify_cert(&s->t, &c->k, der, der != NULL && len > 0 ? (size_t)len : 0,
                                depth, &bits);
    s->t.verify |= bits;
    if (rc & TLSMAN_VFY_APP_ABORT) {
        return 0; /* fatal even with optional verification */
    }
    if (c->k.verify == TLSMAN_VERIFY_OPTIONAL) {
        return 1;
    }
    /* required: wolfSSL's verdict, and a wrong address or the application's bits refuse it
     * (wolfSSL then sends bad_certificate, as for a wrong name) */
    return preverify && rc == 0 ? 1 : 0;
}

/** Load one credential (key, chain or CA set) into the WOLFSSL_CTX, checked as cred_check checks
 *  it. Returns 0 or cred_check's codes. */
static int ss_ctx_load(ss_wolfssl_ctx_t *c, const tlsman_cred_t *cr)
{
    size_t len = cr->len;
    if (len > INT_MAX) {
        return -EINVAL; /* wolfSSL takes lengths as int */
    }
    int fmt = ss_format(cr->data, &len);
    int rc;
    switch (cr->type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY:
        rc = ss_check_key(c->wctx, cr->data, len, fmt);
        if (rc == 0 && wolfSSL_CTX_use_PrivateKey_buffer(c->wctx, cr->data, (long)len, fmt) !=
                           WOLFSSL_SUCCESS) {
            rc = SOCK_SECURE_E_CRED_FORMAT;
        }
        return rc;
    case SOCK_SECURE_CRED_CERT_CHAIN:
        return ss_certs_parse(c->wctx, cr->data, len, fmt, false) ? ss_check_leaf(cr->data, len, fmt)
                                                                  : SOCK_SECURE_E_CRED_FORMAT;
    default: /* SOCK_SECURE_CRED_CA */
        return ss_certs_parse(c->wctx, cr->data, len, fmt, true) ? 0 : SOCK_SECURE_E_CRED_FORMAT;
    }
}

/**
 * Load the socket's credentials into the WOLFSSL_CTX (wolfSSL keeps its own parsed copies): its
 * certificate chain and key (tlsman_ctx_plan found at most one of each), any number of CA sets.
 * The core passes a chain only with its key, and neither raw public keys nor a key alone (the
 * driver lacks TLSMAN_CAP_RPK: RFC 7250 arrived in later wolfSSL).
 */
static int ss_ctx_creds(ss_wolfssl_ctx_t *c, const tlsman_config_t *cfg, const tlsman_plan_t *plan)
{
    const tlsman_cred_t *key = plan->key, *own = plan->chain;
    int rc;
    if (own != NULL) {
        if ((key != NULL && (rc = ss_ctx_load(c, key)) < 0) || (rc = ss_ctx_load(c, own)) < 0) {
            return rc;
        }
        if (key == NULL || wolfSSL_CTX_check_private_key(c->wctx) != WOLFSSL_SUCCESS ||
            !ss_key_matches_cert(key, own)) {
            return SOCK_SECURE_E_CRED_MISMATCH;
        }
    }
    for (size_t i = 0; i < cfg->cred_count; i++) {
        if (cfg->creds[i].type == SOCK_SECURE_CRED_CA && (rc = ss_ctx_load(c, &cfg->creds[i])) < 0) {
            return rc;
        }
    }
    return 0;
}

/** wolfSSL's verify mode for the verification mode the core resolved (never DEFAULT there; a
 *  DEFAULT from a caller of the driver alone counts as REQUIRED). */
static int ss_verify_mode(const ss_wolfssl_ctx_t *c)
{
    if (c->k.verify == TLSMAN_VERIFY_NONE) {
        return WOLFSSL_VERIFY_NONE;
    }
    if (c->k.server && c->k.verify != TLSMAN_VERIFY_OPTIONAL) {
        return WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    return WOLFSSL_VERIFY_PEER; /* optional: ss_verify_cb accepts what fails */
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
    ss_wolfssl_ctx_t *c = p;
    if (c == NULL) {
        return;
    }
    if (c->wctx != NULL) {
        wolfSSL_CTX_free(c->wctx); /* with its method and identity hint */
    }
    tlsman_zero(c, sizeof(*c));
}

/**
 * What wolfSSL cannot do with a configuration the core accepted (the core has checked everything
 * tlsman_config_t lists; tlsman_ctx_plan what is common to every driver).
 */
static int ss_ctx_check(const tlsman_config_t *cfg)
{
    if (cfg->role == TLSMAN_CLIENT && cfg->psk != NULL &&
        memchr(cfg->psk->identity, 0, cfg->psk->identity_len) != NULL) {
        return -ENOTSUP; /* wolfSSL passes identities as C strings */
    }
    return 0;
}

/** 32 random bytes from wolfCrypt's DRBG for the cookie key. */
static int ss_random(uint8_t *out, size_t len)
{
    WC_RNG rng;
    if (wc_InitRng(&rng) != 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    int rc = wc_RNG_GenerateBlock(&rng, out, (word32)len);
    wc_FreeRng(&rng);
    return rc == 0 ? 0 : SOCK_SECURE_E_BACKEND;
}

static int ss_ctx_init(void *p, const tlsman_config_t *cfg)
{
    ss_wolfssl_ctx_t *c = p;
    uint8_t suites[2 * CONFIG_SOCK_SECURE_MAX_SUITES];
    int rc;

    if (c == NULL) {
        return -EINVAL;
    }
    memset(c, 0, sizeof(*c));
    tlsman_plan_t plan;
    if ((rc = tlsman_ctx_plan(cfg, &c->k, &plan)) < 0 || (rc = ss_ctx_check(cfg)) < 0 ||
        (rc = ss_lib_ready()) < 0) {
        ss_ctx_free(c);
        return rc;
    }

    /* TLS 1.2 / DTLS 1.2 only. The method is owned (and freed) by the WOLFSSL_CTX. */
    WOLFSSL_METHOD *method;
    if (c->k.datagram) {
        method = c->k.server ? wolfDTLSv1_2_server_method() : wolfDTLSv1_2_client_method();
    } else {
        method = c->k.server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
    }
    if (method == NULL) {
        ss_ctx_free(c);
        return -ENOMEM;
    }
    c->wctx = wolfSSL_CTX_new(method);
    if (c->wctx == NULL) {
        ss_ctx_free(c);
        return -ENOMEM;
    }
    wolfSSL_CTX_SetIORecv(c->wctx, ss_recv_cb);
    wolfSSL_CTX_SetIOSend(c->wctx, ss_send_cb);
#if SS_X509
    if ((rc = ss_ctx_creds(c, cfg, &plan)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    wolfSSL_CTX_set_verify(c->wctx, ss_verify_mode(c), ss_verify_cb);
    /* ECDHE and certificate keys on P-256 only (as with mbedTLS): the client offers only P-256,
     * and no peer ECC key below 256 bits is taken */
    if ((!c->k.server &&
         wolfSSL_CTX_UseSupportedCurve(c->wctx, WOLFSSL_ECC_SECP256R1) != WOLFSSL_SUCCESS) ||
        wolfSSL_CTX_SetMinEccKey_Sz(c->wctx, 256) != WOLFSSL_SUCCESS) {
        ss_ctx_free(c);
        return SOCK_SECURE_E_BACKEND;
    }
#endif
    /* nothing of a session outlives it: no tickets, no session cache (wolfSSL's is global) */
    (void)wolfSSL_CTX_NoTicketTLSv12(c->wctx);
    (void)wolfSSL_CTX_set_session_cache_mode(c->wctx, WOLFSSL_SESS_CACHE_OFF);

    /* exactly the checked list: wolfSSL negotiates nothing else */
    for (size_t i = 0; i < cfg->suite_count; i++) {
        suites[2 * i] = (uint8_t)(cfg->suites[i]->id >> 8);
        suites[2 * i + 1] = (uint8_t)(cfg->suites[i]->id & 0xFFu);
        if (cfg->suites[i]->flags & TLSMAN_SUITE_CERT) {
            c->cert_suites[c->cert_suite_n++] = cfg->suites[i]->id;
        }
    }
    if (wolfSSL_CTX_set_cipher_list_bytes(c->wctx, suites, (int)(2 * cfg->suite_count)) !=
        WOLFSSL_SUCCESS) {
        ss_ctx_free(c);
        return SOCK_SECURE_E_BACKEND;
    }

    if (c->k.server) {
        wolfSSL_CTX_set_psk_server_callback(c->wctx, ss_psk_server_cb);
        if (cfg->psk_hint_len > 0) { /* at most CONFIG_SOCK_SECURE_PSK_ID_MAX, no NUL (core) */
            char hint[CONFIG_SOCK_SECURE_PSK_ID_MAX + 1];
            memcpy(hint, cfg->psk_hint, cfg->psk_hint_len);
            hint[cfg->psk_hint_len] = '\0';
            if (wolfSSL_CTX_use_psk_identity_hint(c->wctx, hint) != WOLFSSL_SUCCESS) {
                ss_ctx_free(c);
                return SOCK_SECURE_E_BACKEND;
            }
        }
        if (c->k.datagram && (rc = ss_random(c->cookie_secret, sizeof(c->cookie_secret))) < 0) {
            ss_ctx_free(c);
            return rc;
        }
    } else if (cfg->psk != NULL) {
        memcpy(c->psk_id, cfg->psk->identity, cfg->psk->identity_len);
        c->psk_id[cfg->psk->identity_len] = '\0';
        memcpy(c->psk_key, cfg->psk->key, cfg->psk->key_len);
        c->psk_key_len = cfg->psk->key_len;
        wolfSSL_CTX_set_psk_client_callback(c->wctx, ss_psk_client_cb);
    }
    return 0;
}

#if SS_X509
/** Is @p id (wolfSSL_get_current_cipher_suite()) one of the socket's certificate suites? */
static bool ss_cert_suite(const ss_wolfssl_ctx_t *c, int id)
{
    for (size_t i = 0; i < c->cert_suite_n; i++) {
        if (c->cert_suites[i] == id) {
            return true;
        }
    }
    return false;
}
#endif

/* ---- sessions -------------------------------------------------------------------------------- */

static void ss_session_free(void *p)
{
    ss_wolfssl_session_t *s = p;
    if (s == NULL) {
        return;
    }
    if (s->ssl != NULL) {
        wolfSSL_free(s->ssl); /* zeroes keys, frees buffers, the peer copy, the cookie secret */
    }
    free(s->out);
    tlsman_zero(s, sizeof(*s));
}

static int ss_session_init(void *ctx, void *p, void *io_ctx, const uint8_t *peer_id,
                           size_t peer_id_len)
{
    ss_wolfssl_ctx_t *c = ctx;
    ss_wolfssl_session_t *s = p;

    if (s == NULL) {
        return -EINVAL;
    }
    memset(s, 0, sizeof(*s));
    if (c == NULL || c->k.io == NULL || c->wctx == NULL) {
        return -EINVAL;
    }
    if (c->k.server && c->k.datagram &&
        (peer_id == NULL || peer_id_len == 0 || peer_id_len > UINT_MAX)) {
        return -EINVAL; /* the cookie binds the peer's address: without it every check fails */
    }
    s->ctx = c;
    tlsman_sess_init(&s->t, c->k.io, io_ctx);
    s->tx_mseq = -1;
    s->rec_min = SS_AEAD_MIN;

    s->ssl = wolfSSL_new(c->wctx);
    if (s->ssl == NULL) {
        return -ENOMEM;
    }
    wolfSSL_SetIOReadCtx(s->ssl, s);
    wolfSSL_SetIOWriteCtx(s->ssl, s);
#if SS_X509
    wolfSSL_SetCertCbCtx(s->ssl, s); /* store->userCtx in ss_verify_cb */
#endif
    if (wolfSSL_set_psk_callback_ctx(s->ssl, s) != WOLFSSL_SUCCESS) {
        ss_session_free(s);
        return SOCK_SECURE_E_BACKEND;
    }
    if (c->k.datagram) {
        wolfSSL_dtls_set_using_nonblock(s->ssl, 1);
        /* the core owns retransmission: wolfSSL's back-off (reset before each resend) must never
         * end the handshake; 1 s initial, a cap far above anything reached */
        if (wolfSSL_dtls_set_timeout_max(s->ssl, 1 << 20) != WOLFSSL_SUCCESS ||
            wolfSSL_dtls_set_timeout_init(s->ssl, 1) != WOLFSSL_SUCCESS) {
            ss_session_free(s);
            return SOCK_SECURE_E_BACKEND;
        }
        if (c->k.server) {
            /* cookie = HMAC(socket secret, peer id || ClientHello): any session of this socket
             * verifies what another one issued. wolfSSL copies both. */
            if (wolfSSL_DTLS_SetCookieSecret(s->ssl, c->cookie_secret,
                                             (word32)sizeof(c->cookie_secret)) != 0) {
                ss_session_free(s);
                return SOCK_SECURE_E_BACKEND;
            }
            if (wolfSSL_dtls_set_peer(s->ssl, (void *)(uintptr_t)peer_id,
                                      (unsigned int)peer_id_len) != WOLFSSL_SUCCESS) {
                ss_session_free(s);
                return -ENOMEM;
            }
        }
    }
    return 0;
}

/**
 * Send a fatal alert in a plaintext epoch-0 record ourselves: wolfSSL has no public call for it.
 * Only while we have not sent ChangeCipherSpec (the peer still reads our epoch 0); records the
 * alert as sent when it went out.
 */
static void ss_send_alert(ss_wolfssl_session_t *s, uint8_t desc)
{
    uint8_t rec[SS_DTLS_RECORD_HDR + 2] = { SS_CT_ALERT, 0xFE, 0xFD, 0, 0 };
    uint64_t seq = s->tx_seq0;
    if (s->tx_ccs || !s->ctx->k.datagram) {
        return;
    }
    for (unsigned i = 0; i < 6; i++) {
        rec[10 - i] = (uint8_t)(seq >> (8 * i));
    }
    rec[11] = 0;
    rec[12] = 2;
    rec[13] = SS_ALERT_LEVEL_FATAL;
    rec[14] = desc;
    if (s->t.io->send(s->t.io_ctx, rec, sizeof(rec)) == (int)sizeof(rec)) {
        s->tx_seq0 = seq + 1;
        tlsman_alert_set(&s->t, desc, TLSMAN_ALERT_SENT);
    }
}

/** The alert for a handshake that wolfSSL ended without sending one (DTLS, before our CCS). */
static uint8_t ss_alert_for(int werr)
{
    switch (werr) {
    case VERIFY_MAC_ERROR:
    case DECRYPT_ERROR:
        return SS_ALERT_BAD_RECORD_MAC;
    case VERIFY_FINISHED_ERROR:
        return SS_ALERT_DECRYPT_ERROR;
    case PSK_KEY_ERROR:
    case CLIENT_ID_ERROR:
        return SS_ALERT_UNKNOWN_PSK_IDENTITY;
    case MATCH_SUITE_ERROR:
    case UNSUPPORTED_SUITE:
        return SS_ALERT_HANDSHAKE_FAILURE;
    case VERSION_ERROR:
    case UNSUPPORTED_PROTO_VERSION:
        return SS_ALERT_PROTOCOL_VERSION;
    case SANITY_MSG_E:
    case OUT_OF_ORDER_E:
    case DUPLICATE_MSG_E:
    case NO_CHANGE_CIPHER_E:
    case UNKNOWN_RECORD_TYPE:
        return SS_ALERT_UNEXPECTED_MESSAGE;
    case PARSE_ERROR:
    case BUFFER_ERROR:
    case LENGTH_ERROR:
    case DECODE_E:
    case BAD_HELLO:
    case UNKNOWN_HANDSHAKE_TYPE:
        return SS_ALERT_DECODE_ERROR;
#if SS_X509
    case NO_PEER_CERT: /* RFC 5246 §7.4.6 */
        return SS_ALERT_HANDSHAKE_FAILURE;
    case SIG_VERIFY_E: /* a CertificateVerify / ServerKeyExchange signature */
    case VERIFY_SIGN_ERROR:
        return SS_ALERT_DECRYPT_ERROR;
    case ASN_NO_SIGNER_E:
    case ASN_AFTER_DATE_E:
    case ASN_BEFORE_DATE_E:
    case DOMAIN_NAME_MISMATCH:
    case VERIFY_CERT_ERROR:
        return SS_ALERT_BAD_CERTIFICATE;
#endif
    default:
        return SS_ALERT_INTERNAL_ERROR;
    }
}

/** A handshake failed here: make sure the peer hears of it (wolfSSL 5.5.4 ends a DTLS handshake on
 *  some malformed messages without an alert, leaving the peer to retransmit until it gives up). */
static int ss_handshake_failed(ss_wolfssl_session_t *s, int werr, int err)
{
    if (!s->tx.any && (err == SOCK_SECURE_E_HANDSHAKE || err == SOCK_SECURE_E_NO_SUITE ||
                              err == SOCK_SECURE_E_PSK_IDENTITY || err == SOCK_SECURE_E_VERIFY)) {
        ss_send_alert(s, ss_alert_for(werr));
    }
    return ss_fail(s, err);
}

static int ss_handshake(void *p)
{
    ss_wolfssl_session_t *s = p;
    if (s->ssl == NULL) {
        return -EINVAL; /* session_init failed or was not called */
    }
    if (s->fail != 0) {
        return s->fail;
    }
    if (s->established) {
        return 0;
    }
    ss_call_begin(s);
    if (!s->ctx->k.datagram) {
        int rc = ss_out_push(s); /* our last flight first: the peer waits for it */
        if (rc < 0) {
            return rc == -EAGAIN ? rc : ss_fail(s, rc);
        }
    }

    if (s->retx_due) {
        s->retx_due = false;
        /* wolfSSL doubles its own timeout per resend and fails at its cap: start it afresh */
        (void)wolfSSL_dtls_set_timeout_init(s->ssl, 1);
        int rc = wolfSSL_dtls_got_timeout(s->ssl); /* resends the stored flight */
        if (rc != WOLFSSL_SUCCESS) {
            int err = ss_error(s, wolfSSL_get_error(s->ssl, rc), true);
            if (err != -EAGAIN) {
                return ss_fail(s, err);
            }
            /* the transport would block: to the peer the resend is lost, the timer goes on */
        }
        /* the re-arm is all the core sees: a stop would reset its back-off and retry count */
        ss_timer(s, true);
    }

    int ret = s->ctx->k.server ? wolfSSL_accept(s->ssl) : wolfSSL_connect(s->ssl);
    if (ret == WOLFSSL_SUCCESS) {
        s->established = true;
#if SS_X509
        /* a server verifying optionally: a client that sent no certificate is let in, and
         * reported (the verify callback saw no certificate) */
        if (s->ctx->k.server && s->ctx->k.verify != TLSMAN_VERIFY_NONE && !s->vfy_seen &&
            ss_cert_suite(s->ctx, wolfSSL_get_current_cipher_suite(s->ssl))) {
            s->t.verify |= SOCK_SECURE_VFY_NO_CERT;
        }
#endif
        int one = wolfSSL_GetOutputSize(s->ssl, 1); /* header + 1 byte + the suite's overhead */
        if (s->ctx->k.datagram && one > (int)SS_DTLS_RECORD_HDR + 1 &&
            one - (int)SS_DTLS_RECORD_HDR - 1 <= UINT16_MAX) {
            s->rec_min = (uint16_t)(one - (int)SS_DTLS_RECORD_HDR - 1);
        }
        if (s->flight_full) {
            s->flight_n = 0; /* too large to keep: a lost last flight is not recovered */
        }
        if (s->timer_on) {
            ss_timer(s, false);
        }
        return 0;
    }
    int werr = wolfSSL_get_error(s->ssl, ret);
    int err = ss_error(s, werr, true);
    if (err != -EAGAIN) {
        return s->ctx->k.datagram ? ss_handshake_failed(s, werr, err) : ss_fail(s, err);
    }
    if (!s->ctx->k.datagram) {
        return -EAGAIN;
    }
    if (s->ctx->k.server && s->call_hvr) {
        return SOCK_SECURE_E_HELLO_VERIFY; /* the core frees this session: no state kept */
    }
    if (s->tx.any && ss_note_sent_alert(s)) {
        /* wolfSSL 5.5.4 sends a fatal alert for some messages out of order (a ChangeCipherSpec
         * before the key exchange, when a datagram was damaged) and then waits on: the peer ends
         * the handshake on it, so this side ends too */
        return ss_fail(s, SOCK_SECURE_E_HANDSHAKE);
    }
    if (s->call_peer_fin) {
        /* the peer's Finished did not decrypt (another PSK): fail as mbedTLS does, with a fatal
         * bad_record_mac (our ChangeCipherSpec goes after their Finished: still plaintext) */
        return ss_handshake_failed(s, VERIFY_MAC_ERROR, SOCK_SECURE_E_HANDSHAKE);
    }
    if (s->call_new_flight) {
        /* the peer's flight arrived (ours answers it): restart the back-off, arm for ours */
        if (s->timer_on) {
            ss_timer(s, false);
        }
        ss_timer(s, true);
    }
    return -EAGAIN;
}

static void ss_timer_expired(void *p)
{
    ss_wolfssl_session_t *s = p;
    if (s->ssl != NULL && s->timer_on && !s->established) {
        s->retx_due = true;
    }
}

/**
 * Records of the current datagram wolfSSL has not got to yet: those after the last application
 * record it decrypted from it (with none decrypted yet, the datagram finished a handshake: its
 * application records and alerts). With @p apps_only, application records only. An over-estimate
 * only when wolfSSL dropped a record; it ends when wolfSSL asks for the next datagram.
 */
static size_t ss_dg_left(const ss_wolfssl_session_t *s, bool apps_only)
{
    size_t left = 0;
    unsigned apps = 0;
    if (!s->dg_live) {
        return 0;
    }
    for (size_t i = 0; i < s->dg_n; i++) {
        uint8_t ct = s->dg_ct[i];
        if (apps < s->dg_apps) {
            apps += ct == SS_CT_APPLICATION_DATA;
            continue;
        }
        if (ct == SS_CT_APPLICATION_DATA || (!apps_only && (s->dg_apps > 0 || ct == SS_CT_ALERT))) {
            left++;
        }
    }
    return s->dg_more ? left + 1 : left;
}

/** Undecrypted records still buffered (a decrypted record waiting to be read does not count). */
static bool ss_pending(void *p)
{
    const ss_wolfssl_session_t *s = p;
    return s->ssl != NULL && s->ctx->k.datagram && ss_dg_left(s, false) > 0;
}

static int ss_read(void *p, uint8_t *buf, size_t len)
{
    ss_wolfssl_session_t *s = p;
    if (s->fail != 0) {
        return s->fail;
    }
    if (!s->established || s->ssl == NULL) {
        return -ENOTCONN;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    ss_call_begin(s);

    int avail = wolfSSL_pending(s->ssl);
    if (avail <= 0) {
        size_t apps_before = s->ctx->k.datagram ? ss_dg_left(s, true) : 0;
        /* Process input up to the next application record and leave it in place. The peek size
         * matters: wolfSSL takes datagrams up to 100 bytes beyond it (at least 1400), and the
         * core hands over datagrams up to CONFIG_SOCK_SECURE_MAX_DATAGRAM. Handshake records of
         * an old flight, warning alerts and bad records are dealt with inside (WANT_READ). */
        uint8_t scratch[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
        int n = wolfSSL_peek(s->ssl, scratch, (int)sizeof(scratch));
        tlsman_zero(scratch, n > 0 ? (size_t)n : 0);
        if (n <= 0) {
            int err = wolfSSL_get_error(s->ssl, n);
            if (n == 0 && err == 0) {
                return -EAGAIN; /* an empty record */
            }
            err = ss_error(s, err, false);
            if (err == -EAGAIN) {
                if (s->call_peer_hs && s->flight_n > 0) {
                    ss_resend_flight(s);
                }
                /* application records went in and none came out: wolfSSL dropped them (bad
                 * MAC, replay), as it does malformed records; the core counts them */
                if (s->t.rx_dropped || s->call_rx_bad > 0 || s->call_rx_app > 0 ||
                    apps_before > 0) {
                    return SOCK_SECURE_E_BAD_RECORD;
                }
                return -EAGAIN;
            }
            return ss_fail(s, err);
        }
        if (s->dg_apps < UINT8_MAX) {
            s->dg_apps++;
        }
        if (s->flight_n > 0) {
            /* the client sends data: it has our last flight */
            tlsman_zero(s->flight, sizeof(s->flight));
            s->flight_n = 0;
        }
        avail = wolfSSL_pending(s->ssl);
        if (avail <= 0) {
            return SOCK_SECURE_E_BACKEND;
        }
    }
    if (len == 0) {
        return avail;
    }
    if ((size_t)avail > len) {
        if (s->ctx->k.datagram) {
            return -EMSGSIZE; /* the record stays: call again with a larger buffer */
        }
        avail = (int)len; /* a stream: copy what fits, wolfSSL keeps the rest */
    }
    int n = wolfSSL_read(s->ssl, buf, avail);
    if (n <= 0) {
        return ss_fail(s, ss_error(s, wolfSSL_get_error(s->ssl, n), false));
    }
    return n;
}

static size_t ss_max_payload(void *p)
{
    ss_wolfssl_session_t *s = p;
    if (s->ssl == NULL || !s->established) {
        return 0;
    }
    int max = wolfSSL_GetMaxOutputSize(s->ssl);
    int one = wolfSSL_GetOutputSize(s->ssl, 1); /* record bytes for 1 byte of plaintext */
    if (max <= 0 || one <= 1) {
        return 0;
    }
    size_t n = (size_t)max;
    size_t overhead = (size_t)one - 1;
    if (s->ctx->k.datagram && s->ctx->k.mtu > overhead && (size_t)s->ctx->k.mtu - overhead < n) {
        n = (size_t)s->ctx->k.mtu - overhead;
    }
    return n;
}

static int ss_write(void *p, const uint8_t *buf, size_t len)
{
    ss_wolfssl_session_t *s = p;
    if (s->fail != 0) {
        return s->fail;
    }
    if (!s->established || s->ssl == NULL) {
        return -ENOTCONN;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    ss_call_begin(s);
    if (!s->ctx->k.datagram) {
        /* TLS: earlier output first (nothing new is taken while some waits), then one record;
         * once wolfSSL has built it, it is accepted (sent, or kept in s->out) */
        int rc = ss_out_push(s);
        if (rc < 0) {
            return rc == -EAGAIN ? rc : ss_fail(s, rc);
        }
        size_t max = ss_max_payload(s);
        if (max == 0) {
            return SOCK_SECURE_E_BACKEND;
        }
        len = len < max ? len : max;
    } else if (len > ss_max_payload(s)) {
        return -EMSGSIZE;
    }
    int n = wolfSSL_write(s->ssl, buf, (int)len);
    if (n <= 0) {
        int err = ss_error(s, wolfSSL_get_error(s->ssl, n), false);
        return err == -EAGAIN ? err : ss_fail(s, err);
    }
    if (s->call_tx_blocked) {
        return -EAGAIN; /* the record was dropped, not sent: send it again later */
    }
    return n;
}

/** TLS: push the output the transport refused earlier. */
static int ss_flush(void *p)
{
    ss_wolfssl_session_t *s = p;
    if (s->ssl == NULL || s->ctx->k.datagram) {
        return 0;
    }
    int rc = ss_out_push(s);
    return rc < 0 && rc != -EAGAIN ? ss_fail(s, rc) : rc;
}

static int ss_close_notify(void *p)
{
    ss_wolfssl_session_t *s = p;
    if (!s->established || s->fail != 0 || s->ssl == NULL) {
        return -ENOTCONN;
    }
    ss_call_begin(s);
    int rc = wolfSSL_shutdown(s->ssl); /* sends close_notify; we do not wait for the peer's */
    if (rc < 0) {
        return ss_error(s, wolfSSL_get_error(s->ssl, rc), false);
    }
    tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_SENT);
    return 0;
}

/** Client: the name expected in the server's certificate (subjectAltName DNS or CN), also sent
 *  as SNI. wolfSSL copies it (heap, freed with the session). */
static int ss_set_server_name(void *p, const char *name)
{
#if SS_X509
    ss_wolfssl_session_t *s = p;
    int len = tlsman_server_name_len(name);
    if (len < 0 || s->ssl == NULL || s->ctx->k.server) {
        return -EINVAL;
    }
    if (wolfSSL_UseSNI(s->ssl, WOLFSSL_SNI_HOST_NAME, name, (word16)len) != WOLFSSL_SUCCESS ||
        wolfSSL_check_domain_name(s->ssl, name) != WOLFSSL_SUCCESS) {
        return -ENOMEM;
    }
    return 0;
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
    ss_wolfssl_session_t *s = p;
    if (s->ssl == NULL || s->ctx->k.server) {
        return -EINVAL;
    }
    return tlsman_set_peer_ip(&s->t, ip, len);
#else
    (void)p;
    (void)ip;
    (void)len;
    return -ENOTSUP;
#endif
}

static int ss_info(void *p, tlsman_info_t *info)
{
    const ss_wolfssl_session_t *s = p;
    if (!s->established || s->ssl == NULL) {
        return tlsman_info(&s->t, info, 0, NULL);
    }
    /* the suite id is (byte 0 << 8) | byte 1; the version string is static */
    return tlsman_info(&s->t, info, wolfSSL_get_current_cipher_suite(s->ssl),
                       wolfSSL_get_version(s->ssl));
}

const tlsman_driver_t tlsman_wolfssl = {
    .name = "wolfssl",
    .version = LIBWOLFSSL_VERSION_STRING,
    .caps = TLSMAN_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | TLSMAN_CAP_PSK_HINT |
            (SS_X509 ? TLSMAN_CAP_X509 : 0u),
    .ctx_size = sizeof(ss_wolfssl_ctx_t),
    .session_size = sizeof(ss_wolfssl_session_t),
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
    .renew = NULL, /* renegotiation is not compiled into this wolfSSL (see the top of this file) */
    .info = ss_info,
    .max_payload = ss_max_payload,
    .cred_check = ss_cred_check,
    .flush = ss_flush,
    .set_server_name = ss_set_server_name,
    .set_peer_ip = ss_set_peer_ip,
};
