/*
 * dtls_config.h: how secure_sock builds tinyDTLS (our own file, not tinyDTLS's generated one).
 *
 * tinydtls.h includes "dtls_config.h" on every platform but RIOT, Contiki and lwIP: cmake/
 * tinydtls.cmake puts this directory on the include path of tinyDTLS's sources and of the driver
 * (src/tlsman/tinydtls/), so both see the same configuration. A tree that carries a dtls_config.h
 * of its own (an in-tree autoconf or CMake run) is refused there: that file would win.
 *
 * On RIOT, RIOT's pkg/tinydtls configures the stack (riot_boards.h and its Makefile.include) and
 * this file is not used.
 */
#ifndef SS_TINYDTLS_DTLS_CONFIG_H
#define SS_TINYDTLS_DTLS_CONFIG_H

/* ---- what tinyDTLS itself needs (its CMakeLists.txt passes these on the command line) ---------- */
#ifndef DTLSv12
#define DTLSv12 1
#endif
#ifndef WITH_SHA256
#define WITH_SHA256 1
#endif
#ifndef SHA2_USE_INTTYPES_H
#define SHA2_USE_INTTYPES_H 1
#endif
#ifndef DTLS_CHECK_CONTENTTYPE
#define DTLS_CHECK_CONTENTTYPE 1 /* a datagram that does not start with a known content type is
                                    no record */
#endif

/* ---- cipher suites: PSK (TLS_PSK_WITH_AES_128_CCM[_8]) and ECDHE-ECDSA with raw public keys ----
 * SS_TINYDTLS_NO_ECC / SS_TINYDTLS_NO_PSK (compiler definitions, set for the whole build) leave
 * one out; the driver's capabilities and suites follow. */
#if !defined(SS_TINYDTLS_NO_PSK)
#define DTLS_PSK 1
#endif
#if !defined(SS_TINYDTLS_NO_ECC)
#define DTLS_ECC 1
#endif

/* ---- limits ------------------------------------------------------------------------------------- */

/* Longest PSK identity (and identity hint) tinyDTLS takes; its default is 32. Not more than 64:
 * tinyDTLS sizes its ECDHE ClientKeyExchange check with max(64, this) + 2 and refuses a real one
 * (66 bytes) as too short beyond that. The driver refuses longer identities at create (-ENOTSUP),
 * below secure_sock's own limit (CONFIG_SOCK_SECURE_PSK_ID_MAX, 128). */
#ifndef DTLS_PSK_MAX_CLIENT_IDENTITY_LEN
#define DTLS_PSK_MAX_CLIENT_IDENTITY_LEN 64
#endif

/* Peers in a linked list, not uthash's tables: the driver keeps one peer per tinyDTLS context
 * (one context per session), and the tables would be a heap allocation per context. */
#define DTLS_PEERS_NOHASH 1

/* ---- platform ---------------------------------------------------------------------------------- */
#define HAVE_ASSERT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_TIME_H 1
#define HAVE_SYS_TIME_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_ARPA_INET_H 1
#define HAVE_NETINET_IN_H 1
#define HAVE_SYS_SOCKET_H 1
#if defined(__linux__)
#define HAVE_GETRANDOM 1 /* dtls_prng(): getrandom(2), the kernel's CSPRNG */
#define HAVE_INET_NTOP 1
#endif
/* No HAVE_VPRINTF: tinyDTLS's logging is compiled out, format strings and all (its debug level
 * dumps keys and secrets); stack/debug.c stands in for its dtls_debug.c. */

#define PACKAGE_NAME "tinydtls"
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown" /* cmake/tinydtls.cmake passes the tree's version */
#endif
#define PACKAGE_STRING PACKAGE_NAME " " PACKAGE_VERSION
#define PACKAGE_TARNAME PACKAGE_NAME
#define PACKAGE_BUGREPORT ""
#define PACKAGE_URL ""

#endif /* SS_TINYDTLS_DTLS_CONFIG_H */
