/* DTLS ClientHello parsing and HelloVerifyRequest writing: see core.h. Servers only: compiled
 * to nothing with CONFIG_SOCK_SECURE_SERVER 0. */
#include "core.h"

#include <errno.h>
#include <string.h>

#if CONFIG_SOCK_SECURE_SERVER

#define SS_CT_HANDSHAKE     22u
#define SS_HT_CLIENT_HELLO  1u
#define SS_HT_HELLO_VERIFY  3u
#define SS_DTLS_MAJOR       0xFEu
#define SS_DTLS_1_0_MINOR   0xFFu /* RFC 6347 §4.2.1: HVR carries DTLS 1.0 whatever follows */

static size_t ss_be16(const uint8_t *p)
{
    return ((size_t)p[0] << 8) | p[1];
}

static size_t ss_be24(const uint8_t *p)
{
    return ((size_t)p[0] << 16) | ((size_t)p[1] << 8) | p[2];
}

static void ss_put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void ss_put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

int sock_secure__dtls_is_epoch0_handshake(const uint8_t *d, size_t len)
{
    return len >= SS_DTLS_RECORD_HDR && d[0] == SS_CT_HANDSHAKE && d[1] == SS_DTLS_MAJOR &&
           d[3] == 0 && d[4] == 0;
}

int sock_secure__dtls_parse_client_hello(const uint8_t *d, size_t len, ss_client_hello_t *ch)
{
    if (!sock_secure__dtls_is_epoch0_handshake(d, len)) {
        return -EINVAL;
    }
    size_t rec_len = ss_be16(&d[11]);
    if (rec_len > len - SS_DTLS_RECORD_HDR || rec_len < SS_DTLS_HS_HDR) {
        return -EINVAL;
    }
    const uint8_t *hs = d + SS_DTLS_RECORD_HDR;
    size_t hs_len = ss_be24(&hs[1]);
    /* an unfragmented ClientHello that fits its record */
    if (hs[0] != SS_HT_CLIENT_HELLO || ss_be24(&hs[6]) != 0 || ss_be24(&hs[9]) != hs_len ||
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
    ch->record_seq = &d[5];
    ch->message_seq = (uint16_t)ss_be16(&hs[4]);
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
    p[0] = SS_CT_HANDSHAKE;
    p[1] = SS_DTLS_MAJOR;
    p[2] = SS_DTLS_1_0_MINOR;
    p[3] = 0; /* epoch 0 */
    p[4] = 0;
    memcpy(&p[5], ch->record_seq, 6); /* RFC 6347 §4.2.1: echo the record sequence number */
    ss_put16(&p[11], SS_DTLS_HS_HDR + body_len);
    p += SS_DTLS_RECORD_HDR;
    p[0] = SS_HT_HELLO_VERIFY;
    ss_put24(&p[1], body_len);
    ss_put16(&p[4], ch->message_seq);
    ss_put24(&p[6], 0);
    ss_put24(&p[9], body_len);
    p += SS_DTLS_HS_HDR;
    p[0] = SS_DTLS_MAJOR;
    p[1] = SS_DTLS_1_0_MINOR;
    p[2] = (uint8_t)cookie_len;
    memmove(&p[3], cookie, cookie_len); /* the cookie may already be in place */
    return total;
}

#endif
