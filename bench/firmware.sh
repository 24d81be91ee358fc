#!/usr/bin/env bash
# bench/firmware.sh [OUT_FILE]
#
# Full-image footprint on Cortex-M4 and Cortex-M0+ (docs/BENCHMARKS.md §4 and §13; `make
# footprint`): mbedTLS 2.28 built from Debian's source package for arm-none-eabi, and linked DTLS
# 1.2 clients
#   ours      bench/footprint/fw_client_ours.c: secure_sock core + our mbedTLS driver
#             (src/tlsman/mbedtls/*.c with src/tlsman/common.c, x509_ip.c) + mbedTLS
#   ours-cli  the same with the client-only switches (CLI_DEFS below)
#   bare      bench/footprint/fw_client_bare.c: the same client on bare mbedTLS (mbedtls_ssl_*,
#             bio and timer callbacks)
# for each CPU in two configurations of bench/footprint/mbedtls_fw_config.h:
#   psk    DTLS 1.2 client, TLS_PSK_WITH_AES_128_CCM_8 only, no X.509/filesystem/net/timing
#   ecdhe  the same + TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 on P-256 (X.509 parsing); the clients
#          then verify the server's certificate against one trust anchor (a P-256 CA made here
#          with openssl) instead of using a PSK
# Flags: -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections; linked with
# -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs (newlib-nano, crt0, no board startup).
# Entropy is a STUB (bench/footprint/fw_entropy_stub.c, NOT random): size purposes only.
#
# The source is Debian bookworm's, fetched and unpacked by scripts/mbedtls-source.sh (a private
# sources list given to apt-get with -o options; kept in build-mbedtls-src/, git-ignored); the
# builds go to build-fw/ (git-ignored). Set MBEDTLS_SRC=/path/to/mbedtls-2.28.x to use an
# already unpacked tree instead.
#
# Then the same PSK client on tinyDTLS, for Cortex-M4 and Cortex-M0+: on our tinyDTLS driver (with
# the default core, and the core built client-only) and on bare tinyDTLS
# (bench/firmware_tinydtls.bash), from the tree scripts/tinydtls-source.sh finds (SS_TINYDTLS_DIR,
# or the mirror at RIOT's pinned commit; without one that part is left out, and said so).
# FW_STACKS="mbedtls tinydtls" (the default) picks the parts.
#
# Writes OUT_FILE (default bench/results/firmware.txt, ending with the summary table: ours-cli vs
# bare, both CPUs, PSK and ECDHE) and prints it; every byte of (ours-cli - bare) of each mbedTLS
# image, section by section (our symbols, library functions only ours pulls in, what only bare
# has), goes to OUT_FILE's *_symbols.txt sibling. Idempotent: the download is
# reused, every build is redone. Needs apt-get, dpkg-source, gcc-arm-none-eabi,
# libnewlib-arm-none-eabi, openssl, xxd (and git for the tinyDTLS mirror).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
out=${1:-bench/results/firmware.txt}
mkdir -p "$(dirname "$out")"
W=$root/build-fw
mkdir -p "$W"

FW_STACKS=${FW_STACKS:-mbedtls tinydtls}
has_stack() { [[ " $FW_STACKS " == *" $1 "* ]]; }

# ---- 1. Debian's mbedTLS 2.28 source (scripts/mbedtls-source.sh), the tinyDTLS tree -------------
if has_stack mbedtls; then
    M=$(bash scripts/mbedtls-source.sh) || exit $?
    MBVER=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$M/include/mbedtls/version.h")
    dscs=("$(dirname "$M")"/mbedtls_2.28.*.dsc)
    DSC=${dscs[-1]}
    [ -f "$DSC" ] || DSC=
