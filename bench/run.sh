#!/usr/bin/env bash
# bench/run.sh [quick]
#
# Builds the benchmarks (Release, build-bench/), runs them all, writes the raw results to
# bench/results/*.txt and prints the tables that docs/BENCHMARKS.md quotes. Not a test: nothing
# here is run by ctest or CI. Needs: the build deps, valgrind (callgrind), openssl (the server),
# gcc-arm-none-eabi (footprint); scripts/deps.sh installs what is missing (NODEPS=1 skips that).
#
#   quick           fewer repetitions (a smoke run, ~1-2 minutes): numbers are less stable
#   SERVER=ssock    use our own `ssock server` as the handshake peer instead of openssl s_server
#   SKIP=a,b        skip parts: hs, srv, rec, scale, footprint
#   BENCH_CFLAGS=.. extra C flags for the (Release) build, e.g. -Wno-error=maybe-uninitialized
#
# Primary figures are instruction counts (valgrind --tool=callgrind: repeatable on a shared,
# noisy machine); wall-clock figures are medians of interleaved runs (ours and bare alternate in
# the same minutes), shown next to them. Run on an otherwise idle machine if you can.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
QUICK=0
[ "${1:-}" = quick ] && QUICK=1
SKIP=",${SKIP:-},"
SERVER=${SERVER:-openssl}
RES=bench/results
B=build-bench/bench
mkdir -p "$RES"

if [ "$QUICK" = 1 ]; then
    HS_N=11 HS_REP=1 HS_WALL_ROUNDS=5 HS_WALL_N=20
    REC_COUNT=2000 REC_WALL_ROUNDS=5 SCALE_RUNS=3 SCALE_NS="1 10 100 1000"
else
    HS_N=21 HS_REP=3 HS_WALL_ROUNDS=21 HS_WALL_N=50
    REC_COUNT=10000 REC_WALL_ROUNDS=21 SCALE_RUNS=5 SCALE_NS="1 10 100 1000"
fi
SIZES="16 64 256 1024"

# ---- dependencies and build -------------------------------------------------------------------
if [ "${NODEPS:-0}" != 1 ]; then
    bash scripts/deps.sh build valgrind arm
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSS_BUILD_TESTS=OFF -DSS_BUILD_BENCH=ON \
    "-DCMAKE_C_FLAGS=${BENCH_CFLAGS:-}" >/dev/null
cmake --build build-bench -j2 --target bench_hs_ours bench_hs_bare bench_rec_ours bench_rec_bare \
    bench_udp_echo bench_scale bench_srv_ours bench_srv_bare ssock >/dev/null

TMP=$(mktemp -d)
SPID=
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }'; }  # field NAME < lines
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
cg_total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

tree_id=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
    echo "# machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores, kernel $(uname -r)"
    echo "# tree: $tree_id; $(date -u +%Y-%m-%dT%H:%MZ); mbedTLS $(dpkg-query -W -f='${Version}' libmbedtls-dev 2>/dev/null || echo '?');" \
         "$(openssl version | cut -d' ' -f1-2); $(valgrind --version); $(gcc --version | head -n1)"
    echo "# mode: $([ "$QUICK" = 1 ] && echo quick || echo full)"
} >"$RES/machine.txt"
cat "$RES/machine.txt"

# ---- the handshake peer -----------------------------------------------------------------------
free_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000))
}
start_server() {
    PORT=$(free_port)
    if [ "$SERVER" = ssock ]; then
        build-bench/ssock server --listen "127.0.0.1:$PORT" --psk "bench:00112233445566778899aabbccddeeff" \
            --ciphers PSK-AES128-CCM8 >"$TMP/server.out" 2>&1 &
        SPID=$!
        sleep 0.5
    else
        mkfifo "$TMP/s.in"
        openssl s_server -dtls1_2 -4 -nocert -psk 00112233445566778899aabbccddeeff -psk_identity bench \
            -cipher PSK-AES128-CCM8 -accept "$PORT" -quiet <"$TMP/s.in" >"$TMP/server.out" 2>&1 &
        SPID=$!
        exec 7>"$TMP/s.in"  # keep s_server's stdin open (it stops at EOF)
        for _ in $(seq 50); do
            "$B/bench_hs_bare" 127.0.0.1 "$PORT" 1 >/dev/null 2>&1 && break
            sleep 0.1
        done
    fi
    kill -0 "$SPID" 2>/dev/null || { echo "run.sh: the $SERVER server did not start"; cat "$TMP/server.out"; exit 1; }
}

