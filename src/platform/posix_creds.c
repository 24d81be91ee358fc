/* sock_secure_creds_add_file(): read a credential file straight into the store's arena. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/core.h"
#include "secure_sock/posix/creds.h"

int sock_secure_creds_add_file(sock_secure_creds_t *store, uint32_t tag,
                               sock_secure_cred_type_t type, const char *path)
{
    if (store == NULL || path == NULL || type == SOCK_SECURE_CRED_PSK) {
        return -EINVAL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return -errno;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size <= 0) {
        close(fd);
        return -EINVAL; /* not a regular file, or empty */
    }
    uint8_t *dst;
    int i = sock_secure__creds_reserve(store, tag, type, (size_t)sb.st_size, &dst);
    size_t got = 0;
    while (i >= 0 && got < (size_t)sb.st_size) {
        ssize_t n = read(fd, dst + got, (size_t)sb.st_size - got);
        if (n <= 0) {
            int err = n < 0 ? -errno : -EIO;
            sock_secure__creds_abort(store, i); /* zeroes the partial copy */
            close(fd);
            return err;
        }
        got += (size_t)n;
    }
    close(fd);
    return i < 0 ? i : sock_secure__creds_commit(store, i);
}
