/* The credential store: copies in a fixed arena, zeroed on removal. See creds.h. */
#include <string.h>

#include "../common/zero.h"
#include "core.h"
#include "secure_sock/sock_secure.h"

#define SS_PEM_BEGIN "-----BEGIN"

int sock_secure_creds_init_sized(sock_secure_creds_t *store, size_t size)
{
    if (store == NULL) {
        return -EINVAL;
    }
    if (size != sizeof(*store)) {
        store->size = 0; /* the first word is there whatever the caller's layout */
        return SOCK_SECURE_E_ABI;
    }
    tlsman_zero(store, sizeof(*store));
    store->size = (uint32_t)sizeof(*store);
    return 0;
}

/* A store that sock_secure_creds_init() accepted: laid out as this library sees it. */
static bool ss_store_ok(const sock_secure_creds_t *st)
{
    return st->size == sizeof(*st);
}

static size_t ss_count(const sock_secure_creds_t *st)
{
    size_t n = 0;
    while (n < CONFIG_SOCK_SECURE_CRED_MAX && st->entry[n].type != 0) {
        n++;
    }
    return n;
}

/* Remove entry @p i: zero its bytes, close the gap in the arena and in the table. */
static void ss_drop(sock_secure_creds_t *st, size_t i)
{
    sock_secure_cred_entry_t e = st->entry[i];
    size_t n = ss_count(st);
    memmove(&st->arena[e.off], &st->arena[e.off + e.len], st->used - e.off - e.len);
    st->used -= e.len;
    tlsman_zero(&st->arena[st->used], e.len); /* the tail the move left behind */
    for (size_t k = i; k + 1 < n; k++) {
        st->entry[k] = st->entry[k + 1];
        if (st->entry[k].off > e.off) {
            st->entry[k].off -= e.len;
        }
    }
    memset(&st->entry[n - 1], 0, sizeof(st->entry[0]));
}

int sock_secure__creds_reserve(sock_secure_creds_t *st, uint32_t tag,
                               sock_secure_cred_type_t type, size_t len, uint8_t **dst)
{
    if (st == NULL || dst == NULL || len == 0 || type < SOCK_SECURE_CRED_PSK ||
        type > SOCK_SECURE_CRED_PEER_KEY) {
        return -EINVAL;
    }
    if (!ss_store_ok(st)) {
        return SOCK_SECURE_E_ABI;
    }
    size_t n = ss_count(st);
    for (size_t i = 0; i < n; i++) {
        /* one of each kind per tag, but PSKs (a server's peers, told apart by identity) and
         * pinned keys (a trust list, told apart by their bytes: sock_secure__creds_commit) */
        if (type != SOCK_SECURE_CRED_PSK && type != SOCK_SECURE_CRED_PEER_KEY &&
            st->entry[i].tag == tag && st->entry[i].type == type) {
            return -EEXIST;
        }
    }
    if (n == CONFIG_SOCK_SECURE_CRED_MAX || len > sizeof(st->arena) - st->used) {
        return -ENOMEM;
    }
    st->entry[n] = (sock_secure_cred_entry_t){ tag, (uint8_t)type, st->used, len, 0 };
    *dst = &st->arena[st->used];
    st->used += len;
    return (int)n;
}

/* A PEM credential is stored with a terminating NUL (stacks parse PEM as a C string). */
static bool ss_is_pem(const uint8_t *d, size_t len)
{
    size_t k = sizeof(SS_PEM_BEGIN) - 1;
    for (size_t i = 0; i + k <= len; i++) {
        if (memcmp(d + i, SS_PEM_BEGIN, k) == 0) {
            return true;
        }
        if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r' && d[i] != '\n') {
            return false;
        }
    }
    return false;
}

void sock_secure__creds_abort(sock_secure_creds_t *st, int index)
{
    ss_drop(st, (size_t)index);
}

/* Is entry @p index a copy of another entry of its tag and type (a pinned key given twice)? */
static bool ss_duplicate(const sock_secure_creds_t *st, int index)
{
    const sock_secure_cred_entry_t *e = &st->entry[index];
    for (size_t i = 0; i < ss_count(st); i++) {
        const sock_secure_cred_entry_t *o = &st->entry[i];
        if (i != (size_t)index && o->tag == e->tag && o->type == e->type && o->len == e->len &&
            memcmp(&st->arena[o->off], &st->arena[e->off], e->len) == 0) {
            return true;
        }
    }
    return false;
}

