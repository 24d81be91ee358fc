/* Fuzz a DTLS server socket's input. Once per process (and again whenever fuzzing killed them) the
 * harness sets up, over the in-memory net and a simulated clock, a server with:
 *   - an established session with a real client ("[fd00::2]:40000"),
 *   - a half-open session: a second real client ("[fd00::3]:40000") that passed the cookie
 *     exchange and got the server's flight, and is then left silent.
 * Each input is a sequence of datagrams (fuzz_common.h) injected into the server, the selector's
 * low 2 bits picking the source: 0 the established client, 1 the half-open one, 2 one of 64
 * strangers, 3 a stranger on IPv4. Selector bit 7 first moves the clock by ((sel >> 2) & 31) *
 * 500 ms (timers: retransmission, handshake deadline). After each datagram the server processes;
 * its decrypted records are read. What it sends goes nowhere (or is discarded).
 *
 * Invariants (abort = crash): the session counters match the table; no more sessions than slots;
 * records delivered fit the buffer; strangers never get a slot (they cannot pass the cookie check:
 * the cookie secret is random per process). */
#include <string.h>

#include "fuzz_common.h"
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"

#define SRV_SLOTS 4

static const uint8_t fz_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const sock_secure_psk_t fz_psk = { (const uint8_t *)"fuzz", 4, fz_key, sizeof(fz_key) };

static sock_secure_memnet_t fz_net;
static uint64_t fz_now;
static sock_secure_mem_t fz_srv_mem, fz_cli_mem, fz_half_mem;
static sock_secure_t fz_srv, fz_cli, fz_half;
static sock_secure_session_t fz_srv_slots[SRV_SLOTS], fz_cli_slot, fz_half_slot;
static sock_secure_session_t *fz_cli_s, *fz_half_s;
static bool fz_up;
static sock_secure_ep_t fz_srv_ep, fz_cli_ep, fz_half_ep;

static uint64_t fz_clock(void *arg)
{
    (void)arg;
    return fz_now;
}

static void fz_on_server_event(sock_secure_t *sock, sock_secure_session_t *s,
                               sock_secure_event_t ev, int err, void *arg)
{
    (void)sock;
    (void)err;
    (void)arg;
    if (ev == SOCK_SECURE_EV_DATA) {
        uint8_t buf[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
        int n = sock_secure_session_recv(s, buf, sizeof(buf), 0);
        FUZZ_ASSERT(n < 0 || (size_t)n <= sizeof(buf));
    }
}

static int fz_create(sock_secure_t *sk, sock_secure_mem_t *mem, const sock_secure_ep_t *ep,
                     sock_secure_session_t *slots, size_t count, sock_secure_role_t role)
{
    if (sock_secure_mem_open(mem, &fz_net, ep) < 0) {
        return -1;
    }
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.backend = getenv("SS_FUZZ_BACKEND"); /* NULL: the first registered */
    cfg.role = role;
    cfg.transport = &mem->base;
    cfg.sessions = slots;
    cfg.session_count = count;
    cfg.psk = &fz_psk;
    cfg.psk_count = 1;
    cfg.clock = fz_clock;
    cfg.idle_timeout_ms = 600000;
    if (role == SOCK_SECURE_SERVER) {
        cfg.max_half_open = 2;
        cfg.event_cb = fz_on_server_event;
    }
    return sock_secure_create(sk, &cfg);
}

static void fz_drain(sock_secure_mem_t *mem)
{
    uint8_t buf[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
    while (sock_secure_transport_recv(&mem->base, buf, sizeof(buf), NULL) != -EAGAIN) {
    }
}

static void fz_teardown(void)
{
    sock_secure_close(&fz_cli);
    sock_secure_close(&fz_half);
    sock_secure_close(&fz_srv);
    sock_secure_transport_close(&fz_cli_mem.base);
    sock_secure_transport_close(&fz_half_mem.base);
    sock_secure_transport_close(&fz_srv_mem.base);
    fz_up = false;
}

static bool fz_setup(void)
{
    sock_secure_init();
    fz_now = 1000;
    sock_secure_memnet_init(&fz_net);
    (void)sock_secure_ep_parse(&fz_srv_ep, "[fd00::1]:5684", 0);
    (void)sock_secure_ep_parse(&fz_cli_ep, "[fd00::2]:40000", 0);
    (void)sock_secure_ep_parse(&fz_half_ep, "[fd00::3]:40000", 0);
    if (fz_create(&fz_srv, &fz_srv_mem, &fz_srv_ep, fz_srv_slots, SRV_SLOTS,
                  SOCK_SECURE_SERVER) < 0 ||
        fz_create(&fz_cli, &fz_cli_mem, &fz_cli_ep, &fz_cli_slot, 1, SOCK_SECURE_CLIENT) < 0 ||
        fz_create(&fz_half, &fz_half_mem, &fz_half_ep, &fz_half_slot, 1,
                  SOCK_SECURE_CLIENT) < 0) {
        return false;
    }
    fz_up = true;
    fz_cli_s = fz_half_s = NULL;
    if (sock_secure_connect(&fz_cli, &fz_srv_ep, &fz_cli_s, 0) != -EINPROGRESS) {
        return false;
    }
    for (int i = 0; i < 20; i++) {
        sock_secure_process(&fz_srv);
        sock_secure_process(&fz_cli);
    }
    sock_secure_session_t *ss = NULL;
    if (sock_secure_accept(&fz_srv, &ss, 0) != 0) {
        return false;
    }
    /* the half-open one: ClientHello, HelloVerifyRequest, ClientHello with cookie; the server's
     * answer (its flight) is left unread */
    if (sock_secure_connect(&fz_half, &fz_srv_ep, &fz_half_s, 0) != -EINPROGRESS) {
        return false;
    }
    sock_secure_process(&fz_srv);  /* hello -> HVR */
    sock_secure_process(&fz_half); /* HVR -> hello with cookie */
    sock_secure_process(&fz_srv);  /* -> session, ServerHello flight */
    fz_drain(&fz_half_mem);
    sock_secure_stats_t st;
    sock_secure_stats(&fz_srv, &st);
    return st.sessions_open == 1 && st.sessions_handshake == 1;
}

/* Whether the two sessions the harness relies on are still there. */
static bool fz_healthy(void)
{
    bool open = false, half = false;
    for (size_t i = 0; i < SRV_SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&fz_srv_slots[i], &info) != 0) {
            continue;
        }
        open = open || (info.state == SOCK_SECURE_ST_OPEN && sock_secure_ep_equal(&info.remote,
                                                                            &fz_cli_ep));
        half = half || (info.state == SOCK_SECURE_ST_HANDSHAKE && sock_secure_ep_equal(&info.remote,
                                                                                 &fz_half_ep));
    }
    return open && half;
}

