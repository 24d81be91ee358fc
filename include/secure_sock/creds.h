/**
 * @file creds.h
 * @brief Credentials: pre-shared keys, and a tagged credential store for keys, certificates,
 *        trust anchors and pinned raw public keys.
 *
 * Two ways to give a socket credentials:
 * - `sock_secure_config_t.psk`: an array of PSKs the caller owns. Nothing is copied by the core;
 *   the structs and bytes must stay valid and unchanged while the socket is open.
 * - a credential store (sock_secure_creds_t): credentials are COPIED into the store's fixed arena
 *   under a numeric tag; a socket references one or more tags. Removing a credential zeroes every
 *   byte the store held of it. The store is caller-owned memory (no malloc) and must outlive the
 *   sockets that reference it. Certificates and keys are parsed by the backend when a socket is
 *   created (the backend keeps its own parsed copy, zeroed when the socket closes), so removing
 *   them later affects only sockets created afterwards; PSKs are looked up in the store at each
 *   handshake, so removing one refuses that identity from then on.
 *
 * Parsing stays in the (D)TLS stack: the store asks the first registered backend to check each
 * key, certificate or public key as it is added, so bad input is refused with an error that names
 * the problem (see error.h: SOCK_SECURE_E_CRED_*).
 */
#ifndef SECURE_SOCK_CREDS_H
#define SECURE_SOCK_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A pre-shared key and the identity naming it. */
typedef struct {
    const uint8_t *identity; /**< identity bytes (1..CONFIG_SOCK_SECURE_PSK_ID_MAX) */
    size_t identity_len;     /**< length of identity */
    const uint8_t *key;      /**< key bytes (1..CONFIG_SOCK_SECURE_PSK_KEY_MAX) */
    size_t key_len;          /**< length of key */
} sock_secure_psk_t;

/**
 * Server-side lookup for identities not in the socket's PSKs (e.g. from a database).
 * @param arg      the config's psk_lookup_arg
 * @param identity the identity the client sent (not NUL-terminated; valid during the call)
 * @param[out] key where to write the key, @p key_max bytes available
 * @return the key length (> 0), or 0 if the identity is unknown
 */
typedef size_t (*sock_secure_psk_lookup_t)(void *arg, const uint8_t *identity, size_t identity_len,
                                           uint8_t *key, size_t key_max);

/** Kinds of credential in a store. */
typedef enum {
    SOCK_SECURE_CRED_PSK = 1,         /**< identity + key (sock_secure_creds_add_psk) */
    SOCK_SECURE_CRED_PRIVATE_KEY = 2, /**< own private key: EC P-256, PEM or DER, SEC1 or PKCS#8 */
    SOCK_SECURE_CRED_CERT_CHAIN = 3,  /**< own certificate then intermediates: PEM (one or more
                                           blocks) or DER (one certificate) */
    SOCK_SECURE_CRED_CA = 4,          /**< trust anchors: PEM (one or more) or DER (one) */
    SOCK_SECURE_CRED_PEER_KEY = 5,    /**< a pinned peer public key (SubjectPublicKeyInfo, PEM or
                                           DER): the trust list for raw public keys (RFC 7250) */
} sock_secure_cred_type_t;

/** One stored credential (private: use the functions below). */
typedef struct {
    uint32_t tag;   /**< the caller's tag */
    uint8_t type;   /**< sock_secure_cred_type_t, 0 = unused entry */
    size_t off;     /**< where its bytes start in the arena */
    size_t len;     /**< how many bytes (PSK: identity then key) */
    size_t aux;     /**< PSK: identity length */
} sock_secure_cred_entry_t;

/** A fixed-size credential store. Initialise with sock_secure_creds_init(): its size depends on
 *  CONFIG_SOCK_SECURE_CRED_MAX and _ARENA, and the library refuses (SOCK_SECURE_E_ABI) a store
 *  that init did not accept. */
typedef struct {
    uint32_t size; /**< private: sizeof(sock_secure_creds_t) as the library sees it, set by a
                        successful sock_secure_creds_init() (first: every layout has it) */
    sock_secure_cred_entry_t entry[CONFIG_SOCK_SECURE_CRED_MAX]; /**< private */
    size_t used;                                                 /**< private: arena bytes used */
    _Alignas(8) uint8_t arena[CONFIG_SOCK_SECURE_CRED_ARENA];    /**< private */
} sock_secure_creds_t;

