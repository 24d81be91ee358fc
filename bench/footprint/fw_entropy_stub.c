/*
 * STUB ENTROPY SOURCE - NOT RANDOM - for the Cortex-M4 size measurement only (bench/firmware.sh).
 *
 * mbedTLS is configured with MBEDTLS_NO_PLATFORM_ENTROPY + MBEDTLS_ENTROPY_HARDWARE_ALT
 * (bench/footprint/mbedtls_fw_config.h): its only entropy source is mbedtls_hardware_poll(), which
 * a real board implements by reading its TRNG (e.g. the STM32F4 RNG peripheral, a few dozen bytes
 * of code). This stand-in fills the buffer from a counter so that the image links; it has the
 * size of a small TRNG driver but gives NO security. Never ship it. Both clients link it, so it
 * cancels out of the comparison.
 */
#include <stddef.h>
#include <stdint.h>

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);

static volatile uint32_t fw_fake_trng; /* stands for the TRNG data register */

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    for (size_t i = 0; i < len; i++) {
        output[i] = (unsigned char)(fw_fake_trng++ * 2654435761u >> 24); /* NOT random */
    }
    *olen = len;
    return 0;
}
