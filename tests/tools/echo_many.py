"""A TCP echo server for many connections at once, loopback only: one
thread, non-blocking sockets and a selector (10,000 connections are
10,000 descriptors, not 10,000 threads).

    echo_many.py --port PORT [--listen 127.0.0.1] [--lifetime SECONDS]
                 [--status FILE]

Sends back every byte it reads; when a client shuts down its writing,
the server sends what is left and shuts down its own.  Raises its own
descriptor limit as far as the hard limit allows.  Prints "listening"
once it listens.  With --status, it rewrites FILE about once a second
with "open N accepted M".  Ends by itself after --lifetime seconds
(default 600).
"""
import argparse
import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402


class Conn:
    __slots__ = ("sock", "out", "eof")

    def __init__(self, sock):
        self.sock = sock
        self.out = bytearray()
        self.eof = False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--status")
    a = ap.parse_args()
    loopback_only(a.listen)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    lsock = socket.socket(socket.AF_INET6 if ":" in a.listen
                          else socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((a.listen, a.port))
    lsock.listen(4096)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    print("listening", flush=True)
    end = time.monotonic() + a.lifetime
    accepted = 0
    next_status = 0.0
    conns = {}

    def close(c):
        sel.unregister(c.sock)
        del conns[c.sock.fileno()]
        c.sock.close()

    def want(c):
        ev = 0 if c.eof else selectors.EVENT_READ
        if c.out:
            ev |= selectors.EVENT_WRITE
        if ev == 0:
            c.sock.shutdown(socket.SHUT_WR)
            close(c)
        else:
            sel.modify(c.sock, ev, c)

    while time.monotonic() < end:
        if a.status and time.monotonic() >= next_status:
            with open(a.status + ".tmp", "w") as f:
                f.write("open %d accepted %d\n" % (len(conns), accepted))
            os.replace(a.status + ".tmp", a.status)
            next_status = time.monotonic() + 1
        for key, ev in sel.select(timeout=0.5):
            if key.data is None:
                for _ in range(256):
                    try:
                        s, _ = lsock.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        time.sleep(0.01)	# out of descriptors: later
                        break
                    s.setblocking(False)
                    c = Conn(s)
                    conns[s.fileno()] = c
                    sel.register(s, selectors.EVENT_READ, c)
                    accepted += 1
                continue
            c = key.data
            try:
                if ev & selectors.EVENT_READ:
                    data = c.sock.recv(65536)
                    if data:
                        c.out += data
                    else:
                        c.eof = True
                if ev & selectors.EVENT_WRITE and c.out:
                    n = c.sock.send(c.out)
                    del c.out[:n]
                # A slow reader: stop reading past 1 MB unsent.
                if len(c.out) > 1 << 20 and not c.eof:
                    sel.modify(c.sock, selectors.EVENT_WRITE, c)
                    continue
                want(c)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                close(c)


if __name__ == "__main__":
    main()
