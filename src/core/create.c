/*
 * Configuration and sock_secure_create(): the defaults, every check of a configuration against
 * the role, the credentials and the backend's capabilities (a field is honoured or refused,
 * never ignored), the credential plan, the suites, and the driver's context set up with the
 * memory BIO (docs/DESIGN.md, "The driver contract", "Suites", "Credentials").
 */
#include <string.h>

#include "core.h"

/* What credentials a socket has, gathered from its config and the store tags it references. */
typedef struct {
    tlsman_cred_t list[CONFIG_SOCK_SECURE_CRED_MAX]; /* everything but PSKs, for the driver */
    size_t count;
    const sock_secure_psk_t *client_psk;  /* the PSK a client offers */
    sock_secure_psk_t store_psk;          /* storage when it comes from the store */
    bool psk, cert, key, ca, pinned;
} ss_creds_plan_t;

/* The layout this library was compiled with (the application's comes from its own
 * translation unit: sock_secure_config_init() is inline). */
static const sock_secure_abi_t ss_abi = SOCK_SECURE_ABI;

static bool ss_same_abi(const sock_secure_abi_t *a)
{
    return a->version == ss_abi.version && a->sock_size == ss_abi.sock_size &&
           a->session_size == ss_abi.session_size && a->config_size == ss_abi.config_size &&
           a->creds_size == ss_abi.creds_size;
}

