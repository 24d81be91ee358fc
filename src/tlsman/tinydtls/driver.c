/**
 * @file driver.c
 * @brief TLSMAN driver for tinyDTLS (DTLS 1.2 only: TLS_PSK_WITH_AES_128_CCM[_8] and
 *        TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with raw public keys, RFC 7250): the driver table and
 *        its operations, the record pump, timers, PSK, cookies and the server's last flight. Raw
 *        public keys are in keys.c, errors and alerts in errors.c, their shared state in
 *        driver.h; what every driver does alike in ../common.c.
 *
 * tinyDTLS owns sockets of its own nowhere: it hands datagrams to a write callback and takes them
 * from dtls_handle_message(). Each session is one tinyDTLS context (dtls_context_t, in the
 * session's area) holding one peer, whose key (session_t) is made from the core's peer id; the
 * socket holds the configuration, the callbacks and the cookie secret that every session's context
 * copies, so a cookie issued by one session (then freed: the HelloVerifyRequest is stateless)
 * verifies in the next. One context per session rather than one per socket because tinyDTLS's
 * retransmission queue is per context: the core's timer is per session, and
 * dtls_check_retransmit() on a session's own context resends exactly that session's flight.
 *
 * Records: the datagram the core hands over (io->recv) is copied into the session's buffer and
 * given to tinyDTLS one record at a time, so that it stops at an application record: tinyDTLS
 * decrypts it in place and calls back with the plaintext, which stays where it is until read()
 * takes it (records after it stay undecrypted: pending()). Nothing is lost and nothing is copied
 * twice.
 *
 * Timers: tinyDTLS queues each handshake message it sends (its netq, ctx->sendqueue) and would
 * resend it from dtls_check_retransmit() once its clock passes the node's time. The core owns the
 * timer instead: after each call the driver arms io->timer when a new flight is queued and stops
 * it when tinyDTLS dropped the old one (the peer's next flight arrived); when the core's timer
 * fires, the next handshake step makes every queued message of the session's flight due at
 * tinyDTLS's current clock (its time set to now, its retransmission count to 0 so that tinyDTLS's
 * own limit, DTLS_DEFAULT_MAX_RETRANSMIT, never ends the handshake first) and calls
 * dtls_check_retransmit(). tinyDTLS's clock is its own (dtls_ticks(): gettimeofday on POSIX,
 * ztimer on RIOT); nothing depends on its value.
 *
 * Where tinyDTLS (95d02ee, RIOT's pin) falls short of the contract, the driver makes up for it:
 * - it queues every handshake message ahead of the one expected, without a limit: the driver
 *   drops one more than a flight ahead (SS_TD_HS_AHEAD);
 * - a server forgets its last flight once connected: the driver keeps it as it went out and
 *   resends it when the client retransmits its Finished (RFC 6347 §4.2.4);
 * - a retransmitted ClientHello would restart a server's handshake with new randoms (and a
 *   client that got the first ServerHello would then fail): the driver resends the flight instead;
 * - a Finished that fails authentication (a wrong PSK) is dropped silently: the driver sends
 *   bad_record_mac in the clear and fails the handshake, as mbedTLS and wolfSSL do;
 * - a ClientHello refused for its content makes tinyDTLS send close_notify before its fatal alert:
 *   the driver never lets a close_notify out before a handshake completed;
 * - tinyDTLS frees key material without wiping it: cmake/tinydtls.cmake routes its allocations
 *   through stack/alloc.c, which zeroes each block (not on RIOT: static pools there);
 * - it would require extended master secret and secure renegotiation from the peer: the driver
 *   asks for both and requires neither, as the other drivers.
 * - a ClientHello in an established epoch (a renegotiation) is ignored: the driver refuses it
 *   with a no_renegotiation warning, sealed by the driver itself (tinyDTLS can send no alert but
 *   close_notify once established), as the other drivers refuse it.
 * Renegotiation is not offered (renew is NULL).
 *
 * Roles: a client-server socket (TLSMAN_CLIENT_SERVER) needs nothing of tinyDTLS beyond what one
 * context per session gives: a session made for a ClientHello (with a peer id) is a server
 * session, one made for the core's connect() (none) a client session (s->server, SS_TD_SRV), and
 * the PSK callback answers by that flag. A client session offers the PSK set_psk() gave it
 * (TLSMAN_CAP_PSK_PER_SESSION), else the socket's; with tlsman_config_t.psk_for_hint the
 * identity request (which carries the server's hint) first asks io->psk_for_hint, whose choice
 * replaces it (TLSMAN_CAP_PSK_FOR_HINT).
 *
 * Memory: per socket the configuration (~1 KB with 16 pinned keys); per session the context, the
 * peer key and the datagram buffer (CONFIG_SOCK_SECURE_TINYDTLS_RX); on the heap (or tinyDTLS's
 * pools on RIOT) the peer, two sets of keys, the handshake state while it runs and the queued
 * flight - measured in docs/BACKENDS.md.
 */
#include "driver.h"

#include <limits.h>
#include <string.h>

#include "dtls_prng.h"

#include "../builtin.h"

#if !SS_TD_PSK && !SS_TD_ECC
#error "tinyDTLS without PSK and ECC"
#endif

_Static_assert(sizeof(ss_td_ctx_t) <= CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE,
               "tinyDTLS socket state exceeds CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE");
_Static_assert(sizeof(ss_td_session_t) <= CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE,
               "tinyDTLS session state exceeds CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE: raise it, "
               "or lower CONFIG_SOCK_SECURE_TINYDTLS_RX (the largest datagram a session takes)");
_Static_assert(_Alignof(ss_td_ctx_t) <= 8 && _Alignof(ss_td_session_t) <= 8,
               "the core's driver areas are 8-byte aligned");
_Static_assert(CONFIG_SOCK_SECURE_TINYDTLS_RX >= 128 && CONFIG_SOCK_SECURE_TINYDTLS_RX <= 65535,
               "CONFIG_SOCK_SECURE_TINYDTLS_RX: 128 to 65535 bytes");

#define SS_TD_VERSION_STR(x) #x
#define SS_TD_XSTR(x) SS_TD_VERSION_STR(x)
#if defined(SS_TINYDTLS_VERSION)
#define SS_TD_VERSION SS_TINYDTLS_VERSION
#elif defined(PACKAGE_VERSION)
#define SS_TD_VERSION PACKAGE_VERSION
#else
#define SS_TD_VERSION "unknown"
#endif

/* ---- one-time set-up ---------------------------------------------------------------------------- */

/* dtls_init() sets up tinyDTLS's clock and (RIOT, Contiki) its memory pools: once per program. */
static void ss_init_once(void)
{
    static bool done;
    if (!done) {
        done = true;
        dtls_init();
        dtls_prng_init(0);
    }
}

/* ---- suites ----------------------------------------------------------------------------------- */

/** tinyDTLS's id for a table entry, or TLS_NULL_WITH_NULL_NULL: datagrams only, AES-128-CCM-8
 *  with PSK or ECDHE-ECDSA (TLS_PSK_WITH_AES_128_CCM too; ECDHE_ECDSA_WITH_AES_128_CCM is not in
 *  the core's table). */
