#!/usr/bin/env bash
# Raw public keys (RFC 7250) against GnuTLS's own tools (package gnutls-bin), both directions,
# DTLS (and TLS once), with ssock's gnutls backend:
#   1. gnutls-cli --rawpkkeyfile -> ssock server --rpk --peer-key CLIENT.pub --echo: the exact
#      line back; a client key that is not pinned is refused ("public key not in the trust list")
#   2. ssock client --rpk --key --peer-key SERVER.pub -> gnutls-serv --rawpkkeyfile --echo
#      --require-client-cert: the exact line back; a server key that is not pinned: exit 2 with
#      the reason; TLS over TCP the same
#   3. ssock client --rpk without --peer-key refuses to start (exit 1)
# gnutls-cli and gnutls-serv check no raw key themselves (gnutls-cli: --insecure); ssock does.
# Skipped (77) without gnutls-cli/gnutls-serv or ssock's gnutls backend.
source "$(dirname "$0")/lib.bash"

command -v gnutls-cli >/dev/null && command -v gnutls-serv >/dev/null ||
    { echo "SKIPPED: gnutls-bin (gnutls-cli, gnutls-serv) not installed"; exit 77; }
"$SSOCK" --version | grep -q '^backend gnutls ' || { echo "SKIPPED: no gnutls backend built in"; exit 77; }
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
PRIO="NORMAL:-CTYPE-CLI-X509:-CTYPE-SRV-X509:+CTYPE-CLI-RAWPK:+CTYPE-SRV-RAWPK"
LINE=$'raw public key record \xc3\xa9 \x01'

free_tcp_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- 1. gnutls-cli -> ssock server ----------------------------------------------------------------
port=$(free_port 4)
"$SSOCK" server --rpk --key "$PKI/server.key" --peer-key "$PKI/client.pub" \
    --listen "127.0.0.1:$port" --echo --once -v >"$WORK/server.out" 2>"$WORK/server.err" &
spid=$!
PIDS+=($spid)
wait_for "$WORK/server.err" "listening on" 5 || fail "ssock server did not start"
grep -q "gnutls" "$WORK/server.err" || fail "not the gnutls backend: $(cat "$WORK/server.err")"
rm -f "$WORK/k.in"; mkfifo "$WORK/k.in"
gnutls-cli --udp -p "$port" 127.0.0.1 --priority "$PRIO" --insecure \
    --rawpkkeyfile "$PKI/client.key" --rawpkfile "$PKI/client.pub" \
    <"$WORK/k.in" >"$WORK/gnutls_cli.out" 2>&1 &
kpid=$!
PIDS+=($kpid)
exec 9>"$WORK/k.in"
printf '%s\n' "$LINE" >&9
wait_for "$WORK/gnutls_cli.out" "$LINE" 10 || fail "gnutls-cli did not get the echo"
exec 9>&-                         # gnutls-cli closes (close_notify); --once: the server exits 0
wait "$kpid"
wait "$spid"; rc=$?
[ "$rc" -eq 0 ] || fail "ssock server exit $rc"
grep -q "Certificate type: Raw Public Key" "$WORK/gnutls_cli.out" || fail "not a raw public key: $(cat "$WORK/gnutls_cli.out")"
grep -q "handshake done: TLS_ECDHE_ECDSA.*raw public key; the client's key is pinned (--peer-key)" \
    "$WORK/server.err" || fail "server log: $(cat "$WORK/server.err")"
[[ "$(cat "$WORK/server.out")" == "127.0.0.1:"*" $LINE" ]] || fail "server printed: $(cat "$WORK/server.out")"
pass "gnutls-cli (raw public key) -> ssock server --rpk --peer-key, exact line back"

# the same server, a client key it has not pinned
port=$(free_port 4)
"$SSOCK" server --rpk --key "$PKI/server.key" --peer-key "$PKI/client.pub" \
    --listen "127.0.0.1:$port" >"$WORK/server2.out" 2>"$WORK/server2.err" &
spid=$!
PIDS+=($spid)
sleep 0.3
echo hi | timeout 10 gnutls-cli --udp -p "$port" 127.0.0.1 --priority "$PRIO" --insecure \
    --rawpkkeyfile "$PKI/mismatch.key" --rawpkfile "$PKI/mismatch.pub" >"$WORK/gnutls_cli2.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "gnutls-cli with an unpinned key got in"
wait_for "$WORK/server2.err" "public key not in the trust list" 5 ||
    fail "server did not name the reason: $(cat "$WORK/server2.err")"
