/**
 * @file driver.c
 * @brief TLSMAN driver for GnuTLS 3.7 (DTLS 1.2 / TLS 1.2 with pre-shared keys, with X.509
 *        certificates and with raw public keys (RFC 7250): the ECDHE-ECDSA suites on P-256):
 *        the driver table and its operations, the memory BIO, timers, PSK, suites and cookies.
 *        Certificates and raw public keys are in x509.c, error and alert mapping in errors.c,
 *        their shared state in driver.h; what every driver does alike in ../common.c.
 *
 * Memory BIO: GnuTLS reads and writes ciphertext through the core's tlsman_io_t (pull, pull
 * timeout and vectored push callbacks on a non-blocking session); it never sees a socket.
 *
 * Timers: the core owns them. GnuTLS decides to resend a flight inside gnutls_handshake() (in
 * _dtls_transmit): when its pull-timeout callback says nothing has arrived and its own
 * retransmission window (gnutls_dtls_get_timeout()) has passed. The driver sets that window to
 * 0 and answers the pull-timeout callback "data is there" (the pull itself then says EAGAIN), so
 * GnuTLS never resends on its own clock; only after the core's timer fired (timer_expired) does
 * the next handshake step answer "timed out" once, and GnuTLS resends the flight. Its total
 * handshake timeout is set beyond any reach (the core enforces the limits). The driver arms the
 * core's timer when a new flight leaves (a handshake record in the clear with a message_seq above
 * every one sent before), re-arms it after each resend, and stops it when the peer's next flight
 * arrives (GnuTLS processed a new handshake message) or the handshake completes. GnuTLS resends
 * its flight itself when the peer repeats its previous one (RFC 6347 §4.2.4), and a server's
 * last flight when the client repeats its own after the handshake.
 *
 * Cookies: the core answers cookie-less ClientHellos itself (cookie_write/cookie_check: 4 bytes
 * of time, then HMAC-SHA256 of that time and the peer's address under a per-socket random key,
 * valid for 60 s; GnuTLS's own gnutls_dtls_cookie_send() cookie has no time in it). A server
 * session checks the cookie of the first ClientHello it is given the same way, answers a missing
 * or stale one with a HelloVerifyRequest itself (handshake() returns SOCK_SECURE_E_HELLO_VERIFY:
 * no state survives) and, for a valid one, hands GnuTLS the hello with the handshake sequence
 * numbers it implies (gnutls_dtls_prestate_set(), as GnuTLS's gnutls_dtls_cookie_verify() would).
 *
 * Suites: GnuTLS has no list of suites to configure, only priority strings, and those cross every
 * listed key exchange with every listed cipher (PSK + ECDHE-ECDSA with CCM-8 + GCM would also
 * give ECDHE-ECDSA-AES128-CCM, which the core's table lacks). So a socket keeps one priority for
 * the whole list and, on servers, one per configured suite: when the client's hello arrives, the
 * server picks the first suite of the client's list that it has configured (the client's order,
 * as GnuTLS by default) and sets that suite's priority on the session, so the server negotiates
 * exactly the configured list. A client offers the crossed list (a superset) and refuses a
 * server that picks a suite outside the configured one (handshake_failure).
 *
 * PSK: the client's identity and key go to GnuTLS as bytes (any identity); the server looks keys
 * up through io->psk per handshake and sends tlsman_config_t.psk_hint in a ServerKeyExchange
 * (TLSMAN_CAP_PSK_HINT). GnuTLS fails an unknown identity with unknown_psk_identity. With
 * tlsman_config_t.psk_for_hint a client gives GnuTLS a credentials function instead of fixed
 * credentials: GnuTLS calls it after the server's ServerKeyExchange, the driver reads the hint
 * (gnutls_psk_client_get_hint) and asks io->psk_for_hint (TLSMAN_CAP_PSK_FOR_HINT).
 *
 * What GnuTLS leaves to the application, the driver does: alerts (GnuTLS sends none when a
 * handshake fails: errors.c sends the one the failure calls for); a DTLS record that fails to
 * decrypt is dropped silently, so the peer's Finished under another PSK would leave the
 * handshake waiting until the retransmission budget ran out: an encrypted handshake record after
 * the peer's ChangeCipherSpec that GnuTLS discarded ends the handshake with bad_record_mac, as
 * mbedTLS does (a peer that can forge datagrams from the client's address could end a handshake
 * this way, as it can with mbedTLS); records it drops once established are reported as
 * SOCK_SECURE_E_BAD_RECORD (the core counts them).
 *
 * A DTLS handshake message that announces more than SS_HS_MSG_MAX bytes (16 KB, mbedTLS's default
 * limit) is not handed to GnuTLS, which would reserve the announced length (up to 16 MB) for its
 * reassembly: the handshake fails at once with record_overflow, as on mbedTLS.
 *
 * TLS over streams: output the transport refuses is kept by the push callback in a per-session
 * heap buffer (allocated only while the transport is blocked) and reported sent; everything
 * after waits behind it: write() and handshake() push it first, flush() pushes it. So a record
 * GnuTLS built counts as accepted, and no byte is lost, sent twice or reordered.
 *
 * Renegotiation is refused (renew is NULL; a peer's attempt is answered with a no_renegotiation
 * warning and ends the session: GnuTLS 3.7.9 would leak the refused hello, see ss_next_record). Session tickets are off unless the socket asks for resumption (resume.c: a client
 * exports and resumes sessions, a server issues tickets under a master key made at create; no
 * ticket_key). No session cache is set, so without resumption nothing of a session outlives
 * session_free(). A decrypted record waits in a GnuTLS packet (gnutls_record_recv_packet)
 * until the application reads it; its bytes are zeroed when it is released.
 *
 * Memory: the per-socket state (priorities, credentials, cookie key, pinned keys) and the
 * per-session state (session pointer, flight and record tracking, the pending record, the TLS
 * output buffer's pointer) live in the core's areas: 520 and 232 bytes on x86_64. GnuTLS
 * allocates the rest, measured on Debian's 3.7.9 with glibc mallinfo2() (tests/perf/
 * cert_hs_cost.c, SS_TEST_BACKEND=gnutls; docs/BACKENDS.md has the table):
 * - per session: 9-11 KB once established (PSK, certificates or raw public keys alike), 14-29 KB
 *   at the handshake's peak; GnuTLS sizes its record buffers to the records it handles. All of
 *   it is freed by session_free (gnutls_deinit zeroes the keys);
 * - per socket: a client's priority cache (~8 KB); a server's per-suite priorities (~8 KB each,
 *   made when a client first negotiates that suite); parsed certificates, keys and the trust
 *   list (a CA list's hash table included: 26-45 KB with certificates). Freed by ctx_free.
 */

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* time() for the cookies' freshness */
#endif

#include "driver.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "../builtin.h"

#if !CONFIG_SOCK_SECURE_SUITE_NAMES
#error "the GnuTLS driver finds the negotiated suite by its IANA name: CONFIG_SOCK_SECURE_SUITE_NAMES 1"
#endif

_Static_assert(sizeof(ss_gnutls_ctx_t) <= CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE,
               "GnuTLS socket state exceeds CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE");
