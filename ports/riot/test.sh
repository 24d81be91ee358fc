#!/usr/bin/env bash
# ports/riot/test.sh - the RIOT port of secure_sock, end to end:
#   1. builds examples/sock_secure_server and examples/sock_secure_client for native64 (NATIVE=native32: i386);
#      twice: PSK only (as configured), and with certificates of a throw-away test PKI
#      (tests/pki/make-pki.sh, compiled in as C arrays under WORK_DIR: PSK + ECDHE-ECDSA); both
#      again for TLS over TCP (SOCK_SECURE_EXAMPLE_TLS=1), and all four on wolfSSL 5.5.4
#      (SOCK_SECURE_EXAMPLE_DRIVER=wolfssl, see below);
#   2. runs each pair on a tap bridge (two RIOT nodes) and checks:
#      PSK:   host `ssock client`            -> RIOT server   (echo)
#             host `openssl s_client`        -> RIOT server   (echo, PSK-AES128-CCM8)
#             host `ssock client`, wrong key -> RIOT server   (refused with an alert)
#             RIOT client                    -> host `ssock server` (echo, close_notify)
#             RIOT client                    -> host `ssock server` with another key (refused, logged)
#             RIOT client                    -> host `openssl s_server -dtls1_2` (both ways)
#             RIOT client                    -> RIOT server   (echo)
#      certs: host `ssock client --ca`       -> RIOT server   (ECDHE-ECDSA, echo)
#             RIOT client                    -> host `ssock server --cert` (ECDHE-ECDSA, echo)
#             RIOT client                    -> server with a certificate of another CA (refused)
#             (PSK and certificates on mbedTLS and on wolfSSL)
#      TLS:   the PSK and certificate checks again (ssock --tls, openssl -tls1_2) on the examples
#             built with SOCK_SECURE_EXAMPLE_TLS=1 (module sock_secure_tcp on sock_tcp, gnrc_tcp),
#             a wrong key also logged by the server ('ended: handshake failed'), connections
#             reset mid-handshake (on mbedTLS and on wolfSSL)
#      sock_dtls (module sock_dtls_secure_sock): RIOT's own examples, unchanged, built from the RIOT
#      tree on secure_sock + mbedTLS (RIOT_MAKEFILES_GLOBAL_PRE=sock_dtls_secure_sock.mk):
#             dtls-sock client -> dtls-sock server started 3 s later (ClientHello retransmitted)
#             dtls-sock client -> dtls-sock server (PSK-AES128-CCM8, echo)
#             host `ssock client` / `openssl s_client` -> dtls-sock server (echo)
#             host `coap-client-openssl` coaps:// -> gcoap_dtls server (2.05 Content)
#             gcoap_dtls client (from its server sock) -> host `coap-server-openssl` (2.05)
#      the same five on sock_dtls_secure_sock over RIOT's pkg/tinydtls (module
#      sock_secure_tinydtls, SOCK_SECURE_DRIVER=tinydtls) and over RIOT's pkg/wolfssl built from
#      Debian's wolfSSL 5.5.4 source (module sock_secure_wolfssl, SOCK_SECURE_DRIVER=wolfssl;
#      scripts/wolfssl-source.sh; skipped without that source)
#      dtls-sock in its ECC mode (CONFIG_DTLS_ECC, credman ECDSA credentials) on ours + tinyDTLS,
#      its server sock a client-server: client -> server node to node (raw public keys, each
#      pinned), host `ssock client --rpk` (GnuTLS) -> server (echo), an unpinned key refused
#   3. builds RIOT's dtls-sock and gcoap_dtls (one session on samr21-xpro, two on nrf52840dk) on
#      ours + wolfSSL and the TLS client on wolfSSL for samr21-xpro and nrf52840dk (ROM/RAM, the
#      heap room left for wolfSSL's allocations);
#      builds the PSK client for samr21-xpro and nrf52840dk with -Werror (WERROR=1) and prints
#      its ROM/RAM, whole image and secure_sock + mbedTLS share (from the linker map), the same for
#      the TLS client (+ sock_secure_tcp and gnrc_tcp in the share); on the
#      first board (samr21-xpro; FULL_BOARDS=1: on each) builds the server too (one session,
#      6 KiB heap: it must fit samr21-xpro's 32 KiB of RAM), RIOT's dtls-sock on our sock_dtls
#      (mbedTLS, tinyDTLS) and on tinyDTLS's and prints the DTLS shares, and gcoap_dtls on ours.
# Prints PASS/FAIL/SKIP per check and the wall time. Exit 0 all passed, 1 a check failed,
# 77 skipped (no RIOT; or a part could not run: not root, no host ssock, no ARM toolchain).
#
# Environment:
#   RIOTBASE   a RIOT work tree (tested with 2026.10-devel c8bd52ff13)
#   MIRRORS    else: a directory of bare mirrors <owner>+<name>/repo (RIOT-OS+RIOT, Mbed-TLS+mbedtls,
#              ARM-software+CMSIS_5, NordicSemiconductor+nrfx, mpaland+printf, eclipse+tinydtls
#              for the size comparison): RIOT is cloned
#              from it and RIOT's package downloads are pointed at it (private git config)
#   WORK_DIR   scratch directory for build outputs and logs (default: mktemp -d); one kept from an
#              earlier run is reused (its RIOT tree, packages and builds: only changes are rebuilt)
#   SSOCK      the host tool (default: <repo>/build/ssock, from `make build`)
#   TAP_BASE BRIDGE  names of the taps and bridge to create (default ssr / ssrbr)
#   BOARDS     boards of the build-only check (default "samr21-xpro nrf52840dk"; "" skips it)
#   FULL_BOARDS 1: every build of the build-only check on every board (default: the first board)
#   JOBS       make -j (default 2)
#   NATIVE     the RIOT board the nodes run as: native64 (default) or native32 (i386: gcc-multilib)
#   RIOT_ONLY  sockdtls: only RIOT's dtls-sock and gcoap_dtls on our sock_dtls (mbedTLS, tinyDTLS;
#              wolfSSL's are in RIOT_ONLY=wolfssl),
#              their builds and node checks (for iterating on the shim); tls: only the TLS builds
#              and checks (mbedTLS and wolfSSL); wolfssl: only the wolfSSL checks (DTLS, TLS,
#              sock_dtls, boards); audit: only the attacker's probes (dtls_probe.py) against
#              dtls-sock on ours (mbedTLS, tinyDTLS, wolfSSL) and sock_secure_server, and
#              tests/sock_dtls_misuse on each (the default run has them too, after the rest); default: everything
#   WOLFSSL_SRC a wolfSSL 5.5.4 tree (default: what scripts/wolfssl-source.sh prints)
set -u
T0=$SECONDS
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JOBS=${JOBS:-2}
NATIVE=${NATIVE:-native64}
TAP_BASE=${TAP_BASE:-ssr}
BRIDGE=${BRIDGE:-ssrbr}
BOARDS=${BOARDS-samr21-xpro nrf52840dk}
ONLY=${RIOT_ONLY:-}
[ "$ONLY" != sockdtls ] && [ "$ONLY" != audit ] || BOARDS=""
SSOCK=${SSOCK:-$ROOT/build/ssock}
PSK_ID=riot-demo
PSK_HEX=$(printf 'secure_sock_demo' | od -An -tx1 | tr -d ' \n') # examples/common/sock_secure_example.h
NFAIL=0
NPASS=0
NSKIP=0
PIDS=()
HELPERS=()
TAPS_CREATED=0

log()  { printf '[riot-test %4ss] %s\n' "$((SECONDS - T0))" "$*"; }
pass() { printf 'PASS: %s\n' "$*"; NPASS=$((NPASS + 1)); }
fail() { printf 'FAIL: %s\n' "$*"; NFAIL=$((NFAIL + 1)); }
skip() { printf 'SKIP: %s\n' "$*"; NSKIP=$((NSKIP + 1)); }

finish() {
    log "logs in $WORK_DIR; total wall time $((SECONDS - T0)) s"
    echo "$NPASS passed, $NFAIL failed, $NSKIP skipped"
    if [ "$NFAIL" -gt 0 ]; then exit 1; fi
    if [ "$NSKIP" -gt 0 ]; then exit 77; fi
    exit 0
}

if [ -z "${RIOTBASE:-}" ] && { [ -z "${MIRRORS:-}" ] || [ ! -d "$MIRRORS/RIOT-OS+RIOT/repo" ]; }; then
    echo "SKIP: no RIOT: set RIOTBASE to a RIOT tree (or MIRRORS to a directory of mirrors)"
    exit 77
fi
WORK_DIR=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$WORK_DIR"
WORK_DIR=$(cd "$WORK_DIR" && pwd)

cleanup() {
    # RIOT native ignores SIGTERM: stop_nodes sends SIGINT, then SIGKILL; each native instance
    # forks a helper process that outlives it: it is ended by its id
    [ "${#PIDS[@]}" -gt 0 ] && stop_nodes 2>/dev/null
    if [ "$TAPS_CREATED" = 1 ]; then
        SUDO_USER=$(id -un) sh "$RIOTBASE/dist/tools/tapsetup/tapsetup" -d -t "$TAP_BASE" -b "$BRIDGE" >/dev/null 2>&1
    fi
}
trap cleanup EXIT

# ---- RIOT and its packages ----------------------------------------------------------------------
if [ -z "${RIOTBASE:-}" ]; then
    RIOTBASE=$WORK_DIR/RIOT
    [ -d "$RIOTBASE/.git" ] || git clone -q --shared "$MIRRORS/RIOT-OS+RIOT/repo" "$RIOTBASE" ||
        { fail "clone RIOT from $MIRRORS"; finish; }
fi
RIOTBASE=$(cd "$RIOTBASE" && pwd)
export RIOTBASE
if [ -n "${MIRRORS:-}" ]; then
    # RIOT's pkg.mk git-clones each package from its PKG_URL: point those URLs at the mirrors
    # (a private config: nothing changes in ~/.gitconfig)
    GITCFG=$WORK_DIR/gitconfig
    : >"$GITCFG"
    for m in "Mbed-TLS+mbedtls https://github.com/ARMmbed/mbedtls.git" \
             "eclipse+tinydtls https://github.com/eclipse/tinydtls.git" \
             "ARM-software+CMSIS_5 https://github.com/ARM-software/CMSIS_5" \
             "NordicSemiconductor+nrfx https://github.com/NordicSemiconductor/nrfx" \
             "mpaland+printf https://github.com/mpaland/printf"; do
        set -- $m
        [ -d "$MIRRORS/$1/repo" ] && printf '[url "file://%s"]\n\tinsteadOf = %s\n' "$MIRRORS/$1/repo" "$2" >>"$GITCFG"
    done
    printf '[uploadpack]\n\tallowFilter = true\n\tallowAnySHA1InWant = true\n' >>"$GITCFG"
    export GIT_CONFIG_GLOBAL=$GITCFG
fi
log "RIOT $(git -C "$RIOTBASE" log --oneline -1 2>/dev/null | cut -c1-60)"

# build VARIANT APP BOARD [make args...]: outputs under $WORK_DIR/bin/VARIANT/APP (nothing in the
# repository), log in $WORK_DIR/build-VARIANT-APP-BOARD.log
build() {
    local variant=$1 app=$2 board=$3
    shift 3
    timeout 900 make -C "$HERE/examples/$app" BOARD="$board" -j"$JOBS" \
        BINDIRBASE="$WORK_DIR/bin/$variant/$app" WERROR=1 "$@" all \
        >"$WORK_DIR/build-$variant-$app-$board.log" 2>&1
}
elf() { echo "$WORK_DIR/bin/$1/$2/$3/$2.elf"; } # elf VARIANT APP BOARD

