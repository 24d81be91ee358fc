/* What only the wolfSSL driver has, on its own without the core (tests/util/drvharness.h): its
 * cookie binding, its known quirks (the top comment of src/tlsman/wolfssl/driver.c: fixed DTLS MTU,
 * damaged and forged records, blocked sends), the stream output buffering behind flush(), the PSK
 * identity hint, and certificates with a PKI built by wolfCrypt. The scenarios every driver shares
 * (handshake, data, alerts, retransmission, limits) are tests/conformance/test_driver.c. Debian's
 * wolfSSL 5.5.4 has one plain-PSK suite, TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: the scenarios use
 * it. (Not test_driver_wolfssl.c: that is the ctest name of the conformance test on wolfSSL.) */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "builtin.h" /* tlsman_wolfssl (src/tlsman, private) */
#include "drvharness.h"
#include "secure_sock/config.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"
#include "testutil.h"

#ifdef SS_HAVE_WOLFSSL
#define WOLFSSL_OPTIONS_IGNORE_SYS
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#define DRV (&tlsman_wolfssl)
#define SUITE SOCK_SECURE_PSK_CHACHA20_POLY1305

/* DTLS record header, handshake header offsets (RFC 6347 §4.1, §4.2.2). */
#define REC_HDR 13
#define HS_TYPE 13

/* The cookie binds the peer id given to session_init: a ClientHello whose cookie was issued to
 * another address gets a new HelloVerifyRequest, not a ServerHello. */
static void cookie_from_another_address_is_not_accepted(void)
{
    static const uint8_t other_addr[] = { 4, 127, 0, 0, 2, 0x16, 0x34 };
    const uint16_t suites[] = { SUITE };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    DRV->session_free(dh_srv.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientHello with the cookie */
    REQUIRE(dh_c2s.count == 1);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, other_addr, sizeof(other_addr)),
             0);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    REQUIRE(dh_s2c.count == 1);
    CHECK_EQ(dh_s2c.data[dh_s2c.head][HS_TYPE], 3);
    DRV->session_free(dh_srv.sess);
    /* nor does a server socket with another secret accept it */
    dh_clear(&dh_s2c);
    dh_drv->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* the same hello again */
    REQUIRE(dh_c2s.count == 1);
    DRV->ctx_free(dh_srv.ctx);
    CHECK_EQ(dh_ctx_up(&dh_srv, TLSMAN_SERVER, suites, 1, NULL, true, 1280), 0);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                               sizeof(dh_peer_addr)), 0);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    dh_pair_down();
}

/* The server's flight (ServerHello ... ServerHelloDone) is lost: the client's timer resends its
 * ClientHello, the server answers the repeat with its flight again, and the server's own timer is
 * neither stopped nor re-armed by that (its flight was not answered yet). */
static void lost_server_flight_is_resent_when_the_hello_repeats(void)
{
    if (!dh_pair_up_one(SUITE, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* hello with cookie: a new flight */
    CHECK_EQ(dh_cli.timer_stops, 1);
    CHECK_EQ(dh_cli.timer_starts, 2);
    dh_srv.drop_tx = 1;
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN); /* its flight, lost */
    CHECK(dh_srv.timer_on);
    CHECK_EQ(dh_srv.timer_starts, 1);
    CHECK_EQ(dh_s2c.count, 0);
    unsigned srv_sent = dh_srv.sent;

    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_c2s.count, 1);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    CHECK(dh_srv.sent > srv_sent); /* the flight again */
    CHECK_EQ(dh_srv.timer_starts, 1);
    CHECK_EQ(dh_srv.timer_stops, 0);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    CHECK(!dh_srv.timer_on);
    CHECK(!dh_cli.timer_on);
    dh_pair_down();
}

/* Without WOLFSSL_DTLS_MTU wolfSSL sizes records for its own MTU (1400 in Debian's build): a larger
 * configured MTU cannot raise max_payload beyond that, and a full record still fits the MTU. */
