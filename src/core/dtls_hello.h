/* Stack-independent DTLS ClientHello parsing and HelloVerifyRequest writing (RFC 6347 §4.2.1),
 * so a server can answer cookie-less hellos without creating any per-peer state. Private. */
#ifndef SS_DTLS_HELLO_H
#define SS_DTLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "../common/dtls_wire.h" /* SS_DTLS_RECORD_HDR, SS_DTLS_HS_HDR, ... */

/** Largest HelloVerifyRequest: headers, version, length byte and a 255-byte cookie. */
#define SS_HVR_MAX (SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR + 3u + 255u)

/** What the server needs from a ClientHello (pointers into the datagram). */
typedef struct {
    const uint8_t *record_seq; /**< 6 bytes: the record sequence number, echoed in the HVR */
    uint16_t message_seq;      /**< handshake message_seq, echoed in the HVR */
    const uint8_t *cookie;     /**< the cookie bytes (may be empty) */
    size_t cookie_len;         /**< 0..255 */
} ss_client_hello_t;

/** True if the datagram starts with a plaintext (epoch 0) DTLS handshake record. */
int ss_dtls_is_epoch0_handshake(const uint8_t *d, size_t len);

/**
 * Parse the first record of @p d as an unfragmented ClientHello.
 * @return 0 and @p ch filled, or -EINVAL if it is not one (every length is checked).
 */
int ss_dtls_parse_client_hello(const uint8_t *d, size_t len, ss_client_hello_t *ch);

/**
 * Write a HelloVerifyRequest answering @p ch with @p cookie into @p out.
 * @return its length, or 0 if it does not fit @p out_max or the cookie is longer than 255.
 */
size_t ss_dtls_write_hello_verify(const ss_client_hello_t *ch, const uint8_t *cookie,
                                  size_t cookie_len, uint8_t *out, size_t out_max);

#endif
