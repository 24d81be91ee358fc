/* bench/firmware.sh: tinyDTLS's POSIX build guards its global cipher context with a pthread mutex
 * (dtls_mutex.h); a single-threaded bare-metal image needs none. Not part of the library. */
#ifndef SS_FW_PTHREAD_H
#define SS_FW_PTHREAD_H
typedef int ss_fw_mutex_t;
#define pthread_mutex_t ss_fw_mutex_t
#define PTHREAD_MUTEX_INITIALIZER 0
#define pthread_mutex_lock(m) ((void)(m), 0)
#define pthread_mutex_trylock(m) ((void)(m), 0)
#define pthread_mutex_unlock(m) ((void)(m), 0)
#endif
