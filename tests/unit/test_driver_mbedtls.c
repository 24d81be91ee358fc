/* The mbedTLS driver on its own, without the core (tests/util/drvharness.h: a client and a server
 * session joined by in-memory queues, a fake timer per side, the driver called as the core calls
 * it). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drvharness.h"
#include "secure_sock/config.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"
#include "testutil.h"

#ifdef SS_HAVE_MBEDTLS
#define DRV (&tlsman_mbedtls)

/* ---- scenarios ------------------------------------------------------------------------------- */

static void dtls_psk_ccm8_handshake_passes_hello_verify(void)
{
    if (!dh_connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        dh_pair_down();
        return;
    }
    /* the server's first answer was a HelloVerifyRequest: handshake record, msg_type 3 */
    CHECK(dh_srv.first_tx_len > 25);
    CHECK_EQ(dh_srv.first_tx[0], 22);
    CHECK_EQ(dh_srv.first_tx[13], 3);

    tlsman_info_t ci, si;
    CHECK_EQ(DRV->info(dh_cli.sess, &ci), 0);
    CHECK_EQ(DRV->info(dh_srv.sess, &si), 0);
    CHECK_EQ(ci.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    CHECK_EQ(si.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    CHECK(ci.version != NULL && strcmp(ci.version, "DTLSv1.2") == 0);
    CHECK(si.version != NULL && strcmp(si.version, "DTLSv1.2") == 0);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_NONE);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_NONE);
    /* established: no retransmission timer left running on either side */
    CHECK(!dh_cli.timer_on);
    CHECK(!dh_srv.timer_on);
    /* a second handshake() call on an established session is a no-op */
    CHECK_EQ(DRV->handshake(dh_cli.sess), 0);
    dh_pair_down();
}

static void hello_verify_is_answered_before_any_state(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN); /* nothing received yet */
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientHello out */
    CHECK_EQ(dh_c2s.count, 1);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    CHECK_EQ(dh_s2c.count, 1);
    DRV->session_free(dh_srv.sess);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                               sizeof(dh_peer_addr)), 0);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    CHECK_EQ(r.hello_verify, 0);
    dh_pair_down();
}

static void data_flows_both_ways_with_exact_bytes(void)
{
    if (!dh_connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        dh_pair_down();
        return;
    }
    static const uint8_t ping[] = "ping-1234";
    uint8_t buf[512];

    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), -EAGAIN); /* nothing sent yet */
    CHECK_EQ(DRV->write(dh_cli.sess, ping, sizeof(ping)), (int)sizeof(ping));
    CHECK_EQ(DRV->read(dh_srv.sess, NULL, 0), (int)sizeof(ping));
    CHECK_EQ(DRV->read(dh_srv.sess, NULL, 0), (int)sizeof(ping)); /* still there */
    CHECK(!DRV->pending(dh_srv.sess));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(ping) - 1), -EMSGSIZE); /* kept */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), (int)sizeof(ping));
    CHECK_MEM(buf, ping, sizeof(ping));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), -EAGAIN);

    uint8_t big[300];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 7 + 3);
    }
    CHECK_EQ(DRV->write(dh_srv.sess, big, sizeof(big)), (int)sizeof(big));
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(big)), (int)sizeof(big)); /* exactly fits */
    CHECK_MEM(buf, big, sizeof(big));
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), -EAGAIN);
    dh_pair_down();
}

static void each_psk_suite_is_negotiated(void)
{
    static const uint16_t all[] = { SOCK_SECURE_PSK_AES_128_CCM_8, SOCK_SECURE_PSK_AES_128_CCM,
                                    SOCK_SECURE_PSK_AES_128_GCM_SHA256,
                                    SOCK_SECURE_PSK_CHACHA20_POLY1305 };
    static const uint8_t msg[] = "suite check";
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!dh_connect_pair(all[i], 1280)) {
            fprintf(stderr, "  suite 0x%04X failed\n", all[i]);
            dh_pair_down();
            continue;
        }
        tlsman_info_t ci, si;
        DRV->info(dh_cli.sess, &ci);
        DRV->info(dh_srv.sess, &si);
        CHECK_EQ(ci.suite, all[i]);
        CHECK_EQ(si.suite, all[i]);
        uint8_t buf[64];
        CHECK_EQ(DRV->write(dh_cli.sess, msg, sizeof(msg)), (int)sizeof(msg));
        CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), (int)sizeof(msg));
        CHECK_MEM(buf, msg, sizeof(msg));
        dh_pair_down();
    }
}

