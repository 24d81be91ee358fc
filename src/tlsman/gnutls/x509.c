/**
 * @file x509.c
 * @brief GnuTLS driver: certificates and raw public keys (RFC 7250). Parsing and checking the
 *        socket's credentials (P-256 keys and certificates, trust anchors, pinned peer keys;
 *        cred_check for the credential store), configuring them, and verifying the peer:
 *        GnuTLS's verification status as SOCK_SECURE_VFY_* bits, the address check (GnuTLS
 *        matches names only: x509_ip.h through common.h), a raw public key against the pinned
 *        ones, and the application's verify_cb, for each certificate of the chain and the trust
 *        anchor, or for the peer's raw key.
 *
 * Identity: a certificate chain with its key is the X.509 identity; a server also offers the
 * same key as a raw public key. A private key without a certificate is a raw public key
 * identity alone. Trust: CAs for X.509 peers, pinned SubjectPublicKeyInfo for raw-key peers;
 * which type each side uses is negotiated per session (RFC 7250's client_certificate_type and
 * server_certificate_type, GnuTLS's CTYPE priorities: driver.c), so one server takes
 * certificate and raw-key clients at once.
 */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

/** Certificates in one chain or CA set that the driver reads. */
#define SS_CHAIN_MAX 16u

/* ---- parsing ------------------------------------------------------------------------------- */

/** PEM or DER? For PEM, the length without the trailing NULs the store keeps. */
static gnutls_x509_crt_fmt_t ss_format(const uint8_t *d, size_t *len)
{
    static const char begin[] = "-----BEGIN";
    size_t n = *len;
    for (size_t i = 0; n >= sizeof(begin) - 1 && i <= n - (sizeof(begin) - 1); i++) {
        if (memcmp(d + i, begin, sizeof(begin) - 1) == 0) {
            while (n > 0 && d[n - 1] == '\0') {
                n--;
            }
            *len = n;
            return GNUTLS_X509_FMT_PEM;
        }
    }
    return GNUTLS_X509_FMT_DER;
}

static gnutls_datum_t ss_datum(const uint8_t *d, size_t len)
{
    gnutls_datum_t v = { (unsigned char *)(uintptr_t)d, (unsigned)len };
    return v;
}

/** 0 if @p pub is an EC key on P-256, else -ENOTSUP (RSA, other curves). */
static int ss_pub_p256(gnutls_pubkey_t pub)
{
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
    if (gnutls_pubkey_get_pk_algorithm(pub, NULL) != GNUTLS_PK_ECDSA ||
        gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y, 0) < 0) {
        return -ENOTSUP;
    }
    gnutls_free(x.data);
    gnutls_free(y.data);
    return curve == GNUTLS_ECC_CURVE_SECP256R1 ? 0 : -ENOTSUP;
}

/** A private key (PEM or DER; SEC1 or PKCS#8) into *@p key. 0 or a GnuTLS error. */
static int ss_import_key(const uint8_t *d, size_t len, gnutls_privkey_t *key)
{
    gnutls_x509_crt_fmt_t fmt = ss_format(d, &len);
    gnutls_datum_t v = ss_datum(d, len);
    int rc = gnutls_privkey_init(key);
    if (rc < 0) {
        *key = NULL;
        return rc;
    }
    rc = gnutls_privkey_import_x509_raw(*key, &v, fmt, NULL, GNUTLS_PKCS_PLAIN);
    if (rc < 0) {
        gnutls_privkey_deinit(*key);
        *key = NULL;
    }
    return rc;
}

/** The public half of @p key into *@p pub. 0 or a GnuTLS error. */
static int ss_pub_of(gnutls_privkey_t key, gnutls_pubkey_t *pub)
{
    int rc = gnutls_pubkey_init(pub);
    if (rc < 0) {
        *pub = NULL;
        return rc;
    }
    rc = gnutls_pubkey_import_privkey(*pub, key, 0, 0);
    if (rc < 0) {
        gnutls_pubkey_deinit(*pub);
        *pub = NULL;
    }
    return rc;
}

