#!/usr/bin/env bash
# scripts/mbedtls-source.sh: Debian's mbedTLS 2.28 source, unpacked; prints the tree's path.
#
# Shared by every build of mbedTLS from source (bench/firmware.sh, scripts/device-profile.sh).
# The source comes from Debian bookworm through a private sources list given to apt-get with -o
# options (nothing under /etc/apt is read or changed; lists and cache live in
# build-mbedtls-src/apt/, git-ignored): apt verifies the files against the signed Release, then
# dpkg-source extracts them into build-mbedtls-src/src/. The download is made once and reused.
# Set MBEDTLS_SRC=/path/to/mbedtls-2.28.x to use an already unpacked tree instead.
#
# Exit status: 0 (the path on stdout), 77 if the source cannot be had (no network, no apt-get or
# dpkg-source: callers report their check as skipped), 1 if what was found is not mbedTLS 2.28.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
W=${MBEDTLS_SRC_DIR:-$PWD/build-mbedtls-src}

fetch_source() {
    local apt=$W/apt
    command -v apt-get >/dev/null && command -v dpkg-source >/dev/null ||
        { echo "mbedtls-source: apt-get and dpkg-source are needed" >&2; return 1; }
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$W/src" || return 1
    printf 'deb-src http://deb.debian.org/debian bookworm main\n' >"$apt/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
    apt-get "${opts[@]}" update >&2 || return 1
    (cd "$W/src" && apt-get "${opts[@]}" --download-only source mbedtls >&2) || return 1
    local dscs=("$W"/src/mbedtls_2.28.*.dsc) dsc
    dsc=${dscs[-1]}
    [ -f "$dsc" ] || return 1
    # apt checked the files against the signed InRelease; the .dsc's own OpenPGP signature needs
    # Debian's keyring, which is not installed: hence --no-check.
    (cd "$W/src" && dpkg-source --no-check -x "$(basename "$dsc")" >&2) || return 1
}

newest_tree() {
    local trees=("$W"/src/mbedtls-2.28.*/)
    local t=${trees[-1]}
    echo "${t%/}"
}

if [ -n "${MBEDTLS_SRC:-}" ]; then
    M=${MBEDTLS_SRC%/}
else
    M=$(newest_tree)
    if [ ! -f "$M/library/ssl_tls.c" ]; then
        if ! fetch_source; then
            echo "mbedtls-source: could not download Debian's mbedtls source package" >&2
            exit 77
        fi
        M=$(newest_tree)
    fi
fi
[ -f "$M/include/mbedtls/version.h" ] || { echo "mbedtls-source: no mbedTLS tree at $M" >&2; exit 1; }
V=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$M/include/mbedtls/version.h")
case $V in 2.28.*) ;; *) echo "mbedtls-source: expected mbedTLS 2.28.x, found $V in $M" >&2; exit 1 ;; esac
echo "$M"