static void server_picks_a_suite_the_client_offered(void)
{
    static const uint16_t cs[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256,
                                   SOCK_SECURE_PSK_AES_128_CCM_8 };
    static const uint16_t ss[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!dh_pair_up(cs, 2, ss, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    tlsman_info_t ci;
    DRV->info(dh_cli.sess, &ci);
    CHECK_EQ(ci.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    dh_pair_down();
}

/* A wrong key shows when the server cannot decrypt the client's Finished: mbedTLS (even with
 * badmac_limit 0) fails the handshake there and sends bad_record_mac (20) in the clear, since the
 * server has not switched its write keys yet. */
static void wrong_psk_fails_both_sides_with_bad_record_mac(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_wrong_key, false, 1280)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_HANDSHAKE);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci, si;
    DRV->info(dh_cli.sess, &ci);
    DRV->info(dh_srv.sess, &si);
    CHECK_EQ(si.alert, 20);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(ci.alert, 20);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(si.suite, 0); /* not established */
    CHECK(si.version == NULL);
    dh_pair_down();
}

static void unknown_identity_gets_unknown_psk_identity_alert(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_unknown, false, 1280)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_PSK_IDENTITY);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci, si;
    DRV->info(dh_cli.sess, &ci);
    DRV->info(dh_srv.sess, &si);
    CHECK_EQ(si.alert, 115);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(ci.alert, 115);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_RECEIVED);
    dh_pair_down();
}

static void no_common_suite_fails_with_handshake_failure(void)
{
    static const uint16_t cs[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    static const uint16_t ss[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256 };
    if (!dh_pair_up(cs, 1, ss, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_NO_SUITE);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci, si;
    DRV->info(dh_cli.sess, &ci);
    DRV->info(dh_srv.sess, &si);
    CHECK_EQ(si.alert, 40);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(ci.alert, 40);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_RECEIVED);
    dh_pair_down();
}

static void lost_client_hello_is_resent_after_timer_expired(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_cli.drop_tx = 1;
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_cli.sent, 1);
    CHECK_EQ(dh_c2s.count, 0); /* lost */
    CHECK(dh_cli.timer_on);
    CHECK(dh_cli.timer_starts >= 1); /* mbedTLS arms twice per flight (flight done, flushed) */
    unsigned starts = dh_cli.timer_starts;
    uint8_t first[DH_DGRAM];
    size_t first_len = dh_cli.last_tx_len;
    memcpy(first, dh_cli.last_tx, first_len);

    /* no expiry, no datagram: nothing is sent */
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_cli.sent, 1);

    /* expiry: the next step resends the same ClientHello (new record sequence number) */
    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_cli.sent, 2);
    CHECK_EQ(dh_c2s.count, 1);
    CHECK_EQ(dh_c2s.len[dh_c2s.head], first_len);
    CHECK(first_len > 13);
    /* same record but for the sequence number (bytes 5..10): type, version, epoch ... */
    CHECK_MEM(dh_c2s.data[dh_c2s.head], first, 10);
    CHECK(dh_c2s.data[dh_c2s.head][10] != first[10]); /* ... sequence number moved on ... */
    CHECK_MEM(dh_c2s.data[dh_c2s.head] + 11, first + 11, first_len - 11); /* ... same hello */
    /* the re-arm is all the core sees: a stop would reset its back-off and retry count */
    CHECK(dh_cli.timer_on);
    CHECK(dh_cli.timer_starts > starts);
    CHECK_EQ(dh_cli.timer_stops, 0);
    starts = dh_cli.timer_starts;

    /* a second expiry resends again */
    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_cli.sent, 3);
    CHECK_EQ(dh_c2s.count, 2);
    CHECK(dh_cli.timer_starts > starts);
    CHECK_EQ(dh_cli.timer_stops, 0);

    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    CHECK(!dh_cli.timer_on);
    CHECK(dh_cli.timer_stops >= 1); /* the server's answer stopped it */
    dh_pair_down();
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost: the server is established, the
 * client times out and resends its Finished flight; the server's read() answers it by resending
 * its flight (inside mbedTLS) and reports -EAGAIN. */
static void lost_final_flight_is_recovered_after_the_handshake(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256 };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_result_t r = dh_run_handshake(true);
    CHECK_EQ(r.srv, 0);
    CHECK_EQ(r.cli, -EAGAIN);
    CHECK(dh_cli.timer_on);
    unsigned srv_sent = dh_srv.sent;

    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK(dh_c2s.count >= 1);
    uint8_t buf[64];
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), -EAGAIN);
    CHECK(dh_srv.sent > srv_sent);
    CHECK(dh_s2c.count >= 1);
    CHECK_EQ(DRV->handshake(dh_cli.sess), 0);
    CHECK(!dh_cli.timer_on);

    static const uint8_t msg[] = "after recovery";
    CHECK_EQ(DRV->write(dh_cli.sess, msg, sizeof(msg)), (int)sizeof(msg));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), (int)sizeof(msg));
    CHECK_MEM(buf, msg, sizeof(msg));
    dh_pair_down();
}

