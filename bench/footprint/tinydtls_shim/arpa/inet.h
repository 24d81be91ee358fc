/* bench/firmware.sh: see sys/socket.h in this directory (tinyDTLS includes it, uses nothing). */
#ifndef SS_FW_ARPA_INET_H
#define SS_FW_ARPA_INET_H
#include <netinet/in.h>
#endif
