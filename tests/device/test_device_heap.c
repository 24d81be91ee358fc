/* The device mbedTLS profile (config/mbedtls/device_config.h, docs/DEVICE.md): mbedTLS's heap
 * per session, from one static pool set up here as an application or a board port does
 * (mbedtls_memory_buffer_alloc_init), counted by MBEDTLS_MEMORY_DEBUG.
 *
 * Both sides run in this process over the in-memory net. Every call into one side (create,
 * connect, process, send, recv, close) is bracketed: the pool's current use before and after it
 * and its peak during it (max_reset before, max_get after) are charged to that side alone, so
 * each side's figures are its own even though they share the pool. A session's cost is its
 * side's use above what the side had before the session (the socket: configuration, cookie key,
 * PSK copy, parsed certificates and key).
 *
 * Pool bytes = bytes handed out + one block header (memory_buffer_alloc.c's memory_header, 8
 * words: 64 bytes here, 32 on a 32-bit MCU) per block, the peaks of both taken separately (an
 * upper bound). Measured on this host (64-bit pointers and size_t): a 32-bit device needs less.
 *
 * Checks the profile's budget per session (DTLS, CCM-8): PSK established <= 4 KB, PSK handshake
 * peak <= 8 KB, ECDHE-ECDSA handshake peak <= 16 KB, on both sides; nothing is left once a
 * session is closed; a pool of 32 KB holds a PSK server with two sessions, and when it is
 * exhausted a further handshake fails (-ENOMEM inside the stack) while the two go on.
 * It prints the figures (docs/BENCHMARKS.md, "Device mbedTLS profile"); `test_device_heap PKI_DIR`
 * runs it outside ctest.
 *
 * Skipped unless mbedTLS is built with MBEDTLS_MEMORY_BUFFER_ALLOC_C and MBEDTLS_MEMORY_DEBUG
 * (the profile on a host: scripts/device-profile.sh). */
#include <stdlib.h>

#include <mbedtls/memory_buffer_alloc.h>
#include <mbedtls/platform.h>
#include <mbedtls/ssl.h>

#include "secure_sock/mem.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/sock_secure.h"
#include "testutil.h"

#if !defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) || !defined(MBEDTLS_MEMORY_DEBUG)
int main(void)
{
    tu_skip("mbedTLS is not built with MBEDTLS_MEMORY_BUFFER_ALLOC_C and MBEDTLS_MEMORY_DEBUG "
            "(the device profile: scripts/device-profile.sh)");
    return 77;
}
#else

#define KB 1024L
#define HDR ((long)(8 * sizeof(size_t))) /* memory_header without MBEDTLS_MEMORY_BACKTRACE */
#define SLOTS 3

/* The budget per session (docs/DEVICE.md). */
#define BUDGET_PSK_ESTABLISHED (4 * KB)
#define BUDGET_PSK_PEAK (8 * KB)
#define BUDGET_ECDHE_PEAK (16 * KB)

static unsigned char pool[512 * 1024]; /* the application's pool (one per image) */

/* ---- accounting per side --------------------------------------------------------------------- */

/* Every mbedTLS allocation passes here (the test is linked with -Wl,--wrap=mbedtls_calloc
 * -Wl,--wrap=mbedtls_free): the number of live blocks, and the pool's peak since the last
 * as_begin(). MBEDTLS_MEMORY_DEBUG's counters give the bytes (its block count counts free
 * blocks too, so it is not used). */
void *__real_mbedtls_calloc(size_t n, size_t size);
void __real_mbedtls_free(void *p);
void *__wrap_mbedtls_calloc(size_t n, size_t size);
void __wrap_mbedtls_free(void *p);

typedef struct {
    long used, blocks;
} fig_t;

static long live_blocks;
static fig_t peak_now; /* highest since as_begin(), bytes and blocks taken separately */

static fig_t pool_now(void)
{
    size_t used, headers;
    mbedtls_memory_buffer_alloc_cur_get(&used, &headers);
    fig_t f = { (long)used, live_blocks };
    return f;
}

