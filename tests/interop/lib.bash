# Shared helpers for the interop scripts (sourced; not a test itself).
# Each script gets the ssock binary as $1, exits 0 pass / 1 fail / 77 skip, and cleans up.
set -u
SSOCK=${1:?usage: $0 PATH_TO_SSOCK}
ID=interop-dev
KEY=00112233445566778899aabbccddeeff
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$WORK"/*.out "$WORK"/*.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }
pass() { echo "PASS: $*"; }
command -v openssl >/dev/null || { echo "SKIPPED: openssl not installed"; exit 77; }

# A free UDP port on loopback (bound and released; collisions are retried by callers' timeouts).
free_port() {
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET6 if sys.argv[1]=="6" else socket.AF_INET, socket.SOCK_DGRAM); s.bind(("::1" if sys.argv[1]=="6" else "127.0.0.1",0)); print(s.getsockname()[1])' "${1:-4}"
}

# free_tcp_port [4|6]: a free TCP port on loopback (bound and released), as free_port for UDP.
free_tcp_port() {
    python3 -c 'import socket,sys; f=socket.AF_INET6 if sys.argv[1]=="6" else socket.AF_INET; s=socket.socket(f, socket.SOCK_STREAM); s.bind(("::1" if sys.argv[1]=="6" else "127.0.0.1",0)); print(s.getsockname()[1])' "${1:-4}"
}

# wait_bound udp|tcp PORT SECONDS: poll the kernel's socket tables until something is bound to PORT
# (tcp: listening). `openssl s_server -accept PORT` prints ACCEPT before it binds, so a client
# started on ACCEPT alone can find the port closed (ICMP port unreachable: "connection refused").
wait_bound() {
    local hex tabs=(/proc/net/udp /proc/net/udp6) state='..' i
    hex=$(printf '%04X' "$2")
    [ "$1" = tcp ] && { tabs=(/proc/net/tcp /proc/net/tcp6); state=0A; }
    for ((i = 0; i < $3 * 10; i++)); do
        cat "${tabs[@]}" 2>/dev/null | grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]{4} $state" && return 0
        sleep 0.1
    done
    return 1
}

# wait_s_server FILE udp|tcp PORT: an openssl s_server writing to FILE has started and bound PORT.
wait_s_server() {
    wait_for "$1" ACCEPT 5 && wait_bound "$2" "$3" 5
}

# start_gnutls_serv udp|tcp OUTFILE gnutls-serv-options...: a gnutls-serv --echo on a free port, which it
# sets in $port (the pid in $GSPID). gnutls-serv binds IPv4 and then IPv6 and carries on when the IPv4
# bind fails ("bind() failed: Address already in use": a parallel test took the free port first), so
# wait for both lines and take another port until the IPv4 one is ours.
start_gnutls_serv() {
    local proto=$1 out=$2 try
    shift 2
    for try in 1 2 3 4 5; do
        if [ "$proto" = udp ]; then port=$(free_port 4); else port=$(free_tcp_port); fi
        rm -f "$out"
        gnutls-serv $([ "$proto" = udp ] && echo --udp) -p "$port" --echo "$@" >"$out" 2>&1 &
        GSPID=$!
        PIDS+=($GSPID)
        wait_for "$out" "listening on IPv6" 5 || fail "gnutls-serv did not start"
        grep -q "IPv4 .*port $port\.\.\.done" "$out" && return 0
        kill "$GSPID" 2>/dev/null; wait "$GSPID" 2>/dev/null
    done
    fail "gnutls-serv found no free IPv4 port in 5 tries: $(cat "$out")"
}

# wait_listening udp|tcp PORT: a server started in the background has bound PORT (a fixed sleep is
# too short under valgrind or on a loaded machine).
wait_listening() {
    wait_bound "$1" "$2" 20 || fail "no server bound $1 port $2 within 20 s"
}

# wait_for FILE TEXT SECONDS: poll until FILE contains TEXT.
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

have_ipv6() { python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1",0))' 2>/dev/null; }

# These scenarios speak TLS_PSK_WITH_AES_128_CCM_8 (RFC 7252's suite) with the default backend:
# a build whose default backend lacks it (Debian's wolfSSL) skips them; wolfssl_openssl.sh covers
# that backend with the suites it has.
require_default_ccm8() {
    "$SSOCK" --version | grep -q '^backend mbedtls .*(default)$' ||
        { echo "SKIPPED: the default backend has no PSK-AES128-CCM8"; exit 77; }
}
