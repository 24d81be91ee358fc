/**
 * @file tcp.h
 * @brief POSIX TCP transport (non-blocking, IPv4 and IPv6) for TLS.
 *
 * One sock_secure_tcp_t carries many connections behind the generic ops table, keyed by the peer's
 * endpoint (see sock_secure_transport_ops_t): a server listens and accepts into a caller-provided array of
 * connection slots; a client opens connections with the `connect` op (sock_secure_connect does
 * this). New connections are taken from the listen queue one at a time, each reported by recv
 * before the next is accepted, so the secure socket's admission can judge (and close) each one
 * first. A connection finding no free slot at all is accepted and closed at once (counted): give
 * a server one more slot than its session table, so a new connection is always seen by the core,
 * which may make room for it (displace a stalled handshake) or refuse it. The caller owns the
 * sock_secure_tcp_t and the slot array; nothing is allocated.
 */
#ifndef SECURE_SOCK_POSIX_TCP_H
#define SECURE_SOCK_POSIX_TCP_H

#include <poll.h>

#include "secure_sock/config.h"
#include "secure_sock/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One connection slot. Private: zero-initialised storage is all the caller provides. */
typedef struct {
    int fd;            /**< private: the OS socket, -1 when free */
    sock_secure_ep_t remote;  /**< private: the peer */
    uint8_t state;     /**< private */
    uint8_t want_write; /**< private: a send got EAGAIN: wait for writability */
    uint8_t paused;    /**< private: not read until resumed (the `pause` op) */
    int err;           /**< private: why it ended, not yet reported */
    uint16_t carry_len; /**< private: bytes given back (the `unread` op), returned first */
    uint8_t carry[CONFIG_SOCK_SECURE_MAX_DATAGRAM]; /**< private: those bytes (what one read of
                                                       the secure socket takes at most) */
} sock_secure_tcp_conn_t;

/** A TCP transport. Embeds sock_secure_transport_t first. */
typedef struct {
    sock_secure_transport_t base;              /**< generic part: use &tcp.base with the secure socket */
    int listen_fd;            /**< the listening socket, -1 for a client */
    sock_secure_tcp_conn_t *conns;   /**< private: the caller's slots */
    size_t conn_count;        /**< private */
    size_t next;              /**< private: round-robin position */
    uint8_t accept_turn;      /**< private: recv accepts before it reads (they take turns) */
    int sndbuf;               /**< private: SO_SNDBUF for new connections, 0 = OS */
    int rcvbuf;               /**< private: SO_RCVBUF for new connections, 0 = OS */
    uint32_t accepted;        /**< connections accepted */
    uint32_t refused;         /**< connections closed at once: no free slot */
} sock_secure_tcp_t;

/**
 * @brief Listen on @p local (port 0 = ephemeral; "[::]" is dual-stack).
 * @param conns caller-owned slots (contents ignored), kept until sock_secure_transport_close().
 * @return 0, -EINVAL (NULL, no slots), or the negated errno of socket/bind/listen.
 */
int sock_secure_tcp_listen(sock_secure_tcp_t *tcp, const sock_secure_ep_t *local, sock_secure_tcp_conn_t *conns,
                    size_t conn_count);

/** sock_secure_tcp_listen_opts() option: SO_REUSEPORT. Several listeners (in one process or in
 *  several) that all set it may listen on the same address and port; the kernel hands each new
 *  connection to one of them by a hash of its addresses and ports (Linux >= 3.9), and the
 *  connection stays with that listener's transport. N worker processes or threads, each with
 *  its own listener and sock_secure_t, so share one port with nothing shared (docs/SCALING.md). */
#define SOCK_SECURE_TCP_REUSEPORT 0x1u

/**
 * @brief sock_secure_tcp_listen() with options.
 * @param opts 0 or SOCK_SECURE_TCP_REUSEPORT.
 * @return as sock_secure_tcp_listen(); -EINVAL for an unknown option bit; -ENOTSUP for
 *         SOCK_SECURE_TCP_REUSEPORT on a system without SO_REUSEPORT.
 */
int sock_secure_tcp_listen_opts(sock_secure_tcp_t *tcp, const sock_secure_ep_t *local,
                                sock_secure_tcp_conn_t *conns, size_t conn_count, uint32_t opts);

/**
 * @brief A client transport without a listener: connections come from the connect op.
 * @return 0 or -EINVAL.
 */
int sock_secure_tcp_open(sock_secure_tcp_t *tcp, sock_secure_tcp_conn_t *conns, size_t conn_count);

/**
 * @brief Socket buffer sizes for connections made from now on (tests use tiny ones to force
 *        partial writes). 0 keeps the OS default. @return 0 or -EINVAL.
 */
int sock_secure_tcp_set_buffers(sock_secure_tcp_t *tcp, int sndbuf, int rcvbuf);

/**
 * @brief For an application's own poll() loop (e.g. together with stdin or other sockets): the
 *        descriptors of this transport and the events it waits for — the listener POLLIN; each
 *        connection POLLIN (unless paused) and POLLOUT while a connect or refused output waits.
 *        After poll() returns, call sock_secure_transport_wait(&tcp->base, 0) (the transport notes what became
 *        writable), then sock_secure_process().
 * @param peer NULL for all, else only the connection to @p peer (0 or 1 entry).
 * @param[out] fds caller-owned, @p max entries; revents are zeroed.
 * @return the number of entries written, -EINVAL on NULL, -EBADF if the transport is closed.
 */
int sock_secure_tcp_pollfds(const sock_secure_tcp_t *tcp, const sock_secure_ep_t *peer, struct pollfd *fds, size_t max);

/** @brief Whether output the OS refused still waits on any connection (@p peer NULL) or on the
 *         connection to @p peer. */
bool sock_secure_tcp_output_blocked(const sock_secure_tcp_t *tcp, const sock_secure_ep_t *peer);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_POSIX_TCP_H */