/**
 * @brief What sock_secure_creds_init() calls with the caller's sizeof(sock_secure_creds_t):
 *        empty @p store if @p size is the library's, else mark it unusable (its first word only).
 * @return 0; -EINVAL on NULL; SOCK_SECURE_E_ABI if the sizes differ.
 */
int sock_secure_creds_init_sized(sock_secure_creds_t *store, size_t size);

/**
 * @brief Empty @p store (inline: the store's size is taken in the caller's translation unit and
 *        checked against the library's, see SOCK_SECURE_E_ABI).
 * @return 0; -EINVAL on NULL; SOCK_SECURE_E_ABI if the caller was compiled with other
 *         CONFIG_SOCK_SECURE_CRED_MAX/_ARENA values than the library: every function then
 *         refuses the store with that code.
 */
static inline int sock_secure_creds_init(sock_secure_creds_t *store)
{
    return sock_secure_creds_init_sized(store, sizeof(*store));
}

/**
 * @brief Copy a key, certificate chain, trust anchor set or pinned public key into the store.
 *
 * One credential per (tag, type): adding a second of the same type under the same tag fails,
 * except pinned peer keys: a tag holds a trust list of any number of them (each once).
 * PEM input is taken with or without its terminating NUL.
 * @param data caller-owned, copied; not kept.
 * @return 0; -EINVAL (NULL, empty, PSK type: use sock_secure_creds_add_psk); -EEXIST (the tag
 *         already has one of this type, or this very pinned key); -ENOMEM (table or arena full: see
 *         CONFIG_SOCK_SECURE_CRED_MAX/_ARENA); SOCK_SECURE_E_CRED_FORMAT (not valid PEM/DER);
 *         SOCK_SECURE_E_CRED_TYPE (valid, but another kind of object, e.g. a certificate given as
 *         a key); -ENOTSUP (e.g. an RSA or non-P-256 key); SOCK_SECURE_E_ABI (a store
 *         sock_secure_creds_init() did not accept).
 */
int sock_secure_creds_add(sock_secure_creds_t *store, uint32_t tag, sock_secure_cred_type_t type,
                          const void *data, size_t len);

/**
 * @brief Copy a PSK (identity and key) into the store under @p tag. A tag may hold several PSKs
 *        with different identities (a server's peers).
 * @return 0; -EINVAL (NULL, lengths outside 1..CONFIG limits); -EEXIST (identity already under
 *         this tag); -ENOMEM (store full); SOCK_SECURE_E_ABI (see sock_secure_creds_add()).
 */
int sock_secure_creds_add_psk(sock_secure_creds_t *store, uint32_t tag, const void *identity,
                              size_t identity_len, const void *key, size_t key_len);

/**
 * @brief Remove credentials and zero every byte the store held of them.
 * @param type the kind to remove, or 0 for every credential under @p tag.
 * @return the number removed (0 if none), -EINVAL on NULL, SOCK_SECURE_E_ABI (see
 *         sock_secure_creds_add()).
 */
int sock_secure_creds_remove(sock_secure_creds_t *store, uint32_t tag,
                             sock_secure_cred_type_t type);

/**
 * @brief Visit the credentials of @p type under @p tag, in the order they were added.
 * @param[in,out] cursor start at 0; advanced past the entry returned.
 * @param[out] data the stored bytes, inside the store (valid until the next change of the
 *        store); may be NULL. For PSKs use sock_secure_creds_psk() instead.
 * @param[out] len their length; may be NULL.
 * @return the entry index (>= 0), -ENOENT when there are no more (or on NULL),
 *         SOCK_SECURE_E_ABI (see sock_secure_creds_add()).
 */
int sock_secure_creds_find(const sock_secure_creds_t *store, uint32_t tag,
                           sock_secure_cred_type_t type, size_t *cursor, const uint8_t **data,
                           size_t *len);

/**
 * @brief The PSK stored at entry @p index (from sock_secure_creds_find with type PSK).
 * @param[out] psk points into the store (valid until the next change of the store).
 * @return 0, -EINVAL, or SOCK_SECURE_E_ABI (see sock_secure_creds_add()).
 */
int sock_secure_creds_psk(const sock_secure_creds_t *store, int index, sock_secure_psk_t *psk);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_CREDS_H */
