#!/usr/bin/env bash
# TLS 1.2 over TCP with OpenSSL (ssock --tls), the exact bytes both ways (binary, no newlines):
#   1. ssock client --tls -> openssl s_server -tls1_2 (PSK-AES128-CCM8), IPv4 and IPv6
#   2. openssl s_client -tls1_2 (PSK) -> ssock server --tls --echo --once, IPv6 (or IPv4)
#   3. certificates, mutual auth, ECDHE-ECDSA-AES128-CCM8 on P-256, both directions
#   4. a wrong PSK fails with a clear one-line error (exit 2); a refused connection exits 3
source "$(dirname "$0")/lib.bash"
require_default_ccm8

# A free TCP port on loopback (bound and released).
free_tcp_port() {
    python3 -c 'import socket,sys; f=socket.AF_INET6 if sys.argv[1]=="6" else socket.AF_INET; s=socket.socket(f, socket.SOCK_STREAM); s.bind(("::1" if sys.argv[1]=="6" else "127.0.0.1",0)); print(s.getsockname()[1])' "${1:-4}"
}
# wait_size FILE BYTES SECONDS: poll until FILE holds at least BYTES bytes.
wait_size() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
        sleep 0.05
    done
    return 1
}
# same FILE1 FILE2 WHAT: identical bytes, or fail naming the sizes.
same() {
    cmp -s "$1" "$2" || fail "$3: bytes differ ($(stat -c %s "$1") sent, $(stat -c %s "$2") received)"
}

PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
head -c 100000 /dev/urandom >"$WORK/up.bin"       # client to server
head -c 60000 /dev/urandom >"$WORK/down.bin"      # server to client
printf 'last bytes \x00\xff without a newline' >>"$WORK/up.bin"

start_s_server() { # $1 family, $2 port, $3... credentials options
    local fam=$1 port=$2
    shift 2
    rm -f "$WORK/s.in"; mkfifo "$WORK/s.in"
    openssl s_server -tls1_2 "-$fam" -accept "$port" -quiet "$@" \
        <"$WORK/s.in" >"$WORK/s_server.data" 2>"$WORK/s_server.err" &
    SPID=$!
    PIDS+=($SPID)
    exec 7>"$WORK/s.in"           # keep s_server's stdin open: it sends what we write here
    for _ in $(seq 50); do        # -quiet prints no ACCEPT: wait until the port takes connections
        python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' \
            "$([ "$fam" = 6 ] && echo ::1 || echo 127.0.0.1)" "$port" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "s_server did not start"
}

# ssock client --tls -> s_server: up.bin to the server, down.bin back, exact bytes both ways.
client_to_s_server() { # $1 family, $2 label, $3 suite, then ssock's credentials options
    local fam=$1 label=$2 suite=$3 port host cpid rc
    shift 3
    port=$(free_tcp_port "$fam")
    host="127.0.0.1:$port"; [ "$fam" = 6 ] && host="[::1]:$port"
    case "$suite" in
    PSK*) start_s_server "$fam" "$port" -nocert -psk "$KEY" -psk_identity "$ID" -cipher "$suite" ;;
    *) start_s_server "$fam" "$port" -cert "$PKI/server.crt" -key "$PKI/server.key" \
           -CAfile "$PKI/ca.crt" -Verify 2 -verify_return_error -cipher "$suite" -groups P-256 ;;
    esac
    rm -f "$WORK/c.in"; mkfifo "$WORK/c.in"
    "$SSOCK" client --tls "$host" "$@" --timeout 700 -v \
        <"$WORK/c.in" >"$WORK/client.data" 2>"$WORK/client.err" &
    cpid=$!
    PIDS+=($cpid)
    exec 8>"$WORK/c.in"
    cat "$WORK/up.bin" >&8
    cat "$WORK/down.bin" >&7
    wait_size "$WORK/s_server.data" "$(stat -c %s "$WORK/up.bin")" 10 || fail "$label: s_server did not get all our bytes"
    wait_size "$WORK/client.data" "$(stat -c %s "$WORK/down.bin")" 10 || fail "$label: our client did not get all of s_server's bytes"
    exec 8>&-                     # EOF: the client waits --timeout ms, sends close_notify, exits 0
    wait "$cpid"; rc=$?
    [ "$rc" -eq 0 ] || fail "$label: ssock client exit $rc"
    same "$WORK/up.bin" "$WORK/s_server.data" "$label: client -> s_server"
    same "$WORK/down.bin" "$WORK/client.data" "$label: s_server -> client"
    grep -q "TLSv1.2" "$WORK/client.err" || fail "$label: not TLS 1.2: $(cat "$WORK/client.err")"
    exec 7>&-
    kill "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
    pass "$label: ssock client --tls <-> openssl s_server, $(grep -o 'TLS_[A-Z0-9_]*' "$WORK/client.err"), exact bytes both ways"
}

