/* sock_secure_ep_parse / sock_secure_ep_format / sock_secure_ep_equal: good and bad text, RFC 5952 output, round trips,
 * small buffers and NULLs. */
#include <stdint.h>
#include <string.h>

#include "testutil.h"

/* Parse text (default port 1234) and expect it to print as want. */
static void expect_canonical(const char *text, const char *want)
{
    sock_secure_ep_t ep;
    char buf[SOCK_SECURE_EP_STRLEN];
    int rc = sock_secure_ep_parse(&ep, text, 1234);

    CHECK_EQ(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "  rejected: \"%s\"\n", text);
        return;
    }
    rc = sock_secure_ep_format(&ep, buf, sizeof(buf));
    CHECK_EQ(rc, (int)strlen(want));
    CHECK(strcmp(buf, want) == 0);
    if (strcmp(buf, want) != 0) {
        fprintf(stderr, "  \"%s\" printed as \"%s\", want \"%s\"\n", text, buf, want);
    }
}

static void expect_rejected(const char *text)
{
    sock_secure_ep_t ep;
    sock_secure_ep_t before;
    int rc;

    memset(&ep, 0xa5, sizeof(ep));
    before = ep;
    rc = sock_secure_ep_parse(&ep, text, 1);
    CHECK_EQ(rc, -EINVAL);
    CHECK_MEM(&ep, &before, sizeof(ep)); /* untouched on failure */
    if (rc != -EINVAL) {
        fprintf(stderr, "  accepted: \"%s\"\n", text);
    }
}

static sock_secure_ep_t make_v6(const uint8_t addr[16], uint16_t port, uint32_t scope)
{
    sock_secure_ep_t ep;

    memset(&ep, 0, sizeof(ep));
    ep.family = SOCK_SECURE_AF_INET6;
    ep.port = port;
    ep.scope_id = scope;
    memcpy(ep.addr, addr, 16);
    return ep;
}

static void parse_ipv4_fills_every_field(void)
{
    sock_secure_ep_t ep;
    static const uint8_t want[16] = {192, 0, 2, 1};

    CHECK_EQ(sock_secure_ep_parse(&ep, "192.0.2.1:5684", 1), 0);
    CHECK_EQ(ep.family, SOCK_SECURE_AF_INET);
    CHECK_EQ(ep.port, 5684);
    CHECK_EQ(ep.scope_id, 0);
    CHECK_MEM(ep.addr, want, 16); /* unused bytes are zero */
}

static void parse_ipv4_forms(void)
{
    expect_canonical("0.0.0.0:0", "0.0.0.0:0");
    expect_canonical("255.255.255.255:65535", "255.255.255.255:65535");
    expect_canonical("10.0.0.1", "10.0.0.1:1234");
    expect_canonical("127.0.0.1:00080", "127.0.0.1:80"); /* zero-padded port: still decimal */
    expect_canonical("1.2.3.4:0", "1.2.3.4:0");
}

static void parse_ipv4_rejects_bad_text(void)
{
    static const char *const bad[] = {
        "", "1", "1.2", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "1.2.3.4.",
        "256.1.1.1", "1.2.3.256", "1.2.3.1000", "01.2.3.4", "1.2.3.04", "1.2.3.00",
        "+1.2.3.4", "1.+2.3.4", "-1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4x", "0x1.2.3.4",
        "1.2.3.4:", "1.2.3.4:70000", "1.2.3.4:65536", "1.2.3.4:99999", "1.2.3.4:-1",
        "1.2.3.4:+80", "1.2.3.4:80x", "1.2.3.4:80:", "1.2.3.4::80", "1.2.3.4: 80", "1.2.3.4:8 0",
        "1.2.3.4:123456", "1.2.3.4:000080", "1.2.3.4%1", "[1.2.3.4]:80", "[1.2.3.4]",
        "4294967296.0.0.1", "1.2.3.4:4294967296",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_rejected(bad[i]);
    }
}

static void parse_localhost(void)
{
    sock_secure_ep_t ep;

    expect_canonical("localhost", "127.0.0.1:1234");
    expect_canonical("localhost:5684", "127.0.0.1:5684");
    expect_canonical("LocalHost:1", "127.0.0.1:1");
    CHECK_EQ(sock_secure_ep_parse(&ep, "localhost", 7), 0);
    CHECK_EQ(ep.family, SOCK_SECURE_AF_INET);
    CHECK_EQ(ep.port, 7);
    expect_rejected("localhos");
    expect_rejected("localhostx");
    expect_rejected("localhost:");
    expect_rejected("localhost:70000");
    expect_rejected("[localhost]:1");
    expect_rejected("localhost.:1");
}

