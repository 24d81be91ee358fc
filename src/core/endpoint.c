/**
 * @file endpoint.c
 * @brief Endpoint text forms: strict parser, RFC 5952 printer, comparison.
 *
 * Portable: no OS headers, no inet_pton, no printf family, no malloc. The parser walks the text one
 * character at a time and never looks beyond the terminating NUL (every look-ahead stops at the
 * first character that does not belong to the token), so it is safe on arbitrary input.
 *
 * Accepted forms (anything else is -EINVAL):
 *   A.B.C.D[:PORT]         four decimal octets 0..255, 1-3 digits, no leading zero ("01" is
 *                          rejected: inet_aton would read it as octal)
 *   localhost[:PORT]       127.0.0.1 (case-insensitive)
 *   [IPV6[%SCOPE]][:PORT]  IPV6 in any RFC 4291 text form ("::" compression, embedded IPv4 tail)
 *   IPV6[%SCOPE]           bare, without brackets, only when there is no port
 * PORT is 1-5 decimal digits with a value 0..65535; SCOPE is 1-10 decimal digits, 0..UINT32_MAX.
 * An IPv4-mapped address (::ffff:0:0/96) is stored as SOCK_SECURE_AF_INET and takes no scope.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "secure_sock/transport.h"

#define EP_IPV6_WORDS 8

/* ---- parsing helpers: each takes a cursor and advances it past what it accepted ------------ */

static bool ep_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int ep_hex_value(char c)
{
    if (ep_is_digit(c)) {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decimal number of 1..max_digits digits with a value <= max. Rejects a leading zero unless
 * allow_zero_pad is set. Stops at the first non-digit; a digit beyond max_digits is an error. */
static bool ep_parse_dec(const char **p, unsigned max_digits, uint32_t max, bool allow_zero_pad,
                         uint32_t *out)
{
    const char *s = *p;
    uint32_t value = 0;
    unsigned digits = 0;

    while (ep_is_digit(*s)) {
        uint32_t d = (uint32_t)(*s - '0');
        if (digits == max_digits || value > (max - d) / 10u) {
            return false;
        }
        value = value * 10u + d;
        digits++;
        s++;
    }
    if (digits == 0 || (!allow_zero_pad && digits > 1 && **p == '0')) {
        return false;
    }
    *out = value;
    *p = s;
    return true;
}

/* Dotted quad into out[0..3]. */
static bool ep_parse_ipv4(const char **p, uint8_t out[4])
{
    const char *s = *p;

    for (unsigned i = 0; i < 4; i++) {
        uint32_t octet;
        if (i > 0) {
            if (*s != '.') {
                return false;
            }
            s++;
        }
        if (!ep_parse_dec(&s, 3, 255, false, &octet)) {
            return false;
        }
        out[i] = (uint8_t)octet;
    }
    *p = s;
    return true;
}

/* True if the text at s starts with decimal digits followed by '.': an embedded IPv4 tail. The
 * scan stops at the first non-digit, so it never passes a NUL. */
static bool ep_ipv4_follows(const char *s)
{
    while (ep_is_digit(*s)) {
        s++;
    }
    return *s == '.';
}

/* One IPv6 group: 1-4 hex digits. */
static bool ep_parse_hex16(const char **p, uint16_t *out)
{
    const char *s = *p;
    uint32_t value = 0;
    unsigned digits = 0;
    int h;

    while ((h = ep_hex_value(*s)) >= 0) {
        if (digits == 4) {
            return false;
        }
        value = (value << 4) | (uint32_t)h;
        digits++;
        s++;
    }
    if (digits == 0) {
        return false;
    }
    *out = (uint16_t)value;
    *p = s;
    return true;
}

/* Spread words[0..n) over 8 groups, with the "::" gap (at index gap, or -1) filled with zeros. */
static void ep_ipv6_store(const uint16_t *words, int n, int gap, uint8_t out[16])
{
    uint16_t full[EP_IPV6_WORDS] = {0};
    int head = (gap < 0) ? n : gap;
    int tail = n - head;

    for (int i = 0; i < head; i++) {
        full[i] = words[i];
    }
    for (int i = 0; i < tail; i++) {
        full[EP_IPV6_WORDS - tail + i] = words[head + i];
    }
    for (size_t i = 0; i < EP_IPV6_WORDS; i++) {
        out[2 * i] = (uint8_t)(full[i] >> 8);
        out[2 * i + 1] = (uint8_t)(full[i] & 0xffu);
    }
}

/* Parse an embedded IPv4 tail as the last two groups. */
static bool ep_parse_ipv4_tail(const char **p, uint16_t *words, int *n)
{
    uint8_t v4[4];

    if (*n > EP_IPV6_WORDS - 2 || !ep_parse_ipv4(p, v4)) {
        return false;
    }
    words[(*n)++] = (uint16_t)((v4[0] << 8) | v4[1]);
    words[(*n)++] = (uint16_t)((v4[2] << 8) | v4[3]);
    return true;
}

/* IPv6 text (RFC 4291 §2.2) into out. Stops before the first character that cannot continue the
 * address (the caller checks what follows). Exactly one "::" may stand for one or more groups; an
 * IPv4 tail ends the address. */
static bool ep_parse_ipv6(const char **p, uint8_t out[16])
{
    const char *s = *p;
    uint16_t words[EP_IPV6_WORDS];
    int n = 0;
    int gap = -1;
    bool more = true;

    if (s[0] == ':') {
        if (s[1] != ':') {
            return false;
        }
        gap = 0;
        s += 2;
        more = ep_hex_value(*s) >= 0; /* "::" alone, or "::" followed by groups */
    }
    while (more) {
        if (ep_ipv4_follows(s)) {
            if (!ep_parse_ipv4_tail(&s, words, &n)) {
                return false;
            }
            break;
        }
        if (n == EP_IPV6_WORDS || !ep_parse_hex16(&s, &words[n])) {
            return false;
        }
        n++;
        if (s[0] != ':') {
            break;
        }
        if (s[1] != ':') {
            s++; /* a single colon: another group must follow */
            continue;
        }
        if (gap >= 0) {
            return false; /* a second "::" */
        }
        gap = n;
        s += 2;
        more = ep_hex_value(*s) >= 0; /* a trailing "::" ends the address */
    }
    if ((gap < 0 && n != EP_IPV6_WORDS) || (gap >= 0 && n >= EP_IPV6_WORDS)) {
        return false; /* too few groups, or a "::" that stands for nothing */
    }
    ep_ipv6_store(words, n, gap, out);
    *p = s;
    return true;
}

static bool ep_is_v4_mapped(const uint8_t addr[16])
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(addr, prefix, sizeof(prefix)) == 0;
}

/* Optional "%SCOPE" after an IPv6 address. */
static bool ep_parse_scope(const char **p, uint32_t *scope, bool *present)
{
    *present = false;
    *scope = 0;
    if (**p != '%') {
        return true;
    }
    (*p)++;
    *present = true;
    return ep_parse_dec(p, 10, UINT32_MAX, true, scope);
}

/* Optional ":PORT" and then the end of the text. */
static bool ep_parse_port_end(const char *s, uint16_t *port)
{
    uint32_t value;

    if (*s == '\0') {
        return true;
    }
    if (*s != ':') {
        return false;
    }
    s++;
    if (!ep_parse_dec(&s, 5, 65535u, true, &value) || *s != '\0') {
        return false;
    }
    *port = (uint16_t)value;
    return true;
}

/* IPv6 address with optional scope, stored in ep (as IPv4 if mapped). */
static bool ep_parse_ipv6_host(const char **p, sock_secure_ep_t *ep)
{
    uint8_t addr[16];
    uint32_t scope;
    bool has_scope;

    if (!ep_parse_ipv6(p, addr) || !ep_parse_scope(p, &scope, &has_scope)) {
        return false;
    }
    if (ep_is_v4_mapped(addr)) {
        if (has_scope) {
            return false; /* an IPv4 address has no zone */
        }
        ep->family = SOCK_SECURE_AF_INET;
        memcpy(ep->addr, &addr[12], 4);
        return true;
    }
    ep->family = SOCK_SECURE_AF_INET6;
    ep->scope_id = scope;
    memcpy(ep->addr, addr, sizeof(addr));
    return true;
}

/* "localhost" (any case) at s; advances past it. */
static bool ep_parse_localhost(const char **p)
{
    static const char name[] = "localhost";
    const char *s = *p;

    for (size_t i = 0; i < sizeof(name) - 1; i++) {
        char c = s[i]; /* s[i] is read only while every earlier char matched, so no NUL passed */
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != name[i]) {
            return false;
        }
    }
    *p = s + sizeof(name) - 1;
    return true;
}

