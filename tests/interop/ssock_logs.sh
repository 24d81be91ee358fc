#!/usr/bin/env bash
# `ssock server -v` as an operator's log:
#   1. every line on stderr starts with the local time (RFC 3339, milliseconds) and "ssock:";
#   2. a session: peer, suite, version, handshake time, the PSK identity the client used (of
#      two the server has); its end (records in/out);
#   3. a wrong key: the failed handshake, with the peer and the hint; a client refused because the
#      table is full: the peer and the reason;
#   4. SIGTERM: a summary (handshakes done and failed, refusals, ...); -v -v adds debug lines;
#   5. certificates: the line names the client certificate's subject and whether it verified;
#      the client's -v line names the server certificate's subject;
#   6. no key, right or wrong, appears in any output (stderr or stdout, server or client);
#   7. on every backend, openssl s_client's wrong key: the failed handshake is logged with a hint
#      that names the PSK (wolfSSL answers that one with handshake_failure, not bad_record_mac).
source "$(dirname "$0")/lib.bash"
require_default_ccm8

WRONG=ffeeddccbbaa99887766554433221100
STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} ssock: '
port=$(free_port 4)
# two identities: the log names the one the client used (sock_secure_session_info().psk_identity)
"$SSOCK" server --listen "127.0.0.1:$port" --psk "other-dev:$WRONG" --psk "$ID:$KEY" --echo -v -v \
    --max-sessions 1 \
    >"$WORK/server.out" 2>"$WORK/server.err" </dev/null &
SPID=$!
PIDS+=($SPID)
wait_for "$WORK/server.err" "listening on" 5 || fail "server did not start: $(cat "$WORK/server.err")"

# a wrong key; a session, held open (the one slot); a client refused: the table is full
echo hi | "$SSOCK" client "127.0.0.1:$port" --psk "$ID:$WRONG" --handshake-timeout 3000 \
    >"$WORK/wrong.out" 2>"$WORK/wrong.err"
rc=$?
[ "$rc" -eq 2 ] || fail "wrong key: exit $rc, expected 2: $(cat "$WORK/wrong.err")"
mkfifo "$WORK/good.in"
"$SSOCK" client "127.0.0.1:$port" --psk "$ID:$KEY" --timeout 300 -v -v <"$WORK/good.in" \
    >"$WORK/good.out" 2>"$WORK/good.err" &
GPID=$!
PIDS+=($GPID)
exec 7>"$WORK/good.in"
echo "hello log" >&7
wait_for "$WORK/good.out" "hello log" 10 || fail "no echo: $(cat "$WORK/good.err")"
echo hi | "$SSOCK" client "127.0.0.1:$port" --psk "$ID:$KEY" --handshake-timeout 1500 \
    >"$WORK/full.out" 2>"$WORK/full.err"
rc=$?
[ "$rc" -eq 3 ] || fail "table full: exit $rc, expected 3: $(cat "$WORK/full.err")"
exec 7>&-
wait "$GPID" || fail "the held session failed: $(cat "$WORK/good.err")"
wait_for "$WORK/server.err" "peer closed the session" 5 || fail "no end of session: $(cat "$WORK/server.err")"
kill -TERM "$SPID"
wait "$SPID"; rc=$?
[ "$rc" -eq 0 ] || fail "server exit $rc after SIGTERM"

# 1. every line stamped
n=$(wc -l <"$WORK/server.err")
[ "$n" -ge 8 ] || fail "only $n log lines: $(cat "$WORK/server.err")"
bad=$(grep -Ev "$STAMP" "$WORK/server.err")
[ -z "$bad" ] || fail "lines without the time: $bad"
pass "all $n server log lines start with the local time, e.g. $(head -1 "$WORK/server.err" | cut -d' ' -f1)"

# 2. the session
peer=$(sed -n 's/.* ssock: \(127\.0\.0\.1:[0-9]*\): handshake done: .*/\1/p' "$WORK/server.err" | head -1)
[ -n "$peer" ] || fail "no 'handshake done' line: $(cat "$WORK/server.err")"
grep -Eq "$STAMP$peer: handshake done: TLS_PSK_WITH_AES_128_CCM_8, DTLSv1\.2, [0-9]+ ms, PSK identity \"$ID\"\$" \
    "$WORK/server.err" || fail "handshake line: $(grep 'handshake done' "$WORK/server.err")"
grep -Eq "$STAMP$peer: peer closed the session \(1 records in, 1 out\)" "$WORK/server.err" ||
    fail "no close line for $peer: $(cat "$WORK/server.err")"
pass "$(grep 'handshake done' "$WORK/server.err" | cut -d' ' -f2-)"

# 3. a wrong key, and a refusal
grep -Eq "${STAMP}127\.0\.0\.1:[0-9]+: handshake failed: .*\(wrong PSK\?\)" "$WORK/server.err" ||
    fail "no failed handshake: $(cat "$WORK/server.err")"
grep -Eq "${STAMP}127\.0\.0\.1:[0-9]+: refused: every session slot is busy" "$WORK/server.err" ||
    fail "no refusal: $(cat "$WORK/server.err")"
pass "$(grep 'handshake failed' "$WORK/server.err" | cut -d' ' -f2-)"
pass "$(grep 'refused:' "$WORK/server.err" | head -1 | cut -d' ' -f2-)"

# 4. the summary, and the debug lines of -v -v
grep -Eq "${STAMP}summary: up [0-9]+\.[0-9]{3} s; handshakes: 1 done, 1 failed; sessions: 1 closed by the peer, 0 failed, 0 open at exit" \
    "$WORK/server.err" || fail "summary: $(grep summary "$WORK/server.err")"
