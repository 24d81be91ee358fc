/**
 * @file x509_ip.c
 * @brief iPAddress subjectAltName check shared by the drivers (see x509_ip.h).
 *
 * A minimal DER walk over the one path that matters, every length checked against its container:
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ..., [3] EXPLICIT Extensions }, ... }
 *   Extensions ::= SEQUENCE OF Extension ::= SEQUENCE { extnID OID, critical BOOLEAN OPTIONAL,
 *                                                       extnValue OCTET STRING }
 *   subjectAltName (2.5.29.17) extnValue ::= GeneralNames ::= SEQUENCE OF GeneralName,
 *   iPAddress ::= [7] IMPLICIT OCTET STRING (4 or 16 bytes in a subjectAltName).
 * It runs once per handshake on the peer's certificate (a few hundred bytes): a negligible cost
 * next to the signature checks of the same handshake.
 */
#include "x509_ip.h"

#include <string.h>

#define SS_DER_SEQUENCE 0x30u
#define SS_DER_OID 0x06u
#define SS_DER_BOOLEAN 0x01u
#define SS_DER_OCTET_STRING 0x04u
#define SS_DER_EXTENSIONS 0xA3u /* [3] EXPLICIT, constructed */
#define SS_DER_GN_IPADDRESS 0x87u /* GeneralName [7] IMPLICIT, primitive */

/** One TLV read from a buffer. */
typedef struct {
    uint8_t tag;
    const uint8_t *val; /**< its contents */
    size_t len;         /**< their length */
} ss_tlv_t;

/**
 * Read the TLV at *p (not past @p end) into @p t and advance *p past it. Single-byte tags and
 * definite lengths of at most 4 bytes only (all a certificate uses). Returns false if it is not
 * well-formed or does not fit.
 */
static bool ss_der_next(const uint8_t **p, const uint8_t *end, ss_tlv_t *t)
{
    const uint8_t *q = *p;
    if (q >= end || (size_t)(end - q) < 2) {
        return false;
    }
    t->tag = *q++;
    if ((t->tag & 0x1fu) == 0x1fu) {
        return false; /* a multi-byte tag */
    }
    size_t n = *q++;
    if (n & 0x80u) {
        size_t k = n & 0x7fu;
        if (k == 0 || k > 4 || (size_t)(end - q) < k) {
            return false; /* indefinite, too long, or truncated */
        }
        n = 0;
        while (k-- > 0) {
            n = (n << 8) | *q++;
        }
    }
    if ((size_t)(end - q) < n) {
        return false;
    }
    t->val = q;
    t->len = n;
    *p = q + n;
    return true;
}

/** Read the TLV at *p and require tag @p tag. */
static bool ss_der_expect(const uint8_t **p, const uint8_t *end, uint8_t tag, ss_tlv_t *t)
{
    return ss_der_next(p, end, t) && t->tag == tag;
}

/** Where an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is seen as IPv4: its length, 4 or 16. */
static size_t ss_ip_norm(const uint8_t *ip, size_t len, const uint8_t **out)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (len == 16 && memcmp(ip, mapped, sizeof(mapped)) == 0) {
        *out = ip + 12;
        return 4;
    }
    *out = ip;
    return len;
}

/** Does the GeneralNames in @p names (SEQUENCE contents) hold iPAddress @p want? */
static bool ss_names_have_ip(const ss_tlv_t *names, const uint8_t *want, size_t want_len)
{
    const uint8_t *p = names->val, *end = names->val + names->len;
    while (p < end) {
        ss_tlv_t gn;
        if (!ss_der_next(&p, end, &gn)) {
            return false;
        }
        if (gn.tag != SS_DER_GN_IPADDRESS || (gn.len != 4 && gn.len != 16)) {
            continue; /* dNSName, URI, ... never stand for an address */
        }
        const uint8_t *have;
        size_t have_len = ss_ip_norm(gn.val, gn.len, &have);
        if (have_len == want_len && memcmp(have, want, want_len) == 0) {
            return true;
        }
    }
    return false;
}

/** Does an Extensions ([3] contents) hold a subjectAltName with iPAddress @p want? */
static bool ss_exts_have_ip(const ss_tlv_t *exts, const uint8_t *want, size_t want_len)
{
    static const uint8_t san_oid[3] = { 0x55, 0x1d, 0x11 }; /* 2.5.29.17 */
    const uint8_t *p = exts->val, *end = exts->val + exts->len;
    ss_tlv_t list;
    if (!ss_der_expect(&p, end, SS_DER_SEQUENCE, &list)) {
        return false;
    }
    p = list.val;
    end = list.val + list.len;
    while (p < end) {
        ss_tlv_t ext, oid, val, names;
        if (!ss_der_expect(&p, end, SS_DER_SEQUENCE, &ext)) {
            return false;
        }
        const uint8_t *q = ext.val, *qend = ext.val + ext.len;
        if (!ss_der_expect(&q, qend, SS_DER_OID, &oid)) {
            return false;
        }
        if (oid.len != sizeof(san_oid) || memcmp(oid.val, san_oid, sizeof(san_oid)) != 0) {
            continue;
        }
        if (!ss_der_next(&q, qend, &val)) {
            return false;
        }
        if (val.tag == SS_DER_BOOLEAN && !ss_der_next(&q, qend, &val)) {
            return false; /* critical, then the value */
        }
        if (val.tag != SS_DER_OCTET_STRING) {
            return false;
        }
        const uint8_t *r = val.val;
        if (!ss_der_expect(&r, val.val + val.len, SS_DER_SEQUENCE, &names)) {
            return false;
        }
        if (ss_names_have_ip(&names, want, want_len)) {
            return true;
        }
    }
    return false;
}

bool tlsman_x509_has_ip(const uint8_t *der, size_t der_len, const uint8_t *ip, size_t ip_len)
{
    if (der == NULL || ip == NULL || (ip_len != 4 && ip_len != 16)) {
        return false;
    }
    const uint8_t *want;
    size_t want_len = ss_ip_norm(ip, ip_len, &want);
    const uint8_t *p = der, *end = der + der_len;
    ss_tlv_t cert, tbs;
    if (!ss_der_expect(&p, end, SS_DER_SEQUENCE, &cert)) {
        return false;
    }
    p = cert.val;
    if (!ss_der_expect(&p, cert.val + cert.len, SS_DER_SEQUENCE, &tbs)) {
        return false;
    }
    p = tbs.val;
    end = tbs.val + tbs.len;
    while (p < end) { /* version, serial, ..., subjectPublicKeyInfo, [1], [2], [3] */
        ss_tlv_t field;
        if (!ss_der_next(&p, end, &field)) {
            return false;
        }
        if (field.tag == SS_DER_EXTENSIONS) {
            return ss_exts_have_ip(&field, want, want_len);
        }
    }
    return false;
}
