/* DTLS sessions over the in-memory net with a simulated clock: handshake, data, errors, timers.
 * Every scenario runs the real backend; only the network and the clock are simulated. */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 4

static const tlsman_driver_t *backend;
static tu_node_t server, client;
static bool server_up; /* whether the idle hook runs the server */
static const char *send_on_connect; /* the server sends this from its CONNECTED event */

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    if (ev == SOCK_SECURE_EV_CONNECTED && send_on_connect != NULL && sock == &server.sock) {
        /* the server's first record leaves right behind its Finished */
        CHECK_EQ(sock_secure_session_send(s, send_on_connect, strlen(send_on_connect)),
                 (int)strlen(send_on_connect));
    }
    tu_on_event(sock, s, ev, err, arg);
}

static sock_secure_config_t base_config(tu_node_t *n, sock_secure_role_t role,
                                        const sock_secure_psk_t *psk)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, psk);
    cfg.event_cb = on_event;
    return cfg;
}

static void setup(const sock_secure_psk_t *client_psk)
{
    tu_net_start();
    sock_secure_config_t s = base_config(&server, SOCK_SECURE_SERVER, &tu_psk_a);
    sock_secure_config_t c = base_config(&client, SOCK_SECURE_CLIENT, client_psk);
    CHECK_EQ(tu_node_open_cfg(&server, TU_SERVER_ADDR, &s), 0);
    CHECK_EQ(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &c), 0);
    server_up = true;
}

static void teardown(void)
{
    tu_node_close(&client);
    tu_node_close(&server);
}

/* Run both sides until neither has anything left to do (no clock advance). */
static void pump(void)
{
    tu_pump2(&server, &client);
}

static sock_secure_session_t *handshake(void)
{
    return tu_connect(&client, &server);
}

static void dtls_handshake_and_echo_both_ways(void)
{
    setup(&tu_psk_a);
    sock_secure_session_t *cs = handshake();
    REQUIRE(cs != NULL);
    CHECK_EQ(client.ev.connected, 1);
    CHECK_EQ(server.ev.connected, 1);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(ss != NULL);
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), -EAGAIN); /* reported once */

    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.suite, tu_default_psk_suite(backend, true));
    CHECK(strcmp(info.suite_name, sock_secure_suite_name(info.suite)) == 0);
    CHECK(strcmp(info.version, "DTLSv1.2") == 0);
    CHECK_EQ(info.psk_identity_len, 0); /* a client's own identity is its config's */
    CHECK_EQ(info.peer_subject[0], '\0');
    CHECK_EQ(sock_secure_session_info(ss, &info), 0);
    CHECK(sock_secure_ep_equal(&info.remote, &client.mem.addr));
    /* the server names the identity the client authenticated with */
    CHECK_EQ(info.psk_identity_len, tu_psk_a.identity_len);
    CHECK_MEM(info.psk_identity, tu_psk_a.identity, tu_psk_a.identity_len);
    CHECK(!info.psk_identity_truncated);
    CHECK_EQ(info.peer_subject[0], '\0');

    CHECK_EQ(sock_secure_session_send(cs, "ping 1", 6), 6);
    pump();
    CHECK_EQ(server.ev.data, 1);
    uint8_t buf[64];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), 6);
    CHECK(from == ss);
    CHECK_MEM(buf, "ping 1", 6);
    CHECK_EQ(sock_secure_session_send(ss, "pong 1", 6), 6);
    pump();
    CHECK_EQ(sock_secure_next_timeout(&client.sock), 0); /* a record waits: work now */
    CHECK_EQ(sock_secure_session_pending(cs), 6);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), 6);
    CHECK_MEM(buf, "pong 1", 6);
    CHECK(sock_secure_next_timeout(&client.sock) != 0); /* read: nothing due any more */
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), -EAGAIN);
    teardown();
}

static void record_larger_than_buffer_is_kept_not_truncated(void)
{
    setup(&tu_psk_a);
    sock_secure_session_t *cs = handshake();
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(cs != NULL && ss != NULL);
    uint8_t big[300];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 7);
    }
    CHECK_EQ(sock_secure_session_send(ss, big, sizeof(big)), (int)sizeof(big));
    pump();
    uint8_t small[100], large[400];
    CHECK_EQ(sock_secure_session_recv(cs, small, sizeof(small), 0), -EMSGSIZE);
    CHECK_EQ(sock_secure_session_pending(cs), (int)sizeof(big));
    CHECK_EQ(sock_secure_session_recv(cs, large, sizeof(large), 0), (int)sizeof(big));
    CHECK_MEM(large, big, sizeof(big));
    CHECK_EQ(sock_secure_session_pending(cs), 0);
    teardown();
}