# ---- 1. builds for the native board -------------------------------------------------------------
# A throw-away PKI (tests/pki/make-pki.sh) as C arrays for the certificate builds of the examples.
make_certs() {
    local pki=$WORK_DIR/pki
    bash "$ROOT/tests/pki/make-pki.sh" "$pki" >"$WORK_DIR/pki.log" 2>&1 || return 1
    openssl x509 -in "$pki/ca.crt" -outform DER -out "$pki/ca.crt.der" || return 1
    openssl x509 -in "$pki/other-server.crt" -outform DER -out "$pki/other-server.crt.der" || return 1
    python3 - "$pki" <<'PY'
import sys
d = sys.argv[1]
out = ["/* generated by ports/riot/test.sh from a throw-away test PKI: never commit */"]
for name, f in (("example_ca_der", "ca.crt.der"), ("example_server_crt_der", "server.crt.der"),
                ("example_server_key_der", "server.key.der")):
    b = open(f"{d}/{f}", "rb").read()
    out.append(f"static const unsigned char {name}[{len(b)}] = {{")
    out += ["    " + ", ".join(f"0x{x:02x}" for x in b[i:i + 12]) + "," for i in range(0, len(b), 12)]
    out.append("};")
open(f"{d}/sock_secure_example_certs.h", "w").write("\n".join(out) + "\n")
PY
}
# wolfSSL (module sock_secure_wolfssl): RIOT's pkg/wolfssl pins a wolfSSL commit of a ~1 GB
# repository that is not mirrored: wolfSSL 5.5.4 (the driver's version) is built instead, from
# Debian's source package, as a local package source. Without it the wolfSSL checks are skipped.
WOLFSSL_SRC=${WOLFSSL_SRC:-$(bash "$ROOT/scripts/wolfssl-source.sh" 2>"$WORK_DIR/wolfssl-source.log")}
WS_SRC=(PKG_SOURCE_LOCAL_WOLFSSL="$WOLFSSL_SRC")
PKI_OK=0
if ! command -v openssl >/dev/null; then
    skip "certificate builds: no openssl to make the test PKI"
elif ! make_certs; then
    fail "test PKI (see $WORK_DIR/pki.log)"
else
    PKI_OK=1
fi
# ws_pair VARIANT LABEL [make args...]: both examples on wolfSSL (SOCK_SECURE_EXAMPLE_DRIVER=wolfssl,
# heap counted) for $NATIVE as VARIANT, PASS/FAIL named by LABEL; 0 when both built
ws_pair() {
    local v=$1 label=$2 b0=$SECONDS
    shift 2
    if build "$v" sock_secure_server "$NATIVE" SOCK_SECURE_EXAMPLE_DRIVER=wolfssl "${WS_SRC[@]}" \
            SOCK_SECURE_WOLFSSL_HEAP_DEBUG=1 "$@" &&
        build "$v" sock_secure_client "$NATIVE" SOCK_SECURE_EXAMPLE_DRIVER=wolfssl "${WS_SRC[@]}" \
            SOCK_SECURE_WOLFSSL_HEAP_DEBUG=1 "$@"; then
        pass "build $label on wolfSSL 5.5.4 for $NATIVE ($((SECONDS - b0)) s)"
        return 0
    fi
    fail "build $label on wolfSSL for $NATIVE (see $WORK_DIR/build-$v-*-$NATIVE.log)"
    grep -a -m5 "error" "$WORK_DIR"/build-$v-*-$NATIVE.log
    return 1
}
# the examples on wolfSSL: PSK only and with certificates, over UDP (DTLS) and over TCP (TLS:
# SOCK_SECURE_EXAMPLE_TLS=1, sock_secure_tcp on gnrc_tcp)
PSK_WS_OK=0
CERTS_WS_OK=0
TLS_WS_OK=0
TLSCERTS_WS_OK=0
if [ -n "$ONLY" ] && [ "$ONLY" != wolfssl ] && [ "$ONLY" != tls ]; then
    :
elif [ -z "$WOLFSSL_SRC" ]; then
    skip "the examples on wolfSSL: no wolfSSL 5.5.4 source (see $WORK_DIR/wolfssl-source.log)"
else
    if [ "$ONLY" != tls ]; then
        ws_pair psk-ws "sock_secure_server + sock_secure_client (PSK)" && PSK_WS_OK=1
        [ "$PSK_WS_OK" = 1 ] && [ "$PKI_OK" = 1 ] &&
            ws_pair certs-ws "the examples with certificates (PSK + ECDHE-ECDSA)" \
                SOCK_SECURE_EXAMPLE_CERTS="$WORK_DIR/pki" && CERTS_WS_OK=1
    fi
    ws_pair tls-ws "sock_secure_server + sock_secure_client (TLS over sock_tcp, PSK)" \
        SOCK_SECURE_EXAMPLE_TLS=1 && TLS_WS_OK=1
    [ "$TLS_WS_OK" = 1 ] && [ "$PKI_OK" = 1 ] &&
        ws_pair tlscerts-ws "the TLS examples with certificates (PSK + ECDHE-ECDSA)" \
            SOCK_SECURE_EXAMPLE_TLS=1 SOCK_SECURE_EXAMPLE_CERTS="$WORK_DIR/pki" && TLSCERTS_WS_OK=1
fi
# build_misuse DRIVER: ports/riot/tests/sock_dtls_misuse on sock_dtls_secure_sock + DRIVER (MISUSE_OK)
build_misuse() {
    local drv=$1
    B0=$SECONDS
    if timeout 900 make -C "$HERE/tests/sock_dtls_misuse" BOARD="$NATIVE" -j"$JOBS" \
            BINDIRBASE="$WORK_DIR/bin/misuse-$drv" SOCK_SECURE_DRIVER=$drv "${WS_SRC[@]}" WERROR=1 all \
            >"$WORK_DIR/build-misuse-$drv-$NATIVE.log" 2>&1; then
        pass "build ports/riot/tests/sock_dtls_misuse on sock_dtls_secure_sock + $drv for $NATIVE ($((SECONDS - B0)) s)"
        MISUSE_OK="$MISUSE_OK $drv"
    else
        fail "build sock_dtls_misuse on $drv (see $WORK_DIR/build-misuse-$drv-$NATIVE.log)"
        grep -a -m5 "error" "$WORK_DIR/build-misuse-$drv-$NATIVE.log"
    fi
}
B0=$SECONDS
NATIVE_OK=0
if [ -n "$ONLY" ] && [ "$ONLY" != audit ]; then
    skip "the DTLS examples' builds and checks (RIOT_ONLY=$ONLY)"
elif build psk sock_secure_server "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1 &&
    build psk sock_secure_client "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1; then
    pass "build sock_secure_server + sock_secure_client (PSK) for $NATIVE ($((SECONDS - B0)) s)"
    NATIVE_OK=1
else
    fail "build for $NATIVE (see $WORK_DIR/build-psk-*-$NATIVE.log)"
    tail -20 "$WORK_DIR"/build-psk-*-$NATIVE.log
fi
# the TLS examples (SOCK_SECURE_EXAMPLE_TLS=1): module sock_secure_tcp over sock_tcp (gnrc_tcp)
B0=$SECONDS
TLS_OK=0
if [ "$ONLY" = sockdtls ] || [ "$ONLY" = wolfssl ] || [ "$ONLY" = audit ]; then
    :
elif build tls sock_secure_server "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1 SOCK_SECURE_EXAMPLE_TLS=1 &&
    build tls sock_secure_client "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1 SOCK_SECURE_EXAMPLE_TLS=1; then
    pass "build sock_secure_server + sock_secure_client (TLS over sock_tcp, PSK) for $NATIVE ($((SECONDS - B0)) s)"
    TLS_OK=1
else
    fail "TLS build for $NATIVE (see $WORK_DIR/build-tls-*-$NATIVE.log)"
    grep -a -m10 "error" "$WORK_DIR"/build-tls-*-$NATIVE.log
fi
B0=$SECONDS
CERTS_OK=0
if [ -n "$ONLY" ] || [ "$PKI_OK" != 1 ]; then
    :
elif build certs sock_secure_server "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1 \
        SOCK_SECURE_EXAMPLE_CERTS="$WORK_DIR/pki" &&
    build certs sock_secure_client "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1 \
        SOCK_SECURE_EXAMPLE_CERTS="$WORK_DIR/pki"; then
    pass "build the examples with certificates (PSK + ECDHE-ECDSA) for $NATIVE ($((SECONDS - B0)) s)"
    CERTS_OK=1
else
    fail "certificate builds for $NATIVE (see $WORK_DIR/build-certs-*-$NATIVE.log)"
    tail -20 "$WORK_DIR"/build-certs-*-$NATIVE.log
fi

# the TLS examples with certificates (PSK + ECDHE-ECDSA), from the same test PKI
B0=$SECONDS
TLSCERTS_OK=0
if [ "$ONLY" = sockdtls ] || [ "$ONLY" = wolfssl ] || [ "$ONLY" = audit ]; then
    :
elif [ "$TLS_OK" != 1 ] || [ "$PKI_OK" != 1 ]; then
    skip "TLS certificate builds: no TLS build or no test PKI"
elif     build tlscerts sock_secure_server "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1 SOCK_SECURE_EXAMPLE_TLS=1 \
        SOCK_SECURE_EXAMPLE_CERTS="$WORK_DIR/pki" &&
    build tlscerts sock_secure_client "$NATIVE" SOCK_SECURE_MBEDTLS_HEAP_DEBUG=1 SOCK_SECURE_EXAMPLE_TLS=1 \
        SOCK_SECURE_EXAMPLE_CERTS="$WORK_DIR/pki"; then
    pass "build the TLS examples with certificates (PSK + ECDHE-ECDSA) for $NATIVE ($((SECONDS - B0)) s)"
    TLSCERTS_OK=1
else
    fail "TLS certificate builds for $NATIVE (see $WORK_DIR/build-tlscerts-*-$NATIVE.log)"
    grep -a -m10 "error" "$WORK_DIR"/build-tlscerts-*-$NATIVE.log
fi

# RIOT's own sock_dtls applications, unchanged, from the RIOT tree: on our sock_dtls through the
# selection file (it drops tinyDTLS, adds sock_dtls_secure_sock), or as they are (tinydtls).
# riot_build VARIANT APPDIR BOARD [make args...]: outputs under $WORK_DIR/bin/VARIANT
DTLS_SOCK=examples/networking/dtls/dtls-sock
GCOAP_DTLS=examples/networking/coap/gcoap_dtls
riot_build() {
    local variant=$1 app=$2 board=$3
    shift 3
    timeout 900 make -C "$RIOTBASE/$app" BOARD="$board" -j"$JOBS" \
        BINDIRBASE="$WORK_DIR/bin/$variant" WERROR=1 "$@" all \
        >"$WORK_DIR/build-$variant-$board.log" 2>&1
}
# build_sockdtls SUFFIX STACK [make args...]: RIOT's dtls-sock and gcoap_dtls, unchanged, on our
# sock_dtls (outputs under $WORK_DIR/bin/dtls-sock-SUFFIX, gcoap-SUFFIX); 0 when both built
build_sockdtls() {
    local sfx=$1 stack=$2
    shift 2
    B0=$SECONDS
    if riot_build "dtls-sock-$sfx" "$DTLS_SOCK" "$NATIVE" "$@" &&
        riot_build "gcoap-$sfx" "$GCOAP_DTLS" "$NATIVE" "$@"; then
        pass "build RIOT's dtls-sock and gcoap_dtls, unchanged, on sock_dtls_secure_sock + $stack for $NATIVE ($((SECONDS - B0)) s)"
        return 0
    fi
    fail "build RIOT's sock_dtls examples on ours + $stack (see $WORK_DIR/build-dtls-sock-$sfx-$NATIVE.log, build-gcoap-$sfx-$NATIVE.log)"
    grep -a -m5 "error" "$WORK_DIR/build-dtls-sock-$sfx-$NATIVE.log" "$WORK_DIR/build-gcoap-$sfx-$NATIVE.log"
    return 1
}
OURS=(RIOT_MAKEFILES_GLOBAL_PRE="$HERE/sock_dtls_secure_sock.mk")
# the same on our sock_dtls over RIOT's pkg/tinydtls (module sock_secure_tinydtls: our tinyDTLS
# driver on RIOT's tinyDTLS tree)
OURS_TD=("${OURS[@]}" SOCK_SECURE_DRIVER=tinydtls)
SOCKDTLS_OK=0
SOCKDTLS_TD_OK=0
SOCKDTLS_ECC_OK=0
# and over RIOT's pkg/wolfssl (module sock_secure_wolfssl: our wolfSSL driver)
OURS_WS=()
[ -n "$WOLFSSL_SRC" ] && OURS_WS=("${OURS[@]}" SOCK_SECURE_DRIVER=wolfssl "${WS_SRC[@]}")
SOCKDTLS_WS_OK=0
MISUSE_OK=""
if [ "$ONLY" = tls ] || [ "$ONLY" = sockdtls ] || [ "$ONLY" = audit ]; then
    :