static void close_notify_makes_peer_read_peer_closed(void)
{
    if (!dh_connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        dh_pair_down();
        return;
    }
    uint8_t buf[64];
    CHECK_EQ(DRV->close_notify(dh_cli.sess), 0);
    CHECK_EQ(dh_c2s.count, 1);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_PEER_CLOSED);
    tlsman_info_t ci, si;
    DRV->info(dh_cli.sess, &ci);
    DRV->info(dh_srv.sess, &si);
    CHECK_EQ(si.alert, 0);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(ci.alert, 0);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_SENT);
    dh_pair_down();
}

static void write_larger_than_max_payload_is_emsgsize(void)
{
    if (!dh_connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 600)) {
        dh_pair_down();
        return;
    }
    size_t max = DRV->max_payload(dh_cli.sess);
    /* 600 - 13 (header) - 8 (explicit nonce) - 8 (CCM_8 tag) */
    CHECK_EQ(max, 571);
    static uint8_t data[1024];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)i;
    }
    unsigned sent = dh_cli.sent;
    CHECK_EQ(DRV->write(dh_cli.sess, data, max + 1), -EMSGSIZE);
    CHECK_EQ(dh_cli.sent, sent); /* nothing went out */
    CHECK_EQ(DRV->write(dh_cli.sess, data, max), (int)max);
    CHECK_EQ(dh_cli.last_tx_len, 600);
    uint8_t buf[1024];
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), (int)max);
    CHECK_MEM(buf, data, max);
    dh_pair_down();
}

static void two_records_in_one_datagram_are_read_in_turn(void)
{
    if (!dh_connect_pair(SOCK_SECURE_PSK_AES_128_CCM, 1280)) {
        dh_pair_down();
        return;
    }
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"one", 3), 3);
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"second", 6), 6);
    REQUIRE(dh_c2s.count == 2);
    REQUIRE(dh_merge_first_two(&dh_c2s)); /* both records in one datagram, as a peer may pack */

    uint8_t buf[64];
    CHECK_EQ(DRV->read(dh_srv.sess, NULL, 0), 3);
    CHECK(DRV->pending(dh_srv.sess)); /* the second record is still undecrypted */
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 3);
    CHECK_MEM(buf, "one", 3);
    CHECK(DRV->pending(dh_srv.sess));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 6);
    CHECK_MEM(buf, "second", 6);
    CHECK(!DRV->pending(dh_srv.sess));
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), -EAGAIN);
    dh_pair_down();
}

static void oversized_datagram_is_a_dropped_bad_record(void)
{
    if (!dh_connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        dh_pair_down();
        return;
    }
    uint8_t buf[64];
    dh_srv.recv_emsgsize = true;
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_BAD_RECORD);
    /* not fatal: the session carries on */
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"still", 5), 5);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 5);
    CHECK_MEM(buf, "still", 5);
    dh_pair_down();
}

static void tls_over_a_stream_handshakes_and_carries_data(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256 };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_ok, true, 0)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    CHECK_EQ(r.hello_verify, 0);
    tlsman_info_t ci;
    DRV->info(dh_cli.sess, &ci);
    CHECK(ci.version != NULL && strcmp(ci.version, "TLSv1.2") == 0);
    CHECK_EQ(ci.suite, SOCK_SECURE_PSK_AES_128_GCM_SHA256);
    uint8_t buf[64];
    CHECK_EQ(DRV->write(dh_srv.sess, (const uint8_t *)"over tcp", 8), 8);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), 8);
    CHECK_MEM(buf, "over tcp", 8);
    dh_pair_down();
}

static void calls_before_the_handshake_are_enotconn(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!dh_pair_up(suites, 1, suites, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    uint8_t buf[8] = { 0 };
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), -ENOTCONN);
    CHECK_EQ(DRV->write(dh_cli.sess, buf, sizeof(buf)), -ENOTCONN);
    tlsman_info_t ci;
    CHECK_EQ(DRV->info(dh_cli.sess, &ci), 0);
    CHECK_EQ(ci.suite, 0);
    CHECK(ci.version == NULL);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_NONE);
    dh_pair_down();
}

