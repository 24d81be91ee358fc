/* DTLS over real UDP loopback sockets (IPv4, IPv6, dual-stack), real clock: handshake, data both
 * ways with exact bytes, a server that starts late, the retransmission budget running out, and a
 * host completing cookie exchanges from many ports that does not lock out another client. */
#include <time.h>

#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/udp.h"
#include "node.h"
#include "testutil.h"

static const uint8_t key[16] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const sock_secure_psk_t psk = { (const uint8_t *)"udp-test", 8, key, sizeof(key) };

static tu_node_t server, client;

static int open_node(tu_node_t *n, sock_secure_role_t role, const char *local, uint32_t initial_ms,
                     uint32_t retransmits)
{
    int rc = tu_node_open_udp(n, local, NULL);
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, tu_backend_name, 2);
    tu_node_psk(&cfg, &psk);
    cfg.hs_timeout_initial_ms = initial_ms;
    cfg.hs_max_retransmit = retransmits;
    return tu_node_create(n, &cfg);
}

/* Drive both sides (non-blocking) until the client session leaves HANDSHAKE or 5 s pass. */
static void drive(sock_secure_session_t *cs, bool with_server)
{
    sock_secure_session_info_t info;
    for (int i = 0; i < 5000; i++) {
        if (with_server) {
            sock_secure_process(&server.sock);
        }
        sock_secure_process(&client.sock);
        if (sock_secure_session_info(cs, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE) {
            return;
        }
        sock_secure_transport_wait(&client.udp.base, 1);
    }
}

/* Server bound to @p server_addr, client to @p client_local; the client connects to
 * @p connect_host at the server's port. */
static void exchange(const char *server_addr, const char *client_local, const char *connect_host)
{
    REQUIRE(open_node(&server, SOCK_SECURE_SERVER, server_addr, 1000, 6) == 0);
    REQUIRE(open_node(&client, SOCK_SECURE_CLIENT, client_local, 1000, 6) == 0);
    sock_secure_ep_t bound, srv = tu_ep(connect_host);
    REQUIRE(sock_secure_transport_local(&server.udp.base, &bound) == 0);
    srv.port = bound.port;
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    drive(cs, true);
    sock_secure_session_info_t info;
    REQUIRE(sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 1000), 0);
    REQUIRE(ss != NULL);

    static const uint8_t up[] = { 'u', 'p', 0, 1, 2, 0xff, 0x80, '\n', 'x' };
    CHECK_EQ(sock_secure_session_send(cs, up, sizeof(up)), (int)sizeof(up));
    uint8_t buf[64];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 2000), (int)sizeof(up));
    CHECK(from == ss);
    CHECK_MEM(buf, up, sizeof(up));
    CHECK_EQ(sock_secure_session_send(ss, "down", 4), 4);
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 2000), 4);
    CHECK_MEM(buf, "down", 4);
    /* the server saw the client's real address */
    sock_secure_ep_t cl;
    REQUIRE(sock_secure_transport_local(&client.udp.base, &cl) == 0);
    CHECK_EQ(sock_secure_session_info(ss, &info), 0);
    CHECK_EQ(info.remote.port, cl.port);
    CHECK_EQ(info.remote.family, srv.family);
    tu_node_close(&client);
    tu_node_close(&server);
}

static bool have_ipv6(void)
{
    sock_secure_udp_t u;
    sock_secure_ep_t ep = tu_ep("[::1]:0");
    if (sock_secure_udp_open(&u, &ep) < 0) {
        return false;
    }
    sock_secure_transport_close(&u.base);
    return true;
}

static void dtls_over_udp_ipv4(void)
{
    exchange("127.0.0.1:0", "127.0.0.1:0", "127.0.0.1");
}

static void dtls_over_udp_ipv6(void)
{
    if (!have_ipv6()) {
        printf("note: no IPv6 loopback; IPv6 scenario not run\n");
        return;
    }
    exchange("[::1]:0", "[::1]:0", "::1");
}

static void dual_stack_server_serves_an_ipv4_client(void)
{
    if (!have_ipv6()) {
        printf("note: no IPv6; dual-stack scenario not run\n");
        return;
    }
    exchange("[::]:0", "127.0.0.1:0", "127.0.0.1");
}

static uint64_t now_ms(void)
{
    return sock_secure_platform_now_ms(NULL);
}

/* The client starts while nothing listens; the server comes up 2 s later (real time). The
 * client's transport reports no ICMP errors (sock_secure_udp_peer_errors() off): with them, the
 * first "port unreachable" would end the handshake at once (test_peer_errors). */
