/**
 * @file sock_dtls_types.h
 * @brief RIOT's `sock_dtls` types as implemented by secure_sock (module sock_dtls_secure_sock).
 *
 * RIOT's net/sock/dtls.h includes this file (`sock_dtls_types.h` of the module that provides
 * `sock_dtls`). A `sock_dtls_t` is small: the secure socket, its session slots and its receive
 * buffer live in a static pool of the module (CONFIG_SOCK_DTLS_SECURE_SOCK_NUMOF entries), not
 * in the caller's memory, so a `sock_dtls_t` on a thread's stack costs that stack little. A
 * `sock_dtls_session_t` is the peer's UDP endpoint: copyable, as the API expects.
 */
#ifndef SOCK_DTLS_TYPES_H
#define SOCK_DTLS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "mutex.h"
#include "rmutex.h"
#include "net/credman.h"
#include "net/sock/udp.h"
#include "net/sock/dtls/creds.h"
#ifdef SOCK_HAS_ASYNC
#include "net/sock/async/types.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** tinyDTLS's number for "handshake complete" (its alert.h), which gcoap sends between its own
 *  threads as an IPC message type and gets from the `sock_dtls` module's header. */
#ifndef DTLS_EVENT_CONNECTED
#define DTLS_EVENT_CONNECTED 0x01DE
#endif

/* (re-typedef as net/sock/async/types.h does: net/sock/async.h names it without net/sock/dtls.h) */
typedef struct sock_dtls_session sock_dtls_session_t;

/** The module's state of one open sock (private). */
typedef struct sock_dtls_secure_sock sock_dtls_secure_sock_t;

/** A DTLS sock (fields are private). */
struct sock_dtls {
    sock_udp_t *udp_sock;           /**< the application's UDP sock */
    sock_dtls_secure_sock_t *ss;    /**< pool entry: secure socket and sessions */
    rmutex_t lock;                  /**< serialises every call (threads and callbacks) */
    mutex_t ready;                  /**< released when a datagram arrives (blocking calls) */
    sock_dtls_client_psk_cb_t client_psk_cb; /**< client: picks a PSK credential per server */
    credman_tag_t tags[CONFIG_DTLS_CREDENTIALS_MAX]; /**< credential tags of this sock */
    uint8_t tags_len;               /**< number of tags */
    uint8_t role;                   /**< SOCK_DTLS_CLIENT or SOCK_DTLS_SERVER */
#if defined(SOCK_HAS_ASYNC) || defined(DOXYGEN)
    bool has_event_session;         /**< event_session holds a session that ended */
    sock_dtls_cb_t async_cb;        /**< the application's event callback */
    void *async_cb_arg;             /**< its argument */
    sock_udp_ep_t event_session;    /**< the last session that ended (SOCK_ASYNC_CONN_FIN) */
#if defined(SOCK_HAS_ASYNC_CTX) || defined(DOXYGEN)
    sock_async_ctx_t async_ctx;     /**< event queue context (sock_dtls_event_init()) */
#endif
#endif
};

/** A DTLS session: the peer's UDP endpoint. */
struct sock_dtls_session {
    sock_udp_ep_t ep; /**< the peer */
};

#ifdef __cplusplus
}
#endif

#endif /* SOCK_DTLS_TYPES_H */
