/*
 * secure_sock's small-memory mbedTLS 2.28 configuration for devices (docs/DEVICE.md).
 *
 * Build mbedTLS with it as its config file (MBEDTLS_CONFIG_FILE="device_config.h", or as the
 * installed include/mbedtls/config.h: scripts/device-profile.sh does the latter), and build the
 * secure_sock driver (src/tlsman/mbedtls/) and everything else that includes mbedTLS headers
 * with the same file and the same knobs below.
 *
 * What it keeps:
 *   - TLS 1.2 and DTLS 1.2, client and server, with HelloVerifyRequest cookies, the replay
 *     window, extended master secret, SNI, and max_fragment_length (RFC 6066: a secure_sock
 *     client asks the server for records of at most SS_DEVICE_RECORD_LEN bytes);
 *   - the suites: TLS_PSK_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_CCM and, with
 *     SS_DEVICE_ECDHE (default), TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 on P-256 with X.509
 *     certificates (PEM or DER); SS_DEVICE_GCM=1 adds the AES-128-GCM ones of both kinds;
 *   - every heap allocation from one static pool: MBEDTLS_MEMORY_BUFFER_ALLOC_C. The
 *     application (or the board port), never the driver, calls
 *         mbedtls_memory_buffer_alloc_init(pool, sizeof(pool));
 *     once, before the first sock_secure_create(). On a device (SS_DEVICE_HOST 0) mbedTLS has
 *     no other allocator: without that call every allocation fails and sock_secure_create()
 *     or the first handshake returns -ENOMEM; the image links no malloc.
 * What it drops: TLS 1.0/1.1, CBC, RSA, DHE, every other curve, ChaCha20, SHA-1/SHA-512,
 *   session tickets, renegotiation, the filesystem, sockets, error strings and debug output.
 *
 * Records: SS_DEVICE_RECORD_LEN bytes of plaintext each way (default 1024: a CoAP message with
 * a 512-byte block and its options; IPv6's 1,280-byte MTU holds it). Each session allocates two
 * buffers of SS_DEVICE_RECORD_LEN + 45 bytes (instead of two of 16,429). What happens with a
 * peer that sends a larger record is in docs/DEVICE.md ("Records larger than the profile"): in
 * short, DTLS drops the datagram (the session goes on), TLS ends the session with a
 * record_overflow alert; a secure_sock client avoids both by negotiating max_fragment_length.
 * A certificate chain must fit one record of that size too: with 1024, one P-256 certificate
 * issued by the trust anchor (a 2-certificate chain is about 1,030 bytes: use 2048 for one).
 *
 * Knobs (define them before this file is read, e.g. with -D, identically for mbedTLS and for
 * everything that includes its headers):
 *   SS_DEVICE_RECORD_LEN  plaintext bytes per record, each way (default 1024). A client asks
 *                         for max_fragment_length only when this is 512, 1024, 2048 or 4096.
 *   SS_DEVICE_ECDHE       1 (default): ECDHE-ECDSA on P-256 and X.509; 0: PSK only.
 *   SS_DEVICE_GCM         1: the AES-128-GCM suites as well (default 0: +~6 KB of flash and
 *                         +~0.8 KB of RAM per session using one).
 *   SS_DEVICE_HOST        1: for a POSIX host (the project's own test run): entropy from the
 *                         OS, time() for certificate validity, MBEDTLS_MEMORY_DEBUG for the
 *                         heap figures, and libc's calloc until a pool is set up. 0 (default):
 *                         a device, whose port provides
 *                           int mbedtls_hardware_poll(void *data, unsigned char *output,
 *                                                     size_t len, size_t *olen);
 *                         over its true random number generator.
 *   SS_DEVICE_TIME        1: the device has a trustworthy clock (time(), gmtime_r): certificate
 *                         validity periods are checked. Default: SS_DEVICE_HOST. Without it
 *                         mbedTLS does not check notBefore/notAfter (docs/SECURITY.md).
 */
#ifndef SS_DEVICE_MBEDTLS_CONFIG_H
#define SS_DEVICE_MBEDTLS_CONFIG_H

#ifndef SS_DEVICE_RECORD_LEN
#define SS_DEVICE_RECORD_LEN 1024
#endif
#ifndef SS_DEVICE_ECDHE
#define SS_DEVICE_ECDHE 1
#endif
#ifndef SS_DEVICE_GCM
#define SS_DEVICE_GCM 0
#endif
#ifndef SS_DEVICE_HOST
#define SS_DEVICE_HOST 0
#endif
#ifndef SS_DEVICE_TIME
#define SS_DEVICE_TIME SS_DEVICE_HOST
#endif