static void max_payload_never_exceeds_the_mtu(void)
{
    if (!dh_connect_pair(SUITE, CONFIG_SOCK_SECURE_MAX_DATAGRAM)) {
        dh_pair_down();
        return;
    }
    size_t max = DRV->max_payload(dh_cli.sess);
    CHECK(max >= 1024);
    CHECK(max + REC_HDR + 16 <= CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    printf("  max_payload at MTU %d: %zu\n", CONFIG_SOCK_SECURE_MAX_DATAGRAM, max);
    static uint8_t data[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i ^ 0x5a);
    }
    CHECK_EQ(DRV->write(dh_srv.sess, data, max), (int)max);
    CHECK(dh_srv.last_tx_len <= CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    uint8_t buf[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), (int)max);
    CHECK_MEM(buf, data, max);
    dh_pair_down();
}

/* A record and the close_notify behind it in one datagram: the record first, then the close. */
static void record_then_close_notify_in_one_datagram(void)
{
    if (!dh_connect_pair(SUITE, 1280)) {
        dh_pair_down();
        return;
    }
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"bye", 3), 3);
    CHECK_EQ(DRV->close_notify(dh_cli.sess), 0);
    REQUIRE(dh_merge_first_two(&dh_c2s));
    uint8_t buf[16];
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 3);
    CHECK_MEM(buf, "bye", 3);
    CHECK(DRV->pending(dh_srv.sess)); /* the alert is still to be processed */
    CHECK_EQ(DRV->read(dh_srv.sess, NULL, 0), SOCK_SECURE_E_PEER_CLOSED);
    dh_pair_down();
}

/* A forged application record (valid header, garbage body) is dropped by wolfSSL and reported as a
 * bad record (the core counts it); the session goes on and the next genuine record arrives. A
 * replayed record is dropped the same way. */
static void forged_record_is_dropped_and_the_session_goes_on(void)
{
    if (!dh_connect_pair(SUITE, 1280)) {
        dh_pair_down();
        return;
    }
    static const uint8_t forged[] = { 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 20,
                                      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      17, 18, 19, 20 };
    uint8_t buf[64];
    CHECK(dh_push(&dh_c2s, forged, sizeof(forged)));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_BAD_RECORD);
    CHECK(!DRV->pending(dh_srv.sess));
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"genuine", 7), 7);
    REQUIRE(dh_c2s.count == 1);
    uint8_t copy[DH_DGRAM];
    size_t copy_len = dh_c2s.len[dh_c2s.head];
    memcpy(copy, dh_c2s.data[dh_c2s.head], copy_len);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 7);
    CHECK_MEM(buf, "genuine", 7);
    CHECK(dh_push(&dh_c2s, copy, copy_len)); /* the same datagram again */
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_BAD_RECORD);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), -EAGAIN);
    /* a record too short to hold even the AEAD tag, and one cut in its header */
    static const uint8_t tiny[] = { 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 5, 0, 3, 1, 2, 3 };
    CHECK(dh_push(&dh_c2s, tiny, sizeof(tiny)));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_BAD_RECORD);
    CHECK(dh_push(&dh_c2s, tiny, 5));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_BAD_RECORD);
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"after", 5), 5);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 5);
    CHECK_MEM(buf, "after", 5);
    dh_pair_down();
}

/* A datagram the transport cannot take now is lost, as on the wire: write() says -EAGAIN and the
 * same bytes sent again arrive once, intact; a blocked flight is recovered by its timer. */
static void blocked_send_is_a_lost_datagram(void)
{
    if (!dh_pair_up_one(SUITE, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_cli.block_tx = 1;
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientHello: blocked */
    CHECK_EQ(dh_c2s.count, 0);
    CHECK(dh_cli.timer_on);
    DRV->timer_expired(dh_cli.sess);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);

    uint8_t buf[64];
    dh_cli.block_tx = 1;
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"first", 5), -EAGAIN);
    CHECK_EQ(dh_c2s.count, 0);
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"first", 5), 5);
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"2nd", 3), 3);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 5);
    CHECK_MEM(buf, "first", 5);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 3);
    CHECK_MEM(buf, "2nd", 3);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), -EAGAIN);
    dh_pair_down();
}

