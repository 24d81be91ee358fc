/**
 * @file driver.c
 * @brief TLSMAN driver for wolfSSL 5.5 (DTLS 1.2 / TLS 1.2 with pre-shared keys and with X.509
 *        certificates: the ECDHE-ECDSA suites on P-256): the driver table and its operations,
 *        the memory BIO, timers, PSK and suites. Certificates are in x509.c, error and alert
 *        mapping in errors.c, the work-arounds for wolfSSL 5.5.4 in compat_5_5.c, their shared
 *        state in driver.h; what every driver does alike in ../common.c.
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
 * tlsman_config_t.verify: WOLFSSL_VERIFY_NONE, PEER (optional: the verify callback accepts what
 * fails and reports it), PEER|FAIL_IF_NO_PEER_CERT (a required client certificate). The verify
 * callback (x509.c) sees every certificate the peer sent (this build has WOLFSSL_ALWAYS_VERIFY_CB
 * and VERIFY_CB_ALL_CERTS) and turns wolfSSL's verdict into SOCK_SECURE_VFY_* bits (info.verify),
 * running the application's verify_cb with the certificate's DER. A client sets the expected name
 * with set_server_name (SNI and wolfSSL_check_domain_name), or the expected address with
 * set_peer_ip, which the verify callback checks itself against the iPAddress subjectAltNames
 * (x509_ip.h). The client offers only P-256 for ECDHE, and no peer ECC key under 256 bits is
 * taken.
 *
 * What this Debian build (5.5.4, configure defaults + Debian's options) can and cannot do (RIOT
 * builds 5.5.4 from source with its own user_settings.h: PSK-AES128-CCM8 there, see docs/RIOT.md):
 * - Plain-PSK suites: only TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 is compiled in. The static PSK
 *   AES suites (..._AES_128_CCM_8, _AES_128_CCM, _AES_128_GCM_SHA256) need WOLFSSL_STATIC_PSK,
 *   which Debian leaves off: suite_supported() reports them unsupported, so an explicit request
 *   fails at create with -ENOTSUP and the default list becomes CHACHA20-POLY1305 alone.
 * - PSK identity hint: a server sends tlsman_config_t.psk_hint in its ServerKeyExchange
 *   (wolfSSL_CTX_use_psk_identity_hint; TLSMAN_CAP_PSK_HINT). A client's PSK callback gets the
 *   server's hint (a C string, "" without one; a hint with a NUL byte arrives cut there) and,
 *   with tlsman_config_t.psk_for_hint, hands it to io->psk_for_hint (TLSMAN_CAP_PSK_FOR_HINT):
 *   the chosen identity and key are copied into wolfSSL's handshake arrays there and then.
 * - A client PSK per session (set_psk, TLSMAN_CAP_PSK_PER_SESSION): the client PSK callback
 *   answers with the session's PSK when set_psk gave one, else the socket's.
 * - Sockets of both roles (TLSMAN_CLIENT_SERVER, TLSMAN_CAP_CLIENT_SERVER): a WOLFSSL_CTX has
 *   one method, so one role; such a socket gets a second one, the client's (wctx_cli, set up
 *   like the first but without certificates: the core gives such a socket PSKs only, as this
 *   wolfSSL has no raw public keys). session_init makes a session with a peer id a server
 *   session (from wctx: its cookie secret, peer binding, PSK lookup and identity hint) and one
 *   without (the core's connect()) a client session (from wctx_cli: the socket's PSK, set_psk,
 *   psk_for_hint); s->server is the session's role from then on.
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
 * - ClientHellos without extensions (RFC 5246 §7.4.1.2 allows them; node-dtls-client sends
 *   them): refused with a fatal decode_error. wolfSSL 5.5.4 runs every DTLS ClientHello through
 *   its stateless cookie parser first (src/dtls.c ParseClientHello, at the top of DoClientHello,
 *   with no way to skip it for DTLS), and that parser requires the two-byte extensions length.
 *   The driver cannot help: adding an empty extensions block would change the hello wolfSSL
 *   hashes into the Finished, and the client hashes what it sent. Fixed upstream in 5.6.4
 *   (wolfSSL pull request 6635). The core keeps no state for the refused hello.
 * - Wrong PSK: a DTLS record that fails to decrypt is dropped silently by wolfSSL, so the
 *   peer's Finished under a different key would leave the handshake waiting until the core's
 *   retransmission budget ran out; the driver fails it with SOCK_SECURE_E_HANDSHAKE and the fatal
 *   bad_record_mac mbedTLS sends in the same place (compat_5_5.c, 2). A peer that can forge
 *   datagrams from the client's address could end a handshake this way, as it can with mbedTLS,
 *   which fails on a bad Finished too.
 * - Damaged datagrams: 5.5.4 ends a DTLS handshake on a damaged handshake record header and on a
 *   ChangeCipherSpec without the key exchange before it; the driver discards such records before
 *   wolfSSL sees them, so retransmission recovers as with mbedTLS, and a handshake wolfSSL still
 *   ends without an alert gets one from the driver (compat_5_5.c, 1 and 3). Records wolfSSL or
 *   the driver drop once established (bad MAC, replay, malformed) are reported as
 *   SOCK_SECURE_E_BAD_RECORD, so the core's drop_bad_record counts them.
 * - A datagram io->send cannot take (-EAGAIN) counts as lost: a flight is recovered by its timer
 *   and write() returns -EAGAIN. (wolfSSL's WANT_WRITE would keep the record in its output buffer
 *   and count it against the next, different, wolfSSL_write().)
 * - PSK identities are C strings in wolfSSL's API: identities containing a NUL byte are refused
 *   (-ENOTSUP) for a client, and a server sees a received identity only up to its first NUL.
 * - Undecrypted records are invisible through wolfSSL's API (wolfSSL_has_pending() counts only
 *   decrypted data), so pending() follows the records of the last datagram itself.
 * - Lost last flight: once its handshake is done, a 5.5.4 DTLS server does not answer the
 *   client's repeated last flight with its own; a server session keeps the datagrams that
 *   completed its handshake and resends them (compat_5_5.c, 4).
 * - Certificates, where 5.5.4 differs from mbedTLS: the verify callback is not called for the
 *   trust anchor (only for the certificates the peer sent: a server with one certificate gives
 *   one call, depth 0); a certificate not yet valid is answered with certificate_expired (mbedTLS:
 *   certificate_unknown) and one the application refuses with bad_certificate (mbedTLS:
 *   access_denied) - wolfSSL picks the alert. In the callback, store->error carries the
 *   OpenSSL-style X509_V_ERR_* code, and 5.5.4 reports an expired certificate as
 *   X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD and a future one as ..._NOT_BEFORE_FIELD; both are
 *   mapped. wolfSSL_CTX_check_private_key compares only the key types for ECC, so the driver
 *   compares the public points itself (SOCK_SECURE_E_CRED_MISMATCH; compat_5_5.c, 5). A peer certificate on another
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
 * areas: 280 and 368 bytes on x86_64. wolfSSL allocates the rest, measured on Debian's
 * 5.5.4 x86_64 with counting wolfSSL_SetAllocators hooks (DTLS 1.2, PSK-CHACHA20-POLY1305):
 * - per socket: 9,180 bytes in 7 blocks (the WOLFSSL_CTX and its method), freed by ctx_free;
 *   a client-server socket has two: 18,360 bytes in 14 blocks;
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

#include "driver.h" /* first: _POSIX_C_SOURCE for pthread_once and strnlen */