elif [ ! -d "$RIOTBASE/$DTLS_SOCK" ]; then
    skip "sock_dtls on wolfSSL: this RIOT has no $DTLS_SOCK"
elif [ "${#OURS_WS[@]}" = 0 ]; then
    skip "sock_dtls on wolfSSL: no wolfSSL 5.5.4 source (see $WORK_DIR/wolfssl-source.log)"
else
    # gcoap_dtls's server sock also starts handshakes: a client-server socket on wolfSSL
    build_sockdtls ws "wolfSSL 5.5.4" "${OURS_WS[@]}" && SOCKDTLS_WS_OK=1
fi
if [ "$ONLY" = audit ]; then
    # the attacker's and the demanding user's checks (audit_checks): dtls-sock on ours + mbedTLS
    B0=$SECONDS
    if riot_build dtls-sock-ours "$DTLS_SOCK" "$NATIVE" "${OURS[@]}" SOCK_DTLS_IGNORE_PSK_HINT=1; then
        pass "build RIOT's dtls-sock, unchanged, on sock_dtls_secure_sock + mbedTLS for $NATIVE ($((SECONDS - B0)) s)"
        SOCKDTLS_OK=1
    else
        fail "build dtls-sock on ours + mbedTLS (see $WORK_DIR/build-dtls-sock-ours-$NATIVE.log)"
        grep -a -m5 "error" "$WORK_DIR/build-dtls-sock-ours-$NATIVE.log"
    fi
    # ports/riot/tests/sock_dtls_misuse: RIOT's sock_dtls API used as an application may get it
    # wrong; then both on tinyDTLS (module sock_secure_tinydtls) and on wolfSSL 5.5.4 (if its
    # source is there)
    for drv in mbedtls tinydtls ${WOLFSSL_SRC:+wolfssl}; do
        B0=$SECONDS
        if [ $drv = tinydtls ]; then
            if ! riot_build dtls-sock-td "$DTLS_SOCK" "$NATIVE" "${OURS_TD[@]}"; then
                fail "build dtls-sock on ours + tinyDTLS (see $WORK_DIR/build-dtls-sock-td-$NATIVE.log)"
                continue
            fi
            SOCKDTLS_TD_OK=1
        elif [ $drv = wolfssl ]; then
            if ! riot_build dtls-sock-ws "$DTLS_SOCK" "$NATIVE" "${OURS_WS[@]}"; then
                fail "build dtls-sock on ours + wolfSSL (see $WORK_DIR/build-dtls-sock-ws-$NATIVE.log)"
                continue
            fi
            SOCKDTLS_WS_OK=1
        fi
        build_misuse $drv
    done
elif [ "$ONLY" = tls ] || [ "$ONLY" = wolfssl ]; then
    :
elif [ ! -d "$RIOTBASE/$DTLS_SOCK" ] || [ ! -d "$RIOTBASE/$GCOAP_DTLS" ]; then
    skip "sock_dtls: this RIOT has no $DTLS_SOCK or $GCOAP_DTLS"
else
    # the dtls-sock server sets a PSK hint, which mbedTLS 2.28 cannot send:
    # SOCK_DTLS_IGNORE_PSK_HINT=1 lets that call succeed (by default it fails with -ENOTSUP);
    # tinyDTLS sends it
    build_sockdtls ours mbedTLS "${OURS[@]}" SOCK_DTLS_IGNORE_PSK_HINT=1 && SOCKDTLS_OK=1
    if [ -n "${MIRRORS:-}" ] && [ ! -d "$MIRRORS/eclipse+tinydtls/repo" ]; then
        skip "sock_dtls on tinyDTLS: no tinyDTLS mirror in $MIRRORS"
    else
        build_sockdtls td tinyDTLS "${OURS_TD[@]}" && SOCKDTLS_TD_OK=1
        # dtls-sock in its ECC mode (CONFIG_DTLS_ECC: credman ECDSA credentials, raw public
        # keys, sock_dtls_verify_public_key) on ours + tinyDTLS (CFLAGS from the environment, so
        # the example's own CFLAGS += still apply); its server sock a client-server
        # (SOCK_DTLS_CLIENT_SERVER=1, as gcoap's): raw public keys on a socket of both roles
        B0=$SECONDS
        if [ -n "$ONLY" ]; then
            skip "dtls-sock in its ECC mode (RIOT_ONLY=$ONLY)"
        elif CFLAGS=-DCONFIG_DTLS_ECC riot_build dtls-sock-tdecc "$DTLS_SOCK" "$NATIVE" "${OURS_TD[@]}" \
                SOCK_DTLS_CLIENT_SERVER=1; then
            pass "build RIOT's dtls-sock (CONFIG_DTLS_ECC: raw public keys), unchanged, on sock_dtls_secure_sock + tinyDTLS for $NATIVE ($((SECONDS - B0)) s)"
            SOCKDTLS_ECC_OK=1
        else
            fail "build dtls-sock with CONFIG_DTLS_ECC on ours + tinyDTLS (see $WORK_DIR/build-dtls-sock-tdecc-$NATIVE.log)"
            grep -a -m5 "error" "$WORK_DIR/build-dtls-sock-tdecc-$NATIVE.log"
        fi
    fi
fi

# ---- 2. two nodes and the host on a tap bridge --------------------------------------------------
waitfor() { # waitfor FILE REGEX SECONDS
    local i
    for i in $(seq 1 $(($3 * 10))); do grep -aqE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
stop_nodes() {
    local p
    # each native instance forks a helper that outlives it (recorded once it started, and here
    # again for an instance whose start timed out: it runs all the same)
    for p in "${PIDS[@]}"; do HELPERS+=($(ps -o pid= --ppid "$p")); done
    for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    for p in "${HELPERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    PIDS=()
    HELPERS=()
    exec 3>&- 4>&-
    for p in "${NODE_FD[@]}"; do exec {p}>&-; done
    NODE_FD=()
}
# start_nodes VARIANT RUNDIR: server node on tap 0, client node on tap 1; sets SADDR CIF BRIF BRADDR
start_nodes() {
    local variant=$1 run=$2 p i
    rm -rf "$run"
    mkdir -p "$run"
    mkfifo "$run/s.in" "$run/c.in"
    "$(elf "$variant" sock_secure_server "$NATIVE")" "${TAP_BASE}0" <"$run/s.in" >"$run/server.log" 2>&1 &
    PIDS+=($!)
    exec 3>"$run/s.in"
    "$(elf "$variant" sock_secure_client "$NATIVE")" "${TAP_BASE}1" <"$run/c.in" >"$run/client.log" 2>&1 &
    PIDS+=($!)
    exec 4>"$run/c.in"
    if ! waitfor "$run/server.log" "D?TLS server listening" 10 || ! waitfor "$run/client.log" "secure_sock D?TLS client" 10; then
        fail "native instances did not start"; cat "$run/server.log" "$run/client.log"; return 1
    fi
    for p in "${PIDS[@]}"; do HELPERS+=($(ps -o pid= --ppid "$p")); done
    # both addresses valid (DAD over) before anyone talks (see node_addr): a TCP client whose
    # address was tentative saw its SYNs unanswered for 15 s
    for i in $(seq 1 20); do
        echo ifconfig >&3
        echo ifconfig >&4
        sleep 0.3
        grep -aq "inet6 addr: fe80::.* VAL" "$run/server.log" &&
            grep -aq "inet6 addr: fe80::.* VAL" "$run/client.log" && break
    done
    SADDR=$(grep -aoE 'inet6 addr: fe80::[0-9a-f:]+' "$run/server.log" | head -1 | awk '{print $3}')
    CIF=$(grep -aoE 'Iface +[0-9]+' "$run/client.log" | head -1 | awk '{print $2}')
    bridge_addr
    log "server node $SADDR, client node interface $CIF, host $BRADDR%$BRIDGE (index $BRIF)"
}
bridge_addr() { # sets BRIF BRADDR
    local i
    BRIF=$(cat "/sys/class/net/$BRIDGE/ifindex")
    for i in $(seq 1 50); do # the bridge's own link-local address must leave DAD first
        ip -6 addr show dev "$BRIDGE" scope link | grep -q inet6 &&
            ! ip -6 addr show dev "$BRIDGE" | grep -q tentative && break
        sleep 0.2
    done
    BRADDR=$(ip -6 addr show dev "$BRIDGE" scope link | awk '/inet6/ {sub(/\/.*/, "", $2); print $2; exit}')
}
# node_start RUN NAME ELF TAP READY-REGEX: a native instance whose shell reads RUN/NAME.in (node_cmd)
declare -A NODE_FD
node_start() {
    local run=$1 name=$2 elf=$3 tap=$4 re=$5 fd pid
    mkfifo "$run/$name.in"
    "$elf" "$tap" <"$run/$name.in" >"$run/$name.log" 2>&1 &
    pid=$!
    PIDS+=($pid)
    exec {fd}>"$run/$name.in"
    NODE_FD[$name]=$fd
    if ! waitfor "$run/$name.log" "$re" 10; then
        fail "native instance $name did not start"; cat "$run/$name.log"; return 1
    fi
    HELPERS+=($(ps -o pid= --ppid "$pid"))
}
node_cmd() { echo "$2" >&"${NODE_FD[$1]}"; } # node_cmd NAME LINE
# node_addr RUN NAME: its link-local address (ADDR) and interface (IFACE), once valid. Nodes must
# not talk before duplicate address detection ends: a node whose own address is tentative
# solicits a neighbour from ::, which the neighbour takes for a DAD collision (it then changes
# its address).
node_addr() {
    local i
    for i in $(seq 1 20); do
        node_cmd "$2" ifconfig
        sleep 0.3
        grep -aq "inet6 addr: fe80::.* VAL" "$1/$2.log" && break
    done
    ADDR=$(grep -aoE 'inet6 addr: fe80::[0-9a-f:]+  scope: link  VAL' "$1/$2.log" | tail -1 | awk '{print $3}')
    IFACE=$(grep -aoE 'Iface +[0-9]+' "$1/$2.log" | tail -1 | awk '{print $2}')
}
show_logs() { # show_logs RUNDIR
    echo sss >&3
    waitfor "$1/server.log" "(mbedtls|wolfssl) heap" 3
    grep -a "connected to\|reply\|error\|heap" "$1/client.log" | sed 's/^/  client| /'
    grep -a "session\|received\|error\|open [0-9]\|heap" "$1/server.log" | sed 's/^/  server| /'
}

# mode_vars VARIANT: the protocol of the examples built as VARIANT (psk, certs: DTLS over UDP;
# tls, tlscerts: TLS over TCP, SOCK_SECURE_EXAMPLE_TLS=1, sock_secure_tcp on gnrc_tcp). Sets MODE
# (DTLS/TLS), VER (the version the client prints), SSF (ssock's flag), OSSL (openssl's) and
# SSP (ss's protocol letter, for a bind check)
mode_vars() {
    case $1 in
    tls*) MODE=TLS VER=TLSv1.2 SSF=--tls OSSL=-tls1_2 SSP=t ;;
    *) MODE=DTLS VER=DTLSv1.2 SSF="" OSSL=-dtls1_2 SSP=u ;;
    esac
}
bound() { ss -Hl${SSP}n "sport = :$1" | grep -q .; } # bound PORT: something listens there
wait_bound() { local b; for b in $(seq 20); do bound "$1" && return 0; sleep 0.1; done; return 1; }

