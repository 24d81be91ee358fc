/* Private to the credential store and its platform loaders: fill an entry in place. */
#ifndef SS_CREDS_INTERNAL_H
#define SS_CREDS_INTERNAL_H

#include "secure_sock/creds.h"

/** Reserve @p len arena bytes for a new (tag, type) entry; *dst is where to write them.
 *  @return the entry index, -EINVAL, -EEXIST or -ENOMEM. */
int ss_creds_reserve(sock_secure_creds_t *st, uint32_t tag, sock_secure_cred_type_t type,
                     size_t len, uint8_t **dst);

/** Finish entry @p index: NUL-terminate PEM, let the backend check it; on failure the entry is
 *  removed (and zeroed). @return 0 or the check's error. */
int ss_creds_commit(sock_secure_creds_t *st, int index);

#endif
