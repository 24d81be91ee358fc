/**
 * @file tlsman.h
 * @brief TLSMAN: the contract between the secure_sock core and a (D)TLS stack.
 *
 * A driver (a folder `src/tlsman/<stack>/`, exporting one `const tlsman_driver_t tlsman_<stack>`,
 * registered by sock_secure_init() or sock_secure_register()) never owns a socket: ciphertext
 * goes in and out through the core's tlsman_io_t callbacks (the "memory BIO" pattern), and the
 * core owns every timer. The core gives each driver two opaque,
 * max-aligned areas it keeps in caller-provided memory: `ctx` per socket (ctx_size bytes) and
 * `sess` per session (session_size bytes). What a driver allocates beyond them is its own business
 * and is documented in docs/BACKENDS.md. All driver functions return 0/positive on success and a
 * code from error.h on failure; they never block.
 *
 * This is the driver writers' header: applications include sock_secure.h, which shares only
 * types.h with it and names drivers instead of handing them out.
 */
#ifndef SECURE_SOCK_TLSMAN_H
#define SECURE_SOCK_TLSMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/creds.h"
#include "secure_sock/error.h"
#include "secure_sock/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Capability flags (tlsman_driver_t.caps): types.h's SOCK_SECURE_CAP_* under the
 *        contract's names. Asking for a missing one fails at create. */
/** @{ */
#define TLSMAN_CAP_DTLS          SOCK_SECURE_CAP_DTLS          /**< DTLS 1.2 over datagrams */
#define TLSMAN_CAP_TLS           SOCK_SECURE_CAP_TLS           /**< TLS 1.2 over streams */
#define TLSMAN_CAP_TLS13         SOCK_SECURE_CAP_TLS13         /**< TLS 1.3 */
#define TLSMAN_CAP_PSK           SOCK_SECURE_CAP_PSK           /**< pre-shared keys (RFC 4279) */
#define TLSMAN_CAP_X509          SOCK_SECURE_CAP_X509          /**< certificates */
#define TLSMAN_CAP_RPK           SOCK_SECURE_CAP_RPK           /**< raw public keys (RFC 7250) */
#define TLSMAN_CAP_RESUMPTION    SOCK_SECURE_CAP_RESUMPTION    /**< session resumption */
#define TLSMAN_CAP_RENEGOTIATION SOCK_SECURE_CAP_RENEGOTIATION /**< renegotiation (renew) */
#define TLSMAN_CAP_CID           SOCK_SECURE_CAP_CID           /**< DTLS connection ID (RFC 9146) */
#define TLSMAN_CAP_SAVE_RESTORE  SOCK_SECURE_CAP_SAVE_RESTORE  /**< session serialisation */
#define TLSMAN_CAP_PSK_HINT      SOCK_SECURE_CAP_PSK_HINT      /**< a server sends
                                                                    tlsman_config_t.psk_hint (RFC
                                                                    4279 identity hint in its
                                                                    ServerKeyExchange) */
#define TLSMAN_CAP_PSK_PER_SESSION SOCK_SECURE_CAP_PSK_PER_SESSION /**< set_psk() per client
                                                                        session */
#define TLSMAN_CAP_PSK_FOR_HINT  SOCK_SECURE_CAP_PSK_FOR_HINT  /**< a client session asks
                                                                    io->psk_for_hint with the
                                                                    server's hint when the stack
                                                                    needs the identity */
#define TLSMAN_CAP_CLIENT_SERVER SOCK_SECURE_CAP_CLIENT_SERVER /**< a socket of role
                                                                    TLSMAN_CLIENT_SERVER: server
                                                                    and client sessions side by
                                                                    side */
/** @} */

/** Key exchange of a cipher suite (tlsman_suite_t.kx): sock_secure_kx_t. */
typedef sock_secure_kx_t tlsman_kx_t;
#define TLSMAN_KX_PSK         SOCK_SECURE_KX_PSK         /**< plain PSK (RFC 4279 §2) */
#define TLSMAN_KX_ECDHE_ECDSA SOCK_SECURE_KX_ECDHE_ECDSA /**< ECDHE signed with ECDSA (RFC 8422) */

