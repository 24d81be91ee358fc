/* Many DTLS peers on one server socket, over the in-memory net with a simulated clock: per-peer
 * PSKs, stateless cookies under a flood of forged hellos, half-open cap, handshake deadline, idle
 * timeout, full-table policies, peer restart, and no lockout of new peers by hosts that complete
 * cookie exchanges from many ports (per-address cap, displacement of stalled handshakes). */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define MAX_CLIENTS 50
#define SERVER_SLOTS 64

typedef struct {
    tu_node_t n;
    sock_secure_session_t *s;
    sock_secure_psk_t psk;
    char id[32];
    uint8_t key[16];
} client_t;

static tu_node_t server;
static sock_secure_session_t server_slots[SERVER_SLOTS];
static client_t clients[MAX_CLIENTS];
static sock_secure_psk_t server_psks[MAX_CLIENTS];
static char server_ids[MAX_CLIENTS][32];   /* the server's own copies: clients may change theirs */
static uint8_t server_keys[MAX_CLIENTS][16];
static bool echo; /* the server's event handler echoes every record */
static const tlsman_driver_t *backend;

static void on_server_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                            int err, void *arg)
{
    tu_on_event(sock, s, ev, err, arg);
    if (ev == SOCK_SECURE_EV_DATA && echo) {
        uint8_t buf[256];
        sock_secure_session_t *from = s;
        int n = sock_secure_session_recv(from, buf, sizeof(buf), 0);
        if (n > 0) {
            sock_secure_session_send(from, buf, (size_t)n);
        }
    }
}

static void make_key(int i, uint8_t key[16])
{
    for (int k = 0; k < 16; k++) {
        key[k] = (uint8_t)(i * 31 + k * 7 + 1);
    }
}

static sock_secure_ep_t server_ep(void)
{
    return tu_ep("[fd00::1]:5684");
}

static sock_secure_ep_t client_ep(int i)
{
    sock_secure_ep_t ep = tu_ep("[fd00::1000]:40000");
    ep.addr[14] = (uint8_t)(i >> 8);
    ep.addr[15] = (uint8_t)i;
    return ep;
}

static void server_open(size_t slots, size_t psks, void (*tweak)(sock_secure_config_t *))
{
    echo = true;
    for (size_t i = 0; i < psks; i++) {
        snprintf(server_ids[i], sizeof(server_ids[i]), "dev-%zu", i);
        make_key((int)i, server_keys[i]);
        server_psks[i] = (sock_secure_psk_t){ (const uint8_t *)server_ids[i],
                                              strlen(server_ids[i]), server_keys[i], 16 };
    }
    CHECK_EQ(tu_node_join(&server, TU_SERVER_ADDR), 0);
    sock_secure_config_t cfg;
    tu_node_config(&server, &cfg, SOCK_SECURE_SERVER, tu_backend_name, 0);
    cfg.sessions = server_slots; /* more than a node holds */
    cfg.session_count = slots;
    cfg.psk = psks ? server_psks : NULL;
    cfg.psk_count = psks;
    cfg.event_cb = on_server_event;
    if (tweak) {
        tweak(&cfg);
    }
    CHECK_EQ(tu_node_create(&server, &cfg), 0);
}

/* Client @p i with its own identity "dev-i" and key (or @p key_override), at @p ep. */
static int client_open_at(int i, const uint8_t *key_override, const sock_secure_ep_t *ep)
{
    client_t *c = &clients[i];
    snprintf(c->id, sizeof(c->id), "dev-%d", i);
    make_key(i, c->key);
    if (key_override) {
        memcpy(c->key, key_override, 16);
    }
    c->psk = (sock_secure_psk_t){ (const uint8_t *)c->id, strlen(c->id), c->key, 16 };
    int rc = tu_node_join_ep(&c->n, ep);
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    tu_node_config(&c->n, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, 1);
    tu_node_psk(&cfg, &c->psk);
    rc = tu_node_create(&c->n, &cfg);
    if (rc < 0) {
        return rc;
    }
    sock_secure_ep_t srv_ep = server_ep();
    c->s = NULL;
    return sock_secure_connect(&c->n.sock, &srv_ep, &c->s, 0);
}

/* Client @p i at its own address (client_ep). */
static int client_open(int i, const uint8_t *key_override)
{
    sock_secure_ep_t ep = client_ep(i);
    return client_open_at(i, key_override, &ep);
}

static void client_close(int i)
{
    tu_node_close(&clients[i].n);
}

/* Run the server and the first @p nclients clients until no datagram is in flight. */
static void pump(int nclients)
{
    tu_node_t *all[MAX_CLIENTS + 1] = { &server };
    for (int i = 0; i < nclients; i++) {
        all[i + 1] = &clients[i].n;
    }
    tu_pump(all, (size_t)nclients + 1);
}