#ifndef SINGLE_THREADED
#include <pthread.h>
#endif
#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/random.h>

#include "../builtin.h"

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

int tlsman_wolfssl_lib_ready(void)
{
#ifdef SINGLE_THREADED
    /* a wolfSSL built for one thread (RIOT's port): so is its user, no lock needed */
    if (ss_lib_status == 1) {
        ss_lib_init();
    }
#else
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (pthread_once(&once, ss_lib_init) != 0) {
        return SOCK_SECURE_E_BACKEND;
    }
#endif
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

/** Begin a driver call: forget what the previous call saw. */
static void ss_call_begin(ss_wolfssl_session_t *s)
{
    tlsman_call_begin(&s->t);
    s->call_new_flight = false;
    s->call_hvr = false;
    s->call_tx_blocked = false;
    s->call_rx_app = 0;
    s->call_rx_bad = 0;
    tlsman_wolfssl_w55_call_begin(s);
}

/* ---- memory BIO ------------------------------------------------------------------------------ */

/** Walk what we send (one datagram): alerts, new flights (a handshake message_seq above every one
 *  sent in the clear before: wolfSSL has no timer callbacks in non-blocking DTLS) and
 *  HelloVerifyRequests. */
static void ss_scan_tx(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
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
            if (r.body[SS_HS_TYPE] == SS_HT_HELLO_VERIFY_REQUEST) {
                s->call_hvr = true;
            }
        }
    }
}

