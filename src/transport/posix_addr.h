/**
 * @file posix_addr.h
 * @brief Internal: what the POSIX transports (sock_udp.c, sock_tcp.c) share.
 *
 * sockaddr <-> sock_secure_ep_t conversion with the IPv4-mapped rule of sock.h (a mapped address is
 * always reported as SOCK_SECURE_AF_INET; an SOCK_SECURE_AF_INET destination is mapped for an IPv6 socket), and
 * the two small fd helpers both transports need. Not installed; include after defining
 * _POSIX_C_SOURCE. Named sock_secure__posix_* (double underscore: internal, as in the core) so
 * that every global symbol of the library carries its prefix (tests/symbols/check.sh).
 */
#ifndef SS_POSIX_ADDR_H
#define SS_POSIX_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "secure_sock/transport.h"

/** @brief @p ss as an endpoint (IPv4-mapped IPv6 becomes SOCK_SECURE_AF_INET); other families give an
 *         all-zero endpoint (SOCK_SECURE_AF_UNSPEC). */
void sock_secure__posix_from_sockaddr(const struct sockaddr_storage *ss, sock_secure_ep_t *ep);

/**
 * @brief The sockaddr to use for @p ep with a socket of family @p sock_family (enum sock_secure_af).
 *
 * An IPv4 @p ep on an IPv6 socket becomes ::ffff:a.b.c.d.
 * @return 0, or -EAFNOSUPPORT if @p ep has no family or is IPv6 for an IPv4 socket.
 */
int sock_secure__posix_to_sockaddr(const sock_secure_ep_t *ep, uint8_t sock_family,
                                   struct sockaddr_storage *ss, socklen_t *sl);

/** @brief True if @p ep is the IPv6 unspecified address "::" (a dual-stack bind). */
bool sock_secure__posix_is_unspecified6(const sock_secure_ep_t *ep);

/** @brief O_NONBLOCK (and FD_CLOEXEC, best effort) on @p fd. @return 0 or the negated errno. */
int sock_secure__posix_set_nonblock(int fd);

/** A non-blocking socket of @p type (SOCK_DGRAM, SOCK_STREAM) bound to @p local; "[::]" is
 *  dual-stack (best effort); SO_REUSEADDR when @p reuse. @return the fd or a negated errno. */
int sock_secure__posix_bound_socket(int type, const sock_secure_ep_t *local, bool reuse);

/** @brief poll()'s timeout for @p timeout_ms: -1 for UINT32_MAX (no limit), else at most
 *         INT_MAX ms (callers loop). */
int sock_secure__posix_poll_timeout(uint32_t timeout_ms);

#endif /* SS_POSIX_ADDR_H */
