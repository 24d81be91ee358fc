/* Fuzz sock_secure_ep_parse() / sock_secure_ep_format(): any text parses or is refused without reading past its
 * NUL; what parses formats, and the formatted text parses back to the same endpoint and formats to
 * the same text; no buffer size makes format write out of bounds; and an arbitrary sock_secure_ep_t (raw
 * input bytes) formats safely to text that is itself a fixed point. */
#include <errno.h>
#include <string.h>

#include "fuzz_common.h"
#include "secure_sock/transport.h"

#define FUZZ_EP_TEXT_MAX 256

static void fuzz_format_all_sizes(const sock_secure_ep_t *ep, const char *full, int full_len)
{
    char buf[SOCK_SECURE_EP_STRLEN + 8];
    for (size_t len = 0; len <= SOCK_SECURE_EP_STRLEN; len++) {
        memset(buf, 0x7f, sizeof(buf));
        int rc = sock_secure_ep_format(ep, buf, len);
        if ((size_t)full_len < len) {
            FUZZ_ASSERT(rc == full_len && strcmp(buf, full) == 0);
        } else {
            FUZZ_ASSERT(rc == -EMSGSIZE);
            FUZZ_ASSERT(len == 0 || buf[0] == '\0');
        }
        for (size_t i = len; i < sizeof(buf); i++) {
            FUZZ_ASSERT(buf[i] == 0x7f); /* nothing written past len */
        }
    }
}

/* @p ep formatted: the text must parse back and be a fixed point. Returns its length or < 0. */
static int fuzz_check_format(const sock_secure_ep_t *ep, int must_equal)
{
    char text[SOCK_SECURE_EP_STRLEN], again[SOCK_SECURE_EP_STRLEN];
    int n = sock_secure_ep_format(ep, text, sizeof(text));
    if (n < 0) {
        FUZZ_ASSERT(n == -EINVAL);
        FUZZ_ASSERT(ep->family != SOCK_SECURE_AF_INET && ep->family != SOCK_SECURE_AF_INET6);
        return n;
    }
    FUZZ_ASSERT((size_t)n < sizeof(text) && strlen(text) == (size_t)n);
    sock_secure_ep_t back;
    FUZZ_ASSERT(sock_secure_ep_parse(&back, text, 1) == 0);
    if (must_equal) {
        FUZZ_ASSERT(sock_secure_ep_equal(&back, ep));
    }
    FUZZ_ASSERT(sock_secure_ep_format(&back, again, sizeof(again)) == n);
    FUZZ_ASSERT(strcmp(text, again) == 0);
    fuzz_format_all_sizes(ep, text, n);
    return n;
}

int fuzz_endpoint(const uint8_t *data, size_t size)
{
    /* 1: the input as text (NUL-terminated copy; an embedded NUL ends it early) */
    char text[FUZZ_EP_TEXT_MAX + 1];
    size_t n = size < FUZZ_EP_TEXT_MAX ? size : FUZZ_EP_TEXT_MAX;
    memcpy(text, data, n);
    text[n] = '\0';
    sock_secure_ep_t ep, untouched;
    memset(&ep, 0xA5, sizeof(ep));
    untouched = ep;
    int rc = sock_secure_ep_parse(&ep, text, 5684);
    if (rc == 0) {
        FUZZ_ASSERT(ep.family == SOCK_SECURE_AF_INET || ep.family == SOCK_SECURE_AF_INET6);
        FUZZ_ASSERT(ep.family == SOCK_SECURE_AF_INET6 || ep.scope_id == 0);
        FUZZ_ASSERT(sock_secure_ep_equal(&ep, &ep));
        (void)fuzz_check_format(&ep, 1);
    } else {
        FUZZ_ASSERT(rc == -EINVAL);
        FUZZ_ASSERT(memcmp(&ep, &untouched, sizeof(ep)) == 0); /* untouched on failure */
    }

    /* 2: the input as a raw endpoint (any family, junk in unused bytes) */
    if (size >= 1 + 2 + 4 + 16) {
        sock_secure_ep_t raw;
        memset(&raw, 0, sizeof(raw));
        raw.family = data[0] % 8;
        raw.port = (uint16_t)(data[1] << 8 | data[2]);
        raw.scope_id = (uint32_t)data[3] << 24 | (uint32_t)data[4] << 16 |
                       (uint32_t)data[5] << 8 | data[6];
        memcpy(raw.addr, data + 7, 16);
        /* an IPv6 endpoint holding an IPv4-mapped address is not canonical (the library stores
         * those as IPv4): its text may legitimately come back different or, with a scope, not at
         * all. Every canonical endpoint must survive format -> parse unchanged (equal ignores
         * the unused bytes of an IPv4 endpoint) */
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (raw.family != SOCK_SECURE_AF_INET6 || memcmp(raw.addr, mapped, sizeof(mapped)) != 0) {
            (void)fuzz_check_format(&raw, 1);
        } else {
            char t[SOCK_SECURE_EP_STRLEN];
            FUZZ_ASSERT(sock_secure_ep_format(&raw, t, sizeof(t)) > 0);
        }
    }

    /* 3: NULL and tiny buffers never crash */
    FUZZ_ASSERT(sock_secure_ep_parse(NULL, text, 0) == -EINVAL);
    FUZZ_ASSERT(sock_secure_ep_format(&ep, NULL, 0) == -EINVAL);
    FUZZ_ASSERT(sock_secure_ep_format(NULL, text, sizeof(text)) == -EINVAL);
    FUZZ_ASSERT(!sock_secure_ep_equal(NULL, &ep));
    return 0;
}

FUZZ_ENTRY(fuzz_endpoint)
