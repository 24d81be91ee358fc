#!/usr/bin/env bash
# Certificates with OpenSSL, both directions, ECDHE-ECDSA-AES128-CCM8 on P-256, mutual auth:
#   ssock client --cert --key --ca  ->  openssl s_server -Verify 2 (client certificate required)
#   openssl s_client -cert -key -CAfile -verify_return_error  ->  ssock server --cert --key --ca
# The exact bytes arrive both ways; an unknown CA fails each way with a clear error. The PKI is
# made in the temp directory by tests/pki/make-pki.sh (nothing is kept).
source "$(dirname "$0")/lib.bash"

PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
CIPHER=ECDHE-ECDSA-AES128-CCM8

start_s_server() { # $1 port, $2 cert, $3 key
    rm -f "$WORK/s.in"; mkfifo "$WORK/s.in"
    openssl s_server -dtls1_2 -4 -accept "$1" -cert "$2" -key "$3" -CAfile "$PKI/ca.crt" \
        -Verify 2 -verify_return_error -cipher "$CIPHER" -groups P-256 \
        <"$WORK/s.in" >"$WORK/s_server.out" 2>&1 &
    PIDS+=($!)
    exec 7>"$WORK/s.in"           # keep s_server's stdin open: it sends what we write here
    wait_for "$WORK/s_server.out" ACCEPT 5 || fail "s_server did not start"
}

# --- 1. ssock client -> openssl s_server, mutual authentication -------------------------------
port=$(free_port 4)
start_s_server "$port" "$PKI/server.crt" "$PKI/server.key"
rm -f "$WORK/c.in"; mkfifo "$WORK/c.in"
"$SSOCK" client "127.0.0.1:$port" --ca "$PKI/ca.crt" --cert "$PKI/client.crt" \
    --key "$PKI/client.p8.key" --servername server.test --ciphers "$CIPHER" --timeout 1500 -v \
    <"$WORK/c.in" >"$WORK/client.out" 2>"$WORK/client.err" &
cpid=$!
PIDS+=($cpid)
exec 8>"$WORK/c.in"
printf 'certified record from secure_sock\nsecond: \xc3\xa9 \x01 bytes\n' >&8
wait_for "$WORK/s_server.out" "certified record from secure_sock" 10 || fail "s_server did not get our records"
wait_for "$WORK/s_server.out" $'second: \xc3\xa9 \x01 bytes' 5 || fail "second record wrong"
grep -qF "certified record from secure_socksecond" "$WORK/s_server.out" || fail "records not sent without their newline"
grep -q "client.test" "$WORK/s_server.out" || fail "s_server did not see our client certificate"
echo "reply from openssl s_server" >&7
wait_for "$WORK/client.out" "reply from openssl s_server" 10 || fail "our client did not print s_server's record"
exec 8>&-
wait "$cpid"; rc=$?
[ "$rc" -eq 0 ] || fail "ssock client exit $rc"
[ "$(cat "$WORK/client.out")" = "reply from openssl s_server" ] || fail "client output: $(cat "$WORK/client.out")"
grep -q "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" "$WORK/client.err" || fail "not the CCM_8 ECDSA suite: $(cat "$WORK/client.err")"
exec 7>&-
pass "ssock client (cert) <-> openssl s_server -Verify 2, ECDHE-ECDSA-AES128-CCM8, both directions"

# --- 2. the same s_server, a client that does not trust its CA --------------------------------
port=$(free_port 4)
start_s_server "$port" "$PKI/other-server.crt" "$PKI/other-server.key"
echo hi | "$SSOCK" client "127.0.0.1:$port" --ca "$PKI/ca.crt" --cert "$PKI/client.crt" \
    --key "$PKI/client.key" --servername server.test --handshake-timeout 5000 \
    >"$WORK/unknown.out" 2>"$WORK/unknown.err"
rc=$?
[ "$rc" -eq 2 ] || fail "unknown CA (client side): exit $rc, expected 2"
grep -q "handshake failed with 127.0.0.1:$port: certificate verification: unknown CA (sent alert unknown_ca)" \
    "$WORK/unknown.err" || fail "unknown CA (client side): unclear error: $(cat "$WORK/unknown.err")"
exec 7>&-
pass "unknown CA, our client refuses s_server: $(cat "$WORK/unknown.err")"

# --- 3. openssl s_client -> ssock server --echo, mutual authentication --------------------------
run_s_client() { # $1 port, $2 tag, $3 CA file, $4 cert, $5 key
    rm -f "$WORK/$2.in"; mkfifo "$WORK/$2.in"
    openssl s_client -dtls1_2 -4 -connect "127.0.0.1:$1" -cert "$4" -key "$5" -CAfile "$3" \
        -verify_return_error -cipher "$CIPHER" -groups P-256 -servername server.test \
        -quiet -no_ign_eof <"$WORK/$2.in" >"$WORK/$2.out" 2>"$WORK/$2.err" &
    CPID=$!
    PIDS+=($CPID)
}
port=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$port" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --ca "$PKI/ca.crt" --echo --once >"$WORK/server.out" 2>"$WORK/server.err" &
spid=$!
PIDS+=($spid)
sleep 0.3
# first a client whose certificate comes from another CA: refused, the server serves on
run_s_client "$port" stranger "$PKI/ca.crt" "$PKI/other-client.crt" "$PKI/other-client.key"
exec 9>"$WORK/stranger.in"
for _ in $(seq 50); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
exec 9>&-
wait "$CPID" && fail "s_client with a certificate from another CA succeeded"
wait_for "$WORK/server.err" "certificate verification: unknown CA" 5 || fail "unknown CA (server side): unclear error: $(cat "$WORK/server.err")"
# then a client that does not trust our server's CA: it gives up, the server serves on
run_s_client "$port" distrust "$PKI/other-ca.crt" "$PKI/client.crt" "$PKI/client.key"
exec 9>"$WORK/distrust.in"
for _ in $(seq 50); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
exec 9>&-
wait "$CPID" && fail "s_client trusting another CA accepted our server"
grep -q "verify error" "$WORK/distrust.err" "$WORK/distrust.out" || fail "s_client did not report a verify error"
# and the good client
run_s_client "$port" good "$PKI/ca.crt" "$PKI/client.crt" "$PKI/client.key"
exec 9>"$WORK/good.in"
echo "hello from openssl s_client with a certificate" >&9
wait_for "$WORK/server.out" "hello from openssl s_client with a certificate" 10 || fail "server did not print the record"
wait_for "$WORK/good.out" "hello from openssl s_client with a certificate" 10 || fail "s_client did not get the echo"
exec 9>&-                         # s_client sends close_notify; --once makes the server exit 0
wait "$spid"; rc=$?
[ "$rc" -eq 0 ] || fail "ssock server exit $rc"
[ "$(cat "$WORK/server.out")" = "hello from openssl s_client with a certificate" ] || fail "server printed: $(cat "$WORK/server.out")"
pass "openssl s_client (cert) -> ssock server --echo: bytes both ways; unknown CA refused both ways"
pass "  server said: $(grep 'unknown CA' "$WORK/server.err" | head -1)"
exit 0
