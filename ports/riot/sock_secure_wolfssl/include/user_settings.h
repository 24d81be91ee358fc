/**
 * @file user_settings.h
 * @brief wolfSSL 5.5.4's configuration for secure_sock on RIOT (module sock_secure_wolfssl):
 *        DTLS 1.2 and TLS 1.2 (client and server; TLS over module sock_secure_tcp) with
 *        TLS_PSK_WITH_AES_128_CCM_8 and, with
 *        SOCK_SECURE_WOLFSSL_X509=1, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 on P-256 with X.509
 *        certificates; sized for devices.
 *
 * RIOT's pkg/wolfssl compiles wolfSSL with -DWOLFSSL_USER_SETTINGS, so wolfSSL's settings.h
 * includes this file; the module's Makefile.include puts it before pkg/wolfssl's own
 * user_settings.h (written for the newer wolfSSL RIOT pins, configured by RIOT modules). The
 * driver (src/tlsman/wolfssl/) is compiled with the same file.
 */
#ifndef SOCK_SECURE_WOLFSSL_USER_SETTINGS_H
#define SOCK_SECURE_WOLFSSL_USER_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- system: no files, no sockets (the driver's I/O callbacks), one thread ------------------ */
#ifndef WOLFSSL_RIOT_OS
#define WOLFSSL_RIOT_OS 1
#endif
#define SINGLE_THREADED       /* use secure_sock from one thread, as with mbedTLS (docs/RIOT.md) */
#define NO_FILESYSTEM
#define NO_WRITEV
#define NO_DEV_RANDOM
#define NO_MAIN_DRIVER
#define WOLFSSL_USER_IO       /* custom I/O callbacks only */
#define WOLFSSL_NO_SOCK
#define WOLFSSL_IPV6
#define HAVE_STRINGS_H
#define NO_STDIO_FILESYSTEM
#define WOLFSSL_SMALL_STACK   /* large temporaries on the heap, not on the thread's stack */
#define WOLFSSL_GENERAL_ALIGNMENT 4
#define NO_ERROR_STRINGS
#if defined(SOCK_SECURE_WOLFSSL_HEAP_DEBUG) && SOCK_SECURE_WOLFSSL_HEAP_DEBUG
#define XMALLOC_USER          /* malloc with accounting (riot_wolfssl.c) */
#else
#define NO_WOLFSSL_MEMORY     /* XMALLOC is the C library's malloc (RIOT's heap) */
#endif

/* Entropy: wolfCrypt's Hash-DRBG is seeded from RIOT's periph_hwrng where the board has it,
 * else RIOT's random module (riot_wolfssl.c; see docs/RIOT.md on its quality). */
int sock_secure_riot_wolfssl_seed(unsigned char *output, unsigned int sz);
#define CUSTOM_RAND_GENERATE_SEED sock_secure_riot_wolfssl_seed
/* Clock: seconds from ztimer64 (riot_wolfssl.c); certificate dates are not checked (no
 * calendar time on a device without one), as with mbedTLS on RIOT. */
#define USER_TICKS
#define NO_ASN_TIME

/* ---- protocol: (D)TLS 1.2 only, no session resumption --------------------------------------- */
/* TLS 1.2 needs nothing here: wolfSSL compiles it unless WOLFSSL_NO_TLS12, and its DTLS 1.2 is
 * that code with the DTLS flag set (a DTLS-only image holds the same wolfSSL code). */
#define WOLFSSL_DTLS
#define NO_OLD_TLS
#define HAVE_TLS_EXTENSIONS
#define HAVE_EXTENDED_MASTER
#define HAVE_SERVER_RENEGOTIATION_INFO /* the empty renegotiation_info (RFC 5746) OpenSSL wants */
#define WOLFSSL_EXTRA_ALERTS  /* alerts for more failures, as Debian's build (the driver's codes) */
#define NO_SESSION_CACHE
#define WOLFSSL_SET_CIPHER_BYTES /* wolfSSL_CTX_set_cipher_list_bytes (without OPENSSL_EXTRA) */
#define SMALL_SESSION_CACHE