static void send_larger_than_max_payload_is_refused(void)
{
    setup(&tu_psk_a);
    sock_secure_session_t *cs = handshake();
    REQUIRE(cs != NULL);
    int max = sock_secure_max_payload(cs);
    CHECK(max > 0 && max < CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    static uint8_t big[CONFIG_SOCK_SECURE_MAX_DATAGRAM * 2];
    CHECK_EQ(sock_secure_session_send(cs, big, (size_t)max + 1), -EMSGSIZE);
    CHECK_EQ(sock_secure_session_send(cs, big, (size_t)max), max);
    CHECK_EQ(sock_secure_session_send(cs, big, 0), 0);
    teardown();
}

static void records_queue_behind_an_unread_one_and_none_is_lost(void)
{
    setup(&tu_psk_a);
    sock_secure_session_t *cs = handshake();
    REQUIRE(cs != NULL);
    char msg[16];
    for (int i = 0; i < 10; i++) {
        int n = snprintf(msg, sizeof(msg), "rec %d", i);
        CHECK_EQ(sock_secure_session_send(cs, msg, (size_t)n), n);
    }
    pump();
    for (int i = 0; i < 10; i++) {
        uint8_t buf[32];
        sock_secure_session_t *from = NULL;
        int n = snprintf(msg, sizeof(msg), "rec %d", i);
        CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), n);
        CHECK_MEM(buf, msg, (size_t)n);
    }
    teardown();
}

/* The client's datagrams, kept back by the net's filter and packed end to end into one. */
static uint8_t packed[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
static size_t packed_len;
static int packed_count;

static int pack_client_datagrams(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                                 uint8_t *data, size_t *len)
{
    (void)arg;
    (void)to;
    if (!sock_secure_ep_equal(from, &client.mem.addr) || packed_len + *len > sizeof(packed)) {
        return SOCK_SECURE_MEM_DELIVER;
    }
    memcpy(packed + packed_len, data, *len);
    packed_len += *len;
    packed_count++;
    return SOCK_SECURE_MEM_DROP;
}

/* Three records that arrive in one datagram (as a peer may pack them) reach the server in order,
 * one per receive call, with no later datagram to wake it: the ones behind the first stay
 * buffered in the stack and are taken from there. With an event callback (DATA, then the read)
 * and without one (the record goes straight into the waiting call's buffer). */
static void records_packed_in_one_datagram_are_all_delivered(bool events)
{
    tu_net_start();
    sock_secure_config_t s = base_config(&server, SOCK_SECURE_SERVER, &tu_psk_a);
    sock_secure_config_t c = base_config(&client, SOCK_SECURE_CLIENT, &tu_psk_a);
    if (!events) {
        s.event_cb = NULL;
    }
    CHECK_EQ(tu_node_open_cfg(&server, TU_SERVER_ADDR, &s), 0);
    CHECK_EQ(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &c), 0);
    server_up = true;
    sock_secure_session_t *cs = handshake();
    REQUIRE(cs != NULL);
    REQUIRE(client.ev.connected == 1);
    packed_len = 0;
    packed_count = 0;
    tu_net.filter = pack_client_datagrams;
    static const char *const recs[] = { "first", "second record", "third" };
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ(sock_secure_session_send(cs, recs[i], strlen(recs[i])), (int)strlen(recs[i]));
    }
    tu_net.filter = NULL;
    CHECK_EQ(packed_count, 3);
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, packed, packed_len), (int)packed_len);
    uint8_t buf[64];
    sock_secure_session_t *from = NULL;
    for (size_t i = 0; i < 3; i++) {
        from = NULL;
        CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), (int)strlen(recs[i]));
        CHECK_MEM(buf, recs[i], strlen(recs[i]));
        CHECK(from != NULL);
    }
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), -EAGAIN);
    CHECK_EQ(sock_secure_next_timeout(&server.sock), SOCK_SECURE_NO_TIMEOUT); /* nothing left */
    teardown();
}