static void reset_net(void)
{
    tu_net_start();
}

static void teardown(int nclients)
{
    for (int i = 0; i < nclients; i++) {
        client_close(i);
    }
    tu_node_close(&server);
}

static sock_secure_stats_t server_stats(void)
{
    sock_secure_stats_t st;
    sock_secure_stats(&server.sock, &st);
    return st;
}

static void fifty_clients_with_own_identities_echo_twenty_records_each(void)
{
    reset_net();
    server_open(SERVER_SLOTS, MAX_CLIENTS, NULL);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        CHECK_EQ(client_open(i, NULL), -EINPROGRESS);
    }
    pump(MAX_CLIENTS);
    int up = 0;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        up += clients[i].n.ev.connected;
    }
    CHECK_EQ(up, MAX_CLIENTS);
    CHECK_EQ(server_stats().sessions_open, MAX_CLIENTS);
    CHECK_EQ(server_stats().hello_verify_sent, MAX_CLIENTS);
    int good = 0;
    for (int r = 0; r < 20; r++) {
        char msg[48];
        for (int i = 0; i < MAX_CLIENTS; i++) {
            int n = snprintf(msg, sizeof(msg), "peer %d record %d %s", i, r, clients[i].id);
            sock_secure_session_send(clients[i].s, msg, (size_t)n);
        }
        pump(MAX_CLIENTS);
        for (int i = 0; i < MAX_CLIENTS; i++) {
            uint8_t buf[64];
            int n = snprintf(msg, sizeof(msg), "peer %d record %d %s", i, r, clients[i].id);
            int got = sock_secure_session_recv(clients[i].s, buf, sizeof(buf), 0);
            good += got == n && memcmp(buf, msg, (size_t)n) == 0;
        }
    }
    CHECK_EQ(good, MAX_CLIENTS * 20);
    CHECK_EQ(server.ev.data, MAX_CLIENTS * 20);
    /* each server session is bound to its peer's identity: the info shows each peer once */
    int distinct = 0;
    for (int i = 0; i < SERVER_SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&server_slots[i], &info) == 0 &&
            info.state == SOCK_SECURE_ST_OPEN && info.records_in == 20 && info.records_out == 20) {
            distinct++;
        }
    }
    CHECK_EQ(distinct, MAX_CLIENTS);
    teardown(MAX_CLIENTS);
}

static sock_secure_config_t *tweak_cfg;
static void apply_tweak(sock_secure_config_t *cfg)
{
    cfg->max_half_open = tweak_cfg->max_half_open;
    cfg->handshake_deadline_ms = tweak_cfg->handshake_deadline_ms;
    cfg->handshake_stall_ms = tweak_cfg->handshake_stall_ms; /* 0: only the deadline */
    cfg->max_half_open_per_addr = tweak_cfg->max_half_open_per_addr;
    cfg->idle_timeout_ms = tweak_cfg->idle_timeout_ms;
    cfg->when_full = tweak_cfg->when_full;
}

/* A ClientHello as a real client sends it, taken off the wire. */
static size_t real_client_hello(uint8_t *buf, size_t max)
{
    static tu_node_t c;
    sock_secure_session_t *s = NULL;
    static const sock_secure_psk_t psk = { (const uint8_t *)"x", 1,
                                           (const uint8_t *)"0123456789abcdef", 16 };
    sock_secure_ep_t ep = client_ep(999);
    if (tu_node_join_ep(&c, &ep) < 0) {
        return 0;
    }
    sock_secure_config_t cfg;
    tu_node_config(&c, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, 1);
    tu_node_psk(&cfg, &psk);
    if (tu_node_create(&c, &cfg) < 0) {
        return 0;
    }
    sock_secure_ep_t srv_ep = server_ep();
    sock_secure_connect(&c.sock, &srv_ep, &s, 0);
    sock_secure_ep_t from;
    int n = sock_secure_transport_recv(&server.mem.base, buf, max, &from);
    tu_node_close(&c);
    return n > 0 ? (size_t)n : 0;
}

/* The same ClientHello with a 16-byte made-up cookie inserted (lengths re-encoded). */
static size_t with_cookie(const uint8_t *in, size_t len, uint8_t *out, size_t max)
{
    size_t pos = 13 + 12 + 2 + 32; /* session id length byte */
    pos += 1 + in[pos];             /* cookie length byte */
    if (in[pos] != 0 || len + 16 > max) {
        return 0;
    }
    memcpy(out, in, pos);
    out[pos] = 16;
    memset(out + pos + 1, 0xA5, 16);
    memcpy(out + pos + 17, in + pos + 1, len - pos - 1);
    size_t rec = ((size_t)out[11] << 8 | out[12]) + 16;
    out[11] = (uint8_t)(rec >> 8);
    out[12] = (uint8_t)rec;
    size_t hs = ((size_t)out[14] << 16 | (size_t)out[15] << 8 | out[16]) + 16;
    for (int i = 0; i < 2; i++) { /* handshake length and fragment length */
        uint8_t *f = out + (i == 0 ? 14 : 22);
        f[0] = (uint8_t)(hs >> 16);
        f[1] = (uint8_t)(hs >> 8);
        f[2] = (uint8_t)hs;
    }
    return len + 16;
}

