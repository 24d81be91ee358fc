/* Every pair of (D)TLS stacks built in, client on one and server on the other, over the core API
 * and the in-memory net with a simulated clock: handshakes, exact bytes both ways, the failures
 * each side reports, and suites a stack lacks refused at create. Also per pair: TLS 1.2 over TCP
 * loopback with a PSK suite both stacks have, and DTLS with ECDHE-ECDSA certificates (server-only
 * and mutual) from the test PKI in SS_PKI_DIR (without it those scenarios are reported as not
 * run, never as passed). Skipped with fewer than two drivers. */
#include <stdlib.h>

#include "secure_sock/creds.h"
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/tcp.h"
#include "node.h"
#include "pki.h"
#include "testutil.h"

#define SLOTS 2

/* The PSK suites secure_sock routes, in the core's default order. */
static const uint16_t psk_suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8, SOCK_SECURE_PSK_AES_128_CCM,
                                       SOCK_SECURE_PSK_AES_128_GCM_SHA256,
                                       SOCK_SECURE_PSK_CHACHA20_POLY1305 };
#define N_PSK_SUITES (sizeof(psk_suites) / sizeof(psk_suites[0]))

static tu_node_t server, client;

/* Open @p n on the net at @p addr with backend @p drv, one suite (0: defaults). */
static int open_node(tu_node_t *n, const char *addr, sock_secure_role_t role,
                     const tlsman_driver_t *drv, const sock_secure_psk_t *psk, uint16_t suite)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, drv->name, SLOTS);
    tu_node_psk(&cfg, psk);
    tu_node_one_suite(n, &cfg, suite);
    return tu_node_open_cfg(n, addr, &cfg);
}

/* Server on @p sd, client on @p cd. Returns false (after failed checks) if either failed. */
static bool setup(const tlsman_driver_t *cd, uint16_t csuite, const sock_secure_psk_t *cpsk,
                  const tlsman_driver_t *sd, uint16_t ssuite)
{
    tu_net_start();
    int rc = open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, sd, &tu_psk_a, ssuite);
    CHECK_EQ(rc, 0);
    if (rc < 0) {
        return false;
    }
    rc = open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, cd, cpsk, csuite);
    CHECK_EQ(rc, 0);
    if (rc < 0) {
        tu_node_close(&server);
        return false;
    }
    return true;
}

static void teardown(void)
{
    tu_node_close(&client);
    tu_node_close(&server);
}

/* Run both sides until neither has anything left to do; then let simulated time pass to the next
 * timer, up to @p ticks times, while the client's handshake is unfinished. */
static void pump(unsigned ticks)
{
    tu_node_t *const both[] = { &server, &client };
    for (unsigned t = 0;; t++) {
        tu_pump(both, 2);
        if (t == ticks || client.ev.connected + client.ev.error > 0 || !tu_advance(both, 2)) {
            return;
        }
    }
}

static sock_secure_session_t *connect_client(void)
{
    return tu_connect(&client, &server);
}

/* The first routed suite both stacks have over datagrams, 0 if none. */
static uint16_t common_suite(const tlsman_driver_t *a, const tlsman_driver_t *b)
{
    for (size_t i = 0; i < N_PSK_SUITES; i++) {
        if (sock_secure_suite_supported(a->name, psk_suites[i], true) && sock_secure_suite_supported(b->name, psk_suites[i], true)) {
            return psk_suites[i];
        }
    }
    return 0;
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 31u + seed);
    }
}

