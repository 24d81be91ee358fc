/**
 * @file x509.c
 * @brief wolfSSL driver: certificates. Checking and loading the socket's credentials (P-256 keys
 *        and certificates, trust anchors; cred_check for the credential store, through a scratch
 *        WOLFSSL_CTX), the verification mode, and verifying the peer: wolfSSL's verdicts as
 *        SOCK_SECURE_VFY_* bits, the verify callback (the peer's address, which this wolfSSL
 *        build cannot check, and the application's verify_cb, through common.h), the expected
 *        server name (SNI) or address.
 */
#include "driver.h"

#include <string.h>

#if SS_X509
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/rsa.h>

/**
 * SOCK_SECURE_VFY_* bits for a certificate verification error: a wolfSSL/wolfCrypt code
 * (negative; what wolfSSL_get_error reports), or with @p x509 also the OpenSSL-style
 * X509_V_ERR_* code that an OPENSSL_EXTRA build puts in the verify callback's store->error.
 * 0 for codes that are no verification failure.
 */
uint32_t tlsman_wolfssl_vfy_bits(int err, bool x509)
{
    if (err > 0 && !x509) {
        return 0; /* WOLFSSL_ERROR_* codes, not verification results */
    }
    switch (err) {
    case ASN_NO_SIGNER_E: /* no trusted issuer */
    case ASN_SELF_SIGNED_E:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_INVALID_CA:
        return SOCK_SECURE_VFY_UNKNOWN_CA;
    case ASN_AFTER_DATE_E:
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: /* 5.5.4 reports ASN_AFTER_DATE_E as this */
        return SOCK_SECURE_VFY_EXPIRED;
    case ASN_BEFORE_DATE_E:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD: /* ... and ASN_BEFORE_DATE_E as this */
        return SOCK_SECURE_VFY_NOT_YET_VALID;
    case DOMAIN_NAME_MISMATCH:
    case IPADDR_MISMATCH:
        return SOCK_SECURE_VFY_NAME_MISMATCH;
    case ASN_SIG_CONFIRM_E:
    case SIG_VERIFY_E:
    case VERIFY_SIGN_ERROR:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return SOCK_SECURE_VFY_BAD_SIGNATURE;
    case NO_PEER_CERT:
        return SOCK_SECURE_VFY_NO_CERT;
    case ASN_SIG_KEY_E:
    case ECC_CURVE_OID_E:
    case ECC_KEY_SIZE_E:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
        return SOCK_SECURE_VFY_BAD_KEY;
    case CRL_CERT_REVOKED:
    case X509_V_ERR_CERT_REVOKED:
        return SOCK_SECURE_VFY_REVOKED;
    case VERIFY_CERT_ERROR: /* the verify callback refused (its bits are recorded) */
    case NO_PEER_VERIFY:
    case ASN_CRIT_EXT_E:
    case ASN_PATHLEN_INV_E:
    case ASN_PATHLEN_SIZE_E:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
        return SOCK_SECURE_VFY_OTHER;
    default:
        return x509 && err != 0 ? SOCK_SECURE_VFY_OTHER : 0;
    }
}

/** PEM (a "-----BEGIN" line) or DER? */
static bool ss_is_pem(const uint8_t *d, size_t len)
{
    static const char tag[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof(tag) - 1 <= len && i < 1024; i++) {
        if (memcmp(d + i, tag, sizeof(tag) - 1) == 0) {
            return true;
        }
    }
    return false;
}

/** Its wolfSSL format; a PEM's length without the terminating NULs the store may add. */
int tlsman_wolfssl_format(const uint8_t *d, size_t *len)
{
    if (!ss_is_pem(d, *len)) {
        return WOLFSSL_FILETYPE_ASN1;
    }
    while (*len > 0 && d[*len - 1] == '\0') {
        (*len)--;
    }
    return WOLFSSL_FILETYPE_PEM;
}

int tlsman_wolfssl_der(const uint8_t *d, size_t len, int fmt, bool priv, uint8_t *buf,
                       size_t cap, const uint8_t **der)
{
    if (fmt != WOLFSSL_FILETYPE_PEM) {
        *der = d;
        return (int)len;
    }
    *der = buf;
    return priv ? wc_KeyPemToDer(d, (int)len, buf, (int)cap, NULL)
                : wc_PubKeyPemToDer(d, (int)len, buf, (int)cap);
}

