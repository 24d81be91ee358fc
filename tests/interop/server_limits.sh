#!/usr/bin/env bash
# `ssock server`'s admission limits from the command line (TLS over TCP, loopback):
#   1. bad values are usage errors (exit 1) with a clear message;
#   2. with -v, a host over --max-per-address is refused and logged (address, reason), and a
#      handshake that stalled is displaced for a new client when --max-half-open is reached;
#   3. a client from another address is served all along.
# Needs 127.0.0.2 and 127.0.0.3 on loopback (Linux); skipped elsewhere.
source "$(dirname "$0")/lib.bash"
require_default_ccm8

free_tcp_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
python3 -c 'import socket; socket.socket().bind(("127.0.0.2",0)); socket.socket().bind(("127.0.0.3",0))' \
    2>/dev/null || { echo "SKIPPED: cannot bind 127.0.0.2/127.0.0.3"; exit 77; }

# 1. usage errors
usage() { # expected-text args...
    local want=$1
    shift
    "$SSOCK" server --tls --psk "$ID:$KEY" "$@" >"$WORK/u.out" 2>"$WORK/u.err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "ssock server $*: exit $rc, want 1 (usage)"
    grep -qF -- "$want" "$WORK/u.err" || fail "ssock server $*: no '$want' in: $(cat "$WORK/u.err")"
}
usage "--when-full: 'sometimes' is neither refuse nor evict" --when-full sometimes
usage "--max-per-address: 0 is out of range" --max-per-address 0
usage "--max-half-open 20: more than --max-sessions (16)" --max-half-open 20
usage "--handshake-stall: 'soon' is not a decimal number" --handshake-stall soon
usage "--idle-timeout: '-5' is not a decimal number" --idle-timeout -5

# 2. limits at work
port=$(free_tcp_port)
"$SSOCK" server --tls --listen "127.0.0.1:$port" --psk "$ID:$KEY" --echo -v \
    --max-per-address 2 --max-half-open 3 --handshake-stall 5000 --handshake-deadline 20000 \
    --idle-timeout 60000 --when-full refuse >"$WORK/server.out" 2>"$WORK/server.err" &
PIDS+=($!)
wait_for "$WORK/server.err" "limits: 3 handshakes at once, 2 per address" 5 ||
    fail "server did not report its limits"
# three silent connections from 127.0.0.2 (the third is over the cap), then after 1.3 s two
# from 127.0.0.3: the second finds the budget full and displaces a stalled one of 127.0.0.2
python3 - "$port" >"$WORK/attacker.out" 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for a in ["127.0.0.2"] * 3:
    s = socket.socket(); s.bind((a, 0)); s.connect(("127.0.0.1", port)); held.append(s)
    time.sleep(0.1)
time.sleep(1.3)
for a in ["127.0.0.3"] * 2:
    s = socket.socket(); s.bind((a, 0)); s.connect(("127.0.0.1", port)); held.append(s)
    time.sleep(0.1)
time.sleep(3)
EOF
PIDS+=($!)
wait_for "$WORK/server.err" "127.0.0.2:" 5 || fail "no line about 127.0.0.2"
wait_for "$WORK/server.err" "refused: its address has too many handshakes in progress (--max-per-address)" 5 ||
    fail "the third connection of 127.0.0.2 was not refused"
wait_for "$WORK/server.err" "handshake displaced" 5 || fail "no handshake was displaced"
grep -q "^[-0-9T:.+]* ssock: 127.0.0.2:[0-9]*: handshake displaced" "$WORK/server.err" ||
    fail "the displaced handshake was not one of 127.0.0.2's"
grep -q "^[-0-9T:.+]* ssock: 127.0.0.1:[0-9]*: refused" "$WORK/server.err" && fail "127.0.0.1 was refused"

# 3. a client on 127.0.0.1 is served meanwhile (the budget: 127.0.0.2 holds 1, 127.0.0.3 2)
printf 'through the limits\n' >"$WORK/up.txt"
"$SSOCK" client --tls "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 2000 <"$WORK/up.txt" \
    >"$WORK/c.out" 2>"$WORK/c.err" || fail "the client failed: $(cat "$WORK/c.err")"
cmp -s "$WORK/up.txt" "$WORK/c.out" || fail "echo differs: $(cat "$WORK/c.out")"
pass "usage errors; 127.0.0.2 refused over --max-per-address and displaced once stalled; 127.0.0.1 served"
exit 0