/* A record whose header is damaged (here: its version) is discarded before wolfSSL sees it, as
 * RFC 6347 wants (wolfSSL 5.5.4 would end the handshake on it); a retransmission recovers. */
static void damaged_hello_is_discarded_and_resent(void)
{
    if (!dh_pair_up_one(SUITE, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientHello with the cookie */
    REQUIRE(dh_c2s.count == 1);
    dh_c2s.data[dh_c2s.head][2] ^= 0x40; /* version 0xFEFD -> 0xFEBD */
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    CHECK_EQ(dh_s2c.count, 0); /* nothing answered */
    DRV->timer_expired(dh_cli.sess);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}

/* The client's last flight loses its ClientKeyExchange to damage: the ChangeCipherSpec and Finished
 * behind it are discarded too (wolfSSL would answer a lone ChangeCipherSpec with a fatal
 * unexpected_message), and the flight's retransmission completes the handshake. */
static void damaged_key_exchange_is_recovered_by_retransmission(void)
{
    if (!dh_pair_up_one(SUITE, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN); /* ServerHello ... ServerHelloDone */
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientKeyExchange, CCS, Finished */
    REQUIRE(dh_c2s.count == 1);
    REQUIRE(dh_c2s.data[dh_c2s.head][HS_TYPE] == 16);
    dh_c2s.data[dh_c2s.head][1] ^= 0x01; /* the first record's version: 0xFEFD -> 0xFFFD */
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    CHECK_EQ(dh_s2c.count, 0); /* no alert, no answer */
    DRV->timer_expired(dh_cli.sess);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    tlsman_info_t si;
    DRV->info(dh_srv.sess, &si);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_NONE);
    dh_pair_down();
}

/* The stream contract: output the transport refuses is kept by the driver (a record wolfSSL built
 * counts as accepted), nothing new is taken while some waits, flush() pushes it, and the peer
 * gets every byte once, in order - close_notify included. */
static void tls_blocked_output_is_kept_and_flushed_in_order(void)
{
    if (!dh_pair_up_one(SUITE, &dh_psk_ok, true, 0)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    REQUIRE(r.cli == 0 && r.srv == 0);
    uint8_t buf[64];
    CHECK_EQ(DRV->flush(dh_srv.sess), 0); /* nothing waits */
    dh_srv.block_tx = 3;
    CHECK_EQ(DRV->write(dh_srv.sess, (const uint8_t *)"first", 5), 5); /* built, kept */
    CHECK_EQ(DRV->write(dh_srv.sess, (const uint8_t *)"second", 6), -EAGAIN); /* not taken */
    CHECK_EQ(DRV->flush(dh_srv.sess), -EAGAIN);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), -EAGAIN); /* nothing on the wire yet */
    CHECK_EQ(DRV->flush(dh_srv.sess), 0);
    CHECK_EQ(DRV->flush(dh_srv.sess), 0);
    CHECK_EQ(DRV->write(dh_srv.sess, (const uint8_t *)"second", 6), 6);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), 5);
    CHECK_MEM(buf, "first", 5);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), 6);
    CHECK_MEM(buf, "second", 6);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), -EAGAIN);
    /* a write larger than one record is taken up to max_payload */
    size_t max = DRV->max_payload(dh_cli.sess);
    CHECK(max > 0 && max <= 16384);
    /* close_notify while the transport refuses: kept, then flushed */
    dh_srv.block_tx = 1;
    CHECK_EQ(DRV->close_notify(dh_srv.sess), 0);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), -EAGAIN);
    CHECK_EQ(DRV->flush(dh_srv.sess), 0);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), SOCK_SECURE_E_PEER_CLOSED);
    dh_pair_down();
}

static void tls_wrong_psk_fails_with_bad_record_mac(void)
{
    if (!dh_pair_up_one(SUITE, &dh_psk_wrong_key, true, 0)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_HANDSHAKE);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci, si;
    DRV->info(dh_cli.sess, &ci);
    DRV->info(dh_srv.sess, &si);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(ci.alert, si.alert);
    CHECK(si.alert == 20 || si.alert == 51); /* bad_record_mac or decrypt_error */
    dh_pair_down();
}

