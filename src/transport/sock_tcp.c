/**
 * @file sock_tcp.c
 * @brief POSIX TCP transport (see sock_tcp.h): non-blocking, IPv4 and dual-stack IPv6, no heap.
 *
 * - Every connection is a slot of the caller's array: FREE (fd -1), CONNECTING, OPEN, or FAILED
 *   (ended, fd already closed; the slot keeps the peer and the error until `recv` reports them).
 *   A slot is reused only once FREE, i.e. after its end was reported (or after `disconnect`).
 * - `recv` never blocks and does, in this order: (1) report one FAILED connection, if any, and
 *   free its slot (first, so that its slot is free for (2)); then, taking turns, (2) accept ONE
 *   pending connection into a FREE slot (O_NONBLOCK, TCP_NODELAY, the buffer sizes) and report
 *   it (0 bytes, its peer in @p remote), or (3) visit the connections round robin from `next`
 *   and return the first bytes found (at most @p len), with the peer in @p remote; `next` moves
 *   past that connection so a busy one cannot starve the others: each readable connection gets
 *   one read per turn. After a read the next call accepts first, after an accept it reads first
 *   (stream_turn.h, shared with RIOT's TCP transport),
 *   so a flood of new connections cannot starve established ones and a busy connection cannot
 *   starve new ones. One connection at a time: the caller (the secure socket's admission) sees
 *   each new connection, and may close it, before the next is taken from the listen queue, so
 *   a burst from one host cannot fill every slot and have the next comer closed. Only when no
 *   slot is FREE at all is a pending connection accepted and closed at once (counted in
 *   `refused`; at most conn_count + 1 per call). An orderly end of stream is -EPIPE, a failure
 *   its negated errno (-ECONNRESET...), a refused or failed connect its SO_ERROR
 *   (-ECONNREFUSED...), each with @p remote set; the slot is then FREE. Nothing anywhere:
 *   -EAGAIN. @p len 0 is -EINVAL (a 0-byte read cannot be told from end of stream).
 * - `send` writes to the OPEN connection of @p remote with MSG_NOSIGNAL: a count (possibly partial,
 *   at most INT_MAX), or -EAGAIN (the connection is marked so that `wait` returns once it is
 *   writable; also while the connect is in progress). -ENOTCONN if there is no connection to
 *   @p remote. A hard failure (EPIPE, ECONNRESET...) closes the fd, returns the negated errno, and
 *   leaves the connection FAILED for `recv` to report; until then `send` returns the same code.
 * - `wait` polls the listener and every connection in one poll() with conn_count + 1 pollfds on
 *   the stack (a variable-length array: the caller's slot count sizes it, nothing is allocated).
 *   It returns 1 at once if a FAILED connection awaits its report; it completes finished connects
 *   (OPEN, or FAILED with SO_ERROR). With nothing at all to wait for and no time limit it returns
 *   -ENOTCONN instead of sleeping forever. EINTR is a timeout (0).
 * - `connect` to a peer with an OPEN or CONNECTING connection is -EALREADY; an unreported FAILED
 *   connection to the same peer is discarded first (its report would otherwise be taken for the
 *   new connection's).
 * - `unread` keeps the bytes given back per connection (`carry`, CONFIG_SOCK_SECURE_MAX_DATAGRAM
 *   bytes: one read of a secure socket); `recv` returns them before it reads that socket again,
 *   and `wait` returns 1 at once while a connection that is not paused has some.
 * - `disconnect` and `close` first read and drop input nobody read yet: Linux answers close() of a
 *   socket with unread input with RST, which discards our output still queued. Output handed to
 *   the OS is then delivered (FIN after it), unless the peer sends more before it is all out.
 * - sock_secure_tcp_set_buffers: call it after sock_secure_tcp_listen/sock_secure_tcp_open (which reset the sizes).
 *   The sizes go to the listener (accepted sockets inherit them, window scaling included) and to
 *   every new connection (before connect()). TCP_NODELAY and the sizes are best effort.
 * - A listener on "[::]" gets IPV6_V6ONLY=0 (best effort): IPv4 peers are SOCK_SECURE_AF_INET endpoints.
 * - Every op on a closed transport (or after a failed listen/open) returns -EBADF; `close` is
 *   safe twice. accept() failing with EMFILE/ENFILE leaves the connection queued: `wait` then
 *   returns 1 until a descriptor is free.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "secure_sock/posix/tcp.h"
#include "posix_addr.h"
#include "stream_turn.h"

#ifndef CONFIG_SOCK_SECURE_TCP_BACKLOG
/** Connections the OS queues for a listener before they are accepted (listen()'s backlog). */
#define CONFIG_SOCK_SECURE_TCP_BACKLOG 64
#endif