void *__wrap_mbedtls_calloc(size_t n, size_t size)
{
    void *p = __real_mbedtls_calloc(n, size);
    if (p != NULL) {
        live_blocks++;
        fig_t f = pool_now();
        peak_now.used = f.used > peak_now.used ? f.used : peak_now.used;
        peak_now.blocks = f.blocks > peak_now.blocks ? f.blocks : peak_now.blocks;
    }
    return p;
}

void __wrap_mbedtls_free(void *p)
{
    if (p != NULL) {
        live_blocks--;
    }
    __real_mbedtls_free(p);
}

typedef struct {
    fig_t now;  /* relative to the side's start */
    fig_t peak; /* highest since the last mark() */
} acct_t;

static fig_t before;

static void as_begin(void)
{
    before = pool_now();
    peak_now = before;
}

static void as_end(acct_t *a)
{
    fig_t after = pool_now();
    long pu = a->now.used + (peak_now.used - before.used);
    long pb = a->now.blocks + (peak_now.blocks - before.blocks);
    a->now.used += after.used - before.used;
    a->now.blocks += after.blocks - before.blocks;
    a->peak.used = pu > a->peak.used ? pu : a->peak.used;
    a->peak.blocks = pb > a->peak.blocks ? pb : a->peak.blocks;
}

/* Run EXPR as a call into the side whose account is A. */
#define AS(a, expr)                                                                            \
    do {                                                                                       \
        as_begin();                                                                            \
        expr;                                                                                  \
        as_end(a);                                                                             \
    } while (0)

static void mark(acct_t *a)
{
    a->peak = a->now;
}

/* What a figure takes of the pool: the bytes and one header per block. */
static long pool_bytes(fig_t f)
{
    return f.used + f.blocks * HDR;
}

static fig_t fig_now(const acct_t *a, const fig_t *base)
{
    fig_t f = { a->now.used - base->used, a->now.blocks - base->blocks };
    return f;
}

static fig_t fig_peak(const acct_t *a, const fig_t *base)
{
    fig_t f = { a->peak.used - base->used, a->peak.blocks - base->blocks };
    return f;
}

/* ---- the two sides ----------------------------------------------------------------------------- */

typedef struct {
    sock_secure_mem_t mem;
    sock_secure_t sock;
    sock_secure_session_t slots[SLOTS];
    sock_secure_creds_t creds;
    uint32_t tags[2];
    acct_t acct;
    bool up;
} node_t;

static sock_secure_memnet_t net;
static uint64_t now_ms;
static node_t server, client, client2, client3;
static const char *pki_dir;

static const uint8_t psk_key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const sock_secure_psk_t psk = { (const uint8_t *)"device-1", 8, psk_key, sizeof(psk_key) };
static const uint16_t psk_ccm8[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
static const uint16_t ecdhe_ccm8[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };

static const char *pki(const char *name)
{
    static char buf[2][600];
    static unsigned next;
    char *p = buf[next++ % 2];
    snprintf(p, sizeof(buf[0]), "%s/%s", pki_dir, name);
    return p;
}

/* Join the net and create the socket, charged to the node. @p certs: ECDHE-ECDSA (the server
 * gets server.crt/.key, the client ca.crt), else PSK. */
static int node_up(node_t *n, const char *addr, sock_secure_role_t role, bool certs)
{
    memset(&n->acct, 0, sizeof(n->acct));
    sock_secure_ep_t ep = tu_ep(addr);
    int rc = sock_secure_mem_open(&n->mem, &net, &ep);
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.role = role;
    cfg.backend = tu_backend_name;
    cfg.transport = &n->mem.base;
    cfg.sessions = n->slots;
    cfg.session_count = SLOTS;
    cfg.clock = tu_clock;
    cfg.clock_arg = &now_ms;
    if (certs) {
        CHECK_EQ(sock_secure_creds_init(&n->creds), 0);
        if (role == SOCK_SECURE_SERVER) {
            CHECK_EQ(sock_secure_creds_add_file(&n->creds, 1, SOCK_SECURE_CRED_CERT_CHAIN,
                                                pki("server.crt")), 0);
            CHECK_EQ(sock_secure_creds_add_file(&n->creds, 1, SOCK_SECURE_CRED_PRIVATE_KEY,
                                                pki("server.key")), 0);
        } else {
            CHECK_EQ(sock_secure_creds_add_file(&n->creds, 2, SOCK_SECURE_CRED_CA, pki("ca.crt")),
                     0);
            cfg.server_name = "server.test";
        }
        n->tags[0] = role == SOCK_SECURE_SERVER ? 1 : 2;
        cfg.creds = &n->creds;
        cfg.cred_tags = n->tags;
        cfg.cred_tag_count = 1;
        cfg.suites = ecdhe_ccm8;
        cfg.suite_count = 1;
    } else {
        cfg.psk = &psk;
        cfg.psk_count = 1;
        cfg.suites = psk_ccm8;
        cfg.suite_count = 1;
    }
    AS(&n->acct, rc = sock_secure_create(&n->sock, &cfg));
    if (rc < 0) {
        sock_secure_transport_close(&n->mem.base);
        return rc;
    }
    n->up = true;
    return 0;
}

static void node_down(node_t *n)
{
    if (n->up) {
        AS(&n->acct, sock_secure_close(&n->sock));
        sock_secure_transport_close(&n->mem.base);
        n->up = false;
    }
    sock_secure_creds_init(&n->creds);
}

/* Run every node until the net is quiet, each call charged to its node; the clock is moved on
 * when nothing else happens (retransmissions). */
static void pump(node_t *const *nodes, size_t count, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        int busy = 0;
        for (size_t k = 0; k < count; k++) {
            int rc;
            AS(&nodes[k]->acct, rc = sock_secure_process(&nodes[k]->sock));
            busy += rc > 0 || nodes[k]->mem.queued > 0;
        }
        if (busy == 0) {
            now_ms += 10;
        }
    }
}

