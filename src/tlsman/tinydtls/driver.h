/**
 * @file driver.h
 * @brief The tinyDTLS driver's private header: its state and what its files share (driver.c: the
 *        TLSMAN operations, the record pump, timers, PSK, cookies, the server's last flight;
 *        keys.c: raw public keys - parsing, cred_check, the verify callback; errors.c: tinyDTLS's
 *        outcomes to secure_sock codes and alerts). Functions shared between the files carry the
 *        prefix tlsman_tinydtls_.
 */
#ifndef SS_TLSMAN_TINYDTLS_DRIVER_H
#define SS_TLSMAN_TINYDTLS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* tinyDTLS (its tree's root on the include path; dtls_config.h from stack/ except on RIOT) */
#include "tinydtls.h"
#include "dtls.h"
#include "netq.h"
#if defined(WITH_RIOT_SOCK)
#include "net/af.h" /* AF_INET6 of session_t's address (RIOT's sock_udp_ep_t layout) */
#endif

#include "../common.h"
#include "secure_sock/config.h"
#include "secure_sock/error.h"
#include "secure_sock/tlsman.h"

#if !defined(DTLSv12)
#error "tinyDTLS must be built with DTLSv12"
#endif
#if defined(DTLS_PSK)
#define SS_TD_PSK 1
#else
#define SS_TD_PSK 0
#endif
#if defined(DTLS_ECC)
#define SS_TD_ECC 1 /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with raw public keys (RFC 7250) */
#else
#define SS_TD_ECC 0
#endif

/**
 * Bytes of the one datagram a session holds while its records are processed (and while a
 * decrypted application record in it waits for read()). tinyDTLS decrypts in place, so this is
 * the session's whole input buffer; a larger datagram is dropped (SOCK_SECURE_E_BAD_RECORD), and
 * max_payload() keeps our own records within it. The session state must fit
 * CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE (checked at compile time; cmake/tinydtls.cmake raises
 * the area for a host build). Default: the largest datagram the core reads.
 */
#ifndef CONFIG_SOCK_SECURE_TINYDTLS_RX
#define CONFIG_SOCK_SECURE_TINYDTLS_RX CONFIG_SOCK_SECURE_MAX_DATAGRAM
#endif

/** Pinned peer keys one socket keeps (a SHA-256 digest of each, 32 bytes). */
#ifndef CONFIG_SOCK_SECURE_TINYDTLS_PINNED
#define CONFIG_SOCK_SECURE_TINYDTLS_PINNED CONFIG_SOCK_SECURE_CRED_MAX
#endif

/** A server's last flight as it went out (ChangeCipherSpec 14 B, Finished 53 or 61 B), kept to
 *  answer the client's retransmission of its own last flight (RFC 6347 §4.2.4). */
#define SS_TD_FINAL_MAX 96u
#define SS_TD_FINAL_DGRAMS 3u

/** Handshake messages a peer may send ahead of the one expected (tinyDTLS queues them for
 *  reordering; one flight: a client's Certificate, ClientKeyExchange, CertificateVerify,
 *  Finished); a message further ahead is dropped. */
#define SS_TD_HS_AHEAD 4u

/** An uncompressed P-256 point's coordinates. */
#define SS_TD_EC_KEY ((size_t)32)

/** Is this a server socket, or a client-server (@p c: ss_td_ctx_t)? Constant false in a
 *  client-only build (CONFIG_SOCK_SECURE_SERVER 0: the core refuses servers at create), so that
 *  what only a server does leaves the image. */
#define SS_TD_SERVER(c) (CONFIG_SOCK_SECURE_SERVER && (c)->k.server)

/** Does this socket start handshakes (a client, or a client-server)? */
#define SS_TD_CLIENT(c) (!SS_TD_SERVER(c) || (c)->k.both)

/** Is this a server session (@p s: ss_td_session_t)? A client-server's sessions made from a
 *  ClientHello are; those its connect() made are not (one tinyDTLS context per session, so a
 *  peer's role is the session's). */
#define SS_TD_SRV(s) (CONFIG_SOCK_SECURE_SERVER && (s)->server)

