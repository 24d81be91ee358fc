/* Fuzz a DTLS client socket's input at four points of its life, picked by the input's first byte
 * (mod 4):
 *   0  it has just sent its ClientHello (waiting for HelloVerifyRequest or ServerHello);
 *   1  a real server answered with a HelloVerifyRequest, the client sent its hello with the
 *      cookie (waiting for the ServerHello flight);
 *   2  the real server's ServerHello flight arrived and the client sent its Finished flight
 *      (waiting for the server's ChangeCipherSpec and Finished);
 *   3  established with a real server (set up once per process; again if fuzzing ended it).
 * The rest of the input is datagrams (fuzz_common.h) injected into the client: selector bit 0
 * clear = from the server's address, set = from a stranger; bit 7 first moves the clock by
 * ((sel >> 1) & 63) * 250 ms (retransmissions, handshake failure by timeout). For 0-2 a fresh
 * client and server are made per input (the server's secrets are random: the fuzzer cannot
 * complete a handshake, it can only disturb one).
 *
 * Invariants (abort = crash): the client never has more than its one session; the session's
 * state is consistent with the counters; records delivered fit the buffer; a session that
 * reports OPEN has a suite and a version. */
#include <string.h>

#include "fuzz_common.h"
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"

static const uint8_t fc_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const sock_secure_psk_t fc_psk = { (const uint8_t *)"fuzz", 4, fc_key, sizeof(fc_key) };

typedef struct {
    sock_secure_mem_t mem;
    sock_secure_t sock;
    sock_secure_session_t slots[2];
    bool open;
} fc_node_t;

/* A server and a client on their own net with their own clock. */
typedef struct {
    sock_secure_memnet_t net;
    uint64_t now;
    fc_node_t srv, cli;
    sock_secure_session_t *s; /* the client's session */
    bool up;
} fc_pair_t;

static fc_pair_t fc_fresh_pair, fc_est_pair; /* modes 0-2: made per input; mode 3: kept */
static sock_secure_ep_t fc_srv_ep, fc_cli_ep;

static uint64_t fc_clock(void *arg)
{
    return *(const uint64_t *)arg;
}

