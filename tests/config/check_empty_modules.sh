#!/usr/bin/env bash
# check_empty_modules.sh NM OBJECT...   (an OBJECT may be a ;-list, as CMake passes them)
# The objects of the core built with CONFIG_SOCK_SECURE_SERVER=0, _STREAMS=0 and
# _EARLY_DATAGRAM=0 (tests/CMakeLists.txt, ss_core_minimal): the modules those switches leave out
# (server.c, dtls_hello.c, streams.c, early.c) must define no global symbol - they compile to
# nothing, their callers take core.h's stubs - and every other object must define some.
# Exit 0 = as expected, 1 = a module is not left out (or another is empty), 2 = usage.
set -euo pipefail
[ "$#" -ge 2 ] || { echo "usage: $0 NM OBJECT..." >&2; exit 2; }
nm_tool=$1
shift
objs=()
for arg in "$@"; do
    IFS=';' read -r -a part <<<"$arg"
    objs+=("${part[@]}")
done
bad=0
seen=0
for obj in "${objs[@]}"; do
    name=$(basename "$obj")
    name=${name%%.c.*}
    defined=$("$nm_tool" -g --defined-only "$obj" | awk 'NF == 3 { print $3 }')
    case "$name" in
    server | dtls_hello | streams | early)
        seen=$((seen + 1))
        if [ -n "$defined" ]; then
            echo "FAIL: $name.c is not left out, it defines: $(echo $defined)"
            bad=1
        fi
        ;;
    *)
        if [ -z "$defined" ]; then
            echo "FAIL: $name.c defines nothing"
            bad=1
        fi
        ;;
    esac
done
if [ "$seen" -ne 4 ]; then
    echo "FAIL: expected server.c, dtls_hello.c, streams.c and early.c among the objects, saw $seen"
    bad=1
fi
[ "$bad" -eq 0 ] && echo "OK: server.c, dtls_hello.c, streams.c and early.c compile to nothing; ${#objs[@]} objects checked"
exit "$bad"
