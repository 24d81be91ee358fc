#!/usr/bin/env bash
# bench/lossy.sh [RUNS]
#
# DTLS 1.2 PSK handshake completion time through a lossy link, ours next to OpenSSL. For each
# loss rate (10 % and 25 %) and each implementation, RUNS handshakes (default 30), each on a fresh
# server behind bench/lossy_proxy (127.0.0.1, each datagram in each direction dropped with the
# given probability, splitmix64 seeded with the run number: run i of ours and run i of openssl at
# the same loss see the same drop decisions for their n-th datagram in each direction):
#
#   ours:    ssock server --backend mbedtls --psk ... --ciphers PSK-AES128-CCM8  /
#            ssock client --backend mbedtls -v ...
#   openssl: openssl s_server -dtls1_2 -nocert -psk ... -cipher PSK-AES128-CCM8  /
#            openssl s_client -dtls1_2 -psk ... -cipher PSK-AES128-CCM8
#
# Time = wall clock from the client's start to its handshake-complete line (ours: "ssock:
# connected to" on stderr; openssl: "New, TLSv1.2, Cipher is" on stdout, line-buffered with
# stdbuf). A run not done after CAP seconds (default 60) is killed and counted as failed.
# PAR runs (default 4) go in parallel on distinct ports, configurations interleaved.
# Raw results: bench/results/lossy.txt (one "raw" line per run, then the summary table).
# Not a test: ctest and CI never run this. Loopback only.
#
#   RUNS       runs per configuration (argument 1, default 30)
#   PAR=4      runs in parallel
#   CAP=60     seconds before a run counts as failed
#   LOSSES="100 250"  loss rates in permille
#   BASE_PORT=42000   first port (each run uses 2: server, proxy)
#   BACKEND=mbedtls   the stack under ssock (ssock --version lists them)
set -euo pipefail
SELF=$(realpath "${BASH_SOURCE[0]}")
cd "$(dirname "$SELF")/.."

PSK_ID=bench
PSK_KEY=00112233445566778899aabbccddeeff
B=${B:-build-bench}
BACKEND=${BACKEND:-mbedtls}
export BACKEND

# ---- one run (called through xargs) -----------------------------------------------------------
if [ "${1:-}" = --one ]; then
    loss=$2 impl=$3 run=$4 port=$5 cap=$6
    sport=$port pport=$((port + 1))
    tmp=$(mktemp -d)
    spid= ppid_= fd=
    finish() {
        [ -n "$ppid_" ] && kill "$ppid_" 2>/dev/null || true
        [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
        wait 2>/dev/null || true
        rm -rf "$tmp"
    }
    trap finish EXIT
    bound() { ss -Hunl "sport = :$1" 2>/dev/null | grep -q .; }

    if [ "$impl" = ours ]; then
        "$B/ssock" server --backend "$BACKEND" --listen "127.0.0.1:$sport" --psk "$PSK_ID:$PSK_KEY" \
            --ciphers PSK-AES128-CCM8 >"$tmp/server.out" 2>&1 &
        spid=$!
    else
        mkfifo "$tmp/s.in"
        exec {fd}<>"$tmp/s.in" # s_server stops at EOF on stdin: keep a writer open
        openssl s_server -dtls1_2 -4 -nocert -psk "$PSK_KEY" -psk_identity "$PSK_ID" \
            -cipher PSK-AES128-CCM8 -accept "$sport" -quiet <&"$fd" >"$tmp/server.out" 2>&1 &
        spid=$!
    fi
    "$B/bench/lossy_proxy" "$pport" "$sport" "$loss" "$run" >"$tmp/proxy.out" 2>&1 &
    ppid_=$!
    for _ in $(seq 100); do
        bound "$sport" && grep -q ready "$tmp/proxy.out" && break
        sleep 0.05
    done
    if ! bound "$sport" || ! grep -q ready "$tmp/proxy.out" || ! kill -0 "$spid" 2>/dev/null; then
        echo "raw loss=$loss impl=$impl run=$run port=$port result=setup_error" \
            "detail=\"$(cat "$tmp/server.out" "$tmp/proxy.out" | tr '\n' ' ' | cut -c1-200)\""
        exit 0
    fi

    t0=$EPOCHREALTIME
    if [ "$impl" = ours ]; then
        marker='ssock: connected to'
        # --handshake-timeout beyond the cap: only the cap decides
        { timeout "$cap" "$B/ssock" client --backend "$BACKEND" "127.0.0.1:$pport" --psk "$PSK_ID:$PSK_KEY" \
            --ciphers PSK-AES128-CCM8 --handshake-timeout $(((cap + 60) * 1000)) --timeout 1 -v \
            </dev/null 2>&1 && rc=0 || rc=$?; echo "RC $rc"; } |
            while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done >"$tmp/client.out"
    else
        marker='Cipher is'
        { timeout "$cap" stdbuf -oL openssl s_client -dtls1_2 -4 -psk "$PSK_KEY" -psk_identity "$PSK_ID" \
            -cipher PSK-AES128-CCM8 -connect "127.0.0.1:$pport" </dev/null 2>&1 && rc=0 || rc=$?; echo "RC $rc"; } |
            while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done >"$tmp/client.out"
    fi
    kill "$ppid_" 2>/dev/null || true
    wait "$ppid_" 2>/dev/null || true
    ppid_=
    t1=$(grep -m1 -F "$marker" "$tmp/client.out" | cut -d' ' -f1 || true)
    rc=$(sed -n 's/^[0-9.]* RC //p' "$tmp/client.out" | tail -n1)
    px=$(grep '^proxy ' "$tmp/proxy.out" | cut -d' ' -f2- || true)
    self=
    [ "$impl" = ours ] && self=$(grep -m1 -F "$marker" "$tmp/client.out" | sed -n 's/.* \([0-9]*\) ms$/ self_ms=\1/p' || true)
    if [ -n "$t1" ]; then
        ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
        echo "raw loss=$loss impl=$impl run=$run seed=$run result=ok ms=$ms$self rc=$rc $px"
    else
        why=failed; [ "$rc" = 124 ] && why=timeout
        last=$(grep -v ' RC ' "$tmp/client.out" | tail -n1 | cut -d' ' -f2- | tr -d '"' | cut -c1-120)
        echo "raw loss=$loss impl=$impl run=$run seed=$run result=$why rc=$rc $px last=\"$last\""
    fi
    exit 0
fi

# ---- driver ------------------------------------------------------------------------------------
RUNS=${1:-30}
PAR=${PAR:-4}
CAP=${CAP:-60}
LOSSES=${LOSSES:-100 250}
BASE_PORT=${BASE_PORT:-42000}
RES=bench/results
OUT=$RES/lossy.txt
mkdir -p "$RES"
command -v openssl >/dev/null || { echo "lossy.sh: needs openssl (scripts/deps.sh build)" >&2; exit 1; }

cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DSS_BUILD_TESTS=OFF -DSS_BUILD_BENCH=ON \
    "-DCMAKE_C_FLAGS=${BENCH_CFLAGS:-}" >/dev/null
cmake --build "$B" -j2 --target ssock lossy_proxy >/dev/null

tree_id=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
    echo "# DTLS 1.2 PSK (PSK-AES128-CCM8) handshake through bench/lossy_proxy on 127.0.0.1: each datagram"
    echo "# in each direction dropped with probability loss/1000 (splitmix64, seed = run number)."
    echo "# ms = wall clock from client start to its handshake-complete line; cap ${CAP} s (then failed)."
    echo "# ours = ssock server/client ($B, --backend $BACKEND); openssl = s_server/s_client $(openssl version | cut -d' ' -f2)."
    echo "# proxy counters: c2s/s2c = client->server / server->client datagrams forwarded / dropped."
    echo "# machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores, kernel $(uname -r);" \
         "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# tree: $tree_id; $(date -u +%Y-%m-%dT%H:%MZ); runs=$RUNS par=$PAR"
} >"$OUT"

