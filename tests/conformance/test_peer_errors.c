/* Errors the network reports about one peer (an ICMP port unreachable and the like), as a
 * datagram transport hands them to the core (recv returning the code WITH the peer set;
 * docs/DESIGN.md, "Errors about a peer (ICMP)"), per backend:
 *  - a client connecting to a closed port fails with -ECONNREFUSED at once: no retransmission,
 *    blocking or not (the in-memory net answers a datagram to nobody like ICMP does);
 *  - an established client session whose server went away fails with the code (its event, recv
 *    returning it) while a second client session on the same socket, to another server, goes on
 *    carrying bytes both ways;
 *  - a server (and a client-server's server sessions) ignores them: every session stays, the
 *    errors are counted (peer_errors) and shown to peer_error_cb;
 *  - over real UDP (Linux: IP_RECVERR, on by default), connecting to 127.0.0.1 at a closed port
 *    fails with -ECONNREFUSED before the first retransmission. */
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/udp.h"
#include "node.h"
#include "testutil.h"

#define SERVER2_ADDR "[fd00::3]:5684"
#define CLIENT2_ADDR "[fd00::4]:40000"

static const tlsman_driver_t *backend;
static tu_node_t server, server2, client, client2;

/* What peer_error_cb was told. */
static int peer_error_calls;
static int peer_error_last;
static sock_secure_ep_t peer_error_peer;

static void on_peer_error(sock_secure_t *sock, const sock_secure_ep_t *peer, int err, void *arg)
{
    (void)sock;
    (void)arg;
    peer_error_calls++;
    peer_error_last = err;
    peer_error_peer = *peer;
}

static int open_node(tu_node_t *n, const char *addr, sock_secure_role_t role)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, tu_backend_name, 4);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.peer_error_cb = on_peer_error;
    return tu_node_open_cfg(n, addr, &cfg);
}

static void start(void)
{
    tu_net_start();
    tu_net.unreachable = -ECONNREFUSED; /* a datagram to nobody comes back as ICMP would */
    peer_error_calls = 0;
    peer_error_last = 0;
}

static void stop(void)
{
    tu_node_close(&client2);
    tu_node_close(&client);
    tu_node_close(&server2);
    tu_node_close(&server);
}

/* The memnet idle hook: time passes while a blocking call waits (retransmission timers fire if
 * nothing else ends the wait). */
static void idle_passes_time(void *arg, sock_secure_mem_t *waiting, uint32_t timeout_ms)
{
    (void)arg;
    if (waiting->queued == 0) {
        tu_now_ms += timeout_ms < 50 ? timeout_ms : 50;
    }
}

static void check_failed(sock_secure_session_t *s, int err, uint32_t retransmits)
{
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(s, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(info.last_error, err);
    CHECK_EQ(info.retransmits, retransmits);
}

static void blocking_connect_to_a_closed_port_is_refused_at_once(void)
{
    start();
    REQUIRE(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT) == 0);
    tu_net.idle = idle_passes_time;
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t nobody = tu_ep(TU_SERVER_ADDR);
    uint64_t t0 = tu_now_ms;
    CHECK_EQ(sock_secure_connect(&client.sock, &nobody, &cs, 60000), -ECONNREFUSED);
    REQUIRE(cs != NULL);
    CHECK_EQ(tu_now_ms, t0); /* the simulated clock never had to move: nothing was waited for */
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.retransmits, 0);
    CHECK_EQ(st.handshakes_failed, 1);
    CHECK_EQ(st.sessions_handshake, 0);
    CHECK_EQ(st.peer_errors, 0); /* it ended a session: not one of the ignored ones */
    CHECK_EQ(client.ev.error, 1);
    CHECK_EQ(client.ev.last_err, -ECONNREFUSED);
    CHECK_EQ(peer_error_calls, 0);
    /* the slot stays CLOSED with the reason until closed, like any failed handshake */
    check_failed(cs, -ECONNREFUSED, 0);
    sock_secure_session_close(cs);
    tu_net.idle = NULL;
    stop();
}

/* Non-blocking: the error the network reports (here another code, injected) ends the handshake
 * at the next process(), before its first retransmission timer. */
static void handshake_fails_with_the_code_the_network_reports(void)
{
    start();
    tu_net.unreachable = 0; /* the hello is just lost ... */
    REQUIRE(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT) == 0);
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep(TU_SERVER_ADDR);
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    REQUIRE(cs != NULL);
    /* ... and a router answers it: host unreachable */
    CHECK_EQ(sock_secure_mem_inject_error(&client.mem, &srv, -EHOSTUNREACH), 0);
    CHECK(sock_secure_next_timeout(&client.sock) > 0); /* no timer due: only the error acts */
    CHECK_EQ(sock_secure_process(&client.sock), 1);
    CHECK_EQ(client.ev.error, 1);
    CHECK_EQ(client.ev.last_err, -EHOSTUNREACH);
    check_failed(cs, -EHOSTUNREACH, 0);
    uint8_t buf[8];
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), -EHOSTUNREACH);
    CHECK(strcmp(sock_secure_strerror(-EHOSTUNREACH), "no route to host") == 0);
    sock_secure_session_close(cs);
    /* an error about a peer the client has no session with ends nothing: counted */
    CHECK_EQ(sock_secure_mem_inject_error(&client.mem, &srv, -ECONNREFUSED), 0);
    CHECK_EQ(sock_secure_process(&client.sock), 0);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.peer_errors, 1);
    CHECK_EQ(peer_error_calls, 1);
    CHECK_EQ(peer_error_last, -ECONNREFUSED);
    CHECK(sock_secure_ep_equal(&peer_error_peer, &srv));
    stop();
}

