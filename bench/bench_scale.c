/*
 * bench_scale N [WINDOW]
 *
 * One secure_sock DTLS server socket (UDP, 127.0.0.1, N session slots) and N concurrent client
 * sessions (PSK-AES128-CCM8). The parent process is the server; a forked child runs the N
 * clients (each its own UDP socket and secure socket, at most WINDOW handshakes in flight at once,
 * default 16, so that the loopback socket buffers never overflow and no retransmission timer
 * decides the rate). When all N are connected, every client sends one 16-byte record and waits
 * for the echo, WINDOW clients at a time (all N sessions are alive at once on the one server
 * socket); once the server has taken its heap figures, all close (WINDOW at a time).
 *
 * Output, two lines:
 *   scale side=client n=.. window=.. hs_ns=.. hs_per_s=.. echo_ok=.. retransmits=..
 *   scale side=server n=.. open_max=.. table_bytes=.. session_bytes=.. heap_base=..
 *         heap_all_open=.. heap_per_session=.. heap_after_echo=.. heap_after_echo_per_session=..
 *         heap_peak=.. heap_peak_per_session=.. stats...
 * hs_per_s: N / the client's wall time from the first connect to the last CONNECTED.
 * heap_*: glibc mallinfo2() of the server process (uordblks + hblkhd), i.e. what mbedTLS
 * allocates (our core allocates nothing); *_per_session = (value - heap_base) / N, heap_base taken
 * after sock_secure_create() (so the caller's slot array is not in it). heap_all_open: when the
 * N-th handshake completed; mbedTLS still holds each server session's handshake state then
 * (a DTLS server keeps it until the client's first record in the new epoch). heap_after_echo:
 * once every session has had its record. heap_peak is sampled after every sock_secure_process().
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/udp.h>

#include "bench_ours.h"


static size_t heap_now(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

static void config(sock_secure_config_t *cfg, sock_secure_role_t role, sock_secure_transport_t *t,
                   sock_secure_session_t *slots, size_t n)
{
    bench_config(cfg, role, t, slots, n);
    /* every client is on 127.0.0.1, up to WINDOW handshakes at once: lift the per-address cap
     * (meant for untrusted hosts), or the server would refuse all but a few of them */
    cfg->max_half_open_per_addr = n;
}

/* ---- the clients (child process) -------------------------------------------------------------- */

typedef struct {
    sock_secure_udp_t udp;
    sock_secure_t sock;
    sock_secure_session_t slot[1];
    sock_secure_session_t *s;
    int state; /* 0 idle, 1 handshaking, 2 connected */
} client_t;

