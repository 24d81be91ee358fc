/**
 * @file sock_secure_riot_udp.c
 * @brief secure_sock transport over RIOT's sock_udp (see sock_secure_riot_udp.h).
 *
 * `wait` blocks on a mutex used as a binary semaphore: it starts locked, the sock_async callback
 * (run by the network stack's thread when a datagram is queued, and again after a read that
 * left more queued) unlocks it, and `wait` takes it (ztimer_mutex_lock_timeout). A signal raised
 * while nobody waits is kept, so a datagram that arrives between the last read and the wait is
 * not slept through; an extra wake-up only costs one empty read.
 *
 * `peek` (SOCK_SECURE_RIOT_UDP_PEEK) takes the next packet out of the sock's queue with
 * sock_udp_recv_buf() and holds it in GNRC's packet buffer; `recv` copies the held datagram
 * once and releases it. The sock_async signal stays right: GNRC signals again after a read
 * that left more queued (the peek's read included), and `wait` returns 1 while a datagram is
 * held (it is ready, though no longer queued).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "net/sock/async.h"
#include "ztimer.h"

#include "sock_secure_riot_udp.h"

/* sock_async: called by the stack (its thread) when a datagram is queued for this sock. */
static void sock_secure_riot_udp_cb(sock_udp_t *udp, sock_async_flags_t flags, void *arg)
{
    sock_secure_riot_udp_t *t = arg;

    (void)udp;
    if (flags & SOCK_ASYNC_MSG_RECV) {
        mutex_unlock(&t->ready);
    }
}