/** Walk a datagram handed to wolfSSL: its record types, for pending(). */
static void ss_scan_rx(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
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
        }
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
        tlsman_wolfssl_w55_tx(s, (const uint8_t *)buf, (size_t)rc); /* compat_5_5.c */
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
        size_t n = tlsman_wolfssl_w55_rx(s, (uint8_t *)buf, (size_t)rc); /* compat_5_5.c */
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
    if (s == NULL) {
        return 0;
    }
    const ss_wolfssl_ctx_t *c = s->ctx;
    /* set_psk: this session's own (no NUL in the identity: checked there); else the socket's */
    const uint8_t *id = s->own_psk ? s->psk.identity : (const uint8_t *)c->psk_id;
    size_t id_len = s->own_psk ? s->psk.identity_len : strlen(c->psk_id);
    const uint8_t *k = s->own_psk ? s->psk.key : c->psk_key;
    size_t key_len = s->own_psk ? s->psk.key_len : c->psk_key_len;
    if (c->psk_for_hint) {
        /* the server's hint as wolfSSL keeps it: a C string, "" without one */
        sock_secure_psk_t chosen;
        size_t hint_len = hint != NULL ? strlen(hint) : 0;
        int rc = s->t.io->psk_for_hint(s->t.io_ctx, (const uint8_t *)hint, hint_len, &chosen);
        if (rc < 0 || (rc == 0 && memchr(chosen.identity, 0, chosen.identity_len) != NULL)) {
            return 0; /* wolfSSL fails the handshake (PSK_KEY_ERROR) */
        }
        if (rc == 0) {
            id = chosen.identity;
            id_len = chosen.identity_len;
            k = chosen.key;
            key_len = chosen.key_len;
        }
    }
    if (id_len == 0 || id_len > id_max || key_len > key_max) {
        return 0;
    }
    memcpy(identity, id, id_len); /* wolfSSL's buffer has id_max + 1 bytes */
    identity[id_len] = '\0';
    memcpy(key, k, key_len);
    return (unsigned int)key_len;
}

