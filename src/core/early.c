/*
 * The early-data buffer: application data that overtakes the peer's Finished (RFC 6347
 * §4.1.2.7).
 * A record of the next epoch can reach a session before the Finished it follows (reordered, or
 * the Finished lost and resent later). The stacks drop it (mbedTLS buffers only handshake
 * records of the next epoch, wolfSSL none), so the core keeps one such datagram per socket,
 * unread by the stack, and feeds it to its session once that session is established and has
 * nothing else waiting. Only a session in its handshake is looked at: the established path pays
 * one branch on the state.
 * Compiled to nothing with CONFIG_SOCK_SECURE_EARLY_DATAGRAM 0: core.h then has no-op stubs.
 */
#include <string.h>

#include "core.h"

#if CONFIG_SOCK_SECURE_EARLY_DATAGRAM > 0

/* Keep the datagram in sk->rx for @p s (handshaking) if it starts with application data of a
 * later epoch and the buffer is free. */
bool sock_secure__keep_early(sock_secure_t *sk, sock_secure_session_t *s, size_t len)
{
    const uint8_t *d = sk->rx;
    if (ss_stream(sk) || sk->early != NULL || len < SS_DTLS_RECORD_HDR ||
        len > sizeof(sk->early_buf) || d[0] != 23 || d[1] != 0xFE || (d[3] == 0 && d[4] == 0)) {
        return false;
    }
#if CONFIG_SOCK_SECURE_RX_BUFFER
    memcpy(sk->early_buf, d, len);
#else
    if (sock_secure_transport_recv(sk->cfg.transport, sk->early_buf, len, NULL) != (int)len) {
        return true; /* gone meanwhile: nothing kept, nothing to feed */
    }
#endif
    sk->early = s;
    sk->early_len = len;
    SS_SESSION_STAT(s->bytes_in += len; s->dgrams_in++);
    s->active_ms = (uint32_t)ss_now(sk);
    return true;
}

/* If @p s owns the kept datagram and can take it now, make it the session's input. */
bool sock_secure__take_early(sock_secure_t *sk, sock_secure_session_t *s)
{
    if (sk->early != s || s->state != SOCK_SECURE_ST_OPEN || sk->in_for != NULL ||
        (s->flags & (SF_UNREAD | SF_PENDING))) {
        return false;
    }
    sk->early = NULL; /* nothing is read into the buffer before the stack has taken it */
    sk->in_for = s; /* (once no session's input is pending: there is one at a time) */
    sk->in = sk->early_buf;
    sk->in_len = sk->early_len;
    return true;
}

void sock_secure__forget_early(sock_secure_t *sk, const sock_secure_session_t *s)
{
    if (sk->early == s) {
        sk->early = NULL;
    }
}

#endif
