/**
 * @file transport.h
 * @brief The generic transport: endpoints and the transport ops table (RIOT RFC #7397's `sock_secure_transport_ops_t`).
 *
 * A transport moves ciphertext; it knows nothing of (D)TLS. UDP, TCP and the in-memory link are
 * peers behind one ops table. All transport functions are non-blocking except `wait`.
 * The caller owns every transport struct and keeps it alive while a secure socket uses it.
 */
#ifndef SECURE_SOCK_TRANSPORT_H
#define SECURE_SOCK_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Address family of an endpoint. */
enum sock_secure_af {
    SOCK_SECURE_AF_UNSPEC = 0, /**< not set */
    SOCK_SECURE_AF_INET = 4,   /**< IPv4: the first 4 bytes of `addr` */
    SOCK_SECURE_AF_INET6 = 6,  /**< IPv6: all 16 bytes of `addr` */
};

/** Longest text form of an endpoint incl. NUL: "[" 45-char IPv6 "%" 10-digit scope "]:" port. */
#define SOCK_SECURE_EP_STRLEN 64

/** An IPv4 or IPv6 endpoint. IPv4-mapped IPv6 addresses are always stored as IPv4. */
typedef struct {
    uint8_t family;    /**< enum sock_secure_af */
    uint16_t port;     /**< host byte order */
    uint32_t scope_id; /**< IPv6 zone (interface index) for link-local addresses, else 0 */
    uint8_t addr[16];  /**< network byte order */
} sock_secure_ep_t;

/**
 * @brief Parse "A.B.C.D:PORT", "[IPV6]:PORT" or "[IPV6%SCOPE]:PORT" (numeric scope).
 *
 * A missing ":PORT" takes @p default_port; a bare IPv6 address without brackets is accepted when it
 * has no port. "localhost" is accepted as 127.0.0.1.
 * @param[out] ep  filled on success; untouched on failure. Caller-owned.
 * @param str      NUL-terminated text, not kept.
 * @param default_port used when the text has no port.
 * @return 0, or -EINVAL if @p ep or @p str is NULL or the text is not an endpoint.
 */
int sock_secure_ep_parse(sock_secure_ep_t *ep, const char *str, uint16_t default_port);

/**
 * @brief Print @p ep as "A.B.C.D:PORT" or "[IPV6]:PORT" (RFC 5952 compressed form).
 * @param[out] buf NUL-terminated text; SOCK_SECURE_EP_STRLEN bytes always suffice.
 * @return the length written (without NUL), -EINVAL on NULL/unknown family, -EMSGSIZE if @p len is
 *         too small (buf then holds "" when len > 0).
 */
int sock_secure_ep_format(const sock_secure_ep_t *ep, char *buf, size_t len);

/** @brief True if family, address, port and scope are equal. NULL is equal to nothing. */
bool sock_secure_ep_equal(const sock_secure_ep_t *a, const sock_secure_ep_t *b);

/** A transport: the ops table and what the core keeps of it (struct sock_secure_transport). */
typedef struct sock_secure_transport sock_secure_transport_t;

/** Transport capability/kind flags, in sock_secure_transport_t.flags. */
#define SOCK_SECURE_TRANSPORT_DATAGRAM 0x1u /**< message-oriented (UDP, memory link): one recv = one datagram */
#define SOCK_SECURE_TRANSPORT_STREAM   0x2u /**< byte stream (TCP) */

/**
 * @brief The transport ops table. Every op takes the sock_secure_transport_t it was called through.
 *
 * Return conventions: a non-negative byte count or a negative error from error.h.
 *
 * Stream transports (SOCK_SECURE_TRANSPORT_STREAM, e.g. TCP) multiplex their connections behind the same ops,
 * keyed by the peer's endpoint, so one secure socket serves many connections as it serves many
 * DTLS peers: `recv` returns bytes of one connection and names it in @p remote; `send` writes to
 * the connection of @p remote; a newly accepted connection is reported once by `recv` returning
 * 0 with @p remote set (so a peer that never sends is still seen); a connection that ends is
 * reported once by `recv` as a negative
 * code WITH @p remote set (-EPIPE: orderly end of stream; -ECONNRESET, -ECONNREFUSED,
 * -ETIMEDOUT...: why it failed), after which the transport has released it.
 *
 * A datagram transport may report an error about one peer the same way: `recv` (and `peek`)
 * returning a negative code WITH @p remote set, once (-ECONNREFUSED: the network answered a
 * datagram to that peer with an ICMP port unreachable; -EHOSTUNREACH, -ENETUNREACH...). There is
 * nothing more to read of it (`peek` consumes it too). A negative code without @p remote is the
 * transport's own failure.
 */
