#!/usr/bin/env bash
# Certificates with OpenSSL, both directions, ECDHE-ECDSA-AES128-CCM8 on P-256, mutual auth:
#   ssock client --cert --key --ca  ->  openssl s_server -Verify 2 (client certificate required)
#   openssl s_client -cert -key -CAfile -verify_return_error  ->  ssock server --cert --key --ca
# The exact bytes arrive both ways; an unknown CA fails each way with a clear error. An address
# target is name-checked: `ssock client 127.0.0.1:PORT --ca` refuses s_server's certificate for
# evil.example (same CA) with exit 2, on every backend, DTLS and TLS, and gets through with
# --servername '' (and a warning). The PKI is made in the temp directory by
# tests/pki/make-pki.sh (nothing is kept).
source "$(dirname "$0")/lib.bash"

PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
CIPHER=ECDHE-ECDSA-AES128-CCM8

# -verifyCAfile, not -CAfile: the CA checks the client's certificate, and s_server sends its own
# certificate alone. With -CAfile it would append the CA's (the chain it can build from it):
# ~1,010 to 1,030 bytes with the certificates make-pki.sh draws, and a build with small buffers
# (the device profile, 1,012 bytes) would take it or end the handshake with record_overflow by
# the luck of the draw. tests/device/chains_openssl.sh checks longer chains on that profile.
start_s_server() { # $1 port, $2 cert, $3 key
    rm -f "$WORK/s.in" "$WORK/s_server.out"; mkfifo "$WORK/s.in" # no ACCEPT of the last one
    openssl s_server -dtls1_2 -4 -accept "$1" -cert "$2" -key "$3" -verifyCAfile "$PKI/ca.crt" \
        -Verify 2 -verify_return_error -cipher "$CIPHER" -groups P-256 \
        <"$WORK/s.in" >"$WORK/s_server.out" 2>&1 &
    PIDS+=($!)
    exec 7>"$WORK/s.in"           # keep s_server's stdin open: it sends what we write here
    wait_s_server "$WORK/s_server.out" udp "$1" || fail "s_server did not start"
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
wait_for "$WORK/s_server.out" "certified record from secure_sock" 30 ||
    fail "s_server did not get our records; client: $(tail -n 5 "$WORK/client.err" | tr '\n' '|') s_server: $(tail -n 5 "$WORK/s_server.out" | tr '\n' '|')"
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

# --- 3. an address target: the certificate must carry the address as an IP subjectAltName ------
# s_server (no client certificate asked) serves evil.crt: DNS:evil.example only, issued by the CA
# the client trusts. Per backend with certificates, DTLS and TLS: refused (exit 2, name mismatch,
# s_server gets bad_certificate); with --servername '' accepted, with a warning; ip-server.crt
# (IP:127.0.0.1) accepted without any option.
start_plain_s_server() { # $1 dtls|tls, $2 cert, $3 key; sets $port: a new free one each time
    local net=udp try                # (a port given back can be taken by a parallel test meanwhile)
    [ "$1" = tls ] && net=tcp
    for try in 1 2 3 4 5; do
        if [ "$net" = tcp ]; then port=$(free_tcp_port); else port=$(free_port 4); fi
        rm -f "$WORK/p.in" "$WORK/plain_s_server.out"; mkfifo "$WORK/p.in" # no ACCEPT of the last one
        openssl s_server "$([ "$1" = dtls ] && echo -dtls1_2 || echo -tls1_2)" -4 -accept "$port" \
            -cert "$2" -key "$3" -cipher "$CIPHER" -groups P-256 \
            <"$WORK/p.in" >"$WORK/plain_s_server.out" 2>&1 &
        PPID_S=$!
        PIDS+=($PPID_S)
        exec 6>"$WORK/p.in"
        wait_s_server "$WORK/plain_s_server.out" "$net" "$port" && return 0
        stop_plain_s_server
    done
    fail "s_server ($1) did not start in 5 tries: $(cat "$WORK/plain_s_server.out")"
}
stop_plain_s_server() {
    exec 6>&-
    kill "$PPID_S" 2>/dev/null
    wait "$PPID_S" 2>/dev/null
}
backends=$("$SSOCK" --version | sed -n 's/^backend \([a-z0-9]*\) .*X509.*/\1/p')
[ -n "$backends" ] || fail "no backend with certificates: $("$SSOCK" --version)"
for b in $backends; do
    for proto in dtls tls; do
        tls_opt=()
        [ "$proto" = tls ] && tls_opt=(--tls)
        what="$b, ${proto^^}"
        start_plain_s_server "$proto" "$PKI/evil.crt" "$PKI/evil.key"
        echo hi | "$SSOCK" client "${tls_opt[@]}" "127.0.0.1:$port" --ca "$PKI/ca.crt" --backend "$b" \
            --handshake-timeout 5000 >"$WORK/ipcheck.out" 2>"$WORK/ipcheck.err"
        rc=$?
        [ "$rc" -eq 2 ] || fail "$what: address target, certificate for evil.example only: exit $rc, expected 2"
        grep -q "handshake failed with 127.0.0.1:$port: certificate verification: name mismatch (sent alert bad_certificate)" \
            "$WORK/ipcheck.err" || fail "$what: unclear error: $(cat "$WORK/ipcheck.err")"
        [ ! -s "$WORK/ipcheck.out" ] || fail "$what: output despite the refusal: $(cat "$WORK/ipcheck.out")"
        wait_for "$WORK/plain_s_server.out" "alert bad certificate" 5 ||
            fail "$what: s_server did not get bad_certificate"
        stop_plain_s_server
        start_plain_s_server "$proto" "$PKI/evil.crt" "$PKI/evil.key"
        echo "no identity check" | "$SSOCK" client "${tls_opt[@]}" "127.0.0.1:$port" --ca "$PKI/ca.crt" \
            --backend "$b" --servername '' --timeout 300 --handshake-timeout 5000 \
            >"$WORK/optout.out" 2>"$WORK/optout.err"
        rc=$?
        [ "$rc" -eq 0 ] || fail "$what: --servername '': exit $rc, expected 0: $(cat "$WORK/optout.err")"
        grep -q "warning: --servername '': the server's identity is not checked" "$WORK/optout.err" ||
            fail "$what: --servername '' without the warning: $(cat "$WORK/optout.err")"
        wait_for "$WORK/plain_s_server.out" "no identity check" 5 || fail "$what: s_server did not get the record"
        stop_plain_s_server
        start_plain_s_server "$proto" "$PKI/ip-server.crt" "$PKI/ip-server.key"
        echo "checked address" | "$SSOCK" client "${tls_opt[@]}" "127.0.0.1:$port" --ca "$PKI/ca.crt" \
            --backend "$b" --timeout 300 --handshake-timeout 5000 >"$WORK/ipok.out" 2>"$WORK/ipok.err"
        rc=$?
        [ "$rc" -eq 0 ] || fail "$what: IP:127.0.0.1 certificate: exit $rc: $(cat "$WORK/ipok.err")"
        [ ! -s "$WORK/ipok.err" ] || fail "$what: unexpected stderr: $(cat "$WORK/ipok.err")"
        wait_for "$WORK/plain_s_server.out" "checked address" 5 || fail "$what: s_server did not get the record"
        stop_plain_s_server
        pass "$what: 127.0.0.1 target refuses a certificate for evil.example (exit 2, name mismatch); --servername '' accepts it with a warning; IP:127.0.0.1 accepted"
    done
done
pass "  client said: $(cat "$WORK/ipcheck.err")"

# --- 4. openssl s_client -> ssock server --echo, mutual authentication --------------------------
# -verifyCAfile, as for s_server above: s_client sends its own certificate alone
run_s_client() { # $1 port, $2 tag, $3 CA file, $4 cert, $5 key
    rm -f "$WORK/$2.in"; mkfifo "$WORK/$2.in"
    openssl s_client -dtls1_2 -4 -connect "127.0.0.1:$1" -cert "$4" -key "$5" -verifyCAfile "$3" \
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
wait_listening udp "$port"
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
