/* The code every driver shares, on its own: the DTLS wire format and its bounded record walker
 * (src/common/dtls_wire.h), tlsman_zero (src/common/zero.c) and src/tlsman/common.c (the checks
 * ctx_init adds to the core's, alert sniffing, the verify callback's address and application
 * steps, info, PSK lookup, server names, credentials of another kind, handshake messages too long
 * for the stack). */
#include <string.h>

#include "common.h" /* src/tlsman (test include path) */
#include "secure_sock/sock_secure.h"
#include "testutil.h"

/* A DTLS record: type, DTLS 1.2, epoch, sequence number, then the body. */
static size_t put_rec(uint8_t *out, uint8_t type, unsigned epoch, uint64_t seq, const uint8_t *body,
                      size_t len)
{
    out[SS_REC_TYPE] = type;
    out[SS_REC_VERSION] = SS_DTLS_MAJOR;
    out[SS_REC_VERSION + 1] = SS_DTLS_1_2_MINOR;
    ss_put16(&out[SS_DTLS_REC_EPOCH], epoch);
    ss_put48(&out[SS_DTLS_REC_SEQ], seq);
    ss_put16(&out[SS_DTLS_REC_LEN], len);
    memcpy(out + SS_DTLS_RECORD_HDR, body, len);
    return SS_DTLS_RECORD_HDR + len;
}

static void wire_layout_is_rfc_6347(void)
{
    uint8_t rec[SS_DTLS_RECORD_HDR + 2];
    static const uint8_t body[] = { 0xAB, 0xCD };
    CHECK_EQ(put_rec(rec, SS_CT_ALERT, 1, 0x010203040506ull, body, 2), sizeof(rec));
    static const uint8_t want[] = { 21, 0xFE, 0xFD, 0, 1, 1, 2, 3, 4, 5, 6, 0, 2, 0xAB, 0xCD };
    CHECK_MEM(rec, want, sizeof(want));
    CHECK_EQ(ss_dtls_rec_epoch(rec), 1u);
    CHECK(!ss_dtls_rec_epoch0(rec));
    CHECK(ss_dtls_rec_seq(rec) == 0x010203040506ull);
    CHECK_EQ(ss_rec_len(rec, true), 2u);
    static const uint8_t tls[] = { 23, 3, 3, 0x01, 0x02 };
    CHECK_EQ(ss_rec_len(tls, false), 0x102u);
    CHECK_EQ(ss_get24((const uint8_t *)"\x01\x02\x03"), 0x010203u);
    CHECK_EQ(SS_DTLS_RECORD_HDR, 13u);
    CHECK_EQ(SS_DTLS_HS_HDR, 12u);
    CHECK_EQ(SS_ALERT_UNKNOWN_PSK_IDENTITY, 115u);
}

/* The walker yields whole records only, and says when the bytes end inside one. */
static void record_walker_never_reads_past_the_end(void)
{
    uint8_t dg[64];
    static const uint8_t a[] = { 1, 2, 3 };
    size_t n = put_rec(dg, SS_CT_HANDSHAKE, 0, 7, a, sizeof(a));
    n += put_rec(dg + n, SS_CT_APPLICATION_DATA, 1, 8, a, 0);
    ss_rec_walk_t w = ss_rec_walk(dg, n, true);
    ss_rec_t r;
    REQUIRE(ss_rec_next(&w, &r));
    CHECK_EQ(r.type, SS_CT_HANDSHAKE);
    CHECK(r.hdr == dg && r.body == dg + SS_DTLS_RECORD_HDR);
    CHECK_EQ(r.len, sizeof(a));
    REQUIRE(ss_rec_next(&w, &r));
    CHECK_EQ(r.type, SS_CT_APPLICATION_DATA);
    CHECK_EQ(r.len, 0u);
    CHECK(!ss_rec_next(&w, &r));
    CHECK(ss_rec_walk_whole(&w));

    /* every truncation: a cut header or body ends the walk, which is whole only where the cut
     * falls between the two records */
    const size_t first = SS_DTLS_RECORD_HDR + sizeof(a);
    for (size_t cut = 1; cut < n; cut++) {
        w = ss_rec_walk(dg, n - cut, true);
        size_t seen = 0;
        while (ss_rec_next(&w, &r)) {
            CHECK(r.body + r.len <= dg + n - cut);
            seen++;
        }
        CHECK_EQ(seen, n - cut >= first ? 1u : 0u);
        CHECK_EQ(ss_rec_walk_whole(&w), n - cut == first);
    }
    /* a length field pointing far past the end */
    ss_put16(&dg[SS_DTLS_REC_LEN], 0xFFFF);
    w = ss_rec_walk(dg, n, true);
    CHECK(!ss_rec_next(&w, &r));
    CHECK(!ss_rec_walk_whole(&w));
    /* nothing at all is whole */
    w = ss_rec_walk(dg, 0, true);
    CHECK(!ss_rec_next(&w, &r));
    CHECK(ss_rec_walk_whole(&w));
}

