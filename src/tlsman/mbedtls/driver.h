/**
 * @file driver.h
 * @brief The mbedTLS driver's private header: its state and what its files share (driver.c: the
 *        TLSMAN operations, memory BIO, timers, PSK, suites, cookies; x509.c: credentials and
 *        certificate verification; errors.c: mbedTLS errors to secure_sock codes and alerts).
 *        Functions shared between the files carry the prefix tlsman_mbedtls_.
 */
#ifndef SS_TLSMAN_MBEDTLS_DRIVER_H
#define SS_TLSMAN_MBEDTLS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(MBEDTLS_CONFIG_FILE)
#include <mbedtls/config.h>
#else
#include MBEDTLS_CONFIG_FILE
#endif

#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/version.h>
#if defined(MBEDTLS_X509_CRT_PARSE_C)
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#endif

#include "../common.h"
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
 * exchange and P-256; without them the driver is PSK-only and says so in its caps. So is it in a
 * PSK-only core (CONFIG_SOCK_SECURE_CERTS 0: the core hands no certificate, key or anchor over and
 * picks no certificate suite), whatever mbedTLS has. */
#if defined(MBEDTLS_X509_CRT_PARSE_C) && defined(MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED) && \
    defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED) && defined(MBEDTLS_PK_PARSE_C) &&                 \
    CONFIG_SOCK_SECURE_CERTS
#define SS_X509 1
#else
#define SS_X509 0
#endif

/* A datagram socket (DTLS): every socket in a build without TLS over streams
 * (CONFIG_SOCK_SECURE_STREAMS 0: the core refuses a stream transport at create), so that the TLS
 * paths (ss_write_stream, ss_flush, the record-overflow check) compile out there. */
#define SS_DATAGRAM(c) (!CONFIG_SOCK_SECURE_STREAMS || (c)->k.datagram)

/* A socket of both roles (TLSMAN_CLIENT_SERVER): a second stack configuration, the client's
 * (mbedTLS's configuration has one endpoint). */
#if CONFIG_SOCK_SECURE_CLIENT_SERVER && defined(MBEDTLS_SSL_CLI_C) && defined(MBEDTLS_SSL_SRV_C)
#define SS_CLIENT_SERVER 1
#else
#define SS_CLIENT_SERVER 0
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

/* Resumption (resume.c, TLSMAN_CAP_RESUMPTION): session tickets, the session serialisation
 * (mbedtls_ssl_session_save/load), an AEAD for the server's tickets and SHA-256 for its key
 * names. The device profile has no tickets: no resumption there. */
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && (defined(MBEDTLS_GCM_C) || defined(MBEDTLS_CCM_C)) && \
    defined(MBEDTLS_SHA256_C)
#define SS_RESUME 1
#else
#define SS_RESUME 0
#endif

/* Save/restore of an established DTLS connection (mbedtls_ssl_context_save/load): with context
 * serialisation in the build (Debian's has it) and DTLS. */
#if defined(MBEDTLS_SSL_CONTEXT_SERIALIZATION) && defined(MBEDTLS_SSL_PROTO_DTLS)
#define SS_SAVE 1
#else
#define SS_SAVE 0
#endif

/* ---- state ------------------------------------------------------------------------------------ */

/** A server's session ticket key (resume.c). */
typedef struct {
    uint8_t key[32];  /**< AES-256 key: SOCK_SECURE_TICKET_KEY_LEN bytes from the application */
    uint8_t name[4];  /**< its name in the ticket (derived from the key) */
    bool set;         /**< holds a key */
} ss_mbedtls_ticket_key_t;

/** Timer state as mbedTLS sees it through ss_get_timer(). */
enum {
    SS_TIMER_CANCELLED = 0, /**< get_timer -1 */
    SS_TIMER_RUNNING = 1,   /**< get_timer 0 */
    SS_TIMER_EXPIRED = 2,   /**< get_timer 2: the core called timer_expired since the last set */
};

/** Per-socket state, in the core's ctx area. */
typedef struct {
    mbedtls_ssl_config conf;                /**< shared by every session of the socket (a
                                                 client-server's server sessions) */
#if SS_CLIENT_SERVER
    mbedtls_ssl_config conf_cli;            /**< a client-server's client sessions */
#endif
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
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    bool renegotiation;                     /**< tlsman_config_t.renegotiation */
#endif
#if SS_RESUME
    ss_mbedtls_ticket_key_t tickets[2];     /**< server: current key, and the one it replaced */
    bool resumption;                        /**< tlsman_config_t.resumption */
#endif
} ss_mbedtls_ctx_t;

