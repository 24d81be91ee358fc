#!/usr/bin/env bash
# bench/workers.sh [ROUNDS] [MS]
#
# `ssock server --workers N` for N = 1 and 2 (issue #15; docs/SCALING.md): handshakes/s and
# echoed 64-byte records/s, measured by bench_load (forked clients, each with its own source
# port). Rounds alternate N = 1 and N = 2; the medians over ROUNDS rounds (default 5) of MS ms
# (default 3000) each are printed. Every client comes from 127.0.0.1, so the per-address
# handshake limit is lifted (--max-per-address 64).
#
# CPUs (this machine has 2): the load generator is pinned to the last CPU (taskset); the server
# gets CPU 0 alone ("apart") or every CPU ("all": 2 workers can then use both, sharing one with
# the generator). Both layouts are run. Needs a Release build in build-bench/
# (bench/run.sh, or: cmake --build build-bench --target ssock bench_load). Not a test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${1:-5}
MS=${2:-3000}
B=${B:-build-bench}
HS_CLIENTS=${HS_CLIENTS:-32}
ECHO_CLIENTS=${ECHO_CLIENTS:-32}
LAST=$(($(nproc) - 1))
KEY=00112233445566778899aabbccddeeff
TMP=$(mktemp -d)
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

start() { # workers cpus -> SPID, PORT
    local try
    for try in 1 2 3; do
        PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        taskset -c "$2" "$B/ssock" server --workers "$1" --listen "127.0.0.1:$PORT" --psk "bench:$KEY" \
            --ciphers PSK-AES128-CCM8 --echo --max-sessions 64 --max-per-address 64 -v >/dev/null 2>"$TMP/server.err" &
        SPID=$!
        for _ in $(seq 50); do
            [ "$(grep -c 'listening on' "$TMP/server.err")" -ge "$1" ] && return 0
            kill -0 "$SPID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null || true; SPID=
    done
    echo "workers.sh: the server did not start: $(cat "$TMP/server.err")" >&2
    exit 1
}
stop() { kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=; }
load() { # mode clients -> per_s
    taskset -c "$LAST" "$B/bench/bench_load" "$1" 127.0.0.1 "$PORT" "$2" "$MS" |
        sed 's/.* per_s=\([0-9]*\).*/\1/'
}

echo "# tree $(git describe --always --dirty 2>/dev/null || echo '?'); $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# generator on CPU $LAST; hs: $HS_CLIENTS clients, echo: $ECHO_CLIENTS clients; $ROUNDS rounds of $MS ms"
for layout in apart all; do
    cpus=0
    [ "$layout" = all ] && cpus=0-$LAST
    for r in $(seq "$ROUNDS"); do
        for n in 1 2; do
            start "$n" "$cpus"
            echo "$n hs $(load hs "$HS_CLIENTS")" >>"$TMP/$layout"
            echo "$n echo $(load echo "$ECHO_CLIENTS")" >>"$TMP/$layout"
            stop
        done
    done
    med() { awk -v n="$1" -v m="$2" '$1 == n && $2 == m { print $3 }' "$TMP/$layout" | median; }
    h1=$(med 1 hs); h2=$(med 2 hs); e1=$(med 1 echo); e2=$(med 2 echo)
    printf "server on CPU %-4s | handshakes/s: 1 worker %6.0f, 2 workers %6.0f (x%.2f) | echoed records/s: 1 worker %6.0f, 2 workers %6.0f (x%.2f)\n" \
        "$cpus" "$h1" "$h2" "$(awk "BEGIN { print $h2 / $h1 }")" "$e1" "$e2" "$(awk "BEGIN { print $e2 / $e1 }")"
done