static dtls_cipher_t ss_cipher_of(const tlsman_suite_t *suite, bool datagram)
{
    if (suite == NULL || !datagram) {
        return TLS_NULL_WITH_NULL_NULL;
    }
    switch (suite->id) {
#if SS_TD_PSK
    case TLS_PSK_WITH_AES_128_CCM_8:
    case TLS_PSK_WITH_AES_128_CCM:
        return suite->kx == TLSMAN_KX_PSK ? (dtls_cipher_t)suite->id : TLS_NULL_WITH_NULL_NULL;
#endif
#if SS_TD_ECC
    case TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8:
        return suite->kx == TLSMAN_KX_ECDHE_ECDSA ? (dtls_cipher_t)suite->id
                                                  : TLS_NULL_WITH_NULL_NULL;
#endif
    default:
        return TLS_NULL_WITH_NULL_NULL;
    }
}

static bool ss_suite_supported(const tlsman_suite_t *suite, bool datagram)
{
    return ss_cipher_of(suite, datagram) != TLS_NULL_WITH_NULL_NULL;
}

/** Bytes a record of @p suite adds to its payload: header, explicit nonce, tag. */
static size_t ss_overhead(uint16_t suite)
{
    return SS_DTLS_RECORD_HDR + 8u + (suite == TLS_PSK_WITH_AES_128_CCM ? 16u : 8u);
}

/* ---- small helpers ---------------------------------------------------------------------------- */

static dtls_peer_t *ss_peer(ss_td_session_t *s)
{
    return dtls_get_peer(&s->dc, &s->ses);
}

/** Is a flight of this session waiting for retransmission? (Alerts tinyDTLS queues to time
 *  out a close are no flight.) */
static bool ss_has_resend(const ss_td_session_t *s)
{
    for (const netq_t *n = s->dc.sendqueue; n != NULL; n = n->next) {
        if (n->job == RESEND) {
            return true;
        }
    }
    return false;
}

/** Has the record with sequence number @p seq been accepted in @p sec's epoch (tinyDTLS's
 *  replay window: bit i is cseq - i)? Older than the window counts as seen (tinyDTLS drops it). */
static bool ss_seen(const dtls_security_parameters_t *sec, uint64_t seq)
{
    if (sec == NULL || sec->cseq.bitfield == 0) {
        return false;
    }
    if (seq > sec->cseq.cseq) {
        return false;
    }
    uint64_t back = sec->cseq.cseq - seq;
    return back > 63 || ((sec->cseq.bitfield >> back) & 1u) != 0;
}

/* The peer id (any bytes: the core's 23, a test's 7) made into a session_t. The cookie is an HMAC
 * over the session's address bytes, so they must bind the whole id: a SHA-256 of it fills the
 * address (16 bytes) and the port (2). Sessions of one socket that share a peer id share a key;
 * each has a context of its own, so that never matters. */
static void ss_session_key(session_t *ses, const uint8_t *id, size_t len)
{
    uint8_t d[32];
    tlsman_tinydtls_sha256(id, len, d);
    memset(ses, 0, sizeof(*ses));
#if defined(WITH_RIOT_SOCK)
    ses->size = sizeof(ses->addr);
    ses->addr.port = (unsigned short)((d[16] << 8) | d[17]);
#if defined(SOCK_HAS_IPV6)
    ses->addr.family = AF_INET6;
    memcpy(&ses->addr.ipv6, d, 16);
#else
    ses->addr.family = AF_INET;
    memcpy(&ses->addr.ipv4, d, 4);
#endif
#else
    ses->size = (socklen_t)sizeof(struct sockaddr_in6);
    ses->addr.sin6.sin6_family = AF_INET6;
    memcpy(&ses->addr.sin6.sin6_port, d + 16, 2);
    memcpy(&ses->addr.sin6.sin6_addr, d, 16);
#endif
    tlsman_zero(d, sizeof(d));
}

/* ---- wire helpers (records the driver looks into before tinyDTLS) ------------------------------ */

/** A plaintext handshake message of type @p type at the start of record @p rec (whole, @p len
 *  bytes)? Then its body (after the handshake header) and the body's length. */
static const uint8_t *ss_hs_msg(const uint8_t *rec, size_t len, uint8_t type, size_t *body_len)
{
    if (len < SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR || rec[SS_REC_TYPE] != SS_CT_HANDSHAKE ||
        !ss_dtls_rec_epoch0(rec)) {
        return NULL;
    }
    const uint8_t *hs = rec + SS_DTLS_RECORD_HDR;
    if (hs[SS_HS_TYPE] != type || ss_get24(hs + SS_DTLS_HS_FRAG_OFF) != 0) {
        return NULL;
    }
    size_t n = ss_get24(hs + SS_DTLS_HS_FRAG_LEN);
    if (n > len - SS_DTLS_RECORD_HDR - SS_DTLS_HS_HDR) {
        return NULL;
    }
    *body_len = n;
    return hs + SS_DTLS_HS_HDR;
}

/** The cipher suite a ServerHello record names, or 0. */
static uint16_t ss_server_hello_suite(const uint8_t *rec, size_t len)
{
    size_t n;
    const uint8_t *b = ss_hs_msg(rec, len, SS_HT_SERVER_HELLO, &n);
    if (b == NULL || n < 2u + 32u + 1u) {
        return 0;
    }
    size_t off = 2u + 32u + 1u + b[2u + 32u]; /* version, random, session id */
    return off + 2u <= n ? (uint16_t)ss_get16(b + off) : 0;
}

/** A ClientHello record: its body, or NULL. */
static const uint8_t *ss_client_hello(const uint8_t *rec, size_t len, size_t *n)
{
    const uint8_t *b = ss_hs_msg(rec, len, SS_HT_CLIENT_HELLO, n);
    return b != NULL && *n >= 2u + 32u + 2u ? b : NULL;
}

/** Does the ClientHello body @p b (@p n bytes) offer one of the socket's suites? 1 yes, 0 no,
 *  -1 it does not parse that far. */
static int ss_hello_offers(const ss_td_ctx_t *c, const uint8_t *b, size_t n)
{
    size_t off = 2u + 32u;
    if (off >= n || (off += 1u + b[off]) >= n || (off += 1u + b[off]) + 2u > n) {
        return -1; /* session id, cookie */
    }
    size_t len = ss_get16(b + off);
    off += 2u;
    if (len > n - off) {
        return -1;
    }
    for (size_t i = 0; i + 1u < len; i += 2u) {
        uint16_t id = (uint16_t)ss_get16(b + off + i);
        for (size_t k = 0; k < c->suite_count; k++) {
            if ((uint16_t)c->suites[k] == id) {
                return 1;
            }
        }
    }
    return 0;
}

/* ---- tinyDTLS's callbacks ------------------------------------------------------------------------ */

