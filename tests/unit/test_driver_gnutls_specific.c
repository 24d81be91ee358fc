/* What only the GnuTLS driver does, on its own without the core (tests/util/drvharness.h): the
 * exact suite list over GnuTLS's crossed priorities (a server never negotiates, and a client never
 * accepts, a suite that was not configured), its cookies (the core's stateless path and the
 * session's own HelloVerifyRequest, which echoes the hello as RFC 6347 §4.2.1 asks), the PSK
 * identity hint, and a flight GnuTLS resends only when the core's timer says so. The scenarios
 * every driver shares are tests/conformance/test_driver.c (not test_driver_gnutls.c: that is the
 * ctest name of the conformance test on GnuTLS). The certificate scenarios need the test PKI
 * (SS_PKI_DIR); without it they are left out (the rest runs). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "builtin.h" /* tlsman_gnutls (src/tlsman, private) */
#include "drvharness.h"
#include "pki.h"
#include "secure_sock/config.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"
#include "testutil.h"

#ifdef SS_HAVE_GNUTLS
#define DRV (&tlsman_gnutls)

/* DTLS record header, handshake header offsets (RFC 6347 §4.1, §4.2.2). */
#define REC_HDR 13
#define HS_TYPE 13
#define HS_SEQ 17

static uint8_t cert_pem[4096], key_pem[1024];
static size_t cert_len, key_len;

/* ctx_init of @p p as a server with @p n suites and, with @p certs, server.crt/server.key. */
static int server_up(dh_peer_t *p, const uint16_t *ids, size_t n, bool certs)
{
    const tlsman_suite_t *suites[4];
    if (n > 4 || tu_suite_list(ids, n, suites) != 0) {
        CHECK(!"suites of the table");
        return -EINVAL;
    }
    const tlsman_cred_t creds[] = { { SOCK_SECURE_CRED_CERT_CHAIN, cert_pem, cert_len },
                                    { SOCK_SECURE_CRED_PRIVATE_KEY, key_pem, key_len } };
    tlsman_config_t cfg = {
        .role = TLSMAN_SERVER,
        .datagram = true,
        .suites = suites,
        .suite_count = n,
        .mtu = 1280,
        .io = &dh_io,
        .creds = certs ? creds : NULL,
        .cred_count = certs ? 2 : 0,
        .verify = TLSMAN_VERIFY_NONE,
    };
    return DRV->ctx_init(p->ctx, &cfg);
}

static void driver_table_is_complete(void)
{
    CHECK(strcmp(DRV->name, "gnutls") == 0);
    CHECK(DRV->version != NULL && strncmp(DRV->version, "3.", 2) == 0);
    CHECK((DRV->caps & (TLSMAN_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | TLSMAN_CAP_X509 |
                        TLSMAN_CAP_RPK | TLSMAN_CAP_PSK_HINT)) ==
          (TLSMAN_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK | TLSMAN_CAP_X509 | TLSMAN_CAP_RPK |
           TLSMAN_CAP_PSK_HINT));
    CHECK(DRV->cookie_write != NULL && DRV->cookie_check != NULL); /* the core's stateless path */
    CHECK(DRV->set_server_name != NULL && DRV->set_peer_ip != NULL && DRV->flush != NULL);
    /* every suite of the core's table, both transports */
    const tlsman_suite_t *e;
    for (size_t i = 0; (e = sock_secure_suite_at(i)) != NULL; i++) {
        CHECK(DRV->suite_supported(e, true));
        CHECK(DRV->suite_supported(e, false));
    }
}

