#!/usr/bin/env bash
# bench/footprint.sh [OUT_FILE]
#
# Flash and RAM footprint of the portable part (core + memory link) for Cortex-M4
# (arm-none-eabi-gcc, -mcpu=cortex-m4 -mthumb, MinSizeRel = -Os), in two configurations:
#   default     the library as `make arm` builds it (config.h defaults)
#   client-psk  a client-only PSK build: smaller limits by -D (one driver, one suite, 1280-byte
#               datagrams) and the config switches CONFIG_SOCK_SECURE_SERVER=0 and
#               CONFIG_SOCK_SECURE_STREAMS=0, and only what a client links: a minimal client
#               (bench/footprint/client_min.c, stub stack and transport) linked with
#               --gc-sections; the linker map gives the bytes of our archive that survive
# Also the RAM our layer takes per session beyond the stack's state,
# sizeof(sock_secure_session_t) - CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE, for arm and x86_64
# (bench/footprint/sizes.c, read with nm -S: nothing is run).
# Writes the report to OUT_FILE (default bench/results/footprint.txt) and prints it.
# Build dirs: build-bench-arm-default/, build-bench-arm-client/, build-bench-arm-link/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-bench/results/footprint.txt}
mkdir -p "$(dirname "$out")"
[ "${NODEPS:-0}" = 1 ] || bash scripts/deps.sh arm build >/dev/null

CPU="-mcpu=cortex-m4 -mthumb"
CLIENT_DEFS="-DCONFIG_SOCK_SECURE_MAX_DRIVERS=1 -DCONFIG_SOCK_SECURE_MAX_SUITES=1 -DCONFIG_SOCK_SECURE_MAX_DATAGRAM=1280 -DCONFIG_SOCK_SECURE_SERVER=0 -DCONFIG_SOCK_SECURE_STREAMS=0"

build_arm() { # $1 dir, $2 extra CFLAGS
    rm -rf "$1"
    CFLAGS="$2" cmake -S . -B "$1" -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
        -DSS_PORTABLE_ONLY=ON -DCMAKE_BUILD_TYPE=MinSizeRel -DSS_BUILD_TESTS=OFF >/dev/null
    cmake --build "$1" -j2 >/dev/null
}

# text/data/bss of every object in an archive, and the total
size_table() { # $1 archive
    arm-none-eabi-size "$1" | awk 'NR > 1 {
        obj = $6; sub(/ \(ex .*/, "", obj); sub(/\.c\.obj$/, ".c", obj); sub(/\.c\.o$/, ".c", obj)
        printf "  %-22s %7d %6d %6d\n", obj, $1, $2, $3; t += $1; d += $2; b += $3
    } END { printf "  %-22s %7d %6d %6d\n", "TOTAL", t, d, b }'
}

# bytes of each archive member that survive --gc-sections in a linked image (from the map):
# text = .text* + .rodata* (flash), data = .data* (flash + RAM), bss = .bss* + COMMON (RAM)
map_table() { # $1 map file, $2 archive basename
    awk -v lib="$2" '
        function hex(s,   i, c, v) { v = 0; s = tolower(s); sub(/^0x/, "", s)
            for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
            return v }
        /^Linker script and memory map/ { on = 1; next }
        !on { next }
        # an input section line: [name] address size file ; a long name sits alone on the line before
        /^ [.A-Za-z_]/ && NF == 1 { pending = $1; next }
        {
            name = ""; addr = ""; size = ""; file = ""
            if ($1 ~ /^\./ || $1 == "COMMON") { name = $1; addr = $2; size = $3; file = $4 }
            else if (pending != "" && $1 ~ /^0x/) { name = pending; addr = $1; size = $2; file = $3 }
            pending = ""
            if (name == "" || size !~ /^0x/ || index(file, lib "(") == 0) next
            obj = file; sub(/.*\(/, "", obj); sub(/\)$/, "", obj); sub(/\.c\.obj$/, ".c", obj); sub(/\.c\.o$/, ".c", obj)
            n = hex(size)
            if (name ~ /^\.(text|rodata)/) t[obj] += n
            else if (name ~ /^\.data/) d[obj] += n
            else if (name ~ /^\.bss/ || name == "COMMON") b[obj] += n
            seen[obj] = 1
        }
        END {
            for (o in seen) { printf "  %-22s %7d %6d %6d\n", o, t[o], d[o], b[o]; T += t[o]; D += d[o]; B += b[o] }
            printf "  %-22s %7d %6d %6d\n", "TOTAL", T, D, B
        }' "$1" | sort -k1,1 | awk '/TOTAL/ { last = $0; next } { print } END { print last }'
}

