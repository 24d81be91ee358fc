#!/usr/bin/env bash
# Session resumption against OpenSSL, DTLS and TLS, PSK-AES128-CCM8:
# - `ssock client --session FILE` -> `openssl s_server`: the first run makes a full handshake and
#   saves the session (mode 0600), the second resumes it (s_server prints "Reused session-id", our
#   client "session resumed") and carries records both ways; a corrupt FILE falls back to a full
#   handshake with a warning;
# - `openssl s_client -sess_out F` then `-sess_in F` -> `ssock server --tickets`: the second is
#   resumed (s_client: "Reused", our server logs "session resumed").
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/openssl_peer.bash"  # free_tcp_port, start_psk_s_server
require_default_ccm8
# every built backend with session resumption (mbedTLS, GnuTLS)
BACKENDS=()
for b in mbedtls gnutls; do "$SSOCK" --version | grep -q "^backend $b .*RESUMPTION" && BACKENDS+=("$b"); done
[ "${#BACKENDS[@]}" -gt 0 ] || { echo "SKIPPED: no backend with session resumption"; exit 77; }


# client_run LABEL TLSOPT...: one ssock client run with --session, a record each way.
client_run() {
    local label=$1 cpid rc
    shift
    rm -f "$WORK/c.in"; mkfifo "$WORK/c.in"
    "$SSOCK" client --backend "$BE" "$@" "127.0.0.1:$PORT" --psk "$ID:$KEY" --session "$WORK/sess.bin" \
        --timeout 800 -v <"$WORK/c.in" >"$WORK/client.out" 2>"$WORK/client.err" &
    cpid=$!
    PIDS+=($cpid)
    exec 8>"$WORK/c.in"
    echo "hello $label" >&8
    wait_for "$WORK/s_server.out" "hello $label" 10 || fail "$label: s_server did not get our record"
    echo "reply $label" >&7
    wait_for "$WORK/client.out" "reply $label" 10 || fail "$label: our client did not get s_server's record"
    exec 8>&-
    wait "$cpid"; rc=$?
    [ "$rc" -eq 0 ] || fail "$label: ssock client exit $rc"
}

s_server_case() { # $1 dtls|tls
    local proto=$1 topt=()
    [ "$proto" = tls ] && topt=(--tls)
    start_psk_s_server "$proto"
    rm -f "$WORK/sess.bin"
    client_run "$proto-first" "${topt[@]}"
    grep -q "session resumed" "$WORK/client.err" && fail "$proto: first run resumed?"
    [ -s "$WORK/sess.bin" ] || fail "$proto: no session saved"
    [ "$(stat -c %a "$WORK/sess.bin")" = 600 ] || fail "$proto: session file mode $(stat -c %a "$WORK/sess.bin")"
    [ "$(grep -c 'Reused session-id' "$WORK/s_server.out")" -eq 0 ] || fail "$proto: s_server reused on the first run"
    client_run "$proto-second" "${topt[@]}"
    grep -q "session resumed" "$WORK/client.err" || fail "$proto: second run not resumed: $(cat "$WORK/client.err")"
    wait_for "$WORK/s_server.out" "Reused session-id" 5 || fail "$proto: s_server did not report a reused session"
    # a corrupt session file: a warning, then a full handshake that works
    head -c 64 /dev/urandom >"$WORK/sess.bin"
    client_run "$proto-corrupt" "${topt[@]}"
    grep -q "not a session of this backend; a full handshake" "$WORK/client.err" || fail "$proto: no warning for a corrupt session file"
    grep -q "session resumed" "$WORK/client.err" && fail "$proto: resumed from garbage?"
    exec 7>&-
    kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
    pass "$BE $proto: ssock client --session -> openssl s_server: saved (0600), resumed (s_server: Reused session-id), corrupt file -> full handshake"
}

s_client_case() { # $1 dtls|tls
    local proto=$1 sopt=() copt=-dtls1_2 spid i
    [ "$proto" = tls ] && { sopt=(--tls); copt=-tls1_2; }
    for i in 1 2 3; do
        if [ "$proto" = tls ]; then PORT=$(free_tcp_port); else PORT=$(free_port 4); fi
        "$SSOCK" server --backend "$BE" "${sopt[@]}" --listen "127.0.0.1:$PORT" --psk "$ID:$KEY" --tickets --echo -v \
            >"$WORK/server.out" 2>"$WORK/server.err" &
        spid=$!
        PIDS+=($spid)
        sleep 0.3
        kill -0 "$spid" 2>/dev/null && break
    done
    rm -f "$WORK/k.sess"
    for run in first second; do
        local inout=()
        [ "$run" = first ] && inout=(-sess_out "$WORK/k.sess") || inout=(-sess_in "$WORK/k.sess")
        rm -f "$WORK/k.in"; mkfifo "$WORK/k.in"
        openssl s_client $copt -4 -connect "127.0.0.1:$PORT" -psk "$KEY" -psk_identity "$ID" \
            -cipher PSK-AES128-CCM8 "${inout[@]}" <"$WORK/k.in" >"$WORK/s_client.out" 2>"$WORK/s_client.err" &
        local kpid=$!
        PIDS+=($kpid)
        exec 9>"$WORK/k.in"
        echo "echo $proto $run" >&9
        wait_for "$WORK/s_client.out" "echo $proto $run"$'\n'"echo $proto $run" 10 ||
            wait_for "$WORK/server.out" "echo $proto $run" 1 || fail "$proto $run: no echo"
        sleep 0.3
        exec 9>&-
        wait "$kpid"
        if [ "$run" = first ]; then
            grep -q "^New, " "$WORK/s_client.out" || fail "$proto first: not a new session: $(grep -E '^(New|Reused)' "$WORK/s_client.out")"
            [ -s "$WORK/k.sess" ] || fail "$proto: s_client saved no session"
        else
            grep -q "^Reused, " "$WORK/s_client.out" || fail "$proto second: s_client did not resume: $(grep -E '^(New|Reused)' "$WORK/s_client.out")"
        fi
    done
    wait_for "$WORK/server.err" "session resumed" 5 || fail "$proto: our server did not log the resumption"
    [ "$(grep -c 'session resumed' "$WORK/server.err")" -eq 1 ] || fail "$proto: server resumed more than once"
    kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
    pass "$BE $proto: openssl s_client -sess_out/-sess_in -> ssock server --tickets: resumed (s_client: Reused)"
}

for BE in "${BACKENDS[@]}"; do
    s_server_case dtls
    s_server_case tls
    s_client_case dtls
    s_client_case tls
done
exit 0
