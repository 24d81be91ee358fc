/*
 * bench_hs_ours HOST PORT [N]
 *
 * N times (default 1): one DTLS 1.2 PSK client connection with secure_sock over UDP to HOST:PORT
 * (an IPv4 address), offering only TLS_PSK_WITH_AES_128_CCM_8: open a UDP socket, create the
 * secure socket, handshake (blocking connect), close_notify, free everything, close the socket.
 * bench_hs_bare does the same work directly against mbedTLS 2.28.
 *
 * Each connection runs inside bench_one_connection(), so callgrind can count exactly that part:
 *   valgrind --tool=callgrind --toggle-collect=bench_one_connection bench_hs_ours 127.0.0.1 P 20
 * Output: one line "hs impl=ours n=.. ok=.. median_ns=.. total_ns=.. dgrams_out=..".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/udp.h>

#include "bench_ours.h"


/* One connection's whole life. Returns 0 or a negative error; adds the datagrams sent (to spot
 * retransmissions; bench_hs_bare counts the same) to *dgrams. */
__attribute__((noinline)) int bench_one_connection(const sock_secure_ep_t *server, const sock_secure_ep_t *local,
                                                   unsigned long *dgrams);

int bench_one_connection(const sock_secure_ep_t *server, const sock_secure_ep_t *local, unsigned long *dgrams)
{
    static sock_secure_session_t slots[1];
    sock_secure_udp_t udp;
    sock_secure_t sock;
    sock_secure_session_t *s = NULL;
    sock_secure_config_t cfg;
    int rc;

    if ((rc = sock_secure_udp_open(&udp, local)) < 0) {
        return rc;
    }
    bench_config(&cfg, SOCK_SECURE_CLIENT, &udp.base, slots, 1);
    if ((rc = sock_secure_create(&sock, &cfg)) == 0) {
        rc = sock_secure_connect(&sock, server, &s, 10000);
        sock_secure_stats_t st; /* a copy of counters: cheaper than session_info() */
        if (sock_secure_stats(&sock, &st) == 0) {
            *dgrams += st.datagrams_out;
        }
        if (s != NULL) {
            (void)sock_secure_session_close(s);
        }
        sock_secure_close(&sock);
    }
    sock_secure_transport_close(&udp.base);
    return rc;
}

int main(int argc, char **argv)
{
    char text[80];
    sock_secure_ep_t server, local;
    unsigned long dgrams = 0;
    int rc;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s HOST PORT [N]\n", argv[0]);
        return 2;
    }
    unsigned long n = argc > 3 ? bench_arg_ulong("N", argv[3], 1000000) : 1;
    snprintf(text, sizeof text, "%s:%s", argv[1], argv[2]);
    if (sock_secure_ep_parse(&server, text, 0) < 0 || server.family != SOCK_SECURE_AF_INET ||
        sock_secure_ep_parse(&local, "0.0.0.0:0", 0) < 0) {
        fprintf(stderr, "bad IPv4 server address '%s'\n", text);
        return 2;
    }
    if ((rc = sock_secure_init()) < 0) {
        fprintf(stderr, "sock_secure_init: %s\n", sock_secure_strerror(rc));
        return 1;
    }
    uint64_t *t = calloc(n ? n : 1, sizeof(uint64_t));
    if (t == NULL) {
        return 1;
    }
    unsigned long ok = 0;
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        uint64_t a = bench_now_ns();
        rc = bench_one_connection(&server, &local, &dgrams);
        t[i] = bench_now_ns() - a;
        if (rc < 0) {
            fprintf(stderr, "connection %lu: %s\n", i, sock_secure_strerror(rc));
            break;
        }
        ok++;
    }
    uint64_t total = bench_now_ns() - t0;
    printf("hs impl=ours n=%lu ok=%lu median_ns=%llu total_ns=%llu dgrams_out=%lu\n", n, ok,
           (unsigned long long)bench_median_u64(t, ok), (unsigned long long)total, dgrams);
    free(t);
    return ok == n ? 0 : 1;
}
