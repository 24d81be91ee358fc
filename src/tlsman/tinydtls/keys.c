/**
 * @file keys.c
 * @brief tinyDTLS driver: raw public keys (RFC 7250). tinyDTLS has no parser of its own: it
 *        takes the own key as three 32-byte numbers (private scalar, public x and y) and shows the
 *        peer's key as x and y. Here: PEM and DER, SEC1 and PKCS#8 private keys and
 *        SubjectPublicKeyInfo public keys on P-256 (the store's formats, creds.h), cred_check for
 *        the credential store, the socket's own key and pinned peer keys, and the verify callback
 *        (the peer's key against the pinned ones, then the application's verify_cb, which is
 *        shown the key as SubjectPublicKeyInfo DER at depth 0).
 */
#include "driver.h"

#include <string.h>

void tlsman_tinydtls_sha256(const uint8_t *d, size_t len, uint8_t out[32])
{
    dtls_hash_ctx h;
    dtls_hash_init(&h);
    dtls_hash_update(&h, d, len);
    (void)dtls_hash_finalize(out, &h);
    tlsman_zero(&h, sizeof(h));
}

#if SS_TD_ECC /* without ECDHE-ECDSA there is no key to parse: cred_check_none (driver.c) */
#include "ecc/ecc.h"

/* ---- DER ---------------------------------------------------------------------------------------- */

#define SS_DER_INT 0x02u
#define SS_DER_BITS 0x03u
#define SS_DER_OCTETS 0x04u
#define SS_DER_OID 0x06u
#define SS_DER_SEQ 0x30u
#define SS_DER_CTX0 0xA0u
#define SS_DER_CTX1 0xA1u

/** A DER reader over [p, end). */
typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} ss_der_t;

/** The next element: true if it has tag @p tag and fits; @p in then covers its contents and the
 *  reader moves past it. */
static bool ss_der_next(ss_der_t *d, uint8_t tag, ss_der_t *in)
{
    if (d->end - d->p < 2 || d->p[0] != tag) {
        return false;
    }
    const uint8_t *p = d->p + 1;
    size_t len = *p++;
    if (len & 0x80u) {
        size_t k = len & 0x7fu;
        if (k == 0 || k > 3 || (size_t)(d->end - p) < k) {
            return false;
        }
        len = 0;
        while (k-- > 0) {
            len = (len << 8) | *p++;
        }
    }
    if ((size_t)(d->end - p) < len) {
        return false;
    }
    if (in != NULL) {
        in->p = p;
        in->end = p + len;
    }
    d->p = p + len;
    return true;
}

/** The element's tag, or 0 at the end. */
static uint8_t ss_der_peek(const ss_der_t *d)
{
    return d->p < d->end ? d->p[0] : 0;
}

static bool ss_der_is(const ss_der_t *d, const uint8_t *v, size_t n)
{
    return (size_t)(d->end - d->p) == n && memcmp(d->p, v, n) == 0;
}

/* OIDs (contents only) */
static const uint8_t ss_oid_ec[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 }; /* ecPublicKey */
static const uint8_t ss_oid_p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };

/* ---- PEM ---------------------------------------------------------------------------------------- */

static int ss_b64(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static const uint8_t *ss_find(const uint8_t *d, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        if (memcmp(d + i, s, n) == 0) {
            return d + i;
        }
    }
    return NULL;
}

/** The largest DER object a credential here decodes to (a P-256 key is ~140 bytes; the bound
 *  only keeps the decode buffer on the stack small: RSA keys are recognised by their label). */
#define SS_DER_MAX 512u

/** PEM text? (the store keeps it with its NUL) */
static bool ss_is_pem(const uint8_t *d, size_t len)
{
    return ss_find(d, len, "-----BEGIN ") != NULL;
}

/**
 * The first PEM block of @p d: its label into @p label (NUL-terminated, truncated to @p lmax) and
 * its base64 body decoded into @p out. Returns the decoded length, 0 if the body does not fit
 * @p out_max, or -1 if there is no valid block.
 */