/** @p dlen bytes of DER at @p p as an ECC private (@p priv) or public key: 0 for P-256,
 *  -ENOTSUP for another curve, SOCK_SECURE_E_CRED_FORMAT if it is no such key, or -ENOMEM. */
static int ss_ecc_check(const uint8_t *p, int dlen, bool priv)
{
    ecc_key k;
    word32 idx = 0;
    if (dlen <= 0) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    if (wc_ecc_init(&k) != 0) {
        return -ENOMEM;
    }
    int dec = priv ? wc_EccPrivateKeyDecode(p, &idx, &k, (word32)dlen)
                   : wc_EccPublicKeyDecode(p, &idx, &k, (word32)dlen);
    int rc = SOCK_SECURE_E_CRED_FORMAT;
    if (dec == 0) {
        rc = wc_ecc_get_curve_id(k.idx) == ECC_SECP256R1 ? 0 : -ENOTSUP;
    }
    wc_ecc_free(&k); /* zeroes a private key */
    return rc;
}

/** A private key (PEM or DER, SEC1 or PKCS#8): 0 for EC P-256, -ENOTSUP for another key wolfSSL
 *  takes (RSA, other curves), SOCK_SECURE_E_CRED_FORMAT if it is no private key at all. */
static int ss_check_key(WOLFSSL_CTX *tmp, const uint8_t *d, size_t len, int fmt)
{
    uint8_t der[512];
    const uint8_t *p;
    int dlen = tlsman_wolfssl_der(d, len, fmt, true, der, sizeof(der), &p);
    int rc = ss_ecc_check(p, dlen, true);
    tlsman_zero(der, sizeof(der));
    if (rc == SOCK_SECURE_E_CRED_FORMAT && tmp != NULL &&
        wolfSSL_CTX_use_PrivateKey_buffer(tmp, d, (long)len, fmt) == WOLFSSL_SUCCESS) {
        rc = -ENOTSUP; /* a key, but not an EC one (the buffer of a larger key lands here too) */
    }
    return rc;
}

/** A SubjectPublicKeyInfo (PEM or DER): 0 for EC P-256, -ENOTSUP for another EC or RSA key,
 *  SOCK_SECURE_E_CRED_FORMAT otherwise (an RSA key too in a wolfSSL without RSA, NO_RSA: RIOT's
 *  port). */
static int ss_check_spki(const uint8_t *d, size_t len, int fmt)
{
    uint8_t der[1024];
    const uint8_t *p;
    int dlen = tlsman_wolfssl_der(d, len, fmt, false, der, sizeof(der), &p);
    int rc = ss_ecc_check(p, dlen, false);
#ifndef NO_RSA
    if (rc == SOCK_SECURE_E_CRED_FORMAT && dlen > 0) {
        RsaKey r;
        word32 idx = 0;
        if (wc_InitRsaKey(&r, NULL) == 0) {
            if (wc_RsaPublicKeyDecode(p, &idx, &r, (word32)dlen) == 0) {
                rc = -ENOTSUP;
            }
            wc_FreeRsaKey(&r);
        }
    }
#endif
    return rc;
}

/** The first certificate's key (the leaf of a chain): 0 for EC P-256, else -ENOTSUP. */
static int ss_check_leaf(const uint8_t *d, size_t len, int fmt)
{
    WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(d, (int)len, fmt);
    if (x == NULL) {
        return SOCK_SECURE_E_CRED_FORMAT;
    }
    uint8_t spki[512];
    int n = (int)sizeof(spki);
    int rc = wolfSSL_X509_get_pubkey_buffer(x, spki, &n) == WOLFSSL_SUCCESS && n > 0
                 ? ss_check_spki(spki, (size_t)n, WOLFSSL_FILETYPE_ASN1)
                 : -ENOTSUP;
    wolfSSL_X509_free(x);
    return rc == SOCK_SECURE_E_CRED_FORMAT ? -ENOTSUP : rc;
}

