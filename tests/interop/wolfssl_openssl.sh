#!/usr/bin/env bash
# The wolfSSL backend (ssock --backend wolfssl) against OpenSSL, the exact bytes both ways:
#   1. DTLS PSK (PSK-CHACHA20-POLY1305: wolfSSL 5.5.4's one PSK suite in Debian's build)
#      ssock client -> openssl s_server -dtls1_2;  openssl s_client -dtls1_2 -> ssock server --echo
#   2. DTLS certificates, ECDHE-ECDSA-AES128-CCM8 on P-256, mutual authentication, both directions
#   3. TLS 1.2 over TCP, PSK: ssock client --tls -> openssl s_server -tls1_2
# Skipped (77) if `ssock --version` does not list the wolfssl backend.
source "$(dirname "$0")/lib.bash"

"$SSOCK" --version | grep -q '^backend wolfssl ' || { echo "SKIPPED: no wolfssl backend built in"; exit 77; }
B=(--backend wolfssl)
PSK_SUITE=PSK-CHACHA20-POLY1305
CERT_SUITE=ECDHE-ECDSA-AES128-CCM8
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
REC1='first record via wolfSSL'
REC2=$'second: \xc3\xa9 \x01 bytes'

# wait_has FILE TEXT SECONDS: poll until FILE holds TEXT (any bytes, newlines included).
wait_has() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [[ "$(cat "$1" 2>/dev/null)" == *"$2"* ]] && return 0
        sleep 0.1
    done
    return 1
}

free_tcp_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ssock client -> openssl s_server (DTLS, or TLS with $1 = tls). $2 label, $3 expected IANA
# suite, $4 "s_server options" (word-split), then the client's credential options.
client_to_s_server() {
    local proto=$1 label=$2 iana=$3 sopts=$4 port cpid rc popt=-dtls1_2 copt=() ready=ACCEPT
    shift 4
    if [ "$proto" = tls ]; then port=$(free_tcp_port); popt=-tls1_2; copt=(--tls); else port=$(free_port 4); fi
    rm -f "$WORK/s.in" "$WORK/s_server.out"; mkfifo "$WORK/s.in"
    # shellcheck disable=SC2086
    openssl s_server $popt -4 -accept "$port" $sopts <"$WORK/s.in" >"$WORK/s_server.out" 2>&1 &
    local spid=$!
    PIDS+=($spid)
    exec 7>"$WORK/s.in"           # keep s_server's stdin open: it sends what we write here
    wait_for "$WORK/s_server.out" "$ready" 5 || fail "$label: s_server did not start"
    rm -f "$WORK/c.in"; mkfifo "$WORK/c.in"
    "$SSOCK" client "${copt[@]}" "${B[@]}" "127.0.0.1:$port" "$@" --timeout 800 -v \
        <"$WORK/c.in" >"$WORK/client.out" 2>"$WORK/client.err" &
    cpid=$!
    PIDS+=($cpid)
    exec 8>"$WORK/c.in"
    if [ "$proto" = tls ]; then
        printf '%s\n%s' "$REC1" "$REC2" >&8          # a byte stream: sent as is
        wait_has "$WORK/s_server.out" "$REC1"$'\n'"$REC2" 10 || fail "$label: s_server did not get our bytes"
    else
        printf '%s\n%s\n' "$REC1" "$REC2" >&8        # two records, without their newlines
        wait_for "$WORK/s_server.out" "$REC1$REC2" 10 || fail "$label: s_server did not get both records"
    fi
    printf 'reply from openssl \x01\xc3\xa9\n' >&7
    wait_for "$WORK/client.out" $'reply from openssl \x01\xc3\xa9' 10 || fail "$label: our client did not get s_server's bytes"
    exec 8>&-                     # EOF: the client waits --timeout ms, sends close_notify, exits 0
    wait "$cpid"; rc=$?
    [ "$rc" -eq 0 ] || fail "$label: ssock client exit $rc"
    [ "$(cat "$WORK/client.out")" = $'reply from openssl \x01\xc3\xa9' ] || fail "$label: client output: $(cat "$WORK/client.out")"
    grep -q "$iana" "$WORK/client.err" || fail "$label: not $iana: $(cat "$WORK/client.err")"
    exec 7>&-
    kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
    pass "$label: ssock --backend wolfssl client -> openssl s_server, $iana, exact bytes both ways"
}

# openssl s_client -dtls1_2 -> ssock server --echo --once. $1 label, then the server's options,
# "--", then s_client's options.
s_client_to_server() {
    local label=$1 port spid kpid rc sopts=()
    shift
    while [ "$1" != "--" ]; do sopts+=("$1"); shift; done
    shift
    port=$(free_port 4)
    "$SSOCK" server "${B[@]}" --listen "127.0.0.1:$port" "${sopts[@]}" --echo --once \
        >"$WORK/server.out" 2>"$WORK/server.err" &
    spid=$!
    PIDS+=($spid)
    sleep 0.3
    rm -f "$WORK/k.in"; mkfifo "$WORK/k.in"
    openssl s_client -dtls1_2 -4 -connect "127.0.0.1:$port" -quiet -no_ign_eof "$@" \
        <"$WORK/k.in" >"$WORK/s_client.out" 2>"$WORK/s_client.err" &
    kpid=$!
    PIDS+=($kpid)
    exec 9>"$WORK/k.in"
    printf '%s\n' "$REC2" >&9
    wait_for "$WORK/s_client.out" "$REC2" 10 || fail "$label: s_client did not get the echo"
    exec 9>&-                     # s_client sends close_notify; --once makes the server exit 0
    wait "$kpid"
    wait "$spid"; rc=$?
    [ "$rc" -eq 0 ] || fail "$label: ssock server exit $rc"
    [ "$(cat "$WORK/server.out")" = "$REC2" ] || fail "$label: server printed: $(cat "$WORK/server.out")"
    [ "$(cat "$WORK/s_client.out")" = "$REC2" ] || fail "$label: s_client got: $(cat "$WORK/s_client.out")"
    pass "$label: openssl s_client -> ssock --backend wolfssl server --echo, exact bytes back"
}

# --- 1. DTLS PSK ----------------------------------------------------------------------------------
client_to_s_server dtls "DTLS PSK" TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 \
    "-nocert -psk $KEY -psk_identity $ID -cipher $PSK_SUITE" --psk "$ID:$KEY"
s_client_to_server "DTLS PSK" --psk "$ID:$KEY" -- -psk "$KEY" -psk_identity "$ID" -cipher "$PSK_SUITE"

# --- 2. DTLS certificates, mutual ---------------------------------------------------------------
client_to_s_server dtls "DTLS certificates" TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 \
    "-cert $PKI/server.crt -key $PKI/server.key -CAfile $PKI/ca.crt -Verify 2 -verify_return_error -cipher $CERT_SUITE -groups P-256" \
    --ca "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key" --servername server.test \
    --ciphers "$CERT_SUITE"
grep -q "client.test" "$WORK/s_server.out" || fail "DTLS certificates: s_server did not see our client certificate"
s_client_to_server "DTLS certificates" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --ca "$PKI/ca.crt" -- -cert "$PKI/client.crt" -key "$PKI/client.key" -CAfile "$PKI/ca.crt" \
    -verify_return_error -cipher "$CERT_SUITE" -groups P-256 -servername server.test

# --- 3. TLS 1.2 over TCP, PSK ---------------------------------------------------------------------
client_to_s_server tls "TLS PSK" TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 \
    "-nocert -psk $KEY -psk_identity $ID -cipher $PSK_SUITE" --psk "$ID:$KEY"
exit 0
