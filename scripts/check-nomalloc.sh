#!/usr/bin/env bash
# Invariant 1 (ARCHITECTURE.md): no malloc in core or transports.
#
#   scripts/check-nomalloc.sh BUILD_DIR [LIB...]
#
# Lists the undefined symbols (`nm -u`) of every object in the core and transport static libraries
# (default: libsecure_sock_core.a, and libsecure_sock_posix.a when it was built, i.e. not in an
# SS_PORTABLE_ONLY build) and fails, naming object and symbol, if any of them calls a heap allocator.
# NM=arm-none-eabi-nm for the MCU build. Exit 0 = clean, 1 = heap use found, 2 = nothing to check.
set -euo pipefail

NM=${NM:-nm}
if [ "$#" -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [LIB...]" >&2
    exit 2
fi
bdir=$1
shift
if [ "$#" -gt 0 ]; then
    libs=("$@")
else
    libs=(libsecure_sock_core.a libsecure_sock_posix.a)
fi

# The allocators of C/POSIX, newlib's reentrant ones, and the C library functions that return heap
# memory to the caller.
forbidden=(malloc calloc realloc reallocarray free strdup strndup __strdup __strndup
           posix_memalign aligned_alloc memalign valloc pvalloc
           _malloc_r _calloc_r _realloc_r _free_r _memalign_r
           asprintf vasprintf getline getdelim open_memstream)
pattern="^($(IFS='|'; echo "${forbidden[*]}"))(@.*)?\$"

found_any=0
nobj=0
bad=0
for lib in "${libs[@]}"; do
    path="$bdir/$lib"
    if [ ! -f "$path" ]; then
        path=$(find "$bdir" -name "$lib" -type f 2>/dev/null | head -n 1 || true)
    fi
    if [ -z "$path" ]; then
        if [ "$lib" = libsecure_sock_core.a ]; then
            echo "check-nomalloc: $lib not found under $bdir (build first)" >&2
            exit 2
        fi
        echo "check-nomalloc: $lib not built in $bdir, skipped"
        continue
    fi
    found_any=1
    n=$(ar t "$path" | grep -c . || true)
    nobj=$((nobj + n))
    if ! undef=$("$NM" -A -u "$path"); then
        echo "check-nomalloc: $NM failed on $path" >&2
        exit 2
    fi
    # -A: every line reads "archive:object: U symbol"; -u: undefined symbols (what the object calls).
    while read -r obj sym; do
        if [[ $sym =~ $pattern ]]; then
            echo "check-nomalloc: FAIL $(basename "$path")($obj) references $sym"
            bad=$((bad + 1))
        fi
    done < <(printf '%s\n' "$undef" | awk 'NF { split($1, f, ":"); print f[2], $NF }')
    echo "check-nomalloc: $(basename "$path"): $n objects checked"
done

if [ "$found_any" -eq 0 ] || [ "$nobj" -eq 0 ]; then
    echo "check-nomalloc: no objects to check under $bdir" >&2
    exit 2
fi
if [ "$bad" -ne 0 ]; then
    echo "check-nomalloc: $bad heap allocation reference(s) in core/transports (ARCHITECTURE.md invariant 1)"
    exit 1
fi
echo "check-nomalloc: OK, $nobj objects, no heap allocation (${forbidden[*]})"