static int ss_pem(const uint8_t *d, size_t len, char *label, size_t lmax, uint8_t *out,
                  size_t out_max)
{
    const uint8_t *b = ss_find(d, len, "-----BEGIN ");
    if (b == NULL) {
        return -1;
    }
    const uint8_t *end = d + len;
    const uint8_t *l = b + 11;
    const uint8_t *le = ss_find(l, (size_t)(end - l), "-----");
    if (le == NULL) {
        return -1;
    }
    size_t ln = (size_t)(le - l);
    if (ln + 1 > lmax) {
        ln = lmax - 1;
    }
    memcpy(label, l, ln);
    label[ln] = '\0';
    const uint8_t *body = le + 5;
    const uint8_t *stop = ss_find(body, (size_t)(end - body), "-----END ");
    if (stop == NULL) {
        return -1;
    }
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t n = 0;
    bool too_big = false;
    for (const uint8_t *q = body; q < stop; q++) {
        if (*q == '\r' || *q == '\n' || *q == ' ' || *q == '\t') {
            continue;
        }
        if (*q == '=') {
            pad++;
            continue;
        }
        int v = ss_b64(*q);
        if (v < 0 || pad > 0) {
            return -1; /* not base64, or data after the padding */
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n < out_max) {
                out[n] = (uint8_t)(acc >> bits);
            } else {
                too_big = true;
            }
            n++;
        }
    }
    if (pad > 2 || n == 0) {
        return -1;
    }
    return too_big ? 0 : (int)n;
}

/* ---- keys --------------------------------------------------------------------------------------- */

/** A P-256 key pair as tinyDTLS takes it. */
typedef struct {
    uint8_t priv[SS_TD_EC_KEY];
    uint8_t x[SS_TD_EC_KEY];
    uint8_t y[SS_TD_EC_KEY];
    bool has_pub;
} ss_keypair_t;

/** A BIT STRING holding an uncompressed P-256 point into @p x, @p y. -ENOTSUP for another
 *  point format or size, SOCK_SECURE_E_CRED_FORMAT if it is no point at all. */
static int ss_point(ss_der_t bits, uint8_t *x, uint8_t *y)
{
    size_t n = (size_t)(bits.end - bits.p);
    if (n < 2 || bits.p[0] != 0) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    if (n != 2 + 2 * SS_TD_EC_KEY || bits.p[1] != 0x04) {
        return -ENOTSUP; /* compressed, or another curve's size */
    }
    memcpy(x, bits.p + 2, SS_TD_EC_KEY);
    memcpy(y, bits.p + 2 + SS_TD_EC_KEY, SS_TD_EC_KEY);
    return 0;
}

/** SEC1 ECPrivateKey (RFC 5915). @p curve_known: the curve was given outside (PKCS#8).
 *  Returns 0, -ENOTSUP (another curve), SOCK_SECURE_E_CRED_FORMAT (not SEC1). */
static int ss_sec1(ss_der_t d, bool curve_known, ss_keypair_t *k)
{
    ss_der_t seq, ver, oct;
    if (!ss_der_next(&d, SS_DER_SEQ, &seq) || !ss_der_next(&seq, SS_DER_INT, &ver) ||
        !ss_der_is(&ver, (const uint8_t[]){ 1 }, 1) || !ss_der_next(&seq, SS_DER_OCTETS, &oct)) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    size_t n = (size_t)(oct.end - oct.p);
    bool p256 = curve_known;
    if (ss_der_peek(&seq) == SS_DER_CTX0) {
        ss_der_t params, oid;
        if (!ss_der_next(&seq, SS_DER_CTX0, &params) || !ss_der_next(&params, SS_DER_OID, &oid)) {
            return SOCK_SECURE_E_CRED_FORMAT;
        }
        if (!ss_der_is(&oid, ss_oid_p256, sizeof(ss_oid_p256))) {
            return -ENOTSUP;
        }
        p256 = true;
    }
    if (n != SS_TD_EC_KEY || !p256) {
        return -ENOTSUP; /* another curve (P-384: 48 bytes), or none named */
    }
    memcpy(k->priv, oct.p, SS_TD_EC_KEY);
    k->has_pub = false;
    if (ss_der_peek(&seq) == SS_DER_CTX1) {
        ss_der_t pub, bits;
        if (!ss_der_next(&seq, SS_DER_CTX1, &pub) || !ss_der_next(&pub, SS_DER_BITS, &bits)) {
            return SOCK_SECURE_E_CRED_FORMAT;
        }
        int rc = ss_point(bits, k->x, k->y);
        if (rc < 0) {
            return rc;
        }
        k->has_pub = true;
    }
    return 0;
}

