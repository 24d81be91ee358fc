#!/usr/bin/env bash
# cg_diff.sh A_FIRST A_LAST B_FIRST B_LAST DIVISOR [LINES]
# Where two programs' instructions differ, function by function: for each of A and B the marginal
# self cost per unit, (LAST - FIRST) / DIVISOR (e.g. Ir(N=21) - Ir(N=1) over 20 connections, or
# Ir(COUNT) - Ir(0) over COUNT records), then A - B sorted by the difference.
# Prints "diff A B function [object]", the largest differences first, LINES lines (default 25).
set -euo pipefail
[ "$#" -ge 5 ] || { sed -n '2,6p' "$0"; exit 2; }
fns() { # file -> "count function@object"
    callgrind_annotate --threshold=100 --auto=no --show-percs=no --inclusive=no "$1" | awk '
        $1 ~ /^[0-9,]+$/ && /\[.*\]$/ {
            n = $1; gsub(",", "", n); fn = $2; sub(/^.*:/, "", fn)
            ob = $0; sub(/.*\[/, "", ob); sub(/\]$/, "", ob); sub(/.*\//, "", ob)
            print n, fn "@" ob
        }'
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fns "$1" >"$tmp/a0"; fns "$2" >"$tmp/a1"; fns "$3" >"$tmp/b0"; fns "$4" >"$tmp/b1"
awk -v d="$5" '
    FILENAME ~ /a0$/ { a[$2] -= $1; k[$2] = 1 } FILENAME ~ /a1$/ { a[$2] += $1; k[$2] = 1 }
    FILENAME ~ /b0$/ { b[$2] -= $1; k[$2] = 1 } FILENAME ~ /b1$/ { b[$2] += $1; k[$2] = 1 }
    END { for (f in k) { x = a[f] / d; y = b[f] / d; if (x != y) { split(f, p, "@"); printf "%9.0f %9.0f %9.0f  %s [%s]\n", x - y, x, y, p[1], p[2] } } }
' "$tmp/a0" "$tmp/a1" "$tmp/b0" "$tmp/b1" | sort -g -r -k1,1 | head -n "${6:-25}"
