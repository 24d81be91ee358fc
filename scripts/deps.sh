#!/usr/bin/env bash
# Install the Debian packages secure_sock needs, and only those that are missing.
#
#   scripts/deps.sh [GROUP...]      GROUP: build test clang valgrind arm fuzz lint riot device
#                                   tinydtls ci all
#                                   (default: all)
#
#   build     compiler, cmake, the (D)TLS stacks' -dev packages (mbedTLS, wolfSSL, GnuTLS),
#             openssl + python3, gnutls-bin and libcoap3-bin (interop tests: gnutls-cli/-serv,
#             coap-client-gnutls/coap-server-gnutls with raw public keys)
#   test      build + what the test targets use (= build; interop tests need openssl, gnutls-bin,
#             libcoap3-bin)
#   clang     build + clang
#   valgrind  build + valgrind
#   arm       gcc-arm-none-eabi + newlib (headers such as <string.h>, <errno.h> for the MCU build)
#   fuzz      build + clang + its sanitizer/libFuzzer runtime (libclang-rt-14-dev, only a
#             Recommends of clang, so --no-install-recommends leaves it out)
#   lint      cppcheck, clang-tidy (scripts/lint.sh) + cmake for its compile database
#   device    build + arm + dpkg-dev (dpkg-source: mbedTLS's source for the device profile) +
#             gnutls-bin (gnutls-cli/gnutls-serv: its interop tests)
#   tinydtls  build + git (scripts/tinydtls-source.sh clones the mirror) + gnutls-bin (the raw
#             public key interop test)
#   ci / all  every group
#
# When everything is there this only runs `dpkg-query` (well under a second) and never touches the
# network. Otherwise it runs `apt-get update` once and `apt-get install -y --no-install-recommends`
# for the missing packages. Uses sudo only when not root. Non-interactive.
set -euo pipefail

pkgs_build=(build-essential cmake pkg-config libmbedtls-dev libwolfssl-dev libgnutls28-dev openssl
            python3 gnutls-bin libcoap3-bin)
pkgs_clang=(clang)
pkgs_valgrind=(valgrind)
pkgs_arm=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
pkgs_fuzz=(clang libclang-rt-14-dev)
pkgs_lint=(cppcheck clang-tidy)
pkgs_riot=(git iproute2 python3 gcc-arm-none-eabi libnewlib-arm-none-eabi) # ports/riot/test.sh
pkgs_device=(dpkg-dev gnutls-bin)
pkgs_tinydtls=(git gnutls-bin)

want=()
add_group() {
    case "$1" in
        build|test) want+=("${pkgs_build[@]}") ;;
        clang)      want+=("${pkgs_build[@]}" "${pkgs_clang[@]}") ;;
        valgrind)   want+=("${pkgs_build[@]}" "${pkgs_valgrind[@]}") ;;
        arm)        want+=("${pkgs_arm[@]}") ;;
        fuzz)       want+=("${pkgs_build[@]}" "${pkgs_fuzz[@]}") ;;
        lint)       want+=("${pkgs_build[@]}" "${pkgs_clang[@]}" "${pkgs_lint[@]}") ;;
        riot)       want+=("${pkgs_build[@]}" "${pkgs_riot[@]}") ;;
        device)     want+=("${pkgs_build[@]}" "${pkgs_arm[@]}" "${pkgs_device[@]}") ;;
        tinydtls)   want+=("${pkgs_build[@]}" "${pkgs_tinydtls[@]}") ;;
        ci|all)     want+=("${pkgs_build[@]}" "${pkgs_clang[@]}" "${pkgs_valgrind[@]}" "${pkgs_arm[@]}"
                           "${pkgs_fuzz[@]}" "${pkgs_lint[@]}" "${pkgs_riot[@]}" "${pkgs_device[@]}"
                           "${pkgs_tinydtls[@]}") ;;
        -h|--help)  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "deps.sh: unknown group '$1' (build test clang valgrind arm fuzz lint riot device tinydtls ci all)" >&2; exit 2 ;;
    esac
}
if [ "$#" -eq 0 ]; then
    add_group all
else
    for g in "$@"; do add_group "$g"; done
fi

is_installed() {
    # `dpkg -s` alone exits 0 for a removed-but-not-purged package: look at the status itself.
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
declare -A seen=()
for p in "${want[@]}"; do
    [ -n "${seen[$p]:-}" ] && continue
    seen[$p]=1
    is_installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps.sh: all ${#seen[@]} packages present (${!seen[*]})"
    exit 0
fi

echo "deps.sh: installing missing packages: ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n)
    else
        echo "deps.sh: not root and no sudo; install these by hand: ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (e.g. a parallel session) instead of failing at once on the lock.
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0 -q)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y \
    --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do is_installed "$p" || still+=("$p"); done
if [ "${#still[@]}" -ne 0 ]; then
    echo "deps.sh: still missing after install: ${still[*]}" >&2
    exit 1
fi
echo "deps.sh: installed ${missing[*]}"