static void unsupported_suites_and_credentials_are_refused(void)
{
    dh_reset(false);
    const uint16_t ecdhe[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    const uint16_t bogus[] = { 0x1234 };
    const uint16_t mixed[] = { SOCK_SECURE_PSK_AES_128_CCM_8, 0x0000 };
    const uint16_t ok[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    /* an ECDHE-ECDSA client must verify the server: without a CA (cfg.creds) that is refused */
    CHECK_EQ(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, ecdhe, 1, &dh_psk_ok, true, 1280), -EINVAL);
    CHECK_EQ(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, bogus, 1, &dh_psk_ok, true, 1280), -ENOTSUP);
    CHECK_EQ(dh_ctx_up(&dh_srv, TLSMAN_SERVER, mixed, 2, NULL, true, 1280), -ENOTSUP);
    CHECK_EQ(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, ok, 1, NULL, true, 1280), -EINVAL); /* no PSK */
    CHECK_EQ(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, ok, 0, &dh_psk_ok, true, 1280), -EINVAL);
    /* keys beyond CONFIG_SOCK_SECURE_PSK_KEY_MAX (32, mbedTLS's own limit) are refused */
    static const uint8_t long_key[CONFIG_SOCK_SECURE_PSK_KEY_MAX + 1] = { 1 };
    const sock_secure_psk_t psk_long = { dh_psk_ok.identity, dh_psk_ok.identity_len, long_key,
                                         sizeof(long_key) };
    CHECK_EQ(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, ok, 1, &psk_long, true, 1280), -EINVAL);

    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_CCM_8, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_CCM, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_GCM_SHA256, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_CHACHA20_POLY1305, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_GCM_SHA256, false));
    CHECK(DRV->suite_supported(SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, true)); /* certificates */
    CHECK(DRV->suite_supported(SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM, true));
    CHECK(!DRV->suite_supported(0x008C, true)); /* TLS_PSK_WITH_AES_128_CBC_SHA: not AEAD */
    CHECK(!DRV->suite_supported(0x1234, true));

    /* a failed ctx_init leaves nothing to free, and ctx_free on it is harmless */
    DRV->ctx_free(dh_cli.ctx);
    DRV->ctx_free(dh_srv.ctx);
}

static void driver_table_is_complete(void)
{
    CHECK(strcmp(DRV->name, "mbedtls") == 0);
    CHECK(DRV->version != NULL && strncmp(DRV->version, "2.28", 4) == 0);
    CHECK((DRV->caps & TLSMAN_CAP_DTLS) != 0);
    CHECK((DRV->caps & TLSMAN_CAP_PSK) != 0);
    CHECK((DRV->caps & TLSMAN_CAP_RENEGOTIATION) == 0);
    CHECK(DRV->renew == NULL);
    CHECK(DRV->ctx_size > 0 && DRV->ctx_size <= CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE);
    CHECK(DRV->session_size > 0 && DRV->session_size <= CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE);
    CHECK(DRV->suite_supported && DRV->ctx_init && DRV->ctx_free && DRV->session_init &&
          DRV->session_free && DRV->handshake && DRV->timer_expired && DRV->read &&
          DRV->pending && DRV->write && DRV->close_notify && DRV->info && DRV->max_payload);
}

#endif /* SS_HAVE_MBEDTLS */

int main(void)
{
#ifndef SS_HAVE_MBEDTLS
    tu_skip("the mbedTLS driver is not part of this build");
#else
    dh_use(DRV);
    RUN(driver_table_is_complete);
    RUN(dtls_psk_ccm8_handshake_passes_hello_verify);
    RUN(hello_verify_is_answered_before_any_state);
    RUN(data_flows_both_ways_with_exact_bytes);
    RUN(each_psk_suite_is_negotiated);
    RUN(server_picks_a_suite_the_client_offered);
    RUN(wrong_psk_fails_both_sides_with_bad_record_mac);
    RUN(unknown_identity_gets_unknown_psk_identity_alert);
    RUN(no_common_suite_fails_with_handshake_failure);
    RUN(lost_client_hello_is_resent_after_timer_expired);
    RUN(lost_final_flight_is_recovered_after_the_handshake);
    RUN(close_notify_makes_peer_read_peer_closed);
    RUN(write_larger_than_max_payload_is_emsgsize);
    RUN(two_records_in_one_datagram_are_read_in_turn);
    RUN(oversized_datagram_is_a_dropped_bad_record);
    RUN(tls_over_a_stream_handshakes_and_carries_data);
    RUN(calls_before_the_handshake_are_enotconn);
    RUN(unsupported_suites_and_credentials_are_refused);
#endif
    return tu_exit();
}