static void alerts_sent_are_noted_only_in_whole_records(void)
{
    uint8_t dg[64];
    static const uint8_t fatal[] = { SS_ALERT_LEVEL_FATAL, SS_ALERT_BAD_RECORD_MAC };
    static const uint8_t warning[] = { SS_ALERT_LEVEL_WARNING, SS_ALERT_CLOSE_NOTIFY };
    static const uint8_t cipher[] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    tlsman_tx_alert_t a = { false, false, false, 0 };

    size_t n = put_rec(dg, SS_CT_ALERT, 0, 1, warning, sizeof(warning));
    tlsman_scan_tx_alerts(&a, dg, n, true, false);
    CHECK(a.any && !a.fatal && !a.known); /* a plaintext warning */

    n = put_rec(dg, SS_CT_ALERT, 0, 2, fatal, sizeof(fatal));
    tlsman_scan_tx_alerts(&a, dg, n, true, false);
    CHECK(a.any && a.fatal && a.known);
    CHECK_EQ(a.desc, SS_ALERT_BAD_RECORD_MAC);

    a = (tlsman_tx_alert_t){ false, false, false, 0 };
    n = put_rec(dg, SS_CT_ALERT, 1, 3, cipher, sizeof(cipher));
    tlsman_scan_tx_alerts(&a, dg, n, true, false);
    CHECK(a.any && a.fatal && !a.known); /* encrypted: level and description unknown */

    /* TLS: plaintext or not is the stack's word; bytes that are not whole records are not read */
    uint8_t tls[7] = { SS_CT_ALERT, 3, 3, 0, 2, SS_ALERT_LEVEL_FATAL, SS_ALERT_DECODE_ERROR };
    a = (tlsman_tx_alert_t){ false, false, false, 0 };
    tlsman_scan_tx_alerts(&a, tls, sizeof(tls) - 1, false, true);
    CHECK(!a.any);
    tlsman_scan_tx_alerts(&a, tls, sizeof(tls), false, true);
    CHECK(a.fatal && a.known);
    CHECK_EQ(a.desc, SS_ALERT_DECODE_ERROR);

    tlsman_sess_t t;
    memset(&t, 0, sizeof(t));
    t.tx = a;
    t.io_err = -EIO;
    t.rx_dropped = true;
    tlsman_call_begin(&t);
    CHECK(!t.tx.any && !t.tx.fatal && !t.tx.known && t.io_err == 0 && !t.rx_dropped);
}

/* A DTLS handshake fragment: msg_type, message length, message_seq, offset, fragment length,
 * then @p frag_len bytes of 0x5A. */
