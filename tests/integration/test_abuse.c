/* An attacker on the path: records captured off the wire and replayed (from the peer's address and
 * from elsewhere), handshake flights replayed after the handshake, forged plaintext alerts and
 * close_notify, garbage under the epoch of an established session. For every registered backend:
 * nothing is delivered twice, nothing forged ends a session, the session keeps working.
 * Also documents what the LRU eviction policy lets an unauthenticated peer do. */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 4
#define MAX_CAPTURE 32

static const uint8_t key[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
static const sock_secure_psk_t psk = { (const uint8_t *)"abuse", 5, key, sizeof(key) };
static const uint8_t wrong_key[16] = { 1 };
static const sock_secure_psk_t wrong_psk = { (const uint8_t *)"abuse", 5, wrong_key, 16 };

typedef struct {
    bool from_client;
    size_t len;
    uint8_t data[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
} capture_t;

static tu_node_t server, client;
static capture_t cap[MAX_CAPTURE];
static size_t ncap;

static int capture_all(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                       size_t *len)
{
    (void)arg;
    (void)to;
    if (ncap < MAX_CAPTURE) {
        cap[ncap].from_client = sock_secure_ep_equal(from, &client.mem.addr);
        cap[ncap].len = *len;
        memcpy(cap[ncap].data, data, *len);
        ncap++;
    }
    return SOCK_SECURE_MEM_DELIVER;
}

static int open_node(tu_node_t *n, const char *addr, sock_secure_role_t role,
                     const sock_secure_psk_t *p, sock_secure_full_policy_t when_full)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, p);
    cfg.when_full = when_full;
    return tu_node_open_cfg(n, addr, &cfg);
}

static void pump(void)
{
    tu_pump2(&server, &client);
}

/* A connected pair, every datagram captured. */
static sock_secure_session_t *pair(sock_secure_session_t **ss)
{
    tu_net_start();
    ncap = 0;
    tu_net.filter = capture_all;
    CHECK_EQ(open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, &psk,
                       SOCK_SECURE_FULL_REFUSE), 0);
    CHECK_EQ(open_node(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, &psk,
                       SOCK_SECURE_FULL_REFUSE), 0);
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    pump();
    *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, ss, 0), 0);
    return client.ev.connected == 1 && *ss != NULL ? cs : NULL;
}

static void unpair(void)
{
    tu_node_close(&client);
    tu_node_close(&server);
}

/* Server reads everything waiting; returns how many records arrived, checks each is @p want. */
static int server_drain(const char *want)
{
    int n = 0;
    uint8_t buf[64];
    sock_secure_session_t *from = NULL;
    int rc;
    while ((rc = sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0)) >= 0) {
        CHECK_EQ(rc, (int)strlen(want));
        CHECK_MEM(buf, want, strlen(want));
        n++;
        from = NULL;
    }
    return n;
}

static bool still_works(sock_secure_session_t *cs)
{
    CHECK_EQ(sock_secure_session_send(cs, "alive", 5), 5);
    pump();
    return server_drain("alive") == 1;
}

static void replayed_records_are_delivered_once(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL);
    size_t first = ncap;
    CHECK_EQ(sock_secure_session_send(cs, "pay 100", 7), 7);
    pump();
    CHECK_EQ(server_drain("pay 100"), 1);
    REQUIRE(ncap == first + 1 && cap[first].from_client && cap[first].data[0] == 23);
    const capture_t *rec = &cap[first];
    /* the same datagram again, from the client's address, then from a stranger */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, rec->data, rec->len),
                 (int)rec->len);
    }
    sock_secure_ep_t stranger = tu_ep("[fd00::66]:40000");
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &stranger, rec->data, rec->len), (int)rec->len);
    pump();
    CHECK_EQ(server_drain("pay 100"), 0);
    CHECK_EQ(server.ev.data, 1);
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(st.drop_unknown, 1); /* the stranger's copy: no session */
    CHECK(still_works(cs));
    /* replayed later still, after newer records moved the window */
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, rec->data, rec->len), (int)rec->len);
    pump();
    CHECK_EQ(server_drain("pay 100"), 0);
    CHECK_EQ(server.ev.error + server.ev.closed, 0);
    unpair();
}

static void replayed_handshake_flights_after_the_handshake_are_harmless(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL);
    size_t hs = ncap;
    for (size_t i = 0; i < hs; i++) {
        if (cap[i].from_client) {
            CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, cap[i].data, cap[i].len),
                     (int)cap[i].len);
        } else {
            CHECK_EQ(sock_secure_mem_inject(&client.mem, &server.mem.addr, cap[i].data, cap[i].len),
                     (int)cap[i].len);
        }
    }
    pump();
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(ss, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    /* the replayed hello with its (still fresh) cookie starts a second handshake from the
     * client's address (a peer restart, RFC 6347 §4.2.8); the replayed Finished cannot complete
     * it, so it fails - and only it: the established sessions never notice */
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(st.sessions_open, 1);
    CHECK_EQ(st.sessions_handshake, 0);
    CHECK_EQ(st.peer_restarts, 0);
    CHECK_EQ(st.handshakes_ok, 1);
    CHECK_EQ(server.ev.error, (int)st.handshakes_failed);
    CHECK(st.handshakes_failed <= 1);
    CHECK_EQ(server.ev.closed + client.ev.error + client.ev.closed, 0);
    CHECK(still_works(cs));
    unpair();
}

/* A plaintext (epoch 0) alert record: @p level, @p desc. */
static size_t plain_alert(uint8_t *out, uint8_t level, uint8_t desc, uint8_t seq)
{
    static const uint8_t hdr[13] = { 21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 2 };
    memcpy(out, hdr, sizeof(hdr));
    out[10] = seq;
    out[13] = level;
    out[14] = desc;
    return 15;
}

