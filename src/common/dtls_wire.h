/**
 * @file dtls_wire.h
 * @brief The (D)TLS 1.2 wire format, once: record and handshake headers, content and handshake
 *        types, alert levels and descriptions, big-endian accessors, a bounded record walker,
 *        and a server's view of a ClientHello and its HelloVerifyRequest answer.
 *
 * Private to secure_sock (src/core and src/tlsman), dependency-free (only <stdint.h>, <stddef.h>,
 * <stdbool.h>), no allocation, no global symbol: everything is a macro or a static inline
 * function, so the core (which builds for MCUs) and every driver can use it. References: RFC 5246
 * §6.2.1 (TLS record), §7.2 (alerts), §7.4 (handshake types), RFC 6347 §4.1 (DTLS record) and
 * §4.2.2 (DTLS handshake header), RFC 4279 §2 / RFC 8446 §6 (later alert numbers).
 */
#ifndef SS_DTLS_WIRE_H
#define SS_DTLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- record layer ------------------------------------------------------------------------------ */

/** TLS record header: type(1) version(2) length(2). */
#define SS_TLS_RECORD_HDR 5u
/** DTLS record header: type(1) version(2) epoch(2) sequence_number(6) length(2). */
#define SS_DTLS_RECORD_HDR 13u

/** Offsets in a record header (the length is the header's last two bytes in both). */
#define SS_REC_TYPE     0u  /**< content type */
#define SS_REC_VERSION  1u  /**< major, minor */
#define SS_DTLS_REC_EPOCH 3u /**< DTLS: 16-bit epoch */
#define SS_DTLS_REC_SEQ   5u /**< DTLS: 48-bit sequence number */
#define SS_DTLS_REC_LEN  11u /**< DTLS: 16-bit length of the fragment */
#define SS_TLS_REC_LEN    3u /**< TLS: 16-bit length of the fragment */

/** Content types (RFC 5246 §6.2.1; 24 RFC 6520, 25 RFC 9146). */
#define SS_CT_CHANGE_CIPHER_SPEC 20u
#define SS_CT_ALERT              21u
#define SS_CT_HANDSHAKE          22u
#define SS_CT_APPLICATION_DATA   23u
#define SS_CT_HEARTBEAT          24u
#define SS_CT_TLS12_CID          25u

/** Protocol versions on the wire. DTLS 1.0 (0xFEFF) is what a first ClientHello and every
 *  HelloVerifyRequest may carry (RFC 6347 §4.2.1). */
#define SS_TLS_MAJOR      0x03u
#define SS_TLS_1_2_MINOR  0x03u
#define SS_DTLS_MAJOR     0xFEu
#define SS_DTLS_1_0_MINOR 0xFFu
#define SS_DTLS_1_2_MINOR 0xFDu

/* ---- handshake layer ---------------------------------------------------------------------------- */

/** DTLS handshake header: msg_type(1) length(3) message_seq(2) fragment_offset(3)
 *  fragment_length(3). (TLS: the first 4 bytes only.) */
#define SS_DTLS_HS_HDR 12u
#define SS_TLS_HS_HDR   4u
#define SS_HS_TYPE      0u /**< msg_type */
#define SS_HS_LEN       1u /**< 24-bit length of the whole message */
#define SS_DTLS_HS_SEQ  4u /**< 16-bit message_seq */
#define SS_DTLS_HS_FRAG_OFF 6u /**< 24-bit fragment_offset */
#define SS_DTLS_HS_FRAG_LEN 9u /**< 24-bit fragment_length */

/** Handshake types (RFC 5246 §7.4, RFC 6347 §4.2.1). */
#define SS_HT_HELLO_REQUEST        0u
#define SS_HT_CLIENT_HELLO         1u
#define SS_HT_SERVER_HELLO         2u
#define SS_HT_HELLO_VERIFY_REQUEST 3u
#define SS_HT_NEW_SESSION_TICKET   4u
#define SS_HT_CERTIFICATE         11u
#define SS_HT_SERVER_KEY_EXCHANGE 12u
#define SS_HT_CERTIFICATE_REQUEST 13u
#define SS_HT_SERVER_HELLO_DONE   14u
#define SS_HT_CERTIFICATE_VERIFY  15u
#define SS_HT_CLIENT_KEY_EXCHANGE 16u
#define SS_HT_FINISHED            20u

