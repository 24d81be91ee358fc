/* Every pair of (D)TLS stacks built in, client on one and server on the other, over the core API
 * and the in-memory net with a simulated clock: handshakes, exact bytes both ways, the failures
 * each side reports, and suites a stack lacks refused at create. Skipped with fewer than two
 * drivers. */
#include <stdlib.h>

#include "secure_sock/sock_mem.h"
#include "secure_sock/sock_secure.h"
#include "testutil.h"

#define SLOTS 2

static const uint8_t key_a[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const uint8_t key_b[16] = { 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
                                   0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 };

static const sock_secure_psk_t psk_a = { (const uint8_t *)"dev-a", 5, key_a, sizeof(key_a) };
static const sock_secure_psk_t psk_a_wrong = { (const uint8_t *)"dev-a", 5, key_b, sizeof(key_b) };
static const sock_secure_psk_t psk_unknown = { (const uint8_t *)"nobody", 6, key_a, sizeof(key_a) };

/* The PSK suites secure_sock routes, in the core's default order. */
static const uint16_t psk_suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8, SOCK_SECURE_PSK_AES_128_CCM,
                                       SOCK_SECURE_PSK_AES_128_GCM_SHA256,
                                       SOCK_SECURE_PSK_CHACHA20_POLY1305 };
#define N_PSK_SUITES (sizeof(psk_suites) / sizeof(psk_suites[0]))

typedef struct {
    int connected, data, closed, error, last_err;
} events_t;

typedef struct {
    sock_mem_t mem;
    sock_secure_t sock;
    sock_secure_session_t slots[SLOTS];
    events_t ev;
    uint16_t suite; /* the one suite configured, 0 = the core's defaults */
} node_t;

static sock_memnet_t net;
static uint64_t now_ms;
static node_t server, client;

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    (void)sock;
    (void)s;
    events_t *e = arg;
    switch (ev) {
    case SOCK_SECURE_EV_CONNECTED: e->connected++; break;
    case SOCK_SECURE_EV_DATA: e->data++; break;
    case SOCK_SECURE_EV_CLOSED: e->closed++; break;
    case SOCK_SECURE_EV_ERROR: e->error++; e->last_err = err; break;
    default: break;
    }
}

/* Open @p n on the net at @p addr with backend @p drv, one suite (0: defaults). */
static int open_node(node_t *n, const char *addr, sock_secure_role_t role,
                     const tlsman_driver_t *drv, const sock_secure_psk_t *psk, uint16_t suite)
{
    memset(&n->ev, 0, sizeof(n->ev));
    sock_ep_t ep = tu_ep(addr);
    int rc = sock_mem_open(&n->mem, &net, &ep);
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.role = role;
    cfg.backend = drv->name;
    cfg.transport = &n->mem.base;
    cfg.sessions = n->slots;
    cfg.session_count = SLOTS;
    cfg.psk = psk;
    cfg.psk_count = 1;
    n->suite = suite;
    if (suite != 0) {
        cfg.suites = &n->suite;
        cfg.suite_count = 1;
    }
    cfg.clock = tu_clock;
    cfg.clock_arg = &now_ms;
    cfg.event_cb = on_event;
    cfg.event_arg = &n->ev;
    rc = sock_secure_create(&n->sock, &cfg);
    if (rc < 0) {
        sock_close(&n->mem.base);
    }
    return rc;
}

/* Server on @p sd, client on @p cd. Returns false (after failed checks) if either failed. */
static bool setup(const tlsman_driver_t *cd, uint16_t csuite, const sock_secure_psk_t *cpsk,
                  const tlsman_driver_t *sd, uint16_t ssuite)
{
    now_ms = 1000;
    sock_memnet_init(&net);
    int rc = open_node(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, sd, &psk_a, ssuite);
    CHECK_EQ(rc, 0);
    if (rc < 0) {
        return false;
    }
    rc = open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, cd, cpsk, csuite);
    CHECK_EQ(rc, 0);
    if (rc < 0) {
        sock_secure_close(&server.sock);
        sock_close(&server.mem.base);
        return false;
    }
    return true;
}

static void teardown(void)
{
    sock_secure_close(&client.sock);
    sock_secure_close(&server.sock);
    sock_close(&client.mem.base);
    sock_close(&server.mem.base);
}

/* Run both sides until neither has anything left to do; then let simulated time pass to the next
 * timer, up to @p ticks times, while the client's handshake is unfinished. */
