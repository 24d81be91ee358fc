/*
 * bench_rec_bare TRANSPORT SIZE COUNT
 *
 * The work of bench_rec_ours written directly against mbedTLS 2.28: a client and a server
 * context in one process, DTLS 1.2 PSK-AES128-CCM8 handshake (the server with HelloVerifyRequest
 * cookies, like secure_sock's), then COUNT echoes of a SIZE-byte record.
 * TRANSPORT:
 *   pipe  the contexts are connected by two bench_queue.h queues (a memory BIO: the send
 *         callback pushes to the peer's queue, the receive callback pops its own)
 *   udp   two connected UDP sockets on 127.0.0.1 (send()/recv() callbacks), as a plain mbedTLS
 *         server does after mbedtls_net_accept()
 * Same configuration as secure_sock's mbedTLS driver (see bench_hs_bare.c).
 * Output: "rec impl=bare transport=.. size=.. count=.. ns=.. mbps=..".
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

#include <mbedtls/config.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/timing.h>

#include "bench_queue.h"
#include "bench_bare.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

/* One end: its context, its receive queue (pipe) or socket (udp), and the peer. */
typedef struct end {
    mbedtls_ssl_context ssl;
    mbedtls_timing_delay_context timer;
    bench_queue_t q;
    int fd;
    struct end *peer;
} end_t;

static mbedtls_ssl_config cconf, sconf;
static mbedtls_ssl_cookie_ctx cookie;
static end_t c, s;
static unsigned char out[16384], back[16384], got[16384];
static const unsigned char client_id[] = "192.0.2.2:40000"; /* the cookie binds the peer */

static void die(const char *what, int rc)
{
    char err[128];
    mbedtls_strerror(rc, err, sizeof err);
    fprintf(stderr, "bench_rec_bare: %s: -0x%04x %s\n", what, (unsigned)-rc, err);
    exit(1);
}

static int pipe_send(void *ctx, const unsigned char *buf, size_t len)
{
    end_t *e = ctx;
    return bench_queue_push(&e->peer->q, buf, len) < 0 ? MBEDTLS_ERR_SSL_BAD_INPUT_DATA
                                                       : (int)len;
}

static int pipe_recv(void *ctx, unsigned char *buf, size_t len)
{
    end_t *e = ctx;
    int n = bench_queue_pop(&e->q, buf, len);
    return n == 0 ? MBEDTLS_ERR_SSL_WANT_READ : n < 0 ? MBEDTLS_ERR_SSL_WANT_READ : n;
}

static int udp_send(void *ctx, const unsigned char *buf, size_t len)
{
    end_t *e = ctx;
    ssize_t n = send(e->fd, buf, len, 0);
    if (n < 0) {
        return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_WRITE
                                                 : MBEDTLS_ERR_NET_SEND_FAILED;
    }
    return (int)n;
}

static int udp_recv(void *ctx, unsigned char *buf, size_t len)
{
    end_t *e = ctx;
    ssize_t n = recv(e->fd, buf, len, MSG_DONTWAIT);
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
                   ? MBEDTLS_ERR_SSL_WANT_READ
                   : MBEDTLS_ERR_NET_RECV_FAILED;
    }
    return (int)n;
}

static void conf(mbedtls_ssl_config *cf, int endpoint)
{
    int rc = mbedtls_ssl_config_defaults(cf, endpoint, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) {
        die("config_defaults", rc);
    }
    bench_bare_conf(cf, &drbg);
    if ((rc = mbedtls_ssl_conf_psk(cf, bench_psk_key, sizeof bench_psk_key, bench_psk_id,
                                   BENCH_PSK_ID_LEN)) != 0) {
        die("conf_psk", rc);
    }
}

static void setup(end_t *e, mbedtls_ssl_config *cf, int udp)
{
    int rc = mbedtls_ssl_setup(&e->ssl, cf);
    if (rc != 0) {
        die("ssl_setup", rc);
    }
    if (udp) {
        mbedtls_ssl_set_bio(&e->ssl, e, udp_send, udp_recv, NULL);
    } else {
        mbedtls_ssl_set_bio(&e->ssl, e, pipe_send, pipe_recv, NULL);
    }
    mbedtls_ssl_set_timer_cb(&e->ssl, &e->timer, mbedtls_timing_set_delay,
                             mbedtls_timing_get_delay);
    mbedtls_ssl_set_mtu(&e->ssl, 1500);
}

