/* Minimal test support: checks that report file:line and the values, and an exit code for ctest
 * (0 pass, 1 fail, 77 skip). A failed CHECK marks the test failed and goes on; REQUIRE returns. */
#ifndef SS_TESTUTIL_H
#define SS_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h" /* tests also drive drivers (the driver contract) */

extern int tu_failures;
extern int tu_checks;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        tu_checks++;                                                                   \
        if (!(cond)) {                                                                 \
            tu_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define CHECK_EQ(a, b)                                                                 \
    do {                                                                               \
        long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                      \
        tu_checks++;                                                                   \
        if (tu_a_ != tu_b_) {                                                          \
            tu_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld (%s)\n",   \
                    __FILE__, __LINE__, #a, tu_a_, #b, tu_b_,                          \
                    sock_secure_strerror((int)tu_a_));                                 \
        }                                                                              \
    } while (0)

#define CHECK_MEM(a, b, n)                                                             \
    do {                                                                               \
        tu_checks++;                                                                   \
        if (memcmp((a), (b), (n)) != 0) {                                              \
            tu_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_MEM failed: %s != %s\n", __FILE__, __LINE__, \
                    #a, #b);                                                           \
        }                                                                              \
    } while (0)

#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        int tu_ok_ = !!(cond);                                                         \
        CHECK(tu_ok_ && #cond);                                                        \
        if (!tu_ok_) {                                                                 \
            return;                                                                    \
        }                                                                              \
    } while (0)

/* Run one scenario function and print its result. */
#define RUN(fn)                                                                        \
    do {                                                                               \
        int tu_before_ = tu_failures;                                                  \
        fn();                                                                          \
        printf("%s %s\n", tu_failures == tu_before_ ? "ok  " : "FAIL", #fn);           \
        fflush(stdout);                                                                \
    } while (0)

/* Run one scenario once per registered backend, with tu_backend_name naming it, and print its
 * result (a failure also names the backend it failed with). */
#define RUN_ALL(fn) tu_run_all(fn, #fn)
void tu_run_all(void (*fn)(void), const char *name);

/* Exit code for main(): prints "N checks, N failed". Fails a test that checked nothing. */
int tu_exit(void);

/* Skip the whole test (exit 77) with a reason. */
void tu_skip(const char *why);

/* sock_secure_init(), and skip the test (77) unless it works and a backend is built. */
void tu_any_backend(void);

/* Conformance tests run once per built driver: the backend is $SS_TEST_BACKEND (set by ctest),
 * else the default. tu_backend() skips the test (77) if that backend is not built or lacks
 * @p caps, and remembers its name in tu_backend_name for cfg.backend. */
extern const char *tu_backend_name;
const tlsman_driver_t *tu_backend(uint32_t caps);

/* The @p i-th registered driver (the one sock_secure_backend_name(i) names), NULL past the end:
 * for tests that drive drivers or compare them (tlsman.h). */
const tlsman_driver_t *tu_driver_at(size_t i);

/* The suite a default PSK configuration negotiates on @p drv: the first of RFC 7252's list it has. */
uint16_t tu_default_psk_suite(const tlsman_driver_t *drv, bool datagram);
/* The suite table's entries for @p n IANA ids into @p out (for tlsman_config_t.suites when a
 * test drives a driver directly). Returns 0, or -ENOTSUP if an id is not in the table. */
int tu_suite_list(const uint16_t *ids, size_t n, const tlsman_suite_t **out);

/* A simulated clock for deterministic timer tests (pass &tu_clock_ms as clock_arg). */
uint64_t tu_clock(void *arg);

/* Build an endpoint from text; aborts the test on bad text. */
sock_secure_ep_t tu_ep(const char *text);

/* The endpoint at which transport @p t, bound to a wildcard or loopback address with port 0, is
 * reached: the address of @p loopback_text, the port it was given (checked: not 0). */
sock_secure_ep_t tu_reachable(sock_secure_transport_t *t, const char *loopback_text);

#endif
