/* tlsman_x509_has_ip() (src/tlsman/x509_ip.c), the drivers' iPAddress subjectAltName check, on
 * certificates built here byte by byte: only iPAddress entries of the subjectAltName extension
 * match, IPv4-mapped addresses compare as IPv4 on either side, long-form lengths are read, and
 * anything malformed (every truncation, indefinite or oversized lengths, random damage) is "no
 * match" without reading outside the buffer (the sanitizer builds check that). The handshakes
 * that use it are in tests/conformance/test_certs.c. */
#include <stdlib.h>

#include "../../src/tlsman/x509_ip.h"
#include "testutil.h"

/* ---- a tiny DER writer ------------------------------------------------------------------- */

typedef struct {
    uint8_t b[4096];
    size_t n;
} buf_t;

static void put(buf_t *o, const void *p, size_t n)
{
    if (o->n + n <= sizeof(o->b)) {
        memcpy(o->b + o->n, p, n);
    }
    o->n += n;
}

/* TLV with tag @p tag around @p v; @p len_bytes asks for a long-form length of at least that
 * many bytes (0: the shortest form). */
static void tlv(buf_t *o, uint8_t tag, const buf_t *v, unsigned len_bytes)
{
    put(o, &tag, 1);
    unsigned need = v->n < 0x80 ? 0 : v->n < 0x100 ? 1 : 2;
    if (len_bytes < need) {
        len_bytes = need;
    }
    if (len_bytes == 0) {
        uint8_t l = (uint8_t)v->n;
        put(o, &l, 1);
    } else {
        uint8_t l = (uint8_t)(0x80u | len_bytes);
        put(o, &l, 1);
        for (unsigned i = len_bytes; i-- > 0;) {
            uint8_t x = (uint8_t)(i < sizeof(size_t) ? v->n >> (8 * i) : 0);
            put(o, &x, 1);
        }
    }
    put(o, v->b, v->n);
}

static void raw(buf_t *o, uint8_t tag, const void *p, size_t n)
{
    buf_t v = { .n = 0 };
    put(&v, p, n);
    tlv(o, tag, &v, 0);
}

static const uint8_t v4[4] = { 127, 0, 0, 1 };
static const uint8_t v6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 };
static const uint8_t other4[4] = { 192, 0, 2, 1 };
static const uint8_t san_oid[] = { 0x55, 0x1d, 0x11 };
static const uint8_t ian_oid[] = { 0x55, 0x1d, 0x12 }; /* issuerAltName: same syntax */
static const uint8_t ku_oid[] = { 0x55, 0x1d, 0x0f };

typedef struct {
    const uint8_t *oid;
    size_t oid_len;
    bool critical;
    const buf_t *names; /* GeneralName entries (SEQUENCE contents); NULL: a keyUsage value */
} ext_t;

