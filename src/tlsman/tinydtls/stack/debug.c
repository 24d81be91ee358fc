/*
 * debug.c: tinyDTLS's logging, compiled out - built instead of its dtls_debug.c (cmake/
 * tinydtls.cmake, bench/firmware.sh). Without HAVE_VPRINTF (stack/dtls_config.h) tinyDTLS's
 * dtls_debug.h turns every dtls_warn(), dtls_info(), ... into nothing, format strings included
 * (8 KB of flash in its dtls.c on Cortex-M4), but still calls the few functions below; they do
 * nothing. So tinyDTLS never prints, and in particular never dumps keys, secrets or plaintext (its
 * debug level does). On RIOT, RIOT's pkg/tinydtls builds its own dtls_debug.c with RIOT's log.
 */
#include "tinydtls.h"

#include <stddef.h>

#include "dtls_debug.h"

#ifdef HAVE_VPRINTF
#error "stack/debug.c replaces tinyDTLS's logging: build it without HAVE_VPRINTF"
#endif

const char *dtls_package_name(void)
{
    return PACKAGE_NAME;
}

const char *dtls_package_version(void)
{
    return PACKAGE_VERSION;
}

log_t dtls_get_log_level(void)
{
    return DTLS_LOG_EMERG;
}

void dtls_set_log_level(log_t level)
{
    (void)level;
}

void dtls_set_log_handler(dtls_log_handler_t app_handler)
{
    (void)app_handler;
}

void hexdump(const unsigned char *packet, int length)
{
    (void)packet;
    (void)length;
}

void dump(unsigned char *buf, size_t len)
{
    (void)buf;
    (void)len;
}

void dtls_dsrv_hexdump_log(log_t level, const char *name, const unsigned char *buf, size_t length,
                           int extend)
{
    (void)level;
    (void)name;
    (void)buf;
    (void)length;
    (void)extend;
}

void dtls_dsrv_log_addr(log_t level, const char *name, const session_t *addr)
{
    (void)level;
    (void)name;
    (void)addr;
}
