/*
 * bench_rec_ours TRANSPORT SIZE COUNT
 *
 * A secure_sock client and server in one process (single thread), DTLS 1.2 PSK-AES128-CCM8
 * handshake, then COUNT echoes of a SIZE-byte record: the client sends it, the server receives
 * and sends it back, the client receives it (each echo = 2 encryptions + 2 decryptions).
 * TRANSPORT:
 *   mem   the library's in-memory net (sock_mem.h)
 *   pipe  bench_queue.h wrapped in a sock_secure_transport_ops_t: the very queue bench_rec_bare's memory BIO uses,
 *         so the difference to bench_rec_bare is our layer alone
 *   udp   two UDP sockets on 127.0.0.1 (sock_udp.h)
 * Instructions per record: callgrind totals of COUNT=N minus COUNT=0, divided by N.
 * Output: "rec impl=ours transport=.. size=.. count=.. ns=.. mbps=.." (mbps: payload bytes the
 * client sent per second, 1e6 bytes = 1 MB; the echo brings as many back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secure_sock/mem.h>
#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/udp.h>

#include "bench_queue.h"
#include "bench_ours.h"


/* ---- the "pipe" transport: bench_queue_t behind sock_secure_transport_ops_t ---------------------------------- */

typedef struct bench_pipe {
    sock_secure_transport_t base;
    struct bench_pipe *peer;
    sock_secure_ep_t addr;
    bench_queue_t q;
} bench_pipe_t;

static int pipe_recv(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    bench_pipe_t *p = (bench_pipe_t *)sock;
    int n = bench_queue_pop(&p->q, buf, len);
    if (n == 0) {
        return -EAGAIN;
    }
    if (n < 0) {
        return -EMSGSIZE;
    }
    if (remote != NULL) {
        *remote = p->peer->addr;
    }
    return n;
}

static int pipe_send(sock_secure_transport_t *sock, const void *buf, size_t len, const sock_secure_ep_t *remote)
{
    bench_pipe_t *p = (bench_pipe_t *)sock;
    (void)remote;
    return bench_queue_push(&p->peer->q, buf, len) < 0 ? -EMSGSIZE : (int)len;
}

static int pipe_wait(sock_secure_transport_t *sock, uint32_t timeout_ms)
{
    (void)timeout_ms;
    return ((bench_pipe_t *)sock)->q.count > 0;
}

static int pipe_local(sock_secure_transport_t *sock, sock_secure_ep_t *local)
{
    *local = ((bench_pipe_t *)sock)->addr;
    return 0;
}

static void pipe_close(sock_secure_transport_t *sock)
{
    (void)sock;
}

static const sock_secure_transport_ops_t pipe_ops = {
    .recv = pipe_recv, .send = pipe_send, .wait = pipe_wait, .local = pipe_local, .close = pipe_close,
};

/* ---- the benchmark -------------------------------------------------------------------------- */

static sock_secure_t srv, cli;
static sock_secure_session_t srv_slots[1], cli_slots[1];
static sock_secure_memnet_t net;
static sock_secure_mem_t mem_c, mem_s;
static bench_pipe_t pipe_c, pipe_s;
static sock_secure_udp_t udp_c, udp_s;
static unsigned char out[16384], back[16384], got[16384];

static int die(const char *what, int rc)
{
    fprintf(stderr, "bench_rec_ours: %s: %s\n", what, sock_secure_strerror(rc));
    exit(1);
}

static void make(sock_secure_t *s, sock_secure_session_t *slots, sock_secure_transport_t *t, sock_secure_role_t r)
{
    sock_secure_config_t cfg;
    bench_config(&cfg, r, t, slots, 1);
    int rc = sock_secure_create(s, &cfg);
    if (rc < 0) {
        die("create", rc);
    }
}

