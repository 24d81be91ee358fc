#!/usr/bin/env bash
# The device profile against OpenSSL peers whose certificate chain is longer than the profile's
# input buffer (docs/DEVICE.md, "Handshake messages must fit a record too"). mbedTLS reassembles
# a DTLS handshake message of at most SS_DEVICE_RECORD_LEN - 12 bytes; a Certificate message is
# 3 bytes plus 3 + DER for each certificate. Each OpenSSL peer here sends its own certificate, the
# intermediate CA's and the root's (tests/pki/make-pki.sh: int-ca.crt, ca.crt), about 1,500 bytes:
#   1. ssock client --ca (DTLS) against openssl s_server -cert_chain (int-ca, ca)
#   2. openssl s_client -cert_chain (int-ca, ca) against ssock server --ca (client certificate
#      required)
# Longer than the profile takes (the default 1,024): the handshake fails at once on our side,
# which says "sent alert record_overflow", and OpenSSL reports the alert; never a silent wait
# until the handshake times out (the handshake timeouts below are far beyond the test's wait).
# Short enough (SS_DEVICE_RECORD_LEN=2048): the bytes get through.
source "$(dirname "$0")/profile.bash"
"$SSOCK" --version | grep -q "^backend mbedtls .*X509" ||
    { echo "SKIPPED: this build of the profile has no certificates (SS_DEVICE_ECDHE=0)"; exit 77; }
PKI=$WORK/pki
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
CIPHER=ECDHE-ECDSA-AES128-CCM8
LIMIT=$((RL - 12)) # the longest handshake message the profile reassembles
der_len() { openssl x509 -in "$1" -outform der | wc -c; }
cat "$PKI/int-ca.crt" "$PKI/ca.crt" >"$WORK/cas.pem" # what each peer sends after its own
CAS=$((3 + $(der_len "$PKI/int-ca.crt") + 3 + $(der_len "$PKI/ca.crt")))

# 1. our client, s_server's chain: chain-server.crt's first certificate (issued by int-ca), int-ca,
# the root
MSG=$((3 + 3 + $(der_len "$PKI/chain-server.crt") + CAS))
PORT=$(free_port 4)
rm -f "$WORK/s.in"; mkfifo "$WORK/s.in"
openssl s_server -dtls1_2 -4 -accept "$PORT" -cert "$PKI/chain-server.crt" \
    -key "$PKI/chain-server.key" -cert_chain "$WORK/cas.pem" -cipher "$CIPHER" -groups P-256 \
    <"$WORK/s.in" >"$WORK/s1.out" 2>&1 &
PIDS+=($!)
exec 7>"$WORK/s.in"
wait_for "$WORK/s1.out" ACCEPT 5 || fail "s_server did not start"
echo "chain fits" | timeout 60 "$SSOCK" client "127.0.0.1:$PORT" --ca "$PKI/ca.crt" \
    --servername server.test --ciphers "$CIPHER" --timeout 300 --handshake-timeout 50000 \
    >"$WORK/c1.out" 2>"$WORK/c1.err"
rc=$?
if [ "$MSG" -gt "$LIMIT" ]; then
    [ "$rc" -eq 2 ] || fail "client, $MSG-byte Certificate: exit $rc, expected 2 (handshake failed)"
    grep -q "handshake failed with 127.0.0.1:$PORT: sent alert record_overflow" "$WORK/c1.err" ||
        fail "client, $MSG-byte Certificate: unclear error: $(cat "$WORK/c1.err")"
    wait_for "$WORK/s1.out" "alert record overflow" 5 || fail "client: s_server got no record_overflow"
    pass "DTLS client: s_server's $MSG-byte Certificate (> $LIMIT) ends the handshake at once: $(cat "$WORK/c1.err")"
else
    [ "$rc" -eq 0 ] || fail "client, $MSG-byte Certificate: exit $rc: $(cat "$WORK/c1.err")"
    wait_for "$WORK/s1.out" "chain fits" 5 || fail "client: s_server did not get the record"
    pass "DTLS client: s_server's $MSG-byte Certificate (<= $LIMIT) is taken"
fi
exec 7>&-

# 2. our server (client certificate required), s_client's chain: client.crt (issued by the root),
# then int-ca (not needed) and the root
MSG=$((3 + 3 + $(der_len "$PKI/client.crt") + CAS))
PORT=$(free_port 4)
"$SSOCK" server --listen "127.0.0.1:$PORT" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --ca "$PKI/ca.crt" --ciphers "$CIPHER" --echo -v --handshake-deadline 50000 \
    --handshake-stall 50000 >"$WORK/srv.out" 2>"$WORK/srv.err" &
PIDS+=($!)
wait_for "$WORK/srv.err" "listening on" 5 || fail "ssock server did not start"
(echo "chain fits"; sleep 2) | timeout 30 openssl s_client -dtls1_2 -4 -connect "127.0.0.1:$PORT" \
    -cert "$PKI/client.crt" -key "$PKI/client.key" -cert_chain "$WORK/cas.pem" \
    -CAfile "$PKI/ca.crt" -verify_return_error -cipher "$CIPHER" -groups P-256 \
    -servername server.test -quiet -no_ign_eof >"$WORK/c2.out" 2>"$WORK/c2.err"
rc=$?
if [ "$MSG" -gt "$LIMIT" ]; then
    [ "$rc" -ne 0 ] || fail "server, $MSG-byte Certificate: s_client succeeded"
    [ "$rc" -ne 124 ] || fail "server, $MSG-byte Certificate: s_client still waiting after 30 s"
    grep -q "alert record overflow" "$WORK/c2.err" ||
        fail "server, $MSG-byte Certificate: s_client got no record_overflow: $(cat "$WORK/c2.err")"
    wait_for "$WORK/srv.err" "sent alert record_overflow" 5 ||
        fail "server, $MSG-byte Certificate: ssock server did not say why"
    pass "DTLS server: s_client's $MSG-byte Certificate (> $LIMIT) ends the handshake at once: $(grep -m1 record_overflow "$WORK/srv.err")"
else
    grep -q "chain fits" "$WORK/c2.out" || fail "server, $MSG-byte Certificate: no echo: $(cat "$WORK/c2.err")"
    pass "DTLS server: s_client's $MSG-byte Certificate (<= $LIMIT) is taken"
fi
exit 0