_Static_assert(sizeof(ss_gnutls_session_t) <= CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE,
               "GnuTLS session state exceeds CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE");
_Static_assert(_Alignof(ss_gnutls_ctx_t) <= 8 && _Alignof(ss_gnutls_session_t) <= 8,
               "the core's driver areas are 8-byte aligned");
_Static_assert(CONFIG_SOCK_SECURE_MAX_SUITES >= 1 && CONFIG_SOCK_SECURE_MAX_SUITES <= 255,
               "suite count fits the state");
_Static_assert(CONFIG_SOCK_SECURE_CRED_MAX <= 255, "pinned key count fits the state");

/** The cookie's lifetime (as mbedTLS's MBEDTLS_SSL_COOKIE_TIMEOUT). */
#define SS_COOKIE_LIFETIME_S 60u
/** A total handshake time GnuTLS never reaches (the core's deadline and budget come first). */
#define SS_HS_TIMEOUT_MS 0x7FFFFFFFu

/* ---- suites ---------------------------------------------------------------------------------- */

/** GnuTLS's key exchange for a table entry's, or GNUTLS_KX_UNKNOWN. */
static gnutls_kx_algorithm_t ss_kx(const tlsman_suite_t *e)
{
    switch (e->kx) {
    case TLSMAN_KX_PSK:
        return GNUTLS_KX_PSK;
    case TLSMAN_KX_ECDHE_ECDSA:
        return GNUTLS_KX_ECDHE_ECDSA;
    default:
        return GNUTLS_KX_UNKNOWN;
    }
}

/** GnuTLS's cipher for a table entry's, or GNUTLS_CIPHER_UNKNOWN. */
static gnutls_cipher_algorithm_t ss_cipher(const tlsman_suite_t *e)
{
    switch (e->cipher) {
    case TLSMAN_CIPHER_AES_128_CCM_8:
        return GNUTLS_CIPHER_AES_128_CCM_8;
    case TLSMAN_CIPHER_AES_128_CCM:
        return GNUTLS_CIPHER_AES_128_CCM;
    case TLSMAN_CIPHER_AES_128_GCM:
        return GNUTLS_CIPHER_AES_128_GCM;
    case TLSMAN_CIPHER_AES_256_GCM:
        return GNUTLS_CIPHER_AES_256_GCM;
    case TLSMAN_CIPHER_CHACHA20_POLY1305:
        return GNUTLS_CIPHER_CHACHA20_POLY1305;
    default:
        return GNUTLS_CIPHER_UNKNOWN;
    }
}

/** Priority-string names (gnutls_kx_get_name() / gnutls_cipher_get_name() spell them so). */
static const char *ss_kx_name(const tlsman_suite_t *e)
{
    return e->kx == TLSMAN_KX_PSK ? "PSK" : "ECDHE-ECDSA";
}

static const char *ss_cipher_name(const tlsman_suite_t *e)
{
    switch (e->cipher) {
    case TLSMAN_CIPHER_AES_128_CCM_8:
        return "AES-128-CCM-8";
    case TLSMAN_CIPHER_AES_128_CCM:
        return "AES-128-CCM";
    case TLSMAN_CIPHER_AES_128_GCM:
        return "AES-128-GCM";
    case TLSMAN_CIPHER_AES_256_GCM:
        return "AES-256-GCM";
    default:
        return "CHACHA20-POLY1305";
    }
}

/** Does this GnuTLS have the core's table entry @p suite, as the table describes it (its id with
 *  that key exchange and cipher, usable with TLS 1.2 / DTLS 1.2)? Its own suite list answers
 *  (gnutls_cipher_suite_info); the driver holds none. */
static bool ss_suite_supported(const tlsman_suite_t *suite, bool datagram)
{
    (void)datagram; /* every AEAD suite works over DTLS 1.2 */
    if (suite == NULL || ss_kx(suite) == GNUTLS_KX_UNKNOWN ||
        ss_cipher(suite) == GNUTLS_CIPHER_UNKNOWN) {
        return false;
    }
    unsigned char id[2];
    gnutls_kx_algorithm_t kx;
    gnutls_cipher_algorithm_t cipher;
    gnutls_mac_algorithm_t mac;
    gnutls_protocol_t min;
    for (size_t i = 0; gnutls_cipher_suite_info(i, id, &kx, &cipher, &mac, &min) != NULL; i++) {
        if (((unsigned)id[0] << 8 | id[1]) == suite->id) {
            return kx == ss_kx(suite) && cipher == ss_cipher(suite) && min <= GNUTLS_TLS1_2;
        }
    }
    return false;
}

/** The entry of the socket's list named @p canonical (gnutls_ciphersuite_get()), or NULL. */
static const tlsman_suite_t *ss_suite_of(const ss_gnutls_ctx_t *c, const char *canonical)
{
    for (size_t i = 0; canonical != NULL && i < c->suite_count; i++) {
        if (strcmp(c->suites[i]->iana, canonical) == 0) {
            return c->suites[i];
        }
    }
    return NULL;
}

/** Append "+@p item" to @p buf (of @p cap bytes) unless already there. */
static void ss_prio_add(char *buf, size_t cap, const char *item)
{
    char tok[40];
    (void)snprintf(tok, sizeof(tok), ":+%s", item); /* items are short names */
    size_t len = strlen(buf), n = strlen(tok);
    const char *p = buf;
    while ((p = strstr(p, tok)) != NULL) {
        if (p[n] == ':' || p[n] == '\0') {
            return;
        }
        p += n;
    }
    if (len + n < cap) {
        memcpy(buf + len, tok, n + 1);
    }
}

/**
 * The priority string for @p n entries at @p list: the version, the key exchanges and ciphers in
 * the order the list first names them (AEAD only), P-256 for ECDHE and ECDSA with SHA-256, the
 * certificate types the socket's credentials allow (X.509, raw public keys: the peer's type is
 * negotiated per session), no session tickets unless the socket resumes sessions.
 */
static void ss_prio_text(const ss_gnutls_ctx_t *c, const tlsman_suite_t *const *list, size_t n,
                         char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "NONE:+%s:+COMP-NULL:+AEAD",
                   c->k.datagram ? "VERS-DTLS1.2" : "VERS-TLS1.2"); /* fits: cap is 512 */
    bool ecdhe = false;
    for (size_t i = 0; i < n; i++) {
        ss_prio_add(buf, cap, ss_kx_name(list[i]));
        ecdhe |= list[i]->kx == TLSMAN_KX_ECDHE_ECDSA;
    }
    for (size_t i = 0; i < n; i++) {
        ss_prio_add(buf, cap, ss_cipher_name(list[i]));
    }
    /* GnuTLS wants a signature algorithm even for PSK alone */
    ss_prio_add(buf, cap, "SIGN-ECDSA-SHA256");
    if (ecdhe) {
        ss_prio_add(buf, cap, "GROUP-SECP256R1");
    }
    /* whose certificates of which type: ours (what we have), the peer's (what we can check) */
    bool server = c->k.server;
    bool own_x509 = c->own_x509, own_raw = c->own_rawpk;
    bool peer_x509 = c->cas || c->pinned_n == 0, peer_raw = c->pinned_n > 0;
    const char *own = server ? "SRV" : "CLI", *peer = server ? "CLI" : "SRV";
    char item[24];
    if (own_raw) {
        (void)snprintf(item, sizeof(item), "CTYPE-%s-RAWPK", own);
        ss_prio_add(buf, cap, item);
    }
    if (own_x509 || !own_raw) {
        (void)snprintf(item, sizeof(item), "CTYPE-%s-X509", own);
        ss_prio_add(buf, cap, item);
    }
    if (peer_raw) {
        (void)snprintf(item, sizeof(item), "CTYPE-%s-RAWPK", peer);
        ss_prio_add(buf, cap, item);
    }
    if (peer_x509) {
        (void)snprintf(item, sizeof(item), "CTYPE-%s-X509", peer);
        ss_prio_add(buf, cap, item);
    }
    size_t len = strlen(buf);
    if (!c->resumption && cap - len > sizeof(":%NO_TICKETS")) {
        (void)snprintf(buf + len, cap - len, ":%%NO_TICKETS");
    }
}

