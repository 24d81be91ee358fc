#!/usr/bin/env bash
# `ssock client --psk-for-hint HINT=ID:KEY` (repeated) picks its PSK by the server's identity hint
# (RFC 4279), on every backend with PSK_FOR_HINT in `ssock --version`:
#   1. -> openssl s_server -psk_hint (DTLS; TLS too where the backend does TLS): the server knows
#      only the key of its hint, the client holds three (--psk and two --psk-for-hint); the exact
#      bytes go both ways, and -v names the hint and the identity offered;
#   2. -> openssl s_server without a hint: the --psk is offered (the documented fallback); without
#      a --psk the handshake fails with the reason (exit 2);
#   3. -> gnutls-serv --pskhint (DTLS; gnutls-serv PSK files give identity:hexkey);
#   4. a backend without the capability (mbedTLS 2.28) is refused before anything is sent (exit 1).
# Skipped (77) if no backend is built in.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/openssl_peer.bash"

version=$("$SSOCK" --version)
KEY_B=b0b1b2b3b4b5b6b7b8b9babbbcbdbebf
KEY_C=c0c1c2c3c4c5c6c7c8c9cacbcccdcecf
REC1='first record, PSK by hint'
REC2=$'second: \xc3\xa9 \x01 bytes'
ran=0

# 4. no capability: refused at once, with the reason
while read -r name; do
    "$SSOCK" client --backend "$name" 127.0.0.1:9 --psk-for-hint "hint-b=dev-b:$KEY_B" \
        </dev/null >"$WORK/refused.out" 2>"$WORK/refused.err"
    rc=$?
    [ "$rc" -eq 1 ] || fail "$name: --psk-for-hint: exit $rc, expected 1"
    grep -q "backend $name has no client PSK choice by the server's hint" "$WORK/refused.err" ||
        fail "$name: unclear refusal: $(cat "$WORK/refused.err")"
    pass "$name: $(cat "$WORK/refused.err")"
    ran=1
done < <(grep '^backend ' <<<"$version" | grep -v ' PSK_FOR_HINT' | awk '{print $2}')

while read -r name tls; do
    B=(--backend "$name")
    suite=PSK-AES128-CCM8; iana=TLS_PSK_WITH_AES_128_CCM_8
    if [ "$name" = wolfssl ]; then suite=PSK-CHACHA20-POLY1305; iana=TLS_PSK_WITH_CHACHA20_POLY1305_SHA256; fi
    HINTS=(--psk "$ID:$KEY" --psk-for-hint "hint-b=dev-b:$KEY_B" --psk-for-hint "hint-c=dev-c:$KEY_C")
    protos=(dtls); [ "$tls" = yes ] && protos+=(tls)
    for proto in "${protos[@]}"; do
        # 1. the hint names key C: only it works there
        client_to_s_server "$proto" "$name $proto hint-c" "$iana" \
            "-nocert -psk $KEY_C -psk_identity dev-c -psk_hint hint-c -cipher $suite" "${HINTS[@]}"
        grep -q 'the server'"'"'s PSK identity hint "hint-c": offering identity "dev-c"' "$WORK/client.err" ||
            fail "$name $proto: the choice not reported: $(cat "$WORK/client.err")"
        # 2. no hint: the --psk
        client_to_s_server "$proto" "$name $proto no hint" "$iana" \
            "-nocert -psk $KEY -psk_identity $ID -cipher $suite" "${HINTS[@]}"
        grep -q "hint (none): no --psk-for-hint for it, offering identity \"$ID\" (--psk)" "$WORK/client.err" ||
            fail "$name $proto: fallback not reported: $(cat "$WORK/client.err")"
    done
    # 2b. an unknown hint and no --psk: the handshake fails with the reason
    start_psk_s_server dtls -psk_hint hint-z -cipher "$suite" # (the last -cipher counts)
    echo hi | "$SSOCK" client "${B[@]}" "127.0.0.1:$PORT" --psk-for-hint "hint-b=dev-b:$KEY_B" \
        --handshake-timeout 5000 >"$WORK/nomatch.out" 2>"$WORK/nomatch.err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "$name: unknown hint: exit $rc, expected 2 ($(cat "$WORK/nomatch.err"))"
    grep -q 'hint "hint-z" matches no --psk-for-hint, and there is no --psk to offer instead' \
        "$WORK/nomatch.err" || fail "$name: unknown hint: unclear error: $(cat "$WORK/nomatch.err")"
    kill "$SPID" 2>/dev/null; exec 7>&-; wait "$SPID" 2>/dev/null
    pass "$name: unknown hint, no --psk: $(head -1 "$WORK/nomatch.err")"
    ran=1

    # 3. gnutls-serv --pskhint
    if command -v gnutls-serv >/dev/null; then
        printf 'dev-b:%s\n' "$KEY_B" >"$WORK/psk.txt"
        prio="NORMAL:-KX-ALL:+PSK:-CIPHER-ALL:+AES-128-CCM-8:+CHACHA20-POLY1305:-VERS-ALL:+VERS-DTLS1.2"
        start_gnutls_serv udp "$WORK/gnutls_serv.out" --pskpasswd "$WORK/psk.txt" --pskhint hint-b --priority "$prio"
        printf '%s\n' "$REC1" | "$SSOCK" client "${B[@]}" "127.0.0.1:$port" "${HINTS[@]}" --timeout 1500 -v \
            >"$WORK/gclient.out" 2>"$WORK/gclient.err"
        rc=$?
        [ "$rc" -eq 0 ] || fail "$name: -> gnutls-serv: exit $rc: $(cat "$WORK/gclient.err")"
        [ "$(cat "$WORK/gclient.out")" = "$REC1" ] || fail "$name: gnutls-serv echoed: $(cat "$WORK/gclient.out")"
        grep -q 'hint "hint-b": offering identity "dev-b"' "$WORK/gclient.err" ||
            fail "$name: -> gnutls-serv: the choice not reported: $(cat "$WORK/gclient.err")"
        kill "$GSPID" 2>/dev/null; wait "$GSPID" 2>/dev/null
        pass "$name: ssock client -> gnutls-serv --pskhint hint-b: key of hint-b, exact echo"
    fi
done < <(grep '^backend .* PSK_FOR_HINT' <<<"$version" |
         awk '{print $2, (/ TLS( |$)/ ? "yes" : "no")}')

[ "$ran" -eq 1 ] || { echo "SKIPPED: no backend built in"; exit 77; }
exit 0
