/**
 * @file sock_secure_riot_ep.h
 * @brief Endpoints of RIOT's sock API (`struct _sock_tl_ep`: sock_udp_ep_t, sock_tcp_ep_t) to and
 *        from secure_sock's, for the transports of this port (sock_secure_udp, sock_secure_tcp).
 *
 * secure_sock's scope_id is RIOT's netif (interface number): "[fe80::1%5]:5684" reaches fe80::1
 * through interface 5. IPv4 works where the stack has it (SOCK_HAS_IPV4).
 */
#ifndef SOCK_SECURE_RIOT_EP_H
#define SOCK_SECURE_RIOT_EP_H

#include "net/sock.h"

#include "secure_sock/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Convert RIOT's transport-layer endpoint (UDP or TCP) to secure_sock's.
 * @param[out] ep  caller-owned; zeroed and filled on success.
 * @param tl       caller-owned, not kept.
 * @return 0, -EAFNOSUPPORT for a family other than AF_INET6/AF_INET (or one the stack lacks),
 *         -EINVAL on NULL.
 */
int sock_secure_riot_ep_from_sock(sock_secure_ep_t *ep, const struct _sock_tl_ep *tl);

/**
 * @brief Convert secure_sock's endpoint to RIOT's transport-layer endpoint (scope_id becomes netif).
 * @param[out] tl  caller-owned; zeroed and filled on success.
 * @param ep       caller-owned, not kept.
 * @return 0, -EAFNOSUPPORT for a family the stack lacks, -EINVAL on NULL, an unknown family or a
 *         scope_id that is no interface number.
 */
int sock_secure_riot_ep_to_sock(struct _sock_tl_ep *tl, const sock_secure_ep_t *ep);

#ifdef __cplusplus
}
#endif

#endif /* SOCK_SECURE_RIOT_EP_H */
