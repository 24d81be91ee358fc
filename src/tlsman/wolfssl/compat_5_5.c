/**
 * @file compat_5_5.c
 * @brief wolfSSL driver: the work-arounds for wolfSSL 5.5.4 (Debian 12's), each in one place.
 *
 * Targets wolfSSL 5.5.4. Each block below names the 5.5.4 behaviour it works around and what to
 * delete once the stack in use no longer has it (the tests that show each behaviour:
 * tests/unit/test_driver_wolfssl_specific.c and tests/conformance/test_driver.c on wolfSSL). When
 * none is left, delete this file, ss_wolfssl_w55_t (driver.h) and the tlsman_wolfssl_w55_* calls
 * in driver.c and x509.c; the driver then works as wolfSSL itself does.
 *
 * The hooks driver.c calls:
 *   session_init     tlsman_wolfssl_w55_init
 *   every call       tlsman_wolfssl_w55_call_begin
 *   recv callback    tlsman_wolfssl_w55_rx       (filter a datagram before wolfSSL sees it)
 *   send callback    tlsman_wolfssl_w55_tx       (our epoch-0 records; the server's last flight)
 *   handshake done   tlsman_wolfssl_w55_established
 *   handshake waits  tlsman_wolfssl_w55_hs_waiting (a handshake wolfSSL would leave hanging)
 *   handshake fails  tlsman_wolfssl_w55_hs_failed  (the alert wolfSSL did not send)
 *   read, nothing    tlsman_wolfssl_w55_read_idle  (resend the server's last flight)
 *   read, data       tlsman_wolfssl_w55_app_data
 * and x509.c: tlsman_wolfssl_w55_key_matches_cert.
 */
#include "driver.h"

#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>

#define SS_AEAD_MIN 16u /**< smallest encrypted record body of any AEAD suite (its tag) */

void tlsman_wolfssl_w55_init(ss_wolfssl_session_t *s)
{
    s->w55.rec_min = SS_AEAD_MIN;
}

void tlsman_wolfssl_w55_call_begin(ss_wolfssl_session_t *s)
{
    s->w55.call_peer_fin = false;
    s->w55.call_peer_hs = false;
    if (!s->established) {
        s->w55.flight_n = 0;
        s->w55.flight_full = false;
    }
}

/* ==== 1. Damaged datagrams end a DTLS handshake ================================================
 * wolfSSL 5.5.4: a handshake record whose header is damaged ends the handshake (PARSE_ERROR, no
 * alert), and so does an encrypted record shorter than the AEAD overhead (also once established);
 * a ChangeCipherSpec that arrives without the key exchange before it (lost or damaged) is
 * answered with a fatal unexpected_message, after which wolfSSL waits on. RFC 6347 §4.1.2.7 says
 * invalid records are silently discarded: the driver does that before wolfSSL sees them, so
 * retransmission recovers as with mbedTLS. On upgrade: delete ss_filter_rx and rec_min if
 * test_driver_wolfssl_specific's damaged_hello_is_discarded_and_resent and
 * damaged_key_exchange_is_recovered_by_retransmission pass without it.
 */

/**
 * Discard the records of a received datagram whose header is not DTLS 1.2's (content type,
 * version 1.2 or the 1.0 of a first ClientHello/HelloVerifyRequest, a length within the datagram,
 * and for encrypted records room for the AEAD overhead), closing the gap in place. A server also
 * discards the client's ChangeCipherSpec (and what follows it) when the ClientKeyExchange before
 * it is missing; the client's retransmission of the whole flight then completes it. Returns the
 * new length; counts what it dropped (s->call_rx_bad).
 */
