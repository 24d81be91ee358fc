/*
 * bench_srv_bare PORT N
 *
 * The work of bench_srv_ours written directly against mbedTLS 2.28, the way its
 * programs/ssl/dtls_server.c does it: mbedtls_net_bind (UDP), HelloVerifyRequest cookies
 * (mbedtls_ssl_cookie), one client at a time: mbedtls_net_accept, session reset, transport id,
 * handshake (a cookie-less hello ends in HELLO_VERIFY_REQUIRED: reset, and go on with the same
 * client socket), then read until the client's close_notify. Serves N connections and exits. Same configuration as
 * secure_sock's mbedTLS driver (see bench_hs_bare.c).
 * Output: "srv impl=bare n=.. ok=.. closed=.. hello_verify=..".
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
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/timing.h>

#include "bench_bare.h"


static int die(const char *what, int rc)
{
    char err[128];
    mbedtls_strerror(rc, err, sizeof err);
    fprintf(stderr, "bench_srv_bare: %s: -0x%04x %s\n", what, (unsigned)-rc, err);
    return 1;
}

/* Server PSK lookup by identity, as secure_sock's server does it (a callback, not one fixed PSK). */
static int psk_cb(void *p, mbedtls_ssl_context *ssl, const unsigned char *id, size_t len)
{
    (void)p;
    if (len != BENCH_PSK_ID_LEN || memcmp(id, bench_psk_id, len) != 0) {
        return -1;
    }
    return mbedtls_ssl_set_hs_psk(ssl, bench_psk_key, sizeof bench_psk_key);
}

int main(int argc, char **argv)
{
    static const unsigned char pers[] = "secure_sock/bench_srv_bare";
    mbedtls_net_context listen_fd, client_fd;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_ssl_cookie_ctx cookie;
    mbedtls_ssl_context ssl;
    mbedtls_timing_delay_context timer;
    unsigned char ip[16], buf[2048];
    size_t ip_len;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT N\n", argv[0]);
        return 2;
    }
    unsigned long n = bench_arg_ulong("N", argv[2], 1000000);
    (void)bench_arg_ulong("PORT", argv[1], 65535);

    mbedtls_net_init(&listen_fd);
    mbedtls_net_init(&client_fd);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_cookie_init(&cookie);
    mbedtls_ssl_init(&ssl);

    if ((rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers,
                                    sizeof pers - 1)) != 0) {
        return die("drbg_seed", rc);
    }
    if ((rc = mbedtls_net_bind(&listen_fd, "127.0.0.1", argv[1], MBEDTLS_NET_PROTO_UDP)) != 0) {
        return die("net_bind", rc);
    }
    if ((rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        return die("config_defaults", rc);
    }
    bench_bare_conf(&conf, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, 30000);
    mbedtls_ssl_conf_psk_cb(&conf, psk_cb, NULL);
    if ((rc = mbedtls_ssl_cookie_setup(&cookie, mbedtls_ctr_drbg_random, &drbg)) != 0) {
        return die("cookie_setup", rc);
    }
    mbedtls_ssl_conf_dtls_cookies(&conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
                                  &cookie);
    if ((rc = mbedtls_ssl_setup(&ssl, &conf)) != 0) {
        return die("ssl_setup", rc);
    }
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    mbedtls_ssl_set_mtu(&ssl, 1500);
    printf("ready\n");
    fflush(stdout);

    unsigned long ok = 0, closed = 0, hvr = 0;
    while (closed < n) {
        mbedtls_net_free(&client_fd);
        mbedtls_ssl_session_reset(&ssl);
        if ((rc = mbedtls_net_accept(&listen_fd, &client_fd, ip, sizeof ip, &ip_len)) != 0) {
            return die("net_accept", rc);
        }
        if ((rc = mbedtls_ssl_set_client_transport_id(&ssl, ip, ip_len)) != 0) {
            return die("transport_id", rc);
        }
        mbedtls_ssl_set_bio(&ssl, &client_fd, mbedtls_net_send, mbedtls_net_recv,
                            mbedtls_net_recv_timeout);
        do {
            rc = mbedtls_ssl_handshake(&ssl);
            if (rc == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
                /* Unlike dtls_server.c, keep the socket that net_accept connected to this client
                 * and wait for its second ClientHello on it: going back to net_accept races
                 * with that hello (it can land in the socket being freed, costing the client a
                 * 1 s retransmission whenever the server is slow, e.g. under valgrind). */
                hvr++;
                mbedtls_ssl_session_reset(&ssl);
                if ((rc = mbedtls_ssl_set_client_transport_id(&ssl, ip, ip_len)) != 0) {
                    return die("transport_id", rc);
                }
                rc = MBEDTLS_ERR_SSL_WANT_READ;
            }
        } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
        if (rc != 0) {
            die("handshake", rc);
            closed++;
            continue;
        }
        ok++;
        do {
            rc = mbedtls_ssl_read(&ssl, buf, sizeof buf);
        } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc > 0);
        closed++; /* PEER_CLOSE_NOTIFY (or an error) */
    }
    printf("srv impl=bare n=%lu ok=%lu closed=%lu hello_verify=%lu\n", n, ok, closed, hvr);
    mbedtls_net_free(&client_fd);
    mbedtls_net_free(&listen_fd);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ssl_cookie_free(&cookie);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return ok == n ? 0 : 1;
}