static int run_clients(const sock_secure_ep_t *server, size_t n, size_t window, int go_fd)
{
    client_t *c = calloc(n, sizeof *c);
    size_t *active = calloc(window, sizeof *active);
    struct pollfd *pfd = calloc(window, sizeof *pfd);
    sock_secure_ep_t any;
    size_t started = 0, connected = 0, nactive = 0;
    unsigned retx = 0;
    int rc;

    if (c == NULL || active == NULL || pfd == NULL) {
        return 1;
    }
    (void)sock_secure_ep_parse(&any, "127.0.0.1:0", 0);
    uint64_t t0 = bench_now_ns(), limit = t0 + 120000000000ull;
    while (connected < n) {
        while (nactive < window && started < n) {
            client_t *k = &c[started];
            sock_secure_config_t cfg;
            if ((rc = sock_secure_udp_open(&k->udp, &any)) < 0) {
                fprintf(stderr, "client %zu: udp: %s\n", started, sock_secure_strerror(rc));
                return 1;
            }
            config(&cfg, SOCK_SECURE_CLIENT, &k->udp.base, k->slot, 1);
            if ((rc = sock_secure_create(&k->sock, &cfg)) < 0 ||
                ((rc = sock_secure_connect(&k->sock, server, &k->s, 0)) != -EINPROGRESS &&
                 rc != 0)) {
                fprintf(stderr, "client %zu: %s\n", started, sock_secure_strerror(rc));
                return 1;
            }
            k->state = 1;
            active[nactive++] = started++;
        }
        uint32_t wait = 50;
        for (size_t i = 0; i < nactive;) {
            client_t *k = &c[active[i]];
            sock_secure_stats_t st;
            if ((rc = sock_secure_process(&k->sock)) < 0) {
                fprintf(stderr, "client %zu: process: %s\n", active[i], sock_secure_strerror(rc));
                return 1;
            }
            sock_secure_stats(&k->sock, &st);
            if (st.handshakes_failed > 0) {
                sock_secure_session_info_t info;
                sock_secure_session_info(k->s, &info);
                fprintf(stderr, "client %zu: handshake failed: %s\n", active[i],
                        sock_secure_strerror(info.last_error));
                return 1;
            }
            if (st.sessions_open == 1) {
                k->state = 2;
                retx += st.retransmits;
                connected++;
                active[i] = active[--nactive];
                continue;
            }
            uint32_t t = sock_secure_next_timeout(&k->sock);
            if (t < wait) {
                wait = t;
            }
            pfd[i].fd = k->udp.fd;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
            i++;
        }
        if (nactive > 0 && (started == n || nactive == window)) {
            (void)poll(pfd, nactive, (int)wait);
        }
        if (bench_now_ns() > limit) {
            fprintf(stderr, "clients: timed out with %zu of %zu connected\n", connected, n);
            return 1;
        }
    }
    uint64_t hs_ns = bench_now_ns() - t0;

    /* every session alive at once: one record each way */
    unsigned char msg[16], back[64];
    size_t echo_ok = 0;
    bench_fill(msg, sizeof msg);
    for (size_t base = 0; base < n; base += window) { /* WINDOW records in flight at most */
        size_t end = base + window < n ? base + window : n;
        for (size_t i = base; i < end; i++) {
            if (sock_secure_session_send(c[i].s, msg, sizeof msg) != (int)sizeof msg) {
                fprintf(stderr, "client %zu: send failed\n", i);
            }
        }
        for (size_t i = base; i < end; i++) {
            sock_secure_session_t *s = c[i].s;
            rc = sock_secure_session_recv(s, back, sizeof back, 5000);
            if (rc == (int)sizeof msg && memcmp(back, msg, sizeof msg) == 0) {
                echo_ok++;
            } else {
                fprintf(stderr, "client %zu: no echo: %s\n", i, sock_secure_strerror(rc));
            }
        }
    }
    printf("scale side=client n=%zu window=%zu hs_ns=%llu hs_per_s=%.1f echo_ok=%zu "
           "retransmits=%u\n",
           n, window, (unsigned long long)hs_ns, (double)n * 1e9 / (double)hs_ns, echo_ok, retx);
    fflush(stdout);
    /* the server measures its heap with every session open, then lets us close */
    char go;
    if (read(go_fd, &go, 1) != 1) {
        fprintf(stderr, "clients: no go from the server\n");
    }
    for (size_t i = 0; i < n; i++) {
        (void)sock_secure_session_close(c[i].s); /* close_notify */
        sock_secure_close(&c[i].sock);
        sock_secure_transport_close(&c[i].udp.base);
        if ((i + 1) % window == 0) {
            (void)poll(NULL, 0, 1); /* WINDOW close_notifys at a time: no socket buffer overflow */
        }
    }
    free(c);
    free(active);
    free(pfd);
    return echo_ok == n ? 0 : 1;
}