/** PKCS#8 PrivateKeyInfo (RFC 5208) holding a P-256 SEC1 key. -ENOTSUP for RSA and other
 *  curves, SOCK_SECURE_E_CRED_FORMAT if it is no PKCS#8. */
static int ss_pkcs8(ss_der_t d, ss_keypair_t *k)
{
    ss_der_t seq, ver, alg, oid, oct;
    if (!ss_der_next(&d, SS_DER_SEQ, &seq) || !ss_der_next(&seq, SS_DER_INT, &ver) ||
        !ss_der_is(&ver, (const uint8_t[]){ 0 }, 1) || !ss_der_next(&seq, SS_DER_SEQ, &alg) ||
        !ss_der_next(&alg, SS_DER_OID, &oid) || !ss_der_next(&seq, SS_DER_OCTETS, &oct)) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    if (!ss_der_is(&oid, ss_oid_ec, sizeof(ss_oid_ec))) {
        return -ENOTSUP; /* RSA, Ed25519, ... */
    }
    ss_der_t curve;
    if (!ss_der_next(&alg, SS_DER_OID, &curve)) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    if (!ss_der_is(&curve, ss_oid_p256, sizeof(ss_oid_p256))) {
        return -ENOTSUP;
    }
    return ss_sec1(oct, true, k);
}

/** SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) of a P-256 key into @p x, @p y. */
static int ss_spki(ss_der_t d, uint8_t *x, uint8_t *y)
{
    ss_der_t seq, alg, oid, bits;
    if (!ss_der_next(&d, SS_DER_SEQ, &seq) || !ss_der_next(&seq, SS_DER_SEQ, &alg) ||
        !ss_der_next(&alg, SS_DER_OID, &oid) || !ss_der_next(&seq, SS_DER_BITS, &bits)) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    if (!ss_der_is(&oid, ss_oid_ec, sizeof(ss_oid_ec))) {
        return -ENOTSUP;
    }
    ss_der_t curve;
    if (!ss_der_next(&alg, SS_DER_OID, &curve)) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    if (!ss_der_is(&curve, ss_oid_p256, sizeof(ss_oid_p256))) {
        return -ENOTSUP;
    }
    return ss_point(bits, x, y);
}

/** Does @p d look like an X.509 certificate: SEQUENCE { SEQUENCE (tbs), SEQUENCE (algorithm),
 *  BIT STRING (signature) }? tinyDTLS takes none; this only tells a misdeclared one apart. */
static bool ss_is_cert_der(ss_der_t d)
{
    ss_der_t seq;
    return ss_der_next(&d, SS_DER_SEQ, &seq) && ss_der_next(&seq, SS_DER_SEQ, NULL) &&
           ss_der_next(&seq, SS_DER_SEQ, NULL) && ss_der_next(&seq, SS_DER_BITS, NULL) &&
           seq.p == seq.end && d.p == d.end;
}

/** PKCS#1 RSAPrivateKey: SEQUENCE { INTEGER 0, INTEGER n, INTEGER e, ... }. */
static bool ss_is_rsa_der(ss_der_t d)
{
    ss_der_t seq, ver;
    return ss_der_next(&d, SS_DER_SEQ, &seq) && ss_der_next(&seq, SS_DER_INT, &ver) &&
           ss_der_is(&ver, (const uint8_t[]){ 0 }, 1) && ss_der_next(&seq, SS_DER_INT, NULL) &&
           ss_der_next(&seq, SS_DER_INT, NULL) && ss_der_next(&seq, SS_DER_INT, NULL);
}

/** Which kind of object @p data is, whatever its algorithm. */
typedef enum { SS_K_NONE, SS_K_CERT, SS_K_KEY, SS_K_PUB } ss_kind_t;

/**
 * Decode @p data (PEM or DER) into @p der: returns its length, with @p kind set from the PEM
 * label (SS_K_NONE for DER or a label of no kind here); 0 (kind set) for a PEM body too large to
 * decode (an RSA key); -1 for PEM that does not decode.
 */