/* ---- PSK with AES-128-CCM-8 ----------------------------------------------------------------- */
#define WOLFSSL_STATIC_PSK    /* the plain-PSK AES suites */
#define HAVE_AESCCM
#define WOLFSSL_AES_128
#define NO_AES_192
#define NO_AES_256
#define NO_AES_CBC
#define NO_RC4
#define NO_DES3
#define NO_DH
#define NO_DSA
#define NO_MD4
#define NO_MD5
#define NO_SHA
#define NO_PWDBASED
#define NO_PKCS12
#define NO_HC128
#define NO_RABBIT
#define NO_OLD_RNGNAME
#define NO_SIG_WRAPPER
#define USE_SLOW_SHA256
#define WOLFSSL_SP_SMALL

#if defined(SOCK_SECURE_WOLFSSL_X509) && SOCK_SECURE_WOLFSSL_X509
/* ---- ECDHE-ECDSA on P-256 with X.509 certificates ------------------------------------------- */
#define HAVE_ECC
#define ECC_TIMING_RESISTANT
#define HAVE_SUPPORTED_CURVES
#define ECC_USER_CURVES       /* P-256 only */
#define WOLFSSL_SP_MATH_ALL
#define SP_WORD_SIZE 32
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_PEM_TO_DER
#define WOLFSSL_PUB_PEM_TO_DER /* wc_PubKeyPemToDer: PEM public keys (pinned keys) */
#define HAVE_SNI
#define OPENSSL_EXTRA         /* the driver's verify callback (X509_STORE_CTX) */
/* OPENSSL_EXTRA's error queue would keep 192 heap bytes per error (3 per refused certificate),
 * up to 100 entries (19 KB): off, nothing reads it (measured with SOCK_SECURE_WOLFSSL_HEAP_DEBUG) */
#define NO_ERROR_QUEUE
#define WOLFSSL_ALWAYS_VERIFY_CB
#define WOLFSSL_VERIFY_CB_ALL_CERTS
#define NO_RSA                /* certificates and keys on P-256 only */
#include <stdio.h>            /* snprintf, for OPENSSL_EXTRA's names */
#else
#define NO_RSA
#define NO_CERTS
#define NO_ASN
/* 5.5.4's renegotiation_info state (internal.h) sizes a certificate hash with asn.h's
 * KEYID_SIZE, which NO_ASN leaves undefined (asn.h is empty then: no clash) */
#define KEYID_SIZE 32
#define NO_CODING
#endif

/* RIOT builds the package with the application's warnings and -Werror (WERROR=1); wolfSSL
 * 5.5.4 with this configuration has unused helpers (tls.c: a server helper only the extensions
 * left out here use), parameters and variables (the heap hint, unused with the C library's
 * malloc; an RNG of OPENSSL_EXTRA's), as
 * RIOT's own pkg/wolfssl build has for wolfCrypt (-Wno-unused). (Not for the driver: driver.h
 * defines its guard before it includes this file.) */
#if !defined(SS_TLSMAN_WOLFSSL_DRIVER_H) && defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-variable"
#if !defined(__clang__) && __GNUC__ >= 12
/* with OPENSSL_EXTRA: a false positive of GCC 12 in ssl.c (the pointer is not used after free) */
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif
#endif

/* RIOT's Atmel SAM headers declare an `Aes` type of their own (as pkg/wolfssl's file says) */
#define _SAML21_AES_COMPONENT_
#define _SAMD51_AES_COMPONENT_
#define _SAME51_AES_COMPONENT_
#define _SAME54_AES_COMPONENT_
#define _SAMR34_AES_COMPONENT_

#ifdef __cplusplus
}
#endif

#endif /* SOCK_SECURE_WOLFSSL_USER_SETTINGS_H */