/* ---- system ---------------------------------------------------------------------------------- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY       /* mbedtls_calloc/free go through a settable pointer */
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C /* ... set by mbedtls_memory_buffer_alloc_init() */
#if SS_DEVICE_HOST
#define MBEDTLS_MEMORY_DEBUG          /* mbedtls_memory_buffer_alloc_max_get() / cur_get() */
#else
/* No libc calloc/free as the default: until the pool is set up every allocation fails. The
 * one libc function mbedTLS still takes is then named here (snprintf: X.509 names). */
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* exit(): memory_buffer_alloc.c's reaction to a corrupted pool */
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf
#if SS_DEVICE_TIME
#define MBEDTLS_PLATFORM_TIME_MACRO time
#endif
#define MBEDTLS_NO_PLATFORM_ENTROPY   /* no /dev/urandom */
#define MBEDTLS_ENTROPY_HARDWARE_ALT  /* the port's mbedtls_hardware_poll(): its TRNG */
#endif
#if SS_DEVICE_TIME
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE        /* certificate validity periods are checked */
#endif
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
#define MBEDTLS_HAVE_ASM

/* ---- symmetric crypto ------------------------------------------------------------------------ */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES        /* tables in flash, not built in RAM */
#define MBEDTLS_AES_FEWER_TABLES      /* 2 KB of tables instead of 8 KB */
#define MBEDTLS_CCM_C
#if SS_DEVICE_GCM
#define MBEDTLS_GCM_C
#endif
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER        /* rolled loop: smaller, a little slower */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* ---- (D)TLS ---------------------------------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_DTLS
#define MBEDTLS_SSL_DTLS_HELLO_VERIFY
#define MBEDTLS_SSL_COOKIE_C          /* a DTLS server answers cookie-less hellos statelessly */
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY
#define MBEDTLS_SSL_DTLS_BADMAC_LIMIT /* the driver counts records that fail authentication */
#define MBEDTLS_SSL_DTLS_CLIENT_PORT_REUSE
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_KEY_EXCHANGE_PSK_ENABLED
#define MBEDTLS_PSK_MAX_LEN 32
/* Record buffers: SS_DEVICE_RECORD_LEN + 45 bytes each (13 header, 16 explicit IV, 16 tag). */
#define MBEDTLS_SSL_IN_CONTENT_LEN SS_DEVICE_RECORD_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN SS_DEVICE_RECORD_LEN
/* DTLS reassembly of a fragmented handshake message (and its bitmap), plus a little for an
 * out-of-order message of the next flight; what does not fit is dropped and retransmitted. */
#define MBEDTLS_SSL_DTLS_MAX_BUFFERING (SS_DEVICE_RECORD_LEN + SS_DEVICE_RECORD_LEN / 4)

#if SS_DEVICE_ECDHE
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_MPI_MAX_SIZE 32       /* bytes: P-256 is the largest number */
#define MBEDTLS_ECP_WINDOW_SIZE 2     /* smallest precomputation table (peak heap) */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* no per-group table of the generator's multiples */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
/* MBEDTLS_SSL_KEEP_PEER_CERTIFICATE stays off: an established session keeps a SHA-256 of the
 * peer's certificate, not the parsed chain (the driver checks it during the handshake only). */
#endif

#if SS_DEVICE_ECDHE && SS_DEVICE_GCM
#define MBEDTLS_SSL_CIPHERSUITES                                                                  \
    MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, MBEDTLS_TLS_PSK_WITH_AES_128_CCM,                         \
        MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,      \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
#elif SS_DEVICE_ECDHE
#define MBEDTLS_SSL_CIPHERSUITES                                                                  \
    MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, MBEDTLS_TLS_PSK_WITH_AES_128_CCM,                         \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
#elif SS_DEVICE_GCM
#define MBEDTLS_SSL_CIPHERSUITES                                                                  \
    MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, MBEDTLS_TLS_PSK_WITH_AES_128_CCM,                         \
        MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256
#else
#define MBEDTLS_SSL_CIPHERSUITES                                                                  \
    MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, MBEDTLS_TLS_PSK_WITH_AES_128_CCM
#endif

#include "mbedtls/check_config.h"

#endif /* SS_DEVICE_MBEDTLS_CONFIG_H */