static size_t put_hs(uint8_t *out, uint8_t type, size_t msg_len, unsigned seq, size_t off,
                     size_t frag_len)
{
    out[SS_HS_TYPE] = type;
    ss_put24(&out[SS_HS_LEN], msg_len);
    ss_put16(&out[SS_DTLS_HS_SEQ], seq);
    ss_put24(&out[SS_DTLS_HS_FRAG_OFF], off);
    ss_put24(&out[SS_DTLS_HS_FRAG_LEN], frag_len);
    memset(out + SS_DTLS_HS_HDR, 0x5A, frag_len);
    return SS_DTLS_HS_HDR + frag_len;
}

/* A datagram carrying a fragment of a handshake message longer than the stack takes is told
 * apart from everything else, header checked, never reading past the datagram. */
static void handshake_message_too_long_is_spotted_in_a_datagram(void)
{
    uint8_t hs[128], dg[512];
    const size_t max = 1012; /* the device profile: 1,024 - 12 */
    /* the server's Certificate, 1,013 bytes, its first 100 */
    size_t h = put_hs(hs, SS_HT_CERTIFICATE, 1013, 2, 0, 100);
    size_t n = put_rec(dg, SS_CT_HANDSHAKE, 0, 3, hs, h);
    CHECK(tlsman_dtls_hs_too_long(dg, n, max));
    CHECK(!tlsman_dtls_hs_too_long(dg, n, 1013)); /* fits exactly */
    CHECK(!tlsman_dtls_hs_too_long(dg, n - 1, max)); /* truncated record: not read */
    /* the last fragment of it, after a record that fits */
    static const uint8_t ccs[] = { 1 };
    n = put_rec(dg, SS_CT_CHANGE_CIPHER_SPEC, 0, 4, ccs, 1);
    h = put_hs(hs, SS_HT_CERTIFICATE, 1013, 2, 913, 100);
    n += put_rec(dg + n, SS_CT_HANDSHAKE, 0, 5, hs, h);
    CHECK(tlsman_dtls_hs_too_long(dg, n, max));
    /* a whole message that fits */
    h = put_hs(hs, SS_HT_SERVER_HELLO_DONE, 0, 3, 0, 0);
    n = put_rec(dg, SS_CT_HANDSHAKE, 0, 6, hs, h);
    CHECK(!tlsman_dtls_hs_too_long(dg, n, max));
    /* encrypted (epoch 1), or not a handshake record: not read */
    h = put_hs(hs, SS_HT_CERTIFICATE, 5000, 2, 0, 100);
    n = put_rec(dg, SS_CT_HANDSHAKE, 1, 0, hs, h);
    CHECK(!tlsman_dtls_hs_too_long(dg, n, max));
    n = put_rec(dg, SS_CT_APPLICATION_DATA, 0, 7, hs, h);
    CHECK(!tlsman_dtls_hs_too_long(dg, n, max));
    /* inconsistent headers: fragment beyond its record, beyond the message, offset beyond it */
    h = put_hs(hs, SS_HT_CERTIFICATE, 5000, 2, 0, 100);
    ss_put24(&hs[SS_DTLS_HS_FRAG_LEN], 101);
    n = put_rec(dg, SS_CT_HANDSHAKE, 0, 8, hs, h);
    CHECK(!tlsman_dtls_hs_too_long(dg, n, max));
    h = put_hs(hs, SS_HT_CERTIFICATE, 5000, 2, 4950, 100);
    n = put_rec(dg, SS_CT_HANDSHAKE, 0, 9, hs, h);
    CHECK(!tlsman_dtls_hs_too_long(dg, n, max));
    h = put_hs(hs, SS_HT_CERTIFICATE, 5000, 2, 5001, 0);
    n = put_rec(dg, SS_CT_HANDSHAKE, 0, 10, hs, h);
    CHECK(!tlsman_dtls_hs_too_long(dg, n, max));
    /* a record too short for a handshake header */
    n = put_rec(dg, SS_CT_HANDSHAKE, 0, 11, hs, SS_DTLS_HS_HDR - 1);
    CHECK(!tlsman_dtls_hs_too_long(dg, n, max));
    CHECK(!tlsman_dtls_hs_too_long(dg, 0, max));
}