/** A plaintext warning close_notify (tinyDTLS sends one when it drops a peer whose hello it
 *  refused, right before its fatal alert). */
static bool ss_is_plain_close_notify(const uint8_t *buf, size_t len)
{
    return len == SS_DTLS_RECORD_HDR + SS_ALERT_LEN && buf[SS_REC_TYPE] == SS_CT_ALERT &&
           ss_dtls_rec_epoch0(buf) && buf[SS_DTLS_RECORD_HDR + 1] == SS_ALERT_CLOSE_NOTIFY;
}

/** Keep datagram @p buf as part of the server's last flight. */
static void ss_capture(ss_td_session_t *s, const uint8_t *buf, size_t len)
{
    if (s->final_n == UINT8_MAX) {
        return; /* it did not fit: not resent */
    }
    size_t used = 0;
    for (size_t i = 0; i < s->final_n; i++) {
        used += s->final_len[i];
    }
    if (s->final_n == SS_TD_FINAL_DGRAMS || len > SS_TD_FINAL_MAX - used) {
        s->final_n = UINT8_MAX;
        return;
    }
    memcpy(s->final + used, buf, len);
    s->final_len[s->final_n++] = (uint8_t)len;
}

/** The largest datagram to send: the core's MTU. */
static size_t ss_dgram_max(const ss_td_session_t *s)
{
    return s->ctx->k.mtu != 0 ? s->ctx->k.mtu : CONFIG_SOCK_SECURE_MAX_DATAGRAM;
}

/** One datagram out, through the core. */
static int ss_out(ss_td_session_t *s, const uint8_t *buf, size_t len)
{
    if (SS_TD_SRV(s) && s->capturing) {
        ss_capture(s, buf, len);
    }
    int n = s->t.io->send(s->t.io_ctx, buf, len);
    if (n == -EAGAIN && buf[SS_REC_TYPE] != SS_CT_APPLICATION_DATA) {
        return (int)len; /* as if lost on the way: a flight is retransmitted, an alert is not */
    }
    if (n < 0) {
        s->t.io_err = n;
    }
    return n;
}

/**
 * Send what the call's handshake output gathered: the records tinyDTLS wrote one by one wait
 * behind the datagram being processed in rx (never more than fits there) and go out together.
 * Called before rx is refilled and at the end of every call.
 */
static void ss_flush(ss_td_session_t *s)
{
    if (s->out_len > 0) {
        size_t n = s->out_len;
        s->out_len = 0;
        (void)ss_out(s, s->rx + s->rx_len, n);
    }
}

static int ss_write_cb(dtls_context_t *dc, session_t *ses, uint8 *buf, size_t len)
{
    (void)ses;
    ss_td_session_t *s = dtls_get_app_data(dc);
    if (!s->established && ss_is_plain_close_notify(buf, len)) {
        return (int)len; /* no close_notify before a handshake completed (see the top) */
    }
    if (SS_TD_SRV(s) && len > SS_DTLS_RECORD_HDR && buf[SS_REC_TYPE] == SS_CT_HANDSHAKE &&
        ss_dtls_rec_epoch0(buf) && buf[SS_DTLS_RECORD_HDR] == SS_HT_HELLO_VERIFY_REQUEST) {
        s->call.hvr = true; /* stateless: nothing queued */
    } else if (len >= SS_DTLS_RECORD_HDR &&
               (buf[SS_REC_TYPE] == SS_CT_HANDSHAKE ||
                buf[SS_REC_TYPE] == SS_CT_CHANGE_CIPHER_SPEC) &&
               !s->retransmitting) {
        if (s->call.new_flight < UINT8_MAX) {
            s->call.new_flight++;
        }
        uint16_t sh = SS_TD_SRV(s) ? ss_server_hello_suite(buf, len) : 0;
        if (sh != 0) {
            s->suite = sh; /* server: the suite it picked */
        }
    }
    if (!SS_TD_SRV(s) && s->retransmitting && len > SS_DTLS_RECORD_HDR &&
        buf[SS_REC_TYPE] == SS_CT_HANDSHAKE &&
        ss_dtls_rec_epoch0(buf) && buf[SS_DTLS_RECORD_HDR] == SS_HT_CLIENT_HELLO) {
        /* tinyDTLS's first ClientHello says DTLS 1.0 in its record header (RFC 6347 §4.2.1
         * allows either), its retransmission 1.2: the resent hello keeps the first one's */
        buf[SS_REC_VERSION + 1] = SS_DTLS_1_0_MINOR;
    }
    tlsman_scan_tx_alerts(&s->t.tx, buf, len, true, false);
    if (len > INT_MAX) {
        return -1;
    }
    if (buf[SS_REC_TYPE] != SS_CT_APPLICATION_DATA) {
        /* handshake messages (and alerts) wait to go out together with the rest of the call's
         * output, in as few datagrams as the MTU allows */
        size_t limit = ss_dgram_max(s);
        if (s->out_len > 0 && s->out_len + len > limit) {
            ss_flush(s);
        }
        if (len <= limit && s->out_len + len <= sizeof(s->rx) - s->rx_len) {
            memcpy(s->rx + s->rx_len + s->out_len, buf, len);
            s->out_len = (uint16_t)(s->out_len + len);
            return (int)len;
        }
    }
    ss_flush(s);
    return ss_out(s, buf, len);
}

static int ss_read_cb(dtls_context_t *dc, session_t *ses, uint8 *data, size_t len)
{
    (void)ses;
    ss_td_session_t *s = dtls_get_app_data(dc);
    if (len == 0 || data < s->rx || data + len > s->rx + s->rx_len) {
        return 0; /* an empty record: nothing to deliver */
    }
    s->app_off = (uint16_t)(data - s->rx);
    s->app_len = (uint16_t)len;
    s->app_ready = true;
    s->got_app = true;
    return 0;
}

static int ss_event_cb(dtls_context_t *dc, session_t *ses, dtls_alert_level_t level,
                       unsigned short code)
{
    (void)ses;
    ss_td_session_t *s = dtls_get_app_data(dc);
    if (level > 0) {
        s->call.alert_rx = true;
        s->call.alert_level = (uint8_t)level;
        tlsman_alert_set(&s->t, (uint8_t)code, TLSMAN_ALERT_RECEIVED);
    } else if (code == DTLS_EVENT_CONNECTED) {
        s->call.connected = true;
    }
    return 0;
}

static void ss_user_parameters(dtls_context_t *dc, session_t *ses, dtls_user_parameters_t *p)
{
    (void)ses;
    const ss_td_session_t *s = dtls_get_app_data(dc);
    memcpy(p->cipher_suites, s->ctx->suites, sizeof(s->ctx->suites));
    /* asked for (a tinyDTLS client always offers both), not required: as mbedTLS and wolfSSL */
    p->force_extended_master_secret = 0;
    p->force_renegotiation_info = 0;
}

#if SS_TD_PSK
/* Client: tinyDTLS asks for the identity with the server's hint (from its ServerKeyExchange,
 * empty without one): the application may choose the session's PSK from it. Returns 0, or a
 * fatal alert for tinyDTLS (the core keeps the application's error). */