/* The cookies the core hands out: 32 bytes bound to the peer id, any byte changed refused. */
static void cookies_bind_the_peer_and_every_byte(void)
{
    static const uint8_t peer[] = { 4, 192, 0, 2, 1, 0x16, 0x34 };
    static const uint8_t other[] = { 4, 192, 0, 2, 2, 0x16, 0x34 };
    const uint16_t s[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    dh_reset(false);
    REQUIRE(dh_ctx_up(&dh_srv, TLSMAN_SERVER, s, 1, NULL, true, 1280) == 0);
    uint8_t c[255];
    int n = DRV->cookie_write(dh_srv.ctx, peer, sizeof(peer), c, sizeof(c));
    CHECK_EQ(n, 32);
    CHECK_EQ(DRV->cookie_write(dh_srv.ctx, peer, sizeof(peer), c, 31), -EMSGSIZE);
    CHECK_EQ(DRV->cookie_check(dh_srv.ctx, peer, sizeof(peer), c, (size_t)n), 0);
    CHECK(DRV->cookie_check(dh_srv.ctx, other, sizeof(other), c, (size_t)n) < 0);
    CHECK(DRV->cookie_check(dh_srv.ctx, peer, sizeof(peer), c, (size_t)n - 1) < 0);
    CHECK(DRV->cookie_check(dh_srv.ctx, peer, sizeof(peer), NULL, 0) < 0);
    for (int i = 0; i < n; i++) {
        c[i] ^= 0x20;
        CHECK(DRV->cookie_check(dh_srv.ctx, peer, sizeof(peer), c, (size_t)n) < 0);
        c[i] ^= 0x20;
    }
    /* another socket has another key: its cookies are not ours */
    REQUIRE(dh_ctx_up(&dh_cli, TLSMAN_SERVER, s, 1, NULL, true, 1280) == 0);
    CHECK(DRV->cookie_check(dh_cli.ctx, peer, sizeof(peer), c, (size_t)n) < 0);
    DRV->ctx_free(dh_cli.ctx);
    /* a client socket has none */
    REQUIRE(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, s, 1, &dh_psk_ok, true, 1280) == 0);
    CHECK_EQ(DRV->cookie_write(dh_cli.ctx, peer, sizeof(peer), c, sizeof(c)), -ENOTSUP);
    DRV->ctx_free(dh_cli.ctx);
    DRV->ctx_free(dh_srv.ctx);
}

/* A server session answers a cookie-less hello with its own HelloVerifyRequest: DTLS 1.0, the
 * hello's record sequence number and message_seq echoed, a cookie cookie_check takes; the next
 * hello (message_seq 1) gets a ServerHello with message_seq 1. */
static void hello_verify_request_echoes_the_hello(void)
{
    if (!dh_pair_up_one(SOCK_SECURE_PSK_AES_128_CCM_8, &dh_psk_ok, false, 1280)) {
        return;
    }
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    REQUIRE(dh_c2s.count == 1);
    uint8_t hello[DH_DGRAM];
    memcpy(hello, dh_c2s.data[dh_c2s.head], dh_c2s.len[dh_c2s.head]);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    REQUIRE(dh_s2c.count == 1);
    const uint8_t *hvr = dh_s2c.data[dh_s2c.head];
    CHECK_EQ(hvr[0], 22);
    CHECK(hvr[1] == 0xFE && hvr[2] == 0xFF);               /* DTLS 1.0 (RFC 6347 §4.2.1) */
    CHECK_MEM(hvr + 5, hello + 5, 6);                       /* record sequence number echoed */
    CHECK_EQ(hvr[HS_TYPE], 3);
    CHECK_MEM(hvr + HS_SEQ, hello + HS_SEQ, 2);             /* message_seq echoed */
    CHECK_EQ(hvr[REC_HDR + 12 + 2], 32);                    /* the cookie's length */
    CHECK_EQ(DRV->cookie_check(dh_srv.ctx, dh_peer_addr, sizeof(dh_peer_addr),
                               hvr + REC_HDR + 12 + 3, 32), 0);
    CHECK(!dh_srv.timer_on);
    dh_srv_renew();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);         /* the hello with the cookie */
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);         /* ServerHello ... Done */
    REQUIRE(dh_s2c.count >= 1);
    const uint8_t *sh = dh_s2c.data[dh_s2c.head];           /* the flight's first record */
    CHECK_EQ(sh[HS_TYPE], 2);
    CHECK(sh[HS_SEQ] == 0 && sh[HS_SEQ + 1] == 1);          /* after the HVR's 0 */
    CHECK(dh_srv.timer_on);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}