static size_t max_server_datagram;
static int measure_server_output(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                                 uint8_t *data, size_t *len)
{
    (void)arg;
    (void)to;
    (void)data;
    sock_secure_ep_t srv = server_ep();
    if (sock_secure_ep_equal(from, &srv) && *len > max_server_datagram) {
        max_server_datagram = *len;
    }
    return SOCK_SECURE_MEM_DELIVER;
}

static void forged_hello_flood_never_displaces_established_peers(void)
{
    reset_net();
    sock_secure_config_t t = { 0 };
    t.max_half_open = 4;
    t.handshake_deadline_ms = 30000;
    tweak_cfg = &t;
    server_open(16, 10, apply_tweak);
    uint8_t hello[512];
    size_t hello_len = real_client_hello(hello, sizeof(hello));
    REQUIRE(hello_len > 60);
    uint8_t bogus[600];
    size_t bogus_len = with_cookie(hello, hello_len, bogus, sizeof(bogus));
    for (int i = 0; i < 10; i++) {
        CHECK_EQ(client_open(i, NULL), -EINPROGRESS);
    }
    pump(10);
    /* at most 4 handshakes run at once: the others retransmit and get in later */
    CHECK(server_stats().sessions_handshake <= 4);
    for (int k = 0; k < 10 && server_stats().sessions_open < 10; k++) {
        tu_now_ms += 1000;
        pump(10);
    }
    CHECK_EQ(server_stats().sessions_open, 10);
    CHECK(server_stats().drop_half_open > 0);
    tu_net.filter = measure_server_output;
    max_server_datagram = 0;
    uint32_t max_half_open_seen = 0;
    int good = 0;
    for (int k = 0; k < 10000; k++) {
        sock_secure_ep_t forged = client_ep(1000 + k % 50000);
        forged.addr[12] = (uint8_t)(k >> 8);
        forged.addr[13] = (uint8_t)k;
        forged.port = (uint16_t)(1024 + k);
        if (k % 2) { /* half of them carry a made-up cookie */
            CHECK(bogus_len > hello_len);
            bogus[13 + 12 + 2] = (uint8_t)k; /* vary the random */
            sock_secure_mem_inject(&server.mem, &forged, bogus, bogus_len);
        } else {
            sock_secure_mem_inject(&server.mem, &forged, hello, hello_len);
        }
        if (k % 100 == 0) {
            sock_secure_process(&server.sock);
            sock_secure_stats_t st = server_stats();
            if (st.sessions_handshake > max_half_open_seen) {
                max_half_open_seen = st.sessions_handshake;
            }
            int i = (k / 100) % 10;
            char msg[32];
            int n = snprintf(msg, sizeof(msg), "during flood %d", k);
            sock_secure_session_send(clients[i].s, msg, (size_t)n);
            pump(10);
            uint8_t buf[64];
            int got = sock_secure_session_recv(clients[i].s, buf, sizeof(buf), 0);
            good += got == n && memcmp(buf, msg, (size_t)n) == 0;
        }
    }
    pump(10);
    sock_secure_stats_t st = server_stats();
    CHECK_EQ(good, 100);
    CHECK_EQ(st.sessions_open, 10);
    CHECK_EQ(st.sessions_handshake, 0);
    CHECK_EQ(max_half_open_seen, 0); /* no forged hello ever took a slot */
    CHECK(st.hello_verify_sent >= 10 + 10000);
    if (backend->cookie_check != NULL) { /* the core checks cookies itself */
        CHECK_EQ(st.bad_cookies, 5000);
    }
    CHECK(max_server_datagram > 0 && max_server_datagram <= hello_len); /* no amplification */
    CHECK_EQ(server.ev.error + server.ev.closed + server.ev.expired, 0);
    tu_net.filter = NULL;
    teardown(10);
}

/* Clients whose server flights are lost after the cookie exchange stay half-open. */
static int stall_mask;
static int drop_server_hello(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                             size_t *len)
{
    (void)arg;
    sock_secure_ep_t srv = server_ep();
    if (sock_secure_ep_equal(from, &srv) && *len > 25 && data[0] == 22 && data[25 - 12] == 2) {
        for (int i = 0; i < 8; i++) {
            sock_secure_ep_t c = client_ep(i);
            if ((stall_mask & (1 << i)) && sock_secure_ep_equal(to, &c)) {
                return SOCK_SECURE_MEM_DROP; /* ServerHello flight to a stalled client */
            }
        }
    }
    return SOCK_SECURE_MEM_DELIVER;
}

