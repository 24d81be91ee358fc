#!/usr/bin/env python3
"""ports/riot/dtls_probe.py - an attacker's DTLS 1.2 probes against a server (ports/riot/test.sh,
RIOT_ONLY=audit), raw UDP from the host; no DTLS library: it builds ClientHellos and reads the
server's answers only as far as the record and handshake headers.

  flood   DST PORT --src ADDR -n N   N ClientHellos at once from ADDR, each from its own source
                                     port, each completing the cookie exchange (the cookie of the
                                     server's HelloVerifyRequest sent back); prints how many got
                                     the server's first flight (ServerHello: a handshake slot
                                     taken) and how many got nothing; with --hold S the admitted
                                     ones retransmit their ClientHello for S s and never go on
  spoof   DST PORT -n N [--cookie]   N ClientHellos from forged sources (IPV6_FREEBIND: random
                                     link-local and fd00:: addresses, not on any host), with
                                     --cookie a cookie the server gave this host replayed
  garbage DST PORT                   malformed datagrams: empty, short, truncated and oversized
                                     records, unknown types, epoch 1 from a stranger, an alert
                                     flood, a ClientHello whose fragment overruns its record; and
                                     the same at a half-open handshake of ours (its own port)

DST is an IPv6 address with %interface for a link-local one. Exit 0 when the probe ran (what it
saw is printed for the caller to judge), 2 on a usage or socket error.
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

PSK_CCM8 = 0xC0A8
IPV6_FREEBIND = 78


def rec(ctype, epoch, seq, body):
    return bytes([ctype]) + b"\xfe\xfd" + struct.pack("!H", epoch) + seq.to_bytes(6, "big") + \
        struct.pack("!H", len(body)) + body


def client_hello(msg_seq, cookie=b"", rnd=None):
    rnd = rnd or os.urandom(32)
    ext = struct.pack("!HH", 0x0017, 0)  # extended_master_secret
    body = b"\xfe\xfd" + rnd + b"\x00" + bytes([len(cookie)]) + cookie + \
        struct.pack("!HHH", 4, PSK_CCM8, 0x00FF) + b"\x01\x00" + struct.pack("!H", len(ext)) + ext
    hs = bytes([1]) + len(body).to_bytes(3, "big") + struct.pack("!H", msg_seq) + \
        (0).to_bytes(3, "big") + len(body).to_bytes(3, "big") + body
    return hs, rnd


def parse(d):
    """(content type, handshake type or None, cookie or None) of the first record of d."""
    if len(d) < 13:
        return None, None, None
    ct = d[0]
    if ct != 22 or len(d) < 25:
        return ct, None, None
    ht = d[13]
    cookie = None
    if ht == 3 and len(d) >= 28:
        n = d[27]
        cookie = d[28:28 + n]
    return ct, ht, cookie


def dst_of(a, port):
    host, _, zone = a.partition("%")
    return socket.getaddrinfo(host + ("%" + zone if zone else ""), port, socket.AF_INET6,
                              socket.SOCK_DGRAM)[0][4]


def udp(src=None, freebind=False):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    if freebind:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
    if src:
        host, _, zone = src.partition("%")
        s.bind(socket.getaddrinfo(host + ("%" + zone if zone else ""), 0, socket.AF_INET6,
                                  socket.SOCK_DGRAM)[0][4])
    s.setblocking(False)
    return s


def answers(s, wait):
    out = []
    end = time.time() + wait
    while True:
        left = end - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            return out
        out.append(s.recv(4096))


def hello_exchange(s, dst, wait=2.0):
    """ClientHello, the cookie back: 'flight' (ServerHello), 'hvr' (a second HelloVerifyRequest),
    'alert', 'none'; and the cookie."""
    hs, rnd = client_hello(0)
    s.sendto(rec(22, 0, 0, hs), dst)
    cookie = None
    for d in answers(s, wait):
        ct, ht, c = parse(d)
        if ht == 3:
            cookie = c
            break
    if cookie is None:
        return "none", None
    hs, _ = client_hello(1, cookie, rnd)
    s.sendto(rec(22, 0, 1, hs), dst)
    got = answers(s, wait)
    for d in got:
        ct, ht, _ = parse(d)
        if ht == 2:
            return "flight", cookie
        if ht == 3:
            return "hvr", cookie
        if ct == 21:
            return "alert", cookie
    return "none", cookie


def cmd_flood(a):
    """All hellos at once (each from its own port), all cookies back at once: the slots a burst
    takes; with --hold S the admitted ones retransmit their ClientHello every 0.3 s for S s (a
    peer that keeps its handshake alive and never progresses)."""
    dst = dst_of(a.dst, a.port)
    socks = [udp(a.src) for _ in range(a.n)]
    rnds = []
    for i, s in enumerate(socks):
        hs, rnd = client_hello(0)
        rnds.append(rnd)
        s.sendto(rec(22, 0, 0, hs), dst)
    cookies = [None] * a.n
    end = time.time() + a.wait
    while time.time() < end and None in cookies:
        for i, s in enumerate(socks):
            for d in answers(s, 0.01):
                ct, ht, c = parse(d)
                if ht == 3:
                    cookies[i] = c
    hellos = []
    for i, s in enumerate(socks):
        hs, _ = client_hello(1, cookies[i] or b"", rnds[i])
        hellos.append(rec(22, 0, 1, hs))
        s.sendto(hellos[i], dst)
    got = ["none"] * a.n
    end = time.time() + a.wait
    while time.time() < end:
        for i, s in enumerate(socks):
            for d in answers(s, 0.01):
                ct, ht, _ = parse(d)
                if ht == 2:
                    got[i] = "flight"
                elif ht == 3 and got[i] == "none":
                    got[i] = "hvr"
                elif ct == 21 and got[i] == "none":
                    got[i] = "alert"
    res = {}
    for r in got:
        res[r] = res.get(r, 0) + 1
    print("flood: %d hellos at once from %s, %d cookies: %s" % (
        a.n, a.src, sum(c is not None for c in cookies),
        " ".join("%s=%d" % kv for kv in sorted(res.items()))))
    sys.stdout.flush()
    end = time.time() + a.hold
    while time.time() < end:
        for i, s in enumerate(socks):
            if got[i] == "flight":
                s.sendto(hellos[i], dst)
            answers(s, 0)
        time.sleep(0.3)
    return 0


def cmd_spoof(a):
    dst = dst_of(a.dst, a.port)
    cookie = b""
    if a.cookie:
        s = udp(a.src)
        hs, _ = client_hello(0)
        s.sendto(rec(22, 0, 0, hs), dst)
        for d in answers(s, a.wait):
            ct, ht, c = parse(d)
            if ht == 3:
                cookie = c
        s.close()
        if not cookie:
            print("spoof: no cookie from the server")
            return 2
    zone = a.dst.partition("%")[2]
    sent = 0
    for i in range(a.n):
        if i % 2 and zone:
            src = "fe80::%x:%x:%x:%x%%%s" % (tuple(random.getrandbits(16) for _ in range(4)) + (zone,))
        else:
            src = "fd00:bad::%x:%x" % (random.getrandbits(16), random.getrandbits(16))
        try:
            s = udp(src, freebind=True)
        except OSError as e:
            print("spoof: cannot send from %s: %s" % (src, e))
            return 2
        hs, _ = client_hello(1 if cookie else 0, cookie)
        try:
            s.sendto(rec(22, 0, i, hs), dst)
            sent += 1
        except OSError:
            pass
        s.close()
        time.sleep(0.01)  # paced: a native node's tap drops a burst before the server sees it
    print("spoof: %d hellos from forged sources%s" % (sent, " with a replayed cookie" if cookie else ""))
    return 0


def garbage_set():
    hs, _ = client_hello(0)
    big_frag = bytearray(hs)
    big_frag[9:12] = (5000).to_bytes(3, "big")  # fragment_length beyond the record
    alert = rec(21, 0, 7, b"\x02\x28")
    return [
        b"", b"\x16", b"\x16\xfe\xfd", rec(22, 0, 0, b"")[:12],
        rec(22, 0, 0, hs)[:40],                       # truncated ClientHello
        rec(22, 0, 0, hs)[:13] + b"\xff" * 20,        # length says more than there is
        rec(22, 0, 0, bytes(big_frag)),
        rec(22, 0, 0, hs[:12] + b"\x00" * 3),         # empty body
        rec(99, 0, 0, b"junk"), rec(23, 0, 0, b"early application data"),
        rec(23, 1, 5, os.urandom(40)), rec(22, 1, 1, os.urandom(60)), rec(20, 0, 2, b"\x01"),
        rec(22, 0xFFFF, (1 << 48) - 1, os.urandom(30)),
        rec(22, 0, 0, hs) * 3,                        # three records in one datagram
        rec(22, 0, 0, os.urandom(1300)),              # larger than the node's MTU datagram
        os.urandom(100),
    ] + [alert] * 50


def send_garbage(s, dst):
    """garbage_set() from socket s to dst; how many datagrams went out."""
    n = 0
    for d in garbage_set():
        try:
            s.sendto(d, dst)
            n += 1
        except OSError:
            pass
        time.sleep(0.005)
    return n


def cmd_garbage(a):
    dst = dst_of(a.dst, a.port)
    s = udp(a.src)
    n = send_garbage(s, dst)
    replies = answers(s, 0.5)
    # the same at a handshake of ours, half-open (its own port), then silence
    h = udp(a.src)
    r, cookie = hello_exchange(h, dst, a.wait)
    n += send_garbage(h, dst)
    hs, _ = client_hello(1, cookie or b"")
    h.sendto(rec(22, 0, 9, hs), dst)  # the ClientHello retransmitted, with its cookie
    late = answers(h, 0.5)
    print("garbage: %d datagrams sent; %d answers from a stranger's port; half-open handshake: %s, "
          "%d answers after its garbage" % (n, len(replies), r, len(late)))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("flood", "spoof", "garbage"):
        q = sub.add_parser(name)
        q.add_argument("dst")
        q.add_argument("port", type=int)
        q.add_argument("--src", default=None, help="source address (flood, garbage, --cookie)")
        q.add_argument("-n", type=int, default=8)
        q.add_argument("--wait", type=float, default=1.5, help="seconds to wait for each answer")
        q.add_argument("--hold", type=float, default=0.0)
        q.add_argument("--cookie", action="store_true")
    a = p.parse_args()
    try:
        return {"flood": cmd_flood, "spoof": cmd_spoof, "garbage": cmd_garbage}[a.cmd](a)
    except OSError as e:
        print("%s: %s" % (a.cmd, e))
        return 2


if __name__ == "__main__":
    sys.exit(main())