/* One record each way, then the largest record each side may send, byte for byte. */
static void handshake_and_records_both_ways(const tlsman_driver_t *cd, const tlsman_driver_t *sd)
{
    uint16_t suite = common_suite(cd, sd);
    if (suite == 0) { /* Debian's wolfSSL (CHACHA20-POLY1305) and tinyDTLS (AES-128-CCM) */
        CHECK(strcmp(cd->name, sd->name) != 0); /* a driver always has a suite with itself */
        printf("  %s -> %s: no PSK suite in common, case not run\n", cd->name, sd->name);
        return;
    }
    if (!setup(cd, suite, &tu_psk_a, sd, suite)) {
        return;
    }
    sock_secure_session_t *cs = connect_client();
    REQUIRE(cs != NULL);
    CHECK_EQ(client.ev.connected, 1);
    CHECK_EQ(server.ev.connected, 1);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    if (ss == NULL) {
        teardown();
        return;
    }
    sock_secure_session_info_t ci, si;
    CHECK_EQ(sock_secure_session_info(cs, &ci), 0);
    CHECK_EQ(sock_secure_session_info(ss, &si), 0);
    CHECK_EQ(ci.suite, suite);
    CHECK_EQ(si.suite, suite);
    CHECK(strcmp(ci.version, "DTLSv1.2") == 0);
    CHECK(strcmp(si.version, "DTLSv1.2") == 0);

    static uint8_t out[CONFIG_SOCK_SECURE_MAX_DATAGRAM], in[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
    sock_secure_session_t *from = NULL;
    static const char up[] = "client to server \x00\x01\xff";
    CHECK_EQ(sock_secure_session_send(cs, up, sizeof(up)), (int)sizeof(up));
    pump(0);
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, in, sizeof(in), 0), (int)sizeof(up));
    CHECK(from == ss);
    CHECK_MEM(in, up, sizeof(up));
    static const char down[] = "server to client \xfe\x7f";
    CHECK_EQ(sock_secure_session_send(ss, down, sizeof(down)), (int)sizeof(down));
    pump(0);
    memset(in, 0, sizeof(in));
    CHECK_EQ(sock_secure_session_recv(cs, in, sizeof(in), 0), (int)sizeof(down));
    CHECK_MEM(in, down, sizeof(down));

    /* the largest record each side can send reaches the other (a 1500-byte datagram from mbedTLS
     * must get through to wolfSSL, whose own records stop at its 1400-byte MTU) */
    int cmax = sock_secure_max_payload(cs);
    int smax = sock_secure_max_payload(ss);
    CHECK(cmax > 0 && cmax < CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    CHECK(smax > 0 && smax < CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    printf("  %s -> %s: max record %d / %d bytes\n", cd->name, sd->name, cmax, smax);
    fill(out, (size_t)cmax, 1);
    CHECK_EQ(sock_secure_session_send(cs, out, (size_t)cmax), cmax);
    pump(0);
    from = NULL;
    memset(in, 0, sizeof(in));
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, in, sizeof(in), 0), cmax);
    CHECK_MEM(in, out, (size_t)cmax);
    fill(out, (size_t)smax, 2);
    CHECK_EQ(sock_secure_session_send(ss, out, (size_t)smax), smax);
    pump(0);
    memset(in, 0, sizeof(in));
    CHECK_EQ(sock_secure_session_recv(cs, in, sizeof(in), 0), smax);
    CHECK_MEM(in, out, (size_t)smax);

    /* close_notify crosses too */
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump(0);
    CHECK_EQ(server.ev.closed, 1);
    from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, in, sizeof(in), 0), SOCK_SECURE_E_PEER_CLOSED);
    teardown();
}

/* Both stacks end a handshake under a wrong PSK with bad_record_mac from the server, which
 * cannot decrypt the client's Finished. */
static void wrong_psk_fails_on_both_sides(const tlsman_driver_t *cd, const tlsman_driver_t *sd)
{
    uint16_t suite = common_suite(cd, sd);
    if (suite == 0 || !setup(cd, suite, &tu_psk_a_wrong, sd, suite)) {
        return;
    }
    sock_secure_session_t *cs = connect_client();
    REQUIRE(cs != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(info.last_error, SOCK_SECURE_E_ALERT);
    CHECK_EQ(info.alert, 20); /* bad_record_mac */
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(client.ev.error, 1);
    CHECK_EQ(client.ev.connected, 0);
    CHECK_EQ(server.ev.error, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_HANDSHAKE);
    CHECK_EQ(server.ev.connected, 0);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.handshakes_failed, 1);
    CHECK_EQ(st.sessions_open, 0);
    CHECK_EQ(st.sessions_handshake, 0);
    teardown();
}

