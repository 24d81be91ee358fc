/*
 * mbedTLS 2.28 configuration for the Cortex-M4 full-image footprint (bench/firmware.sh), used as
 * MBEDTLS_CONFIG_FILE for Debian's mbedtls 2.28 source, our driver (src/tlsman/mbedtls/) and
 * both clients (bench/footprint/fw_client_ours.c, fw_client_bare.c).
 *
 * Default (PSK):  DTLS 1.2 client only, TLS_PSK_WITH_AES_128_CCM_8 only (RFC 7252's suite),
 *                 AES + CCM, SHA-256, CTR-DRBG; no X.509, no filesystem, no net, no timing, no
 *                 time(), no threading, no error strings, no debug.
 * FW_ECDHE=1:     the same plus TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 on P-256 (ECDH, ECDSA, bignum,
 *                 PK and X.509 certificate parsing for the server's chain and the trust anchor).
 *
 * ENTROPY: MBEDTLS_NO_PLATFORM_ENTROPY + MBEDTLS_ENTROPY_HARDWARE_ALT, i.e. the one entropy
 * source is mbedtls_hardware_poll(), which a real board implements over its TRNG. Here it is a
 * STUB (bench/footprint/fw_entropy_stub.c) that returns NO real randomness: it exists only so that
 * the image links and its size can be measured. Never use it in a product.
 */
#ifndef SS_MBEDTLS_FW_CONFIG_H
#define SS_MBEDTLS_FW_CONFIG_H

/* ---- system ---------------------------------------------------------------------------------- */
/* no MBEDTLS_HAVE_TIME / HAVE_TIME_DATE: no time() on the MCU (the hello random has no time) */
#define MBEDTLS_NO_PLATFORM_ENTROPY   /* no /dev/urandom */
#define MBEDTLS_ENTROPY_HARDWARE_ALT  /* mbedtls_hardware_poll(): the board's TRNG (stub here) */
#define MBEDTLS_ENTROPY_MAX_SOURCES 2

/* ---- crypto ---------------------------------------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES        /* tables in flash, not built in RAM */
#define MBEDTLS_AES_FEWER_TABLES      /* 2 KB of tables instead of 8 KB */
#define MBEDTLS_CCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER        /* rolled loop: smaller, a bit slower */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* ---- (D)TLS ---------------------------------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_DTLS
#define MBEDTLS_SSL_DTLS_HELLO_VERIFY  /* client side: answer a server's HelloVerifyRequest */
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_KEY_EXCHANGE_PSK_ENABLED
#define MBEDTLS_PSK_MAX_LEN 32
/* Record buffers (heap, per session): 1 KB of plaintext each way with PSK; a certificate chain
 * must fit in one reassembled handshake message, so 2 KB in with ECDHE-ECDSA. */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 1024

#if defined(FW_ECDHE) && FW_ECDHE
#define MBEDTLS_SSL_IN_CONTENT_LEN 2048
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_CIPHERSUITES \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8
#else
#define MBEDTLS_SSL_IN_CONTENT_LEN 1024
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8
#endif

#include "mbedtls/check_config.h"

#endif /* SS_MBEDTLS_FW_CONFIG_H */
