/**
 * @file driver.h
 * @brief The wolfSSL driver's private header: its state and what its files share (driver.c: the
 *        TLSMAN operations, memory BIO, timers, PSK, suites; x509.c: credentials and certificate
 *        verification; errors.c: wolfSSL errors to secure_sock codes and alerts; compat_5_5.c:
 *        the work-arounds for wolfSSL 5.5.4). Functions shared between the files carry the
 *        prefix tlsman_wolfssl_. Include it first: it sets _POSIX_C_SOURCE (pthread_once,
 *        strnlen). wolfSSL's configuration: its options.h (an installed build such as
 *        Debian's), or with WOLFSSL_USER_SETTINGS the build's user_settings.h.
 */
#ifndef SS_TLSMAN_WOLFSSL_DRIVER_H
#define SS_TLSMAN_WOLFSSL_DRIVER_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef WOLFSSL_USER_SETTINGS
/* a wolfSSL built from source with a user_settings.h (RIOT: ports/riot/sock_secure_wolfssl) */
#include <wolfssl/wolfcrypt/settings.h>
#else
/* options.h would otherwise redefine _FORTIFY_SOURCE (a warning at -O0): keep the build's own. */
#define WOLFSSL_OPTIONS_IGNORE_SYS
#include <wolfssl/options.h>
#endif
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/version.h>

#include "../common.h"
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
    defined(WOLFSSL_PEM_TO_DER)
#define SS_X509 1
#else
#define SS_X509 0
#endif

/* A socket of both roles (TLSMAN_CLIENT_SERVER): a second WOLFSSL_CTX, the client's (a
 * WOLFSSL_CTX has one method, so one role). */
#if CONFIG_SOCK_SECURE_CLIENT_SERVER && !defined(NO_WOLFSSL_CLIENT) && !defined(NO_WOLFSSL_SERVER)
#define SS_CLIENT_SERVER 1
#else
#define SS_CLIENT_SERVER 0
#endif

/* ---- state ----------------------------------------------------------------------------------- */

#define SS_COOKIE_SECRET_LEN 32u /**< HMAC-SHA256 key for HelloVerifyRequest cookies */
#define SS_DG_TRACK 16u          /**< records of one datagram followed for pending() */
#define SS_FLIGHT_MAX 160u       /**< bytes of the server's last flight kept for resending it */
#define SS_FLIGHT_DGRAMS 2u      /**< ... in at most this many datagrams */

/** Per-socket state, in the core's ctx area. */
typedef struct {
    WOLFSSL_CTX *wctx;                       /**< shared by every session of the socket (a
                                                  client-server's server sessions) */
    WOLFSSL_CTX *wctx_cli;                   /**< a client-server's client sessions, else NULL */
    tlsman_sock_t k;                         /**< role, transport, callbacks (common.h) */
    uint8_t cookie_secret[SS_COOKIE_SECRET_LEN]; /**< server: one key for every session */
    char psk_id[CONFIG_SOCK_SECURE_PSK_ID_MAX + 1]; /**< client: identity, NUL-terminated */
    uint8_t psk_key[CONFIG_SOCK_SECURE_PSK_KEY_MAX]; /**< client: the key */
    size_t psk_key_len;                      /**< its length (0: none, psk_for_hint only) */
    bool psk_for_hint;                       /**< client: ask io->psk_for_hint (the hint is
                                                  the callback's argument) */
    uint8_t cert_suite_n;                    /**< entries in cert_suites */
    uint16_t cert_suites[CONFIG_SOCK_SECURE_MAX_SUITES]; /**< configured suites with
                                                              TLSMAN_SUITE_CERT (IANA ids) */
} ss_wolfssl_ctx_t;

