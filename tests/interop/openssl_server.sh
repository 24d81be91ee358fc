#!/usr/bin/env bash
# ssock client <-> `openssl s_server -dtls1_2` (PSK-AES128-CCM8), IPv4 and IPv6: the exact bytes
# arrive in both directions, and a wrong PSK fails the handshake with a clear error (exit 2).
source "$(dirname "$0")/lib.bash"
require_default_ccm8

start_server() { # $1 family, $2 port, $3 key
    local fam=$1 port=$2 key=$3 host=127.0.0.1 opt=-4
    [ "$fam" = 6 ] && { host=::1; opt=-6; }
    rm -f "$WORK/s.in" "$WORK/server.out"; mkfifo "$WORK/s.in" # no ACCEPT of the last one
    openssl s_server -dtls1_2 $opt -nocert -psk "$key" -psk_identity "$ID" -cipher PSK-AES128-CCM8 \
        -accept "$port" <"$WORK/s.in" >"$WORK/server.out" 2>&1 &
    PIDS+=($!)
    exec 7>"$WORK/s.in"           # keep s_server's stdin open: it sends what we write here
    wait_s_server "$WORK/server.out" udp "$port" || fail "s_server did not start"
}

run_case() { # $1 family
    local fam=$1 port host
    port=$(free_port "$fam")
    host="127.0.0.1:$port"; [ "$fam" = 6 ] && host="[::1]:$port"
    start_server "$fam" "$port" "$KEY"
    rm -f "$WORK/c.in" "$WORK/client.out"; mkfifo "$WORK/c.in"
    "$SSOCK" client "$host" --psk "$ID:$KEY" --timeout 1500 <"$WORK/c.in" >"$WORK/client.out" 2>"$WORK/client.err" &
    local cpid=$!
    PIDS+=($cpid)
    exec 8>"$WORK/c.in"
    printf 'first record from secure_sock\nsecond: \xc3\xa9 \x01 bytes\n' >&8
    wait_for "$WORK/server.out" "first record from secure_sock" 10 || fail "IPv$fam: s_server did not get our records"
    wait_for "$WORK/server.out" $'second: \xc3\xa9 \x01 bytes' 5 || fail "IPv$fam: second record wrong"
    grep -qF "first record from secure_socksecond" "$WORK/server.out" || fail "IPv$fam: records not sent without their newline"
    echo "reply from openssl" >&7
    wait_for "$WORK/client.out" "reply from openssl" 10 || fail "IPv$fam: our client did not print s_server's record"
    exec 8>&-                      # EOF on the client's stdin: it waits, sends close_notify, exits 0
    wait "$cpid"; local rc=$?
    [ "$rc" -eq 0 ] || fail "IPv$fam: ssock client exit $rc"
    [ "$(cat "$WORK/client.out")" = "reply from openssl" ] || fail "IPv$fam: client output: $(cat "$WORK/client.out")"
    exec 7>&-
    pass "IPv$fam: ssock client <-> openssl s_server, both directions"
}

run_case 4
if have_ipv6; then run_case 6; else echo "note: no IPv6 loopback, IPv6 case not run"; fi

# Wrong PSK: OpenSSL's DTLS server silently drops the Finished it cannot decrypt (RFC 6347
# §4.1.2.7) and sends no alert, so our client sees an answer, then silence: it must say so and
# exit 2 (handshake failed), not 3 (no answer).
port=$(free_port 4)
start_server 4 "$port" ffeeddccbbaa99887766554433221100
echo hi | "$SSOCK" client "127.0.0.1:$port" --psk "$ID:$KEY" --handshake-timeout 4000 >"$WORK/wrong.out" 2>"$WORK/wrong.err"
rc=$?
[ "$rc" -eq 2 ] || fail "wrong PSK: exit $rc, expected 2"
grep -q "handshake failed" "$WORK/wrong.err" || fail "wrong PSK: no clear error"
grep -q "wrong PSK?" "$WORK/wrong.err" || fail "wrong PSK: no hint"
[ "$(wc -l <"$WORK/wrong.err")" -eq 1 ] || fail "wrong PSK: more than one line on stderr"
pass "wrong PSK: $(cat "$WORK/wrong.err")"
exit 0