/* Two connected UDP sockets on 127.0.0.1. */
static void udp_pair(int *a, int *b)
{
    struct sockaddr_in sa, sb;
    socklen_t l = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sb = sa;
    *a = socket(AF_INET, SOCK_DGRAM, 0);
    *b = socket(AF_INET, SOCK_DGRAM, 0);
    if (*a < 0 || *b < 0 || bind(*a, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        bind(*b, (struct sockaddr *)&sb, sizeof sb) < 0 ||
        getsockname(*a, (struct sockaddr *)&sa, &l) < 0 ||
        (l = sizeof sb, getsockname(*b, (struct sockaddr *)&sb, &l)) < 0 ||
        connect(*a, (struct sockaddr *)&sb, sizeof sb) < 0 ||
        connect(*b, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("udp socket pair");
        exit(1);
    }
}

/* Read one record, waiting on the socket for UDP. */
static int read_record(end_t *e, unsigned char *buf, size_t len, int udp)
{
    for (;;) {
        int n = mbedtls_ssl_read(&e->ssl, buf, len);
        if (n != MBEDTLS_ERR_SSL_WANT_READ || !udp) {
            return n;
        }
        struct pollfd p = { e->fd, POLLIN, 0 };
        if (poll(&p, 1, 1000) <= 0) {
            return n;
        }
    }
}

int main(int argc, char **argv)
{
    static const unsigned char pers[] = "secure_sock/bench_rec_bare";
    int rc;

    if (argc != 4) {
        fprintf(stderr, "usage: %s pipe|udp SIZE COUNT\n", argv[0]);
        return 2;
    }
    const char *tr = argv[1];
    int udp = strcmp(tr, "udp") == 0;
    if (!udp && strcmp(tr, "pipe") != 0) {
        fprintf(stderr, "unknown transport '%s'\n", tr);
        return 2;
    }
    size_t size = bench_arg_ulong("SIZE", argv[2], 1024);
    unsigned long count = bench_arg_ulong("COUNT", argv[3], 100000000);

    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if ((rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers,
                                    sizeof pers - 1)) != 0) {
        die("drbg_seed", rc);
    }
    mbedtls_ssl_config_init(&cconf);
    mbedtls_ssl_config_init(&sconf);
    mbedtls_ssl_cookie_init(&cookie);
    mbedtls_ssl_init(&c.ssl);
    mbedtls_ssl_init(&s.ssl);
    conf(&cconf, MBEDTLS_SSL_IS_CLIENT);
    conf(&sconf, MBEDTLS_SSL_IS_SERVER);
    if ((rc = mbedtls_ssl_cookie_setup(&cookie, mbedtls_ctr_drbg_random, &drbg)) != 0) {
        die("cookie_setup", rc);
    }
    mbedtls_ssl_conf_dtls_cookies(&sconf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
                                  &cookie);
    c.peer = &s;
    s.peer = &c;
    c.fd = s.fd = -1;
    if (udp) {
        udp_pair(&c.fd, &s.fd);
    }
    setup(&c, &cconf, udp);
    setup(&s, &sconf, udp);
    if ((rc = mbedtls_ssl_set_client_transport_id(&s.ssl, client_id, sizeof client_id - 1)) != 0) {
        die("transport_id", rc);
    }

    /* handshake: step both ends until both are done; the server restarts after its
     * HelloVerifyRequest, as every mbedTLS DTLS server does */
    int cdone = 0, sdone = 0;
    uint64_t limit = bench_now_ns() + 10000000000ull;
    while (!cdone || !sdone) {
        if (!cdone) {
            rc = mbedtls_ssl_handshake(&c.ssl);
            if (rc == 0) {
                cdone = 1;
            } else if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
                die("client handshake", rc);
            }
        }
        if (!sdone) {
            rc = mbedtls_ssl_handshake(&s.ssl);
            if (rc == 0) {
                sdone = 1;
            } else if (rc == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
                mbedtls_ssl_session_reset(&s.ssl);
                if ((rc = mbedtls_ssl_set_client_transport_id(&s.ssl, client_id,
                                                              sizeof client_id - 1)) != 0) {
                    die("transport_id", rc);
                }
            } else if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
                die("server handshake", rc);
            }
        }
        if (bench_now_ns() > limit) {
            die("handshake timed out", MBEDTLS_ERR_SSL_TIMEOUT);
        }
        if (udp && (!cdone || !sdone)) {
            struct pollfd p[2] = { { c.fd, POLLIN, 0 }, { s.fd, POLLIN, 0 } };
            (void)poll(p, 2, 1);
        }
    }

    bench_fill(out, size);
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < count; i++) {
        if ((rc = mbedtls_ssl_write(&c.ssl, out, size)) != (int)size) {
            die("client write", rc);
        }
        if ((rc = read_record(&s, back, sizeof back, udp)) != (int)size) {
            die("server read", rc);
        }
        if ((rc = mbedtls_ssl_write(&s.ssl, back, size)) != (int)size) {
            die("server write", rc);
        }
        if ((rc = read_record(&c, got, sizeof got, udp)) != (int)size) {
            die("client read", rc);
        }
    }
    uint64_t ns = bench_now_ns() - t0;
    if (count > 0 && memcmp(out, got, size) != 0) {
        fprintf(stderr, "bench_rec_bare: echo differs\n");
        return 1;
    }
    bench_use(got);
    double mbps = ns ? (double)size * (double)count * 1e3 / (double)ns : 0.0;
    printf("rec impl=bare transport=%s size=%zu count=%lu ns=%llu mbps=%.2f\n", tr, size, count,
           (unsigned long long)ns, mbps);

    (void)mbedtls_ssl_close_notify(&c.ssl);
    mbedtls_ssl_free(&c.ssl);
    mbedtls_ssl_free(&s.ssl);
    mbedtls_ssl_config_free(&cconf);
    mbedtls_ssl_config_free(&sconf);
    mbedtls_ssl_cookie_free(&cookie);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    if (udp) {
        close(c.fd);
        close(s.fd);
    }
    return 0;
}
