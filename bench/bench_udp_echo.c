/*
 * bench_udp_echo SIZE COUNT
 *
 * Plain UDP over 127.0.0.1, no DTLS: the limit for the record benchmarks over UDP. Two sockets
 * in one process (single thread, like bench_rec_*): COUNT times, A sends SIZE bytes to B, B reads
 * them and sends them back, A reads them.
 * Output: "rec impl=udp transport=udp size=.. count=.. ns=.. mbps=..".
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

static unsigned char out[16384], back[16384], got[16384];

static ssize_t recv_wait(int fd, unsigned char *buf, size_t len)
{
    for (;;) {
        ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
        if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            return n;
        }
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 1000) <= 0) {
            return -1;
        }
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa, sb;
    socklen_t l = sizeof sa;
    int a, b;

    if (argc != 3) {
        fprintf(stderr, "usage: %s SIZE COUNT\n", argv[0]);
        return 2;
    }
    size_t size = bench_arg_ulong("SIZE", argv[1], 16384);
    unsigned long count = bench_arg_ulong("COUNT", argv[2], 100000000);

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sb = sa;
    a = socket(AF_INET, SOCK_DGRAM, 0);
    b = socket(AF_INET, SOCK_DGRAM, 0);
    if (a < 0 || b < 0 || bind(a, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        bind(b, (struct sockaddr *)&sb, sizeof sb) < 0 ||
        getsockname(a, (struct sockaddr *)&sa, &l) < 0 ||
        (l = sizeof sb, getsockname(b, (struct sockaddr *)&sb, &l)) < 0 ||
        connect(a, (struct sockaddr *)&sb, sizeof sb) < 0 ||
        connect(b, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("udp socket pair");
        return 1;
    }
    bench_fill(out, size);
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < count; i++) {
        if (send(a, out, size, 0) != (ssize_t)size || recv_wait(b, back, sizeof back) != (ssize_t)size ||
            send(b, back, size, 0) != (ssize_t)size || recv_wait(a, got, sizeof got) != (ssize_t)size) {
            perror("echo");
            return 1;
        }
    }
    uint64_t ns = bench_now_ns() - t0;
    if (count > 0 && memcmp(out, got, size) != 0) {
        fprintf(stderr, "bench_udp_echo: echo differs\n");
        return 1;
    }
    double mbps = ns ? (double)size * (double)count * 1e3 / (double)ns : 0.0;
    printf("rec impl=udp transport=udp size=%zu count=%lu ns=%llu mbps=%.2f\n", size, count,
           (unsigned long long)ns, mbps);
    close(a);
    close(b);
    return 0;
}
