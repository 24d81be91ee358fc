/**
 * @file sock_secure.h
 * @brief secure_sock: the user API. DTLS (and later TLS) sessions behind socket-style verbs.
 *
 * Model: a secure socket (sock_secure_t) sits on one transport (sock_secure_transport_t) and holds a table of
 * sessions in memory the caller provides. A client makes one session per peer with
 * sock_secure_connect(); a server creates sessions as peers complete handshakes. Everything runs in
 * sock_secure_process(), which never blocks; the blocking calls (connect, accept, recv with a
 * timeout) are loops over it that sleep in the transport's wait. There are no threads and no
 * malloc in the core.
 *
 * Time: every timeout is in milliseconds (uint32_t). 0 means "do not wait", SOCK_SECURE_NO_TIMEOUT
 * means "wait without limit".
 *
 * Ownership: the caller owns the sock_secure_t, the session array, the transport and every buffer.
 * The library keeps pointers to the session array, the transport and the credentials in the
 * config until sock_secure_close(); it keeps no pointer to any data buffer past a call.
 *
 * Not thread-safe: use one socket from one thread (different sockets are independent).
 */
#ifndef SECURE_SOCK_SOCK_SECURE_H
#define SECURE_SOCK_SOCK_SECURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/config.h"
#include "secure_sock/creds.h"
#include "secure_sock/error.h"
#include "secure_sock/transport.h"
#include "secure_sock/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Timeout value meaning "wait without limit". */
#define SOCK_SECURE_NO_TIMEOUT UINT32_MAX

/** @name RFC 7252 §9.1.3 and other suites, by IANA id */
/** @{ */
#define SOCK_SECURE_PSK_AES_128_CCM_8          0xC0A8u /**< TLS_PSK_WITH_AES_128_CCM_8 (CoAP) */
#define SOCK_SECURE_PSK_AES_128_CCM            0xC0A4u /**< TLS_PSK_WITH_AES_128_CCM */
#define SOCK_SECURE_PSK_AES_128_GCM_SHA256     0x00A8u /**< TLS_PSK_WITH_AES_128_GCM_SHA256 */
#define SOCK_SECURE_PSK_CHACHA20_POLY1305      0xCCABu /**< TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 */
#define SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8  0xC0AEu /**< ..._ECDHE_ECDSA_WITH_AES_128_CCM_8 (CoAP) */
#define SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM    0xC02Bu /**< ..._ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
#define SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM    0xC02Cu /**< ..._ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                                                            (not in the default list) */
/** @} */

/** What an event callback is told. */
typedef enum {
    SOCK_SECURE_EV_CONNECTED = 1, /**< handshake complete; the session can send and receive */
    SOCK_SECURE_EV_DATA = 2,      /**< a decrypted record waits: read it with
                                       sock_secure_session_recv() or sock_secure_recv_any() */
    SOCK_SECURE_EV_CLOSED = 3,    /**< the peer sent close_notify */
    SOCK_SECURE_EV_ERROR = 4,     /**< the session failed (handshake failure, timeout, alert,
                                       a client's peer unreachable: -ECONNREFUSED...) */
    SOCK_SECURE_EV_EXPIRED = 5,   /**< we ended it: idle timeout, handshake deadline or a
                                       handshake stalled past handshake_stall_ms (err
                                       -ETIMEDOUT), eviction from a full table
                                       (SOCK_SECURE_E_EVICTED), or a stalled handshake displaced
                                       by a new peer (SOCK_SECURE_E_DISPLACED) */
    SOCK_SECURE_EV_RENEWED = 6,   /**< a renegotiation of the session (sock_secure_renew(), or
                                       one the peer started) completed: every record sent or
                                       received from now on is under the new keys */
} sock_secure_event_t;

/** Why a server turned a new peer away (sock_secure_refused_cb_t). */
typedef enum {
    SOCK_SECURE_REFUSED_PER_ADDR = 1,   /**< its address already holds max_half_open_per_addr
                                             handshakes (counted in drop_per_addr) */
    SOCK_SECURE_REFUSED_HALF_OPEN = 2,  /**< max_half_open handshakes run and none could be
                                             displaced (drop_half_open) */
    SOCK_SECURE_REFUSED_TABLE_FULL = 3, /**< every slot is busy and nothing could be displaced or
                                             evicted (drop_table_full) */
} sock_secure_refusal_t;

/** What a server does when a verified new peer arrives and every slot is busy. */
typedef enum {
    SOCK_SECURE_FULL_REFUSE = 0,    /**< drop the new peer's hello (counted in drop_table_full) */
    SOCK_SECURE_FULL_EVICT_LRU = 1, /**< close (close_notify) the established session that has
                                         been idle longest, and take its slot - only for a peer
                                         that proved its address (a valid cookie, or a TCP
                                         connection), and only when no stalled handshake can be
                                         displaced instead */
} sock_secure_full_policy_t;

/** Session states (sock_secure_session_info_t.state). */
typedef enum {
    SOCK_SECURE_ST_FREE = 0,      /**< slot unused */
    SOCK_SECURE_ST_HANDSHAKE = 1, /**< handshake in progress */
    SOCK_SECURE_ST_OPEN = 2,      /**< established */
    SOCK_SECURE_ST_CLOSED = 3,    /**< closed by the peer or failed; see last_error */
} sock_secure_state_t;

/** A secure socket (struct sock_secure below): storage is the caller's, fields are private. */
typedef struct sock_secure sock_secure_t;
/** One session slot of a socket (struct sock_secure_session below): opaque to applications. */
typedef struct sock_secure_session sock_secure_session_t;

/**
 * Event callback, called from inside sock_secure_process() (and so from the blocking calls).
 * It may call sock_secure_session_recv() and sock_secure_recv_any() with timeout 0,
 * sock_secure_session_send() and sock_secure_session_close(), but not sock_secure_close().
 * @p err is the error for SOCK_SECURE_EV_ERROR (else 0). The session pointer stays valid during
 * the call.
 */
typedef void (*sock_secure_event_cb_t)(sock_secure_t *sock, sock_secure_session_t *session,
                                       sock_secure_event_t event, int err, void *arg);

/**
 * Server: called from inside sock_secure_process() when a new peer that proved its address (a
 * valid cookie, or a TCP connection) is turned away, for logging. @p peer (valid during the call)
 * is its endpoint, @p why the reason. No session exists for it; the callback must not call
 * sock_secure_close().
 */
