/**
 * @file x509.c
 * @brief mbedTLS driver: certificates. Parsing and checking the socket's credentials (P-256 keys
 *        and certificates, trust anchors; cred_check for the credential store), configuring them,
 *        and verifying the peer: mbedTLS's verification flags as SOCK_SECURE_VFY_* bits, the
 *        verify callback (the peer's address, which mbedTLS 2.28 cannot check, and the
 *        application's verify_cb, through common.h), the expected server name or address.
 */
#include "driver.h"

#include <string.h>

#if SS_X509
#include <mbedtls/ecp.h>

/** The curves of every ECDHE exchange and every certificate key we accept (P-256 only). */
static const mbedtls_ecp_group_id ss_curves[] = { MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE };

/** 0 if @p pk is an EC key on P-256 usable for ECDSA, else -ENOTSUP (RSA, other curves). */
static int ss_check_p256(const mbedtls_pk_context *pk)
{
    if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA)) {
        return -ENOTSUP;
    }
    return mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1 ? 0 : -ENOTSUP;
}

/** Parse errors that mean "a key of a kind or encryption this build does not take". */
static bool ss_pk_unsupported(int err)
{
    return err == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG || err == MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE ||
           err == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE || err == MBEDTLS_ERR_PK_PASSWORD_REQUIRED ||
           err == MBEDTLS_ERR_PK_PASSWORD_MISMATCH;
}

/** Parse a private key (PEM with its NUL, or DER; SEC1 or PKCS#8) into @p pk. 0 or an mbedTLS
 *  error. */
static int ss_parse_key(mbedtls_pk_context *pk, const uint8_t *data, size_t len)
{
    return mbedtls_pk_parse_key(pk, data, len, NULL, 0);
}

/** tlsman_cred_is_kind_t: does @p data parse as a certificate (chain), a private key or a
 *  public key, whatever its algorithm? */
static bool ss_is_kind(void *arg, int kind, const uint8_t *data, size_t len)
{
    (void)arg;
    int err;
    if (kind == SOCK_SECURE_CRED_CERT_CHAIN) {
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        err = mbedtls_x509_crt_parse(&crt, data, len);
        mbedtls_x509_crt_free(&crt);
        return err == 0;
    }
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    err = kind == SOCK_SECURE_CRED_PRIVATE_KEY ? ss_parse_key(&pk, data, len)
                                               : mbedtls_pk_parse_public_key(&pk, data, len);
    mbedtls_pk_free(&pk); /* zeroes the key */
    return err == 0;
}

/**
 * Parse one credential of @p type. Private keys go to @p pk (must be P-256), certificates are
 * appended to @p crt, public keys go to @p pk. Returns 0, SOCK_SECURE_E_CRED_FORMAT,
 * SOCK_SECURE_E_CRED_TYPE, -ENOTSUP, -ENOMEM or -EINVAL (unknown type).
 */
static int ss_parse_cred(int type, const uint8_t *data, size_t len, mbedtls_x509_crt *crt,
                         mbedtls_pk_context *pk)
{
    int err;
    switch (type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY:
        err = ss_parse_key(pk, data, len);
        if (err == 0) {
            return ss_check_p256(pk);
        }
        break;
    case SOCK_SECURE_CRED_CERT_CHAIN:
    case SOCK_SECURE_CRED_CA:
        /* > 0: that many PEM blocks failed while others parsed: refuse the whole set */
        err = mbedtls_x509_crt_parse(crt, data, len);
        if (err == 0) {
            return 0;
        }
        break;
    case SOCK_SECURE_CRED_PEER_KEY:
        err = mbedtls_pk_parse_public_key(pk, data, len);
        if (err == 0) {
            return ss_check_p256(pk);
        }
        break;
    default:
        return -EINVAL;
    }
    if (err == MBEDTLS_ERR_X509_ALLOC_FAILED || err == MBEDTLS_ERR_PK_ALLOC_FAILED) {
        return -ENOMEM;
    }
    if (ss_pk_unsupported(err)) {
        return -ENOTSUP;
    }
    return tlsman_cred_misdeclared(type, data, len, ss_is_kind, NULL);
}

/** tlsman_driver_t.cred_check: parse into temporaries and throw them away (keys zeroed). */
int tlsman_mbedtls_cred_check(int type, const uint8_t *data, size_t len)
{
    mbedtls_x509_crt crt;
    mbedtls_pk_context pk;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&pk);
    int rc = ss_parse_cred(type, data, len, &crt, &pk);
    if (rc == 0 && type == SOCK_SECURE_CRED_CERT_CHAIN) {
        rc = ss_check_p256(&crt.pk); /* the leaf must carry a key we can sign with */
    }
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&pk);
    return rc;
}

