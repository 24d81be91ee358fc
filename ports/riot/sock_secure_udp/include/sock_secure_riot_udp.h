/**
 * @file sock_secure_riot_udp.h
 * @brief secure_sock transport over RIOT's sock_udp (GNRC, lwIP, ...), with sock_async.
 *
 * The transport is a secure_sock transport (the ops table of secure_sock/transport.h): pass
 * `&t.base` as sock_secure_config_t.transport. Reads never block; `wait` sleeps on a mutex that
 * the stack's sock_async callback releases when a datagram arrives (or until a ztimer timeout):
 * no thread polls. It must be used from one thread, as the secure socket on it.
 *
 * Endpoints: secure_sock's scope_id is RIOT's netif (interface number): "[fe80::1%5]:5684"
 * reaches fe80::1 through interface 5. IPv4 works where the stack has it (SOCK_HAS_IPV4).
 *
 * `peek` (SOCK_SECURE_RIOT_UDP_PEEK): on GNRC, in a build that reads through it (a client-only
 * datagram build, CONFIG_SOCK_SECURE_RX_BUFFER 0), the transport looks at the next datagram
 * without taking it: sock_udp_recv_buf() hands over the packet in GNRC's packet buffer, and the
 * transport holds it there (sender, payload pointer and length) until the next `recv` copies it
 * once into the caller's buffer (the (D)TLS stack's input buffer) and releases it, or drops it
 * (a `recv` into a smaller buffer: -EMSGSIZE; `close`). A held datagram counts as ready: `wait`
 * returns 1 at once while one is held.
 *
 * The caller owns the sock_secure_riot_udp_t; no memory is allocated.
 */
#ifndef SOCK_SECURE_RIOT_UDP_H
#define SOCK_SECURE_RIOT_UDP_H

#include <stdbool.h>

#include "modules.h"
#include "mutex.h"
#include "net/sock/udp.h"

#include "secure_sock/config.h"
#include "secure_sock/transport.h"
#include "sock_secure_riot_ep.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 1: the transport has the `peek` op (secure_sock/transport.h). It needs a stack whose
 *  sock_udp_recv_buf() hands a datagram over in one piece (GNRC: module gnrc_sock_udp), and only a
 *  socket without a receive buffer (CONFIG_SOCK_SECURE_RX_BUFFER 0) reads through it: elsewhere it
 *  is compiled out, and with it the held datagram's fields. */
#ifndef SOCK_SECURE_RIOT_UDP_PEEK
#define SOCK_SECURE_RIOT_UDP_PEEK (IS_USED(MODULE_GNRC_SOCK_UDP) && !CONFIG_SOCK_SECURE_RX_BUFFER)
#endif

/** A secure_sock transport on one RIOT UDP sock. Embeds the generic part first. */
typedef struct {
    sock_secure_transport_t base;      /**< generic part: use &t.base with the secure socket */
    sock_udp_t udp;   /**< RIOT's UDP sock */
    mutex_t ready;    /**< unlocked by the sock_async callback when a datagram waits */
    bool open;        /**< between a successful open and close */
#if SOCK_SECURE_RIOT_UDP_PEEK
    void *held;               /**< the peeked datagram's packet (sock_udp_recv_buf()'s context),
                               *   NULL: none held */
    const void *held_data;    /**< its payload, in the stack's packet buffer */
    size_t held_len;          /**< its length */
    sock_udp_ep_t held_from;  /**< its sender */
#endif
} sock_secure_riot_udp_t;

/**
 * @brief Open a UDP sock bound to @p local and hook it to sock_async.
 * @param[out] t   caller-owned storage.
 * @param local    local endpoint: address (all zero: any) and port (0: an ephemeral one);
 *                 scope_id picks the interface (0: any). NULL: any address, ephemeral port.
 * @return 0; -EINVAL (NULL @p t, unknown family); -EAFNOSUPPORT (family the stack lacks); or
 *         the error of sock_udp_create() (-EADDRINUSE, -ENOMEM, ...).
 */
int sock_secure_riot_udp_open(sock_secure_riot_udp_t *t, const sock_secure_ep_t *local);

/**
 * @brief Convert RIOT's UDP endpoint to secure_sock's (sock_secure_riot_ep_from_sock()).
 * @return 0, -EAFNOSUPPORT for a family other than AF_INET6/AF_INET, -EINVAL on NULL.
 */
static inline int sock_secure_riot_ep_from_udp(sock_secure_ep_t *ep, const sock_udp_ep_t *udp_ep)
{
    return sock_secure_riot_ep_from_sock(ep, udp_ep);
}

/**
 * @brief Convert secure_sock's endpoint to RIOT's UDP endpoint (sock_secure_riot_ep_to_sock()).
 * @return 0, -EAFNOSUPPORT for a family the stack lacks, -EINVAL on NULL or a scope_id that is
 *         no interface number.
 */
static inline int sock_secure_riot_ep_to_udp(sock_udp_ep_t *udp_ep, const sock_secure_ep_t *ep)
{
    return sock_secure_riot_ep_to_sock(udp_ep, ep);
}

/**
 * @brief Read one datagram from a RIOT UDP sock without blocking (the transport's `recv`, on a
 *        sock the caller opened; used by the sock_dtls module over the application's sock).
 * @param udp    an open RIOT UDP sock (caller-owned).
 * @param remote may be NULL; gets the sender (family SOCK_SECURE_AF_UNSPEC if of no known family).
 * @return the length; -EAGAIN if nothing waits (or the stack dropped a datagram); -EMSGSIZE if it
 *         was larger than @p len (dropped); -EINVAL on a NULL buffer with @p len > 0; another
 *         error of sock_udp_recv().
 */
int sock_secure_riot_udp_recv_from(sock_udp_t *udp, void *buf, size_t len,
                                   sock_secure_ep_t *remote);

/**
 * @brief Send one datagram to @p remote through a RIOT UDP sock (the transport's `send`).
 * @param udp an open RIOT UDP sock (caller-owned); @p buf is not kept.
 * @return @p len; -EAGAIN if the packet buffer is full for now; -EINVAL (NULL, bad endpoint);
 *         -EAFNOSUPPORT; -EMSGSIZE; another error of sock_udp_send().
 */
int sock_secure_riot_udp_send_to(sock_udp_t *udp, const void *buf, size_t len,
                                 const sock_secure_ep_t *remote);

#ifdef __cplusplus
}
#endif

#endif /* SOCK_SECURE_RIOT_UDP_H */