/** What the wolfSSL 5.5.4 work-arounds keep per session (compat_5_5.c; goes with them). */
typedef struct {
    uint64_t tx_seq0;              /**< next free epoch-0 record sequence number (our alerts) */
    bool tx_ccs;                   /**< we sent ChangeCipherSpec: our records are encrypted now */
    bool peer_kx;                  /**< the peer's ClientKeyExchange/ServerHelloDone arrived */
    bool peer_ccs;                 /**< ... and then its ChangeCipherSpec */
    bool call_peer_fin;            /**< this call: an epoch-1 handshake record arrived after the
                                        peer's key exchange and ChangeCipherSpec */
    bool call_peer_hs;             /**< this call, established: handshake records arrived */
    uint16_t rec_min;              /**< smallest valid encrypted record body (the AEAD overhead) */
    /* Server: the datagrams of the handshake() call that completed the handshake
     * (ChangeCipherSpec, Finished), resent when the client repeats its last flight. */
    uint8_t flight[SS_FLIGHT_MAX];
    uint16_t flight_len[SS_FLIGHT_DGRAMS];
    uint8_t flight_n;              /**< datagrams in flight[], 0 = none (or too large) */
    bool flight_full;              /**< the current call sent more than flight[] holds */
} ss_wolfssl_w55_t;

/** Per-session state, in the core's session area. */
typedef struct {
    WOLFSSL *ssl;                  /**< allocated by wolfSSL_new, freed by session_free */
    ss_wolfssl_ctx_t *ctx;         /**< the socket */
    tlsman_sess_t t;               /**< callbacks, I/O errors, alert, verification (common.h) */
    int fail;                      /**< the error that ended the session, 0 while it lives */
    int32_t tx_mseq;               /**< highest handshake message_seq sent in the clear, -1 */
    bool server;                   /**< a server session (on a client-server: one that got a
                                        peer id at session_init), else a client one */
    bool established;              /**< handshake() returned 0 */
    bool timer_on;                 /**< io->timer(true) reported and not stopped since */
    bool retx_due;                 /**< the core's timer fired: resend on the next step */
    bool vfy_seen;                 /**< the verify callback saw a peer certificate */
    /* What the current driver call saw (reset by ss_call_begin, with t and tx). */
    bool call_new_flight;          /**< we sent the first records of a new flight */
    bool call_hvr;                 /**< we sent a HelloVerifyRequest */
    bool call_tx_blocked;          /**< DTLS: io->send would have blocked (datagram lost) */
    uint16_t call_rx_app;          /**< application records handed to wolfSSL */
    uint16_t call_rx_bad;          /**< malformed records the driver discarded */
    /* The last datagram handed to wolfSSL, for pending(): its record content types, how many
     * application records wolfSSL decrypted from it, and whether wolfSSL may still hold some. */
    uint8_t dg_ct[SS_DG_TRACK];
    uint8_t dg_n;                  /**< records in dg_ct */
    uint8_t dg_apps;               /**< application records decrypted from it so far */
    bool dg_more;                  /**< it had more than SS_DG_TRACK records */
    bool dg_live;                  /**< wolfSSL has not asked for the next datagram since */
    ss_wolfssl_w55_t w55;          /**< the wolfSSL 5.5.4 work-arounds (compat_5_5.c) */
    /* Client: the PSK this session offers instead of the socket's (set_psk; its bytes are the
     * core's caller's until the handshake ends). */
    sock_secure_psk_t psk;
    bool own_psk;                  /**< psk is set */
    /* TLS: output the transport refused (-EAGAIN), kept here instead of in wolfSSL (see
     * ss_send_cb); heap, allocated only while something waits. */
    uint8_t *out;
    size_t out_off;                /**< first byte not yet sent */
    size_t out_len;                /**< bytes in out */
    size_t out_cap;                /**< its size */
} ss_wolfssl_session_t;

/** The session is over: every later call returns @p err. */
static inline int ss_fail(ss_wolfssl_session_t *s, int err)
{
    if (err < 0 && err != -EAGAIN) {
        s->fail = err;
    }
    return err;
}

/* ---- driver.c -------------------------------------------------------------------------------- */

/** wolfSSL_Init() once per process, thread-safe. Returns 0 or SOCK_SECURE_E_BACKEND. */
int tlsman_wolfssl_lib_ready(void);