/** A SubjectPublicKeyInfo (PEM or DER) into *@p pub. 0 or a GnuTLS error. */
static int ss_import_pub(const uint8_t *d, size_t len, gnutls_pubkey_t *pub)
{
    gnutls_x509_crt_fmt_t fmt = ss_format(d, &len);
    gnutls_datum_t v = ss_datum(d, len);
    int rc = gnutls_pubkey_init(pub);
    if (rc < 0) {
        *pub = NULL;
        return rc;
    }
    rc = gnutls_pubkey_import(*pub, &v, fmt);
    if (rc < 0) {
        gnutls_pubkey_deinit(*pub);
        *pub = NULL;
    }
    return rc;
}

/** Certificates (PEM: one or more; DER: one) into @p crts. Returns how many, or a GnuTLS error
 *  (none at all counts as one). */
static int ss_import_crts(const uint8_t *d, size_t len, gnutls_x509_crt_t *crts)
{
    gnutls_x509_crt_fmt_t fmt = ss_format(d, &len);
    gnutls_datum_t v = ss_datum(d, len);
    unsigned n = SS_CHAIN_MAX;
    int rc = gnutls_x509_crt_list_import(crts, &n, &v, fmt, 0);
    if (rc == 0) {
        return GNUTLS_E_NO_CERTIFICATE_FOUND;
    }
    return rc;
}

static void ss_free_crts(gnutls_x509_crt_t *crts, int n)
{
    for (int i = 0; i < n; i++) {
        gnutls_x509_crt_deinit(crts[i]);
    }
}

/** The DER SubjectPublicKeyInfo of @p pub (allocated by GnuTLS: gnutls_free). */
static int ss_spki(gnutls_pubkey_t pub, gnutls_datum_t *out)
{
    return gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, out);
}

/** Do the two public keys match (same SubjectPublicKeyInfo)? */
static bool ss_same_key(gnutls_pubkey_t a, gnutls_pubkey_t b)
{
    gnutls_datum_t da = { NULL, 0 }, db = { NULL, 0 };
    bool same = ss_spki(a, &da) >= 0 && ss_spki(b, &db) >= 0 && da.size == db.size &&
                memcmp(da.data, db.data, da.size) == 0;
    gnutls_free(da.data);
    gnutls_free(db.data);
    return same;
}

/** 0 if the leaf of @p crts carries a P-256 key, else -ENOTSUP. */
static int ss_crt_p256(gnutls_x509_crt_t crt)
{
    gnutls_pubkey_t pub;
    if (gnutls_pubkey_init(&pub) < 0) {
        return -ENOMEM;
    }
    int rc = gnutls_pubkey_import_x509(pub, crt, 0) < 0 ? -ENOTSUP : ss_pub_p256(pub);
    gnutls_pubkey_deinit(pub);
    return rc;
}

/** tlsman_cred_is_kind_t: does @p data parse as a certificate (chain), a private key or a
 *  public key, whatever its algorithm? */
static bool ss_is_kind(void *arg, int kind, const uint8_t *data, size_t len)
{
    (void)arg;
    if (kind == SOCK_SECURE_CRED_CERT_CHAIN) {
        gnutls_x509_crt_t crts[SS_CHAIN_MAX];
        int n = ss_import_crts(data, len, crts);
        ss_free_crts(crts, n);
        return n > 0;
    }
    if (kind == SOCK_SECURE_CRED_PRIVATE_KEY) {
        gnutls_privkey_t key;
        int rc = ss_import_key(data, len, &key);
        if (rc >= 0) {
            gnutls_privkey_deinit(key); /* zeroes it */
        }
        return rc >= 0;
    }
    gnutls_pubkey_t pub;
    int rc = ss_import_pub(data, len, &pub);
    if (rc >= 0) {
        gnutls_pubkey_deinit(pub);
    }
    return rc >= 0;
}

