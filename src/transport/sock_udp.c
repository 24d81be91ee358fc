/**
 * @file sock_udp.c
 * @brief POSIX UDP transport (see sock_udp.h): non-blocking, IPv4 and dual-stack IPv6.
 *
 * - An IPv6 socket bound to the unspecified address "::" gets IPV6_V6ONLY=0, so IPv4 peers reach
 *   it as IPv4-mapped addresses; they are reported as SOCK_SECURE_AF_INET endpoints, and SOCK_SECURE_AF_INET
 *   destinations are mapped when the socket is IPv6. On systems that refuse IPV6_V6ONLY=0 the
 *   socket stays IPv6-only (sending to an IPv4 peer then fails with the OS error).
 * - sock_secure_udp_open(udp, NULL) opens "[::]:0"; on a host without IPv6 it falls back to
 *   "0.0.0.0:0", so a client socket works either way.
 * - Truncation is detected portably with recvmsg() and MSG_TRUNC in msg_flags: an oversized
 *   datagram is discarded and reported as -EMSGSIZE.
 * - `peek` (Linux: recvmsg with MSG_PEEK | MSG_TRUNC, which returns the real length) leaves the
 *   datagram queued; elsewhere there is none (a build without a receive buffer needs it).
 * - Errors are negated errno values; EAGAIN/EWOULDBLOCK (and EINTR on recv/send, which cannot
 *   block) become -EAGAIN. Any operation on a closed socket returns -EBADF.
 * - Errors about one peer (sock_secure_udp_peer_errors(), Linux, on from open): with
 *   IP_RECVERR/IPV6_RECVERR an ICMP error sets the socket's pending error (returned once by the
 *   next recvmsg() or sendto()) and queues an entry naming the datagram's destination (read with
 *   MSG_ERRQUEUE; poll() shows POLLERR while the queue is not empty). recv reads that entry
 *   whenever recvmsg() failed, or a send failed since (`errq`), and reports the peer; send
 *   retries once past a pending error.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
/* glibc shows IP_RECVERR and IPV6_RECVERR only with it (a feature-test macro, like the above) */
#define _DEFAULT_SOURCE /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#endif

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "secure_sock/posix/udp.h"
#include "posix_addr.h"

#if defined(__linux__) && defined(IP_RECVERR) && defined(IPV6_RECVERR) && defined(MSG_ERRQUEUE)
#include <linux/errqueue.h>
#define UDP_PEER_ERRORS 1
#else
#define UDP_PEER_ERRORS 0
#endif

/** recv: entries of the error queue that name no peer, read at most per call. */
#define UDP_ERRQ_BUDGET 8

/* ---- helpers -------------------------------------------------------------------------------- */

static int udp_errno(void)
{
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
        return -EAGAIN;
    }
    return -err;
}

/* ---- ops ------------------------------------------------------------------------------------ */

#if UDP_PEER_ERRORS
/* Read one entry of the error queue. @return the negated errno of an ICMP error about a peer
 * (@p remote set to that peer), 0 if the entry said nothing about a peer (consumed), -EAGAIN if
 * the queue is empty (errq cleared). */
