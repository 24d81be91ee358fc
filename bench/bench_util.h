/*
 * Small helpers shared by the benchmark programs (bench/). Header-only, POSIX.
 *
 * Every program prints its results as one line of `key=value` pairs per run, which bench/run.sh
 * collects into bench/results/. Benchmarks are not tests: they exit 0 when the measured work was
 * done and non-zero (with a message on stderr) when it could not be.
 */
#ifndef SS_BENCH_UTIL_H
#define SS_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The PSK every benchmark uses (also given to openssl s_server by bench/run.sh). */
#define BENCH_PSK_ID "bench"
#define BENCH_PSK_KEY_HEX "00112233445566778899aabbccddeeff"

__attribute__((unused)) static const unsigned char bench_psk_id[] = BENCH_PSK_ID;
__attribute__((unused)) static const unsigned char bench_psk_key[16] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
#define BENCH_PSK_ID_LEN (sizeof(bench_psk_id) - 1)

/* TLS_PSK_WITH_AES_128_CCM_8: the one suite every benchmark offers and accepts. */
#define BENCH_SUITE 0xC0A8

/* Monotonic time in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Unsigned decimal argument, or exit(2). */
static inline unsigned long bench_arg_ulong(const char *what, const char *s, unsigned long max)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] == '\0' || end == NULL || *end != '\0' || v > max) {
        fprintf(stderr, "bad %s '%s' (0..%lu)\n", what, s, max);
        exit(2);
    }
    return v;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Median of @p n values (sorts them in place). */
static inline uint64_t bench_median_u64(uint64_t *v, size_t n)
{
    if (n == 0) {
        return 0;
    }
    qsort(v, n, sizeof(v[0]), bench_cmp_u64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A deterministic payload byte pattern. */
static inline void bench_fill(unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (unsigned char)(i * 31u + 7u);
    }
}

/* Keep the compiler from dropping a result. */
static inline void bench_use(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

#endif /* SS_BENCH_UTIL_H */
