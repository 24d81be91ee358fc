#!/usr/bin/env bash
# Every global symbol the libraries define carries a public prefix: sock_secure_ (the API, and
# sock_secure__ for what one file of a library calls in another), tlsman_ (the driver contract and
# the drivers' shared code) or SOCK_SECURE_. Anything else (an `ss_...` helper left non-static, a
# stack's name) could collide with an application's or another library's symbol
# (ctest: library_symbols; `make arm` runs it on the Cortex-M build).
#
#   check.sh NM LIBRARY...
#
# Exit 0: every symbol is prefixed; 1: the offenders are listed; 2: usage or nm failed.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 NM LIBRARY..." >&2
    exit 2
fi
nm=$1
shift
# What instrumented builds add on their own (ASan's ODR indicators __odr_asan.NAME for each global
# variable, coverage counters): not ours, and each names one of ours.
instrumentation='^(__odr_asan[._]|__asan_|__ubsan_|__sancov_|__llvm_|__profc_|__profd_)'
bad=0 total=0
for lib in "$@"; do
    if [ ! -f "$lib" ]; then
        echo "FAIL $lib: no such library" >&2
        exit 2
    fi
    # "ADDRESS TYPE NAME" for every defined global (archives: per member; member headers and
    # blank lines have other shapes)
    syms=$("$nm" -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u) || exit 2
    n=$(printf '%s\n' "$syms" | grep -c . || true)
    total=$((total + n))
    offenders=$(printf '%s\n' "$syms" | grep -Ev '^(sock_secure_|tlsman_|SOCK_SECURE_)' |
                grep -Ev "$instrumentation" | grep . || true)
    if [ -n "$offenders" ]; then
        echo "FAIL $(basename "$lib"): global symbols without a public prefix:"
        printf '  %s\n' $offenders
        bad=$((bad + 1))
    else
        echo "ok   $(basename "$lib"): $n global symbols, all prefixed"
    fi
done
if [ "$total" -eq 0 ]; then
    echo "FAIL: no symbols at all: nothing was checked" >&2
    exit 1
fi
[ "$bad" -eq 0 ]