/** Record protection of a cipher suite (tlsman_suite_t.cipher): sock_secure_cipher_t. */
typedef sock_secure_cipher_t tlsman_cipher_t;
#define TLSMAN_CIPHER_AES_128_CCM_8     SOCK_SECURE_CIPHER_AES_128_CCM_8     /**< RFC 6655 */
#define TLSMAN_CIPHER_AES_128_CCM       SOCK_SECURE_CIPHER_AES_128_CCM       /**< RFC 6655 */
#define TLSMAN_CIPHER_AES_128_GCM       SOCK_SECURE_CIPHER_AES_128_GCM       /**< RFC 5288 */
#define TLSMAN_CIPHER_AES_256_GCM       SOCK_SECURE_CIPHER_AES_256_GCM       /**< RFC 5289 */
#define TLSMAN_CIPHER_CHACHA20_POLY1305 SOCK_SECURE_CIPHER_CHACHA20_POLY1305 /**< RFC 7905 */

/** @name Suite facts (tlsman_suite_t.flags): types.h's SOCK_SECURE_SUITE_* */
/** @{ */
#define TLSMAN_SUITE_CERT    SOCK_SECURE_SUITE_CERT    /**< the server proves itself with its key */
#define TLSMAN_SUITE_DTLS    SOCK_SECURE_SUITE_DTLS    /**< usable with DTLS 1.2 */
#define TLSMAN_SUITE_TLS     SOCK_SECURE_SUITE_TLS     /**< usable with TLS 1.2 */
#define TLSMAN_SUITE_DEFAULT SOCK_SECURE_SUITE_DEFAULT /**< in the default list */
/** @} */

/** One entry of the core's cipher suite table (types.h: sock_secure_suite_t). */
typedef sock_secure_suite_t tlsman_suite_t;

/** Which end of the handshake (types.h: sock_secure_role_t). */
typedef sock_secure_role_t tlsman_role_t;
#define TLSMAN_CLIENT SOCK_SECURE_CLIENT /**< starts the handshake */
#define TLSMAN_SERVER SOCK_SECURE_SERVER /**< answers it */
#define TLSMAN_CLIENT_SERVER SOCK_SECURE_CLIENT_SERVER /**< a socket of both: each session is one
                                                             or the other (server sessions get a
                                                             peer id at session_init, client
                                                             sessions none); needs
                                                             TLSMAN_CAP_CLIENT_SERVER */

/** Peer verification mode (types.h: sock_secure_verify_t), resolved by the core: a driver is
 *  never given DEFAULT. */
typedef sock_secure_verify_t tlsman_verify_t;
#define TLSMAN_VERIFY_DEFAULT  SOCK_SECURE_VERIFY_DEFAULT  /**< (user API only) */
#define TLSMAN_VERIFY_NONE     SOCK_SECURE_VERIFY_NONE     /**< do not ask for / check it */
#define TLSMAN_VERIFY_OPTIONAL SOCK_SECURE_VERIFY_OPTIONAL /**< check it if sent */
#define TLSMAN_VERIFY_REQUIRED SOCK_SECURE_VERIFY_REQUIRED /**< the peer must present one */

/** Application check of a peer certificate or raw public key (types.h:
 *  sock_secure_verify_cb_t). */
typedef sock_secure_verify_cb_t tlsman_verify_cb_t;

/** A credential handed to the driver at ctx_init (valid during the call: parse or copy it). */
typedef struct {
    uint8_t type;        /**< sock_secure_cred_type_t (never PSK) */
    const uint8_t *data; /**< PEM or DER bytes */
    size_t len;          /**< their length */
} tlsman_cred_t;

/** Where the last alert of a session came from (types.h: sock_secure_alert_origin_t). */
typedef sock_secure_alert_origin_t tlsman_alert_origin_t;
#define TLSMAN_ALERT_NONE     SOCK_SECURE_ALERT_NONE     /**< no alert seen */
#define TLSMAN_ALERT_SENT     SOCK_SECURE_ALERT_SENT     /**< we sent it */
#define TLSMAN_ALERT_RECEIVED SOCK_SECURE_ALERT_RECEIVED /**< the peer sent it */

/**
 * The core's side of the memory BIO and timers, one table for all sessions. `ctx` is the io_ctx
 * the core passed to session_init (its session).
 */