static int ss_decode(const uint8_t *data, size_t len, uint8_t *der, size_t der_max,
                     ss_kind_t *kind)
{
    *kind = SS_K_NONE;
    if (!ss_is_pem(data, len)) {
        if (len > der_max) {
            return 0;
        }
        memcpy(der, data, len);
        return (int)len;
    }
    char label[32];
    int n = ss_pem(data, len, label, sizeof(label), der, der_max);
    if (n < 0) {
        return -1;
    }
    if (strcmp(label, "CERTIFICATE") == 0 || strcmp(label, "TRUSTED CERTIFICATE") == 0) {
        *kind = SS_K_CERT;
    } else if (strcmp(label, "PUBLIC KEY") == 0) {
        *kind = SS_K_PUB;
    } else if (strstr(label, "PRIVATE KEY") != NULL) {
        *kind = SS_K_KEY; /* EC, RSA, (ENCRYPTED) PKCS#8 */
    }
    return n;
}

/** The own private key: SEC1 or PKCS#8, PEM or DER. */
static int ss_parse_key(const uint8_t *data, size_t len, ss_keypair_t *k)
{
    uint8_t der[SS_DER_MAX];
    ss_kind_t kind;
    int n = ss_decode(data, len, der, sizeof(der), &kind);
    int rc = SOCK_SECURE_E_CRED_FORMAT;
    if (n > 0 && (kind == SS_K_NONE || kind == SS_K_KEY)) {
        ss_der_t d = { der, der + n };
        rc = ss_sec1(d, false, k);
        if (rc == SOCK_SECURE_E_CRED_FORMAT) {
            rc = ss_pkcs8(d, k);
        }
        if (rc == SOCK_SECURE_E_CRED_FORMAT && ss_is_rsa_der(d)) {
            rc = -ENOTSUP;
        }
    } else if (n == 0 && kind == SS_K_KEY) {
        rc = -ENOTSUP; /* too large for a P-256 key: RSA */
    }
    tlsman_zero(der, sizeof(der));
    return rc;
}

/** A pinned peer key: SubjectPublicKeyInfo, PEM or DER. */
static int ss_parse_pub(const uint8_t *data, size_t len, uint8_t *x, uint8_t *y)
{
    uint8_t der[SS_DER_MAX];
    ss_kind_t kind;
    int n = ss_decode(data, len, der, sizeof(der), &kind);
    if (n > 0 && (kind == SS_K_NONE || kind == SS_K_PUB)) {
        ss_der_t d = { der, der + n };
        return ss_spki(d, x, y);
    }
    return n == 0 && kind == SS_K_PUB ? -ENOTSUP : SOCK_SECURE_E_CRED_FORMAT;
}

/** tlsman_cred_is_kind_t: is @p data an object of @p kind, whatever its algorithm or curve? */
static bool ss_is_kind(void *arg, int kind, const uint8_t *data, size_t len)
{
    (void)arg;
    uint8_t der[SS_DER_MAX];
    ss_kind_t label;
    int n = ss_decode(data, len, der, sizeof(der), &label);
    bool yes = false;
    if (n >= 0 && label != SS_K_NONE) {
        yes = (kind == SOCK_SECURE_CRED_CERT_CHAIN && label == SS_K_CERT) ||
              (kind == SOCK_SECURE_CRED_PRIVATE_KEY && label == SS_K_KEY) ||
              (kind == SOCK_SECURE_CRED_PEER_KEY && label == SS_K_PUB);
    } else if (n > 0) {
        ss_der_t d = { der, der + n };
        ss_keypair_t k;
        uint8_t x[SS_TD_EC_KEY], y[SS_TD_EC_KEY];
        if (kind == SOCK_SECURE_CRED_CERT_CHAIN) {
            yes = ss_is_cert_der(d);
        } else if (kind == SOCK_SECURE_CRED_PRIVATE_KEY) {
            int rc = ss_sec1(d, false, &k);
            if (rc == SOCK_SECURE_E_CRED_FORMAT) {
                rc = ss_pkcs8(d, &k);
            }
            yes = rc != SOCK_SECURE_E_CRED_FORMAT || ss_is_rsa_der(d);
            tlsman_zero(&k, sizeof(k));
        } else {
            yes = ss_spki(d, x, y) != SOCK_SECURE_E_CRED_FORMAT;
        }
    }
    tlsman_zero(der, sizeof(der));
    return yes;
}

