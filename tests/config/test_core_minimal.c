/* The core with every optional module switched off: CONFIG_SOCK_SECURE_SERVER=0, _STREAMS=0,
 * _EARLY_DATAGRAM=0 and _SUITE_NAMES=0 (this file and the core are built with them, see tests/CMakeLists.txt, at the
 * build's own optimisation level: -O0 under `make asan`, so nothing may rely on constant folding).
 * server.c, streams.c, early.c and dtls_hello.c then compile to nothing and their callers take
 * the stubs in src/core/core.h (test_core_minimal_objects checks the objects are empty). Here the
 * rest must still work: a server or stream socket is refused with -ENOTSUP and accept() with
 * -EINVAL; no suite has a name (ids still work); a client handshakes, retransmits on the RFC 6347 timer, drops a ClientHello from a
 * stranger, delivers a record, sends one, fails a handshake at an error the network reports
 * about its peer (ICMP), and expires when idle. A client-only build keeps no
 * per-session statistics by default (CONFIG_SOCK_SECURE_SESSION_STATS 0: session_info reports
 * them as 0) and, built PSK-only (CONFIG_SOCK_SECURE_CERTS 0), refuses other credentials;
 * test_core_minimal_stats is the same with statistics and certificates on.
 * The backend is a stub speaking a toy protocol through the core's memory BIO: it sends "HELLO"
 * (again when the core's timer fired) until "DONE" arrives, then every datagram is one record and
 * close_notify is "BYE". The peer is a raw sock_mem endpoint. */
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"

#include <stdio.h>
#include <string.h>

#if CONFIG_SOCK_SECURE_SERVER || CONFIG_SOCK_SECURE_STREAMS || CONFIG_SOCK_SECURE_EARLY_DATAGRAM || \
    CONFIG_SOCK_SECURE_SUITE_NAMES
#error "build with -DCONFIG_SOCK_SECURE_SERVER=0 -DCONFIG_SOCK_SECURE_STREAMS=0 -DCONFIG_SOCK_SECURE_EARLY_DATAGRAM=0 -DCONFIG_SOCK_SECURE_SUITE_NAMES=0"
#endif

#if !CONFIG_SOCK_SECURE_SESSION_STATS
/* issue #14: at most 64 B of ours per session beyond the driver's area, client-only (Cortex-M4:
 * 56; 64-bit hosts: 64) */
_Static_assert(sizeof(sock_secure_session_t) - CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE <= 64,
               "a client-only session slot holds more than 64 B of ours");
#endif

static int failures, checks;
#define CHECK_EQ(a, b)                                                                         \
    do {                                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                                    \
        checks++;                                                                              \
        if (a_ != b_) {                                                                        \
            failures++;                                                                        \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, \
                    b_);                                                                       \
        }                                                                                      \
    } while (0)

/* ---- stub backend ---------------------------------------------------------------------------- */
typedef struct {
    const tlsman_io_t *io;
} toy_ctx_t;

typedef struct {
    const tlsman_io_t *io;
    void *io_ctx;
    int stage;        /* 0 nothing sent, 1 HELLO sent, 2 established */
    bool resend;      /* the core's timer fired */
    uint8_t rec[64];  /* a record the application has not taken */
    size_t rec_len;
} toy_sess_t;