static sock_secure_session_t *connect_node(node_t *c, node_t *const *nodes, size_t count)
{
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    int rc;
    AS(&c->acct, rc = sock_secure_connect(&c->sock, &srv, &cs, 0));
    CHECK_EQ(rc, -EINPROGRESS);
    sock_secure_session_info_t info;
    for (int i = 0; i < 200 && cs != NULL; i++) {
        pump(nodes, count, 1);
        if (sock_secure_session_info(cs, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE) {
            break;
        }
    }
    return cs;
}

static bool is_open(sock_secure_session_t *s)
{
    sock_secure_session_info_t info;
    return s != NULL && sock_secure_session_info(s, &info) == 0 &&
           info.state == SOCK_SECURE_ST_OPEN;
}

/* One record of @p len bytes from @p from's session to @p to, and back; charged to each. */
static void exchange(node_t *a, sock_secure_session_t *as, node_t *b, size_t len)
{
    static uint8_t out[MBEDTLS_SSL_OUT_CONTENT_LEN], in[MBEDTLS_SSL_IN_CONTENT_LEN];
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(i * 7 + len);
    }
    int rc;
    AS(&a->acct, rc = sock_secure_session_send(as, out, len));
    CHECK_EQ(rc, (int)len);
    node_t *const both[] = { a, b };
    pump(both, 2, 3);
    sock_secure_session_t *bs = NULL;
    AS(&b->acct, rc = sock_secure_recv_any(&b->sock, &bs, in, sizeof(in), 0));
    CHECK_EQ(rc, (int)len);
    CHECK(rc == (int)len && memcmp(in, out, len) == 0);
    if (bs == NULL) {
        return;
    }
    AS(&b->acct, rc = sock_secure_session_send(bs, in, len));
    CHECK_EQ(rc, (int)len);
    pump(both, 2, 3);
    AS(&a->acct, rc = sock_secure_session_recv(as, in, sizeof(in), 0));
    CHECK_EQ(rc, (int)len);
}

/* ---- figures ---------------------------------------------------------------------------------- */

static void print_fig(const char *what, fig_t f)
{
    printf("    %-40s %6ld B in %3ld blocks = %6ld B of pool\n", what, f.used, f.blocks,
           pool_bytes(f));
}

/* ---- scenarios -------------------------------------------------------------------------------- */

static void start(void)
{
    now_ms = 1000;
    sock_secure_memnet_init(&net);
}

/* One client and one server (DTLS, CCM-8): each side's socket, handshake peak and established
 * session; one record of the largest size the session carries each way; nothing left after the
 * close. */