static int ss_psk_for_hint(ss_td_session_t *s, const uint8_t *hint, size_t hint_len)
{
    sock_secure_psk_t chosen;
    int rc = s->t.io->psk_for_hint(s->t.io_ctx, hint, hint_len, &chosen);
    if (rc < 0 || (rc == 0 && (chosen.identity_len > DTLS_PSK_MAX_CLIENT_IDENTITY_LEN ||
                               chosen.key_len > DTLS_PSK_MAX_KEY_LEN))) {
        return dtls_alert_fatal_create(DTLS_ALERT_INTERNAL_ERROR);
    }
    if (rc == 0) {
        s->psk = chosen;
        s->own_psk = true;
    }
    return 0;
}

static int ss_psk_cb(dtls_context_t *dc, const session_t *ses, dtls_credentials_type_t type,
                     const unsigned char *desc, size_t desc_len, unsigned char *result,
                     size_t result_len)
{
    (void)ses;
    ss_td_session_t *s = dtls_get_app_data(dc);
    const ss_td_ctx_t *c = s->ctx;
    if (type == DTLS_PSK_IDENTITY && !SS_TD_SRV(s) && c->psk.for_hint) {
        int rc = ss_psk_for_hint(s, desc, desc_len);
        if (rc < 0) {
            return rc;
        }
    }
    const uint8_t *id = s->own_psk ? s->psk.identity : c->psk.id;
    const uint8_t *key = s->own_psk ? s->psk.key : c->psk.key;
    size_t id_len = s->own_psk ? s->psk.identity_len : c->psk.id_len;
    size_t key_len = s->own_psk ? s->psk.key_len : c->psk.key_len;
    switch (type) {
    case DTLS_PSK_HINT:
        if (!SS_TD_SRV(s) || c->srv.hint_len > result_len) {
            return 0; /* no hint */
        }
        memcpy(result, c->srv.hint, c->srv.hint_len);
        return (int)c->srv.hint_len;
    case DTLS_PSK_IDENTITY:
        if (SS_TD_SRV(s) || id_len == 0 || id_len > result_len) {
            return dtls_alert_fatal_create(DTLS_ALERT_INTERNAL_ERROR);
        }
        memcpy(result, id, id_len);
        return (int)id_len;
    case DTLS_PSK_KEY:
        if (!SS_TD_SRV(s)) {
            if (desc_len != id_len || memcmp(desc, id, desc_len) != 0 || key_len > result_len) {
                return dtls_alert_fatal_create(DTLS_ALERT_INTERNAL_ERROR);
            }
            memcpy(result, key, key_len);
            return (int)key_len;
        } else {
            size_t n = tlsman_psk_lookup(&s->t, desc, desc_len, result, result_len);
            return n > 0 ? (int)n
                         : dtls_alert_fatal_create((dtls_alert_t)SS_ALERT_UNKNOWN_PSK_IDENTITY);
        }
    default:
        return dtls_alert_fatal_create(DTLS_ALERT_INTERNAL_ERROR);
    }
}
#endif

/* ---- sockets ------------------------------------------------------------------------------------ */

static void ss_ctx_free(void *p)
{
    tlsman_zero(p, sizeof(ss_td_ctx_t)); /* the PSK, the own key, the cookie secret */
}

