/* DTLS over real UDP loopback sockets (IPv4, IPv6, dual-stack), real clock: handshake, data both
 * ways with exact bytes, a server that starts late, and the retransmission budget running out. */
#include <time.h>

#include "secure_sock/sock_secure.h"
#include "secure_sock/sock_udp.h"
#include "testutil.h"

static const uint8_t key[16] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const sock_secure_psk_t psk = { (const uint8_t *)"udp-test", 8, key, sizeof(key) };

typedef struct {
    sock_udp_t udp;
    sock_secure_t sock;
    sock_secure_session_t slots[2];
} node_t;

static node_t server, client;

static int open_node(node_t *n, sock_secure_role_t role, const char *local, uint32_t initial_ms,
                     uint32_t retransmits)
{
    sock_ep_t ep = tu_ep(local);
    int rc = sock_udp_open(&n->udp, &ep);
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.backend = tu_backend_name;
    cfg.role = role;
    cfg.transport = &n->udp.base;
    cfg.sessions = n->slots;
    cfg.session_count = 2;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    cfg.hs_timeout_initial_ms = initial_ms;
    cfg.hs_max_retransmit = retransmits;
    return sock_secure_create(&n->sock, &cfg);
}

static void close_node(node_t *n)
{
    sock_secure_close(&n->sock);
    sock_close(&n->udp.base);
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
        sock_wait(&client.udp.base, 1);
    }
}

/* Server bound to @p server_addr, client to @p client_local; the client connects to
 * @p connect_host at the server's port. */
static void exchange(const char *server_addr, const char *client_local, const char *connect_host)
{
    REQUIRE(open_node(&server, SOCK_SECURE_SERVER, server_addr, 1000, 6) == 0);
    REQUIRE(open_node(&client, SOCK_SECURE_CLIENT, client_local, 1000, 6) == 0);
    sock_ep_t bound, srv = tu_ep(connect_host);
    REQUIRE(sock_local(&server.udp.base, &bound) == 0);
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
    CHECK_EQ(sock_secure_send(cs, up, sizeof(up)), (int)sizeof(up));
    uint8_t buf[64];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv(&server.sock, &from, buf, sizeof(buf), 2000), (int)sizeof(up));
    CHECK(from == ss);
    CHECK_MEM(buf, up, sizeof(up));
    CHECK_EQ(sock_secure_send(ss, "down", 4), 4);
    sock_secure_session_t *want = cs;
    CHECK_EQ(sock_secure_recv(&client.sock, &want, buf, sizeof(buf), 2000), 4);
    CHECK_MEM(buf, "down", 4);
    /* the server saw the client's real address */
    sock_ep_t cl;
    REQUIRE(sock_local(&client.udp.base, &cl) == 0);
    CHECK_EQ(sock_secure_session_info(ss, &info), 0);
    CHECK_EQ(info.remote.port, cl.port);
    CHECK_EQ(info.remote.family, srv.family);
    close_node(&client);
    close_node(&server);
}

static bool have_ipv6(void)
{
    sock_udp_t u;
    sock_ep_t ep = tu_ep("[::1]:0");
    if (sock_udp_open(&u, &ep) < 0) {
        return false;
    }
    sock_close(&u.base);
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

/* The client starts while nothing listens; the server comes up 2 s later (real time). */
static void dtls_retransmits_until_server_appears(void)
{
    /* reserve a port for the server by opening and closing a socket on it */
    sock_udp_t probe;
    sock_ep_t any = tu_ep("127.0.0.1:0"), srv;
    REQUIRE(sock_udp_open(&probe, &any) == 0);
    REQUIRE(sock_local(&probe.base, &srv) == 0);
    sock_close(&probe.base);

    REQUIRE(open_node(&client, SOCK_SECURE_CLIENT, "127.0.0.1:0", 1000, 6) == 0);
    sock_secure_session_t *cs = NULL;
    uint64_t t0 = now_ms();
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    while (now_ms() - t0 < 2000) {
        sock_secure_process(&client.sock);
        sock_wait(&client.udp.base, 50);
    }
    char addr[SOCK_EP_STRLEN];
    REQUIRE(sock_ep_format(&srv, addr, sizeof(addr)) > 0);
    REQUIRE(open_node(&server, SOCK_SECURE_SERVER, addr, 1000, 6) == 0);
    drive(cs, true);
    sock_secure_session_info_t info;
    REQUIRE(sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK(info.retransmits >= 2); /* at 1 s and at 3 s */
    CHECK(now_ms() - t0 >= 2000);
    close_node(&client);
    close_node(&server);
}

/* Nothing ever listens: the blocking connect fails with -ETIMEDOUT once the budget is spent. */
static void dtls_gives_up_after_the_retransmission_budget(void)
{
    REQUIRE(open_node(&client, SOCK_SECURE_CLIENT, "127.0.0.1:0", 50, 3) == 0);
    sock_udp_t probe;
    sock_ep_t any = tu_ep("127.0.0.1:0"), nobody;
    REQUIRE(sock_udp_open(&probe, &any) == 0);
    REQUIRE(sock_local(&probe.base, &nobody) == 0);
    sock_close(&probe.base);
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
    close_node(&client);
}

int main(void)
{
    tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    RUN(dtls_over_udp_ipv4);
    RUN(dtls_over_udp_ipv6);
    RUN(dual_stack_server_serves_an_ipv4_client);
    RUN(dtls_retransmits_until_server_appears);
    RUN(dtls_gives_up_after_the_retransmission_budget);
    return tu_exit();
}