typedef struct {
    /** Send one datagram (or stream bytes). Returns @p len, -EAGAIN if it would block. */
    int (*send)(void *ctx, const uint8_t *buf, size_t len);
    /** Take the datagram the core received for this session (into @p buf: without a receive
     *  buffer in the core, CONFIG_SOCK_SECURE_RX_BUFFER 0, it is read from the transport right
     *  there, so pass the stack's input buffer). Returns its length, -EAGAIN if there is none,
     *  -EMSGSIZE if it does not fit @p len (it is then dropped). */
    int (*recv)(void *ctx, uint8_t *buf, size_t len);
    /** Arm (@p run true) or stop the retransmission timer. The core picks the interval
     *  (RFC 6347 §4.2.4) and calls tlsman_driver_t.timer_expired when it fires. */
    void (*timer)(void *ctx, bool run);
    /** Server: find the key for a PSK identity. Returns the key length (> 0) written to @p key,
     *  0 if the identity is unknown. */
    size_t (*psk)(void *ctx, const uint8_t *identity, size_t identity_len, uint8_t *key,
                  size_t key_max);
    /** A renegotiation of this established session completed: the new keys are in use. The core
     *  raises SOCK_SECURE_EV_RENEWED once the driver's call has returned. */
    void (*renewed)(void *ctx);
    /** Client sessions, when tlsman_config_t.psk_for_hint is set (never otherwise): the
     *  server's identity hint (@p hint, @p hint_len; NULL and 0 for none or an empty one) has
     *  arrived, or the stack needs the identity without one. Call it once per handshake, when
     *  the stack asks for the identity to send. Returns 0 with @p psk filled and checked (use
     *  it as set_psk's: keep the struct, its bytes stay valid until the handshake ends), 1 to
     *  keep the session's PSK (set_psk's, else tlsman_config_t.psk; none: fail), or a negative
     *  code: fail the handshake with a fatal internal_error alert (the core reports the
     *  callback's code, whatever the handshake step returns). */
    int (*psk_for_hint)(void *ctx, const uint8_t *hint, size_t hint_len, sock_secure_psk_t *psk);
} tlsman_io_t;

/**
 * Per-socket configuration handed to ctx_init; valid during the call only (copy what you keep).
 *
 * sock_secure_create() hands a driver only a configuration it has checked, so a driver checks
 * only what its own stack adds (src/tlsman/common.h, tlsman_ctx_plan(), checks the few things
 * that are the same for every driver but that the core cannot see). The core guarantees:
 * - role is TLSMAN_CLIENT or TLSMAN_SERVER, or TLSMAN_CLIENT_SERVER for a driver with
 *   TLSMAN_CAP_CLIENT_SERVER (PSKs, and raw public keys with TLSMAN_CAP_RPK: a private key
 *   without a chain, pinned peer keys only with that key; no certificates or CAs; verify
 *   REQUIRED or OPTIONAL only with pinned keys, for the sessions of both roles, else NONE: a
 *   driver then asks no client for a key in its server sessions); io and its six
 *   callbacks are set;
 * - suites holds 1 to CONFIG_SOCK_SECURE_MAX_SUITES entries of the suite table, each usable on
 *   this transport and accepted by the driver's suite_supported();
 * - psk is set on clients (and client-servers) only (NULL on a server), with an identity of 1
 *   to CONFIG_SOCK_SECURE_PSK_ID_MAX and a key of 1 to CONFIG_SOCK_SECURE_PSK_KEY_MAX bytes; it
 *   may be NULL with psk_per_session (each client session gets set_psk()) or psk_for_hint;
 * - psk_hint is set on servers only and only for a driver with TLSMAN_CAP_PSK_HINT: 1 to
 *   CONFIG_SOCK_SECURE_PSK_ID_MAX bytes, none of them NUL;
 * - creds holds at most CONFIG_SOCK_SECURE_CRED_MAX non-empty entries of valid types; a
 *   certificate chain comes with a private key; certificates and CAs only for a driver with
 *   TLSMAN_CAP_X509; a pinned peer key, or a private key without a chain, only with
 *   TLSMAN_CAP_RPK;
 * - verify is NONE, OPTIONAL or REQUIRED, never DEFAULT: a verifying server has trust anchors;
 *   a verifying client has them whenever a suite with TLSMAN_SUITE_CERT is listed (a client
 *   with only PSK suites and no anchors gets NONE); verify_cb is set only where it can run.
 */
