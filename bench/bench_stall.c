/*
 * bench_stall [LOSS_PERMILLE [RUNS [STALL_MS ...]]]
 *
 * What the server's stall deadline (sock_secure_config_t.handshake_stall_ms) costs legitimate
 * clients on a lossy link: RUNS DTLS 1.2 PSK handshakes per backend and per stall deadline, over
 * the in-memory net with every datagram in each direction dropped with probability
 * LOSS_PERMILLE / 1000 (sock_mem fault injection, seeded with the run number: run i sees the same
 * drop decisions for every deadline), on a simulated clock, with the default RFC 6347 timers and
 * the default 30 s overall deadline. The client does not try again: a handshake the server drops
 * is a failure (the client would retransmit until its own budget, about two minutes, ran out).
 *
 * Defaults: 250 permille, 2000 runs, deadlines 0 (none) 3000 4000 6000 8000 12000 ms.
 * Output: one line per backend and deadline:
 *   stall backend=.. loss=.. stall_ms=.. runs=.. ok=.. failed=.. stalled=.. p50_ms=.. p90_ms=..
 *         p99_ms=.. max_ms=..
 * (stalled: runs in which the server dropped the handshake at the stall deadline; p*: handshake
 * times of the runs that completed.) Not a test: ctest and CI never run it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secure_sock/mem.h>
#include <secure_sock/sock_secure.h>

#include "bench_util.h"

#define MAX_RUNS 100000
#define CAP_MS 130000u /* longer than the client's whole retransmission budget */

static const sock_secure_psk_t psk = { bench_psk_id, BENCH_PSK_ID_LEN, bench_psk_key,
                                       sizeof bench_psk_key };

typedef struct {
    sock_secure_mem_t mem;
    sock_secure_mem_faults_t faults;
    sock_secure_t sock;
    sock_secure_session_t slots[2];
    int connected, failed;
} node_t;

static sock_secure_memnet_t net;
static uint64_t now_ms;
static node_t server, client;
static uint64_t times[MAX_RUNS];

static uint64_t sim_clock(void *arg)
{
    (void)arg;
    return now_ms;
}

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    node_t *n = arg;
    (void)sock;
    (void)s;
    (void)err;
    n->connected += ev == SOCK_SECURE_EV_CONNECTED;
    n->failed += ev == SOCK_SECURE_EV_ERROR || ev == SOCK_SECURE_EV_EXPIRED;
}

static int open_node(node_t *n, const char *addr, sock_secure_role_t role, const char *backend,
                     uint16_t loss, uint64_t seed, uint32_t stall_ms)
{
    sock_secure_ep_t ep;
    sock_secure_config_t cfg;

    memset(n, 0, sizeof(*n));
    if (sock_secure_ep_parse(&ep, addr, 0) < 0 || sock_secure_mem_open(&n->mem, &net, &ep) < 0 ||
        sock_secure_mem_faults_init(&n->faults, seed) < 0) {
        return -1;
    }
    n->faults.cfg.drop = loss;
    if (sock_secure_mem_set_faults(&n->mem, &n->faults) < 0) {
        return -1;
    }
    sock_secure_config_init(&cfg);
    cfg.role = role;
    cfg.backend = backend;
    cfg.transport = &n->mem.base;
    cfg.sessions = n->slots;
    cfg.session_count = 2;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    cfg.clock = sim_clock;
    cfg.event_cb = on_event;
    cfg.event_arg = n;
    cfg.handshake_stall_ms = stall_ms;
    return sock_secure_create(&n->sock, &cfg);
}

static void close_node(node_t *n)
{
    sock_secure_close(&n->sock);
    sock_secure_transport_close(&n->mem.base);
}

/* One handshake; returns its time in ms, or UINT64_MAX if it failed. *stalled: the server
 * dropped it at the stall deadline. */
