/**
 * @file x509_ip.h
 * @brief Drivers' shared check of an IP address against a certificate's iPAddress
 *        subjectAltNames (internal to src/tlsman; portable C, no stack header, no allocation).
 *
 * Neither stack in use can do it: mbedTLS 2.28 checks only DNS names (and does not even list
 * iPAddress entries in crt->subject_alt_names), and wolfSSL 5.5.4 as Debian builds it (no
 * WOLFSSL_IP_ALT_NAME) matches an address's text against dNSNames too and not IPv6 at all. So
 * each driver calls this from its verify callback on the peer's own certificate (depth 0), with
 * the DER the stack already parsed.
 */
#ifndef SECURE_SOCK_TLSMAN_X509_IP_H
#define SECURE_SOCK_TLSMAN_X509_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Does the certificate @p der carry @p ip as an iPAddress subjectAltName?
 *
 * Only iPAddress entries ([7], RFC 5280 §4.2.1.6) are compared, never a dNSName or the subject's
 * CN (RFC 6125 §1.7.2 / RFC 9525 §6.2). An IPv4-mapped IPv6 address (::ffff:a.b.c.d), on either
 * side, compares as the IPv4 address a.b.c.d. Every length is checked against its container;
 * anything that is not well-formed DER (indefinite lengths, lengths past the end, more than 4
 * length bytes) counts as no match: the check fails closed.
 * @param der     the certificate (DER), read only during the call; NULL gives false.
 * @param der_len its length.
 * @param ip      the expected address, network byte order: 4 (IPv4) or 16 (IPv6) bytes.
 * @param ip_len  4 or 16; anything else gives false.
 * @return true if one iPAddress entry equals @p ip.
 */
bool tlsman_x509_has_ip(const uint8_t *der, size_t der_len, const uint8_t *ip, size_t ip_len);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_TLSMAN_X509_IP_H */