static void fc_on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                        int err, void *arg)
{
    (void)sock;
    (void)err;
    (void)arg;
    if (ev == SOCK_SECURE_EV_DATA) {
        uint8_t buf[64]; /* small on purpose: bigger records must stay queued (-EMSGSIZE) */
        int n = sock_secure_session_recv(s, buf, sizeof(buf), 0);
        FUZZ_ASSERT(n < 0 || (size_t)n <= sizeof(buf));
        if (n == -EMSGSIZE) {
            int pending = sock_secure_session_pending(s);
            FUZZ_ASSERT(pending > (int)sizeof(buf));
            uint8_t big[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
            FUZZ_ASSERT(sock_secure_session_recv(s, big, sizeof(big), 0) == pending);
        }
    }
}

static int fc_open(fc_pair_t *p, fc_node_t *n, const sock_secure_ep_t *ep, sock_secure_role_t role)
{
    if (sock_secure_mem_open(&n->mem, &p->net, ep) < 0) {
        return -1;
    }
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.backend = getenv("SS_FUZZ_BACKEND"); /* NULL: the first registered */
    cfg.role = role;
    cfg.transport = &n->mem.base;
    cfg.sessions = n->slots;
    cfg.session_count = role == SOCK_SECURE_SERVER ? 2 : 1;
    cfg.psk = &fc_psk;
    cfg.psk_count = 1;
    cfg.clock = fc_clock;
    cfg.clock_arg = &p->now;
    cfg.event_cb = fc_on_event;
    int rc = sock_secure_create(&n->sock, &cfg);
    n->open = rc == 0;
    return rc;
}

static void fc_close(fc_node_t *n)
{
    if (n->open) {
        sock_secure_close(&n->sock);
    }
    sock_secure_transport_close(&n->mem.base);
    n->open = false;
}

static void fc_close_pair(fc_pair_t *p)
{
    fc_close(&p->cli);
    fc_close(&p->srv);
    p->up = false;
}

/* Let @p n process what is queued for it. */
static void fc_step(fc_node_t *n)
{
    FUZZ_ASSERT(sock_secure_process(&n->sock) >= 0);
}

static void fc_drain(fc_node_t *n)
{
    uint8_t buf[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
    while (sock_secure_transport_recv(&n->mem.base, buf, sizeof(buf), NULL) != -EAGAIN) {
    }
}

/* A fresh pair with the client at @p stage (0..2). */
static bool fc_fresh(fc_pair_t *p, unsigned stage)
{
    p->now = 1000;
    sock_secure_memnet_init(&p->net);
    p->up = true;
    if (fc_open(p, &p->srv, &fc_srv_ep, SOCK_SECURE_SERVER) < 0 ||
        fc_open(p, &p->cli, &fc_cli_ep, SOCK_SECURE_CLIENT) < 0) {
        return false;
    }
    p->s = NULL;
    if (sock_secure_connect(&p->cli.sock, &fc_srv_ep, &p->s, 0) != -EINPROGRESS) {
        return false;
    }
    if (stage >= 1) {
        fc_step(&p->srv); /* ClientHello -> HelloVerifyRequest */
        fc_step(&p->cli); /* -> ClientHello with cookie */
    }
    if (stage >= 2) {
        fc_step(&p->srv); /* -> ServerHello flight */
        fc_step(&p->cli); /* -> ClientKeyExchange, ChangeCipherSpec, Finished */
    }
    return true;
}

static bool fc_established(const fc_pair_t *p)
{
    sock_secure_session_info_t info;
    return p->up && p->s != NULL && sock_secure_session_info(p->s, &info) == 0 &&
           info.state == SOCK_SECURE_ST_OPEN;
}

static bool fc_setup_established(fc_pair_t *p)
{
    if (p->up) {
        fc_close_pair(p);
    }
    if (!fc_fresh(p, 0)) {
        return false;
    }
    for (int i = 0; i < 20; i++) {
        fc_step(&p->srv);
        fc_step(&p->cli);
    }
    return fc_established(p);
}

static void fc_check_invariants(fc_pair_t *p)
{
    sock_secure_stats_t st;
    FUZZ_ASSERT(sock_secure_stats(&p->cli.sock, &st) == 0);
    FUZZ_ASSERT(st.sessions_open + st.sessions_handshake <= 1);
    sock_secure_session_info_t info;
    if (sock_secure_session_info(p->s, &info) == 0) {
        FUZZ_ASSERT(st.sessions_open == (info.state == SOCK_SECURE_ST_OPEN));
        FUZZ_ASSERT(st.sessions_handshake == (info.state == SOCK_SECURE_ST_HANDSHAKE));
        if (info.state == SOCK_SECURE_ST_OPEN) {
            FUZZ_ASSERT(info.suite != 0 && info.version[0] != '\0');
            FUZZ_ASSERT(sock_secure_max_payload(p->s) > 0);
        }
        if (info.state == SOCK_SECURE_ST_CLOSED) {
            FUZZ_ASSERT(info.last_error < 0);
        }
    }
    (void)sock_secure_next_timeout(&p->cli.sock);
}

int fuzz_client_input(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    sock_secure_init();
    (void)sock_secure_ep_parse(&fc_srv_ep, "[fd00::1]:5684", 0);
    (void)sock_secure_ep_parse(&fc_cli_ep, "[fd00::2]:40000", 0);
    unsigned mode = data[0] % 4u;
    data++;
    size--;
    fc_pair_t *p = mode == 3 ? &fc_est_pair : &fc_fresh_pair;
    if (mode == 3 ? !fc_established(p) && !fc_setup_established(p) : !fc_fresh(p, mode)) {
        fprintf(stderr, "fuzz_client_input: setup failed\n");
        abort();
    }
    fc_drain(&p->srv); /* the real server sees nothing more */
    fuzz_dgram_t d;
    while (fuzz_next_dgram(&data, &size, &d)) {
        sock_secure_ep_t from = fc_srv_ep;
        if (d.sel & 1u) {
            from.addr[15] = (uint8_t)(0x80 | (d.sel >> 1));
        }
        if (d.sel & 0x80u) {
            p->now += ((d.sel >> 1) & 63u) * 250u;
        }
        (void)sock_secure_mem_inject(&p->cli.mem, &from, d.data, d.len);
        fc_step(&p->cli);
        fc_check_invariants(p);
    }
    if (mode == 3 && fc_established(p)) {
        FUZZ_ASSERT(sock_secure_session_send(p->s, "still alive", 11) == 11);
    }
    fc_drain(&p->srv);
    if (mode != 3) {
        fc_close_pair(p);
    }
    return 0;
}

FUZZ_ENTRY(fuzz_client_input)