static uint64_t one_run(const char *backend, uint16_t loss, uint64_t seed, uint32_t stall_ms,
                        int *stalled)
{
    sock_secure_session_t *cs = NULL;
    sock_secure_stats_t st;
    sock_secure_ep_t srv;
    uint64_t t0, result = UINT64_MAX;

    now_ms = 1000;
    sock_secure_memnet_init(&net);
    if (open_node(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, backend, loss, seed * 2 + 1,
                  stall_ms) != 0 ||
        open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, backend, loss, seed * 2 + 2,
                  stall_ms) != 0) {
        fprintf(stderr, "bench_stall: cannot set up backend %s\n", backend);
        exit(1);
    }
    (void)sock_secure_ep_parse(&srv, "[fd00::1]:5684", 0);
    t0 = now_ms;
    (void)sock_secure_connect(&client.sock, &srv, &cs, 0);
    while (client.connected == 0 && client.failed == 0 && now_ms - t0 < CAP_MS) {
        for (int i = 0; i < 100; i++) {
            sock_secure_memnet_tick(&net, now_ms);
            int a = sock_secure_process(&server.sock);
            int b = sock_secure_process(&client.sock);
            if (server.mem.queued == 0 && client.mem.queued == 0 && a <= 0 && b <= 0) {
                break;
            }
        }
        if (client.connected) {
            break;
        }
        uint32_t ta = sock_secure_next_timeout(&server.sock);
        uint32_t tb = sock_secure_next_timeout(&client.sock);
        uint32_t t = ta < tb ? ta : tb;
        now_ms += t == SOCK_SECURE_NO_TIMEOUT ? 1000 : (t > 0 ? t : 1);
    }
    if (client.connected) {
        result = now_ms - t0;
    }
    sock_secure_stats(&server.sock, &st);
    *stalled = st.expired_stall > 0;
    close_node(&client);
    close_node(&server);
    return result;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const uint32_t default_stalls[] = { 0, 3000, 4000, 6000, 8000, 12000 };
    uint32_t stalls[16];
    size_t nstalls = 0;
    uint16_t loss = (uint16_t)(argc > 1 ? strtoul(argv[1], NULL, 10) : 250);
    unsigned long runs = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;

    if (runs == 0 || runs > MAX_RUNS || loss > 1000) {
        fprintf(stderr, "usage: bench_stall [LOSS_PERMILLE [RUNS (1..%d) [STALL_MS ...]]]\n",
                MAX_RUNS);
        return 2;
    }
    for (int i = 3; i < argc && nstalls < 16; i++) {
        stalls[nstalls++] = (uint32_t)strtoul(argv[i], NULL, 10);
    }
    if (nstalls == 0) {
        nstalls = sizeof default_stalls / sizeof default_stalls[0];
        memcpy(stalls, default_stalls, sizeof default_stalls);
    }
    if (sock_secure_init() < 0) {
        return 1;
    }
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++) {
        const char *name = sock_secure_backend_name(b);
        for (size_t k = 0; k < nstalls; k++) {
            unsigned long ok = 0, stalled_runs = 0;
            for (unsigned long r = 0; r < runs; r++) {
                int stalled = 0;
                uint64_t t = one_run(name, loss, r, stalls[k], &stalled);
                stalled_runs += stalled != 0;
                if (t != UINT64_MAX) {
                    times[ok++] = t;
                }
            }
            qsort(times, ok, sizeof times[0], cmp_u64);
            printf("stall backend=%s loss=%u stall_ms=%lu runs=%lu ok=%lu failed=%lu "
                   "stalled=%lu p50_ms=%llu p90_ms=%llu p99_ms=%llu max_ms=%llu\n",
                   name, loss, (unsigned long)stalls[k], runs, ok, runs - ok, stalled_runs,
                   (unsigned long long)(ok ? times[ok / 2] : 0),
                   (unsigned long long)(ok ? times[ok * 9 / 10] : 0),
                   (unsigned long long)(ok ? times[ok * 99 / 100] : 0),
                   (unsigned long long)(ok ? times[ok - 1] : 0));
            fflush(stdout);
        }
    }
    return 0;
}
