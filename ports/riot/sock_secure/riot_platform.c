/**
 * @file riot_platform.c
 * @brief secure_sock's platform part on RIOT: the default clock (ztimer64, milliseconds) and the
 *        driver registry (sock_secure_init()).
 *
 * The registry registers every driver module the application uses (RIOT defines MODULE_<NAME>
 * for each): sock_secure_mbedtls, sock_secure_tinydtls, sock_secure_wolfssl (in this order: the
 * first is the default backend). On a host, src/tlsman/builtin.c does the same under SS_HAVE_<STACK>.
 */
#include <stdint.h>

#include "modules.h"
#include "ztimer64.h"

#include "secure_sock/sock_secure.h"

#if IS_USED(MODULE_SOCK_SECURE_MBEDTLS)
#include "sock_secure_riot_mbedtls.h"
#endif
#if IS_USED(MODULE_SOCK_SECURE_MBEDTLS) || IS_USED(MODULE_SOCK_SECURE_TINYDTLS) || \
    IS_USED(MODULE_SOCK_SECURE_WOLFSSL)
#include "../../../src/tlsman/builtin.h" /* the built-in driver objects (private) */
#endif

uint64_t sock_secure_platform_now_ms(void *arg)
{
    (void)arg;
    return ztimer64_now(ZTIMER64_MSEC);
}

/* Register one driver; a second registration (sock_secure_init() called again) is fine. */
static int sock_secure_riot_add(const tlsman_driver_t *drv)
{
    int rc = sock_secure_register(drv);
    return rc == -EALREADY ? 0 : rc;
}

int sock_secure_init(void)
{
    int rc = 0;

#if IS_USED(MODULE_SOCK_SECURE_MBEDTLS)
    if ((rc = sock_secure_riot_mbedtls_init()) < 0 ||
        (rc = sock_secure_riot_add(&tlsman_mbedtls)) < 0) {
        return rc;
    }
#endif
#if IS_USED(MODULE_SOCK_SECURE_TINYDTLS) /* after mbedTLS: the default backend is the first */
    if ((rc = sock_secure_riot_add(&tlsman_tinydtls)) < 0) {
        return rc;
    }
#endif
#if IS_USED(MODULE_SOCK_SECURE_WOLFSSL)
    if ((rc = sock_secure_riot_add(&tlsman_wolfssl)) < 0) {
        return rc;
    }
#endif
    (void)sock_secure_riot_add;
    return rc;
}