typedef void (*sock_secure_refused_cb_t)(sock_secure_t *sock, const sock_secure_ep_t *peer,
                                         sock_secure_refusal_t why, void *arg);

/**
 * Called from inside sock_secure_process() when the network reports an error about @p peer
 * (valid during the call) that ends no session, for logging: a datagram transport's error about
 * one peer (an ICMP port or host unreachable: -ECONNREFUSED, -EHOSTUNREACH, ...) that concerns a
 * server session (a server never ends a session for one: they are easy to forge) or no session
 * at all (counted in peer_errors). An error about the peer of a client session fails that session
 * instead (SOCK_SECURE_EV_ERROR with @p err). The callback must not call sock_secure_close().
 */
typedef void (*sock_secure_peer_error_cb_t)(sock_secure_t *sock, const sock_secure_ep_t *peer,
                                            int err, void *arg);

/**
 * Client sessions: the PSK to offer to @p remote, asked by sock_secure_connect() (per session,
 * instead of the config's psk[0] or the store's). Fill @p psk (identity and key pointers; their
 * bytes must stay valid and unchanged until the session's handshake has ended) and return 0, or
 * return a negative code, which sock_secure_connect() returns (no session is made). It is asked
 * before the handshake, so it never sees the server's PSK identity hint: see
 * sock_secure_psk_for_hint_t, whose choice replaces this one when the hint arrives.
 */
typedef int (*sock_secure_psk_select_t)(void *arg, const sock_secure_ep_t *remote,
                                        sock_secure_psk_t *psk);

/**
 * Client sessions: choose the PSK to offer from the server's PSK identity hint (RFC 4279 §2,
 * sent in its ServerKeyExchange). Called during the handshake, from inside the stack (so from
 * sock_secure_process() or a blocking call), once per handshake of a client session, when the
 * stack reads the server's ServerKeyExchange or, without one, when it needs the identity.
 * @p hint (valid during the call, not NUL-terminated, never to be kept) is the server's hint,
 * @p hint_len its length; a server that sent no hint (or an empty one) gives NULL and 0.
 * @p remote is the server (valid during the call). Returns:
 * - 0: @p psk is filled (identity and key pointers, lengths within the CONFIG_ limits); its
 *   bytes must stay valid and unchanged until the session's handshake has ended (the stack may
 *   copy the key, and zeroes its copies as it does for every PSK);
 * - 1: no choice: the session offers the PSK it had before the handshake (psk_select's, else
 *   psk[0] or the credential store's first); without one the handshake fails;
 * - a negative code: the handshake fails at once, the server gets a fatal internal_error alert
 *   and the session ends with this code (SOCK_SECURE_EV_ERROR, sock_secure_connect()'s return,
 *   sock_secure_session_info().last_error); other sessions are not affected.
 * A PSK outside the limits ends the handshake the same way with -EINVAL.
 */
typedef int (*sock_secure_psk_for_hint_t)(void *arg, const sock_secure_ep_t *remote,
                                          const uint8_t *hint, size_t hint_len,
                                          sock_secure_psk_t *psk);

/** Clock source: milliseconds from any fixed origin, never decreasing. */
typedef uint64_t (*sock_secure_clock_t)(void *arg);

/** Version of the public structs' layout: bumped whenever a field of sock_secure_config_t,
 *  sock_secure_t, sock_secure_session_t or sock_secure_creds_t moves or changes its type (their
 *  sizes are compared as well, see sock_secure_abi_t). */
#define SOCK_SECURE_ABI_VERSION 3u /* 3: 32-bit session timestamps, the input in the socket, psk_for_hint */

/**
 * The memory layout a translation unit was compiled with. The public structs' sizes depend on
 * the CONFIG_* values of config.h, so an application compiled with other values than the library
 * would hand it memory of another size. sock_secure_config_init() records the application's view
 * (SOCK_SECURE_ABI, computed in the application's own translation unit), and
 * sock_secure_create() refuses a configuration whose view is not the library's
 * (SOCK_SECURE_E_ABI) before it writes anything.
 */
typedef struct {
    uint32_t version;      /**< SOCK_SECURE_ABI_VERSION */
    uint32_t sock_size;    /**< sizeof(sock_secure_t) */
    uint32_t session_size; /**< sizeof(sock_secure_session_t) */
    uint32_t config_size;  /**< sizeof(sock_secure_config_t) */
    uint32_t creds_size;   /**< sizeof(sock_secure_creds_t) */
} sock_secure_abi_t;

/**
 * Everything sock_secure_create() needs. Start from sock_secure_config_init() (a configuration
 * that did not is refused with SOCK_SECURE_E_ABI) and set what you need. Pointers are kept until
 * sock_secure_close(): their targets are caller-owned.
 */
