#!/usr/bin/env bash
# Raw public keys (RFC 7250, RFC 7252 §9.1.3.2) against libcoap's GnuTLS tools (package
# libcoap3-bin), both directions, CoAP over DTLS with ssock's gnutls backend:
#   1. coap-client-gnutls -M CLIENT.key (its raw key) GET coaps://.../hello-rpk -> ssock server
#      --rpk --peer-key CLIENT.pub: the CoAP request arrives intact (its Uri-Path); a client key
#      that is not pinned is refused with the reason named
#   2. ssock client --rpk --peer-key SERVER.pub, a CoAP GET / (4 bytes) as its record ->
#      coap-server-gnutls -M SERVER.key: the 2.05 Content answer with libcoap's greeting; a server
#      key that is not pinned: exit 2 with the reason
# libcoap's tools check no raw key themselves; ssock does. Skipped (77) without the libcoap tools
# or ssock's gnutls backend.
source "$(dirname "$0")/lib.bash"

command -v coap-client-gnutls >/dev/null && command -v coap-server-gnutls >/dev/null ||
    { echo "SKIPPED: libcoap3-bin (coap-client-gnutls, coap-server-gnutls) not installed"; exit 77; }
"$SSOCK" --version | grep -q '^backend gnutls ' || { echo "SKIPPED: no gnutls backend built in"; exit 77; }
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"

# --- 1. coap-client-gnutls -> ssock server ------------------------------------------------------
port=$(free_port 4)
"$SSOCK" server --rpk --key "$PKI/server.key" --peer-key "$PKI/client.pub" \
    --listen "127.0.0.1:$port" -v >"$WORK/server.out" 2>"$WORK/server.err" &
spid=$!
PIDS+=($spid)
wait_for "$WORK/server.err" "listening on" 5 || fail "ssock server did not start"
# no answer comes (ssock is no CoAP server): -B bounds the wait
timeout 20 coap-client-gnutls -M "$PKI/client.key" -B 2 -m get "coaps://127.0.0.1:$port/hello-rpk" \
    >"$WORK/coap_client.out" 2>&1
wait_for "$WORK/server.out" "hello-rpk" 5 || fail "the CoAP request did not arrive: $(cat "$WORK/server.out")"
grep -q "handshake done: TLS_ECDHE_ECDSA" "$WORK/server.err" || fail "server: $(cat "$WORK/server.err")"
# the request as sent: CoAP version 1 (0x4x or 0x5x: CON/NON), GET (0x01), Uri-Path "hello-rpk"
head -c 64 "$WORK/server.out" | od -An -tx1 | tr -d ' \n' | grep -q "20[45][0-9a-f]01" ||
    fail "not a CoAP GET: $(od -c "$WORK/server.out" | head -3)"
pass "coap-client-gnutls -M (raw public key) -> ssock server --rpk --peer-key: the GET arrives"

timeout 20 coap-client-gnutls -M "$PKI/mismatch.key" -B 2 -m get "coaps://127.0.0.1:$port/nope" \
    >"$WORK/coap_client2.out" 2>&1
wait_for "$WORK/server.err" "public key not in the trust list" 5 ||
    fail "unpinned client key: server did not name the reason: $(cat "$WORK/server.err")"
grep -q "/nope\|nope" "$WORK/server.out" && fail "a request of an unpinned client arrived"
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
pass "coap-client-gnutls with an unpinned key refused: $(grep "trust list" "$WORK/server.err" | head -1)"

# --- 2. ssock client -> coap-server-gnutls ------------------------------------------------------
port=$(free_port 4)
coap_port=$((port + 1))               # coap-server: -p for coap://, +1 for coaps://
coap-server-gnutls -A 127.0.0.1 -p "$port" -M "$PKI/server.key" >"$WORK/coap_server.out" 2>&1 &
cspid=$!
PIDS+=($cspid)
sleep 0.5
# CON GET / with message id 0x1234 and no token: 40 01 12 34 (no newline byte in it)
printf '\x40\x01\x12\x34\n' | "$SSOCK" client --rpk --key "$PKI/client.key" \
    --peer-key "$PKI/server.pub" "127.0.0.1:$coap_port" --timeout 1500 -v \
    >"$WORK/client.out" 2>"$WORK/client.err"
rc=$?
[ "$rc" -eq 0 ] || fail "ssock client exit $rc: $(cat "$WORK/client.err")"
grep -q "connected to 127.0.0.1:$coap_port: TLS_ECDHE_ECDSA" "$WORK/client.err" || fail "$(cat "$WORK/client.err")"
# ACK (0x60) 2.05 Content (0x45), our message id 0x1234, then libcoap's greeting
[ "$(head -c 4 "$WORK/client.out" | od -An -tx1 | tr -d ' \n')" = "60451234" ] ||
    fail "not the 2.05 ACK: $(od -c "$WORK/client.out" | head -3)"
grep -q "libcoap" "$WORK/client.out" || fail "no greeting: $(od -c "$WORK/client.out" | head -5)"
pass "ssock client --rpk -> coap-server-gnutls -M: 2.05 Content for GET /"

printf '\x40\x01\x12\x35\n' | "$SSOCK" client --rpk --key "$PKI/client.key" \
    --peer-key "$PKI/mismatch.pub" "127.0.0.1:$coap_port" --handshake-timeout 5000 \
    >"$WORK/client2.out" 2>"$WORK/client2.err"
rc=$?
[ "$rc" -eq 2 ] || fail "unpinned server key: exit $rc, expected 2 ($(cat "$WORK/client2.err"))"
grep -q "public key not in the trust list" "$WORK/client2.err" || fail "$(cat "$WORK/client2.err")"
pass "unpinned coap-server key refused, exit 2: $(cat "$WORK/client2.err")"
exit 0
