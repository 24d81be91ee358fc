/* Misuse and limits, beyond test_api.c's argument checks: transports with bad endpoints, foreign
 * and stale session pointers, calls in the wrong state, re-entrant calls from the event callback,
 * zero-length and maximum-size records, oversized datagrams, exhausted tables, closing a socket
 * with live sessions (the peers get close_notify; the slots and the socket are zeroed), and a full
 * driver registry. Runs against every registered backend where a backend is involved. */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/udp.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 4

static const uint8_t key[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f };
static const sock_secure_psk_t psk = { (const uint8_t *)"misuse", 6, key, sizeof(key) };

static tu_node_t server, client, other;
/* The server's event callback calls sock_secure_process() when set, and keeps what it returned. */
static bool call_process;
static int reentrant_process;

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    tu_on_event(sock, s, ev, err, arg);
    if (call_process && arg == &server) {
        reentrant_process = sock_secure_process(sock);
    }
}

static int open_node(tu_node_t *n, const char *addr, sock_secure_role_t role)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &psk);
    cfg.event_cb = on_event;
    return tu_node_open_cfg(n, addr, &cfg);
}

static void pump2(void)
{
    tu_pump2(&server, &client);
}

/* A server and a connected client; returns the client's session (NULL on failure). */
static sock_secure_session_t *pair(sock_secure_session_t **server_side)
{
    tu_net_start();
    CHECK_EQ(open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER), 0);
    CHECK_EQ(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT), 0);
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    pump2();
    CHECK_EQ(client.ev.connected, 1);
    if (server_side != NULL) {
        *server_side = NULL;
        CHECK_EQ(sock_secure_accept(&server.sock, server_side, 0), 0);
    }
    return client.ev.connected == 1 ? cs : NULL;
}

static void unpair(void)
{
    tu_node_close(&client);
    tu_node_close(&server);
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return false;
        }
    }
    return true;
}

/* ---- transports --------------------------------------------------------------------------- */

static void memory_link_tolerates_bad_endpoints_and_sources(void)
{
    uint8_t buf[32];
    sock_secure_ep_t unspec, weird;
    memset(&unspec, 0, sizeof(unspec));
    memset(&weird, 0xff, sizeof(weird)); /* family 255 */
    sock_secure_memnet_init(&tu_net);
    sock_secure_mem_t a;
    sock_secure_ep_t aep = tu_ep("10.0.0.1:1");
    CHECK_EQ(sock_secure_mem_open(&a, &tu_net, &aep), 0);
    /* sending to an endpoint no member holds (or that cannot exist) is a UDP-like drop */
    CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, &unspec), 1);
    CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, &weird), 1);
    CHECK_EQ(tu_net.dropped, 2);
    /* a forged source of any family is delivered as given */
    CHECK_EQ(sock_secure_mem_inject(&a, &weird, "y", 1), 1);
    sock_secure_ep_t from;
    CHECK_EQ(sock_secure_transport_recv(&a.base, buf, sizeof(buf), &from), 1);
    CHECK_EQ(from.family, 0xff);
    /* zero-length buffer: a queued datagram does not fit and is discarded */
    CHECK_EQ(sock_secure_mem_inject(&a, &aep, "zz", 2), 2);
    CHECK_EQ(sock_secure_transport_recv(&a.base, buf, 0, NULL), -EMSGSIZE);
    CHECK_EQ(a.queued, 0);
    /* the memory link has no stream ops */
    CHECK(a.base.ops->connect == NULL && a.base.ops->disconnect == NULL);
    sock_secure_transport_close(&a.base);
    CHECK_EQ(sock_secure_mem_open(&a, &tu_net, &unspec), -EINVAL);
    CHECK_EQ(sock_secure_mem_open(&a, &tu_net, &weird), -EINVAL);
}

