/* DTLS over a lossy link: for every registered backend and several seeds, a handshake and a
 * 200-record stop-and-wait echo through the in-memory net's fault injection (loss, duplication,
 * reordering, delay, corruption, truncation, both directions), on a simulated clock.
 *
 * Asserted for every run:
 * - the handshake completes, within the RFC 6347 retransmission budget of one flight (cfg.hs_*
 *   defaults: 1+2+4+8+16+32+60 s) and before the server's handshake deadline;
 * - every record is delivered at most once: each transmission carries a unique id, so a duplicate
 *   the link injected that reached the application would show up as an id seen twice (the
 *   application's own retries carry new ids);
 * - no corrupted or truncated record is ever delivered: every delivered byte is checked against
 *   what the sender built from the record's header;
 * - all 200 records make the round trip, and both sessions stay open.
 * Where the link corrupts, a corrupted plaintext handshake message may legitimately end a
 * handshake with an alert; the client then connects again (at most 3 times, within the budget).
 * Corrupted records must show up in drop_bad_record (asserted per backend).
 *
 * LOSSY_TRACE=backend:scenario:seed prints every datagram of that run with the fault counters.
 */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define RECORDS 200
#define APP_RTO_MS 400u      /* the application resends an unanswered record after this */
#define MAX_ATTEMPTS 60      /* per record, before the run is declared failed */
#define MAX_TX 8192u         /* transmission ids tracked per direction */
#define HDR 14u              /* seq(4) tx(4) echo-of(4) len(2) */

static const uint8_t key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const sock_secure_psk_t psk = { (const uint8_t *)"lossy", 5, key, sizeof(key) };

typedef struct {
    tu_node_t n;                   /* first: the node is the event_arg */
    sock_secure_mem_faults_t faults;
    uint32_t next_tx;              /* next transmission id */
    uint8_t seen[MAX_TX];          /* deliveries per transmission id of the peer */
    int bad;                       /* corrupted or unknown records delivered */
    int replays;                   /* records delivered twice */
} node_t;

static node_t server, client;
static sock_secure_session_t *client_s;

/* The echo the client waits for. */
static uint32_t want_seq;
static bool echoed;

/* ---- records --------------------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t body_byte(uint32_t tx, bool from_server, size_t i)
{
    return (uint8_t)(tx * 131u + i * 7u + (from_server ? 0x5au : 0xa5u) + (i >> 8));
}

/* Build the record for transmission @p tx of sequence @p seq; returns its length. Lengths vary
 * from the bare header to about 1 KB. */
static size_t build(uint8_t *buf, uint32_t seq, uint32_t tx, uint32_t echo_of, bool from_server)
{
    size_t len = HDR + (seq * 53u + (from_server ? 17u : 0u)) % 1000u;
    put32(buf, seq);
    put32(buf + 4, tx);
    put32(buf + 8, echo_of);
    buf[12] = (uint8_t)(len >> 8);
    buf[13] = (uint8_t)len;
    for (size_t i = HDR; i < len; i++) {
        buf[i] = body_byte(tx, from_server, i);
    }
    return len;
}

/* Check a delivered record byte by byte and that its transmission was never delivered before.
 * Returns true if it is intact and new. */
static bool accept_record(node_t *rx, const node_t *tx_side, const uint8_t *buf, int n,
                          bool from_server, uint32_t *seq)
{
    if (n < (int)HDR) {
        rx->bad++;
        return false;
    }
    uint32_t tx = get32(buf + 4);
    size_t len = (size_t)buf[12] << 8 | buf[13];
    uint8_t want[1100];
    if (tx >= tx_side->next_tx || tx >= MAX_TX || len != (size_t)n || len > sizeof(want) ||
        build(want, get32(buf), tx, get32(buf + 8), from_server) != len ||
        memcmp(want, buf, len) != 0) {
        rx->bad++; /* never sent like this: corrupted on the way and delivered anyway */
        return false;
    }
    if (rx->seen[tx]++ > 0) {
        rx->replays++; /* a copy the link duplicated reached the application */
        return false;
    }
    *seq = get32(buf);
    return true;
}

/* ---- tracing (LOSSY_TRACE=backend:scenario:seed prints every datagram of that run) ----------- */

static bool tracing;

