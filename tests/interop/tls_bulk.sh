#!/usr/bin/env bash
# TLS 1.2 over TCP, ssock against itself, bulk: nothing lost, repeated or reordered.
#   1. 1 MiB of random bytes: ssock client --tls -> ssock server --tls --echo --once and back
#   2. two clients at once, 256 KiB each, through one echoing server
#   3. backpressure: the client's reader stalls for a second, so the echo backs up into the
#      server (its backlog fills, it stops reading) and from there into the client's sends
#   4. a client that stops reading for a while (Python ssl): every byte still comes back in order
#   5. a client that never reads holds only its own echo up: another client is served meanwhile
source "$(dirname "$0")/lib.bash"

sha() { sha256sum <"$1" | cut -d' ' -f1; }
check_same() { # $1 expected file, $2 got file, $3 label
    [ "$(sha "$1")" = "$(sha "$2")" ] || fail "$3: sha256 differs ($(stat -c %s "$1") bytes sent, $(stat -c %s "$2") received)"
}
start_server() { # $1 port, then options
    local port=$1
    shift
    "$SSOCK" server --tls --listen "127.0.0.1:$port" --psk "$ID:$KEY" --echo "$@" \
        >"$WORK/server.data" 2>"$WORK/server.err" &
    SPID=$!
    PIDS+=($SPID)
    for _ in $(seq 50); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
            "$port" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "ssock server did not start"
}

# --- 1. one megabyte, echoed --------------------------------------------------------------------
head -c 1048576 /dev/urandom >"$WORK/big.bin"
port=$(free_tcp_port)
start_server "$port" --once
t0=$(date +%s.%N)
"$SSOCK" client --tls "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 800 \
    <"$WORK/big.bin" >"$WORK/big.back" 2>"$WORK/big.err"
rc=$?
[ "$rc" -eq 0 ] || fail "1 MiB: ssock client exit $rc: $(cat "$WORK/big.err")"
wait "$SPID"; rc=$?
[ "$rc" -eq 0 ] || fail "1 MiB: ssock server exit $rc"
check_same "$WORK/big.bin" "$WORK/big.back" "1 MiB echoed"
check_same "$WORK/big.bin" "$WORK/server.data" "1 MiB as printed by the server"
pass "1 MiB through ssock client --tls -> server --echo --once and back, identical ($(python3 -c "import sys; print('%.1f s' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)") incl. the 0.8 s quiet period)"

# --- 2. two clients at once ----------------------------------------------------------------------
head -c 262144 /dev/urandom >"$WORK/a.bin"
head -c 262144 /dev/urandom >"$WORK/b.bin"
port=$(free_tcp_port)
start_server "$port" -v
"$SSOCK" client --tls "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 800 \
    <"$WORK/a.bin" >"$WORK/a.back" 2>"$WORK/a.err" &
apid=$!
"$SSOCK" client --tls "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 800 \
    <"$WORK/b.bin" >"$WORK/b.back" 2>"$WORK/b.err" &
bpid=$!
PIDS+=($apid $bpid)
wait "$apid"; rc=$?
[ "$rc" -eq 0 ] || fail "two clients: client A exit $rc: $(cat "$WORK/a.err")"
wait "$bpid"; rc=$?
[ "$rc" -eq 0 ] || fail "two clients: client B exit $rc: $(cat "$WORK/b.err")"
check_same "$WORK/a.bin" "$WORK/a.back" "two clients: A"
check_same "$WORK/b.bin" "$WORK/b.back" "two clients: B"
wait_for "$WORK/server.err" "peer closed" 5 || fail "two clients: the server saw no close"
for _ in $(seq 50); do [ "$(grep -c 'peer closed' "$WORK/server.err")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c 'peer closed the session' "$WORK/server.err")" -eq 2 ] || fail "two clients: expected two graceful closes"
[ "$(stat -c %s "$WORK/server.data")" -eq 524288 ] || fail "two clients: the server printed $(stat -c %s "$WORK/server.data") bytes, not 524288"
# -v: one stderr line per chunk, "TIME ssock: PEER: N bytes"; per peer they add up to 256 KiB
totals=$(awk '/: [0-9]+ bytes$/ { sum[$3] += $4 } END { for (p in sum) print sum[p] }' "$WORK/server.err" | sort | tr '\n' ' ')
[ "$totals" = "262144 262144 " ] || fail "two clients: bytes per peer on the server: $totals"
kill -TERM "$SPID"
wait "$SPID"; rc=$?
[ "$rc" -eq 0 ] || fail "two clients: server exit $rc after SIGTERM"
pass "two clients at once, 256 KiB each, each got exactly its own bytes back"

# --- 3. backpressure both ways ------------------------------------------------------------------
port=$(free_tcp_port)
start_server "$port" --once
"$SSOCK" client --tls "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 800 <"$WORK/big.bin" \
    2>"$WORK/slow.err" | { sleep 1; cat; } >"$WORK/slow.back"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || fail "slow reader: ssock client exit $rc: $(cat "$WORK/slow.err")"