static int udp_take_error(sock_secure_udp_t *udp, sock_secure_ep_t *remote)
{
    struct sockaddr_storage ss;
    uint8_t data[1]; /* the failed datagram comes back too: not needed */
    union {
        struct cmsghdr align;
        uint8_t buf[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
    } ctl;
    struct iovec iov = {data, sizeof(data)};
    struct msghdr msg;
    struct sock_extended_err ee;
    bool found = false;
    sock_secure_ep_t peer;

    memset(&ss, 0, sizeof(ss));
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = &ss;
    msg.msg_namelen = (socklen_t)sizeof(ss);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.buf;
    msg.msg_controllen = sizeof(ctl.buf);
    if (recvmsg(udp->fd, &msg, MSG_ERRQUEUE) < 0) {
        udp->errq = false; /* empty (an error queue read never blocks) */
        return -EAGAIN;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL && !found; c = CMSG_NXTHDR(&msg, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
            memcpy(&ee, CMSG_DATA(c), sizeof(ee));
            found = true;
        }
    }
    if (!found || (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6) ||
        ee.ee_errno == 0 || ee.ee_errno == EMSGSIZE || ee.ee_errno > INT_MAX) {
        return 0; /* local, or a path MTU change: nothing about the peer */
    }
    sock_secure__posix_from_sockaddr(&ss, &peer);
    if (peer.family == SOCK_SECURE_AF_UNSPEC) {
        return 0;
    }
    if (remote != NULL) {
        *remote = peer;
    }
    return -(int)ee.ee_errno;
}
#endif

/* recv (@p flags 0), or peek (MSG_PEEK | MSG_TRUNC: the datagram stays, its whole length) */
static int udp_read(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote,
                    int flags)
{
    sock_secure_udp_t *udp = (sock_secure_udp_t *)sock;
    struct sockaddr_storage ss;
    struct iovec iov = {buf, len};
    struct msghdr msg;
    ssize_t n;

    if (udp->fd < 0) {
        return -EBADF;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    memset(&ss, 0, sizeof(ss));
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = &ss;
    msg.msg_namelen = (socklen_t)sizeof(ss);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    n = recvmsg(udp->fd, &msg, flags);
#if UDP_PEER_ERRORS
    for (int budget = UDP_ERRQ_BUDGET; n < 0 && udp->peer_errors && budget > 0; budget--) {
        int err = udp_errno();
        int peer_err;

        if (err == -EAGAIN && !udp->errq) {
            return -EAGAIN;
        }
        udp->errq = true; /* a pending error comes with an entry in the queue */
        peer_err = udp_take_error(udp, remote);
        if (peer_err < 0 && peer_err != -EAGAIN) {
            return peer_err;
        }
        if (peer_err == -EAGAIN) {
            return err; /* nothing queued: the socket's own error (or nothing to read) */
        }
        /* an entry about no peer (its error may be what recvmsg returned): read again */
        msg.msg_namelen = (socklen_t)sizeof(ss);
        msg.msg_flags = 0;
        n = recvmsg(udp->fd, &msg, flags);
    }
#endif
    if (n < 0) {
        return udp_errno();
    }
    if (((msg.msg_flags & MSG_TRUNC) != 0 && flags == 0) || n > INT_MAX) {
        return -EMSGSIZE; /* the rest of the datagram is gone */
    }
    if (remote != NULL) {
        sock_secure__posix_from_sockaddr(&ss, remote);
    }
    return (int)n;
}

static int udp_recv(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    return udp_read(sock, buf, len, remote, 0);
}

#ifdef __linux__ /* MSG_TRUNC on input: recvmsg returns the datagram's real length */
static int udp_peek(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    return udp_read(sock, buf, len, remote, MSG_PEEK | MSG_TRUNC);
}
#endif

static int udp_send(sock_secure_transport_t *sock, const void *buf, size_t len, const sock_secure_ep_t *remote)
{
    sock_secure_udp_t *udp = (sock_secure_udp_t *)sock;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    ssize_t n;
    int rc;

    if (udp->fd < 0) {
        return -EBADF;
    }
    if (remote == NULL || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    if (len > INT_MAX) {
        return -EMSGSIZE;
    }
    rc = sock_secure__posix_to_sockaddr(remote, udp->family, &ss, &sl);
    if (rc < 0) {
        return rc;
    }
    n = sendto(udp->fd, buf, len, 0, (const struct sockaddr *)&ss, sl);
    if (n < 0 && udp->peer_errors && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        /* maybe the pending error of an earlier ICMP error (its peer is named by recv, from the
         * queue): the OS took it and sent nothing. A failure of this send repeats. */
        udp->errq = true;
        n = sendto(udp->fd, buf, len, 0, (const struct sockaddr *)&ss, sl);
    }
    if (n < 0) {
        return udp_errno();
    }
    return (int)n;
}

static int udp_wait(sock_secure_transport_t *sock, uint32_t timeout_ms)
{
    sock_secure_udp_t *udp = (sock_secure_udp_t *)sock;
    struct pollfd pfd = {udp->fd, POLLIN, 0};
    int rc;

    if (udp->fd < 0) {
        return -EBADF;
    }
    rc = poll(&pfd, 1, sock_secure__posix_poll_timeout(timeout_ms));
    if (rc < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    if (rc > 0 && (pfd.revents & POLLNVAL) != 0) {
        return -EBADF;
    }
    return rc > 0 ? 1 : 0; /* POLLERR too: recv will report the pending error without blocking */
}

static int udp_local(sock_secure_transport_t *sock, sock_secure_ep_t *local)
{
    sock_secure_udp_t *udp = (sock_secure_udp_t *)sock;
    struct sockaddr_storage ss;
    socklen_t sl = (socklen_t)sizeof(ss);

    if (udp->fd < 0) {
        return -EBADF;
    }
    if (local == NULL) {
        return -EINVAL;
    }
    memset(&ss, 0, sizeof(ss));
    if (getsockname(udp->fd, (struct sockaddr *)&ss, &sl) != 0) {
        return -errno;
    }
    sock_secure__posix_from_sockaddr(&ss, local);
    return 0;
}

static void udp_close(sock_secure_transport_t *sock)
{
    sock_secure_udp_t *udp = (sock_secure_udp_t *)sock;

    if (udp->fd >= 0) {
        close(udp->fd);
        udp->fd = -1;
    }
}

static const sock_secure_transport_ops_t sock_secure_udp_ops = {
    .recv = udp_recv,
#ifdef __linux__
    .peek = udp_peek,
#endif
    .send = udp_send,
    .wait = udp_wait,
    .local = udp_local,
    .close = udp_close,
};

/* ---- open ----------------------------------------------------------------------------------- */

/* A bound non-blocking socket for local, or a negated errno. */
static int udp_open_fd(const sock_secure_ep_t *local, uint32_t opts)
{
    return sock_secure__posix_bound_socket(
        SOCK_DGRAM, local, (opts & SOCK_SECURE_UDP_REUSEPORT) ? SS_POSIX_REUSEPORT : 0u);
}

int sock_secure_udp_open(sock_secure_udp_t *udp, const sock_secure_ep_t *local)
{
    return sock_secure_udp_open_opts(udp, local, 0);
}

int sock_secure_udp_open_opts(sock_secure_udp_t *udp, const sock_secure_ep_t *local, uint32_t opts)
{
    static const sock_secure_ep_t any6 = {.family = SOCK_SECURE_AF_INET6};
    static const sock_secure_ep_t any4 = {.family = SOCK_SECURE_AF_INET};
    int fd;

    if (udp == NULL) {
        return -EINVAL;
    }
    udp->base.ops = &sock_secure_udp_ops; /* so that sock_secure_transport_close() is safe even after a failed open */
    udp->base.flags = SOCK_SECURE_TRANSPORT_DATAGRAM;
    udp->fd = -1;
    udp->family = SOCK_SECURE_AF_UNSPEC;
    udp->peer_errors = false;
    udp->errq = false;
    if ((local != NULL && local->family != SOCK_SECURE_AF_INET && local->family != SOCK_SECURE_AF_INET6) ||
        (opts & ~(uint32_t)SOCK_SECURE_UDP_REUSEPORT) != 0) {
        return -EINVAL;
    }
    if (local == NULL) {
        local = &any6;
        fd = udp_open_fd(local, opts);
        if (fd == -EAFNOSUPPORT) {
            local = &any4; /* no IPv6 on this host */
            fd = udp_open_fd(local, opts);
        }
    } else {
        fd = udp_open_fd(local, opts);
    }
    if (fd < 0) {
        return fd;
    }
    udp->fd = fd;
    udp->family = local->family;
#if UDP_PEER_ERRORS
    (void)sock_secure_udp_peer_errors(udp, true); /* the core takes them; if refused: dropped */
#endif
    return 0;
}

int sock_secure_udp_peer_errors(sock_secure_udp_t *udp, bool on)
{
    if (udp == NULL || udp->fd < 0) {
        return -EBADF;
    }
#if UDP_PEER_ERRORS
    int val = on ? 1 : 0;

    /* IP_RECVERR on an IPv6 socket too: the ICMP errors about its IPv4(-mapped) peers */
    if (setsockopt(udp->fd, IPPROTO_IP, IP_RECVERR, &val, (socklen_t)sizeof(val)) != 0 ||
        (udp->family == SOCK_SECURE_AF_INET6 &&
         setsockopt(udp->fd, IPPROTO_IPV6, IPV6_RECVERR, &val, (socklen_t)sizeof(val)) != 0)) {
        int err = -errno;

        val = 0;
        (void)setsockopt(udp->fd, IPPROTO_IP, IP_RECVERR, &val, (socklen_t)sizeof(val));
        return err;
    }
    if (!on) {
        /* the OS discarded the queue; the pending error would reach recv without its peer */
        int pending = 0;
        socklen_t pl = (socklen_t)sizeof(pending);

        (void)getsockopt(udp->fd, SOL_SOCKET, SO_ERROR, &pending, &pl);
    }
    udp->peer_errors = on;
    udp->errq = false;
    return 0;
#else
    (void)on;
    return -ENOTSUP;
#endif
}