static int trace_filter(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                        size_t *len)
{
    (void)arg;
    (void)to;
    bool c2s = sock_secure_ep_equal(from, &client.n.mem.addr);
    const sock_secure_mem_fault_stats_t *f = c2s ? &client.faults.stats : &server.faults.stats;
    printf("  t=%llu %s len %zu [prev: drop %u reord %u delay %u corrupt %u rel %u]:",
           (unsigned long long)tu_now_ms, c2s ? "c->s" : "s->c", *len, f->dropped, f->reordered,
           f->delayed, f->corrupted, f->released);
    for (size_t off = 0; off + 13 <= *len;) {
        size_t rl = (size_t)data[off + 11] << 8 | data[off + 12];
        printf(" {ct %u ep %u seq %u", data[off], data[off + 4], data[off + 10]);
        if (data[off] == 22 && data[off + 4] == 0 && off + 14 <= *len) {
            printf(" hs %u", data[off + 13]);
        }
        printf(" len %zu}", rl);
        off += 13 + rl;
    }
    printf("\n");
    return SOCK_SECURE_MEM_DELIVER;
}

/* ---- the two ends ---------------------------------------------------------------------------- */

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    node_t *n = arg;
    tu_on_event(sock, s, ev, err, arg);
    if (ev != SOCK_SECURE_EV_DATA) {
        return;
    }
    uint8_t buf[1500], out[1500];
    sock_secure_session_t *from = s;
    int len = sock_secure_session_recv(from, buf, sizeof(buf), 0);
    uint32_t seq;
    if (n == &server) {
        if (accept_record(&server, &client, buf, len, false, &seq)) {
            size_t m = build(out, seq, server.next_tx++, get32(buf + 4), true);
            CHECK_EQ(sock_secure_session_send(from, out, m), (int)m);
        }
    } else if (accept_record(&client, &server, buf, len, true, &seq) && seq == want_seq) {
        echoed = true;
    }
}

static void open_node(node_t *n, const char *addr, sock_secure_role_t role, const char *backend,
                      const sock_secure_mem_fault_cfg_t *faults, uint64_t seed)
{
    memset(n, 0, sizeof(*n));
    CHECK_EQ(tu_node_join(&n->n, addr), 0);
    CHECK_EQ(sock_secure_mem_faults_init(&n->faults, seed), 0);
    n->faults.cfg = *faults;
    CHECK_EQ(sock_secure_mem_set_faults(&n->n.mem, &n->faults), 0);
    sock_secure_config_t cfg;
    /* RFC 6347 timer defaults, default PSK suites */
    tu_node_config(&n->n, &cfg, role, backend, 2);
    tu_node_psk(&cfg, &psk);
    cfg.event_cb = on_event;
    CHECK_EQ(tu_node_create(&n->n, &cfg), 0);
}

static void close_node(node_t *n)
{
    tu_node_close(&n->n);
}

/* Run both ends until nothing is in flight (held datagrams wait for their time or traffic). */
static void pump(void)
{
    for (int i = 0; i < 1000; i++) {
        sock_secure_memnet_tick(&tu_net, tu_now_ms);
        int a = sock_secure_process(&server.n.sock);
        int b = sock_secure_process(&client.n.sock);
        if (server.n.mem.queued == 0 && client.n.mem.queued == 0 && a <= 0 && b <= 0) {
            return;
        }
    }
}

/* Advance the simulated clock to the next thing that has to happen, but not past @p limit. */
static void advance(uint64_t limit)
{
    uint64_t next = limit;
    uint32_t a = sock_secure_next_timeout(&server.n.sock);
    uint32_t b = sock_secure_next_timeout(&client.n.sock);
    if (a != SOCK_SECURE_NO_TIMEOUT && tu_now_ms + a < next) {
        next = tu_now_ms + a;
    }
    if (b != SOCK_SECURE_NO_TIMEOUT && tu_now_ms + b < next) {
        next = tu_now_ms + b;
    }
    uint64_t rel = sock_secure_memnet_next_release(&tu_net);
    if (rel < next) {
        next = rel;
    }
    tu_now_ms = next > tu_now_ms ? next : tu_now_ms + 1;
}

/* RFC 6347 §4.2.4.1 budget of one flight with the config defaults: every timeout it waits. */
static uint64_t rfc6347_budget_ms(void)
{
    uint64_t total = 0, rto = CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS;
    for (unsigned k = 0; k <= CONFIG_SOCK_SECURE_HS_MAX_RETRANSMIT; k++) {
        total += rto;
        rto = rto * 2 > CONFIG_SOCK_SECURE_HS_TIMEOUT_MAX_MS ? CONFIG_SOCK_SECURE_HS_TIMEOUT_MAX_MS
                                                              : rto * 2;
    }
    return total;
}

typedef struct {
    const char *name;
    sock_secure_mem_fault_cfg_t cfg;
} scenario_t;

typedef struct {
    uint64_t corrupted_sent;  /* datagrams the link corrupted or truncated */
    uint32_t drop_bad_record; /* what the two sockets counted */
} totals_t;

static totals_t totals;