/** Scratch size for discarding unread input before close (any size works; this one is cheap). */
#define SOCK_SECURE_TCP_DRAIN_CHUNK 256

/** Slot states (sock_secure_tcp_conn_t.state). Zeroed storage is FREE. */
enum {
    TCP_FREE = 0,
    TCP_CONNECTING,
    TCP_OPEN,
    TCP_FAILED,
};

/* ---- slots ---------------------------------------------------------------------------------- */

static bool tcp_is_closed(const sock_secure_tcp_t *tcp)
{
    return tcp->conns == NULL;
}

static bool tcp_transient(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static void tcp_slot_reset(sock_secure_tcp_conn_t *c)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->state = TCP_FREE;
}

/* Read and drop unread input so that close() sends FIN, not RST (see the file comment). Bounded
 * by the receive buffer's size: a peer that keeps sending cannot hold us here. */
static void tcp_drain(int fd)
{
    uint8_t sink[SOCK_SECURE_TCP_DRAIN_CHUNK];
    int rcvbuf = 0;
    socklen_t sl = (socklen_t)sizeof(rcvbuf);
    size_t left;

    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl) != 0 || rcvbuf <= 0) {
        rcvbuf = (int)sizeof(sink);
    }
    left = (size_t)rcvbuf;
    while (left > 0) {
        ssize_t n = recv(fd, sink, sizeof(sink), 0);
        if (n <= 0) {
            break;
        }
        left -= ((size_t)n < left) ? (size_t)n : left;
    }
}

/* Close the connection (delivering queued output, see tcp_drain) and free the slot. */
static void tcp_slot_close(sock_secure_tcp_conn_t *c)
{
    if (c->fd >= 0) {
        if (c->state == TCP_OPEN) {
            tcp_drain(c->fd);
        }
        close(c->fd);
    }
    tcp_slot_reset(c);
}

/* The connection ended with code (negative): close its fd now, keep peer and code for recv. */
static void tcp_slot_fail(sock_secure_tcp_conn_t *c, int code)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->state = TCP_FAILED;
    c->want_write = 0;
    c->err = (code < 0) ? code : -EIO;
}

/* Report a FAILED connection (its code, its peer) and free the slot. */
static int tcp_slot_report(sock_secure_tcp_conn_t *c, sock_secure_ep_t *remote)
{
    int code = c->err;

    if (remote != NULL) {
        *remote = c->remote;
    }
    tcp_slot_reset(c);
    return code;
}

static sock_secure_tcp_conn_t *tcp_free_slot(sock_secure_tcp_t *tcp)
{
    for (size_t i = 0; i < tcp->conn_count; i++) {
        if (tcp->conns[i].state == TCP_FREE) {
            return &tcp->conns[i];
        }
    }
    return NULL;
}

/* The live (CONNECTING, OPEN) or FAILED connection to remote, or NULL. */
static sock_secure_tcp_conn_t *tcp_find(sock_secure_tcp_t *tcp, const sock_secure_ep_t *remote)
{
    for (size_t i = 0; i < tcp->conn_count; i++) {
        sock_secure_tcp_conn_t *c = &tcp->conns[i];
        if (c->state != TCP_FREE && sock_secure_ep_equal(&c->remote, remote)) {
            return c;
        }
    }
    return NULL;
}

static void tcp_apply_buffers(const sock_secure_tcp_t *tcp, int fd)
{
    if (tcp->sndbuf > 0) {
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &tcp->sndbuf, (socklen_t)sizeof(int));
    }
    if (tcp->rcvbuf > 0) {
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tcp->rcvbuf, (socklen_t)sizeof(int));
    }
}

