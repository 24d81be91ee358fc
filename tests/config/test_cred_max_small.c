/* The credential plan with a small CONFIG_SOCK_SECURE_CRED_MAX (this file and the core are built
 * with -DCONFIG_SOCK_SECURE_CRED_MAX=2, see tests/CMakeLists.txt): a store filled to the limit
 * hands every credential to the backend, and a tag listed twice - which once made
 * sock_secure_create() write past the plan's array on the stack - is refused with -EINVAL.
 * The backend is a stub that records what it is given; the core is the real one. */
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"

#include <stdio.h>
#include <string.h>

#if CONFIG_SOCK_SECURE_CRED_MAX != 2
#error "build with -DCONFIG_SOCK_SECURE_CRED_MAX=2"
#endif

static int failures, checks;
#define CHECK_EQ(a, b)                                                                         \
    do {                                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                                    \
        checks++;                                                                              \
        if (a_ != b_) {                                                                        \
            failures++;                                                                        \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, \
                    b_);                                                                       \
        }                                                                                      \
    } while (0)

/* ---- stub backend: records the credentials ctx_init is given -------------------------------- */
static size_t seen_creds = 99;

static bool st_suite(const tlsman_suite_t *s, bool d) { return s->kx == TLSMAN_KX_PSK && d; }
static int st_ctx_init(void *c, const tlsman_config_t *cfg)
{
    (void)c;
    seen_creds = cfg->cred_count;
    return 0;
}
static void st_ctx_free(void *c) { (void)c; }
static int st_sess_init(void *c, void *s, void *io, const uint8_t *id, size_t n)
{
    (void)c; (void)s; (void)io; (void)id; (void)n;
    return 0;
}
static void st_sess_free(void *s) { (void)s; }
static int st_handshake(void *s) { (void)s; return -EAGAIN; }
static void st_timer(void *s) { (void)s; }
static int st_read(void *s, uint8_t *b, size_t n) { (void)s; (void)b; (void)n; return -EAGAIN; }
static bool st_pending(void *s) { (void)s; return false; }
static int st_write(void *s, const uint8_t *b, size_t n) { (void)s; (void)b; return (int)n; }
static int st_close(void *s) { (void)s; return 0; }
static int st_info(void *s, tlsman_info_t *i) { (void)s; (void)i; return 0; }
static size_t st_max(void *s) { (void)s; return 1024; }

static const tlsman_driver_t stub = {
    .name = "stub", .version = "0",
    .caps = TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK | TLSMAN_CAP_X509,
    .ctx_size = 8, .session_size = 8,
    .suite_supported = st_suite, .ctx_init = st_ctx_init, .ctx_free = st_ctx_free,
    .session_init = st_sess_init, .session_free = st_sess_free, .handshake = st_handshake,
    .timer_expired = st_timer, .read = st_read, .pending = st_pending, .write = st_write,
    .close_notify = st_close, .info = st_info, .max_payload = st_max,
};

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return 1000;
}

int main(void)
{
    static sock_secure_memnet_t net;
    static sock_secure_mem_t mem;
    static sock_secure_creds_t store;
    static sock_secure_session_t slots[1];
    static const uint8_t key[16] = { 1, 2, 3 };
    static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 }; /* never parsed: stub */
    sock_secure_t sk;

    CHECK_EQ(sock_secure_register(&stub), 0);
    CHECK_EQ(sock_secure_memnet_init(&net), 0);
    sock_secure_ep_t me;
    CHECK_EQ(sock_secure_ep_parse(&me, "[fd00::1]:1", 0), 0);
    CHECK_EQ(sock_secure_mem_open(&mem, &net, &me), 0);

    /* a store holding CONFIG_SOCK_SECURE_CRED_MAX (2) credentials for the backend, under tag 1:
     * a client's own certificate and key */
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_CERT_CHAIN, der, sizeof(der)), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_PRIVATE_KEY, der, sizeof(der)), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 2, SOCK_SECURE_CRED_CA, der, sizeof(der)),
             -ENOMEM); /* the store is full */

    const sock_secure_psk_t psk = { (const uint8_t *)"id", 2, key, sizeof(key) };
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.transport = &mem.base;
    cfg.sessions = slots;
    cfg.session_count = 1;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    cfg.creds = &store;
    cfg.clock = fixed_clock;

    static const uint32_t once[] = { 1 };
    cfg.cred_tags = once;
    cfg.cred_tag_count = 1;
    CHECK_EQ(sock_secure_create(&sk, &cfg), 0); /* the plan holds exactly what fits */
    CHECK_EQ(seen_creds, 2);
    sock_secure_close(&sk);

    /* tag 1 twice would be 4 credentials for a plan of 2 */
    static const uint32_t twice[] = { 1, 1 };
    static const uint32_t thrice[] = { 1, 2, 1 };
    seen_creds = 99;
    cfg.cred_tags = twice;
    cfg.cred_tag_count = 2;
    CHECK_EQ(sock_secure_create(&sk, &cfg), -EINVAL);
    cfg.cred_tags = thrice;
    cfg.cred_tag_count = 3;
    CHECK_EQ(sock_secure_create(&sk, &cfg), -EINVAL);
    CHECK_EQ(seen_creds, 99); /* the backend was never set up */

    sock_secure_transport_close(&mem.base);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
