/**
 * @file common.h
 * @brief What every TLSMAN driver does the same way, whatever its stack (private to src/tlsman).
 *
 * A driver embeds a tlsman_sock_t in its socket state and a tlsman_sess_t in its session state,
 * and keeps only what is specific to its stack. The shared part:
 * - ctx_init's checks beyond the core's (tlsman_ctx_plan): the core has already checked the
 *   configuration (see tlsman_config_t); what is left is what the core cannot see;
 * - per-call bookkeeping (I/O errors, dropped datagrams) and the alert kept for info();
 * - alert records in what the driver sends (tlsman_scan_tx_alerts), DTLS handshake messages too
 *   long for the stack in what it receives (tlsman_dtls_hs_too_long);
 * - the stack-independent part of a verify callback: the peer's address (x509_ip.h) and the
 *   application's verify_cb (tlsman_verify_cert);
 * - info(), set_peer_ip(), the server's PSK lookup, the check of a server name, the error for a
 *   credential that is not what it was declared to be.
 * Portable C: no stack header, no allocation. Global symbols carry the prefix tlsman_.
 */
#ifndef SS_TLSMAN_COMMON_H
#define SS_TLSMAN_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/dtls_wire.h"
#include "../common/zero.h"
#include "secure_sock/config.h"
#include "secure_sock/error.h"
#include "secure_sock/tlsman.h"
#include "x509_ip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- socket ------------------------------------------------------------------------------------ */

/** What every driver keeps of its socket's configuration (a member of its socket state). */
typedef struct {
    const tlsman_io_t *io;        /**< the core's callbacks (static) */
    tlsman_verify_cb_t verify_cb; /**< the application's certificate check, or NULL */
    void *verify_arg;             /**< passed to verify_cb */
    uint16_t mtu;                 /**< DTLS: largest datagram to emit (the core's MTU) */
    uint8_t verify;               /**< tlsman_verify_t as the core resolved it */
    bool server;                  /**< role: a server (or a client-server) */
    bool both;                    /**< a client-server (TLSMAN_CLIENT_SERVER) */
    bool datagram;                /**< DTLS (else TLS over a stream) */
} tlsman_sock_t;

/** What ctx_init needs to know about the configuration besides tlsman_sock_t. */
typedef struct {
    const tlsman_cred_t *key;   /**< the socket's private key, or NULL */
    const tlsman_cred_t *chain; /**< its certificate chain (leaf first), or NULL */
    size_t cas;                 /**< SOCK_SECURE_CRED_CA entries among cfg->creds */
    bool psk_suites;            /**< a listed suite is a plain-PSK one */
    bool cert_suites;           /**< a listed suite has TLSMAN_SUITE_CERT */
} tlsman_plan_t;

/**
 * @brief The first step of every ctx_init: fill @p sock from @p cfg and check what the core does
 *        not (it has checked everything tlsman_config_t lists as checked).
 * @return 0; -EINVAL for a client that lists plain-PSK suites without a PSK to offer, or a server
 *         that lists certificate suites without a certificate chain or a private key (a key
 *         alone: a raw public key); -ENOTSUP for a second
 *         private key or certificate chain (one identity per socket). @p cfg is read during the
 *         call; @p plan points into cfg->creds.
 */
int tlsman_ctx_plan(const tlsman_config_t *cfg, tlsman_sock_t *sock, tlsman_plan_t *plan);

/* ---- session ----------------------------------------------------------------------------------- */

/** Alert records seen in what the driver sent during the current call. */
typedef struct {
    bool any;     /**< an alert record left (any level, plaintext or encrypted) */
    bool fatal;   /**< a fatal alert left, or an encrypted one (level unknown) */
    bool known;   /**< ... and the last of those was plaintext: desc is its description */
    uint8_t desc; /**< its description */
} tlsman_tx_alert_t;

/** What every driver keeps per session (a member of its session state). */
typedef struct {
    const tlsman_io_t *io;  /**< the core's callbacks */
    void *io_ctx;           /**< passed to them (the core's session) */
    int io_err;             /**< the last hard error of io->send/recv in this call, or 0 */
    bool rx_dropped;        /**< io->recv dropped an oversized datagram in this call */
    uint8_t alert;          /**< the last alert's description (info.alert) */
    uint8_t alert_origin;   /**< tlsman_alert_origin_t */
    bool vfy_abort;         /**< the application's verify_cb returned an error */
    uint32_t verify;        /**< SOCK_SECURE_VFY_* found by the stack's verification */
    uint32_t vfy_app;       /**< ... and added by the application's verify_cb (with _APP) */
    uint8_t peer_ip_len;    /**< client: 4 or 16 once set_peer_ip gave an address, else 0 */
    uint8_t peer_ip[16];    /**< ... the address the server's certificate must carry */
    tlsman_tx_alert_t tx;   /**< alert records sent during the current call */
} tlsman_sess_t;