typedef struct {
    sock_secure_abi_t abi;              /**< set by sock_secure_config_init(); leave it alone
                                             (first, so any version of the library finds it) */
    sock_secure_role_t role;            /**< SOCK_SECURE_CLIENT, _SERVER or _CLIENT_SERVER */
    sock_secure_transport_t *transport;                  /**< open transport (caller-owned, not closed by us) */
    sock_secure_session_t *sessions;    /**< session slots (caller-owned array) */
    size_t session_count;               /**< number of slots (>= 1) */
    const char *backend;                /**< driver name, NULL = the first registered */
    const sock_secure_psk_t *psk;       /**< PSKs: a client offers psk[0]; a server accepts all */
    size_t psk_count;                   /**< number of PSKs */
    sock_secure_psk_lookup_t psk_lookup; /**< server: optional lookup for other identities */
    void *psk_lookup_arg;               /**< passed to psk_lookup */
    sock_secure_psk_select_t psk_select; /**< client: optional choice of the PSK per session
                                             (instead of psk[0]); needs
                                             SOCK_SECURE_CAP_PSK_PER_SESSION */
    void *psk_select_arg;               /**< passed to psk_select */
    sock_secure_psk_for_hint_t psk_for_hint; /**< client: optional choice of the PSK from the
                                             server's identity hint, during the handshake
                                             (see the type); needs
                                             SOCK_SECURE_CAP_PSK_FOR_HINT (not mbedTLS 2.28) */
    void *psk_for_hint_arg;             /**< passed to psk_for_hint */
    const char *psk_hint;               /**< server: identity hint to send (NUL-terminated);
                                             needs SOCK_SECURE_CAP_PSK_HINT (not mbedTLS 2.28) */
    const sock_secure_creds_t *creds;   /**< credential store (caller-owned), may be NULL */
    const uint32_t *cred_tags;          /**< the store's tags this socket uses */
    size_t cred_tag_count;              /**< 0..CONFIG_SOCK_SECURE_MAX_CRED_TAGS */
    sock_secure_verify_t verify;        /**< peer verification (default: see the type) */
    const char *server_name;            /**< client: whom the server's certificate must name
                                             (when the server is verified), per connection
                                             overridable by sock_secure_connect_to():
                                             "host": a DNS name (dNSName SAN, else the CN),
                                             also sent as SNI; NULL: the address connected to,
                                             matched only against iPAddress SANs (an
                                             IPv4-mapped address as IPv4); "" (explicit
                                             opt-out): no identity check at all, any
                                             certificate the CAs issued is accepted */
    sock_secure_verify_cb_t verify_cb;  /**< optional extra check of peer certificates */
    void *verify_arg;                   /**< passed to verify_cb */
    const uint16_t *suites;             /**< IANA ids in preference order, each in the suite
                                             table (sock_secure_suite()); NULL = the table's
                                             defaults: the PSK suites if PSKs are configured,
                                             then the ECDHE-ECDSA ones if certificates (or
                                             raw public keys: a key alone, pinned keys) are */
    size_t suite_count;                 /**< number of suites */
    uint32_t hs_timeout_initial_ms;     /**< RFC 6347 initial retransmission timeout */
    uint32_t hs_timeout_max_ms;         /**< cap of the doubling */
    uint32_t hs_max_retransmit;         /**< retransmissions before -ETIMEDOUT */
    size_t max_half_open;               /**< server: handshakes in progress at most (0 = as many
                                             as there are slots) */
    size_t max_half_open_per_addr;      /**< server: handshakes in progress from one address (any
                                             port) at most; 0 = CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR
                                             (at most max_half_open). A DTLS hello with a valid
                                             cookie or a TCP connection beyond it is refused
                                             (drop_per_addr) */
    uint32_t handshake_deadline_ms;     /**< server: a handshake older than this is dropped
                                             (0 = no deadline besides retransmission) */
    uint32_t handshake_stall_ms;        /**< server: a handshake whose peer has sent no new flight
                                             for this long (since the server's last flight or, on
                                             TCP, since the connection) is dropped (0 = none);
                                             default CONFIG_SOCK_SECURE_HS_STALL_MS */
    uint32_t idle_timeout_ms;           /**< an established session with no datagram from its
                                             peer for this long is closed (0 = never) */
    sock_secure_full_policy_t when_full; /**< server: refuse (default) or evict the LRU session */
    sock_secure_event_cb_t event_cb;    /**< optional event callback */
    void *event_arg;                    /**< passed to event_cb */
    sock_secure_refused_cb_t refused_cb; /**< server, optional: told of each refused new peer */
    void *refused_arg;                  /**< passed to refused_cb */
    sock_secure_clock_t clock;          /**< NULL = sock_secure_platform_now_ms() */
    void *clock_arg;                    /**< passed to clock */
    bool renegotiation;                 /**< renegotiation (RFC 5746 secure renegotiation
                                             only; needs SOCK_SECURE_CAP_RENEGOTIATION, else
                                             create fails with -ENOTSUP): sock_secure_renew()
                                             starts one and the peer may start one. Default
                                             false: renew returns -ENOTSUP and a peer's attempt
                                             is refused (no_renegotiation warning); a DTLS
                                             session can only be saved (sock_secure_session_save)
                                             with it off */
    bool resumption;                    /**< abbreviated handshakes (needs
                                             SOCK_SECURE_CAP_RESUMPTION, else create fails
                                             with -ENOTSUP): a client asks servers for RFC 5077
                                             session tickets (sock_secure_session_export(),
                                             sock_secure_connect_resume()); a server issues
                                             them, protected by a key made at random at create
                                             until sock_secure_ticket_key() sets one. Default
                                             false: a client can still resume by session id
                                             with a server that caches sessions */
    sock_secure_peer_error_cb_t peer_error_cb; /**< optional: told of each error the network
                                             reports about a peer that ends no session (see
                                             the type), e.g. to log it */
    void *peer_error_arg;               /**< passed to peer_error_cb */
} sock_secure_config_t;

/** Socket-wide counters (sock_secure_stats()). */
typedef struct {
    uint32_t sessions_open;       /**< established sessions now */
    uint32_t sessions_handshake;  /**< handshakes in progress now */
    uint32_t handshakes_ok;       /**< handshakes completed */
    uint32_t handshakes_failed;   /**< handshakes that failed (incl. timeouts) */
    uint32_t hello_verify_sent;   /**< stateless HelloVerifyRequests sent */
    uint32_t retransmits;         /**< flights retransmitted on timeout */
    uint32_t datagrams_in;        /**< datagrams read from the transport */
    uint32_t datagrams_out;       /**< datagrams written */
    uint32_t drop_malformed;      /**< dropped: not a DTLS record from a new peer */
    uint32_t drop_unknown;        /**< dropped: for no session (and not a ClientHello) */
    uint32_t drop_table_full;     /**< dropped: ClientHello while every slot was busy */
    uint32_t drop_oversize;       /**< dropped: larger than CONFIG_SOCK_SECURE_MAX_DATAGRAM */
    uint32_t drop_bad_record;     /**< records the stack discarded (bad MAC, replay, ...) */
    uint32_t drop_half_open;      /**< dropped: verified hello while max_half_open were running */
    uint32_t bad_cookies;         /**< hellos whose cookie did not verify (answered again) */
    uint32_t expired_handshake;   /**< handshakes dropped at handshake_deadline_ms */
    uint32_t expired_idle;        /**< sessions closed after idle_timeout_ms */
    uint32_t evictions;           /**< sessions evicted from a full table */
    uint32_t peer_restarts;       /**< sessions replaced by a new handshake from the same peer */
    uint32_t drop_per_addr;       /**< refused: the peer's address held max_half_open_per_addr
                                       handshakes */
    uint32_t displaced;           /**< stalled handshakes displaced by a new peer */
    uint32_t expired_stall;       /**< handshakes dropped at handshake_stall_ms */
    uint32_t handshakes_resumed;  /**< of handshakes_ok, the abbreviated ones (a resumed
                                       session: sock_secure_connect_resume(), tickets) */
    uint32_t peer_errors;         /**< errors the network reported about a datagram peer
                                       (ICMP) that ended no session: about a server session
                                       (ignored: forgeable) or a peer without a session */
} sock_secure_stats_t;