/** Key import failures that mean "a kind of key or protection this driver does not take". */
static bool ss_key_unsupported(int err)
{
    return err == GNUTLS_E_UNKNOWN_PK_ALGORITHM || err == GNUTLS_E_ECC_UNSUPPORTED_CURVE ||
           err == GNUTLS_E_UNKNOWN_CIPHER_TYPE || err == GNUTLS_E_DECRYPTION_FAILED;
}

int tlsman_gnutls_cred_check(int type, const uint8_t *data, size_t len)
{
    int rc;
    switch (type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY: {
        gnutls_privkey_t key;
        gnutls_pubkey_t pub = NULL;
        rc = ss_import_key(data, len, &key);
        if (rc >= 0) {
            int ok = ss_pub_of(key, &pub) < 0 ? -ENOTSUP : ss_pub_p256(pub);
            gnutls_pubkey_deinit(pub);
            gnutls_privkey_deinit(key);
            return ok;
        }
        if (ss_key_unsupported(rc)) {
            return -ENOTSUP;
        }
        break;
    }
    case SOCK_SECURE_CRED_CERT_CHAIN:
    case SOCK_SECURE_CRED_CA: {
        gnutls_x509_crt_t crts[SS_CHAIN_MAX];
        int n = ss_import_crts(data, len, crts);
        if (n > 0) {
            /* the leaf of an own chain must carry a key we can sign with */
            rc = type == SOCK_SECURE_CRED_CERT_CHAIN ? ss_crt_p256(crts[0]) : 0;
            ss_free_crts(crts, n);
            return rc;
        }
        break;
    }
    case SOCK_SECURE_CRED_PEER_KEY: {
        gnutls_pubkey_t pub;
        rc = ss_import_pub(data, len, &pub);
        if (rc >= 0) {
            int ok = ss_pub_p256(pub);
            gnutls_pubkey_deinit(pub);
            return ok;
        }
        break;
    }
    default:
        return -EINVAL;
    }
    return tlsman_cred_misdeclared(type, data, len, ss_is_kind, NULL);
}

/* ---- the socket's credentials ------------------------------------------------------------- */

/** Own identity: the chain and key (X.509; a server offers the key as a raw public key too), or
 *  the key alone (a raw public key). */
static int ss_conf_identity(ss_gnutls_ctx_t *c, const tlsman_plan_t *plan)
{
    gnutls_privkey_t key = NULL, key2 = NULL;
    gnutls_pubkey_t pub = NULL, leaf = NULL;
    gnutls_x509_crt_t crts[SS_CHAIN_MAX];
    gnutls_pcert_st pcerts[SS_CHAIN_MAX];
    gnutls_pcert_st raw;
    int ncrt = 0;
    unsigned npc = 0;
    bool raw_set = false;
    int rc = tlsman_gnutls_cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, plan->key->data,
                                      plan->key->len);
    if (rc < 0) {
        return rc;
    }
    if ((rc = ss_import_key(plan->key->data, plan->key->len, &key)) < 0 ||
        (rc = ss_pub_of(key, &pub)) < 0) {
        rc = tlsman_gnutls_setup_error(rc);
        goto out;
    }
    if (plan->chain != NULL) {
        if ((rc = tlsman_gnutls_cred_check(SOCK_SECURE_CRED_CERT_CHAIN, plan->chain->data,
                                           plan->chain->len)) < 0) {
            goto out;
        }
        ncrt = ss_import_crts(plan->chain->data, plan->chain->len, crts);
        if (ncrt <= 0) {
            rc = SOCK_SECURE_E_CRED_FORMAT;
            ncrt = 0;
            goto out;
        }
        if (gnutls_pubkey_init(&leaf) < 0 || gnutls_pubkey_import_x509(leaf, crts[0], 0) < 0) {
            rc = SOCK_SECURE_E_BACKEND;
            goto out;
        }
        if (!ss_same_key(leaf, pub)) {
            rc = SOCK_SECURE_E_CRED_MISMATCH;
            goto out;
        }
        npc = (unsigned)ncrt;
        if ((rc = gnutls_pcert_import_x509_list(pcerts, crts, &npc, 0)) < 0) {
            npc = 0;
            rc = tlsman_gnutls_setup_error(rc);
            goto out;
        }
        if ((rc = gnutls_certificate_set_key(c->cert, NULL, 0, pcerts, (int)npc, key)) < 0) {
            rc = tlsman_gnutls_setup_error(rc);
            goto out;
        }
        npc = 0; /* the credentials own them now */
        c->own_x509 = true;
        if (!c->k.server) {
            key = NULL;
            rc = 0;
            goto out;
        }
        /* a server offers the same key as a raw public key as well */
        if ((rc = ss_import_key(plan->key->data, plan->key->len, &key2)) < 0) {
            key = NULL;
            rc = tlsman_gnutls_setup_error(rc);
            goto out;
        }
        key = key2;
        key2 = NULL;
    }
    if ((rc = gnutls_pcert_import_rawpk(&raw, pub, 0)) < 0) {
        rc = tlsman_gnutls_setup_error(rc);
        goto out;
    }
    raw_set = true;
    pub = NULL; /* the pcert owns it */
    if ((rc = gnutls_certificate_set_key(c->cert, NULL, 0, &raw, 1, key)) < 0) {
        rc = tlsman_gnutls_setup_error(rc);
        goto out;
    }
    raw_set = false;
    key = NULL;
    c->own_rawpk = true;
    rc = 0;
