/**
 * @file types.h
 * @brief The vocabulary the user API (sock_secure.h) and the driver contract (tlsman.h) share:
 *        roles, verification modes, the verify callback, alert origins, backend capabilities and
 *        the entries of the cipher suite table.
 *
 * The names carry the user API's prefix; tlsman.h gives driver writers the same types and values
 * under the contract's own names (tlsman_role_t, TLSMAN_CAP_DTLS, tlsman_suite_t, ...). Nothing
 * here describes a driver: an application names a backend (sock_secure_config_t.backend,
 * sock_secure_backend_name()) and never holds one.
 */
#ifndef SECURE_SOCK_TYPES_H
#define SECURE_SOCK_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name What a backend can do (sock_secure_backend_info_t.caps). Asking for a missing one fails
 *        at sock_secure_create(). */
/** @{ */
#define SOCK_SECURE_CAP_DTLS          (1u << 0)  /**< DTLS 1.2 over datagrams */
#define SOCK_SECURE_CAP_TLS           (1u << 1)  /**< TLS 1.2 over streams */
#define SOCK_SECURE_CAP_TLS13         (1u << 2)  /**< TLS 1.3 */
#define SOCK_SECURE_CAP_PSK           (1u << 3)  /**< pre-shared keys (RFC 4279) */
#define SOCK_SECURE_CAP_X509          (1u << 4)  /**< certificates */
#define SOCK_SECURE_CAP_RPK           (1u << 5)  /**< raw public keys (RFC 7250) */
#define SOCK_SECURE_CAP_RESUMPTION    (1u << 6)  /**< session resumption */
#define SOCK_SECURE_CAP_RENEGOTIATION (1u << 7)  /**< renegotiation (sock_secure_renew) */
#define SOCK_SECURE_CAP_CID           (1u << 8)  /**< DTLS connection ID (RFC 9146) */
#define SOCK_SECURE_CAP_SAVE_RESTORE  (1u << 9)  /**< session serialisation */
#define SOCK_SECURE_CAP_PSK_HINT      (1u << 10) /**< a server sends a PSK identity hint
                                                      (sock_secure_config_t.psk_hint, RFC 4279) */
#define SOCK_SECURE_CAP_CLIENT_SERVER (1u << 11) /**< server and client on one socket
                                                      (SOCK_SECURE_CLIENT_SERVER) */
#define SOCK_SECURE_CAP_PSK_PER_SESSION (1u << 12) /**< a client offers a PSK chosen per session
                                                        (sock_secure_config_t.psk_select) */
#define SOCK_SECURE_CAP_PEER_SUBJECT  (1u << 13) /**< session info names the peer certificate's
                                                      subject (peer_subject); without it the
                                                      field stays "" (e.g. an mbedTLS build
                                                      that keeps no peer certificate) */
#define SOCK_SECURE_CAP_PSK_FOR_HINT  (1u << 14) /**< a client chooses its PSK from the server's
                                                      identity hint, during the handshake
                                                      (sock_secure_config_t.psk_for_hint; not
                                                      mbedTLS 2.28, whose client drops the
                                                      hint) */
/** @} */

/** Largest blob sock_secure_session_export() or sock_secure_session_save() writes for any
 *  built-in backend (a session with the peer's certificate, which it keeps). */
#define SOCK_SECURE_SESSION_EXPORT_MAX 4096u

/** Length of a session ticket key (sock_secure_ticket_key(), tlsman_driver_t.ticket_key). */
#define SOCK_SECURE_TICKET_KEY_LEN 32u

/** Which end of the handshake a socket is. */
typedef enum {
    SOCK_SECURE_CLIENT = 0, /**< connects to servers: starts the handshake */
    SOCK_SECURE_SERVER = 1, /**< accepts clients: answers it */
    SOCK_SECURE_CLIENT_SERVER = 2, /**< both on one socket (CoAP endpoints such as RIOT's gcoap):
                                        sessions made from ClientHellos are server sessions,
                                        sessions made by sock_secure_connect() client sessions;
                                        one slot table, the server's limits and cookies apply to
                                        server sessions only. PSKs and raw public keys (a key
                                        without certificate; pinned keys then verify both roles,
                                        with SOCK_SECURE_CAP_RPK); a certificate or CA in the
                                        config is -ENOTSUP; needs a backend with
                                        SOCK_SECURE_CAP_CLIENT_SERVER and
                                        CONFIG_SOCK_SECURE_CLIENT_SERVER */
} sock_secure_role_t;

