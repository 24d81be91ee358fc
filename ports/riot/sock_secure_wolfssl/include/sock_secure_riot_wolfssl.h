/**
 * @file sock_secure_riot_wolfssl.h
 * @brief RIOT glue of secure_sock's wolfSSL driver: heap accounting (for sizing).
 */
#ifndef SOCK_SECURE_RIOT_WOLFSSL_H
#define SOCK_SECURE_RIOT_WOLFSSL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief What wolfSSL holds on the heap now and held at its peak since boot, in bytes (the
 *        requested sizes, without the allocator's overhead). wolfSSL allocates from the C
 *        library's heap (RIOT's malloc).
 * @param[out] now  may be NULL.
 * @param[out] peak may be NULL.
 * @return 0, or -ENOTSUP unless built with SOCK_SECURE_WOLFSSL_HEAP_DEBUG=1 (both are then 0).
 */
int sock_secure_riot_wolfssl_heap(size_t *now, size_t *peak);

#ifdef __cplusplus
}
#endif

#endif /* SOCK_SECURE_RIOT_WOLFSSL_H */
