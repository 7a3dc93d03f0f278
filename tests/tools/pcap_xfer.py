"""A transfer through pinhole for the pcap tests: opens a tunnel (CONNECT
or SOCKS), sends --bytes N of pattern "a", shuts down writing, reads to
the end of the stream and checks what came back: the same bytes from an
echo server (--expect echo), or M bytes of pattern "b" from pcap_peer.py
(--expect M).  Data is made and checked as it streams, so N may be large.

    pcap_xfer.py --proxy HOST:PORT --via connect|socks5|socks4|socks4a
                 --dest HOST:PORT --bytes N --expect echo|M
                 [--save-sent FILE] [--save-received FILE]
                 [--timeout S] [--bind SRC] [--tag FILE]

Prints "ok sent=N received=M" and exits 0, or what went wrong and exits 1.
--tag FILE gets the client's address as pinhole logs it (ip:port).
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import TunnelError, open_tunnel, write_tag  # noqa: E402

BLOCK = 65536
PATTERNS = {
    "a": bytes(range(256)) * (BLOCK // 256),
    "b": bytes(range(255, -1, -1)) * (BLOCK // 256),
}


def pattern_chunks(name, n):
    """N bytes of pattern NAME in pieces of at most 64 KiB."""
    block = PATTERNS[name]
    while n > 0:
        k = min(n, BLOCK)
        yield block[:k]
        n -= k


def pattern_prefix(name, n):
    return b"".join(pattern_chunks(name, n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--via", required=True)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--bytes", type=int, default=0)
    ap.add_argument("--expect", default="echo")
    ap.add_argument("--save-sent")
    ap.add_argument("--save-received")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--bind")
    ap.add_argument("--tag")
    a = ap.parse_args()
    if a.expect == "echo":
        want_name, want_n = "a", a.bytes
    else:
        want_name, want_n = "b", int(a.expect)
    deadline = time.monotonic() + a.timeout
    try:
        s, _ = open_tunnel(a.proxy, a.via, a.dest, a.timeout, a.bind)
    except (TunnelError, OSError) as e:
        print("FAIL tunnel: %s %r" % (e, getattr(e, "reply", b"")))
        sys.exit(1)
    write_tag(a.tag, s)
    if a.save_sent:
        with open(a.save_sent, "wb") as f:
            f.write(pattern_prefix("a", a.bytes))
    errors = []

    def sender():
        try:
            for chunk in pattern_chunks("a", a.bytes):
                s.sendall(chunk)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("send: %s" % e)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    got = 0
    differs = False
    eof = False
    saved = open(a.save_received, "wb") if a.save_received else None
    block = PATTERNS[want_name]
    try:
        while time.monotonic() < deadline:
            chunk = s.recv(262144)
            if not chunk:
                eof = True
                break
            if saved:
                saved.write(chunk)
            # Compare with the pattern at offset got (period 256).
            off = got % BLOCK
            exp = b""
            while len(exp) < len(chunk):
                exp += block[off:]
                off = 0
            if not differs and (got + len(chunk) > want_n or
                                chunk != exp[:len(chunk)]):
                differs = True
            got += len(chunk)
    except OSError as e:
        errors.append("recv: %s" % e)
    if saved:
        saved.close()
    t.join(max(0.0, deadline - time.monotonic()))
    s.close()
    if not eof:
        errors.append("no EOF")
    if differs or got != want_n:
        errors.append("received data differs from what was expected")
    if errors:
        print("FAIL sent=%d received=%d: %s" % (a.bytes, got,
                                                "; ".join(errors)))
        sys.exit(1)
    print("ok sent=%d received=%d" % (a.bytes, got))


if __name__ == "__main__":
    main()
