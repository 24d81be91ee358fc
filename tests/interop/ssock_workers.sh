#!/usr/bin/env bash
# `ssock server --workers 2`: two processes, each with its own UDP socket on the same port
# (SO_REUSEPORT). Several ssock clients are served at once; each gets exactly its own records
# echoed (all of them: its datagrams all reached the worker that holds its session), each
# client's handshake is done by exactly one worker, both workers serve clients, and stopping
# the server stops both.
source "$(dirname "$0")/lib.bash"
require_default_ccm8
python3 -c 'import socket; socket.SO_REUSEPORT' 2>/dev/null ||
    { echo "SKIPPED: no SO_REUSEPORT on this system"; exit 77; }

"$SSOCK" server --workers 2 --listen 127.0.0.1:0 --psk "$ID:$KEY" --max-sessions 16 --echo -v \
    >"$WORK/server.out" 2>"$WORK/server.err" &
SPID=$!
PIDS+=($SPID)
for _ in $(seq 50); do
    [ "$(grep -c 'listening on 127.0.0.1:' "$WORK/server.err")" -ge 2 ] && break
    sleep 0.1
done
[ "$(grep -c 'listening on 127.0.0.1:' "$WORK/server.err")" -eq 2 ] || fail "two workers did not start"
grep -q 'ssock\[worker 0\]: listening on' "$WORK/server.err" &&
    grep -q 'ssock\[worker 1\]: listening on' "$WORK/server.err" || fail "worker tags missing"
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/server.err" | sort -u)
[ "$(echo "$port" | wc -l)" -eq 1 ] || fail "the workers listen on different ports: $port"
workers=$(pgrep -P "$SPID" | tr '\n' ' ')
[ -n "$workers" ] || fail "no worker process besides the first"

# rounds of 8 concurrent clients until both workers have served one (the kernel spreads clients
# by a hash of their address and port: all 8 on one worker has odds 1/128 per round)
n=0
for round in 1 2 3; do
    CL=()
    for i in $(seq 8); do
        n=$((n + 1))
        printf 'client %d line A\nclient %d line B\nclient %d line C\n' "$n" "$n" "$n" |
            "$SSOCK" client "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 3000 \
            >"$WORK/c$n.out" 2>"$WORK/c$n.err" &
        CL+=("$!:$n")
    done
    for c in "${CL[@]}"; do
        wait "${c%%:*}" || fail "client ${c#*:} exited $?"
        k=${c#*:}
        [ "$(cat "$WORK/c$k.out")" = "$(printf 'client %d line A\nclient %d line B\nclient %d line C' "$k" "$k" "$k")" ] ||
            fail "client $k got: $(cat "$WORK/c$k.out")"
    done
    grep -q 'ssock\[worker 0\]: .*handshake done' "$WORK/server.err" &&
        grep -q 'ssock\[worker 1\]: .*handshake done' "$WORK/server.err" && break
done
grep -q 'ssock\[worker 0\]: .*handshake done' "$WORK/server.err" &&
    grep -q 'ssock\[worker 1\]: .*handshake done' "$WORK/server.err" ||
    fail "one worker served all $n clients"
# one handshake per client, each by one worker: every client address appears exactly once
done_lines=$(grep -c 'handshake done' "$WORK/server.err")
[ "$done_lines" -eq "$n" ] || fail "$done_lines handshakes for $n clients"
dups=$(sed -n 's/.*: \(127\.0\.0\.1:[0-9]*\): handshake done.*/\1/p' "$WORK/server.err" | sort | uniq -d)
[ -z "$dups" ] || fail "clients handshaking with both workers: $dups"
# every record printed once (3 per client), by whichever worker held the client's session
[ "$(grep -c '^127.0.0.1:[0-9]* client [0-9]* line [ABC]$' "$WORK/server.out")" -eq $((3 * n)) ] ||
    fail "server output: $(cat "$WORK/server.out")"

kill "$SPID"
wait "$SPID" 2>/dev/null
for w in $workers; do
    kill -0 "$w" 2>/dev/null && fail "worker $w still runs after the server stopped"
done
pass "2 workers on one port served $n clients, each client by one worker, records all echoed"
exit 0