static void udp_refuses_bad_destinations(void)
{
    sock_secure_udp_t u;
    sock_secure_ep_t lo = tu_ep("127.0.0.1:0");
    if (sock_secure_udp_open(&u, &lo) != 0) {
        printf("  (no IPv4 loopback: skipped)\n");
        CHECK(1);
        return;
    }
    sock_secure_ep_t unspec, weird;
    memset(&unspec, 0, sizeof(unspec));
    memset(&weird, 0, sizeof(weird));
    weird.family = 9;
    CHECK_EQ(sock_secure_transport_send(&u.base, "x", 1, &unspec), -EAFNOSUPPORT);
    CHECK_EQ(sock_secure_transport_send(&u.base, "x", 1, &weird), -EAFNOSUPPORT);
    static uint8_t big[70000];
    sock_secure_ep_t dst = tu_ep("127.0.0.1:9");
    CHECK_EQ(sock_secure_transport_send(&u.base, big, sizeof(big), &dst), -EMSGSIZE); /* beyond any UDP datagram */
    uint8_t buf[4];
    CHECK_EQ(sock_secure_transport_recv(&u.base, buf, 0, NULL), -EAGAIN);
    CHECK(u.base.ops->connect == NULL && u.base.ops->disconnect == NULL);
    sock_secure_transport_close(&u.base);
    sock_secure_ep_t bad = lo;
    bad.family = 9;
    CHECK_EQ(sock_secure_udp_open(&u, &bad), -EINVAL);
    sock_secure_transport_close(&u.base); /* safe after a failed open */
}

/* ---- sessions in the wrong state or of the wrong socket ------------------------------------- */

static void foreign_and_stale_session_pointers_are_refused(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL && ss != NULL);
    uint8_t buf[16];
    /* a session names its own socket (no socket argument to mismatch); a zeroed struct that is
     * no slot of any socket is refused */
    static sock_secure_session_t stray;
    CHECK_EQ(sock_secure_session_recv(&stray, buf, sizeof(buf), 0), -EINVAL);
    CHECK_EQ(sock_secure_session_recv(NULL, buf, sizeof(buf), 0), -EINVAL);
    CHECK_EQ(sock_secure_session_recv(cs, NULL, 1, 0), -EINVAL);
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), -EAGAIN);
    /* recv_any's session is an output only: a pointer left from an earlier call neither selects
     * a session nor survives a call that delivered nothing */
    sock_secure_session_t *from = cs;
    CHECK_EQ(sock_secure_recv_any(&client.sock, &from, buf, sizeof(buf), 0), -EAGAIN);
    CHECK(from == NULL);
    from = cs;
    CHECK_EQ(sock_secure_recv_any(NULL, &from, buf, sizeof(buf), 0), -EINVAL);
    CHECK(from == NULL);
    CHECK_EQ(sock_secure_session_close(&stray), -EINVAL);
    CHECK_EQ(sock_secure_session_send(&stray, "x", 1), -ENOTCONN);
    CHECK_EQ(sock_secure_session_pending(&stray), 0);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(&stray, &info), -EINVAL);
    /* session_close needs no socket: a slot closes in the socket that owns it, not another */
    sock_secure_stats_t before;
    sock_secure_stats(&client.sock, &before);
    CHECK_EQ(sock_secure_session_close(ss), 0);
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(st.sessions_open, 0);
    sock_secure_stats(&client.sock, &st);
    CHECK_EQ(st.sessions_open, before.sessions_open);
    pump2();
    CHECK_EQ(client.ev.closed, 1); /* close_notify */
    /* the stale pointer after session_close */
    CHECK_EQ(sock_secure_session_send(ss, "x", 1), -ENOTCONN);
    CHECK_EQ(sock_secure_session_close(ss), -EINVAL);
    CHECK_EQ(sock_secure_max_payload(ss), -ENOTCONN);
    CHECK_EQ(sock_secure_renew(ss), -ENOTCONN);
    /* the client's session is CLOSED (peer closed), not free: info works, send does not */
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(info.last_error, SOCK_SECURE_E_PEER_CLOSED);
    CHECK(all_zero(cs->drv, sizeof(cs->drv))); /* the ended session's keys are gone already */
    CHECK_EQ(sock_secure_session_send(cs, "x", 1), -ENOTCONN);
    CHECK_EQ(sock_secure_max_payload(cs), -ENOTCONN);
    CHECK_EQ(sock_secure_session_pending(cs), 0);
    unpair();
    /* everything after the sockets are closed */
    CHECK_EQ(sock_secure_session_send(cs, "x", 1), -ENOTCONN);
    CHECK_EQ(sock_secure_session_close(cs), -EINVAL);
    CHECK_EQ(sock_secure_session_info(cs, &info), -EINVAL);
    CHECK_EQ(sock_secure_recv_any(&client.sock, NULL, buf, sizeof(buf), 0), -EINVAL);
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), -EINVAL);
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINVAL);
    sock_secure_close(&client.sock); /* again: harmless */
}

