#!/usr/bin/env bash
# Keys outside argv: `ssock server --psk-file FILE` (several identities, comments, blank lines)
# talks with `ssock client` given its key in SSOCK_PSK and with one reading its own --psk-file;
# a key file group or others can read is refused (exit 1, ssh's message); a short key warns; no
# output ever shows a key.
source "$(dirname "$0")/lib.bash"

KEY2=0f1e2d3c4b5a69788796a5b4c3d2e1f0   # dev-2's key
SHORT=0011223344556677                  # 8 bytes
umask 077
printf '# keys of the devices\n\n  dev-1:%s\r\ndev-2:%s\n# dev-3:ffff\n' "$KEY" "$KEY2" >"$WORK/keys"
chmod 600 "$WORK/keys"

no_key_in_output() { # every file written by ssock: no key, in any case
    local k f
    for f in "$WORK"/*.out "$WORK"/*.err; do
        for k in "$KEY" "$KEY2" "$SHORT"; do
            grep -qi -- "$k" "$f" && fail "$f shows a key"
        done
    done
    return 0
}

# 1. server --psk-file, client SSOCK_PSK (the second identity of the file): they talk
port=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$port" --psk-file "$WORK/keys" --echo --once \
    >"$WORK/server.out" 2>"$WORK/server.err" &
spid=$!
PIDS+=($spid)
wait_listening udp "$port"
echo "hello with a key from the environment" |
    SSOCK_PSK="dev-2:$KEY2" "$SSOCK" client "127.0.0.1:$port" --timeout 800 \
        >"$WORK/client.out" 2>"$WORK/client.err"
rc=$?
[ "$rc" -eq 0 ] || fail "client (SSOCK_PSK) exit $rc"
grep -qx "hello with a key from the environment" "$WORK/client.out" || fail "client got no echo"
wait "$spid"; rc=$?
[ "$rc" -eq 0 ] || fail "server (--psk-file) exit $rc"
grep -qx "hello with a key from the environment" "$WORK/server.out" || fail "server printed nothing"
[ -s "$WORK/server.err" ] && fail "server warned about good keys: $(cat "$WORK/server.err")"
pass "server --psk-file (2 identities) <- client SSOCK_PSK=dev-2:..."

# 2. the first identity, from a client --psk-file (a client takes the first key line)
port=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$port" --psk-file "$WORK/keys" --echo --once \
    >"$WORK/server2.out" 2>"$WORK/server2.err" &
spid=$!
PIDS+=($spid)
wait_listening udp "$port"
echo "hello from dev-1" | "$SSOCK" client "127.0.0.1:$port" --psk-file "$WORK/keys" -v \
    --timeout 800 >"$WORK/client2.out" 2>"$WORK/client2.err" || fail "client --psk-file exit $?"
grep -qx "hello from dev-1" "$WORK/client2.out" || fail "client --psk-file got no echo"
wait "$spid" || fail "server (second run) exit $?"
pass "client --psk-file takes the file's first key"

# 3. a key file group or others can read is refused, with ssh's message and exit 1
cp "$WORK/keys" "$WORK/open-keys"
chmod 644 "$WORK/open-keys"
"$SSOCK" server --listen "127.0.0.1:$(free_port 4)" --psk-file "$WORK/open-keys" \
    >"$WORK/open.out" 2>"$WORK/open.err"
rc=$?
[ "$rc" -eq 1 ] || fail "server with a 0644 key file: exit $rc, want 1"
grep -qF "$WORK/open-keys: permissions 0644 are too open; chmod 600 $WORK/open-keys" "$WORK/open.err" ||
    fail "0644 key file: message: $(cat "$WORK/open.err")"
chmod 640 "$WORK/open-keys"
echo x | "$SSOCK" client "127.0.0.1:9" --psk-file "$WORK/open-keys" >"$WORK/open2.out" 2>"$WORK/open2.err"
rc=$?
[ "$rc" -eq 1 ] || fail "client with a 0640 key file: exit $rc, want 1"
grep -qF "permissions 0640 are too open; chmod 600" "$WORK/open2.err" || fail "0640: $(cat "$WORK/open2.err")"
pass "key files readable by group or others are refused (exit 1)"

# 4. a short key is taken with a warning (that does not show it); so is a short SSOCK_PSK
port=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$port" --psk "short:$SHORT" --echo --once \
    >"$WORK/short.out" 2>"$WORK/short.err" &
spid=$!
PIDS+=($spid)
wait_listening udp "$port"
grep -qF "warning: --psk 'short:...': the key is only 8 bytes" "$WORK/short.err" ||
    fail "no warning for an 8-byte key: $(cat "$WORK/short.err")"
echo "short but working" | SSOCK_PSK="short:$SHORT" "$SSOCK" client "127.0.0.1:$port" \
    --timeout 800 >"$WORK/short-client.out" 2>"$WORK/short-client.err" || fail "short-key client exit $?"
grep -qF "warning: SSOCK_PSK 'short:...': the key is only 8 bytes" "$WORK/short-client.err" ||
    fail "no warning for a short SSOCK_PSK: $(cat "$WORK/short-client.err")"
grep -qx "short but working" "$WORK/short-client.out" || fail "short-key client got no echo"
wait "$spid" || fail "short-key server exit $?"
pass "keys under 16 bytes warn"

# 5. malformed sources say where the problem is (and show no key)
printf 'dev-1:%s\nbroken-line\n' "$KEY" >"$WORK/bad-keys"; chmod 600 "$WORK/bad-keys"
"$SSOCK" server --psk-file "$WORK/bad-keys" >"$WORK/bad.out" 2>"$WORK/bad.err"
[ $? -eq 1 ] || fail "malformed key file accepted"
grep -qF -- "--psk-file $WORK/bad-keys line 2: expected IDENTITY:HEXKEY" "$WORK/bad.err" ||
    fail "malformed key file: $(cat "$WORK/bad.err")"
printf '# nothing\n\n' >"$WORK/empty-keys"; chmod 600 "$WORK/empty-keys"
"$SSOCK" server --psk-file "$WORK/empty-keys" >"$WORK/empty.out" 2>"$WORK/empty.err"
[ $? -eq 1 ] || fail "key file without keys accepted"
grep -qF "no IDENTITY:HEXKEY line" "$WORK/empty.err" || fail "empty key file: $(cat "$WORK/empty.err")"
echo x | SSOCK_PSK="$KEY" "$SSOCK" client "127.0.0.1:9" >"$WORK/env.out" 2>"$WORK/env.err"
[ $? -eq 1 ] || fail "SSOCK_PSK without identity accepted"
grep -qF "SSOCK_PSK: expected IDENTITY:HEXKEY" "$WORK/env.err" || fail "bad SSOCK_PSK: $(cat "$WORK/env.err")"
pass "malformed key sources are refused with where and why"

no_key_in_output
pass "no output shows a key"
