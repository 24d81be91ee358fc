#!/usr/bin/env bash
# ssock's exit statuses where --help says what they are:
#   1. a cipher suite the backend lacks is a usage error (exit 1), for server and client;
#   2. a key that does not belong to its certificate is a usage error (exit 1), server and client;
#      so is an RSA key, on every backend, and the message blames no backend (the store refuses it);
#   3. a wrong PSK against a server that answers the client's Finished with close_notify (some
#      stacks do, instead of an alert) is a failed handshake, exit 2, with the "wrong PSK?" hint:
#      DTLS and TLS, against a small stand-in server (Python) that does just that.
source "$(dirname "$0")/lib.bash"
require_default_ccm8

# 1. a suite the backend lacks: the first (backend, suite) pair create() refuses
found=
while read -r backend; do
    for suite in PSK-AES128-CCM8 PSK-AES128-CCM PSK-AES128-GCM-SHA256 PSK-CHACHA20-POLY1305; do
        port=$(free_port 4)
        echo hi | timeout 20 "$SSOCK" client --backend "$backend" "127.0.0.1:$port" --psk "$ID:$KEY" \
            --ciphers "$suite" >"$WORK/suite.out" 2>"$WORK/suite.err"
        rc=$?
        if grep -q "does not implement a suite of --ciphers" "$WORK/suite.err"; then
            [ "$rc" -eq 1 ] || fail "client --backend $backend --ciphers $suite: exit $rc, expected 1"
            timeout 20 "$SSOCK" server --backend "$backend" --listen "127.0.0.1:$port" --psk "$ID:$KEY" \
                --ciphers "$suite" </dev/null >"$WORK/ssuite.out" 2>"$WORK/ssuite.err"
            rc=$?
            [ "$rc" -eq 1 ] || fail "server --backend $backend --ciphers $suite: exit $rc, expected 1: $(cat "$WORK/ssuite.err")"
            grep -q "does not implement a suite of --ciphers" "$WORK/ssuite.err" ||
                fail "server --ciphers $suite: $(cat "$WORK/ssuite.err")"
            pass "--backend $backend --ciphers $suite: exit 1: $(cat "$WORK/suite.err")"
            found=1
            break 2
        fi
        [ "$rc" -eq 3 ] || fail "client --backend $backend --ciphers $suite: exit $rc: $(cat "$WORK/suite.err")"
    done
done < <("$SSOCK" --version | awk '/^backend /{print $2}')
[ -n "$found" ] || echo "note: every built-in backend has every suite tried: check 1 not run"

# 2. a key that is not the certificate's
PKI="$WORK/pki"
bash "$(dirname "$0")/../pki/make-pki.sh" "$PKI" >/dev/null 2>&1 || fail "make-pki.sh failed"
port=$(free_port 4)
timeout 20 "$SSOCK" server --listen "127.0.0.1:$port" --cert "$PKI/server.crt" --key "$PKI/mismatch.key" \
    </dev/null >"$WORK/mm.out" 2>"$WORK/mm.err"
rc=$?
[ "$rc" -eq 1 ] || fail "server --cert/--key mismatch: exit $rc, expected 1: $(cat "$WORK/mm.err")"
grep -qF -- "--key $PKI/mismatch.key does not belong to --cert $PKI/server.crt" "$WORK/mm.err" ||
    fail "server mismatch: $(cat "$WORK/mm.err")"
echo hi | timeout 20 "$SSOCK" client "127.0.0.1:$port" --ca "$PKI/ca.crt" --cert "$PKI/client.crt" \
    --key "$PKI/mismatch.key" >"$WORK/cmm.out" 2>"$WORK/cmm.err"
rc=$?
[ "$rc" -eq 1 ] || fail "client --cert/--key mismatch: exit $rc, expected 1: $(cat "$WORK/cmm.err")"
grep -qF "does not belong to --cert" "$WORK/cmm.err" || fail "client mismatch: $(cat "$WORK/cmm.err")"
pass "certificate/key mismatch: exit 1: $(cat "$WORK/mm.err")"
# an RSA key: refused by the credential store, whatever the backend (no backend is blamed)
while read -r backend; do
    timeout 20 "$SSOCK" server --backend "$backend" --listen "127.0.0.1:$port" --cert "$PKI/server.crt" \
        --key "$PKI/rsa.key" </dev/null >"$WORK/rsa.out" 2>"$WORK/rsa.err"
    rc=$?
    [ "$rc" -eq 1 ] || fail "server --backend $backend --key rsa.key: exit $rc, expected 1: $(cat "$WORK/rsa.err")"
    grep -qF -- "--key $PKI/rsa.key: a private key of a kind secure_sock does not support (EC P-256 keys only)" \
        "$WORK/rsa.err" || fail "server --backend $backend --key rsa.key: $(cat "$WORK/rsa.err")"
done < <("$SSOCK" --version | awk '/^backend /{print $2}')
pass "an RSA key: exit 1: $(cat "$WORK/rsa.err")"