int sock_secure_riot_udp_send_to(sock_udp_t *udp, const void *buf, size_t len,
                                 const sock_secure_ep_t *remote)
{
    sock_udp_ep_t to;

    if (remote == NULL || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    if (len > INT_MAX) {
        return -EMSGSIZE;
    }
    int rc = sock_secure_riot_ep_to_udp(&to, remote);
    if (rc < 0) {
        return rc;
    }
    ssize_t n = sock_udp_send(udp, buf, len, &to);
    if (n == -ENOMEM || n == -ENOBUFS) {
        return -EAGAIN; /* packet buffer full for now */
    }
    return (int)n;
}

/* sock_secure's endpoint of a sender (family SOCK_SECURE_AF_UNSPEC if of no known family) */
static void sock_secure_riot_udp_remote(sock_secure_ep_t *remote, const sock_udp_ep_t *from)
{
    if (remote != NULL && sock_secure_riot_ep_from_udp(remote, from) < 0) {
        remote->family = SOCK_SECURE_AF_UNSPEC;
    }
}

int sock_secure_riot_udp_recv_from(sock_udp_t *udp, void *buf, size_t len,
                                   sock_secure_ep_t *remote)
{
    sock_udp_ep_t from;

    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    ssize_t n = sock_udp_recv(udp, buf, len, 0, &from);
    if (n == -EAGAIN || n == -ETIMEDOUT) {
        return -EAGAIN;
    }
    if (n == -ENOBUFS) {
        return -EMSGSIZE; /* larger than buf: the stack dropped it */
    }
    if (n == -ENOMEM || n == -EPROTO) {
        return -EAGAIN; /* the stack dropped a datagram it could not deliver */
    }
    if (n < 0) {
        return (int)n;
    }
    if (n > INT_MAX) {
        return -EMSGSIZE;
    }
    sock_secure_riot_udp_remote(remote, &from);
    return (int)n;
}

#if SOCK_SECURE_RIOT_UDP_PEEK
/* Give the held packet back to the stack: sock_udp_recv_buf() with its context, called until it
 * returns 0 (its documentation: GNRC releases the packet on the first such call). */
static void sock_secure_riot_udp_release(sock_secure_riot_udp_t *t)
{
    void *data;

    while (t->held != NULL && sock_udp_recv_buf(&t->udp, &data, &t->held, 0, NULL) > 0) {
    }
    t->held = NULL;
}

static int sock_secure_riot_udp_peek(sock_secure_transport_t *sock, void *buf, size_t len,
                                     sock_secure_ep_t *remote)
{
    sock_secure_riot_udp_t *t = (sock_secure_riot_udp_t *)sock;

    if (!t->open) {
        return -EBADF;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    while (t->held == NULL) {
        void *data = NULL;
        void *ctx = NULL;
        ssize_t n = sock_udp_recv_buf(&t->udp, &data, &ctx, 0, &t->held_from);
        if (n == -EAGAIN || n == -ETIMEDOUT || n == -ENOMEM || n == -EPROTO) {
            return -EAGAIN; /* nothing queued, or the stack dropped what it could not deliver */
        }
        if (n < 0) {
            return (int)n;
        }
        if (ctx == NULL) {
            return -EAGAIN; /* 0 and no packet: nothing there, all in order */
        }
        t->held = ctx;
        t->held_data = data;
        t->held_len = (size_t)n;
        if (n == 0 || n > INT_MAX) { /* an empty datagram carries no record: dropped */
            sock_secure_riot_udp_release(t);
            if (n > INT_MAX) {
                return -EMSGSIZE;
            }
        }
    }
    if (len > 0) {
        memcpy(buf, t->held_data, t->held_len < len ? t->held_len : len);
    }
    sock_secure_riot_udp_remote(remote, &t->held_from);
    return (int)t->held_len;
}
#endif

static int sock_secure_riot_udp_recv(sock_secure_transport_t *sock, void *buf, size_t len,
                                     sock_secure_ep_t *remote)
{
    sock_secure_riot_udp_t *t = (sock_secure_riot_udp_t *)sock;

    if (!t->open) {
        return -EBADF;
    }
#if SOCK_SECURE_RIOT_UDP_PEEK
    if (t->held != NULL) { /* the datagram peek looked at: copied once, then given back */
        if (buf == NULL && len > 0) {
            return -EINVAL;
        }
        size_t n = t->held_len;
        if (n <= len) {
            memcpy(buf, t->held_data, n);
            sock_secure_riot_udp_remote(remote, &t->held_from);
        }
        sock_secure_riot_udp_release(t);
        return n <= len ? (int)n : -EMSGSIZE;
    }
#endif
    return sock_secure_riot_udp_recv_from(&t->udp, buf, len, remote);
}

static int sock_secure_riot_udp_send(sock_secure_transport_t *sock, const void *buf, size_t len,
                                     const sock_secure_ep_t *remote)
{
    sock_secure_riot_udp_t *t = (sock_secure_riot_udp_t *)sock;

    return t->open ? sock_secure_riot_udp_send_to(&t->udp, buf, len, remote) : -EBADF;
}

static int sock_secure_riot_udp_wait(sock_secure_transport_t *sock, uint32_t timeout_ms)
{
    sock_secure_riot_udp_t *t = (sock_secure_riot_udp_t *)sock;

    if (!t->open) {
        return -EBADF;
    }
#if SOCK_SECURE_RIOT_UDP_PEEK
    if (t->held != NULL) {
        return 1; /* the datagram peek holds is still to be read */
    }
#endif
    if (timeout_ms == 0) {
        return mutex_trylock(&t->ready) ? 1 : 0;
    }
    if (timeout_ms == UINT32_MAX) {
        mutex_lock(&t->ready);
        return 1;
    }
    return ztimer_mutex_lock_timeout(ZTIMER_MSEC, &t->ready, timeout_ms) == 0 ? 1 : 0;
}

static int sock_secure_riot_udp_local(sock_secure_transport_t *sock, sock_secure_ep_t *local)
{
    sock_secure_riot_udp_t *t = (sock_secure_riot_udp_t *)sock;
    sock_udp_ep_t ep;

    if (!t->open) {
        return -EBADF;
    }
    if (local == NULL) {
        return -EINVAL;
    }
    int rc = sock_udp_get_local(&t->udp, &ep);
    if (rc < 0) {
        return rc;
    }
    return sock_secure_riot_ep_from_udp(local, &ep);
}

static void sock_secure_riot_udp_close(sock_secure_transport_t *sock)
{
    sock_secure_riot_udp_t *t = (sock_secure_riot_udp_t *)sock;

    if (t->open) {
        t->open = false;
#if SOCK_SECURE_RIOT_UDP_PEEK
        sock_secure_riot_udp_release(t); /* a held datagram is dropped */
#endif
        sock_udp_close(&t->udp);
        mutex_unlock(&t->ready); /* a wait in progress returns */
    }
}

static const sock_secure_transport_ops_t sock_secure_riot_udp_ops = {
    .recv = sock_secure_riot_udp_recv,
    .send = sock_secure_riot_udp_send,
    .wait = sock_secure_riot_udp_wait,
    .local = sock_secure_riot_udp_local,
    .close = sock_secure_riot_udp_close,
#if SOCK_SECURE_RIOT_UDP_PEEK
    .peek = sock_secure_riot_udp_peek,
#endif
};

int sock_secure_riot_udp_open(sock_secure_riot_udp_t *t, const sock_secure_ep_t *local)
{
    sock_udp_ep_t ep = SOCK_IPV6_EP_ANY;

    if (t == NULL) {
        return -EINVAL;
    }
    t->base.ops = &sock_secure_riot_udp_ops; /* sock_secure_transport_close() is safe even after a failed open */
    t->base.flags = SOCK_SECURE_TRANSPORT_DATAGRAM;
    t->open = false;
#if SOCK_SECURE_RIOT_UDP_PEEK
    t->held = NULL;
#endif
    mutex_init_locked(&t->ready);
    if (local != NULL) {
        int rc = sock_secure_riot_ep_to_udp(&ep, local);
        if (rc < 0) {
            return rc;
        }
    }
    int rc = sock_udp_create(&t->udp, &ep, NULL, 0);
    if (rc < 0) {
        return rc;
    }
    t->open = true;
    sock_udp_set_cb(&t->udp, sock_secure_riot_udp_cb, t);
    return 0;
}
