"""Many CONNECT requests at once, each for its own name, from one client
address, loopback only: a client that makes pinhole look up many names.

    lookup_flood.py --proxy HOST:PORT --count N --name TEMPLATE
                    --port DPORT [--bind SRC] [--max-hold S]

TEMPLATE holds "{i}" (0 to N-1): "n{i}.hole.test".  Opens N connections
and sends each "CONNECT NAME:DPORT HTTP/1.1", then prints "sent N".  Then
reads each connection's status line until every one has its own or
--max-hold seconds (default 30) have passed, and prints one line:
"replies CODE:COUNT ... none:K" (codes in order; none: no status line,
the connection still open or closed without one).  Raises its
descriptor limit to what it needs.
"""
import argparse
import os
import resource
import selectors
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import connect, split_hostport  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind")
    ap.add_argument("--max-hold", type=float, default=30)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.count + 64
    if soft < want and want <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    host, port = split_hostport(a.proxy)
    sel = selectors.DefaultSelector()
    bufs = {}
    try:
        for i in range(a.count):
            s = connect(host, port, 5, a.bind)
            name = a.name.replace("{i}", str(i))
            s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" %
                       (name, a.port, name, a.port)).encode())
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            bufs[s] = b""
    except OSError as e:
        print("FAIL after %d connections: %s" % (len(bufs), e), flush=True)
        sys.exit(1)
    print("sent %d" % a.count, flush=True)
    codes = {}
    open_ = set(bufs)
    end = time.monotonic() + a.max_hold
    while open_ and time.monotonic() < end:
        for key, _ in sel.select(timeout=min(0.5, end - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            bufs[s] += data
            line = bufs[s].split(b"\r\n", 1)
            if len(line) == 2 or not data:
                if len(line) == 2 and line[0].startswith(b"HTTP/"):
                    code = line[0].split(b" ")[1].decode()
                    codes[code] = codes.get(code, 0) + 1
                sel.unregister(s)
                open_.discard(s)
    none = a.count - sum(codes.values())
    print("replies %s" % " ".join(["%s:%d" % (c, codes[c])
                                   for c in sorted(codes)] +
                                  ["none:%d" % none]), flush=True)
    for s in bufs:
        s.close()


if __name__ == "__main__":
    main()