/** Do the certificates parse (all of them: a PEM bundle with one bad block is refused)? */
static bool ss_certs_parse(WOLFSSL_CTX *tmp, const uint8_t *d, size_t len, int fmt, bool ca)
{
    if (tmp == NULL) {
        return false;
    }
    if (ca) {
        return wolfSSL_CTX_load_verify_buffer(tmp, d, (long)len, fmt) == WOLFSSL_SUCCESS;
    }
    return wolfSSL_CTX_use_certificate_chain_buffer_format(tmp, d, (long)len, fmt) ==
           WOLFSSL_SUCCESS;
}

/** tlsman_cred_is_kind_t (@p arg: a scratch WOLFSSL_CTX): does @p data parse as a certificate, a
 *  private key or a public key, whatever its algorithm? */
static bool ss_is_kind(void *arg, int kind, const uint8_t *data, size_t len)
{
    int fmt = tlsman_wolfssl_format(data, &len);
    if (kind == SOCK_SECURE_CRED_CERT_CHAIN) {
        WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(data, (int)len, fmt);
        wolfSSL_X509_free(x);
        return x != NULL;
    }
    return (kind == SOCK_SECURE_CRED_PRIVATE_KEY ? ss_check_key(arg, data, len, fmt)
                                                 : ss_check_spki(data, len, fmt)) !=
           SOCK_SECURE_E_CRED_FORMAT;
}

/**
 * Check one credential of @p type with a scratch WOLFSSL_CTX @p tmp (wolfSSL parses into one).
 * Returns 0, SOCK_SECURE_E_CRED_FORMAT, SOCK_SECURE_E_CRED_TYPE (valid, another kind: a
 * certificate, private key or public key), -ENOTSUP (not EC P-256) or -EINVAL.
 */
static int ss_check_cred(WOLFSSL_CTX *tmp, int type, const uint8_t *data, size_t len)
{
    if (len > INT_MAX) {
        return -EINVAL; /* wolfSSL takes lengths as int */
    }
    int fmt = tlsman_wolfssl_format(data, &len);
    int rc;
    switch (type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY:
        rc = ss_check_key(tmp, data, len, fmt);
        break;
    case SOCK_SECURE_CRED_CERT_CHAIN:
        rc = ss_certs_parse(tmp, data, len, fmt, false) ? ss_check_leaf(data, len, fmt)
                                                        : SOCK_SECURE_E_CRED_FORMAT;
        break;
    case SOCK_SECURE_CRED_CA:
        rc = ss_certs_parse(tmp, data, len, fmt, true) ? 0 : SOCK_SECURE_E_CRED_FORMAT;
        break;
    case SOCK_SECURE_CRED_PEER_KEY:
        rc = ss_check_spki(data, len, fmt);
        break;
    default:
        return -EINVAL;
    }
    /* not what was declared: another kind of object, or nothing valid at all */
    return rc != SOCK_SECURE_E_CRED_FORMAT ? rc
                                           : tlsman_cred_misdeclared(type, data, len, ss_is_kind, tmp);
}

/** tlsman_driver_t.cred_check: parse into a scratch WOLFSSL_CTX and throw it away (wolfSSL
 *  zeroes the key it holds when the context is freed). */
int tlsman_wolfssl_cred_check(int type, const uint8_t *data, size_t len)
{
    if (tlsman_wolfssl_lib_ready() < 0) {
        return SOCK_SECURE_E_BACKEND;
    }
    WOLFSSL_CTX *tmp = wolfSSL_CTX_new(wolfTLSv1_2_server_method());
    if (tmp == NULL) {
        return -ENOMEM;
    }
    int rc = ss_check_cred(tmp, type, data, len);
    wolfSSL_CTX_free(tmp);
    return rc;
}

/**
 * wolfSSL's verify callback (every certificate of the peer's chain, issuer first, depth 0 = the
 * peer's own: this build has WOLFSSL_ALWAYS_VERIFY_CB and WOLFSSL_VERIFY_CB_ALL_CERTS). Records
 * the SOCK_SECURE_VFY_* bits of what wolfSSL found, adds SOCK_SECURE_VFY_NAME_MISMATCH when
 * set_peer_ip gave an address that the peer's own certificate does not carry as an iPAddress
 * subjectAltName (x509_ip.h: this build's wolfSSL_X509_check_ip_asc also matches dNSNames and
 * not IPv6), runs the application's verify_cb (it sees those bits and may add more: they fail a
 * required verification and are reported with SOCK_SECURE_VFY_APP; an error from it fails the
 * handshake in any mode), and decides: required keeps wolfSSL's verdict (and refuses a wrong
 * address: wolfSSL then sends bad_certificate, as for a wrong name), optional accepts and
 * reports. Returns 1 to accept, 0 to refuse.
 */
