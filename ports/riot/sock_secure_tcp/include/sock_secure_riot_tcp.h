/**
 * @file sock_secure_riot_tcp.h
 * @brief secure_sock transport over RIOT's sock_tcp (GNRC's gnrc_tcp; written to the sock API).
 *
 * The transport is a stream transport (SOCK_SECURE_TRANSPORT_STREAM, the ops table of
 * secure_sock/transport.h): pass `&t.base` as sock_secure_config_t.transport and the secure
 * socket speaks TLS 1.2. It serves a fixed number of connections: a server listens with a
 * sock_tcp_queue over the caller's array of sock_tcp_t (one TCP connection each), a client
 * connects with one of the caller's sock_tcp_t. Each sock_tcp_t has its bookkeeping slot
 * (sock_secure_riot_tcp_conn_t) in a second array of the same length. Nothing is allocated.
 *
 * sock_tcp has no sock_async on GNRC, so the transport cannot be told that one of several
 * connections became readable. Waiting is done in sock_tcp's own blocking calls, never by
 * polling in a loop:
 * - one thing to wait for (a client's connection; a server's listener with no connection yet;
 *   a server whose connections are all busy and one of them open): `wait` blocks in
 *   sock_tcp_read() (for one byte, which `recv` then returns first) or sock_tcp_accept() with
 *   the whole timeout;
 * - several (a listener and connections, or several connections): `wait` blocks in each of them
 *   in turn for at most CONFIG_SOCK_SECURE_RIOT_TCP_SLICE_MS, until one has something or the
 *   timeout passed. Bytes on one connection can so wait up to (number of waited-for items - 1)
 *   slices before they are seen.
 * Other blocking calls of sock_tcp (GNRC):
 * - `connect` blocks until the connection is established or fails (GNRC gives up after
 *   CONFIG_GNRC_TCP_CONNECTION_TIMEOUT_DURATION_MS), so it returns 0 or the failure, never
 *   -EINPROGRESS;
 * - `send` blocks until the peer acknowledged what was sent (GNRC keeps one segment in flight);
 * - `disconnect`/`close` block until the connection is closed: after an active close that is
 *   the TIME_WAIT of 2 * CONFIG_GNRC_TCP_MSL_MS (60 s by default: lower it, see docs/RIOT.md).
 * A server's TCBs each take one of GNRC's receive buffers: CONFIG_GNRC_TCP_RCV_BUFFERS must be
 * at least the number of connections (plus any other TCP user).
 *
 * It must be used from one thread, as the secure socket on it.
 */
#ifndef SOCK_SECURE_RIOT_TCP_H
#define SOCK_SECURE_RIOT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/sock/tcp.h"

#include "secure_sock/transport.h"
#include "sock_secure_riot_ep.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef CONFIG_SOCK_SECURE_RIOT_TCP_SLICE_MS
/** Longest time `wait` blocks in one of several connections (or the listener) before it looks
 *  at the next (see the file comment). */
#define CONFIG_SOCK_SECURE_RIOT_TCP_SLICE_MS 20u
#endif

/** The transport's bookkeeping of one connection (one per sock_tcp_t; contents private). */
typedef struct {
    sock_secure_ep_t remote; /**< the peer */
    int err;                 /**< FAILED: the code `recv` reports */
    uint8_t state;           /**< FREE, OPEN, FAILED */
    uint8_t fresh;           /**< OPEN, accepted by `wait`: `recv` reports it first */
    uint8_t paused;          /**< not read (transport op `pause`) */
    uint8_t held;            /**< 1: `byte` was read by `wait` and is returned first */
    uint8_t byte;            /**< the byte `wait` read */
    uint8_t successor;       /**< FAILED: GNRC reused the sock for a new connection, taken on report */
} sock_secure_riot_tcp_conn_t;

/** A secure_sock transport on RIOT's sock_tcp. Embeds the generic part first. */
typedef struct {
    sock_secure_transport_t base;        /**< generic part: use &t.base with the secure socket */
    sock_tcp_queue_t queue;              /**< a server's listening queue */
    sock_tcp_t *socks;                   /**< the caller's TCP socks, conn_count of them */
    sock_secure_riot_tcp_conn_t *conns;  /**< the caller's slots, conn_count of them; NULL: closed */
    size_t conn_count;                   /**< connections at most */
    size_t next;                         /**< round robin: the slot `recv` and `wait` look at first */
    uint8_t listening;                   /**< a server (the queue is listening) */
    uint8_t accept_turn;                 /**< the next `recv` accepts before it reads */
    uint32_t accepted;                   /**< connections accepted */
} sock_secure_riot_tcp_t;

/**
 * @brief Listen on @p local for up to @p conn_count connections at once (a TLS server).
 * @param[out] t     caller-owned storage; after a failure it is a closed transport (every op
 *                   -EBADF, close is safe).
 * @param local      local endpoint (address all zero: any; port must not be 0); scope_id
 *                   picks the interface (0: any). Not kept.
 * @param socks      caller-owned array of @p conn_count TCP socks (the listening queue); kept
 *                   until close.
 * @param conns      caller-owned array of @p conn_count slots; kept until close.
 * @param conn_count connections served at once (at least 1).
 * @return 0; -EINVAL (NULL, port 0, no slots, unknown family); -EAFNOSUPPORT; or the error of
 *         sock_tcp_listen() (-ENOMEM: fewer GNRC receive buffers than connections, ...).
 */
int sock_secure_riot_tcp_listen(sock_secure_riot_tcp_t *t, const sock_secure_ep_t *local,
                                sock_tcp_t *socks, sock_secure_riot_tcp_conn_t *conns,
                                size_t conn_count);

/**
 * @brief Prepare a client transport: each `connect` of the secure socket opens one of the
 *        @p conn_count TCP socks.
 * @param[out] t     caller-owned storage (as for sock_secure_riot_tcp_listen()).
 * @param socks      caller-owned array of @p conn_count TCP socks; kept until close.
 * @param conns      caller-owned array of @p conn_count slots; kept until close.
 * @param conn_count connections at once (at least 1).
 * @return 0 or -EINVAL (NULL, no slots).
 */
int sock_secure_riot_tcp_open(sock_secure_riot_tcp_t *t, sock_tcp_t *socks,
                              sock_secure_riot_tcp_conn_t *conns, size_t conn_count);

#ifdef __cplusplus
}
#endif

#endif /* SOCK_SECURE_RIOT_TCP_H */