/* GnuTLS resends a flight on its own clock unless told otherwise: here nothing leaves however
 * often the step runs, until timer_expired; then exactly one copy of the flight, re-armed. */
static void only_the_core_timer_resends(void)
{
    if (!dh_pair_up_one(SOCK_SECURE_PSK_AES_128_CCM_8, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    dh_clear(&dh_c2s); /* the hello with the cookie is lost */
    unsigned sent = dh_cli.sent, starts = dh_cli.timer_starts, stops = dh_cli.timer_stops;
    CHECK(dh_cli.timer_on);
    for (int i = 0; i < 50; i++) {
        CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    }
    CHECK_EQ(dh_cli.sent, sent);
    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_cli.sent, sent + 1);
    CHECK_EQ(dh_c2s.count, 1);
    CHECK_EQ(dh_c2s.data[dh_c2s.head][HS_TYPE], 1);
    CHECK(dh_cli.timer_on && dh_cli.timer_starts == starts + 1 && dh_cli.timer_stops == stops);
    /* a timer_expired without a running timer changes nothing */
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), 0);
    dh_pair_down();
}

/* The server picks the first suite of the client's list that it configured, and nothing its
 * crossed priority would also allow: a client asking for PSK-AES128-GCM first gets PSK-CCM8 from
 * a server configured with PSK-CCM8 and ECDHE-ECDSA-GCM (GnuTLS's priority for those two also
 * holds PSK-AES128-GCM). */
static void server_never_negotiates_a_crossed_suite(void)
{
    if (cert_len == 0) {
        printf("  no PKI: left out\n");
        return;
    }
    const uint16_t cs[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256, SOCK_SECURE_PSK_AES_128_CCM_8 };
    const uint16_t ss[] = { SOCK_SECURE_PSK_AES_128_CCM_8, SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM };
    dh_reset(false);
    REQUIRE(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, cs, 2, &dh_psk_ok, true, 1280) == 0);
    REQUIRE(server_up(&dh_srv, ss, 2, true) == 0);
    REQUIRE(DRV->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0) == 0);
    REQUIRE(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                              sizeof(dh_peer_addr)) == 0);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    tlsman_info_t ci, si;
    CHECK_EQ(DRV->info(dh_cli.sess, &ci), 0);
    CHECK_EQ(DRV->info(dh_srv.sess, &si), 0);
    CHECK_EQ(ci.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    CHECK_EQ(si.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    dh_pair_down();
}

/* A client's ClientHello carries GnuTLS's crossed list (a superset of the configured suites); a
 * server that picks one it did not configure is refused with handshake_failure. */
static void client_refuses_a_crossed_suite(void)
{
    if (cert_len == 0) {
        printf("  no PKI: left out\n");
        return;
    }
    const uint16_t cs[] = { SOCK_SECURE_PSK_AES_128_CCM_8, SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM };
    const uint16_t ss[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256 };
    dh_reset(false);
    REQUIRE(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, cs, 2, &dh_psk_ok, true, 1280) == 0);
    REQUIRE(dh_ctx_up(&dh_srv, TLSMAN_SERVER, ss, 1, NULL, true, 1280) == 0);
    REQUIRE(DRV->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0) == 0);
    REQUIRE(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                              sizeof(dh_peer_addr)) == 0);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, SOCK_SECURE_E_NO_SUITE);
    CHECK_EQ(r.srv, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci;
    CHECK_EQ(DRV->info(dh_cli.sess, &ci), 0);
    CHECK_EQ(ci.alert, 40);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_SENT);
    dh_pair_down();
}

/* A handshake message announcing more than 16 KB is never handed to GnuTLS (which would reserve
 * all of it, up to 16 MB, for its reassembly): the handshake fails at once, record_overflow sent
 * in the clear, as mbedTLS does (test_driver's handshake_message_too_long_... on every driver). */