static void forged_alerts_and_garbage_do_not_end_an_established_session(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL);
    uint8_t d[64];
    static const uint8_t alerts[][2] = { { 1, 0 }, { 2, 0 }, { 2, 40 }, { 2, 20 }, { 2, 10 } };
    for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++) {
        size_t n = plain_alert(d, alerts[i][0], alerts[i][1], (uint8_t)(0x50 + i));
        CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, d, n), (int)n);
        CHECK_EQ(sock_secure_mem_inject(&client.mem, &server.mem.addr, d, n), (int)n);
    }
    /* an epoch-1 alert and application record whose ciphertext is garbage */
    for (uint8_t ct = 21; ct <= 23; ct += 2) {
        uint8_t g[13 + 40] = { ct, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x60, 0, 40 };
        for (size_t i = 13; i < sizeof(g); i++) {
            g[i] = (uint8_t)(i * 37);
        }
        CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, g, sizeof(g)), (int)sizeof(g));
        CHECK_EQ(sock_secure_mem_inject(&client.mem, &server.mem.addr, g, sizeof(g)), (int)sizeof(g));
    }
    pump();
    CHECK_EQ(server.ev.error + server.ev.closed + server.ev.data, 0);
    CHECK_EQ(client.ev.error + client.ev.closed + client.ev.data, 0);
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(st.sessions_open, 1);
    CHECK(still_works(cs));
    /* the genuine close_notify does end it */
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump();
    CHECK_EQ(server.ev.closed, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_PEER_CLOSED);
    unpair();
}

static void a_captured_close_notify_replayed_to_a_new_session_is_ignored(void)
{
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = pair(&ss);
    REQUIRE(cs != NULL);
    size_t before = ncap;
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump();
    REQUIRE(ncap > before && cap[before].from_client && cap[before].data[0] == 21);
    capture_t close_notify = cap[before];
    CHECK_EQ(server.ev.closed, 1);
    /* the client connects again from the same address: new keys, and the old close_notify must
     * not end the new session */
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    cs = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    pump();
    CHECK_EQ(client.ev.connected, 2);
    CHECK_EQ(sock_secure_mem_inject(&server.mem, &client.mem.addr, close_notify.data, close_notify.len),
             (int)close_notify.len);
    pump();
    CHECK_EQ(server.ev.closed, 1);
    CHECK(still_works(cs));
    unpair();
}

/* Characterisation, not a goal: with SOCK_SECURE_FULL_EVICT_LRU the eviction happens when a
 * cookie-verified hello needs a slot, before the new peer has authenticated. A peer that owns
 * its address but has no valid key therefore evicts an established session (docs/SECURITY.md). */
static void lru_eviction_happens_before_the_new_peer_authenticates(void)
{
    static tu_node_t peers[SLOTS], intruder;
    tu_net_start();
    CHECK_EQ(open_node(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, &psk,
                       SOCK_SECURE_FULL_EVICT_LRU), 0);
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    for (int i = 0; i < SLOTS; i++) {
        char addr[32];
        snprintf(addr, sizeof(addr), "[fd00::%d]:40000", 10 + i);
        CHECK_EQ(open_node(&peers[i], addr, SOCK_SECURE_CLIENT, &psk, SOCK_SECURE_FULL_REFUSE),
                 0);
        sock_secure_session_t *s = NULL;
        CHECK_EQ(sock_secure_connect(&peers[i].sock, &srv, &s, 0), -EINPROGRESS);
        for (int k = 0; k < 20; k++) {
            sock_secure_process(&server.sock);
            sock_secure_process(&peers[i].sock);
        }
        tu_now_ms += 10;
    }
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(st.sessions_open, SLOTS);
    CHECK_EQ(open_node(&intruder, "[fd00::66]:40000", SOCK_SECURE_CLIENT, &wrong_psk,
                       SOCK_SECURE_FULL_REFUSE), 0);
    sock_secure_session_t *s = NULL;
    CHECK_EQ(sock_secure_connect(&intruder.sock, &srv, &s, 0), -EINPROGRESS);
    for (int k = 0; k < 20; k++) {
        sock_secure_process(&server.sock);
        sock_secure_process(&intruder.sock);
        for (int i = 0; i < SLOTS; i++) {
            sock_secure_process(&peers[i].sock);
        }
    }
    sock_secure_stats(&server.sock, &st);
    CHECK_EQ(intruder.ev.connected, 0); /* it never authenticated... */
    /* ...but proved its address with a cookie (checked by the core, or by the stack through the
     * core's probe): it still displaced the least recent peer (by design:
     * SOCK_SECURE_FULL_EVICT_LRU trades that for room; docs/SECURITY.md) */
    CHECK_EQ(st.evictions, 1);
    CHECK_EQ(peers[0].ev.closed, 1);
    CHECK_EQ(st.sessions_open, SLOTS - 1);
    printf("  %s: an unauthenticated peer evicted %u established session(s) under EVICT_LRU\n",
           tu_backend_name, st.evictions);
    for (int i = 0; i < SLOTS; i++) {
        tu_node_close(&peers[i]);
    }
    tu_node_close(&intruder);
    tu_node_close(&server);
}

int main(void)
{
    tu_any_backend();
    RUN_ALL(replayed_records_are_delivered_once);
    RUN_ALL(replayed_handshake_flights_after_the_handshake_are_harmless);
    RUN_ALL(forged_alerts_and_garbage_do_not_end_an_established_session);
    RUN_ALL(a_captured_close_notify_replayed_to_a_new_session_is_ignored);
    RUN_ALL(lru_eviction_happens_before_the_new_peer_authenticates);
    return tu_exit();
}
