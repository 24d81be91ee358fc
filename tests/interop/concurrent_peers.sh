#!/usr/bin/env bash
# One `ssock server` serving, at the same time, 3 `openssl s_client -dtls1_2` peers and 3 ssock
# clients, each with its own PSK identity: every peer gets exactly its own records echoed, and
# the server's -v output names each peer.
source "$(dirname "$0")/lib.bash"
require_default_ccm8

port=$(free_port 4)
keys=()
args=()
for i in 0 1 2 3 4 5; do
    keys[$i]=$(printf '%02x' $((i + 1)))00112233445566778899aabbccddee
    args+=(--psk "peer-$i:${keys[$i]}")
done
"$SSOCK" server --listen "127.0.0.1:$port" "${args[@]}" --max-sessions 8 --echo -v \
    >"$WORK/server.out" 2>"$WORK/server.err" &
PIDS+=($!)
wait_listening udp "$port"

# three OpenSSL clients, stdin held open until their echo arrives
for i in 0 1 2; do
    mkfifo "$WORK/o$i.in"
    openssl s_client -dtls1_2 -4 -psk "${keys[$i]}" -psk_identity "peer-$i" -cipher PSK-AES128-CCM8 \
        -connect "127.0.0.1:$port" -quiet -no_ign_eof <"$WORK/o$i.in" >"$WORK/o$i.out" 2>"$WORK/o$i.err" &
    PIDS+=($!)
    eval "exec $((20 + i))>\"$WORK/o$i.in\""
done
# three of ours, started while the OpenSSL ones are connected
for i in 3 4 5; do
    printf 'ssock peer %d line A\nssock peer %d line B\n' "$i" "$i" |
        "$SSOCK" client "127.0.0.1:$port" --psk "peer-$i:${keys[$i]}" --timeout 1500 \
        >"$WORK/c$i.out" 2>"$WORK/c$i.err" &
    PIDS+=($!)
    OURS[$i]=$!
done
for i in 0 1 2; do
    echo "openssl peer $i says hi" >&$((20 + i))
done
for i in 0 1 2; do
    wait_for "$WORK/o$i.out" "openssl peer $i says hi" 10 || fail "s_client $i got no echo"
done
for i in 3 4 5; do
    wait "${OURS[$i]}" || fail "ssock client $i exited $?"
    [ "$(cat "$WORK/c$i.out")" = "$(printf 'ssock peer %d line A\nssock peer %d line B' "$i" "$i")" ] ||
        fail "ssock client $i got: $(cat "$WORK/c$i.out")"
done
for i in 0 1 2; do
    # each s_client saw only its own line
    [ "$(grep -c 'says hi' "$WORK/o$i.out")" -eq 1 ] || fail "s_client $i saw others' records"
    eval "exec $((20 + i))>&-"
done
# the server printed 3 + 6 records, each prefixed by its peer's address
[ "$(grep -c '^127.0.0.1:[0-9]* ' "$WORK/server.out")" -eq 9 ] || fail "server output: $(cat "$WORK/server.out")"
pass "3 openssl s_client + 3 ssock clients served at once, each echoed exactly its own records"
exit 0