/* Options of every connection socket: O_NONBLOCK (required), TCP_NODELAY and buffer sizes. */
static int tcp_setup_conn_fd(const sock_secure_tcp_t *tcp, int fd)
{
    int one = 1;
    int rc = sock_secure__posix_set_nonblock(fd);

    if (rc < 0) {
        return rc;
    }
    /* records go out as they are written: no Nagle delay behind a handshake flight */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, (socklen_t)sizeof(one));
    tcp_apply_buffers(tcp, fd);
    return 0;
}

/* A CONNECTING connection: if poll() shows the connect finished (revents, or poll now when 0),
 * make it OPEN, or FAILED with SO_ERROR. */
static void tcp_connect_check(sock_secure_tcp_conn_t *c, short revents)
{
    int soerr = 0;
    socklen_t sl = (socklen_t)sizeof(soerr);

    if (revents == 0) {
        struct pollfd pfd = {c->fd, POLLOUT, 0};
        if (poll(&pfd, 1, 0) <= 0) {
            return; /* still in progress (or EINTR: look again later) */
        }
        revents = pfd.revents;
    }
    if ((revents & POLLNVAL) != 0) {
        c->fd = -1; /* not ours any more: do not close a number that may be reused */
        tcp_slot_fail(c, -EBADF);
        return;
    }
    if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0) {
        return;
    }
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
        soerr = errno;
    }
    if (soerr != 0) {
        tcp_slot_fail(c, -soerr);
    } else if ((revents & POLLOUT) != 0) {
        c->state = TCP_OPEN;
    } else {
        tcp_slot_fail(c, -ECONNABORTED); /* hung up without an error: not connected */
    }
}

/* Accept one pending connection into a FREE slot and return it, or NULL if none is queued (see
 * the file comment: with no FREE slot, pending connections are closed and counted). */
static sock_secure_tcp_conn_t *tcp_accept_one(sock_secure_tcp_t *tcp)
{
    if (tcp->listen_fd < 0) {
        return NULL;
    }
    for (size_t budget = tcp->conn_count + 1; budget > 0; budget--) {
        struct sockaddr_storage ss;
        socklen_t sl = (socklen_t)sizeof(ss);
        sock_secure_tcp_conn_t *c;
        int fd;

        memset(&ss, 0, sizeof(ss));
        fd = accept(tcp->listen_fd, (struct sockaddr *)&ss, &sl);
        if (fd < 0) {
            if (errno == ECONNABORTED || errno == EPROTO || errno == EINTR) {
                continue; /* that one died in the queue; look at the next */
            }
            return NULL; /* EAGAIN: none left; EMFILE...: leave them queued for a later call */
        }
        c = tcp_free_slot(tcp);
        if (c == NULL || tcp_setup_conn_fd(tcp, fd) < 0) {
            close(fd); /* no slot for it (or it cannot be made non-blocking) */
            tcp->refused++;
            continue;
        }
        tcp_slot_reset(c);
        c->fd = fd;
        c->state = TCP_OPEN;
        sock_secure__posix_from_sockaddr(&ss, &c->remote);
        tcp->accepted++;
        return c;
    }
    return NULL;
}