static void records_packed_in_one_datagram_with_events(void)
{
    records_packed_in_one_datagram_are_all_delivered(true);
}

static void records_packed_in_one_datagram_without_events(void)
{
    records_packed_in_one_datagram_are_all_delivered(false);
}

#if CONFIG_SOCK_SECURE_SESSION_PSK_ID > 0 && CONFIG_SOCK_SECURE_SESSION_PSK_ID < CONFIG_SOCK_SECURE_PSK_ID_MAX
/* An identity longer than the session keeps: the server reports its first
 * CONFIG_SOCK_SECURE_SESSION_PSK_ID bytes and says it was cut. */
static void long_psk_identity_is_reported_cut(void)
{
    static uint8_t id[CONFIG_SOCK_SECURE_SESSION_PSK_ID + 1];
    for (size_t i = 0; i < sizeof(id); i++) {
        id[i] = (uint8_t)('A' + i % 26);
    }
    const sock_secure_psk_t psk = { id, sizeof(id), tu_psk_a.key, tu_psk_a.key_len };
    tu_net_start();
    sock_secure_config_t s = base_config(&server, SOCK_SECURE_SERVER, &psk);
    sock_secure_config_t c = base_config(&client, SOCK_SECURE_CLIENT, &psk);
    CHECK_EQ(tu_node_open_cfg(&server, TU_SERVER_ADDR, &s), 0);
    CHECK_EQ(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &c), 0);
    server_up = true;
    REQUIRE(handshake() != NULL);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(ss != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(ss, &info), 0);
    CHECK_EQ(info.psk_identity_len, CONFIG_SOCK_SECURE_SESSION_PSK_ID);
    CHECK_MEM(info.psk_identity, id, CONFIG_SOCK_SECURE_SESSION_PSK_ID);
    CHECK(info.psk_identity_truncated);
    teardown();
}
#endif

static void wrong_psk_fails_both_sides_and_server_keeps_serving(void)
{
    setup(&tu_psk_a_wrong);
    sock_secure_session_t *cs = handshake();
    REQUIRE(cs != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(info.last_error, SOCK_SECURE_E_ALERT);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(info.alert, 20); /* bad_record_mac: the server could not decrypt our Finished */
    CHECK_EQ(client.ev.error, 1);
    CHECK_EQ(server.ev.error, 1);
    CHECK_EQ(server.ev.connected, 0);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.handshakes_failed, 1);
    CHECK_EQ(st.sessions_open, 0);

    /* a second client with the right key is served by the same server */
    static tu_node_t other;
    sock_secure_config_t c = base_config(&other, SOCK_SECURE_CLIENT, &tu_psk_a);
    CHECK_EQ(tu_node_open_cfg(&other, "[fd00::3]:40000", &c), 0);
    sock_secure_session_t *os = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&other.sock, &srv, &os, 0), -EINPROGRESS);
    for (int i = 0; i < 50; i++) {
        sock_secure_process(&server.sock);
        sock_secure_process(&other.sock);
    }
    CHECK_EQ(other.ev.connected, 1);
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.handshakes_ok, 1);
    tu_node_close(&other);
    teardown();
}

static void unknown_identity_is_refused_with_its_alert(void)
{
    setup(&tu_psk_unknown);
    sock_secure_session_t *cs = handshake();
    REQUIRE(cs != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(info.alert, 115); /* unknown_psk_identity */
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(server.ev.error, 1);
    teardown();
}

/* Advance the simulated clock to the next timer and run both sides. */
static void tick(void)
{
    tu_node_t *const both[] = { &client, &server };
    tu_advance(both, 2);
    pump();
}

static void handshake_times_out_after_the_retransmission_budget(void)
{
    tu_net_start();
    sock_secure_config_t c = base_config(&client, SOCK_SECURE_CLIENT, &tu_psk_a);
    c.hs_timeout_initial_ms = 100;
    c.hs_timeout_max_ms = 400;
    c.hs_max_retransmit = 3;
    CHECK_EQ(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &c), 0);
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t nobody = tu_ep("[fd00::9]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &nobody, &cs, 0), -EINPROGRESS);
    CHECK_EQ(sock_secure_next_timeout(&client.sock), 100);
    uint32_t waits[4];
    for (int i = 0; i < 4; i++) {
        waits[i] = sock_secure_next_timeout(&client.sock);
        tu_now_ms += waits[i];
        sock_secure_process(&client.sock);
    }
    CHECK_EQ(waits[0], 100); /* initial */
    CHECK_EQ(waits[1], 200); /* doubled */
    CHECK_EQ(waits[2], 400); /* doubled up to the cap */
    CHECK_EQ(waits[3], 400); /* capped */
    CHECK_EQ(client.ev.error, 1);
    CHECK_EQ(client.ev.last_err, -ETIMEDOUT);
    CHECK_EQ(tu_net.sent, 4); /* the ClientHello and 3 retransmissions */
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.retransmits, 3);
    CHECK_EQ(info.last_error, -ETIMEDOUT);
    CHECK_EQ(sock_secure_next_timeout(&client.sock), SOCK_SECURE_NO_TIMEOUT);
    tu_node_close(&client);
}

