/*
 * alloc.c: tinyDTLS's heap as secure_sock builds it (see alloc.h): the C library's malloc()
 * behind a header that remembers each block's size, so that free() can zero the block and the
 * bytes held can be counted. Built into the tinyDTLS library (cmake/tinydtls.cmake), with
 * alloc_hook.h force-included like tinyDTLS's own sources.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#undef malloc /* alloc_hook.h: the real ones here */
#undef free

/* Each block is preceded by its size, in a max-aligned header. */
typedef union {
    max_align_t align;
    size_t n;
} ss_hdr_t;

static tlsman_tinydtls_heap_t ss_heap;

/* memset through a volatile pointer: not removable as a dead store before free(). */
static void *(*const volatile ss_wipe)(void *, int, size_t) = memset;

void *tlsman_tinydtls_malloc(size_t n)
{
    if (n > (size_t)-1 - sizeof(ss_hdr_t)) {
        return NULL;
    }
    ss_hdr_t *h = malloc(sizeof(ss_hdr_t) + n);
    if (h == NULL) {
        return NULL;
    }
    h->n = n;
    ss_heap.bytes += n;
    ss_heap.blocks++;
    if (ss_heap.bytes > ss_heap.peak) {
        ss_heap.peak = ss_heap.bytes;
    }
    return h + 1;
}

void tlsman_tinydtls_free(void *p)
{
    if (p == NULL) {
        return;
    }
    ss_hdr_t *h = (ss_hdr_t *)p - 1;
    (void)ss_wipe(p, 0, h->n);
    ss_heap.bytes -= h->n;
    ss_heap.blocks--;
    free(h);
}

void tlsman_tinydtls_heap(tlsman_tinydtls_heap_t *out, int reset_peak)
{
    if (reset_peak) {
        ss_heap.peak = ss_heap.bytes;
    }
    if (out != NULL) {
        *out = ss_heap;
    }
}
