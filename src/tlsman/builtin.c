/*
 * sock_secure_init(): registers the drivers this build contains. Plain C, no generated file: the
 * build says which stacks it compiled by defining SS_HAVE_<STACK>=1 (CMake does; an MCU or RIOT
 * build sets the same defines), and the first one registered is the default backend.
 */
#include "builtin.h"

#include "secure_sock/sock_secure.h"

/* Register @p drv unless it is there already (sock_secure_init() may be called again). */
static int ss_register_builtin(const tlsman_driver_t *drv)
{
    int rc = sock_secure_register(drv);
    return rc == -EALREADY ? 0 : rc;
}

int sock_secure_init(void)
{
    int rc = 0;
#if defined(SS_HAVE_MBEDTLS) && SS_HAVE_MBEDTLS
    if ((rc = ss_register_builtin(&tlsman_mbedtls)) < 0) {
        return rc;
    }
#endif
#if defined(SS_HAVE_WOLFSSL) && SS_HAVE_WOLFSSL
    if ((rc = ss_register_builtin(&tlsman_wolfssl)) < 0) {
        return rc;
    }
#endif
    return rc;
}