fi
TD=
if has_stack tinydtls; then
    rc=0
    TD=$(bash scripts/tinydtls-source.sh) || rc=$?
    if [ "$rc" -eq 77 ]; then
        TD=
        echo "firmware: no tinyDTLS tree (SS_TINYDTLS_DIR) or mirror: its images are left out" >&2
    elif [ "$rc" -ne 0 ]; then
        exit "$rc"
    else
        TDPKG=$(sed -n 's/.*set(PACKAGE_VERSION *"\([^"]*\)".*/\1/p' "$TD/CMakeLists.txt")
        TDVER="$TDPKG+$(git -C "$TD" rev-parse --short=12 HEAD 2>/dev/null || echo '?')"
    fi
fi

# ---- 2. builds ------------------------------------------------------------------------------------
CPU="-mcpu=cortex-m4 -mthumb"
CFLAGS_FW_NOCPU="-Os -ffunction-sections -fdata-sections"
CFLAGS_FW="$CPU $CFLAGS_FW_NOCPU"
LDFLAGS_FW="-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs"
CLIENT_DEFS="-DCONFIG_SOCK_SECURE_MAX_DRIVERS=1 -DCONFIG_SOCK_SECURE_MAX_SUITES=1 -DCONFIG_SOCK_SECURE_MAX_DATAGRAM=1280"
FP=$root/bench/footprint
S=$root/src
CC=arm-none-eabi-gcc

# nosys.specs' stubs (_close, _read, ...) warn "is not implemented and will always fail": expected
link() { # args for gcc
    $CC "$@" 2>&1 | { grep -v 'is not implemented and will always fail' || true; }
}

