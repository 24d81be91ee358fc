# bench/firmware_tinydtls.bash: the tinyDTLS images of bench/firmware.sh (sourced by it, after its
# helpers link, driver_sizes, map_groups, elf_size and the variables CFLAGS_FW minus the CPU,
# LDFLAGS_FW, CLIENT_DEFS, FP, S, CC, W, root are set).
#
# For Cortex-M4 and Cortex-M0+, DTLS 1.2 PSK clients (TLS_PSK_WITH_AES_128_CCM_8) doing what the
# mbedTLS ones do:
#   ours      bench/footprint/fw_client_ours.c with FW_TINYDTLS=1: secure_sock core + our tinyDTLS
#             driver (src/tlsman/tinydtls/*.c with src/tlsman/common.c) + tinyDTLS
#   ours-cli  the same, the core built client-only (CONFIG_SOCK_SECURE_SERVER=0, _STREAMS=0, as
#             `make arm`'s client build): what a PSK client needs
#   bare      bench/footprint/fw_client_tinydtls_bare.c: the same client on bare tinyDTLS
# and ours-cli and bare again with link-time optimisation (-flto, every object: totals only, LTO
# leaves no per-file attribution in the map).
# tinyDTLS is the tree scripts/tinydtls-source.sh finds (RIOT's pinned commit), built as CMake builds
# it for the host (cmake/tinydtls.cmake: our dtls_config.h, stack/alloc.c and stack/debug.c, so no
# logging), PSK only (SS_TINYDTLS_NO_ECC), with -DNDEBUG; on newlib it compiles in POSIX mode
# against four tiny headers (bench/footprint/tinydtls_shim/: socket types, a no-op pthread mutex)
# and takes newlib-nano's malloc. The random source is a STUB (fw_tinydtls_prng_stub.c, NOT
# random). Builds go to build-fw/td-<cpu>-<image>/.

# tinyDTLS's own files, as cmake/tinydtls.cmake lists them (PSK only: no ecc/)
TD_SRC="dtls.c netq.c peer.c session.c crypto.c ccm.c hmac.c dtls_time.c aes/rijndael_wrap.c sha2/sha2.c"

# sizes of tinyDTLS's per-peer structures on the target (sizeof, read back from an object), for
# the report's heap estimate
td_struct_sizes() { # $1 cflags $2 dir -> "peer security handshake netq"
    local d=$2
    cat >"$d/sizes.c" <<'EOF'
#include "tinydtls.h"
#include "dtls.h"
#include "netq.h"
const char ss_sz_peer[sizeof(dtls_peer_t)];
const char ss_sz_security[sizeof(dtls_security_parameters_t)];
const char ss_sz_handshake[sizeof(dtls_handshake_parameters_t)];
const char ss_sz_netq[sizeof(netq_t)];
EOF
    # shellcheck disable=SC2086
    $CC $1 -c "$d/sizes.c" -o "$d/sizes.o"
    arm-none-eabi-nm -S "$d/sizes.o" | awk '$4 ~ /^ss_sz_/ {
        v = 0; h = tolower($2); for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
        n[$4] = v }
        END { printf "%d %d %d %d\n", n["ss_sz_peer"], n["ss_sz_security"], n["ss_sz_handshake"], n["ss_sz_netq"] }'
}