static void dtls_retransmits_until_server_appears(void)
{
    /* reserve a port for the server by opening and closing a socket on it */
    sock_secure_udp_t probe;
    sock_secure_ep_t any = tu_ep("127.0.0.1:0"), srv;
    REQUIRE(sock_secure_udp_open(&probe, &any) == 0);
    REQUIRE(sock_secure_transport_local(&probe.base, &srv) == 0);
    sock_secure_transport_close(&probe.base);

    REQUIRE(open_node(&client, SOCK_SECURE_CLIENT, "127.0.0.1:0", 1000, 6) == 0);
    int rc = sock_secure_udp_peer_errors(&client.udp, false);
    CHECK(rc == 0 || rc == -ENOTSUP);
    sock_secure_session_t *cs = NULL;
    uint64_t t0 = now_ms();
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    while (now_ms() - t0 < 2000) {
        sock_secure_process(&client.sock);
        sock_secure_transport_wait(&client.udp.base, 50);
    }
    char addr[SOCK_SECURE_EP_STRLEN];
    REQUIRE(sock_secure_ep_format(&srv, addr, sizeof(addr)) > 0);
    REQUIRE(open_node(&server, SOCK_SECURE_SERVER, addr, 1000, 6) == 0);
    drive(cs, true);
    sock_secure_session_info_t info;
    REQUIRE(sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK(info.retransmits >= 2); /* at 1 s and at 3 s */
    CHECK(now_ms() - t0 >= 2000);
    tu_node_close(&client);
    tu_node_close(&server);
}

/* Nothing ever answers (a socket that never reads: no ICMP error either): the blocking connect
 * fails with -ETIMEDOUT once the budget is spent. */
static void dtls_gives_up_after_the_retransmission_budget(void)
{
    REQUIRE(open_node(&client, SOCK_SECURE_CLIENT, "127.0.0.1:0", 50, 3) == 0);
    sock_secure_udp_t silent;
    sock_secure_ep_t any = tu_ep("127.0.0.1:0"), nobody;
    REQUIRE(sock_secure_udp_open(&silent, &any) == 0);
    REQUIRE(sock_secure_transport_local(&silent.base, &nobody) == 0);
    sock_secure_session_t *cs = NULL;
    uint64_t t0 = now_ms();
    CHECK_EQ(sock_secure_connect(&client.sock, &nobody, &cs, SOCK_SECURE_NO_TIMEOUT), -ETIMEDOUT);
    uint64_t took = now_ms() - t0;
    /* 50 + 100 + 200 + 400 ms = 750 ms of budget; generous upper bound for a loaded machine */
    CHECK(took >= 750);
    CHECK(took < 20000);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.retransmits, 3);
    CHECK_EQ(info.last_error, -ETIMEDOUT);
    tu_node_close(&client);
    sock_secure_transport_close(&silent.base);
}

/* One host (127.0.0.2) that owns its address completes cookie exchanges from many ports and never
 * answers the server's flight: ATTACKERS clients at a time, each replaced by a new one (a new
 * port) once it has sent its hello with the cookie. Meanwhile a client on 127.0.0.1 connects
 * LEGIT_TRIES times. Real sockets and clock: asserts completion (>= 95 %), not speed. */
#define ATTACKERS 16
#define LEGIT_TRIES 20
#define LOCKOUT_SLOTS 16

static struct {
    sock_secure_udp_t udp;
    sock_secure_t sock;
    sock_secure_session_t slots[LOCKOUT_SLOTS];
} big_server;

static tu_node_t attackers[ATTACKERS];
static bool attacker_up[ATTACKERS];

/* (Re)start attacker @p i: a new socket on 127.0.0.2 (a new port) and a handshake. */
static bool attacker_start(int i, const sock_secure_ep_t *srv)
{
    if (attacker_up[i]) {
        tu_node_close(&attackers[i]);
        attacker_up[i] = false;
    }
    if (open_node(&attackers[i], SOCK_SECURE_CLIENT, "127.0.0.2:0", 1000, 6) != 0) {
        return false;
    }
    attacker_up[i] = true;
    sock_secure_session_t *s = NULL;
    return sock_secure_connect(&attackers[i].sock, srv, &s, 0) == -EINPROGRESS;
}

/* Attacker @p i's step: take the HelloVerifyRequest and send the hello with its cookie; after
 * that it goes silent and is replaced. */
