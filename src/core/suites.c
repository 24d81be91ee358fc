/*
 * The cipher suite table: the one list of suites secure_sock can negotiate, with the facts the
 * core checks at sock_secure_create() (key exchange, whether the server proves itself with a
 * certificate, cipher, transports, default list) and their IANA and OpenSSL names. The core's
 * defaults, create's checks, the names and every driver's suite_supported() derive from it: a
 * driver is only asked about, and configured with, entries of this table.
 *
 * Only AEAD suites with a key exchange a driver routes (plain PSK, ECDHE-ECDSA on P-256) are
 * here. The order is the default preference order (RFC 7252 §9.1.3's suites first).
 */
#include <string.h>

#include "core.h"

#define SS_BOTH (TLSMAN_SUITE_DTLS | TLSMAN_SUITE_TLS)
#define SS_DEF TLSMAN_SUITE_DEFAULT
#define SS_CERT TLSMAN_SUITE_CERT

static const tlsman_suite_t ss_suites[] = {
    { SOCK_SECURE_PSK_AES_128_CCM_8, TLSMAN_KX_PSK, TLSMAN_CIPHER_AES_128_CCM_8, SS_BOTH | SS_DEF,
      "TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8" },
    { SOCK_SECURE_PSK_AES_128_CCM, TLSMAN_KX_PSK, TLSMAN_CIPHER_AES_128_CCM, SS_BOTH | SS_DEF,
      "TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM" },
    { SOCK_SECURE_PSK_AES_128_GCM_SHA256, TLSMAN_KX_PSK, TLSMAN_CIPHER_AES_128_GCM,
      SS_BOTH | SS_DEF, "TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK-AES128-GCM-SHA256" },
    { SOCK_SECURE_PSK_CHACHA20_POLY1305, TLSMAN_KX_PSK, TLSMAN_CIPHER_CHACHA20_POLY1305,
      SS_BOTH | SS_DEF, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "PSK-CHACHA20-POLY1305" },
    { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, TLSMAN_KX_ECDHE_ECDSA, TLSMAN_CIPHER_AES_128_CCM_8,
      SS_BOTH | SS_DEF | SS_CERT, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
      "ECDHE-ECDSA-AES128-CCM8" },
    { SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM, TLSMAN_KX_ECDHE_ECDSA, TLSMAN_CIPHER_AES_128_GCM,
      SS_BOTH | SS_DEF | SS_CERT, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "ECDHE-ECDSA-AES128-GCM-SHA256" },
    { SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM, TLSMAN_KX_ECDHE_ECDSA, TLSMAN_CIPHER_AES_256_GCM,
      SS_BOTH | SS_CERT, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "ECDHE-ECDSA-AES256-GCM-SHA384" },
};

#define SS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const tlsman_suite_t *sock_secure_suite(uint16_t suite)
{
    for (size_t i = 0; i < SS_COUNT(ss_suites); i++) {
        if (ss_suites[i].id == suite) {
            return &ss_suites[i];
        }
    }
    return NULL;
}

const tlsman_suite_t *sock_secure_suite_at(size_t i)
{
    return i < SS_COUNT(ss_suites) ? &ss_suites[i] : NULL;
}

bool sock_secure__suite_supported(const tlsman_driver_t *drv, uint16_t suite, bool datagram)
{
    const tlsman_suite_t *e = sock_secure_suite(suite);
    return drv != NULL && e != NULL &&
           (e->flags & (datagram ? TLSMAN_SUITE_DTLS : TLSMAN_SUITE_TLS)) != 0 &&
           drv->suite_supported(e, datagram);
}

bool sock_secure_suite_supported(const char *backend, uint16_t suite, bool datagram)
{
    return sock_secure__suite_supported(sock_secure_driver(backend), suite, datagram);
}

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
    const tlsman_suite_t *e = sock_secure_suite(suite);
    return e != NULL ? e->iana : NULL;
}