/* ---- ctx_init's own checks --------------------------------------------------------------------- */

static const uint8_t key_bytes[] = "key";
static const tlsman_cred_t cred_key = { SOCK_SECURE_CRED_PRIVATE_KEY, key_bytes, 3 };
static const tlsman_cred_t cred_chain = { SOCK_SECURE_CRED_CERT_CHAIN, key_bytes, 3 };
static const tlsman_cred_t cred_ca = { SOCK_SECURE_CRED_CA, key_bytes, 3 };

static int plan(tlsman_role_t role, const uint16_t *ids, size_t n, bool psk,
                const tlsman_cred_t *creds, size_t cred_count, tlsman_sock_t *k, tlsman_plan_t *p)
{
    static const uint8_t id[] = "id";
    static const sock_secure_psk_t the_psk = { id, 2, key_bytes, 3 };
    const tlsman_suite_t *suites[4];
    if (n > 4 || tu_suite_list(ids, n, suites) < 0) {
        CHECK(!"suites of the table");
        return -1000;
    }
    tlsman_config_t cfg = { .role = role, .datagram = true, .suites = suites, .suite_count = n,
                            .psk = psk ? &the_psk : NULL, .mtu = 70000, .creds = creds,
                            .cred_count = cred_count, .verify = TLSMAN_VERIFY_OPTIONAL };
    return tlsman_ctx_plan(&cfg, k, p);
}