int tlsman_tinydtls_cred_check(int type, const uint8_t *data, size_t len)
{
    if (data == NULL || len == 0) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    int rc;
    switch (type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY: {
        ss_keypair_t k;
        rc = ss_parse_key(data, len, &k);
        tlsman_zero(&k, sizeof(k));
        break;
    }
    case SOCK_SECURE_CRED_PEER_KEY: {
        uint8_t x[SS_TD_EC_KEY], y[SS_TD_EC_KEY];
        rc = ss_parse_pub(data, len, x, y);
        break;
    }
    case SOCK_SECURE_CRED_CERT_CHAIN:
    case SOCK_SECURE_CRED_CA:
        return -ENOTSUP; /* no certificates in tinyDTLS */
    default:
        return -EINVAL;
    }
    if (rc == SOCK_SECURE_E_CRED_FORMAT) {
        return tlsman_cred_misdeclared(type, data, len, ss_is_kind, NULL);
    }
    return rc;
}

/* ---- the socket's keys -------------------------------------------------------------------------- */

/** Big-endian 32 bytes to tinyDTLS's little-endian words and back (its crypto.c's are static). */
static void ss_to_words(const uint8_t *b, uint32_t *w)
{
    for (size_t i = 0; i < 8; i++) {
        const uint8_t *q = b + 4 * (7 - i);
        w[i] = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    }
}

static void ss_from_words(const uint32_t *w, uint8_t *b)
{
    for (size_t i = 0; i < 8; i++) {
        uint8_t *q = b + 4 * (7 - i);
        q[0] = (uint8_t)(w[i] >> 24);
        q[1] = (uint8_t)(w[i] >> 16);
        q[2] = (uint8_t)(w[i] >> 8);
        q[3] = (uint8_t)w[i];
    }
}

