#!/usr/bin/env bash
# What the network says about a peer (ICMP), as ssock sees it (Linux: IP_RECVERR):
#   1. a DTLS client to a port where nothing listens stops with "connection refused", exit 3,
#      before its first retransmission (the ICMP port unreachable is read at once), instead of
#      retransmitting for two minutes; IPv4, IPv6, a name; TLS too (exit 3);
#   2. with -v, against a server that never answers, each retransmission is shown with the
#      next timeout (1 s, then 2 s, 4 s: RFC 6347 doubling);
#   3. a server that gets an ICMP error about one client (its port closed) logs it with -v and
#      goes on: an established session keeps working and new clients are served.
# Skipped (77) off Linux (unconnected UDP sockets see no ICMP errors elsewhere).
source "$(dirname "$0")/lib.bash"
require_default_ccm8
[ "$(uname -s)" = Linux ] || { echo "SKIPPED: ICMP errors on unconnected UDP sockets are Linux's"; exit 77; }

# 1. nothing listens
refused() { # NAME TARGET [client options]
    local name=$1 target=$2 rc start end
    shift 2
    start=$EPOCHREALTIME
    echo hi | timeout 20 "$SSOCK" client "$target" --psk "$ID:$KEY" -v "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err"
    rc=$?
    end=$EPOCHREALTIME
    [ "$rc" -eq 3 ] || fail "$name: client $target: exit $rc, expected 3"
    grep -qF "ssock: cannot connect to $target: connection refused" "$WORK/$name.err" ||
        fail "$name: no 'connection refused': $(cat "$WORK/$name.err")"
    grep -q "sent again" "$WORK/$name.err" && fail "$name: it retransmitted before giving up"
    [ -s "$WORK/$name.out" ] && fail "$name: printed something on stdout"
    pass "$name: $(grep 'connection refused' "$WORK/$name.err") (exit 3, $(( (${end/./} - ${start/./}) / 1000 )) ms)"
}
port=$(free_port 4)
refused ipv4 "127.0.0.1:$port"
refused name "localhost:$port"
refused ipv4-hs-timeout "127.0.0.1:$port" --handshake-timeout 100000
if have_ipv6; then
    port6=$(free_port 6)
    refused ipv6 "[::1]:$port6"
fi
tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
refused tls "127.0.0.1:$tport" --tls

# 1b. the server goes away during a session: the next record meets a closed port
port=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$port" --psk "$ID:$KEY" --echo -v >"$WORK/gone.sout" 2>"$WORK/gone.serr" </dev/null &
GSPID=$!
PIDS+=($GSPID)
wait_for "$WORK/gone.serr" "listening on" 5 || fail "server gone: it did not start"
mkfifo "$WORK/gone.in"
"$SSOCK" client "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 5000 <"$WORK/gone.in" >"$WORK/gone.out" 2>"$WORK/gone.err" &
GCPID=$!
PIDS+=($GCPID)
exec 8>"$WORK/gone.in"
echo "while it is there" >&8
wait_for "$WORK/gone.out" "while it is there" 10 || fail "server gone: no echo first: $(cat "$WORK/gone.err")"
{ kill -KILL "$GSPID" && wait "$GSPID"; } 2>/dev/null
echo "after it is gone" >&8
wait "$GCPID"; rc=$?
exec 8>&-
[ "$rc" -eq 3 ] || fail "server gone: client exit $rc, expected 3: $(cat "$WORK/gone.err")"
grep -qF "ssock: session with 127.0.0.1:$port failed: connection refused" "$WORK/gone.err" ||
    fail "server gone: $(cat "$WORK/gone.err")"
pass "server gone mid-session: $(cat "$WORK/gone.err") (exit 3)"

# 2. -v: every retransmission and the next timeout (a UDP socket that reads and never answers)
python3 - "$WORK/silent.port" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(0.2)
end = time.time() + 20
while time.time() < end:
    try:
        s.recv(2048)
    except socket.timeout:
        pass
EOF
PIDS+=($!)
wait_for "$WORK/silent.port" "" 5
for _ in $(seq 50); do [ -s "$WORK/silent.port" ] && break; sleep 0.1; done
sport=$(cat "$WORK/silent.port")
echo hi | "$SSOCK" client "127.0.0.1:$sport" --psk "$ID:$KEY" -v --handshake-timeout 3500 \
    >"$WORK/silent.out" 2>"$WORK/silent.err"
