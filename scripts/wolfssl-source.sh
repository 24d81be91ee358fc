#!/usr/bin/env bash
# scripts/wolfssl-source.sh: Debian's wolfSSL 5.5.4 source, unpacked; prints the tree's path.
#
# For builds of wolfSSL from source (ports/riot/test.sh: RIOT's pkg/wolfssl pins a wolfSSL commit
# of a ~1 GB repository that cannot be fetched here; the port builds 5.5.4 instead, the version
# the driver is written against). The source comes from Debian bookworm through a private sources
# list given to apt-get with -o options, as scripts/mbedtls-source.sh does (nothing under /etc/apt
# is read or changed; lists and cache live in build-wolfssl-src/apt/, git-ignored): apt verifies
# the files against the signed Release, then dpkg-source extracts them (with Debian's patches)
# into build-wolfssl-src/src/. The download is made once and reused.
# Set WOLFSSL_SRC=/path/to/wolfssl-5.5.4 to use an already unpacked tree instead.
#
# Exit status: 0 (the path on stdout), 77 if the source cannot be had (no network, no apt-get or
# dpkg-source: callers report their check as skipped), 1 if what was found is not wolfSSL 5.5.4.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
W=${WOLFSSL_SRC_DIR:-$PWD/build-wolfssl-src}

fetch_source() {
    local apt=$W/apt
    command -v apt-get >/dev/null && command -v dpkg-source >/dev/null ||
        { echo "wolfssl-source: apt-get and dpkg-source are needed" >&2; return 1; }
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$W/src" || return 1
    printf 'deb-src http://deb.debian.org/debian bookworm main\n' >"$apt/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
    apt-get "${opts[@]}" update >&2 || return 1
    (cd "$W/src" && apt-get "${opts[@]}" --download-only source wolfssl >&2) || return 1
    local dscs=("$W"/src/wolfssl_5.5.4*.dsc) dsc
    dsc=${dscs[-1]}
    [ -f "$dsc" ] || return 1
    # apt checked the files against the signed InRelease; the .dsc's own OpenPGP signature needs
    # Debian's keyring, which is not installed: hence --no-check.
    (cd "$W/src" && dpkg-source --no-check -x "$(basename "$dsc")" >&2) || return 1
}

newest_tree() {
    local trees=("$W"/src/wolfssl-5.5.4*/)
    local t=${trees[-1]}
    echo "${t%/}"
}

if [ -n "${WOLFSSL_SRC:-}" ]; then
    S=${WOLFSSL_SRC%/}
else
    S=$(newest_tree)
    if [ ! -f "$S/src/internal.c" ]; then
        if ! fetch_source; then
            echo "wolfssl-source: could not download Debian's wolfssl source package" >&2
            exit 77
        fi
        S=$(newest_tree)
    fi
fi
[ -f "$S/wolfssl/version.h" ] || { echo "wolfssl-source: no wolfSSL tree at $S" >&2; exit 1; }
V=$(sed -n 's/^#define LIBWOLFSSL_VERSION_STRING *"\(.*\)"/\1/p' "$S/wolfssl/version.h")
case $V in 5.5.4) ;; *) echo "wolfssl-source: expected wolfSSL 5.5.4, found $V in $S" >&2; exit 1 ;; esac
echo "$S"
