#!/usr/bin/env bash
# The device profile against OpenSSL peers that send records larger than its own (1,400 bytes
# against 1,024 by default; docs/DEVICE.md, "Records larger than the profile"):
#   1. TLS: s_client sends 1,400 bytes in one record to ssock server --tls: the server ends the
#      session with a record_overflow alert (s_client reports alert 22), and says so
#   2. TLS: the same with s_client -maxfraglen 1024: records of at most 1,024 bytes, all delivered
#      and echoed back
#   3. DTLS: s_client sends a 1,400-byte record: the server drops it (it does not fit mbedTLS's
#      input buffer), the session goes on, the next record is delivered and echoed
#   4. TLS: ssock client (which asks for max_fragment_length 1024) gets 1,400 bytes from
#      s_server: s_server saw the extension and split them; all 1,400 arrive
source "$(dirname "$0")/records.bash"
S_PSK=(-psk "$KEY" -psk_identity "$ID" -cipher PSK-AES128-CCM8)

# 1. TLS, no max_fragment_length: record_overflow
PORT=$(free_tcp_port)
start_ssock_server tls1 --tls
(cat "$WORK/big"; sleep 1) | timeout 10 openssl s_client -tls1_2 -connect "127.0.0.1:$PORT" "${S_PSK[@]}" \
    -quiet >"$WORK/c1.out" 2>"$WORK/c1.err"
grep -q "alert record overflow" "$WORK/c1.err" || fail "TLS: s_client got no record_overflow alert"
wait_for "$WORK/tls1.err" "sent alert record_overflow" 5 || fail "TLS: ssock server did not report record_overflow"
[ "$(count_a "$WORK/tls1.out")" -eq 0 ] || fail "TLS: part of the oversized record was delivered"
pass "TLS: a $BIG-byte record without max_fragment_length ends the session with record_overflow"

# 2. TLS with -maxfraglen: delivered in records of at most MFL bytes, echoed back whole
# (-quiet implies -ign_eof: s_client stays until timeout ends it)
(cat "$WORK/big"; sleep 1) | timeout 3 openssl s_client -tls1_2 -connect "127.0.0.1:$PORT" "${S_PSK[@]}" \
    -maxfraglen "$MFL" -quiet >"$WORK/c2.out" 2>"$WORK/c2.err"
[ "$(count_a "$WORK/c2.out")" -eq "$BIG" ] || fail "TLS -maxfraglen: $(count_a "$WORK/c2.out") of $BIG bytes echoed"
wait_for "$WORK/tls1.err" ": $MFL bytes" 5 || fail "TLS -maxfraglen: the server did not get a $MFL-byte record"
wait_for "$WORK/tls1.err" ": $((BIG - MFL)) bytes" 5 || fail "TLS -maxfraglen: the server did not get the rest"
[ "$(grep -c "record_overflow" "$WORK/tls1.err")" -eq 1 ] || fail "TLS -maxfraglen: record_overflow again"
pass "TLS: with max_fragment_length $MFL the $BIG bytes arrive in records of $MFL + $((BIG - MFL)) and echo back"

# 3. DTLS: the oversized record is dropped, the session goes on
PORT=$(free_port 4)
start_ssock_server dtls1
(sleep 0.5; cat "$WORK/big"; sleep 0.5; echo small-after; sleep 1) |
    timeout 4 openssl s_client -dtls1_2 -connect "127.0.0.1:$PORT" "${S_PSK[@]}" -quiet \
        >"$WORK/c3.out" 2>"$WORK/c3.err"
grep -q "small-after" "$WORK/dtls1.out" || fail "DTLS: the record after the oversized one was not delivered"
grep -q "small-after" "$WORK/c3.out" || fail "DTLS: the record after the oversized one was not echoed"
[ "$(count_a "$WORK/dtls1.out")" -eq 0 ] || fail "DTLS: the oversized record was delivered"
grep -q "session failed\|record_overflow" "$WORK/dtls1.err" && fail "DTLS: the session failed"
pass "DTLS: a $BIG-byte record is dropped, the session goes on (the next record is echoed)"

# 4. ssock client --tls asks for max_fragment_length: s_server splits its 1,400 bytes
PORT=$(free_tcp_port)
rm -f "$WORK/s.in"; mkfifo "$WORK/s.in"
openssl s_server -tls1_2 -accept "$PORT" -nocert "${S_PSK[@]}" -tlsextdebug \
    <"$WORK/s.in" >"$WORK/s4.out" 2>&1 &
PIDS+=($!)
exec 7>"$WORK/s.in"
wait_for "$WORK/s4.out" ACCEPT 5 || fail "s_server did not start"
rm -f "$WORK/c.in"; mkfifo "$WORK/c.in"
"$SSOCK" client --tls "127.0.0.1:$PORT" --psk "$ID:$KEY" <"$WORK/c.in" >"$WORK/c4.out" 2>"$WORK/c4.err" &
cpid=$!
PIDS+=($cpid)
exec 8>"$WORK/c.in"
printf hello >&8
wait_for "$WORK/s4.out" hello 10 || fail "client: s_server did not get our bytes"
cat "$WORK/big" >&7
for _ in $(seq 50); do [ "$(count_a "$WORK/c4.out")" -ge "$BIG" ] && break; sleep 0.1; done
exec 8>&-
wait "$cpid" || fail "client: ssock client exit $?"
exec 7>&-
grep -q "max fragment length" "$WORK/s4.out" || fail "client: no max_fragment_length extension in the ClientHello"
[ "$(count_a "$WORK/c4.out")" -eq "$BIG" ] || fail "client: $(count_a "$WORK/c4.out") of $BIG bytes received"
pass "TLS client: max_fragment_length asked, s_server's $BIG bytes arrive whole"
exit 0
