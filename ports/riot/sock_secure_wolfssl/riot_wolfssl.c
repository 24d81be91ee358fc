/**
 * @file riot_wolfssl.c
 * @brief RIOT glue of the wolfSSL driver (src/tlsman/wolfssl/), named by the port's
 *        user_settings.h:
 * - sock_secure_riot_wolfssl_seed() (CUSTOM_RAND_GENERATE_SEED), the seed of wolfCrypt's
 *   Hash-DRBG: RIOT's periph_hwrng where the board has one, else RIOT's random module (then the
 *   seed is only as good as the PRNG the application chose, see docs/RIOT.md);
 * - LowResTimer() (USER_TICKS), wolfSSL's clock in seconds: ztimer64's milliseconds / 1000.
 */
#include <stddef.h>
#include <stdint.h>

#include "modules.h"
#if IS_USED(MODULE_PERIPH_HWRNG)
#include "periph/hwrng.h"
#else
#include "random.h"
#endif
#include "ztimer64.h"

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/types.h>

word32 LowResTimer(void);

int sock_secure_riot_wolfssl_seed(unsigned char *output, unsigned int sz)
{
#if IS_USED(MODULE_PERIPH_HWRNG)
    hwrng_read(output, sz);
#else
    random_bytes(output, sz);
#endif
    return 0;
}

word32 LowResTimer(void)
{
    return (word32)(ztimer64_now(ZTIMER64_MSEC) / 1000u);
}