grep -q "certificate_unknown" "$WORK/gnutls_cli2.out" || grep -qi "alert" "$WORK/gnutls_cli2.out" ||
    fail "gnutls-cli saw no alert: $(cat "$WORK/gnutls_cli2.out")"
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
pass "unpinned client key refused: $(head -1 "$WORK/server2.err")"

# --- 2. ssock client -> gnutls-serv ---------------------------------------------------------------
# gnutls-serv binds IPv4 and then IPv6 on the port it is given and carries on when the IPv4 bind fails
# ("bind() failed: Address already in use": a parallel test took the free port first), so wait for both
# lines and take another port until the IPv4 one is ours. Sets $port.
start_gnutls_serv() { # $1 udp|tcp
    local try
    for try in 1 2 3 4 5; do
        if [ "$1" = udp ]; then port=$(free_port 4); else port=$(free_tcp_port); fi
        rm -f "$WORK/gnutls_serv.out"
        gnutls-serv $([ "$1" = udp ] && echo --udp) -p "$port" --echo --priority "$PRIO" \
            --rawpkkeyfile "$PKI/server.key" --rawpkfile "$PKI/server.pub" --require-client-cert \
            >"$WORK/gnutls_serv.out" 2>&1 &
        GSPID=$!
        PIDS+=($GSPID)
        wait_for "$WORK/gnutls_serv.out" "listening on IPv6" 5 || fail "gnutls-serv did not start"
        grep -q "IPv4 .*port $port\.\.\.done" "$WORK/gnutls_serv.out" && return 0
        kill "$GSPID" 2>/dev/null; wait "$GSPID" 2>/dev/null
    done
    fail "gnutls-serv found no free IPv4 port in 5 tries: $(cat "$WORK/gnutls_serv.out")"
}
for proto in udp tcp; do
    if [ "$proto" = udp ]; then T=(); else T=(--tls); fi
    start_gnutls_serv "$proto"
    printf '%s\n' "$LINE" | "$SSOCK" client "${T[@]}" --rpk --key "$PKI/client.key" \
        --peer-key "$PKI/server.pub" "127.0.0.1:$port" --timeout 1500 -v \
        >"$WORK/client.out" 2>"$WORK/client.err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "$proto: ssock client exit $rc: $(cat "$WORK/client.err")"
    grep -q "connected to 127.0.0.1:$port: TLS_ECDHE_ECDSA" "$WORK/client.err" || fail "$proto: $(cat "$WORK/client.err")"
    if [ "$proto" = udp ]; then
        [ "$(cat "$WORK/client.out")" = "$LINE" ] || fail "$proto: client got: $(cat "$WORK/client.out")"
    else
        [ "$(cat "$WORK/client.out")" = "$LINE"$'\n' ] || [ "$(cat "$WORK/client.out")" = "$LINE" ] ||
            fail "$proto: client got: $(cat "$WORK/client.out")"
    fi
    pass "ssock client --rpk ($proto) -> gnutls-serv --rawpkkeyfile --require-client-cert, exact line back"

    # a server key the client has not pinned: exit 2, the reason named
    printf 'hi\n' | "$SSOCK" client "${T[@]}" --rpk --key "$PKI/client.key" \
        --peer-key "$PKI/mismatch.pub" "127.0.0.1:$port" --handshake-timeout 5000 \
        >"$WORK/client2.out" 2>"$WORK/client2.err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "$proto: unpinned server key: exit $rc, expected 2 ($(cat "$WORK/client2.err"))"
    grep -q "certificate verification: public key not in the trust list (sent alert certificate_unknown)" \
        "$WORK/client2.err" || fail "$proto: unclear error: $(cat "$WORK/client2.err")"
    kill "$GSPID" 2>/dev/null; wait "$GSPID" 2>/dev/null
    pass "$proto: unpinned server key refused, exit 2: $(cat "$WORK/client2.err")"
done

# --- 3. a client with --rpk must pin the server -------------------------------------------------
"$SSOCK" client --rpk --key "$PKI/client.key" 127.0.0.1:5684 </dev/null >"$WORK/u.out" 2>"$WORK/u.err"
rc=$?
[ "$rc" -eq 1 ] || fail "--rpk without --peer-key: exit $rc, expected 1"
grep -q -- "--rpk needs --peer-key" "$WORK/u.err" || fail "--rpk without --peer-key: $(cat "$WORK/u.err")"
pass "--rpk without --peer-key: usage error (exit 1)"
exit 0
