/* Invariant 4 of the architecture: no per-peer state before a valid cookie, whatever the
 * backend. With a backend that has no stateless cookie functions (wolfSSL: its cookie covers the
 * whole hello), a truncated or fragmented hello, or a complete one the stack parks without
 * answering (message_seq 1 with a made-up cookie), once held a half-open slot until the handshake
 * deadline, and under SOCK_SECURE_FULL_EVICT_LRU a spoofed hello evicted an established peer.
 * Found by tests/fuzz/fuzz_server_input (SS_FUZZ_BACKEND=wolfssl); the inputs are in
 * tests/fuzz/regressions/fuzz_server_input/. */
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const sock_secure_psk_t psk = { (const uint8_t *)"id", 2, key, sizeof(key) };

/* The datagram the fuzzer found: a ClientHello record header and handshake header whose lengths
 * promise more than the 29 bytes that came. */
static const uint8_t truncated_hello[29] = {
    0x16, 0xfe, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5e, 0x01, 0x00,
    0x00, 0x52, 0x00, 0x00, 0x52, 0xfe, 0xfd, 0x1d, 0xbe, 0xc5, 0xf3, 0x17, 0x00, 0x00,
};

/* The fuzzer's second find: a complete hello (record sequence 0x030000000001, message_seq 1) with
 * a made-up 32-byte cookie. wolfSSL keeps it as a future message and answers nothing. */
static const uint8_t seq1_hello[139] = {
    0x16, 0xfe, 0xfd, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x7e, 0x01, 0x00,
    0x00, 0x72, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x72, 0xfe, 0xfd, 0x6b, 0x07, 0xb3,
    0xdf, 0x1d, 0xbe, 0x5e, 0x07, 0xa6, 0x58, 0x29, 0x75, 0x6f, 0xf5, 0x39, 0x63, 0xf0, 0x94,
    0xa8, 0x27, 0x1d, 0xb1, 0xdd, 0xc5, 0xf3, 0xb7, 0x6f, 0x25, 0xb4, 0x25, 0x73, 0xe9, 0x00,
    0x20, 0x6b, 0x07, 0xb3, 0xdf, 0x43, 0x7d, 0x5e, 0x67, 0x9c, 0x62, 0x14, 0x9d, 0x07, 0x89,
    0x24, 0x43, 0xb4, 0x2b, 0x0f, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xa8, 0xc0, 0xa4, 0x00, 0xa8, 0xcc, 0xab, 0x00, 0xff,
    0x01, 0x00, 0x00, 0x1e, 0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x06, 0x03, 0x06, 0x01, 0x05,
    0x03, 0x05, 0x01, 0x04, 0x03, 0x04, 0x01, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x5e,
};

static sock_secure_stats_t flood(const char *backend, const uint8_t *hello, size_t len,
                                 bool fragment)
{
    static tu_node_t srv;
    sock_secure_stats_t st;
    memset(&st, 0, sizeof(st));
    tu_net_start();
    CHECK_EQ(tu_node_join(&srv, TU_SERVER_ADDR), 0);
    sock_secure_config_t cfg;
    tu_node_config(&srv, &cfg, SOCK_SECURE_SERVER, backend, 8);
    cfg.max_half_open = 4;
    tu_node_psk(&cfg, &psk);
    if (tu_node_create(&srv, &cfg) != 0) {
        CHECK(0);
        return st;
    }
    uint8_t d[512];
    memcpy(d, hello, len);
    if (fragment && len > 25) {
        d[24] = (uint8_t)(d[24] - 1); /* fragment_length one short of length: a first fragment */
    }
    for (int i = 0; i < 16; i++) {
        sock_secure_ep_t spoofed = tu_ep("[fd00::66]:1000");
        spoofed.port = (uint16_t)(1000 + i);
        CHECK_EQ(sock_secure_mem_inject(&srv.mem, &spoofed, d, len), (int)len);
        sock_secure_process(&srv.sock);
    }
    sock_secure_stats(&srv.sock, &st);
    tu_node_close(&srv);
    return st;
}

/* A real ClientHello of @p backend's client, taken off the wire. */
static size_t real_hello(const char *backend, uint8_t *buf, size_t max)
{
    static tu_node_t c;
    sock_secure_mem_t sm;
    sock_secure_session_t *s = NULL;
    sock_secure_ep_t sep = tu_ep(TU_SERVER_ADDR);
    tu_net_start();
    sock_secure_mem_open(&sm, &tu_net, &sep);
    int n = -1;
    if (tu_node_open(&c, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, backend, 1, &psk) == 0) {
        sock_secure_connect(&c.sock, &sep, &s, 0);
        n = sock_secure_transport_recv(&sm.base, buf, max, NULL);
    }
    tu_node_close(&c);
    sock_secure_transport_close(&sm.base);
    return n > 0 ? (size_t)n : 0;
}

