/* Shared by the libFuzzer harnesses in tests/fuzz/ and by their replay test (fuzz_replay.c).
 *
 * Built with SS_FUZZ=ON (clang -fsanitize=fuzzer,address,undefined) each harness is a fuzzer:
 * FUZZ_ENTRY defines LLVMFuzzerTestOneInput. Built with SS_FUZZ_REPLAY (the normal test build),
 * the harnesses are plain functions that tests/fuzz/fuzz_replay.c feeds with every file of the
 * seed corpora and of tests/fuzz/regressions/, so crashes found once stay fixed.
 *
 * Input format of the network harnesses: a sequence of datagrams, each a selector byte (which
 * endpoint sends it, whether the clock moves first), a big-endian 2-byte length and that many
 * bytes (fewer if the input ends first). */
#ifndef SS_FUZZ_COMMON_H
#define SS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant the library must keep whatever the input: a violation is a crash to libFuzzer. */
#define FUZZ_ASSERT(cond)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

typedef struct {
    uint8_t sel;         /* selector byte */
    const uint8_t *data; /* datagram bytes (into the input) */
    size_t len;
} fuzz_dgram_t;

/* Take the next datagram off the input. Returns 0 when the input is used up. */
static inline int fuzz_next_dgram(const uint8_t **d, size_t *n, fuzz_dgram_t *out)
{
    if (*n < 3) {
        return 0;
    }
    size_t len = (size_t)(*d)[1] << 8 | (*d)[2];
    out->sel = (*d)[0];
    *d += 3;
    *n -= 3;
    if (len > *n) {
        len = *n;
    }
    out->data = *d;
    out->len = len;
    *d += len;
    *n -= len;
    return 1;
}

int fuzz_server_input(const uint8_t *data, size_t size);
int fuzz_client_input(const uint8_t *data, size_t size);
int fuzz_endpoint(const uint8_t *data, size_t size);
int fuzz_dtls_hello(const uint8_t *data, size_t size);
int fuzz_creds(const uint8_t *data, size_t size);

#ifdef SS_FUZZ_REPLAY
#define FUZZ_ENTRY(fn)
#else
#define FUZZ_ENTRY(fn)                                                                     \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                           \
    {                                                                                      \
        return fn(data, size);                                                             \
    }
#endif

#endif