/** Start a session's bookkeeping (in session_init, on zeroed state). */
static inline void tlsman_sess_init(tlsman_sess_t *t, const tlsman_io_t *io, void *io_ctx)
{
    t->io = io;
    t->io_ctx = io_ctx;
}

/** Begin a driver call: forget the I/O outcome and the alerts sent of the previous one. */
static inline void tlsman_call_begin(tlsman_sess_t *t)
{
    t->io_err = 0;
    t->rx_dropped = false;
    t->tx.any = false;
    t->tx.fatal = false;
    t->tx.known = false;
}

/** Keep @p desc as the session's last alert, sent by us or received. */
static inline void tlsman_alert_set(tlsman_sess_t *t, uint8_t desc, tlsman_alert_origin_t origin)
{
    t->alert = desc;
    t->alert_origin = (uint8_t)origin;
}

/** Every SOCK_SECURE_VFY_* bit found so far (the stack's and the application's). */
static inline uint32_t tlsman_vfy_all(const tlsman_sess_t *t)
{
    return t->verify | t->vfy_app;
}

/**
 * @brief tlsman_driver_t.info: the alert, the verification bits and the given suite and version.
 * @param suite   the negotiated suite's IANA id, 0 (or anything outside 1..0xFFFF) for none.
 * @param version "DTLSv1.2", ... (static), NULL before the handshake.
 * @return 0, or -EINVAL if @p info is NULL.
 */
int tlsman_info(const tlsman_sess_t *t, tlsman_info_t *info, int suite, const char *version);

/**
 * @brief The bookkeeping half of tlsman_driver_t.set_peer_ip (the driver checks that it is a
 *        client session first): keep @p ip for tlsman_verify_cert().
 * @return 0, or -EINVAL unless @p len is 4 or 16 and @p ip is not NULL.
 */
int tlsman_set_peer_ip(tlsman_sess_t *t, const uint8_t *ip, size_t len);

/** The length of a server name for set_server_name (1..255), or -EINVAL (NULL, empty, longer). */
int tlsman_server_name_len(const char *name);

/**
 * @brief Server: the key for a PSK identity the peer sent, from io->psk.
 * @return the key's length (1..@p key_max) written to @p key, or 0 if the identity is empty,
 *         longer than CONFIG_SOCK_SECURE_PSK_ID_MAX or unknown (then @p key is zeroed).
 */
size_t tlsman_psk_lookup(const tlsman_sess_t *t, const uint8_t *identity, size_t identity_len,
                         uint8_t *key, size_t key_max);

/* ---- alerts in what a driver sends ------------------------------------------------------------- */

/**
 * @brief Note the alert records in @p len bytes the driver sends: a datagram, or stream bytes that
 *        are whole records (anything else is not read). A plaintext alert's level and description
 *        are read; an encrypted one counts as fatal, description unknown.
 * @param dtls      DTLS records (plaintext = epoch 0), else TLS records;
 * @param tls_plain TLS: whether our records are still unencrypted (the stack knows).
 * Inline: it runs on every record a driver sends.
 */
static inline void tlsman_scan_tx_alerts(tlsman_tx_alert_t *a, const uint8_t *buf, size_t len,
                                         bool dtls, bool tls_plain)
{
    tlsman_tx_alert_t seen = *a;
    ss_rec_walk_t w = ss_rec_walk(buf, len, dtls);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        if (r.type != SS_CT_ALERT) {
            continue;
        }
        seen.any = true;
        if (!(dtls ? ss_dtls_rec_epoch0(r.hdr) : tls_plain)) {
            seen.fatal = true; /* encrypted: level and description unknown */
            seen.known = false;
        } else if (r.len == SS_ALERT_LEN && r.body[0] == SS_ALERT_LEVEL_FATAL) {
            seen.fatal = true;
            seen.known = true;
            seen.desc = r.body[1];
        }
    }
    if (ss_rec_walk_whole(&w)) {
        *a = seen;
    }
}

/* ---- handshake messages in what a driver receives ---------------------------------------------- */

/**
 * @brief DTLS: does the datagram @p buf (@p len bytes) carry a fragment of a plaintext (epoch 0)
 *        handshake message longer than @p max_msg bytes (its 12-byte header not counted)?
 *
 * For a stack that cannot reassemble longer messages and drops them without a word (mbedTLS
 * 2.28): the peer would resend them until the handshake times out. Only fragments whose header
 * is consistent count (the fragment lies within its record and within the announced message);
 * a truncated record at the datagram's end is not read. Inline: it runs on every datagram a
 * driver receives during a handshake.
 */