static void one_session(bool certs, long budget_peak, long budget_established)
{
    const char *kind = certs ? "ECDHE-ECDSA-AES128-CCM8 (P-256; the client verifies the server)"
                             : "PSK-AES128-CCM8";
    start();
    REQUIRE(node_up(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, certs) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, certs) == 0);
    node_t *const both[] = { &server, &client };
    const fig_t zero = { 0, 0 };
    fig_t sock[2], peak[2], after_hs[2], est[2];
    for (int i = 0; i < 2; i++) {
        sock[i] = fig_now(&both[i]->acct, &zero);
        mark(&both[i]->acct);
    }

    sock_secure_session_t *cs = connect_node(&client, both, 2);
    REQUIRE(is_open(cs));
    for (int i = 0; i < 2; i++) {
        after_hs[i] = fig_now(&both[i]->acct, &sock[i]);
    }
    /* records of the largest size the session carries, each way */
    int max = sock_secure_max_payload(cs);
    CHECK(max > 0 && max <= MBEDTLS_SSL_OUT_CONTENT_LEN);
    size_t len = max > 0 ? (size_t)max : 1;
    exchange(&client, cs, &server, len);
    for (int i = 0; i < 2; i++) {
        peak[i] = fig_peak(&both[i]->acct, &sock[i]);
        est[i] = fig_now(&both[i]->acct, &sock[i]);
    }
    /* more records cost nothing more */
    exchange(&client, cs, &server, len);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(fig_now(&both[i]->acct, &sock[i]).used, est[i].used);
        CHECK_EQ(fig_now(&both[i]->acct, &sock[i]).blocks, est[i].blocks);
    }

    printf("  DTLS %s: %zu-byte records each way\n", kind, len);
    for (int i = 0; i < 2; i++) {
        printf("   %s\n", i == 0 ? "server" : "client");
        print_fig("socket (before any session)", sock[i]);
        print_fig("session, handshake peak", peak[i]);
        print_fig("session, just established", after_hs[i]);
        print_fig("session, established (records flowing)", est[i]);
        CHECK(pool_bytes(peak[i]) <= budget_peak);
        if (budget_established > 0) {
            CHECK(pool_bytes(est[i]) <= budget_established);
        }
    }

    /* closing the session gives everything back */
    int rc;
    AS(&client.acct, rc = sock_secure_session_close(cs));
    CHECK_EQ(rc, 0);
    pump(both, 2, 5);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(fig_now(&both[i]->acct, &sock[i]).used, 0);
        CHECK_EQ(fig_now(&both[i]->acct, &sock[i]).blocks, 0);
    }
    node_down(&client);
    node_down(&server);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(both[i]->acct.now.used, 0);
        CHECK_EQ(both[i]->acct.now.blocks, 0);
    }
}

static void psk_session_fits_the_budget(void)
{
    one_session(false, BUDGET_PSK_PEAK, BUDGET_PSK_ESTABLISHED);
}

static void ecdhe_session_fits_the_budget(void)
{
    if (pki_dir == NULL) {
        CHECK(!"no test PKI (SS_PKI_DIR): run through ctest");
        return;
    }
    one_session(true, BUDGET_ECDHE_PEAK, 0);
}

/*
 * A PSK server with two sessions (a 32 KB device): what the two established ones take, and the
 * peak while the second one handshakes beside the first. Then the pool runs out: a third
 * client's handshake fails (the server's stack cannot allocate the session) while the two
 * established sessions still carry records; once memory is back, the third client connects; at
 * the end the pool is whole again.
 */
