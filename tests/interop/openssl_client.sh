#!/usr/bin/env bash
# `openssl s_client -dtls1_2` (PSK-AES128-CCM8) -> ssock server --echo, IPv4 and IPv6: the server
# prints exactly what was sent, s_client gets it echoed; a wrong PSK fails and the server serves on.
source "$(dirname "$0")/lib.bash"
require_default_ccm8

run_client() { # $1 host:port, $2 key, $3 tag, $4 family
    rm -f "$WORK/$3.in"; mkfifo "$WORK/$3.in"
    openssl s_client -dtls1_2 "-$4" -psk "$2" -psk_identity "$ID" -cipher PSK-AES128-CCM8 \
        -connect "$1" -quiet -no_ign_eof <"$WORK/$3.in" >"$WORK/$3.out" 2>"$WORK/$3.err" &
    CPID=$!
    PIDS+=($CPID)
}

run_case() { # $1 family
    local fam=$1 port listen connect
    port=$(free_port "$fam")
    listen="127.0.0.1:$port"; [ "$fam" = 6 ] && listen="[::1]:$port"
    connect=$listen
    "$SSOCK" server --listen "$listen" --psk "$ID:$KEY" --echo --once >"$WORK/server$fam.out" 2>"$WORK/server$fam.err" &
    local spid=$!
    PIDS+=($spid)
    wait_listening udp "$port"
    # a client with the wrong key first: it must fail without disturbing the server
    run_client "$connect" ffeeddccbbaa99887766554433221100 wrong$fam "$fam"
    exec 9>"$WORK/wrong$fam.in"
    sleep 1.5; exec 9>&-
    wait "$CPID" && fail "IPv$fam: s_client with a wrong key succeeded"
    run_client "$connect" "$KEY" good$fam "$fam"
    exec 9>"$WORK/good$fam.in"
    echo "hello from openssl s_client" >&9
    wait_for "$WORK/server$fam.out" "hello from openssl s_client" 10 || fail "IPv$fam: server did not print the record"
    wait_for "$WORK/good$fam.out" "hello from openssl s_client" 10 || fail "IPv$fam: s_client did not get the echo"
    exec 9>&-                       # s_client sends close_notify; --once makes the server exit 0
    wait "$spid"; local rc=$?
    [ "$rc" -eq 0 ] || fail "IPv$fam: ssock server exit $rc"
    [ "$(cat "$WORK/server$fam.out")" = "hello from openssl s_client" ] || fail "IPv$fam: server printed: $(cat "$WORK/server$fam.out")"
    pass "IPv$fam: openssl s_client -> ssock server --echo, wrong key refused, server exits on close"
}

run_case 4
if have_ipv6; then run_case 6; else echo "note: no IPv6 loopback, IPv6 case not run"; fi
exit 0
