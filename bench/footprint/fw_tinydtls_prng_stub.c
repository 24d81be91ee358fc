/*
 * STUB RANDOM SOURCE - NOT RANDOM - for the firmware size measurement only (bench/firmware.sh).
 *
 * tinyDTLS takes its random bytes from dtls_prng() (its dtls_prng.c picks a platform file: RIOT's
 * random module, getrandom() on Linux, ...). A board implements it over its TRNG, a few dozen
 * bytes of code; this stand-in fills the buffer from a counter so that the image links, like
 * fw_entropy_stub.c for mbedTLS. It gives NO security. Never ship it. Both tinyDTLS clients link
 * it, so it cancels out of the comparison.
 */
#include <stddef.h>
#include <stdint.h>

int dtls_prng(unsigned char *buf, size_t len);
void dtls_prng_init(unsigned seed);

static volatile uint32_t fw_fake_trng; /* stands for the TRNG data register */

int dtls_prng(unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (unsigned char)(fw_fake_trng++ * 2654435761u >> 24); /* NOT random */
    }
    return (int)len;
}

void dtls_prng_init(unsigned seed)
{
    (void)seed;
}