static void two_sessions_and_an_exhausted_pool(void)
{
    start();
    REQUIRE(node_up(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, false) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, false) == 0);
    REQUIRE(node_up(&client2, "[fd00::3]:40000", SOCK_SECURE_CLIENT, false) == 0);
    REQUIRE(node_up(&client3, "[fd00::4]:40000", SOCK_SECURE_CLIENT, false) == 0);
    node_t *const all[] = { &server, &client, &client2, &client3 };
    const fig_t zero = { 0, 0 };
    fig_t sock = fig_now(&server.acct, &zero);

    sock_secure_session_t *c1 = connect_node(&client, all, 4);
    REQUIRE(is_open(c1));
    exchange(&client, c1, &server, 64);
    fig_t one = fig_now(&server.acct, &sock);
    mark(&server.acct);
    sock_secure_session_t *c2 = connect_node(&client2, all, 4);
    REQUIRE(is_open(c2));
    exchange(&client2, c2, &server, 64);
    fig_t two = fig_now(&server.acct, &sock), peak = fig_peak(&server.acct, &sock);
    printf("  DTLS PSK server, two sessions\n");
    print_fig("socket", sock);
    print_fig("one session established", one);
    print_fig("peak, second handshake beside it", peak);
    print_fig("two sessions established", two);
    CHECK(pool_bytes(two) <= 2 * BUDGET_PSK_ESTABLISHED);
    CHECK(pool_bytes(peak) <= BUDGET_PSK_ESTABLISHED + BUDGET_PSK_PEAK);

    /* client3 has its session; then the pool is taken but for 1 KB: less than the server needs
     * for the session's record buffers */
    sock_secure_session_t *c3 = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    int rc;
    AS(&client3.acct, rc = sock_secure_connect(&client3.sock, &srv, &c3, 0));
    CHECK_EQ(rc, -EINPROGRESS);
    fig_t f = pool_now();
    long spare = (long)sizeof(pool) - pool_bytes(f) - HDR;
    void *hog = __wrap_mbedtls_calloc(1, (size_t)(spare - 1024));
    CHECK(hog != NULL);
    sock_secure_stats_t st0, st1;
    CHECK_EQ(sock_secure_stats(&server.sock, &st0), 0);
    sock_secure_session_info_t info;
    for (int i = 0; i < 20000 && c3 != NULL; i++) {
        pump(all, 4, 1);
        if (sock_secure_session_info(c3, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE) {
            break;
        }
    }
    CHECK(!is_open(c3));
    CHECK_EQ(sock_secure_stats(&server.sock, &st1), 0);
    CHECK_EQ(st1.handshakes_ok, st0.handshakes_ok);
    CHECK_EQ(sock_secure_session_info(c3, &info), 0);
    printf("  pool exhausted: the third client's handshake ends with %s; the server's stack "
           "could not allocate it\n", sock_secure_strerror(info.last_error));
    /* the two established sessions still carry records both ways */
    exchange(&client, c1, &server, 64);
    exchange(&client2, c2, &server, 64);
    AS(&client3.acct, rc = sock_secure_session_close(c3));
    CHECK_EQ(rc, 0);
    __wrap_mbedtls_free(hog);
    CHECK_EQ(fig_now(&server.acct, &sock).used, two.used);
    CHECK_EQ(fig_now(&server.acct, &sock).blocks, two.blocks);

    /* memory is back: the third client connects */
    c3 = connect_node(&client3, all, 4);
    CHECK(is_open(c3));
    if (is_open(c3)) {
        exchange(&client3, c3, &server, 64);
        AS(&client3.acct, rc = sock_secure_session_close(c3));
    }
    AS(&client.acct, rc = sock_secure_session_close(c1));
    AS(&client2.acct, rc = sock_secure_session_close(c2));
    pump(all, 4, 5);
    node_down(&client3);
    node_down(&client2);
    node_down(&client);
    node_down(&server);
    f = pool_now();
    CHECK_EQ(f.used, 0);
    CHECK_EQ(f.blocks, 0);
}

int main(int argc, char **argv)
{
    pki_dir = getenv("SS_PKI_DIR");
    if (argc > 1) {
        pki_dir = argv[1];
    }
    /* the application's part (docs/DEVICE.md): the pool, before the first socket */
    mbedtls_memory_buffer_alloc_init(pool, sizeof(pool));
    tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    if (strcmp(tu_backend_name, "mbedtls") != 0) {
        tu_skip("the device profile is an mbedTLS build");
    }
    printf("# mbedTLS heap per DTLS session, device profile (records %d/%d B), pool headers %ld B"
           " each (this host)\n", MBEDTLS_SSL_IN_CONTENT_LEN, MBEDTLS_SSL_OUT_CONTENT_LEN, HDR);
    RUN(psk_session_fits_the_budget);
    RUN(ecdhe_session_fits_the_budget);
    RUN(two_sessions_and_an_exhausted_pool);
    mbedtls_memory_buffer_alloc_free();
    return tu_exit();
}
#endif