static void spoofed_malformed_hellos_never_hold_a_slot(void)
{
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++) {
        const char *name = sock_secure_backend_name(b);
        sock_secure_stats_t st = flood(name, truncated_hello, sizeof(truncated_hello), false);
        printf("  %s: fuzzer's truncated hello: %u half-open, %u dropped for the cap\n", name,
               st.sessions_handshake, st.drop_half_open);
        CHECK_EQ(st.sessions_handshake, 0);
        CHECK_EQ(st.drop_half_open, 0);

        uint8_t hello[512];
        size_t len = real_hello(name, hello, sizeof(hello));
        REQUIRE(len > 60);
        int held = 0;
        for (size_t cut = 25; cut < len; cut++) { /* every truncation of a real hello */
            held += flood(name, hello, cut, false).sessions_handshake > 0;
        }
        held += flood(name, hello, len, true).sessions_handshake > 0; /* a first fragment */
        st = flood(name, seq1_hello, sizeof(seq1_hello), false);
        printf("  %s: fuzzer's hello with message_seq 1 and a made-up cookie: %u half-open\n",
               name, st.sessions_handshake);
        held += st.sessions_handshake > 0;
        printf("  %s: %d of %zu malformed hellos left half-open sessions\n", name, held,
               len - 25 + 2);
        CHECK_EQ(held, 0);
        /* the intact hello is answered statelessly */
        CHECK_EQ(flood(name, hello, len, false).sessions_handshake, 0);
    }
}

/* Second issue, same place: with SOCK_SECURE_FULL_EVICT_LRU and a driver without stateless
 * cookies, ss_new_peer() evicts the least recent established session to get a slot for the stack
 * to answer a cookie-less hello in - before any cookie is checked. Spoofed hellos thus displace
 * established peers (ARCHITECTURE.md invariant 4), one each time the table is full again.
 * Possible fixes: refuse EVICT_LRU at sock_secure_create() for drivers without
 * cookie_write/cookie_check (-ENOTSUP), or never evict for a hello in the fallback path (a full
 * table then refuses), or give the socket one scratch slot of its own for answering hellos. */
static void spoofed_hellos_never_evict_established_peers(void)
{
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++) {
        const char *name = sock_secure_backend_name(b);
        static tu_node_t srv, cli[4];
        tu_net_start();
        sock_secure_ep_t sep = tu_ep(TU_SERVER_ADDR);
        CHECK_EQ(tu_node_join(&srv, TU_SERVER_ADDR), 0);
        sock_secure_config_t cfg;
        tu_node_config(&srv, &cfg, SOCK_SECURE_SERVER, name, 4);
        cfg.when_full = SOCK_SECURE_FULL_EVICT_LRU;
        tu_node_psk(&cfg, &psk);
        REQUIRE(tu_node_create(&srv, &cfg) == 0);
        for (int i = 0; i < 4; i++) { /* fill the table with established peers */
            char addr[32];
            snprintf(addr, sizeof(addr), "[fd00::10]:%d", 40000 + i);
            CHECK_EQ(tu_node_open(&cli[i], addr, SOCK_SECURE_CLIENT, name, 1, &psk), 0);
            sock_secure_session_t *s = NULL;
            CHECK_EQ(sock_secure_connect(&cli[i].sock, &sep, &s, 0), -EINPROGRESS);
            for (int k = 0; k < 20; k++) {
                sock_secure_process(&srv.sock);
                sock_secure_process(&cli[i].sock);
            }
        }
        uint8_t hello[512];
        size_t len = real_hello(name, hello, sizeof(hello));
        REQUIRE(len > 60);
        for (int k = 0; k < 50; k++) {
            sock_secure_ep_t spoofed = tu_ep("[fd00::66]:1000");
            spoofed.port = (uint16_t)(1000 + k);
            CHECK_EQ(sock_secure_mem_inject(&srv.mem, &spoofed, hello, len), (int)len);
            sock_secure_process(&srv.sock);
            for (int i = 0; i < 4; i++) { /* evicted peers come back (and fill the table) */
                sock_secure_process(&cli[i].sock);
                sock_secure_session_info_t info;
                if (sock_secure_session_info(&cli[i].slots[0], &info) == 0 &&
                    info.state == SOCK_SECURE_ST_CLOSED) {
                    sock_secure_session_close(&cli[i].slots[0]);
                    sock_secure_session_t *s = NULL;
                    sock_secure_connect(&cli[i].sock, &sep, &s, 0);
                    for (int r = 0; r < 20; r++) {
                        sock_secure_process(&srv.sock);
                        sock_secure_process(&cli[i].sock);
                    }
                }
            }
        }
        sock_secure_stats_t st;
        sock_secure_stats(&srv.sock, &st);
        printf("  %s: 50 spoofed hellos under EVICT_LRU: %u evictions\n", name, st.evictions);
        CHECK_EQ(st.evictions, 0);
        for (int i = 0; i < 4; i++) {
            tu_node_close(&cli[i]);
        }
        tu_node_close(&srv);
    }
}

int main(void)
{
    tu_any_backend();
    RUN(spoofed_malformed_hellos_never_hold_a_slot);
    RUN(spoofed_hellos_never_evict_established_peers);
    return tu_exit();
}
