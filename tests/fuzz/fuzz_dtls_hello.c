/* Fuzz the core's stateless ClientHello parser and HelloVerifyRequest writer
 * (src/core/dtls_hello.c, included directly so the fuzzer needs nothing else): every length is
 * checked before use, every pointer handed out stays inside the datagram, and the HVR written for
 * any parsed hello and any cookie is well-formed and fits its buffer; with the hello's own cookie
 * it is smaller than the hello. */
#include <string.h>

#include "fuzz_common.h"

#ifdef SS_FUZZ_REPLAY
#include "../../src/core/core.h" /* the replay test links the core library */
#else
#include "../../src/core/dtls_hello.c"
#endif

static void fuzz_check_hvr(const ss_client_hello_t *ch, const uint8_t *cookie, size_t cookie_len)
{
    uint8_t out[SS_HVR_MAX + 16];
    for (size_t max = 0; max <= SS_HVR_MAX + 1; max += (max < 40 ? 1 : 37)) {
        memset(out, 0xEE, sizeof(out));
        size_t n = sock_secure__dtls_write_hello_verify(ch, cookie, cookie_len, out, max);
        size_t want = SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR + 3 + cookie_len;
        if (cookie_len > 255 || want > max) {
            FUZZ_ASSERT(n == 0);
        } else {
            FUZZ_ASSERT(n == want);
            /* record: handshake, DTLS 1.0 version, epoch 0, the hello's record sequence echoed */
            FUZZ_ASSERT(out[0] == 22 && out[1] == 0xFE && out[2] == 0xFF && out[3] == 0 &&
                        out[4] == 0);
            FUZZ_ASSERT(memcmp(&out[5], ch->record_seq, 6) == 0);
            FUZZ_ASSERT(((size_t)out[11] << 8 | out[12]) == n - SS_DTLS_RECORD_HDR);
            const uint8_t *hs = out + SS_DTLS_RECORD_HDR;
            size_t body = 3 + cookie_len;
            FUZZ_ASSERT(hs[0] == 3);
            FUZZ_ASSERT(((size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3]) == body);
            FUZZ_ASSERT(((size_t)hs[4] << 8 | hs[5]) == ch->message_seq);
            FUZZ_ASSERT(hs[6] == 0 && hs[7] == 0 && hs[8] == 0); /* fragment offset */
            FUZZ_ASSERT(((size_t)hs[9] << 16 | (size_t)hs[10] << 8 | hs[11]) == body);
            FUZZ_ASSERT(hs[14] == cookie_len);
            FUZZ_ASSERT(memcmp(hs + 15, cookie, cookie_len) == 0);
        }
        for (size_t i = max; i < sizeof(out); i++) {
            FUZZ_ASSERT(out[i] == 0xEE); /* nothing written beyond out_max */
        }
    }
}

int fuzz_dtls_hello(const uint8_t *data, size_t size)
{
    ss_client_hello_t ch;
    int is_hs = sock_secure__dtls_is_epoch0_handshake(data, size);
    memset(&ch, 0, sizeof(ch));
    if (sock_secure__dtls_parse_client_hello(data, size, &ch) == 0) {
        FUZZ_ASSERT(is_hs);
        FUZZ_ASSERT(size >= SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR + 2 + 32 + 1 + 1);
        FUZZ_ASSERT(ch.record_seq == data + 5);
        FUZZ_ASSERT(ch.cookie_len <= 255);
        FUZZ_ASSERT(ch.cookie >= data && ch.cookie + ch.cookie_len <= data + size);
        FUZZ_ASSERT(data[SS_DTLS_RECORD_HDR] == 1);
        /* the core sends an HVR only if it is no larger than the hello: with the hello's own
         * cookie (what a server echoing it would write) the HVR always is */
        size_t hvr = SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR + 3 + ch.cookie_len;
        FUZZ_ASSERT(hvr <= size);
        fuzz_check_hvr(&ch, ch.cookie, ch.cookie_len);
        /* a cookie of any length 0..256, from the input's tail */
        size_t clen = size % 257;
        uint8_t cookie[256 + 1];
        for (size_t i = 0; i < clen; i++) {
            cookie[i] = data[(i * 7) % size];
        }
        fuzz_check_hvr(&ch, cookie, clen);
    } else {
        FUZZ_ASSERT(ch.record_seq == NULL && ch.cookie == NULL); /* untouched on failure */
    }
    /* the same bytes as a cookie-less hello's neighbours: every prefix parses or not, safely */
    if (size > 0) {
        (void)sock_secure__dtls_parse_client_hello(data, size - 1, &ch);
    }
    return 0;
}

FUZZ_ENTRY(fuzz_dtls_hello)
