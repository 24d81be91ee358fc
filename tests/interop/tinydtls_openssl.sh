#!/usr/bin/env bash
# The tinyDTLS driver against OpenSSL, PSK-AES128-CCM8 (RFC 7252's suite) over DTLS 1.2:
#   openssl s_client -dtls1_2 -> ssock server --backend tinydtls --echo (a wrong key refused first,
#   the server serves on), and ssock client --backend tinydtls -> openssl s_server -dtls1_2; the
#   exact bytes arrive both ways; s_client's renegotiation (R) is refused at once with
#   no_renegotiation, as on the other backends (tinyDTLS alone ignored it: s_client waited for a
#   ServerHello until it gave up). Skipped (77) without the tinydtls backend.
source "$(dirname "$0")/lib.bash"
"$SSOCK" --version | grep -q '^backend tinydtls ' ||
    { echo "SKIPPED: no tinydtls backend in this build (cmake -DSS_TINYDTLS_DIR=...)"; exit 77; }
CIPHER=PSK-AES128-CCM8

# --- 1. openssl s_client -> ssock server --------------------------------------------------------
run_client() { # $1 port, $2 key, $3 tag
    rm -f "$WORK/$3.in"; mkfifo "$WORK/$3.in"
    openssl s_client -dtls1_2 -4 -psk "$2" -psk_identity "$ID" -cipher "$CIPHER" \
        -connect "127.0.0.1:$1" -quiet -no_ign_eof <"$WORK/$3.in" >"$WORK/$3.out" 2>"$WORK/$3.err" &
    CPID=$!
    PIDS+=($CPID)
}
port=$(free_port 4)
"$SSOCK" server --backend tinydtls --listen "127.0.0.1:$port" --psk "$ID:$KEY" --echo --once \
    >"$WORK/server.out" 2>"$WORK/server.err" &
spid=$!
PIDS+=($spid)
wait_listening udp "$port"
run_client "$port" ffeeddccbbaa99887766554433221100 wrong
exec 9>"$WORK/wrong.in"
sleep 1.5; exec 9>&-
wait "$CPID" && fail "s_client with a wrong key succeeded"
run_client "$port" "$KEY" good
exec 9>"$WORK/good.in"
printf 'hello from openssl s_client \xc3\xa9\n' >&9
wait_for "$WORK/server.out" "hello from openssl s_client" 10 || fail "server did not print the record"
wait_for "$WORK/good.out" "hello from openssl s_client" 10 || fail "s_client did not get the echo"
exec 9>&-                       # s_client sends close_notify; --once makes the server exit 0
wait "$spid"; rc=$?
[ "$rc" -eq 0 ] || fail "ssock server exit $rc"
[ "$(cat "$WORK/server.out")" = $'hello from openssl s_client \xc3\xa9' ] ||
    fail "server printed: $(cat "$WORK/server.out")"
pass "openssl s_client -> ssock server --backend tinydtls: echoed, a wrong key refused"

# --- 2. ssock client -> openssl s_server --------------------------------------------------------
port=$(free_port 4)
rm -f "$WORK/s.in"; mkfifo "$WORK/s.in"
openssl s_server -dtls1_2 -4 -nocert -psk "$KEY" -psk_identity "$ID" -cipher "$CIPHER" \
    -accept "$port" <"$WORK/s.in" >"$WORK/s_server.out" 2>&1 &
PIDS+=($!)
exec 7>"$WORK/s.in"           # keep s_server's stdin open: it sends what we write here
wait_s_server "$WORK/s_server.out" udp "$port" || fail "s_server did not start"
rm -f "$WORK/c.in"; mkfifo "$WORK/c.in"
"$SSOCK" client --backend tinydtls "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 1500 \
    <"$WORK/c.in" >"$WORK/client.out" 2>"$WORK/client.err" &
cpid=$!
PIDS+=($cpid)
exec 8>"$WORK/c.in"
printf 'first record from tinydtls\nsecond: \x01 bytes\n' >&8
wait_for "$WORK/s_server.out" "first record from tinydtls" 10 || fail "s_server did not get our records"
wait_for "$WORK/s_server.out" $'second: \x01 bytes' 5 || fail "second record wrong"
grep -q "CIPHER is PSK-AES128-CCM8" "$WORK/s_server.out" || fail "another suite than $CIPHER"
echo "reply from openssl" >&7
wait_for "$WORK/client.out" "reply from openssl" 10 || fail "our client did not print s_server's record"
exec 8>&-                      # EOF on the client's stdin: it waits, sends close_notify, exits 0
wait "$cpid"; rc=$?
[ "$rc" -eq 0 ] || fail "ssock client exit $rc"
[ "$(cat "$WORK/client.out")" = "reply from openssl" ] || fail "client output: $(cat "$WORK/client.out")"
exec 7>&-
pass "ssock client --backend tinydtls -> openssl s_server, both directions"

# --- 3. s_client renegotiates: refused with no_renegotiation (encrypted), the server serves on --
port=$(free_port 4)
"$SSOCK" server --backend tinydtls --listen "127.0.0.1:$port" --psk "$ID:$KEY" --echo -v \
    >"$WORK/server3.out" 2>"$WORK/server3.err" &
PIDS+=($!)
wait_listening udp "$port"
run_client "$port" "$KEY" reneg
exec 9>"$WORK/reneg.in"
printf 'before renegotiation\n' >&9
wait_for "$WORK/reneg.out" "before renegotiation" 10 || fail "no echo before the renegotiation"
printf 'R\n' >&9 # s_client: renegotiate
wait_for "$WORK/reneg.err" "no renegotiation" 10 || fail "s_client's renegotiation was not refused"
exec 9>&-
wait "$CPID"
wait_for "$WORK/server3.err" "session failed: peer sent alert handshake_failure" 5 ||
    fail "the server did not end the session on s_client's answer to its refusal"
run_client "$port" "$KEY" after
exec 9>"$WORK/after.in"
printf 'after the refusal\n' >&9
wait_for "$WORK/after.out" "after the refusal" 10 || fail "no echo for a new client after the refusal"
exec 9>&-
wait "$CPID"
pass "openssl s_client's renegotiation refused by ssock server --backend tinydtls (no_renegotiation)"
exit 0