/** SOCK_SECURE_VFY_* bits for mbedTLS verification flags (MBEDTLS_X509_BADCERT_*). */
static uint32_t ss_vfy_bits(uint32_t f)
{
    uint32_t v = 0;
    f &= ~(uint32_t)MBEDTLS_X509_BADCERT_SKIP_VERIFY; /* verification off: not a failure */
    if (f == 0) {
        return 0;
    }
    if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        v |= SOCK_SECURE_VFY_UNKNOWN_CA; /* also a signature that does not verify: mbedTLS does
                                            not tell the two apart */
    }
    if (f & MBEDTLS_X509_BADCERT_EXPIRED) {
        v |= SOCK_SECURE_VFY_EXPIRED;
    }
    if (f & MBEDTLS_X509_BADCERT_FUTURE) {
        v |= SOCK_SECURE_VFY_NOT_YET_VALID;
    }
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        v |= SOCK_SECURE_VFY_NAME_MISMATCH;
    }
    if (f & MBEDTLS_X509_BADCERT_MISSING) {
        v |= SOCK_SECURE_VFY_NO_CERT;
    }
    if (f & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
             MBEDTLS_X509_BADCERT_BAD_KEY)) {
        v |= SOCK_SECURE_VFY_BAD_KEY;
    }
    if (f & MBEDTLS_X509_BADCERT_REVOKED) {
        v |= SOCK_SECURE_VFY_REVOKED;
    }
    /* key usage, extended key usage, CRL problems, and BADCERT_OTHER (set by tlsman_mbedtls_verify_cb for
     * the application's bits, which are reported as they are) */
    if ((f & ~(uint32_t)(MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED |
                         MBEDTLS_X509_BADCERT_FUTURE | MBEDTLS_X509_BADCERT_CN_MISMATCH |
                         MBEDTLS_X509_BADCERT_MISSING | MBEDTLS_X509_BADCERT_BAD_MD |
                         MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY |
                         MBEDTLS_X509_BADCERT_REVOKED | MBEDTLS_X509_BADCERT_OTHER)) != 0) {
        v |= SOCK_SECURE_VFY_OTHER;
    }
    return v;
}

void tlsman_mbedtls_note_verify(ss_mbedtls_session_t *s)
{
    uint32_t f = mbedtls_ssl_get_verify_result(&s->ssl);
    uint32_t v = 0;
    if (!s->t.vfy_abort && f != UINT32_MAX) { /* UINT32_MAX: no session, or verify_cb failed */
        v = ss_vfy_bits(f);
        if ((f & MBEDTLS_X509_BADCERT_OTHER) && s->t.vfy_app == 0) {
            v |= SOCK_SECURE_VFY_OTHER;
        }
    }
    s->t.verify = v;
}

/**
 * mbedTLS's verify callback (set per session when the application gave one or set_peer_ip an
 * address): called for each certificate of the peer's chain, root first, depth 0 = the peer's
 * own. With an address, the peer's own certificate must carry it as an iPAddress subjectAltName
 * (mbedTLS 2.28 checks DNS names only): if not, MBEDTLS_X509_BADCERT_CN_MISMATCH is added, which
 * mbedTLS treats exactly as a wrong host name (bad_certificate; SOCK_SECURE_VFY_NAME_MISMATCH).
 * The application then sees the SOCK_SECURE_VFY_* bits found for that certificate and may add
 * more; bits it adds fail the verification (as MBEDTLS_X509_BADCERT_OTHER: mbedTLS then sends
 * access_denied) and are reported in info.verify together with SOCK_SECURE_VFY_APP. Clearing
 * bits has no effect.
 */
int tlsman_mbedtls_verify_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    ss_mbedtls_session_t *s = p;
    uint32_t bits = ss_vfy_bits(*flags);
    int rc = tlsman_verify_cert(&s->t, &s->ctx->k, crt->raw.p, crt->raw.len, depth, &bits);
    if (rc & TLSMAN_VFY_NO_IP) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    if (rc & (TLSMAN_VFY_APP_ADDED | TLSMAN_VFY_APP_ABORT)) {
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
    /* an error from the application is fatal even with optional verification */
    return (rc & TLSMAN_VFY_APP_ABORT) ? MBEDTLS_ERR_X509_FATAL_ERROR : 0;
}

/**
 * Parse the socket's credentials: its certificate chain and key (tlsman_ctx_plan found at most
 * one of each), any number of CA sets (appended into one trust list). The core passes a chain
 * only with its key, and neither raw public keys nor a key alone (the driver lacks
 * TLSMAN_CAP_RPK: mbedTLS 2.28 has no RFC 7250).
 */