/* ---- alerts ------------------------------------------------------------------------------------- */

/** An alert record's body: level(1) description(1). */
#define SS_ALERT_LEN 2u
#define SS_ALERT_LEVEL_WARNING 1u
#define SS_ALERT_LEVEL_FATAL   2u

/** Alert descriptions (RFC 5246 §7.2; 115 RFC 4279, 110/112 RFC 6066). */
#define SS_ALERT_CLOSE_NOTIFY             0u
#define SS_ALERT_UNEXPECTED_MESSAGE      10u
#define SS_ALERT_BAD_RECORD_MAC          20u
#define SS_ALERT_RECORD_OVERFLOW         22u
#define SS_ALERT_DECOMPRESSION_FAILURE   30u
#define SS_ALERT_HANDSHAKE_FAILURE       40u
#define SS_ALERT_BAD_CERTIFICATE         42u
#define SS_ALERT_UNSUPPORTED_CERTIFICATE 43u
#define SS_ALERT_CERTIFICATE_REVOKED     44u
#define SS_ALERT_CERTIFICATE_EXPIRED     45u
#define SS_ALERT_CERTIFICATE_UNKNOWN     46u
#define SS_ALERT_ILLEGAL_PARAMETER       47u
#define SS_ALERT_UNKNOWN_CA              48u
#define SS_ALERT_ACCESS_DENIED           49u
#define SS_ALERT_DECODE_ERROR            50u
#define SS_ALERT_DECRYPT_ERROR           51u
#define SS_ALERT_PROTOCOL_VERSION        70u
#define SS_ALERT_INSUFFICIENT_SECURITY   71u
#define SS_ALERT_INTERNAL_ERROR          80u
#define SS_ALERT_USER_CANCELED           90u
#define SS_ALERT_NO_RENEGOTIATION       100u
#define SS_ALERT_UNSUPPORTED_EXTENSION  110u
#define SS_ALERT_UNRECOGNIZED_NAME      112u
#define SS_ALERT_UNKNOWN_PSK_IDENTITY   115u

/* ---- big-endian accessors ----------------------------------------------------------------------- */

static inline size_t ss_get16(const uint8_t *p)
{
    return ((size_t)p[0] << 8) | p[1];
}

static inline size_t ss_get24(const uint8_t *p)
{
    return ((size_t)p[0] << 16) | ((size_t)p[1] << 8) | p[2];
}

