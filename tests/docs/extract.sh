#!/usr/bin/env bash
# Extract every ```c block of Markdown files so that the test suite compiles them (the ctest tests
# docs_<file>_<n>, see tests/docs/CMakeLists.txt): the docs cannot drift from the headers.
#
#   extract.sh SRCDIR OUTDIR FILE.md...
#
# The line right before each ```c fence says how the block is compiled (an HTML comment, not
# shown when the Markdown is rendered):
#   <!-- compile: program -->    a complete program: compiled and linked against the library
#   <!-- compile: unit -->       a translation unit without main() (its own #includes): compiled
#   <!-- compile: fragment -->   statements: compiled as the body of a function, after every
#                                public header and <stddef.h> <stdint.h> <stdio.h> <string.h>
# and, after the mode, "same as PATH" (relative to SRCDIR): the block must be that file verbatim
# (test docs_<file>_<n>_same_as_file). A block without a marker gets a source that is an #error.
#
# Writes OUTDIR/<file>_<n>.c (with #line, so that errors point into the Markdown),
# OUTDIR/<file>_<n>.block (the block as written) and OUTDIR/blocks.txt, one line per block:
# "NAME MODE SAME_AS" (SAME_AS "-" for none). Files are rewritten only when they change.
set -euo pipefail

src=$1 out=$2
shift 2
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# copy_if_changed FROM TO: keep TO's timestamp when its content is the same (no needless rebuild)
copy_if_changed() {
    cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

: >"$tmp/blocks.txt"
for md in "$@"; do
    stem=$(basename "$md" .md)
    # One record per block in $tmp/<stem>.list: "N LINE MODE SAME_AS"; its lines in <stem>_N.block
    awk -v dir="$tmp" -v stem="$stem" '
        function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
        inblock && /^```[ \t]*$/ { inblock = 0; close(file); next }
        inblock { print > file; next }
        /^```c[ \t]*$/ {
            n++
            mode = "missing"; same = "-"
            if (prev ~ /^<!-- compile: .* -->$/) {
                m = prev; sub(/^<!-- compile: /, "", m); sub(/ -->$/, "", m); m = trim(m)
                if (match(m, /,? *same as /)) {
                    same = trim(substr(m, RSTART + RLENGTH)); m = trim(substr(m, 1, RSTART - 1))
                }
                mode = m
            }
            file = dir "/" stem "_" n ".block"
            printf "" > file
            printf "%d %d %s %s\n", n, NR + 1, mode, same > (dir "/" stem ".list")
            inblock = 1
            next
        }
        { prev = $0 }
        END { if (inblock) { printf "%s: a ```c block is not closed\n", FILENAME > "/dev/stderr"; exit 1 } }
    ' "$md"
    [ -f "$tmp/$stem.list" ] || continue
    while read -r n line mode same; do
        name="${stem}_$n"
        block="$tmp/$name.block"
        c="$tmp/$name.c"
        where="$md:$line"
        case "$mode" in
            program|unit)
                { printf '/* %s: extracted by tests/docs/extract.sh (%s) */\n' "$where" "$mode"
                  printf '#line %d "%s"\n' "$line" "$md"
                  cat "$block"; } >"$c" ;;
            fragment)
                { printf '/* %s: extracted by tests/docs/extract.sh (fragment) */\n' "$where"
                  printf '#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n'
                  for h in "$src"/include/secure_sock/*.h; do
                      printf '#include <secure_sock/%s>\n' "$(basename "$h")"
                  done
                  printf 'void doc_fragment(void);\nvoid doc_fragment(void)\n{\n'
                  printf '#line %d "%s"\n' "$line" "$md"
                  cat "$block"
                  printf '}\n'; } >"$c" ;;
            missing)
                printf '#error "%s: a ```c block needs <!-- compile: program|unit|fragment --> on the line before it (tests/docs/extract.sh)"\n' \
                    "$where" >"$c"
                mode=unit ;;
            *)
                printf '#error "%s: unknown compile mode \\"%s\\" (program, unit or fragment; tests/docs/extract.sh)"\n' \
                    "$where" "$mode" >"$c"
                mode=unit ;;
        esac
        copy_if_changed "$c" "$out/$name.c"
        copy_if_changed "$block" "$out/$name.block"
        echo "$name $mode $same" >>"$tmp/blocks.txt"
    done <"$tmp/$stem.list"
done
copy_if_changed "$tmp/blocks.txt" "$out/blocks.txt"