# =========================================== handshake ==========================================
if [[ $SKIP != *,hs,* ]]; then
    start_server
    out=$RES/handshake.txt
    {
        echo "# client handshakes (DTLS 1.2, PSK-AES128-CCM8) against $SERVER on 127.0.0.1 ($(
            [ "$SERVER" = ssock ] && echo 'build-bench/ssock server' ||
            echo 'openssl s_server -dtls1_2 -nocert -psk ... -cipher PSK-AES128-CCM8'))"
        echo "# callgrind --toggle-collect=bench_one_connection: one connection = open UDP socket,"
        echo "# set up, handshake, close_notify, free. per_conn = (Ir(N=$HS_N) - Ir(N=1)) / $((HS_N - 1))."
        echo "# first = Ir(N=1) (includes seeding the RNG); process = whole process, N=1."
    } >"$out"
    for rep in $(seq "$HS_REP"); do
        for impl in ours bare; do
            for n in 1 "$HS_N"; do
                f=$TMP/hs.$impl.$n.$rep
                valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect=bench_one_connection \
                    "$B/bench_hs_$impl" 127.0.0.1 "$PORT" "$n" >"$f.out" 2>"$f.err" ||
                    { cat "$f.err"; exit 1; }
                echo "raw hs_cg impl=$impl n=$n rep=$rep $(bash bench/cg_objects.sh "$f") $(grep -o 'dgrams_out=[0-9]*' "$f.out")" >>"$out"
            done
            f=$TMP/hsp.$impl.$rep
            valgrind --tool=callgrind --callgrind-out-file="$f" "$B/bench_hs_$impl" 127.0.0.1 "$PORT" 1 \
                >/dev/null 2>"$f.err" || { cat "$f.err"; exit 1; }
            echo "raw hs_process impl=$impl n=1 rep=$rep total=$(cg_total "$f")" >>"$out"
        done
    done
    # wall clock: interleaved rounds, median per connection within each run, median over runs
    for r in $(seq "$HS_WALL_ROUNDS"); do
        for impl in ours bare; do
            w=$("$B/bench_hs_$impl" 127.0.0.1 "$PORT" "$HS_WALL_N")
            echo "raw hs_wall round=$r $w" >>"$out"
        done
    done
    kill "$SPID" 2>/dev/null || true
    wait "$SPID" 2>/dev/null || true
    SPID=
    exec 7>&- 2>/dev/null || true

    {
        echo
        echo "## one client connection (instructions, callgrind; median of $HS_REP)"
        printf "%-6s %12s %12s %12s %12s %12s %12s %14s %12s\n" impl per_conn mbedtls libc exe other first process wall_us_median
        for impl in ours bare; do
            per=(); mb=(); lc=(); ex=(); ot=(); first=(); proc=()
            for rep in $(seq "$HS_REP"); do
                a=$(grep "^raw hs_cg impl=$impl n=1 rep=$rep " "$out")
                z=$(grep "^raw hs_cg impl=$impl n=$HS_N rep=$rep " "$out")
                d=$((HS_N - 1))
                per+=($(( ($(echo "$z" | field total) - $(echo "$a" | field total)) / d )))
                mb+=($(( ($(echo "$z" | field mbedtls) - $(echo "$a" | field mbedtls)) / d )))
                lc+=($(( ($(echo "$z" | field libc) - $(echo "$a" | field libc)) / d )))
                ex+=($(( ($(echo "$z" | field exe) - $(echo "$a" | field exe)) / d )))
                ot+=($(( ($(echo "$z" | field other) - $(echo "$a" | field other)) / d )))
                first+=($(echo "$a" | field total))
                proc+=($(grep "^raw hs_process impl=$impl n=1 rep=$rep " "$out" | field total))
            done
            wall=$(grep "^raw hs_wall .* impl=$impl " "$out" | field median_ns | median)
            printf "%-6s %12s %12s %12s %12s %12s %12s %14s %12.0f\n" "$impl" \
                "$(printf '%s\n' "${per[@]}" | median)" "$(printf '%s\n' "${mb[@]}" | median)" \
                "$(printf '%s\n' "${lc[@]}" | median)" "$(printf '%s\n' "${ex[@]}" | median)" \
                "$(printf '%s\n' "${ot[@]}" | median)" "$(printf '%s\n' "${first[@]}" | median)" \
                "$(printf '%s\n' "${proc[@]}" | median)" "$(calc "$wall / 1000")"
        done | tee "$TMP/hs.table"
        o=$(awk '$1 == "ours" { print $2 }' "$TMP/hs.table"); b=$(awk '$1 == "bare" { print $2 }' "$TMP/hs.table")
        ow=$(awk '$1 == "ours" { print $9 }' "$TMP/hs.table"); bw=$(awk '$1 == "bare" { print $9 }' "$TMP/hs.table")
        spread=$(grep "^raw hs_cg impl=ours n=$HS_N " "$out" | field total | sort -n | awk '{ v[NR] = $1 } END { print v[NR] - v[1] }')
        printf "ratio ours/bare per connection: %.4f (+%.2f %%, target <= 3 %%); wall-clock median ratio %.3f\n" \
            "$(calc "$o / $b")" "$(calc "($o / $b - 1) * 100")" "$(calc "$ow / $bw")"
        echo "spread of Ir(N=$HS_N) for ours over $HS_REP repetitions: $spread instructions"
    } | tee -a "$out"
