/*
 * Streams (TLS over TCP): what only a stream socket does beyond the shared engine - retry
 * handshakes and flush output when a connection may have become writable, and close a session by
 * flushing what send() accepted before close_notify (a connection that ended is an error about
 * its peer, engine.c) (docs/DESIGN.md, "Streams"). Compiled to nothing with
 * CONFIG_SOCK_SECURE_STREAMS 0: core.h then has no-op stubs (a stream socket is refused at
 * create).
 */
#include "core.h"

#if CONFIG_SOCK_SECURE_STREAMS

/* Streams: handshakes and output wait on writability, not only on input: retry them. */
int sock_secure__run_streams(sock_secure_t *sk)
{
    int events = 0;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state == SOCK_SECURE_ST_HANDSHAKE && s != sk->held) {
            events += sock_secure__step(sk, s);
        } else if (s->state == SOCK_SECURE_ST_OPEN) {
            int rc = sk->drv->flush(s->drv);
            if (rc < 0 && rc != -EAGAIN) {
                events += sock_secure__fail(sk, s, rc);
            }
        }
    }
    return events;
}

bool sock_secure__stream_give_back(sock_secure_t *sk, sock_secure_session_t *s)
{
    sock_secure_transport_t *t = sk->cfg.transport;
    if (t->ops->unread == NULL || t->ops->unread(t, &s->remote, sk->in, sk->in_len) < 0) {
        return false; /* kept in sk->rx (held): the socket reads nothing else until it is used */
    }
    sk->in_for = NULL;
    return true;
}

/* session_close() of an established stream session: what send() accepted goes out before
 * close_notify, and both before the connection. */
int sock_secure__stream_close(sock_secure_t *sk, sock_secure_session_t *s)
{
    s->flags |= SF_CLOSING; /* nothing new is taken from now on */
    if (!(s->flags & SF_NOTIFIED)) {
        if (sk->drv->flush(s->drv) == -EAGAIN) {
            return -EAGAIN;
        }
        (void)sk->drv->close_notify(s->drv);
        s->flags |= SF_NOTIFIED;
    }
    if (sk->drv->flush(s->drv) == -EAGAIN) {
        return -EAGAIN;
    }
    return 0;
}

#endif