static void run(const char *backend, const scenario_t *sc, uint64_t seed)
{
    int before = tu_failures;
    tu_net_start();
    sock_secure_memnet_tick(&tu_net, tu_now_ms);
    open_node(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, backend, &sc->cfg, seed * 2);
    open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, backend, &sc->cfg, seed * 2 + 1);
    char tag[64];
    snprintf(tag, sizeof(tag), "%s:%s:%llu", backend, sc->name, (unsigned long long)seed);
    const char *want = getenv("LOSSY_TRACE");
    tracing = want != NULL && strcmp(want, tag) == 0;
    tu_net.filter = tracing ? trace_filter : NULL;

    /* handshake. A corrupted handshake message that still parses (a flipped bit in the plaintext
     * PSK identity, say) legitimately ends a handshake with a fatal alert: where the link
     * corrupts, the application connects again, as a real one would. Either way the handshake
     * must be up within the budget. */
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    uint64_t t0 = tu_now_ms, budget = rfc6347_budget_ms();
    bool corrupting = sc->cfg.corrupt > 0 || sc->cfg.truncate > 0;
    int connects = 0;
    client_s = NULL;
    while (client.n.ev.connected == 0 && connects < (corrupting ? 3 : 1) &&
           tu_now_ms - t0 <= budget) {
        if (client_s != NULL) {
            sock_secure_session_close(client_s);
        }
        client_s = NULL;
        client.n.ev.error = 0;
        connects++;
        CHECK_EQ(sock_secure_connect(&client.n.sock, &srv, &client_s, 0), -EINPROGRESS);
        while (client.n.ev.connected == 0 && client.n.ev.error == 0 && tu_now_ms - t0 <= budget) {
            pump();
            if (client.n.ev.connected == 0 && client.n.ev.error == 0) {
                advance(t0 + budget + 1);
            }
        }
        if (client.n.ev.connected == 0) {
            sock_secure_session_info_t info;
            if (sock_secure_session_info(client_s, &info) == 0) {
                printf("  connect %d failed: %s, alert %u (origin %u)\n", connects,
                       sock_secure_strerror(info.last_error), info.alert, info.alert_origin);
            }
        }
    }
    uint64_t hs_ms = tu_now_ms - t0;
    CHECK_EQ(client.n.ev.connected, 1);
    CHECK_EQ(client.n.ev.error, 0);
    CHECK(hs_ms <= budget);
    CHECK(hs_ms < CONFIG_SOCK_SECURE_HS_DEADLINE_MS);
    if (connects > 1) {
        server.n.ev.error = 0; /* the server's side of the handshakes the corruption failed */
    }

    /* stop-and-wait echo */
    uint8_t buf[1100];
    uint32_t done = 0, attempts_total = 0;
    for (uint32_t seq = 0; seq < RECORDS && client.n.ev.connected == 1 && client.n.ev.error == 0;
         seq++) {
        want_seq = seq;
        echoed = false;
        int attempts = 0;
        while (!echoed && attempts < MAX_ATTEMPTS && client.n.ev.error + client.n.ev.closed == 0) {
            size_t len = build(buf, seq, client.next_tx++, 0xFFFFFFFFu, false);
            CHECK_EQ(sock_secure_session_send(client_s, buf, len), (int)len);
            attempts++;
            uint64_t retry_at = tu_now_ms + APP_RTO_MS;
            while (!echoed && tu_now_ms < retry_at) {
                pump();
                if (!echoed) {
                    advance(retry_at);
                }
            }
        }
        attempts_total += (uint32_t)attempts;
        done += echoed;
        if (!echoed) {
            break;
        }
    }
    CHECK_EQ(done, RECORDS);
    CHECK_EQ(client.bad + server.bad, 0);
    CHECK_EQ(client.replays + server.replays, 0);
    CHECK_EQ(client.n.ev.error + client.n.ev.closed + client.n.ev.expired, 0);
    CHECK_EQ(server.n.ev.error + server.n.ev.closed + server.n.ev.expired, 0);
    sock_secure_stats_t cs, ss;
    sock_secure_stats(&client.n.sock, &cs);
    sock_secure_stats(&server.n.sock, &ss);
    CHECK_EQ(ss.sessions_open, 1);
    totals.corrupted_sent += server.faults.stats.corrupted + server.faults.stats.truncated +
                             client.faults.stats.corrupted + client.faults.stats.truncated;
    totals.drop_bad_record += cs.drop_bad_record + ss.drop_bad_record;
    printf("%s %-9s seed %llu: handshake %5llu ms (%d connect, %u+%u retransmits), "
           "%u records in %u sends, %llu ms; link c->s %u/%u/%u/%u/%u/%u s->c %u/%u/%u/%u/%u/%u "
           "(drop/dup/reord/delay/corrupt/trunc); drop_bad_record %u+%u%s\n",
           backend, sc->name, (unsigned long long)seed, (unsigned long long)hs_ms, connects,
           cs.retransmits,
           ss.retransmits, done, attempts_total, (unsigned long long)(tu_now_ms - t0),
           client.faults.stats.dropped, client.faults.stats.duplicated,
           client.faults.stats.reordered, client.faults.stats.delayed,
           client.faults.stats.corrupted, client.faults.stats.truncated,
           server.faults.stats.dropped, server.faults.stats.duplicated,
           server.faults.stats.reordered, server.faults.stats.delayed,
           server.faults.stats.corrupted, server.faults.stats.truncated, cs.drop_bad_record,
           ss.drop_bad_record, tu_failures == before ? "" : "  <-- FAILED");
    close_node(&client);
    close_node(&server);
}

