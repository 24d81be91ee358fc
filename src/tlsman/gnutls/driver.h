/**
 * @file driver.h
 * @brief The GnuTLS driver's private header: its state and what its files share (driver.c: the
 *        TLSMAN operations, memory BIO, timers, PSK, suites, cookies; x509.c: credentials,
 *        X.509 certificates and raw public keys, peer verification; errors.c: GnuTLS errors to
 *        secure_sock codes and the alerts behind them). Functions shared between the files carry
 *        the prefix tlsman_gnutls_.
 */
#ifndef SS_TLSMAN_GNUTLS_DRIVER_H
#define SS_TLSMAN_GNUTLS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <gnutls/dtls.h>

#include "../common.h"
#include "secure_sock/config.h"
#include "secure_sock/error.h"
#include "secure_sock/tlsman.h"

#if GNUTLS_VERSION_NUMBER < 0x030606
#error "this driver needs GnuTLS 3.6.6 or later (raw public keys, RFC 7250)"
#endif

/* ---- state ----------------------------------------------------------------------------------- */

#define SS_COOKIE_KEY_LEN 32u  /**< HMAC-SHA256 key of the HelloVerifyRequest cookies */
#define SS_COOKIE_LEN 32u      /**< a cookie: 4 bytes of time, 28 of HMAC-SHA256 */
#define SS_DG_TRACK 16u        /**< records of one datagram followed for pending() */
#define SS_PEER_ID_MAX 32u     /**< bytes of the peer id a server session keeps (cookies) */
/** The longest DTLS handshake message taken (mbedTLS's default limit: 2^14 bytes). GnuTLS would
 *  reserve whatever length a message announces (up to 16 MB) for its reassembly. */
#define SS_HS_MSG_MAX 16384u

/** Per-socket state, in the core's ctx area. */
typedef struct {
    gnutls_priority_t prio;      /**< client: the configured suites (ss_prio_text, driver.c) */
    /** Server: each configured suite alone (made on first use), set on a session once the
     *  client's hello has shown which one the server takes (GnuTLS priorities cross every key
     *  exchange with every cipher, so the list could negotiate a suite that is not configured). */
    gnutls_priority_t one[CONFIG_SOCK_SECURE_MAX_SUITES];
    const tlsman_suite_t *suites[CONFIG_SOCK_SECURE_MAX_SUITES]; /**< the core's entries */
    uint8_t suite_count;         /**< entries in suites and one */
    gnutls_psk_client_credentials_t psk_cli; /**< client: the PSK to offer */
    uint8_t def_id[CONFIG_SOCK_SECURE_PSK_ID_MAX]; /**< client with psk_for_hint: a copy of
                                                        tlsman_config_t.psk (zeroed at
                                                        ctx_free), offered when the callback
                                                        keeps the default */
    uint8_t def_key[CONFIG_SOCK_SECURE_PSK_KEY_MAX]; /**< ... its key */
    size_t def_id_len;            /**< ... 0: no default */
    size_t def_key_len;
    bool psk_for_hint;            /**< client: the PSK comes from ss_psk_client_cb */
    gnutls_psk_server_credentials_t psk_srv; /**< server: the lookup (and identity hint) */
    gnutls_certificate_credentials_t cert;   /**< own identity, trust anchors, verification */
    gnutls_datum_t pinned[CONFIG_SOCK_SECURE_CRED_MAX]; /**< pinned peer keys, DER
                                                             SubjectPublicKeyInfo (heap) */
    uint8_t pinned_n;            /**< entries in pinned */
    bool own_x509;               /**< we have a certificate chain */
    bool own_rawpk;              /**< we have a private key (raw public key identity) */
    bool cas;                    /**< trust anchors for X.509 peers */
    uint8_t cookie_key[SS_COOKIE_KEY_LEN]; /**< server, DTLS: the cookies' key */
    tlsman_sock_t k;             /**< role, transport, callbacks (common.h) */
    bool resumption;             /**< tlsman_config_t.resumption: tickets (resume.c) */
    gnutls_datum_t ticket_key;   /**< server with resumption: GnuTLS's ticket master key
                                      (gnutls_session_ticket_key_generate, heap) */
} ss_gnutls_ctx_t;

