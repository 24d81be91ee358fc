#!/usr/bin/env bash
# bench/record.sh [COUNT] [ROUNDS]
#
# The record path against bare mbedTLS, side by side in one run (issue #15; docs/BENCHMARKS.md §12):
#   1. instructions per echoed record (callgrind, bench_rec_{ours,bare} pipe SIZE COUNT) for
#      16, 64, 256 and 1024 bytes: the whole echo, and each side alone (the client's send and
#      receive, --toggle-collect='echo_client_*'; the server's receive and send,
#      --toggle-collect=echo_server), per echo = Ir(COUNT) / COUNT (- Ir(0) / COUNT for the whole);
#   2. system calls per echo over UDP (strace -c -f, bench_rec_{ours,bare} udp 64 COUNT, the
#      calls of COUNT echoes minus those of 0 echoes);
#   3. wall clock per echo over UDP: ROUNDS rounds, ours and bare run back to back in each
#      round, the ratio ours/bare taken per round, the median of those ratios printed.
# Needs a Release build of the benchmarks in build-bench/ (bench/run.sh makes one, or:
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSS_BUILD_TESTS=OFF -DSS_BUILD_BENCH=ON
#   cmake --build build-bench --target bench_rec_ours bench_rec_bare), valgrind and strace.
# Not a test: nothing runs it in ctest or CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
COUNT=${1:-2000}
ROUNDS=${2:-21}
B=${B:-build-bench/bench}
SIZES=${SIZES:-16 64 256 1024}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cg() { # impl size count [toggle] -> total Ir
    local f=$TMP/cg.$1.$2.$3.${4:-all}
    valgrind --tool=callgrind --callgrind-out-file="$f" ${4:+--toggle-collect=$4} \
        "$B/bench_rec_$1" pipe "$2" "$3" >/dev/null 2>"$f.err" || { cat "$f.err" >&2; exit 1; }
    awk '/^(summary|totals):/ { print $2; exit }' "$f"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# tree $(git describe --always --dirty 2>/dev/null || echo '?'); $(date -u +%Y-%m-%dT%H:%MZ); COUNT=$COUNT ROUNDS=$ROUNDS"
echo "## instructions per echo (callgrind): whole echo, client side, server side"
printf "%5s | %8s %8s %6s | %8s %8s %6s | %8s %8s %6s\n" size ours bare ratio cli_ours cli_bare ratio \
    srv_ours srv_bare ratio
for s in $SIZES; do
    declare -A r=()
    for impl in ours bare; do
        z=$(cg "$impl" "$s" 0)
        a=$(cg "$impl" "$s" "$COUNT")
        r[$impl.all]=$(( (a - z) / COUNT ))
        r[$impl.cli]=$(( $(cg "$impl" "$s" "$COUNT" 'echo_client_*') / COUNT ))
        r[$impl.srv]=$(( $(cg "$impl" "$s" "$COUNT" echo_server) / COUNT ))
    done
    printf "%5s | %8s %8s %6.3f | %8s %8s %6.3f | %8s %8s %6.3f\n" "$s" \
        "${r[ours.all]}" "${r[bare.all]}" "$(awk "BEGIN { print ${r[ours.all]} / ${r[bare.all]} }")" \
        "${r[ours.cli]}" "${r[bare.cli]}" "$(awk "BEGIN { print ${r[ours.cli]} / ${r[bare.cli]} }")" \
        "${r[ours.srv]}" "${r[bare.srv]}" "$(awk "BEGIN { print ${r[ours.srv]} / ${r[bare.srv]} }")"
done

echo "## system calls per echo over UDP (strace -c -f; 64 bytes; COUNT echoes minus 0)"
calls() { # impl count -> total calls; the calls by name in $TMP/st.IMPL.COUNT
    strace -f -c -o "$TMP/st" "$B/bench_rec_$1" udp 64 "$2" >/dev/null
    awk '$1 ~ /^[0-9.]+$/ && $NF != "total" && $4 >= 1000 { printf "%s=%s ", $NF, $4 } END { print "" }' \
        "$TMP/st" >"$TMP/st.$1.$2"
    awk '$NF == "total" { print $4 }' "$TMP/st"
}
for impl in ours bare; do
    z=$(calls "$impl" 0); a=$(calls "$impl" "$COUNT")
    printf "%-5s %6.2f per echo   (with %s echoes: %s)\n" "$impl" "$(awk "BEGIN { print ($a - $z) / $COUNT }")" "$COUNT" "$(cat "$TMP/st.$impl.$COUNT")"
done

echo "## wall clock per echo over UDP, 64 bytes ($ROUNDS rounds of $COUNT echoes, ours and bare back to back)"
for r in $(seq "$ROUNDS"); do
    o=$("$B/bench_rec_ours" udp 64 "$COUNT" | sed 's/.* ns=\([0-9]*\).*/\1/')
    b=$("$B/bench_rec_bare" udp 64 "$COUNT" | sed 's/.* ns=\([0-9]*\).*/\1/')
    echo "$o $b"
done >"$TMP/wall"
printf "ours %.2f us, bare %.2f us per echo (medians); median of the per-round ratios ours/bare: %.3f\n" \
    "$(awk -v n="$COUNT" '{ print $1 / n / 1000 }' "$TMP/wall" | median)" \
    "$(awk -v n="$COUNT" '{ print $2 / n / 1000 }' "$TMP/wall" | median)" \
    "$(awk '{ print $1 / $2 }' "$TMP/wall" | median)"
