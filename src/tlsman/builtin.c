/*
 * sock_secure_init(): registers the drivers this build contains. Plain C, no generated file: the
 * build says which stacks it compiled by defining SS_HAVE_<STACK>=n, n being the driver's place
 * in the registration order (1 = first = the default backend). CMake numbers them in the order of
 * SS_BUILT_DRIVERS; an MCU or RIOT build with one stack defines SS_HAVE_<STACK>=1. An n above
 * CONFIG_SOCK_SECURE_MAX_DRIVERS does not compile; two drivers with the same n are diagnosed
 * (-Wextra: an initializer overrides another).
 */
#include "builtin.h"

#include "secure_sock/sock_secure.h"

static const tlsman_driver_t *const ss_builtin[CONFIG_SOCK_SECURE_MAX_DRIVERS] = {
#if defined(SS_HAVE_MBEDTLS) && SS_HAVE_MBEDTLS
    [SS_HAVE_MBEDTLS - 1] = &tlsman_mbedtls,
#endif
#if defined(SS_HAVE_WOLFSSL) && SS_HAVE_WOLFSSL
    [SS_HAVE_WOLFSSL - 1] = &tlsman_wolfssl,
#endif
#if defined(SS_HAVE_GNUTLS) && SS_HAVE_GNUTLS
    [SS_HAVE_GNUTLS - 1] = &tlsman_gnutls,
#endif
#if defined(SS_HAVE_TINYDTLS) && SS_HAVE_TINYDTLS
    [SS_HAVE_TINYDTLS - 1] = &tlsman_tinydtls,
#endif
};

int sock_secure_init(void)
{
    for (size_t i = 0; i < CONFIG_SOCK_SECURE_MAX_DRIVERS; i++) {
        int rc = ss_builtin[i] != NULL ? sock_secure_register(ss_builtin[i]) : 0;
        if (rc < 0 && rc != -EALREADY) { /* -EALREADY: sock_secure_init() was called before */
            return rc;
        }
    }
    return 0;
}