/* ---- errors.c -------------------------------------------------------------------------------- */

/** Turn a wolfSSL error (wolfSSL_get_error) into a secure_sock code, recording the alert behind
 *  it. @p in_handshake picks the code for protocol failures (handshake vs. established). */
int tlsman_wolfssl_error(ss_wolfssl_session_t *s, int err, bool in_handshake);
/** Record the fatal alert wolfSSL sent (its history has the description even when encrypted).
 *  Returns whether there is one. */
bool tlsman_wolfssl_note_sent_alert(ss_wolfssl_session_t *s);
/** The alert for a handshake that wolfSSL ended with @p werr without sending one. */
uint8_t tlsman_wolfssl_alert_for(int werr);

/* ---- x509.c ---------------------------------------------------------------------------------- */

#if SS_X509
/** SOCK_SECURE_VFY_* bits for a verification error: a wolfSSL/wolfCrypt code, or with @p x509
 *  also an OpenSSL-style X509_V_ERR_* code; 0 for codes that are no verification failure. */
uint32_t tlsman_wolfssl_vfy_bits(int err, bool x509);
/** Load the socket's credentials into c->wctx and set its verification (the mode the core
 *  resolved, P-256 only). Returns 0, cred_check's codes, SOCK_SECURE_E_CRED_MISMATCH or
 *  SOCK_SECURE_E_BACKEND. */
int tlsman_wolfssl_conf_x509(ss_wolfssl_ctx_t *c, const tlsman_config_t *cfg,
                             const tlsman_plan_t *plan);
/** tlsman_driver_t.cred_check. */
int tlsman_wolfssl_cred_check(int type, const uint8_t *data, size_t len);
/** Is @p id (wolfSSL_get_current_cipher_suite()) one of the socket's certificate suites? */
bool tlsman_wolfssl_cert_suite(const ss_wolfssl_ctx_t *c, int id);
/** WOLFSSL_FILETYPE_PEM or _ASN1 for @p d; a PEM's length without the trailing NULs. */
int tlsman_wolfssl_format(const uint8_t *d, size_t *len);
/** A key as DER: @p d itself (*der = d), or a PEM private (@p priv) or public key decoded into
 *  @p buf of @p cap bytes (*der = buf; the caller zeroes it). Returns the DER's length, <= 0 if
 *  the PEM does not decode. */
int tlsman_wolfssl_der(const uint8_t *d, size_t len, int fmt, bool priv, uint8_t *buf,
                       size_t cap, const uint8_t **der);
/** tlsman_driver_t.set_server_name and .set_peer_ip. */
int tlsman_wolfssl_set_server_name(void *p, const char *name);
int tlsman_wolfssl_set_peer_ip(void *p, const uint8_t *ip, size_t len);
#endif

/* ---- compat_5_5.c: wolfSSL 5.5.4 work-arounds (each says what to delete on upgrade) ---------- */

void tlsman_wolfssl_w55_init(ss_wolfssl_session_t *s);
void tlsman_wolfssl_w55_call_begin(ss_wolfssl_session_t *s);
size_t tlsman_wolfssl_w55_rx(ss_wolfssl_session_t *s, uint8_t *buf, size_t len);
void tlsman_wolfssl_w55_tx(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len);
void tlsman_wolfssl_w55_established(ss_wolfssl_session_t *s);
int tlsman_wolfssl_w55_hs_waiting(ss_wolfssl_session_t *s);
int tlsman_wolfssl_w55_hs_failed(ss_wolfssl_session_t *s, int werr, int err);
void tlsman_wolfssl_w55_read_idle(ss_wolfssl_session_t *s);
void tlsman_wolfssl_w55_app_data(ss_wolfssl_session_t *s);
#if SS_X509
bool tlsman_wolfssl_w55_key_matches_cert(const tlsman_cred_t *key, const tlsman_cred_t *cert);
#endif

#endif /* SS_TLSMAN_WOLFSSL_DRIVER_H */
