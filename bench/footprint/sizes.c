/*
 * Size probe, compiled (never linked or run) for the target: each array below is as long as the
 * size it is named after, so `nm -S` on the object reads the sizes without running anything
 * (works for a cross compiler). Used by bench/footprint.sh.
 */
#include <secure_sock/sock_secure.h>
#include <secure_sock/tlsman.h>

/* one session slot, and our part of it: the slot minus the backend's reserved area */
char ss_sizeof_session[sizeof(sock_secure_session_t)];
char ss_sizeof_session_ours[sizeof(sock_secure_session_t) - CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE];
char ss_sizeof_driver_session_area[CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE];
/* one socket, and our part of it beyond the receive and early buffers and the backend's area (the
 * receive buffer: CONFIG_SOCK_SECURE_MAX_DATAGRAM bytes, or a record header's 13 without one) */
char ss_sizeof_socket[sizeof(sock_secure_t)];
char ss_sizeof_socket_ours[sizeof(sock_secure_t) - sizeof(((sock_secure_t *)0)->rx) -
                           CONFIG_SOCK_SECURE_EARLY_DATAGRAM - CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE];
char ss_sizeof_config[sizeof(sock_secure_config_t)];
char ss_sizeof_stats[sizeof(sock_secure_stats_t)];
char ss_sizeof_ep[sizeof(sock_secure_ep_t)];
char ss_sizeof_tlsman_info[sizeof(tlsman_info_t)];