static void unknown_identity_fails_with_its_alert(const tlsman_driver_t *cd,
                                                  const tlsman_driver_t *sd)
{
    uint16_t suite = common_suite(cd, sd);
    if (suite == 0 || !setup(cd, suite, &tu_psk_unknown, sd, suite)) {
        return;
    }
    sock_secure_session_t *cs = connect_client();
    REQUIRE(cs != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.last_error, SOCK_SECURE_E_ALERT);
    CHECK_EQ(info.alert, 115); /* unknown_psk_identity */
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(server.ev.error, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_PSK_IDENTITY);
    teardown();
}

/* The client offers one suite, the server takes another: handshake_failure. */
static void no_common_suite_fails_with_handshake_failure(const tlsman_driver_t *cd,
                                                         const tlsman_driver_t *sd)
{
    uint16_t cs_suite = 0, ss_suite = 0;
    for (size_t i = 0; i < N_PSK_SUITES && cs_suite == 0; i++) {
        if (sock_secure_suite_supported(cd->name, psk_suites[i], true)) {
            cs_suite = psk_suites[i];
        }
    }
    for (size_t i = 0; i < N_PSK_SUITES && ss_suite == 0; i++) {
        if (sock_secure_suite_supported(sd->name, psk_suites[i], true) && psk_suites[i] != cs_suite) {
            ss_suite = psk_suites[i];
        }
    }
    if (cs_suite == 0 || ss_suite == 0) {
        printf("  %s -> %s: no two distinct suites, case not run\n", cd->name, sd->name);
        return;
    }
    if (!setup(cd, cs_suite, &tu_psk_a, sd, ss_suite)) {
        return;
    }
    sock_secure_session_t *cs = connect_client();
    REQUIRE(cs != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.last_error, SOCK_SECURE_E_ALERT);
    CHECK_EQ(info.alert, 40); /* handshake_failure */
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(server.ev.error, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_NO_SUITE);
    teardown();
}

/* Each side on the core's default suite list: the server picks one the client offered. */
static void default_suites_meet(const tlsman_driver_t *cd, const tlsman_driver_t *sd)
{
    if (common_suite(cd, sd) == 0 || !setup(cd, 0, &tu_psk_a, sd, 0)) {
        return;
    }
    sock_secure_session_t *cs = connect_client();
    REQUIRE(cs != NULL);
    CHECK_EQ(client.ev.connected, 1);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK(sock_secure_suite_supported(cd->name, info.suite, true) && sock_secure_suite_supported(sd->name, info.suite, true));
    teardown();
}

/* The server's ChangeCipherSpec + Finished are lost: the client's timer resends its last flight
 * and the server, already established, answers it with its own again. */
static void lost_last_server_flight_is_recovered(const tlsman_driver_t *cd,
                                                 const tlsman_driver_t *sd)
{
    uint16_t suite = common_suite(cd, sd);
    if (suite == 0 || !setup(cd, suite, &tu_psk_a, sd, suite)) {
        return;
    }
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    /* run until the server is established, then drop what it sent last */
    for (int i = 0; i < 50 && server.ev.connected == 0; i++) {
        sock_secure_process(&server.sock);
        if (server.ev.connected == 0) {
            sock_secure_process(&client.sock);
        }
    }
    REQUIRE(server.ev.connected == 1);
    uint8_t junk[2048];
    sock_secure_ep_t from;
    while (client.mem.queued > 0) {
        CHECK(sock_secure_transport_recv(&client.mem.base, junk, sizeof(junk), &from) > 0);
    }
    pump(3);
    CHECK_EQ(client.ev.connected, 1);
    CHECK_EQ(client.ev.error, 0);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK(info.retransmits >= 1);
    CHECK_EQ(sock_secure_session_send(cs, "after loss", 10), 10);
    pump(0);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &ss, junk, sizeof(junk), 0), 10);
    CHECK_MEM(junk, "after loss", 10);
    teardown();
}