static inline bool tlsman_dtls_hs_too_long(const uint8_t *buf, size_t len, size_t max_msg)
{
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        if (r.type != SS_CT_HANDSHAKE || !ss_dtls_rec_epoch0(r.hdr) || r.len < SS_DTLS_HS_HDR) {
            continue;
        }
        size_t msg_len = ss_get24(r.body + SS_HS_LEN);
        size_t frag_off = ss_get24(r.body + SS_DTLS_HS_FRAG_OFF);
        size_t frag_len = ss_get24(r.body + SS_DTLS_HS_FRAG_LEN);
        if (msg_len > max_msg && frag_len <= r.len - SS_DTLS_HS_HDR && frag_off <= msg_len &&
            frag_len <= msg_len - frag_off) {
            return true;
        }
    }
    return false;
}

/* ---- certificate verification ------------------------------------------------------------------ */

/** tlsman_verify_cert() results (bits). */
#define TLSMAN_VFY_NO_IP     1 /**< the certificate lacks the address set_peer_ip gave */
#define TLSMAN_VFY_APP_ADDED 2 /**< the application's verify_cb added SOCK_SECURE_VFY_* bits */
#define TLSMAN_VFY_APP_ABORT 4 /**< the application's verify_cb returned an error */

/** Does tlsman_verify_cert() need the certificate's DER at @p depth? */
static inline bool tlsman_verify_needs_der(const tlsman_sess_t *t, const tlsman_sock_t *k,
                                           int depth)
{
    return (depth == 0 && t->peer_ip_len != 0) || k->verify_cb != NULL;
}

/**
 * @brief The stack-independent part of a verify callback, for one certificate of the peer's
 *        chain (depth 0 = the peer's own): the peer's address, then the application's check.
 *
 * At depth 0 with an address from set_peer_ip, the certificate must carry it as an iPAddress
 * subjectAltName (tlsman_x509_has_ip; no DER counts as no match), else
 * SOCK_SECURE_VFY_NAME_MISMATCH is added to @p bits and TLSMAN_VFY_NO_IP returned: the driver
 * fails the certificate the way its stack fails a wrong host name. Then the application's
 * verify_cb (if any, and if there is DER) sees @p bits and may add more: they are kept in
 * t->vfy_app with SOCK_SECURE_VFY_APP (TLSMAN_VFY_APP_ADDED: they fail a required verification);
 * an error from it sets t->vfy_abort (TLSMAN_VFY_APP_ABORT: the handshake fails in any mode).
 * Clearing bits has no effect.
 * @param bits in: the SOCK_SECURE_VFY_* the stack found for this certificate; out: with
 *             SOCK_SECURE_VFY_NAME_MISMATCH when the address is missing (never the
 *             application's bits).
 * @return a combination of TLSMAN_VFY_*, 0 if nothing was added.
 */
int tlsman_verify_cert(tlsman_sess_t *t, const tlsman_sock_t *k, const uint8_t *der,
                       size_t der_len, int depth, uint32_t *bits);

/**
 * @brief The application's half of tlsman_verify_cert(), alone: its verify_cb (if any, and if
 *        there is DER) sees @p bits for the peer's certificate at @p depth, or for a raw public
 *        key (RFC 7250; @p der its SubjectPublicKeyInfo, depth 0), which has no address to
 *        check, and may add more: kept in t->vfy_app as tlsman_verify_cert() keeps them.
 * @return TLSMAN_VFY_APP_ADDED, TLSMAN_VFY_APP_ABORT or 0.
 */
int tlsman_verify_app(tlsman_sess_t *t, const tlsman_sock_t *k, const uint8_t *der,
                      size_t der_len, int depth, uint32_t bits);

/* ---- credentials ------------------------------------------------------------------------------- */

/** A driver's answer to "is @p data a valid object of @p kind" (SOCK_SECURE_CRED_CERT_CHAIN,
 *  _PRIVATE_KEY or _PEER_KEY), whatever its algorithm or curve. */
typedef bool (*tlsman_cred_is_kind_t)(void *arg, int kind, const uint8_t *data, size_t len);

/**
 * @brief cred_check's answer for @p data that did not parse as the declared @p type:
 *        SOCK_SECURE_E_CRED_TYPE if it is one of the other kinds (a certificate, a private key,
 *        a public key: asked in that order through @p is_kind), else SOCK_SECURE_E_CRED_FORMAT.
 */
int tlsman_cred_misdeclared(int type, const uint8_t *data, size_t len,
                            tlsman_cred_is_kind_t is_kind, void *arg);

/** tlsman_driver_t.cred_check of a driver built without certificates: -ENOTSUP for anything. */
int tlsman_cred_check_none(int type, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SS_TLSMAN_COMMON_H */