static size_t ss_filter_rx(ss_wolfssl_session_t *s, uint8_t *buf, size_t len)
{
    size_t out = 0;
    bool kx = s->w55.peer_kx || s->established || !s->server;
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        const uint8_t *h = r.hdr;
        const uint8_t minor = h[SS_REC_VERSION + 1];
        bool epoch0 = ss_dtls_rec_epoch0(h);
        bool ok = r.type >= SS_CT_CHANGE_CIPHER_SPEC && r.type <= SS_CT_APPLICATION_DATA &&
                  h[SS_REC_VERSION] == SS_DTLS_MAJOR &&
                  (minor == SS_DTLS_1_2_MINOR || minor == SS_DTLS_1_0_MINOR) &&
                  (epoch0 || r.len >= s->w55.rec_min);
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

/* ==== 2. A Finished under another PSK leaves the handshake hanging =============================
 * wolfSSL 5.5.4 drops a DTLS record that fails to decrypt silently (RFC 6347 §4.1.2.7 allows
 * it), the peer's Finished under another key included, so the handshake would wait until the
 * core's retransmission budget ran out. The driver notices it instead: the peer's key exchange
 * and ChangeCipherSpec were seen, then an epoch-1 handshake record (the Finished) arrived and
 * wolfSSL did not complete; the handshake fails with SOCK_SECURE_E_HANDSHAKE and the fatal
 * bad_record_mac mbedTLS sends in the same place. On upgrade: delete peer_kx, peer_ccs,
 * call_peer_fin and their use here if test_driver's wrong_psk_fails_both_sides_with_bad_record_mac
 * passes without it on wolfSSL.
 */

/** What the records of a datagram handed to wolfSSL say about the peer's flight. */
static void ss_note_rx(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
{
    const uint8_t kx = s->server ? SS_HT_CLIENT_KEY_EXCHANGE : SS_HT_SERVER_HELLO_DONE;
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        bool epoch0 = ss_dtls_rec_epoch0(r.hdr);
        if (s->established) {
            /* the client repeats its last flight: see 4 */
            s->w55.call_peer_hs = s->w55.call_peer_hs || r.type == SS_CT_HANDSHAKE;
        } else if (epoch0 && r.type == SS_CT_HANDSHAKE && r.len >= SS_DTLS_HS_HDR &&
                   r.body[SS_HS_TYPE] == kx) {
            s->w55.peer_kx = true;
        } else if (epoch0 && r.type == SS_CT_CHANGE_CIPHER_SPEC && s->w55.peer_kx) {
            s->w55.peer_ccs = true;
        } else if (!epoch0 && r.type == SS_CT_HANDSHAKE && s->w55.peer_ccs) {
            s->w55.call_peer_fin = true;
        }
    }
}

size_t tlsman_wolfssl_w55_rx(ss_wolfssl_session_t *s, uint8_t *buf, size_t len)
{
    size_t n = ss_filter_rx(s, buf, len);
    ss_note_rx(s, buf, n);
    return n;
}

/* ==== 3. Handshakes that end without an alert, or with one and then wait ======================
 * wolfSSL 5.5.4 ends a DTLS handshake on some malformed messages without sending an alert,
 * leaving the peer to retransmit until it gives up; it has no public call to send one. The
 * driver sends the fatal alert itself in a plaintext epoch-0 record while its own records are
 * still plaintext (before our ChangeCipherSpec), numbered after the last epoch-0 record wolfSSL
 * sent. And it sends a fatal alert for some messages out of order (a ChangeCipherSpec before the
 * key exchange, when a datagram was damaged) and then waits on: the peer ends the handshake on
 * it, so this side ends too. On upgrade: delete ss_send_alert, tx_seq0, tx_ccs,
 * tlsman_wolfssl_w55_hs_failed and the first test of tlsman_wolfssl_w55_hs_waiting (and
 * tlsman_wolfssl_alert_for in errors.c) if the alert tests of test_driver pass without them.
 */

void tlsman_wolfssl_w55_tx(ss_wolfssl_session_t *s, const uint8_t *buf, size_t len)
{
    ss_rec_walk_t w = ss_rec_walk(buf, len, true);
    ss_rec_t r;
    while (ss_rec_next(&w, &r)) {
        if (r.type == SS_CT_CHANGE_CIPHER_SPEC) {
            s->w55.tx_ccs = true;
        }
        if (ss_dtls_rec_epoch0(r.hdr)) {
            uint64_t seq = ss_dtls_rec_seq(r.hdr);
            if (seq + 1 > s->w55.tx_seq0) {
                s->w55.tx_seq0 = seq + 1;
            }
        }
    }
    if (s->server && !s->established) {
        /* see 4: keep what this handshake() call sends, in case it is the last flight */
        size_t used = 0;
        for (unsigned i = 0; i < s->w55.flight_n; i++) {
            used += s->w55.flight_len[i];
        }
        if (s->w55.flight_full || s->w55.flight_n == SS_FLIGHT_DGRAMS ||
            len > SS_FLIGHT_MAX - used) {
            s->w55.flight_full = true;
            return;
        }
        memcpy(s->w55.flight + used, buf, len);
        s->w55.flight_len[s->w55.flight_n++] = (uint16_t)len;
    }
}

/** Send a fatal alert in a plaintext epoch-0 record; records it as sent when it went out. */
static void ss_send_alert(ss_wolfssl_session_t *s, uint8_t desc)
{
    uint8_t rec[SS_DTLS_RECORD_HDR + SS_ALERT_LEN];
    uint64_t seq = s->w55.tx_seq0;
    if (s->w55.tx_ccs || !s->ctx->k.datagram) {
        return; /* the peer no longer reads our epoch 0 */
    }
    rec[SS_REC_TYPE] = SS_CT_ALERT;
    rec[SS_REC_VERSION] = SS_DTLS_MAJOR;
    rec[SS_REC_VERSION + 1] = SS_DTLS_1_2_MINOR;
    ss_put16(&rec[SS_DTLS_REC_EPOCH], 0);
    ss_put48(&rec[SS_DTLS_REC_SEQ], seq);
    ss_put16(&rec[SS_DTLS_REC_LEN], SS_ALERT_LEN);
    rec[SS_DTLS_RECORD_HDR] = SS_ALERT_LEVEL_FATAL;
    rec[SS_DTLS_RECORD_HDR + 1] = desc;
    if (s->t.io->send(s->t.io_ctx, rec, sizeof(rec)) == (int)sizeof(rec)) {
        s->w55.tx_seq0 = seq + 1;
        tlsman_alert_set(&s->t, desc, TLSMAN_ALERT_SENT);
    }
}

int tlsman_wolfssl_w55_hs_failed(ss_wolfssl_session_t *s, int werr, int err)
{
    if (!s->t.tx.any && (err == SOCK_SECURE_E_HANDSHAKE || err == SOCK_SECURE_E_NO_SUITE ||
                       err == SOCK_SECURE_E_PSK_IDENTITY || err == SOCK_SECURE_E_VERIFY)) {
        ss_send_alert(s, tlsman_wolfssl_alert_for(werr));
    }
    return ss_fail(s, err);
}

/** The handshake waits for the peer (DTLS): 0 to go on waiting, or the error that ends it. */
int tlsman_wolfssl_w55_hs_waiting(ss_wolfssl_session_t *s)
{
    if (s->t.tx.any && tlsman_wolfssl_note_sent_alert(s)) {
        return ss_fail(s, SOCK_SECURE_E_HANDSHAKE); /* 3: a fatal alert went, wolfSSL waits on */
    }
    if (s->w55.call_peer_fin) {
        /* 2: the peer's Finished did not decrypt (another PSK): bad_record_mac, in the clear
         * (our ChangeCipherSpec goes after their Finished) */
        return tlsman_wolfssl_w55_hs_failed(s, VERIFY_MAC_ERROR, SOCK_SECURE_E_HANDSHAKE);
    }
    return 0;
}

/* ==== 4. A lost last flight of a server is never resent ========================================
 * wolfSSL 5.5.4: once its handshake is done, a DTLS server does not answer the client's repeated
 * last flight with its own (wolfSSL_dtls_got_timeout and _retransmit do nothing then), so a
 * client whose copy was lost would time out. A server session keeps the datagrams of the
 * handshake() call that completed the handshake (ChangeCipherSpec + Finished, 67 bytes with
 * CHACHA20-POLY1305; see tlsman_wolfssl_w55_tx) and resends them verbatim - same records, same
 * sequence numbers, which the client takes if it missed them and drops as replays if not - when
 * handshake records arrive afterwards, until the client's first application record shows it has
 * them. On upgrade: delete flight*, call_peer_hs and the functions below if test_driver's
 * lost_final_flight_is_recovered_after_the_handshake passes without them.
 */

void tlsman_wolfssl_w55_established(ss_wolfssl_session_t *s)
{
    int one = wolfSSL_GetOutputSize(s->ssl, 1); /* header + 1 byte + the suite's overhead: 1 */
    if (s->ctx->k.datagram && one > (int)SS_DTLS_RECORD_HDR + 1 &&
        one - (int)SS_DTLS_RECORD_HDR - 1 <= UINT16_MAX) {
        s->w55.rec_min = (uint16_t)(one - (int)SS_DTLS_RECORD_HDR - 1);
    }
    if (s->w55.flight_full) {
        s->w55.flight_n = 0; /* too large to keep: a lost last flight is not recovered */
    }
}

void tlsman_wolfssl_w55_read_idle(ss_wolfssl_session_t *s)
{
    if (!s->w55.call_peer_hs || s->w55.flight_n == 0) {
        return;
    }
    size_t off = 0;
    for (unsigned i = 0; i < s->w55.flight_n; i++) {
        (void)s->t.io->send(s->t.io_ctx, s->w55.flight + off, s->w55.flight_len[i]);
        off += s->w55.flight_len[i];
    }
}

void tlsman_wolfssl_w55_app_data(ss_wolfssl_session_t *s)
{
    if (s->w55.flight_n > 0) { /* the client sends data: it has our last flight */
        tlsman_zero(s->w55.flight, sizeof(s->w55.flight));
        s->w55.flight_n = 0;
    }
}

/* ==== 5. A private key is not compared with its certificate ====================================
 * wolfSSL 5.5.4's wolfSSL_CTX_check_private_key compares only the key types for ECC, so a
 * certificate with another P-256 key would be loaded. The driver compares the public points
 * itself (SOCK_SECURE_E_CRED_MISMATCH). On upgrade: delete the functions below (and their call
 * in x509.c) if test_driver_wolfssl_specific's certificate_configurations_refused_at_ctx_init
 * still gets SOCK_SECURE_E_CRED_MISMATCH without them.
 */
#if SS_X509

/**
 * The public point of an EC key in X9.63 form (@p out, 65 bytes for P-256): from a private key
 * (PEM or DER, SEC1 or PKCS#8; the point is computed from the scalar, as PKCS#8 may omit it) or
 * from a SubjectPublicKeyInfo (DER). Returns its length, or a negative code.
 */
static int ss_ecc_point(const uint8_t *d, size_t len, int fmt, bool priv, uint8_t *out,
                        word32 out_max)
{
    uint8_t der[512];
    const uint8_t *p;
    int dlen = tlsman_wolfssl_der(d, len, fmt, priv, der, sizeof(der), &p);
    int rc = -EINVAL;
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

/** Does the private key belong to the first certificate (the same public point)? */
bool tlsman_wolfssl_w55_key_matches_cert(const tlsman_cred_t *key, const tlsman_cred_t *cert)
{
    uint8_t a[80], b[80], spki[512];
    size_t klen = key->len, clen = cert->len;
    int kfmt = tlsman_wolfssl_format(key->data, &klen);
    int cfmt = tlsman_wolfssl_format(cert->data, &clen);
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

#endif /* SS_X509 */