static void attacker_step(int i, const sock_secure_ep_t *srv)
{
    sock_secure_session_info_t info;
    if (sock_secure_session_info(&attackers[i].slots[0], &info) == 0 && info.datagrams_out >= 2) {
        (void)attacker_start(i, srv); /* cookie exchange done: a new port */
        return;
    }
    sock_secure_process(&attackers[i].sock);
}

static void a_host_with_many_ports_does_not_lock_out_another_client(void)
{
    sock_secure_udp_t probe;
    sock_secure_ep_t other = tu_ep("127.0.0.2:0");
    if (sock_secure_udp_open(&probe, &other) < 0) {
        printf("  note: cannot bind 127.0.0.2 on this host: scenario skipped\n");
        return;
    }
    sock_secure_transport_close(&probe.base);
    sock_secure_ep_t ep = tu_ep("127.0.0.1:0"), srv;
    REQUIRE(sock_secure_udp_open(&big_server.udp, &ep) == 0);
    REQUIRE(sock_secure_transport_local(&big_server.udp.base, &srv) == 0);
    sock_secure_config_t cfg; /* default limits: budget 16, 4 per address, stall 8 s */
    tu_config(&cfg, SOCK_SECURE_SERVER, tu_backend_name, &big_server.udp.base, big_server.slots,
              LOCKOUT_SLOTS, &psk);
    REQUIRE(sock_secure_create(&big_server.sock, &cfg) == 0);
    for (int i = 0; i < ATTACKERS; i++) {
        REQUIRE(attacker_start(i, &srv));
    }
    for (int k = 0; k < 200; k++) { /* the attack gets going first */
        sock_secure_process(&big_server.sock);
        for (int i = 0; i < ATTACKERS; i++) {
            attacker_step(i, &srv);
        }
        sock_secure_transport_wait(&big_server.udp.base, 1);
    }
    int ok = 0, most = 0;
    for (int t = 0; t < LEGIT_TRIES; t++) {
        REQUIRE(open_node(&client, SOCK_SECURE_CLIENT, "127.0.0.1:0", 1000, 6) == 0);
        sock_secure_session_t *cs = NULL;
        CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
        sock_secure_session_info_t info;
        uint64_t t0 = now_ms();
        while (now_ms() - t0 < 10000 && sock_secure_session_info(cs, &info) == 0 &&
               info.state == SOCK_SECURE_ST_HANDSHAKE) {
            sock_secure_process(&big_server.sock);
            sock_secure_process(&client.sock);
            for (int i = 0; i < ATTACKERS; i++) {
                attacker_step(i, &srv);
            }
            sock_secure_process(&big_server.sock);
            sock_secure_process(&client.sock);
            int held = 0;
            for (int i = 0; i < LOCKOUT_SLOTS; i++) {
                sock_secure_session_info_t si;
                held += sock_secure_session_info(&big_server.slots[i], &si) == 0 &&
                        si.state == SOCK_SECURE_ST_HANDSHAKE && si.remote.addr[3] == 2;
            }
            most = held > most ? held : most;
            sock_secure_transport_wait(&client.udp.base, 1);
        }
        ok += sock_secure_session_info(cs, &info) == 0 && info.state == SOCK_SECURE_ST_OPEN;
        tu_node_close(&client);
    }
    sock_secure_stats_t st;
    sock_secure_stats(&big_server.sock, &st);
    printf("  %s over UDP, 127.0.0.2 with %d ports at a time: %d/%d handshakes from 127.0.0.1 "
           "completed; 127.0.0.2 held %d half-open at most; drop_per_addr %u, displaced %u\n",
           tu_backend_name ? tu_backend_name : "default", ATTACKERS, ok, LEGIT_TRIES, most,
           st.drop_per_addr, st.displaced);
    CHECK(ok * 100 >= 95 * LEGIT_TRIES);
    CHECK(most <= CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR);
    CHECK(st.drop_per_addr > 0); /* the attack was on: the cap refused its extra handshakes */
    for (int i = 0; i < ATTACKERS; i++) {
        if (attacker_up[i]) {
            tu_node_close(&attackers[i]);
            attacker_up[i] = false;
        }
    }
    sock_secure_close(&big_server.sock);
    sock_secure_transport_close(&big_server.udp.base);
}

int main(void)
{
    tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    RUN(dtls_over_udp_ipv4);
    RUN(dtls_over_udp_ipv6);
    RUN(dual_stack_server_serves_an_ipv4_client);
    RUN(dtls_retransmits_until_server_appears);
    RUN(dtls_gives_up_after_the_retransmission_budget);
    RUN(a_host_with_many_ports_does_not_lock_out_another_client);
    return tu_exit();
}