static void half_open_sessions_are_capped_displaced_once_stalled_and_expire_at_the_deadline(void)
{
    reset_net();
    sock_secure_config_t t = { 0 };
    t.max_half_open = 2;
    t.handshake_deadline_ms = 10000;
    tweak_cfg = &t;
    server_open(8, 8, apply_tweak);
    stall_mask = 0x0F; /* clients 0..3 never see the ServerHello */
    tu_net.filter = drop_server_hello;
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(client_open(i, NULL), -EINPROGRESS);
    }
    pump(4);
    sock_secure_stats_t st = server_stats();
    CHECK_EQ(st.sessions_handshake, 2);
    /* handshakes whose answer may still come are not displaced: the newcomers wait */
    CHECK(st.drop_half_open >= 2);
    CHECK_EQ(st.displaced, 0);
    /* clients retransmit meanwhile, capped at 2; a verified hello displaces a handshake that has
     * waited past the initial retransmission timeout for its peer's next flight */
    for (int k = 0; k < 40; k++) {
        tu_now_ms += 500;
        pump(4);
        CHECK(server_stats().sessions_handshake <= 2);
    }
    st = server_stats();
    CHECK(st.displaced >= 2);
    CHECK_EQ(st.expired_handshake, 0);
    CHECK_EQ(server.ev.expired, (int)st.displaced);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_DISPLACED);
    /* the stalled clients go away: the deadline frees what they leave */
    stall_mask = 0;
    for (int i = 0; i < 4; i++) {
        client_close(i);
    }
    tu_now_ms += 20000;
    pump(0);
    st = server_stats();
    CHECK_EQ(st.sessions_handshake, 0);
    CHECK_EQ(st.expired_handshake, 2);
    CHECK_EQ(server.ev.expired, (int)(st.displaced + st.expired_handshake));
    CHECK_EQ(server.ev.last_err, -ETIMEDOUT);
    /* a healthy client still gets in once a half-open slot is free */
    CHECK_EQ(client_open(4, NULL), -EINPROGRESS);
    pump(5);
    CHECK_EQ(clients[4].n.ev.connected, 1);
    tu_net.filter = NULL;
    client_close(4);
    tu_node_close(&server);
}

/* A peer that stops after the cookie exchange is dropped at the stall deadline (default 8 s
 * after the server's flight), long before the 30 s overall deadline; its retransmitted hellos
 * (answered with the same flight again) are no progress. */
static void a_stalled_handshake_is_dropped_at_the_stall_deadline(void)
{
    reset_net();
    server_open(4, 1, NULL); /* the defaults */
    stall_mask = 0x01;       /* client 0 never sees the ServerHello flight */
    tu_net.filter = drop_server_hello;
    CHECK_EQ(client_open(0, NULL), -EINPROGRESS);
    pump(1);
    CHECK_EQ(server_stats().sessions_handshake, 1);
    uint64_t t0 = tu_now_ms;
    while (tu_now_ms - t0 < CONFIG_SOCK_SECURE_HS_STALL_MS - 100) {
        tu_now_ms += 100;
        pump(1); /* the client retransmits its hello at 1, 3 and 7 s */
    }
    sock_secure_stats_t st = server_stats();
    CHECK_EQ(st.sessions_handshake, 1); /* still there just before the deadline */
    CHECK(st.retransmits >= 3);         /* the server resent its flight meanwhile */
    CHECK_EQ(st.expired_stall, 0);
    tu_now_ms += 100;
    CHECK_EQ(sock_secure_next_timeout(&server.sock), 0);
    pump(1);
    st = server_stats();
    CHECK_EQ(st.expired_stall, 1);
    CHECK_EQ(st.expired_handshake, 0);
    CHECK_EQ(server.ev.expired, 1);
    CHECK_EQ(server.ev.last_err, -ETIMEDOUT);
    tu_net.filter = NULL;
    client_close(0);
    tu_node_close(&server);
}

static void full_table_refuses_new_peers_by_default(void)
{
    reset_net();
    server_open(2, 3, NULL);
    CHECK_EQ(client_open(0, NULL), -EINPROGRESS);
    CHECK_EQ(client_open(1, NULL), -EINPROGRESS);
    pump(2);
    CHECK_EQ(server_stats().sessions_open, 2);
    CHECK_EQ(client_open(2, NULL), -EINPROGRESS);
    pump(3);
    CHECK_EQ(clients[2].n.ev.connected, 0);
    CHECK(server_stats().drop_table_full >= 1);
    CHECK_EQ(server_stats().evictions, 0);
    CHECK_EQ(clients[0].n.ev.closed + clients[1].n.ev.closed, 0);
    teardown(3);
}

