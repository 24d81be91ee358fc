#!/usr/bin/env bash
# The wolfSSL backend (ssock --backend wolfssl) against OpenSSL, the exact bytes both ways:
#   1. DTLS PSK (PSK-CHACHA20-POLY1305: wolfSSL 5.5.4's one PSK suite in Debian's build)
#      ssock client -> openssl s_server -dtls1_2;  openssl s_client -dtls1_2 -> ssock server --echo
#   2. DTLS certificates, ECDHE-ECDSA-AES128-CCM8 on P-256, mutual authentication, both directions
#   3. TLS 1.2 over TCP, PSK: ssock client --tls -> openssl s_server -tls1_2
# Skipped (77) if `ssock --version` does not list the wolfssl backend.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/openssl_peer.bash"

"$SSOCK" --version | grep -q '^backend wolfssl ' || { echo "SKIPPED: no wolfssl backend built in"; exit 77; }
B=(--backend wolfssl)
PSK_SUITE=PSK-CHACHA20-POLY1305
CERT_SUITE=ECDHE-ECDSA-AES128-CCM8
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
REC1='first record via wolfSSL'
REC2=$'second: \xc3\xa9 \x01 bytes'

# --- 1. DTLS PSK ----------------------------------------------------------------------------------
client_to_s_server dtls "DTLS PSK" TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 \
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
client_to_s_server tls "TLS PSK" TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 \
    "-nocert -psk $KEY -psk_identity $ID -cipher $PSK_SUITE" --psk "$ID:$KEY"
exit 0