fi

# ===================================== handshake, server side ===================================
if [[ $SKIP != *,srv,* ]]; then
    out=$RES/server.txt
    {
        echo "# server side: bench_srv_ours (secure_sock) / bench_srv_bare (plain mbedTLS) on 127.0.0.1 serve N"
        echo "# connections of bench_hs_bare (the plain mbedTLS client), one after the other. Whole server"
        echo "# process under callgrind; per_conn = (Ir(N=$HS_N) - Ir(N=1)) / $((HS_N - 1)). wall = the client's"
        echo "# median connection time against the native server, interleaved rounds."
    } >"$out"
    run_srv() { # impl n [valgrind-out]
        local port; port=$(free_port)
        if [ -n "${3:-}" ]; then
            valgrind -q --tool=callgrind --callgrind-out-file="$3" "$B/bench_srv_$1" "$port" "$2" >"$TMP/srv.out" 2>&1 &
        else
            "$B/bench_srv_$1" "$port" "$2" >"$TMP/srv.out" 2>&1 &
        fi
        local pid=$! until=$((SECONDS + 60))
        while ! grep -q ready "$TMP/srv.out" 2>/dev/null && [ "$SECONDS" -lt "$until" ] &&
            kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        if ! grep -q ready "$TMP/srv.out"; then
            echo "run.sh: bench_srv_$1 did not start on port $port: $(cat "$TMP/srv.out")" >&2
            kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return 1
        fi
        local c
        if ! c=$("$B/bench_hs_bare" 127.0.0.1 "$port" "$2"); then
            echo "run.sh: client against bench_srv_$1 failed: $(cat "$TMP/srv.out")" >&2
            kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return 1
        fi
        wait "$pid" || { echo "run.sh: bench_srv_$1 failed: $(cat "$TMP/srv.out")" >&2; return 1; }
        echo "$c $(grep '^srv ' "$TMP/srv.out")"
    }
    for rep in $(seq "$HS_REP"); do
        for impl in ours bare; do
            for n in 1 "$HS_N"; do
                f=$TMP/srv.$impl.$n.$rep
                r=$(run_srv "$impl" "$n" "$f" || run_srv "$impl" "$n" "$f") # one retry (port taken?)
                echo "raw srv_cg impl=$impl n=$n rep=$rep $(bash bench/cg_objects.sh "$f") client_dgrams=$(echo "$r" | field dgrams_out) hello_verify=$(echo "$r" | field hello_verify)" >>"$out"
            done
        done
    done
    for r in $(seq "$HS_WALL_ROUNDS"); do
        for impl in ours bare; do
            w=$(run_srv "$impl" "$HS_WALL_N" || run_srv "$impl" "$HS_WALL_N")
            echo "raw srv_wall round=$r server=$impl $w" >>"$out"
        done
    done
    {
        echo
        echo "## one served connection (instructions in the server process, callgrind; median of $HS_REP)"
        printf "%-6s %12s %12s %12s %12s %12s %12s\n" impl per_conn mbedtls libc exe other client_wall_us
        for impl in ours bare; do
            per=(); mb=(); lc=(); ex=(); ot=()
            for rep in $(seq "$HS_REP"); do
                a=$(grep "^raw srv_cg impl=$impl n=1 rep=$rep " "$out")
                z=$(grep "^raw srv_cg impl=$impl n=$HS_N rep=$rep " "$out")
                d=$((HS_N - 1))
                per+=($(( ($(echo "$z" | field total) - $(echo "$a" | field total)) / d )))
                mb+=($(( ($(echo "$z" | field mbedtls) - $(echo "$a" | field mbedtls)) / d )))
                lc+=($(( ($(echo "$z" | field libc) - $(echo "$a" | field libc)) / d )))
                ex+=($(( ($(echo "$z" | field exe) - $(echo "$a" | field exe)) / d )))
                ot+=($(( ($(echo "$z" | field other) - $(echo "$a" | field other)) / d )))
            done
            wall=$(grep "^raw srv_wall .* server=$impl " "$out" | field median_ns | median)
            printf "%-6s %12s %12s %12s %12s %12s %12.0f\n" "$impl" \
                "$(printf '%s\n' "${per[@]}" | median)" "$(printf '%s\n' "${mb[@]}" | median)" \
                "$(printf '%s\n' "${lc[@]}" | median)" "$(printf '%s\n' "${ex[@]}" | median)" \
                "$(printf '%s\n' "${ot[@]}" | median)" "$(calc "$wall / 1000")"
        done | tee "$TMP/srv.table"
        o=$(awk '$1 == "ours" { print $2 }' "$TMP/srv.table"); b=$(awk '$1 == "bare" { print $2 }' "$TMP/srv.table")
        ow=$(awk '$1 == "ours" { print $7 }' "$TMP/srv.table"); bw=$(awk '$1 == "bare" { print $7 }' "$TMP/srv.table")
        printf "ratio ours/bare per served connection: %.4f (%+.2f %%); client wall-clock median ratio %.3f\n" \
            "$(calc "$o / $b")" "$(calc "($o / $b - 1) * 100")" "$(calc "$ow / $bw")"
        echo "client datagrams per connection (3 = no retransmission): $(grep '^raw srv_cg' "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^n=/) n = substr($i, 3); else if ($i ~ /^client_dgrams=/) d = substr($i, 15); printf "%s ", d / n }')"
    } | tee -a "$out"
