/* Fuzz the credential store and, through it, the backend's credential parsers (keys, certificate
 * chains, trust anchors, public keys: PEM and DER). Input: one byte choosing the kind, then the
 * bytes. Whatever the bytes: the add returns 0 or one of its documented errors; what was added is
 * stored exactly (PEM: plus its NUL); what was refused left nothing behind; removal zeroes it. */
#include <errno.h>
#include <string.h>

#include "fuzz_common.h"
#include "secure_sock/sock_secure.h"

static sock_secure_creds_t store;

static int fuzz_arena_clean(void)
{
    for (size_t i = store.used; i < sizeof(store.arena); i++) {
        if (store.arena[i] != 0) {
            return 0;
        }
    }
    return 1;
}

int fuzz_creds(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        FUZZ_ASSERT(sock_secure_init() == 0); /* the default backend checks what is added */
        ready = 1;
    }
    if (size < 1) {
        return 0;
    }
    FUZZ_ASSERT(sock_secure_creds_init(&store) == 0);
    int type = 1 + data[0] % 5;
    data++;
    size--;
    int rc;
    if (type == SOCK_SECURE_CRED_PSK) {
        size_t id_len = size > 0 ? data[0] % (size + 1) : 0;
        rc = sock_secure_creds_add_psk(&store, 7, data, id_len, data + id_len, size - id_len);
        FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
    } else {
        rc = sock_secure_creds_add(&store, 7, (sock_secure_cred_type_t)type, data, size);
        FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM || rc == -ENOTSUP ||
                    rc == SOCK_SECURE_E_CRED_FORMAT || rc == SOCK_SECURE_E_CRED_TYPE);
    }
    if (rc < 0) {
        FUZZ_ASSERT(store.used == 0 && fuzz_arena_clean()); /* nothing behind */
        return 0;
    }
    size_t cursor = 0, len = 0;
    const uint8_t *stored = NULL;
    FUZZ_ASSERT(sock_secure_creds_find(&store, 7, (sock_secure_cred_type_t)type, &cursor, &stored,
                                       &len) == 0);
    FUZZ_ASSERT(len == size || (len == size + 1 && stored[size] == '\0'));
    FUZZ_ASSERT(memcmp(stored, data, size) == 0);
    FUZZ_ASSERT(sock_secure_creds_remove(&store, 7, 0) == 1);
    FUZZ_ASSERT(store.used == 0 && fuzz_arena_clean()); /* zeroed on removal */
    return 0;
}

FUZZ_ENTRY(fuzz_creds)
