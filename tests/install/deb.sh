#!/usr/bin/env bash
# CPack's Debian packages (cmake/package.cmake), checked without touching the system: built into a
# temporary directory, their control fields read (dpkg-deb -f), their contents unpacked with
# dpkg -x into a temporary root (ctest: debian_packages):
#   - libsecure-sock0, libsecure-sock-dev and ssock, each with the files it should carry and no
#     file in two packages;
#   - the library's Depends name the runtime package of every stack built in (from
#     dpkg-shlibdeps) and each of them is satisfied on this system (dpkg-query, version
#     compared): what `dpkg -i` would check; -dev depends on exactly this version of the library;
#   - the unpacked tree works: the README client built with the -dev package's pkg-config file
#     and the library package's libsecure_sock.so.0, run against the packaged ssock.
#
#   deb.sh SSOCK BUILD_DIR SOURCE_DIR CC "EXTRA_FLAGS"
source "$(dirname "$0")/../interop/lib.bash"
build=${2:?} src=${3:?} cc=${4:?} extra=${5:-}
for t in cpack dpkg-deb dpkg-shlibdeps dpkg-query pkg-config; do
    command -v "$t" >/dev/null || { echo "SKIPPED: $t not installed"; exit 77; }
done
require_default_ccm8
(cd "$build" && cpack -G DEB -B "$WORK/deb") >"$WORK/cpack.out" 2>&1 || fail "cpack: $(cat "$WORK/cpack.out")"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"
major=${version%%.*}
lib=$WORK/deb/libsecure-sock${major}_${version}_amd64.deb
dev=$WORK/deb/libsecure-sock-dev_${version}_amd64.deb
tool=$WORK/deb/ssock_${version}_amd64.deb
[ "$(dpkg --print-architecture)" = amd64 ] || {
    lib=${lib/_amd64/_$(dpkg --print-architecture)}; dev=${dev/_amd64/_$(dpkg --print-architecture)}
    tool=${tool/_amd64/_$(dpkg --print-architecture)}; }
for f in "$lib" "$dev" "$tool"; do [ -f "$f" ] || fail "not made: $f ($(ls "$WORK/deb"))"; done

# contents
files() { dpkg -c "$1" | awk '{ print $6 }' | grep -v '/$'; }
files "$lib" >"$WORK/lib.list"; files "$dev" >"$WORK/dev.list"; files "$tool" >"$WORK/tool.list"
expect() { grep -qx -- "$2" "$WORK/$1.list" || fail "$1 package lacks $2: $(cat "$WORK/$1.list")"; }
expect lib "./usr/lib/libsecure_sock.so.$major"
expect lib "./usr/lib/libsecure_sock.so.$version"
expect dev ./usr/lib/libsecure_sock.so
expect dev ./usr/lib/libsecure_sock.a
expect dev ./usr/include/secure_sock/sock_secure.h
expect dev ./usr/lib/pkgconfig/secure_sock.pc
expect dev ./usr/lib/cmake/secure_sock/secure_sockConfig.cmake
expect tool ./usr/bin/ssock
expect tool ./usr/share/man/man1/ssock.1
[ "$(wc -l <"$WORK/lib.list")" -eq 2 ] || fail "the library package carries more: $(cat "$WORK/lib.list")"
dup=$(sort "$WORK"/lib.list "$WORK"/dev.list "$WORK"/tool.list | uniq -d)
[ -z "$dup" ] || fail "files in two packages: $dup"
pass "libsecure-sock$major, libsecure-sock-dev and ssock carry their files, none twice"

# dependencies: every stack's runtime, each satisfied here
ldeps=$(dpkg-deb -f "$lib" Depends)
for drv in $("$SSOCK" --version | awk '$1 == "backend" { print $2 }'); do
    case "$drv" in
        mbedtls) want=libmbedtls ;; wolfssl) want=libwolfssl ;; gnutls) want=libgnutls ;;
        *) continue ;; # tinyDTLS is inside the library
    esac
    [[ "$ldeps" == *"$want"* ]] || fail "libsecure-sock$major does not depend on $want ($drv built in): $ldeps"
done
[ "$(dpkg-deb -f "$dev" Depends)" = "libsecure-sock$major (= $version)" ] ||
    fail "-dev Depends: $(dpkg-deb -f "$dev" Depends)"
for deb in "$lib" "$tool"; do
    IFS=, read -ra deps <<<"$(dpkg-deb -f "$deb" Depends)"
    for d in "${deps[@]}"; do
        d=$(echo "$d" | xargs) # "name (>= version)"
        name=${d%% *}
        have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null) || fail "$(basename "$deb"): $name is not installed"
        if [[ "$d" =~ \((..?)\ (.*)\) ]]; then
            op=${BASH_REMATCH[1]} ver=${BASH_REMATCH[2]}
            case "$op" in '>=') op=ge ;; '=') op=eq ;; '<=') op=le ;; '>>') op=gt ;; '<<') op=lt ;; esac
            dpkg --compare-versions "$have" "$op" "$ver" || fail "$(basename "$deb"): $name $have does not satisfy $d"
        fi
    done
done
pass "Depends: $ldeps (each satisfied here)"

# the unpacked packages, used
root=$WORK/root
for deb in "$lib" "$dev" "$tool"; do dpkg -x "$deb" "$root"; done
[ "$(readlink "$root/usr/lib/libsecure_sock.so")" = "libsecure_sock.so.$major" ] || fail "the .so link"
export PKG_CONFIG_PATH=$root/usr/lib/pkgconfig
# shellcheck disable=SC2046,SC2086
"$cc" -Wall -Wextra -Werror $extra -o "$WORK/client" "$src/examples/client.c" \
    $(pkg-config --cflags --libs secure_sock) -Wl,-rpath,"$root/usr/lib" >"$WORK/cc.out" 2>&1 ||
    fail "building against the unpacked -dev package: $(cat "$WORK/cc.out")"
"$root/usr/bin/ssock" server --listen 127.0.0.1:0 --psk "dev1:$KEY" --echo >"$WORK/server.out" 2>"$WORK/server.err" &
PIDS+=($!)
wait_for "$WORK/server.err" "listening on" 5 || fail "packaged ssock server did not start"
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/server.err" | head -1)
out=$(timeout 20 "$WORK/client" "127.0.0.1:$port" 2>&1) || fail "client: $out"
[ "$out" = hello ] || fail "client printed '$out'"
pass "the README client built from the unpacked -dev package echoes through the packaged ssock"