/* Send @p msg on @p from, pump, and expect it at @p to (any session of that socket). */
static void check_delivered(sock_secure_session_t *from, tu_node_t *a, tu_node_t *b,
                            sock_secure_t *to, const char *msg)
{
    uint8_t buf[64];
    sock_secure_session_t *got = NULL;
    int n = (int)strlen(msg);
    CHECK_EQ(sock_secure_session_send(from, msg, (size_t)n), n);
    tu_pump2(a, b);
    CHECK_EQ(sock_secure_recv_any(to, &got, buf, sizeof(buf), 0), n);
    CHECK_MEM(buf, msg, (size_t)n);
}

static void established_session_fails_and_the_other_peer_goes_on(void)
{
    start();
    REQUIRE(open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER) == 0);
    REQUIRE(open_node(&server2, SERVER2_ADDR, SOCK_SECURE_SERVER) == 0);
    REQUIRE(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT) == 0);
    sock_secure_session_t *c1 = tu_connect(&client, &server);
    sock_secure_session_t *c2 = NULL;
    sock_secure_ep_t srv2 = tu_ep(SERVER2_ADDR);
    CHECK_EQ(sock_secure_connect(&client.sock, &srv2, &c2, 0), -EINPROGRESS);
    tu_pump2(&server2, &client);
    REQUIRE(c1 != NULL && c2 != NULL);
    CHECK_EQ(client.ev.connected, 2);
    sock_secure_session_t *s2 = NULL;
    CHECK_EQ(sock_secure_accept(&server2.sock, &s2, 0), 0);
    REQUIRE(s2 != NULL);
    check_delivered(c1, &server, &client, &server.sock, "to the first");

    /* the first server goes away (its process killed: no close_notify): the client's next
     * record meets a closed port */
    sock_secure_transport_close(server.transport);
    CHECK_EQ(sock_secure_session_send(c1, "anyone?", 7), 7);
    CHECK_EQ(sock_secure_process(&client.sock), 1);
    CHECK_EQ(client.ev.error, 1);
    CHECK_EQ(client.ev.last_err, -ECONNREFUSED);
    check_failed(c1, -ECONNREFUSED, 0);
    uint8_t buf[64];
    CHECK_EQ(sock_secure_session_recv(c1, buf, sizeof(buf), 0), -ECONNREFUSED);
    CHECK(sock_secure_session_send(c1, "x", 1) < 0);

    /* the other session on the same socket: bytes still arrive both ways */
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(c2, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    check_delivered(c2, &server2, &client, &server2.sock, "to the second, after");
    check_delivered(s2, &server2, &client, &client.sock, "and back");
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.sessions_open, 1);
    CHECK_EQ(st.peer_errors, 0);
    sock_secure_session_close(c1);
    stop();
}

static void server_keeps_every_session_and_counts_them(void)
{
    start();
    REQUIRE(open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER) == 0);
    REQUIRE(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT) == 0);
    REQUIRE(open_node(&client2, CLIENT2_ADDR, SOCK_SECURE_CLIENT) == 0);
    sock_secure_session_t *c1 = tu_connect(&client, &server);
    sock_secure_session_t *c2 = tu_connect(&client2, &server);
    REQUIRE(c1 != NULL && c2 != NULL);
    CHECK_EQ(server.ev.connected, 2);
    /* a third client mid-handshake: its session on the server is past the cookie exchange */
    tu_node_t *third = &server2; /* (a spare node: a client here) */
    REQUIRE(open_node(third, SERVER2_ADDR, SOCK_SECURE_CLIENT) == 0);
    sock_secure_session_t *c3 = NULL;
    sock_secure_ep_t srv = tu_ep(TU_SERVER_ADDR);
    CHECK_EQ(sock_secure_connect(&third->sock, &srv, &c3, 0), -EINPROGRESS);
    sock_secure_process(&server.sock); /* its hello: HelloVerifyRequest */
    sock_secure_process(&third->sock); /* the hello with the cookie */
    sock_secure_process(&server.sock); /* a session, the server's flight */
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.sessions_open, 2);
    CHECK_EQ(st.sessions_handshake, 1);

    /* forged (or real) ICMP errors about each client, and about a stranger */
    sock_secure_ep_t a = tu_ep(TU_CLIENT_ADDR), b = tu_ep(CLIENT2_ADDR), c = tu_ep(SERVER2_ADDR);
    sock_secure_ep_t stranger = tu_ep("[fd00::99]:1234");
    CHECK_EQ(sock_secure_mem_inject_error(&server.mem, &a, -ECONNREFUSED), 0);
    CHECK_EQ(sock_secure_mem_inject_error(&server.mem, &b, -EHOSTUNREACH), 0);
    CHECK_EQ(sock_secure_mem_inject_error(&server.mem, &c, -ECONNREFUSED), 0);
    CHECK_EQ(sock_secure_mem_inject_error(&server.mem, &stranger, -ENETUNREACH), 0);
    CHECK(sock_secure_process(&server.sock) >= 0);
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.peer_errors, 4);
    CHECK_EQ(st.sessions_open, 2);
    CHECK_EQ(st.sessions_handshake, 1);
    CHECK_EQ(st.handshakes_failed, 0);
    CHECK_EQ(server.ev.error + server.ev.closed + server.ev.expired, 0);
    CHECK_EQ(peer_error_calls, 4);
    CHECK_EQ(peer_error_last, -ENETUNREACH);
    CHECK(sock_secure_ep_equal(&peer_error_peer, &stranger));

    /* every session still carries bytes, and the handshake completes */
    check_delivered(c1, &server, &client, &server.sock, "first, still here");
    check_delivered(c2, &server, &client2, &server.sock, "second, still here");
    tu_pump2(&server, third);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(c3, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.sessions_open, 3);
    stop();
}

