#!/usr/bin/env bash
# `ssock server --psk-hint`: a backend that can send a PSK identity hint (PSK_HINT in
# `ssock --version`) sends it, and `openssl s_client -dtls1_2` receives it; a backend that cannot
# (mbedTLS 2.28) is refused before anything is sent, with a clear message naming the reason and
# the backends that can (exit 4), never silently ignored. Skipped (77) if neither kind is built.
source "$(dirname "$0")/lib.bash"

HINT='hint-for-interop-dev'
ran=0
version=$("$SSOCK" --version)

# A backend without the capability: refused at create, with the reason.
while read -r name; do
    port=$(free_port 4)
    "$SSOCK" server --backend "$name" --listen "127.0.0.1:$port" --psk "$ID:$KEY" --psk-hint "$HINT" \
        >"$WORK/refused.out" 2>"$WORK/refused.err" </dev/null
    rc=$?
    [ "$rc" -eq 1 ] || fail "$name: --psk-hint: exit $rc, expected 1 (options the backend cannot honour)"
    grep -q -- "--psk-hint: backend $name cannot send a PSK identity hint" "$WORK/refused.err" ||
        fail "$name: --psk-hint: no clear message"
    [ "$(wc -l <"$WORK/refused.err")" -eq 1 ] || fail "$name: more than one line on stderr"
    pass "$name: $(cat "$WORK/refused.err")"
    ran=1
done < <(grep '^backend ' <<<"$version" | grep -v ' PSK_HINT' | awk '{print $2}')

# A backend with it: OpenSSL sees the hint in the server's ServerKeyExchange.
while read -r name suite; do
    port=$(free_port 4)
    "$SSOCK" server --backend "$name" --listen "127.0.0.1:$port" --psk "$ID:$KEY" \
        --psk-hint "$HINT" --ciphers "$suite" --echo --once >"$WORK/server.out" 2>"$WORK/server.err" &
    spid=$!
    PIDS+=($spid)
    sleep 0.3
    (printf 'with a hint\n'; sleep 1) | timeout 10 openssl s_client -dtls1_2 -4 \
        -connect "127.0.0.1:$port" -psk "$KEY" -psk_identity "$ID" -cipher "$suite" -debug \
        >"$WORK/s_client.out" 2>&1
    wait "$spid"; rc=$?
    [ "$rc" -eq 0 ] || fail "$name: ssock server exit $rc"
    grep -aq "Received PSK identity hint '$HINT'" "$WORK/s_client.out" ||
        fail "$name: s_client did not receive the hint"
    [ "$(cat "$WORK/server.out")" = "with a hint" ] || fail "$name: server printed: $(cat "$WORK/server.out")"
    pass "$name: openssl s_client received the PSK identity hint '$HINT'"
    ran=1
done < <(grep '^backend .* PSK_HINT' <<<"$version" |
         awk '{print $2, ($2 == "wolfssl" ? "PSK-CHACHA20-POLY1305" : "PSK-AES128-CCM8")}')
# (Debian's wolfSSL has one plain-PSK suite, CHACHA20-POLY1305; tinyDTLS has AES-128-CCM only)

[ "$ran" -eq 1 ] || { echo "SKIPPED: no backend built in"; exit 77; }
exit 0