/* Step (3) of recv: the next bytes (or end) of a connection, round robin; -EAGAIN if none. */
static int tcp_read_next(sock_secure_tcp_t *tcp, void *buf, size_t len, sock_secure_ep_t *remote)
{
    size_t n = tcp->conn_count;

    for (size_t k = 0; k < n; k++) {
        size_t i = (tcp->next + k) % n;
        sock_secure_tcp_conn_t *c = &tcp->conns[i];
        ssize_t got;
        int err;

        if (c->state == TCP_CONNECTING) {
            tcp_connect_check(c, 0);
            if (c->state == TCP_FAILED) {
                tcp->next = (i + 1) % n;
                return tcp_slot_report(c, remote);
            }
        }
        if (c->state != TCP_OPEN || c->paused) {
            continue;
        }
        if (c->carry_len > 0) { /* bytes given back come before anything newer */
            size_t m = c->carry_len < len ? c->carry_len : len;
            memcpy(buf, c->carry, m);
            c->carry_len = (uint16_t)(c->carry_len - m);
            memmove(c->carry, c->carry + m, c->carry_len);
            tcp->next = (i + 1) % n;
            if (remote != NULL) {
                *remote = c->remote;
            }
            return (int)m;
        }
        got = recv(c->fd, buf, len, 0);
        if (got > 0) {
            tcp->next = (i + 1) % n;
            if (remote != NULL) {
                *remote = c->remote;
            }
            return (int)got;
        }
        err = (got == 0) ? EPIPE : errno; /* 0: the peer's orderly end of stream */
        if (got < 0 && tcp_transient(err)) {
            continue;
        }
        tcp_slot_fail(c, -err);
        tcp->next = (i + 1) % n;
        return tcp_slot_report(c, remote);
    }
    return -EAGAIN;
}

/* The two sources of work of recv (stream_turn.h): accept one connection, read the next bytes. */
static bool tcp_turn_accept(void *ctx, sock_secure_ep_t *remote)
{
    sock_secure_tcp_conn_t *c = tcp_accept_one(ctx);

    if (c != NULL && remote != NULL) {
        *remote = c->remote;
    }
    return c != NULL;
}

static int tcp_turn_read(void *ctx, void *buf, size_t len, sock_secure_ep_t *remote)
{
    return tcp_read_next(ctx, buf, len, remote);
}

static const sock_secure__stream_work_t tcp_work = { tcp_turn_accept, tcp_turn_read };

/* ---- ops ------------------------------------------------------------------------------------ */

static int tcp_recv(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;

    if (tcp_is_closed(tcp)) {
        return -EBADF;
    }
    if (buf == NULL || len == 0) {
        return -EINVAL;
    }
    if (len > INT_MAX) {
        len = INT_MAX;
    }
    for (size_t i = 0; i < tcp->conn_count; i++) {
        if (tcp->conns[i].state == TCP_FAILED) {
            return tcp_slot_report(&tcp->conns[i], remote);
        }
    }
    return sock_secure__stream_turn(&tcp_work, tcp, &tcp->accept_turn, buf, len, remote);
}

static int tcp_send(sock_secure_transport_t *sock, const void *buf, size_t len, const sock_secure_ep_t *remote)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;
    sock_secure_tcp_conn_t *c;
    ssize_t n;
    int err;

    if (tcp_is_closed(tcp)) {
        return -EBADF;
    }
    if (remote == NULL || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    c = tcp_find(tcp, remote);
    if (c == NULL) {
        return -ENOTCONN;
    }
    if (c->state == TCP_CONNECTING) {
        tcp_connect_check(c, 0);
        if (c->state == TCP_CONNECTING) {
            c->want_write = 1;
            return -EAGAIN;
        }
    }
    if (c->state == TCP_FAILED) {
        return c->err; /* recv still reports it */
    }
    if (len == 0) {
        return 0;
    }
    if (len > INT_MAX) {
        len = INT_MAX; /* a partial write: the caller sends the rest */
    }
    n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) {
        return (int)n;
    }
    err = errno;
    if (tcp_transient(err)) {
        c->want_write = 1;
        return -EAGAIN;
    }
    tcp_slot_fail(c, -err);
    return -err;
}

/* The events conn @p c waits for (tcp_wait and sock_secure_tcp_pollfds); 0: not watched. A paused
 * connection is not read, nor watched for input (its hangup would wake us for nothing). */
static short tcp_conn_events(const sock_secure_tcp_conn_t *c)
{
    if (c->state == TCP_CONNECTING) {
        return POLLOUT;
    }
    if (c->state != TCP_OPEN || (c->paused && !c->want_write)) {
        return 0;
    }
    int events = c->paused ? POLLOUT : (c->want_write ? (POLLIN | POLLOUT) : POLLIN);
    return (short)events;
}