static void handshake_retransmits_until_the_server_appears(void)
{
    tu_net_start();
    sock_secure_config_t c = base_config(&client, SOCK_SECURE_CLIENT, &tu_psk_a);
    CHECK_EQ(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &c), 0);
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    for (int i = 0; i < 2; i++) { /* 1 s and 2 s pass with nobody listening */
        tu_now_ms += sock_secure_next_timeout(&client.sock);
        sock_secure_process(&client.sock);
    }
    sock_secure_config_t s = base_config(&server, SOCK_SECURE_SERVER, &tu_psk_a);
    CHECK_EQ(tu_node_open_cfg(&server, TU_SERVER_ADDR, &s), 0);
    for (int i = 0; i < 5 && client.ev.connected == 0; i++) {
        tick();
    }
    CHECK_EQ(client.ev.connected, 1);
    CHECK_EQ(server.ev.connected, 1);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK(info.retransmits >= 2);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    teardown();
}

static void lost_flight_is_retransmitted(void)
{
    setup(&tu_psk_a);
    /* lose the server's first HelloVerifyRequest answer by dropping everything once */
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    uint8_t junk[2048];
    sock_secure_ep_t from;
    CHECK(sock_secure_transport_recv(&server.mem.base, junk, sizeof(junk), &from) > 0); /* the hello, lost */
    pump();
    CHECK_EQ(client.ev.connected, 0);
    for (int i = 0; i < 5 && client.ev.connected == 0; i++) {
        tick();
    }
    CHECK_EQ(client.ev.connected, 1);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK(st.retransmits >= 1);
    teardown();
}

static void garbage_and_forged_records_are_dropped_and_counted(void)
{
    setup(&tu_psk_a);
    sock_secure_session_t *cs = handshake();
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(cs != NULL && ss != NULL);
    sock_secure_ep_t stranger = tu_ep("[fd00::66]:1234");
    static const uint8_t garbage[] = "this is not DTLS at all";
    /* an application-data record header from a stranger: not a ClientHello */
    static const uint8_t record[] = { 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 5, 0, 3, 1, 2, 3 };
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &stranger, garbage, sizeof(garbage)),
             (int)sizeof(garbage));
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &stranger, record, sizeof(record)), (int)sizeof(record));
    /* a truncated and a forged record "from" the established client */
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, record, 5), 5);
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, record, sizeof(record)),
             (int)sizeof(record));
    pump();
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.drop_malformed, 1);
    CHECK_EQ(st.drop_unknown, 1);
    CHECK_EQ(st.sessions_open, 1);
    CHECK_EQ(st.sessions_handshake, 0);
    CHECK_EQ(server.ev.error, 0);
    CHECK_EQ(server.ev.data, 0);
    /* the established session still works */
    CHECK_EQ(sock_secure_session_send(cs, "still here", 10), 10);
    pump();
    uint8_t buf[32];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), 10);
    CHECK_MEM(buf, "still here", 10);
    teardown();
}