# client_refused RUN OUT REASON SSOCK-SERVER-ARGS...: a host `ssock server` ($SSF) with those
# arguments on a free port, its output in OUT; the RIOT client's handshake to it must fail with
# an error line "error: ADDR: REASON..." (REASON a regex), nothing connected or delivered.
# Sets WHY to the client's reason.
client_refused() {
    local run=$1 out=$2 re=$3 port spid rc=1
    shift 3
    port=$((20000 + RANDOM % 20000))
    timeout 30 "$SSOCK" server $SSF --listen "[::]:$port" "$@" --echo --once >"$out" 2>"${out%.out}.err" &
    spid=$!
    wait_bound "$port"
    echo "ssc [$BRADDR%$CIF]:$port must-not-arrive" >&4
    if waitfor "$run/client.log" "error: \[$BRADDR%$CIF\]:$port: $re" 20 &&
        ! grep -aq "connected to .*:$port" "$run/client.log" && ! grep -aq must-not-arrive "$out"; then
        rc=0
    fi
    WHY=$(grep -a "error: \[$BRADDR%$CIF\]:$port" "$run/client.log" | sed 's/.*: //')
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    return $rc
}

psk_checks() { # psk_checks VARIANT [STACK] (psk or tls: mbedTLS; psk-ws, tls-ws: wolfSSL)
    local run=$WORK_DIR/run-$1 rc port spid MODE VER SSF OSSL SSP
    local stack=${2:-mbedTLS} pfx=""
    [ "$stack" = mbedTLS ] || pfx="$stack: "
    mode_vars "$1"
    start_nodes "$1" "$run" || return

    # host ssock client -> RIOT server (a line is a datagram without its newline; over TLS the
    # byte stream, newline included)
    local LINE=16
    [ "$MODE" = TLS ] && LINE=17
    printf 'hello-from-ssock\n' | timeout 30 "$SSOCK" client $SSF "[$SADDR%$BRIF]:5684" \
        --psk "$PSK_ID:$PSK_HEX" --timeout 2000 -v >"$run/ssock_client.out" 2>"$run/ssock_client.err"
    rc=$?
    if [ $rc -eq 0 ] && [ "$(cat "$run/ssock_client.out")" = hello-from-ssock ] &&
        grep -aq "TLS_PSK_WITH_AES_128_CCM_8" "$run/ssock_client.err" &&
        waitfor "$run/server.log" "received $LINE bytes: hello-from-ssock" 2; then
        pass "${pfx}host ssock client${SSF:+ $SSF} -> RIOT $MODE server: PSK handshake, bytes echoed"
    else
        fail "host ssock client${SSF:+ $SSF} -> RIOT $MODE server (exit $rc): $(cat "$run/ssock_client.out" "$run/ssock_client.err" | tail -5)"
    fi

    # host openssl s_client -> RIOT server
    (echo hello-openssl; sleep 2) | timeout 20 openssl s_client $OSSL \
        -connect "[$SADDR%$BRIDGE]:5684" -psk_identity "$PSK_ID" -psk "$PSK_HEX" \
        -cipher PSK-AES128-CCM8 -ign_eof >"$run/openssl.log" 2>&1
    if grep -aq "Cipher is PSK-AES128-CCM8" "$run/openssl.log" && grep -aqx hello-openssl "$run/openssl.log" &&
        grep -aq "received 14 bytes: hello-openssl" "$run/server.log"; then
        pass "${pfx}openssl s_client $OSSL PSK-AES128-CCM8 -> RIOT $MODE server: bytes echoed"
    else
        fail "openssl s_client $OSSL -> RIOT $MODE server (see $run/openssl.log)"
    fi

    # a wrong key is refused at once (alert), and the server goes on serving
    printf 'must-not-arrive\n' | timeout 30 "$SSOCK" client $SSF "[$SADDR%$BRIF]:5684" \
        --psk "$PSK_ID:00112233445566778899aabbccddeeff" --timeout 1000 --handshake-timeout 10000 \
        >"$run/badkey.out" 2>"$run/badkey.err"
    rc=$?
    # over TLS the server's connection ends with the handshake, and the server says so
    local logged=1 why=""
    if [ "$MODE" = TLS ]; then
        waitfor "$run/server.log" "ended: handshake failed" 3 || logged=0
        why=", the server logged 'ended: handshake failed'"
    fi
    if [ $rc -eq 2 ] && grep -aq "peer sent alert bad_record_mac" "$run/badkey.err" && [ $logged = 1 ] &&
        ! grep -aq must-not-arrive "$run/server.log" "$run/badkey.out"; then
        pass "${pfx}host ssock client${SSF:+ $SSF} with a wrong key -> RIOT $MODE server: refused with alert bad_record_mac (ssock: '$(grep -ao "peer sent alert.*" "$run/badkey.err" | head -1)')$why"
    else
        fail "$MODE wrong key: ssock exit $rc: $(cat "$run/badkey.err") / server: $(grep -a "ended" "$run/server.log" | tail -1)"
    fi

    # TLS: connections reset by the peer mid-handshake (more than the server's connections) free
    # their slots: a client afterwards is served
    if [ "$MODE" = TLS ]; then
        python3 - "$SADDR%$BRIDGE" >"$run/resets.log" 2>&1 <<'PY'
import socket, struct, sys, time
for i in range(3):
    s = socket.create_connection((sys.argv[1], 5684), timeout=5)
    s.sendall(bytes.fromhex("160303002a0100"))  # the start of a ClientHello
    time.sleep(0.3)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()  # RST
    time.sleep(0.3)
print("3 resets")
PY
        printf 'after-resets\n' | timeout 30 "$SSOCK" client $SSF "[$SADDR%$BRIF]:5684" \
            --psk "$PSK_ID:$PSK_HEX" --timeout 2000 >"$run/after_resets.out" 2>"$run/after_resets.err"
        rc=$?
        if grep -q "3 resets" "$run/resets.log" && [ $rc -eq 0 ] && [ "$(cat "$run/after_resets.out")" = after-resets ] &&
            [ "$(grep -ac "ended: connection reset by peer" "$run/server.log")" = 3 ]; then
            pass "${pfx}3 connections reset mid-handshake -> RIOT TLS server (2 connections): each reported as reset, slots freed, the next client echoed"
        else
            fail "TLS after resets (exit $rc): $(cat "$run/resets.log" "$run/after_resets.err" | tail -4)"
        fi
    fi

    # RIOT client -> host ssock server
    port=$((20000 + RANDOM % 20000))
    timeout 60 "$SSOCK" server $SSF --listen "[::]:$port" --psk "$PSK_ID:$PSK_HEX" --echo --once -v \
        >"$run/ssock_server.out" 2>"$run/ssock_server.err" &
    spid=$!
    wait_bound "$port"
    echo "ssc [$BRADDR%$CIF]:$port hello-from-riot-client" >&4
    if waitfor "$run/client.log" "reply \(22 bytes\): hello-from-riot-client" 15 &&
        grep -aq "connected to .*:$port: TLS_PSK_WITH_AES_128_CCM_8, $VER " "$run/client.log" &&
        wait $spid && grep -aq "hello-from-riot-client" "$run/ssock_server.out"; then
        pass "${pfx}RIOT $MODE client -> host ssock server${SSF:+ $SSF}: PSK handshake, echo, close_notify (server --once exit 0)"
    else
        fail "RIOT $MODE client -> host ssock server${SSF:+ $SSF}: $(grep -a "connected\|reply\|error" "$run/client.log" | tail -3) / $(tail -3 "$run/ssock_server.err")"
        kill "$spid" 2>/dev/null
    fi

    # RIOT client -> host ssock server that holds another key for the client's identity: refused
    # by the server's alert, and the client says so
    if client_refused "$run" "$run/badkey_server.out" "peer sent a fatal alert" \
            --psk "$PSK_ID:00112233445566778899aabbccddeeff"; then
        pass "${pfx}RIOT $MODE client with a wrong key -> host ssock server${SSF:+ $SSF}: refused, the client logged '$WHY'"
    else
        fail "RIOT $MODE client with a wrong key -> host ssock server: $(grep -a "connected\|reply\|error" "$run/client.log" | tail -2)"
    fi

    # RIOT client -> openssl s_server (PSK-AES128-CCM8): what the client sends arrives, what
    # s_server's stdin holds comes back. Its bind is checked with ss (another test may hold the
    # port: then another one)
    local opid="" i
    for i in 1 2 3; do
        port=$((20000 + RANDOM % 20000))
        (printf 'hello-from-openssl\n'; sleep 20) | timeout 25 openssl s_server $OSSL -6 \
            -accept "$port" -quiet -nocert -psk "$PSK_HEX" -psk_identity "$PSK_ID" \
            -cipher PSK-AES128-CCM8 >"$run/s_server.out" 2>"$run/s_server.err" &
        opid=$!
        wait_bound "$port" && break
        kill "$opid" 2>/dev/null; wait "$opid" 2>/dev/null; opid=""
    done
    if [ -z "$opid" ]; then
        fail "openssl s_server $OSSL did not bind a port (see $run/s_server.err)"
    else
        echo "ssc [$BRADDR%$CIF]:$port hello-to-openssl" >&4
        if waitfor "$run/client.log" "connected to .*:$port: TLS_PSK_WITH_AES_128_CCM_8, $VER " 15 &&
            waitfor "$run/s_server.out" "hello-to-openssl" 5 &&
            waitfor "$run/client.log" "reply \([0-9]+ bytes\): hello-from-openssl" 5; then
            pass "${pfx}RIOT $MODE client -> openssl s_server $OSSL PSK-AES128-CCM8: handshake, data both ways"
        else
            fail "RIOT $MODE client -> openssl s_server $OSSL: $(grep -a "connected\|reply\|error" "$run/client.log" | tail -3) / $(tail -3 "$run/s_server.err")"
        fi
        kill "$opid" 2>/dev/null
        wait "$opid" 2>/dev/null
    fi

    # RIOT client -> RIOT server
    echo "ssc [$SADDR%$CIF]:5684 hello-node-to-node" >&4
    if waitfor "$run/client.log" "reply \(18 bytes\): hello-node-to-node" 15 &&
        waitfor "$run/server.log" "received 18 bytes: hello-node-to-node" 2; then
        pass "${pfx}RIOT $MODE client -> RIOT $MODE server (two $NATIVE nodes): PSK handshake, bytes echoed"
    else
        fail "RIOT $MODE client -> RIOT $MODE server: $(grep -a "connected\|reply\|error" "$run/client.log" | tail -3)"
    fi
    show_logs "$run"
    stop_nodes
}

cert_checks() { # cert_checks VARIANT [STACK] (certs or tlscerts: mbedTLS; certs-ws, tlscerts-ws: wolfSSL)
    local run=$WORK_DIR/run-$1 pki=$WORK_DIR/pki rc port spid MODE VER SSF OSSL SSP
    local stack=${2:-mbedTLS} pfx=""
    [ "$stack" = mbedTLS ] || pfx="$stack: "
    mode_vars "$1"
    start_nodes "$1" "$run" || return

    # host ssock client (CA, name) -> RIOT server with certificate: ECDHE-ECDSA
    printf 'hello-ecdhe\n' | timeout 30 "$SSOCK" client $SSF "[$SADDR%$BRIF]:5684" --ca "$pki/ca.crt" \
        --servername server.test --timeout 2000 -v >"$run/ssock_client.out" 2>"$run/ssock_client.err"
    rc=$?
    if [ $rc -eq 0 ] && [ "$(cat "$run/ssock_client.out")" = hello-ecdhe ] &&
        grep -aq "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" "$run/ssock_client.err"; then
        pass "${pfx}host ssock client${SSF:+ $SSF} --ca -> RIOT $MODE server: ECDHE-ECDSA-AES128-CCM8, certificate verified, echoed"
    else
        fail "host ssock client${SSF:+ $SSF} --ca -> RIOT $MODE server (exit $rc): $(cat "$run/ssock_client.out" "$run/ssock_client.err" | tail -5)"
    fi

    # RIOT client (CA, server.test) -> host ssock server with certificate only
    port=$((20000 + RANDOM % 20000))
    timeout 60 "$SSOCK" server $SSF --listen "[::]:$port" --cert "$pki/server.crt" --key "$pki/server.key" \
        --echo --once -v >"$run/ssock_server.out" 2>"$run/ssock_server.err" &
    spid=$!
    wait_bound "$port"
    echo "ssc [$BRADDR%$CIF]:$port hello-ecdhe-client" >&4
    if waitfor "$run/client.log" "reply \(18 bytes\): hello-ecdhe-client" 20 &&
        grep -aq "connected to .*:$port: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, $VER " "$run/client.log" &&
        wait $spid; then
        pass "${pfx}RIOT $MODE client -> host ssock server${SSF:+ $SSF} --cert: ECDHE-ECDSA, server certificate verified, echoed"
    else
        fail "RIOT $MODE client -> host ssock server${SSF:+ $SSF} --cert: $(grep -a "connected\|reply\|error" "$run/client.log" | tail -3) / $(tail -3 "$run/ssock_server.err")"
        kill "$spid" 2>/dev/null
    fi

    # RIOT client -> a server whose certificate comes from another CA: refused
    if client_refused "$run" "$run/other.out" "" --cert "$pki/other-server.crt" --key "$pki/other-server.key"; then
        pass "${pfx}RIOT $MODE client -> server with a certificate of an unknown CA: refused ($WHY)"
    else
        fail "$MODE: unknown CA accepted or no answer: $(grep -a "connected\|reply\|error" "$run/client.log" | tail -2)"
    fi
    # wolfSSL (SOCK_SECURE_WOLFSSL_HEAP_DEBUG): the refused handshake leaves nothing on the heap
    # (a wolfSSL with OPENSSL_EXTRA would keep its error queue there: 576 B per refusal)
    if [ "$stack" = wolfSSL ]; then
        local held
        held=$(grep -aoE "wolfssl heap: [0-9]+ bytes in use" "$run/client.log" | awk '{print $3}' | sort -u | tr '\n' ' ' | sed 's/ $//')
        if [ "$(echo $held | wc -w)" = 1 ]; then
            pass "RIOT client ($stack): the refused handshake left nothing on wolfSSL's heap ($held B held after each run: wolfSSL_Init's)"
        else
            fail "RIOT client ($stack): wolfSSL's heap held after the runs: $held B"
        fi
    fi
    show_logs "$run"
    stop_nodes
}