static int tcp_wait(sock_secure_transport_t *sock, uint32_t timeout_ms)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;
    size_t n, polled = 0;
    int rc;

    if (tcp_is_closed(tcp)) {
        return -EBADF;
    }
    n = tcp->conn_count;

    /* pfds[i] is conns[i] (fd -1: ignored by poll), pfds[n] the listener */
    struct pollfd pfds[n + 1];

    for (size_t i = 0; i < n; i++) {
        sock_secure_tcp_conn_t *c = &tcp->conns[i];
        pfds[i].fd = -1;
        pfds[i].events = 0;
        pfds[i].revents = 0;
        if (c->state == TCP_FAILED || (c->state == TCP_OPEN && !c->paused && c->carry_len > 0)) {
            return 1; /* an end to report, or bytes given back to read */
        }
        short events = tcp_conn_events(c);
        if (events != 0) {
            pfds[i].fd = c->fd;
            pfds[i].events = events;
        }
        polled += (pfds[i].fd >= 0) ? 1u : 0u;
    }
    pfds[n].fd = tcp->listen_fd;
    pfds[n].events = POLLIN;
    pfds[n].revents = 0;
    polled += (tcp->listen_fd >= 0) ? 1u : 0u;
    if (polled == 0 && timeout_ms == UINT32_MAX) {
        return -ENOTCONN; /* nothing could ever wake us */
    }
    rc = poll(pfds, (nfds_t)(n + 1), sock_secure__posix_poll_timeout(timeout_ms));
    if (rc < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    if (rc == 0) {
        return 0;
    }
    if ((pfds[n].revents & POLLNVAL) != 0) {
        return -EBADF;
    }
    for (size_t i = 0; i < n; i++) {
        sock_secure_tcp_conn_t *c = &tcp->conns[i];
        if (pfds[i].revents == 0) {
            continue;
        }
        if (c->state == TCP_CONNECTING) {
            tcp_connect_check(c, pfds[i].revents);
        } else if ((pfds[i].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            c->want_write = 0; /* writable again (or broken: send/recv will say so) */
        }
    }
    return 1;
}

static int tcp_local(sock_secure_transport_t *sock, sock_secure_ep_t *local)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;
    struct sockaddr_storage ss;
    socklen_t sl = (socklen_t)sizeof(ss);
    int fd = -1;

    if (tcp_is_closed(tcp)) {
        return -EBADF;
    }
    if (local == NULL) {
        return -EINVAL;
    }
    fd = tcp->listen_fd;
    for (size_t i = 0; fd < 0 && i < tcp->conn_count; i++) {
        fd = tcp->conns[i].fd; /* a client: its first connection */
    }
    if (fd < 0) {
        return -ENOTCONN;
    }
    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        return -errno;
    }
    sock_secure__posix_from_sockaddr(&ss, local);
    return 0;
}

static void tcp_close(sock_secure_transport_t *sock)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;

    if (tcp->conns != NULL) {
        for (size_t i = 0; i < tcp->conn_count; i++) {
            tcp_slot_close(&tcp->conns[i]);
        }
    }
    if (tcp->listen_fd >= 0) {
        close(tcp->listen_fd);
        tcp->listen_fd = -1;
    }
    tcp->conns = NULL;
    tcp->conn_count = 0;
    tcp->next = 0;
}

static int tcp_connect(sock_secure_transport_t *sock, const sock_secure_ep_t *remote)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    sock_secure_tcp_conn_t *c;
    int fd, rc;

    if (tcp_is_closed(tcp)) {
        return -EBADF;
    }
    if (remote == NULL || (remote->family != SOCK_SECURE_AF_INET && remote->family != SOCK_SECURE_AF_INET6)) {
        return -EINVAL;
    }
    while ((c = tcp_find(tcp, remote)) != NULL) {
        if (c->state != TCP_FAILED) {
            return -EALREADY;
        }
        tcp_slot_reset(c); /* a stale end: the new connection supersedes its report */
    }
    c = tcp_free_slot(tcp);
    if (c == NULL) {
        return -ENOMEM;
    }
    rc = sock_secure__posix_to_sockaddr(remote, remote->family, &ss, &sl);
    if (rc < 0) {
        return rc;
    }
    fd = socket(remote->family == SOCK_SECURE_AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -errno;
    }
    rc = tcp_setup_conn_fd(tcp, fd);
    if (rc == 0) {
        if (connect(fd, (const struct sockaddr *)&ss, sl) == 0) {
            rc = 0;
        } else if (errno == EINPROGRESS || errno == EINTR) {
            rc = -EINPROGRESS; /* EINTR: it goes on asynchronously as well */
        } else {
            rc = -errno;
        }
    }
    if (rc < 0 && rc != -EINPROGRESS) {
        close(fd);
        return rc;
    }
    tcp_slot_reset(c);
    c->fd = fd;
    c->remote = *remote;
    c->state = (rc == 0) ? TCP_OPEN : TCP_CONNECTING;
    return rc;
}

