/**
 * @file builtin.h
 * @brief The driver objects built into libsecure_sock (private: applications name a driver
 *        (sock_secure_config_t.backend) after sock_secure_init() registered it; tests and
 *        firmware images that register one themselves include this header).
 *
 * Each is defined by its folder (src/tlsman/<stack>/driver.c) and exists only in a build that
 * defines SS_HAVE_<STACK>=1.
 */
#ifndef SS_TLSMAN_BUILTIN_H
#define SS_TLSMAN_BUILTIN_H

#include "secure_sock/tlsman.h"

#ifdef __cplusplus
extern "C" {
#endif

/** mbedTLS 2.28 (src/tlsman/mbedtls/), built with SS_HAVE_MBEDTLS=1. */
extern const tlsman_driver_t tlsman_mbedtls;
/** wolfSSL 5.5 (src/tlsman/wolfssl/), built with SS_HAVE_WOLFSSL=1. */
extern const tlsman_driver_t tlsman_wolfssl;
/** GnuTLS 3.7 (src/tlsman/gnutls/), built with SS_HAVE_GNUTLS=1. */
extern const tlsman_driver_t tlsman_gnutls;
/** tinyDTLS (src/tlsman/tinydtls/; DTLS 1.2, PSK and raw public keys), built with
 *  SS_HAVE_TINYDTLS=1. */
extern const tlsman_driver_t tlsman_tinydtls;

#ifdef __cplusplus
}
#endif

#endif /* SS_TLSMAN_BUILTIN_H */
