/* Cipher suite names: IANA and OpenSSL spellings of the suites secure_sock knows. */
#include <string.h>

#include "secure_sock/sock_secure.h"

typedef struct {
    uint16_t id;
    const char *iana;
    const char *openssl;
} ss_suite_name_t;

static const ss_suite_name_t ss_suites[] = {
    { SOCK_SECURE_PSK_AES_128_CCM_8, "TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8" },
    { SOCK_SECURE_PSK_AES_128_CCM, "TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM" },
    { SOCK_SECURE_PSK_AES_128_GCM_SHA256, "TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK-AES128-GCM-SHA256" },
    { SOCK_SECURE_PSK_CHACHA20_POLY1305, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
      "PSK-CHACHA20-POLY1305" },
    { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
      "ECDHE-ECDSA-AES128-CCM8" },
    { SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "ECDHE-ECDSA-AES128-GCM-SHA256" },
};

#define SS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

int sock_secure_suite_from_name(const char *name)
{
    if (name == NULL) {
        return -ENOENT;
    }
    for (size_t i = 0; i < SS_COUNT(ss_suites); i++) {
        if (strcmp(name, ss_suites[i].iana) == 0 || strcmp(name, ss_suites[i].openssl) == 0) {
            return ss_suites[i].id;
        }
    }
    return -ENOENT;
}

const char *sock_secure_suite_name(uint16_t suite)
{
    for (size_t i = 0; i < SS_COUNT(ss_suites); i++) {
        if (ss_suites[i].id == suite) {
            return ss_suites[i].iana;
        }
    }
    return NULL;
}