/* ---- TLS 1.2 over TCP loopback, PSK ----------------------------------------------------------- */

static tu_node_t tcp_server, tcp_client;

/* The first routed PSK suite both stacks have over streams, 0 if none. */
static uint16_t common_stream_suite(const tlsman_driver_t *a, const tlsman_driver_t *b)
{
    for (size_t i = 0; i < N_PSK_SUITES; i++) {
        if (sock_secure_suite_supported(a->name, psk_suites[i], false) && sock_secure_suite_supported(b->name, psk_suites[i], false)) {
            return psk_suites[i];
        }
    }
    return 0;
}

static bool does_tls(const tlsman_driver_t *d)
{
    return (d->caps & TLSMAN_CAP_TLS) != 0 && d->flush != NULL;
}

static int tcp_create(tu_node_t *n, sock_secure_role_t role, const tlsman_driver_t *drv,
                      uint16_t suite)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, drv->name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    tu_node_one_suite(n, &cfg, suite);
    return tu_node_create(n, &cfg);
}

static void tcp_drive(void)
{
    sock_secure_process(&tcp_server.sock);
    sock_secure_process(&tcp_client.sock);
    sock_secure_transport_wait(&tcp_server.tcp.base, 1);
}

static uint64_t wall_ms(void)
{
    return sock_secure_platform_now_ms(NULL);
}

/* TLS 1.2 over TCP loopback, client on @p cd, server on @p sd, one PSK suite both have:
 * a small message and 200 KB each way, byte for byte, then close_notify. */