static void full_table_evicts_the_least_recently_active_session(void)
{
    reset_net();
    sock_secure_config_t t = { 0 };
    t.when_full = SOCK_SECURE_FULL_EVICT_LRU;
    tweak_cfg = &t;
    server_open(2, 3, apply_tweak);
    CHECK_EQ(client_open(0, NULL), -EINPROGRESS);
    CHECK_EQ(client_open(1, NULL), -EINPROGRESS);
    pump(2);
    tu_now_ms += 1000;
    CHECK_EQ(sock_secure_session_send(clients[1].s, "recent", 6), 6); /* client 0 is now the LRU */
    pump(2);
    tu_now_ms += 1000;
    CHECK_EQ(client_open(2, NULL), -EINPROGRESS);
    pump(3);
    /* client 2 proved its address (with wolfSSL the stack checked its cookie, seen through the
     * core's probe; a spoofed hello evicts no one: test_spoofed_hello_keeps_no_state) */
    CHECK_EQ(clients[2].n.ev.connected, 1);
    CHECK_EQ(clients[0].n.ev.closed, 1); /* close_notify from the server */
    CHECK_EQ(clients[1].n.ev.closed, 0);
    sock_secure_stats_t st = server_stats();
    CHECK_EQ(st.evictions, 1);
    CHECK_EQ(st.sessions_open, 2);
    CHECK_EQ(server.ev.expired, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_EVICTED);
    teardown(3);
}

static void idle_sessions_are_closed_after_the_idle_timeout(void)
{
    reset_net();
    sock_secure_config_t t = { 0 };
    t.idle_timeout_ms = 5000;
    tweak_cfg = &t;
    server_open(4, 2, apply_tweak);
    CHECK_EQ(client_open(0, NULL), -EINPROGRESS);
    CHECK_EQ(client_open(1, NULL), -EINPROGRESS);
    pump(2);
    CHECK(sock_secure_next_timeout(&server.sock) <= 5000);
    for (int k = 0; k < 8; k++) { /* client 1 talks every second, client 0 is silent */
        tu_now_ms += 1000;
        sock_secure_session_send(clients[1].s, "tick", 4);
        pump(2);
        uint8_t buf[8];
        sock_secure_session_recv(clients[1].s, buf, sizeof(buf), 0);
    }
    sock_secure_stats_t st = server_stats();
    CHECK_EQ(st.expired_idle, 1);
    CHECK_EQ(st.sessions_open, 1);
    CHECK_EQ(clients[0].n.ev.closed, 1);
    CHECK_EQ(clients[1].n.ev.closed, 0);
    teardown(2);
}

/* Client 0 loses its state (no close_notify) and connects again from the same address. */
static void restart_client(const uint8_t *key)
{
    sock_secure_transport_close(&clients[0].n.mem.base); /* the close_notify below goes nowhere */
    sock_secure_close(&clients[0].n.sock);
    CHECK_EQ(client_open(0, key), -EINPROGRESS);
    pump(2);
}