static int ss_ctx_creds(ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg, const tlsman_plan_t *plan)
{
    int rc;
    if (plan->chain != NULL) {
        const tlsman_cred_t *k = plan->key, *ch = plan->chain;
        if ((k != NULL && (rc = ss_parse_cred(SOCK_SECURE_CRED_PRIVATE_KEY, k->data, k->len, NULL,
                                              &c->key)) < 0) ||
            (rc = ss_parse_cred(SOCK_SECURE_CRED_CERT_CHAIN, ch->data, ch->len, &c->own, NULL)) <
                0) {
            return rc;
        }
        if (ss_check_p256(&c->own.pk) < 0) {
            return -ENOTSUP;
        }
        if (mbedtls_pk_check_pair(&c->own.pk, &c->key) != 0) {
            return SOCK_SECURE_E_CRED_MISMATCH;
        }
        /* mbedTLS 2.28 builds its Certificate message whole in its output buffer (DTLS then
         * fragments it): 4 + 3 bytes of headers, 3 per certificate, 8 more for DTLS's handshake
         * header. A chain that cannot fit would fail every handshake: refused here. */
        size_t need = 7u + (cfg->datagram ? 8u : 0u);
        for (const mbedtls_x509_crt *crt = &c->own; crt != NULL && crt->raw.p != NULL;
             crt = crt->next) {
            need += 3u + crt->raw.len;
        }
        if (need > MBEDTLS_SSL_OUT_CONTENT_LEN) {
            return -EMSGSIZE;
        }
    }
    for (size_t i = 0; i < cfg->cred_count; i++) {
        const tlsman_cred_t *cr = &cfg->creds[i];
        if (cr->type == SOCK_SECURE_CRED_CA &&
            (rc = ss_parse_cred(SOCK_SECURE_CRED_CA, cr->data, cr->len, &c->ca, NULL)) < 0) {
            return rc;
        }
    }
    return 0;
}

/** mbedTLS's authmode for the verification mode the core resolved (never DEFAULT there; a
 *  DEFAULT from a caller of the driver alone counts as REQUIRED). */
static int ss_authmode(uint8_t verify)
{
    return verify == TLSMAN_VERIFY_NONE       ? MBEDTLS_SSL_VERIFY_NONE
           : verify == TLSMAN_VERIFY_OPTIONAL ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                              : MBEDTLS_SSL_VERIFY_REQUIRED;
}

/**
 * Parse the socket's credentials and configure the certificate side of c->conf (after
 * mbedtls_ssl_config_defaults): the verification mode the core resolved, P-256 for ECDHE and
 * every certificate key, the trust anchors, the own certificate and key.
 */
int tlsman_mbedtls_conf_x509(ss_mbedtls_ctx_t *c, const tlsman_config_t *cfg,
                             const tlsman_plan_t *plan)
{
    int rc = ss_ctx_creds(c, cfg, plan);
    if (rc < 0) {
        return rc;
    }
    mbedtls_ssl_conf_authmode(&c->conf, ss_authmode(c->k.verify));
    mbedtls_ssl_conf_curves(&c->conf, ss_curves); /* ECDHE and certificate keys: P-256 only */
    if (plan->cas > 0) {
        mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
    }
    if (plan->chain != NULL) {
        int err = mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key);
        if (err != 0) {
            return tlsman_mbedtls_setup_error(err);
        }
    }
    return 0;
}

/** Client: the address expected in the server's certificate as an iPAddress subjectAltName,
 *  checked by tlsman_mbedtls_verify_cb on the peer's own certificate (nothing is sent: no SNI for
 *  an address). */
int tlsman_mbedtls_set_peer_ip(void *p, const uint8_t *ip, size_t len)
{
    ss_mbedtls_session_t *s = p;
    if (s->ssl.conf == NULL || s->ssl.conf->endpoint == MBEDTLS_SSL_IS_SERVER) {
        return -EINVAL;
    }
    int rc = tlsman_set_peer_ip(&s->t, ip, len);
    if (rc == 0) {
        mbedtls_ssl_set_verify(&s->ssl, tlsman_mbedtls_verify_cb, s);
    }
    return rc;
}

#if defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
/** Client: the name expected in the server's certificate (subjectAltName DNS or CN), also sent
 *  as SNI. mbedTLS copies it (heap, freed with the session). */
int tlsman_mbedtls_set_server_name(void *p, const char *name)
{
    ss_mbedtls_session_t *s = p;
    if (tlsman_server_name_len(name) < 0 || s->ssl.conf == NULL ||
        s->ssl.conf->endpoint == MBEDTLS_SSL_IS_SERVER) {
        return -EINVAL;
    }
    int err = mbedtls_ssl_set_hostname(&s->ssl, name);
    if (err == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
        return -ENOMEM;
    }
    return err == 0 ? 0 : -EINVAL;
}
#endif

#endif /* SS_X509 */