static void connect_refuses_an_unspecified_peer_and_a_second_session_to_one_peer(void)
{
    sock_secure_session_t *cs = pair(NULL);
    REQUIRE(cs != NULL);
    sock_secure_ep_t unspec;
    memset(&unspec, 0, sizeof(unspec));
    sock_secure_session_t *s2 = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &unspec, &s2, 0), -EINVAL);
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &s2, 0), -EALREADY);
    CHECK(s2 == NULL);
    unpair();
}

static void process_called_from_the_event_callback_does_nothing(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL && ss != NULL);
    call_process = true;
    reentrant_process = -999;
    CHECK_EQ(sock_secure_session_send(cs, "ping", 4), 4);
    pump2();
    CHECK_EQ(server.ev.data, 1);
    CHECK_EQ(reentrant_process, 0); /* the guard: no nested processing */
    uint8_t buf[8];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), 4);
    CHECK(from == ss);
    call_process = false;
    unpair();
}

/* pair(), and a second client ("other") connected too: its session os, the server's ss2. */
static sock_secure_session_t *pair_and_other(sock_secure_session_t **ss, sock_secure_session_t **os,
                                             sock_secure_session_t **ss2)
{
    sock_secure_session_t *cs = pair(ss);
    if (cs == NULL || *ss == NULL ||
        open_node(&other, "[fd00::3]:40000", SOCK_SECURE_CLIENT) != 0) {
        return NULL;
    }
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    *os = NULL;
    *ss2 = NULL;
    if (sock_secure_connect(&other.sock, &srv, os, 0) != -EINPROGRESS) {
        return NULL;
    }
    tu_node_t *const all[] = { &server, &client, &other };
    tu_pump(all, 3);
    if (sock_secure_accept(&server.sock, ss2, 0) != 0 || *ss2 == NULL || *os == NULL) {
        return NULL;
    }
    return cs;
}

/* One session's unread record does not hold up another's traffic; only when more input for the
 * unread session itself has arrived (and waits in the socket's buffer) does a wait for another
 * session get -EBUSY, until the first record is read. */
static void an_unread_record_holds_up_only_its_own_session(void)
{
    sock_secure_session_t *ss, *os, *ss2;
    sock_secure_session_t *cs = pair_and_other(&ss, &os, &ss2);
    REQUIRE(cs != NULL);
    tu_node_t *const all[] = { &server, &client, &other };
    CHECK_EQ(sock_secure_session_send(cs, "from client", 11), 11);
    tu_pump(all, 3);
    uint8_t buf[32];
    CHECK_EQ(sock_secure_session_recv(ss2, buf, sizeof(buf), 0), -EAGAIN); /* nothing */
    CHECK_EQ(sock_secure_session_send(os, "from other", 10), 10);
    tu_pump(all, 3);
    /* ss's record is still unread: ss2's arrives all the same */
    CHECK_EQ(sock_secure_session_recv(ss2, buf, sizeof(buf), 0), 10);
    CHECK_MEM(buf, "from other", 10);
    /* more for ss while its first record is unread: that datagram waits, and so does input
     * behind it */
    CHECK_EQ(sock_secure_session_send(cs, "second", 6), 6);
    CHECK_EQ(sock_secure_session_send(os, "other 2", 7), 7);
    tu_pump(all, 3);
    CHECK_EQ(sock_secure_session_recv(ss2, buf, sizeof(buf), 0), -EBUSY);
    CHECK_EQ(sock_secure_session_recv(ss, buf, sizeof(buf), 0), 11);
    CHECK_MEM(buf, "from client", 11);
    CHECK_EQ(sock_secure_session_recv(ss, buf, sizeof(buf), 0), 6);
    CHECK_MEM(buf, "second", 6);
    CHECK_EQ(sock_secure_session_recv(ss2, buf, sizeof(buf), 0), 7);
    CHECK_MEM(buf, "other 2", 7);
    tu_node_close(&other);
    unpair();
}