/* A client-server socket: an error about the peer of one of its server sessions is ignored, one
 * about the peer of its client session fails that session. */
static void client_server_fails_only_its_client_session(void)
{
    start();
    if (!(backend->caps & TLSMAN_CAP_CLIENT_SERVER)) {
        printf("  (skipped: %s has no client-server sockets)\n", tu_backend_name);
        return;
    }
    REQUIRE(open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_CLIENT_SERVER) == 0);
    REQUIRE(open_node(&server2, SERVER2_ADDR, SOCK_SECURE_SERVER) == 0);
    REQUIRE(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT) == 0);
    sock_secure_session_t *in = tu_connect(&client, &server); /* a server session of `server` */
    sock_secure_session_t *out = NULL;
    sock_secure_ep_t srv2 = tu_ep(SERVER2_ADDR), cli = tu_ep(TU_CLIENT_ADDR);
    CHECK_EQ(sock_secure_connect(&server.sock, &srv2, &out, 0), -EINPROGRESS);
    tu_pump2(&server2, &server);
    REQUIRE(in != NULL && out != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(out, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);

    CHECK_EQ(sock_secure_mem_inject_error(&server.mem, &cli, -ECONNREFUSED), 0);
    CHECK_EQ(sock_secure_mem_inject_error(&server.mem, &srv2, -ECONNREFUSED), 0);
    CHECK_EQ(sock_secure_process(&server.sock), 1);
    CHECK_EQ(server.ev.error, 1);
    check_failed(out, -ECONNREFUSED, 0);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.peer_errors, 1);
    CHECK_EQ(st.sessions_open, 1);
    check_delivered(in, &server, &client, &server.sock, "the server session goes on");
    sock_secure_session_close(out);
    stop();
}

/* Real UDP on 127.0.0.1: a port just closed answers with ICMP port unreachable, which the POSIX
 * transport reports by default (Linux); the connect fails before its first retransmission. */
static void udp_connect_to_a_closed_port_is_refused(void)
{
    sock_secure_udp_t probe;
    sock_secure_ep_t any = tu_ep("127.0.0.1:0"), closed;
    REQUIRE(sock_secure_udp_open(&probe, &any) == 0);
    closed = tu_reachable(&probe.base, "127.0.0.1");
    if (!probe.peer_errors) {
        sock_secure_transport_close(&probe.base);
        printf("  (skipped: this system reports no ICMP errors on unconnected UDP sockets)\n");
        return;
    }
    sock_secure_transport_close(&probe.base); /* the port is closed now */
    REQUIRE(tu_node_open_udp(&client, "127.0.0.1:0", NULL) == 0);
    sock_secure_config_t cfg;
    tu_node_config(&client, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, 1);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.hs_timeout_initial_ms = 10000; /* a retransmission would be seen; the wait is not */
    REQUIRE(tu_node_create(&client, &cfg) == 0);
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &closed, &cs, 60000), -ECONNREFUSED);
    REQUIRE(cs != NULL);
    check_failed(cs, -ECONNREFUSED, 0);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.retransmits, 0);
    CHECK_EQ(client.ev.last_err, -ECONNREFUSED);
    sock_secure_session_close(cs);
    tu_node_close(&client);
}

int main(void)
{
    backend = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    RUN(blocking_connect_to_a_closed_port_is_refused_at_once);
    RUN(handshake_fails_with_the_code_the_network_reports);
    RUN(established_session_fails_and_the_other_peer_goes_on);
    RUN(server_keeps_every_session_and_counts_them);
    RUN(client_server_fails_only_its_client_session);
    RUN(udp_connect_to_a_closed_port_is_refused);
    return tu_exit();
}
