/* The test PKI (made at test time by tests/pki/make-pki.sh, ctest fixture pki_setup): where it is,
 * the path of one of its files, and credential stores loaded from it. Shared by the certificate
 * tests (conformance/test_certs.c, test_suites.c, integration/test_cross_driver.c). */
#ifndef SS_TU_PKI_H
#define SS_TU_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/creds.h"

/* The tags the tests file credentials under: own identity (certificate chain + key, or a PSK)
 * and trust anchors. */
#define TU_TAG_ID 1
#define TU_TAG_CA 2

/* The PKI directory; NULL until tu_pki_init() found one. */
extern const char *tu_pki_dir;

/* The PKI directory: argv[1] if given (@p argc > 1), else $SS_PKI_DIR. Returns it (also in
 * tu_pki_dir), or NULL if neither names one (unset or empty). */
const char *tu_pki_init(int argc, char **argv);

/* "<tu_pki_dir>/<name>", in one of four rotating buffers (so that several can be used in one
 * call). */
const char *tu_pki(const char *name);

/* Read PKI file @p name whole, at most @p max bytes. Returns its length (0: missing or empty). */
size_t tu_pki_read(const char *name, uint8_t *out, size_t max);

/* The PSK the credential tests add beside certificates: identity "psk-dev", this key. */
extern const uint8_t tu_pki_psk_key[16];

/* A fresh store @p st with the PKI files @p cert, @p key (under TU_TAG_ID) and @p ca (TU_TAG_CA);
 * a NULL name adds nothing. With @p psk, "psk-dev"/tu_pki_psk_key under TU_TAG_ID too (after the
 * key). Returns 0 or the first error (also printed with the file names). */
int tu_creds_load(sock_secure_creds_t *st, const char *cert, const char *key, const char *ca,
                  bool psk);

/* Whether @p needle (@p n bytes) is anywhere in @p st's arena (a removed key must not be). */
bool tu_arena_contains(const sock_secure_creds_t *st, const void *needle, size_t n);

#endif