/* The trap the split removed: a server loop that keeps one `from` pointer across calls (and
 * never resets it) still hears every session, in turns. With a session argument that was both
 * "which one" and "which one it was", the second call waited on the first sender alone. */
static void a_server_loop_reusing_its_pointer_hears_every_session(void)
{
    sock_secure_session_t *ss, *os, *ss2;
    sock_secure_session_t *cs = pair_and_other(&ss, &os, &ss2);
    REQUIRE(cs != NULL);
    tu_node_t *const all[] = { &server, &client, &other };
    CHECK_EQ(sock_secure_session_send(cs, "c1", 2), 2);
    CHECK_EQ(sock_secure_session_send(os, "o1", 2), 2);
    tu_pump(all, 3);
    CHECK_EQ(sock_secure_session_send(cs, "c2", 2), 2);
    CHECK_EQ(sock_secure_session_send(os, "o2", 2), 2);
    tu_pump(all, 3);
    sock_secure_session_t *from = NULL; /* set once, reused as-is below */
    int from_ss = 0, from_ss2 = 0;
    uint8_t buf[8];
    for (int i = 0; i < 8; i++) {
        int n = sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0);
        if (n == -EAGAIN) {
            tu_pump(all, 3);
            continue;
        }
        CHECK_EQ(n, 2);
        if (from == ss) {
            CHECK(buf[0] == 'c');
            from_ss++;
        } else {
            CHECK(from == ss2 && buf[0] == 'o');
            from_ss2++;
        }
    }
    CHECK_EQ(from_ss, 2);
    CHECK_EQ(from_ss2, 2);
    tu_node_close(&other);
    unpair();
}

/* ---- record sizes ------------------------------------------------------------------------- */

static void zero_length_send_puts_nothing_on_the_wire(void)
{
    sock_secure_session_t *cs = pair(NULL);
    REQUIRE(cs != NULL);
    uint32_t sent = tu_net.sent;
    CHECK_EQ(sock_secure_session_send(cs, NULL, 0), 0);
    CHECK_EQ(sock_secure_session_send(cs, "", 0), 0);
    CHECK_EQ(tu_net.sent, sent);
    pump2();
    CHECK_EQ(server.ev.data, 0);
    unpair();
}

static void records_at_the_maximum_size_arrive_intact_and_one_more_byte_is_refused(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL && ss != NULL);
    int max = sock_secure_max_payload(cs);
    CHECK(max > 0 && max <= CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    CHECK_EQ(sock_secure_max_payload(ss), max);
    static uint8_t out[CONFIG_SOCK_SECURE_MAX_DATAGRAM + 1];
    static uint8_t in[CONFIG_SOCK_SECURE_MAX_DATAGRAM + 1];
    for (size_t i = 0; i < sizeof(out); i++) {
        out[i] = (uint8_t)(i * 31 + 7);
    }
    REQUIRE(max > 0);
    CHECK_EQ(sock_secure_session_send(cs, out, (size_t)max + 1), -EMSGSIZE);
    CHECK_EQ(sock_secure_session_send(cs, out, (size_t)max), max);
    pump2();
    /* a buffer one byte short keeps the record; NULL with length 0 only asks */
    sock_secure_session_t *want = ss;
    CHECK_EQ(sock_secure_session_recv(want, in, (size_t)max - 1, 0), -EMSGSIZE);
    CHECK_EQ(sock_secure_session_recv(want, NULL, 0, 0), -EMSGSIZE);
    CHECK_EQ(sock_secure_session_pending(ss), max);
    CHECK_EQ(sock_secure_session_recv(want, in, (size_t)max, 0), max);
    CHECK_MEM(in, out, (size_t)max);
    /* and back, at the maximum again */
    CHECK_EQ(sock_secure_session_send(ss, out + 1, (size_t)max), max);
    pump2();
    want = cs;
    CHECK_EQ(sock_secure_session_recv(want, in, sizeof(in), 0), max);
    CHECK_MEM(in, out + 1, (size_t)max);
    unpair();
}