static int ss_ctx_init(void *p, const tlsman_config_t *cfg)
{
    ss_td_ctx_t *c = p;
    memset(c, 0, sizeof(*c));
    tlsman_plan_t plan;
    int rc = tlsman_ctx_plan(cfg, &c->k, &plan);
    if (rc < 0) {
        return rc;
    }
    if (!cfg->datagram || (c->k.server && !CONFIG_SOCK_SECURE_SERVER)) {
        return -ENOTSUP; /* DTLS only (the core refuses streams already: no TLSMAN_CAP_TLS), and
                            no server in a client-only build */
    }
    ss_init_once();

    /* exactly the checked list (tinyDTLS takes at most DTLS_MAX_CIPHER_SUITES) */
    if (cfg->suite_count > DTLS_MAX_CIPHER_SUITES) {
        ss_ctx_free(c);
        return -ENOTSUP;
    }
    for (size_t i = 0; i < cfg->suite_count; i++) {
        c->suites[i] = ss_cipher_of(cfg->suites[i], true);
        if (c->suites[i] == TLS_NULL_WITH_NULL_NULL) {
            ss_ctx_free(c);
            return -ENOTSUP;
        }
    }
    c->suites[cfg->suite_count] = TLS_NULL_WITH_NULL_NULL;
    c->suite_count = (uint8_t)cfg->suite_count;

    c->h.write = ss_write_cb;
    c->h.read = ss_read_cb;
    c->h.event = ss_event_cb;
    c->h.get_user_parameters = ss_user_parameters;
#if SS_TD_PSK
    if (SS_TD_SERVER(c)) {
        c->h.get_psk_info = ss_psk_cb; /* identities are looked up per handshake */
        if (cfg->psk_hint != NULL) {
            if (cfg->psk_hint_len > sizeof(c->srv.hint)) {
                ss_ctx_free(c);
                return -ENOTSUP; /* longer than this tinyDTLS build takes */
            }
            memcpy(c->srv.hint, cfg->psk_hint, cfg->psk_hint_len);
            c->srv.hint_len = (uint16_t)cfg->psk_hint_len;
        }
    }
    if (SS_TD_CLIENT(c) && cfg->psk != NULL) {
        if (cfg->psk->identity_len > sizeof(c->psk.id) || cfg->psk->key_len > sizeof(c->psk.key)) {
            ss_ctx_free(c);
            return -ENOTSUP; /* tinyDTLS: keys up to 16 bytes (DTLS_PSK_MAX_KEY_LEN) */
        }
        memcpy(c->psk.id, cfg->psk->identity, cfg->psk->identity_len);
        memcpy(c->psk.key, cfg->psk->key, cfg->psk->key_len);
        c->psk.id_len = (uint16_t)cfg->psk->identity_len;
        c->psk.key_len = (uint8_t)cfg->psk->key_len;
    }
    c->psk.for_hint = cfg->psk_for_hint;
    if (SS_TD_CLIENT(c) && (cfg->psk != NULL || cfg->psk_per_session || cfg->psk_for_hint)) {
        c->h.get_psk_info = ss_psk_cb;
    }
#else
    if (cfg->psk != NULL || cfg->psk_hint != NULL) {
        return -ENOTSUP;
    }
#endif
#if SS_TD_ECC
    if ((rc = tlsman_tinydtls_conf_keys(c, cfg, &plan)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    if (plan.cert_suites || c->has_key) {
        /* a server uses its key; a client is asked for its key when the server wants one (and,
         * without one, fails the handshake: tinyDTLS cannot send an empty Certificate) */
        if (c->has_key || !SS_TD_SERVER(c)) {
            c->h.get_ecdsa_key = tlsman_tinydtls_own_key;
        }
        /* A client needs the callback to offer ECDHE-ECDSA at all (it accepts any key with
         * verification off). A server with it asks every client for its key, so it has it only
         * when it verifies clients. With optional verification a client's key that is sent is
         * checked and reported, but tinyDTLS cannot ask for a key without requiring one: a
         * client that sends none fails the handshake (docs/BACKENDS.md, "tinyDTLS"). */
        if (!SS_TD_SERVER(c) || c->k.verify != TLSMAN_VERIFY_NONE) {
            c->h.verify_ecdsa_key = tlsman_tinydtls_verify_key;
        }
#if CONFIG_SOCK_SECURE_SERVER
        /* a client-server: its client sessions need the callback, its server sessions must not
         * have it when they do not verify (the core gives it pinned keys or NONE) */
        if (c->k.both && c->k.verify == TLSMAN_VERIFY_NONE) {
            c->h.verify_ecdsa_key = tlsman_tinydtls_verify_key;
            c->h_srv = c->h;
            c->h_srv.verify_ecdsa_key = NULL;
            c->srv_own_h = true;
        }
#endif
    }
#else
    if (cfg->cred_count > 0) {
        return -ENOTSUP;
    }
#endif
    if (SS_TD_SERVER(c) && dtls_prng(c->cookie_secret, sizeof(c->cookie_secret)) <
                           (int)sizeof(c->cookie_secret)) {
        ss_ctx_free(c);
        return SOCK_SECURE_E_BACKEND;
    }
    return 0;
}

/* ---- sessions ------------------------------------------------------------------------------------ */

/** Drop the session's peer without a word (the core sends close_notify itself when it should),
 *  wiping its keys first. */
static void ss_drop_peer(ss_td_session_t *s)
{
    dtls_peer_t *peer = ss_peer(s);
    if (peer == NULL) {
        return;
    }
    for (size_t i = 0; i < 2; i++) {
        if (peer->security_params[i] != NULL) {
            tlsman_zero(peer->security_params[i]->key_block,
                        sizeof(peer->security_params[i]->key_block));
        }
    }
    if (peer->handshake_params != NULL) {
        tlsman_zero(&peer->handshake_params->tmp, sizeof(peer->handshake_params->tmp));
        tlsman_zero(&peer->handshake_params->keyx, sizeof(peer->handshake_params->keyx));
    }
    peer->state = DTLS_STATE_CLOSED; /* dtls_reset_peer() then sends nothing */
    dtls_reset_peer(&s->dc, peer);
}

static void ss_session_free(void *p)
{
    ss_td_session_t *s = p;
    if (s->ready) {
        ss_drop_peer(s);
        netq_delete_all(&s->dc.sendqueue); /* alerts tinyDTLS queued to time out a close */
    }
    tlsman_zero(s, sizeof(*s)); /* the record buffer, the cookie secret copy, the last flight */
}

static int ss_session_init(void *ctx, void *p, void *io_ctx, const uint8_t *peer_id,
                           size_t peer_id_len)
{
    ss_td_ctx_t *c = ctx;
    ss_td_session_t *s = p;
    memset(s, 0, sizeof(*s));
    s->ctx = c;
    tlsman_sess_init(&s->t, c->k.io, io_ctx);
    /* a client-server's sessions: a server session has the peer id its cookies are bound to,
     * a client session (the core's connect()) none */
    s->server = SS_TD_SERVER(c) && !(c->k.both && peer_id == NULL);
    if (SS_TD_SRV(s) && (peer_id == NULL || peer_id_len == 0)) {
        return -EINVAL; /* the cookie binds the peer's address */
    }
    static const uint8_t none[1] = { 0 };
    ss_session_key(&s->ses, peer_id != NULL ? peer_id : none, peer_id != NULL ? peer_id_len : 0);
    s->dc.app = s;
    s->dc.h = &c->h;
#if SS_TD_ECC && CONFIG_SOCK_SECURE_SERVER
    if (SS_TD_SRV(s) && c->srv_own_h) {
        s->dc.h = &c->h_srv;
    }
#endif
    memcpy(s->dc.cookie_secret, c->cookie_secret, sizeof(s->dc.cookie_secret));
    s->ready = true;
    return 0;
}

/* ---- the record pump ------------------------------------------------------------------------------ */

/** Begin a driver call. */
static void ss_call_begin(ss_td_session_t *s)
{
    tlsman_call_begin(&s->t);
    memset(&s->call, 0, sizeof(s->call));
    s->call.hello_common = -1;
    s->call.had_resend = ss_has_resend(s);
}

/** End a driver call: the core's timer follows tinyDTLS's queue. A new flight replaced the old
 *  one, or the old one was dropped: the peer's flight arrived (stop, which resets the back-off);
 *  a new flight waits: arm. */
static void ss_call_end(ss_td_session_t *s)
{
    ss_flush(s);
    if (s->call.new_flight > 0) {
        s->repeat_answered = false;
    }
    bool queued = ss_has_resend(s);
    if (s->call.had_resend && (s->call.new_flight > 0 || !queued)) {
        s->t.io->timer(s->t.io_ctx, false);
    }
    if (queued && (s->call.new_flight > 0 || !s->call.had_resend)) {
        s->t.io->timer(s->t.io_ctx, true);
    }
}

/** Resend the session's queued flight now: tinyDTLS resends what is due at its clock, so every
 *  queued message is made due (and its count restarted: the core counts and gives up). */
static void ss_retransmit(ss_td_session_t *s)
{
    if (!ss_has_resend(s)) {
        return;
    }
    dtls_tick_t now;
    dtls_ticks(&now);
    netq_t *q = s->dc.sendqueue, *other = NULL;
    s->dc.sendqueue = NULL;
    while (q != NULL) {
        netq_t *n = q;
        q = q->next;
        n->next = NULL;
        if (n->job == RESEND) {
            n->t = now;
            n->retransmit_cnt = 0;
            (void)netq_insert_node(&s->dc.sendqueue, n);
        } else {
            n->next = other; /* kept aside: a close's alert is no flight */
            other = n;
        }
    }
    s->retransmitting = true;
    dtls_check_retransmit(&s->dc, NULL);
    s->retransmitting = false;
    while (other != NULL) {
        netq_t *n = other;
        other = other->next;
        n->next = NULL;
        (void)netq_insert_node(&s->dc.sendqueue, n);
    }
    s->t.io->timer(s->t.io_ctx, true); /* re-armed: the core doubles its timeout */
}

/** Resend the server's last flight as it first went out. */
static void ss_resend_final(ss_td_session_t *s)
{
    ss_flush(s);
    size_t off = 0;
    for (size_t i = 0; i < s->final_n && i < SS_TD_FINAL_DGRAMS; i++) {
        (void)ss_out(s, s->final + off, s->final_len[i]);
        off += s->final_len[i];
    }
}

/**
 * Send a fatal bad_record_mac in the clear and drop the peer: a server in WAIT_FINISHED whose
 * client's Finished fails authentication (the PSKs differ). tinyDTLS would drop the record and
 * wait; the server has not switched its write keys yet, so the alert goes in epoch 0.
 */
static void ss_fail_bad_finished(ss_td_session_t *s, dtls_peer_t *peer)
{
    dtls_security_parameters_t *sec = dtls_security_params(peer);
    if (sec != NULL && sec->epoch == 0) {
        uint8_t rec[SS_DTLS_RECORD_HDR + SS_ALERT_LEN];
        rec[SS_REC_TYPE] = SS_CT_ALERT;
        rec[1] = SS_DTLS_MAJOR;
        rec[2] = SS_DTLS_1_2_MINOR;
        ss_put16(rec + SS_DTLS_REC_EPOCH, 0);
        ss_put48(rec + SS_DTLS_REC_SEQ, sec->rseq++);
        ss_put16(rec + SS_DTLS_REC_LEN, SS_ALERT_LEN);
        rec[SS_DTLS_RECORD_HDR] = SS_ALERT_LEVEL_FATAL;
        rec[SS_DTLS_RECORD_HDR + 1] = SS_ALERT_BAD_RECORD_MAC;
        (void)ss_write_cb(&s->dc, &s->ses, rec, sizeof(rec));
    }
    ss_drop_peer(s);
}

/**
 * Send an alert in the peer's current write epoch, sealed as tinyDTLS seals its records
 * (dtls_prepare_record(): AES-CCM, the nonce its write IV and the record's epoch and sequence
 * number, which are also the explicit nonce). tinyDTLS has no call for an alert other than
 * close_notify once established. Nothing goes out if the epoch has no keys.
 */
static void ss_send_alert_sealed(ss_td_session_t *s, dtls_peer_t *peer, uint8_t level,
                                 uint8_t desc)
{
    dtls_security_parameters_t *sec = dtls_security_params(peer);
    if (sec == NULL || sec->epoch == 0 || sec->rseq >= ((uint64_t)1 << 48)) {
        return;
    }
    const uint8_t tag = s->suite == TLS_PSK_WITH_AES_128_CCM ? 16u : 8u;
    uint8_t rec[SS_DTLS_RECORD_HDR + 8u + SS_ALERT_LEN + 16u];
    const size_t body = 8u + SS_ALERT_LEN + tag;
    rec[SS_REC_TYPE] = SS_CT_ALERT;
    rec[1] = SS_DTLS_MAJOR;
    rec[2] = SS_DTLS_1_2_MINOR;
    ss_put16(rec + SS_DTLS_REC_EPOCH, sec->epoch);
    ss_put48(rec + SS_DTLS_REC_SEQ, sec->rseq++);
    ss_put16(rec + SS_DTLS_REC_LEN, body);
    memcpy(rec + SS_DTLS_RECORD_HDR, rec + SS_DTLS_REC_EPOCH, 8u); /* explicit nonce */
    uint8_t nonce[DTLS_CCM_BLOCKSIZE] = { 0 };
    memcpy(nonce, dtls_kb_local_iv(sec, peer->role), dtls_kb_iv_size(sec, peer->role));
    memcpy(nonce + dtls_kb_iv_size(sec, peer->role), rec + SS_DTLS_REC_EPOCH, 8u);
    uint8_t aad[13]; /* epoch and sequence number, type, version, plaintext length */
    memcpy(aad, rec + SS_DTLS_REC_EPOCH, 8u);
    memcpy(aad + 8, rec, 3u);
    ss_put16(aad + 11, SS_ALERT_LEN);
    const uint8_t alert[SS_ALERT_LEN] = { level, desc };
    const dtls_ccm_params_t params = { nonce, tag, 3 };
    int n = dtls_encrypt_params(&params, alert, sizeof(alert), rec + SS_DTLS_RECORD_HDR + 8u,
                                dtls_kb_local_write_key(sec, peer->role),
                                dtls_kb_key_size(sec, peer->role), aad, sizeof(aad));
    tlsman_zero(nonce, sizeof(nonce));
    if (n == (int)(SS_ALERT_LEN + tag)) {
        (void)ss_write_cb(&s->dc, &s->ses, rec, SS_DTLS_RECORD_HDR + body);
        tlsman_alert_set(&s->t, desc, TLSMAN_ALERT_SENT);
    }
}

/**
 * Give tinyDTLS one record (@p rec, @p len bytes, whole) and look at what it did with it, where
 * tinyDTLS needs help (see the top of the file). Returns what dtls_handle_message() returned.
 */
static int ss_record(ss_td_session_t *s, uint8_t *rec, size_t len)
{
    dtls_peer_t *peer = ss_peer(s);
    const uint8_t type = rec[SS_REC_TYPE];
    const unsigned epoch = ss_dtls_rec_epoch(rec);
    const uint64_t seq = ss_dtls_rec_seq(rec);
    size_t n;
    const uint8_t *ch = SS_TD_SRV(s) ? ss_client_hello(rec, len, &n) : NULL;

    if (peer != NULL && peer->handshake_params != NULL && peer->state != DTLS_STATE_CONNECTED &&
        type == SS_CT_HANDSHAKE && epoch == 0 && len >= SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR) {
        /* The peer repeats its last flight: ours was lost, resend it now (RFC 6347 §4.2.4; the
         * last message of that flight is the one right below what tinyDTLS expects next). A
         * repeated ClientHello (the same random) is one too: tinyDTLS would start over. */
        unsigned mseq = ss_dtls_hs_seq(rec + SS_DTLS_RECORD_HDR);
        unsigned expect = peer->handshake_params->hs_state.mseq_r;
        bool again = ch != NULL ? SS_TD_SRV(s) &&
                                      memcmp(ch + 2, s->hello_random, sizeof(s->hello_random)) == 0
                                : expect > 0 && mseq == expect - 1u;
        if (mseq > expect + SS_TD_HS_AHEAD) {
            /* tinyDTLS would queue it for reordering, a heap block per message sequence
             * number and no limit: a peer past the cookie exchange could make it hold 65535
             * messages. A flight's worth ahead of what is expected is all a peer sends. */
            return 0;
        }
        if (again) {
            /* once per flight and timer period: a peer that keeps repeating (a server sending
             * HelloVerifyRequest after HelloVerifyRequest) would otherwise get a datagram for
             * each and, every answer restarting the timer, never time out */
            if (!s->repeat_answered) {
                s->repeat_answered = true;
                ss_retransmit(s);
            }
            return 0;
        }
    }
    if (SS_TD_SRV(s) && ch != NULL) {
        s->call.hello_common = (int8_t)ss_hello_offers(s->ctx, ch, n);
    }
    if (!SS_TD_SRV(s) && ss_server_hello_suite(rec, len) != 0) {
        s->suite = ss_server_hello_suite(rec, len);
    }
    if (peer != NULL && epoch == 0) {
        /* Epoch 0 has no MAC: a sequence number damaged on the way (or forged) would move
         * tinyDTLS's replay window so far ahead that the peer's next plaintext records (its
         * ChangeCipherSpec) all look too old, and the handshake could never finish. Handshake
         * messages are deduplicated by message_seq anyway: the window restarts with each one. */
        dtls_security_parameters_t *plain = dtls_security_params_read_epoch(peer, 0);
        if (plain != NULL) {
            plain->cseq.bitfield = 0;
        }
    }
    const dtls_security_parameters_t *sec =
        peer != NULL && epoch > 0 ? dtls_security_params_read_epoch(peer, (uint16_t)epoch) : NULL;
    bool replay = ss_seen(sec, seq);
    bool wait_finished = peer != NULL && peer->state == DTLS_STATE_WAIT_FINISHED;

    if (len > INT_MAX) {
        return 0;
    }
    int rc = dtls_handle_message(&s->dc, &s->ses, rec, (int)len);

    dtls_peer_t *after = ss_peer(s);
    if (SS_TD_SRV(s) && ch != NULL && peer == NULL && after != NULL) {
        memcpy(s->hello_random, ch + 2, sizeof(s->hello_random)); /* a verified hello */
        s->had_peer = true;
    }
    if (sec == NULL || replay || after == NULL || after != peer) {
        return rc; /* nothing to check: not encrypted, a replay, or the peer went */
    }
    const dtls_security_parameters_t *now_sec =
        dtls_security_params_read_epoch(after, (uint16_t)epoch);
    bool authentic = ss_seen(now_sec, seq);
    if (type == SS_CT_APPLICATION_DATA && !authentic && after->state == DTLS_STATE_CONNECTED) {
        s->call.bad = true; /* dropped for failing authentication */
    } else if (type == SS_CT_HANDSHAKE && SS_TD_SRV(s) && authentic && s->established &&
               after->state == DTLS_STATE_CONNECTED && len > SS_DTLS_RECORD_HDR + 8u &&
               rec[SS_DTLS_RECORD_HDR + 8u] == SS_HT_CLIENT_HELLO) {
        /* The client asks to renegotiate (the record was decrypted in place, after its
         * explicit nonce): refused with a no_renegotiation warning, as the other drivers do.
         * tinyDTLS would ignore the hello, and the client wait for a ServerHello until it
         * gave up (OpenSSL ignores even a close_notify then). */
        ss_send_alert_sealed(s, after, SS_ALERT_LEVEL_WARNING, SS_ALERT_NO_RENEGOTIATION);
        return rc;
    } else if (type == SS_CT_HANDSHAKE && SS_TD_SRV(s)) {
        if (wait_finished && !authentic && after->state == DTLS_STATE_WAIT_FINISHED) {
            ss_fail_bad_finished(s, after); /* a wrong PSK */
            return dtls_alert_fatal_create(DTLS_ALERT_BAD_RECORD_MAC);
        }
        if (s->established && authentic && !s->got_app && s->final_n > 0) {
            ss_resend_final(s); /* the client repeats its Finished: ours was lost */
        }
    }
    return rc;
}

/**
 * Process input: the records left in the session's buffer, then datagrams from io->recv, until
 * an application record is ready (1), the input runs out (0), the handshake completes (2, with
 * @p stop_at_connect: what follows stays for read()), or the session ended (< 0).
 */
static int ss_pump(ss_td_session_t *s, bool stop_at_connect)
{
    for (;;) {
        if (s->app_ready) {
            return 1;
        }
        if (s->rx_off >= s->rx_len) {
            ss_flush(s); /* rx is about to be refilled */
            s->rx_off = s->rx_len = 0;
            int n = s->t.io->recv(s->t.io_ctx, s->rx, sizeof(s->rx));
            if (n == -EAGAIN) {
                return 0;
            }
            if (n == -EMSGSIZE) {
                s->t.rx_dropped = true; /* larger than the buffer: dropped */
                s->call.bad = true;
                continue;
            }
            if (n < 0) {
                s->t.io_err = n;
                return n;
            }
            s->rx_len = (uint16_t)n;
        }
        ss_rec_walk_t w = ss_rec_walk(s->rx + s->rx_off, s->rx_len - s->rx_off, true);
        ss_rec_t r;
        if (!ss_rec_next(&w, &r)) {
            s->rx_off = s->rx_len; /* no whole record left: what remains is dropped */
            continue;
        }
        uint8_t *rec = s->rx + s->rx_off;
        size_t len = SS_DTLS_RECORD_HDR + r.len;
        s->rx_off = (uint16_t)(s->rx_off + len);
        dtls_peer_t *before = ss_peer(s);
        bool was_connected = before != NULL && before->state == DTLS_STATE_CONNECTED;
        int rc = ss_record(s, rec, len);
        dtls_peer_t *peer = ss_peer(s);
        bool had = SS_TD_SRV(s) ? s->had_peer : s->started;
        if ((had && peer == NULL) ||
            (dtls_is_alert(rc) && (((-rc) >> 8) & 0xff) == DTLS_ALERT_LEVEL_FATAL) ||
            (rc < 0 && peer != NULL && peer->state >= DTLS_STATE_CLOSING)) {
            /* the peer is gone, or tinyDTLS gave up on it (it keeps a peer it failed with an
             * error that is no alert, closing) */
            return tlsman_tinydtls_error(s, rc, !s->established);
        }
        if (stop_at_connect && !was_connected && peer != NULL &&
            peer->state == DTLS_STATE_CONNECTED) {
            return 2;
        }
    }
}

/* ---- handshake --------------------------------------------------------------------------------- */

/** The session ended with @p err: remember it (every later call reports it). */
static int ss_end(ss_td_session_t *s, int err)
{
    ss_flush(s); /* the alert that says why, if any */
    s->end = err;
    s->app_ready = false;
    s->rx_off = s->rx_len = 0;
    ss_drop_peer(s);
    return err;
}

static int ss_handshake(void *p)
{
    ss_td_session_t *s = p;
    if (!s->ready) {
        return -EINVAL;
    }
    if (s->established) {
        return 0;
    }
    if (s->end != 0) {
        return s->end;
    }
    ss_call_begin(s);
    int rc;
    if (!SS_TD_SRV(s) && !s->started) {
        s->started = true;
        rc = dtls_connect(&s->dc, &s->ses);
        ss_call_end(s);
        if (rc < 0) {
            return ss_end(s, s->t.io_err < 0 ? s->t.io_err : SOCK_SECURE_E_BACKEND);
        }
        return -EAGAIN;
    }
    if (s->retx_due) {
        s->retx_due = false;
        s->repeat_answered = false;
        ss_retransmit(s);
    }
    if (SS_TD_SRV(s)) {
        s->capturing = true; /* what goes out in this call may be the last flight */
        s->final_n = 0;
    }
    rc = ss_pump(s, true);
    ss_flush(s); /* (while capturing) */
    s->capturing = false;
    dtls_peer_t *peer = ss_peer(s);
    if (rc >= 0 && peer != NULL && peer->state == DTLS_STATE_CONNECTED) {
        s->established = true;
        if (s->final_n > SS_TD_FINAL_DGRAMS) {
            s->final_n = 0; /* did not fit: the client's retransmission gets no answer */
        }
        ss_call_end(s);
        return 0;
    }
    s->final_n = 0;
    ss_call_end(s);
    if (rc < 0) {
        return ss_end(s, rc);
    }
    if (peer == NULL && SS_TD_SRV(s) && !s->had_peer) {
        if (s->call.hvr) {
            return SOCK_SECURE_E_HELLO_VERIFY; /* stateless: the core frees this session */
        }
        if (s->t.tx.fatal) {
            return ss_end(s, tlsman_tinydtls_error(s, 0, true)); /* the hello was refused */
        }
    }
    if (s->t.io_err < 0 && s->t.io_err != -EAGAIN) {
        return ss_end(s, s->t.io_err);
    }
    return -EAGAIN;
}

static void ss_timer_expired(void *p)
{
    ss_td_session_t *s = p;
    if (s->ready && !s->established && s->end == 0) {
        s->retx_due = true;
    }
}

/* ---- records ------------------------------------------------------------------------------------ */

static int ss_read(void *p, uint8_t *buf, size_t len)
{
    ss_td_session_t *s = p;
    if (!s->ready || !s->established) {
        return -ENOTCONN;
    }
    if (s->end != 0) {
        return s->end;
    }
    if (!s->app_ready) {
        ss_call_begin(s);
        int rc = ss_pump(s, false);
        ss_call_end(s);
        if (rc < 0) {
            return ss_end(s, rc);
        }
        if (!s->app_ready) {
            return s->call.bad ? SOCK_SECURE_E_BAD_RECORD : -EAGAIN;
        }
    }
    if (len == 0) {
        return s->app_len;
    }
    if (buf == NULL) {
        return -EINVAL;
    }
    if (s->app_len > len) {
        return -EMSGSIZE; /* kept: call again with a larger buffer */
    }
    memcpy(buf, s->rx + s->app_off, s->app_len);
    tlsman_zero(s->rx + s->app_off, s->app_len);
    s->app_ready = false;
    return s->app_len;
}

/** More records of the current datagram, not yet given to tinyDTLS (a decrypted record waiting
 *  for read() does not count: read(len 0) reports it). */
static bool ss_pending(void *p)
{
    const ss_td_session_t *s = p;
    return s->ready && s->end == 0 && s->rx_off < s->rx_len;
}

static size_t ss_max_payload(void *p)
{
    const ss_td_session_t *s = p;
    if (!s->ready || !s->established) {
        return 0;
    }
    size_t dgram = s->ctx->k.mtu != 0 ? s->ctx->k.mtu : CONFIG_SOCK_SECURE_MAX_DATAGRAM;
    if (dgram > DTLS_MAX_BUF) {
        dgram = DTLS_MAX_BUF; /* tinyDTLS builds each record in a buffer of this size */
    }
    if (dgram > sizeof(s->rx)) {
        dgram = sizeof(s->rx); /* never more than a peer like us could take */
    }
    size_t over = ss_overhead(s->suite);
    return dgram > over ? dgram - over : 0;
}

static int ss_write(void *p, const uint8_t *buf, size_t len)
{
    ss_td_session_t *s = p;
    if (!s->ready || !s->established) {
        return -ENOTCONN;
    }
    if (s->end != 0) {
        return s->end;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    if (len > ss_max_payload(s)) {
        return -EMSGSIZE;
    }
    ss_call_begin(s);
    int rc = dtls_write(&s->dc, &s->ses, (uint8 *)(uintptr_t)buf, len);
    ss_flush(s);
    if (s->t.io_err < 0) {
        return s->t.io_err; /* -EAGAIN: nothing went out, the record is not counted */
    }
    if (rc == (int)len) {
        return rc;
    }
    return rc == 0 ? -ENOTCONN : SOCK_SECURE_E_BACKEND;
}

static int ss_close_notify(void *p)
{
    ss_td_session_t *s = p;
    if (!s->ready || !s->established || s->end != 0) {
        return -ENOTCONN;
    }
    ss_call_begin(s);
    int rc = dtls_close(&s->dc, &s->ses);
    ss_flush(s);
    if (rc < 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_SENT);
    return s->t.io_err < 0 ? s->t.io_err : 0;
}

static int ss_info(void *p, tlsman_info_t *info)
{
    const ss_td_session_t *s = p;
    if (!s->established) {
        return tlsman_info(&s->t, info, 0, NULL);
    }
    return tlsman_info(&s->t, info, s->suite, "DTLSv1.2");
}

#if SS_TD_PSK
/** Client session: offer @p psk instead of the socket's (its bytes stay the caller's). */
static int ss_set_psk(void *p, const sock_secure_psk_t *psk)
{
    ss_td_session_t *s = p;
    if (!s->ready || SS_TD_SRV(s) || s->started || psk == NULL || psk->identity == NULL ||
        psk->identity_len == 0 || psk->key == NULL || psk->key_len == 0) {
        return -EINVAL;
    }
    if (psk->identity_len > DTLS_PSK_MAX_CLIENT_IDENTITY_LEN ||
        psk->key_len > DTLS_PSK_MAX_KEY_LEN) {
        return -ENOTSUP; /* longer than this tinyDTLS build takes */
    }
    s->psk = *psk;
    s->own_psk = true;
    return 0;
}
#endif

/** Raw public keys carry no address: the pinned key is the server's identity, so an address to
 *  expect is accepted and not checked (nothing is sent either). */
static int ss_set_peer_ip(void *p, const uint8_t *ip, size_t len)
{
    const ss_td_session_t *s = p;
    if (!s->ready || SS_TD_SRV(s) || ip == NULL || (len != 4 && len != 16)) {
        return -EINVAL;
    }
    return 0;
}

const tlsman_driver_t tlsman_tinydtls = {
    .name = "tinydtls",
    .version = SS_TD_VERSION,
    .caps = TLSMAN_CAP_DTLS |
            (SS_TD_PSK ? TLSMAN_CAP_PSK | TLSMAN_CAP_PSK_HINT | TLSMAN_CAP_PSK_PER_SESSION |
                             TLSMAN_CAP_PSK_FOR_HINT : 0u) |
            (SS_TD_ECC ? TLSMAN_CAP_RPK : 0u) |
            (CONFIG_SOCK_SECURE_SERVER ? TLSMAN_CAP_CLIENT_SERVER : 0u),
    .ctx_size = sizeof(ss_td_ctx_t),
    .session_size = sizeof(ss_td_session_t),
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
    .renew = NULL, /* no renegotiation (see the top of this file) */
    .info = ss_info,
    .max_payload = ss_max_payload,
#if SS_TD_ECC
    .cred_check = tlsman_tinydtls_cred_check,
#else
    .cred_check = tlsman_cred_check_none, /* PSK only: no key to check */
#endif
    .set_peer_ip = ss_set_peer_ip,
#if SS_TD_PSK
    .set_psk = ss_set_psk,
#endif
    /* no cookie_write/check: tinyDTLS checks its cookies itself (the core's probe);
     * no set_server_name: no certificates, no SNI; no flush: no streams */
};
