#!/usr/bin/env bash
# Every public header compiles alone, included twice (its include guard), in a translation unit of
# its own, with RIOT's warning set (makefiles/cflags.inc.mk and Makefile.include: -Werror, and its
# WPEDANTIC=1 -Wpedantic) and the strict warnings an application may add: a header that is not
# self-contained or not warning-clean fails (ctest: headers_alone_gcc, headers_alone_clang).
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
case "$("$cc" --version 2>/dev/null | head -n 1)" in
    *clang*) flags+=(-Wdocumentation -Wno-documentation-deprecated-sync
                     -Wdocumentation-pedantic -Wdocumentation-unknown-command) ;;
    *)       flags+=(-Wformat-overflow -Wformat-truncation) ;;
esac
# what an application may add on top (the library itself builds with most of these)
flags+=(-Wconversion -Wsign-conversion -Wshadow -Wundef -Wcast-qual -Wredundant-decls
        -Wmissing-prototypes -Wmissing-declarations)

failed=0 n=0
for h in "$inc"/secure_sock/*.h; do
    name=$(basename "$h" .h)
    src="$out/$name.c"
    printf '#include <secure_sock/%s.h>\n#include <secure_sock/%s.h>\n' "$name" "$name" >"$src"
    printf 'typedef int header_check_%s_t; /* a TU that is not empty */\n' "$name" >>"$src"
    n=$((n + 1))
    if "$cc" "${flags[@]}" -I"$inc" -c "$src" -o "$out/$name.o"; then
        echo "ok   secure_sock/$name.h"
    else
        echo "FAIL secure_sock/$name.h"
        failed=$((failed + 1))
    fi
done
echo "$cc: $n headers, $failed failed"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
