#!/usr/bin/env bash
# ssock's addresses, as an operator types them:
#   1. `ssock client ::1:5684` (IPv6 without brackets) is refused (exit 1) with both bracketed
#      readings, instead of silently taking the default port; a bare IPv6 address too;
#   2. port 0 in a client address is a usage error (exit 1);
#   3. `--listen 0`, `--listen 127.0.0.1:0` and `--listen [::1]:0` print the port the system
#      picked, and a client reaches the server there; `--listen PORT` alone listens on every
#      address (an IPv4 and an IPv6 client both get through);
#   4. a malformed --listen is refused (exit 1).
source "$(dirname "$0")/lib.bash"
require_default_ccm8

# 1. IPv6 without brackets
"$SSOCK" client ::1:5684 --psk "$ID:$KEY" </dev/null >"$WORK/bare.out" 2>"$WORK/bare.err"
rc=$?
[ "$rc" -eq 1 ] || fail "client ::1:5684: exit $rc, expected 1"
grep -qF "'::1:5684': an IPv6 address needs brackets: [::1]:5684 (address ::1, port 5684) or [::1:5684]" \
    "$WORK/bare.err" || fail "client ::1:5684: unclear message: $(cat "$WORK/bare.err")"
[ "$(wc -l <"$WORK/bare.err")" -eq 1 ] || fail "client ::1:5684: more than one line"
pass "$(cat "$WORK/bare.err")"
"$SSOCK" client 2001:db8::1 --psk "$ID:$KEY" </dev/null >"$WORK/bare2.out" 2>"$WORK/bare2.err"
rc=$?
[ "$rc" -eq 1 ] || fail "client 2001:db8::1: exit $rc, expected 1"
grep -qF "an IPv6 address needs brackets: [2001:db8::1]" "$WORK/bare2.err" ||
    fail "client 2001:db8::1: $(cat "$WORK/bare2.err")"
"$SSOCK" server --listen ::1:5684 --psk "$ID:$KEY" </dev/null >"$WORK/lbare.out" 2>"$WORK/lbare.err"
rc=$?
[ "$rc" -eq 1 ] || fail "server --listen ::1:5684: exit $rc, expected 1"
grep -qF "an IPv6 address needs brackets: [::1]:5684" "$WORK/lbare.err" ||
    fail "server --listen ::1:5684: $(cat "$WORK/lbare.err")"
pass "bare IPv6 refused by client and server (exit 1)"

# 2. port 0 in a client address
for target in 127.0.0.1:0 '[::1]:0' localhost:0; do
    "$SSOCK" client "$target" --psk "$ID:$KEY" </dev/null >"$WORK/p0.out" 2>"$WORK/p0.err"
    rc=$?
    [ "$rc" -eq 1 ] || fail "client $target: exit $rc, expected 1"
    grep -qF "port 0 is not a server's port" "$WORK/p0.err" || grep -qF "port: 0 is out of range" "$WORK/p0.err" ||
        fail "client $target: $(cat "$WORK/p0.err")"
done
pass "client port 0 refused (exit 1): $(cat "$WORK/p0.err")"

# 3. port 0: the picked port is printed, and a client gets there
# listen_picked NAME LISTEN: start a server, print the port it says it listens on.
listen_picked() {
    "$SSOCK" server --listen "$2" --psk "$ID:$KEY" --echo >"$WORK/$1.out" 2>"$WORK/$1.err" </dev/null &
    PIDS+=($!)
    wait_for "$WORK/$1.err" "listening on" 5 || fail "--listen $2: no 'listening on' line"
    sed -n 's/.* ssock: listening on .*:\([0-9][0-9]*\) (DTLS over UDP.*/\1/p' "$WORK/$1.err"
}
# echo_via NAME TARGET: one line through the server at TARGET, checked.
echo_via() {
    echo "hello via $2" | "$SSOCK" client "$2" --psk "$ID:$KEY" --timeout 500 \
        >"$WORK/$1.cli.out" 2>"$WORK/$1.cli.err"
    local rc=$?
    [ "$rc" -eq 0 ] || fail "client $2: exit $rc: $(cat "$WORK/$1.cli.err")"
    [ "$(cat "$WORK/$1.cli.out")" = "hello via $2" ] || fail "client $2: got '$(cat "$WORK/$1.cli.out")'"
}
port=$(listen_picked zero 0)
[ -n "$port" ] && [ "$port" -gt 0 ] || fail "--listen 0: no port in: $(cat "$WORK/zero.err")"
grep -Eq "^[0-9-]+T[0-9:.]+[+-][0-9:]+ ssock: listening on \[::\]:$port |^[0-9-]+T[0-9:.]+[+-][0-9:]+ ssock: listening on 0\.0\.0\.0:$port " \
    "$WORK/zero.err" || fail "--listen 0: $(cat "$WORK/zero.err")"
echo_via zero4 "127.0.0.1:$port"
have_ipv6 && echo_via zero6 "[::1]:$port"
pass "--listen 0: $(cat "$WORK/zero.err"); IPv4$(have_ipv6 && echo ' and IPv6') clients served"

port=$(listen_picked zero4b 127.0.0.1:0)
[ -n "$port" ] && [ "$port" -gt 0 ] || fail "--listen 127.0.0.1:0: no port in: $(cat "$WORK/zero4b.err")"
grep -qF "listening on 127.0.0.1:$port (" "$WORK/zero4b.err" || fail "--listen 127.0.0.1:0: $(cat "$WORK/zero4b.err")"
echo_via zero4bc "127.0.0.1:$port"
if have_ipv6; then
    port=$(listen_picked zero6b '[::1]:0')
    grep -qF "listening on [::1]:$port (" "$WORK/zero6b.err" || fail "--listen [::1]:0: $(cat "$WORK/zero6b.err")"
    echo_via zero6bc "[::1]:$port"
fi
pass "--listen ADDR:0 prints the port picked; a client connects to it"

# --listen PORT alone: every address
port=$(free_port 4)
"$SSOCK" server --listen "$port" --psk "$ID:$KEY" --echo -v >"$WORK/any.out" 2>"$WORK/any.err" </dev/null &
PIDS+=($!)
wait_for "$WORK/any.err" "listening on" 5 || fail "--listen $port: no 'listening on' line: $(cat "$WORK/any.err")"
grep -Eq "listening on (\[::\]|0\.0\.0\.0):$port \(" "$WORK/any.err" || fail "--listen $port: $(cat "$WORK/any.err")"
echo_via any4 "127.0.0.1:$port"
have_ipv6 && echo_via any6 "[::1]:$port"
pass "--listen $port alone: every address"

# 4. malformed --listen
for bad in 70000 '127.0.0.1:x' '[::1' 'host name'; do
    "$SSOCK" server --listen "$bad" --psk "$ID:$KEY" </dev/null >"$WORK/bad.out" 2>"$WORK/bad.err"
    rc=$?
    [ "$rc" -eq 1 ] || fail "--listen '$bad': exit $rc, expected 1"
    grep -q -- "--listen" "$WORK/bad.err" || fail "--listen '$bad': $(cat "$WORK/bad.err")"
done
pass "malformed --listen refused (exit 1): $(cat "$WORK/bad.err")"
exit 0