static bool toy_deaf; /* read() takes no input: the core must drop what it handed over */
static bool toy_suite(const tlsman_suite_t *s, bool d) { (void)d; return s->kx == TLSMAN_KX_PSK; }
static int toy_ctx_init(void *c, const tlsman_config_t *cfg)
{
    ((toy_ctx_t *)c)->io = cfg->io;
    return 0;
}
static void toy_ctx_free(void *c) { (void)c; }
static int toy_sess_init(void *c, void *s, void *io_ctx, const uint8_t *id, size_t n)
{
    (void)id;
    (void)n;
    toy_sess_t *t = s;
    memset(t, 0, sizeof(*t));
    t->io = ((toy_ctx_t *)c)->io;
    t->io_ctx = io_ctx;
    return 0;
}
static void toy_sess_free(void *s) { memset(s, 0, sizeof(toy_sess_t)); }
static int toy_handshake(void *s)
{
    toy_sess_t *t = s;
    uint8_t in[64];
    int n = t->io->recv(t->io_ctx, in, sizeof(in));
    if (t->stage == 1 && n == 4 && memcmp(in, "DONE", 4) == 0) {
        t->io->timer(t->io_ctx, false);
        t->stage = 2;
        return 0;
    }
    if (t->stage == 0 || t->resend) {
        t->resend = false;
        t->stage = 1;
        (void)t->io->send(t->io_ctx, (const uint8_t *)"HELLO", 5);
        t->io->timer(t->io_ctx, true);
    }
    return -EAGAIN;
}
static void toy_timer(void *s) { ((toy_sess_t *)s)->resend = true; }
static int toy_read(void *s, uint8_t *b, size_t n)
{
    toy_sess_t *t = s;
    if (toy_deaf) {
        return -EAGAIN;
    }
    if (t->rec_len == 0) {
        int r = t->io->recv(t->io_ctx, t->rec, sizeof(t->rec));
        if (r <= 0) {
            return -EAGAIN;
        }
        if (r == 3 && memcmp(t->rec, "BYE", 3) == 0) {
            return SOCK_SECURE_E_PEER_CLOSED;
        }
        t->rec_len = (size_t)r;
    }
    if (n == 0) {
        return (int)t->rec_len;
    }
    if (n < t->rec_len) {
        return -EMSGSIZE;
    }
    size_t len = t->rec_len;
    memcpy(b, t->rec, len);
    t->rec_len = 0;
    return (int)len;
}
static bool toy_pending(void *s) { (void)s; return false; }
static int toy_write(void *s, const uint8_t *b, size_t n)
{
    toy_sess_t *t = s;
    return t->io->send(t->io_ctx, b, n);
}
static int toy_close(void *s)
{
    toy_sess_t *t = s;
    return t->io->send(t->io_ctx, (const uint8_t *)"BYE", 3) == 3 ? 0 : -EIO;
}
static int toy_info(void *s, tlsman_info_t *i)
{
    (void)s;
    memset(i, 0, sizeof(*i));
    i->suite = SOCK_SECURE_PSK_AES_128_CCM_8; /* the one it speaks */
    return 0;
}
static size_t toy_max(void *s) { (void)s; return 64; }
static int toy_flush(void *s) { (void)s; return 0; }

static const tlsman_driver_t toy = {
    .name = "toy", .version = "0",
    .caps = TLSMAN_CAP_DTLS | TLSMAN_CAP_TLS | TLSMAN_CAP_PSK,
    .ctx_size = sizeof(toy_ctx_t), .session_size = sizeof(toy_sess_t),
    .suite_supported = toy_suite, .ctx_init = toy_ctx_init, .ctx_free = toy_ctx_free,
    .session_init = toy_sess_init, .session_free = toy_sess_free, .handshake = toy_handshake,
    .timer_expired = toy_timer, .read = toy_read, .pending = toy_pending, .write = toy_write,
    .close_notify = toy_close, .info = toy_info, .max_payload = toy_max, .flush = toy_flush,
};

/* ---- a stream transport that would be accepted if streams were built --------------------------- */
static int st_recv(sock_secure_transport_t *s, void *b, size_t n, sock_secure_ep_t *r)
{
    (void)s; (void)b; (void)n; (void)r;
    return -EAGAIN;
}
static int st_send(sock_secure_transport_t *s, const void *b, size_t n, const sock_secure_ep_t *r)
{
    (void)s; (void)b; (void)r;
    return (int)n;
}
static int st_connect(sock_secure_transport_t *s, const sock_secure_ep_t *r) { (void)s; (void)r; return 0; }
static void st_disconnect(sock_secure_transport_t *s, const sock_secure_ep_t *r) { (void)s; (void)r; }
static const sock_secure_transport_ops_t stream_ops = {
    .recv = st_recv, .send = st_send, .connect = st_connect, .disconnect = st_disconnect,
};

/* ---- the test -------------------------------------------------------------------------------- */
static uint64_t now_ms = 1000;
static uint64_t sim_clock(void *arg)
{
    (void)arg;
    return now_ms;
}

static int events[SOCK_SECURE_EV_EXPIRED + 1];
static int last_err;
static void on_event(sock_secure_t *sk, sock_secure_session_t *s, sock_secure_event_t ev, int err,
                     void *arg)
{
    (void)sk;
    (void)s;
    (void)arg;
    if ((int)ev >= 0 && ev <= SOCK_SECURE_EV_EXPIRED) {
        events[ev]++;
    }
    last_err = err;
}

/* The next datagram at the peer: its length (-EAGAIN if none), bytes in buf, source in from. */
static int peer_take(sock_secure_mem_t *peer, uint8_t *buf, size_t len, sock_secure_ep_t *from)
{
    return sock_secure_transport_recv(&peer->base, buf, len, from);
}