static int ss_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    ss_wolfssl_session_t *s = store != NULL ? store->userCtx : NULL;
    if (s == NULL || s->ctx == NULL) {
        return preverify;
    }
    const ss_wolfssl_ctx_t *c = s->ctx;
    if (c->k.verify == TLSMAN_VERIFY_NONE) {
        return 1; /* nothing checked, nothing reported */
    }
    int depth = store->error_depth;
    if (store->totalCerts == 0) { /* current_cert may be a stale, empty object then */
        return c->k.verify == TLSMAN_VERIFY_OPTIONAL ? 1 : preverify; /* an empty Certificate */
    }
    s->vfy_seen = true;
    uint32_t bits = preverify ? 0 : tlsman_wolfssl_vfy_bits(store->error, true);
    if (!preverify && bits == 0) {
        bits = SOCK_SECURE_VFY_OTHER;
    }
    int len = 0;
    const uint8_t *der = NULL;
    if (tlsman_verify_needs_der(&s->t, &c->k, depth) && store->current_cert != NULL) {
        der = wolfSSL_X509_get_der(store->current_cert, &len);
    }
    int rc = tlsman_verify_cert(&s->t, &c->k, der, der != NULL && len > 0 ? (size_t)len : 0,
                                depth, &bits);
    s->t.verify |= bits;
    if (rc & TLSMAN_VFY_APP_ABORT) {
        return 0; /* fatal even with optional verification */
    }
    if (c->k.verify == TLSMAN_VERIFY_OPTIONAL) {
        return 1;
    }
    /* required: wolfSSL's verdict, and a wrong address or the application's bits refuse it
     * (wolfSSL then sends bad_certificate, as for a wrong name) */
    return preverify && rc == 0 ? 1 : 0;
}

/** Load one credential (key, chain or CA set) into the WOLFSSL_CTX, checked as cred_check checks
 *  it. Returns 0 or cred_check's codes. */
static int ss_ctx_load(ss_wolfssl_ctx_t *c, const tlsman_cred_t *cr)
{
    size_t len = cr->len;
    if (len > INT_MAX) {
        return -EINVAL; /* wolfSSL takes lengths as int */
    }
    int fmt = tlsman_wolfssl_format(cr->data, &len);
    int rc;
    switch (cr->type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY:
        rc = ss_check_key(c->wctx, cr->data, len, fmt);
        if (rc == 0 && wolfSSL_CTX_use_PrivateKey_buffer(c->wctx, cr->data, (long)len, fmt) !=
                           WOLFSSL_SUCCESS) {
            rc = SOCK_SECURE_E_CRED_FORMAT;
        }
        return rc;
    case SOCK_SECURE_CRED_CERT_CHAIN:
        return ss_certs_parse(c->wctx, cr->data, len, fmt, false) ? ss_check_leaf(cr->data, len, fmt)
                                                                  : SOCK_SECURE_E_CRED_FORMAT;
    default: /* SOCK_SECURE_CRED_CA */
        return ss_certs_parse(c->wctx, cr->data, len, fmt, true) ? 0 : SOCK_SECURE_E_CRED_FORMAT;
    }
}

/**
 * Load the socket's credentials into the WOLFSSL_CTX (wolfSSL keeps its own parsed copies): its
 * certificate chain and key (tlsman_ctx_plan found at most one of each), any number of CA sets.
 * The core passes a chain only with its key, and neither raw public keys nor a key alone (the
 * driver lacks TLSMAN_CAP_RPK: RFC 7250 arrived in later wolfSSL).
 */
