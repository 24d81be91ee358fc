#!/usr/bin/env bash
# bench/resume.sh [BUILD_DIR]
#
# Full vs resumed DTLS 1.2 handshake on mbedTLS, in instructions per handshake and per side
# (docs/BENCHMARKS.md §14): bench_resume (client and server in one process over the in-memory
# link) under callgrind, counting only one side's functions (--toggle-collect='bench_client_*'
# or 'bench_server_*'); per handshake = (Ir(N=11) - Ir(N=1)) / 10, which removes the set-up (two
# sockets, the first full handshake, RNG seeding). Needs valgrind and the test PKI (make check
# makes BUILD_DIR/pki; else tests/pki/make-pki.sh BUILD_DIR/pki). Not run by ctest or CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${1:-build}
B=$BUILD/bench/bench_resume
PKI=$BUILD/pki
[ -x "$B" ] || { echo "no $B: cmake --build $BUILD --target bench_resume"; exit 1; }
[ -f "$PKI/server.crt" ] || bash tests/pki/make-pki.sh "$PKI" >/dev/null
command -v valgrind >/dev/null || { echo "valgrind is needed"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ir KX MODE SIDE N: instructions counted in that side's functions over N handshakes (+ set-up)
ir() {
    valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" --toggle-collect="bench_$3_*" \
        "$B" "$1" "$2" "$4" "$PKI" >/dev/null 2>"$TMP/vg.err" || { cat "$TMP/vg.err"; exit 1; }
    sed -n 's/^summary: //p' "$TMP/cg.out"
}

printf '| suite | side | full handshake | resumed handshake | resumed / full |\n'
printf '|---|---|---:|---:|---:|\n'
for kx in psk ecdsa; do
    for side in client server; do
        f=$(( ($(ir $kx full $side 11) - $(ir $kx full $side 1)) / 10 ))
        r=$(( ($(ir $kx resumed $side 11) - $(ir $kx resumed $side 1)) / 10 ))
        name=TLS_PSK_WITH_AES_128_CCM_8
        [ $kx = ecdsa ] && name=TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
        printf '| %s | %s | %d | %d | %s |\n' "$name" "$side" "$f" "$r" \
            "$(awk -v a="$r" -v b="$f" 'BEGIN { printf "%.3f", a / b }')"
    done
done