/* The server's identity hint goes out in its ServerKeyExchange. */
static void psk_identity_hint_is_sent(void)
{
    static const char hint[] = "hint-for-dev1";
    const uint16_t suites[] = { SUITE };
    const tlsman_suite_t *entries[] = { sock_secure_suite(SUITE) };
    dh_reset(false);
    CHECK_EQ(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, suites, 1, &dh_psk_ok, true, 1280), 0);
    tlsman_config_t cfg = {
        .role = TLSMAN_SERVER,
        .datagram = true,
        .suites = entries,
        .suite_count = 1,
        .psk_hint = (const uint8_t *)hint,
        .psk_hint_len = sizeof(hint) - 1,
        .mtu = 1280,
        .io = &dh_io,
        .verify = TLSMAN_VERIFY_NONE,
    };
    CHECK_EQ(DRV->ctx_init(dh_srv.ctx, &cfg), 0);
    CHECK_EQ(DRV->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0), 0);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                               sizeof(dh_peer_addr)), 0);
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    REQUIRE(dh_s2c.count == 1);
    const uint8_t *d = dh_s2c.data[dh_s2c.head];
    size_t n = dh_s2c.len[dh_s2c.head];
    bool found = false;
    for (size_t i = 0; i + sizeof(hint) - 1 <= n; i++) {
        found = found || memcmp(d + i, hint, sizeof(hint) - 1) == 0;
    }
    CHECK(found);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}

/* ---- certificates (ECDHE-ECDSA on P-256) ------------------------------------------------------
 * A throw-away PKI made with wolfCrypt at run time: one self-signed P-256 certificate for
 * "server.test" (its own trust anchor), a second key that does not match it, and a P-384 key. */

typedef struct {
    uint8_t cert[1024];
    int cert_len;
    uint8_t key[256];
    int key_len;
    uint8_t other_key[256];  /* P-256, not the certificate's */
    int other_key_len;
    uint8_t p384_key[256];
    int p384_key_len;
} test_pki_t;

static test_pki_t tp;

static int make_key(WC_RNG *rng, int size, int curve, ecc_key *k, uint8_t *der, size_t max)
{
    if (wc_ecc_init(k) != 0 || wc_ecc_make_key_ex(rng, size, k, curve) != 0) {
        return -1;
    }
    return wc_EccKeyToDer(k, der, (word32)max);
}

static bool make_pki(void)
{
    WC_RNG rng;
    ecc_key k, other, p384;
    Cert c;
    bool ok = false;
    if (tp.cert_len > 0) {
        return true;
    }
    if (wc_InitRng(&rng) != 0) {
        return false;
    }
    tp.key_len = make_key(&rng, 32, ECC_SECP256R1, &k, tp.key, sizeof(tp.key));
    tp.other_key_len = make_key(&rng, 32, ECC_SECP256R1, &other, tp.other_key,
                                sizeof(tp.other_key));
    tp.p384_key_len = make_key(&rng, 48, ECC_SECP384R1, &p384, tp.p384_key, sizeof(tp.p384_key));
    if (tp.key_len > 0 && tp.other_key_len > 0 && tp.p384_key_len > 0 && wc_InitCert(&c) == 0) {
        strncpy(c.subject.commonName, "server.test", CTC_NAME_SIZE - 1);
        strncpy(c.subject.org, "secure_sock test", CTC_NAME_SIZE - 1);
        c.isCA = 1;
        c.sigType = CTC_SHA256wECDSA;
        c.daysValid = 2;
        int n = wc_MakeCert_ex(&c, tp.cert, sizeof(tp.cert), ECC_TYPE, &k, &rng);
        if (n > 0) {
            n = wc_SignCert_ex(c.bodySz, c.sigType, tp.cert, sizeof(tp.cert), ECC_TYPE, &k, &rng);
        }
        tp.cert_len = n;
        ok = n > 0;
    }
    wc_ecc_free(&k);
    wc_ecc_free(&other);
    wc_ecc_free(&p384);
    wc_FreeRng(&rng);
    return ok;
}

