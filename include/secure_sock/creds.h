/**
 * @file creds.h
 * @brief Credentials a secure socket can use.
 *
 * This version has pre-shared keys (RFC 4279). A socket references an array of them: the structs
 * and the bytes they point to are owned by the caller and must stay valid and unchanged while the
 * socket is open (nothing is copied by the core; backends may copy keys into their own state and
 * zero those copies when the socket closes).
 */
#ifndef SECURE_SOCK_CREDS_H
#define SECURE_SOCK_CREDS_H

#include <stddef.h>
#include <stdint.h>

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
 * Server-side lookup for identities not in the socket's PSK array (e.g. from a database).
 * @param arg      the config's psk_lookup_arg
 * @param identity the identity the client sent (not NUL-terminated; valid during the call)
 * @param[out] key where to write the key, @p key_max bytes available
 * @return the key length (> 0), or 0 if the identity is unknown
 */
typedef size_t (*sock_secure_psk_lookup_t)(void *arg, const uint8_t *identity, size_t identity_len,
                                           uint8_t *key, size_t key_max);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_CREDS_H */
