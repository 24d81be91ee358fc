/**
 * @file error.h
 * @brief The one error enum of secure_sock.
 *
 * Every function returns 0 or a positive value on success and a negative code on failure. Where a
 * POSIX errno value fits, the code is its negation (`-EINVAL`, `-ETIMEDOUT`, ...); failures that are
 * (D)TLS-specific have their own codes below, all below -1000 so they never meet an errno value.
 *
 * errno values used, and what they mean here:
 * - `-EINVAL`     a NULL pointer, zero length where one is required, or an out-of-range argument
 * - `-EAGAIN`     nothing to do right now (non-blocking call with nothing ready)
 * - `-EINPROGRESS` a non-blocking connect started; completion comes as an event
 * - `-ETIMEDOUT`  the caller's timeout or the handshake retransmission budget ran out
 * - `-ENOTCONN`   the session is not established (or already closed)
 * - `-EMSGSIZE`   a record does not fit the caller's buffer (nothing is lost: call again with a
 *                 larger one), or data to send exceeds the largest record the session can carry
 *                 (sock_secure_create: the own certificate chain does not fit the backend's
 *                 handshake message)
 * - `-ENOMEM`     a fixed table is full or a backend could not allocate
 * - `-ENOTSUP`    the backend lacks the requested feature or cipher suite
 * - `-EBUSY`      another session holds an unread record; read it first
 * - `-EALREADY`   the operation was already done (e.g. connect on a connected session)
 * - `-ENOENT`     no such backend / cipher suite name
 * - `-EIO`        the transport failed
 * - `-ECONNRESET` the connection was reset by the peer (TCP)
 * - `-EPIPE`      the peer ended the connection without close_notify (TCP: possible truncation)
 * - `-ECONNREFUSED` nothing listens at the address: TCP, or DTLS (the network answered a datagram
 *                 with ICMP port unreachable; a client session fails with it at once, a server
 *                 ignores it). `-EHOSTUNREACH`/`-ENETUNREACH` likewise for "no route" answers
 */
#ifndef SECURE_SOCK_ERROR_H
#define SECURE_SOCK_ERROR_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/** secure_sock's own error codes (negative, below -1000). */
enum sock_secure_error {
    SOCK_SECURE_E_HANDSHAKE   = -1001, /**< handshake failed locally (see the session's alert) */
    SOCK_SECURE_E_ALERT       = -1002, /**< the peer sent a fatal alert (see the session's alert) */
    SOCK_SECURE_E_VERIFY      = -1003, /**< the peer's credentials could not be verified */
    SOCK_SECURE_E_PSK_IDENTITY = -1004, /**< the peer's PSK identity is unknown */
    SOCK_SECURE_E_PEER_CLOSED = -1005, /**< the peer closed the session with close_notify */
    SOCK_SECURE_E_BAD_RECORD  = -1006, /**< a record failed to decrypt/authenticate or was malformed */
    SOCK_SECURE_E_NO_SUITE    = -1007, /**< no cipher suite in common with the peer */
    SOCK_SECURE_E_BACKEND     = -1008, /**< the (D)TLS stack reported an internal failure */
    SOCK_SECURE_E_HELLO_VERIFY = -1009, /**< internal: the server answered with HelloVerifyRequest */
    SOCK_SECURE_E_EVICTED     = -1010, /**< the session was evicted to make room for a new peer */
    SOCK_SECURE_E_CRED_FORMAT = -1011, /**< a credential is not valid PEM/DER */
    SOCK_SECURE_E_CRED_TYPE   = -1012, /**< a credential is another kind of object than declared */
    SOCK_SECURE_E_CRED_MISMATCH = -1013, /**< the private key does not match the certificate */
    SOCK_SECURE_E_RESTARTED   = -1014, /**< the peer restarted: a new handshake from its address
                                            replaced this session (RFC 6347 §4.2.8) */
    SOCK_SECURE_E_DISPLACED   = -1015, /**< the handshake had stalled and a new peer took its
                                            slot (the server's half-open budget was full) */
    SOCK_SECURE_E_ABI         = -1016, /**< the application was compiled with other CONFIG_*
                                            values (or other headers) than the library: the
                                            public structs' sizes differ, nothing was written */
};

/** @name Why a peer's certificate or key was not accepted (sock_secure_session_info().verify) */
/** @{ */
#define SOCK_SECURE_VFY_UNKNOWN_CA     (1u << 0) /**< not issued by a trusted CA */
#define SOCK_SECURE_VFY_EXPIRED        (1u << 1) /**< a certificate's validity has ended */
#define SOCK_SECURE_VFY_NOT_YET_VALID  (1u << 2) /**< a certificate is not valid yet */
#define SOCK_SECURE_VFY_NAME_MISMATCH  (1u << 3) /**< the server name (or address) does not
                                                      match */
#define SOCK_SECURE_VFY_BAD_SIGNATURE  (1u << 4) /**< a signature does not verify */
#define SOCK_SECURE_VFY_NO_CERT        (1u << 5) /**< the peer sent no certificate but one is
                                                      required */
#define SOCK_SECURE_VFY_BAD_KEY        (1u << 6) /**< key type or size not acceptable */
#define SOCK_SECURE_VFY_REVOKED        (1u << 7) /**< revoked */
#define SOCK_SECURE_VFY_NOT_PINNED     (1u << 8) /**< a raw public key not in the trust list */
#define SOCK_SECURE_VFY_APP            (1u << 9) /**< rejected by the application's callback */
#define SOCK_SECURE_VFY_OTHER          (1u << 31) /**< another reason */
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_ERROR_H */