/** Per-session state, in the core's session area. */
typedef struct {
    gnutls_session_t gs;         /**< allocated by gnutls_init, freed by session_free */
    ss_gnutls_ctx_t *ctx;        /**< the socket */
    tlsman_sess_t t;             /**< callbacks, I/O errors, alert, verification (common.h) */
    int fail;                    /**< the error that ended the session, 0 while it lives */
    const tlsman_suite_t *suite; /**< the negotiated entry of ctx->suites */
    char *server_name;           /**< client: the name the server's certificate must carry */
    int32_t tx_mseq;             /**< highest handshake message_seq sent in the clear, -1 */
    int last_in;                 /**< gnutls_handshake_get_last_in() after the last step */
    uint8_t peer_id[SS_PEER_ID_MAX]; /**< server, DTLS: the peer id its cookie binds */
    uint8_t peer_id_len;         /**< its length */
    unsigned discarded;          /**< gnutls_record_get_discarded() before the current call */
    bool established;            /**< handshake() returned 0 */
    bool resumed;                /**< gnutls_session_is_resumed() once established */
    bool hello_ok;               /**< server, DTLS: a ClientHello with a valid cookie came */
    bool timer_on;               /**< io->timer(true) reported and not stopped since */
    bool retx_due;               /**< the core's timer fired: the next step resends */
    bool retx_now;               /**< ... and GnuTLS is to see its timer expired once */
    bool psk_unknown;            /**< server: the client's PSK identity is unknown */
    bool vfy_seen;               /**< the verify callback ran for this handshake */
    bool rawpk_peer;             /**< the peer authenticated with a raw public key */
    bool rx_ccs;                 /**< a ChangeCipherSpec came from the peer */
    bool pull_empty;             /**< the pull found no input (since read() last looked) */
    bool hs_too_long;            /**< a handshake message longer than SS_HS_MSG_MAX came */
    /* What the current driver call saw (reset by ss_call_begin, with t and tx). */
    bool call_new_flight;        /**< we sent the first records of a new flight */
    bool call_hvr;               /**< we answered a ClientHello with HelloVerifyRequest */
    bool call_tx_blocked;        /**< DTLS: io->send would have blocked (datagram lost) */
    bool call_peer_fin;          /**< an encrypted handshake record came after the peer's
                                      ChangeCipherSpec (its Finished) */
    uint16_t call_rx_app;        /**< application records handed to GnuTLS */
    /* The last datagram handed to GnuTLS, for pending(): its record content types, how many
     * application records GnuTLS delivered from it, and whether it may still hold some. */
    uint8_t dg_ct[SS_DG_TRACK];
    uint8_t dg_n;                /**< records in dg_ct */
    uint8_t dg_apps;             /**< application records delivered from it so far */
    bool dg_more;                /**< it had more than SS_DG_TRACK records */
    bool dg_live;                /**< GnuTLS has not asked for the next datagram since */
    /* A decrypted record the application has not read (all of it, or on streams the rest). */
    gnutls_packet_t rec;         /**< NULL if none */
    size_t rec_off;              /**< bytes of it already read (streams) */
    /* TLS: output the transport refused (-EAGAIN), kept here instead of in GnuTLS; heap,
     * allocated only while something waits. */
    uint8_t *out;
    size_t out_off;              /**< first byte not yet sent */
    size_t out_len;              /**< bytes in out */
    size_t out_cap;              /**< its size */
} ss_gnutls_session_t;

/** The session is over: every later call returns @p err. */
static inline int ss_fail(ss_gnutls_session_t *s, int err)
{
    if (err < 0 && err != -EAGAIN) {
        s->fail = err;
    }
    return err;
}

/* ---- errors.c -------------------------------------------------------------------------------- */

/**
 * Turn a GnuTLS error into a secure_sock code. A fatal alert from the peer is recorded
 * (received); for a failure of ours the fatal alert GnuTLS leaves to the application is sent
 * and recorded. @p in_handshake picks the code for protocol failures (handshake vs. record).
 */
int tlsman_gnutls_error(ss_gnutls_session_t *s, int err, bool in_handshake);

/** Send the fatal alert @p desc (once per session) and record it. */
void tlsman_gnutls_send_alert(ss_gnutls_session_t *s, uint8_t desc);

/** GnuTLS set-up failures: -ENOMEM or SOCK_SECURE_E_BACKEND. */
int tlsman_gnutls_setup_error(int err);

/* ---- x509.c ---------------------------------------------------------------------------------- */

/** Parse the socket's credentials (own certificate chain or raw key, trust anchors, pinned keys)
 *  into c->cert and c->pinned, with the verify callback. Returns 0, cred_check's codes,
 *  SOCK_SECURE_E_CRED_MISMATCH, -ENOMEM or SOCK_SECURE_E_BACKEND. */
int tlsman_gnutls_conf_certs(ss_gnutls_ctx_t *c, const tlsman_config_t *cfg,
                             const tlsman_plan_t *plan);
/** Free what tlsman_gnutls_conf_certs() made (keys zeroed by GnuTLS). */
void tlsman_gnutls_free_certs(ss_gnutls_ctx_t *c);
/** Session set-up for certificates: the request of a client certificate (servers). */
void tlsman_gnutls_session_certs(ss_gnutls_session_t *s);
/** tlsman_driver_t.cred_check. */
int tlsman_gnutls_cred_check(int type, const uint8_t *data, size_t len);
/** tlsman_driver_t.set_server_name and .set_peer_ip. */
int tlsman_gnutls_set_server_name(void *p, const char *name);
int tlsman_gnutls_set_peer_ip(void *p, const uint8_t *ip, size_t len);
/** The fatal alert for a failed verification with the SOCK_SECURE_VFY_* bits @p vfy. */
uint8_t tlsman_gnutls_vfy_alert(uint32_t vfy);

/* ---- resume.c -------------------------------------------------------------------------------- */

/** Socket: set up resumption (a server's random ticket master key). Returns 0 or -ENOMEM. */
int tlsman_gnutls_conf_resumption(ss_gnutls_ctx_t *c, const tlsman_config_t *cfg);
/** Socket: free (and zero) the ticket key. */
void tlsman_gnutls_free_resumption(ss_gnutls_ctx_t *c);
/** Session, after gnutls_init: a server with resumption issues tickets. Returns 0 or an error. */
int tlsman_gnutls_session_tickets(ss_gnutls_session_t *s);
/** tlsman_driver_t.session_export and .session_resume. */
int tlsman_gnutls_session_export(void *sess, uint8_t *out, size_t out_max);
int tlsman_gnutls_session_resume(void *sess, const uint8_t *blob, size_t len);

#endif /* SS_TLSMAN_GNUTLS_DRIVER_H */