static void close_notify_reaches_the_peer(void)
{
    setup(&tu_psk_a);
    sock_secure_session_t *cs = handshake();
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(cs != NULL && ss != NULL);
    CHECK_EQ(sock_secure_session_close(cs), 0);
    CHECK_EQ(sock_secure_session_close(cs), -EINVAL); /* double close */
    pump();
    CHECK_EQ(server.ev.closed, 1);
    uint8_t buf[8];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), SOCK_SECURE_E_PEER_CLOSED);
    CHECK(from == ss);
    /* asked by name, the session keeps saying why it ended; any session: reported once */
    CHECK_EQ(sock_secure_session_recv(ss, buf, sizeof(buf), 0), SOCK_SECURE_E_PEER_CLOSED);
    from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), -EAGAIN);
    CHECK(from == NULL);
    CHECK_EQ(sock_secure_session_send(ss, "x", 1), -ENOTCONN);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.sessions_open, 0);
    teardown();
}

/* The memnet idle hook runs the server while the client blocks in connect()/recv(). */
static void idle_runs_server(void *arg, sock_secure_mem_t *waiting, uint32_t timeout_ms)
{
    (void)arg;
    (void)waiting;
    if (server_up) {
        sock_secure_process(&server.sock);
    }
    if (client.mem.queued == 0) {
        tu_now_ms += timeout_ms < 50 ? timeout_ms : 50;
    }
}

static void blocking_connect_and_recv_with_timeouts(void)
{
    setup(&tu_psk_a);
    tu_net.idle = idle_runs_server;
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 5000), 0);
    REQUIRE(cs != NULL);
    uint8_t buf[16];
    uint64_t t0 = tu_now_ms;
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 300), -ETIMEDOUT);
    CHECK(tu_now_ms - t0 >= 300);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(ss != NULL);
    CHECK_EQ(sock_secure_session_send(ss, "late", 4), 4);
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), SOCK_SECURE_NO_TIMEOUT), 4);
    CHECK_MEM(buf, "late", 4);
    teardown();
}

static void blocking_connect_to_nobody_times_out(void)
{
    tu_net_start();
    sock_secure_config_t c = base_config(&client, SOCK_SECURE_CLIENT, &tu_psk_a);
    CHECK_EQ(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &c), 0);
    tu_net.idle = idle_runs_server; /* advances the clock; no server socket is open */
    server_up = false;
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 2500), -ETIMEDOUT);
    CHECK(cs == NULL);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.retransmits, 1); /* at 1 s; the next was due at 3 s */
    CHECK_EQ(st.sessions_handshake, 0);
    tu_node_close(&client);
}

/* The server's last flight (ChangeCipherSpec + Finished, in however many datagrams the stack
 * sends it) is held back by the net's filter: while `hold_final` is set, every datagram from the
 * server whose first record is a ChangeCipherSpec or an epoch-1 handshake record is kept here
 * instead of delivered; everything else passes. */
static bool hold_final;
static uint8_t held_dg[4][CONFIG_SOCK_SECURE_MAX_DATAGRAM];
static size_t held_len[4];
static int held_count;

static int hold_server_finished(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                                uint8_t *data, size_t *len)
{
    (void)arg;
    (void)to;
    bool final = *len >= 13 && (data[0] == 20 || (data[0] == 22 && (data[3] | data[4]) != 0));
    if (!hold_final || !final || !sock_secure_ep_equal(from, &server.mem.addr) || held_count == 4) {
        return SOCK_SECURE_MEM_DELIVER;
    }
    memcpy(held_dg[held_count], data, *len);
    held_len[held_count++] = *len;
    return SOCK_SECURE_MEM_DROP;
}

/* Handshake with the server's last flight held back; the server sends a record from its
 * CONNECTED event, which reaches the client before the Finished it cannot yet process. */
static sock_secure_session_t *handshake_with_finished_held(void)
{
    setup(&tu_psk_a);
    held_count = 0;
    hold_final = true;
    send_on_connect = "sent right after the Finished";
    tu_net.filter = hold_server_finished;
    sock_secure_session_t *cs = handshake();
    send_on_connect = NULL;
    hold_final = false;
    CHECK(held_count >= 1);
    CHECK_EQ(server.ev.connected, 1);
    CHECK_EQ(client.ev.connected, 0); /* it has the record, not the Finished */
    CHECK_EQ(client.ev.data, 0);
    return cs;
}