static void tls_tcp_psk_bytes_both_ways(const tlsman_driver_t *cd, const tlsman_driver_t *sd)
{
    if (!does_tls(cd) || !does_tls(sd)) {
        printf("  %s -> %s: a driver lacks TLS over streams, case not run\n", cd->name, sd->name);
        return;
    }
    uint16_t suite = common_stream_suite(cd, sd);
    CHECK(suite != 0);
    if (suite == 0) {
        return;
    }
    sock_secure_ep_t server_ep;
    REQUIRE(tu_node_listen_tcp(&tcp_server, "127.0.0.1:0", SLOTS, &server_ep) == 0);
    int rc = tcp_create(&tcp_server, SOCK_SECURE_SERVER, sd, suite);
    CHECK_EQ(rc, 0);
    if (rc < 0) {
        return;
    }
    rc = tu_node_open_tcp(&tcp_client, 1);
    CHECK_EQ(rc, 0);
    if (rc == 0) {
        rc = tcp_create(&tcp_client, SOCK_SECURE_CLIENT, cd, suite);
        CHECK_EQ(rc, 0);
    }
    if (rc < 0) {
        tu_node_close(&tcp_server);
        return;
    }

    sock_secure_session_t *cs = NULL, *ss = NULL;
    rc = sock_secure_connect(&tcp_client.sock, &server_ep, &cs, 0);
    CHECK(rc == -EINPROGRESS || rc == 0);
    sock_secure_session_info_t ci, si;
    uint64_t t0 = wall_ms();
    while (wall_ms() - t0 < 10000) {
        tcp_drive();
        if (cs != NULL && sock_secure_session_info(cs, &ci) == 0 &&
            ci.state != SOCK_SECURE_ST_HANDSHAKE &&
            sock_secure_accept(&tcp_server.sock, &ss, 0) == 0) {
            break;
        }
    }
    CHECK(cs != NULL && ss != NULL);
    if (cs != NULL && ss != NULL) {
        CHECK_EQ(sock_secure_session_info(cs, &ci), 0);
        CHECK_EQ(sock_secure_session_info(ss, &si), 0);
        CHECK_EQ(ci.state, SOCK_SECURE_ST_OPEN);
        CHECK_EQ(ci.suite, suite);
        CHECK_EQ(si.suite, suite);
        CHECK(strncmp(ci.version, "TLSv1.2", 7) == 0);
        CHECK(strncmp(si.version, "TLSv1.2", 7) == 0);
        printf("  %s -> %s: TLS over TCP, %s\n", cd->name, sd->name, ci.suite_name);

        /* a small message each way, exact bytes */
        static const char up[] = "tls client to server \x00\x01\xff";
        static const char down[] = "tls server to client \xfe\x7f";
        uint8_t in[64];
        size_t got = 0;
        CHECK_EQ(sock_secure_session_send(cs, up, sizeof(up)), (int)sizeof(up));
        t0 = wall_ms();
        while (got < sizeof(up) && wall_ms() - t0 < 5000) {
            tcp_drive();
            rc = sock_secure_session_recv(ss, in + got, sizeof(in) - got, 0);
            if (rc > 0) {
                got += (size_t)rc;
            }
        }
        CHECK_EQ(got, sizeof(up));
        CHECK_MEM(in, up, sizeof(up));
        got = 0;
        CHECK_EQ(sock_secure_session_send(ss, down, sizeof(down)), (int)sizeof(down));
        t0 = wall_ms();
        while (got < sizeof(down) && wall_ms() - t0 < 5000) {
            tcp_drive();
            rc = sock_secure_session_recv(cs, in + got, sizeof(in) - got, 0);
            if (rc > 0) {
                got += (size_t)rc;
            }
        }
        CHECK_EQ(got, sizeof(down));
        CHECK_MEM(in, down, sizeof(down));

        /* then a stream larger than many records, both ways at once */
        const size_t total = 200u * 1024u;
        tu_flow_t upf = { &tcp_server.sock, ss, 0, 0, 0, 7, 3 };  /* server side */
        tu_flow_t downf = { &tcp_client.sock, cs, 0, 0, 0, 3, 7 }; /* client side */
        t0 = wall_ms();
        while ((upf.received < total || downf.received < total) && wall_ms() - t0 < 20000) {
            tu_flow_step(&downf, total);
            tu_flow_step(&upf, total);
            tcp_drive();
        }
        CHECK_EQ(downf.sent, total);
        CHECK_EQ(upf.sent, total);
        CHECK_EQ(downf.received, total);
        CHECK_EQ(upf.received, total);
        CHECK_EQ(downf.bad + upf.bad, 0);

        /* close_notify crosses */
        CHECK_EQ(sock_secure_session_close(cs), 0);
        for (int i = 0; i < 500 && tcp_server.ev.closed == 0; i++) {
            tcp_drive();
        }
        CHECK_EQ(tcp_server.ev.closed, 1);
    }
    CHECK_EQ(tcp_client.ev.error, 0);
    CHECK_EQ(tcp_server.ev.error, 0);
    tu_node_close(&tcp_client);
    tu_node_close(&tcp_server);
}

/* ---- DTLS with certificates (test PKI) -------------------------------------------------------- */

static const uint16_t ecdsa_ccm8 = SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8;

/* Open @p n on the memory net with certificates from its store on driver @p drv. */
static int open_cert_node(tu_node_t *n, const char *addr, sock_secure_role_t role,
                          const tlsman_driver_t *drv, sock_secure_verify_t verify,
                          const char *server_name)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, drv->name, SLOTS);
    tu_node_use_creds(n, &cfg);
    cfg.verify = verify;
    cfg.server_name = server_name;
    tu_node_one_suite(n, &cfg, ecdsa_ccm8);
    return tu_node_open_cfg(n, addr, &cfg);
}

/* DTLS, ECDHE-ECDSA-AES128-CCM8 on P-256, client on @p cd, server on @p sd; with @p mutual the
 * server requires a client certificate. One record each way, exact bytes, then close_notify. */
