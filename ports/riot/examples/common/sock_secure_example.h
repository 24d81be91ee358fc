/**
 * @file sock_secure_example.h
 * @brief What the RIOT examples of secure_sock share: the demo pre-shared key, the port, and the
 *        print of the stack's heap use.
 *
 * The key is a demo value: set your own with
 *   CFLAGS += -DSOCK_SECURE_EXAMPLE_PSK_ID='"my-id"' -DSOCK_SECURE_EXAMPLE_PSK_KEY='"16 bytes..."'
 */
#ifndef SOCK_SECURE_EXAMPLE_H
#define SOCK_SECURE_EXAMPLE_H

#include <stddef.h>
#include <stdio.h>

#include "modules.h"
#if IS_USED(MODULE_SOCK_SECURE_MBEDTLS)
#include "sock_secure_riot_mbedtls.h"
#endif
#if IS_USED(MODULE_SOCK_SECURE_WOLFSSL)
#include "sock_secure_riot_wolfssl.h"
#endif

/** PSK identity (text). */
#ifndef SOCK_SECURE_EXAMPLE_PSK_ID
#define SOCK_SECURE_EXAMPLE_PSK_ID "riot-demo"
#endif

/** PSK (text, its bytes are the key): hex 7365637572655f736f636b5f64656d6f for the host tools. */
#ifndef SOCK_SECURE_EXAMPLE_PSK_KEY
#define SOCK_SECURE_EXAMPLE_PSK_KEY "secure_sock_demo"
#endif

/** Port of the server, UDP (DTLS) or TCP (TLS) (CoAPS's, as ssock's default). */
#ifndef SOCK_SECURE_EXAMPLE_PORT
#define SOCK_SECURE_EXAMPLE_PORT 5684
#endif

/** Name the client expects in the server's certificate (with SOCK_SECURE_EXAMPLE_CERTS). */
#ifndef SOCK_SECURE_EXAMPLE_SERVER_NAME
#define SOCK_SECURE_EXAMPLE_SERVER_NAME "server.test"
#endif

#ifndef SOCK_SECURE_EXAMPLE_CERTS
#define SOCK_SECURE_EXAMPLE_CERTS 0
#endif

/** 1: TLS 1.2 over TCP (module sock_secure_tcp); 0: DTLS 1.2 over UDP (module sock_secure_udp). */
#ifndef SOCK_SECURE_EXAMPLE_TLS
#define SOCK_SECURE_EXAMPLE_TLS 0
#endif

#if SOCK_SECURE_EXAMPLE_TLS
#include "sock_secure_riot_tcp.h"
#define SOCK_SECURE_EXAMPLE_MODE "TLS" /**< what the examples print */
#else
#include "sock_secure_riot_udp.h"
#define SOCK_SECURE_EXAMPLE_MODE "DTLS"
#endif

#define SOCK_SECURE_EXAMPLE_PSK_INIT {                                          \
        (const uint8_t *)SOCK_SECURE_EXAMPLE_PSK_ID,                            \
        sizeof(SOCK_SECURE_EXAMPLE_PSK_ID) - 1,                                 \
        (const uint8_t *)SOCK_SECURE_EXAMPLE_PSK_KEY,                           \
        sizeof(SOCK_SECURE_EXAMPLE_PSK_KEY) - 1 }

/** Print the stack's heap use where its module counts it (mbedTLS with
 *  SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1, wolfSSL with SOCK_SECURE_WOLFSSL_HEAP_DEBUG=1). */
static inline void sock_secure_example_print_heap(void)
{
#if IS_USED(MODULE_SOCK_SECURE_MBEDTLS)
    size_t now, peak;
    if (sock_secure_riot_mbedtls_heap(&now, &peak) == 0) {
        printf("mbedtls heap: %u bytes in use, peak %u of %u\n", (unsigned)now, (unsigned)peak,
               (unsigned)CONFIG_SOCK_SECURE_MBEDTLS_HEAP_SIZE);
    }
#endif
#if IS_USED(MODULE_SOCK_SECURE_WOLFSSL)
    size_t wnow, wpeak;
    if (sock_secure_riot_wolfssl_heap(&wnow, &wpeak) == 0) {
        printf("wolfssl heap: %u bytes in use, peak %u\n", (unsigned)wnow, (unsigned)wpeak);
    }
#endif
}

#endif /* SOCK_SECURE_EXAMPLE_H */