# RIOT's dtls-sock on our sock_dtls: server node on tap 0, client node on tap 1. Its credentials
# (dtls_server_credentials.h): the server knows Identity_1 / yetAnotherSecret and sends the hint
# Prefer_Id_1 (tinyDTLS; mbedTLS 2.28 cannot); the client holds Identity_0 (credman hint
# Prefer_Id_0) and Identity_1 (Prefer_Id_1). On tinyDTLS its PSK callback gets the server's hint
# during the handshake, and the credential of that hint is offered; on mbedTLS the callback gets
# none, and the client offers its PSKs in turn (the next one after the server's alert).
# sockdtls_checks VARIANT STACK: the build (dtls-sock-ours: mbedTLS, dtls-sock-td: tinyDTLS) and
# its name in the messages.
DS_PSK_HEX=$(printf 'yetAnotherSecret' | od -An -tx1 | tr -d ' \n')
# dtls_sock_pair RUN ELF: a server node and a client node of RIOT's dtls-sock (ELF) on the bridge;
# sets SADDR (the server's address), CIF (the client's interface), BRIF BRADDR
dtls_sock_pair() {
    rm -rf "$1"
    mkdir -p "$1"
    node_start "$1" server "$2" "${TAP_BASE}0" "running the shell" &&
        node_start "$1" client "$2" "${TAP_BASE}1" "running the shell" || return
    node_addr "$1" server
    SADDR=$ADDR
    node_addr "$1" client
    CIF=$IFACE
    bridge_addr
}
# sockdtls_hint_check RUN CIF: the unchanged dtls-sock client -> a host ssock server that knows only
# Identity_1 and sends the hint Prefer_Id_1: the client's callback logs that hint, and its first
# handshake offers Identity_1 (the credential of that hint, not the first one, Identity_0: the
# server logs no failed handshake before it).
sockdtls_hint_check() {
    local run=$1 cif=$2 stack=$3 hb=gnutls spid n0 i
    "$SSOCK" --version | grep -q '^backend gnutls .*PSK_HINT' || hb=tinydtls
    timeout 60 "$SSOCK" server --backend "$hb" --listen "[$BRADDR%$BRIF]:20220" \
        --psk "Identity_1:$DS_PSK_HEX" --psk-hint Prefer_Id_1 --echo --once -v \
        >"$run/hint_server.out" 2>"$run/hint_server.err" &
    spid=$!
    for i in $(seq 50); do ss -Hlun "sport = :20220" | grep -q . && break; sleep 0.1; done
    n0=$(wc -l <"$run/client.log")
    node_cmd client "dtlsc $BRADDR%$cif hello-hint"
    if waitfor "$run/client.log" 'Received 10 bytes: "hello-hint"' 20 && wait "$spid" &&
        tail -n +"$((n0 + 1))" "$run/client.log" | grep -aq "Client got hint: Prefer_Id_1" &&
        grep -aq 'PSK identity "Identity_1"' "$run/hint_server.err" &&
        ! grep -aq "handshake failed" "$run/hint_server.err" &&
        grep -aq ' hello-hint$' "$run/hint_server.out"; then
        pass "dtls-sock client ($stack) -> host ssock server --psk-hint Prefer_Id_1: the callback logged the hint, the first handshake offered Identity_1 (the credential of that hint), echo"
    else
        fail "dtls-sock client -> host server with a hint: $(tail -n +"$((n0 + 1))" "$run/client.log" | grep -a "hint\|Connection\|Received\|rror" | tail -3) / $(tail -3 "$run/hint_server.err")"
        kill "$spid" 2>/dev/null
    fi
}
sockdtls_checks() {
    local variant=$1 stack=$2 run=$WORK_DIR/run-$1 elf rc t0
    elf=$WORK_DIR/bin/$variant/$NATIVE/dtls_sock.elf
    dtls_sock_pair "$run" "$elf" || return
    local saddr=$SADDR cif=$CIF
    log "dtls-sock server node $saddr, client node interface $cif"

    # the client starts while the server is not running yet; the server starts 3 s later: the
    # client must retransmit its ClientHello (RFC 6347 §4.2.4; tinyDTLS's sock_dtls does not)
    t0=$SECONDS
    node_cmd client "dtlsc $saddr%$cif hello-late"
    sleep 3
    node_cmd server "dtlss start"
    if waitfor "$run/client.log" 'Received 10 bytes: "hello-late"' 20 &&
        waitfor "$run/server.log" "New client connected" 2; then
        pass "dtls-sock client -> dtls-sock server started 3 s later ($stack): handshake (ClientHello retransmitted), echo ($((SECONDS - t0)) s)"
    else
        fail "dtls-sock client before the server: $(grep -a "dtlsc\|Connection\|Received\|rror" "$run/client.log" | tail -3)"
    fi

    # node to node again, the server running
    node_cmd client "dtlsc $saddr%$cif hello-riot"
    if waitfor "$run/client.log" 'Received 10 bytes: "hello-riot"' 15; then
        pass "dtls-sock client -> dtls-sock server, both on sock_dtls_secure_sock + $stack: PSK-AES128-CCM8, echo"
    else
        fail "dtls-sock client -> server: $(grep -a "Connection\|Received\|rror" "$run/client.log" | tail -3)"
    fi
    # the server's hint reaches the client's PSK callback where the stack hands it over
    if [ "$stack" != mbedTLS ]; then
        if grep -aq "Client got hint: Prefer_Id_1" "$run/client.log"; then
            pass "dtls-sock client ($stack): its PSK callback got the server's hint (Client got hint: Prefer_Id_1)"
        else
            fail "dtls-sock client ($stack): no hint reached its PSK callback"
        fi
        sockdtls_hint_check "$run" "$cif" "$stack"
    elif grep -aq "Client got hint" "$run/client.log"; then
        fail "dtls-sock client ($stack): a hint reached its PSK callback, but mbedTLS 2.28 reads none"
    else
        pass "dtls-sock client ($stack): its PSK callback is asked with no hint (mbedTLS 2.28 drops it), the PSKs are offered in turn"
    fi

    printf 'hello-from-ssock\n' | timeout 30 "$SSOCK" client "[$saddr%$BRIF]:20220" \
        --psk "Identity_1:$DS_PSK_HEX" --timeout 2000 -v >"$run/ssock.out" 2>"$run/ssock.err"
    rc=$?
    if [ $rc -eq 0 ] && [ "$(cat "$run/ssock.out")" = hello-from-ssock ] &&
        grep -aq "TLS_PSK_WITH_AES_128_CCM_8" "$run/ssock.err"; then
        pass "host ssock client -> dtls-sock server ($stack): PSK-AES128-CCM8, echo"
    else
        fail "host ssock client -> dtls-sock server (exit $rc): $(cat "$run/ssock.out" "$run/ssock.err" | tail -3)"
    fi

    (echo hello-openssl; sleep 2) | timeout 20 openssl s_client -dtls1_2 \
        -connect "[$saddr%$BRIDGE]:20220" -psk_identity Identity_1 -psk "$DS_PSK_HEX" \
        -cipher PSK-AES128-CCM8 -ign_eof >"$run/openssl.log" 2>&1
    if grep -aq "Cipher is PSK-AES128-CCM8" "$run/openssl.log" && grep -aqx hello-openssl "$run/openssl.log"; then
        pass "openssl s_client -dtls1_2 PSK-AES128-CCM8 -> dtls-sock server ($stack): echo"
    else
        fail "openssl s_client -> dtls-sock server (see $run/openssl.log)"
    fi
    # the example's server sets the hint Prefer_Id_1: tinyDTLS and wolfSSL send it (mbedTLS 2.28
    # cannot)
    if [ "$stack" != mbedTLS ]; then
        if grep -aq "PSK identity hint: Prefer_Id_1" "$run/openssl.log"; then
            pass "dtls-sock server ($stack) sends its PSK identity hint (sock_dtls_set_server_psk_id_hint): openssl s_client saw Prefer_Id_1"
        else
            fail "dtls-sock server ($stack): no PSK identity hint in $run/openssl.log"
        fi
    fi
    grep -a "Connection\|Received\|rror" "$run/client.log" | sed 's/^/  client| /'
    grep -a "New client\|Received\|rror" "$run/server.log" | sed 's/^/  server| /'
    stop_nodes
}

# dtls-sock in its ECC mode on ours + tinyDTLS: credman's ECDSA credentials are the socket's key
# (the first ECDSA credential of its tags: server key 0) and, with sock_dtls_verify_public_key,
# its pinned keys (the server pins the example's client key, the client both server keys).
# The host's keys are the example's (dtls_*_credentials.h) as DER files.
ecc_keys() { # ecc_keys DIR: client0.key.der server0.pub.der server1.pub.der from the headers
    python3 - "$RIOTBASE/$DTLS_SOCK" "$1" <<'PY'
import re, sys
src, out = sys.argv[1], sys.argv[2]
text = open(f"{src}/dtls_client_credentials.h").read() + open(f"{src}/dtls_server_credentials.h").read()
arr = {m.group(1): bytes(int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{2})", m.group(2)))
       for m in re.finditer(r"static const unsigned char (\w+)\[\] = \{([^}]*)\}", text)}
spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04"
for i in (0, 1):
    open(f"{out}/server{i}.pub.der", "wb").write(spki + arr[f"server_public_key_{i}_x"] + arr[f"server_public_key_{i}_y"])
sec1 = (bytes.fromhex("30770201010420") + arr["client_private_key_0"] +
        bytes.fromhex("a00a06082a8648ce3d030107a144034200") + b"\x04" +
        arr["client_public_key_0_x"] + arr["client_public_key_0_y"])
open(f"{out}/client0.key.der", "wb").write(sec1)
PY
}
ecc_checks() {
    local run=$WORK_DIR/run-dtls-sock-tdecc elf rc
    elf=$WORK_DIR/bin/dtls-sock-tdecc/$NATIVE/dtls_sock.elf
    dtls_sock_pair "$run" "$elf" || return
    local saddr=$SADDR cif=$CIF
    node_cmd server "dtlss start"
    sleep 0.5
    node_cmd client "dtlsc $saddr%$cif hello-ecc"
    if waitfor "$run/client.log" 'Received 9 bytes: "hello-ecc"' 20; then
        pass "dtls-sock (CONFIG_DTLS_ECC) client -> server (a socket of both roles), both on ours + tinyDTLS: raw public keys from credman, each pinned by the other, echo"
    else
        fail "dtls-sock ECC client -> server: $(grep -a "Connection\|Received\|rror" "$run/client.log" | tail -3)"
    fi
    if ! ecc_keys "$run" || ! openssl ecparam -name prime256v1 -genkey -noout -outform DER \
            -out "$run/stranger.key.der" 2>/dev/null; then
        fail "dtls-sock ECC: the example's keys as files"
    else
        printf 'hello-rpk\n' | timeout 30 "$SSOCK" client --backend gnutls "[$saddr%$BRIF]:20220" \
            --rpk --peer-key "$run/server0.pub.der" --key "$run/client0.key.der" --timeout 2000 -v \
            >"$run/ssock.out" 2>"$run/ssock.err"
        rc=$?
        if [ $rc -eq 0 ] && [ "$(cat "$run/ssock.out")" = hello-rpk ] &&
            grep -aq "ECDHE_ECDSA_WITH_AES_128_CCM_8" "$run/ssock.err"; then
            pass "host ssock client (GnuTLS, raw public keys) -> dtls-sock ECC server (ours + tinyDTLS): server key 0 pinned by the host, the example's client key accepted, echo"
        else
            fail "host ssock client --rpk -> dtls-sock ECC server (exit $rc): $(tail -3 "$run/ssock.err")"
        fi
        printf 'stranger\n' | timeout 30 "$SSOCK" client --backend gnutls "[$saddr%$BRIF]:20220" \
            --rpk --peer-key "$run/server0.pub.der" --key "$run/stranger.key.der" --timeout 2000 \
            >"$run/stranger.out" 2>"$run/stranger.err"
        rc=$?
        if [ $rc -ne 0 ] && [ ! -s "$run/stranger.out" ]; then
            pass "host ssock client with a key the dtls-sock ECC server has not pinned: refused (exit $rc)"
        else
            fail "dtls-sock ECC server took an unpinned client key (exit $rc)"
        fi
    fi
    grep -a "Connection\|Received\|rror" "$run/client.log" | sed 's/^/  client| /'
    grep -a "New client\|Received\|rror" "$run/server.log" | sed 's/^/  server| /'
    stop_nodes
}