/** Peer verification. */
typedef enum {
    SOCK_SECURE_VERIFY_DEFAULT = 0,  /**< required on clients; on servers required when a CA is
                                          configured, else none (the core resolves it: a driver
                                          never sees it) */
    SOCK_SECURE_VERIFY_NONE = 1,     /**< no peer certificate check */
    SOCK_SECURE_VERIFY_OPTIONAL = 2, /**< check it if the peer sends one; a server does not
                                          require one */
    SOCK_SECURE_VERIFY_REQUIRED = 3, /**< the peer must present a certificate that verifies */
} sock_secure_verify_t;

/**
 * Application check of a peer certificate, called for each certificate of the chain (depth 0 =
 * the peer's own; whether the trust anchor itself is shown depends on the stack: mbedTLS does,
 * wolfSSL 5.5.4 does not). *flags arrives with the stack's own findings for that certificate. It
 * may add SOCK_SECURE_VFY_* bits to *flags (any bit fails the handshake when verification is
 * required). @p der is valid during the call. Returns 0, or a negative code to abort the
 * handshake. A peer that authenticates with a raw public key (RFC 7250) gives one call, depth 0,
 * @p der its SubjectPublicKeyInfo (DER), *flags SOCK_SECURE_VFY_NOT_PINNED if it is none of the
 * pinned keys (no name or address applies to a raw key).
 */
typedef int (*sock_secure_verify_cb_t)(void *arg, const uint8_t *der, size_t der_len, int depth,
                                       uint32_t *flags);

/** Where the last alert of a session came from (sock_secure_session_info_t.alert_origin). */
typedef enum {
    SOCK_SECURE_ALERT_NONE = 0,     /**< no alert seen */
    SOCK_SECURE_ALERT_SENT = 1,     /**< we sent it */
    SOCK_SECURE_ALERT_RECEIVED = 2, /**< the peer sent it */
} sock_secure_alert_origin_t;

/** Key exchange of a cipher suite (sock_secure_suite_t.kx). */
typedef enum {
    SOCK_SECURE_KX_PSK = 1,         /**< plain PSK (RFC 4279 §2): the shared key authenticates
                                         both ends */
    SOCK_SECURE_KX_ECDHE_ECDSA = 2, /**< ephemeral ECDH signed with the server's ECDSA key
                                         (RFC 8422): a certificate (or raw public key)
                                         authenticates the server */
} sock_secure_kx_t;

/** Record protection of a cipher suite (sock_secure_suite_t.cipher); every suite is an AEAD. */
typedef enum {
    SOCK_SECURE_CIPHER_AES_128_CCM_8 = 1,     /**< AES-128-CCM, 8-byte tag (RFC 6655) */
    SOCK_SECURE_CIPHER_AES_128_CCM = 2,       /**< AES-128-CCM, 16-byte tag (RFC 6655) */
    SOCK_SECURE_CIPHER_AES_128_GCM = 3,       /**< AES-128-GCM, SHA-256 PRF (RFC 5288) */
    SOCK_SECURE_CIPHER_AES_256_GCM = 4,       /**< AES-256-GCM, SHA-384 PRF (RFC 5289) */
    SOCK_SECURE_CIPHER_CHACHA20_POLY1305 = 5, /**< ChaCha20-Poly1305, SHA-256 PRF (RFC 7905) */
} sock_secure_cipher_t;

/** @name Suite facts (sock_secure_suite_t.flags) */
/** @{ */
#define SOCK_SECURE_SUITE_CERT    (1u << 0) /**< the server proves itself with its private key (a
                                                 certificate or raw public key): a client that
                                                 verifies needs trust anchors; a server needs its
                                                 key */
#define SOCK_SECURE_SUITE_DTLS    (1u << 1) /**< usable with DTLS 1.2 */
#define SOCK_SECURE_SUITE_TLS     (1u << 2) /**< usable with TLS 1.2 */
#define SOCK_SECURE_SUITE_DEFAULT (1u << 3) /**< in the default list (RFC 7252 §9.1.3 first) */
/** @} */

/**
 * One entry of the library's cipher suite table (sock_secure_suite(), sock_secure_suite_at()):
 * every suite secure_sock can negotiate, with the facts sock_secure_create() checks. The entries
 * are static: a pointer to one is valid for the program's life. A driver never negotiates a suite
 * outside this table: it is only ever asked about, and configured with, entries of it.
 */
typedef struct {
    uint16_t id;         /**< IANA id (TLS Cipher Suites registry) */
    uint8_t kx;          /**< sock_secure_kx_t */
    uint8_t cipher;      /**< sock_secure_cipher_t */
    uint8_t flags;       /**< SOCK_SECURE_SUITE_* */
    const char *iana;    /**< IANA name, "TLS_PSK_WITH_AES_128_CCM_8" */
    const char *openssl; /**< OpenSSL name, "PSK-AES128-CCM8" */
} sock_secure_suite_t;

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_TYPES_H */
