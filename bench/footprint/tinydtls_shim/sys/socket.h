/* bench/firmware.sh: the few socket types tinyDTLS's POSIX session_t (session.h) names, for a
 * bare-metal build (newlib has no sockets). No function is declared: tinyDTLS calls none, and the
 * driver fills session_t itself. Not part of the library. */
#ifndef SS_FW_SYS_SOCKET_H
#define SS_FW_SYS_SOCKET_H
#include <stdint.h>
typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;
#define AF_INET 2
#define AF_INET6 10
struct sockaddr {
    sa_family_t sa_family;
    char sa_data[14];
};
struct sockaddr_storage {
    sa_family_t ss_family;
    char ss_pad[26];
    uint32_t ss_align;
};
#endif