# nm -S sizes of the probe arrays
probe() { # $1 compiler, $2 flags
    local o; o=$(mktemp --suffix=.o)
    # shellcheck disable=SC2086
    $1 $2 -Iinclude -c bench/footprint/sizes.c -o "$o"
    local nm=nm; [[ $1 == arm-* ]] && nm=arm-none-eabi-nm
    $nm -S "$o" | awk '
        function hex(s,   i, c, v) { v = 0; s = tolower(s)
            for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
            return v }
        $4 ~ /^ss_sizeof_/ { n = $4; sub(/^ss_sizeof_/, "", n); printf " %s=%d", n, hex($2) }'
    rm -f "$o"
}

build_arm build-bench-arm-default ""
build_arm build-bench-arm-client "$CLIENT_DEFS"

mkdir -p build-bench-arm-link
# shellcheck disable=SC2086
arm-none-eabi-gcc $CPU -Os -ffunction-sections -fdata-sections $CLIENT_DEFS -Iinclude \
    -Wall -Wextra -Werror \
    bench/footprint/client_min.c build-bench-arm-client/libsecure_sock_core.a \
    -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs \
    -Wl,-Map=build-bench-arm-link/client_min.map -o build-bench-arm-link/client_min.elf
# the same client without sock_secure_strerror() (no message table)
# shellcheck disable=SC2086
arm-none-eabi-gcc $CPU -Os -ffunction-sections -fdata-sections $CLIENT_DEFS -Iinclude \
    -Wall -Wextra -Werror -DFOOTPRINT_NO_STRERROR \
    bench/footprint/client_min.c build-bench-arm-client/libsecure_sock_core.a \
    -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs \
    -Wl,-Map=build-bench-arm-link/client_min_nostrerror.map \
    -o build-bench-arm-link/client_min_nostrerror.elf

{
    echo "# footprint: $(date -u +%Y-%m-%dT%H:%MZ), tree $(git describe --always --dirty 2>/dev/null || echo '?')"
    echo "# $(arm-none-eabi-gcc --version | head -n1); flags: $CPU -Os -ffunction-sections -fdata-sections"
    echo
    echo "## default: libsecure_sock_core.a as built by make arm (arm-none-eabi-size, bytes)"
    echo "  object                    text   data    bss"
    size_table build-bench-arm-default/libsecure_sock_core.a
    echo
    echo "## client-psk archive: same objects with $CLIENT_DEFS"
    echo "  object                    text   data    bss"
    size_table build-bench-arm-client/libsecure_sock_core.a
    echo
    echo "## client-psk linked: what of the archive a minimal PSK client keeps (--gc-sections, map)"
    echo "## text = .text + .rodata (flash); stub stack/transport, newlib and main() not counted"
    echo "  object                    text   data    bss"
    map_table build-bench-arm-link/client_min.map libsecure_sock_core.a
    echo "  whole image (incl. newlib-nano, crt0, stubs): $(arm-none-eabi-size build-bench-arm-link/client_min.elf | awk 'NR==2 { printf "text=%d data=%d bss=%d", $1, $2, $3 }')"
    echo
    echo "## client-psk linked, the client not calling sock_secure_strerror()"
    echo "  object                    text   data    bss"
    map_table build-bench-arm-link/client_min_nostrerror.map libsecure_sock_core.a
    echo
    echo "## RAM per session and per socket (bytes; session_ours = session - driver_session_area)"
    echo "arm-default:$(probe arm-none-eabi-gcc "$CPU -Os")"
    echo "arm-client-psk:$(probe arm-none-eabi-gcc "$CPU -Os $CLIENT_DEFS")"
    echo "x86_64-default:$(probe gcc "-O2")"
} | tee "$out"