static bool ep_parse_bracketed(sock_secure_ep_t *ep, const char *s)
{
    if (!ep_parse_ipv6_host(&s, ep) || *s != ']') {
        return false;
    }
    return ep_parse_port_end(s + 1, &ep->port);
}

static bool ep_parse_unbracketed(sock_secure_ep_t *ep, const char *str)
{
    const char *s = str;

    if (ep_parse_localhost(&s)) {
        static const uint8_t loopback[4] = {127, 0, 0, 1};
        ep->family = SOCK_SECURE_AF_INET;
        memcpy(ep->addr, loopback, sizeof(loopback));
        return ep_parse_port_end(s, &ep->port);
    }
    if (ep_parse_ipv4(&s, ep->addr)) {
        ep->family = SOCK_SECURE_AF_INET;
        return ep_parse_port_end(s, &ep->port);
    }
    s = str;
    memset(ep->addr, 0, sizeof(ep->addr));
    return ep_parse_ipv6_host(&s, ep) && *s == '\0'; /* bare IPv6: no port */
}

int sock_secure_ep_parse(sock_secure_ep_t *ep, const char *str, uint16_t default_port)
{
    sock_secure_ep_t tmp;
    bool ok;

    if (ep == NULL || str == NULL) {
        return -EINVAL;
    }
    memset(&tmp, 0, sizeof(tmp));
    tmp.port = default_port;
    if (str[0] == '[') {
        ok = ep_parse_bracketed(&tmp, str + 1);
    } else {
        ok = ep_parse_unbracketed(&tmp, str);
    }
    if (!ok) {
        return -EINVAL;
    }
    *ep = tmp;
    return 0;
}