int main(void)
{
    static sock_secure_memnet_t net;
    static sock_secure_mem_t cli_mem, peer;
    static sock_secure_session_t slots[2];
    static const uint8_t key[16] = { 1, 2, 3 };
    sock_secure_t sk;
    sock_secure_ep_t cli_ep, peer_ep, stranger, from;
    uint8_t buf[64];

    CHECK_EQ(sock_secure_register(&toy), 0);
    CHECK_EQ(sock_secure_memnet_init(&net), 0);
    CHECK_EQ(sock_secure_ep_parse(&cli_ep, "[fd00::1]:5683", 0), 0);
    CHECK_EQ(sock_secure_ep_parse(&peer_ep, "[fd00::2]:5684", 0), 0);
    CHECK_EQ(sock_secure_ep_parse(&stranger, "192.0.2.7:4444", 0), 0);
    CHECK_EQ(sock_secure_mem_open(&cli_mem, &net, &cli_ep), 0);
    CHECK_EQ(sock_secure_mem_open(&peer, &net, &peer_ep), 0);

    const sock_secure_psk_t psk = { (const uint8_t *)"id", 2, key, sizeof(key) };
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.transport = &cli_mem.base;
    cfg.sessions = slots;
    cfg.session_count = 2;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    cfg.backend = "toy";
    cfg.clock = sim_clock;
    cfg.event_cb = on_event;
    cfg.idle_timeout_ms = 60000;

    /* what was left out is refused, not half there */
    cfg.role = SOCK_SECURE_SERVER;
    CHECK_EQ(sock_secure_create(&sk, &cfg), -ENOTSUP);
    cfg.role = SOCK_SECURE_CLIENT;
    sock_secure_transport_t stream = { &stream_ops, SOCK_SECURE_TRANSPORT_STREAM };
    cfg.transport = &stream;
    CHECK_EQ(sock_secure_create(&sk, &cfg), -ENOTSUP);
#if !CONFIG_SOCK_SECURE_RX_BUFFER
    /* no receive buffer: a datagram transport that cannot peek is refused */
    sock_secure_transport_ops_t no_peek = *cli_mem.base.ops;
    no_peek.peek = NULL;
    sock_secure_transport_t blind = { &no_peek, SOCK_SECURE_TRANSPORT_DATAGRAM };
    cfg.transport = &blind;
    CHECK_EQ(sock_secure_create(&sk, &cfg), -ENOTSUP);
#endif
    cfg.transport = &cli_mem.base;
#if !CONFIG_SOCK_SECURE_CERTS
    /* a PSK-only core: a credential other than a PSK under the socket's tags is refused, a PSK
     * from the store is taken; without a PSK there is nothing to authenticate with */
    static sock_secure_creds_t store;
    static const uint8_t pinned[] = { 0x30, 0x01, 0x01 };
    uint32_t tag = 1;
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_PEER_KEY, pinned, sizeof(pinned)), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 2, "id", 2, key, sizeof(key)), 0);
    cfg.psk = NULL;
    cfg.psk_count = 0;
    cfg.creds = &store;
    cfg.cred_tags = &tag;
    cfg.cred_tag_count = 1;
    CHECK_EQ(sock_secure_create(&sk, &cfg), -ENOTSUP);
    tag = 2;
    CHECK_EQ(sock_secure_create(&sk, &cfg), 0);
    sock_secure_close(&sk);
    cfg.creds = NULL;
    cfg.cred_tags = NULL;
    cfg.cred_tag_count = 0;
    CHECK_EQ(sock_secure_create(&sk, &cfg), -EINVAL);
    cfg.verify = SOCK_SECURE_VERIFY_NONE; /* would need certificate suites */
    CHECK_EQ(sock_secure_create(&sk, &cfg), -ENOTSUP);
    cfg.verify = SOCK_SECURE_VERIFY_DEFAULT;
    cfg.psk = &psk;
    cfg.psk_count = 1;
