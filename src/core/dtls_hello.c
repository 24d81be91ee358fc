/* DTLS ClientHello parsing and HelloVerifyRequest writing: see core.h. Servers only: compiled
 * to nothing with CONFIG_SOCK_SECURE_SERVER 0. */
#include "core.h"

#include <errno.h>
#include <string.h>

#if CONFIG_SOCK_SECURE_SERVER

int sock_secure__dtls_is_epoch0_handshake(const uint8_t *d, size_t len)
{
    return len >= SS_DTLS_RECORD_HDR && d[SS_REC_TYPE] == SS_CT_HANDSHAKE &&
           d[SS_REC_VERSION] == SS_DTLS_MAJOR && ss_dtls_rec_epoch0(d);
}

int sock_secure__dtls_parse_client_hello(const uint8_t *d, size_t len, ss_client_hello_t *ch)
{
    if (!sock_secure__dtls_is_epoch0_handshake(d, len)) {
        return -EINVAL;
    }
    size_t rec_len = ss_rec_len(d, true);
    if (rec_len > len - SS_DTLS_RECORD_HDR || rec_len < SS_DTLS_HS_HDR) {
        return -EINVAL;
    }
    const uint8_t *hs = d + SS_DTLS_RECORD_HDR;
    size_t hs_len = ss_get24(&hs[SS_HS_LEN]);
    /* an unfragmented ClientHello that fits its record */
    if (hs[SS_HS_TYPE] != SS_HT_CLIENT_HELLO || ss_get24(&hs[SS_DTLS_HS_FRAG_OFF]) != 0 ||
        ss_get24(&hs[SS_DTLS_HS_FRAG_LEN]) != hs_len ||
        hs_len > rec_len - SS_DTLS_HS_HDR) {
        return -EINVAL;
    }
    const uint8_t *body = hs + SS_DTLS_HS_HDR;
    size_t pos = 2 + 32; /* client_version, random */
    if (hs_len < pos + 1) {
        return -EINVAL;
    }
    size_t sid_len = body[pos];
    if (sid_len > 32) {
        return -EINVAL;
    }
    pos += 1 + sid_len;
    if (hs_len < pos + 1) {
        return -EINVAL;
    }
    size_t cookie_len = body[pos];
    pos += 1;
    if (hs_len < pos + cookie_len) {
        return -EINVAL;
    }
    ch->record_seq = &d[SS_DTLS_REC_SEQ];
    ch->message_seq = (uint16_t)ss_dtls_hs_seq(hs);
    ch->cookie = &body[pos];
    ch->cookie_len = cookie_len;
    return 0;
}

size_t sock_secure__dtls_write_hello_verify(const ss_client_hello_t *ch, const uint8_t *cookie,
                                  size_t cookie_len, uint8_t *out, size_t out_max)
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
    memcpy(&p[SS_DTLS_REC_SEQ], ch->record_seq, 6); /* RFC 6347 §4.2.1: echo the sequence number */
    ss_put16(&p[SS_DTLS_REC_LEN], SS_DTLS_HS_HDR + body_len);
    p += SS_DTLS_RECORD_HDR;
    p[SS_HS_TYPE] = SS_HT_HELLO_VERIFY_REQUEST;
    ss_put24(&p[SS_HS_LEN], body_len);
    ss_put16(&p[SS_DTLS_HS_SEQ], ch->message_seq);
    ss_put24(&p[SS_DTLS_HS_FRAG_OFF], 0);
    ss_put24(&p[SS_DTLS_HS_FRAG_LEN], body_len);
    p += SS_DTLS_HS_HDR;
    p[0] = SS_DTLS_MAJOR; /* server_version */
    p[1] = SS_DTLS_1_0_MINOR;
    p[2] = (uint8_t)cookie_len;
    memmove(&p[3], cookie, cookie_len); /* the cookie may already be in place */
    return total;
}

#endif