/** Room for sock_secure_session_info_t.peer_subject, its NUL included. */
#define SOCK_SECURE_SUBJECT_MAX 256

/** What sock_secure_session_info() reports. */
typedef struct {
    sock_secure_state_t state; /**< where the session is */
    sock_secure_ep_t remote;          /**< the peer */
    uint16_t suite;            /**< IANA id of the negotiated suite, 0 before */
    const char *suite_name;    /**< its IANA name, "" before */
    const char *version;       /**< "DTLSv1.2" etc., "" before */
    uint8_t alert;             /**< last alert description */
    uint8_t alert_origin;      /**< sock_secure_alert_origin_t (NONE if no alert) */
    uint32_t verify;           /**< SOCK_SECURE_VFY_* bits: why the peer was not accepted */
    int last_error;            /**< why a CLOSED session ended, 0 if open */
    uint32_t handshake_ms;     /**< handshake duration, once established */
    uint32_t retransmits;      /**< flights this session retransmitted */
    uint64_t bytes_in;         /**< ciphertext bytes received */
    uint64_t bytes_out;        /**< ciphertext bytes sent */
    uint32_t datagrams_in;     /**< datagrams received */
    uint32_t datagrams_out;    /**< datagrams sent */
    uint32_t records_in;       /**< application records delivered */
    uint32_t records_out;      /**< application records sent (retransmits up to here: 0 with
                                    CONFIG_SOCK_SECURE_SESSION_STATS 0) */
    /** Server: the PSK identity the client authenticated with (a copy; not NUL-terminated; not a
     *  secret, it travels in clear), psk_identity_len bytes. Empty on a client, for a session
     *  without PSK, before the server found the key, or with CONFIG_SOCK_SECURE_SESSION_PSK_ID 0. */
    uint8_t psk_identity[CONFIG_SOCK_SECURE_PSK_ID_MAX];
    size_t psk_identity_len;     /**< bytes in psk_identity */
    bool psk_identity_truncated; /**< longer than CONFIG_SOCK_SECURE_SESSION_PSK_ID: cut there */
    /** The subject of the peer's certificate (its distinguished name as the stack formats it,
     *  NUL-terminated, cut to fit), while the session is open; "" for PSK, raw public keys, no
     *  certificate, or a backend without certificates. */
    char peer_subject[SOCK_SECURE_SUBJECT_MAX];
    bool resumed;              /**< its handshake resumed an earlier session (abbreviated);
                                    known while it is open (false once CLOSED) */
} sock_secure_session_info_t;

/** One session slot. Opaque: declare arrays of it, touch nothing inside. */
struct sock_secure_session {
    /** @cond PRIVATE */
    sock_secure_t *owner;
    sock_secure_ep_t remote;
    uint8_t state;
    uint16_t flags;
    uint16_t flight_retx;
    int16_t last_error;       /* every code the library reports fits (error.h: -1..-1016) */
    /* Timestamps are the clock's low 32 bits (ms): only differences of less than 2^32 ms
     * (49.7 days) are taken (core.h, ss_when), which stay right across the clock's wrap. */
    uint32_t active_ms;       /* the last datagram (servers, idle timeout) */
    union {                   /* one word for both: no RAM per session for admission */
        uint32_t handshake_ms; /* OPEN, CLOSED: the handshake's duration */
        uint32_t progress_ms;  /* HANDSHAKE: last progress, ms after started_ms */
    };
    union {                   /* the timers of a live session, or the report of an ended one */
        struct {              /* HANDSHAKE, OPEN */
            uint32_t rto_ms;
            uint32_t timer_ms;   /* the retransmission timer was armed (due rto_ms later) */
            uint32_t started_ms; /* the handshake started */
        };
        struct {              /* CLOSED: what the stack reported when the session ended */
            uint16_t suite;
            uint8_t alert;
            uint8_t alert_origin;
            uint32_t verify;
            const char *version;
        } ended;
    };
#if CONFIG_SOCK_SECURE_SESSION_PSK_ID > 0
    uint16_t psk_id_len;      /* server: the client's PSK identity (session_info), cut */
    bool psk_id_cut;
    uint8_t psk_id[CONFIG_SOCK_SECURE_SESSION_PSK_ID];
#endif
#if CONFIG_SOCK_SECURE_SESSION_STATS
    uint32_t retransmits;
    uint32_t dgrams_in, dgrams_out, records_in, records_out;
    uint64_t bytes_in, bytes_out;
#endif
    _Alignas(8) uint8_t drv[CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE];
    /** @endcond */
};