static void parse_ipv6_forms(void)
{
    expect_canonical("[::1]:5684", "[::1]:5684");
    expect_canonical("::1", "[::1]:1234");
    expect_canonical("::", "[::]:1234");
    expect_canonical("[::]:0", "[::]:0");
    expect_canonical("[2001:DB8::1]:1", "[2001:db8::1]:1");
    expect_canonical("2001:0db8:0000:0000:0000:0000:0000:0001", "[2001:db8::1]:1234");
    expect_canonical("1:2:3:4:5:6:7:8", "[1:2:3:4:5:6:7:8]:1234");
    expect_canonical("1::", "[1::]:1234");
    expect_canonical("1:2:3:4:5:6:7::", "[1:2:3:4:5:6:7:0]:1234"); /* "::" for one group */
    expect_canonical("::2:3:4:5:6:7:8", "[0:2:3:4:5:6:7:8]:1234");
    expect_canonical("1::8", "[1::8]:1234");
    expect_canonical("ffff:FFFF:ffff:ffff:ffff:ffff:ffff:ffff",
                     "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1234");
    expect_canonical("[fe80::1%2]:5684", "[fe80::1%2]:5684");
    expect_canonical("fe80::1%4294967295", "[fe80::1%4294967295]:1234");
    expect_canonical("fe80::1%0", "[fe80::1]:1234"); /* zone 0 = none */
    expect_canonical("[::1.2.3.4]:1", "[::102:304]:1"); /* IPv4-compatible stays IPv6 */
    expect_canonical("1:2:3:4:5:6:1.2.3.4", "[1:2:3:4:5:6:102:304]:1234");
    expect_canonical("[64:ff9b::192.0.2.33]:1", "[64:ff9b::c000:221]:1");
}

static void parse_ipv6_rejects_bad_text(void)
{
    static const char *const bad[] = {
        "[]", "[]:1", "[", "[::1", "::1]", "[::1]:", "[::1]x", "[::1]:70000", "[::1]:65536",
        "[::1]::1", "[::1] :1", "::1:", ":1::", ":::", "::::", "1:::2", "1::2::3", ":", "1:",
        "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        "1:2:3:4::5:6:7:8", "12345::", "1:23456::", "g::", "::g", "::1 ", " ::1", "[ ::1]",
        "[::1%]", "[::1%x]", "[::1%1x]", "[::1%-1]", "[::1%+1]", "[::1%4294967296]",
        "::1%01234567890", "::1%eth0", "[::1]%1", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3",
        "::1.2.3.4.5", "::1.2.3.256", "::01.2.3.4", "::1.2.3.4:1", "::1.2.3.4::",
        "1.2.3.4::", "::ffff:1.2.3.4%1", "[::ffff:1.2.3.4%1]:1", "[::1]]:1", "[[::1]]:1",
        "::1:80:", "2001:db8::1:", "fe80::1%2:80", "[::%1]:1x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_rejected(bad[i]);
    }
}

static void bare_ipv6_with_what_looks_like_a_port_is_an_address(void)
{
    sock_secure_ep_t ep;
    static const uint8_t want[16] = {[13] = 1, [15] = 0x80};

    CHECK_EQ(sock_secure_ep_parse(&ep, "::1:80", 9), 0); /* no brackets: the last group is not a port */
    CHECK_EQ(ep.family, SOCK_SECURE_AF_INET6);
    CHECK_EQ(ep.port, 9);
    CHECK_MEM(ep.addr, want, 16);
}

static void ipv4_mapped_is_stored_as_ipv4(void)
{
    sock_secure_ep_t ep;
    sock_secure_ep_t v4 = tu_ep("1.2.3.4:80");

    CHECK_EQ(sock_secure_ep_parse(&ep, "[::ffff:1.2.3.4]:80", 1), 0);
    CHECK_EQ(ep.family, SOCK_SECURE_AF_INET);
    CHECK(sock_secure_ep_equal(&ep, &v4));
    CHECK_EQ(sock_secure_ep_parse(&ep, "::FFFF:0102:0304", 80), 0);
    CHECK_EQ(ep.family, SOCK_SECURE_AF_INET);
    CHECK(sock_secure_ep_equal(&ep, &v4));
    expect_canonical("::ffff:127.0.0.1", "127.0.0.1:1234");
    expect_canonical("[0:0:0:0:0:ffff:10.0.0.1]:9", "10.0.0.1:9");
}

static void default_port_used_only_without_port(void)
{
    sock_secure_ep_t ep;

    CHECK_EQ(sock_secure_ep_parse(&ep, "[::1]", 443), 0);
    CHECK_EQ(ep.port, 443);
    CHECK_EQ(sock_secure_ep_parse(&ep, "[::1]:0", 443), 0);
    CHECK_EQ(ep.port, 0);
    CHECK_EQ(sock_secure_ep_parse(&ep, "1.1.1.1", 65535), 0);
    CHECK_EQ(ep.port, 65535);
}

