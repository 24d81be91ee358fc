/**
 * @file posix_clock.c
 * @brief The default clock on POSIX hosts: CLOCK_MONOTONIC in milliseconds.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdint.h>
#include <time.h>

#include "secure_sock/sock_secure.h"

uint64_t sock_secure_platform_now_ms(void *arg)
{
    struct timespec ts;

    (void)arg;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0; /* cannot happen where CLOCK_MONOTONIC exists (POSIX.1-2008 requires it) */
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