/** A secure socket. Opaque: touch nothing inside. */
struct sock_secure {
    /** @cond PRIVATE */
    const struct tlsman_driver *drv; /* the backend (tlsman.h); never shown to applications */
    sock_secure_config_t cfg;
    const sock_secure_suite_t *suites[CONFIG_SOCK_SECURE_MAX_SUITES];
    size_t suite_count;
    bool open;
    bool in_process;
    bool stream;
    uint8_t verify; /* resolved sock_secure_verify_t */
    uint8_t work;   /* which scans of the session table may find something (SW_* in core.h) */
    sock_secure_session_t *held;
    sock_secure_session_t *in_for; /* the session whose input in/in_len is (one at a time) */
    const uint8_t *in;
    size_t in_len;
    struct sock_secure_receiver *rcv; /* recv() waiting in process(), see engine.c */
    sock_secure_session_t *last; /* the established session the last datagram went to (engine.c) */
    size_t next_unread;
    sock_secure_stats_t stats;
#if CONFIG_SOCK_SECURE_SERVER
    size_t hello_len; /* the unverified hello's length in rx (SF_UNVERIFIED, server.c) */
#endif
#if CONFIG_SOCK_SECURE_RX_BUFFER
    uint8_t rx[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
#else
    uint8_t rx[13]; /* the first bytes of the next datagram, peeked: its DTLS record header */
#endif
#if CONFIG_SOCK_SECURE_EARLY_DATAGRAM > 0
    sock_secure_session_t *early; /* the handshaking session early[] is kept for, or NULL */
    size_t early_len;
    uint8_t early_buf[CONFIG_SOCK_SECURE_EARLY_DATAGRAM];
#endif
    _Alignas(8) uint8_t drv_ctx[CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE];
    /** @endcond */
};

/**
 * @brief Register the (D)TLS stacks built into this library (seed: secure_sock_init).
 * Idempotent: a second call does nothing and returns 0.
 * @return 0, or -ENOMEM if more than CONFIG_SOCK_SECURE_MAX_DRIVERS drivers were registered.
 */
int sock_secure_init(void);

/** What sock_secure_backend_info() reports about a registered backend. */
typedef struct {
    const char *name;    /**< its name for sock_secure_config_t.backend ("mbedtls", ...) */
    const char *version; /**< the stack's version string ("" if the driver gives none) */
    uint32_t caps;       /**< SOCK_SECURE_CAP_* that sock_secure_create() honours with it (TLS
                              only if the driver can also push refused stream output) */
} sock_secure_backend_info_t;

/**
 * @brief The name of the @p i-th registered backend (0: the default one, which a config with
 *        backend NULL uses), in the order they were registered.
 * @return a static string (the driver's), or NULL past the end.
 */
const char *sock_secure_backend_name(size_t i);

/**
 * @brief Describe the registered backend named @p name (NULL: the default one).
 * @param[out] info caller-owned; its strings are static (the driver's).
 * @return 0; -EINVAL if @p info is NULL; -ENOENT if no backend of that name is registered.
 */
int sock_secure_backend_info(const char *name, sock_secure_backend_info_t *info);

/** The layout of this translation unit (a sock_secure_abi_t initializer): what
 *  sock_secure_config_init() records. */
#define SOCK_SECURE_ABI                                                                        \
    { SOCK_SECURE_ABI_VERSION, (uint32_t)sizeof(sock_secure_t),                                \
      (uint32_t)sizeof(sock_secure_session_t), (uint32_t)sizeof(sock_secure_config_t),         \
      (uint32_t)sizeof(sock_secure_creds_t) }

/**
 * @brief What sock_secure_config_init() calls with the application's layout: fill @p cfg with
 *        the defaults if @p abi is the library's, else record only @p abi (so that
 *        sock_secure_create() refuses @p cfg) and write nothing else.
 * @return 0; -EINVAL on NULL; SOCK_SECURE_E_ABI if the layouts differ.
 */
int sock_secure_config_init_abi(sock_secure_config_t *cfg, const sock_secure_abi_t *abi);

/**
 * @brief Fill @p cfg with defaults: client, default backend, RFC 7252 default suite list,
 *        RFC 6347 timers from config.h, real-time clock; and record the layout the caller was
 *        compiled with (inline: sizeof is taken in the caller's translation unit). @p cfg is
 *        caller-owned.
 * @return 0; -EINVAL on NULL; SOCK_SECURE_E_ABI if the application was compiled with other
 *         CONFIG_* values than the library (sock_secure_create() then refuses @p cfg too).
 */
static inline int sock_secure_config_init(sock_secure_config_t *cfg)
{
    const sock_secure_abi_t abi = SOCK_SECURE_ABI;
    return sock_secure_config_init_abi(cfg, &abi);
}

/**
 * @brief Create a secure socket (seed: secure_sock_create).
 *
 * Checks everything before the network is touched: the backend exists and has the capabilities
 * the config needs (DTLS for a datagram transport, PSK for PSKs, X509 for certificates, RPK for
 * raw public keys: own key without certificate, or pinned peer keys, PSK_HINT for psk_hint);
 * every suite is in the suite table (sock_secure_suite()), usable on the transport and
 * implemented by the backend, and the backend is configured with exactly that list; credentials
 * are within limits and complete (a certificate needs its private key and they must match;
 * required verification needs trust anchors as soon as any listed suite authenticates the
 * server with a certificate); every field is one the role and the backend can honour.
 * @param[out] sock caller-owned storage; valid until sock_secure_close().
 * @param cfg  copied; the pointers inside it are kept (see sock_secure_config_t).
 * @return 0; SOCK_SECURE_E_ABI if @p cfg was not made by sock_secure_config_init() in a program
 *         compiled with the library's CONFIG_* values and headers (checked first: nothing is
 *         written); -EINVAL for a NULL/invalid argument (no transport, no sessions, no credentials, bad
 *         timers, oversized PSK, a certificate without its key, verification required without a
 *         CA, more than CONFIG_SOCK_SECURE_MAX_CRED_TAGS tags, a tag listed twice, more
 *         credentials under the tags than CONFIG_SOCK_SECURE_CRED_MAX, a field of the other role
 *         (psk_hint or psk_lookup on a client, server_name, psk_select or psk_for_hint on a
 *         server), a
 *         verify_cb that could never run (verification off while a certificate suite is
 *         listed)); -ENOENT if sock_secure_init() was not called or the backend is unknown;
 *         -ENOTSUP if the backend lacks a needed capability (psk_hint without
 *         SOCK_SECURE_CAP_PSK_HINT, a server_name it cannot check, psk_select without
 *         SOCK_SECURE_CAP_PSK_PER_SESSION, psk_for_hint without SOCK_SECURE_CAP_PSK_FOR_HINT,
 *         SOCK_SECURE_CLIENT_SERVER without SOCK_SECURE_CAP_CLIENT_SERVER or
 *         CONFIG_SOCK_SECURE_CLIENT_SERVER, or with certificates; TLS over a stream transport
 *         needs SOCK_SECURE_CAP_TLS, see sock_secure_backend_info(); a transport without
 *         `peek` in a build without a receive buffer, CONFIG_SOCK_SECURE_RX_BUFFER 0), or a
 *         requested suite is not in the table, not usable on the transport or not implemented by
 *         the backend; SOCK_SECURE_E_CRED_MISMATCH if the key does not match the certificate;
 *         SOCK_SECURE_E_CRED_FORMAT/_TYPE for a credential the backend cannot use; -EMSGSIZE
 *         if the own certificate chain exceeds the largest handshake message the backend can
 *         send (an mbedTLS built with small records: docs/DEVICE.md);
 *         -ENOMEM or SOCK_SECURE_E_BACKEND if the stack failed to set up.
 */
int sock_secure_create(sock_secure_t *sock, const sock_secure_config_t *cfg);

/**
 * @brief Client (or client-server): start a handshake with @p remote in a free session slot
 *        (seed: secure_sock_connect).
 *
 * A verified server certificate must name the config's server_name or, without one, carry
 * @p remote's address as an iPAddress subjectAltName (see sock_secure_connect_to()). With a
 * psk_select callback the session offers the PSK it picks (a psk_for_hint callback may change
 * it when the server's hint arrives; its error is then this call's). On a SOCK_SECURE_CLIENT_SERVER socket
 * the session is a client session: the server's admission limits do not count it, it is never
 * displaced or evicted for a new peer, and accept() does not report it.
 * @param remote copied.
 * @param[out] session the new session (a slot of the caller's array), set even on -EINPROGRESS.
 * @param timeout_ms 0 = non-blocking: return -EINPROGRESS at once; SOCK_SECURE_EV_CONNECTED or
 *        SOCK_SECURE_EV_ERROR tells the outcome. Otherwise wait up to this long; if it runs out
 *        first the session is abandoned (slot freed) and -ETIMEDOUT returned.
 * @return 0 when established; -EINPROGRESS (non-blocking); -EINVAL (NULL, a server socket,
 *         or psk_select gave an invalid PSK); -ENOMEM (no free slot); psk_select's error;
 *         -ETIMEDOUT (timeout or retransmission budget exhausted: nothing
 *         answered); SOCK_SECURE_E_ALERT / _HANDSHAKE / _PSK_IDENTITY / _NO_SUITE / _VERIFY on
 *         failure (sock_secure_session_info() then has the alert and the SOCK_SECURE_VFY_* bits;
 *         the slot stays CLOSED until sock_secure_session_close()); -ECONNREFUSED,
 *         -EHOSTUNREACH, -ENETUNREACH... as soon as the transport reports that error about
 *         @p remote (the network's ICMP answer for DTLS: nothing listens on its port; TCP: the
 *         connection failed), without waiting for the handshake timeout (the slot stays CLOSED
 *         as above); -ENOTSUP if the server is verified and the backend cannot check its name
 *         or address.
 */
int sock_secure_connect(sock_secure_t *sock, const sock_secure_ep_t *remote,
                        sock_secure_session_t **session, uint32_t timeout_ms);

/**
 * @brief sock_secure_connect() expecting @p server_name (NUL-terminated, copied by the backend)
 *        in the server's certificate instead of the config's server_name; NULL = the config's.
 *
 * What the server must prove when its certificate is verified (the config's server_name, when
 * @p server_name is NULL, follows the same rule):
 * - a name ("coap.example"): a dNSName subjectAltName (or the CN without any) must match it; it
 *   is also sent as SNI. The text is always taken as a DNS name, even if it looks like an
 *   address;
 * - NULL (no name anywhere, the default): @p remote's address must be one of the certificate's
 *   iPAddress subjectAltNames (RFC 5280 §4.2.1.6); dNSNames and the CN never match an address
 *   (RFC 6125), and an IPv4-mapped IPv6 address matches its IPv4 entry. No SNI is sent;
 * - "" (empty): no identity check. Any certificate that chains to a trusted CA is accepted, so
 *   any holder of one can impersonate the server: only for a private CA that issues certificates
 *   to your servers alone.
 * A mismatch fails the handshake (SOCK_SECURE_E_VERIFY, sock_secure_session_info().verify has
 * SOCK_SECURE_VFY_NAME_MISMATCH, the server receives bad_certificate); with
 * SOCK_SECURE_VERIFY_OPTIONAL it is only reported.
 * @return as sock_secure_connect(); -EINVAL for a name longer than 255 bytes; -ENOTSUP if the
 *         backend cannot check the name or the address.
 */
int sock_secure_connect_to(sock_secure_t *sock, const sock_secure_ep_t *remote, const char *server_name,
                           sock_secure_session_t **session, uint32_t timeout_ms);

/**
 * @brief Client: copy what lets a later connection resume established @p session (an
 *        abbreviated handshake: no key exchange, no certificate) into @p buf.
 *
 * The blob holds the session's master secret, its session id or ticket, the suite and what
 * was verified of the server: whoever has it can decrypt what a connection resumed from it
 * carries. Keep it where the device keeps its keys (docs/SECURITY.md, "Resumption and saved
 * sessions"); the library zeroes every copy it made. Its format is the backend's: resume it
 * with the same backend. It may be exported at any time while the session is open, and used
 * any number of times until the server forgets it (the server's cache or ticket lifetime).
 * @param session an established client session (not kept).
 * @param buf caller-owned, receives the blob; SOCK_SECURE_SESSION_EXPORT_MAX bytes always do.
 * @return its length (> 0); -EINVAL (NULL); -ENOTCONN (not established); -ENOTSUP (a server
 *         session, or a backend without SOCK_SECURE_CAP_RESUMPTION); -EMSGSIZE (@p len too
 *         small: nothing usable written).
 */
int sock_secure_session_export(sock_secure_session_t *session, void *buf, size_t len);

/**
 * @brief Client: sock_secure_connect_to() offering the session in @p blob (from
 *        sock_secure_session_export(), same backend) for resumption.
 *
 * If the server still knows it, the handshake is abbreviated (one round trip, no key exchange,
 * no certificate: sock_secure_session_info().resumed, stats handshakes_resumed); the identity
 * the blob's server proved when the session was made stands for this one, so offer a blob only
 * to the server (or pool of servers sharing ticket keys) that issued it. If not, the server
 * answers with a full handshake, checked as for sock_secure_connect_to(). @p blob is read during
 * the call and not kept (the caller owns it and zeroes it when done).
 * @return as sock_secure_connect_to(); -EINVAL also for a blob the backend does not recognise
 *         (no session started: connect without it); -ENOTSUP if the backend cannot resume.
 */
int sock_secure_connect_resume(sock_secure_t *sock, const sock_secure_ep_t *remote,
                               const char *server_name, const void *blob, size_t blob_len,
                               sock_secure_session_t **session, uint32_t timeout_ms);

/**
 * @brief Save established DTLS @p session to @p buf and free its slot (keys zeroed), without a
 *        word to the peer: a device that powers down keeps its session there and restores it
 *        later with sock_secure_session_restore(), without a handshake.
 *
 * The blob is the whole connection: keys, sequence numbers, replay window. Restore it ONCE:
 * a second restore of the same blob would send records under sequence numbers already used
 * (nonce reuse: the peer drops them as replays, and AEAD keys are weakened). Keep it as you keep
 * keys (docs/SECURITY.md, "Resumption and saved sessions"). Needs SOCK_SECURE_CAP_SAVE_RESTORE
 * and a socket without renegotiation.
 * @param session an established DTLS session with no unread record (read it first); invalid
 *        after success.
 * @param buf caller-owned, receives the blob; SOCK_SECURE_SESSION_EXPORT_MAX bytes always do.
 * @return its length (> 0; the session is gone); -EINVAL (NULL); -ENOTCONN (not established);
 *         -ENOTSUP (TLS, a backend without it, cfg.renegotiation set); -EBUSY (a record or
 *         input waits: read it, process, call again; a DTLS server's session until the
 *         client's first record shows that the handshake's last flight arrived); -EMSGSIZE
 *         (@p len too small: the session goes on untouched).
 */
int sock_secure_session_save(sock_secure_session_t *session, void *buf, size_t len);

/**
 * @brief Bring back a session that sock_secure_session_save() wrote (on a socket with the same
 *        configuration and backend) as an established session with @p remote: records flow at
 *        once, no handshake, no event.
 *
 * On success @p blob is zeroed (it must never be restored twice). A peer that dropped the
 * session meanwhile cannot say so over DTLS (it ignores records of a connection it does not
 * know): the application notices the silence (its own timeout), closes the session and connects
 * anew, with sock_secure_connect_resume() if it kept an exported session.
 * @param blob caller-owned, zeroed once the backend has taken it (success, or a blob the backend
 *        refused); untouched on the other errors.
 * @param[out] session the restored session (a slot of the caller's array).
 * @return 0; -EINVAL (NULL, a blob the backend refused, @p remote already has a session);
 *         -ENOTSUP (a stream socket, a backend without it, cfg.renegotiation set); -ENOMEM (no
 *         free slot).
 */
int sock_secure_session_restore(sock_secure_t *sock, const sock_secure_ep_t *remote, void *blob,
                                size_t len, sock_secure_session_t **session);

/**
 * @brief Server (sock_secure_config_t.resumption): protect new session tickets with @p key
 *        (SOCK_SECURE_TICKET_KEY_LEN random bytes, copied). The key it replaces stays valid for
 *        the tickets issued under it, so rotating (calling this again with a fresh key, e.g.
 *        daily) never fails a ticket less than one period old; older tickets fall back to a full
 *        handshake. Servers of a pool that share their keys resume each other's sessions. The
 *        keys are zeroed at sock_secure_close(); zero your copy once every server has it.
 * @return 0; -EINVAL (NULL, closed socket, @p len not SOCK_SECURE_TICKET_KEY_LEN); -ENOTSUP (a
 *         client socket, or resumption not configured).
 */
int sock_secure_ticket_key(sock_secure_t *sock, const uint8_t *key, size_t len);

/**
 * @brief Server: wait for the next session whose handshake completed (seed:
 *        sock_secure_listen). Each session is reported once, here or by the CONNECTED event.
 * @param[out] session the new session.
 * @return 0; -EAGAIN (timeout 0, none yet); -ETIMEDOUT; -EINVAL (NULL, not a server socket).
 */
int sock_secure_accept(sock_secure_t *sock, sock_secure_session_t **session,
                       uint32_t timeout_ms);

/**
 * @brief Encrypt @p data as one record and send it on @p session (seed: secure_sock_send).
 *
 * DTLS: one call, one record, all or nothing. TLS (stream transports): returns how many bytes
 * were accepted, possibly fewer than @p len (at most one record's worth per call); accepted
 * bytes are delivered in order even if the transport refuses them for now (they are flushed by
 * sock_secure_process() when it can take them); -EAGAIN means nothing was accepted.
 * @param data caller-owned, not kept. @p len 0 sends nothing and returns 0.
 * @return @p len (DTLS) or the bytes accepted (TLS); -EINVAL (NULL); -ENOTCONN (not established,
 *         closed or closing); -EMSGSIZE (DTLS) if @p len exceeds sock_secure_max_payload();
 *         -EAGAIN if the transport would block; another negative code if the session failed.
 */
int sock_secure_session_send(sock_secure_session_t *session, const void *data, size_t len);

/**
 * @brief Receive one decrypted record from @p session only (seed: secure_sock_recv /
 *        sock_secure_read), waiting up to @p timeout_ms.
 *
 * DTLS: a record is never truncated: if it is larger than @p len, -EMSGSIZE is returned and the
 * record stays queued (sock_secure_session_pending() gives its size). TLS: returns the decrypted
 * bytes that are there, up to @p len (stream semantics: record boundaries are not message
 * boundaries); the rest stays for the next call. Records of other sessions stay queued for
 * them, and handshakes of other peers progress meanwhile.
 * @param session a session of an open socket (not kept).
 * @param buf caller-owned, receives the plaintext.
 * @return the record length (>= 0); -EAGAIN (timeout 0, nothing ready); -ETIMEDOUT;
 *         -EMSGSIZE (see above); -EINVAL (NULL session, NULL buf with len > 0, a free slot or a
 *         closed socket); SOCK_SECURE_E_PEER_CLOSED (the peer closed); -EBUSY (input waits
 *         behind another session's unread record: read that one first); once the session has
 *         ended, the error that ended it (at every call: the slot stays CLOSED), or -ENOTCONN.
 */
int sock_secure_session_recv(sock_secure_session_t *session, void *buf, size_t len,
                             uint32_t timeout_ms);

/**
 * @brief Receive one decrypted record from whichever session has one, waiting up to
 *        @p timeout_ms: a server's loop over all its peers.
 *
 * Sessions with unread records take turns, so no peer starves the others. A session that ended
 * since the last report is reported once, here: its error is returned and @p from names it. The
 * record rules are those of sock_secure_session_recv().
 * @param[out] from the session that delivered (or ended), NULL when no session is involved
 *        (-EAGAIN, -ETIMEDOUT, -EINVAL, a socket-wide failure); may be NULL. Only an output: what
 *        it held before the call is ignored.
 * @param buf caller-owned, receives the plaintext.
 * @return the record length (>= 0) and @p from; -EAGAIN (timeout 0, nothing ready);
 *         -ETIMEDOUT; -EMSGSIZE (the record of *from is larger than @p len: it stays queued);
 *         -EINVAL (NULL or closed socket, NULL buf with len > 0); the error that ended *from
 *         (SOCK_SECURE_E_PEER_CLOSED, ...).
 */
int sock_secure_recv_any(sock_secure_t *sock, sock_secure_session_t **from, void *buf, size_t len,
                         uint32_t timeout_ms);

/**
 * @brief Size of the decrypted record waiting on @p session (seed:
 *        secure_sock_record_check_pending). If > 0, the next recv on it does not block. May let
 *        the stack process input it already holds (hence not const).
 * @return the size (> 0), 0 if none, -EINVAL on NULL.
 */
int sock_secure_session_pending(sock_secure_session_t *session);

/**
 * @brief One non-blocking step: read every datagram the transport has, advance handshakes, fire
 *        expired timers, dispatch events (seed: sock_secure_update / sock_secure_handshake).
 * A decrypted record waits with its session until it is read (DATA event): no record is dropped
 * for want of a buffer, and that session's further input waits too (a TCP connection is paused),
 * while the other sessions go on.
 * @return the number of events dispatched (>= 0), -EINVAL on NULL/closed socket, -EIO if the
 *         transport failed.
 */
int sock_secure_process(sock_secure_t *sock);

/**
 * @brief Milliseconds until sock_secure_process() has timer work (for poll/epoll/RTOS loops).
 * @return 0 if there is work now (or an unread record), SOCK_SECURE_NO_TIMEOUT if no timer runs.
 */
uint32_t sock_secure_next_timeout(const sock_secure_t *sock);

/**
 * @brief Start a renegotiation of established @p session (seed: secure_sock_renew): a new
 *        handshake under the current keys that replaces them (RFC 5746 secure renegotiation).
 *
 * Needs sock_secure_config_t.renegotiation. The call returns at once; sock_secure_process()
 * runs the handshake, retransmitting as for a first one (a peer that never answers ends the
 * session with -ETIMEDOUT after hs_max_retransmit), and raises SOCK_SECURE_EV_RENEWED when the
 * new keys are in use. Meanwhile the session stays OPEN and no record is lost: records the peer
 * sent before it saw the new handshake are delivered; sock_secure_session_send() returns -EAGAIN
 * (nothing taken) until the new keys are in use; a peer that keeps sending under the old keys
 * while it renegotiates (no stack we know does) would have those records dropped by the DTLS
 * stack. A server's renegotiation starts with a HelloRequest, which the client may ignore: the
 * session then goes on under its keys and no event comes (and renew returns -EALREADY on it
 * from then on). A client whose server refuses (a no_renegotiation alert: no RFC 5746, or
 * renegotiation off) cannot go back to its old keys on mbedTLS: the session ends with
 * SOCK_SECURE_E_ALERT (sock_secure_session_info(): alert 100, received); reconnect.
 * @return 0 (started); -EALREADY (one is running); -ENOTSUP (the backend cannot, or the socket
 *         was created without renegotiation); -ENOTCONN (not established); -EINVAL (NULL).
 */
int sock_secure_renew(sock_secure_session_t *session);

/**
 * @brief Send close_notify (if established), zero the session's keys and free its slot
 *        (seed: secure_sock_stop). The pointer is invalid afterwards.
 *
 * TLS: everything send() accepted goes out before close_notify, and close_notify before the
 * connection is closed. While the transport refuses output this returns -EAGAIN and the session
 * takes no new data (send: -ENOTCONN); call again after sock_secure_process() / a wait.
 * sock_secure_close() does not wait: it drops what is still queued.
 * @return 0; -EAGAIN (TLS, see above); -EINVAL on NULL / a slot that is already free.
 */
int sock_secure_session_close(sock_secure_session_t *session);

/**
 * @brief Close every session (close_notify), free the backend's state and zero keys. The transport
 *        is not closed (the caller owns it). Calling it twice is harmless.
 */
void sock_secure_close(sock_secure_t *sock);

/** @brief Fill @p info about @p session (the stack is asked: not const). @return 0 or -EINVAL on
 *         NULL / free slot. */
int sock_secure_session_info(sock_secure_session_t *session, sock_secure_session_info_t *info);

/** @brief Copy the socket's counters. @return 0 or -EINVAL on NULL. */
int sock_secure_stats(const sock_secure_t *sock, sock_secure_stats_t *stats);

/** @brief Largest plaintext one send can carry on @p session (the stack is asked: not const).
 *  @return bytes, or -ENOTCONN/-EINVAL. */
int sock_secure_max_payload(sock_secure_session_t *session);

/**
 * @brief Whether an error code ends the session (seed: secure_sock_error_is_fatal).
 * -EAGAIN, -EINPROGRESS, -EMSGSIZE, -EBUSY, -EINVAL, -EALREADY and 0/positive are not fatal; every
 * TLS failure, -ETIMEDOUT from a handshake, -ENOTCONN and SOCK_SECURE_E_PEER_CLOSED are.
 */
bool sock_secure_error_is_fatal(int err);

/** @brief A static English description of @p err (never NULL). */
const char *sock_secure_strerror(int err);

/** @brief The first reason named by SOCK_SECURE_VFY_* @p flags ("unknown CA", "expired", ...),
 *         "ok" for 0. */
const char *sock_secure_verify_reason(uint32_t flags);

/** @brief RFC 5246 name of a TLS alert ("decrypt_error"), "unknown_alert" if unknown. */
const char *sock_secure_alert_name(uint8_t alert);

/** @brief IANA id of a suite name (IANA "TLS_PSK_WITH_AES_128_CCM_8" or OpenSSL
 *         "PSK-AES128-CCM8"), from the suite table. @return the id (> 0) or -ENOENT (always
 *         in a build with CONFIG_SOCK_SECURE_SUITE_NAMES 0). */
int sock_secure_suite_from_name(const char *name);

/** @brief IANA name of a suite id, NULL if it is not in the suite table. A session's reported
 *         suite (sock_secure_session_info_t.suite) always has one ("" in a build with
 *         CONFIG_SOCK_SECURE_SUITE_NAMES 0). */
const char *sock_secure_suite_name(uint16_t suite);

/**
 * @brief The suite table's entry for IANA id @p suite: every suite secure_sock can negotiate,
 *        with its names, key exchange, cipher and SOCK_SECURE_SUITE_* facts.
 * @return a static entry (never to be freed), or NULL if the id is not in the table (such an id
 *         is refused by sock_secure_create() with -ENOTSUP whatever the backend).
 */
const sock_secure_suite_t *sock_secure_suite(uint16_t suite);

/** @brief The @p i-th entry of the suite table (default preference order), NULL past the end. */
const sock_secure_suite_t *sock_secure_suite_at(size_t i);

/**
 * @brief Can a socket on the backend named @p backend (NULL: the default one) use suite @p suite
 *        over a datagram (@p datagram true) or stream transport? True only for an id of the
 *        suite table, usable on that transport, that the backend implements: what
 *        sock_secure_create() checks for each listed suite. An unknown backend gives false.
 */
bool sock_secure_suite_supported(const char *backend, uint16_t suite, bool datagram);

/** @brief Default clock: monotonic milliseconds. Provided by src/platform/ on POSIX; an MCU port
 *         defines it. */
uint64_t sock_secure_platform_now_ms(void *arg);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_SOCK_SECURE_H */
