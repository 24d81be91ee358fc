/*
 * bench_load hs|echo HOST PORT CLIENTS MS [SIZE]
 *
 * Load generator for bench/workers.sh: CLIENTS forked processes, each with its own UDP socket(s)
 * (so its own source port: the kernel's SO_REUSEPORT hash spreads them over a server's workers),
 * work against a DTLS 1.2 PSK-AES128-CCM8 server for MS milliseconds:
 *   hs    one connection after the other: new socket, handshake, close_notify (handshakes/s)
 *   echo  one handshake, then SIZE-byte records (default 64) sent and their echo awaited, one at
 *         a time (echoed records/s; the server must echo, e.g. `ssock server --echo`)
 * Output: "load mode=.. clients=.. ms=.. done=.. failed=.. per_s=..".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <secure_sock/posix/udp.h>
#include <secure_sock/sock_secure.h>

#include "bench_ours.h"

typedef struct {
    unsigned long done, failed;
} tally_t;

static int open_client(sock_secure_t *sock, sock_secure_udp_t *udp, sock_secure_session_t *slot,
                       const sock_secure_ep_t *server, sock_secure_session_t **s)
{
    sock_secure_config_t cfg;
    int rc = sock_secure_udp_open(udp, NULL);
    if (rc < 0) {
        return rc;
    }
    bench_config(&cfg, SOCK_SECURE_CLIENT, &udp->base, slot, 1);
    if ((rc = sock_secure_create(sock, &cfg)) < 0) {
        sock_secure_transport_close(&udp->base);
        return rc;
    }
    if ((rc = sock_secure_connect(sock, server, s, 5000)) < 0) {
        sock_secure_close(sock);
        sock_secure_transport_close(&udp->base);
    }
    return rc;
}

static void close_client(sock_secure_t *sock, sock_secure_udp_t *udp, sock_secure_session_t *s)
{
    (void)sock_secure_session_close(s);
    sock_secure_close(sock);
    sock_secure_transport_close(&udp->base);
}

static tally_t run(int echo, const sock_secure_ep_t *server, uint64_t until, size_t size)
{
    static sock_secure_session_t slot[1];
    static unsigned char out[1024], got[1024];
    tally_t t = { 0, 0 };
    sock_secure_t sock;
    sock_secure_udp_t udp;
    sock_secure_session_t *s = NULL;

    bench_fill(out, size);
    if (!echo) {
        while (bench_now_ns() < until) {
            if (open_client(&sock, &udp, slot, server, &s) < 0) {
                t.failed++;
                continue;
            }
            close_client(&sock, &udp, s);
            t.done++;
        }
        return t;
    }
    if (open_client(&sock, &udp, slot, server, &s) < 0) {
        t.failed++;
        return t;
    }
    while (bench_now_ns() < until) {
        if (sock_secure_session_send(s, out, size) != (int)size ||
            sock_secure_session_recv(s, got, sizeof got, 2000) != (int)size ||
            memcmp(out, got, size) != 0) {
            t.failed++;
            break;
        }
        t.done++;
    }
    close_client(&sock, &udp, s);
    return t;
}

int main(int argc, char **argv)
{
    char text[80];
    sock_secure_ep_t server;
    int fds[2];

    if (argc < 6 || argc > 7 || (strcmp(argv[1], "hs") != 0 && strcmp(argv[1], "echo") != 0)) {
        fprintf(stderr, "usage: %s hs|echo HOST PORT CLIENTS MS [SIZE]\n", argv[0]);
        return 2;
    }
    int echo = argv[1][0] == 'e';
    unsigned long clients = bench_arg_ulong("CLIENTS", argv[4], 256);
    unsigned long ms = bench_arg_ulong("MS", argv[5], 600000);
    size_t size = argc > 6 ? bench_arg_ulong("SIZE", argv[6], 1024) : 64;
    snprintf(text, sizeof text, "%s:%s", argv[2], argv[3]);
    if (sock_secure_ep_parse(&server, text, 0) < 0 || sock_secure_init() < 0 || pipe(fds) != 0) {
        fprintf(stderr, "bad server address '%s'\n", text);
        return 2;
    }
    uint64_t until = bench_now_ns() + (uint64_t)ms * 1000000u;
    for (unsigned long i = 0; i < clients; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            close(fds[0]);
            tally_t t = run(echo, &server, until, size);
            ssize_t w = write(fds[1], &t, sizeof t);
            _exit(w == (ssize_t)sizeof t ? 0 : 1);
        }
    }
    close(fds[1]);
    tally_t sum = { 0, 0 }, t;
    while (read(fds[0], &t, sizeof t) == (ssize_t)sizeof t) {
        sum.done += t.done;
        sum.failed += t.failed;
    }
    while (wait(NULL) > 0) {
    }
    printf("load mode=%s clients=%lu ms=%lu done=%lu failed=%lu per_s=%.0f\n", argv[1], clients, ms,
           sum.done, sum.failed, (double)sum.done * 1000.0 / (double)ms);
    return sum.failed > 0 && sum.done == 0 ? 1 : 0;
}
