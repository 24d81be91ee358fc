# Shared by the scripts that run one backend of ssock against OpenSSL (sourced after lib.bash;
# not a test itself): the caller sets B=(--backend NAME), REC1 and REC2 (the records sent).
#   client_to_s_server dtls|tls LABEL IANA "S_SERVER OPTIONS" CLIENT_OPTIONS...
#   s_client_to_server LABEL SERVER_OPTIONS... -- S_CLIENT_OPTIONS...
#   start_psk_s_server dtls|tls [S_SERVER OPTIONS...]

# wait_has FILE TEXT SECONDS: poll until FILE holds TEXT (any bytes, newlines included).
wait_has() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [[ "$(cat "$1" 2>/dev/null)" == *"$2"* ]] && return 0
        sleep 0.1
    done
    return 1
}

# start_psk_s_server dtls|tls [S_SERVER OPTIONS...]: openssl s_server with the interop PSK
# (PSK-AES128-CCM8) on a free loopback port ($PORT; pid $SPID; its stdin on fd 7), serving one
# client after another. A port another test took meanwhile is retried on a new one.
start_psk_s_server() {
    local proto=$1 popt=-dtls1_2 i
    shift
    [ "$proto" = tls ] && popt=-tls1_2
    for i in 1 2 3; do
        if [ "$proto" = tls ]; then PORT=$(free_tcp_port); else PORT=$(free_port 4); fi
        rm -f "$WORK/s.in" "$WORK/s_server.out"; mkfifo "$WORK/s.in"
        openssl s_server $popt -4 -accept "$PORT" -nocert -psk "$KEY" -psk_identity "$ID" \
            -cipher PSK-AES128-CCM8 "$@" <"$WORK/s.in" >"$WORK/s_server.out" 2>&1 &
        SPID=$!
        PIDS+=($SPID)
        exec 7>"$WORK/s.in"
        wait_s_server "$WORK/s_server.out" "$([ "$proto" = tls ] && echo tcp || echo udp)" "$PORT" &&
            return 0
        kill "$SPID" 2>/dev/null; exec 7>&-
    done
    fail "$proto: s_server did not start"
}

# ssock client -> openssl s_server (DTLS, or TLS with $1 = tls). $2 label, $3 expected IANA
# suite, $4 "s_server options" (word-split), then the client's credential options.
client_to_s_server() {
    local proto=$1 label=$2 iana=$3 sopts=$4 port cpid rc popt=-dtls1_2 copt=() net=udp
    shift 4
    if [ "$proto" = tls ]; then port=$(free_tcp_port); popt=-tls1_2; copt=(--tls); net=tcp; else port=$(free_port 4); fi
    rm -f "$WORK/s.in" "$WORK/s_server.out"; mkfifo "$WORK/s.in"
    # shellcheck disable=SC2086
    openssl s_server $popt -4 -accept "$port" $sopts <"$WORK/s.in" >"$WORK/s_server.out" 2>&1 &
    local spid=$!
    PIDS+=($spid)
    exec 7>"$WORK/s.in"           # keep s_server's stdin open: it sends what we write here
    wait_s_server "$WORK/s_server.out" "$net" "$port" || fail "$label: s_server did not start"
    rm -f "$WORK/c.in" "$WORK/client.out" "$WORK/client.err"; mkfifo "$WORK/c.in"
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
    pass "$label: ssock ${B[*]} client -> openssl s_server, $iana, exact bytes both ways"
}

# openssl s_client -dtls1_2 -> ssock server --echo --once. $1 label, then the server's options,
# "--", then s_client's options.
s_client_to_server() {
    local label=$1 port spid kpid rc sopts=()
    shift
    while [ "$1" != "--" ]; do sopts+=("$1"); shift; done
    shift
    port=$(free_port 4)
    rm -f "$WORK/server.out" "$WORK/server.err" "$WORK/s_client.out" # a wait_for must not see the last run's
    "$SSOCK" server "${B[@]}" --listen "127.0.0.1:$port" "${sopts[@]}" --echo --once \
        >"$WORK/server.out" 2>"$WORK/server.err" &
    spid=$!
    PIDS+=($spid)
    wait_listening udp "$port"
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
    pass "$label: openssl s_client -> ssock ${B[*]} server --echo, exact bytes back"
}