/* ---- formatting ------------------------------------------------------------------------------ */

/* A bounded text writer: writes past the end are counted as overflow, never stored. */
typedef struct {
    char *buf;
    size_t cap; /* bytes of buf, one of them reserved for the NUL */
    size_t len;
    bool overflow;
} ep_writer_t;

static void ep_put_char(ep_writer_t *w, char c)
{
    if (w->len + 1 >= w->cap) {
        w->overflow = true;
        return;
    }
    w->buf[w->len++] = c;
}

static void ep_put_dec(ep_writer_t *w, uint32_t value)
{
    char digits[10];
    size_t n = 0;

    do {
        digits[n++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0);
    while (n > 0) {
        ep_put_char(w, digits[--n]);
    }
}

/* One IPv6 group: lowercase hex, no leading zeros (RFC 5952 §4.1, §4.3). */
static void ep_put_hex16(ep_writer_t *w, uint16_t value)
{
    static const char hex[] = "0123456789abcdef";
    bool started = false;

    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned nibble = (unsigned)(value >> shift) & 0xfu;
        if (nibble != 0 || started || shift == 0) {
            ep_put_char(w, hex[nibble]);
            started = true;
        }
    }
}

static void ep_put_ipv4(ep_writer_t *w, const uint8_t addr[4])
{
    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            ep_put_char(w, '.');
        }
        ep_put_dec(w, addr[i]);
    }
}

/* Longest run of at least two zero groups, the first one on ties (RFC 5952 §4.2). Sets *start to
 * -1 if there is none. */
static void ep_zero_run(const uint16_t *words, int *start, int *count)
{
    int best = -1, best_len = 0;
    int run = -1, run_len = 0;

    for (int i = 0; i < EP_IPV6_WORDS; i++) {
        if (words[i] != 0) {
            run = -1;
            run_len = 0;
            continue;
        }
        if (run < 0) {
            run = i;
        }
        run_len++;
        if (run_len > best_len) {
            best = run;
            best_len = run_len;
        }
    }
    if (best_len < 2) {
        best = -1;
        best_len = 0;
    }
    *start = best;
    *count = best_len;
}

static void ep_put_ipv6(ep_writer_t *w, const uint8_t addr[16])
{
    uint16_t words[EP_IPV6_WORDS];
    int zstart, zcount;

    if (ep_is_v4_mapped(addr)) { /* RFC 5952 §5 */
        for (const char *s = "::ffff:"; *s != '\0'; s++) {
            ep_put_char(w, *s);
        }
        ep_put_ipv4(w, &addr[12]);
        return;
    }
    for (size_t i = 0; i < EP_IPV6_WORDS; i++) {
        words[i] = (uint16_t)((addr[2 * i] << 8) | addr[2 * i + 1]);
    }
    ep_zero_run(words, &zstart, &zcount);
    for (int i = 0; i < EP_IPV6_WORDS; i++) {
        if (i == zstart) {
            ep_put_char(w, ':');
            ep_put_char(w, ':');
            i += zcount - 1;
            continue;
        }
        if (i > 0 && i != zstart + zcount) {
            ep_put_char(w, ':');
        }
        ep_put_hex16(w, words[i]);
    }
}

int sock_secure_ep_format(const sock_secure_ep_t *ep, char *buf, size_t len)
{
    char text[SOCK_SECURE_EP_STRLEN];
    ep_writer_t w = {text, sizeof(text), 0, false};

    if (ep == NULL || buf == NULL) {
        return -EINVAL;
    }
    if (ep->family == SOCK_SECURE_AF_INET) {
        ep_put_ipv4(&w, ep->addr);
    } else if (ep->family == SOCK_SECURE_AF_INET6) {
        ep_put_char(&w, '[');
        ep_put_ipv6(&w, ep->addr);
        if (ep->scope_id != 0) {
            ep_put_char(&w, '%');
            ep_put_dec(&w, ep->scope_id);
        }
        ep_put_char(&w, ']');
    } else {
        return -EINVAL;
    }
    ep_put_char(&w, ':');
    ep_put_dec(&w, ep->port);
    if (w.overflow || w.len >= len) { /* overflow cannot happen: SOCK_SECURE_EP_STRLEN fits the longest */
        if (len > 0) {
            buf[0] = '\0';
        }
        return -EMSGSIZE;
    }
    memcpy(buf, text, w.len);
    buf[w.len] = '\0';
    return (int)w.len;
}

bool sock_secure_ep_equal(const sock_secure_ep_t *a, const sock_secure_ep_t *b)
{
    if (a == NULL || b == NULL || a->family != b->family || a->port != b->port) {
        return false;
    }
    if (a->family == SOCK_SECURE_AF_INET) {
        return memcmp(a->addr, b->addr, 4) == 0; /* addr[4..15] and scope_id are unused */
    }
    return a->scope_id == b->scope_id && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}
