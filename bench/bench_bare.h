/*
 * What the benchmark programs written directly against mbedTLS 2.28 (bench_*_bare.c) share: the
 * settings each makes on its mbedtls_ssl_config. Header-only; the programs on secure_sock use
 * bench_ours.h.
 */
#ifndef SS_BENCH_BARE_H
#define SS_BENCH_BARE_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>

#include "bench_util.h"

__attribute__((unused)) static const int bench_bare_suites[] = { BENCH_SUITE, 0 };

/* After mbedtls_ssl_config_defaults() on @p conf: @p drbg as the RNG, DTLS 1.2 only, no
 * certificate verification (PSK), no session tickets, only BENCH_SUITE. */
static inline void bench_bare_conf(mbedtls_ssl_config *conf, mbedtls_ctr_drbg_context *drbg)
{
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, drbg);
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
    mbedtls_ssl_conf_ciphersuites(conf, bench_bare_suites);
}

#endif