# RIOT's gcoap_dtls example (gcoap's DTLS sock on ours): a CoAPS server for libcoap's client.
# gcoap_checks VARIANT STACK (gcoap-ours: mbedTLS, gcoap-td: tinyDTLS, gcoap-ws: wolfSSL)
gcoap_checks() {
    local variant=$1 stack=$2 run=$WORK_DIR/run-$1 elf
    elf=$WORK_DIR/bin/$variant/$NATIVE/gcoap_example.elf
    rm -rf "$run"
    mkdir -p "$run"
    if ! command -v coap-client-openssl >/dev/null; then
        skip "gcoap: no coap-client-openssl (Debian: libcoap3-bin)"; return
    fi
    node_start "$run" gcoap "$elf" "${TAP_BASE}0" "running the shell" || return
    node_addr "$run" gcoap
    local gaddr=$ADDR
    bridge_addr
    timeout 30 coap-client-openssl -m get -k secretPSK -u Client_identity -v 6 \
        "coaps://[$gaddr%$BRIDGE]/riot/board" >"$run/coap-client.out" 2>"$run/coap-client.err"
    # -v 6 prints the messages: the answer is "v:1 t:ACK c:2.05 ... :: '<board>'"
    if grep -aq "c:2.05 .*:: '$NATIVE'" "$run/coap-client.out"; then
        pass "coap-client-openssl coaps:// GET /riot/board -> gcoap_dtls server on sock_dtls_secure_sock + $stack: 2.05 '$NATIVE'"
    else
        fail "coap-client-openssl -> gcoap server: $(tail -3 "$run/coap-client.out" "$run/coap-client.err")"
    fi

    # gcoap as a client: its one DTLS sock (a server) starts a handshake to libcoap's server
    # (secure_sock's client-server socket). Global addresses: gcoap's URIs carry no zone.
    if ! command -v coap-server-openssl >/dev/null; then
        skip "gcoap client: no coap-server-openssl (Debian: libcoap3-bin)"
    else
        local port=$((20000 + RANDOM % 20000)) cspid i
        ip -6 addr add fd5e:c0c::1/64 dev "$BRIDGE" nodad
        node_cmd gcoap "ifconfig $IFACE add fd5e:c0c::2/64"
        for i in $(seq 1 30); do # the node's new address must leave DAD first
            node_cmd gcoap ifconfig
            sleep 0.3
            grep -aq "inet6 addr: fd5e:c0c::2 .* VAL" "$run/gcoap.log" && break
        done
        # libcoap listens for DTLS on port + 1; its /time resource is short (gcoap's PDU buffer
        # holds 128 bytes)
        coap-server-openssl -A fd5e:c0c::1 -p "$port" -k secretPSK -v 6 >"$run/coap-server.log" 2>&1 &
        cspid=$!
        sleep 1
        node_cmd gcoap "coap get coaps://[fd5e:c0c::1]:$((port + 1))/time"
        if waitfor "$run/gcoap.log" "gcoap: response Success, code 2.05" 15; then
            pass "gcoap client (its server sock, $stack) coaps:// GET -> coap-server-openssl: DTLS handshake, 2.05"
        else
            fail "gcoap client -> coap-server-openssl: $(grep -a "gcoap" "$run/gcoap.log" | tail -3)"
        fi
        kill "$cspid" 2>/dev/null
        wait "$cspid" 2>/dev/null
        ip -6 addr del fd5e:c0c::1/64 dev "$BRIDGE" 2>/dev/null
    fi
    stop_nodes
}

# audit_checks KIND STACK VARIANT: an attacker's and a demanding user's probes
# (tests/riot/dtls_probe.py) against a DTLS server node: RIOT's dtls-sock on our sock_dtls
# (KIND dtls-sock) or the example sock_secure_server (KIND example)
PROBE=$HERE/dtls_probe.py
# audit_echo RUN TAG WHAT: host `ssock client` (right key) to the node under audit must be echoed
audit_echo() {
    local rc
    printf 'audit-%s\n' "$2" | timeout 30 "$SSOCK" client "[$A_ADDR%$BRIF]:$A_PORT" \
        --psk "$A_PSK" --timeout 3000 >"$1/echo-$2.out" 2>"$1/echo-$2.err"
    rc=$?
    if [ $rc -eq 0 ] && [ "$(cat "$1/echo-$2.out")" = "audit-$2" ]; then
        pass "$A_NAME: $3: host ssock client still served (echo)"
    else
        fail "$A_NAME: $3: host ssock client not served (exit $rc): $(tail -2 "$1/echo-$2.err")"
    fi
}
audit_checks() {
    local kind=$1 stack=$2 variant=$3 run=$WORK_DIR/run-audit-$1 out rc
    rm -rf "$run"
    mkdir -p "$run"
    if [ "$kind" = dtls-sock ]; then
        node_start "$run" server "$WORK_DIR/bin/$variant/$NATIVE/dtls_sock.elf" "${TAP_BASE}0" "running the shell" || return
        node_cmd server "dtlss start"
        A_PORT=20220 A_PSK="Identity_1:$DS_PSK_HEX" A_NAME="dtls-sock server ($stack, 1 session)"
    else
        node_start "$run" server "$(elf "$variant" sock_secure_server "$NATIVE")" "${TAP_BASE}0" "D?TLS server listening" || return
        A_PORT=5684 A_PSK="$PSK_ID:$PSK_HEX" A_NAME="sock_secure_server ($stack, 2 sessions)"
    fi
    node_addr "$run" server
    A_ADDR=$ADDR
    bridge_addr
    # a second host address: the attacker's (deprecated: the host's own clients keep BRADDR)
    ip -6 addr add fe80::bad:1/64 dev "$BRIDGE" nodad preferred_lft 0 2>/dev/null
    sleep 0.3
    audit_echo "$run" first "before any probe"

    # (1) a ClientHello flood from one address (8 ports at once), each completing the cookie
    # exchange; the admitted ones keep their handshakes alive (ClientHello retransmitted) and never
    # go on, while a client of another address (the host's own) connects
    python3 "$PROBE" flood "$A_ADDR%$BRIDGE" "$A_PORT" --src "fe80::bad:1%$BRIDGE" -n 8 --wait 1 \
        --hold 15 >"$run/flood.out" 2>&1 &
    local fpid=$!
    waitfor "$run/flood.out" "flood:" 10
    log "$(cat "$run/flood.out")"
    audit_echo "$run" flood "while 8 cookie-verified hellos at once from another address hold their handshakes (retransmitting, never going on)"
    wait "$fpid"
    audit_echo "$run" flood2 "after that flood"

    # (2) hellos from forged sources, fresh and with a replayed cookie: no state kept
    local hs0 bc0 hs1 bc1
    if [ "$kind" = example ]; then # the server's counters before
        node_cmd server sss
        waitfor "$run/server.log" "bad_cookies" 3
        hs0=$(grep -a "^open " "$run/server.log" | tail -1 | awk '{print $4}')
        bc0=$(grep -a "^bad_cookies " "$run/server.log" | tail -1 | awk '{print $2}')
    fi
    out=$(python3 "$PROBE" spoof "$A_ADDR%$BRIDGE" "$A_PORT" -n 100; python3 "$PROBE" spoof "$A_ADDR%$BRIDGE" "$A_PORT" -n 100 --cookie --src "fe80::bad:1%$BRIDGE")
    log "$(echo $out)"
    if [ "$kind" = example ]; then # no handshake more, each replayed cookie counted as bad
        sleep 0.5
        node_cmd server sss
        sleep 0.5
        hs1=$(grep -a "^open " "$run/server.log" | tail -1 | awk '{print $4}')
        bc1=$(grep -a "^bad_cookies " "$run/server.log" | tail -1 | awk '{print $2}')
        if [ -n "$hs0" ] && [ -n "$bc1" ] && [ "$hs1" -le "$hs0" ] && [ $((bc1 - bc0)) -ge 90 ]; then
            pass "$A_NAME: 200 hellos from forged sources left no handshake (in progress: $hs0 before, $hs1 after); the 100 with a cookie of another address were refused (bad_cookies +$((bc1 - bc0)))"
        else
            fail "$A_NAME: after the forged hellos: handshakes $hs0 -> $hs1, bad_cookies $bc0 -> $bc1"
        fi
    fi
    audit_echo "$run" spoof "after 200 hellos from forged sources (100 with a replayed cookie)"

    # (3) garbage, truncated and oversized records, wrong epochs, an alert flood, at a stranger's
    # port and at a half-open handshake
    out=$(python3 "$PROBE" garbage "$A_ADDR%$BRIDGE" "$A_PORT" --src "fe80::bad:1%$BRIDGE" --wait 1)
    log "$out"
    audit_echo "$run" garbage "after malformed datagrams and an alert flood"

    # (4) a wrong key: refused, its slot freed
    printf 'wrong\n' | timeout 30 "$SSOCK" client "[$A_ADDR%$BRIF]:$A_PORT" \
        --psk "${A_PSK%:*}:000102030405060708090a0b0c0d0e0f" --timeout 3000 >"$run/wrong.out" 2>"$run/wrong.err"
    rc=$?
    if [ $rc -ne 0 ] && [ ! -s "$run/wrong.out" ]; then
        pass "$A_NAME: a wrong key refused (exit $rc: $(tail -1 "$run/wrong.err" | cut -c1-100))"
    else
        fail "$A_NAME: a wrong key was not refused (exit $rc)"
    fi
    audit_echo "$run" wrongkey "after a wrong key"
    (echo audit-openssl; sleep 2) | timeout 20 openssl s_client -dtls1_2 \
        -connect "[$A_ADDR%$BRIDGE]:$A_PORT" -psk_identity "${A_PSK%:*}" -psk "${A_PSK##*:}" \
        -cipher PSK-AES128-CCM8 -ign_eof >"$run/openssl.log" 2>&1
    if grep -aqx audit-openssl "$run/openssl.log"; then
        pass "$A_NAME: openssl s_client served after the probes (echo)"
    else
        fail "$A_NAME: openssl s_client after the probes (see $run/openssl.log)"
    fi
    [ "$kind" = example ] && node_cmd server sss && sleep 0.5
    ip -6 addr del fe80::bad:1/64 dev "$BRIDGE" 2>/dev/null
    grep -a "New client\|session\|Received\|rror\|open [0-9]" "$run/server.log" | tail -30 | sed 's/^/  server| /'
    stop_nodes
}