typedef struct {
    int calls;
    int depth0;
    bool der_ok;
    uint32_t add;
} cert_vcb_t;

static int cert_vcb(void *arg, const uint8_t *der, size_t len, int depth, uint32_t *flags)
{
    cert_vcb_t *v = arg;
    v->calls++;
    if (depth == 0) {
        v->depth0++;
        v->der_ok = len == (size_t)tp.cert_len && memcmp(der, tp.cert, len) == 0;
        *flags |= v->add;
    }
    return 0;
}

static bool cert_stream; /* TLS over a stream instead of DTLS */

/* Client (trusts the certificate) and server (certificate + key) sockets and sessions. */
static int cert_pair_up(uint16_t suite, const uint8_t *srv_key, int srv_key_len,
                        tlsman_verify_t cli_verify, cert_vcb_t *vcb, const char *name)
{
    static const tlsman_suite_t *suites[1];
    suites[0] = sock_secure_suite(suite);
    dh_reset(cert_stream);
    const tlsman_cred_t srv_creds[] = {
        { SOCK_SECURE_CRED_CERT_CHAIN, tp.cert, (size_t)tp.cert_len },
        { SOCK_SECURE_CRED_PRIVATE_KEY, srv_key, (size_t)srv_key_len },
    };
    const tlsman_cred_t cli_creds[] = { { SOCK_SECURE_CRED_CA, tp.cert, (size_t)tp.cert_len } };
    tlsman_config_t cfg = {
        .role = TLSMAN_SERVER, .datagram = !cert_stream, .suites = suites, .suite_count = 1,
        .mtu = 1280, .io = &dh_io, .creds = srv_creds, .cred_count = 2,
        .verify = TLSMAN_VERIFY_NONE,
    };
    int rc = DRV->ctx_init(dh_srv.ctx, &cfg);
    if (rc < 0) {
        return rc;
    }
    cfg.role = TLSMAN_CLIENT;
    cfg.creds = cli_creds;
    cfg.cred_count = 1;
    cfg.verify = cli_verify;
    cfg.verify_cb = vcb != NULL ? cert_vcb : NULL;
    cfg.verify_arg = vcb;
    rc = DRV->ctx_init(dh_cli.ctx, &cfg);
    if (rc < 0) {
        DRV->ctx_free(dh_srv.ctx);
        return rc;
    }
    CHECK_EQ(DRV->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0), 0);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                               sizeof(dh_peer_addr)), 0);
    if (name != NULL) {
        CHECK_EQ(DRV->set_server_name(dh_cli.sess, name), 0);
    }
    return 0;
}

static void cred_check_takes_p256_and_names_the_problem(void)
{
    REQUIRE(make_pki());
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, tp.key, (size_t)tp.key_len), 0);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_CERT_CHAIN, tp.cert, (size_t)tp.cert_len), 0);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_CA, tp.cert, (size_t)tp.cert_len), 0);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, tp.cert, (size_t)tp.cert_len),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_CERT_CHAIN, tp.key, (size_t)tp.key_len),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, tp.p384_key, (size_t)tp.p384_key_len),
             -ENOTSUP);
    uint8_t broken[1024];
    memcpy(broken, tp.cert, (size_t)tp.cert_len);
    broken[1] ^= 0x7F; /* the outer length */
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_CA, broken, (size_t)tp.cert_len),
             SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PSK, tp.key, (size_t)tp.key_len), -EINVAL);
}