rc=$?
[ "$rc" -eq 3 ] || fail "silent server: exit $rc, expected 3: $(cat "$WORK/silent.err")"
grep -qF "connecting to 127.0.0.1:$sport (DTLS, mbedtls): first timeout 1000 ms, at most 6 retransmissions" \
    "$WORK/silent.err" || fail "silent server: no 'connecting to' line: $(cat "$WORK/silent.err")"
# the next timeout is what is left of the doubled timeout when ssock asks: a millisecond may
# have passed since the flight went out (seen under ASan)
grep -qE "127\.0\.0\.1:$sport: no reply in time: handshake flight sent again \(1 of 6\), next timeout (19[0-9]{2}|2000) ms" \
    "$WORK/silent.err" || fail "silent server: no first retransmission line: $(cat "$WORK/silent.err")"
grep -qE "sent again \(2 of 6\), next timeout (39[0-9]{2}|4000) ms" "$WORK/silent.err" ||
    fail "silent server: no second retransmission line: $(cat "$WORK/silent.err")"
grep -q "connection refused" "$WORK/silent.err" && fail "silent server: 'connection refused'?"
pass "-v shows each retransmission: $(grep -c 'sent again' "$WORK/silent.err") lines, then: $(tail -1 "$WORK/silent.err")"

# 3. the server: an ICMP error about one client stops nothing
# A ClientHello to replay from a UDP socket connected elsewhere: the server's HelloVerifyRequest
# matches no socket, so the host answers ICMP port unreachable, and the error comes back to the
# server (with no race: a socket closed after sending could still take the answer).
python3 - "$WORK/hello.bin" "$WORK/catch.port" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
s.settimeout(10)
open(sys.argv[1], "wb").write(s.recv(2048))
EOF
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/catch.port" ] && break; sleep 0.1; done
"$SSOCK" client "127.0.0.1:$(cat "$WORK/catch.port")" --psk "$ID:$KEY" --handshake-timeout 1500 \
    </dev/null >/dev/null 2>&1
[ -s "$WORK/hello.bin" ] || fail "no ClientHello captured"

port=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$port" --psk "$ID:$KEY" --echo -v >"$WORK/server.out" 2>"$WORK/server.err" &
SPID=$!
PIDS+=($SPID)
wait_for "$WORK/server.err" "listening on" 5 || fail "server did not start: $(cat "$WORK/server.err")"
mkfifo "$WORK/long.in"
"$SSOCK" client "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 3000 <"$WORK/long.in" >"$WORK/long.out" 2>"$WORK/long.err" &
LPID=$!
PIDS+=($LPID)
exec 7>"$WORK/long.in"
echo "before the ICMP error" >&7
wait_for "$WORK/long.out" "before the ICMP error" 10 || fail "the long session got no echo: $(cat "$WORK/long.err")"
python3 - "$WORK/hello.bin" "$port" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.connect(("127.0.0.1", 9))  # takes datagrams from 127.0.0.1:9 only
s.sendto(open(sys.argv[1], "rb").read(), ("127.0.0.1", int(sys.argv[2])))
time.sleep(1)
EOF
wait_for "$WORK/server.err" "the network says: connection refused" 5 ||
    fail "the server logged no ICMP error: $(cat "$WORK/server.err")"
echo "after the ICMP error" >&7
wait_for "$WORK/long.out" "after the ICMP error" 10 || fail "the long session died with the ICMP error: $(cat "$WORK/long.err") / $(cat "$WORK/server.err")"
echo "a new client" | "$SSOCK" client "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 500 >"$WORK/new.out" 2>"$WORK/new.err" ||
    fail "a new client failed after the ICMP error: $(cat "$WORK/new.err")"
[ "$(cat "$WORK/new.out")" = "a new client" ] || fail "new client: got '$(cat "$WORK/new.out")'"
exec 7>&-
wait "$LPID"; rc=$?
[ "$rc" -eq 0 ] || fail "the long session: exit $rc: $(cat "$WORK/long.err")"
kill -TERM "$SPID"
wait "$SPID"; rc=$?
[ "$rc" -eq 0 ] || fail "server exit $rc after SIGTERM: $(cat "$WORK/server.err")"
grep -q "summary: .* [1-9][0-9]* network errors about clients" "$WORK/server.err" ||
    fail "the summary does not count the ICMP error: $(cat "$WORK/server.err")"
pass "server: $(grep 'the network says' "$WORK/server.err" | head -1 | cut -d' ' -f2-); the session and new clients go on"
exit 0