# misuse_checks: ports/riot/tests/sock_dtls_misuse (a server sock of both roles, one slot) against
# a host `ssock server --echo`: what each call returns, against RIOT's sock/dtls.h
# misuse_steps LOG LABEL "STEP WANT"...: the node printed "step STEP: WANT" for each
misuse_steps() {
    local log=$1 label=$2 step got
    shift 2
    for step in "$@"; do
        set -- $step
        got=$(grep -a "^step $1: " "$log" | head -1 | sed 's/.*: //')
        if [ "$got" = "$2" ]; then
            pass "sock_dtls_misuse ($label): $1 returns $2"
        else
            fail "sock_dtls_misuse ($label): $1 returned '$got', want $2"
        fi
    done
}
misuse_checks() { # misuse_checks DRIVER (mbedtls, tinydtls)
    local drv=$1 run=$WORK_DIR/run-misuse-$1 port spid step want got rc
    rm -rf "$run"
    mkdir -p "$run"
    node_start "$run" node "$WORK_DIR/bin/misuse-$drv/$NATIVE/sock_dtls_misuse.elf" "${TAP_BASE}0" "misuse ready" || return
    node_addr "$run" node
    local naddr=$ADDR nif=$IFACE
    bridge_addr
    port=$((20000 + RANDOM % 20000))
    "$SSOCK" server --listen "[$BRADDR%$BRIF]:$port" --psk "$PSK_ID:$PSK_HEX" --echo -v \
        >"$run/ssock.out" 2>"$run/ssock.err" &
    spid=$!
    SSP=u wait_bound "$port"
    node_cmd node "misuse [$BRADDR%$nif]:$port"
    waitfor "$run/node.log" "step destroy-twice" 20
    eval "$(python3 -c 'import errno as e; print("ENOTCONN=%d ENOBUFS=%d EAGAIN=%d ETIMEDOUT=%d EXDEV=%d" % (e.ENOTCONN, e.ENOBUFS, e.EAGAIN, e.ETIMEDOUT, e.EXDEV))')"
    misuse_steps "$run/node.log" "$drv" "send-before -$ENOTCONN" "init 1" "init-again 0" \
        "handshake -$EXDEV" "recv-empty -$EAGAIN" "send-big 100" "recv-small -$ENOBUFS" \
        "send-after-drop -$ENOTCONN" "destroy-twice ok"
    # a host client with a wrong key handshakes with the sock whose slot held the dropped session:
    # its failure is not the application's (recv must not report a refused handshake of ours)
    node_cmd node misuse_wait
    sleep 0.5
    printf 'x\n' | timeout 20 "$SSOCK" client "[$naddr%$BRIF]:20221" \
        --psk "$PSK_ID:000102030405060708090a0b0c0d0e0f" --timeout 3000 >/dev/null 2>"$run/wrong.err"
    waitfor "$run/node.log" "step wait: " 12
    got=$(grep -a "^step wait: " "$run/node.log" | sed 's/.*: //')
    if [ "$got" = "-$ETIMEDOUT" ]; then
        pass "sock_dtls_misuse ($drv): a peer's failed handshake in the slot of a session dropped by -ENOBUFS is not reported as the application's (recv: -ETIMEDOUT)"
    else
        fail "sock_dtls_misuse ($drv): recv after a peer's failed handshake returned '$got', want -$ETIMEDOUT (a stale client slot?)"
    fi
    node_cmd node "misuse_echo [$BRADDR%$nif]:$port"
    if waitfor "$run/node.log" "step echo: 5 again" 15; then
        pass "sock_dtls_misuse ($drv): a send with a timeout then starts a new handshake (echo)"
    else
        fail "sock_dtls_misuse ($drv): no echo after the misuse: $(grep -a '^step echo' "$run/node.log")"
    fi
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    # the sock closed while another thread blocks in its recv, then used closed (sock/dtls.h:
    # recv returns -EINVAL "if sock is not properly initialized (or closed while sock_dtls_recv()
    # blocks)"); the node must live on
    eval "$(python3 -c 'import errno as e; print("EINVAL=%d" % e.EINVAL)')"
    node_cmd node misuse_close
    waitfor "$run/node.log" "step destroy-closed" 10
    misuse_steps "$run/node.log" "$drv, the sock closed" "recv-blocked-closed -$EINVAL" \
        "recv-closed -$EINVAL" "send-closed -$EINVAL" "init-closed -$EINVAL" "destroy-closed ok"
    # the blocked recv woke at the close, not at its 5 s timeout
    if grep -a -B1 "^step close: done" "$run/node.log" | grep -aq "^step recv-blocked-closed"; then
        pass "sock_dtls_misuse ($drv): a recv blocked in another thread returns when the sock is closed"
    else
        fail "sock_dtls_misuse ($drv): a recv blocked in another thread did not return at the close"
    fi
    grep -a "^step\|rror\|egmentation\|ssert" "$run/node.log" | sed 's/^/  node| /'
    stop_nodes
}

# run_audit: the attacker's probes and the sock_dtls misuse checks on what was built
run_audit() {
    if [ "$SOCKDTLS_OK" = 1 ]; then audit_checks dtls-sock mbedTLS dtls-sock-ours; fi
    if [ "$SOCKDTLS_TD_OK" = 1 ]; then audit_checks dtls-sock tinyDTLS dtls-sock-td; fi
    if [ "$SOCKDTLS_WS_OK" = 1 ]; then audit_checks dtls-sock wolfSSL dtls-sock-ws; fi
    if [ "$NATIVE_OK" = 1 ]; then audit_checks example mbedTLS psk; fi
    for drv in $MISUSE_OK; do misuse_checks $drv; done
}

run_native() {
    if [ "$NATIVE_OK" != 1 ] && [ "$TLS_OK" != 1 ] && [ "$TLSCERTS_OK" != 1 ] && [ "$CERTS_OK" != 1 ] &&
        [ "$PSK_WS_OK" != 1 ] && [ "$CERTS_WS_OK" != 1 ] && [ "$TLS_WS_OK" != 1 ] && [ "$TLSCERTS_WS_OK" != 1 ] &&
        [ "$SOCKDTLS_OK" != 1 ] &&
        [ "$SOCKDTLS_TD_OK" != 1 ] && [ "$SOCKDTLS_ECC_OK" != 1 ] && [ "$SOCKDTLS_WS_OK" != 1 ]; then return; fi
    if [ "$(id -u)" != 0 ]; then skip "$NATIVE on a tap bridge: needs root (tap interfaces)"; return; fi
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        fail "bridge $BRIDGE exists already: choose BRIDGE/TAP_BASE"; return
    fi
    SUDO_USER=$(id -un) sh "$RIOTBASE/dist/tools/tapsetup/tapsetup" -c 2 -t "$TAP_BASE" -b "$BRIDGE" \
        >"$WORK_DIR/tapsetup.log" 2>&1 # its 'tc qdisc ... netem' complaint is harmless
    if ! ip link show "${TAP_BASE}1" >/dev/null 2>&1; then fail "tapsetup (see $WORK_DIR/tapsetup.log)"; return; fi
    TAPS_CREATED=1
    if [ "$ONLY" = audit ]; then
        run_audit
        return
    fi
    if [ "$NATIVE_OK" = 1 ]; then psk_checks psk; fi
    if [ "$TLS_OK" = 1 ]; then psk_checks tls; fi
    if [ "$CERTS_OK" = 1 ]; then cert_checks certs; fi
    if [ "$TLSCERTS_OK" = 1 ]; then cert_checks tlscerts; fi
    if [ "$PSK_WS_OK" = 1 ]; then psk_checks psk-ws wolfSSL; fi
    if [ "$CERTS_WS_OK" = 1 ]; then cert_checks certs-ws wolfSSL; fi
    if [ "$TLS_WS_OK" = 1 ]; then psk_checks tls-ws wolfSSL; fi
    if [ "$TLSCERTS_WS_OK" = 1 ]; then cert_checks tlscerts-ws wolfSSL; fi
    if [ "$SOCKDTLS_OK" = 1 ]; then sockdtls_checks dtls-sock-ours mbedTLS; gcoap_checks gcoap-ours mbedTLS; fi
    if [ "$SOCKDTLS_TD_OK" = 1 ]; then sockdtls_checks dtls-sock-td tinyDTLS; gcoap_checks gcoap-td tinyDTLS; fi
    if [ "$SOCKDTLS_ECC_OK" = 1 ]; then ecc_checks; fi
    if [ "$SOCKDTLS_WS_OK" = 1 ]; then sockdtls_checks dtls-sock-ws wolfSSL; gcoap_checks gcoap-ws wolfSSL; fi
    run_audit
}
if [ -z "$ONLY" ]; then # the default run has the audit's checks too (RIOT_ONLY=audit: those alone)
    [ "$SOCKDTLS_OK" = 1 ] && build_misuse mbedtls
    [ "$SOCKDTLS_TD_OK" = 1 ] && build_misuse tinydtls
    [ "$SOCKDTLS_WS_OK" = 1 ] && build_misuse wolfssl
fi
if [ ! -x "$SSOCK" ]; then
    skip "$NATIVE tests with host peers: no $SSOCK (run 'make build' in $ROOT first)"
elif ! command -v openssl >/dev/null; then
    skip "$NATIVE tests with host peers: no openssl"
else
    run_native
fi