# 3. a server that answers a Finished it cannot check with close_notify
cat >"$WORK/closer.py" <<'EOF'
# closer.py dtls|tls PORTFILE: a stand-in (D)TLS 1.2 PSK server. It answers the ClientHello
# with ServerHello (the client's first suite) and ServerHelloDone, waits for the client's
# ChangeCipherSpec and encrypted Finished, and answers with a close_notify alert in the clear:
# what a server does that will not say "bad_record_mac" to a client with the wrong key.
import os, socket, struct, sys, time

dtls = sys.argv[1] == "dtls"
VER = b"\xfe\xfd" if dtls else b"\x03\x03"

def first_suite(ch):  # ClientHello body
    p = 2 + 32
    p += 1 + ch[p]                # session id
    if dtls:
        p += 1 + ch[p]            # cookie
    n = struct.unpack("!H", ch[p:p + 2])[0]
    ids = [struct.unpack("!H", ch[p + 2 + i:p + 4 + i])[0] for i in range(0, n, 2)]
    return next(i for i in ids if i != 0x00FF)  # not the renegotiation SCSV

def server_hello(suite):
    return VER + os.urandom(32) + b"\x00" + struct.pack("!H", suite) + b"\x00"

def hs(mtype, seq, body):
    n = len(body).to_bytes(3, "big")
    if dtls:
        return bytes([mtype]) + n + struct.pack("!H", seq) + b"\x00\x00\x00" + n + body
    return bytes([mtype]) + n + body

def record(ctype, seq, body, epoch=0):
    if dtls:
        return bytes([ctype]) + VER + struct.pack("!H", epoch) + seq.to_bytes(6, "big") + \
            struct.pack("!H", len(body)) + body
    return bytes([ctype]) + VER + struct.pack("!H", len(body)) + body

CLOSE_NOTIFY = b"\x01\x00"  # warning, close_notify

if dtls:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    open(sys.argv[2], "w").write(str(s.getsockname()[1]))
    s.settimeout(20)
    d, peer = s.recvfrom(4096)
    suite = first_suite(d[13 + 12:])
    s.sendto(record(22, 0, hs(2, 0, server_hello(suite))) + record(22, 1, hs(14, 1, b"")), peer)
    finished = False
    while not finished:  # the client's flight ends with its Finished, in epoch 1
        d, _ = s.recvfrom(4096)
        p = 0
        while p + 13 <= len(d):
            finished = finished or struct.unpack("!H", d[p + 3:p + 5])[0] == 1
            p += 13 + struct.unpack("!H", d[p + 11:p + 13])[0]
    s.sendto(record(21, 2, CLOSE_NOTIFY), peer)
    time.sleep(3)
else:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    open(sys.argv[2], "w").write(str(srv.getsockname()[1]))
    srv.settimeout(20)
    c, _ = srv.accept()
    c.settimeout(20)
    buf = b""
    def rec():
        global buf
        while len(buf) < 5 or len(buf) < 5 + struct.unpack("!H", buf[3:5])[0]:
            d = c.recv(4096)
            if not d:
                sys.exit("the client hung up")
            buf += d
        n = 5 + struct.unpack("!H", buf[3:5])[0]
        r, buf = buf[:n], buf[n:]
        return r[0], r[5:]
    _, ch = rec()
    suite = first_suite(ch[4:])
    c.sendall(record(22, 0, hs(2, 0, server_hello(suite)) + hs(14, 1, b"")))
    ccs = False
    while True:
        ctype, _ = rec()
        if ccs:
            break  # the Finished, after the ChangeCipherSpec
        ccs = ctype == 20
    c.sendall(record(21, 0, CLOSE_NOTIFY))
    time.sleep(3)  # the alert first; the end of the connection later
EOF
for proto in dtls tls; do
    rm -f "$WORK/closer.port"
    python3 "$WORK/closer.py" "$proto" "$WORK/closer.port" >"$WORK/closer-$proto.out" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 50); do [ -s "$WORK/closer.port" ] && break; sleep 0.1; done
    [ -s "$WORK/closer.port" ] || fail "$proto: the stand-in server did not start"
    cport=$(cat "$WORK/closer.port")
    T=()
    [ "$proto" = tls ] && T=(--tls)
    echo hi | timeout 30 "$SSOCK" client "${T[@]}" "127.0.0.1:$cport" --psk "$ID:$KEY" \
        --ciphers PSK-AES128-CCM8 --handshake-timeout 10000 >"$WORK/closer-$proto.cout" 2>"$WORK/closer-$proto.err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "$proto: close_notify in the handshake: exit $rc, expected 2: $(cat "$WORK/closer-$proto.err")"
    grep -qF "handshake failed with 127.0.0.1:$cport: the server closed the session (close_notify) during the handshake (wrong PSK?)" \
        "$WORK/closer-$proto.err" || fail "$proto: message: $(cat "$WORK/closer-$proto.err")"
    [ "$(wc -l <"$WORK/closer-$proto.err")" -eq 1 ] || fail "$proto: more than one line: $(cat "$WORK/closer-$proto.err")"
    pass "$proto: $(cat "$WORK/closer-$proto.err") (exit 2)"
done
exit 0