static void restarted_peer_replaces_its_old_session_only_when_the_new_one_is_up(void)
{
    static const uint8_t wrong[16] = { 9, 9, 9 };
    reset_net();
    server_open(4, 2, NULL);
    CHECK_EQ(client_open(0, NULL), -EINPROGRESS);
    CHECK_EQ(client_open(1, NULL), -EINPROGRESS);
    pump(2);
    sock_secure_session_t *old = NULL;
    for (int i = 0; i < 4; i++) {
        sock_secure_session_info_t info;
        sock_secure_ep_t c0 = client_ep(0);
        if (sock_secure_session_info(&server_slots[i], &info) == 0 &&
            sock_secure_ep_equal(&info.remote, &c0)) {
            old = &server_slots[i];
        }
    }
    REQUIRE(old != NULL);
    /* a restart that fails (wrong key) leaves the old session alone */
    restart_client(wrong);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(old, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(server_stats().peer_restarts, 0);
    /* a restart that succeeds replaces it */
    restart_client(NULL);
    CHECK_EQ(clients[0].n.ev.connected, 1);
    sock_secure_stats_t st = server_stats();
    CHECK_EQ(st.peer_restarts, 1);
    CHECK_EQ(st.sessions_open, 2);
    CHECK_EQ(server.ev.closed, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_RESTARTED);
    CHECK_EQ(sock_secure_session_info(old, &info), 0);
    CHECK(info.state == SOCK_SECURE_ST_CLOSED || info.state == SOCK_SECURE_ST_OPEN);
    CHECK_EQ(sock_secure_session_send(clients[0].s, "again", 5), 5);
    pump(2);
    uint8_t buf[8];
    CHECK_EQ(sock_secure_session_recv(clients[0].s, buf, sizeof(buf), 0), 5);
    CHECK_MEM(buf, "again", 5);
    teardown(2);
}

static size_t lookups;
static size_t db_lookup(void *arg, const uint8_t *identity, size_t len, uint8_t *key, size_t max)
{
    (void)arg;
    lookups++;
    if (len == 5 && memcmp(identity, "dev-7", 5) == 0 && max >= 16) {
        make_key(7, key);
        return 16;
    }
    return 0;
}

static void tweak_lookup(sock_secure_config_t *cfg)
{
    cfg->psk_lookup = db_lookup;
}

static void identities_not_preloaded_are_looked_up_and_unknown_ones_refused(void)
{
    reset_net();
    lookups = 0;
    server_open(8, 0, tweak_lookup);
    CHECK_EQ(client_open(7, NULL), -EINPROGRESS); /* known to the "database" */
    CHECK_EQ(client_open(3, NULL), -EINPROGRESS); /* unknown */
    for (int r = 0; r < 200; r++) {
        sock_secure_process(&server.sock);
        sock_secure_process(&clients[7].n.sock);
        sock_secure_process(&clients[3].n.sock);
    }
    CHECK_EQ(clients[7].n.ev.connected, 1);
    CHECK_EQ(clients[3].n.ev.error, 1);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(clients[3].s, &info), 0);
    CHECK_EQ(info.alert, 115);
    CHECK(lookups >= 2);
    sock_secure_stats_t st = server_stats();
    CHECK_EQ(st.handshakes_ok, 1);
    CHECK_EQ(st.handshakes_failed, 1);
    client_close(7);
    client_close(3);
    tu_node_close(&server);
}

/* ---- lockout: hosts that complete cookie exchanges from many ports ----------------------------
 * Attackers own their addresses (127.0.0.2, ...): they receive the HelloVerifyRequests (seen here
 * through the net's filter), answer each with the hello and its cookie from the same port, and
 * then never answer the server's flight. Each address starts ATTACK_RATE cookie exchanges per
 * 10 ms tick, from a new port each time. Meanwhile one legitimate client connects again and again
 * from its own address; a handshake counts as a success if it completes within 2 s of simulated
 * time. The server runs with the defaults (16 slots, half-open budget 16, 4 per address, stall
 * deadline 8 s). */

#define LOCKOUT_SLOTS 16
#define LOCKOUT_TRIES 40
#define ATTACK_MAX_ADDRS 8
#define ATTACK_RATE 2
#define ATTACK_PENDING (ATTACK_MAX_ADDRS * ATTACK_RATE * 4)
#define TICK_MS 10

typedef struct {
    sock_secure_ep_t from;
    uint8_t cookie[255];
    size_t cookie_len;
} attack_cookie_t;

static struct {
    int addrs;                 /* attacking addresses: 127.0.0.2 .. */
    uint16_t next_port;
    uint8_t hello[512];        /* a real ClientHello of this backend's client, without cookie */
    size_t hello_len;
    attack_cookie_t pending[ATTACK_PENDING]; /* cookies received, not answered yet */
    int npending;
    uint32_t answered;         /* hellos with a cookie sent */
} attack;

static sock_secure_ep_t attack_ep(int a, uint16_t port)
{
    sock_secure_ep_t ep = tu_ep("127.0.0.2:1024");
    ep.addr[3] = (uint8_t)(2 + a);
    ep.port = port;
    return ep;
}

static bool is_attacker(const sock_secure_ep_t *ep)
{
    return ep->family == SOCK_SECURE_AF_INET && ep->addr[0] == 127 && ep->addr[3] >= 2 &&
           ep->addr[3] < 2 + attack.addrs;
}

/* The attackers' side of the net: keep the cookie of each HelloVerifyRequest, ignore the rest. */
static int attack_filter(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                         size_t *len)
{
    (void)arg;
    (void)from;
    if (!is_attacker(to)) {
        return SOCK_SECURE_MEM_DELIVER;
    }
    /* HelloVerifyRequest: record header 13, handshake header 12, version 2, cookie length 1 */
    if (*len >= 28 && data[0] == 22 && data[13] == 3 && attack.npending < ATTACK_PENDING &&
        *len >= 28u + data[27]) {
        attack_cookie_t *c = &attack.pending[attack.npending++];
        c->from = *to;
        c->cookie_len = data[27];
        memcpy(c->cookie, data + 28, c->cookie_len);
    }
    return SOCK_SECURE_MEM_DROP;
}

/* @p hello (no cookie) as a client sends it again with @p cookie: record sequence and
 * message_seq 1, lengths re-encoded. Returns the new length, 0 if it does not fit. */
