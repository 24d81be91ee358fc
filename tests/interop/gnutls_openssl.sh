#!/usr/bin/env bash
# The GnuTLS backend (ssock --backend gnutls) against OpenSSL, the exact bytes both ways:
#   1. DTLS PSK, PSK-AES128-CCM8 (RFC 7252's suite)
#      ssock client -> openssl s_server -dtls1_2;  openssl s_client -dtls1_2 -> ssock server --echo
#   2. DTLS certificates, ECDHE-ECDSA-AES128-CCM8 on P-256, mutual authentication, both directions
#   3. TLS 1.2 over TCP, PSK (PSK-AES128-GCM-SHA256): ssock client --tls -> openssl s_server -tls1_2
#   4. a wrong PSK: s_server refuses the client's Finished, ssock exits 2
# Skipped (77) if `ssock --version` does not list the gnutls backend.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/openssl_peer.bash"

"$SSOCK" --version | grep -q '^backend gnutls ' || { echo "SKIPPED: no gnutls backend built in"; exit 77; }
B=(--backend gnutls)
PSK_SUITE=PSK-AES128-CCM8
CERT_SUITE=ECDHE-ECDSA-AES128-CCM8
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
REC1='first record via GnuTLS'
REC2=$'second: \xc3\xa9 \x01 bytes'

# --- 1. DTLS PSK ----------------------------------------------------------------------------------
client_to_s_server dtls "DTLS PSK" TLS_PSK_WITH_AES_128_CCM_8 \
    "-nocert -psk $KEY -psk_identity $ID -cipher $PSK_SUITE" --psk "$ID:$KEY"
s_client_to_server "DTLS PSK" --psk "$ID:$KEY" -- -psk "$KEY" -psk_identity "$ID" -cipher "$PSK_SUITE"

# --- 2. DTLS certificates, mutual ---------------------------------------------------------------
client_to_s_server dtls "DTLS certificates" TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 \
    "-cert $PKI/server.crt -key $PKI/server.key -CAfile $PKI/ca.crt -Verify 2 -verify_return_error -cipher $CERT_SUITE -groups P-256" \
    --ca "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key" --servername server.test \
    --ciphers "$CERT_SUITE"
grep -q "client.test" "$WORK/s_server.out" || fail "DTLS certificates: s_server did not see our client certificate"
s_client_to_server "DTLS certificates" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --ca "$PKI/ca.crt" -- -cert "$PKI/client.crt" -key "$PKI/client.key" -CAfile "$PKI/ca.crt" \
    -verify_return_error -cipher "$CERT_SUITE" -groups P-256 -servername server.test

# --- 3. TLS 1.2 over TCP, PSK ---------------------------------------------------------------------
client_to_s_server tls "TLS PSK" TLS_PSK_WITH_AES_128_GCM_SHA256 \
    "-nocert -psk $KEY -psk_identity $ID -cipher PSK-AES128-GCM-SHA256" --psk "$ID:$KEY" \
    --ciphers PSK-AES128-GCM-SHA256

# --- 4. a wrong PSK -------------------------------------------------------------------------------
port=$(free_port 4)
rm -f "$WORK/w.in"; mkfifo "$WORK/w.in"
openssl s_server -dtls1_2 -4 -accept "$port" -nocert -psk "$KEY" -psk_identity "$ID" \
    -cipher "$PSK_SUITE" <"$WORK/w.in" >"$WORK/wrong_s_server.out" 2>&1 &
PIDS+=($!)
exec 7>"$WORK/w.in"
wait_for "$WORK/wrong_s_server.out" ACCEPT 5 || fail "wrong PSK: s_server did not start"
echo hi | "$SSOCK" client "${B[@]}" "127.0.0.1:$port" --psk "$ID:ffeeddccbbaa99887766554433221100" \
    --handshake-timeout 5000 >"$WORK/wrong.out" 2>"$WORK/wrong.err"
rc=$?
exec 7>&-
[ "$rc" -eq 2 ] || fail "wrong PSK: exit $rc, expected 2 ($(cat "$WORK/wrong.err"))"
grep -q "handshake failed with 127.0.0.1:$port" "$WORK/wrong.err" || fail "wrong PSK: unclear error: $(cat "$WORK/wrong.err")"
pass "wrong PSK refused: $(cat "$WORK/wrong.err")"
exit 0