static void dtls_certs(const tlsman_driver_t *cd, const tlsman_driver_t *sd, bool mutual)
{
    if (!(cd->caps & TLSMAN_CAP_X509) || !(sd->caps & TLSMAN_CAP_X509) ||
        !sock_secure_suite_supported(cd->name, ecdsa_ccm8, true) || !sock_secure_suite_supported(sd->name, ecdsa_ccm8, true)) {
        printf("  %s -> %s: a driver lacks ECDHE-ECDSA-AES128-CCM8 certificates, case not run\n",
               cd->name, sd->name);
        return;
    }
    tu_net_start();
    REQUIRE(tu_creds_load(&server.creds, "server.crt", "server.key", mutual ? "ca.crt" : NULL,
                          false) == 0);
    REQUIRE(tu_creds_load(&client.creds, mutual ? "client.crt" : NULL,
                          mutual ? "client.key" : NULL, "ca.crt", false) == 0);
    int rc = open_cert_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, sd,
                            mutual ? SOCK_SECURE_VERIFY_REQUIRED : SOCK_SECURE_VERIFY_DEFAULT,
                            NULL);
    CHECK_EQ(rc, 0);
    if (rc < 0) {
        return;
    }
    rc = open_cert_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, cd,
                        SOCK_SECURE_VERIFY_REQUIRED, "server.test");
    CHECK_EQ(rc, 0);
    if (rc < 0) {
        tu_node_close(&server);
        return;
    }
    sock_secure_session_t *cs = connect_client();
    REQUIRE(cs != NULL);
    CHECK_EQ(client.ev.connected, 1);
    CHECK_EQ(server.ev.connected, 1);
    CHECK_EQ(client.ev.error, 0);
    CHECK_EQ(server.ev.error, 0);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    if (ss == NULL) {
        teardown();
        sock_secure_creds_init(&server.creds);
        sock_secure_creds_init(&client.creds);
        return;
    }
    sock_secure_session_info_t ci, si;
    CHECK_EQ(sock_secure_session_info(cs, &ci), 0);
    CHECK_EQ(sock_secure_session_info(ss, &si), 0);
    CHECK_EQ(ci.suite, ecdsa_ccm8);
    CHECK_EQ(si.suite, ecdsa_ccm8);
    CHECK_EQ(ci.verify, 0);
    CHECK_EQ(si.verify, 0);
    CHECK(strcmp(ci.version, "DTLSv1.2") == 0);
    CHECK(strcmp(si.version, "DTLSv1.2") == 0);

    uint8_t in[256];
    sock_secure_session_t *from = NULL;
    static const uint8_t up[] = { 'c', 'e', 'r', 't', ' ', 'u', 'p', 0, 1, 0xff, 0x80, '\n' };
    CHECK_EQ(sock_secure_session_send(cs, up, sizeof(up)), (int)sizeof(up));
    pump(0);
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, in, sizeof(in), 0), (int)sizeof(up));
    CHECK(from == ss);
    CHECK_MEM(in, up, sizeof(up));
    static const uint8_t down[] = { 'e', 'c', 'd', 's', 'a', ' ', 'd', 'o', 'w', 'n', 0xfe, 0 };
    CHECK_EQ(sock_secure_session_send(ss, down, sizeof(down)), (int)sizeof(down));
    pump(0);
    memset(in, 0, sizeof(in));
    CHECK_EQ(sock_secure_session_recv(cs, in, sizeof(in), 0), (int)sizeof(down));
    CHECK_MEM(in, down, sizeof(down));

    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump(0);
    CHECK_EQ(server.ev.closed, 1);
    teardown();
    sock_secure_creds_init(&server.creds); /* zeroes the stores */
    sock_secure_creds_init(&client.creds);
}

static void dtls_certs_server_only(const tlsman_driver_t *cd, const tlsman_driver_t *sd)
{
    dtls_certs(cd, sd, false);
}

static void dtls_certs_mutual(const tlsman_driver_t *cd, const tlsman_driver_t *sd)
{
    dtls_certs(cd, sd, true);
}

typedef void (*pair_case_t)(const tlsman_driver_t *cd, const tlsman_driver_t *sd);

