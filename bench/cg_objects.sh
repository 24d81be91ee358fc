#!/usr/bin/env bash
# cg_objects.sh CALLGRIND_OUT_FILE
# Instructions (Ir) of a callgrind profile, split by the object the code lives in:
#   total     everything collected
#   mbedtls   libmbedtls + libmbedx509 + libmbedcrypto (shared libraries)
#   libc      libc + the dynamic loader (memset/memcpy/malloc/syscall wrappers ...)
#   exe       the benchmark executable itself: its main() plus, for *_ours, all of secure_sock
#             (core, transport, mbedTLS driver), which is linked in statically
#   other     anything else (vdso, libm ...)
# Self cost per function (callgrind_annotate --threshold=100 --inclusive=no), summed by object.
# Prints one line: "total=.. mbedtls=.. libc=.. exe=.. other=..".
set -euo pipefail
f=${1:?usage: $0 CALLGRIND_OUT_FILE}
callgrind_annotate --threshold=100 --auto=no --show-percs=no --inclusive=no "$f" | awk '
    /PROGRAM TOTALS/ { t = $1; gsub(",", "", t); total = t; next }
    $1 ~ /^[0-9,]+$/ && /\[.*\]$/ {
        n = $1; gsub(",", "", n)
        ob = $0; sub(/.*\[/, "", ob); sub(/\]$/, "", ob)
        if (ob ~ /libmbed(tls|x509|crypto)/) mb += n
        else if (ob ~ /libc\.so|ld-linux/) lc += n
        else if (ob ~ /\/bench_[a-z_]+$/) ex += n
        else ot += n
        sum += n
    }
    END {
        # functions callgrind could not attribute to an object (none seen so far) go to other
        ot += total - sum
        printf "total=%d mbedtls=%d libc=%d exe=%d other=%d\n", total, mb, lc, ex, ot
    }'