static void format_rfc5952(void)
{
    static const uint8_t a1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    static const uint8_t a2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t a3[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    static const uint8_t a4[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    static const uint8_t a5[16] = {0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t a6[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1};
    static const struct {
        const uint8_t *addr;
        uint16_t port;
        uint32_t scope;
        const char *want;
    } cases[] = {
        {a1, 1, 0, "[2001:db8::1:0:0:1]:1"},    /* ties: the first run is compressed */
        {a2, 2, 0, "[2001:db8:0:1::1]:2"},      /* the longest run wins */
        {a3, 3, 0, "[2001:db8:0:1:1:1:1:1]:3"}, /* a single zero group is not compressed */
        {a4, 4, 0, "[2001:db8:0:0:1::]:4"},    /* the longer, later run wins */
        {a5, 5, 7, "[abcd::%7]:5"},
        {a6, 6, 0, "[::ffff:192.0.2.1]:6"},     /* hand-made mapped IPv6: RFC 5952 §5 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sock_secure_ep_t ep = make_v6(cases[i].addr, cases[i].port, cases[i].scope);
        char buf[SOCK_SECURE_EP_STRLEN];
        int rc = sock_secure_ep_format(&ep, buf, sizeof(buf));
        CHECK_EQ(rc, (int)strlen(cases[i].want));
        CHECK(strcmp(buf, cases[i].want) == 0);
        if (strcmp(buf, cases[i].want) != 0) {
            fprintf(stderr, "  got \"%s\", want \"%s\"\n", buf, cases[i].want);
        }
    }
}

static void format_longest_text_fits_strlen(void)
{
    uint8_t addr[16];
    char buf[SOCK_SECURE_EP_STRLEN];
    const char *want = "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535";
    sock_secure_ep_t ep;

    memset(addr, 0xff, sizeof(addr));
    ep = make_v6(addr, 65535, UINT32_MAX);
    CHECK_EQ(sock_secure_ep_format(&ep, buf, sizeof(buf)), (int)strlen(want));
    CHECK(strcmp(buf, want) == 0);
}

static void format_small_buffers(void)
{
    sock_secure_ep_t ep = tu_ep("192.168.100.200:65535");
    const char *want = "192.168.100.200:65535";
    size_t need = strlen(want) + 1;
    char buf[SOCK_SECURE_EP_STRLEN + 8];

    for (size_t len = 0; len < need; len++) {
        memset(buf, '#', sizeof(buf));
        CHECK_EQ(sock_secure_ep_format(&ep, buf, len), -EMSGSIZE);
        if (len > 0) {
            CHECK_EQ(buf[0], '\0');
        }
        for (size_t i = (len > 0) ? 1 : 0; i < sizeof(buf); i++) {
            CHECK_EQ(buf[i], '#'); /* nothing written past buf[0] */
        }
    }
    memset(buf, '#', sizeof(buf));
    CHECK_EQ(sock_secure_ep_format(&ep, buf, need), (int)need - 1);
    CHECK(strcmp(buf, want) == 0);
    CHECK_EQ(buf[need], '#');
}

static void format_rejects_null_and_unknown_family(void)
{
    sock_secure_ep_t ep = tu_ep("1.2.3.4:5");
    char buf[SOCK_SECURE_EP_STRLEN] = "x";

    CHECK_EQ(sock_secure_ep_format(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(sock_secure_ep_format(&ep, NULL, 10), -EINVAL);
    ep.family = SOCK_SECURE_AF_UNSPEC;
    CHECK_EQ(sock_secure_ep_format(&ep, buf, sizeof(buf)), -EINVAL);
    ep.family = 5;
    CHECK_EQ(sock_secure_ep_format(&ep, buf, sizeof(buf)), -EINVAL);
}

static void parse_rejects_null(void)
{
    sock_secure_ep_t ep;

    CHECK_EQ(sock_secure_ep_parse(NULL, "1.2.3.4", 1), -EINVAL);
    CHECK_EQ(sock_secure_ep_parse(&ep, NULL, 1), -EINVAL);
}

static void round_trip(const char *text)
{
    sock_secure_ep_t a, b;
    char buf1[SOCK_SECURE_EP_STRLEN], buf2[SOCK_SECURE_EP_STRLEN];

    CHECK_EQ(sock_secure_ep_parse(&a, text, 99), 0);
    CHECK(sock_secure_ep_format(&a, buf1, sizeof(buf1)) > 0);
    CHECK_EQ(sock_secure_ep_parse(&b, buf1, 1), 0);
    CHECK(sock_secure_ep_equal(&a, &b));
    CHECK(sock_secure_ep_format(&b, buf2, sizeof(buf2)) > 0);
    CHECK(strcmp(buf1, buf2) == 0);
}

static void round_trips_are_stable(void)
{
    static const char *const texts[] = {
        "0.0.0.0:0", "255.255.255.255:65535", "localhost", "[::]:1", "::1", "fe80::1%3",
        "[2001:db8:0:0:1:0:0:1]:5684", "1:0:0:2:0:0:0:3", "0:0:1:0:0:1:0:0", "::ffff:1.2.3.4",
        "1:2:3:4:5:6:7:8", "[::1.2.3.4]:9", "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        round_trip(texts[i]);
    }
}

/* Every byte pattern of every single-group IPv6 address prints and parses back the same. */
static void round_trips_exhaustive_single_group(void)
{
    int failures = tu_failures;
    for (int pos = 0; pos < 8 && tu_failures == failures; pos++) {
        for (uint32_t v = 0; v <= 0xffffu && tu_failures == failures; v += 5) {
            uint8_t addr[16] = {0};
            char buf[SOCK_SECURE_EP_STRLEN];
            sock_secure_ep_t a, b;
            addr[2 * pos] = (uint8_t)(v >> 8);
            addr[2 * pos + 1] = (uint8_t)v;
            a = make_v6(addr, (uint16_t)v, 0);
            if (sock_secure_ep_format(&a, buf, sizeof(buf)) <= 0 || sock_secure_ep_parse(&b, buf, 0) != 0) {
                CHECK(false);
                break;
            }
            if (pos == 5 && v == 0xffffu) {
                continue; /* ::ffff:0:0 is the mapped prefix: parses back as 0.0.0.0 */
            }
            if (!sock_secure_ep_equal(&a, &b)) {
                fprintf(stderr, "  \"%s\" did not round-trip\n", buf);
                CHECK(false);
            }
        }
    }
    CHECK(tu_failures == failures);
}

static void equal_compares_every_field(void)
{
    sock_secure_ep_t a = tu_ep("[fe80::1%2]:5"), b = a;

    CHECK(sock_secure_ep_equal(&a, &b));
    CHECK(!sock_secure_ep_equal(&a, NULL));
    CHECK(!sock_secure_ep_equal(NULL, &a));
    CHECK(!sock_secure_ep_equal(NULL, NULL));
    b.scope_id = 3;
    CHECK(!sock_secure_ep_equal(&a, &b));
    b = a;
    b.port = 6;
    CHECK(!sock_secure_ep_equal(&a, &b));
    b = a;
    b.addr[15] ^= 1;
    CHECK(!sock_secure_ep_equal(&a, &b));
    b = a;
    b.family = SOCK_SECURE_AF_INET;
    CHECK(!sock_secure_ep_equal(&a, &b));
}

static void equal_ipv4_ignores_unused_bytes(void)
{
    sock_secure_ep_t a = tu_ep("10.1.2.3:4"), b = a;

    b.addr[4] = 0x55; /* bytes beyond the IPv4 address are not part of it */
    b.addr[15] = 0x66;
    CHECK(sock_secure_ep_equal(&a, &b));
    b.addr[3] = 4;
    CHECK(!sock_secure_ep_equal(&a, &b));
}

/* A small deterministic fuzz: random text over the parser's alphabet never crashes (ASan/valgrind
 * watch the reads) and anything accepted round-trips. */
static void parse_random_text_is_safe(void)
{
    static const char alphabet[] = "0123456789abcdefABCDEF:.[]%localhost+- x";
    uint32_t seed = 12345;
    int failures = tu_failures;

    for (int iter = 0; iter < 200000 && tu_failures == failures; iter++) {
        char text[24];
        size_t n;
        sock_secure_ep_t ep;
        seed = seed * 1103515245u + 12345u;
        n = (seed >> 16) % sizeof(text);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        text[n] = '\0'; /* n < sizeof(text) */
        if (sock_secure_ep_parse(&ep, text, 1) == 0) {
            round_trip(text);
        }
    }
    CHECK(tu_failures == failures);
}

int main(void)
{
    RUN(parse_ipv4_fills_every_field);
    RUN(parse_ipv4_forms);
    RUN(parse_ipv4_rejects_bad_text);
    RUN(parse_localhost);
    RUN(parse_ipv6_forms);
    RUN(parse_ipv6_rejects_bad_text);
    RUN(bare_ipv6_with_what_looks_like_a_port_is_an_address);
    RUN(ipv4_mapped_is_stored_as_ipv4);
    RUN(default_port_used_only_without_port);
    RUN(format_rfc5952);
    RUN(format_longest_text_fits_strlen);
    RUN(format_small_buffers);
    RUN(format_rejects_null_and_unknown_family);
    RUN(parse_rejects_null);
    RUN(round_trips_are_stable);
    RUN(round_trips_exhaustive_single_group);
    RUN(equal_compares_every_field);
    RUN(equal_ipv4_ignores_unused_bytes);
    RUN(parse_random_text_is_safe);
    return tu_exit();
}
