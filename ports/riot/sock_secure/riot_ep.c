/**
 * @file riot_ep.c
 * @brief RIOT sock endpoints to and from secure_sock's (see sock_secure_riot_ep.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "net/af.h"

#include "sock_secure_riot_ep.h"

int sock_secure_riot_ep_from_sock(sock_secure_ep_t *ep, const struct _sock_tl_ep *tl)
{
    if (ep == NULL || tl == NULL) {
        return -EINVAL;
    }
    memset(ep, 0, sizeof(*ep));
    switch (tl->family) {
#ifdef SOCK_HAS_IPV6
    case AF_INET6:
        ep->family = SOCK_SECURE_AF_INET6;
        memcpy(ep->addr, tl->addr.ipv6, 16);
        break;
#endif
#ifdef SOCK_HAS_IPV4
    case AF_INET:
        ep->family = SOCK_SECURE_AF_INET;
        memcpy(ep->addr, tl->addr.ipv4, 4);
        break;
#endif
    default:
        return -EAFNOSUPPORT;
    }
    ep->port = tl->port;
    ep->scope_id = tl->netif == SOCK_ADDR_ANY_NETIF ? 0u : tl->netif;
    return 0;
}

int sock_secure_riot_ep_to_sock(struct _sock_tl_ep *tl, const sock_secure_ep_t *ep)
{
    if (ep == NULL || tl == NULL) {
        return -EINVAL;
    }
    if (ep->scope_id > UINT16_MAX) {
        return -EINVAL;
    }
    memset(tl, 0, sizeof(*tl));
    if (ep->family == SOCK_SECURE_AF_INET6) {
#ifdef SOCK_HAS_IPV6
        tl->family = AF_INET6;
        memcpy(tl->addr.ipv6, ep->addr, 16);
#else
        return -EAFNOSUPPORT;
#endif
    }
    else if (ep->family == SOCK_SECURE_AF_INET) {
#ifdef SOCK_HAS_IPV4
        tl->family = AF_INET;
        memcpy(tl->addr.ipv4, ep->addr, 4);
#else
        return -EAFNOSUPPORT;
#endif
    }
    else {
        return -EINVAL;
    }
    tl->port = ep->port;
    tl->netif = ep->scope_id == 0 ? SOCK_ADDR_ANY_NETIF : (uint16_t)ep->scope_id;
    return 0;
}