/* ---- state ------------------------------------------------------------------------------------ */

/** Per-socket state, in the core's ctx area. */
typedef struct {
    tlsman_sock_t k;          /**< role, callbacks, verification (common.h) */
    dtls_handler_t h;         /**< tinyDTLS's callbacks for every session of the socket (which
                                   are set follows the configuration: tinyDTLS asks a client for
                                   its certificate only if get_ecdsa_key is set, and so on) */
#if SS_TD_ECC && CONFIG_SOCK_SECURE_SERVER
    dtls_handler_t h_srv;     /**< a client-server's server sessions: h without verify_ecdsa_key
                                   when it does not verify (its client sessions need the callback
                                   to offer ECDHE-ECDSA, a server with it asks every client for a
                                   key); unused otherwise (h serves every session) */
    bool srv_own_h;           /**< server sessions take h_srv */
#endif
    uint8_t cookie_secret[DTLS_COOKIE_SECRET_LENGTH]; /**< server: HelloVerifyRequest secret,
                                                           shared by every session's context */
    dtls_cipher_t suites[DTLS_MAX_CIPHER_SUITES + 1]; /**< the checked list, TLS_NULL-ended */
    uint8_t suite_count;
#if SS_TD_PSK
    struct {          /**< client sessions: the PSK they offer (unless set_psk() gave one) */
        uint8_t id[DTLS_PSK_MAX_CLIENT_IDENTITY_LEN];
        uint8_t key[DTLS_PSK_MAX_KEY_LEN];
        uint16_t id_len;
        uint8_t key_len;
        bool for_hint; /**< client sessions ask io->psk_for_hint (tlsman_config_t) */
    } psk;
    struct {          /**< server sessions: the identity hint they send */
        uint8_t hint[DTLS_PSK_MAX_CLIENT_IDENTITY_LEN];
        uint16_t hint_len;
    } srv;
#endif
#if SS_TD_ECC
    dtls_ecdsa_key_t own;                         /**< points at the three arrays below */
    uint8_t own_priv[SS_TD_EC_KEY];
    uint8_t own_x[SS_TD_EC_KEY];
    uint8_t own_y[SS_TD_EC_KEY];
    bool has_key;
    uint8_t pinned_count;
    uint8_t pinned[CONFIG_SOCK_SECURE_TINYDTLS_PINNED][32]; /**< SHA-256(x || y) of each pinned
                                                                 peer key */
#endif
} ss_td_ctx_t;

/** What the callbacks note during one driver call (cleared at its start). */
typedef struct {
    uint8_t new_flight;   /**< handshake or ChangeCipherSpec records of a new flight sent */
    bool had_resend;      /**< a flight waited for retransmission when the call began */
    bool hvr;             /**< a HelloVerifyRequest went out */
    bool alert_rx;        /**< the peer's alert was processed (s->t.alert has it) */
    uint8_t alert_level;  /**< ... its level */
    bool connected;       /**< tinyDTLS reported DTLS_EVENT_CONNECTED */
    bool bad;             /**< a record failed authentication, or a datagram did not fit */
    int8_t hello_common;  /**< server, a ClientHello was fed: 1 a suite in common, 0 none, -1 not
                               known */
    bool vfy_refused;     /**< our verify callback refused the peer's key */
} ss_td_call_t;

