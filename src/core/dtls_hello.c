/* DTLS ClientHello parsing and HelloVerifyRequest writing: see core.h. The wire format itself is
 * in src/common/dtls_wire.h (drivers that answer hellos themselves share it). Servers only:
 * compiled to nothing with CONFIG_SOCK_SECURE_SERVER 0. */
#include "core.h"

#include <errno.h>

#if CONFIG_SOCK_SECURE_SERVER

int sock_secure__dtls_is_epoch0_handshake(const uint8_t *d, size_t len)
{
    return ss_dtls_is_epoch0_handshake(d, len);
}

int sock_secure__dtls_parse_client_hello(const uint8_t *d, size_t len, ss_client_hello_t *ch)
{
    return ss_dtls_parse_client_hello(d, len, ch) ? 0 : -EINVAL;
}

size_t sock_secure__dtls_write_hello_verify(const ss_client_hello_t *ch, const uint8_t *cookie,
                                  size_t cookie_len, uint8_t *out, size_t out_max)
{
    return ss_dtls_write_hello_verify(ch, cookie, cookie_len, out, out_max);
}

#endif