out:
    if (raw_set) {
        gnutls_pcert_deinit(&raw);
    }
    for (unsigned i = 0; i < npc; i++) {
        gnutls_pcert_deinit(&pcerts[i]);
    }
    ss_free_crts(crts, ncrt);
    if (leaf != NULL) {
        gnutls_pubkey_deinit(leaf);
    }
    if (pub != NULL) {
        gnutls_pubkey_deinit(pub);
    }
    if (key != NULL) {
        gnutls_privkey_deinit(key);
    }
    if (key2 != NULL) {
        gnutls_privkey_deinit(key2);
    }
    return rc;
}

/** A set of trust anchors. */
static int ss_conf_ca(ss_gnutls_ctx_t *c, const tlsman_cred_t *cr)
{
    int rc = tlsman_gnutls_cred_check(SOCK_SECURE_CRED_CA, cr->data, cr->len);
    if (rc < 0) {
        return rc;
    }
    gnutls_x509_crt_t crts[SS_CHAIN_MAX];
    int n = ss_import_crts(cr->data, cr->len, crts);
    if (n <= 0) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    rc = gnutls_certificate_set_x509_trust(c->cert, crts, n); /* copies them */
    ss_free_crts(crts, n);
    if (rc < 0) {
        return tlsman_gnutls_setup_error(rc);
    }
    c->cas = true;
    return 0;
}

/** A pinned peer key, kept as its DER SubjectPublicKeyInfo. */
static int ss_conf_pinned(ss_gnutls_ctx_t *c, const tlsman_cred_t *cr)
{
    int rc = tlsman_gnutls_cred_check(SOCK_SECURE_CRED_PEER_KEY, cr->data, cr->len);
    if (rc < 0) {
        return rc;
    }
    if (c->pinned_n >= CONFIG_SOCK_SECURE_CRED_MAX) {
        return -EINVAL;
    }
    gnutls_pubkey_t pub;
    if (ss_import_pub(cr->data, cr->len, &pub) < 0) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    rc = ss_spki(pub, &c->pinned[c->pinned_n]);
    gnutls_pubkey_deinit(pub);
    if (rc < 0) {
        return tlsman_gnutls_setup_error(rc);
    }
    c->pinned_n++;
    return 0;
}

static int ss_verify_cb(gnutls_session_t gs);

