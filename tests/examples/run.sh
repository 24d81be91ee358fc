#!/usr/bin/env bash
# Every program in examples/ run, against each other and against ssock (ctest: examples_run):
#   1. examples/server.c (DTLS, many peers): an ssock client (identity dev2) holds a session
#      while examples/client.c (dev1) gets its echo; the held session still echoes afterwards;
#   2. examples/tls_server.c: examples/tls_client.c and `ssock client --tls` (dev2) echoed;
#      examples/tls_client.c against `ssock server --tls`;
#   3. examples/poll_loop.c: a DTLS and a TLS client served by the one poll() loop; closing its
#      stdin ends it with exit 0.
#
#   run.sh SSOCK EXAMPLES_DIR
source "$(dirname "$0")/../interop/lib.bash"
ex=${2:?usage: run.sh SSOCK EXAMPLES_DIR}
require_default_ccm8 # the examples use the default backend's default suite (RFC 7252's)
KEY2=0f1e2d3c4b5a69788796a5b4c3d2e1f0
tcp_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# start NAME PORTKIND CMD...: CMD in the background, its "{PORT}" arguments replaced by a free
# port (udp or tcp; "both" gives {PORT} a UDP and {PORT2} a TCP port), until it prints
# "listening" (a port another test took makes it exit: another port is tried). Sets PORT, PORT2.
start() {
    local name=$1 kind=$2 try i pid
    shift 2
    for try in 1 2 3 4 5; do
        case "$kind" in udp) PORT=$(free_port 4) ;; tcp) PORT=$(tcp_port) ;;
                        both) PORT=$(free_port 4); PORT2=$(tcp_port) ;; esac
        local args=("${@//\{PORT\}/$PORT}")
        args=("${args[@]//\{PORT2\}/${PORT2:-}}")
        "${args[@]}" >"$WORK/$name.out" 2>"$WORK/$name.err" &
        pid=$!
        PIDS+=($pid)
        for ((i = 0; i < 50; i++)); do
            grep -q listening "$WORK/$name.out" 2>/dev/null && { LASTPID=$pid; return 0; }
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null
    done
    fail "$name did not start: $(cat "$WORK/$name.err")"
}
echoes() { # echoes WHAT CMD...: CMD prints WHAT
    local out
    out=$(timeout 20 "${@:2}" 2>&1) || fail "$2: exit $?: $out"
    [ "$out" = "$1" ] || fail "$2 printed '$out', not '$1'"
}

# 1. the DTLS server, two peers at once
start server udp "$ex/example_server" "127.0.0.1:{PORT}"
mkfifo "$WORK/held.in"
"$SSOCK" client "127.0.0.1:$PORT" --psk "dev2:$KEY2" --timeout 300 <"$WORK/held.in" \
    >"$WORK/held.out" 2>"$WORK/held.err" &
held=$!
PIDS+=($held)
exec 7>"$WORK/held.in"
echo "second peer" >&7
wait_for "$WORK/held.out" "second peer" 10 || fail "ssock client (dev2): no echo: $(cat "$WORK/held.err")"
echoes hello "$ex/example_client" "127.0.0.1:$PORT"
echo "still here" >&7
wait_for "$WORK/held.out" "still here" 10 || fail "the held session stopped echoing"
exec 7>&-
wait "$held" || fail "ssock client (dev2): exit $?: $(cat "$WORK/held.err")"
pass "examples/server.c served examples/client.c (dev1) while ssock's session (dev2) stayed open"

# 2. TLS over TCP
start tls_server tcp "$ex/example_tls_server" "127.0.0.1:{PORT}"
echoes hello "$ex/example_tls_client" "127.0.0.1:$PORT"
echoes "over tls" bash -c "echo 'over tls' | '$SSOCK' client --tls 127.0.0.1:$PORT --psk dev2:$KEY2"
"$SSOCK" server --tls --listen 127.0.0.1:0 --psk "dev1:$KEY" --echo >"$WORK/ssock_tls.out" \
    2>"$WORK/ssock_tls.err" &
PIDS+=($!)
wait_for "$WORK/ssock_tls.err" "listening on" 5 || fail "ssock server --tls did not start"
sport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/ssock_tls.err" | head -1)
echoes "to ssock" "$ex/example_tls_client" "127.0.0.1:$sport" "to ssock"
pass "examples/tls_server.c served examples/tls_client.c and ssock --tls; tls_client.c talks to ssock server --tls"

# 3. one poll() loop, DTLS and TLS
mkfifo "$WORK/loop.in"
exec 8<>"$WORK/loop.in" # its stdin: open (read-write: no wait for a reader) until we close it
start loop both bash -c "exec '$ex/example_poll_loop' 127.0.0.1:{PORT} 127.0.0.1:{PORT2} <'$WORK/loop.in' 8>&-"
loop=$LASTPID
echoes hello "$ex/example_client" "127.0.0.1:$PORT"
echoes "poll tls" "$ex/example_tls_client" "127.0.0.1:$PORT2" "poll tls"
exec 8>&-
for ((i = 0; i < 50; i++)); do kill -0 "$loop" 2>/dev/null || break; sleep 0.1; done
kill -0 "$loop" 2>/dev/null && fail "examples/poll_loop.c did not end when stdin closed"
wait "$loop" || fail "examples/poll_loop.c: exit $?"
pass "examples/poll_loop.c served a DTLS and a TLS client from one poll() and ended with stdin"