static void tcp_disconnect(sock_secure_transport_t *sock, const sock_secure_ep_t *remote)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;
    sock_secure_tcp_conn_t *c;

    if (tcp_is_closed(tcp) || remote == NULL) {
        return;
    }
    while ((c = tcp_find(tcp, remote)) != NULL) {
        tcp_slot_close(c);
    }
}

static void tcp_pause(sock_secure_transport_t *sock, const sock_secure_ep_t *remote, bool paused)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;
    sock_secure_tcp_conn_t *c;

    if (!tcp_is_closed(tcp) && remote != NULL && (c = tcp_find(tcp, remote)) != NULL) {
        c->paused = paused ? 1 : 0;
    }
}

static int tcp_unread(sock_secure_transport_t *sock, const sock_secure_ep_t *remote, const void *buf,
                      size_t len)
{
    sock_secure_tcp_t *tcp = (sock_secure_tcp_t *)sock;
    sock_secure_tcp_conn_t *c;

    if (tcp_is_closed(tcp) || remote == NULL || (c = tcp_find(tcp, remote)) == NULL ||
        c->state != TCP_OPEN) {
        return -ENOTCONN;
    }
    if (buf == NULL || len > sizeof(c->carry) - c->carry_len) {
        return -EMSGSIZE;
    }
    memmove(c->carry + len, c->carry, c->carry_len); /* before what is still there */
    memcpy(c->carry, buf, len);
    c->carry_len = (uint16_t)(c->carry_len + len);
    return 0;
}

static const sock_secure_transport_ops_t sock_secure_tcp_ops = {
    .recv = tcp_recv,
    .send = tcp_send,
    .wait = tcp_wait,
    .local = tcp_local,
    .close = tcp_close,
    .connect = tcp_connect,
    .disconnect = tcp_disconnect,
    .pause = tcp_pause,
    .unread = tcp_unread,
};

/* ---- open ----------------------------------------------------------------------------------- */

/* A closed transport (every op -EBADF, close safe): what a failed listen/open leaves. */
static void tcp_init(sock_secure_tcp_t *tcp)
{
    memset(tcp, 0, sizeof(*tcp));
    tcp->base.ops = &sock_secure_tcp_ops;
    tcp->base.flags = SOCK_SECURE_TRANSPORT_STREAM;
    tcp->listen_fd = -1;
    tcp->conns = NULL;
}

static bool tcp_slots_valid(const sock_secure_tcp_conn_t *conns, size_t conn_count)
{
    /* poll() takes conn_count + 1 descriptors */
    return conns != NULL && conn_count > 0 && conn_count < (size_t)INT_MAX;
}

static void tcp_attach_slots(sock_secure_tcp_t *tcp, sock_secure_tcp_conn_t *conns, size_t conn_count)
{
    for (size_t i = 0; i < conn_count; i++) {
        tcp_slot_reset(&conns[i]);
    }
    tcp->conns = conns;
    tcp->conn_count = conn_count;
    tcp->next = 0;
}