build_tinydtls() { # $1 cpu name, $2 cpu flags [, $3 "-lto": every object with -flto]
    local cpu=$1 cpuf=$2 T=$TD d=$W/td-$1$3
    rm -rf "$d"
    mkdir -p "$d/tinydtls" "$d/ours" "$d/ours-cli"
    local cf="$cpuf $CFLAGS_FW_NOCPU"
    [ "$3" = -lto ] && cf="$cf -flto"
    local TD_DEFS="-DNDEBUG -DSS_TINYDTLS_NO_ECC -DPACKAGE_VERSION=\"$TDPKG\""
    local TI="-I$FP/tinydtls_shim -I$S/tlsman/tinydtls/stack -I$T"

    # tinyDTLS: its files, our allocator and our logging stand-in
    local f
    for f in $TD_SRC; do
        # shellcheck disable=SC2086
        $CC $cf $TD_DEFS $TI -include "$S/tlsman/tinydtls/stack/alloc_hook.h" -w -c "$T/$f" \
            -o "$d/tinydtls/$(basename "$f" .c).o"
    done
    for f in alloc debug aes; do
        # shellcheck disable=SC2086
        $CC $cf $TD_DEFS $TI -include "$S/tlsman/tinydtls/stack/alloc_hook.h" -c \
            "$S/tlsman/tinydtls/stack/$f.c" -o "$d/tinydtls/ss_$f.o"
    done
    arm-none-eabi-ar rcs "$d/libtinydtls_fw.a" "$d"/tinydtls/*.o

    # the driver's areas for this build (probed with room to spare, then exact)
    local plain="$cpuf $CFLAGS_FW_NOCPU" # objects read back (no LTO bytecode)
    # shellcheck disable=SC2086
    $CC $plain $CLIENT_DEFS $TD_DEFS -DCONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE=8192 -I"$root/include" \
        -isystem "$S/tlsman/tinydtls/stack" -isystem "$T" -isystem "$FP/tinydtls_shim" \
        -c "$S/tlsman/tinydtls/driver.c" -o "$d/probe.o"
    local ctx sess
    read -r ctx sess < <(driver_sizes "$d/probe.o" tlsman_tinydtls)
    echo "$ctx $sess" >"$d/areas"
    td_struct_sizes "$plain $TD_DEFS $TI" "$d" >"$d/structs"

    # secure_sock: core + common + the tinyDTLS driver, default and client-only
    local v extra
    for v in ours ours-cli; do
        extra=""
        [ "$v" = ours-cli ] && extra="-DCONFIG_SOCK_SECURE_SERVER=0 -DCONFIG_SOCK_SECURE_STREAMS=0"
        local defs="$CLIENT_DEFS $extra -DCONFIG_SOCK_SECURE_DRIVER_CTX_SIZE=$ctx -DCONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE=$sess"
        for f in "$S"/core/*.c "$S"/common/*.c "$S/tlsman/common.c" "$S/tlsman/x509_ip.c" \
                 "$S"/tlsman/tinydtls/*.c; do
            local o=${f#"$S"/}
            o=${o%.c}
            # shellcheck disable=SC2086
            $CC $cf -std=c11 -Wall -Wextra -Werror $defs $TD_DEFS -I"$root/include" -I"$S/core" \
                -isystem "$S/tlsman/tinydtls/stack" -isystem "$T" -isystem "$FP/tinydtls_shim" \
                -c "$f" -o "$d/$v/${o//\//_}.o"
        done
        arm-none-eabi-ar rcs "$d/libss_$v.a" "$d/$v"/*.o
        # shellcheck disable=SC2086
        $CC $cf -std=c11 -Wall -Wextra -Werror $defs -DFW_TINYDTLS=1 -I"$root/include" \
            -I"$S/tlsman" -c "$FP/fw_client_ours.c" -o "$d/fw_client_$v.o"
    done
    # shellcheck disable=SC2086
    $CC $cf -std=c11 -Wall -Wextra -Werror -c "$FP/fw_tinydtls_prng_stub.c" -o "$d/prng_stub.o"
    # shellcheck disable=SC2086
    $CC $cf -std=c11 -Wall -Wextra $TD_DEFS $TI -c "$FP/fw_client_tinydtls_bare.c" -o "$d/fw_client_bare.o"

    for v in ours ours-cli; do
        # shellcheck disable=SC2086
        link $cf "$d/fw_client_$v.o" "$d/libss_$v.a" "$d/prng_stub.o" "$d/libtinydtls_fw.a" \
            $LDFLAGS_FW -Wl,-Map="$d/$v.map" -o "$d/$v.elf"
    done
    # shellcheck disable=SC2086
    link $cf "$d/fw_client_bare.o" "$d/prng_stub.o" "$d/libtinydtls_fw.a" $LDFLAGS_FW \
        -Wl,-Map="$d/bare.map" -o "$d/bare.elf"
}

# The report's tinyDTLS part.
report_tinydtls() {
    local cpu d
    echo
    echo "# tinyDTLS $TDVER from $TD (scripts/tinydtls-source.sh; RIOT's pin), PSK only, -DNDEBUG,"
    echo "# logging compiled out (src/tlsman/tinydtls/stack/debug.c), newlib-nano malloc"
    echo "# random source: dtls_prng() STUB (bench/footprint/fw_tinydtls_prng_stub.c), NOT random"
    for cpu in m4 m0plus; do
        d=$W/td-$cpu
        local ctx sess peer sec hs nq
        read -r ctx sess <"$d/areas"
        read -r peer sec hs nq <"$d/structs"
        echo
        echo "## tinydtls-psk, Cortex-$(echo "$cpu" | sed 's/m4/M4/; s/m0plus/M0+/'): DTLS 1.2 PSK client, TLS_PSK_WITH_AES_128_CCM_8"
        echo "## driver areas: CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE=$ctx CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE=$sess (CONFIG_SOCK_SECURE_TINYDTLS_RX = CONFIG_SOCK_SECURE_MAX_DATAGRAM = 1280)"
        echo "## tinyDTLS heap per session (sizeof on this target): peer $peer, keys $sec each (2 while the epoch changes), handshake state $hs, each queued message $nq + its bytes"
        echo "  image                                         text   data    bss"
        echo "  ours (secure_sock + driver + tinyDTLS)     $(elf_size "$d/ours.elf")"
        echo "  ours-cli (the core client-only)            $(elf_size "$d/ours-cli.elf")"
        echo "  bare (tinyDTLS only)                       $(elf_size "$d/bare.elf")"
        echo "  difference (ours-cli - bare): $(arm-none-eabi-size "$d/ours-cli.elf" "$d/bare.elf" | awk 'NR == 2 { t = $1; a = $2; b = $3 } NR == 3 { printf "text %+d data %+d bss %+d", t - $1, a - $2, b - $3 }')"
        echo "  with -flto (every object, whole image):"
        echo "  ours-cli -flto                             $(elf_size "$d-lto/ours-cli.elf")"
        echo "  bare -flto                                 $(elf_size "$d-lto/bare.elf")"
        for v in ours ours-cli bare; do
            echo "### $v, by part (from the map)"
            map_groups "$d/$v.map"
        done
    done
}