static void fz_check_invariants(void)
{
    sock_secure_stats_t st;
    FUZZ_ASSERT(sock_secure_stats(&fz_srv, &st) == 0);
    uint32_t open = 0, hs = 0;
    for (size_t i = 0; i < SRV_SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&fz_srv_slots[i], &info) != 0) {
            continue;
        }
        open += info.state == SOCK_SECURE_ST_OPEN;
        hs += info.state == SOCK_SECURE_ST_HANDSHAKE;
        /* only the two real clients can ever hold a slot */
        FUZZ_ASSERT(info.state == SOCK_SECURE_ST_CLOSED ||
                    sock_secure_ep_equal(&info.remote, &fz_cli_ep) ||
                    sock_secure_ep_equal(&info.remote, &fz_half_ep));
    }
    FUZZ_ASSERT(st.sessions_open == open);
    FUZZ_ASSERT(st.sessions_handshake == hs);
    FUZZ_ASSERT(open + hs <= SRV_SLOTS);
}

int fuzz_server_input(const uint8_t *data, size_t size)
{
    if (!fz_up || !fz_healthy()) {
        if (fz_up) {
            fz_teardown();
        }
        if (!fz_setup()) {
            fprintf(stderr, "fuzz_server_input: setup failed\n");
            abort();
        }
    }
    fuzz_dgram_t d;
    while (fuzz_next_dgram(&data, &size, &d)) {
        sock_secure_ep_t from;
        switch (d.sel & 3u) {
        case 0: from = fz_cli_ep; break;
        case 1: from = fz_half_ep; break;
        case 2:
            from = fz_cli_ep;
            from.addr[15] = (uint8_t)(0x40 + ((d.sel >> 2) & 63u));
            break;
        default:
            (void)sock_secure_ep_parse(&from, "192.0.2.7:1234", 0);
            from.addr[3] = (uint8_t)(d.sel >> 2);
            break;
        }
        if (d.sel & 0x80u) {
            fz_now += ((d.sel >> 2) & 31u) * 500u;
        }
        (void)sock_secure_mem_inject(&fz_srv_mem, &from, d.data, d.len);
        FUZZ_ASSERT(sock_secure_process(&fz_srv) >= 0);
        fz_check_invariants();
    }
    (void)sock_secure_next_timeout(&fz_srv);
    fz_drain(&fz_cli_mem);
    fz_drain(&fz_half_mem);
    return 0;
}

FUZZ_ENTRY(fuzz_server_input)