static int ss_ctx_creds(ss_wolfssl_ctx_t *c, const tlsman_config_t *cfg, const tlsman_plan_t *plan)
{
    const tlsman_cred_t *key = plan->key, *own = plan->chain;
    int rc;
    if (own != NULL) {
        if ((key != NULL && (rc = ss_ctx_load(c, key)) < 0) || (rc = ss_ctx_load(c, own)) < 0) {
            return rc;
        }
        if (key == NULL || wolfSSL_CTX_check_private_key(c->wctx) != WOLFSSL_SUCCESS ||
            !tlsman_wolfssl_w55_key_matches_cert(key, own) /* compat_5_5.c, 5 */) {
            return SOCK_SECURE_E_CRED_MISMATCH;
        }
    }
    for (size_t i = 0; i < cfg->cred_count; i++) {
        if (cfg->creds[i].type == SOCK_SECURE_CRED_CA && (rc = ss_ctx_load(c, &cfg->creds[i])) < 0) {
            return rc;
        }
    }
    return 0;
}

/** wolfSSL's verify mode for the verification mode the core resolved (never DEFAULT there; a
 *  DEFAULT from a caller of the driver alone counts as REQUIRED). */
static int ss_verify_mode(const ss_wolfssl_ctx_t *c)
{
    if (c->k.verify == TLSMAN_VERIFY_NONE) {
        return WOLFSSL_VERIFY_NONE;
    }
    if (c->k.server && c->k.verify != TLSMAN_VERIFY_OPTIONAL) {
        return WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    return WOLFSSL_VERIFY_PEER; /* optional: ss_verify_cb accepts what fails */
}

bool tlsman_wolfssl_cert_suite(const ss_wolfssl_ctx_t *c, int id)
{
    for (size_t i = 0; i < c->cert_suite_n; i++) {
        if (c->cert_suites[i] == id) {
            return true;
        }
    }
    return false;
}

/**
 * Load the socket's credentials into c->wctx and set its verification: the mode the core
 * resolved, every certificate the peer sends through ss_verify_cb, ECDHE and certificate keys on
 * P-256 only (as with mbedTLS): the client offers only P-256, and no peer ECC key below 256 bits
 * is taken.
 */
int tlsman_wolfssl_conf_x509(ss_wolfssl_ctx_t *c, const tlsman_config_t *cfg,
                             const tlsman_plan_t *plan)
{
    int rc = ss_ctx_creds(c, cfg, plan);
    if (rc < 0) {
        return rc;
    }
    wolfSSL_CTX_set_verify(c->wctx, ss_verify_mode(c), ss_verify_cb);
    if ((!c->k.server &&
         wolfSSL_CTX_UseSupportedCurve(c->wctx, WOLFSSL_ECC_SECP256R1) != WOLFSSL_SUCCESS) ||
        wolfSSL_CTX_SetMinEccKey_Sz(c->wctx, 256) != WOLFSSL_SUCCESS) {
        return SOCK_SECURE_E_BACKEND;
    }
    for (size_t i = 0; i < cfg->suite_count; i++) {
        if (cfg->suites[i]->flags & TLSMAN_SUITE_CERT) {
            c->cert_suites[c->cert_suite_n++] = cfg->suites[i]->id;
        }
    }
    return 0;
}

/** Client: the name expected in the server's certificate (subjectAltName DNS or CN), also sent
 *  as SNI. wolfSSL copies it (heap, freed with the session). */
int tlsman_wolfssl_set_server_name(void *p, const char *name)
{
    ss_wolfssl_session_t *s = p;
    int len = tlsman_server_name_len(name);
    if (len < 0 || s->ssl == NULL || s->server) {
        return -EINVAL;
    }
    if (wolfSSL_UseSNI(s->ssl, WOLFSSL_SNI_HOST_NAME, name, (word16)len) != WOLFSSL_SUCCESS ||
        wolfSSL_check_domain_name(s->ssl, name) != WOLFSSL_SUCCESS) {
        return -ENOMEM;
    }
    return 0;
}

/** Client: the address expected in the server's certificate as an iPAddress subjectAltName,
 *  checked by ss_verify_cb on the peer's own certificate (nothing is sent: no SNI for an
 *  address). */
int tlsman_wolfssl_set_peer_ip(void *p, const uint8_t *ip, size_t len)
{
    ss_wolfssl_session_t *s = p;
    if (s->ssl == NULL || s->server) {
        return -EINVAL;
    }
    return tlsman_set_peer_ip(&s->t, ip, len);
}

#endif /* SS_X509 */
