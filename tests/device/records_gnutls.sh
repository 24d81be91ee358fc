#!/usr/bin/env bash
# The device profile against GnuTLS peers (gnutls-cli, gnutls-serv from gnutls-bin) that send
# records larger than its own (docs/DEVICE.md, "Records larger than the profile"):
#   1. TLS: gnutls-cli sends 1,400 bytes in one record to ssock server --tls: alert
#      record_overflow (gnutls-cli: "Received alert [22]"), reported by the server
#   2. TLS: gnutls-cli --recordsize 1024 (it then offers max_fragment_length): records of at most
#      1,024 bytes, delivered and echoed, no alert
#   3. DTLS: gnutls-cli --udp --mtu 1500 sends a 1,400-byte record: dropped, the session goes on
#   4. DTLS and TLS: ssock client <-> gnutls-serv --echo, records of the profile's full size
source "$(dirname "$0")/records.bash"
command -v gnutls-cli >/dev/null && command -v gnutls-serv >/dev/null ||
    { echo "SKIPPED: gnutls-cli/gnutls-serv not installed (Debian package gnutls-bin)"; exit 77; }
PRIO="NORMAL:-KX-ALL:+PSK:-CIPHER-ALL:+AES-128-CCM-8:-VERS-ALL:+VERS-TLS1.2:+VERS-DTLS1.2"
G_PSK=(--pskusername "$ID" --pskkey "$KEY" --priority "$PRIO")

# 1. TLS, no record size limit: record_overflow
PORT=$(free_tcp_port)
start_ssock_server tls1 --tls
(cat "$WORK/big"; sleep 1) | timeout 10 gnutls-cli "${G_PSK[@]}" -p "$PORT" 127.0.0.1 \
    >"$WORK/g1.out" 2>"$WORK/g1.err"
grep -q "Received alert \[22\]" "$WORK/g1.out" "$WORK/g1.err" || fail "TLS: gnutls-cli got no record_overflow alert"
wait_for "$WORK/tls1.err" "sent alert record_overflow" 5 || fail "TLS: ssock server did not report record_overflow"
[ "$(count_a "$WORK/tls1.out")" -eq 0 ] || fail "TLS: part of the oversized record was delivered"
pass "TLS: gnutls-cli's $BIG-byte record ends the session with record_overflow"

# 2. TLS, --recordsize: gnutls-cli sends at most that much per record (one record per read)
(cat "$WORK/big"; sleep 1) | timeout 10 gnutls-cli "${G_PSK[@]}" --recordsize "$MFL" -p "$PORT" 127.0.0.1 \
    >"$WORK/g2.out" 2>"$WORK/g2.err"
wait_for "$WORK/tls1.err" ": $MFL bytes" 5 || fail "TLS --recordsize: no $MFL-byte record arrived"
[ "$(count_a "$WORK/tls1.out")" -ge "$MFL" ] || fail "TLS --recordsize: the bytes were not delivered"
[ "$(count_a "$WORK/g2.out")" -ge "$MFL" ] || fail "TLS --recordsize: the bytes were not echoed"
[ "$(grep -c "record_overflow" "$WORK/tls1.err")" -eq 1 ] || fail "TLS --recordsize: record_overflow again"
pass "TLS: gnutls-cli --recordsize $MFL: records of $MFL bytes delivered and echoed"

# 3. DTLS: the oversized record is dropped, the session goes on
PORT=$(free_port 4)
start_ssock_server dtls1
(sleep 0.5; cat "$WORK/big"; sleep 0.5; echo small-after; sleep 1) |
    timeout 10 gnutls-cli --udp --mtu 1500 "${G_PSK[@]}" -p "$PORT" 127.0.0.1 >"$WORK/g3.out" 2>"$WORK/g3.err"
grep -q "too large" "$WORK/g3.err" && fail "DTLS: gnutls-cli did not send the $BIG-byte record (MTU)"
grep -q "small-after" "$WORK/dtls1.out" || fail "DTLS: the record after the oversized one was not delivered"
grep -q "small-after" "$WORK/g3.out" || fail "DTLS: the record after the oversized one was not echoed"
[ "$(count_a "$WORK/dtls1.out")" -eq 0 ] || fail "DTLS: the oversized record was delivered"
grep -q "session failed\|record_overflow" "$WORK/dtls1.err" && fail "DTLS: the session failed"
pass "DTLS: gnutls-cli's $BIG-byte record is dropped, the session goes on"

# 4. ssock client (asks for max_fragment_length) <-> gnutls-serv --echo: a record of RL bytes
printf '%s:%s\n' "$ID" "$KEY" >"$WORK/psk.txt"
line=$(head -c $((RL - 1)) /dev/zero | tr '\0' B)
for mode in udp tls; do
    PORT=$([ $mode = udp ] && free_port 4 || free_tcp_port)
    gopt=(); copt=(); [ $mode = udp ] && gopt=(--udp) || copt=(--tls)
    gnutls-serv --echo "${gopt[@]}" -p "$PORT" --pskpasswd "$WORK/psk.txt" --priority "$PRIO" \
        >"$WORK/gs-$mode.out" 2>&1 &
    PIDS+=($!)
    if [ $mode = tls ]; then wait_port "$PORT" || fail "gnutls-serv did not start"; else sleep 0.5; fi
    (echo "$line"; sleep 1) | timeout 10 "$SSOCK" client "${copt[@]}" "127.0.0.1:$PORT" --psk "$ID:$KEY" \
        >"$WORK/gc-$mode.out" 2>"$WORK/gc-$mode.err" || fail "$mode: ssock client exit $? ($(cat "$WORK/gc-$mode.err"))"
    [ "$(tr -cd B <"$WORK/gc-$mode.out" | wc -c)" -eq $((RL - 1)) ] || fail "$mode: the echo differs"
    pass "$mode: ssock client <-> gnutls-serv --echo, a record of $RL bytes each way"
done
exit 0
