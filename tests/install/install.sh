#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then the README's client (examples/client.c) built
# against what was installed, the way a user would: with pkg-config (shared, and static with
# --static) and with find_package(secure_sock) (secure_sock::secure_sock and
# secure_sock::secure_sock_static); each runs against the installed `ssock server`
# (ctest: install_and_use).
#
#   install.sh SSOCK BUILD_DIR SOURCE_DIR CC "EXTRA_FLAGS"
# EXTRA_FLAGS: what the build's own programs compile and link with (-fsanitize=... under make asan).
# Checks that a program linked with the shared library needs only libsecure_sock.so.0 (none of
# the stacks: they are the library's own dependencies), that the shared link line names no stack,
# and that the installed tree holds the headers, both libraries, ssock and its man page.
source "$(dirname "$0")/../interop/lib.bash"
build=${2:?} src=${3:?} cc=${4:?} extra=${5:-}
command -v pkg-config >/dev/null || { echo "SKIPPED: pkg-config not installed"; exit 77; }
require_default_ccm8 # the README client speaks RFC 7252's suite with the default backend
prefix=$WORK/prefix
cmake --install "$build" --prefix "$prefix" >"$WORK/install.out" 2>&1 ||
    fail "cmake --install: $(cat "$WORK/install.out")"

pcdir=$(dirname "$(find "$prefix" -name secure_sock.pc)")
libdir=$(dirname "$pcdir")
for f in include/secure_sock/sock_secure.h include/secure_sock/posix/udp.h bin/ssock \
         share/man/man1/ssock.1; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
done
for f in libsecure_sock.so.0 libsecure_sock.so libsecure_sock.a cmake/secure_sock/secure_sockConfig.cmake; do
    [ -e "$libdir/$f" ] || fail "not installed: $libdir/$f"
done
pass "installed under $prefix (libraries in ${libdir#"$prefix"/})"

export PKG_CONFIG_PATH=$pcdir
libs=$(pkg-config --libs secure_sock) || fail "pkg-config --libs secure_sock"
case "$libs" in
    *-lmbed*|*-lwolfssl*|*-lgnutls*|*pthread*) fail "the shared link line names a stack: $libs" ;;
esac
static_libs=$(pkg-config --static --libs secure_sock) || fail "pkg-config --static --libs"
for drv in $("$SSOCK" --version | awk '$1 == "backend" { print $2 }'); do
    case "$drv" in
        mbedtls) want=-lmbedtls ;; wolfssl) want=-lwolfssl ;; gnutls) want=-lgnutls ;;
        *) want=-pthread ;; # tinyDTLS is inside libsecure_sock.a
    esac
    [[ " $static_libs " == *" $want "* ]] || fail "--static lacks $want for $drv: $static_libs"
done
pass "pkg-config: shared '$libs'; static '$static_libs'"

app=$src/examples/client.c
# shellcheck disable=SC2086 # the flags are lists
"$cc" -Wall -Wextra -Werror $extra -o "$WORK/client_pc" "$app" $(pkg-config --cflags secure_sock) \
    $libs -Wl,-rpath,"$libdir" >"$WORK/cc.out" 2>&1 || fail "pkg-config build: $(cat "$WORK/cc.out")"
# shellcheck disable=SC2086
"$cc" -Wall -Wextra -Werror $extra -o "$WORK/client_pc_static" "$app" \
    $(pkg-config --cflags secure_sock) "$libdir/libsecure_sock.a" \
    $(pkg-config --static --libs secure_sock | sed 's/ -lsecure_sock\b//') >"$WORK/cc.out" 2>&1 ||
    fail "pkg-config --static build: $(cat "$WORK/cc.out")"
cmake -S "$(dirname "$0")/app" -B "$WORK/app" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" -DSS_EXAMPLE="$app" \
    >"$WORK/cmake.out" 2>&1 && cmake --build "$WORK/app" >>"$WORK/cmake.out" 2>&1 ||
    fail "find_package build: $(cat "$WORK/cmake.out")"
pass "built with pkg-config and with find_package"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
for exe in "$WORK/client_pc" "$WORK/app/client_shared"; do
    n=$(needed "$exe")
    [[ "$n" == *libsecure_sock.so.0* ]] || fail "$exe does not need libsecure_sock.so.0: $n"
    [[ "$n" == *mbed* || "$n" == *wolfssl* || "$n" == *gnutls* ]] && fail "$exe needs a stack itself: $n"
done
for exe in "$WORK/client_pc_static" "$WORK/app/client_static"; do
    [[ "$(needed "$exe")" == *libsecure_sock* ]] && fail "$exe is not linked statically"
done

"$prefix/bin/ssock" server --listen 127.0.0.1:0 --psk "dev1:$KEY" --echo \
    >"$WORK/server.out" 2>"$WORK/server.err" &
PIDS+=($!)
wait_for "$WORK/server.err" "listening on" 5 || fail "installed ssock server did not start"
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/server.err" | head -1)
[ -n "$port" ] || fail "no port in: $(cat "$WORK/server.err")"
for exe in "$WORK/client_pc" "$WORK/client_pc_static" "$WORK/app/client_shared" "$WORK/app/client_static"; do
    rc=0
    out=$(timeout 20 "$exe" "127.0.0.1:$port" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] || fail "$(basename "$exe"): exit $rc: $out"
    [ "$out" = hello ] || fail "$(basename "$exe") printed '$out', not the echo 'hello'"
done
pass "the README client, built four ways against the installed library, echoes through the installed ssock"
