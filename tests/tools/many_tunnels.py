"""Opens many tunnels through pinhole to an echo server and holds them
idle, loopback only.

    many_tunnels.py --proxy HOST:PORT --dest IP:PORT --count N
                    [--via socks5|connect] [--sources A.B.C.D-N]
                    [--batch K] [--go FILE] [--max-hold S] [--timeout S]
                    [--ping S]

Opens the tunnels K at a time (default 500): connects K clients, sends
each its whole handshake, reads each answer, then checks one echo on
each ("open i").  Prints "open N in S s" when all are up (or "FAIL ..."
and exits 1).  Then holds them, sending nothing, until FILE exists (at
most --max-hold seconds), and checks one more echo on every tunnel:
"alive K of N in S s" (K = tunnels that echoed).  Then closes them all
and prints "closed".  --sources 127.0.1.1-50 spreads the clients over
those source addresses, round robin.  With --ping S the tunnels are
not idle while held: every S seconds each gets an echo, and the end
line is "alive K of N in S s, pings P failed F max_ms M" (F: pings
that did not come back whole, a tunnel whose ping failed counting as
dead; M: the slowest ping).  Raises
its descriptor limit to what it needs (as root the hard limit too).
"""
import argparse
import os
import resource
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only, recv_exact, recv_head, split_hostport  # noqa


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return
    if hard < n:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
            return
        except (ValueError, OSError):
            n = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


def sources(spec):
    if not spec:
        return [None]
    base, _, last = spec.rpartition("-")
    head, _, first = base.rpartition(".")
    out = ["%s.%d" % (head, i) for i in range(int(first), int(last) + 1)]
    for s in out:
        loopback_only(s)
    return out


def handshake(via, dhost, dport):
    if via == "connect":
        return b"CONNECT %s:%d HTTP/1.1\r\n\r\n" % (dhost.encode(), dport)
    return (b"\x05\x01\x00" + b"\x05\x01\x00\x01" + socket.inet_aton(dhost) +
            struct.pack(">H", dport))


def answer(s, via):
    if via == "connect":
        head = recv_head(s)
        if head[9:12] != b"200":
            raise OSError("CONNECT answered %r" % head[:40])
        return
    rep = recv_exact(s, 2 + 10)
    if rep[:2] != b"\x05\x00" or rep[3] != 0:
        raise OSError("SOCKS5 answered %s" % rep.hex())


def echo(s, msg):
    s.sendall(msg)
    if recv_exact(s, len(msg)) != msg:
        raise OSError("echo differs")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--via", choices=["socks5", "connect"], default="socks5")
    ap.add_argument("--sources")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--go")
    ap.add_argument("--max-hold", type=float, default=120)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--ping", type=float, default=0)
    a = ap.parse_args()
    phost, pport = split_hostport(a.proxy)
    dhost, dport = split_hostport(a.dest)
    loopback_only(phost)
    loopback_only(dhost)
    raise_nofile(a.count + 100)
    srcs = sources(a.sources)
    hs = handshake(a.via, dhost, dport)
    socks = []
    t0 = time.monotonic()
    try:
        while len(socks) < a.count:
            batch = []
            for _ in range(min(a.batch, a.count - len(socks))):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.settimeout(a.timeout)
                src = srcs[(len(socks) + len(batch)) % len(srcs)]
                if src:
                    s.bind((src, 0))
                s.connect((phost, pport))
                batch.append(s)
            for s in batch:
                s.sendall(hs)
            for s in batch:
                answer(s, a.via)
            for i, s in enumerate(batch):
                s.sendall(b"open %d\n" % (len(socks) + i))
            for i, s in enumerate(batch):
                msg = b"open %d\n" % (len(socks) + i)
                if recv_exact(s, len(msg)) != msg:
                    raise OSError("first echo differs")
            socks += batch
    except Exception as e:  # noqa: BLE001 - report any failure, then exit
        print("FAIL after %d tunnels: %s" % (len(socks), e), flush=True)
        sys.exit(1)
    print("open %d in %.1f s" % (len(socks), time.monotonic() - t0),
          flush=True)
    start = time.monotonic()
    dead = set()
    first_dead = None
    pings = failed = 0
    worst = 0.0
    next_ping = start + a.ping
    while time.monotonic() - start < a.max_hold:
        if a.go and os.path.exists(a.go):
            break
        if a.ping and time.monotonic() >= next_ping:
            for i, s in enumerate(socks):
                if i in dead:
                    continue
                pings += 1
                t = time.monotonic()
                try:
                    echo(s, b"ping %d %d\n" % (pings, i))
                    worst = max(worst, time.monotonic() - t)
                except Exception as e:  # noqa: BLE001
                    failed += 1
                    dead.add(i)
                    if first_dead is None:
                        first_dead = "%d: ping %d: %s" % (i, pings, e)
            next_ping = time.monotonic() + a.ping
        time.sleep(0.02 if a.ping else 0.1)
    t1 = time.monotonic()
    alive = 0
    for i, s in enumerate(socks):
        if i in dead:
            continue
        try:
            echo(s, b"alive %d\n" % i)
            alive += 1
        except Exception as e:  # noqa: BLE001
            if first_dead is None:
                first_dead = "%d: %s" % (i, e)
    print("alive %d of %d in %.1f s%s" % (
        alive, len(socks), time.monotonic() - t1,
        ", pings %d failed %d max_ms %d" % (pings, failed, worst * 1000)
        if a.ping else ""),
        flush=True)
    if first_dead:
        print("first dead %s" % first_dead, flush=True)
    for s in socks:
        s.close()
    print("closed", flush=True)


if __name__ == "__main__":
    main()