/** Set up the socket's suites: a client's priority for the whole list (c->prio); a server's
 *  for each suite alone, made when first needed (ss_one). */
static int ss_conf_suites(ss_gnutls_ctx_t *c, const tlsman_config_t *cfg)
{
    char text[512];
    const char *err = NULL;
    c->suite_count = (uint8_t)cfg->suite_count;
    for (size_t i = 0; i < cfg->suite_count; i++) {
        c->suites[i] = cfg->suites[i];
    }
    if (c->k.server) {
        return 0;
    }
    ss_prio_text(c, c->suites, c->suite_count, text, sizeof(text));
    int rc = gnutls_priority_init(&c->prio, text, &err);
    if (rc < 0) {
        c->prio = NULL;
        return tlsman_gnutls_setup_error(rc);
    }
    return 0;
}

/** Server: the priority of the socket's suite @p i alone (made on first use: each is ~8 KB, and
 *  a server's clients mostly take one or two suites), or NULL if GnuTLS could not make it. */
static gnutls_priority_t ss_one(ss_gnutls_ctx_t *c, size_t i)
{
    if (c->one[i] == NULL) {
        char text[512];
        const char *err = NULL;
        ss_prio_text(c, &c->suites[i], 1, text, sizeof(text));
        if (gnutls_priority_init(&c->one[i], text, &err) < 0) {
            c->one[i] = NULL;
        }
    }
    return c->one[i];
}

/**
 * Server, on the client's hello (before GnuTLS reads it): the first suite of the client's list
 * that the socket has configured becomes the session's only suite (none in common: the first
 * configured one, which the client lacks, so GnuTLS refuses with handshake_failure).
 */
static int ss_pick_suite(ss_gnutls_session_t *s, const uint8_t *hello, size_t len)
{
    ss_gnutls_ctx_t *c = s->ctx;
    s->suite = NULL;
    size_t pos = 2 + 32; /* client_version, random */
    size_t pick = 0;
    if (len < pos + 1) {
        goto set;
    }
    pos += 1 + hello[pos]; /* session_id */
    if (c->k.datagram) {
        if (len < pos + 1) {
            goto set;
        }
        pos += 1 + hello[pos]; /* cookie */
    }
    if (len < pos + 2) {
        goto set;
    }
    size_t n = ss_get16(hello + pos);
    pos += 2;
    if (n > len - pos) {
        goto set;
    }
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint16_t id = (uint16_t)ss_get16(hello + pos + i);
        for (size_t j = 0; j < c->suite_count; j++) {
            if (c->suites[j]->id == id) {
                pick = j;
                s->suite = c->suites[j];
                goto set;
            }
        }
    }
set:;
    gnutls_priority_t p = ss_one(c, pick);
    return p != NULL ? gnutls_priority_set(s->gs, p) : GNUTLS_E_MEMORY_ERROR;
}

/** Client: the suite of the server's hello (read from it: GnuTLS tells the suite only once the
 *  handshake is over); one outside the configured list is refused. */
static int ss_check_suite(ss_gnutls_session_t *s, const uint8_t *hello, size_t len)
{
    const ss_gnutls_ctx_t *c = s->ctx;
    size_t pos = 2 + 32; /* server_version, random */
    if (len >= pos + 1 && len >= pos + 1 + hello[pos] + 2) {
        pos += 1 + hello[pos]; /* session_id */
        uint16_t id = (uint16_t)ss_get16(hello + pos);
        for (size_t j = 0; j < c->suite_count; j++) {
            if (c->suites[j]->id == id) {
                s->suite = c->suites[j];
                return 0;
            }
        }
    }
    return GNUTLS_E_UNKNOWN_CIPHER_SUITE;
}

/** GnuTLS handshake hook: the server's suite pick (ClientHello, before processing) and the
 *  client's check of the server's pick (ServerHello, after processing). */
static int ss_hook(gnutls_session_t gs, unsigned int htype, unsigned when, unsigned int incoming,
                   const gnutls_datum_t *msg)
{
    ss_gnutls_session_t *s = gnutls_session_get_ptr(gs);
    if (s == NULL || !incoming) {
        return 0;
    }
    if (htype == GNUTLS_HANDSHAKE_CLIENT_HELLO && when == GNUTLS_HOOK_PRE && s->ctx->k.server) {
        return ss_pick_suite(s, msg->data, msg->size);
    } else if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO && when == GNUTLS_HOOK_POST &&
               !s->ctx->k.server) {
        return ss_check_suite(s, msg->data, msg->size);
    }
    return 0;
}

/* ---- cookies --------------------------------------------------------------------------------- */

/** The cookie for @p peer_id at time @p t into @p out (SS_COOKIE_LEN bytes). */
static int ss_cookie_make(const ss_gnutls_ctx_t *c, uint32_t t, const uint8_t *peer_id,
                          size_t peer_id_len, uint8_t *out)
{
    uint8_t msg[4 + 255];
    uint8_t mac[32];
    if (peer_id_len > 255) {
        return -EINVAL;
    }
    msg[0] = (uint8_t)(t >> 24);
    msg[1] = (uint8_t)(t >> 16);
    msg[2] = (uint8_t)(t >> 8);
    msg[3] = (uint8_t)t;
    memcpy(msg + 4, peer_id, peer_id_len);
    if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, c->cookie_key, sizeof(c->cookie_key), msg,
                         4 + peer_id_len, mac) < 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    memcpy(out, msg, 4);
    memcpy(out + 4, mac, SS_COOKIE_LEN - 4);
    return SS_COOKIE_LEN;
}

static int ss_cookie_write(void *ctx, const uint8_t *peer_id, size_t peer_id_len, uint8_t *out,
                           size_t out_max)
{
    const ss_gnutls_ctx_t *c = ctx;
    if (!c->k.server || !c->k.datagram) {
        return -ENOTSUP;
    }
    if (out_max < SS_COOKIE_LEN) {
        return -EMSGSIZE;
    }
    return ss_cookie_make(c, (uint32_t)time(NULL), peer_id, peer_id_len, out);
}

