/*
 * What the benchmark programs on secure_sock (bench_*_ours.c, bench_scale.c) share: the
 * benchmarks' PSK and suite as secure_sock takes them, and the configuration every one of them
 * makes. Header-only; the programs written directly against mbedTLS use bench_util.h alone.
 */
#ifndef SS_BENCH_OURS_H
#define SS_BENCH_OURS_H

#include <secure_sock/sock_secure.h>

#include "bench_util.h"

__attribute__((unused)) static const sock_secure_psk_t bench_psk = {
    bench_psk_id, BENCH_PSK_ID_LEN, bench_psk_key, sizeof bench_psk_key
};
__attribute__((unused)) static const uint16_t bench_suites[] = { BENCH_SUITE };

/* @p role on transport @p t with the @p n sessions of @p slots, the benchmark PSK, only
 * BENCH_SUITE, and the mbedTLS driver (the stack measured here; wolfSSL may be built in too). */
static inline void bench_config(sock_secure_config_t *cfg, sock_secure_role_t role, sock_secure_transport_t *t,
                                sock_secure_session_t *slots, size_t n)
{
    sock_secure_config_init(cfg);
    cfg->role = role;
    cfg->transport = t;
    cfg->sessions = slots;
    cfg->session_count = n;
    cfg->psk = &bench_psk;
    cfg->psk_count = 1;
    cfg->suites = bench_suites;
    cfg->suite_count = 1;
    cfg->backend = "mbedtls";
}

#endif
