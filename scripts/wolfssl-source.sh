#!/usr/bin/env bash
# scripts/wolfssl-source.sh: Debian's wolfSSL 5.5.4 source, unpacked; prints the tree's path.
#
# For builds of wolfSSL from source (ports/riot/test.sh: RIOT's pkg/wolfssl pins a wolfSSL commit
# of a ~1 GB repository that cannot be fetched here; the port builds 5.5.4 instead, the version
# the driver is written against). Fetched once from Debian bookworm into build-wolfssl-src/
# (git-ignored) and reused, as scripts/mbedtls-source.sh does (scripts/debian-source.sh).
# Set WOLFSSL_SRC=/path/to/wolfssl-5.5.4 to use an already unpacked tree instead.
#
# Exit status: 0 (the path on stdout), 77 if the source cannot be had (no network, no apt-get or
# dpkg-source: callers report their check as skipped), 1 if what was found is not wolfSSL 5.5.4.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/debian-source.sh

if [ -n "${WOLFSSL_SRC:-}" ]; then
    S=${WOLFSSL_SRC%/}
else
    S=$(debian_source wolfssl '5.5.4*' src/internal.c "${WOLFSSL_SRC_DIR:-$PWD/build-wolfssl-src}") || exit $?
fi
[ -f "$S/wolfssl/version.h" ] || { echo "wolfssl-source: no wolfSSL tree at $S" >&2; exit 1; }
V=$(sed -n 's/^#define LIBWOLFSSL_VERSION_STRING *"\(.*\)"/\1/p' "$S/wolfssl/version.h")
case $V in 5.5.4) ;; *) echo "wolfssl-source: expected wolfSSL 5.5.4, found $V in $S" >&2; exit 1 ;; esac
echo "$S"