int tlsman_gnutls_conf_certs(ss_gnutls_ctx_t *c, const tlsman_config_t *cfg,
                             const tlsman_plan_t *plan)
{
    int rc = gnutls_certificate_allocate_credentials(&c->cert);
    if (rc < 0) {
        c->cert = NULL;
        return tlsman_gnutls_setup_error(rc);
    }
    gnutls_certificate_set_verify_function(c->cert, ss_verify_cb);
    if (plan->key != NULL && (rc = ss_conf_identity(c, plan)) < 0) {
        return rc;
    }
    for (size_t i = 0; i < cfg->cred_count; i++) {
        const tlsman_cred_t *cr = &cfg->creds[i];
        if ((cr->type == SOCK_SECURE_CRED_CA && (rc = ss_conf_ca(c, cr)) < 0) ||
            (cr->type == SOCK_SECURE_CRED_PEER_KEY && (rc = ss_conf_pinned(c, cr)) < 0)) {
            return rc;
        }
    }
    return 0;
}

void tlsman_gnutls_free_certs(ss_gnutls_ctx_t *c)
{
    if (c->cert != NULL) {
        gnutls_certificate_free_credentials(c->cert); /* with the keys, zeroed */
        c->cert = NULL;
    }
    for (size_t i = 0; i < c->pinned_n; i++) {
        gnutls_free(c->pinned[i].data);
    }
    c->pinned_n = 0;
}

void tlsman_gnutls_session_certs(ss_gnutls_session_t *s)
{
    if (s->ctx->k.server) {
        uint8_t v = s->ctx->k.verify;
        gnutls_certificate_server_set_request(s->gs, v == TLSMAN_VERIFY_NONE       ? GNUTLS_CERT_IGNORE
                                                     : v == TLSMAN_VERIFY_OPTIONAL ? GNUTLS_CERT_REQUEST
                                                                                   : GNUTLS_CERT_REQUIRE);
    }
}

/* ---- verification ---------------------------------------------------------------------------- */

/** SOCK_SECURE_VFY_* bits for a GnuTLS verification status (GNUTLS_CERT_*). */
static uint32_t ss_vfy_bits(unsigned status)
{
    uint32_t v = 0;
    if (status == 0) {
        return 0;
    }
    if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)) {
        v |= SOCK_SECURE_VFY_UNKNOWN_CA;
    }
    if (status & GNUTLS_CERT_EXPIRED) {
        v |= SOCK_SECURE_VFY_EXPIRED;
    }
    if (status & GNUTLS_CERT_NOT_ACTIVATED) {
        v |= SOCK_SECURE_VFY_NOT_YET_VALID;
    }
    if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
        v |= SOCK_SECURE_VFY_NAME_MISMATCH;
    }
    if (status & GNUTLS_CERT_SIGNATURE_FAILURE) {
        v |= SOCK_SECURE_VFY_BAD_SIGNATURE;
    }
    if (status & GNUTLS_CERT_INSECURE_ALGORITHM) {
        v |= SOCK_SECURE_VFY_BAD_KEY;
    }
    if (status & GNUTLS_CERT_REVOKED) {
        v |= SOCK_SECURE_VFY_REVOKED;
    }
    if (v == 0) { /* key purpose, constraints, ...: another reason */
        v = SOCK_SECURE_VFY_OTHER;
    }
    return v;
}

uint8_t tlsman_gnutls_vfy_alert(uint32_t vfy)
{
    /* mbedTLS's order (ssl_parse_certificate): the application's refusal first */
    if (vfy & SOCK_SECURE_VFY_APP) {
        return SS_ALERT_ACCESS_DENIED;
    }
    if (vfy & SOCK_SECURE_VFY_NAME_MISMATCH) {
        return SS_ALERT_BAD_CERTIFICATE;
    }
    if (vfy & SOCK_SECURE_VFY_BAD_KEY) {
        return SS_ALERT_UNSUPPORTED_CERTIFICATE;
    }
    if (vfy & SOCK_SECURE_VFY_EXPIRED) {
        return SS_ALERT_CERTIFICATE_EXPIRED;
    }
    if (vfy & SOCK_SECURE_VFY_REVOKED) {
        return SS_ALERT_CERTIFICATE_REVOKED;
    }
    if (vfy & SOCK_SECURE_VFY_UNKNOWN_CA) {
        return SS_ALERT_UNKNOWN_CA;
    }
    return SS_ALERT_CERTIFICATE_UNKNOWN; /* not yet valid, a raw key not pinned, ... */
}

