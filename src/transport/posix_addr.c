/**
 * @file posix_addr.c
 * @brief Internal helpers shared by the POSIX transports (see posix_addr.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "posix_addr.h"

void sock_secure__posix_from_sockaddr(const struct sockaddr_storage *ss, sock_secure_ep_t *ep)
{
    memset(ep, 0, sizeof(*ep));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        ep->family = SOCK_SECURE_AF_INET;
        ep->port = ntohs(sin->sin_port);
        memcpy(ep->addr, &sin->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        ep->port = ntohs(sin6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            ep->family = SOCK_SECURE_AF_INET;
            memcpy(ep->addr, &sin6->sin6_addr.s6_addr[12], 4);
        } else {
            ep->family = SOCK_SECURE_AF_INET6;
            ep->scope_id = sin6->sin6_scope_id;
            memcpy(ep->addr, &sin6->sin6_addr, 16);
        }
    }
}

static void posix_to_sockaddr_in(const sock_secure_ep_t *ep, struct sockaddr_storage *ss, socklen_t *sl)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;

    sin->sin_family = AF_INET;
    sin->sin_port = htons(ep->port);
    memcpy(&sin->sin_addr, ep->addr, 4);
    *sl = (socklen_t)sizeof(*sin);
}

/* An IPv6 sockaddr for ep; an IPv4 ep becomes ::ffff:a.b.c.d. */
static void posix_to_sockaddr_in6(const sock_secure_ep_t *ep, struct sockaddr_storage *ss, socklen_t *sl)
{
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(ep->port);
    if (ep->family == SOCK_SECURE_AF_INET) {
        sin6->sin6_addr.s6_addr[10] = 0xff;
        sin6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&sin6->sin6_addr.s6_addr[12], ep->addr, 4);
    } else {
        memcpy(&sin6->sin6_addr, ep->addr, 16);
        sin6->sin6_scope_id = ep->scope_id;
    }
    *sl = (socklen_t)sizeof(*sin6);
}

int sock_secure__posix_to_sockaddr(const sock_secure_ep_t *ep, uint8_t sock_family,
                                   struct sockaddr_storage *ss, socklen_t *sl)
{
    memset(ss, 0, sizeof(*ss));
    if (ep->family != SOCK_SECURE_AF_INET && ep->family != SOCK_SECURE_AF_INET6) {
        return -EAFNOSUPPORT;
    }
    if (sock_family == SOCK_SECURE_AF_INET6) {
        posix_to_sockaddr_in6(ep, ss, sl);
        return 0;
    }
    if (ep->family != SOCK_SECURE_AF_INET) {
        return -EAFNOSUPPORT; /* an IPv6 destination on an IPv4 socket */
    }
    posix_to_sockaddr_in(ep, ss, sl);
    return 0;
}

bool sock_secure__posix_is_unspecified6(const sock_secure_ep_t *ep)
{
    static const uint8_t any[16] = {0};
    return ep->family == SOCK_SECURE_AF_INET6 && memcmp(ep->addr, any, sizeof(any)) == 0;
}

int sock_secure__posix_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        return -errno;
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* best effort: not inheriting the fd is a nicety */
    return 0;
}

int sock_secure__posix_poll_timeout(uint32_t timeout_ms)
{
    if (timeout_ms == UINT32_MAX) {
        return -1;
    }
    return (timeout_ms > INT_MAX) ? INT_MAX : (int)timeout_ms;
}

int sock_secure__posix_bound_socket(int type, const sock_secure_ep_t *local, bool reuse)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    int rc = sock_secure__posix_to_sockaddr(local, local->family, &ss, &sl);
    if (rc < 0) {
        return rc;
    }
    int fd = socket(local->family == SOCK_SECURE_AF_INET6 ? AF_INET6 : AF_INET, type, 0);
    if (fd < 0) {
        return -errno;
    }
    if (sock_secure__posix_is_unspecified6(local)) {
        int off = 0; /* dual-stack; best effort: IPv6-only hosts still work */
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, (socklen_t)sizeof(off));
    }
    if (reuse) {
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, (socklen_t)sizeof(one));
    }
    rc = bind(fd, (const struct sockaddr *)&ss, sl) != 0 ? -errno
                                                         : sock_secure__posix_set_nonblock(fd);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}