fi

# ============================================ records ===========================================
if [[ $SKIP != *,rec,* ]]; then
    out=$RES/records.txt
    {
        echo "# echo of COUNT records (client send -> server recv -> server send -> client recv) after a"
        echo "# DTLS PSK-AES128-CCM8 handshake, one process, one thread. Ir per record = (Ir(COUNT) - Ir(0)) / COUNT"
        echo "# (whole process, callgrind; one record = one echo = 2 encryptions + 2 decryptions)."
        echo "# ours/pipe and bare/pipe move ciphertext through the same queue (bench_queue.h); ours/mem uses"
        echo "# the library's in-memory net. MB/s = payload bytes sent by the client per second (1e6), median"
        echo "# of $REC_WALL_ROUNDS interleaved runs of $REC_COUNT echoes."
    } >"$out"
    cg_rec() { # impl transport size count -> total
        local f=$TMP/rec.$1.$2.$3.$4
        valgrind --tool=callgrind --callgrind-out-file="$f" "$B/bench_rec_$1" "$2" "$3" "$4" >/dev/null 2>"$f.err" ||
            { cat "$f.err" >&2; exit 1; }
        echo "raw rec_cg impl=$1 transport=$2 size=$3 count=$4 $(bash bench/cg_objects.sh "$f")" >>"$out"
    }
    for cfg in "ours pipe" "ours mem" "bare pipe"; do
        set -- $cfg
        cg_rec "$1" "$2" 64 0
        for s in $SIZES; do cg_rec "$1" "$2" "$s" "$REC_COUNT"; done
    done
    for r in $(seq "$REC_WALL_ROUNDS"); do
        for s in $SIZES; do
            for cfg in "ours pipe" "bare pipe" "ours mem" "ours udp" "bare udp"; do
                set -- $cfg
                w=$("$B/bench_rec_$1" "$2" "$s" "$REC_COUNT")
                echo "raw rec_wall round=$r $w" >>"$out"
            done
            w=$("$B/bench_udp_echo" "$s" "$REC_COUNT")
            echo "raw rec_wall round=$r $w" >>"$out"
        done
    done
    {
        echo
        echo "## instructions per record (echo), and wall-clock MB/s (median)"
        printf "%5s | %9s %9s %9s %7s %7s | %8s %8s %8s %8s %8s %8s\n" size ours_pipe bare_pipe ours_mem \
            pipe_r mem_r "MB/s:o/p" b/p o/mem o/udp b/udp udp
        for s in $SIZES; do
            ir() { # impl transport -> per record
                local z a
                z=$(grep "^raw rec_cg impl=$1 transport=$2 size=$s count=$REC_COUNT " "$out" | field total)
                a=$(grep "^raw rec_cg impl=$1 transport=$2 size=64 count=0 " "$out" | field total)
                echo $(( (z - a) / REC_COUNT ))
            }
            mbps() { grep "^raw rec_wall .* impl=$1 transport=$2 size=$s " "$out" | field mbps | median; }
            op=$(ir ours pipe); bp=$(ir bare pipe); om=$(ir ours mem)
            printf "%5s | %9s %9s %9s %7.3f %7.3f | %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f\n" "$s" "$op" "$bp" "$om" \
                "$(calc "$op / $bp")" "$(calc "$om / $bp")" \
                "$(mbps ours pipe)" "$(mbps bare pipe)" "$(mbps ours mem)" "$(mbps ours udp)" \
                "$(mbps bare udp)" "$(mbps udp udp)"
        done
        echo "(pipe_r = ours_pipe / bare_pipe, the target is <= 1.05 at 64 bytes; mem_r = ours over the"
        echo " library's memory net / bare; udp = plain UDP echo without DTLS, the limit over loopback)"
        echo
        echo "## per record by object, 64 bytes (instructions)"
        for cfg in "ours pipe" "bare pipe" "ours mem"; do
            set -- $cfg
            z=$(grep "^raw rec_cg impl=$1 transport=$2 size=64 count=$REC_COUNT " "$out")
            a=$(grep "^raw rec_cg impl=$1 transport=$2 size=64 count=0 " "$out")
            printf "%-10s" "$1/$2"
            for k in total mbedtls libc exe other; do
                printf " %s=%d" "$k" $(( ($(echo "$z" | field $k) - $(echo "$a" | field $k)) / REC_COUNT ))
            done
            echo
        done
    } | tee -a "$out"