/* ---- the server (parent process) -------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static sock_secure_udp_t udp;
    static sock_secure_t srv;
    sock_secure_config_t cfg;
    sock_secure_ep_t local, server;
    unsigned char buf[2048];
    int rc;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s N [WINDOW]\n", argv[0]);
        return 2;
    }
    size_t n = bench_arg_ulong("N", argv[1], 100000);
    size_t window = argc > 2 ? bench_arg_ulong("WINDOW", argv[2], 1000) : 16;
    if (n == 0 || window == 0) {
        fprintf(stderr, "N and WINDOW must be > 0\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
        rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    if ((rc = sock_secure_init()) < 0) {
        fprintf(stderr, "init: %s\n", sock_secure_strerror(rc));
        return 1;
    }
    sock_secure_session_t *slots = calloc(n, sizeof *slots);
    (void)sock_secure_ep_parse(&local, "127.0.0.1:0", 0);
    if (slots == NULL || (rc = sock_secure_udp_open(&udp, &local)) < 0 ||
        (rc = sock_secure_transport_local(&udp.base, &server)) < 0) {
        fprintf(stderr, "server socket: %s\n", sock_secure_strerror(rc));
        return 1;
    }
    config(&cfg, SOCK_SECURE_SERVER, &udp.base, slots, n);
    if ((rc = sock_secure_create(&srv, &cfg)) < 0) {
        fprintf(stderr, "server: %s\n", sock_secure_strerror(rc));
        return 1;
    }
    fflush(stdout);
    size_t heap_base = heap_now();

    int go[2];
    if (pipe(go) < 0) {
        perror("pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        close(udp.fd); /* the child's copy of the server socket */
        close(go[1]);
        _exit(run_clients(&server, n, window, go[0]));
    }
    close(go[0]);

    size_t heap_peak = heap_base, heap_all = 0, heap_echo = 0, open_max = 0, closed = 0;
    size_t echoed = 0;
    int status = -1;
    uint64_t limit = bench_now_ns() + 180000000000ull;
    for (;;) {
        if ((rc = sock_secure_process(&srv)) < 0) {
            fprintf(stderr, "server process: %s\n", sock_secure_strerror(rc));
            break;
        }
        for (;;) {
            sock_secure_session_t *s = NULL;
            int len = sock_secure_recv_any(&srv, &s, buf, sizeof buf, 0);
            if (len == -EAGAIN) {
                break;
            }
            if (len >= 0) {
                if (sock_secure_session_send(s, buf, (size_t)len) == len) {
                    echoed++;
                }
            } else if (s != NULL) {
                closed++; /* ended (the client's close_notify): reported once */
            }
        }
        size_t h = heap_now();
        if (h > heap_peak) {
            heap_peak = h;
        }
        if (echoed == n && heap_echo == 0) {
            heap_echo = h; /* every session has had a record: mbedTLS freed its handshake state */
            if (write(go[1], "g", 1) != 1) { /* now the clients may close */
                perror("write");
            }
        }
        sock_secure_stats_t st;
        sock_secure_stats(&srv, &st);
        if (st.sessions_open > open_max) {
            open_max = st.sessions_open;
            if (open_max == n) {
                heap_all = h;
            }
        }
        if (closed == n || bench_now_ns() > limit) {
            break;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                break; /* the clients failed; their message is on stderr */
            }
        }
        uint32_t t = sock_secure_next_timeout(&srv);
        (void)sock_secure_transport_wait(&udp.base, t < 20 ? t : 20);
    }
    if (pid > 0) {
        if (closed != n) {
            kill(pid, SIGTERM);
        }
        waitpid(pid, &status, 0);
    }
    sock_secure_stats_t st;
    sock_secure_stats(&srv, &st);
    double per = heap_all > heap_base ? (double)(heap_all - heap_base) / (double)n : 0.0;
    double per_echo = heap_echo > heap_base ? (double)(heap_echo - heap_base) / (double)n : 0.0;
    printf("scale side=server n=%zu open_max=%zu echoed=%zu closed=%zu table_bytes=%zu "
           "session_bytes=%zu socket_bytes=%zu heap_base=%zu heap_all_open=%zu "
           "heap_per_session=%.0f heap_after_echo=%zu heap_after_echo_per_session=%.0f heap_peak=%zu "
           "heap_peak_per_session=%.0f hello_verify=%u "
           "retransmits=%u drop_table_full=%u handshakes_ok=%u handshakes_failed=%u\n",
           n, open_max, echoed, closed, n * sizeof(sock_secure_session_t),
           sizeof(sock_secure_session_t), sizeof(sock_secure_t), heap_base, heap_all, per,
           heap_echo, per_echo, heap_peak, (double)(heap_peak - heap_base) / (double)n, st.hello_verify_sent,
           st.retransmits, st.drop_table_full, st.handshakes_ok, st.handshakes_failed);
    close(go[1]);
    sock_secure_close(&srv);
    sock_secure_transport_close(&udp.base);
    free(slots);
    int ok = open_max == n && echoed == n && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return ok ? 0 : 1;
}