/* Run @p fn for every (client, server) pair of registered drivers. */
static void for_each_pair(const char *what, pair_case_t fn)
{
    for (size_t c = 0; sock_secure_backend_name(c) != NULL; c++) {
        for (size_t s = 0; sock_secure_backend_name(s) != NULL; s++) {
            const tlsman_driver_t *cd = tu_driver_at(c);
            const tlsman_driver_t *sd = tu_driver_at(s);
            int before = tu_failures;
            fn(cd, sd);
            printf("%s %s: client %s, server %s\n", tu_failures == before ? "ok  " : "FAIL", what,
                   cd->name, sd->name);
        }
    }
}

/* A suite a stack lacks fails at create with -ENOTSUP, before any packet (wolfSSL as Debian
 * builds it has no TLS_PSK_WITH_AES_128_CCM_8); the default list keeps only what it has. */
static void explicit_suite_a_stack_lacks_is_refused_at_create(void)
{
    bool ran = false;
    for (size_t i = 0; sock_secure_backend_name(i) != NULL; i++) {
        const tlsman_driver_t *d = tu_driver_at(i);
        if (sock_secure_suite_supported(d->name, SOCK_SECURE_PSK_AES_128_CCM_8, true)) {
            continue;
        }
        ran = true;
        tu_net_start();
        uint32_t sent = tu_net.sent;
        CHECK_EQ(open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, d, &tu_psk_a,
                           SOCK_SECURE_PSK_AES_128_CCM_8), -ENOTSUP);
        CHECK_EQ(open_node(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, d, &tu_psk_a,
                           SOCK_SECURE_PSK_AES_128_CCM_8), -ENOTSUP);
        CHECK_EQ(tu_net.sent, sent);
        /* the defaults still work: the core keeps the suites the stack has */
        CHECK_EQ(open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, d, &tu_psk_a, 0), 0);
        tu_node_close(&client);
        printf("  %s: TLS_PSK_WITH_AES_128_CCM_8 refused with -ENOTSUP\n", d->name);
    }
    if (!ran) {
        printf("  every driver has TLS_PSK_WITH_AES_128_CCM_8\n");
    }
    const tlsman_driver_t *w = sock_secure_driver("wolfssl");
    if (w != NULL && !sock_secure_suite_supported(w->name, SOCK_SECURE_PSK_AES_128_CCM_8, true)) {
        CHECK(ran);
    }
}

int main(void)
{
    if (sock_secure_init() < 0) {
        tu_skip("sock_secure_init failed");
    }
    size_t n = 0;
    while (sock_secure_backend_name(n) != NULL) {
        n++;
    }
    if (n < 2) {
        tu_skip("fewer than two drivers built");
    }
    for (size_t i = 0; i < n; i++) {
        printf("driver %s %s\n", sock_secure_backend_name(i),
               tu_driver_at(i)->version);
    }
    for_each_pair("handshake_and_records_both_ways", handshake_and_records_both_ways);
    for_each_pair("wrong_psk_fails_on_both_sides", wrong_psk_fails_on_both_sides);
    for_each_pair("unknown_identity_fails_with_its_alert", unknown_identity_fails_with_its_alert);
    for_each_pair("no_common_suite_fails_with_handshake_failure",
                  no_common_suite_fails_with_handshake_failure);
    for_each_pair("default_suites_meet", default_suites_meet);
    for_each_pair("lost_last_server_flight_is_recovered", lost_last_server_flight_is_recovered);
    RUN(explicit_suite_a_stack_lacks_is_refused_at_create);
    for_each_pair("tls_tcp_psk_bytes_both_ways", tls_tcp_psk_bytes_both_ways);
    if (tu_pki_init(0, NULL) == NULL) {
        printf("NOT RUN dtls_certs_server_only, dtls_certs_mutual: SS_PKI_DIR is not set "
               "(make one with tests/pki/make-pki.sh DIR)\n");
    } else {
        for_each_pair("dtls_certs_server_only", dtls_certs_server_only);
        for_each_pair("dtls_certs_mutual", dtls_certs_mutual);
    }
    return tu_exit();
}
