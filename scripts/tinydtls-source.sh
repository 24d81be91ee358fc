#!/usr/bin/env bash
# scripts/tinydtls-source.sh: a tinyDTLS source tree for the tinydtls driver; prints its path.
#
# No package registry carries tinyDTLS: the builder supplies a tree (cmake -DSS_TINYDTLS_DIR=...).
# This script finds one for CI and the benchmarks (.ci/run's tinydtls check, bench/firmware.sh):
#   SS_TINYDTLS_DIR set     that tree, as it is;
#   else                    a clone of the mirror ${MIRRORS:-/work/.mirror}/eclipse+tinydtls/repo
#                           (a bare git mirror of https://github.com/eclipse/tinydtls) at the
#                           commit below, in build-tinydtls-src/tinydtls (git-ignored), made once.
# The commit is the one RIOT pins in pkg/tinydtls/Makefile (PKG_VERSION), the version the driver
# is tested with: 95d02ee28ea7 "crypto.c: Support -O3 compiler builds" (2023-09-13), tinyDTLS
# 0.8.6 by its CMakeLists.txt. Override with TINYDTLS_COMMIT.
#
# Exit status: 0 (the path on stdout), 77 if there is no tree and no mirror (callers report
# their check as skipped), 1 if what was found is not usable.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
COMMIT=${TINYDTLS_COMMIT:-95d02ee28ea745541d6c55dba49f3b3ab8b71a43}

if [ -n "${SS_TINYDTLS_DIR:-}" ]; then
    T=${SS_TINYDTLS_DIR%/}
else
    MIRROR=${MIRRORS:-/work/.mirror}/eclipse+tinydtls/repo
    T=$PWD/build-tinydtls-src/tinydtls
    if [ "$(git -C "$T" rev-parse HEAD 2>/dev/null)" != "$COMMIT" ]; then
        if [ ! -d "$MIRROR" ]; then
            echo "tinydtls-source: no SS_TINYDTLS_DIR and no tinyDTLS mirror at $MIRROR" >&2
            exit 77
        fi
        command -v git >/dev/null || { echo "tinydtls-source: git is needed" >&2; exit 1; }
        git -C "$MIRROR" cat-file -e "$COMMIT^{commit}" 2>/dev/null ||
            { echo "tinydtls-source: the mirror $MIRROR lacks commit $COMMIT" >&2; exit 1; }
        rm -rf "$T"
        mkdir -p "$(dirname "$T")"
        git clone -q "$MIRROR" "$T" >&2 && git -C "$T" checkout -q "$COMMIT" >&2 ||
            { echo "tinydtls-source: could not check out $COMMIT into $T" >&2; exit 1; }
    fi
fi
[ -f "$T/dtls.c" ] && [ -f "$T/tinydtls.h" ] || { echo "tinydtls-source: no tinyDTLS tree at $T" >&2; exit 1; }
echo "$T"