static size_t hello_with_cookie(const uint8_t *in, size_t len, const uint8_t *cookie,
                                size_t clen, uint8_t *out, size_t max)
{
    size_t pos = 13 + 12 + 2 + 32; /* session id length byte */
    pos += 1 + in[pos];             /* cookie length byte */
    if (pos >= len || in[pos] != 0 || len + clen > max) {
        return 0;
    }
    memcpy(out, in, pos);
    out[pos] = (uint8_t)clen;
    memcpy(out + pos + 1, cookie, clen);
    memcpy(out + pos + 1 + clen, in + pos + 1, len - pos - 1);
    size_t rec = ((size_t)out[11] << 8 | out[12]) + clen;
    out[11] = (uint8_t)(rec >> 8);
    out[12] = (uint8_t)rec;
    size_t hs = ((size_t)out[14] << 16 | (size_t)out[15] << 8 | out[16]) + clen;
    for (int i = 0; i < 2; i++) { /* handshake length and fragment length */
        uint8_t *f = out + (i == 0 ? 14 : 22);
        f[0] = (uint8_t)(hs >> 16);
        f[1] = (uint8_t)(hs >> 8);
        f[2] = (uint8_t)hs;
    }
    out[10] = 1; /* record sequence number 1 */
    out[18] = 1; /* message_seq 1 */
    return len + clen;
}

/* One tick of the attack: answer the cookies received, then start new exchanges. */
static void attack_tick(void)
{
    int n = attack.npending;
    attack.npending = 0;
    for (int i = 0; i < n; i++) {
        uint8_t d[600];
        size_t len = hello_with_cookie(attack.hello, attack.hello_len, attack.pending[i].cookie,
                                       attack.pending[i].cookie_len, d, sizeof(d));
        if (len > 0 && sock_secure_mem_inject(&server.mem, &attack.pending[i].from, d, len) > 0) {
            attack.answered++;
        }
    }
    for (int a = 0; a < attack.addrs; a++) {
        for (int r = 0; r < ATTACK_RATE; r++) {
            attack.next_port = attack.next_port < 1024 ? 1024 : (uint16_t)(attack.next_port + 1);
            sock_secure_ep_t ep = attack_ep(a, attack.next_port);
            sock_secure_mem_inject(&server.mem, &ep, attack.hello, attack.hello_len);
        }
    }
}

/* The application's view of refusals (refused_cb). */
static uint32_t refused_seen, refused_legit;
static void on_refused(sock_secure_t *sock, const sock_secure_ep_t *peer, sock_secure_refusal_t why,
                       void *arg)
{
    (void)sock;
    (void)arg;
    refused_seen++;
    refused_legit += !is_attacker(peer);
    CHECK(why >= SOCK_SECURE_REFUSED_PER_ADDR && why <= SOCK_SECURE_REFUSED_TABLE_FULL);
}

static void tweak_refused(sock_secure_config_t *cfg)
{
    cfg->refused_cb = on_refused;
}

/* Handshakes the attacking addresses hold on the server now. */
static int attacker_half_open(int *most_one_addr)
{
    int total = 0, per[ATTACK_MAX_ADDRS] = { 0 };
    for (int i = 0; i < LOCKOUT_SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&server_slots[i], &info) == 0 &&
            info.state == SOCK_SECURE_ST_HANDSHAKE && is_attacker(&info.remote)) {
            total++;
            per[info.remote.addr[3] - 2]++;
        }
    }
    *most_one_addr = 0;
    for (int a = 0; a < ATTACK_MAX_ADDRS; a++) {
        *most_one_addr = per[a] > *most_one_addr ? per[a] : *most_one_addr;
    }
    return total;
}

/* One tick: the attack, the server, the legitimate client (if connecting), the clock. */
static void lockout_tick(bool client)
{
    attack_tick();
    for (int k = 0; k < 8 && server.mem.queued > 0; k++) {
        sock_secure_process(&server.sock);
    }
    if (client) {
        sock_secure_process(&clients[0].n.sock);
        for (int k = 0; k < 8 && server.mem.queued > 0; k++) {
            sock_secure_process(&server.sock);
        }
        sock_secure_process(&clients[0].n.sock);
    }
    tu_now_ms += TICK_MS;
}

/* @p addrs attacking addresses; the legitimate client must succeed in @p min_percent % of its
 * LOCKOUT_TRIES handshakes, each within 2 s of simulated time. */
