/**
 * @file udp.h
 * @brief POSIX UDP transport (non-blocking, IPv4 and IPv6).
 *
 * An IPv6 socket bound to "::" is dual-stack: IPv4 peers appear as SOCK_SECURE_AF_INET endpoints and can
 * be sent to. The caller owns the sock_secure_udp_t; no memory is allocated.
 */
#ifndef SECURE_SOCK_POSIX_UDP_H
#define SECURE_SOCK_POSIX_UDP_H

#include "secure_sock/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A UDP transport. Embeds sock_secure_transport_t first so `&udp->base` is the generic transport. */
typedef struct {
    sock_secure_transport_t base; /**< generic part: use &udp.base with the secure socket */
    int fd;      /**< the OS socket, -1 when closed */
    uint8_t family; /**< enum sock_secure_af of the OS socket */
    bool peer_errors; /**< read-only: peer errors are reported (sock_secure_udp_peer_errors()) */
    bool errq;        /**< internal: the OS may hold an error not read yet */
} sock_secure_udp_t;

/**
 * @brief Open a non-blocking UDP socket bound to @p local; on Linux it reports errors about a
 *        peer (see sock_secure_udp_peer_errors()).
 * @param[out] udp caller-owned storage.
 * @param local    address to bind; port 0 picks an ephemeral port; "[::]:P" is dual-stack.
 *                 NULL means "[::]:0" (a client socket that reaches IPv4 and IPv6 peers).
 * @return 0, -EINVAL on NULL @p udp or an unspecified family, or the negated errno of
 *         socket()/bind() (e.g. -EADDRINUSE, -EAFNOSUPPORT).
 */
int sock_secure_udp_open(sock_secure_udp_t *udp, const sock_secure_ep_t *local);

/** sock_secure_udp_open_opts() option: SO_REUSEPORT. Several sockets (in one process or in
 *  several) that all set it may bind the same address and port; the kernel then hands each
 *  datagram to one of them by a hash of its source and destination addresses and ports (Linux
 *  >= 3.9; other systems differ), so one client stays on one socket as long as its address
 *  and port and the set of sockets stay the same. This is how N worker processes or threads,
 *  each with its own socket and its own sock_secure_t, share a server's port with nothing shared
 *  between them (docs/SCALING.md). Only sockets of the same user can join a port. */
#define SOCK_SECURE_UDP_REUSEPORT 0x1u

/**
 * @brief sock_secure_udp_open() with options.
 * @param[out] udp caller-owned storage.
 * @param local    as for sock_secure_udp_open().
 * @param opts     0 or SOCK_SECURE_UDP_REUSEPORT.
 * @return as sock_secure_udp_open(); -EINVAL for an unknown option bit; -ENOTSUP for
 *         SOCK_SECURE_UDP_REUSEPORT on a system without SO_REUSEPORT; -EADDRINUSE if the port
 *         is held by a socket that did not set it (or by another user).
 */
int sock_secure_udp_open_opts(sock_secure_udp_t *udp, const sock_secure_ep_t *local, uint32_t opts);

/**
 * @brief Report what the network says about one peer (ICMP/ICMPv6 "port unreachable", "host
 *        unreachable"...) through recv, instead of dropping it. On after sock_secure_udp_open()
 *        where the system has it (Linux; check peer_errors).
 *
 * When on, recv returns such an error as the negated errno WITH @p remote set to the peer the
 * failed datagram was sent to (the convention of stream transports for a connection that
 * ended, sock.h): -ECONNREFUSED (nothing listens on the peer's port), -EHOSTUNREACH,
 * -ENETUNREACH, ... Each error is reported once. Errors that say nothing about the peer are
 * consumed silently: "fragmentation needed" (the OS adjusts the path MTU) and local send
 * failures (send already returned them). A send never fails because of an earlier error about
 * a peer (the OS hands such an error to the next send as well as to the next recv: the send is
 * retried once, the error stays for recv).
 *
 * sock_secure_process() takes such an error for the peer's (docs/DESIGN.md, "Errors about a
 * peer (ICMP)"): a client session with that peer fails with it at once (sock_secure_connect()
 * returns -ECONNREFUSED instead of retransmitting until its timeout); a server counts and
 * ignores it (peer_errors), since anyone can forge one. Turn it off for a client that should
 * keep retransmitting to a server that is not up yet (or connect again), or for an application
 * that reads the transport itself and wants none of them.
 *
 * Linux only (IP_RECVERR, IPV6_RECVERR: an unconnected socket sees these errors only so).
 * @param udp an open transport (caller-owned).
 * @param on  true to report, false to go back to dropping (what is queued is discarded).
 * @return 0; -EBADF if @p udp is NULL or closed; -ENOTSUP on a system without the socket
 *         options (nothing changes); or the negated errno of setsockopt().
 */
int sock_secure_udp_peer_errors(sock_secure_udp_t *udp, bool on);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_POSIX_UDP_H */