static void oversized_and_empty_datagrams_from_a_peer_are_dropped_and_counted(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL && ss != NULL);
    static uint8_t big[CONFIG_SOCK_SECURE_MAX_DATAGRAM + 1];
    memset(big, 0x17, sizeof(big));
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, big, sizeof(big)), (int)sizeof(big));
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, big, 0), 0);
    sock_secure_ep_t stranger = tu_ep("[fd00::99]:9");
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &stranger, big, 0), 0);
    pump2();
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(st.drop_oversize, 1);
    CHECK_EQ(st.sessions_open, 1);
    CHECK_EQ(st.sessions_handshake, 0);
    CHECK_EQ(server.ev.error + server.ev.closed, 0);
    CHECK_EQ(sock_secure_session_send(cs, "still fine", 10), 10);
    pump2();
    uint8_t buf[16];
    CHECK_EQ(sock_secure_session_recv(ss, buf, sizeof(buf), 0), 10);
    unpair();
}

/* ---- tables and closing ------------------------------------------------------------------- */

static void closing_a_socket_with_live_sessions_notifies_every_peer_and_zeroes_everything(void)
{
    static tu_node_t peers[3];
    tu_net_start();
    CHECK_EQ(open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER), 0);
    tu_node_t *all[4] = { &server, &peers[0], &peers[1], &peers[2] };
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    for (int i = 0; i < 3; i++) {
        char addr[32];
        snprintf(addr, sizeof(addr), "[fd00::%d]:40000", 10 + i);
        CHECK_EQ(open_node(&peers[i], addr, SOCK_SECURE_CLIENT), 0);
        sock_secure_session_t *s = NULL;
        CHECK_EQ(sock_secure_connect(&peers[i].sock, &srv, &s, 0), -EINPROGRESS);
    }
    tu_pump(all, 4);
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(st.sessions_open, 3);
    /* a fourth peer mid-handshake: it gets nothing (there is nothing to close yet) */
    CHECK_EQ(open_node(&other, "[fd00::20]:40000", SOCK_SECURE_CLIENT), 0);
    sock_secure_session_t *os = NULL;
    CHECK_EQ(sock_secure_connect(&other.sock, &srv, &os, 0), -EINPROGRESS);
    sock_secure_process(&server.sock); /* its hello -> HelloVerifyRequest */
    sock_secure_close(&server.sock);
    CHECK(all_zero(&server.sock, sizeof(server.sock)));
    CHECK(all_zero(server.slots, sizeof(server.slots))); /* keys and state of every session */
    tu_node_t *peers_only[3] = { &peers[0], &peers[1], &peers[2] };
    tu_pump(peers_only, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(peers[i].ev.closed, 1);
        CHECK_EQ(peers[i].ev.last_err, SOCK_SECURE_E_PEER_CLOSED);
        tu_node_close(&peers[i]);
    }
    tu_node_close(&other);
    tu_node_close(&server);
}