int tlsman_tinydtls_conf_keys(ss_td_ctx_t *c, const tlsman_config_t *cfg,
                              const tlsman_plan_t *plan)
{
    if (plan->chain != NULL || plan->cas > 0) {
        return -ENOTSUP; /* no certificates (the core refuses them: no TLSMAN_CAP_X509) */
    }
    if (plan->key != NULL) {
        ss_keypair_t k;
        int rc = ss_parse_key(plan->key->data, plan->key->len, &k);
        if (rc == 0) {
            uint32_t d[8], x[8], y[8];
            ss_to_words(k.priv, d);
            if (!ecc_is_valid_key(d)) {
                rc = SOCK_SECURE_E_CRED_FORMAT; /* 0, or not below the group order */
            } else if (!k.has_pub) { /* SEC1 may leave the public key out: compute it */
                ecc_gen_pub_key(d, x, y);
                ss_from_words(x, k.x);
                ss_from_words(y, k.y);
            }
            tlsman_zero(d, sizeof(d));
        }
        if (rc == 0) {
            memcpy(c->own_priv, k.priv, SS_TD_EC_KEY);
            memcpy(c->own_x, k.x, SS_TD_EC_KEY);
            memcpy(c->own_y, k.y, SS_TD_EC_KEY);
            c->own.curve = DTLS_ECDH_CURVE_SECP256R1;
            c->own.priv_key = c->own_priv;
            c->own.pub_key_x = c->own_x;
            c->own.pub_key_y = c->own_y;
            c->has_key = true;
        }
        tlsman_zero(&k, sizeof(k));
        if (rc < 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < cfg->cred_count; i++) {
        const tlsman_cred_t *cr = &cfg->creds[i];
        if (cr->type != SOCK_SECURE_CRED_PEER_KEY) {
            continue;
        }
        if (c->pinned_count == CONFIG_SOCK_SECURE_TINYDTLS_PINNED) {
            return -ENOTSUP; /* raise CONFIG_SOCK_SECURE_TINYDTLS_PINNED */
        }
        uint8_t xy[2 * SS_TD_EC_KEY];
        int rc = ss_parse_pub(cr->data, cr->len, xy, xy + SS_TD_EC_KEY);
        if (rc == SOCK_SECURE_E_CRED_FORMAT) {
            rc = tlsman_cred_misdeclared(SOCK_SECURE_CRED_PEER_KEY, cr->data, cr->len, ss_is_kind,
                                         NULL);
        }
        if (rc < 0) {
            return rc;
        }
        tlsman_tinydtls_sha256(xy, sizeof(xy), c->pinned[c->pinned_count++]);
    }
    return 0;
}

int tlsman_tinydtls_own_key(dtls_context_t *dc, const session_t *ses,
                            const dtls_ecdsa_key_t **result)
{
    (void)ses;
    const ss_td_session_t *s = dtls_get_app_data(dc);
    if (!s->ctx->has_key) {
        return dtls_alert_fatal_create(DTLS_ALERT_HANDSHAKE_FAILURE); /* asked, and we have none */
    }
    *result = &s->ctx->own;
    return 0;
}

/* ---- verification ------------------------------------------------------------------------------- */

/* A P-256 SubjectPublicKeyInfo up to the point's first byte (RFC 5480): what the application's
 * verify_cb is shown, with x and y after it. */
static const uint8_t ss_spki_p256[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06,
    0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
};

/**
 * tinyDTLS's verify_ecdsa_key: the peer showed the raw public key (@p x, @p y). Verification on:
 * the key must be pinned (else SOCK_SECURE_VFY_NOT_PINNED); then the application's verify_cb
 * sees it (SubjectPublicKeyInfo DER, depth 0; no address applies to a raw key:
 * tlsman_verify_app) and may add bits. Required verification refuses with certificate_unknown
 * (not pinned, as the other RPK drivers) or access_denied (the application's bits); optional
 * records the bits and goes on; an error from verify_cb refuses in any mode. Off: any key.
 */
int tlsman_tinydtls_verify_key(dtls_context_t *dc, const session_t *ses, const unsigned char *x,
                               const unsigned char *y, size_t key_size)
{
    (void)ses;
    ss_td_session_t *s = dtls_get_app_data(dc);
    const ss_td_ctx_t *c = s->ctx;
    if (key_size != SS_TD_EC_KEY) {
        s->t.verify = SOCK_SECURE_VFY_BAD_KEY;
        s->call.vfy_refused = true;
        return dtls_alert_fatal_create(DTLS_ALERT_UNSUPPORTED_CERTIFICATE);
    }
    if (c->k.verify == TLSMAN_VERIFY_NONE) {
        return 0;
    }
    uint8_t der[sizeof(ss_spki_p256) + 2 * SS_TD_EC_KEY];
    memcpy(der, ss_spki_p256, sizeof(ss_spki_p256));
    memcpy(der + sizeof(ss_spki_p256), x, SS_TD_EC_KEY);
    memcpy(der + sizeof(ss_spki_p256) + SS_TD_EC_KEY, y, SS_TD_EC_KEY);
    uint8_t digest[32];
    tlsman_tinydtls_sha256(der + sizeof(ss_spki_p256), 2 * SS_TD_EC_KEY, digest);
    bool pinned = false;
    for (size_t i = 0; i < c->pinned_count; i++) {
        pinned |= memcmp(digest, c->pinned[i], sizeof(digest)) == 0;
    }
    uint32_t bits = pinned ? 0 : SOCK_SECURE_VFY_NOT_PINNED;
    int rc = tlsman_verify_app(&s->t, &c->k, der, sizeof(der), 0, bits);
    s->t.verify = bits;
    bool required = c->k.verify == TLSMAN_VERIFY_REQUIRED;
    if ((rc & TLSMAN_VFY_APP_ABORT) || (required && (rc & TLSMAN_VFY_APP_ADDED))) {
        s->call.vfy_refused = true;
        return dtls_alert_fatal_create(DTLS_ALERT_ACCESS_DENIED);
    }
    if (required && bits != 0) {
        s->call.vfy_refused = true;
        return dtls_alert_fatal_create(DTLS_ALERT_CERTIFICATE_UNKNOWN);
    }
    return 0;
}

#endif /* SS_TD_ECC */