/** Per-session state, in the core's session area. */
typedef struct {
    /** First member: the PSK callback is handed this pointer and gets back to the session. */
    mbedtls_ssl_context ssl;
    ss_mbedtls_ctx_t *ctx;         /**< the socket */
    tlsman_sess_t t;               /**< callbacks, I/O errors, alert, verification (common.h) */
    uint8_t timer;                 /**< SS_TIMER_* */
    bool established;              /**< handshake() returned 0 */
    bool hs_too_long;              /**< DTLS: the peer sent a handshake message longer than
                                        mbedTLS can reassemble (see ss_recv_cb) */
    /* one byte of flags (a device's session area is sized to the byte: docs/RIOT.md) */
    bool tx_data : 1;              /**< DTLS: what is sent now is one application record
                                        (ss_write), no alert to look for (ss_send_cb) */
    bool own_psk : 1;              /**< client: psk below, not the configuration's (set_psk) */
    bool resumed : 1;              /**< the handshake resumed a session (seen while it ran) */
    bool renewing : 1;             /**< a renegotiation runs (ours or the peer's) */
    sock_secure_psk_t psk;         /**< with own_psk: its identity and key (the caller's bytes) */
} ss_mbedtls_session_t;

/** Whether the socket takes and starts renegotiations (tlsman_config_t.renegotiation). */
static inline bool ss_renegotiation(const ss_mbedtls_ctx_t *c)
{
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    return c->renegotiation;
#else
    (void)c;
    return false;
#endif
}

/* ---- errors.c --------------------------------------------------------------------------------- */

/**
 * Turn an mbedTLS error into a secure_sock code, recording the alert behind it: the one the peer
 * sent (FATAL_ALERT_MESSAGE), or the one mbedTLS sent before giving up (seen by the send
 * callback). @p in_handshake picks the code for authentication failures (handshake vs. record).
 */
int tlsman_mbedtls_error(ss_mbedtls_session_t *s, int err, bool in_handshake);

/** tlsman_mbedtls_error() with its most frequent case inline (nothing to read yet). */
static inline int ss_error(ss_mbedtls_session_t *s, int err, bool in_handshake)
{
    if (err == MBEDTLS_ERR_SSL_WANT_READ || err == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return -EAGAIN;
    }
    return tlsman_mbedtls_error(s, err, in_handshake);
}

/** DTLS: the handshake cannot go on, the peer's flight holds a message longer than mbedTLS can
 *  reassemble (s->hs_too_long): send record_overflow (as over TLS) and return
 *  SOCK_SECURE_E_HANDSHAKE. */
int tlsman_mbedtls_hs_too_long(ss_mbedtls_session_t *s);

/** mbedTLS set-up failures: -ENOMEM or SOCK_SECURE_E_BACKEND. */
int tlsman_mbedtls_setup_error(int err);

/** After a failed handshake step: send the fatal alert mbedTLS 2.28 leaves out for @p err, if it
 *  sent none (see errors.c). */
void tlsman_mbedtls_missing_alert(ss_mbedtls_session_t *s, int err);

/* ---- driver.c, resume.c ------------------------------------------------------------------------- */

/** Fill @p out with @p len bytes of the driver's random generator. Returns 0 or an mbedTLS
 *  error. */
int tlsman_mbedtls_random(uint8_t *out, size_t len);

#if SS_RESUME
/** Configure resumption on the socket (tickets requested by a client; issued by a server under a
 *  random key). Returns 0, -ENOTSUP or SOCK_SECURE_E_BACKEND. */
int tlsman_mbedtls_conf_resumption(ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg);
/** tlsman_driver_t.session_export, .session_resume and .ticket_key. */
int tlsman_mbedtls_session_export(void *sess, uint8_t *out, size_t out_max);
int tlsman_mbedtls_session_resume(void *sess, const uint8_t *blob, size_t len);
int tlsman_mbedtls_ticket_key(void *ctx, const uint8_t *key, size_t len);
#endif
#if SS_SAVE
/** tlsman_driver_t.session_save and .session_load (resume.c). */
int tlsman_mbedtls_session_save(void *sess, uint8_t *out, size_t out_max);
int tlsman_mbedtls_session_load(void *sess, const uint8_t *blob, size_t len);
#endif

/* ---- x509.c ----------------------------------------------------------------------------------- */

#if SS_X509
/** Parse the socket's credentials and configure the certificate side of c->conf (authmode, P-256,
 *  trust anchors, own certificate). Returns 0, cred_check's codes, SOCK_SECURE_E_CRED_MISMATCH,
 *  -ENOMEM or SOCK_SECURE_E_BACKEND. */
int tlsman_mbedtls_conf_x509(ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg,
                             const tlsman_plan_t *plan);
/** tlsman_driver_t.cred_check. */
int tlsman_mbedtls_cred_check(int type, const uint8_t *data, size_t len);
/** mbedTLS's verify callback (mbedtls_ssl_set_verify, with the session). */
int tlsman_mbedtls_verify_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags);
/** Record the outcome of the peer verification so far in s->t.verify (after each handshake
 *  step; the application's bits are in s->t.vfy_app). */
void tlsman_mbedtls_note_verify(ss_mbedtls_session_t *s);
/** tlsman_driver_t.set_peer_ip and (with SNI compiled in) .set_server_name. */
int tlsman_mbedtls_set_peer_ip(void *p, const uint8_t *ip, size_t len);
int tlsman_mbedtls_set_server_name(void *p, const char *name);
#else
static inline void tlsman_mbedtls_note_verify(ss_mbedtls_session_t *s)
{
    (void)s;
}
#endif

#endif /* SS_TLSMAN_MBEDTLS_DRIVER_H */