/* A certificate (structure only, nothing is signed) with @p exts, or without extensions. */
static void cert(buf_t *out, const ext_t *exts, size_t n, unsigned len_bytes)
{
    buf_t tbs = { .n = 0 }, t = { .n = 0 }, e = { .n = 0 }, list = { .n = 0 };
    static const uint8_t two = 2, serial[] = { 0x01, 0x23 };
    buf_t ver = { .n = 0 };
    raw(&ver, 0x02, &two, 1);
    tlv(&t, 0xA0, &ver, 0);                           /* [0] version v3 */
    raw(&t, 0x02, serial, sizeof(serial));            /* serial */
    raw(&t, 0x30, "\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 10); /* ecdsa-with-SHA256 */
    raw(&t, 0x30, "\x31\x0b\x30\x09\x06\x03\x55\x04\x03\x0c\x02" "CA", 13); /* issuer CN=CA */
    raw(&t, 0x30, "\x17\x01Z\x17\x01Z", 6);           /* validity (content irrelevant here) */
    /* subject CN=127.0.0.1: an address in the CN never counts */
    raw(&t, 0x30, "\x31\x12\x30\x10\x06\x03\x55\x04\x03\x0c\x09" "127.0.0.1", 20);
    raw(&t, 0x30, "\x30\x00\x03\x01\x00", 5);         /* a (dummy) subjectPublicKeyInfo */
    raw(&t, 0x81, "\x00\x01", 2);                     /* [1] issuerUniqueID: skipped */
    for (size_t i = 0; i < n; i++) {
        buf_t ext = { .n = 0 }, val = { .n = 0 };
        raw(&ext, 0x06, exts[i].oid, exts[i].oid_len);
        if (exts[i].critical) {
            raw(&ext, 0x01, "\xff", 1);
        }
        if (exts[i].names != NULL) {
            tlv(&val, 0x30, exts[i].names, len_bytes);
        } else {
            raw(&val, 0x03, "\x07\x80", 2);
        }
        tlv(&ext, 0x04, &val, len_bytes);
        tlv(&list, 0x30, &ext, len_bytes);
    }
    if (n > 0) {
        tlv(&e, 0x30, &list, len_bytes);
        tlv(&t, 0xA3, &e, len_bytes);
    }
    tlv(&tbs, 0x30, &t, len_bytes);
    raw(&tbs, 0x30, "\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 10);
    raw(&tbs, 0x03, "\x00\x30\x00", 3);
    out->n = 0;
    tlv(out, 0x30, &tbs, len_bytes);
}

/* A certificate whose subjectAltName holds @p names. */
static void san_cert(buf_t *out, const buf_t *names)
{
    ext_t ku = { ku_oid, 3, true, NULL };
    ext_t san = { san_oid, 3, false, names };
    ext_t e[2] = { ku, san };
    cert(out, e, 2, 0);
}

static bool has(const buf_t *c, const uint8_t *ip, size_t len)
{
    /* a copy of exactly n bytes on the heap, so ASan sees any read past the end */
    uint8_t *d = malloc(c->n ? c->n : 1);
    if (d == NULL) {
        return false;
    }
    memcpy(d, c->b, c->n);
    bool r = tlsman_x509_has_ip(d, c->n, ip, len);
    free(d);
    return r;
}

/* ---- scenarios ----------------------------------------------------------------------------- */

static void ipv4_and_ipv6_entries_match_exactly(void)
{
    buf_t names = { .n = 0 }, c;
    raw(&names, 0x82, "server.test", 11); /* dNSName */
    raw(&names, 0x87, v4, 4);
    raw(&names, 0x87, v6, 16);
    san_cert(&c, &names);
    CHECK(has(&c, v4, 4));
    CHECK(has(&c, v6, 16));
    CHECK(!has(&c, other4, 4));
    uint8_t v6b[16];
    memcpy(v6b, v6, 16);
    v6b[15] = 2;
    CHECK(!has(&c, v6b, 16));
    /* 4 bytes of an IPv6 entry are not an IPv4 address, nor is 127.0.0.1 ::7f00:1 */
    static const uint8_t compat[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1 };
    CHECK(!has(&c, compat, 16));
    /* bad arguments */
    CHECK(!tlsman_x509_has_ip(c.b, c.n, v4, 3));
    CHECK(!tlsman_x509_has_ip(c.b, c.n, v4, 0));
    CHECK(!tlsman_x509_has_ip(c.b, c.n, NULL, 4));
    CHECK(!tlsman_x509_has_ip(NULL, c.n, v4, 4));
    CHECK(!tlsman_x509_has_ip(c.b, 0, v4, 4));
}

static void ipv4_mapped_addresses_compare_as_ipv4(void)
{
    buf_t names = { .n = 0 }, c;
    raw(&names, 0x87, v4, 4);
    san_cert(&c, &names);
    CHECK(has(&c, mapped, 16)); /* a v4-mapped peer matches the IPv4 entry */
    names.n = 0;
    raw(&names, 0x87, mapped, 16);
    san_cert(&c, &names);
    CHECK(has(&c, v4, 4));      /* a v4-mapped entry matches the IPv4 peer */
    CHECK(has(&c, mapped, 16));
    CHECK(!has(&c, other4, 4));
}

static void only_ip_entries_of_the_subject_alt_name_count(void)
{
    buf_t names = { .n = 0 }, c;
    /* the address's bytes as a dNSName, a URI, an rfc822Name, a directoryName, an otherName */
    raw(&names, 0x82, v4, 4);
    raw(&names, 0x86, v4, 4);
    raw(&names, 0x81, v6, 16);
    raw(&names, 0xA4, "\x30\x00", 2);
    raw(&names, 0xA0, "\x06\x01\x00\xa0\x04\x04\x02\x7f\x00", 9);
    raw(&names, 0x82, "127.0.0.1", 9);
    raw(&names, 0x87, "\x7f\x00\x00\x01\xff\xff\xff\xff", 8); /* address + mask: a constraint */
    san_cert(&c, &names);
    CHECK(!has(&c, v4, 4));
    CHECK(!has(&c, v6, 16));
    /* the right entry, but in issuerAltName */
    buf_t ip = { .n = 0 };
    raw(&ip, 0x87, v4, 4);
    ext_t ian = { ian_oid, 3, false, &ip };
    cert(&c, &ian, 1, 0);
    CHECK(!has(&c, v4, 4));
    /* no extensions at all (the CN is 127.0.0.1) */
    cert(&c, NULL, 0, 0);
    CHECK(!has(&c, v4, 4));
    /* critical subjectAltName, after another extension: found */
    ext_t e[2] = { { ku_oid, 3, true, NULL }, { san_oid, 3, true, &ip } };
    cert(&c, e, 2, 0);
    CHECK(has(&c, v4, 4));
}

static void long_form_lengths_are_read(void)
{
    buf_t names = { .n = 0 }, c;
    for (int i = 0; i < 40; i++) { /* > 255 bytes of names before the address */
        raw(&names, 0x82, "padding-name.example", 20);
    }
    raw(&names, 0x87, v4, 4);
    ext_t san = { san_oid, 3, false, &names };
    for (unsigned lb = 0; lb <= 4; lb++) {
        cert(&c, &san, 1, lb);
        CHECK(has(&c, v4, 4));
        CHECK(!has(&c, other4, 4));
    }
}

static void malformed_input_is_no_match(void)
{
    buf_t names = { .n = 0 }, c;
    raw(&names, 0x87, v4, 4);
    san_cert(&c, &names);
    REQUIRE(has(&c, v4, 4));
    /* every truncation */
    for (size_t n = 0; n < c.n; n++) {
        buf_t t = c;
        t.n = n;
        CHECK(!has(&t, v4, 4));
    }
    /* a 5-byte and an indefinite length on the outer SEQUENCE */
    buf_t t = { .n = 0 };
    put(&t, "\x30\x85\x00\x00\x00\x00\x10", 7);
    CHECK(!has(&t, v4, 4));
    put(&t, "\x30\x80", 2);
    CHECK(!has(&t, v4, 4));
    t.n = 0;
    put(&t, "\x30\x84\xff\xff\xff\xff", 6); /* longer than what follows */
    CHECK(!has(&t, v4, 4));
    t.n = 0;
    put(&t, "\x1f\x01\x00", 3); /* a multi-byte tag */
    CHECK(!has(&t, v4, 4));
    /* random damage: any outcome but a read outside the buffer (the sanitizers watch) */
    uint32_t x = 0x12345678u;
    int matches = 0;
    for (int i = 0; i < 20000; i++) {
        buf_t d = c;
        for (int k = 0; k < 1 + i % 4; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            d.b[x % c.n] ^= (uint8_t)(1u << (x >> 29));
        }
        matches += has(&d, v4, 4);
    }
    CHECK(matches < 20000); /* damage does make it fail sometimes */
    printf("  %d of 20000 damaged certificates still match\n", matches);
}

int main(void)
{
    RUN(ipv4_and_ipv6_entries_match_exactly);
    RUN(ipv4_mapped_addresses_compare_as_ipv4);
    RUN(only_ip_entries_of_the_subject_alt_name_count);
    RUN(long_form_lengths_are_read);
    RUN(malformed_input_is_no_match);
    return tu_exit();
}