static void certificate_handshake_with_each_ecdhe_ecdsa_suite(void)
{
    REQUIRE(make_pki());
    const uint16_t suites[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8,
                                SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM };
    for (size_t i = 0; i < 4; i++) {
        cert_stream = i >= 2; /* DTLS, then TLS */
        cert_vcb_t v = { 0 };
        REQUIRE(cert_pair_up(suites[i % 2], tp.key, tp.key_len, TLSMAN_VERIFY_REQUIRED, &v,
                             "server.test") == 0);
        dh_result_t r = dh_run_handshake(false);
        CHECK_EQ(r.cli, 0);
        CHECK_EQ(r.srv, 0);
        tlsman_info_t info;
        CHECK_EQ(DRV->info(dh_cli.sess, &info), 0);
        CHECK_EQ(info.suite, suites[i % 2]);
        CHECK(strcmp(info.version, cert_stream ? "TLSv1.2" : "DTLSv1.2") == 0);
        CHECK_EQ(info.verify, 0);
        CHECK_EQ(v.depth0, 1);
        CHECK(v.der_ok);
        CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"cert", 4), 4);
        uint8_t buf[16];
        CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 4);
        CHECK_MEM(buf, "cert", 4);
        dh_pair_down();
    }
    cert_stream = false;
}

static void wrong_name_and_app_rejection_fail_verification(void)
{
    REQUIRE(make_pki());
    REQUIRE(cert_pair_up(SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, tp.key, tp.key_len,
                         TLSMAN_VERIFY_REQUIRED, NULL, "other.test") == 0);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, SOCK_SECURE_E_VERIFY);
    CHECK_EQ(r.srv, SOCK_SECURE_E_ALERT);
    tlsman_info_t info;
    CHECK_EQ(DRV->info(dh_cli.sess, &info), 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NAME_MISMATCH);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(info.alert, 42); /* bad_certificate */
    dh_pair_down();

    /* optional: the same mismatch is reported, not enforced */
    REQUIRE(cert_pair_up(SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, tp.key, tp.key_len,
                         TLSMAN_VERIFY_OPTIONAL, NULL, "other.test") == 0);
    r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(DRV->info(dh_cli.sess, &info), 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NAME_MISMATCH);
    dh_pair_down();

    /* the application adds a bit: refused, reported with VFY_APP */
    cert_vcb_t v = { .add = SOCK_SECURE_VFY_REVOKED };
    REQUIRE(cert_pair_up(SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM, tp.key, tp.key_len,
                         TLSMAN_VERIFY_REQUIRED, &v, "server.test") == 0);
    r = dh_run_handshake(false);
    CHECK_EQ(r.cli, SOCK_SECURE_E_VERIFY);
    CHECK_EQ(DRV->info(dh_cli.sess, &info), 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_REVOKED | SOCK_SECURE_VFY_APP);
    dh_pair_down();
}

static void certificate_configurations_refused_at_ctx_init(void)
{
    REQUIRE(make_pki());
    CHECK_EQ(cert_pair_up(SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, tp.other_key, tp.other_key_len,
                          TLSMAN_VERIFY_REQUIRED, NULL, NULL),
             SOCK_SECURE_E_CRED_MISMATCH);
    CHECK_EQ(cert_pair_up(SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, tp.p384_key, tp.p384_key_len,
                          TLSMAN_VERIFY_REQUIRED, NULL, NULL),
             -ENOTSUP);
    /* a server without its own certificate (a certificate suite without a CA on a client, and a
     * pinned raw public key on a backend without TLSMAN_CAP_RPK, are the core's to refuse:
     * test_api, test_suites, test_certs) */
    const uint16_t ecdhe[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    CHECK_EQ(dh_ctx_up(&dh_srv, TLSMAN_SERVER, ecdhe, 1, NULL, true, 1280), -EINVAL);
    DRV->ctx_free(dh_srv.ctx);
}

/* A socket of both roles (TLSMAN_CLIENT_SERVER; a WOLFSSL_CTX has one method): a session with a
 * peer id is a server session (it answers a ClientHello with a HelloVerifyRequest and refuses
 * set_psk), one without a client session (it takes set_psk and starts with a ClientHello). */
static void client_server_sessions_take_their_role_from_the_peer_id(void)
{
    const uint16_t suites[] = { SUITE };
    dh_reset(false);
    REQUIRE(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, suites, 1, &dh_psk_ok, true, 1280) == 0);
    REQUIRE(dh_ctx_up(&dh_srv, TLSMAN_CLIENT_SERVER, suites, 1, &dh_psk_ok, true, 1280) == 0);
    CHECK_EQ(DRV->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0), 0);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* a ClientHello to the client-server */
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                               sizeof(dh_peer_addr)), 0);
    CHECK_EQ(DRV->set_psk(dh_srv.sess, &dh_psk_ok), -EINVAL);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    REQUIRE(dh_s2c.count == 1);
    CHECK_EQ(dh_s2c.data[dh_s2c.head][HS_TYPE], 3); /* HelloVerifyRequest */
    DRV->session_free(dh_srv.sess);
    dh_clear(&dh_s2c);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, NULL, 0), 0);
    CHECK_EQ(DRV->set_psk(dh_srv.sess, &dh_psk_ok), 0);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    REQUIRE(dh_s2c.count == 1);
    CHECK_EQ(dh_s2c.data[dh_s2c.head][HS_TYPE], 1); /* ClientHello */
    dh_pair_down();
}