int sock_secure_config_init_abi(sock_secure_config_t *cfg, const sock_secure_abi_t *abi)
{
    if (cfg == NULL || abi == NULL) {
        return -EINVAL;
    }
    if (!ss_same_abi(abi)) {
        cfg->abi = *abi; /* the first member in every layout: create() refuses it */
        return SOCK_SECURE_E_ABI;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->abi = *abi;
    cfg->role = SOCK_SECURE_CLIENT;
    cfg->hs_timeout_initial_ms = CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS;
    cfg->hs_timeout_max_ms = CONFIG_SOCK_SECURE_HS_TIMEOUT_MAX_MS;
    cfg->hs_max_retransmit = CONFIG_SOCK_SECURE_HS_MAX_RETRANSMIT;
    cfg->handshake_deadline_ms = CONFIG_SOCK_SECURE_HS_DEADLINE_MS;
    cfg->handshake_stall_ms = CONFIG_SOCK_SECURE_HS_STALL_MS;
    return 0;
}

/* Whether a (checked) configuration is a client's, a server's: constants in a client-only build,
 * so the server's branches below compile out there. A socket of both roles is neither. */
#define SS_CLIENT(cfg) (!CONFIG_SOCK_SECURE_SERVER || (cfg)->role == SOCK_SECURE_CLIENT)
#define SS_SERVER(cfg) (CONFIG_SOCK_SECURE_SERVER && (cfg)->role == SOCK_SECURE_SERVER)
/* A socket of both roles: never in a build without them (sock_secure_create refuses it first). */
#define SS_BOTH(cfg) (CONFIG_SOCK_SECURE_CLIENT_SERVER && (cfg)->role == SOCK_SECURE_CLIENT_SERVER)

int sock_secure__check_psk(const sock_secure_psk_t *p)
{
    if (p->identity == NULL || p->key == NULL || p->identity_len == 0 ||
        p->identity_len > CONFIG_SOCK_SECURE_PSK_ID_MAX || p->key_len == 0 ||
        p->key_len > CONFIG_SOCK_SECURE_PSK_KEY_MAX) {
        return -EINVAL;
    }
    return 0;
}

static int ss_check_config(const sock_secure_config_t *cfg)
{
    if (cfg->transport == NULL || cfg->transport->ops == NULL || cfg->sessions == NULL ||
        cfg->session_count == 0 ||
        (cfg->role != SOCK_SECURE_CLIENT && cfg->role != SOCK_SECURE_SERVER &&
         cfg->role != SOCK_SECURE_CLIENT_SERVER)) {
        return -EINVAL;
    }
    if (!CONFIG_SOCK_SECURE_SERVER && cfg->role != SOCK_SECURE_CLIENT) {
        return -ENOTSUP; /* a client-only build; from here on SS_CLIENT() holds */
    }
    if (cfg->hs_timeout_initial_ms == 0 || cfg->hs_timeout_max_ms < cfg->hs_timeout_initial_ms ||
        cfg->max_half_open > cfg->session_count ||
        cfg->max_half_open_per_addr > cfg->session_count ||
        (cfg->when_full != SOCK_SECURE_FULL_REFUSE &&
         cfg->when_full != SOCK_SECURE_FULL_EVICT_LRU)) {
        return -EINVAL;
    }
    if ((cfg->psk == NULL) != (cfg->psk_count == 0) ||
        cfg->cred_tag_count > CONFIG_SOCK_SECURE_MAX_CRED_TAGS ||
        (cfg->cred_tag_count > 0 && (cfg->cred_tags == NULL || cfg->creds == NULL)) ||
        cfg->verify > SOCK_SECURE_VERIFY_REQUIRED) {
        return -EINVAL;
    }
    for (size_t i = 0; i < cfg->psk_count; i++) {
        if (sock_secure__check_psk(&cfg->psk[i]) < 0) {
            return -EINVAL;
        }
    }
    if (cfg->psk_hint != NULL && strlen(cfg->psk_hint) > CONFIG_SOCK_SECURE_PSK_ID_MAX) {
        return -EINVAL;
    }
    for (size_t i = 0; i < cfg->cred_tag_count; i++) {
        for (size_t j = 0; j < i; j++) {
            if (cfg->cred_tags[i] == cfg->cred_tags[j]) {
                return -EINVAL; /* a tag listed twice would hand its credentials over twice */
            }
        }
    }
    /* fields only the other role uses would be silently ignored (a client-server has both) */
    if (SS_CLIENT(cfg)
            ? (cfg->psk_hint != NULL && cfg->psk_hint[0] != '\0') || cfg->psk_lookup != NULL
            : SS_SERVER(cfg) && (cfg->server_name != NULL || cfg->psk_select != NULL ||
                                 cfg->psk_for_hint != NULL)) {
        return -EINVAL;
    }
    if ((cfg->suites == NULL) != (cfg->suite_count == 0) ||
        cfg->suite_count > CONFIG_SOCK_SECURE_MAX_SUITES) {
        return -EINVAL;
    }
    return 0;
}

/* Gather the socket's credentials: the PSK array, and the store entries under its tags.
 * Returns 0, -EINVAL if there are more than the plan holds (CONFIG_SOCK_SECURE_CRED_MAX), or
 * -ENOTSUP for an entry other than a PSK in a PSK-only build (CONFIG_SOCK_SECURE_CERTS 0). */
static int ss_plan_creds(const sock_secure_config_t *cfg, ss_creds_plan_t *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->psk = cfg->psk_count > 0 || (!SS_CLIENT(cfg) && cfg->psk_lookup) ||
                (!SS_SERVER(cfg) && (cfg->psk_select || cfg->psk_for_hint));
    plan->client_psk = cfg->psk_count > 0 ? &cfg->psk[0] : NULL;
    for (size_t t = 0; t < cfg->cred_tag_count; t++) {
        size_t cursor = 0;
        const uint8_t *data;
        size_t len;
        int i;
        while ((i = sock_secure_creds_find(cfg->creds, cfg->cred_tags[t], 0, &cursor, &data,
                                           &len)) >= 0) {
            uint8_t type = cfg->creds->entry[i].type;
            if (type == SOCK_SECURE_CRED_PSK) {
                plan->psk = true;
                if (plan->client_psk == NULL &&
                    sock_secure_creds_psk(cfg->creds, i, &plan->store_psk) == 0) {
                    plan->client_psk = &plan->store_psk;
                }
                continue;
            }
            if (!CONFIG_SOCK_SECURE_CERTS) {
                return -ENOTSUP; /* a PSK-only build */
            }
            plan->cert |= type == SOCK_SECURE_CRED_CERT_CHAIN;
            plan->key |= type == SOCK_SECURE_CRED_PRIVATE_KEY;
            plan->ca |= type == SOCK_SECURE_CRED_CA;
            plan->pinned |= type == SOCK_SECURE_CRED_PEER_KEY;
            if (plan->count == CONFIG_SOCK_SECURE_CRED_MAX) {
                return -EINVAL;
            }
            plan->list[plan->count++] = (tlsman_cred_t){ type, data, len };
        }
    }
    return 0;
}

/* Check the credentials against the role and the backend; resolve the verification mode. */
static int ss_check_creds(const sock_secure_config_t *cfg, const tlsman_driver_t *drv,
                          const ss_creds_plan_t *plan, tlsman_verify_t *verify)
{
    bool client = SS_CLIENT(cfg);
    if (!CONFIG_SOCK_SECURE_CERTS) {
        /* PSK only (ss_plan_creds took nothing else): as below with no certificate, key or
         * anchor; a client that verifies nothing but has no PSK would need certificate suites */
        if (!plan->psk) {
            return client && cfg->verify == SOCK_SECURE_VERIFY_NONE ? -ENOTSUP : -EINVAL;
        }
        if (SS_BOTH(cfg) && cfg->verify != SOCK_SECURE_VERIFY_DEFAULT &&
            cfg->verify != SOCK_SECURE_VERIFY_NONE) {
            return -EINVAL;
        }
        if (!(drv->caps & TLSMAN_CAP_PSK)) {
            return -ENOTSUP;
        }
        *verify = cfg->verify;
        if (*verify == SOCK_SECURE_VERIFY_DEFAULT || SS_BOTH(cfg)) {
            *verify = client ? SOCK_SECURE_VERIFY_REQUIRED : SOCK_SECURE_VERIFY_NONE;
        }
        return !client && *verify != SOCK_SECURE_VERIFY_NONE ? -EINVAL : 0; /* no anchors */
    }
    bool anchors = plan->ca || plan->pinned;
    if (plan->cert && !plan->key) {
        return -EINVAL; /* a certificate without its private key */
    }
    if (SS_BOTH(cfg)) {
        /* PSKs and raw public keys (own key without certificate, pinned peer keys): the pinned
         * keys are the trust list of both roles, so verification is REQUIRED with them (a client
         * checks its servers, a server asks its clients for a key) and NONE without them (any
         * key is taken). Certificates have a meaning per role (a client checks names), not
         * settled for a socket of both: refused. */
        if (plan->cert || plan->ca) {
            return -ENOTSUP;
        }
        bool verifies = cfg->verify == SOCK_SECURE_VERIFY_OPTIONAL ||
                        cfg->verify == SOCK_SECURE_VERIFY_REQUIRED;
        if (!(plan->psk || plan->key) || (plan->pinned && !plan->key) ||
            (verifies && !plan->pinned)) {
            return -EINVAL; /* nothing to authenticate with; pinned keys without a key of its
                               own (its server sessions could not use them); verification
                               without a trust list */
        }
        if ((plan->psk && !(drv->caps & TLSMAN_CAP_PSK)) ||
            ((plan->pinned || plan->key) && !(drv->caps & TLSMAN_CAP_RPK))) {
            return -ENOTSUP;
        }
        *verify = cfg->verify == SOCK_SECURE_VERIFY_DEFAULT
                      ? (plan->pinned ? SOCK_SECURE_VERIFY_REQUIRED : SOCK_SECURE_VERIFY_NONE)
                      : cfg->verify;
        return 0;
    }
    if (client ? !(plan->psk || anchors || cfg->verify == SOCK_SECURE_VERIFY_NONE)
               : !(plan->psk || plan->key)) {
        return -EINVAL; /* nothing to authenticate with */
    }
    if ((plan->psk && !(drv->caps & TLSMAN_CAP_PSK)) ||
        ((plan->cert || plan->ca) && !(drv->caps & TLSMAN_CAP_X509)) ||
        ((plan->pinned || (plan->key && !plan->cert)) && !(drv->caps & TLSMAN_CAP_RPK))) {
        return -ENOTSUP;
    }
    *verify = cfg->verify;
    if (*verify == SOCK_SECURE_VERIFY_DEFAULT) {
        *verify = client || anchors ? SOCK_SECURE_VERIFY_REQUIRED : SOCK_SECURE_VERIFY_NONE;
    }
    if (!client && *verify != SOCK_SECURE_VERIFY_NONE && !anchors) {
        return -EINVAL; /* a server asked to verify clients without trust anchors */
    }
    return 0;
}

/* Does any suite of the socket let the server prove itself with a certificate (or key)? */
static bool ss_any_cert_suite(const sock_secure_t *sk)
{
    if (!CONFIG_SOCK_SECURE_CERTS) {
        return false; /* ss_pick_suites took none */
    }
    for (size_t i = 0; i < sk->suite_count; i++) {
        if (sk->suites[i]->flags & TLSMAN_SUITE_CERT) {
            return true;
        }
    }
    return false;
}

/* A client that must verify but has no trust anchors: fine while only PSK suites can be
 * negotiated (the PSK authenticates the server), refused as soon as a certificate suite could be
 * (it would have nothing to check the server's certificate against). A verify_cb that would
 * never run (verification off while a certificate could come) is refused too. */
static int ss_check_anchors(const sock_secure_t *sk, const ss_creds_plan_t *plan,
                            tlsman_verify_t *verify)
{
    bool certs = ss_any_cert_suite(sk);
    if (SS_CLIENT(&sk->cfg) && *verify != SOCK_SECURE_VERIFY_NONE && !plan->ca &&
        !plan->pinned) {
        if (certs) {
            return -EINVAL;
        }
        *verify = SOCK_SECURE_VERIFY_NONE; /* PSK suites only: nothing to verify */
    }
    if (sk->cfg.verify_cb != NULL && *verify == SOCK_SECURE_VERIFY_NONE && certs) {
        return -EINVAL;
    }
    return 0;
}

/* Append the table's default suites of one kind (certificate or PSK) that the backend has. */
static void ss_add_defaults(sock_secure_t *sk, bool cert, bool datagram)
{
    const tlsman_suite_t *e;
    for (size_t i = 0; (e = sock_secure_suite_at(i)) != NULL; i++) {
        if ((e->flags & TLSMAN_SUITE_DEFAULT) && ((e->flags & TLSMAN_SUITE_CERT) != 0) == cert &&
            sk->suite_count < CONFIG_SOCK_SECURE_MAX_SUITES &&
            sock_secure__suite_supported(sk->drv, e->id, datagram)) {
            sk->suites[sk->suite_count++] = e;
        }
    }
}

/* Fill sk->suites with entries of the suite table: the caller's list (each must be in the table,
 * usable on the transport and implemented by the backend, else -ENOTSUP before the backend is
 * configured), or the defaults the stack has for the kinds of credentials configured. */
static int ss_pick_suites(sock_secure_t *sk, const sock_secure_config_t *cfg,
                          const ss_creds_plan_t *plan, bool datagram)
{
    sk->suite_count = 0;
    if (cfg->suite_count > 0) {
        for (size_t i = 0; i < cfg->suite_count; i++) {
            if (!sock_secure__suite_supported(sk->drv, cfg->suites[i], datagram) ||
                ((!CONFIG_SOCK_SECURE_CERTS || (SS_BOTH(cfg) && !plan->key)) &&
                 (sock_secure_suite(cfg->suites[i])->flags & TLSMAN_SUITE_CERT))) {
                return -ENOTSUP; /* ids outside the table too: the driver is not asked */
            }
            sk->suites[sk->suite_count++] = sock_secure_suite(cfg->suites[i]);
        }
        return 0;
    }
    /* a key without a certificate is a raw public key (RFC 7250), pinned keys its trust list:
     * both authenticate with the certificate (ECDHE-ECDSA) suites, on a socket of both roles too */
    bool certs = !CONFIG_SOCK_SECURE_CERTS ? false
                 : SS_SERVER(cfg)               ? plan->cert || plan->key
                 : !SS_CLIENT(cfg) /* both roles */
                     ? plan->key
                     : plan->ca || plan->cert || plan->key || plan->pinned ||
                           (!plan->psk && cfg->verify == SOCK_SECURE_VERIFY_NONE);
    if (plan->psk) {
        ss_add_defaults(sk, false, datagram);
    }
    if (certs) {
        ss_add_defaults(sk, true, datagram);
    }
    return sk->suite_count > 0 ? 0 : -ENOTSUP;
}

int sock_secure_create(sock_secure_t *sk, const sock_secure_config_t *cfg)
{
    if (sk == NULL || cfg == NULL) {
        return -EINVAL;
    }
    if (!ss_same_abi(&cfg->abi) || (cfg->creds != NULL && cfg->creds->size != sizeof(*cfg->creds))) {
        return SOCK_SECURE_E_ABI; /* before anything is read or written with our layout */
    }
    int rc = ss_check_config(cfg);
    if (rc < 0) {
        return rc;
    }
    const tlsman_driver_t *drv = sock_secure_driver(cfg->backend);
    if (drv == NULL) {
        return -ENOENT;
    }
    bool datagram = (cfg->transport->flags & SOCK_SECURE_TRANSPORT_DATAGRAM) != 0;
    if (datagram ? !(drv->caps & TLSMAN_CAP_DTLS)
                 : !CONFIG_SOCK_SECURE_STREAMS || !(drv->caps & TLSMAN_CAP_TLS) ||
                       drv->flush == NULL || cfg->transport->ops->connect == NULL ||
                       cfg->transport->ops->disconnect == NULL) {
        return -ENOTSUP;
    }
    if (!CONFIG_SOCK_SECURE_RX_BUFFER && cfg->transport->ops->peek == NULL) {
        return -ENOTSUP; /* no receive buffer here: the datagram waits in the transport */
    }
    if (cfg->role == SOCK_SECURE_CLIENT_SERVER &&
        (!CONFIG_SOCK_SECURE_CLIENT_SERVER || !(drv->caps & TLSMAN_CAP_CLIENT_SERVER))) {
        return -ENOTSUP; /* left out of this build, or a driver with one role per socket */
    }
    if (cfg->psk_select != NULL &&
        (!(drv->caps & TLSMAN_CAP_PSK_PER_SESSION) || drv->set_psk == NULL)) {
        return -ENOTSUP; /* the backend cannot give a session a PSK of its own */
    }
    if (cfg->psk_for_hint != NULL && !(drv->caps & TLSMAN_CAP_PSK_FOR_HINT)) {
        return -ENOTSUP; /* the backend's client never hands the server's hint over */
    }
    bool hint = !SS_CLIENT(cfg) && cfg->psk_hint != NULL && cfg->psk_hint[0] != '\0';
    /* (a client's hint was refused by ss_check_config) */
    if ((hint && !(drv->caps & TLSMAN_CAP_PSK_HINT)) ||
        (cfg->server_name != NULL && drv->set_server_name == NULL) ||
        (cfg->resumption && !(drv->caps & TLSMAN_CAP_RESUMPTION)) ||
        (cfg->renegotiation && !(drv->caps & TLSMAN_CAP_RENEGOTIATION))) {
        return -ENOTSUP; /* the backend could not honour it */
    }
    ss_creds_plan_t plan;
    tlsman_verify_t verify = TLSMAN_VERIFY_REQUIRED; /* set by ss_check_creds (clang-analyzer loses track) */
    rc = ss_plan_creds(cfg, &plan);
    if (rc == 0) {
        rc = ss_check_creds(cfg, drv, &plan, &verify);
    }
    if (rc < 0) {
        return rc;
    }
    memset(sk, 0, sizeof(*sk));
    sk->drv = drv;
    sk->cfg = *cfg;
    sk->stream = !datagram;
    if (sk->cfg.clock == NULL) {
        sk->cfg.clock = sock_secure_platform_now_ms;
    }
    rc = ss_pick_suites(sk, cfg, &plan, datagram);
    if (rc == 0) {
        rc = ss_check_anchors(sk, &plan, &verify);
    }
    if (rc < 0) {
        memset(sk, 0, sizeof(*sk));
        return rc;
    }
    memset(cfg->sessions, 0, cfg->session_count * sizeof(cfg->sessions[0]));
    tlsman_config_t tc = {
        .role = cfg->role,
        .datagram = datagram,
        .suites = sk->suites,
        .suite_count = sk->suite_count,
        .psk = !SS_SERVER(cfg) ? plan.client_psk : NULL,
        .psk_per_session = cfg->psk_select != NULL,
        .psk_for_hint = cfg->psk_for_hint != NULL,
        .psk_hint = hint ? (const uint8_t *)cfg->psk_hint : NULL,
        .psk_hint_len = hint ? strlen(cfg->psk_hint) : 0,
        .mtu = CONFIG_SOCK_SECURE_MAX_DATAGRAM,
        .io = &sock_secure__io,
        .creds = plan.list,
        .cred_count = plan.count,
        .verify = verify,
        .verify_cb = cfg->verify_cb,
        .verify_arg = cfg->verify_arg,
        .renegotiation = cfg->renegotiation,
        .resumption = cfg->resumption,
    };
    rc = drv->ctx_init(sk->drv_ctx, &tc);
    if (rc < 0) {
        sock_secure__zero(sk, sizeof(*sk));
        return rc;
    }
    sk->verify = (uint8_t)verify;
    sk->open = true;
    return 0;
}