static void session_close_zeroes_the_slot(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL && ss != NULL);
    CHECK(!all_zero(ss, sizeof(*ss)));
    CHECK_EQ(sock_secure_session_close(ss), 0);
    CHECK(all_zero(ss, sizeof(*ss)));
    CHECK_EQ(sock_secure_session_close(cs), 0);
    CHECK(all_zero(cs, sizeof(*cs)));
    unpair();
}

static void a_full_client_table_refuses_and_a_freed_slot_is_reused(void)
{
    tu_net_start();
    CHECK_EQ(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT), 0);
    sock_secure_session_t *s[SLOTS + 1] = { NULL };
    for (int i = 0; i < SLOTS; i++) {
        sock_secure_ep_t peer = tu_ep("[fd00::100]:5684");
        peer.port = (uint16_t)(5684 + i);
        CHECK_EQ(sock_secure_connect(&client.sock, &peer, &s[i], 0), -EINPROGRESS);
    }
    sock_secure_ep_t extra = tu_ep("[fd00::101]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &extra, &s[SLOTS], 0), -ENOMEM);
    CHECK_EQ(sock_secure_session_close(s[1]), 0);
    CHECK_EQ(sock_secure_connect(&client.sock, &extra, &s[SLOTS], 0), -EINPROGRESS);
    CHECK(s[SLOTS] == s[1]);
    tu_node_close(&client);
}

/* Last: it fills the process-wide registry with dummies. */
static void a_full_driver_registry_refuses_more_and_init_stays_idempotent(void)
{
    static tlsman_driver_t fakes[CONFIG_SOCK_SECURE_MAX_DRIVERS];
    static char names[CONFIG_SOCK_SECURE_MAX_DRIVERS][16];
    const tlsman_driver_t *first = sock_secure_driver(NULL);
    REQUIRE(first != NULL);
    tlsman_driver_t nameless = *first;
    nameless.name = NULL;
    CHECK_EQ(sock_secure_register(&nameless), -EINVAL);
    size_t have = 0;
    while (sock_secure_backend_name(have) != NULL) {
        have++;
    }
    CHECK(sock_secure_backend_name(SIZE_MAX) == NULL);
    int rc = 0;
    size_t added = 0;
    for (size_t i = 0; i < CONFIG_SOCK_SECURE_MAX_DRIVERS && rc == 0; i++) {
        fakes[i] = *first;
        snprintf(names[i], sizeof(names[i]), "fake%zu", i);
        fakes[i].name = names[i];
        rc = sock_secure_register(&fakes[i]);
        added += rc == 0;
    }
    CHECK_EQ(rc, -ENOMEM);
    CHECK_EQ(have + added, CONFIG_SOCK_SECURE_MAX_DRIVERS);
    CHECK_EQ(sock_secure_init(), 0); /* the built-in stacks are there already */
    CHECK(sock_secure_driver(NULL) == first);
}

int main(void)
{
    tu_any_backend();
    RUN(memory_link_tolerates_bad_endpoints_and_sources);
    RUN(udp_refuses_bad_destinations);
    RUN_ALL(foreign_and_stale_session_pointers_are_refused);
    RUN_ALL(connect_refuses_an_unspecified_peer_and_a_second_session_to_one_peer);
    RUN_ALL(process_called_from_the_event_callback_does_nothing);
    RUN_ALL(an_unread_record_holds_up_only_its_own_session);
    RUN_ALL(a_server_loop_reusing_its_pointer_hears_every_session);
    RUN_ALL(zero_length_send_puts_nothing_on_the_wire);
    RUN_ALL(records_at_the_maximum_size_arrive_intact_and_one_more_byte_is_refused);
    RUN_ALL(oversized_and_empty_datagrams_from_a_peer_are_dropped_and_counted);
    RUN_ALL(closing_a_socket_with_live_sessions_notifies_every_peer_and_zeroes_everything);
    RUN_ALL(session_close_zeroes_the_slot);
    RUN_ALL(a_full_client_table_refuses_and_a_freed_slot_is_reused);
    RUN(a_full_driver_registry_refuses_more_and_init_stays_idempotent);
    return tu_exit();
}