/* Client: offer @p psk in this session instead of the socket's. */
static int ss_set_psk(void *p, const sock_secure_psk_t *psk)
{
    ss_wolfssl_session_t *s = p;
    if (s->ctx == NULL || s->server || psk == NULL || psk->identity == NULL ||
        psk->identity_len == 0 || psk->key == NULL || psk->key_len == 0) {
        return -EINVAL;
    }
    if (memchr(psk->identity, 0, psk->identity_len) != NULL) {
        return -ENOTSUP; /* wolfSSL passes identities as C strings */
    }
    s->psk = *psk;
    s->own_psk = true;
    return 0;
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

/* ---- socket state ---------------------------------------------------------------------------- */

static void ss_ctx_free(void *p)
{
    ss_wolfssl_ctx_t *c = p;
    if (c->wctx != NULL) {
        wolfSSL_CTX_free(c->wctx); /* with its method and identity hint */
    }
    if (c->wctx_cli != NULL) {
        wolfSSL_CTX_free(c->wctx_cli);
    }
    tlsman_zero(c, sizeof(*c));
}

/**
 * What wolfSSL cannot do with a configuration the core accepted (the core has checked everything
 * tlsman_config_t lists; tlsman_ctx_plan what is common to every driver).
 */
static int ss_ctx_check(const tlsman_config_t *cfg)
{
    if (cfg->role == TLSMAN_CLIENT_SERVER && !SS_CLIENT_SERVER) {
        return -ENOTSUP;
    }
    if (cfg->role != TLSMAN_SERVER && cfg->psk != NULL &&
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

/**
 * Set up one WOLFSSL_CTX in @p *out: the socket's, or one of a client-server's two (@p server
 * picks the method). Its I/O callbacks, certificates (@p plan; NULL for a client-server's client
 * context, which has none: the core gives such a socket no certificates), no tickets or session
 * cache, exactly the checked suites, and the PSK callback of its role. Returns 0, -ENOMEM,
 * conf_x509's codes or SOCK_SECURE_E_BACKEND (the caller frees what was made).
 */
static int ss_wctx_setup(ss_wolfssl_ctx_t *c, WOLFSSL_CTX **out, bool server,
                         const tlsman_config_t *cfg, const tlsman_plan_t *plan)
{
    uint8_t suites[2 * CONFIG_SOCK_SECURE_MAX_SUITES];

    /* TLS 1.2 / DTLS 1.2 only. The method is owned (and freed) by the WOLFSSL_CTX. */
    WOLFSSL_METHOD *method;
    if (c->k.datagram) {
        method = server ? wolfDTLSv1_2_server_method() : wolfDTLSv1_2_client_method();
    } else {
        method = server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
    }
    if (method == NULL) {
        return -ENOMEM;
    }
    WOLFSSL_CTX *w = *out = wolfSSL_CTX_new(method);
    if (w == NULL) {
        return -ENOMEM;
    }
    wolfSSL_CTX_SetIORecv(w, ss_recv_cb);
    wolfSSL_CTX_SetIOSend(w, ss_send_cb);
#if SS_X509
    int rc = plan != NULL ? tlsman_wolfssl_conf_x509(c, cfg, plan) : 0;
    if (rc < 0) {
        return rc;
    }
    if (plan == NULL) {
        wolfSSL_CTX_set_verify(w, WOLFSSL_VERIFY_NONE, NULL); /* PSK only: nothing to verify */
    }
#else
    (void)plan;
#endif
    /* nothing of a session outlives it: no tickets, no session cache (wolfSSL's is global) */
#ifdef HAVE_SESSION_TICKET
    (void)wolfSSL_CTX_NoTicketTLSv12(w);
#endif
#ifndef NO_SESSION_CACHE
    (void)wolfSSL_CTX_set_session_cache_mode(w, WOLFSSL_SESS_CACHE_OFF);
#endif

    /* exactly the checked list: wolfSSL negotiates nothing else */
    for (size_t i = 0; i < cfg->suite_count; i++) {
        suites[2 * i] = (uint8_t)(cfg->suites[i]->id >> 8);
        suites[2 * i + 1] = (uint8_t)(cfg->suites[i]->id & 0xFFu);
    }
    if (wolfSSL_CTX_set_cipher_list_bytes(w, suites, (int)(2 * cfg->suite_count)) !=
        WOLFSSL_SUCCESS) {
        return SOCK_SECURE_E_BACKEND;
    }

    if (server) {
        wolfSSL_CTX_set_psk_server_callback(w, ss_psk_server_cb);
        if (cfg->psk_hint_len > 0) { /* at most CONFIG_SOCK_SECURE_PSK_ID_MAX, no NUL (core) */
            char hint[CONFIG_SOCK_SECURE_PSK_ID_MAX + 1];
            memcpy(hint, cfg->psk_hint, cfg->psk_hint_len);
            hint[cfg->psk_hint_len] = '\0';
            if (wolfSSL_CTX_use_psk_identity_hint(w, hint) != WOLFSSL_SUCCESS) {
                return SOCK_SECURE_E_BACKEND;
            }
        }
    } else if (cfg->psk != NULL || cfg->psk_per_session || cfg->psk_for_hint) {
        wolfSSL_CTX_set_psk_client_callback(w, ss_psk_client_cb);
    }
    return 0;
}

static int ss_ctx_init(void *p, const tlsman_config_t *cfg)
{
    ss_wolfssl_ctx_t *c = p;
    int rc;

    memset(c, 0, sizeof(*c));
    tlsman_plan_t plan;
    if ((rc = tlsman_ctx_plan(cfg, &c->k, &plan)) < 0 || (rc = ss_ctx_check(cfg)) < 0 ||
        (rc = tlsman_wolfssl_lib_ready()) < 0 ||
        (rc = ss_wctx_setup(c, &c->wctx, c->k.server, cfg, &plan)) < 0 ||
        (c->k.both && (rc = ss_wctx_setup(c, &c->wctx_cli, false, cfg, NULL)) < 0)) {
        ss_ctx_free(c);
        return rc;
    }
    if (c->k.server && c->k.datagram &&
        (rc = ss_random(c->cookie_secret, sizeof(c->cookie_secret))) < 0) {
        ss_ctx_free(c);
        return rc;
    }
    if (cfg->psk != NULL) { /* a client's, or a client-server's for its client sessions */
        memcpy(c->psk_id, cfg->psk->identity, cfg->psk->identity_len);
        c->psk_id[cfg->psk->identity_len] = '\0';
        memcpy(c->psk_key, cfg->psk->key, cfg->psk->key_len);
        c->psk_key_len = cfg->psk->key_len;
    }
    c->psk_for_hint = cfg->psk_for_hint;
    return 0;
}

/* ---- sessions -------------------------------------------------------------------------------- */

static void ss_session_free(void *p)
{
    ss_wolfssl_session_t *s = p;
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

    memset(s, 0, sizeof(*s));
    /* a client-server's sessions: a server session has the peer id its cookies are bound to, a
     * client session (the core's connect()) none; each is made from the context of its role */
    s->server = c->k.server && !(c->k.both && peer_id == NULL);
    if (s->server && c->k.datagram &&
        (peer_id == NULL || peer_id_len == 0 || peer_id_len > UINT_MAX)) {
        return -EINVAL; /* the cookie binds the peer's address: without it every check fails */
    }
    s->ctx = c;
    tlsman_sess_init(&s->t, c->k.io, io_ctx);
    s->tx_mseq = -1;
    tlsman_wolfssl_w55_init(s); /* compat_5_5.c */

    s->ssl = wolfSSL_new(s->server || !c->k.both ? c->wctx : c->wctx_cli);
    if (s->ssl == NULL) {
        return -ENOMEM;
    }
    wolfSSL_SetIOReadCtx(s->ssl, s);
    wolfSSL_SetIOWriteCtx(s->ssl, s);
#if SS_X509
    wolfSSL_SetCertCbCtx(s->ssl, s); /* store->userCtx in the verify callback */
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
        if (s->server) {
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
            int err = tlsman_wolfssl_error(s, wolfSSL_get_error(s->ssl, rc), true);
            if (err != -EAGAIN) {
                return ss_fail(s, err);
            }
            /* the transport would block: to the peer the resend is lost, the timer goes on */
        }
        /* the re-arm is all the core sees: a stop would reset its back-off and retry count */
        ss_timer(s, true);
    }

    int ret = s->server ? wolfSSL_accept(s->ssl) : wolfSSL_connect(s->ssl);
    if (ret == WOLFSSL_SUCCESS) {
        s->established = true;
#if SS_X509
        /* a server verifying optionally: a client that sent no certificate is let in, and
         * reported (the verify callback saw no certificate) */
        if (s->server && s->ctx->k.verify != TLSMAN_VERIFY_NONE && !s->vfy_seen &&
            tlsman_wolfssl_cert_suite(s->ctx, wolfSSL_get_current_cipher_suite(s->ssl))) {
            s->t.verify |= SOCK_SECURE_VFY_NO_CERT;
        }
#endif
        tlsman_wolfssl_w55_established(s); /* compat_5_5.c */
        if (s->timer_on) {
            ss_timer(s, false);
        }
        return 0;
    }
    int werr = wolfSSL_get_error(s->ssl, ret);
    int err = tlsman_wolfssl_error(s, werr, true);
    if (err != -EAGAIN) {
        /* DTLS: compat_5_5.c sends the alert wolfSSL 5.5.4 may have left out */
        return s->ctx->k.datagram ? tlsman_wolfssl_w55_hs_failed(s, werr, err) : ss_fail(s, err);
    }
    if (!s->ctx->k.datagram) {
        return -EAGAIN;
    }
    if (s->server && s->call_hvr) {
        return SOCK_SECURE_E_HELLO_VERIFY; /* the core frees this session: no state kept */
    }
    int stuck = tlsman_wolfssl_w55_hs_waiting(s); /* compat_5_5.c: a handshake 5.5.4 hangs */
    if (stuck < 0) {
        return stuck;
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

/** Can read() or write() run on @p s with this buffer? 0, the error that ended the session,
 *  -ENOTCONN before the handshake, -EINVAL for a length without a buffer. */
static int ss_ready(const ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
{
    if (s->fail != 0) {
        return s->fail;
    }
    if (!s->established || s->ssl == NULL) {
        return -ENOTCONN;
    }
    return buf == NULL && len > 0 ? -EINVAL : 0;
}

static int ss_read(void *p, uint8_t *buf, size_t len)
{
    ss_wolfssl_session_t *s = p;
    int rc = ss_ready(s, buf, len);
    if (rc < 0) {
        return rc;
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
            err = tlsman_wolfssl_error(s, err, false);
            if (err == -EAGAIN) {
                tlsman_wolfssl_w55_read_idle(s); /* compat_5_5.c: the server's lost last flight */
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
        tlsman_wolfssl_w55_app_data(s); /* compat_5_5.c */
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
        return ss_fail(s, tlsman_wolfssl_error(s, wolfSSL_get_error(s->ssl, n), false));
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
    int rc = ss_ready(s, buf, len);
    if (rc < 0 || len == 0) {
        return rc;
    }
    ss_call_begin(s);
    if (!s->ctx->k.datagram) {
        /* TLS: earlier output first (nothing new is taken while some waits), then one record;
         * once wolfSSL has built it, it is accepted (sent, or kept in s->out) */
        rc = ss_out_push(s);
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
        int err = tlsman_wolfssl_error(s, wolfSSL_get_error(s->ssl, n), false);
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
        return tlsman_wolfssl_error(s, wolfSSL_get_error(s->ssl, rc), false);
    }
    tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_SENT);
    return 0;
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

#if SS_X509 && defined(SESSION_CERTS)
/* the peer's leaf from the session's chain (DER owned by wolfSSL), parsed into our own copy */
static size_t ss_peer_subject(void *p, char *buf, size_t len)
{
    const ss_wolfssl_session_t *s = p;
    WOLFSSL_X509_CHAIN *chain = s->established && s->ssl != NULL ? wolfSSL_get_peer_chain(s->ssl)
                                                                  : NULL;
    buf[0] = '\0';
    if (chain == NULL || wolfSSL_get_chain_count(chain) < 1 || len > INT_MAX) {
        return 0;
    }
    WOLFSSL_X509 *x = wolfSSL_X509_d2i(NULL, wolfSSL_get_chain_cert(chain, 0),
                                       wolfSSL_get_chain_length(chain, 0));
    WOLFSSL_X509_NAME *name = x != NULL ? wolfSSL_X509_get_subject_name(x) : NULL;
    if (name == NULL || wolfSSL_X509_NAME_oneline(name, buf, (int)len) == NULL) {
        buf[0] = '\0';
    }
    wolfSSL_X509_free(x);
    return strlen(buf);
}
#endif

const tlsman_driver_t tlsman_wolfssl = {
    .name = "wolfssl",
    .version = LIBWOLFSSL_VERSION_STRING,
    .caps = TLSMAN_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | TLSMAN_CAP_PSK_HINT |
            TLSMAN_CAP_PSK_FOR_HINT | TLSMAN_CAP_PSK_PER_SESSION |
            (SS_CLIENT_SERVER ? TLSMAN_CAP_CLIENT_SERVER : 0u) | (SS_X509 ? TLSMAN_CAP_X509 : 0u),
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
#if SS_X509 && defined(SESSION_CERTS)
    .peer_subject = ss_peer_subject,
#endif
    .max_payload = ss_max_payload,
#if SS_X509
    .cred_check = tlsman_wolfssl_cred_check,
    .set_server_name = tlsman_wolfssl_set_server_name,
    .set_peer_ip = tlsman_wolfssl_set_peer_ip,
#else /* PSK only: no certificates to check, no names or addresses to expect in them */
    .cred_check = tlsman_cred_check_none,
#endif
    .flush = ss_flush,
    .set_psk = ss_set_psk,
};