static void an_overlong_handshake_message_fails_with_record_overflow(void)
{
    if (!dh_pair_up_one(SOCK_SECURE_PSK_AES_128_CCM_8, &dh_psk_ok, false, 1280)) {
        return;
    }
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    /* a ServerHello fragment announcing 16,385 bytes (one more than taken) */
    uint8_t dg[REC_HDR + 12 + 40] = { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12 + 40,
                                      2, 0x00, 0x40, 0x01, 0, 0, 0, 0, 0, 0, 0, 40 };
    REQUIRE(dh_push(&dh_s2c, dg, sizeof(dg)));
    CHECK_EQ(DRV->handshake(dh_cli.sess), SOCK_SECURE_E_HANDSHAKE);
    tlsman_info_t ci;
    CHECK_EQ(DRV->info(dh_cli.sess, &ci), 0);
    CHECK_EQ(ci.alert, 22);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_SENT);
    REQUIRE(dh_cli.last_tx_len == REC_HDR + 2);
    CHECK(dh_cli.last_tx[0] == 21 && dh_cli.last_tx[REC_HDR] == 2 && dh_cli.last_tx[REC_HDR + 1] == 22);
    CHECK_EQ(DRV->handshake(dh_cli.sess), SOCK_SECURE_E_HANDSHAKE); /* the failure sticks */
    dh_pair_down();
}

/* tlsman_config_t.psk_hint goes out in the server's ServerKeyExchange (plain PSK). */
static void psk_identity_hint_is_sent(void)
{
    static const uint8_t hint[] = "hint-7";
    const uint16_t s[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    const tlsman_suite_t *suites[1];
    REQUIRE(tu_suite_list(s, 1, suites) == 0);
    dh_reset(false);
    tlsman_config_t cfg = { .role = TLSMAN_SERVER, .datagram = true, .suites = suites,
                            .suite_count = 1, .psk_hint = hint, .psk_hint_len = 6, .mtu = 1280,
                            .io = &dh_io, .verify = TLSMAN_VERIFY_NONE };
    REQUIRE(DRV->ctx_init(dh_srv.ctx, &cfg) == 0);
    REQUIRE(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, s, 1, &dh_psk_ok, true, 1280) == 0);
    REQUIRE(DRV->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0) == 0);
    REQUIRE(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                              sizeof(dh_peer_addr)) == 0);
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    /* the server's flight: ServerHello, ServerKeyExchange (hint: 2-byte length, bytes), Done */
    bool found = false;
    for (size_t i = 0; i < dh_s2c.count; i++) {
        const uint8_t *d = dh_s2c.data[(dh_s2c.head + i) % DH_SLOTS];
        size_t len = dh_s2c.len[(dh_s2c.head + i) % DH_SLOTS];
        for (size_t off = 0; off + REC_HDR + 12 + 8 <= len;) {
            size_t rl = (size_t)d[off + 11] << 8 | d[off + 12];
            if (d[off] == 22 && d[off + HS_TYPE] == 12 && rl >= 12 + 8) {
                found = d[off + REC_HDR + 12] == 0 && d[off + REC_HDR + 13] == 6 &&
                        memcmp(d + off + REC_HDR + 14, hint, 6) == 0;
            }
            off += REC_HDR + rl;
        }
    }
    CHECK(found);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}
#endif

int main(int argc, char **argv)
{
#ifndef SS_HAVE_GNUTLS
    (void)argc;
    (void)argv;
    tu_skip("the GnuTLS driver is not part of this build");
#else
    if (tu_pki_init(argc, argv) != NULL) {
        cert_len = tu_pki_read("server.crt", cert_pem, sizeof(cert_pem) - 1);
        key_len = tu_pki_read("server.key", key_pem, sizeof(key_pem) - 1);
        if (key_len == 0) {
            cert_len = 0;
        }
    }
    dh_use(DRV);
    RUN(driver_table_is_complete);
    RUN(cookies_bind_the_peer_and_every_byte);
    RUN(hello_verify_request_echoes_the_hello);
    RUN(only_the_core_timer_resends);
    RUN(server_never_negotiates_a_crossed_suite);
    RUN(client_refuses_a_crossed_suite);
    RUN(an_overlong_handshake_message_fails_with_record_overflow);
    RUN(psk_identity_hint_is_sent);
#endif
    return tu_exit();
}
