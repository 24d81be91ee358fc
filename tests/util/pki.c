#include "pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secure_sock/posix/creds.h"
#include "secure_sock/sock_secure.h"

const char *tu_pki_dir;
const uint8_t tu_pki_psk_key[16] = "0123456789abcdef";

const char *tu_pki_init(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("SS_PKI_DIR");
    tu_pki_dir = dir != NULL && dir[0] != '\0' ? dir : NULL;
    return tu_pki_dir;
}

const char *tu_pki(const char *name)
{
    static char buf[4][600];
    static unsigned next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof(buf[0]), "%s/%s", tu_pki_dir, name);
    return p;
}

size_t tu_pki_read(const char *name, uint8_t *out, size_t max)
{
    FILE *f = fopen(tu_pki(name), "rb");
    if (f == NULL) {
        return 0;
    }
    size_t n = fread(out, 1, max, f);
    fclose(f);
    return n;
}

int tu_creds_load(sock_secure_creds_t *st, const char *cert, const char *key, const char *ca,
                  bool psk)
{
    int rc = sock_secure_creds_init(st);
    if (rc == 0 && cert != NULL) {
        rc = sock_secure_creds_add_file(st, TU_TAG_ID, SOCK_SECURE_CRED_CERT_CHAIN, tu_pki(cert));
    }
    if (rc == 0 && key != NULL) {
        rc = sock_secure_creds_add_file(st, TU_TAG_ID, SOCK_SECURE_CRED_PRIVATE_KEY, tu_pki(key));
    }
    if (rc == 0 && psk) {
        rc = sock_secure_creds_add_psk(st, TU_TAG_ID, "psk-dev", 7, tu_pki_psk_key,
                                       sizeof(tu_pki_psk_key));
    }
    if (rc == 0 && ca != NULL) {
        rc = sock_secure_creds_add_file(st, TU_TAG_CA, SOCK_SECURE_CRED_CA, tu_pki(ca));
    }
    if (rc < 0) {
        fprintf(stderr, "  loading credentials %s/%s/%s%s: %s\n", cert ? cert : "-",
                key ? key : "-", ca ? ca : "-", psk ? "/psk" : "", sock_secure_strerror(rc));
    }
    return rc;
}

bool tu_arena_contains(const sock_secure_creds_t *st, const void *needle, size_t n)
{
    for (size_t i = 0; i + n <= sizeof(st->arena); i++) {
        if (memcmp(&st->arena[i], needle, n) == 0) {
            return true;
        }
    }
    return false;
}