static void ctx_plan_checks_what_the_core_cannot_see(void)
{
    const uint16_t psk[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    const uint16_t cert[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    const uint16_t both[] = { SOCK_SECURE_PSK_AES_128_CCM_8, SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    tlsman_sock_t k;
    tlsman_plan_t p;

    CHECK_EQ(plan(TLSMAN_CLIENT, psk, 1, true, NULL, 0, &k, &p), 0);
    CHECK(!k.server && k.datagram && k.mtu == UINT16_MAX && k.verify == TLSMAN_VERIFY_OPTIONAL);
    CHECK(p.psk_suites && !p.cert_suites && p.key == NULL && p.chain == NULL && p.cas == 0);
    /* a plain-PSK suite the client cannot offer */
    CHECK_EQ(plan(TLSMAN_CLIENT, both, 2, false, &cred_ca, 1, &k, &p), -EINVAL);
    CHECK_EQ(plan(TLSMAN_CLIENT, cert, 1, false, &cred_ca, 1, &k, &p), 0);
    CHECK_EQ(p.cas, 1u);
    /* a certificate suite the server cannot serve */
    CHECK_EQ(plan(TLSMAN_SERVER, both, 2, false, NULL, 0, &k, &p), -EINVAL);
    /* a key alone: a raw public key identity (the core passes one only to RPK drivers) */
    CHECK_EQ(plan(TLSMAN_SERVER, both, 2, false, &cred_key, 1, &k, &p), 0);
    CHECK(p.key == &cred_key && p.chain == NULL);
    const tlsman_cred_t id[] = { cred_chain, cred_key, cred_ca, cred_ca };
    CHECK_EQ(plan(TLSMAN_SERVER, both, 2, false, id, 4, &k, &p), 0);
    CHECK(k.server && p.chain == &id[0] && p.key == &id[1] && p.cas == 2);
    /* one identity per socket */
    const tlsman_cred_t two_keys[] = { cred_chain, cred_key, cred_key };
    CHECK_EQ(plan(TLSMAN_SERVER, cert, 1, false, two_keys, 3, &k, &p), -ENOTSUP);
    const tlsman_cred_t two_chains[] = { cred_chain, cred_key, cred_chain };
    CHECK_EQ(plan(TLSMAN_SERVER, cert, 1, false, two_chains, 3, &k, &p), -ENOTSUP);
}

/* ---- session helpers ---------------------------------------------------------------------------- */

static size_t psk_cb(void *ctx, const uint8_t *identity, size_t identity_len, uint8_t *key,
                     size_t key_max)
{
    (void)ctx;
    if (identity_len == 3 && memcmp(identity, "dev", 3) == 0 && key_max >= 4) {
        memcpy(key, "\x01\x02\x03\x04", 4);
        return 4;
    }
    if (identity_len == 4 && memcmp(identity, "long", 4) == 0) {
        return key_max + 1; /* a lookup that claims more than fits */
    }
    return 0;
}

static const tlsman_io_t psk_io = { NULL, NULL, NULL, psk_cb, NULL, NULL };

static void psk_lookup_bounds_the_identity_and_zeroes_on_failure(void)
{
    tlsman_sess_t t;
    memset(&t, 0, sizeof(t));
    tlsman_sess_init(&t, &psk_io, NULL);
    uint8_t key[8];
    CHECK_EQ(tlsman_psk_lookup(&t, (const uint8_t *)"dev", 3, key, sizeof(key)), 4u);
    CHECK_MEM(key, "\x01\x02\x03\x04", 4);
    static const uint8_t zero[8] = { 0 };
    memset(key, 0x5A, sizeof(key));
    CHECK_EQ(tlsman_psk_lookup(&t, (const uint8_t *)"long", 4, key, sizeof(key)), 0u);
    CHECK_MEM(key, zero, sizeof(key));
    memset(key, 0x5A, sizeof(key));
    CHECK_EQ(tlsman_psk_lookup(&t, (const uint8_t *)"nobody", 6, key, sizeof(key)), 0u);
    CHECK_MEM(key, zero, sizeof(key));
    uint8_t long_id[CONFIG_SOCK_SECURE_PSK_ID_MAX + 1];
    memset(long_id, 'a', sizeof(long_id));
    CHECK_EQ(tlsman_psk_lookup(&t, long_id, sizeof(long_id), key, sizeof(key)), 0u);
    CHECK_EQ(tlsman_psk_lookup(&t, long_id, 0, key, sizeof(key)), 0u);

    uint8_t secret[5] = { 1, 2, 3, 4, 5 };
    tlsman_zero(secret, sizeof(secret));
    CHECK_MEM(secret, zero, sizeof(secret));
    tlsman_zero(NULL, 0);
}

static void info_names_and_addresses(void)
{
    tlsman_sess_t t;
    memset(&t, 0, sizeof(t));
    tlsman_alert_set(&t, SS_ALERT_HANDSHAKE_FAILURE, TLSMAN_ALERT_RECEIVED);
    t.verify = SOCK_SECURE_VFY_EXPIRED;
    t.vfy_app = SOCK_SECURE_VFY_APP;
    tlsman_info_t info;
    CHECK_EQ(tlsman_info(&t, &info, 0xC0AE, "DTLSv1.2"), 0);
    CHECK_EQ(info.suite, 0xC0AE);
    CHECK_EQ(info.alert, SS_ALERT_HANDSHAKE_FAILURE);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_EXPIRED | SOCK_SECURE_VFY_APP);
    CHECK(strcmp(info.version, "DTLSv1.2") == 0);
    CHECK_EQ(tlsman_info(&t, &info, 0x10000, NULL), 0);
    CHECK_EQ(info.suite, 0);
    CHECK_EQ(tlsman_info(&t, NULL, 0, NULL), -EINVAL);

    CHECK_EQ(tlsman_server_name_len("server.test"), 11);
    CHECK_EQ(tlsman_server_name_len(""), -EINVAL);
    CHECK_EQ(tlsman_server_name_len(NULL), -EINVAL);
    char name[257];
    memset(name, 'a', sizeof(name) - 1);
    name[256] = '\0';
    CHECK_EQ(tlsman_server_name_len(name), -EINVAL);
    name[255] = '\0';
    CHECK_EQ(tlsman_server_name_len(name), 255);

    static const uint8_t v4[4] = { 127, 0, 0, 1 };
    CHECK_EQ(tlsman_set_peer_ip(&t, v4, 3), -EINVAL);
    CHECK_EQ(tlsman_set_peer_ip(&t, NULL, 4), -EINVAL);
    CHECK_EQ(t.peer_ip_len, 0);
    CHECK_EQ(tlsman_set_peer_ip(&t, v4, 4), 0);
    CHECK_EQ(t.peer_ip_len, 4);
    CHECK_MEM(t.peer_ip, v4, 4);
}

/* ---- the verify callback's shared steps --------------------------------------------------------- */

static int app_rc;
static uint32_t app_add;
static unsigned app_calls;

static int app_cb(void *arg, const uint8_t *der, size_t der_len, int depth, uint32_t *flags)
{
    (void)arg;
    (void)der;
    (void)der_len;
    (void)depth;
    app_calls++;
    *flags |= app_add;
    *flags &= ~(uint32_t)SOCK_SECURE_VFY_EXPIRED; /* clearing has no effect */
    return app_rc;
}

static void verify_cert_checks_the_address_then_asks_the_application(void)
{
    static const uint8_t not_a_cert[] = { 0x30, 0x00 };
    static const uint8_t v4[4] = { 10, 0, 0, 1 };
    tlsman_sess_t t;
    tlsman_sock_t k;
    memset(&t, 0, sizeof(t));
    memset(&k, 0, sizeof(k));

    uint32_t bits = 0;
    CHECK(!tlsman_verify_needs_der(&t, &k, 0));
    CHECK_EQ(tlsman_verify_cert(&t, &k, not_a_cert, sizeof(not_a_cert), 0, &bits), 0);
    /* an address the certificate does not carry (no DER at all counts as none) */
    REQUIRE(tlsman_set_peer_ip(&t, v4, 4) == 0);
    CHECK(tlsman_verify_needs_der(&t, &k, 0) && !tlsman_verify_needs_der(&t, &k, 1));
    CHECK_EQ(tlsman_verify_cert(&t, &k, not_a_cert, sizeof(not_a_cert), 0, &bits),
             TLSMAN_VFY_NO_IP);
    CHECK_EQ(bits, SOCK_SECURE_VFY_NAME_MISMATCH);
    bits = 0;
    CHECK_EQ(tlsman_verify_cert(&t, &k, NULL, 0, 0, &bits), TLSMAN_VFY_NO_IP);
    bits = 0;
    CHECK_EQ(tlsman_verify_cert(&t, &k, not_a_cert, sizeof(not_a_cert), 1, &bits), 0); /* CA */
    CHECK_EQ(bits, 0u);

    /* the application sees the bits so far; what it adds is kept apart, with _APP */
    k.verify_cb = app_cb;
    app_calls = 0;
    app_rc = 0;
    app_add = SOCK_SECURE_VFY_REVOKED;
    bits = SOCK_SECURE_VFY_EXPIRED;
    CHECK_EQ(tlsman_verify_cert(&t, &k, not_a_cert, sizeof(not_a_cert), 0, &bits),
             TLSMAN_VFY_NO_IP | TLSMAN_VFY_APP_ADDED);
    CHECK_EQ(bits, SOCK_SECURE_VFY_EXPIRED | SOCK_SECURE_VFY_NAME_MISMATCH);
    CHECK_EQ(t.vfy_app, SOCK_SECURE_VFY_REVOKED | SOCK_SECURE_VFY_APP);
    CHECK(!t.vfy_abort);
    CHECK_EQ(app_calls, 1u);
    app_rc = -1;
    app_add = 0;
    bits = 0;
    CHECK(tlsman_verify_cert(&t, &k, not_a_cert, sizeof(not_a_cert), 1, &bits) &
          TLSMAN_VFY_APP_ABORT);
    CHECK(t.vfy_abort);
    /* without DER the application is not asked */
    CHECK_EQ(tlsman_verify_cert(&t, &k, NULL, 0, 1, &bits), 0);
    CHECK_EQ(app_calls, 2u);
}

/* A raw public key (RFC 7250) has no address to carry: only the application is asked. */
static void verify_app_asks_only_the_application(void)
{
    static const uint8_t spki[] = { 0x30, 0x00 };
    static const uint8_t v4[4] = { 10, 0, 0, 1 };
    tlsman_sess_t t;
    tlsman_sock_t k;
    memset(&t, 0, sizeof(t));
    memset(&k, 0, sizeof(k));
    REQUIRE(tlsman_set_peer_ip(&t, v4, 4) == 0);
    CHECK_EQ(tlsman_verify_app(&t, &k, spki, sizeof(spki), 0, SOCK_SECURE_VFY_NOT_PINNED), 0);
    k.verify_cb = app_cb;
    app_calls = 0;
    app_rc = 0;
    app_add = 0;
    CHECK_EQ(tlsman_verify_app(&t, &k, spki, sizeof(spki), 0, 0), 0); /* no address mismatch */
    CHECK_EQ(t.vfy_app, 0u);
    app_add = SOCK_SECURE_VFY_OTHER;
    CHECK_EQ(tlsman_verify_app(&t, &k, spki, sizeof(spki), 0, SOCK_SECURE_VFY_NOT_PINNED),
             TLSMAN_VFY_APP_ADDED);
    CHECK_EQ(t.vfy_app, SOCK_SECURE_VFY_OTHER | SOCK_SECURE_VFY_APP);
    app_rc = -5;
    app_add = 0;
    CHECK_EQ(tlsman_verify_app(&t, &k, spki, sizeof(spki), 0, 0), TLSMAN_VFY_APP_ABORT);
    CHECK(t.vfy_abort);
    CHECK_EQ(tlsman_verify_app(&t, &k, NULL, 0, 0, 0), 0); /* nothing to show */
    CHECK_EQ(app_calls, 3u);
}

/* ---- credentials of another kind ---------------------------------------------------------------- */

static int kind_of_data;

static bool is_kind(void *arg, int kind, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)data;
    (void)len;
    return kind == kind_of_data;
}

static void misdeclared_credentials_are_told_apart(void)
{
    static const uint8_t d[] = "x";
    kind_of_data = SOCK_SECURE_CRED_CERT_CHAIN;
    CHECK_EQ(tlsman_cred_misdeclared(SOCK_SECURE_CRED_PRIVATE_KEY, d, 1, is_kind, NULL),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(tlsman_cred_misdeclared(SOCK_SECURE_CRED_CA, d, 1, is_kind, NULL),
             SOCK_SECURE_E_CRED_FORMAT); /* a CA is a certificate: not asked again */
    kind_of_data = SOCK_SECURE_CRED_PEER_KEY;
    CHECK_EQ(tlsman_cred_misdeclared(SOCK_SECURE_CRED_CERT_CHAIN, d, 1, is_kind, NULL),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(tlsman_cred_misdeclared(SOCK_SECURE_CRED_PEER_KEY, d, 1, is_kind, NULL),
             SOCK_SECURE_E_CRED_FORMAT);
    kind_of_data = 0;
    CHECK_EQ(tlsman_cred_misdeclared(SOCK_SECURE_CRED_PRIVATE_KEY, d, 1, is_kind, NULL),
             SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(tlsman_cred_check_none(SOCK_SECURE_CRED_CA, d, 1), -ENOTSUP);
}

int main(void)
{
    RUN(wire_layout_is_rfc_6347);
    RUN(record_walker_never_reads_past_the_end);
    RUN(alerts_sent_are_noted_only_in_whole_records);
    RUN(handshake_message_too_long_is_spotted_in_a_datagram);
    RUN(ctx_plan_checks_what_the_core_cannot_see);
    RUN(psk_lookup_bounds_the_identity_and_zeroes_on_failure);
    RUN(info_names_and_addresses);
    RUN(verify_cert_checks_the_address_then_asks_the_application);
    RUN(verify_app_asks_only_the_application);
    RUN(misdeclared_credentials_are_told_apart);
    return tu_exit();
}