# s_client -> ssock server --tls --echo --once: the bytes come back, and the server prints them.
s_client_to_server() { # $1 family, $2 label, then: ssock server options -- s_client options
    local fam=$1 label=$2 port addr spid kpid rc sopts=()
    shift 2
    while [ "$1" != "--" ]; do sopts+=("$1"); shift; done
    shift
    port=$(free_tcp_port "$fam")
    addr="127.0.0.1:$port"; [ "$fam" = 6 ] && addr="[::1]:$port"
    "$SSOCK" server --tls --listen "$addr" "${sopts[@]}" --echo --once \
        >"$WORK/server.data" 2>"$WORK/server.err" &
    spid=$!
    PIDS+=($spid)
    sleep 0.3
    rm -f "$WORK/k.in"; mkfifo "$WORK/k.in"
    openssl s_client -tls1_2 "-$fam" -connect "$addr" -quiet -no_ign_eof -nocommands "$@" \
        <"$WORK/k.in" >"$WORK/s_client.data" 2>"$WORK/s_client.err" &
    kpid=$!
    PIDS+=($kpid)
    exec 9>"$WORK/k.in"
    cat "$WORK/up.bin" >&9
    wait_size "$WORK/s_client.data" "$(stat -c %s "$WORK/up.bin")" 10 || fail "$label: s_client did not get the echo"
    exec 9>&-                     # s_client sends close_notify; --once makes the server exit 0
    wait "$kpid"; rc=$?
    [ "$rc" -eq 0 ] || fail "$label: s_client exit $rc"
    wait "$spid"; rc=$?
    [ "$rc" -eq 0 ] || fail "$label: ssock server exit $rc"
    same "$WORK/up.bin" "$WORK/s_client.data" "$label: echo to s_client"
    same "$WORK/up.bin" "$WORK/server.data" "$label: what the server printed"
    pass "$label: openssl s_client -> ssock server --tls --echo, exact bytes back"
}

# --- 1. ssock client -> s_server, PSK ------------------------------------------------------------
client_to_s_server 4 "PSK IPv4" PSK-AES128-CCM8 --psk "$ID:$KEY"
if have_ipv6; then
    client_to_s_server 6 "PSK IPv6" PSK-AES128-CCM8 --psk "$ID:$KEY"
else
    echo "note: no IPv6 loopback, IPv6 cases run on IPv4"
fi
V6=4; have_ipv6 && V6=6

# --- 2. s_client -> ssock server, PSK --------------------------------------------------------------
s_client_to_server "$V6" "PSK IPv$V6" --psk "$ID:$KEY" -- \
    -psk "$KEY" -psk_identity "$ID" -cipher PSK-AES128-CCM8

# --- 3. certificates, mutual authentication, both directions --------------------------------------
client_to_s_server 4 "certificates" ECDHE-ECDSA-AES128-CCM8 --ca "$PKI/ca.crt" \
    --cert "$PKI/client.crt" --key "$PKI/client.key" --servername server.test
grep -q "client.test" "$WORK/s_server.err" || fail "s_server did not see our client certificate"
s_client_to_server "$V6" "certificates IPv$V6" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --ca "$PKI/ca.crt" -- -cert "$PKI/client.crt" -key "$PKI/client.key" -CAfile "$PKI/ca.crt" \
    -verify_return_error -cipher ECDHE-ECDSA-AES128-CCM8 -groups P-256 -servername server.test

# --- 4. failures: wrong PSK (exit 2, one clear line), connection refused (exit 3) ------------------
port=$(free_tcp_port 4)
start_s_server 4 "$port" -nocert -psk ffeeddccbbaa99887766554433221100 -psk_identity "$ID" \
    -cipher PSK-AES128-CCM8
echo hi | "$SSOCK" client --tls "127.0.0.1:$port" --psk "$ID:$KEY" --handshake-timeout 5000 \
    >"$WORK/wrong.out" 2>"$WORK/wrong.err"
rc=$?
[ "$rc" -eq 2 ] || fail "wrong PSK: exit $rc, expected 2"
grep -q "handshake failed with 127.0.0.1:$port: .*(wrong PSK?)" "$WORK/wrong.err" || fail "wrong PSK: unclear error: $(cat "$WORK/wrong.err")"
[ "$(wc -l <"$WORK/wrong.err")" -eq 1 ] || fail "wrong PSK: more than one line on stderr"
exec 7>&-
pass "wrong PSK: $(cat "$WORK/wrong.err")"

port=$(free_tcp_port 4)
echo hi | "$SSOCK" client --tls "127.0.0.1:$port" --psk "$ID:$KEY" >"$WORK/refused.out" 2>"$WORK/refused.err"
rc=$?
[ "$rc" -eq 3 ] || fail "connection refused: exit $rc, expected 3"
[ "$(cat "$WORK/refused.err")" = "ssock: cannot connect to 127.0.0.1:$port: connection refused" ] || fail "connection refused: $(cat "$WORK/refused.err")"
pass "nobody listening: $(cat "$WORK/refused.err")"
exit 0
