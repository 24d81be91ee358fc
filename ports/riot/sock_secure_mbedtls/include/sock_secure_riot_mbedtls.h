/**
 * @file sock_secure_riot_mbedtls.h
 * @brief RIOT glue of secure_sock's mbedTLS driver: the static heap and the entropy source.
 */
#ifndef SOCK_SECURE_RIOT_MBEDTLS_H
#define SOCK_SECURE_RIOT_MBEDTLS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the static pool mbedTLS allocates from (record buffers, handshake state, parsed
 *  certificates). Measured on 32-bit: a PSK handshake peaks at 3.9 KB of blocks and an
 *  established PSK session holds 3.3 KB; an ECDHE-ECDSA handshake peaks at 6.5 to 6.9 KB (see
 *  docs/RIOT.md). The pool needs some room above the peak (block headers, fragmentation); an
 *  application serving several sessions raises it. */
#ifndef CONFIG_SOCK_SECURE_MBEDTLS_HEAP_SIZE
#define CONFIG_SOCK_SECURE_MBEDTLS_HEAP_SIZE 12288
#endif

/**
 * @brief Give mbedTLS its static heap (once; later calls do nothing). Called by
 *        sock_secure_init() before the driver is registered.
 * @return 0.
 */
int sock_secure_riot_mbedtls_init(void);

/**
 * @brief Heap use of mbedTLS now and at its peak since boot, in bytes (for sizing
 *        CONFIG_SOCK_SECURE_MBEDTLS_HEAP_SIZE).
 * @param[out] now  may be NULL.
 * @param[out] peak may be NULL.
 * @return 0, or -ENOTSUP if mbedTLS was built without MBEDTLS_MEMORY_DEBUG (both are then 0).
 */
int sock_secure_riot_mbedtls_heap(size_t *now, size_t *peak);

#ifdef __cplusplus
}
#endif

#endif /* SOCK_SECURE_RIOT_MBEDTLS_H */
