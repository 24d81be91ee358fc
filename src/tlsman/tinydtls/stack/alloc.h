/**
 * @file alloc.h
 * @brief tinyDTLS's heap, as secure_sock builds it (cmake/tinydtls.cmake, bench/firmware.sh):
 *        every malloc()/free() of tinyDTLS's sources goes through these two functions
 *        (alloc_hook.h is force-included into them). Not used on RIOT, whose tinyDTLS takes its
 *        peers, keys and queued datagrams from static pools (docs/BACKENDS.md).
 *
 * Why: tinyDTLS frees its handshake state (master secret, ECDHE private key, PSK identity) and
 * its key blocks without wiping them; here every block is zeroed before it goes back to the
 * allocator. And the bytes tinyDTLS holds are counted, which is how the memory a session costs
 * is measured (tests/unit/test_driver_tinydtls_specific.c, docs/BENCHMARKS.md).
 *
 * The counters are plain variables: exact when one thread at a time runs tinyDTLS (secure_sock's
 * model: one thread per socket, and tinyDTLS's own global cipher context is shared anyway).
 */
#ifndef SS_TINYDTLS_ALLOC_H
#define SS_TINYDTLS_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What tinyDTLS holds on the heap. */
typedef struct {
    size_t bytes;  /**< bytes held now (what tinyDTLS asked for, without the allocator's overhead) */
    size_t blocks; /**< blocks held now */
    size_t peak;   /**< most bytes held at once since the last reset */
} tlsman_tinydtls_heap_t;

/** malloc() for tinyDTLS: @p n bytes, max-aligned, or NULL. Free with tlsman_tinydtls_free(). */
void *tlsman_tinydtls_malloc(size_t n);

/** free() for tinyDTLS: zeroes the block, then frees it. NULL is ignored. */
void tlsman_tinydtls_free(void *p);

/** The counters in @p out; with @p reset_peak, the peak starts again from the bytes held now. */
void tlsman_tinydtls_heap(tlsman_tinydtls_heap_t *out, int reset_peak);

#ifdef __cplusplus
}
#endif

#endif /* SS_TINYDTLS_ALLOC_H */