# interleave: run i of every configuration before run i+1 of any
jobs=()
n=0
for run in $(seq "$RUNS"); do
    for loss in $LOSSES; do
        for impl in ours openssl; do
            jobs+=("$loss $impl $run $((BASE_PORT + 2 * (n % 500))) $CAP")
            n=$((n + 1))
        done
    done
done
start=$SECONDS
printf '%s\n' "${jobs[@]}" |
    B=$B xargs -P "$PAR" -L 1 bash "$SELF" --one >"$OUT.tmp" || true
sort -V "$OUT.tmp" >>"$OUT" # by loss, impl, run
rm -f "$OUT.tmp"
elapsed=$((SECONDS - start))

field() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }'; }
{
    echo
    echo "## handshake completion time (ms), $RUNS runs per configuration, wall time of the whole run ${elapsed} s"
    printf "%5s %-8s %6s %6s %8s %8s %8s %8s %8s %9s\n" loss impl ok "<1s" min median p90 max failed "drop_c2s/s2c"
    for loss in $LOSSES; do
        for impl in ours openssl; do
            lines=$(grep "^raw loss=$loss impl=$impl " "$OUT" || true)
            ok=$(echo "$lines" | grep -c 'result=ok' || true)
            total=$(echo "$lines" | grep -c . || true)
            drops=$(echo "$lines" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
                if (kv[1] == "c2s_fwd") cf += kv[2]; if (kv[1] == "c2s_drop") cd += kv[2];
                if (kv[1] == "s2c_fwd") sf += kv[2]; if (kv[1] == "s2c_drop") sd += kv[2] } }
                END { printf "%.1f/%.1f%%", cf + cd ? 100 * cd / (cf + cd) : 0, sf + sd ? 100 * sd / (sf + sd) : 0 }')
            # failed runs count as +infinity: median/p90 over all runs (ok or not)
            echo "$lines" | grep 'result=' | awk -v loss="$loss" -v impl="$impl" -v ok="$ok" -v total="$total" \
                -v drops="$drops" '
                { ms = "inf"; for (i = 1; i <= NF; i++) if ($i ~ /^ms=/) ms = substr($i, 4); v[NR] = ms }
                END {
                    n = NR; for (i = 1; i <= n; i++) x[i] = (v[i] == "inf") ? 1e18 : v[i] + 0
                    for (i = 2; i <= n; i++) { t = x[i]; j = i - 1; while (j > 0 && x[j] > t) { x[j + 1] = x[j]; j-- } x[j + 1] = t }
                    med = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
                    k = int(0.9 * n + 0.999999); if (k < 1) k = 1; p90 = x[k]
                    fast = 0; for (i = 1; i <= n; i++) if (x[i] < 1000) fast++
                    printf "%4.0f%% %-8s %6s %6s %8s %8s %8s %8s %8s %9s\n", loss / 10, impl, ok "/" total, fast,
                        (x[1] >= 1e18 ? "fail" : x[1]), (med >= 1e18 ? "fail" : med), (p90 >= 1e18 ? "fail" : p90),
                        (x[n] >= 1e18 ? "fail" : x[n]), total - ok, drops
                }'
        done
    done
    echo "(median and p90 over all runs, a failed run counting as longer than any; p90 = the"
    echo " ceil(0.9 n)-th smallest; <1s = runs done before any retransmission timer (1 s) expired;"
    echo " drop = datagrams the proxy dropped / seen, per direction, over all runs)"
} | tee -a "$OUT"
echo "raw results in $OUT"
