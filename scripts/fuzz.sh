#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/) with clang + ASan + UBSan into build-fuzz/ and run
# each for a while on its seed corpus. Fails if any harness finds a crash, a sanitizer error, a
# leak or a violated invariant.
#
#   scripts/fuzz.sh [SECONDS-PER-RUN]          default 15
#   FUZZ_HARNESSES="fuzz_endpoint" scripts/fuzz.sh 60     only some harnesses
#
# The network harnesses (fuzz_server_input, fuzz_client_input) run once per backend built in
# (SS_FUZZ_BACKEND=<name>), the parser harnesses once: with mbedTLS and wolfSSL that is 6 runs.
# New inputs the fuzzer finds go to build-fuzz/corpus/<harness>/ (never into the source tree);
# crashing inputs to build-fuzz/artifacts/. To keep a crash fixed, copy its input into
# tests/fuzz/regressions/<harness>/: test_fuzz_replay (ctest) runs it on every build.
# Needs clang and libFuzzer's runtime (Debian: clang, libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

secs="${1:-15}"
case "$secs" in ''|*[!0-9]*) echo "usage: $0 [seconds-per-run]" >&2; exit 2 ;; esac
build=build-fuzz
harnesses=(${FUZZ_HARNESSES:-fuzz_endpoint fuzz_dtls_hello fuzz_creds fuzz_server_input fuzz_client_input})

cc="${FUZZ_CC:-clang}"
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz.sh: $cc not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' |
        "$cc" -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
    echo "fuzz.sh: $cc cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev)" >&2
    exit 1
fi

t0=$SECONDS
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSS_FUZZ=ON \
    -DSS_BUILD_TESTS=OFF -DSS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target "${harnesses[@]}" fuzz_gen_corpus >/dev/null
echo "fuzz.sh: built in $((SECONDS - t0))s"

mapfile -t backends < <("$build/tests/fuzz/fuzz_gen_corpus" --backends)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for h in "${harnesses[@]}"; do
    case "$h" in
        fuzz_server_input|fuzz_client_input) runs=("${backends[@]}") ;;
        *) runs=(-) ;;
    esac
    for b in "${runs[@]}"; do
        work="$build/corpus/$h"
        mkdir -p "$work" "$build/artifacts"
        if [ "$b" = - ]; then
            label="$h"; envs=(); log="$build/$h.log"
        else
            label="$h ($b)"; envs=(SS_FUZZ_BACKEND="$b"); log="$build/$h-$b.log"
        fi
        args=(-max_len=1500 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
              -print_final_stats=1 -artifact_prefix="$build/artifacts/${h}-")
        dirs=("$work" "tests/fuzz/corpus/$h")
        [ -d "tests/fuzz/regressions/$h" ] && dirs+=("tests/fuzz/regressions/$h")
        t1=$SECONDS
        if env "${envs[@]}" "$build/tests/fuzz/$h" "${args[@]}" "${dirs[@]}" >"$log" 2>&1; then
            execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
            cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
            echo "fuzz.sh: $label: ok, ${execs:-?} runs, ${cov:-cov ?}, $((SECONDS - t1))s"
        else
            echo "fuzz.sh: $label: FAILED (log: $log)"
            grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -20 || true
            failed+=("$label")
        fi
    done
done
echo "fuzz.sh: total $((SECONDS - t0))s"
if [ "${#failed[@]}" -ne 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
