/*
 * lossy_proxy LISTEN_PORT SERVER_PORT LOSS_PERMILLE SEED
 *
 * A UDP proxy on 127.0.0.1 for bench/lossy.sh: datagrams arriving on LISTEN_PORT go to
 * 127.0.0.1:SERVER_PORT, the server's answers go back to the client. The client is the sender
 * of the first datagram (one client only; datagrams from any other address are ignored).
 * Each datagram, in each direction, is dropped with probability LOSS_PERMILLE / 1000, decided by
 * splitmix64 seeded from SEED (one stream per direction, so a run is reproducible for the same
 * sequence of datagrams). Nothing is delayed, duplicated or reordered.
 *
 * Prints "ready" on stdout once both sockets are bound, runs until SIGTERM/SIGINT, then prints
 * "proxy c2s_fwd=.. c2s_drop=.. s2c_fwd=.. s2c_drop=.." on stdout and exits 0.
 * Loopback only; a benchmark tool, not a test.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* true: drop this datagram */
static int lose(uint64_t *s, unsigned permille)
{
    return (unsigned)(splitmix64(s) % 1000u) < permille;
}

static int parse_u(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

static int udp_socket(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    unsigned long lport, sport, permille, seed;
    if (argc != 5 || parse_u(argv[1], 65535, &lport) != 0 || lport == 0 ||
        parse_u(argv[2], 65535, &sport) != 0 || sport == 0 ||
        parse_u(argv[3], 1000, &permille) != 0 || parse_u(argv[4], ULONG_MAX, &seed) != 0) {
        fprintf(stderr, "usage: lossy_proxy LISTEN_PORT SERVER_PORT LOSS_PERMILLE SEED\n");
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    /* front: the port clients talk to; back: an ephemeral port, connected to the server */
    int front = udp_socket((uint16_t)lport);
    int back = udp_socket(0);
    if (front < 0 || back < 0) {
        fprintf(stderr, "lossy_proxy: bind 127.0.0.1:%lu: %s\n", lport, strerror(errno));
        return 2;
    }
    struct sockaddr_in srv;
    memset(&srv, 0, sizeof(srv));
    srv.sin_family = AF_INET;
    srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.sin_port = htons((uint16_t)sport);
    if (connect(back, (struct sockaddr *)&srv, sizeof(srv)) != 0) {
        fprintf(stderr, "lossy_proxy: connect 127.0.0.1:%lu: %s\n", sport, strerror(errno));
        return 2;
    }

    /* two independent streams derived from the seed */
    uint64_t mix = (uint64_t)seed;
    uint64_t s_c2s = splitmix64(&mix), s_s2c = splitmix64(&mix);

    struct sockaddr_in cli;
    int have_cli = 0;
    uint64_t c2s_fwd = 0, c2s_drop = 0, s2c_fwd = 0, s2c_drop = 0;
    static unsigned char buf[65536];

    printf("ready\n");
    fflush(stdout);

    while (!stop) {
        struct pollfd p[2] = { { front, POLLIN, 0 }, { back, POLLIN, 0 } };
        int n = poll(p, 2, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("lossy_proxy: poll");
            return 2;
        }
        if (p[0].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t fl = sizeof(from);
            ssize_t len = recvfrom(front, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
            if (len >= 0 && fl == sizeof(from) && from.sin_family == AF_INET) {
                if (!have_cli) {
                    cli = from;
                    have_cli = 1;
                }
                if (from.sin_addr.s_addr == cli.sin_addr.s_addr && from.sin_port == cli.sin_port) {
                    if (lose(&s_c2s, (unsigned)permille)) {
                        c2s_drop++;
                    } else {
                        c2s_fwd++;
                        (void)send(back, buf, (size_t)len, 0); /* ECONNREFUSED etc.: like a loss */
                    }
                }
            }
        }
        if (p[1].revents & (POLLIN | POLLERR)) {
            ssize_t len = recv(back, buf, sizeof(buf), 0);
            if (len >= 0 && have_cli) {
                if (lose(&s_s2c, (unsigned)permille)) {
                    s2c_drop++;
                } else {
                    s2c_fwd++;
                    (void)sendto(front, buf, (size_t)len, 0, (struct sockaddr *)&cli, sizeof(cli));
                }
            }
        }
    }
    printf("proxy c2s_fwd=%" PRIu64 " c2s_drop=%" PRIu64 " s2c_fwd=%" PRIu64 " s2c_drop=%" PRIu64 "\n",
           c2s_fwd, c2s_drop, s2c_fwd, s2c_drop);
    close(front);
    close(back);
    return 0;
}
