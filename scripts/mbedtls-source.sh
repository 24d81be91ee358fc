#!/usr/bin/env bash
# scripts/mbedtls-source.sh: Debian's mbedTLS 2.28 source, unpacked; prints the tree's path.
#
# Shared by every build of mbedTLS from source (bench/firmware.sh, scripts/device-profile.sh).
# The source comes from Debian bookworm through a private sources list given to apt-get with -o
# options (scripts/debian-source.sh; nothing under /etc/apt is read or changed; lists and cache
# live in build-mbedtls-src/apt/, git-ignored): apt verifies the files against the signed
# Release, then dpkg-source extracts them into build-mbedtls-src/src/. The download is made once
# and reused.
# Set MBEDTLS_SRC=/path/to/mbedtls-2.28.x to use an already unpacked tree instead.
#
# Exit status: 0 (the path on stdout), 77 if the source cannot be had (no network, no apt-get or
# dpkg-source: callers report their check as skipped), 1 if what was found is not mbedTLS 2.28.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/debian-source.sh

if [ -n "${MBEDTLS_SRC:-}" ]; then
    M=${MBEDTLS_SRC%/}
else
    M=$(debian_source mbedtls '2.28.*' library/ssl_tls.c "${MBEDTLS_SRC_DIR:-$PWD/build-mbedtls-src}") || exit $?
fi
[ -f "$M/include/mbedtls/version.h" ] || { echo "mbedtls-source: no mbedTLS tree at $M" >&2; exit 1; }
V=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$M/include/mbedtls/version.h")
case $V in 2.28.*) ;; *) echo "mbedtls-source: expected mbedTLS 2.28.x, found $V in $M" >&2; exit 1 ;; esac
echo "$M"