static int ss_cookie_check(void *ctx, const uint8_t *peer_id, size_t peer_id_len,
                           const uint8_t *cookie, size_t cookie_len)
{
    const ss_gnutls_ctx_t *c = ctx;
    uint8_t want[SS_COOKIE_LEN];
    if (!c->k.server || !c->k.datagram) {
        return -ENOTSUP;
    }
    if (cookie == NULL || cookie_len != SS_COOKIE_LEN) {
        return -EINVAL;
    }
    uint32_t t = (uint32_t)ss_get16(cookie) << 16 | (uint32_t)ss_get16(cookie + 2);
    uint32_t now = (uint32_t)time(NULL);
    if (now - t > SS_COOKIE_LIFETIME_S || ss_cookie_make(c, t, peer_id, peer_id_len, want) < 0) {
        return -EINVAL;
    }
    uint8_t diff = 0;
    for (size_t i = 0; i < SS_COOKIE_LEN; i++) {
        diff |= (uint8_t)(want[i] ^ cookie[i]);
    }
    return diff == 0 ? 0 : -EINVAL;
}

/* ---- memory BIO ------------------------------------------------------------------------------ */

/** Begin a driver call: forget what the previous call saw. */
static void ss_call_begin(ss_gnutls_session_t *s)
{
    tlsman_call_begin(&s->t);
    s->call_new_flight = false;
    s->call_hvr = false;
    s->call_tx_blocked = false;
    s->call_peer_fin = false;
    s->call_rx_app = 0;
    s->discarded = s->gs != NULL ? gnutls_record_get_discarded(s->gs) : 0;
}

/** Walk what we send (one datagram): alerts, and new flights (a handshake message_seq in the
 *  clear above every one sent before). */
static void ss_scan_tx(ss_gnutls_session_t *s, const uint8_t *buf, size_t len)
{
    tlsman_scan_tx_alerts(&s->t.tx, buf, len, true, false);
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        if (ss_dtls_rec_epoch0(r.hdr) && r.type == SS_CT_HANDSHAKE && r.len >= SS_DTLS_HS_HDR) {
            int32_t mseq = (int32_t)ss_dtls_hs_seq(r.body);
            if (mseq > s->tx_mseq) {
                s->tx_mseq = mseq;
                s->call_new_flight = true;
            }
        }
    }
}

/** Walk a datagram handed to GnuTLS: its record types (pending()), the peer's ChangeCipherSpec
 *  and an encrypted handshake record after it (its Finished: see ss_wrong_key). */
static void ss_scan_rx(ss_gnutls_session_t *s, const uint8_t *buf, size_t len)
{
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
        } else if (r.type == SS_CT_CHANGE_CIPHER_SPEC) {
            s->rx_ccs = true;
        } else if (r.type == SS_CT_HANDSHAKE && !ss_dtls_rec_epoch0(r.hdr) && s->rx_ccs) {
            s->call_peer_fin = true;
        }
    }
}

/** TLS: push the output kept in s->out. Returns 0 when nothing is left (the buffer is freed),
 *  -EAGAIN while the transport refuses some, or the transport's error. */
static int ss_out_push(ss_gnutls_session_t *s)
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
static int ss_out_append(ss_gnutls_session_t *s, const uint8_t *buf, size_t len)
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

/** TLS: send @p len bytes, keeping what the transport refuses (see the top of this file). */
static ssize_t ss_push_stream(ss_gnutls_session_t *s, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    if (s->out_off == s->out_len) {
        int rc = s->t.io->send(s->t.io_ctx, buf, len);
        if (rc < 0 && rc != -EAGAIN) {
            s->t.io_err = rc;
            gnutls_transport_set_errno(s->gs, EIO);
            return -1;
        }
        done = rc > 0 ? ((size_t)rc < len ? (size_t)rc : len) : 0;
        if (done > 0) {
            tlsman_scan_tx_alerts(&s->t.tx, buf, done, false, !s->established);
        }
    }
    if (done < len && ss_out_append(s, buf + done, len - done) < 0) {
        s->t.io_err = -ENOMEM;
        gnutls_transport_set_errno(s->gs, ENOMEM);
        return -1;
    }
    return (ssize_t)len;
}

/** GnuTLS's vectored push: one datagram (a flight's records together when they fit the MTU:
 *  GnuTLS gathers them), or stream bytes. */
static ssize_t ss_push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
    ss_gnutls_session_t *s = p;
    uint8_t dgram[CONFIG_SOCK_SECURE_MAX_DATAGRAM > 16384 ? CONFIG_SOCK_SECURE_MAX_DATAGRAM
                                                          : 16384 + 256];
    size_t len = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > sizeof(dgram) - len) {
            gnutls_transport_set_errno(s->gs, EMSGSIZE);
            return -1;
        }
        memcpy(dgram + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    if (!s->ctx->k.datagram) {
        return ss_push_stream(s, dgram, len);
    }
    int rc = s->t.io->send(s->t.io_ctx, dgram, len);
    if (rc == -EAGAIN) {
        /* A datagram that cannot go now is a datagram lost: DTLS recovers (a flight by its timer;
         * write() reports -EAGAIN). GnuTLS's EAGAIN would keep it and resend it later. */
        s->call_tx_blocked = true;
        rc = (int)len;
    }
    if (rc < 0) {
        s->t.io_err = rc;
        gnutls_transport_set_errno(s->gs, EIO);
        return -1;
    }
    ss_scan_tx(s, dgram, len);
    return (ssize_t)len;
}

/** Plain push (GnuTLS wants one besides the vectored one): one buffer. */
static ssize_t ss_push1(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
    giovec_t v = { (void *)(uintptr_t)buf, len };
    return ss_push(p, &v, 1);
}

/**
 * Server, DTLS, before the first ClientHello reaches GnuTLS: check its cookie. A missing or stale
 * one is answered with a HelloVerifyRequest (the datagram goes no further); a valid one lets the
 * hello through with the handshake sequence numbers it implies. Returns true to hand it on.
 */
static bool ss_first_hello(ss_gnutls_session_t *s, const uint8_t *d, size_t len)
{
    ss_dtls_client_hello_t ch;
    if (!ss_dtls_parse_client_hello(d, len, &ch)) {
        return false; /* not a ClientHello: the core gives a new session nothing else; dropped */
    }
    if (ss_cookie_check(s->ctx, s->peer_id, s->peer_id_len, ch.cookie, ch.cookie_len) != 0) {
        uint8_t hvr[SS_HVR_MAX];
        int n = ss_cookie_write(s->ctx, s->peer_id, s->peer_id_len, hvr + SS_DTLS_RECORD_HDR +
                                                                         SS_DTLS_HS_HDR + 3,
                                SS_COOKIE_LEN);
        size_t total = n > 0 ? ss_dtls_write_hello_verify(&ch, hvr + SS_DTLS_RECORD_HDR +
                                                                   SS_DTLS_HS_HDR + 3,
                                                          (size_t)n, hvr, sizeof(hvr))
                             : 0;
        if (total > 0) {
            int rc = s->t.io->send(s->t.io_ctx, hvr, total);
            if (rc < 0 && rc != -EAGAIN) {
                s->t.io_err = rc;
            }
            s->call_hvr = true;
        }
        return false;
    }
    s->hello_ok = true;
    if (ch.message_seq > 0) {
        /* what gnutls_dtls_cookie_verify() would have found: GnuTLS expects the hello's
         * message_seq and answers with the same (the HelloVerifyRequest took the one before) */
        gnutls_dtls_prestate_st pre = { 0 };
        pre.record_seq = (unsigned)ss_dtls_rec_seq(d) & 0xFFFFu;
        pre.hsk_read_seq = ch.message_seq;
        pre.hsk_write_seq = ch.message_seq - 1u;
        gnutls_dtls_prestate_set(s->gs, &pre);
    }
    return true;
}

