#!/usr/bin/env bash
# The installed shared library exports exactly the functions the public headers declare
# (scripts/public-symbols.sh), no internal helper (sock_secure__*, the drivers' tlsman_*), no
# stack's or tinyDTLS's symbol, and carries the SONAME libsecure_sock.so.<major>
# (ctest: library_exports).
#
#   exports.sh NM READELF LIBSECURE_SOCK.so INCLUDEDIR MAJOR
set -euo pipefail

nm=$1 readelf=$2 so=$3 inc=$4 major=$5
here=$(cd "$(dirname "$0")" && pwd)
want=$(bash "$here/../../scripts/public-symbols.sh" "$inc")
# "ADDRESS TYPE NAME@@VERSION"; the version node itself is an absolute symbol (type A)
have=$("$nm" -D --defined-only "$so" | awk 'NF == 3 && $2 != "A" { sub(/@.*/, "", $3); print $3 }' |
       sort -u)
fail=0
extra=$(comm -13 <(printf '%s\n' "$want") <(printf '%s\n' "$have"))
missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$have"))
if [ -n "$extra" ]; then
    echo "FAIL exported but not declared in a public header:"; printf '  %s\n' $extra; fail=1
fi
if [ -n "$missing" ]; then
    echo "FAIL declared in a public header but not exported:"; printf '  %s\n' $missing; fail=1
fi
soname=$("$readelf" -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "libsecure_sock.so.$major" ]; then
    echo "FAIL SONAME is '$soname', not libsecure_sock.so.$major"; fail=1
fi
n=$(printf '%s\n' "$have" | grep -c .)
[ "$fail" -eq 0 ] && echo "ok   $(basename "$so"): SONAME $soname, exports the $n public functions and nothing else"
exit "$fail"