typedef struct {
    tlsman_role_t role;         /**< client or server */
    bool datagram;              /**< DTLS (true) or TLS (false) */
    const tlsman_suite_t *const *suites; /**< entries of the core's suite table, in preference
                                              order, each one suite_supported() said yes to;
                                              never empty. Configure the stack with exactly
                                              these (the entries are static; the array is not) */
    size_t suite_count;         /**< number of suites */
    const sock_secure_psk_t *psk; /**< client: the PSK to offer; NULL for none */
    bool psk_per_session;       /**< client sessions get their PSK from set_psk() (the driver
                                     has it); psk is then only a default, maybe NULL */
    bool psk_for_hint;          /**< client sessions ask io->psk_for_hint for their PSK when
                                     the server's hint arrives (only for a driver with
                                     TLSMAN_CAP_PSK_FOR_HINT); psk is then only a default,
                                     maybe NULL */
    const uint8_t *psk_hint;    /**< server: identity hint to send, may be NULL (the core
                                     passes one only to a driver with TLSMAN_CAP_PSK_HINT) */
    size_t psk_hint_len;        /**< length of psk_hint */
    size_t mtu;                 /**< largest datagram to emit (DTLS) */
    const tlsman_io_t *io;      /**< the core's callbacks (static, valid for the socket's life) */
    const tlsman_cred_t *creds; /**< keys, certificate chains, CAs, pinned keys (not PSKs) */
    size_t cred_count;          /**< number of creds */
    tlsman_verify_t verify;     /**< NONE, OPTIONAL or REQUIRED */
    tlsman_verify_cb_t verify_cb; /**< optional application check */
    void *verify_arg;           /**< passed to verify_cb */
    bool renegotiation;         /**< sock_secure_config_t.renegotiation (only for a driver
                                     with TLSMAN_CAP_RENEGOTIATION): renew may start one, and
                                     a peer's (RFC 5746 secure renegotiation only) is taken */
    bool resumption;            /**< sock_secure_config_t.resumption (only for a driver with
                                     TLSMAN_CAP_RESUMPTION): a client asks for RFC 5077
                                     tickets, a server issues them (its ticket key random until
                                     ticket_key sets one) */
} tlsman_config_t;

/** What a driver reports about a session (tlsman_driver_t.info). */
typedef struct {
    uint16_t suite;        /**< IANA id of the negotiated suite, 0 before the handshake */
    uint8_t alert;         /**< last alert description (RFC 5246 §7.2) */
    uint8_t alert_origin;  /**< tlsman_alert_origin_t */
    const char *version;   /**< "DTLSv1.2", "TLSv1.2", ... or NULL before the handshake */
    uint32_t verify;       /**< SOCK_SECURE_VFY_* bits of the last peer verification, 0 = ok */
    bool resumed;          /**< the (last) handshake was abbreviated: a resumed session */
} tlsman_info_t;

