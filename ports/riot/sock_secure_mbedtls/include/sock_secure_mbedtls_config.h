/**
 * @file sock_secure_mbedtls_config.h
 * @brief mbedTLS 2.28 configuration for secure_sock on RIOT: DTLS 1.2 for devices.
 *
 * The module sock_secure_mbedtls makes RIOT's pkg/mbedtls compile with this file instead of
 * RIOT's crypto-only riot_mbedtls_config.h (MBEDTLS_CONFIG_FILE, see its Makefile.include).
 * What it enables:
 * - DTLS 1.2 (and the TLS 1.2 code it is built on), client and server, HelloVerifyRequest
 *   cookies, anti-replay, extended master secret (RFC 7627), every alert;
 * - TLS_PSK_WITH_AES_128_CCM_8 (RFC 7252 §9.1.3.1) and, unless SOCK_SECURE_MBEDTLS_X509 is 0,
 *   TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with X.509 certificates on P-256 (RFC 7252 §9.1.3.3),
 *   DER credentials (PEM too with SOCK_SECURE_MBEDTLS_PEM=1);
 * - records of at most CONFIG_SOCK_SECURE_MBEDTLS_RECORD_LEN bytes of plaintext each way
 *   (mbedTLS's default is 16 KiB): peers must not send larger ones;
 * - mbedTLS's heap is a static pool (MBEDTLS_MEMORY_BUFFER_ALLOC_C, CONFIG_SOCK_SECURE_MBEDTLS_HEAP_SIZE
 *   bytes, set up by sock_secure_init()); nothing comes from the C library's malloc;
 * - entropy from RIOT (mbedtls_hardware_poll() in riot_mbedtls.c: periph_hwrng, else the random
 *   module) into mbedTLS's CTR-DRBG;
 * - no clock: certificate validity dates are not checked (no MBEDTLS_HAVE_TIME_DATE), and no
 *   threading (one socket is used from one thread).
 *
 * Each switch below can be set with CFLAGS (e.g. -DSOCK_SECURE_MBEDTLS_X509=0). An application
 * can also name its own file: SOCK_SECURE_MBEDTLS_CONFIG = "<my_config.h>" in its Makefile.
 */
#ifndef SOCK_SECURE_MBEDTLS_CONFIG_H
#define SOCK_SECURE_MBEDTLS_CONFIG_H

/** 1: ECDHE-ECDSA suites and X.509 certificates (P-256); 0: pre-shared keys only (smaller). */
#ifndef SOCK_SECURE_MBEDTLS_X509
#define SOCK_SECURE_MBEDTLS_X509 1
#endif

/** 1: also accept PEM credentials (adds Base64 and PEM parsing); 0: DER only. */
#ifndef SOCK_SECURE_MBEDTLS_PEM
#define SOCK_SECURE_MBEDTLS_PEM 0
#endif

/** 1: the server side (and cookies); follows secure_sock's CONFIG_SOCK_SECURE_SERVER. */
#ifndef SOCK_SECURE_MBEDTLS_SERVER
#if defined(CONFIG_SOCK_SECURE_SERVER)
#define SOCK_SECURE_MBEDTLS_SERVER CONFIG_SOCK_SECURE_SERVER
#else
#define SOCK_SECURE_MBEDTLS_SERVER 1
#endif
#endif

/** Largest record plaintext each way (bytes); also bounds a reassembled handshake message (a
 *  certificate chain must fit). */
#ifndef CONFIG_SOCK_SECURE_MBEDTLS_RECORD_LEN
#define CONFIG_SOCK_SECURE_MBEDTLS_RECORD_LEN 1024
#endif

/** 1: count mbedTLS's heap use (sock_secure_riot_mbedtls_heap()), for sizing the pool. */
#ifndef SOCK_SECURE_MBEDTLS_HEAP_DEBUG
#define SOCK_SECURE_MBEDTLS_HEAP_DEBUG 0
#endif

/* ---- system ---------------------------------------------------------------------------------- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#if SOCK_SECURE_MBEDTLS_HEAP_DEBUG
#define MBEDTLS_MEMORY_DEBUG
#endif
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_ENTROPY_FORCE_SHA256
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
#define MBEDTLS_CTR_DRBG_C

/* ---- symmetric crypto ------------------------------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES     /* tables in flash, not 8 KiB of RAM */
#define MBEDTLS_AES_FEWER_TABLES   /* 2 KiB of tables instead of 8 */
#define MBEDTLS_CCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER

/* ---- (D)TLS ------------------------------------------------------------------------------------ */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_DTLS
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY
#define MBEDTLS_SSL_DTLS_BADMAC_LIMIT
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET /* RFC 7627 */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES /* e.g. bad_record_mac for a wrong PSK: the peer learns
                                          at once instead of retransmitting until it gives up */
#if SOCK_SECURE_MBEDTLS_SERVER
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_DTLS_HELLO_VERIFY
#define MBEDTLS_SSL_COOKIE_C
#endif
#define MBEDTLS_KEY_EXCHANGE_PSK_ENABLED
#define MBEDTLS_SSL_IN_CONTENT_LEN  CONFIG_SOCK_SECURE_MBEDTLS_RECORD_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN CONFIG_SOCK_SECURE_MBEDTLS_RECORD_LEN
/* handshake messages that arrive out of order wait in at most this much heap */
#define MBEDTLS_SSL_DTLS_MAX_BUFFERING (2 * CONFIG_SOCK_SECURE_MBEDTLS_RECORD_LEN)

#if SOCK_SECURE_MBEDTLS_X509
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_MPI_MAX_SIZE 32
#define MBEDTLS_MPI_WINDOW_SIZE 1
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_CIPHERSUITES \
    MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
#else
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8
#endif
#if SOCK_SECURE_MBEDTLS_PEM
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#endif

/* Inside mbedTLS's own sources only (library/common.h defines MBEDTLS_LIBRARY_COMMON_H before it
 * includes this file): memory_buffer_alloc.c casts its byte pool to its block headers (kept
 * aligned by MBEDTLS_MEMORY_ALIGN_MULTIPLE), which RIOT's -Wcast-align rejects on Cortex-M, and
 * RIOT builds packages with -Werror. secure_sock's own files keep the warning. */
#if defined(MBEDTLS_LIBRARY_COMMON_H) && defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wcast-align"
#endif

#include "mbedtls/check_config.h"

#endif /* SOCK_SECURE_MBEDTLS_CONFIG_H */
