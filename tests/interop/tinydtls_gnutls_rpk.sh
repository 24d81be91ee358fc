#!/usr/bin/env bash
# Raw public keys (RFC 7250) with GnuTLS, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 on P-256, DTLS 1.2,
# the tinyDTLS driver on our side (the only one with RPK):
#   gnutls-cli (its own raw key) -> ssock server --key (raw key) --peer-key (the client's, pinned):
#     mutual; then a client whose key is not pinned is refused
#   ssock client --peer-key (the server's) -> gnutls-serv --disable-client-cert
#   ssock client --peer-key --key -> gnutls-serv (it asks for the client's key): mutual
#   ssock client pinning another key -> refused (exit 2: the server's key is not the pinned one)
# Skipped (77) without the tinydtls backend or gnutls-bin. The keys are made by
# tests/pki/make-pki.sh in the temp directory.
source "$(dirname "$0")/lib.bash"
"$SSOCK" --version | grep -q '^backend tinydtls .* RPK' ||
    { echo "SKIPPED: no tinydtls backend with raw public keys in this build"; exit 77; }
command -v gnutls-cli >/dev/null && command -v gnutls-serv >/dev/null ||
    { echo "SKIPPED: gnutls-bin (gnutls-cli, gnutls-serv) not installed"; exit 77; }
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null || fail "make-pki.sh failed"
PRIO='NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-CCM-8:-KX-ALL:+ECDHE-ECDSA:-CTYPE-ALL:+CTYPE-SRV-RAWPK:+CTYPE-CLI-RAWPK'
SUITE='(DTLS1.2-Raw Public Key)-(ECDHE-SECP256R1)-(ECDSA-SHA256)-(AES-128-CCM-8)'

# --- 1. gnutls-cli -> ssock server, mutual ------------------------------------------------------
serve() { # $1 port, $2 pinned client key
    "$SSOCK" server --backend tinydtls --rpk --listen "127.0.0.1:$1" --key "$PKI/server.key" \
        --peer-key "$2" --echo --once >"$WORK/server.out" 2>"$WORK/server.err" &
    SPID=$!
    PIDS+=($SPID)
    sleep 0.3
}
gcli() { # $1 port, $2 tag: gnutls-cli with the client's raw key, one line, then EOF
    (printf 'raw key record \xc3\xa9\n'; sleep 1.5) | timeout 10 gnutls-cli -u -p "$1" 127.0.0.1 \
        --priority "$PRIO" --rawpkkeyfile "$PKI/client.p8.key" --rawpkfile "$PKI/client.pub" \
        --insecure >"$WORK/$2.out" 2>&1
}
port=$(free_port 4)
serve "$port" "$PKI/client.pub"
gcli "$port" gcli
wait_for "$WORK/server.out" "raw key record" 5 || fail "ssock server did not get gnutls-cli's record"
grep -qF "$SUITE" "$WORK/gcli.out" || fail "gnutls-cli: not a raw-public-key handshake with CCM-8"
grep -aq $'raw key record \xc3\xa9' "$WORK/gcli.out" || fail "gnutls-cli did not get the echo"
wait "$SPID"; rc=$?
[ "$rc" -eq 0 ] || fail "ssock server exit $rc"
pass "gnutls-cli (raw key) -> ssock server --backend tinydtls --key --peer-key: $SUITE, echoed"

port=$(free_port 4)
serve "$port" "$PKI/server.pub" # pins another key than the client's
gcli "$port" refused
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
grep -q "Handshake was completed" "$WORK/refused.out" && fail "a client with an unpinned key got in"
[ -s "$WORK/server.out" ] && fail "the server printed a record of an unpinned client"
pass "gnutls-cli with a key the server did not pin: refused"

# --- 2. ssock client -> gnutls-serv ------------------------------------------------------------
gserv() { # $1 port, extra options...
    local p=$1; shift
    gnutls-serv -u -p "$p" --echo --priority "$PRIO" --rawpkkeyfile "$PKI/server.p8.key" \
        --rawpkfile "$PKI/server.pub" "$@" >"$WORK/gserv.out" 2>&1 &
    GPID=$!
    PIDS+=($GPID)
    wait_for "$WORK/gserv.out" "listening on IPv4" 5 || fail "gnutls-serv did not start"
}
port=$(free_port 4)
gserv "$port" --disable-client-cert
printf 'to gnutls-serv\n' | "$SSOCK" client --backend tinydtls --rpk "127.0.0.1:$port" \
    --peer-key "$PKI/server.pub" --timeout 1500 >"$WORK/c1.out" 2>"$WORK/c1.err" ||
    fail "ssock client -> gnutls-serv: exit $?"
[ "$(cat "$WORK/c1.out")" = "to gnutls-serv" ] || fail "client printed: $(cat "$WORK/c1.out")"
kill "$GPID"; wait "$GPID" 2>/dev/null
pass "ssock client --backend tinydtls --peer-key -> gnutls-serv (raw key): echoed"

port=$(free_port 4)
gserv "$port"
printf 'mutual\n' | "$SSOCK" client --backend tinydtls --rpk "127.0.0.1:$port" \
    --peer-key "$PKI/server.pub" --key "$PKI/client.key" --timeout 1500 \
    >"$WORK/c2.out" 2>"$WORK/c2.err" || fail "mutual: exit $?"
[ "$(cat "$WORK/c2.out")" = "mutual" ] || fail "mutual: client printed: $(cat "$WORK/c2.out")"
pass "ssock client --peer-key --key -> gnutls-serv asking for the client's key: mutual, echoed"

# the server's key is not the one pinned: refused with the reason
echo hi | "$SSOCK" client --backend tinydtls --rpk "127.0.0.1:$port" --peer-key "$PKI/client.pub" \
    --key "$PKI/client.key" >"$WORK/c3.out" 2>"$WORK/c3.err"
rc=$?
[ "$rc" -eq 2 ] || fail "unpinned server key: exit $rc, expected 2"
grep -q "handshake failed" "$WORK/c3.err" || fail "unpinned server key: no clear error"
pass "a server key that is not pinned: $(cat "$WORK/c3.err")"
kill "$GPID"; wait "$GPID" 2>/dev/null
exit 0