int sock_secure__creds_commit(sock_secure_creds_t *st, int index)
{
    sock_secure_cred_entry_t *e = &st->entry[index];
    uint8_t *d = &st->arena[e->off];
    if (ss_is_pem(d, e->len) && d[e->len - 1] != '\0') {
        if (st->used == sizeof(st->arena)) {
            ss_drop(st, (size_t)index);
            return -ENOMEM;
        }
        d[e->len] = '\0';
        e->len++;
        st->used++;
    }
    if (e->type == SOCK_SECURE_CRED_PEER_KEY && ss_duplicate(st, index)) {
        ss_drop(st, (size_t)index);
        return -EEXIST;
    }
    const tlsman_driver_t *drv = sock_secure_driver(NULL);
    int rc = 0;
    if (drv != NULL && drv->cred_check != NULL) {
        rc = drv->cred_check(e->type, d, e->len);
    }
    if (rc < 0) {
        ss_drop(st, (size_t)index);
        return rc;
    }
    return 0;
}

int sock_secure_creds_add(sock_secure_creds_t *store, uint32_t tag, sock_secure_cred_type_t type,
                          const void *data, size_t len)
{
    uint8_t *dst;
    if (data == NULL || type == SOCK_SECURE_CRED_PSK) {
        return -EINVAL;
    }
    int i = sock_secure__creds_reserve(store, tag, type, len, &dst);
    if (i < 0) {
        return i;
    }
    memcpy(dst, data, len);
    return sock_secure__creds_commit(store, i);
}

int sock_secure_creds_add_psk(sock_secure_creds_t *store, uint32_t tag, const void *identity,
                              size_t identity_len, const void *key, size_t key_len)
{
    if (store == NULL || identity == NULL || key == NULL || identity_len == 0 ||
        identity_len > CONFIG_SOCK_SECURE_PSK_ID_MAX || key_len == 0 ||
        key_len > CONFIG_SOCK_SECURE_PSK_KEY_MAX) {
        return -EINVAL;
    }
    if (!ss_store_ok(store)) {
        return SOCK_SECURE_E_ABI;
    }
    size_t cursor = 0;
    int i;
    while ((i = sock_secure_creds_find(store, tag, SOCK_SECURE_CRED_PSK, &cursor, NULL, NULL)) >=
           0) {
        sock_secure_psk_t p;
        if (sock_secure_creds_psk(store, i, &p) == 0 && p.identity_len == identity_len &&
            memcmp(p.identity, identity, identity_len) == 0) {
            return -EEXIST;
        }
    }
    uint8_t *dst;
    i = sock_secure__creds_reserve(store, tag, SOCK_SECURE_CRED_PSK, identity_len + key_len, &dst);
    if (i < 0) {
        return i;
    }
    memcpy(dst, identity, identity_len);
    memcpy(dst + identity_len, key, key_len);
    store->entry[i].aux = identity_len;
    return 0;
}

int sock_secure_creds_remove(sock_secure_creds_t *store, uint32_t tag,
                             sock_secure_cred_type_t type)
{
    if (store == NULL) {
        return -EINVAL;
    }
    if (!ss_store_ok(store)) {
        return SOCK_SECURE_E_ABI;
    }
    int removed = 0;
    size_t i = 0;
    while (i < ss_count(store)) {
        if (store->entry[i].tag == tag && (type == 0 || store->entry[i].type == type)) {
            ss_drop(store, i);
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

int sock_secure_creds_find(const sock_secure_creds_t *store, uint32_t tag,
                           sock_secure_cred_type_t type, size_t *cursor, const uint8_t **data,
                           size_t *len)
{
    if (store == NULL || cursor == NULL) {
        return -ENOENT;
    }
    if (!ss_store_ok(store)) {
        return SOCK_SECURE_E_ABI;
    }
    size_t n = ss_count(store);
    for (size_t i = *cursor; i < n; i++) {
        const sock_secure_cred_entry_t *e = &store->entry[i];
        if (e->tag == tag && (type == 0 || e->type == type)) {
            *cursor = i + 1;
            if (data != NULL) {
                *data = &store->arena[e->off];
            }
            if (len != NULL) {
                *len = e->len;
            }
            return (int)i;
        }
    }
    *cursor = n;
    return -ENOENT;
}

int sock_secure_creds_psk(const sock_secure_creds_t *store, int index, sock_secure_psk_t *psk)
{
    if (store != NULL && !ss_store_ok(store)) {
        return SOCK_SECURE_E_ABI;
    }
    if (store == NULL || psk == NULL || index < 0 || (size_t)index >= ss_count(store) ||
        store->entry[index].type != SOCK_SECURE_CRED_PSK) {
        return -EINVAL;
    }
    const sock_secure_cred_entry_t *e = &store->entry[index];
    psk->identity = &store->arena[e->off];
    psk->identity_len = e->aux;
    psk->key = &store->arena[e->off + e->aux];
    psk->key_len = e->len - e->aux;
    return 0;
}