static inline uint64_t ss_get48(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 6; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static inline void ss_put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void ss_put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static inline void ss_put48(uint8_t *p, uint64_t v)
{
    for (unsigned i = 0; i < 6; i++) {
        p[5 - i] = (uint8_t)(v >> (8 * i));
    }
}

/* ---- one record header (the caller has checked that the header is there) ------------------------ */

/** Header length of a DTLS (@p dtls) or TLS record. */
static inline size_t ss_rec_hdr(bool dtls)
{
    return dtls ? SS_DTLS_RECORD_HDR : SS_TLS_RECORD_HDR;
}

/** Length of the record's fragment (the body after the header). */
static inline size_t ss_rec_len(const uint8_t *rec, bool dtls)
{
    return ss_get16(rec + (dtls ? SS_DTLS_REC_LEN : SS_TLS_REC_LEN));
}

/** DTLS: the record's epoch. */
static inline unsigned ss_dtls_rec_epoch(const uint8_t *rec)
{
    return (unsigned)ss_get16(rec + SS_DTLS_REC_EPOCH);
}

/** DTLS: the record's 48-bit sequence number. */
static inline uint64_t ss_dtls_rec_seq(const uint8_t *rec)
{
    return ss_get48(rec + SS_DTLS_REC_SEQ);
}

/** DTLS: is the record in epoch 0 (plaintext, before any ChangeCipherSpec)? */
static inline bool ss_dtls_rec_epoch0(const uint8_t *rec)
{
    return rec[SS_DTLS_REC_EPOCH] == 0 && rec[SS_DTLS_REC_EPOCH + 1] == 0;
}

/** DTLS: the message_seq of a handshake header. */
static inline unsigned ss_dtls_hs_seq(const uint8_t *hs)
{
    return (unsigned)ss_get16(hs + SS_DTLS_HS_SEQ);
}

/* ---- bounded record walker ----------------------------------------------------------------------- */

/**
 * Walks the records of one datagram (or of a run of stream bytes), never reading past its end.
 *
 *     ss_rec_walk_t w = ss_rec_walk(buf, len, true);
 *     ss_rec_t r;
 *     while (ss_rec_next(&w, &r)) { ... r.type, r.hdr, r.body, r.len ... }
 *     if (!ss_rec_walk_whole(&w)) { the bytes did not end on a record boundary }
 */
typedef struct {
    const uint8_t *buf; /**< the datagram */
    size_t len;         /**< its length */
    size_t off;         /**< offset of the next record */
    uint8_t hdr;        /**< SS_DTLS_RECORD_HDR or SS_TLS_RECORD_HDR */
    bool dtls;          /**< DTLS record headers */
} ss_rec_walk_t;

/** One record found by ss_rec_next(): every byte of it lies within the walked buffer. */
typedef struct {
    const uint8_t *hdr;  /**< the record header */
    const uint8_t *body; /**< its fragment (hdr + header length) */
    size_t len;          /**< the fragment's length */
    uint8_t type;        /**< content type (SS_CT_*) */
} ss_rec_t;

/** Start walking @p len bytes at @p buf as DTLS (@p dtls) or TLS records. */
static inline ss_rec_walk_t ss_rec_walk(const uint8_t *buf, size_t len, bool dtls)
{
    ss_rec_walk_t w = { buf, len, 0, (uint8_t)ss_rec_hdr(dtls), dtls };
    return w;
}

/** The next whole record: true and @p r filled, or false at the end or when the next record's
 *  header or fragment runs past the end (the walk then stays there). */
static inline bool ss_rec_next(ss_rec_walk_t *w, ss_rec_t *r)
{
    if (w->len - w->off < w->hdr) {
        return false;
    }
    const uint8_t *h = w->buf + w->off;
    size_t len = ss_get16(h + w->hdr - 2u);
    if (len > w->len - w->off - w->hdr) {
        return false;
    }
    r->hdr = h;
    r->body = h + w->hdr;
    r->len = len;
    r->type = h[SS_REC_TYPE];
    w->off += w->hdr + len;
    return true;
}

/** After the walk: did the buffer hold whole records only (no truncated one at its end)? */
static inline bool ss_rec_walk_whole(const ss_rec_walk_t *w)
{
    return w->off == w->len;
}

/* ---- ClientHello and HelloVerifyRequest (RFC 6347 §4.2.1) -------------------------------------- */

/** Largest HelloVerifyRequest: headers, version, length byte and a 255-byte cookie. */
#define SS_HVR_MAX (SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR + 3u + 255u)

/** What a server needs from a ClientHello (pointers into the datagram). */
typedef struct {
    const uint8_t *record_seq; /**< 6 bytes: the record sequence number, echoed in the HVR */
    uint16_t message_seq;      /**< handshake message_seq, echoed in the HVR */
    const uint8_t *cookie;     /**< the cookie bytes (may be empty) */
    size_t cookie_len;         /**< 0..255 */
} ss_dtls_client_hello_t;

/** True if the datagram starts with a plaintext (epoch 0) DTLS handshake record. */
static inline bool ss_dtls_is_epoch0_handshake(const uint8_t *d, size_t len)
{
    return len >= SS_DTLS_RECORD_HDR && d[SS_REC_TYPE] == SS_CT_HANDSHAKE &&
           d[SS_REC_VERSION] == SS_DTLS_MAJOR && ss_dtls_rec_epoch0(d);
}

/**
 * Parse the first record of @p d as an unfragmented ClientHello, up to its cookie.
 * @return true and @p ch filled, or false if it is not one (every length is checked).
 */
static inline bool ss_dtls_parse_client_hello(const uint8_t *d, size_t len,
                                              ss_dtls_client_hello_t *ch)
{
    if (!ss_dtls_is_epoch0_handshake(d, len)) {
        return false;
    }
    size_t rec_len = ss_rec_len(d, true);
    if (rec_len > len - SS_DTLS_RECORD_HDR || rec_len < SS_DTLS_HS_HDR) {
        return false;
    }
    const uint8_t *hs = d + SS_DTLS_RECORD_HDR;
    size_t hs_len = ss_get24(&hs[SS_HS_LEN]);
    /* an unfragmented ClientHello that fits its record */
    if (hs[SS_HS_TYPE] != SS_HT_CLIENT_HELLO || ss_get24(&hs[SS_DTLS_HS_FRAG_OFF]) != 0 ||
        ss_get24(&hs[SS_DTLS_HS_FRAG_LEN]) != hs_len || hs_len > rec_len - SS_DTLS_HS_HDR) {
        return false;
    }
    const uint8_t *body = hs + SS_DTLS_HS_HDR;
    size_t pos = 2 + 32; /* client_version, random */
    if (hs_len < pos + 1) {
        return false;
    }
    size_t sid_len = body[pos];
    if (sid_len > 32) {
        return false;
    }
    pos += 1 + sid_len;
    if (hs_len < pos + 1) {
        return false;
    }
    size_t cookie_len = body[pos];
    pos += 1;
    if (hs_len < pos + cookie_len) {
        return false;
    }
    ch->record_seq = &d[SS_DTLS_REC_SEQ];
    ch->message_seq = (uint16_t)ss_dtls_hs_seq(hs);
    ch->cookie = &body[pos];
    ch->cookie_len = cookie_len;
    return true;
}

/**
 * Write a HelloVerifyRequest answering @p ch with @p cookie into @p out (the cookie may already
 * be in place there): DTLS 1.0 in the record and the body, the hello's record sequence number
 * and message_seq echoed.
 * @return its length, or 0 if it does not fit @p out_max or the cookie is longer than 255.
 */
static inline size_t ss_dtls_write_hello_verify(const ss_dtls_client_hello_t *ch,
                                                const uint8_t *cookie, size_t cookie_len,
                                                uint8_t *out, size_t out_max)
{
    size_t body_len = 3 + cookie_len;
    size_t total = SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR + body_len;
    if (cookie_len > 255 || total > out_max) {
        return 0;
    }
    uint8_t *p = out;
    p[SS_REC_TYPE] = SS_CT_HANDSHAKE;
    p[SS_REC_VERSION] = SS_DTLS_MAJOR;
    p[SS_REC_VERSION + 1] = SS_DTLS_1_0_MINOR; /* RFC 6347 §4.2.1: HVR carries DTLS 1.0 */
    ss_put16(&p[SS_DTLS_REC_EPOCH], 0);
    for (unsigned i = 0; i < 6; i++) { /* RFC 6347 §4.2.1: echo the sequence number */
        p[SS_DTLS_REC_SEQ + i] = ch->record_seq[i];
    }
    ss_put16(&p[SS_DTLS_REC_LEN], SS_DTLS_HS_HDR + body_len);
    p += SS_DTLS_RECORD_HDR;
    p[SS_HS_TYPE] = SS_HT_HELLO_VERIFY_REQUEST;
    ss_put24(&p[SS_HS_LEN], body_len);
    ss_put16(&p[SS_DTLS_HS_SEQ], ch->message_seq);
    ss_put24(&p[SS_DTLS_HS_FRAG_OFF], 0);
    ss_put24(&p[SS_DTLS_HS_FRAG_LEN], body_len);
    p += SS_DTLS_HS_HDR;
    if (cookie != &p[3]) { /* the cookie may already be in place (or overlap: move it) */
        if (cookie > &p[3]) {
            for (size_t i = 0; i < cookie_len; i++) {
                p[3 + i] = cookie[i];
            }
        } else {
            for (size_t i = cookie_len; i-- > 0;) {
                p[3 + i] = cookie[i];
            }
        }
    }
    p[0] = SS_DTLS_MAJOR; /* server_version */
    p[1] = SS_DTLS_1_0_MINOR;
    p[2] = (uint8_t)cookie_len;
    return total;
}

#endif /* SS_DTLS_WIRE_H */