fi

# ============================================= scale ============================================
if [[ $SKIP != *,scale,* ]]; then
    out=$RES/scale.txt
    {
        echo "# one secure_sock server socket (UDP 127.0.0.1, N slots) + N concurrent clients (forked"
        echo "# process, <= 16 handshakes in flight); $SCALE_RUNS runs per N. heap = glibc mallinfo2() of the"
        echo "# server process (what mbedTLS allocates; the core allocates nothing)."
    } >"$out"
    for r in $(seq "$SCALE_RUNS"); do
        for n in $SCALE_NS; do
            "$B/bench_scale" "$n" | sed "s/^/raw round=$r /" >>"$out" || echo "raw round=$r scale n=$n FAILED" >>"$out"
        done
    done
    {
        echo
        echo "## server scale (medians of $SCALE_RUNS runs)"
        printf "%6s %10s %8s %9s %11s %13s %13s %10s %6s\n" N hs_per_s echo_ok table_B slot_B heap/sess_open \
            heap/sess_idle heap_peak/s retx
        for n in $SCALE_NS; do
            c=$(grep "side=client n=$n " "$out"); s=$(grep "side=server n=$n " "$out")
            printf "%6s %10.0f %8s %9s %11s %13.0f %13.0f %10.0f %6s\n" "$n" \
                "$(echo "$c" | field hs_per_s | median)" "$(echo "$c" | field echo_ok | median)" \
                "$(echo "$s" | field table_bytes | median)" "$(echo "$s" | field session_bytes | median)" \
                "$(echo "$s" | field heap_per_session | median)" \
                "$(echo "$s" | field heap_after_echo_per_session | median)" \
                "$(echo "$s" | field heap_peak_per_session | median)" \
                "$(echo "$c" | field retransmits | median)"
        done
        echo "(heap/sess_open: when the N-th handshake completed, mbedTLS still holding each session's"
        echo " handshake state; heap/sess_idle: after every session carried a record; failures: $(grep -c FAILED "$out" || true))"
    } | tee -a "$out"
fi

# =========================================== footprint ==========================================
if [[ $SKIP != *,footprint,* ]]; then
    NODEPS=1 bash bench/footprint.sh "$RES/footprint.txt"
fi
echo
echo "results in $RES/ (tree $tree_id)"