/* The wolfSSL-specific parts of the driver table (the common ones: tests/conformance/). */
static void driver_table_is_complete(void)
{
    CHECK(strcmp(DRV->name, "wolfssl") == 0);
    CHECK(DRV->version != NULL && strncmp(DRV->version, "5.", 2) == 0);
    /* TLS over streams with the stream contract (flush, accepted bytes kept while blocked) */
    CHECK((DRV->caps & TLSMAN_CAP_TLS) != 0);
    CHECK(DRV->flush != NULL);
    /* wolfSSL's cookies cover the whole ClientHello: the core cannot make them, the driver does */
    CHECK(DRV->cookie_write == NULL && DRV->cookie_check == NULL);
    CHECK((DRV->caps & TLSMAN_CAP_X509) != 0);
    CHECK((DRV->caps & TLSMAN_CAP_RPK) == 0); /* no RFC 7250 in 5.5.4 */
    /* sockets of both roles: a second WOLFSSL_CTX */
    CHECK(((DRV->caps & TLSMAN_CAP_CLIENT_SERVER) != 0) == (CONFIG_SOCK_SECURE_CLIENT_SERVER != 0));
    CHECK(DRV->cred_check != NULL && DRV->set_server_name != NULL);
    /* the one plain-PSK suite, over datagrams and streams */
    CHECK(DRV->suite_supported(sock_secure_suite(SUITE), true));
    CHECK(DRV->suite_supported(sock_secure_suite(SUITE), false));
}

#endif /* SS_HAVE_WOLFSSL */

int main(void)
{
#ifndef SS_HAVE_WOLFSSL
    tu_skip("the wolfSSL driver is not part of this build");
#else
    dh_use(DRV);
    RUN(driver_table_is_complete);
    RUN(cookie_from_another_address_is_not_accepted);
    RUN(lost_server_flight_is_resent_when_the_hello_repeats);
    RUN(max_payload_never_exceeds_the_mtu);
    RUN(record_then_close_notify_in_one_datagram);
    RUN(forged_record_is_dropped_and_the_session_goes_on);
    RUN(blocked_send_is_a_lost_datagram);
    RUN(damaged_hello_is_discarded_and_resent);
    RUN(damaged_key_exchange_is_recovered_by_retransmission);
    RUN(tls_blocked_output_is_kept_and_flushed_in_order);
    RUN(tls_wrong_psk_fails_with_bad_record_mac);
    RUN(psk_identity_hint_is_sent);
    RUN(cred_check_takes_p256_and_names_the_problem);
    RUN(certificate_handshake_with_each_ecdhe_ecdsa_suite);
    RUN(wrong_name_and_app_rejection_fail_verification);
    RUN(certificate_configurations_refused_at_ctx_init);
    if (DRV->caps & TLSMAN_CAP_CLIENT_SERVER) {
        RUN(client_server_sessions_take_their_role_from_the_peer_id);
    }
#endif
    return tu_exit();
}