/** Per-session state, in the core's session area. */
typedef struct {
    dtls_context_t dc;    /**< the session's own tinyDTLS context: its one peer and the flights
                               waiting for retransmission (the core's timer is per session) */
    session_t ses;        /**< that peer's key in dc, made from the peer id (cookies bind it) */
    ss_td_ctx_t *ctx;     /**< the socket */
    tlsman_sess_t t;      /**< callbacks, I/O errors, alert, verification (common.h) */
    ss_td_call_t call;    /**< this call's findings */
    int end;              /**< the error that ended the session (sticky), or 0 */
    uint16_t rx_len;      /**< bytes of the datagram in rx */
    uint16_t rx_off;      /**< the next record of it not yet given to tinyDTLS */
    uint16_t app_off;     /**< the decrypted application record waiting in rx ... */
    uint16_t app_len;     /**< ... and its length */
    uint16_t out_len;     /**< handshake output of this call waiting in rx after rx_len */
    uint16_t suite;       /**< the suite the ServerHello named */
    uint8_t final_len[SS_TD_FINAL_DGRAMS]; /**< server: the datagrams of its last flight */
    uint8_t final_n;      /**< ... how many (0: none kept) */
    uint8_t hello_random[8]; /**< server: the start of the client random of the hello that made
                                  the peer (a retransmission of it is not a new handshake) */
#if SS_TD_PSK
    sock_secure_psk_t psk; /**< client: the PSK set_psk() or io->psk_for_hint gave (its bytes
                                are the caller's, valid until the handshake ends), if own_psk */
    bool own_psk;
#endif
    bool server;          /**< a server session (SS_TD_SRV) */
    bool ready;           /**< session_init succeeded */
    bool started;         /**< client: ClientHello sent */
    bool established;     /**< handshake() returned 0 */
    bool app_ready;       /**< app_off/app_len hold a record */
    bool retx_due;        /**< the core's timer fired: the next step retransmits */
    bool retransmitting;  /**< inside a forced retransmission (not a new flight) */
    bool repeat_answered; /**< the peer's repeated flight was answered at once since our flight
                               went out or the timer last fired (once: see ss_record) */
    bool capturing;       /**< server: keep what goes out as the last flight */
    bool had_peer;        /**< server: a verified hello created the peer */
    bool got_app;         /**< server: the client sent application data (its handshake is done) */
    uint8_t final[SS_TD_FINAL_MAX];
    uint8_t rx[CONFIG_SOCK_SECURE_TINYDTLS_RX]; /**< the datagram being processed; behind it,
                                                     the call's handshake output (out_len) */
} ss_td_session_t;

/* ---- errors.c --------------------------------------------------------------------------------- */

/**
 * The session ended in this call (its peer is gone, or tinyDTLS reported an error): the
 * secure_sock code, with the alert behind it recorded (received from the peer, or sent - read
 * from what went out, else from @p rc). @p rc is what tinyDTLS returned (an alert code, -1, or
 * 0); @p in_handshake picks the code for failures that are not the peer's alert.
 */
int tlsman_tinydtls_error(ss_td_session_t *s, int rc, bool in_handshake);

/* ---- keys.c ----------------------------------------------------------------------------------- */

#if SS_TD_ECC
/** tlsman_driver_t.cred_check: private keys and pinned peer keys on P-256 (PEM or DER; SEC1 or
 *  PKCS#8; SubjectPublicKeyInfo). Certificates: -ENOTSUP (no X.509 in tinyDTLS). */
int tlsman_tinydtls_cred_check(int type, const uint8_t *data, size_t len);
/** Parse the socket's own key and pinned peer keys into @p c. Returns 0, cred_check's codes,
 *  -ENOTSUP (more pinned keys than CONFIG_SOCK_SECURE_TINYDTLS_PINNED). */
int tlsman_tinydtls_conf_keys(ss_td_ctx_t *c, const tlsman_config_t *cfg,
                              const tlsman_plan_t *plan);
/** tinyDTLS's verify_ecdsa_key callback: the peer's raw public key against the pinned keys and
 *  the application's verify_cb. */
int tlsman_tinydtls_verify_key(dtls_context_t *dc, const session_t *ses, const unsigned char *x,
                               const unsigned char *y, size_t key_size);
/** tinyDTLS's get_ecdsa_key callback: the socket's own key. */
int tlsman_tinydtls_own_key(dtls_context_t *dc, const session_t *ses,
                            const dtls_ecdsa_key_t **result);
#endif

/** SHA-256 of @p len bytes at @p d into @p out (tinyDTLS's hash). */
void tlsman_tinydtls_sha256(const uint8_t *d, size_t len, uint8_t out[32]);

#endif /* SS_TLSMAN_TINYDTLS_DRIVER_H */