grep -Eq "${STAMP}summary: refused [1-9][0-9]* \([1-9][0-9]* table full" "$WORK/server.err" ||
    fail "summary of refusals: $(grep summary "$WORK/server.err")"
grep -Eq "${STAMP}summary: datagrams [0-9]+ in, [0-9]+ out; [0-9]+ HelloVerifyRequests" "$WORK/server.err" ||
    fail "summary of datagrams: $(grep summary "$WORK/server.err")"
# (the first such line: one cookie, or two when a second client's hello came before the log)
grep -Eq "${STAMP}debug: HelloVerifyRequest sent \(cookie\) \(\+([12]), \1 in all\)" "$WORK/server.err" ||
    fail "-v -v: no debug line for the cookie: $(cat "$WORK/server.err")"
grep -Eq "${STAMP}$peer: debug: its traffic: [0-9]+ datagrams in" "$WORK/server.err" ||
    fail "-v -v: no traffic line: $(cat "$WORK/server.err")"
grep -q "^ssock: debug: session: [0-9]* datagrams in" "$WORK/good.err" ||
    fail "client -v -v: no counters at the close: $(cat "$WORK/good.err")"
pass "$(grep 'summary: up' "$WORK/server.err" | cut -d' ' -f2-)"

# 5. certificates: the client's certificate verified
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null 2>&1 || fail "make-pki.sh failed"
cport=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$cport" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --ca "$PKI/ca.crt" --echo --once -v >"$WORK/cserver.out" 2>"$WORK/cserver.err" </dev/null &
CPID=$!
PIDS+=($CPID)
wait_for "$WORK/cserver.err" "listening on" 5 || fail "cert server did not start: $(cat "$WORK/cserver.err")"
echo "cert hello" | "$SSOCK" client "127.0.0.1:$cport" --ca "$PKI/ca.crt" --cert "$PKI/client.crt" \
    --key "$PKI/client.key" --timeout 300 -v >"$WORK/cclient.out" 2>"$WORK/cclient.err" ||
    fail "cert client failed: $(cat "$WORK/cclient.err")"
wait "$CPID" || fail "cert server: exit $?: $(cat "$WORK/cserver.err")"
# the subject as the backend formats it (mbedTLS "O=..., CN=...", GnuTLS "CN=...,O=...", wolfSSL
# "/O=.../CN=..."): the peer certificate's CN and O, quoted; a backend that keeps no peer
# certificate (no PEER_SUBJECT in --version: the device profile's mbedTLS) names none
HS="${STAMP}127\.0\.0\.1:[0-9]+: handshake done: TLS_ECDHE_ECDSA_WITH_[A-Z0-9_]+, DTLSv1\.2, [0-9]+ ms, certificate"
CO="^ssock: connected to 127\.0\.0\.1:$cport: TLS_ECDHE_ECDSA_WITH_[A-Z0-9_]+, DTLSv1\.2, [0-9]+ ms"
if "$SSOCK" --version | grep -E "^backend [a-z0-9]+ .*\(default\)" | grep -q PEER_SUBJECT; then
    subj() { printf ' "[^"]*(CN=%s[^"]*O=secure_sock tests|O=secure_sock tests[^"]*CN=%s)[^"]*"' "$1" "$1"; }
    HS="$HS$(subj client)"; CO="$CO, certificate$(subj 'server\.test')"
fi
grep -Eq "$HS; the client's certificate verified" "$WORK/cserver.err" ||
    fail "cert handshake line: $(cat "$WORK/cserver.err")"
pass "$(grep 'handshake done' "$WORK/cserver.err" | cut -d' ' -f2-)"
grep -Eq "$CO\$" "$WORK/cclient.err" || fail "client -v: the server's subject: $(cat "$WORK/cclient.err")"
pass "$(grep 'connected to' "$WORK/cclient.err")"

# 6. no key anywhere
for f in "$WORK"/*.err "$WORK"/*.out; do
    if grep -qiE "$KEY|$WRONG" "$f"; then
        fail "a key is in $f"
    fi
done
pass "no key in any output ($(ls "$WORK"/*.err "$WORK"/*.out | wc -l) files)"

# 7. openssl s_client's wrong key, on every backend: the server's hint names the PSK
command -v openssl >/dev/null || { echo "note: no openssl: case 7 not run"; exit 0; }
while read -r backend; do
    port=$(free_port 4)
    "$SSOCK" server --backend "$backend" --listen "127.0.0.1:$port" --psk "$ID:$KEY" -v \
        >"$WORK/b.out" 2>"$WORK/b.err" </dev/null &
    BPID=$!
    PIDS+=($BPID)
    wait_for "$WORK/b.err" "listening on" 5 || fail "$backend: server did not start: $(cat "$WORK/b.err")"
    echo hi | timeout 20 openssl s_client -dtls1_2 -connect "127.0.0.1:$port" -psk_identity "$ID" \
        -psk "$WRONG" -cipher PSK-AES128-CCM8 -quiet >"$WORK/bw.out" 2>"$WORK/bw.err" &&
        fail "$backend: s_client with a wrong key succeeded"
    wait_for "$WORK/b.err" "handshake failed" 5 || fail "$backend: no failed handshake logged"
    grep "handshake failed" "$WORK/b.err" | grep -q "PSK" ||
        fail "$backend: the server's line names no PSK: $(grep 'handshake failed' "$WORK/b.err")"
    kill "$BPID"
    wait "$BPID"
    pass "$backend: a wrong key: $(grep 'handshake failed' "$WORK/b.err" | sed 's/.*ssock: //')"
done < <("$SSOCK" --version | awk '/^backend /{print $2}')
exit 0