typedef struct {
    /** Read one datagram (or available stream bytes) without blocking. @p remote (may be NULL) gets
     *  the sender. Returns the length, -EAGAIN if nothing is there, -EMSGSIZE if the datagram was
     *  larger than @p len (it is discarded), another negative code on failure (streams: see
     *  above; the caller sets remote->family to SOCK_SECURE_AF_UNSPEC first to tell the cases apart). */
    int (*recv)(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote);
    /** Send @p len bytes to @p remote. Returns @p len, a smaller count for a partial stream write,
     *  -EAGAIN if it would block (a stream transport then makes `wait` return once the connection
     *  is writable), -EMSGSIZE if too large, -ENOTCONN if a stream has no connection to @p remote. */
    int (*send)(sock_secure_transport_t *sock, const void *buf, size_t len, const sock_secure_ep_t *remote);
    /** Block until readable (streams: or a blocked connection became writable, or a connect
     *  finished) or @p timeout_ms ms pass (UINT32_MAX: no limit). Returns 1 if there is something
     *  to do, 0 on timeout, negative on failure. May return early; callers loop. */
    int (*wait)(sock_secure_transport_t *sock, uint32_t timeout_ms);
    /** Local endpoint. Returns 0 or negative. */
    int (*local)(sock_secure_transport_t *sock, sock_secure_ep_t *local);
    /** Release the transport's resources. Safe to call twice. */
    void (*close)(sock_secure_transport_t *sock);
    /** Streams only (NULL otherwise): open a connection to @p remote without blocking. Returns 0
     *  (connected), -EINPROGRESS (writes get -EAGAIN until it completes; a failure is reported by
     *  recv), -ENOMEM (no free connection), or the negated errno. */
    int (*connect)(sock_secure_transport_t *sock, const sock_secure_ep_t *remote);
    /** Streams only (NULL otherwise): close the connection to @p remote (output already handed to
     *  the OS is still delivered). Unknown endpoints are ignored. */
    void (*disconnect)(sock_secure_transport_t *sock, const sock_secure_ep_t *remote);
    /** Streams only, optional: stop (@p paused true) or resume reading the connection to
     *  @p remote, so that one peer whose data the application has not read yet cannot hold up
     *  the others (its bytes wait in the OS). Unknown endpoints are ignored. */
    void (*pause)(sock_secure_transport_t *sock, const sock_secure_ep_t *remote, bool paused);
    /** Datagrams, optional (NULL: none): look at the next datagram without taking it: its
     *  sender in @p remote (may be NULL), its first min(@p len, its length) bytes in @p buf. The
     *  next `recv` returns that same datagram. Returns its whole length (which may exceed
     *  @p len), -EAGAIN if nothing is there, another negative code on failure. A socket built
     *  without a receive buffer (CONFIG_SOCK_SECURE_RX_BUFFER 0) reads through it: the datagram
     *  then goes from the transport straight into the (D)TLS stack's input buffer (`recv` with
     *  the stack's buffer), and one it does not want is dropped by a `recv` into a small buffer
     *  (-EMSGSIZE: discarded). */
    int (*peek)(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote);
    /** Streams only, optional (NULL: none): give back @p len bytes that `recv` returned from the
     *  connection to @p remote and the reader cannot use yet (bytes of a peer's next records,
     *  read together with a record the application has not read). The transport keeps a copy
     *  (@p buf is not kept) and its next `recv` of that connection, once it is not paused,
     *  returns them before anything newer. Returns 0, -ENOTCONN if there is no open connection
     *  to @p remote, -EMSGSIZE if it cannot keep that many (nothing kept: the reader then keeps
     *  them itself, and reads nothing else until they are used). */
    int (*unread)(sock_secure_transport_t *sock, const sock_secure_ep_t *remote, const void *buf,
                  size_t len);
} sock_secure_transport_ops_t;

/** The base of every transport ("super" in the RFC discussion). Embed it first. */
struct sock_secure_transport {
    const sock_secure_transport_ops_t *ops; /**< never NULL for an open transport */
    uint32_t flags;        /**< SOCK_F_* */
};

/** @brief Non-blocking read through the ops table (see sock_secure_transport_ops_t.recv). */
static inline int sock_secure_transport_recv(sock_secure_transport_t *s, void *buf, size_t len, sock_secure_ep_t *remote)
{
    return s->ops->recv(s, buf, len, remote);
}

/** @brief Send through the ops table (see sock_secure_transport_ops_t.send). */
static inline int sock_secure_transport_send(sock_secure_transport_t *s, const void *buf, size_t len, const sock_secure_ep_t *remote)
{
    return s->ops->send(s, buf, len, remote);
}

/** @brief Wait until readable (see sock_secure_transport_ops_t.wait). */
static inline int sock_secure_transport_wait(sock_secure_transport_t *s, uint32_t timeout_ms)
{
    return s->ops->wait(s, timeout_ms);
}

/** @brief Local endpoint (see sock_secure_transport_ops_t.local). */
static inline int sock_secure_transport_local(sock_secure_transport_t *s, sock_secure_ep_t *local)
{
    return s->ops->local(s, local);
}

/** @brief Close the transport (see sock_secure_transport_ops_t.close). */
static inline void sock_secure_transport_close(sock_secure_transport_t *s)
{
    s->ops->close(s);
}

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_TRANSPORT_H */