# ---- 3. build-only: Cortex-M boards with -Werror, sizes of the PSK client -----------------------
# sizes: ROM = .text + .data (flash), RAM = .data + .bss; the secure_sock + mbedTLS share is summed
# from the linker map over the objects of their modules (after the linker dropped unused code).
share() { # share MAPFILE [MODULE-REGEX] -> "ROM RAM" of the objects of those modules
    python3 - "$1" "${2:-sock_secure[a-z_]*|mbedtls}" <<'PY'
import re, sys
mods = re.compile(r"/(" + sys.argv[2] + r")/[^/]+\.o$")
rom = ram = 0
started = False
pending = None
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("Linker script and memory map"):
        started = True  # before it: the list of discarded sections
        continue
    if not started:
        continue
    m = re.match(r"^ (\.(text|rodata|data|bss)\S*|COMMON)\s*$", line)
    if m:
        pending = m.group(2) or "bss"
        continue
    m = re.match(r"^ (\.(text|rodata|data|bss)\S*|COMMON)?\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(\S+\.o)\s*$", line)
    sec = None
    if m and m.group(1):
        sec = m.group(2) or "bss"
    elif m and pending:
        sec = pending
    pending = None
    if not sec or not mods.search(m.group(4)):
        continue
    n = int(m.group(3), 16)
    if sec in ("text", "rodata"):
        rom += n
    elif sec == "data":
        rom += n
        ram += n
    else:
        ram += n
print(rom, ram)
PY
}
# heap_room ELF: the bytes between the end of .bss and the end of RAM (RIOT's _sheap.._eheap on
# Cortex-M): the C library's heap, where wolfSSL allocates
heap_room() {
    local sh eh
    sh=$(arm-none-eabi-nm "$1" | awk '$3 == "_sheap" {print $1}')
    eh=$(arm-none-eabi-nm "$1" | awk '$3 == "_eheap" {print $1}')
    [ -n "$sh" ] && [ -n "$eh" ] && echo $((0x$eh - 0x$sh))
}
# riot_sizes VARIANT APPDIR ELFNAME LABEL SHARE-MODULES GLUE-MODULE [make args...]: build RIOT's
# APPDIR for board $b and set SIZES to its image's ROM/RAM, the heap room and the DTLS share (the
# modules matching the regex SHARE-MODULES, named LABEL) and its sock_dtls glue (GLUE-MODULE)
riot_sizes() {
    local variant=$1 app=$2 name=$3 label=$4 mods=$5 glue=$6 e text data bss srom sram grom gram
    shift 6
    riot_build "$variant" "$app" "$b" "$@" || return 1
    e=$WORK_DIR/bin/$variant/$b/$name.elf
    read -r text data bss _ < <(arm-none-eabi-size "$e" | tail -1)
    read -r srom sram < <(share "${e%.elf}.map" "$mods")
    read -r grom gram < <(share "${e%.elf}.map" "$glue")
    SIZES="image ROM $((text + data)) B RAM $((data + bss)) B (heap room $(heap_room "$e") B); sock_dtls share ($label) ROM $srom B RAM $sram B, of which the sock_dtls glue ROM $grom B RAM $gram B"
}
# dtls_sock_sizes VARIANT LABEL SHARE-MODULES GLUE-MODULE [make args...]: riot_sizes of RIOT's dtls-sock
dtls_sock_sizes() {
    local variant=$1
    shift
    riot_sizes "$variant" "$DTLS_SOCK" dtls_sock "$@"
}
if [ -n "$BOARDS" ]; then
    if ! command -v arm-none-eabi-gcc >/dev/null; then
        skip "build for $BOARDS: no arm-none-eabi-gcc (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    else
        for b in $BOARDS; do
            # RIOT's dtls-sock on our sock_dtls over wolfSSL 5.5.4 (sock_secure_wolfssl), each board
            B0=$SECONDS
            if [ "$ONLY" = tls ]; then
                :
            elif [ -z "$WOLFSSL_SRC" ] || [ ! -d "$RIOTBASE/$DTLS_SOCK" ]; then
                skip "RIOT's dtls-sock on sock_dtls_secure_sock + sock_secure_wolfssl for $b: no wolfSSL 5.5.4 source or no dtls-sock"
            elif dtls_sock_sizes dtls-sock-ws "secure_sock + wolfSSL + credman" \
                'sock_secure[a-z_]*|sock_dtls_secure_sock|wolfssl|wolfcrypt|credman' \
                sock_dtls_secure_sock "${OURS_WS[@]}"; then
                pass "build RIOT's dtls-sock on sock_dtls_secure_sock + sock_secure_wolfssl for $b with -Werror ($((SECONDS - B0)) s): $SIZES"
            else
                fail "build RIOT's dtls-sock on ours + wolfSSL for $b (see $WORK_DIR/build-dtls-sock-ws-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-dtls-sock-ws-$b.log"
            fi
            # RIOT's gcoap_dtls on ours + wolfSSL (a client-server sock: two WOLFSSL_CTX), two
            # sessions as RIOT configures it; on 32 KiB of RAM (samr21-xpro) one: wolfSSL's heap
            # (a server handshake peaks at 6.2 KB of blocks on native32) must fit the heap room
            B0=$SECONDS
            peers=2
            [ "$b" = samr21-xpro ] && peers=1
            if [ "$ONLY" = tls ] || [ -z "$WOLFSSL_SRC" ] || [ ! -d "$RIOTBASE/$GCOAP_DTLS" ]; then
                :
            elif CFLAGS=-DCONFIG_DTLS_PEER_MAX=$peers riot_sizes gcoap-ws "$GCOAP_DTLS" gcoap_example \
                "secure_sock + wolfSSL + credman" 'sock_secure[a-z_]*|sock_dtls_secure_sock|wolfssl|wolfcrypt|credman' \
                sock_dtls_secure_sock "${OURS_WS[@]}"; then
                pass "build RIOT's gcoap_dtls on sock_dtls_secure_sock + sock_secure_wolfssl ($peers session(s), client-server sock) for $b with -Werror ($((SECONDS - B0)) s): $SIZES"
            else
                fail "build RIOT's gcoap_dtls on ours + wolfSSL for $b (see $WORK_DIR/build-gcoap-ws-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-gcoap-ws-$b.log"
            fi
            # the TLS client on wolfSSL (sock_secure_tcp over gnrc_tcp)
            B0=$SECONDS
            if [ -z "$WOLFSSL_SRC" ]; then
                skip "the TLS sock_secure_client on wolfSSL for $b: no wolfSSL 5.5.4 source"
            elif build tls-ws sock_secure_client "$b" SOCK_SECURE_EXAMPLE_TLS=1 SOCK_SECURE_EXAMPLE_DRIVER=wolfssl \
                    "${WS_SRC[@]}"; then
                e=$(elf tls-ws sock_secure_client "$b")
                read -r text data bss _ < <(arm-none-eabi-size "$e" | tail -1)
                read -r srom sram < <(share "${e%.elf}.map" 'sock_secure[a-z_]*|wolfssl|wolfcrypt')
                read -r trom tram < <(share "${e%.elf}.map" 'gnrc_tcp|gnrc_sock_tcp')
                pass "build sock_secure_client (TLS over sock_tcp) on wolfSSL 5.5.4 for $b with -Werror ($((SECONDS - B0)) s): image ROM $((text + data)) B RAM $((data + bss)) B (heap room $(heap_room "$e") B); secure_sock + wolfSSL ROM $srom B RAM $sram B; gnrc_tcp ROM $trom B RAM $tram B"
            else
                fail "build the TLS sock_secure_client on wolfSSL for $b (see $WORK_DIR/build-tls-ws-sock_secure_client-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-tls-ws-sock_secure_client-$b.log"
            fi
            [ "$ONLY" != wolfssl ] || continue
            # the TLS client (sock_secure_tcp over gnrc_tcp); on the first board the TLS server too
            B0=$SECONDS
            if build tls sock_secure_client "$b" SOCK_SECURE_EXAMPLE_TLS=1; then
                e=$(elf tls sock_secure_client "$b")
                read -r text data bss _ < <(arm-none-eabi-size "$e" | tail -1)
                read -r srom sram < <(share "${e%.elf}.map")
                read -r trom tram < <(share "${e%.elf}.map" 'gnrc_tcp|gnrc_sock_tcp')
                pass "build sock_secure_client (TLS over sock_tcp) for $b with -Werror ($((SECONDS - B0)) s): image ROM $((text + data)) B RAM $((data + bss)) B; secure_sock + mbedTLS ROM $srom B RAM $sram B; gnrc_tcp ROM $trom B RAM $tram B"
            else
                fail "build the TLS sock_secure_client for $b (see $WORK_DIR/build-tls-sock_secure_client-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-tls-sock_secure_client-$b.log"
            fi
            if [ "$b" = "${BOARDS%% *}" ] || [ "${FULL_BOARDS:-0}" = 1 ]; then
                B0=$SECONDS
                if build tls sock_secure_server "$b" SOCK_SECURE_EXAMPLE_TLS=1 SERVER_SESSIONS=1 SOCK_SECURE_EXAMPLE_HEAP=6144; then
                    read -r text data bss _ < <(arm-none-eabi-size "$(elf tls sock_secure_server "$b")" | tail -1)
                    pass "build the TLS sock_secure_server (1 connection) for $b with -Werror ($((SECONDS - B0)) s): image ROM $((text + data)) B RAM $((data + bss)) B"
                else
                    fail "build the TLS sock_secure_server for $b (see $WORK_DIR/build-tls-sock_secure_server-$b.log)"
                    grep -a -m5 "error\|overflow" "$WORK_DIR/build-tls-sock_secure_server-$b.log"
                fi
            fi
            [ "$ONLY" = tls ] && continue
            B0=$SECONDS
            if build psk sock_secure_client "$b"; then
                e=$(elf psk sock_secure_client "$b")
                read -r text data bss _ < <(arm-none-eabi-size "$e" | tail -1)
                read -r srom sram < <(share "${e%.elf}.map")
                pass "build sock_secure_client for $b with -Werror ($((SECONDS - B0)) s): image ROM $((text + data)) B RAM $((data + bss)) B; secure_sock + mbedTLS ROM $srom B RAM $sram B"
            else
                fail "build sock_secure_client for $b (see $WORK_DIR/build-psk-sock_secure_client-$b.log)"
                grep -a -m5 "error" "$WORK_DIR/build-psk-sock_secure_client-$b.log"
            fi
            # the rest on the first board only (samr21-xpro: the sizes of docs/BENCHMARKS.md §8;
            # the second board only repeats them), unless FULL_BOARDS=1
            [ "$b" = "${BOARDS%% *}" ] || [ "${FULL_BOARDS:-0}" = 1 ] || continue
            # the server too, sized for 32 KiB of RAM (one session, 6 KiB heap)
            B0=$SECONDS
            if build psk sock_secure_server "$b" SERVER_SESSIONS=1 SOCK_SECURE_EXAMPLE_HEAP=6144; then
                read -r text data bss _ < <(arm-none-eabi-size "$(elf psk sock_secure_server "$b")" | tail -1)
                pass "build sock_secure_server (1 session) for $b with -Werror ($((SECONDS - B0)) s): image ROM $((text + data)) B RAM $((data + bss)) B"
            else
                fail "build sock_secure_server for $b (see $WORK_DIR/build-psk-sock_secure_server-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-psk-sock_secure_server-$b.log"
            fi
            # RIOT's dtls-sock (client and server in one image), unchanged: on our sock_dtls, and on
            # tinyDTLS's as RIOT ships it (needs the tinydtls package)
            [ -d "$RIOTBASE/$DTLS_SOCK" ] || continue
            B0=$SECONDS
            if dtls_sock_sizes dtls-sock-ours "secure_sock + mbedTLS + credman" \
                'sock_secure[a-z_]*|sock_dtls_secure_sock|mbedtls|credman' sock_dtls_secure_sock \
                "${OURS[@]}" SOCK_DTLS_IGNORE_PSK_HINT=1; then
                pass "build RIOT's dtls-sock on sock_dtls_secure_sock for $b with -Werror ($((SECONDS - B0)) s): $SIZES"
            else
                fail "build RIOT's dtls-sock on ours for $b (see $WORK_DIR/build-dtls-sock-ours-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-dtls-sock-ours-$b.log"
            fi
            # gcoap_dtls (gcoap's server sock, which also starts client handshakes): two sessions
            # as RIOT configures it; on 32 KiB of RAM (samr21-xpro) one
            B0=$SECONDS
            peers=2
            [ "$b" = samr21-xpro ] && peers=1
            if [ -d "$RIOTBASE/$GCOAP_DTLS" ] &&
                CFLAGS=-DCONFIG_DTLS_PEER_MAX=$peers riot_build gcoap-ours "$GCOAP_DTLS" "$b" "${OURS[@]}"; then
                read -r text data bss _ < <(arm-none-eabi-size "$WORK_DIR/bin/gcoap-ours/$b/gcoap_example.elf" | tail -1)
                pass "build RIOT's gcoap_dtls on sock_dtls_secure_sock ($peers session(s), client-server sock) for $b with -Werror ($((SECONDS - B0)) s): image ROM $((text + data)) B RAM $((data + bss)) B"
            elif [ -d "$RIOTBASE/$GCOAP_DTLS" ]; then
                fail "build RIOT's gcoap_dtls on ours for $b (see $WORK_DIR/build-gcoap-ours-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-gcoap-ours-$b.log"
            fi
            B0=$SECONDS
            if dtls_sock_sizes dtls-sock-tinydtls "tinyDTLS + credman + hashes + crypto" \
                'tinydtls[a-z_]*|credman|hashes|crypto' tinydtls_sock_dtls; then
                pass "build RIOT's dtls-sock on tinyDTLS for $b ($((SECONDS - B0)) s): $SIZES"
            else
                skip "RIOT's dtls-sock on tinyDTLS for $b (no tinydtls package? see $WORK_DIR/build-dtls-sock-tinydtls-$b.log)"
            fi
            # and on our sock_dtls over RIOT's tinyDTLS (sock_secure_tinydtls)
            B0=$SECONDS
            if dtls_sock_sizes dtls-sock-td "secure_sock + tinyDTLS + credman + hashes + crypto" \
                'sock_secure[a-z_]*|sock_dtls_secure_sock|tinydtls[a-z_]*|credman|hashes|crypto' \
                sock_dtls_secure_sock "${OURS_TD[@]}"; then
                pass "build RIOT's dtls-sock on sock_dtls_secure_sock + sock_secure_tinydtls for $b with -Werror ($((SECONDS - B0)) s): $SIZES"
            else
                fail "build RIOT's dtls-sock on ours + tinyDTLS for $b (see $WORK_DIR/build-dtls-sock-td-$b.log)"
                grep -a -m5 "error\|overflow" "$WORK_DIR/build-dtls-sock-td-$b.log"
            fi
        done
    fi
fi
finish
