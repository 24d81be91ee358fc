/**
 * @file common.c
 * @brief The code every TLSMAN driver shares (see common.h). No stack header, no allocation.
 */
#include "common.h"

#include <string.h>

/* ---- socket ------------------------------------------------------------------------------------ */

int tlsman_ctx_plan(const tlsman_config_t *cfg, tlsman_sock_t *sock, tlsman_plan_t *plan)
{
    memset(sock, 0, sizeof(*sock));
    memset(plan, 0, sizeof(*plan));
    sock->io = cfg->io;
    sock->verify_cb = cfg->verify_cb;
    sock->verify_arg = cfg->verify_arg;
    sock->mtu = cfg->mtu > UINT16_MAX ? UINT16_MAX : (uint16_t)cfg->mtu;
    sock->verify = (uint8_t)cfg->verify;
    sock->server = cfg->role != TLSMAN_CLIENT;
    sock->both = cfg->role == TLSMAN_CLIENT_SERVER;
    sock->datagram = cfg->datagram;

    for (size_t i = 0; i < cfg->suite_count; i++) {
        plan->psk_suites |= cfg->suites[i]->kx == TLSMAN_KX_PSK;
        plan->cert_suites |= (cfg->suites[i]->flags & TLSMAN_SUITE_CERT) != 0;
    }
    /* a PSK-only core (CONFIG_SOCK_SECURE_CERTS 0) hands no credential over (cred_count 0) and
     * picks no certificate suite: the loop below and the server's check compile out */
    for (size_t i = 0; CONFIG_SOCK_SECURE_CERTS && i < cfg->cred_count; i++) {
        const tlsman_cred_t *cr = &cfg->creds[i];
        if (cr->type == SOCK_SECURE_CRED_PRIVATE_KEY || cr->type == SOCK_SECURE_CRED_CERT_CHAIN) {
            const tlsman_cred_t **slot =
                cr->type == SOCK_SECURE_CRED_PRIVATE_KEY ? &plan->key : &plan->chain;
            if (*slot != NULL) {
                return -ENOTSUP; /* one identity per socket (two store tags may hold one each) */
            }
            *slot = cr;
        } else if (cr->type == SOCK_SECURE_CRED_CA) {
            plan->cas++;
        }
    }
    if (!sock->server && plan->psk_suites && cfg->psk == NULL && !cfg->psk_per_session &&
        !cfg->psk_for_hint) {
        return -EINVAL; /* a plain-PSK suite the client could never offer */
    }
    if (CONFIG_SOCK_SECURE_CERTS && sock->server && plan->cert_suites && plan->chain == NULL &&
        plan->key == NULL) {
        /* a certificate suite the server could never serve: neither a certificate nor a key
         * (a key alone is a raw public key, RFC 7250, which the core passes only to a driver
         * with TLSMAN_CAP_RPK) */
        return -EINVAL;
    }
    return 0;
}

/* ---- session ----------------------------------------------------------------------------------- */

int tlsman_info(const tlsman_sess_t *t, tlsman_info_t *info, int suite, const char *version)
{
    if (info == NULL) {
        return -EINVAL;
    }
    memset(info, 0, sizeof(*info));
    info->alert = t->alert;
    info->alert_origin = t->alert_origin;
    info->verify = tlsman_vfy_all(t);
    info->suite = suite > 0 && suite <= UINT16_MAX ? (uint16_t)suite : 0;
    info->version = version;
    return 0;
}

int tlsman_set_peer_ip(tlsman_sess_t *t, const uint8_t *ip, size_t len)
{
    if (ip == NULL || (len != 4 && len != 16)) {
        return -EINVAL;
    }
    memcpy(t->peer_ip, ip, len);
    t->peer_ip_len = (uint8_t)len;
    return 0;
}

int tlsman_server_name_len(const char *name)
{
    size_t len = 0;
    while (name != NULL && len < 256 && name[len] != '\0') {
        len++;
    }
    return len > 0 && len <= 255 ? (int)len : -EINVAL;
}

size_t tlsman_psk_lookup(const tlsman_sess_t *t, const uint8_t *identity, size_t identity_len,
                         uint8_t *key, size_t key_max)
{
    if (identity == NULL || identity_len == 0 || identity_len > CONFIG_SOCK_SECURE_PSK_ID_MAX ||
        t->io->psk == NULL) {
        return 0; /* the stack answers unknown_psk_identity */
    }
    size_t n = t->io->psk(t->io_ctx, identity, identity_len, key, key_max);
    if (n == 0 || n > key_max) {
        tlsman_zero(key, key_max);
        return 0;
    }
    return n;
}

/* ---- certificate verification ------------------------------------------------------------------ */

int tlsman_verify_cert(tlsman_sess_t *t, const tlsman_sock_t *k, const uint8_t *der,
                       size_t der_len, int depth, uint32_t *bits)
{
    int rc = 0;
    if (depth == 0 && t->peer_ip_len != 0 &&
        !tlsman_x509_has_ip(der, der_len, t->peer_ip, t->peer_ip_len)) {
        *bits |= SOCK_SECURE_VFY_NAME_MISMATCH;
        rc |= TLSMAN_VFY_NO_IP;
    }
    return rc | tlsman_verify_app(t, k, der, der_len, depth, *bits);
}

int tlsman_verify_app(tlsman_sess_t *t, const tlsman_sock_t *k, const uint8_t *der,
                      size_t der_len, int depth, uint32_t bits)
{
    if (k->verify_cb == NULL || der == NULL || der_len == 0) {
        return 0;
    }
    uint32_t v = bits;
    int app = k->verify_cb(k->verify_arg, der, der_len, depth, &v);
    uint32_t added = v & ~bits;
    if (app < 0) {
        t->vfy_abort = true;
        t->vfy_app |= added | SOCK_SECURE_VFY_APP;
        return TLSMAN_VFY_APP_ABORT;
    }
    if (added != 0) {
        t->vfy_app |= added | SOCK_SECURE_VFY_APP;
        return TLSMAN_VFY_APP_ADDED;
    }
    return 0;
}

/* ---- credentials ------------------------------------------------------------------------------- */

int tlsman_cred_misdeclared(int type, const uint8_t *data, size_t len,
                            tlsman_cred_is_kind_t is_kind, void *arg)
{
    static const int kinds[] = { SOCK_SECURE_CRED_CERT_CHAIN, SOCK_SECURE_CRED_PRIVATE_KEY,
                                 SOCK_SECURE_CRED_PEER_KEY };
    int declared = type == SOCK_SECURE_CRED_CA ? SOCK_SECURE_CRED_CERT_CHAIN : type;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (kinds[i] != declared && is_kind(arg, kinds[i], data, len)) {
            return SOCK_SECURE_E_CRED_TYPE;
        }
    }
    return SOCK_SECURE_E_CRED_FORMAT;
}

int tlsman_cred_check_none(int type, const uint8_t *data, size_t len)
{
    (void)type;
    (void)data;
    (void)len;
    return -ENOTSUP;
}