# size of the driver's per-socket and per-session state: ctx_size and session_size of
# tlsman_mbedtls (or $2: words 3 and 4 of the const struct), read from the object, rounded up to 8
driver_sizes() { # $1 object [$2 driver symbol] -> "ctx session"
    arm-none-eabi-objdump -s -j ".rodata.${2:-tlsman_mbedtls}" "$1" | awk '
        function le(w,   v, i) { v = 0; for (i = 7; i >= 1; i -= 2) v = v * 256 + hex(substr(w, i, 2)); return v }
        function hex(s,   i, v) { v = 0; s = tolower(s); for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
        $1 == "0000" { c = le($5) } $1 == "0010" { s = le($2) }
        END { printf "%d %d\n", int((c + 7) / 8) * 8, int((s + 7) / 8) * 8 }'
}

# the client-only switches: no server code, no TLS over streams, no suite names, no buffer for application data
# that overtakes the server's Finished (a bare mbedTLS client drops it too)
CLI_DEFS="-DCONFIG_SOCK_SECURE_SERVER=0 -DCONFIG_SOCK_SECURE_STREAMS=0 -DCONFIG_SOCK_SECURE_EARLY_DATAGRAM=0 -DCONFIG_SOCK_SECURE_SUITE_NAMES=0"

build_variant() { # $1 cpu name (m4, m0plus), $2 cpu flags, $3 variant name, $4 extra defines (mbedTLS config and ours)
    local cpuf=$2 vdefs=$4 d=$W/$1-$3
    local cf="$cpuf $CFLAGS_FW_NOCPU"
    rm -rf "$d"
    mkdir -p "$d/mbedtls" "$d/ours" "$d/ours-cli"
    local MI="-I$FP -I$d -I$M/include -DMBEDTLS_CONFIG_FILE=<mbedtls_fw_config.h> $vdefs"

    # mbedTLS: every library/*.c with our config (disabled modules compile to nothing)
    local src jobs=0 n=0
    for src in "$M"/library/*.c; do
        # shellcheck disable=SC2086
        $CC $cf $MI -c "$src" -o "$d/mbedtls/$(basename "$src" .c).o" &
        n=$((n + 1)); jobs=$((jobs + 1))
        if [ "$jobs" -ge "$(nproc)" ]; then wait -n; jobs=$((jobs - 1)); fi
    done
    while [ "$jobs" -gt 0 ]; do wait -n; jobs=$((jobs - 1)); done
    local objs=("$d"/mbedtls/*.o)
    [ "${#objs[@]}" -eq "$n" ] || { echo "mbedTLS build failed" >&2; exit 1; }
    arm-none-eabi-ar rcs "$d/libmbedtls_fw.a" "$d"/mbedtls/*.o

    # our driver areas sized for this mbedTLS build (config.h knobs, no change to src/)
    # shellcheck disable=SC2086
    $CC $cf $CLIENT_DEFS $vdefs -I"$root/include" $MI -c "$S/tlsman/mbedtls/driver.c" -o "$d/probe.o"
    read -r ctx sess < <(driver_sizes "$d/probe.o")
    echo "$ctx $sess" >"$d/areas"

    # secure_sock: core + endpoint helpers + the mbedTLS driver and the drivers' shared code, one
    # archive per image: ours (the default core) and ours-cli (the client-only switches); objects
    # are named after their path under src/ (tlsman_mbedtls_driver.o, ...)
    local f v extra
    for v in ours ours-cli; do
        extra=""
        [ "$v" = ours-cli ] && extra=$CLI_DEFS
        # a PSK image's ours-cli is a PSK-only core as well (no certificate checks in create)
        [ "$v" = ours-cli ] && [ "$3" = psk ] && extra="$extra -DCONFIG_SOCK_SECURE_CERTS=0"
        local defs="$CLIENT_DEFS $extra -DCONFIG_SOCK_SECURE_DRIVER_CTX_SIZE=$ctx -DCONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE=$sess $vdefs"
        for f in "$S"/core/*.c "$S"/common/*.c "$S/tlsman/common.c" \
                 "$S/tlsman/x509_ip.c" "$S"/tlsman/mbedtls/*.c; do
            local o=${f#"$S"/}
            o=${o%.c}
            # shellcheck disable=SC2086
            $CC $cf -std=c11 -Wall -Wextra -Werror $defs -I"$root/include" -I"$S/core" $MI \
                -c "$f" -o "$d/$v/${o//\//_}.o"
        done
        arm-none-eabi-ar rcs "$d/libss_$v.a" "$d/$v"/*.o
        # shellcheck disable=SC2086
        $CC $cf -std=c11 -Wall -Wextra -Werror $defs -I"$root/include" -I"$S/tlsman" $MI \
            -c "$FP/fw_client_ours.c" -o "$d/fw_client_$v.o"
    done

    # the bare client and the stub entropy source
    # shellcheck disable=SC2086
    $CC $cf -std=c11 -Wall -Wextra -Werror $MI -c "$FP/fw_entropy_stub.c" -o "$d/fw_entropy_stub.o"
    # shellcheck disable=SC2086
    $CC $cf -std=c11 -Wall -Wextra -Werror $MI -c "$FP/fw_client_bare.c" -o "$d/fw_client_bare.o"

    for v in ours ours-cli; do
        # shellcheck disable=SC2086
        link $cpuf "$d/fw_client_$v.o" "$d/libss_$v.a" "$d/fw_entropy_stub.o" "$d/libmbedtls_fw.a" \
            $LDFLAGS_FW -Wl,-Map="$d/$v.map" -o "$d/$v.elf"
    done
    # shellcheck disable=SC2086
    link $cpuf "$d/fw_client_bare.o" "$d/fw_entropy_stub.o" "$d/libmbedtls_fw.a" \
        $LDFLAGS_FW -Wl,-Map="$d/bare.map" -o "$d/bare.elf"

    # mbedTLS's record buffers (heap, per session), for the report
    cat >"$d/buflen.c" <<'EOF2'
#include <mbedtls/ssl_internal.h>
const char ss_buflen_in[MBEDTLS_SSL_IN_BUFFER_LEN];
const char ss_buflen_out[MBEDTLS_SSL_OUT_BUFFER_LEN];
EOF2
    # shellcheck disable=SC2086
    $CC $cf $MI -c "$d/buflen.c" -o "$d/buflen.o"
    arm-none-eabi-nm -S "$d/buflen.o" | awk '$4 ~ /^ss_buflen_/ { n = $4; sub(/^ss_buflen_/, "", n); v = 0; h = tolower($2); for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; printf "%s=%d ", n, v }' >"$d/buflen"
}

# a P-256 trust anchor for the ecdhe clients (DER, as a C array)
make_ca() { # $1 dir
    local d=$1
    [ -s "$d/fw_ca.h" ] && return 0 # made once: the image does not change from run to run
    mkdir -p "$d"
    openssl ecparam -name prime256v1 -genkey -noout -out "$d/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$d/ca.key" -sha256 -days 3650 -subj "/CN=secure_sock fw CA" \
        -outform DER -out "$d/ca.der" 2>/dev/null
    { echo "static const unsigned char fw_ca_der[] = {"; xxd -i <"$d/ca.der"; echo "};"; } >"$d/fw_ca.h"
}

if has_stack mbedtls; then
    # ecdhe: the trust anchor goes through our credential store, sized for one CA (config.h's
    # defaults are 16 entries in an 8 KB arena)
    make_ca "$W/ecdhe.inc"
    for cpu in m4 m0plus; do
        cpuf="-mcpu=cortex-m4 -mthumb"
        [ "$cpu" = m0plus ] && cpuf="-mcpu=cortex-m0plus -mthumb"
        build_variant "$cpu" "$cpuf" psk ""
        build_variant "$cpu" "$cpuf" ecdhe "-DFW_ECDHE=1 -I$W/ecdhe.inc -DCONFIG_SOCK_SECURE_CRED_MAX=2 -DCONFIG_SOCK_SECURE_CRED_ARENA=1024"
    done
fi
# shellcheck source=bench/firmware_tinydtls.bash
source "$root/bench/firmware_tinydtls.bash"
if [ -n "$TD" ]; then
    for lto in "" -lto; do
        build_tinydtls m4 "-mcpu=cortex-m4 -mthumb" "$lto"
        build_tinydtls m0plus "-mcpu=cortex-m0plus -mthumb" "$lto"
    done
fi

# ---- 3. report ------------------------------------------------------------------------------------
# bytes of each input file kept in the linked image, from the map, grouped:
# text = .text* + .rodata* + .ARM.* (flash), data = .data* (flash + RAM), bss = .bss* + COMMON
# every input section kept in the linked image, from the map: "group<TAB>kind<TAB>section<TAB>object<TAB>bytes",
# kind text = .text* + .rodata* + .ARM.* (flash), data = .data* (flash + RAM), bss = .bss* + COMMON
map_sections() { # $1 map file
    awk '
        function hex(s,   i, c, v) { v = 0; s = tolower(s); sub(/^0x/, "", s)
            for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
            return v }
        function group(f) {
            if (f ~ /libss_[^(]*\.a\(tlsman_tinydtls/) return "secure_sock driver (tlsman/tinydtls/)"
            if (f ~ /libss_[^(]*\.a\(tlsman_(common|x509_ip)/) return "secure_sock driver common code (tlsman/common.c)"
            if (f ~ /libss_[^(]*\.a\(tlsman_/) return "secure_sock driver (tlsman/mbedtls/, common)"
            if (f ~ /libss_[^(]*\.a\(/) return "secure_sock core (core/*.c, endpoint.c)"
            if (f ~ /libmbedtls_fw\.a\(/) return "mbedTLS 2.28"
            if (f ~ /libtinydtls_fw\.a\(/) return "tinyDTLS (+ stack/alloc.c, debug.c, aes.c)"
            if (f ~ /fw_client_/) return "client main() + stub transport"
            if (f ~ /fw_entropy_stub/) return "entropy stub (NOT random)"
            if (f ~ /prng_stub/) return "random stub (NOT random)"
            return "newlib-nano, libgcc, crt0"
        }
        function obj(f) { if (f ~ /\(/) { sub(/.*\(/, "", f); sub(/\)$/, "", f) } else sub(/.*\//, "", f); return f }
        /^Linker script and memory map/ { on = 1; next }
        !on { next }
        /^ [.A-Za-z_]/ && NF == 1 { pending = $1; next }
        {
            name = ""; size = ""; file = ""
            if ($1 ~ /^\./ || $1 == "COMMON") { name = $1; size = $3; file = $4 }
            else if (pending != "" && $1 ~ /^0x/) { name = pending; size = $2; file = $3 }
            pending = ""
            if (name == "" || size !~ /^0x/ || file == "") next
            if (name ~ /^\.(debug|comment|ARM\.attributes)/) next
            n = hex(size)
            if (name ~ /^\.(text|rodata|ARM|glue|vfp11|v4_bx|iplt|rel|init|fini|eh_frame)/ ) k = "text"
            else if (name ~ /^\.data/) k = "data"
            else if (name ~ /^\.bss/ || name == "COMMON") k = "bss"
            else next
            if (n > 0) printf "%s\t%s\t%s\t%s\t%d\n", group(file), k, name, obj(file), n
        }' "$1"
}

# bytes per group ("part") of a linked image: text data bss
map_groups() { # $1 map file
    map_sections "$1" | awk -F'\t' '{ v[$1, $2] += $5; seen[$1] = 1 }
        END { for (g in seen) printf "  %-42s %7d %6d %6d\n", g, v[g, "text"], v[g, "data"], v[g, "bss"] }' | sort
}

# Every byte of (ours-cli - bare), attributed: the sections in one image and not the other (the
# same section name and object in both is the same code: both link the same library objects)
# make the whole difference, but for alignment padding.
attribute() { # $1 ours map, $2 bare map
    local t; t=$(mktemp -d)
    map_sections "$1" | sort -t$'\t' -k3,4 >"$t/ours"
    map_sections "$2" | sort -t$'\t' -k3,4 >"$t/bare"
    # key: section + object + size; lines only in ours / only in bare
    awk -F'\t' 'NR == FNR { b[$3 FS $4 FS $5] = 1; next } !(($3 FS $4 FS $5) in b)' "$t/bare" "$t/ours" >"$t/only-ours"
    awk -F'\t' 'NR == FNR { o[$3 FS $4 FS $5] = 1; next } !(($3 FS $4 FS $5) in o)' "$t/ours" "$t/bare" >"$t/only-bare"
    local lib='^(mbedTLS|newlib|tinyDTLS)'
    echo "### attribution of ours-cli - bare: our symbols (text+rodata / data / bss bytes, by object)"
    grep -Ev "$lib" "$t/only-ours" | awk -F'\t' '{ sym = $3; sub(/^\.(text|rodata|data|bss)\./, "", sym)
            printf "  %-46s %-28s %-4s %6d\n", sym, $4, $2, $5; tot[$2] += $5 }
        END { printf "  %-46s %-28s text %6d data %d bss %d\n", "= ours, total", "", tot["text"], tot["data"], tot["bss"] }' |
        sort -k4,4nr | awk '/= ours, total/ { last = $0; next } { print } END { print last }'
    echo "### library functions only ours pulls in (mbedTLS, newlib, libgcc)"
    grep -E "$lib" "$t/only-ours" | awk -F'\t' '{ sym = $3; sub(/^\.(text|rodata|data|bss)\./, "", sym)
            printf "  %-46s %-28s %-4s %6d\n", sym, $4, $2, $5; tot[$2] += $5 }
        END { printf "  %-46s %-28s text %6d data %d bss %d\n", "= library, only ours", "", tot["text"], tot["data"], tot["bss"] }' |
        sort -k4,4nr | awk '/= library, only ours/ { last = $0; next } { print } END { print last }'
    echo "### only in bare (its client, and library functions ours does not call)"
    awk -F'\t' '{ sym = $3; sub(/^\.(text|rodata|data|bss)\./, "", sym)
            printf "  %-46s %-28s %-4s %6d\n", sym, $4, $2, $5; tot[$2] += $5 }
        END { printf "  %-46s %-28s text %6d data %d bss %d\n", "= only bare", "", tot["text"], tot["data"], tot["bss"] }' "$t/only-bare" |
        sort -k4,4nr | awk '/= only bare/ { last = $0; next } { print } END { print last }'
    local sec img
    sec=$(awk -F'\t' 'NR == FNR { if ($2 == "text") b += $5; next } $2 == "text" { o += $5 } END { print o - b }' "$t/only-bare" "$t/only-ours")
    img=$(arm-none-eabi-size "${1%.map}.elf" "${2%.map}.elf" | awk 'NR == 2 { t = $1 } NR == 3 { print t - $1 }')
    echo "### reconciliation (text): sections only in ours - only in bare = $sec; image difference = $img;"
    echo "### the rest ($((img - sec))) is alignment padding and strings the linker merged (a .str1.1 section is listed before merging, under the first object that has it)"
    rm -rf "$t"
}
# the whole table (make footprint): ours-cli vs bare per image, both cores, and our parts
summary() {
    local cpu v d
    echo
    echo "# summary: ours-cli (client-only switches) vs bare mbedTLS, same mbedTLS config; bytes"
    echo "#   flash = text + data; RAM = data + bss; 'beyond slots' = RAM difference minus our session slot"
    echo "#   core = secure_sock core text (core/*.c, endpoint.c, credential store); driver = tlsman/mbedtls + tlsman/common.c text"
    echo "#   session = our RAM per session beyond the driver's area (sizeof(sock_secure_session_t) - DRIVER_SESSION_SIZE)"
    printf '  %-14s %8s %8s %8s %7s %7s %7s %12s %6s %6s %7s\n' image ours bare flash+ ours bare RAM+ "RAM+ -slots" core driver session
    for cpu in m4 m0plus; do
        for v in psk ecdhe; do
            d=$W/$cpu-$v
            local ctx sess
            read -r ctx sess <"$d/areas"
            local o b slots core drv
            read -r -a o < <(arm-none-eabi-size "$d/ours-cli.elf" | awk 'NR == 2 { print $1 + $2, $2 + $3 }')
            read -r -a b < <(arm-none-eabi-size "$d/bare.elf" | awk 'NR == 2 { print $1 + $2, $2 + $3 }')
            slots=$(arm-none-eabi-nm -S -t d "$d/ours-cli.elf" | awk '$4 == "slots" { print $2 + 0 }')
            core=$(map_groups "$d/ours-cli.map" | awk '/secure_sock core/ { print $(NF - 2) }')
            drv=$(map_groups "$d/ours-cli.map" | awk '/secure_sock driver/ { t += $(NF - 2) } END { print t }')
            printf '  %-14s %8d %8d %+8d %7d %7d %+7d %+12d %6d %6d %7d\n' "$cpu-$v" "${o[0]}" "${b[0]}" \
                $((o[0] - b[0])) "${o[1]}" "${b[1]}" $((o[1] - b[1])) $((o[1] - b[1] - slots)) \
                "$core" "$drv" $((slots - sess))
        done
    done
}
cpu_name() { echo "$1" | sed 's/m4/M4/; s/m0plus/M0+/'; }
# the image's static RAM objects of ours: the socket and the session slots of main(), the rest
static_ram() { # $1 elf
    arm-none-eabi-nm -S -t d "$1" | awk '$3 ~ /^[bBdD]$/ { n = $2 + 0
            if ($4 == "sock") s = n; else if ($4 == "slots") l = n; else o += n }
        END { printf "socket %d (sock_secure_t), session slots %d (1 x sock_secure_session_t), everything else %d", s, l, o }'
}
elf_size() { arm-none-eabi-size "$1" | awk 'NR == 2 { printf "%7d %6d %6d", $1, $2, $3 }'; }

{
    echo "# firmware: $(date -u +%Y-%m-%dT%H:%MZ), tree $(git describe --always --dirty 2>/dev/null || echo '?')"
    echo "# $($CC --version | head -n1)"
    echo "# flags: $CFLAGS_FW (tinyDTLS also -mcpu=cortex-m0plus); link: $LDFLAGS_FW"
    echo "# ours adds: $CLIENT_DEFS"
    if has_stack mbedtls; then
    echo "# mbedTLS $MBVER from Debian's source package ${DSC:+$(basename "$DSC") }(apt-get source, bookworm)"
    echo "# config: bench/footprint/mbedtls_fw_config.h"
    echo "# entropy: mbedtls_hardware_poll() STUB (bench/footprint/fw_entropy_stub.c), NOT random"
    echo "# ours-cli: ours with the client-only switches $CLI_DEFS (PSK images also -DCONFIG_SOCK_SECURE_CERTS=0)"
    for cpu in m4 m0plus; do
    for v in psk ecdhe; do
        d=$W/$cpu-$v
        read -r ctx sess <"$d/areas"
        echo
        case $v in
            psk) echo "## $cpu-psk: DTLS 1.2 PSK client, TLS_PSK_WITH_AES_128_CCM_8, Cortex-$(cpu_name "$cpu")" ;;
            ecdhe) echo "## $cpu-ecdhe: + TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (P-256, X.509); the clients verify the server against one CA, Cortex-$(cpu_name "$cpu")" ;;
        esac
        echo "## driver areas: CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE=$ctx CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE=$sess"
        echo "## mbedTLS heap buffers per session (not in bss): $(cat "$d/buflen")"
        echo "  image                                         text   data    bss"
        echo "  ours (secure_sock + driver + mbedTLS)      $(elf_size "$d/ours.elf")"
        echo "  ours-cli (client-only switches)            $(elf_size "$d/ours-cli.elf")"
        echo "  bare (mbedTLS only)                        $(elf_size "$d/bare.elf")"
        echo "  difference (ours-cli - bare): $(arm-none-eabi-size "$d/ours-cli.elf" "$d/bare.elf" | awk 'NR == 2 { t = $1; a = $2; b = $3 } NR == 3 { printf "text %+d data %+d bss %+d", t - $1, a - $2, b - $3 }')"
        echo "  static RAM of ours-cli's objects: $(static_ram "$d/ours-cli.elf")"
        echo "### ours-cli, by part (from the map)"
        map_groups "$d/ours-cli.map"
        echo "### bare, by part (from the map)"
        map_groups "$d/bare.map"
        attribute "$d/ours-cli.map" "$d/bare.map" >"$d/attribution.txt"
        grep '^  = ' "$d/attribution.txt" | sed 's/^  = /  attribution: /'
    done
    done
    fi
    [ -n "$TD" ] && report_tinydtls
    has_stack mbedtls && summary
} | tee "$out"

# the attribution tables, every byte of ours-cli - bare per image (mbedTLS images)
if has_stack mbedtls; then
    sym_out=${out%.txt}_symbols.txt
    {
        echo "# bench/firmware.sh: where (ours-cli - bare) goes, section by section (from the maps), $(date -u +%Y-%m-%dT%H:%MZ), tree $(git describe --always --dirty 2>/dev/null || echo '?')"
        echo "# a section is one function or object (-ffunction-sections -fdata-sections)"
        for cpu in m4 m0plus; do
            for v in psk ecdhe; do
                echo
                echo "## $cpu-$v: ours-cli $(elf_size "$W/$cpu-$v/ours-cli.elf"), bare $(elf_size "$W/$cpu-$v/bare.elf") (text data bss)"
                cat "$W/$cpu-$v/attribution.txt"
            done
        done
    } >"$sym_out"
    echo "(per-symbol attribution: $sym_out)"
fi
