/**
 * @file creds.h
 * @brief Credentials from files (POSIX builds): the part of the credential store that needs a
 *        file system. The store itself is portable (secure_sock/creds.h).
 */
#ifndef SECURE_SOCK_POSIX_CREDS_H
#define SECURE_SOCK_POSIX_CREDS_H

#include <stdint.h>

#include "secure_sock/creds.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Read a credential file (PEM or DER) straight into the store.
 * @param store initialised by sock_secure_creds_init() (caller-owned).
 * @param path NUL-terminated, not kept.
 * @return as sock_secure_creds_add(); -EINVAL also for NULL, a PSK @p type, a file that is not a
 *         regular file or is empty; the negated errno of open/read (e.g. -ENOENT); -ENOMEM if
 *         the file is larger than the space left.
 */
int sock_secure_creds_add_file(sock_secure_creds_t *store, uint32_t tag,
                               sock_secure_cred_type_t type, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_POSIX_CREDS_H */
