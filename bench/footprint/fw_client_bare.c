/*
 * Full-image footprint, Cortex-M4 (bench/firmware.sh): the DTLS 1.2 PSK client of
 * fw_client_ours.c written on bare mbedTLS 2.28 (mbedtls_ssl_* with bio and timer callbacks),
 * against the same mbedTLS build (bench/footprint/mbedtls_fw_config.h), the same stub transport
 * and the same stub entropy (fw_entropy_stub.c, NOT random). Same steps: seed the RNG, configure
 * PSK, handshake with retransmission timers, send "hello", receive one record, close_notify, free.
 * Linked with --gc-sections; never run. FW_ECDHE=1 adds certificate verification of the server
 * (ECDHE-ECDSA, one trust anchor, expected server name).
 */
#include "mbedtls_fw_config.h"

#include <stdint.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#if defined(FW_ECDHE) && FW_ECDHE
#include <mbedtls/x509_crt.h>
#include "fw_ca.h"
#endif

/* ---- stub transport (stands for the RTOS's UDP sock) ------------------------------------------ */
static volatile int rx_len; /* "bytes in the NIC": 0 here; keeps the compiler from folding */
static int bio_send(void *ctx, const unsigned char *b, size_t n) { (void)ctx; (void)b; return (int)n; }
static int bio_recv_timeout(void *ctx, unsigned char *b, size_t n, uint32_t timeout_ms)
{
    (void)ctx; (void)b; (void)n;
    if (rx_len) {
        return rx_len;
    }
    return timeout_ms ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_SSL_WANT_READ;
}

/* ---- DTLS timers on the port's clock (a SysTick counter) ------------------------------------ */
static volatile uint32_t ticks;
typedef struct { uint32_t start, int_ms, fin_ms; } fw_timer_t;
static void timer_set(void *p, uint32_t int_ms, uint32_t fin_ms)
{
    fw_timer_t *t = p;
    t->start = ticks;
    t->int_ms = int_ms;
    t->fin_ms = fin_ms;
}
static int timer_get(void *p)
{
    fw_timer_t *t = p;
    uint32_t el = ticks - t->start;
    if (t->fin_ms == 0) {
        return -1;
    }
    return el >= t->fin_ms ? 2 : el >= t->int_ms ? 1 : 0;
}

static const uint8_t key[16] = { 1 };
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_ssl_config conf;
static mbedtls_ssl_context ssl;
static fw_timer_t timer;
#if defined(FW_ECDHE) && FW_ECDHE
static mbedtls_x509_crt ca;
#endif

int main(void)
{
    static const unsigned char pers[] = "fw_client_bare";
    unsigned char buf[64];
    int rc;

    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    if ((rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers,
                                    sizeof pers - 1)) != 0 ||
        (rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        goto out;
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_handshake_timeout(&conf, 1000, 60000);
#if defined(FW_ECDHE) && FW_ECDHE
    mbedtls_x509_crt_init(&ca);
    if ((rc = mbedtls_x509_crt_parse_der(&ca, fw_ca_der, sizeof fw_ca_der)) != 0) {
        goto out;
    }
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
#else
    if ((rc = mbedtls_ssl_conf_psk(&conf, key, sizeof key, (const unsigned char *)"dev1", 4)) != 0) {
        goto out;
    }
#endif
    if ((rc = mbedtls_ssl_setup(&ssl, &conf)) != 0) {
        goto out;
    }
#if defined(FW_ECDHE) && FW_ECDHE
    if ((rc = mbedtls_ssl_set_hostname(&ssl, "server.example")) != 0) {
        goto out;
    }
#endif
    mbedtls_ssl_set_bio(&ssl, NULL, bio_send, NULL, bio_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, timer_set, timer_get);
    mbedtls_ssl_conf_read_timeout(&conf, 2000);

    do {
        rc = mbedtls_ssl_handshake(&ssl);
    } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (rc == 0) {
        do {
            rc = mbedtls_ssl_write(&ssl, (const unsigned char *)"hello", 5);
        } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
    }
    if (rc == 5) {
        do {
            rc = mbedtls_ssl_read(&ssl, buf, sizeof buf);
        } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
    }
    (void)mbedtls_ssl_close_notify(&ssl);
out:
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
#if defined(FW_ECDHE) && FW_ECDHE
    mbedtls_x509_crt_free(&ca);
#endif
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    (void)key;
    return rc < 0;
}