#endif

    CHECK_EQ(sock_secure_create(&sk, &cfg), 0);
    /* CONFIG_SOCK_SECURE_SUITE_NAMES=0: the table's ids without names */
    CHECK_EQ(sock_secure_suite(SOCK_SECURE_PSK_AES_128_CCM_8) != NULL, true);
    CHECK_EQ(strcmp(sock_secure_suite_name(SOCK_SECURE_PSK_AES_128_CCM_8), ""), 0);
    CHECK_EQ(sock_secure_suite_from_name("TLS_PSK_WITH_AES_128_CCM_8"), -ENOENT);
    CHECK_EQ(sock_secure_suite_from_name("PSK-AES128-CCM8"), -ENOENT);
    CHECK_EQ(sock_secure_suite_from_name(""), -ENOENT);
    sock_secure_session_t *s = NULL;
    CHECK_EQ(sock_secure_accept(&sk, &s, 0), -EINVAL);

    /* the first flight, then a retransmission when the timer fires */
    CHECK_EQ(sock_secure_connect(&sk, &peer_ep, &s, 0), -EINPROGRESS);
    CHECK_EQ(peer_take(&peer, buf, sizeof(buf), &from), 5);
    CHECK_EQ(memcmp(buf, "HELLO", 5), 0);
    CHECK_EQ(sock_secure_ep_equal(&from, &cli_ep), true);
    CHECK_EQ(sock_secure_next_timeout(&sk), CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS);
    now_ms += CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS;
    CHECK_EQ(sock_secure_process(&sk), 0);
    CHECK_EQ(peer_take(&peer, buf, sizeof(buf), &from), 5);
    CHECK_EQ(memcmp(buf, "HELLO", 5), 0);
    CHECK_EQ(sock_secure_next_timeout(&sk), 2 * CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS);

    /* a ClientHello from a stranger: a client has no session for it and makes none */
    static const uint8_t hello[] = { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12,
                                     1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    CHECK_EQ(sock_secure_mem_inject(&cli_mem, &stranger, hello, sizeof(hello)), (int)sizeof(hello));
    CHECK_EQ(sock_secure_process(&sk), 0);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&sk, &st), 0);
    CHECK_EQ(st.drop_unknown, 1);
    CHECK_EQ(st.retransmits, 1);
    CHECK_EQ(st.sessions_handshake, 1);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(&slots[1], &info), -EINVAL); /* still FREE */
    CHECK_EQ(peer_take(&peer, buf, sizeof(buf), &from), -EAGAIN);

    /* the peer's flight completes it */
    CHECK_EQ(sock_secure_transport_send(&peer.base, "DONE", 4, &cli_ep), 4);
    CHECK_EQ(sock_secure_process(&sk), 1);
    CHECK_EQ(events[SOCK_SECURE_EV_CONNECTED], 1);
    CHECK_EQ(sock_secure_session_info(s, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    CHECK_EQ(strcmp(info.suite_name, ""), 0); /* no names in this build */
#if CONFIG_SOCK_SECURE_SESSION_STATS /* test_core_minimal_stats */
    CHECK_EQ(info.retransmits, 1);
    CHECK_EQ(info.datagrams_out, 2);
    CHECK_EQ(info.datagrams_in, 1);
    CHECK_EQ(info.bytes_in, 4);
#else /* the client-only default: no statistics kept, reported as 0 */
    CHECK_EQ(info.retransmits, 0);
    CHECK_EQ(info.datagrams_out, 0);
    CHECK_EQ(info.datagrams_in, 0);
    CHECK_EQ(info.bytes_in, 0);
#endif

    /* a record each way */
    CHECK_EQ(sock_secure_transport_send(&peer.base, "ping", 4, &cli_ep), 4);
    sock_secure_session_t *got = NULL;
    CHECK_EQ(sock_secure_recv_any(&sk, &got, buf, sizeof(buf), 0), 4);
    CHECK_EQ(memcmp(buf, "ping", 4), 0);
    CHECK_EQ(got == s, true);
    CHECK_EQ(events[SOCK_SECURE_EV_DATA], 1);
    CHECK_EQ(sock_secure_session_send(s, "pong!", 5), 5);
    CHECK_EQ(peer_take(&peer, buf, sizeof(buf), &from), 5);
    CHECK_EQ(memcmp(buf, "pong!", 5), 0);

    /* records queue behind an unread one, and a datagram too large for the stack's buffer (64 B)
     * is dropped, not stuck: without a receive buffer each waits in the transport until the
     * stack's receive call reads it there */
    static uint8_t big[100];
    memset(big, 'x', sizeof(big));
    CHECK_EQ(sock_secure_transport_send(&peer.base, "one", 3, &cli_ep), 3);
    CHECK_EQ(sock_secure_transport_send(&peer.base, big, sizeof(big), &cli_ep), (int)sizeof(big));
    CHECK_EQ(sock_secure_transport_send(&peer.base, "two", 3, &cli_ep), 3);
    CHECK_EQ(sock_secure_process(&sk), 1); /* DATA: "one"; the rest waits */
    CHECK_EQ(events[SOCK_SECURE_EV_DATA], 2);
    /* the large one is the next input: in the core's buffer, or still in the transport */
    CHECK_EQ(cli_mem.queued, CONFIG_SOCK_SECURE_RX_BUFFER ? 1 : 2);
    CHECK_EQ(sock_secure_recv_any(&sk, &got, buf, sizeof(buf), 0), 3);
    CHECK_EQ(memcmp(buf, "one", 3), 0);
    CHECK_EQ(sock_secure_recv_any(&sk, &got, buf, sizeof(buf), 0), 3);
    CHECK_EQ(memcmp(buf, "two", 3), 0);
    CHECK_EQ(cli_mem.queued, 0);
    /* a datagram the stack does not take is dropped after its step, not read again later */
    toy_deaf = true;
    CHECK_EQ(sock_secure_transport_send(&peer.base, "lost", 4, &cli_ep), 4);
    CHECK_EQ(sock_secure_process(&sk), 0);
    CHECK_EQ(cli_mem.queued, 0);
    toy_deaf = false;
    CHECK_EQ(sock_secure_transport_send(&peer.base, "three", 5, &cli_ep), 5);
    CHECK_EQ(sock_secure_recv_any(&sk, &got, buf, sizeof(buf), 0), 5);
    CHECK_EQ(memcmp(buf, "three", 5), 0);
    /* an empty datagram (no record in it) is dropped, not left in front of the next one */
    CHECK_EQ(sock_secure_transport_send(&peer.base, "", 0, &cli_ep), 0);
    CHECK_EQ(sock_secure_transport_send(&peer.base, "four", 4, &cli_ep), 4);
    CHECK_EQ(sock_secure_recv_any(&sk, &got, buf, sizeof(buf), 0), 4);
    CHECK_EQ(memcmp(buf, "four", 4), 0);
    CHECK_EQ(cli_mem.queued, 0);

    /* errors the network reports about one peer (ICMP), read through peek when there is no
     * receive buffer: the handshake with that peer fails with the code at once; one about a peer
     * without a session is counted; the established session and the datagram behind them are
     * untouched */
    sock_secure_session_t *s2 = NULL;
    sock_secure_ep_t nobody;
    CHECK_EQ(sock_secure_ep_parse(&nobody, "192.0.2.9:5684", 0), 0);
    CHECK_EQ(sock_secure_connect(&sk, &stranger, &s2, 0), -EINPROGRESS);
    CHECK_EQ(sock_secure_mem_inject_error(&cli_mem, &stranger, -ECONNREFUSED), 0);
    CHECK_EQ(sock_secure_mem_inject_error(&cli_mem, &nobody, -EHOSTUNREACH), 0);
    CHECK_EQ(sock_secure_transport_send(&peer.base, "five", 4, &cli_ep), 4);
    CHECK_EQ(sock_secure_process(&sk), 2); /* ERROR (s2), DATA ("five") */
    CHECK_EQ(events[SOCK_SECURE_EV_ERROR], 1);
    CHECK_EQ(sock_secure_session_info(s2, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(info.last_error, -ECONNREFUSED);
    CHECK_EQ(sock_secure_session_recv(s2, buf, sizeof(buf), 0), -ECONNREFUSED);
    CHECK_EQ(sock_secure_stats(&sk, &st), 0);
    CHECK_EQ(st.peer_errors, 1);
    CHECK_EQ(st.retransmits, 1); /* (the first handshake's): none for s2 */
    CHECK_EQ(st.sessions_open, 1);
    CHECK_EQ(sock_secure_recv_any(&sk, &got, buf, sizeof(buf), 0), 4);
    CHECK_EQ(memcmp(buf, "five", 4), 0);
    CHECK_EQ(got == s, true);
    CHECK_EQ(cli_mem.queued, 0);
    CHECK_EQ(sock_secure_session_close(s2), 0);

    /* silent for idle_timeout_ms: closed, the peer told */
    CHECK_EQ(sock_secure_next_timeout(&sk), 60000);
    now_ms += 60000;
    CHECK_EQ(sock_secure_process(&sk), 1);
    CHECK_EQ(events[SOCK_SECURE_EV_EXPIRED], 1);
    CHECK_EQ(last_err, -ETIMEDOUT);
    CHECK_EQ(peer_take(&peer, buf, sizeof(buf), &from), 3);
    CHECK_EQ(memcmp(buf, "BYE", 3), 0);
    CHECK_EQ(sock_secure_stats(&sk, &st), 0);
    CHECK_EQ(st.expired_idle, 1);
    CHECK_EQ(st.sessions_open, 0);
    CHECK_EQ(sock_secure_session_close(s), 0);
    CHECK_EQ(sock_secure_session_info(s, &info), -EINVAL); /* the slot is FREE again */

    sock_secure_close(&sk);
    sock_secure_transport_close(&peer.base);
    sock_secure_transport_close(&cli_mem.base);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