/* The client then gets the record exactly once, after its handshake. */
static void early_record_is_delivered_once(sock_secure_session_t *cs)
{
    const char *want = "sent right after the Finished";
    CHECK_EQ(client.ev.connected, 1);
    CHECK_EQ(client.ev.data, 1);
    uint8_t buf[64];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&client.sock, &from, buf, sizeof(buf), 0), (int)strlen(want));
    CHECK_MEM(buf, want, strlen(want));
    CHECK(from == cs);
    for (int i = 0; i < 3; i++) {
        tick();
    }
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), -EAGAIN);
    CHECK_EQ(client.ev.data, 1);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.records_in, 1);
    /* and the session goes on both ways */
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(ss != NULL);
    CHECK_EQ(sock_secure_session_send(cs, "ping", 4), 4);
    pump();
    from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), 4);
    CHECK_EQ(sock_secure_session_send(ss, "pong", 4), 4);
    pump();
    from = NULL;
    CHECK_EQ(sock_secure_recv_any(&client.sock, &from, buf, sizeof(buf), 0), 4);
    CHECK_MEM(buf, "pong", 4);
}

/* RFC 6347 §4.1.2.7: a record of the next epoch that arrives before the Finished may be
 * buffered. The server's Finished is delayed past its first application record: the client
 * keeps the record and delivers it once its handshake is done. */
static void record_overtaking_a_delayed_finished_is_delivered_after_the_handshake(void)
{
    sock_secure_session_t *cs = handshake_with_finished_held();
    REQUIRE(cs != NULL);
    for (int i = 0; i < held_count; i++) { /* the Finished arrives late */
        CHECK_EQ(sock_secure_mem_inject(&client.mem, &server.mem.addr, held_dg[i], held_len[i]),
                 (int)held_len[i]);
    }
    pump();
    early_record_is_delivered_once(cs);
    tu_net.filter = NULL;
    teardown();
}

/* The same with the Finished lost: the client retransmits its flight, the server resends its
 * own, and the record that overtook it is still delivered, once. */
static void record_overtaking_a_lost_finished_is_delivered_after_the_handshake(void)
{
    sock_secure_session_t *cs = handshake_with_finished_held();
    REQUIRE(cs != NULL);
    for (int i = 0; i < 5 && client.ev.connected == 0; i++) {
        tick();
    }
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK(info.retransmits >= 1);
    early_record_is_delivered_once(cs);
    tu_net.filter = NULL;
    teardown();
}

int main(void)
{
    backend = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    RUN(dtls_handshake_and_echo_both_ways);
    RUN(record_larger_than_buffer_is_kept_not_truncated);
    RUN(send_larger_than_max_payload_is_refused);
    RUN(records_queue_behind_an_unread_one_and_none_is_lost);
    RUN(records_packed_in_one_datagram_with_events);
    RUN(records_packed_in_one_datagram_without_events);
#if CONFIG_SOCK_SECURE_SESSION_PSK_ID > 0 && CONFIG_SOCK_SECURE_SESSION_PSK_ID < CONFIG_SOCK_SECURE_PSK_ID_MAX
    RUN(long_psk_identity_is_reported_cut);
#endif
    RUN(wrong_psk_fails_both_sides_and_server_keeps_serving);
    RUN(unknown_identity_is_refused_with_its_alert);
    RUN(handshake_times_out_after_the_retransmission_budget);
    RUN(handshake_retransmits_until_the_server_appears);
    RUN(lost_flight_is_retransmitted);
    /* the timers again with the clock past 2^32 ms and 500 ms before its low 32 bits (the
     * sessions' timestamps) wrap: the timeouts cross the wrap */
    tu_clock_start = 3 * (UINT64_C(1) << 32) - 500;
    RUN(handshake_times_out_after_the_retransmission_budget);
    RUN(handshake_retransmits_until_the_server_appears);
    RUN(lost_flight_is_retransmitted);
    RUN(blocking_connect_to_nobody_times_out);
    tu_clock_start = 1000;
    RUN(garbage_and_forged_records_are_dropped_and_counted);
    RUN(close_notify_reaches_the_peer);
    RUN(blocking_connect_and_recv_with_timeouts);
    RUN(blocking_connect_to_nobody_times_out);
    RUN(record_overtaking_a_delayed_finished_is_delivered_after_the_handshake);
    RUN(record_overtaking_a_lost_finished_is_delivered_after_the_handshake);
    return tu_exit();
}