int main(int argc, char **argv)
{
    sock_secure_transport_t *tc, *ts;
    sock_secure_ep_t sep, cep;
    int rc;

    if (argc != 4) {
        fprintf(stderr, "usage: %s mem|pipe|udp SIZE COUNT\n", argv[0]);
        return 2;
    }
    const char *tr = argv[1];
    size_t size = bench_arg_ulong("SIZE", argv[2], 1024);
    unsigned long count = bench_arg_ulong("COUNT", argv[3], 100000000);
    uint32_t wait_ms = 0;

    if ((rc = sock_secure_init()) < 0) {
        die("init", rc);
    }
    if (strcmp(tr, "mem") == 0 || strcmp(tr, "pipe") == 0) {
        (void)sock_secure_ep_parse(&sep, "192.0.2.1:5684", 0);
        (void)sock_secure_ep_parse(&cep, "192.0.2.2:40000", 0);
        if (tr[0] == 'm') {
            sock_secure_memnet_init(&net);
            if ((rc = sock_secure_mem_open(&mem_s, &net, &sep)) < 0 ||
                (rc = sock_secure_mem_open(&mem_c, &net, &cep)) < 0) {
                die("sock_secure_mem_open", rc);
            }
            ts = &mem_s.base;
            tc = &mem_c.base;
        } else {
            pipe_s.base.ops = pipe_c.base.ops = &pipe_ops;
            pipe_s.base.flags = pipe_c.base.flags = SOCK_SECURE_TRANSPORT_DATAGRAM;
            pipe_s.addr = sep;
            pipe_c.addr = cep;
            pipe_s.peer = &pipe_c;
            pipe_c.peer = &pipe_s;
            ts = &pipe_s.base;
            tc = &pipe_c.base;
        }
    } else if (strcmp(tr, "udp") == 0) {
        sock_secure_ep_t any;
        (void)sock_secure_ep_parse(&any, "127.0.0.1:0", 0);
        if ((rc = sock_secure_udp_open(&udp_s, &any)) < 0 || (rc = sock_secure_udp_open(&udp_c, &any)) < 0 ||
            (rc = sock_secure_transport_local(&udp_s.base, &sep)) < 0) {
            die("sock_secure_udp_open", rc);
        }
        ts = &udp_s.base;
        tc = &udp_c.base;
        wait_ms = 1000; /* loopback delivery is immediate in practice; allow for a slow wakeup */
    } else {
        fprintf(stderr, "unknown transport '%s'\n", tr);
        return 2;
    }

    make(&srv, srv_slots, ts, SOCK_SECURE_SERVER);
    make(&cli, cli_slots, tc, SOCK_SECURE_CLIENT);

    /* handshake: non-blocking connect, then drive both ends until the client is connected */
    sock_secure_session_t *cs = NULL, *ss = NULL;
    rc = sock_secure_connect(&cli, &sep, &cs, 0);
    if (rc != -EINPROGRESS && rc != 0) {
        die("connect", rc);
    }
    sock_secure_stats_t st;
    uint64_t limit = bench_now_ns() + 10000000000ull;
    for (;;) {
        if ((rc = sock_secure_process(&srv)) < 0 || (rc = sock_secure_process(&cli)) < 0) {
            die("process", rc);
        }
        sock_secure_stats(&cli, &st);
        if (st.sessions_open == 1) {
            break;
        }
        if (st.handshakes_failed > 0 || bench_now_ns() > limit) {
            die("handshake", -ETIMEDOUT);
        }
        if (wait_ms) {
            (void)sock_secure_transport_wait(ts, 1);
        }
    }

    bench_fill(out, size);
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < count; i++) {
        if ((rc = sock_secure_session_send(cs, out, size)) != (int)size) {
            die("client send", rc);
        }
        ss = NULL;
        if ((rc = sock_secure_recv_any(&srv, &ss, back, sizeof back, wait_ms)) != (int)size) {
            die("server recv", rc);
        }
        if ((rc = sock_secure_session_send(ss, back, size)) != (int)size) {
            die("server send", rc);
        }
        if ((rc = sock_secure_session_recv(cs, got, sizeof got, wait_ms)) != (int)size) {
            die("client recv", rc);
        }
    }
    uint64_t ns = bench_now_ns() - t0;
    if (count > 0 && memcmp(out, got, size) != 0) {
        fprintf(stderr, "bench_rec_ours: echo differs\n");
        return 1;
    }
    bench_use(got);
    double mbps = ns ? (double)size * (double)count * 1e3 / (double)ns : 0.0;
    printf("rec impl=ours transport=%s size=%zu count=%lu ns=%llu mbps=%.2f\n", tr, size, count,
           (unsigned long long)ns, mbps);

    (void)sock_secure_session_close(cs);
    sock_secure_close(&cli);
    sock_secure_close(&srv);
    sock_secure_transport_close(tc);
    sock_secure_transport_close(ts);
    return 0;
}