/** A raw public key: pinned (and on P-256), then the application's check of its
 *  SubjectPublicKeyInfo. */
static void ss_verify_rawpk(ss_gnutls_session_t *s, const gnutls_datum_t *spki)
{
    const ss_gnutls_ctx_t *c = s->ctx;
    uint32_t bits = SOCK_SECURE_VFY_NOT_PINNED;
    for (size_t i = 0; i < c->pinned_n; i++) {
        if (c->pinned[i].size == spki->size &&
            memcmp(c->pinned[i].data, spki->data, spki->size) == 0) {
            bits = 0;
            break;
        }
    }
    gnutls_pubkey_t pub;
    if (ss_import_pub(spki->data, spki->size, &pub) < 0) {
        bits |= SOCK_SECURE_VFY_BAD_KEY;
    } else {
        bits |= ss_pub_p256(pub) < 0 ? SOCK_SECURE_VFY_BAD_KEY : 0u;
        gnutls_pubkey_deinit(pub);
    }
    s->t.verify = bits;
    (void)tlsman_verify_app(&s->t, &c->k, spki->data, spki->size, 0, bits);
}

/** The trust anchor that issued @p top (the last certificate the peer sent), as DER
 *  (gnutls_free), if it is not @p top itself. */
static bool ss_anchor_of(const ss_gnutls_ctx_t *c, const gnutls_datum_t *top, gnutls_datum_t *out)
{
    gnutls_x509_trust_list_t tl = NULL;
    gnutls_x509_crt_t crt = NULL, issuer = NULL;
    bool found = false;
    gnutls_certificate_get_trust_list(c->cert, &tl);
    if (tl == NULL || gnutls_x509_crt_init(&crt) < 0) {
        return false;
    }
    if (gnutls_x509_crt_import(crt, top, GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_trust_list_get_issuer(tl, crt, &issuer, GNUTLS_TL_GET_COPY) >= 0) {
        found = gnutls_x509_crt_export2(issuer, GNUTLS_X509_FMT_DER, out) >= 0;
        if (found && out->size == top->size && memcmp(out->data, top->data, top->size) == 0) {
            gnutls_free(out->data); /* the peer sent the anchor itself */
            found = false;
        }
        gnutls_x509_crt_deinit(issuer);
    }
    gnutls_x509_crt_deinit(crt);
    return found;
}

/** The peer's certificate chain: GnuTLS's verification (trust anchors, dates, the expected name,
 *  the key purpose), the leaf's curve, the expected address and the application's check of the
 *  trust anchor and each certificate (deepest first, as mbedTLS). */
static void ss_verify_x509(ss_gnutls_session_t *s, const gnutls_datum_t *peers, unsigned n)
{
    const ss_gnutls_ctx_t *c = s->ctx;
    gnutls_typed_vdata_st vd[2];
    unsigned nvd = 0, status = 0;
    if (!c->k.server && s->server_name != NULL) {
        vd[nvd++] = (gnutls_typed_vdata_st){ GNUTLS_DT_DNS_HOSTNAME,
                                             (unsigned char *)s->server_name, 0 };
    }
    vd[nvd++] = (gnutls_typed_vdata_st){ GNUTLS_DT_KEY_PURPOSE_OID,
                                         (unsigned char *)(uintptr_t)(c->k.server
                                                                          ? GNUTLS_KP_TLS_WWW_CLIENT
                                                                          : GNUTLS_KP_TLS_WWW_SERVER),
                                         0 };
    uint32_t bits = 0;
    if (gnutls_certificate_verify_peers(s->gs, vd, nvd, &status) < 0) {
        bits = SOCK_SECURE_VFY_OTHER;
    } else {
        bits = ss_vfy_bits(status);
    }
    gnutls_x509_crt_t leaf;
    if (gnutls_x509_crt_init(&leaf) >= 0) {
        if (gnutls_x509_crt_import(leaf, &peers[0], GNUTLS_X509_FMT_DER) < 0 ||
            ss_crt_p256(leaf) < 0) {
            bits |= SOCK_SECURE_VFY_BAD_KEY; /* only P-256 keys, as the other drivers */
        }
        gnutls_x509_crt_deinit(leaf);
    }
    gnutls_datum_t anchor = { NULL, 0 };
    if (c->k.verify_cb != NULL && ss_anchor_of(c, &peers[n - 1], &anchor)) {
        (void)tlsman_verify_app(&s->t, &c->k, anchor.data, anchor.size, (int)n, 0);
        gnutls_free(anchor.data);
    }
    for (unsigned i = n; i-- > 0;) {
        uint32_t b = i == 0 ? bits : 0;
        (void)tlsman_verify_cert(&s->t, &c->k, peers[i].data, peers[i].size, (int)i, &b);
        if (i == 0) {
            bits = b; /* with SOCK_SECURE_VFY_NAME_MISMATCH when the address is missing */
        }
    }
    s->t.verify = bits;
}

/**
 * GnuTLS's verify callback (per socket's credentials; the session comes from its pointer): runs
 * once the peer's Certificate arrived. Records the outcome (info.verify) and fails the handshake
 * (GNUTLS_E_CERTIFICATE_ERROR: errors.c sends the alert the bits call for) when verification is
 * required and found anything, or when the application's verify_cb returned an error.
 */
static int ss_verify_cb(gnutls_session_t gs)
{
    ss_gnutls_session_t *s = gnutls_session_get_ptr(gs);
    if (s == NULL) {
        return -1;
    }
    const ss_gnutls_ctx_t *c = s->ctx;
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(gs, &n);
    if (peers == NULL || n == 0) {
        return 0; /* a client without a certificate: reported when the handshake completes */
    }
    s->vfy_seen = true;
    if (c->k.verify == TLSMAN_VERIFY_NONE) {
        return 0;
    }
    if (gnutls_certificate_type_get2(gs, GNUTLS_CTYPE_PEERS) == GNUTLS_CRT_RAWPK) {
        s->rawpk_peer = true;
        ss_verify_rawpk(s, &peers[0]);
    } else {
        ss_verify_x509(s, peers, n);
    }
    if (s->t.vfy_abort ||
        (c->k.verify == TLSMAN_VERIFY_REQUIRED && tlsman_vfy_all(&s->t) != 0)) {
        return -1;
    }
    return 0;
}

/* ---- whom the server must be ----------------------------------------------------------------- */

int tlsman_gnutls_set_server_name(void *p, const char *name)
{
    ss_gnutls_session_t *s = p;
    int len = tlsman_server_name_len(name);
    if (len < 0 || s->gs == NULL || s->ctx->k.server) {
        return -EINVAL;
    }
    char *copy = malloc((size_t)len + 1);
    if (copy == NULL) {
        return -ENOMEM;
    }
    memcpy(copy, name, (size_t)len + 1);
    if (gnutls_server_name_set(s->gs, GNUTLS_NAME_DNS, copy, (size_t)len) < 0) {
        free(copy);
        return -ENOMEM;
    }
    free(s->server_name);
    s->server_name = copy;
    return 0;
}

int tlsman_gnutls_set_peer_ip(void *p, const uint8_t *ip, size_t len)
{
    ss_gnutls_session_t *s = p;
    if (s->gs == NULL || s->ctx->k.server) {
        return -EINVAL;
    }
    return tlsman_set_peer_ip(&s->t, ip, len);
}