static void lockout_run(int addrs, int min_percent)
{
    reset_net();
    memset(&attack, 0, sizeof(attack));
    attack.addrs = addrs;
    refused_seen = refused_legit = 0;
    server_open(LOCKOUT_SLOTS, 1, tweak_refused); /* the defaults; client 0's identity */
    attack.hello_len = real_client_hello(attack.hello, sizeof(attack.hello));
    REQUIRE(attack.hello_len > 60);
    tu_net.filter = attack_filter;
    int most = 0, most_one_addr = 0, budget_full = 0;
    for (int t = 0; t < 300; t++) { /* 3 s of attack before the first try */
        lockout_tick(false);
    }
    int ok = 0;
    uint64_t slowest = 0;
    for (int i = 0; i < LOCKOUT_TRIES; i++) {
        sock_secure_ep_t ep = client_ep(0);
        ep.port = (uint16_t)(40000 + i); /* a new port each time, as a restarted client */
        REQUIRE(client_open_at(0, NULL, &ep) == -EINPROGRESS);
        uint64_t t0 = tu_now_ms;
        while (clients[0].n.ev.connected == 0 && clients[0].n.ev.error == 0 && tu_now_ms - t0 < 2000) {
            lockout_tick(true);
            int one, held = attacker_half_open(&one);
            most = held > most ? held : most;
            most_one_addr = one > most_one_addr ? one : most_one_addr;
            budget_full += server_stats().sessions_handshake >= LOCKOUT_SLOTS;
        }
        if (clients[0].n.ev.connected == 1) {
            uint64_t took = tu_now_ms - t0;
            ok += took <= 2000;
            slowest = took > slowest ? took : slowest;
        }
        client_close(0); /* close_notify: the server's slot is free again */
        lockout_tick(false);
    }
    sock_secure_stats_t st = server_stats();
    int percent = ok * 100 / LOCKOUT_TRIES;
    printf("  %s, %d attacking address%s (%u cookie exchanges completed): %d/%d handshakes "
           "(%d %%) within 2 s, slowest %llu ms; attackers held %d half-open at most (%d from "
           "one address); displaced %u, drop_per_addr %u, drop_half_open %u, expired_stall %u\n",
           backend->name, addrs, addrs > 1 ? "es" : "", attack.answered, ok, LOCKOUT_TRIES,
           percent, (unsigned long long)slowest, most, most_one_addr, st.displaced,
           st.drop_per_addr, st.drop_half_open, st.expired_stall);
    CHECK(percent >= min_percent);
    CHECK(attack.answered >= 400u * (unsigned)addrs); /* the attack ran all along */
    /* the application heard of every refusal */
    CHECK_EQ(refused_seen, st.drop_per_addr + st.drop_half_open + st.drop_table_full);
    printf("  refused_cb: %u refusals, %u of them the legitimate client\n", refused_seen,
           refused_legit);
    CHECK(most_one_addr <= CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR); /* the per-address cap */
    if (addrs * CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR > LOCKOUT_SLOTS) {
        CHECK(budget_full > 0);         /* they filled the half-open budget... */
        CHECK(st.displaced > 0);        /* ...and new peers displaced their handshakes */
    } else {
        CHECK(st.drop_per_addr > 0);    /* the cap held them back... */
        CHECK_EQ(most, CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR); /* ...at exactly the cap */
    }
    tu_net.filter = NULL;
    tu_node_close(&server);
}

static void one_host_with_many_ports_does_not_lock_out_new_peers(void)
{
    lockout_run(1, 95);
}

static void eight_hosts_with_many_ports_do_not_lock_out_new_peers(void)
{
    lockout_run(8, 80);
}

int main(void)
{
    backend = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    RUN(fifty_clients_with_own_identities_echo_twenty_records_each);
    RUN(forged_hello_flood_never_displaces_established_peers);
    RUN(half_open_sessions_are_capped_displaced_once_stalled_and_expire_at_the_deadline);
    RUN(a_stalled_handshake_is_dropped_at_the_stall_deadline);
    RUN(full_table_refuses_new_peers_by_default);
    RUN(full_table_evicts_the_least_recently_active_session);
    RUN(idle_sessions_are_closed_after_the_idle_timeout);
    RUN(restarted_peer_replaces_its_old_session_only_when_the_new_one_is_up);
    RUN(identities_not_preloaded_are_looked_up_and_unknown_ones_refused);
    RUN(one_host_with_many_ports_does_not_lock_out_new_peers);
    RUN(eight_hosts_with_many_ports_do_not_lock_out_new_peers);
    /* the deadlines, the idle timeout and the eviction order again with the clock past 2^32 ms
     * and 500 ms before its low 32 bits (the sessions' timestamps) wrap */
    tu_clock_start = 3 * (UINT64_C(1) << 32) - 500;
    RUN(half_open_sessions_are_capped_displaced_once_stalled_and_expire_at_the_deadline);
    RUN(a_stalled_handshake_is_dropped_at_the_stall_deadline);
    RUN(full_table_evicts_the_least_recently_active_session);
    RUN(idle_sessions_are_closed_after_the_idle_timeout);
    tu_clock_start = 1000;
    return tu_exit();
}
