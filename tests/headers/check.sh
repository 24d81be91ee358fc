#!/usr/bin/env bash
# Every public header compiles alone, included twice (its include guard), in a translation unit of
# its own, with RIOT's warning set (makefiles/cflags.inc.mk and Makefile.include: -Werror, and its
# WPEDANTIC=1 -Wpedantic) and the strict warnings an application may add: a header that is not
# self-contained or not warning-clean fails (ctest: headers_alone_gcc, headers_alone_clang,
# headers_alone_arm-none-eabi-gcc).
#
# The portable headers (secure_sock/*.h) are compiled by every compiler, including a bare-metal
# cross compiler with newlib (arm-none-eabi-gcc: no POSIX headers there, so a portable header
# that pulls one in fails); the POSIX-only ones (secure_sock/posix/*.h) by hosted compilers only.
# And the user API keeps the driver contract out: sock_secure.h must not include tlsman.h.
#
#   check.sh CC INCLUDE_DIR OUT_DIR
#
# Exit 0: all clean; 1: a header failed (its diagnostics are printed); 77: CC is not installed.
set -euo pipefail

cc=$1 inc=$2 out=$3
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "SKIPPED: $cc is not installed"
    exit 77
fi
mkdir -p "$out"

# RIOT: CFLAGS of makefiles/cflags.inc.mk (the optional ones where this compiler has them) and
# -Werror (WERROR=1, the default), -Wpedantic (WPEDANTIC=1)
flags=(-std=c11 -fwrapv -Wstrict-overflow -Wstrict-prototypes -Wold-style-definition -fno-common
       -ffunction-sections -fdata-sections -Wall -Wextra -Wformat=2 -Wcast-align
       -Wmissing-include-dirs -DNDEBUG -Werror -Wpedantic)
# a bare-metal target (arm-none-eabi, ...) has no POSIX headers: only the portable ones
hosted=1
case "$("$cc" -dumpmachine 2>/dev/null)" in
    *-none-*|*-elf|*-eabi*) hosted=0 ;;
esac
case "$("$cc" --version 2>/dev/null | head -n 1)" in
    *clang*) flags+=(-Wdocumentation -Wno-documentation-deprecated-sync
                     -Wdocumentation-pedantic -Wdocumentation-unknown-command) ;;
    *)       flags+=(-Wformat-overflow -Wformat-truncation) ;;
esac
# what an application may add on top (the library itself builds with most of these)
flags+=(-Wconversion -Wsign-conversion -Wshadow -Wundef -Wcast-qual -Wredundant-decls
        -Wmissing-prototypes -Wmissing-declarations)

failed=0 n=0
headers=("$inc"/secure_sock/*.h)
if [ "$hosted" -eq 1 ]; then
    headers+=("$inc"/secure_sock/posix/*.h)
fi
for h in "${headers[@]}"; do
    rel=${h#"$inc"/}                       # secure_sock/posix/udp.h
    name=$(echo "${rel%.h}" | tr '/' '_')  # secure_sock_posix_udp
    src="$out/$name.c"
    printf '#include <%s>\n#include <%s>\n' "$rel" "$rel" >"$src"
    printf 'typedef int header_check_%s_t; /* a TU that is not empty */\n' "$name" >>"$src"
    n=$((n + 1))
    if "$cc" "${flags[@]}" -I"$inc" -c "$src" -o "$out/$name.o"; then
        echo "ok   $rel"
    else
        echo "FAIL $rel"
        failed=$((failed + 1))
    fi
done

# The user API does not bring the driver contract with it (applications name backends).
src="$out/user_api_without_tlsman.c"
cat >"$src" <<'C'
#include <secure_sock/sock_secure.h>
#ifdef SECURE_SOCK_TLSMAN_H
#error "sock_secure.h includes tlsman.h: applications would see the driver vtable"
#endif
typedef int tlsman_driver_t; /* free for an application's own use */
C
n=$((n + 1))
if "$cc" "${flags[@]}" -I"$inc" -c "$src" -o "$out/user_api_without_tlsman.o"; then
    echo "ok   sock_secure.h without tlsman.h"
else
    echo "FAIL sock_secure.h without tlsman.h"
    failed=$((failed + 1))
fi
echo "$cc: $n checks ($([ "$hosted" -eq 1 ] && echo "portable and POSIX headers" ||
                       echo "portable headers, bare-metal")), $failed failed"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