static ssize_t ss_pull(gnutls_transport_ptr_t p, void *buf, size_t size)
{
    ss_gnutls_session_t *s = p;
    /* GnuTLS asks for input only when it holds none: the last datagram is used up */
    s->dg_live = false;
    for (;;) {
        int rc = s->t.io->recv(s->t.io_ctx, buf, size);
        if (rc == -EAGAIN) {
            s->pull_empty = true;
            gnutls_transport_set_errno(s->gs, EAGAIN);
            return -1;
        }
        if (rc == -EMSGSIZE) {
            /* the core dropped a datagram larger than GnuTLS asked for: to GnuTLS this is a lost
             * datagram (retransmission recovers a handshake); read() reports it */
            s->t.rx_dropped = true;
            continue;
        }
        if (rc < 0) {
            s->t.io_err = rc;
            gnutls_transport_set_errno(s->gs, EIO);
            return -1;
        }
        if (!s->ctx->k.datagram) {
            return rc; /* 0: the end of the stream */
        }
        if (s->ctx->k.server && !s->hello_ok && !ss_first_hello(s, buf, (size_t)rc)) {
            continue;
        }
        if (tlsman_dtls_hs_too_long(buf, (size_t)rc, SS_HS_MSG_MAX)) {
            /* dropped before GnuTLS reserves its length: the handshake fails (ss_handshake), an
             * established session counts it as a bad record */
            s->hs_too_long = !s->established;
            s->t.rx_dropped = s->established;
            continue;
        }
        ss_scan_rx(s, buf, (size_t)rc);
        return rc;
    }
}

/** GnuTLS asks whether input is there before it decides to resend a flight: "yes" (the pull then
 *  says whether there really is) unless the core's timer has just fired: then "no" for the whole
 *  handshake step (GnuTLS may ask twice on its way to the resend: _dtls_wait_and_retransmit,
 *  then _dtls_transmit). */
static int ss_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
    ss_gnutls_session_t *s = p;
    (void)ms;
    return s->retx_now ? 0 : 1; /* 0: timed out, GnuTLS resends its flight */
}

/* ---- timers ---------------------------------------------------------------------------------- */

static void ss_timer(ss_gnutls_session_t *s, bool run)
{
    s->timer_on = run;
    s->t.io->timer(s->t.io_ctx, run);
}

/* ---- PSK ------------------------------------------------------------------------------------- */

static int ss_psk_server_cb(gnutls_session_t gs, const gnutls_datum_t *username,
                            gnutls_datum_t *key)
{
    ss_gnutls_session_t *s = gnutls_session_get_ptr(gs);
    uint8_t k[CONFIG_SOCK_SECURE_PSK_KEY_MAX];
    if (s == NULL || username == NULL) {
        return -1;
    }
    size_t n = tlsman_psk_lookup(&s->t, username->data, username->size, k, sizeof(k));
    if (n == 0) {
        s->psk_unknown = true;
        return -1; /* GnuTLS fails the handshake: unknown_psk_identity (errors.c) */
    }
    key->data = gnutls_malloc(n);
    if (key->data == NULL) {
        tlsman_zero(k, sizeof(k));
        return -1;
    }
    memcpy(key->data, k, n);
    key->size = (unsigned)n;
    tlsman_zero(k, sizeof(k));
    return 0;
}

/* Client with psk_for_hint: GnuTLS asks for the identity and key when it has read the server's
 * ServerKeyExchange (or has none); gnutls_psk_client_get_hint() has the hint (a C string, NULL
 * without one). GnuTLS frees both datums, the key zeroed (_gnutls_free_temp_key_datum). */
static int ss_psk_client_cb(gnutls_session_t gs, gnutls_datum_t *username, gnutls_datum_t *key)
{
    ss_gnutls_session_t *s = gnutls_session_get_ptr(gs);
    if (s == NULL) {
        return -1;
    }
    const char *hint = gnutls_psk_client_get_hint(gs);
    const ss_gnutls_ctx_t *c = s->ctx;
    sock_secure_psk_t p = { c->def_id, c->def_id_len, c->def_key, c->def_key_len };
    sock_secure_psk_t chosen;
    int rc = s->t.io->psk_for_hint(s->t.io_ctx, (const uint8_t *)hint,
                                   hint != NULL ? strlen(hint) : 0, &chosen);
    if (rc < 0) {
        return -1; /* GnuTLS fails the handshake: the core reports the callback's error */
    }
    if (rc == 0) {
        p = chosen;
    }
    if (p.identity_len == 0 || p.key_len == 0) {
        return -1; /* "keep the default" without one */
    }
    username->data = gnutls_malloc(p.identity_len + 1);
    key->data = gnutls_malloc(p.key_len);
    if (username->data == NULL || key->data == NULL) {
        gnutls_free(username->data);
        gnutls_free(key->data);
        username->data = NULL;
        key->data = NULL;
        return -1;
    }
    memcpy(username->data, p.identity, p.identity_len);
    username->data[p.identity_len] = 0;
    username->size = (unsigned)p.identity_len;
    memcpy(key->data, p.key, p.key_len);
    key->size = (unsigned)p.key_len;
    return 0;
}

/* ---- socket state ---------------------------------------------------------------------------- */

static void ss_ctx_free(void *p)
{
    ss_gnutls_ctx_t *c = p;
    if (c->prio != NULL) {
        gnutls_priority_deinit(c->prio);
    }
    for (size_t i = 0; i < CONFIG_SOCK_SECURE_MAX_SUITES; i++) {
        if (c->one[i] != NULL) {
            gnutls_priority_deinit(c->one[i]);
        }
    }
    if (c->psk_cli != NULL) {
        gnutls_psk_free_client_credentials(c->psk_cli); /* zeroes the key */
    }
    if (c->psk_srv != NULL) {
        gnutls_psk_free_server_credentials(c->psk_srv);
    }
    tlsman_gnutls_free_certs(c);
    tlsman_gnutls_free_resumption(c);
    tlsman_zero(c, sizeof(*c));
}