static const scenario_t scenarios[] = {
    { "loss10", { .drop = 100 } },
    { "loss25", { .drop = 250 } },
    { "dup20", { .duplicate = 200 } },
    { "reorder", { .reorder = 250, .reorder_gap = 1 } },
    { "reorder3", { .reorder = 100, .reorder_gap = 3 } },
    { "delay", { .delay = 200, .delay_ms = 300 } },
    { "corrupt5", { .corrupt = 50, .corrupt_bits = 1 } },
    { "trunc5", { .truncate = 50 } },
    { "mixed", { .drop = 50, .duplicate = 50, .reorder = 50, .delay = 50, .delay_ms = 150,
                 .corrupt = 20, .truncate = 20 } },
};

static const uint64_t seeds[] = { 1, 2, 3 };

static void every_backend_survives_a_lossy_link(void)
{
    size_t backends = 0;
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++, backends++) {
        const char *name = sock_secure_backend_name(b);
        memset(&totals, 0, sizeof(totals));
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
            for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
                run(name, &scenarios[i], seeds[k]);
            }
        }
        if (totals.corrupted_sent > 0) {
            /* corrupted records are discarded by the stack and counted by the socket */
            CHECK(totals.drop_bad_record > 0);
            printf("  %s: %llu datagrams corrupted or truncated in flight, %u counted as "
                   "dropped bad records\n",
                   name, (unsigned long long)totals.corrupted_sent, totals.drop_bad_record);
        }
    }
    CHECK(backends > 0);
}

/* Drops the first datagram from the server that carries a ChangeCipherSpec: its last flight. */
static int lost_ccs;
static int drop_server_ccs(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                           size_t *len)
{
    (void)arg;
    (void)to;
    if (lost_ccs == 0 && !sock_secure_ep_equal(from, &client.n.mem.addr)) {
        for (size_t off = 0; off + 13 <= *len; off += 13 + ((size_t)data[off + 11] << 8 |
                                                             data[off + 12])) {
            if (data[off] == 20) {
                lost_ccs++;
                return SOCK_SECURE_MEM_DROP;
            }
        }
    }
    return SOCK_SECURE_MEM_DELIVER;
}

/* RFC 6347 §4.2.4: the server, done after sending its last flight, must answer a retransmission of
 * the client's last flight by retransmitting its own; otherwise a lost final flight can never be
 * recovered and the client times out. */
static void lost_final_flight_is_resent_when_the_client_repeats_its_own(void)
{
    static const sock_secure_mem_fault_cfg_t none = { 0 };
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++) {
        const char *name = sock_secure_backend_name(b);
        int before = tu_failures;
        tu_net_start();
        open_node(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, name, &none, 1);
        open_node(&client, "[fd00::2]:40000", SOCK_SECURE_CLIENT, name, &none, 2);
        tu_net.filter = drop_server_ccs;
        lost_ccs = 0;
        sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
        client_s = NULL;
        CHECK_EQ(sock_secure_connect(&client.n.sock, &srv, &client_s, 0), -EINPROGRESS);
        uint64_t t0 = tu_now_ms;
        while (client.n.ev.connected == 0 && client.n.ev.error == 0 && tu_now_ms - t0 < 10000) {
            pump();
            if (client.n.ev.connected == 0) {
                advance(t0 + 10000);
            }
        }
        CHECK_EQ(lost_ccs, 1);
        CHECK_EQ(server.n.ev.connected, 1);
        CHECK_EQ(client.n.ev.connected, 1); /* after one retransmission each way: about 1 s */
        CHECK(tu_now_ms - t0 <= 2 * CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS);
        if (tu_failures != before) {
            printf("  backend %s: the client is still waiting for the server's last flight\n",
                   name);
        }
        close_node(&client);
        close_node(&server);
    }
}

int main(void)
{
    tu_any_backend();
    RUN(lost_final_flight_is_resent_when_the_client_repeats_its_own);
    RUN(every_backend_survives_a_lossy_link);
    return tu_exit();
}