static void pump(unsigned ticks)
{
    for (unsigned t = 0;; t++) {
        for (int i = 0; i < 100; i++) {
            int a = sock_secure_process(&server.sock);
            int b = sock_secure_process(&client.sock);
            if (server.mem.queued == 0 && client.mem.queued == 0 && a <= 0 && b <= 0) {
                break;
            }
        }
        if (t == ticks || client.ev.connected + client.ev.error > 0) {
            return;
        }
        uint32_t a = sock_secure_next_timeout(&client.sock);
        uint32_t b = sock_secure_next_timeout(&server.sock);
        uint32_t w = a < b ? a : b;
        if (w == SOCK_SECURE_NO_TIMEOUT) {
            return;
        }
        now_ms += w;
    }
}

static sock_secure_session_t *connect_client(void)
{
    sock_secure_session_t *cs = NULL;
    sock_ep_t srv = tu_ep("[fd00::1]:5684");
    CHECK_EQ(sock_secure_connect(&client.sock, &srv, &cs, 0), -EINPROGRESS);
    pump(0);
    return cs;
}

/* The first routed suite both stacks have over datagrams, 0 if none. */
static uint16_t common_suite(const tlsman_driver_t *a, const tlsman_driver_t *b)
{
    for (size_t i = 0; i < N_PSK_SUITES; i++) {
        if (a->suite_supported(psk_suites[i], true) && b->suite_supported(psk_suites[i], true)) {
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
    CHECK(suite != 0);
    if (suite == 0 || !setup(cd, suite, &psk_a, sd, suite)) {
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
    CHECK_EQ(sock_secure_send(cs, up, sizeof(up)), (int)sizeof(up));
    pump(0);
    CHECK_EQ(sock_secure_recv(&server.sock, &from, in, sizeof(in), 0), (int)sizeof(up));
    CHECK(from == ss);
    CHECK_MEM(in, up, sizeof(up));
    static const char down[] = "server to client \xfe\x7f";
    CHECK_EQ(sock_secure_send(ss, down, sizeof(down)), (int)sizeof(down));
    pump(0);
    sock_secure_session_t *want = cs;
    memset(in, 0, sizeof(in));
    CHECK_EQ(sock_secure_recv(&client.sock, &want, in, sizeof(in), 0), (int)sizeof(down));
    CHECK_MEM(in, down, sizeof(down));

    /* the largest record each side can send reaches the other (a 1500-byte datagram from mbedTLS
     * must get through to wolfSSL, whose own records stop at its 1400-byte MTU) */
    int cmax = sock_secure_max_payload(cs);
    int smax = sock_secure_max_payload(ss);
    CHECK(cmax > 0 && cmax < CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    CHECK(smax > 0 && smax < CONFIG_SOCK_SECURE_MAX_DATAGRAM);
    printf("  %s -> %s: max record %d / %d bytes\n", cd->name, sd->name, cmax, smax);
    fill(out, (size_t)cmax, 1);
    CHECK_EQ(sock_secure_send(cs, out, (size_t)cmax), cmax);
    pump(0);
    from = NULL;
    memset(in, 0, sizeof(in));
    CHECK_EQ(sock_secure_recv(&server.sock, &from, in, sizeof(in), 0), cmax);
    CHECK_MEM(in, out, (size_t)cmax);
    fill(out, (size_t)smax, 2);
    CHECK_EQ(sock_secure_send(ss, out, (size_t)smax), smax);
    pump(0);
    memset(in, 0, sizeof(in));
    CHECK_EQ(sock_secure_recv(&client.sock, &want, in, sizeof(in), 0), smax);
    CHECK_MEM(in, out, (size_t)smax);

    /* close_notify crosses too */
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump(0);
    CHECK_EQ(server.ev.closed, 1);
    from = NULL;
    CHECK_EQ(sock_secure_recv(&server.sock, &from, in, sizeof(in), 0), SOCK_SECURE_E_PEER_CLOSED);
    teardown();
}

/* Both stacks end a handshake under a wrong PSK with bad_record_mac from the server, which
 * cannot decrypt the client's Finished. */
static void wrong_psk_fails_on_both_sides(const tlsman_driver_t *cd, const tlsman_driver_t *sd)
{
    uint16_t suite = common_suite(cd, sd);
    if (suite == 0 || !setup(cd, suite, &psk_a_wrong, sd, suite)) {
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
    if (suite == 0 || !setup(cd, suite, &psk_unknown, sd, suite)) {
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
        if (cd->suite_supported(psk_suites[i], true)) {
            cs_suite = psk_suites[i];
        }
    }
    for (size_t i = 0; i < N_PSK_SUITES && ss_suite == 0; i++) {
        if (sd->suite_supported(psk_suites[i], true) && psk_suites[i] != cs_suite) {
            ss_suite = psk_suites[i];
        }
    }
    if (cs_suite == 0 || ss_suite == 0) {
        printf("  %s -> %s: no two distinct suites, case not run\n", cd->name, sd->name);
        return;
    }
    if (!setup(cd, cs_suite, &psk_a, sd, ss_suite)) {
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
    if (common_suite(cd, sd) == 0 || !setup(cd, 0, &psk_a, sd, 0)) {
        return;
    }
    sock_secure_session_t *cs = connect_client();
    REQUIRE(cs != NULL);
    CHECK_EQ(client.ev.connected, 1);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK(cd->suite_supported(info.suite, true) && sd->suite_supported(info.suite, true));
    teardown();
}

/* The server's ChangeCipherSpec + Finished are lost: the client's timer resends its last flight
 * and the server, already established, answers it with its own again. */
static void lost_last_server_flight_is_recovered(const tlsman_driver_t *cd,
                                                 const tlsman_driver_t *sd)
{
    uint16_t suite = common_suite(cd, sd);
    if (suite == 0 || !setup(cd, suite, &psk_a, sd, suite)) {
        return;
    }
    sock_secure_session_t *cs = NULL;
    sock_ep_t srv = tu_ep("[fd00::1]:5684");
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
    sock_ep_t from;
    while (client.mem.queued > 0) {
        CHECK(sock_recv(&client.mem.base, junk, sizeof(junk), &from) > 0);
    }
    pump(3);
    CHECK_EQ(client.ev.connected, 1);
    CHECK_EQ(client.ev.error, 0);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK(info.retransmits >= 1);
    CHECK_EQ(sock_secure_send(cs, "after loss", 10), 10);
    pump(0);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_recv(&server.sock, &ss, junk, sizeof(junk), 0), 10);
    CHECK_MEM(junk, "after loss", 10);
    teardown();
}

typedef void (*pair_case_t)(const tlsman_driver_t *cd, const tlsman_driver_t *sd);

/* Run @p fn for every (client, server) pair of registered drivers. */
static void for_each_pair(const char *what, pair_case_t fn)
{
    for (size_t c = 0; sock_secure_backend_at(c) != NULL; c++) {
        for (size_t s = 0; sock_secure_backend_at(s) != NULL; s++) {
            const tlsman_driver_t *cd = sock_secure_backend_at(c);
            const tlsman_driver_t *sd = sock_secure_backend_at(s);
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
    for (size_t i = 0; sock_secure_backend_at(i) != NULL; i++) {
        const tlsman_driver_t *d = sock_secure_backend_at(i);
        if (d->suite_supported(SOCK_SECURE_PSK_AES_128_CCM_8, true)) {
            continue;
        }
        ran = true;
        now_ms = 1000;
        sock_memnet_init(&net);
        uint32_t sent = net.sent;
        CHECK_EQ(open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, d, &psk_a,
                           SOCK_SECURE_PSK_AES_128_CCM_8), -ENOTSUP);
        CHECK_EQ(open_node(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, d, &psk_a,
                           SOCK_SECURE_PSK_AES_128_CCM_8), -ENOTSUP);
        CHECK_EQ(net.sent, sent);
        /* the defaults still work: the core keeps the suites the stack has */
        CHECK_EQ(open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, d, &psk_a, 0), 0);
        sock_secure_close(&client.sock);
        sock_close(&client.mem.base);
        printf("  %s: TLS_PSK_WITH_AES_128_CCM_8 refused with -ENOTSUP\n", d->name);
    }
    if (!ran) {
        printf("  every driver has TLS_PSK_WITH_AES_128_CCM_8\n");
    }
    const tlsman_driver_t *w = sock_secure_backend("wolfssl");
    if (w != NULL && !w->suite_supported(SOCK_SECURE_PSK_AES_128_CCM_8, true)) {
        CHECK(ran);
    }
}

int main(void)
{
    if (sock_secure_init() < 0) {
        tu_skip("sock_secure_init failed");
    }
    size_t n = 0;
    while (sock_secure_backend_at(n) != NULL) {
        n++;
    }
    if (n < 2) {
        tu_skip("fewer than two drivers built");
    }
    for (size_t i = 0; i < n; i++) {
        printf("driver %s %s\n", sock_secure_backend_at(i)->name,
               sock_secure_backend_at(i)->version);
    }
    for_each_pair("handshake_and_records_both_ways", handshake_and_records_both_ways);
    for_each_pair("wrong_psk_fails_on_both_sides", wrong_psk_fails_on_both_sides);
    for_each_pair("unknown_identity_fails_with_its_alert", unknown_identity_fails_with_its_alert);
    for_each_pair("no_common_suite_fails_with_handshake_failure",
                  no_common_suite_fails_with_handshake_failure);
    for_each_pair("default_suites_meet", default_suites_meet);
    for_each_pair("lost_last_server_flight_is_recovered", lost_last_server_flight_is_recovered);
    RUN(explicit_suite_a_stack_lacks_is_refused_at_create);
    return tu_exit();
}
