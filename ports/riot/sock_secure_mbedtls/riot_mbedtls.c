/**
 * @file riot_mbedtls.c
 * @brief RIOT glue of the mbedTLS driver (src/tlsman/mbedtls/):
 * - mbedTLS allocates from one static pool (MBEDTLS_MEMORY_BUFFER_ALLOC_C), never from malloc;
 * - mbedtls_hardware_poll(), the one entropy source of mbedTLS's entropy collector (the driver
 *   seeds its CTR-DRBG from it): RIOT's periph_hwrng where the board has one, else RIOT's random
 *   module (then the quality of the seed is that of the PRNG the application chose, see
 *   docs/RIOT.md);
 * - auto_init_mbedtls(): RIOT's auto_init calls it whenever pkg/mbedtls is used; RIOT defines it
 *   in mbedtls_contrib (mbedTLS threading over RIOT mutexes), which this port does not use: its
 *   configuration has no MBEDTLS_THREADING_C, so here it does nothing (weak: a build that links
 *   mbedtls_contrib keeps RIOT's).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modules.h"

#if IS_USED(MODULE_PERIPH_HWRNG)
#include "periph/hwrng.h"
#else
#include "random.h"
#endif

#include MBEDTLS_CONFIG_FILE
#include "mbedtls/entropy_poll.h"
#include "mbedtls/memory_buffer_alloc.h"

#include "sock_secure_riot_mbedtls.h"

#if !defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) || !defined(MBEDTLS_ENTROPY_HARDWARE_ALT)
#error "sock_secure_mbedtls needs MBEDTLS_MEMORY_BUFFER_ALLOC_C and MBEDTLS_ENTROPY_HARDWARE_ALT"
#endif

static unsigned char sock_secure_riot_heap[CONFIG_SOCK_SECURE_MBEDTLS_HEAP_SIZE]
    __attribute__((aligned(8)));
static bool sock_secure_riot_heap_ready;

int sock_secure_riot_mbedtls_init(void)
{
    if (!sock_secure_riot_heap_ready) {
        mbedtls_memory_buffer_alloc_init(sock_secure_riot_heap, sizeof(sock_secure_riot_heap));
        sock_secure_riot_heap_ready = true;
    }
    return 0;
}

int sock_secure_riot_mbedtls_heap(size_t *now, size_t *peak)
{
    size_t used = 0, max = 0;
    int rc = -ENOTSUP;
#if defined(MBEDTLS_MEMORY_DEBUG)
    size_t blocks;
    mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
    mbedtls_memory_buffer_alloc_max_get(&max, &blocks);
    rc = 0;
#endif
    if (now != NULL) {
        *now = used;
    }
    if (peak != NULL) {
        *peak = max;
    }
    return rc;
}

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
#if IS_USED(MODULE_PERIPH_HWRNG)
    hwrng_read(output, len);
#else
    random_bytes(output, len);
#endif
    *olen = len;
    return 0;
}

void auto_init_mbedtls(void);

__attribute__((weak)) void auto_init_mbedtls(void)
{
}
