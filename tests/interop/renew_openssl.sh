#!/usr/bin/env bash
# Renegotiation (RFC 5746 secure renegotiation, `ssock client --renew`, `ssock server
# --renegotiation`) against OpenSSL over TLS, PSK-AES128-CCM8:
# - ssock client --renew -> openssl s_server -client_renegotiation: the new keys are in use
#   ("renegotiated"), then our bytes arrive and s_server's reach us;
# - openssl s_client (its "R" command) -> ssock server --renegotiation --echo: the server logs the
#   renegotiation and echoes what follows;
# - a server that refuses (s_server without -client_renegotiation): our client fails at once with
#   exit 2 and names the no_renegotiation alert.
# (DTLS: OpenSSL 3.0's DTLS server never answers a renegotiating ClientHello from mbedTLS, so the
# DTLS case is covered between our own drivers, test_renew.)
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/openssl_peer.bash"
"$SSOCK" --version | grep -q '^backend mbedtls .*RENEGOTIATION' ||
    { echo "SKIPPED: no mbedTLS backend with renegotiation (the device profile has none)"; exit 77; }


# 1. our client renegotiates with s_server
start_psk_s_server tls -client_renegotiation
rm -f "$WORK/c.in"; mkfifo "$WORK/c.in"
"$SSOCK" client --tls "127.0.0.1:$PORT" --psk "$ID:$KEY" --renew -v --timeout 800 \
    <"$WORK/c.in" >"$WORK/client.out" 2>"$WORK/client.err" &
cpid=$!
PIDS+=($cpid)
exec 8>"$WORK/c.in"
wait_for "$WORK/client.err" "renegotiated with" 10 || fail "client: no renegotiation"
printf 'after renegotiation\n' >&8
wait_for "$WORK/s_server.out" "after renegotiation" 10 || fail "client: s_server did not get our bytes"
echo "reply under new keys" >&7
wait_for "$WORK/client.out" "reply under new keys" 10 || fail "client: s_server's bytes did not reach us"
exec 8>&-
wait "$cpid"; rc=$?
[ "$rc" -eq 0 ] || fail "client: exit $rc"
exec 7>&-; kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
pass "ssock client --renew -> openssl s_server -client_renegotiation: new keys, bytes both ways"

# 2. s_client renegotiates with our server
for i in 1 2 3; do
    PORT=$(free_tcp_port)
    "$SSOCK" server --tls --listen "127.0.0.1:$PORT" --psk "$ID:$KEY" --renegotiation --echo -v \
        >"$WORK/server.out" 2>"$WORK/server.err" &
    spid=$!
    PIDS+=($spid)
    sleep 0.3
    kill -0 "$spid" 2>/dev/null && break
done
rm -f "$WORK/k.in"; mkfifo "$WORK/k.in"
openssl s_client -tls1_2 -4 -connect "127.0.0.1:$PORT" -psk "$KEY" -psk_identity "$ID" \
    -cipher PSK-AES128-CCM8 <"$WORK/k.in" >"$WORK/s_client.out" 2>"$WORK/s_client.err" &
kpid=$!
PIDS+=($kpid)
exec 9>"$WORK/k.in"
wait_for "$WORK/server.err" "handshake done" 10 || fail "server: no handshake"
echo R >&9                                      # s_client: renegotiate
wait_for "$WORK/server.err" "renegotiated: new keys in use" 10 || fail "server: no renegotiation logged"
echo "echo me" >&9
wait_for "$WORK/s_client.out" "echo me" 10 || fail "server: no echo after the renegotiation"
exec 9>&-
wait "$kpid"
grep -q "RENEGOTIATING" "$WORK/s_client.out" "$WORK/s_client.err" || fail "s_client did not renegotiate"
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
pass "openssl s_client R -> ssock server --renegotiation: renegotiated, echo under the new keys"

# 3. a server that refuses
start_psk_s_server tls
echo hi | "$SSOCK" client --tls "127.0.0.1:$PORT" --psk "$ID:$KEY" --renew --timeout 500 \
    >"$WORK/refused.out" 2>"$WORK/refused.err"
rc=$?
[ "$rc" -eq 2 ] || fail "refused: exit $rc, expected 2"
grep -q "no_renegotiation" "$WORK/refused.err" || fail "refused: no clear error: $(cat "$WORK/refused.err")"
exec 7>&-; kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
pass "refused: $(head -1 "$WORK/refused.err")"
exit 0
