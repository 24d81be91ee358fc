/**
 * @file sock_udp.h
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
} sock_secure_udp_t;

/**
 * @brief Open a non-blocking UDP socket bound to @p local.
 * @param[out] udp caller-owned storage.
 * @param local    address to bind; port 0 picks an ephemeral port; "[::]:P" is dual-stack.
 *                 NULL means "[::]:0" (a client socket that reaches IPv4 and IPv6 peers).
 * @return 0, -EINVAL on NULL @p udp or an unspecified family, or the negated errno of
 *         socket()/bind() (e.g. -EADDRINUSE, -EAFNOSUPPORT).
 */
int sock_secure_udp_open(sock_secure_udp_t *udp, const sock_secure_ep_t *local);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_POSIX_UDP_H */
