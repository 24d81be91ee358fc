#include "testutil.h"

#include <stdlib.h>

int tu_failures;
int tu_checks;

int tu_exit(void)
{
    printf("%d checks, %d failed\n", tu_checks, tu_failures);
    if (tu_checks == 0) {
        fprintf(stderr, "no checks ran: a test that checks nothing cannot fail\n");
        return 1;
    }
    return tu_failures ? 1 : 0;
}

void tu_skip(const char *why)
{
    printf("SKIPPED: %s\n", why);
    exit(77);
}

void tu_any_backend(void)
{
    if (sock_secure_init() < 0 || sock_secure_backend_name(0) == NULL) {
        tu_skip("no backend built");
    }
}

void tu_run_all(void (*fn)(void), const char *name)
{
    int before = tu_failures;
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++) {
        tu_backend_name = sock_secure_backend_name(b);
        int one = tu_failures;
        fn();
        if (tu_failures != one) {
            printf("  ^ %s failed with backend %s\n", name, tu_backend_name);
        }
    }
    printf("%s %s\n", tu_failures == before ? "ok  " : "FAIL", name);
    fflush(stdout);
}

uint64_t tu_clock(void *arg)
{
    return *(uint64_t *)arg;
}

sock_secure_ep_t tu_ep(const char *text)
{
    sock_secure_ep_t ep;
    if (sock_secure_ep_parse(&ep, text, 0) != 0) {
        fprintf(stderr, "bad endpoint in test: %s\n", text);
        exit(1);
    }
    return ep;
}

sock_secure_ep_t tu_reachable(sock_secure_transport_t *t, const char *loopback_text)
{
    sock_secure_ep_t local, ep = tu_ep(loopback_text);
    CHECK_EQ(sock_secure_transport_local(t, &local), 0);
    CHECK(local.port != 0);
    ep.port = local.port;
    return ep;
}

const char *tu_backend_name;

const tlsman_driver_t *tu_driver_at(size_t i)
{
    const char *name = sock_secure_backend_name(i);
    return name != NULL ? sock_secure_driver(name) : NULL;
}

const tlsman_driver_t *tu_backend(uint32_t caps)
{
    const char *want = getenv("SS_TEST_BACKEND");
    if (want != NULL && want[0] == '\0') {
        want = NULL;
    }
    if (sock_secure_init() < 0) {
        tu_skip("sock_secure_init failed");
    }
    const tlsman_driver_t *drv = sock_secure_driver(want);
    if (drv == NULL) {
        tu_skip("backend not built");
    }
    if ((drv->caps & caps) != caps) {
        printf("backend %s lacks capabilities 0x%x\n", drv->name, (unsigned)(caps & ~drv->caps));
        tu_skip("backend lacks a capability this test needs");
    }
    printf("backend: %s %s\n", drv->name, drv->version);
    tu_backend_name = drv->name;
    return drv;
}

uint16_t tu_default_psk_suite(const tlsman_driver_t *drv, bool datagram)
{
    const tlsman_suite_t *e;
    for (size_t i = 0; (e = sock_secure_suite_at(i)) != NULL; i++) {
        if (e->kx == TLSMAN_KX_PSK && (e->flags & TLSMAN_SUITE_DEFAULT) &&
            sock_secure_suite_supported(drv->name, e->id, datagram)) {
            return e->id;
        }
    }
    return 0;
}

int tu_suite_list(const uint16_t *ids, size_t n, const tlsman_suite_t **out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = sock_secure_suite(ids[i]);
        if (out[i] == NULL) {
            return -ENOTSUP;
        }
    }
    return 0;
}