static int ss_ctx_init(void *p, const tlsman_config_t *cfg)
{
    ss_gnutls_ctx_t *c = p;
    int rc;

    memset(c, 0, sizeof(*c));
    c->resumption = cfg->resumption; /* before the priorities: they allow tickets then */
    tlsman_plan_t plan;
    if ((rc = tlsman_ctx_plan(cfg, &c->k, &plan)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    if (plan.cert_suites || plan.key != NULL || plan.chain != NULL || cfg->cred_count > 0) {
        if ((rc = tlsman_gnutls_conf_certs(c, cfg, &plan)) < 0) {
            ss_ctx_free(c);
            return rc;
        }
    }
    if ((rc = ss_conf_suites(c, cfg)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    if (c->k.server) {
        if ((rc = gnutls_psk_allocate_server_credentials(&c->psk_srv)) < 0) {
            c->psk_srv = NULL;
            ss_ctx_free(c);
            return tlsman_gnutls_setup_error(rc);
        }
        gnutls_psk_set_server_credentials_function2(c->psk_srv, ss_psk_server_cb);
        if (cfg->psk_hint_len > 0) { /* at most CONFIG_SOCK_SECURE_PSK_ID_MAX, no NUL (core) */
            char hint[CONFIG_SOCK_SECURE_PSK_ID_MAX + 1];
            memcpy(hint, cfg->psk_hint, cfg->psk_hint_len);
            hint[cfg->psk_hint_len] = '\0';
            if ((rc = gnutls_psk_set_server_credentials_hint(c->psk_srv, hint)) < 0) {
                ss_ctx_free(c);
                return tlsman_gnutls_setup_error(rc);
            }
        }
        if (c->k.datagram && gnutls_rnd(GNUTLS_RND_KEY, c->cookie_key, sizeof(c->cookie_key)) < 0) {
            ss_ctx_free(c);
            return SOCK_SECURE_E_BACKEND;
        }
    } else if (cfg->psk_for_hint) {
        /* no fixed credentials: GnuTLS would use them instead of asking the function */
        if ((rc = gnutls_psk_allocate_client_credentials(&c->psk_cli)) < 0) {
            c->psk_cli = NULL;
            ss_ctx_free(c);
            return tlsman_gnutls_setup_error(rc);
        }
        gnutls_psk_set_client_credentials_function2(c->psk_cli, ss_psk_client_cb);
        c->psk_for_hint = true;
        if (cfg->psk != NULL) { /* within the CONFIG_ limits (the core checked) */
            memcpy(c->def_id, cfg->psk->identity, cfg->psk->identity_len);
            memcpy(c->def_key, cfg->psk->key, cfg->psk->key_len);
            c->def_id_len = cfg->psk->identity_len;
            c->def_key_len = cfg->psk->key_len;
        }
    } else if (cfg->psk != NULL) {
        gnutls_datum_t id = { (unsigned char *)(uintptr_t)cfg->psk->identity,
                              (unsigned)cfg->psk->identity_len };
        gnutls_datum_t key = { (unsigned char *)(uintptr_t)cfg->psk->key,
                               (unsigned)cfg->psk->key_len };
        if ((rc = gnutls_psk_allocate_client_credentials(&c->psk_cli)) < 0) {
            c->psk_cli = NULL;
            ss_ctx_free(c);
            return tlsman_gnutls_setup_error(rc);
        }
        if ((rc = gnutls_psk_set_client_credentials2(c->psk_cli, &id, &key,
                                                     GNUTLS_PSK_KEY_RAW)) < 0) {
            ss_ctx_free(c);
            return tlsman_gnutls_setup_error(rc);
        }
    }
    if ((rc = tlsman_gnutls_conf_resumption(c, cfg)) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    return 0;
}

/* ---- sessions -------------------------------------------------------------------------------- */

/** Release the record the application has not read (its bytes zeroed). */
static void ss_rec_release(ss_gnutls_session_t *s)
{
    if (s->rec != NULL) {
        gnutls_datum_t d;
        gnutls_packet_get(s->rec, &d, NULL);
        tlsman_zero(d.data, d.size);
        gnutls_packet_deinit(s->rec);
        s->rec = NULL;
        s->rec_off = 0;
    }
}

static void ss_session_free(void *p)
{
    ss_gnutls_session_t *s = p;
    ss_rec_release(s);
    if (s->gs != NULL) {
        gnutls_deinit(s->gs); /* zeroes keys and frees buffers */
    }
    free(s->out);
    free(s->server_name);
    tlsman_zero(s, sizeof(*s));
}

static int ss_session_init(void *ctx, void *p, void *io_ctx, const uint8_t *peer_id,
                           size_t peer_id_len)
{
    ss_gnutls_ctx_t *c = ctx;
    ss_gnutls_session_t *s = p;

    memset(s, 0, sizeof(*s));
    if (c->k.server && c->k.datagram &&
        (peer_id == NULL || peer_id_len == 0 || peer_id_len > sizeof(s->peer_id))) {
        return -EINVAL; /* the cookie binds the peer's address: without it every check fails */
    }
    s->ctx = c;
    tlsman_sess_init(&s->t, c->k.io, io_ctx);
    s->tx_mseq = -1;
    if (peer_id_len > 0) {
        memcpy(s->peer_id, peer_id, peer_id_len);
        s->peer_id_len = (uint8_t)peer_id_len;
    }

    /* a client sends its one certificate whatever CAs the server names (as the other drivers:
     * the server judges it); GnuTLS otherwise sends none when the issuer is not named */
    unsigned flags = (c->k.server ? GNUTLS_SERVER : GNUTLS_CLIENT | GNUTLS_FORCE_CLIENT_CERT) |
                     GNUTLS_NONBLOCK | (c->resumption ? 0u : GNUTLS_NO_TICKETS) |
                     GNUTLS_NO_SIGNAL | GNUTLS_ENABLE_RAWPK |
                     (c->k.datagram ? GNUTLS_DATAGRAM : 0u);
    int rc = gnutls_init(&s->gs, flags);
    if (rc < 0) {
        s->gs = NULL;
        return tlsman_gnutls_setup_error(rc);
    }
    gnutls_session_set_ptr(s->gs, s);
    /* a server starts with its first suite's priority and takes the one the hello asks for
     * (ss_pick_suite) */
    gnutls_priority_t prio = c->k.server ? ss_one(c, 0) : c->prio;
    if (prio == NULL) {
        ss_session_free(s);
        return -ENOMEM;
    }
    if ((rc = gnutls_priority_set(s->gs, prio)) < 0 ||
        (c->psk_cli != NULL && (rc = gnutls_credentials_set(s->gs, GNUTLS_CRD_PSK, c->psk_cli)) < 0) ||
        (c->psk_srv != NULL && (rc = gnutls_credentials_set(s->gs, GNUTLS_CRD_PSK, c->psk_srv)) < 0) ||
        (c->cert != NULL &&
         (rc = gnutls_credentials_set(s->gs, GNUTLS_CRD_CERTIFICATE, c->cert)) < 0)) {
        ss_session_free(s);
        return tlsman_gnutls_setup_error(rc);
    }
    gnutls_transport_set_ptr(s->gs, s);
    gnutls_transport_set_push_function(s->gs, ss_push1);
    gnutls_transport_set_vec_push_function(s->gs, ss_push);
    gnutls_transport_set_pull_function(s->gs, ss_pull);
    gnutls_transport_set_pull_timeout_function(s->gs, ss_pull_timeout);
    gnutls_handshake_set_hook_function(s->gs, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_BOTH, ss_hook);
    gnutls_handshake_set_timeout(s->gs, 0);
    if (c->k.datagram) {
        /* the core owns retransmission: GnuTLS's window is 0 (it resends exactly when the pull
         * timeout says so, see the top of this file), its overall limit never reached */
        gnutls_dtls_set_timeouts(s->gs, 0, SS_HS_TIMEOUT_MS);
        if (c->k.mtu != 0) {
            gnutls_dtls_set_mtu(s->gs, c->k.mtu);
        }
    }
    if (c->cert != NULL) {
        tlsman_gnutls_session_certs(s);
    }
    if ((rc = tlsman_gnutls_session_tickets(s)) < 0) {
        ss_session_free(s);
        return rc;
    }
    return 0;
}

/** The DTLS Finished of the peer could not be decrypted: GnuTLS dropped it in silence. */
static bool ss_wrong_key(const ss_gnutls_session_t *s)
{
    return s->ctx->k.datagram && s->call_peer_fin &&
           gnutls_record_get_discarded(s->gs) != s->discarded;
}

static int ss_handshake(void *p)
{
    ss_gnutls_session_t *s = p;
    if (s->gs == NULL) {
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
    bool retx = s->retx_due;
    s->retx_due = false;
    s->retx_now = retx;

    /* GnuTLS may stop after one record of a datagram (a repeated message of the peer's last
     * flight, say): the rest of it, and a datagram the core fed behind it, are for this step
     * too, or the core would drop that one (it keeps no datagram for a handshaking session) */
    int ret;
    unsigned steps = 0;
    do {
        s->pull_empty = false;
        ret = gnutls_handshake(s->gs);
        s->retx_now = false;
    } while (s->ctx->k.datagram && (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) &&
             !s->pull_empty && !s->call_hvr && !s->hs_too_long && ++steps < 2u * SS_DG_TRACK);
    if (s->call_hvr) {
        return SOCK_SECURE_E_HELLO_VERIFY; /* the core frees this session: no state kept */
    }
    if (s->hs_too_long) {
        /* the peer's flight holds a message we will not reassemble: say so at once (as mbedTLS,
         * whose buffer it would not fit) rather than ignore its retransmissions until the
         * budget runs out */
        tlsman_gnutls_send_alert(s, SS_ALERT_RECORD_OVERFLOW);
        return ss_fail(s, SOCK_SECURE_E_HANDSHAKE);
    }
    if (ret == GNUTLS_E_SUCCESS) {
        s->established = true;
        if (s->suite == NULL) {
            s->suite = ss_suite_of(s->ctx, gnutls_ciphersuite_get(s->gs));
        }
        /* a server verifying optionally: a client that sent no certificate is let in, and
         * reported (the verify callback saw none) */
        if (s->ctx->k.server && s->ctx->k.verify != TLSMAN_VERIFY_NONE && !s->vfy_seen &&
            s->suite != NULL && (s->suite->flags & TLSMAN_SUITE_CERT)) {
            s->t.verify |= SOCK_SECURE_VFY_NO_CERT;
        }
        if (s->timer_on) {
            ss_timer(s, false);
        }
        return 0;
    }
    if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED ||
        ret == GNUTLS_E_WARNING_ALERT_RECEIVED || ret == GNUTLS_E_GOT_APPLICATION_DATA) {
        if (ss_wrong_key(s)) {
            /* the peer's Finished under another key: end here, as mbedTLS does */
            tlsman_gnutls_send_alert(s, SS_ALERT_BAD_RECORD_MAC);
            return ss_fail(s, SOCK_SECURE_E_HANDSHAKE);
        }
        if (!s->ctx->k.datagram) {
            return -EAGAIN;
        }
        int in = (int)gnutls_handshake_get_last_in(s->gs);
        if (in != s->last_in) { /* the peer's next flight arrived: restart the back-off */
            s->last_in = in;
            if (s->timer_on) {
                ss_timer(s, false);
            }
        }
        if (s->call_new_flight || retx) {
            /* a new flight left, or the core's timer fired (the step resent the flight, or
             * GnuTLS waits for the rest of the peer's): (re-)arm; the re-arm is all the core
             * sees of a resend (a stop would reset its back-off and retry count) */
            ss_timer(s, true);
        }
        return -EAGAIN;
    }
    return ss_fail(s, tlsman_gnutls_error(s, ret, true));
}

static void ss_timer_expired(void *p)
{
    ss_gnutls_session_t *s = p;
    if (s->gs != NULL && s->timer_on && !s->established) {
        s->retx_due = true;
    }
}

/**
 * Records of the current datagram GnuTLS has not got to yet: those after the last application
 * record it delivered from it (with none delivered yet, the datagram finished a handshake: its
 * application records and alerts). With @p apps_only, application records only. An over-estimate
 * only when GnuTLS dropped a record; it ends when GnuTLS asks for the next datagram.
 */
static size_t ss_dg_left(const ss_gnutls_session_t *s, bool apps_only)
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
    const ss_gnutls_session_t *s = p;
    return s->gs != NULL && s->established && s->ctx->k.datagram && ss_dg_left(s, false) > 0;
}

/** Can read() or write() run on @p s with this buffer? 0, the error that ended the session,
 *  -ENOTCONN before the handshake, -EINVAL for a length without a buffer. */
static int ss_ready(const ss_gnutls_session_t *s, const uint8_t *buf, size_t len)
{
    if (s->fail != 0) {
        return s->fail;
    }
    if (!s->established || s->gs == NULL) {
        return -ENOTCONN;
    }
    return buf == NULL && len > 0 ? -EINVAL : 0;
}

/** Take the next application record into s->rec. Returns its size, or a negative code. GnuTLS
 *  processes one record per call: the records of the datagram before it (handshake records of an
 *  old flight, which make a server resend its last one, alerts, records it drops) are gone
 *  through until an application record comes out or the datagram is used up. */
static int ss_next_record(ss_gnutls_session_t *s)
{
    size_t apps_before = s->ctx->k.datagram ? ss_dg_left(s, true) : 0;
    for (unsigned i = 0; i < 4u * SS_DG_TRACK; i++) {
        gnutls_packet_t pkt = NULL;
        s->pull_empty = false;
        ssize_t n = gnutls_record_recv_packet(s->gs, &pkt);
        if (n > 0 && pkt != NULL) {
            s->rec = pkt;
            s->rec_off = 0;
            if (s->dg_apps < UINT8_MAX) {
                s->dg_apps++;
            }
            return n > INT_MAX ? SOCK_SECURE_E_BACKEND : (int)n;
        }
        if (pkt != NULL) {
            gnutls_packet_deinit(pkt);
        }
        if (n == 0) {
            /* the end of the session: the peer's close_notify */
            tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_RECEIVED);
            return ss_fail(s, SOCK_SECURE_E_PEER_CLOSED);
        }
        switch (n) {
        case GNUTLS_E_AGAIN:
        case GNUTLS_E_INTERRUPTED:
            if (s->ctx->k.datagram && !s->pull_empty && s->dg_live) {
                continue; /* a record was dealt with inside: on to the next of the datagram */
            }
            /* application records went in and none came out: GnuTLS dropped them (bad MAC,
             * replay); the core counts them */
            if (s->t.rx_dropped || (s->ctx->k.datagram && (s->call_rx_app > 0 || apps_before > 0))) {
                return SOCK_SECURE_E_BAD_RECORD;
            }
            return -EAGAIN;
        case GNUTLS_E_WARNING_ALERT_RECEIVED:
            tlsman_alert_set(&s->t, (uint8_t)gnutls_alert_get(s->gs), TLSMAN_ALERT_RECEIVED);
            continue;
        case GNUTLS_E_REHANDSHAKE:
            /* the peer asks for a renegotiation: refused (RFC 5746 §4.2 allows the warning),
             * and the session ends. GnuTLS 3.7.9 keeps the ClientHello in its record buffer,
             * and the next gnutls_record_recv_packet() pops it without freeing it
             * (_gnutls_record_buffer_get_packet: a 16 KB leak per attempt, found under ASan);
             * gnutls_deinit frees it where it is. */
            (void)gnutls_alert_send(s->gs, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
            tlsman_alert_set(&s->t, GNUTLS_A_NO_RENEGOTIATION, TLSMAN_ALERT_SENT);
            return ss_fail(s, SOCK_SECURE_E_HANDSHAKE);
        default: {
            int err = tlsman_gnutls_error(s, (int)n, false);
            return err == -EAGAIN ? err : ss_fail(s, err);
        }
        }
    }
    return -EAGAIN;
}

static int ss_read(void *p, uint8_t *buf, size_t len)
{
    ss_gnutls_session_t *s = p;
    int rc = ss_ready(s, buf, len);
    if (rc < 0) {
        return rc;
    }
    ss_call_begin(s);
    if (s->rec == NULL && (rc = ss_next_record(s)) < 0) {
        return rc;
    }
    gnutls_datum_t d;
    gnutls_packet_get(s->rec, &d, NULL);
    size_t avail = d.size - s->rec_off;
    if (len == 0) {
        return (int)avail;
    }
    if (avail > len) {
        if (s->ctx->k.datagram) {
            return -EMSGSIZE; /* the record stays: call again with a larger buffer */
        }
        memcpy(buf, d.data + s->rec_off, len); /* a stream: what fits, the rest stays */
        s->rec_off += len;
        return (int)len;
    }
    memcpy(buf, d.data + s->rec_off, avail);
    ss_rec_release(s);
    return (int)avail;
}

static size_t ss_max_payload(void *p)
{
    ss_gnutls_session_t *s = p;
    if (s->gs == NULL || !s->established) {
        return 0;
    }
    size_t max = gnutls_record_get_max_size(s->gs);
    if (s->ctx->k.datagram) {
        size_t mtu = gnutls_dtls_get_data_mtu(s->gs);
        max = mtu < max ? mtu : max;
    }
    return max;
}

static int ss_write(void *p, const uint8_t *buf, size_t len)
{
    ss_gnutls_session_t *s = p;
    int rc = ss_ready(s, buf, len);
    if (rc < 0 || len == 0) {
        return rc;
    }
    ss_call_begin(s);
    size_t max = ss_max_payload(s);
    if (!s->ctx->k.datagram) {
        /* TLS: earlier output first (nothing new is taken while some waits), then one record;
         * once GnuTLS has built it, it is accepted (sent, or kept in s->out) */
        rc = ss_out_push(s);
        if (rc < 0) {
            return rc == -EAGAIN ? rc : ss_fail(s, rc);
        }
        if (max == 0) {
            return SOCK_SECURE_E_BACKEND;
        }
        len = len < max ? len : max;
    } else if (len > max) {
        return -EMSGSIZE;
    }
    ssize_t n = gnutls_record_send(s->gs, buf, len);
    if (n < 0) {
        int err = tlsman_gnutls_error(s, (int)n, false);
        return err == -EAGAIN ? err : ss_fail(s, err);
    }
    if (s->call_tx_blocked) {
        return -EAGAIN; /* the record was dropped, not sent: send it again later */
    }
    return (int)n;
}

/** TLS: push the output the transport refused earlier. */
static int ss_flush(void *p)
{
    ss_gnutls_session_t *s = p;
    if (s->gs == NULL || s->ctx->k.datagram) {
        return 0;
    }
    int rc = ss_out_push(s);
    return rc < 0 && rc != -EAGAIN ? ss_fail(s, rc) : rc;
}

static int ss_close_notify(void *p)
{
    ss_gnutls_session_t *s = p;
    if (!s->established || s->fail != 0 || s->gs == NULL) {
        return -ENOTCONN;
    }
    ss_call_begin(s);
    int rc = gnutls_bye(s->gs, GNUTLS_SHUT_WR); /* sends close_notify; we do not wait */
    if (rc < 0) {
        return tlsman_gnutls_error(s, rc, false);
    }
    tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_SENT);
    return 0;
}

static int ss_info(void *p, tlsman_info_t *info)
{
    const ss_gnutls_session_t *s = p;
    if (!s->established || s->gs == NULL) {
        return tlsman_info(&s->t, info, 0, NULL);
    }
    int rc = tlsman_info(&s->t, info, s->suite != NULL ? s->suite->id : 0,
                         s->ctx->k.datagram ? "DTLSv1.2" : "TLSv1.2");
    info->resumed = gnutls_session_is_resumed(s->gs) != 0;
    return rc;
}

/* the peer's X.509 leaf (a raw public key has no subject) */
static size_t ss_peer_subject(void *p, char *buf, size_t len)
{
    const ss_gnutls_session_t *s = p;
    unsigned n = 0;
    const gnutls_datum_t *der = s->established && s->gs != NULL
                                    ? gnutls_certificate_get_peers(s->gs, &n) : NULL;
    gnutls_x509_crt_t crt;
    buf[0] = '\0';
    if (der == NULL || n == 0 ||
        gnutls_certificate_type_get2(s->gs, GNUTLS_CTYPE_PEERS) != GNUTLS_CRT_X509 ||
        gnutls_x509_crt_init(&crt) < 0) {
        return 0;
    }
    size_t room = len;
    if (gnutls_x509_crt_import(crt, &der[0], GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_crt_get_dn(crt, buf, &room) < 0) {
        buf[0] = '\0'; /* unreadable, or too long for the room */
    }
    gnutls_x509_crt_deinit(crt);
    return strlen(buf);
}

const tlsman_driver_t tlsman_gnutls = {
    .name = "gnutls",
    .version = GNUTLS_VERSION,
    .caps = TLSMAN_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | TLSMAN_CAP_PSK_HINT |
            TLSMAN_CAP_PSK_FOR_HINT |
            TLSMAN_CAP_X509 | TLSMAN_CAP_RPK | TLSMAN_CAP_RESUMPTION,
    .ctx_size = sizeof(ss_gnutls_ctx_t),
    .session_size = sizeof(ss_gnutls_session_t),
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
    .renew = NULL, /* renegotiation is refused (see the top of this file) */
    .info = ss_info,
    .peer_subject = ss_peer_subject,
    .max_payload = ss_max_payload,
    .cookie_write = ss_cookie_write,
    .cookie_check = ss_cookie_check,
    .cred_check = tlsman_gnutls_cred_check,
    .flush = ss_flush,
    .session_export = tlsman_gnutls_session_export,
    .session_resume = tlsman_gnutls_session_resume,
    .set_server_name = tlsman_gnutls_set_server_name,
    .set_peer_ip = tlsman_gnutls_set_peer_ip,
};
