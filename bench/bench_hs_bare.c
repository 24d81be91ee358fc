/*
 * bench_hs_bare HOST PORT [N]
 *
 * The same work as bench_hs_ours, written directly against mbedTLS 2.28 the way its
 * programs/ssl/dtls_client.c does it (mbedtls_net_* over UDP, mbedtls_timing delay callbacks,
 * blocking reads with a timeout): N times (default 1) open a UDP socket, set up a config and a
 * context, handshake, close_notify, free everything.
 *
 * The configuration is the one secure_sock's mbedTLS driver makes (src/tlsman/mbedtls/), so both
 * programs ask mbedTLS for the same work: DTLS 1.2 only, PSK, TLS_PSK_WITH_AES_128_CCM_8 only,
 * no certificate verification, no session tickets, no renegotiation, MTU 1500, one entropy source
 * and CTR-DRBG seeded once on first use (as the driver does).
 *
 * Each connection runs inside bench_one_connection() (callgrind --toggle-collect).
 * Output: one line "hs impl=bare n=.. ok=.. median_ns=.. total_ns=.. dgrams_out=..".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/config.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/timing.h>

#include "bench_bare.h"

#define READ_TIMEOUT_MS 10000

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static int rng_ready;

static int rng_seed(void)
{
    static const unsigned char pers[] = "secure_sock/bench_hs_bare";
    if (rng_ready) {
        return 0;
    }
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers, sizeof pers - 1);
    rng_ready = rc == 0;
    return rc;
}

/* Handshake datagrams sent, to spot retransmissions (compare with bench_hs_ours' count). */
static unsigned long dgrams_out;
static int counting;

static int count_send(void *ctx, const unsigned char *buf, size_t len)
{
    int rc = mbedtls_net_send(ctx, buf, len);
    if (rc > 0 && counting) {
        dgrams_out++;
    }
    return rc;
}

__attribute__((noinline)) int bench_one_connection(const char *host, const char *port);

int bench_one_connection(const char *host, const char *port)
{
    mbedtls_net_context net;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_timing_delay_context timer;
    int rc;

    mbedtls_net_init(&net);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);

    if ((rc = rng_seed()) != 0 ||
        (rc = mbedtls_net_connect(&net, host, port, MBEDTLS_NET_PROTO_UDP)) != 0 ||
        (rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        goto out;
    }
    bench_bare_conf(&conf, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, READ_TIMEOUT_MS);
    if ((rc = mbedtls_ssl_conf_psk(&conf, bench_psk_key, sizeof bench_psk_key, bench_psk_id,
                                   BENCH_PSK_ID_LEN)) != 0 ||
        (rc = mbedtls_ssl_setup(&ssl, &conf)) != 0) {
        goto out;
    }
    mbedtls_ssl_set_bio(&ssl, &net, count_send, mbedtls_net_recv,
                        mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    mbedtls_ssl_set_mtu(&ssl, 1500);

    counting = 1;
    do {
        rc = mbedtls_ssl_handshake(&ssl);
    } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
    counting = 0;
    if (rc == 0) {
        int c;
        do {
            c = mbedtls_ssl_close_notify(&ssl);
        } while (c == MBEDTLS_ERR_SSL_WANT_WRITE);
    }
out:
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_net_free(&net);
    return rc;
}

int main(int argc, char **argv)
{
    char err[128];
    int rc = 0;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s HOST PORT [N]\n", argv[0]);
        return 2;
    }
    unsigned long n = argc > 3 ? bench_arg_ulong("N", argv[3], 1000000) : 1;
    uint64_t *t = calloc(n ? n : 1, sizeof(uint64_t));
    if (t == NULL) {
        return 1;
    }
    unsigned long ok = 0;
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        uint64_t a = bench_now_ns();
        rc = bench_one_connection(argv[1], argv[2]);
        t[i] = bench_now_ns() - a;
        if (rc != 0) {
            mbedtls_strerror(rc, err, sizeof err);
            fprintf(stderr, "connection %lu: -0x%04x %s\n", i, (unsigned)-rc, err);
            break;
        }
        ok++;
    }
    uint64_t total = bench_now_ns() - t0;
    printf("hs impl=bare n=%lu ok=%lu median_ns=%llu total_ns=%llu dgrams_out=%lu\n", n, ok,
           (unsigned long long)bench_median_u64(t, ok), (unsigned long long)total, dgrams_out);
    free(t);
    return ok == n ? 0 : 1;
}
