/**
 * @file riot_wolfssl.c
 * @brief RIOT glue of the wolfSSL driver (src/tlsman/wolfssl/), named by the port's
 *        user_settings.h:
 * - sock_secure_riot_wolfssl_seed() (CUSTOM_RAND_GENERATE_SEED), the seed of wolfCrypt's
 *   Hash-DRBG: RIOT's periph_hwrng where the board has one, else RIOT's random module (then the
 *   seed is only as good as the PRNG the application chose, see docs/RIOT.md);
 * - LowResTimer() (USER_TICKS), wolfSSL's clock in seconds: ztimer64's milliseconds / 1000;
 * - with SOCK_SECURE_WOLFSSL_HEAP_DEBUG=1, wolfSSL's allocator (XMALLOC_USER): the C library's,
 *   counting what is held now and at the peak (sock_secure_riot_wolfssl_heap()).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "modules.h"
#if IS_USED(MODULE_PERIPH_HWRNG)
#include "periph/hwrng.h"
#else
#include "random.h"
#endif
#include "ztimer64.h"

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/types.h>

#include "sock_secure_riot_wolfssl.h"

word32 LowResTimer(void);

int sock_secure_riot_wolfssl_seed(unsigned char *output, unsigned int sz)
{
#if IS_USED(MODULE_PERIPH_HWRNG)
    hwrng_read(output, sz);
#else
    random_bytes(output, sz);
#endif
    return 0;
}

word32 LowResTimer(void)
{
    return (word32)(ztimer64_now(ZTIMER64_MSEC) / 1000u);
}

#ifdef XMALLOC_USER
/* each block carries its size in front, in a header that keeps malloc's alignment */
typedef union {
    size_t n;
    max_align_t align;
} ss_heap_hdr_t;

static size_t ss_heap_now, ss_heap_peak;

void *XMALLOC(size_t n, void *heap, int type)
{
    (void)heap;
    (void)type;
    ss_heap_hdr_t *h = malloc(sizeof(*h) + n);
    if (h == NULL) {
        return NULL;
    }
    h->n = n;
    ss_heap_now += n;
    if (ss_heap_now > ss_heap_peak) {
        ss_heap_peak = ss_heap_now;
    }
    return h + 1;
}

void XFREE(void *p, void *heap, int type)
{
    (void)heap;
    (void)type;
    if (p != NULL) {
        ss_heap_hdr_t *h = (ss_heap_hdr_t *)p - 1;
        ss_heap_now -= h->n;
        free(h);
    }
}

void *XREALLOC(void *p, size_t n, void *heap, int type)
{
    if (p == NULL) {
        return XMALLOC(n, heap, type);
    }
    ss_heap_hdr_t *h = (ss_heap_hdr_t *)p - 1;
    size_t old = h->n;
    ss_heap_hdr_t *g = realloc(h, sizeof(*g) + n);
    if (g == NULL) {
        return NULL;
    }
    g->n = n;
    ss_heap_now = ss_heap_now - old + n;
    if (ss_heap_now > ss_heap_peak) {
        ss_heap_peak = ss_heap_now;
    }
    return g + 1;
}
#endif

int sock_secure_riot_wolfssl_heap(size_t *now, size_t *peak)
{
#ifdef XMALLOC_USER
    if (now != NULL) {
        *now = ss_heap_now;
    }
    if (peak != NULL) {
        *peak = ss_heap_peak;
    }
    return 0;
#else
    if (now != NULL) {
        *now = 0;
    }
    if (peak != NULL) {
        *peak = 0;
    }
    return -ENOTSUP;
#endif
}