wait "$SPID"; rc=$?
[ "$rc" -eq 0 ] || fail "slow reader: ssock server exit $rc"
check_same "$WORK/big.bin" "$WORK/slow.back" "slow reader"
pass "1 MiB with the client's reader stalled for 1 s: identical"

# --- 4. a client that does not read: the server's echo backlog fills, then drains -----------------
if ! python3 -c 'import ssl' 2>/dev/null; then
    echo "note: Python has no ssl module: case 4 not run"
    exit 0
fi
cat >"$WORK/pushy.py" <<'PY'
import os, selectors, socket, ssl, sys, time
host, port, ca, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
s = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname="server.test")
s.setblocking(False)
data = os.urandom(n)
sent, blocked_since, stalled = 0, None, False
while sent < n:  # phase 1: send only, until the sends have been blocked for 1 s
    try:
        sent += s.send(data[sent:sent + 16384])
        blocked_since = None
    except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
        blocked_since = blocked_since or time.time()
        if time.time() - blocked_since > 1.0:
            stalled = True
            break
        time.sleep(0.01)
got = bytearray()
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
deadline = time.time() + 30
while len(got) < n and time.time() < deadline:  # phase 2: read and send
    sel.select(0.05)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
        pass
    if sent < n:
        try:
            sent += s.send(data[sent:sent + 16384])
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
            pass
s.close()
print("stalled" if stalled else "never-stalled", sent, len(got))
sys.exit(0 if bytes(got) == data else 1)
PY
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
port=$(free_tcp_port)
"$SSOCK" server --tls --listen "127.0.0.1:$port" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --echo --once -v >/dev/null 2>"$WORK/pushy-server.err" &
SPID=$!
PIDS+=($SPID)
wait_listening tcp "$port"
python3 "$WORK/pushy.py" 127.0.0.1 "$port" "$PKI/ca.crt" 33554432 >"$WORK/pushy.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "non-reading client: the echo differs: $(cat "$WORK/pushy.out")"
wait "$SPID"; rc=$?
# Python closes without close_notify: for --once that is a failed session, exit 4 (documented)
[ "$rc" -eq 4 ] || fail "non-reading client: ssock server exit $rc, expected 4: $(grep -v ' bytes$' "$WORK/pushy-server.err")"
if grep -q "^stalled" "$WORK/pushy.out"; then
    grep -q "echo backlog full" "$WORK/pushy-server.err" || fail "non-reading client: its sends blocked, but the server's echo backlog never filled"
    pass "32 MiB from a client that stops reading: the server's echo backlog filled, it waited, every byte came back in order"
else
    pass "32 MiB echoed to a client that did not read at first (socket buffers took it all: no stall seen)"
fi

# --- 5. while a client that never reads holds the server's echo stalled, another is served --------
cat >"$WORK/deaf.py" <<'PY'
import socket, ssl, sys, time
port, ca, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="server.test")
s.setblocking(False)
blocked_since = None
while True:  # send, never read, until the sends have been blocked for 1 s: the echo is stalled
    try:
        s.send(b"x" * 16384)
        blocked_since = None
    except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
        blocked_since = blocked_since or time.time()
        if time.time() - blocked_since > 1.0:
            break
        time.sleep(0.01)
open(mark, "w").write("stalled\n")
time.sleep(60)  # still connected, still not reading, until killed
PY
port=$(free_tcp_port)
"$SSOCK" server --tls --listen "127.0.0.1:$port" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --echo -v >/dev/null 2>"$WORK/deaf-server.err" &
SPID=$!
PIDS+=($SPID)
wait_listening tcp "$port"
python3 "$WORK/deaf.py" "$port" "$PKI/ca.crt" "$WORK/deaf.stalled" &
DPID=$!
PIDS+=($DPID)
for _ in $(seq 300); do [ -s "$WORK/deaf.stalled" ] && break; sleep 0.1; done
[ -s "$WORK/deaf.stalled" ] || fail "the non-reading client never got its sends blocked"
grep -q "echo backlog full" "$WORK/deaf-server.err" || fail "deaf client: the server's echo backlog never filled"
echo "served meanwhile" | timeout 20 "$SSOCK" client --tls "127.0.0.1:$port" --ca "$PKI/ca.crt" \
    --servername server.test --timeout 15000 >"$WORK/other.out" 2>"$WORK/other.err"
rc=$?
kill -0 "$DPID" 2>/dev/null || fail "the non-reading client went away before the other was served"
[ "$rc" -eq 0 ] || fail "another client while one does not read: exit $rc: $(cat "$WORK/other.err")"
[ "$(cat "$WORK/other.out")" = "served meanwhile" ] || fail "another client: got '$(cat "$WORK/other.out")'"
kill "$DPID" "$SPID" 2>/dev/null
pass "a client that never reads stalls only its own echo: another client is served meanwhile"
exit 0