/** A (D)TLS stack behind secure_sock. All function pointers are mandatory unless marked. */
typedef struct tlsman_driver {
    const char *name;      /**< short name: "mbedtls", "wolfssl", ... */
    const char *version;   /**< the stack's version string */
    uint32_t caps;         /**< TLSMAN_CAP_* */
    size_t ctx_size;       /**< bytes of per-socket state (<= CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE) */
    size_t session_size;   /**< bytes of per-session state (<= ..._DRIVER_SESSION_SIZE) */
    /** Does the stack implement this entry of the core's suite table (its id, key exchange and
     *  cipher) over this kind of transport? Asked only about table entries (never NULL): a
     *  driver keeps no list of suites of its own, it maps entries to its stack. */
    bool (*suite_supported)(const tlsman_suite_t *suite, bool datagram);
    /** Set up per-socket state. Returns 0, -ENOTSUP for a missing feature/suite, -ENOMEM. */
    int (*ctx_init)(void *ctx, const tlsman_config_t *cfg);
    /** Free per-socket state and zero key material. All sessions are freed before. */
    void (*ctx_free)(void *ctx);
    /** Set up one session in @p sess (of a socket whose ctx_init succeeded; neither area is ever
     *  NULL). @p peer_id identifies the peer for cookies (its address bytes). Returns 0 or
     *  -ENOMEM/SOCK_SECURE_E_BACKEND. */
    int (*session_init)(void *ctx, void *sess, void *io_ctx, const uint8_t *peer_id,
                        size_t peer_id_len);
    /** Free one session and zero its keys. Safe on a session whose init failed. */
    void (*session_free)(void *sess);
    /** Advance the handshake with what io->recv offers. Returns 0 when complete, -EAGAIN while
     *  waiting for the peer, SOCK_SECURE_E_HELLO_VERIFY when a server answered a ClientHello
     *  without a valid cookie (the core then frees the session), or an error. */
    int (*handshake)(void *sess);
    /** The core's retransmission timer fired: the next handshake step retransmits. */
    void (*timer_expired)(void *sess);
    /** Established: process input and copy out one decrypted record. With @p len 0 only process
     *  input. Returns bytes copied (len > 0), the pending record's size (len 0), -EAGAIN if no
     *  record is ready, -EMSGSIZE if the record is larger than @p len (it is kept; DTLS only: on
     *  streams copy what fits and keep the rest), SOCK_SECURE_E_PEER_CLOSED on close_notify, or
     *  an error. io->recv hands stream bytes in pieces: take what you need, the core keeps the
     *  rest for the next call. */
    int (*read)(void *sess, uint8_t *buf, size_t len);
    /** Is undecrypted data still buffered in the stack (more records from one datagram)? */
    bool (*pending)(void *sess);
    /** Encrypt and send one record. Returns @p len, -EMSGSIZE if larger than max_payload,
     *  -EAGAIN if the transport would block, or an error. Streams: returns how many bytes were
     *  accepted (encrypted; possibly fewer than @p len, and possibly still waiting for flush),
     *  -EAGAIN only if none were. Accepted bytes are never lost or sent twice. */
    int (*write)(void *sess, const uint8_t *buf, size_t len);
    /** Send close_notify. Returns 0 or an error. */
    int (*close_notify)(void *sess);
    /** Optional (TLSMAN_CAP_RENEGOTIATION): start a renegotiation of an established session;
     *  io->renewed tells when it completed. Returns 0 (started), -EALREADY (one runs),
     *  -ENOTSUP (tlsman_config_t.renegotiation off), or an error. */
    int (*renew)(void *sess);
    /** Fill @p info. Returns 0. */
    int (*info)(void *sess, tlsman_info_t *info);
    /** Optional (drivers with certificates; its presence is SOCK_SECURE_CAP_PEER_SUBJECT in the
     *  backend info): write the subject of the peer's certificate, as
     *  the stack formats a distinguished name, NUL-terminated, into @p buf (@p len bytes, > 0).
     *  Returns its length, 0 (buf "") when the peer sent no certificate or it does not fit. */
    size_t (*peer_subject)(void *sess, char *buf, size_t len);
    /** Largest plaintext one record can carry now. */
    size_t (*max_payload)(void *sess);
    /** Optional (DTLS servers), with cookie_check: write a HelloVerifyRequest cookie for
     *  @p peer_id into @p out. Returns its length (1..255) or a negative code. With these two the
     *  core answers cookie-less ClientHellos itself, statelessly, before any session exists;
     *  without them every ClientHello gets a fresh session that is freed after the answer. */
    int (*cookie_write)(void *ctx, const uint8_t *peer_id, size_t peer_id_len, uint8_t *out,
                        size_t out_max);
    /** Optional: 0 if @p cookie is one cookie_write made for @p peer_id and still fresh. */
    int (*cookie_check)(void *ctx, const uint8_t *peer_id, size_t peer_id_len,
                        const uint8_t *cookie, size_t cookie_len);
    /** Optional: check that @p data is a valid credential of @p type (sock_secure_cred_type_t,
     *  never PSK). Returns 0, SOCK_SECURE_E_CRED_FORMAT, SOCK_SECURE_E_CRED_TYPE or -ENOTSUP. */
    int (*cred_check)(int type, const uint8_t *data, size_t len);
    /** Streams (TLS): push output the transport refused earlier (-EAGAIN). Returns 0 when
     *  nothing is left, -EAGAIN if some still waits, or an error. NULL for datagram-only drivers. */
    int (*flush)(void *sess);
    /** Optional (needed for certificates): the name a client expects in the server's certificate
     *  (a dNSName subjectAltName, or the CN without any; also sent as SNI). Called after
     *  session_init, before the first handshake step. A mismatch fails a required verification
     *  with SOCK_SECURE_VFY_NAME_MISMATCH and the bad_certificate alert. Returns 0, -EINVAL (empty,
     *  longer than 255 bytes, a server session), -ENOMEM, -ENOTSUP. */
    int (*set_server_name)(void *sess, const char *name);
    /** Optional (needed for certificates): the address a client expects in the server's
     *  certificate as an iPAddress subjectAltName (RFC 5280 §4.2.1.6), @p ip being @p len = 4
     *  (IPv4) or 16 (IPv6) bytes in network order, read during the call. Only iPAddress entries
     *  count, never a dNSName or the CN (RFC 6125 practice); an IPv4-mapped IPv6 address matches
     *  the IPv4 entry. The core calls it instead of set_server_name when the application gave no
     *  server name (NULL) on a client that verifies the server (tlsman_config_t.verify not NONE),
     *  after session_init, before the first handshake step; nothing is sent (no SNI for
     *  addresses, RFC 6066 §3). A mismatch is reported and enforced exactly as a wrong server
     *  name: SOCK_SECURE_VFY_NAME_MISMATCH (seen by verify_cb at depth 0), the handshake fails
     *  with SOCK_SECURE_E_VERIFY when verification is required, and bad_certificate is sent.
     *  src/tlsman/x509_ip.h has the check on a certificate's DER for drivers whose stack lacks
     *  it. Without this op a verifying client cannot connect without a server name (-ENOTSUP).
     *  Returns 0, -EINVAL (bad length, a server session), -ENOTSUP. */
    int (*set_peer_ip)(void *sess, const uint8_t *ip, size_t len);
    /** Optional, with TLSMAN_CAP_PSK_PER_SESSION (sock_secure_config_t.psk_select): the PSK a
     *  client session offers
     *  instead of the socket's (tlsman_config_t.psk), called after session_init, before the
     *  first handshake step. The struct is copied; its bytes stay valid until the handshake
     *  ends (the core's caller guarantees it). Returns 0, -EINVAL (a server session, bad
     *  lengths), -ENOTSUP. */
    int (*set_psk)(void *sess, const sock_secure_psk_t *psk);
    /** Optional (TLSMAN_CAP_RESUMPTION): client, established session: write what resumes it
     *  later (session id or ticket, master secret, suite, the peer's verified identity) to
     *  @p out, in the driver's own format. Returns its length, -EMSGSIZE if it does not fit
     *  @p out_max (nothing usable written), -ENOTCONN, -ENOTSUP (a server session). Zero
     *  every copy the driver made on the way. */
    int (*session_export)(void *sess, uint8_t *out, size_t out_max);
    /** Optional (TLSMAN_CAP_RESUMPTION): client, after session_init and before the first
     *  handshake step: offer the session @p blob (session_export's output, read during the
     *  call) in the ClientHello; a server that does not know it any more answers with a full
     *  handshake. Returns 0, -EINVAL if @p blob is not one of this driver's (nothing changed),
     *  -ENOMEM. */
    int (*session_resume)(void *sess, const uint8_t *blob, size_t len);
    /** Optional (TLSMAN_CAP_RESUMPTION), server: make @p key (SOCK_SECURE_TICKET_KEY_LEN bytes,
     *  read during the call) the key new tickets are protected with; the key it replaces is
     *  still accepted for the tickets issued under it, any older one no longer. Returns 0,
     *  -EINVAL (wrong length), -ENOTSUP (a client, or resumption not configured). */
    int (*ticket_key)(void *ctx, const uint8_t *key, size_t len);
    /** Optional (TLSMAN_CAP_SAVE_RESTORE): DTLS, established, nothing unread or pending, no
     *  renegotiation configured: write the whole connection state (keys, sequence numbers,
     *  replay window) to @p out; on success the stack forgets it (the core frees the session
     *  next). Returns its length, -EMSGSIZE (too small: the session is untouched), -EBUSY (the
     *  stack holds data), -ENOTSUP. */
    int (*session_save)(void *sess, uint8_t *out, size_t out_max);
    /** Optional (TLSMAN_CAP_SAVE_RESTORE): after session_init, make the session the one
     *  @p blob (session_save's output, same socket configuration) holds: established, no
     *  handshake. Returns 0, -EINVAL (not a blob of this driver, build and configuration: the
     *  session is unusable, the core frees it), -ENOMEM. */
    int (*session_load)(void *sess, const uint8_t *blob, size_t len);
} tlsman_driver_t;

/**
 * @brief Add a driver (for stacks not built in, e.g. on an MCU port); applications then name it
 *        in sock_secure_config_t.backend.
 * @param drv static driver table, kept by pointer.
 * @return 0, -EINVAL on NULL or a driver whose state exceeds the CONFIG sizes, -EALREADY if a
 *         driver of that name is registered, -ENOMEM if the registry is full.
 */
int sock_secure_register(const tlsman_driver_t *drv);

/**
 * @brief The registered driver named @p name (NULL: the first, the default backend), for code
 *        that drives a driver directly (driver tests, ports). Applications use the names
 *        (sock_secure_backend_name(), sock_secure_backend_info()).
 * @return the table given to sock_secure_register(), or NULL if there is none of that name.
 */
const tlsman_driver_t *sock_secure_driver(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_TLSMAN_H */