/* A bound, listening, non-blocking socket for local, or a negated errno. */
static int tcp_listen_fd(const sock_secure_ep_t *local, uint32_t opts)
{
    /* SO_REUSEADDR: a restarted server can bind again while old connections sit in TIME_WAIT */
    int fd = sock_secure__posix_bound_socket(
        SOCK_STREAM, local,
        SS_POSIX_REUSEADDR | ((opts & SOCK_SECURE_TCP_REUSEPORT) ? SS_POSIX_REUSEPORT : 0u));
    if (fd >= 0 && listen(fd, CONFIG_SOCK_SECURE_TCP_BACKLOG) != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

int sock_secure_tcp_listen(sock_secure_tcp_t *tcp, const sock_secure_ep_t *local, sock_secure_tcp_conn_t *conns,
                    size_t conn_count)
{
    return sock_secure_tcp_listen_opts(tcp, local, conns, conn_count, 0);
}

int sock_secure_tcp_listen_opts(sock_secure_tcp_t *tcp, const sock_secure_ep_t *local,
                                sock_secure_tcp_conn_t *conns, size_t conn_count, uint32_t opts)
{
    int fd;

    if (tcp == NULL) {
        return -EINVAL;
    }
    tcp_init(tcp);
    if (local == NULL || (local->family != SOCK_SECURE_AF_INET && local->family != SOCK_SECURE_AF_INET6) ||
        !tcp_slots_valid(conns, conn_count) || (opts & ~(uint32_t)SOCK_SECURE_TCP_REUSEPORT) != 0) {
        return -EINVAL;
    }
    fd = tcp_listen_fd(local, opts);
    if (fd < 0) {
        return fd;
    }
    tcp->listen_fd = fd;
    tcp_attach_slots(tcp, conns, conn_count);
    return 0;
}

int sock_secure_tcp_open(sock_secure_tcp_t *tcp, sock_secure_tcp_conn_t *conns, size_t conn_count)
{
    if (tcp == NULL) {
        return -EINVAL;
    }
    tcp_init(tcp);
    if (!tcp_slots_valid(conns, conn_count)) {
        return -EINVAL;
    }
    tcp_attach_slots(tcp, conns, conn_count);
    return 0;
}

int sock_secure_tcp_set_buffers(sock_secure_tcp_t *tcp, int sndbuf, int rcvbuf)
{
    if (tcp == NULL || sndbuf < 0 || rcvbuf < 0) {
        return -EINVAL;
    }
    tcp->sndbuf = sndbuf;
    tcp->rcvbuf = rcvbuf;
    if (!tcp_is_closed(tcp) && tcp->listen_fd >= 0) {
        tcp_apply_buffers(tcp, tcp->listen_fd); /* accepted sockets inherit them */
    }
    return 0;
}

/* ---- for an application's own poll loop ---------------------------------------------------- */

int sock_secure_tcp_pollfds(const sock_secure_tcp_t *tcp, const sock_secure_ep_t *peer, struct pollfd *fds, size_t max)
{
    if (tcp == NULL || (fds == NULL && max > 0)) {
        return -EINVAL;
    }
    if (tcp_is_closed(tcp)) {
        return -EBADF;
    }
    size_t n = 0;
    if (peer == NULL && tcp->listen_fd >= 0 && n < max) {
        fds[n++] = (struct pollfd){ .fd = tcp->listen_fd, .events = POLLIN, .revents = 0 };
    }
    for (size_t i = 0; i < tcp->conn_count && n < max; i++) {
        const sock_secure_tcp_conn_t *c = &tcp->conns[i];
        short events = tcp_conn_events(c);
        if (c->fd >= 0 && events != 0 && (peer == NULL || sock_secure_ep_equal(&c->remote, peer))) {
            fds[n++] = (struct pollfd){ .fd = c->fd, .events = events, .revents = 0 };
        }
    }
    return n > INT_MAX ? INT_MAX : (int)n;
}

bool sock_secure_tcp_output_blocked(const sock_secure_tcp_t *tcp, const sock_secure_ep_t *peer)
{
    if (tcp == NULL || tcp_is_closed(tcp)) {
        return false;
    }
    for (size_t i = 0; i < tcp->conn_count; i++) {
        const sock_secure_tcp_conn_t *c = &tcp->conns[i];
        if (c->fd >= 0 && c->want_write && (peer == NULL || sock_secure_ep_equal(&c->remote, peer))) {
            return true;
        }
    }
    return false;
}
