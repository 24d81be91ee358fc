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
 * - Errors are negated errno values; EAGAIN/EWOULDBLOCK (and EINTR on recv/send, which cannot
 *   block) become -EAGAIN. Any operation on a closed socket returns -EBADF.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
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

static int udp_recv(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
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
    n = recvmsg(udp->fd, &msg, 0);
    if (n < 0) {
        return udp_errno();
    }
    if ((msg.msg_flags & MSG_TRUNC) != 0 || n > INT_MAX) {
        return -EMSGSIZE; /* the rest of the datagram is gone */
    }
    if (remote != NULL) {
        ss_posix_from_sockaddr(&ss, remote);
    }
    return (int)n;
}

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
    rc = ss_posix_to_sockaddr(remote, udp->family, &ss, &sl);
    if (rc < 0) {
        return rc;
    }
    n = sendto(udp->fd, buf, len, 0, (const struct sockaddr *)&ss, sl);
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
    rc = poll(&pfd, 1, ss_posix_poll_timeout(timeout_ms));
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
    ss_posix_from_sockaddr(&ss, local);
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
    .send = udp_send,
    .wait = udp_wait,
    .local = udp_local,
    .close = udp_close,
};

/* ---- open ----------------------------------------------------------------------------------- */

/* A bound non-blocking socket for local, or a negated errno. */
static int udp_open_fd(const sock_secure_ep_t *local)
{
    return ss_posix_bound_socket(SOCK_DGRAM, local, false);
}

int sock_secure_udp_open(sock_secure_udp_t *udp, const sock_secure_ep_t *local)
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
    if (local != NULL && local->family != SOCK_SECURE_AF_INET && local->family != SOCK_SECURE_AF_INET6) {
        return -EINVAL;
    }
    if (local == NULL) {
        local = &any6;
        fd = udp_open_fd(local);
        if (fd == -EAFNOSUPPORT) {
            local = &any4; /* no IPv6 on this host */
            fd = udp_open_fd(local);
        }
    } else {
        fd = udp_open_fd(local);
    }
    if (fd < 0) {
        return fd;
    }
    udp->fd = fd;
    udp->family = local->family;
    return 0;
}
