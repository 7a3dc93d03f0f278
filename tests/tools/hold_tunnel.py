"""Holds a tunnel open through pinhole until told to use it again.

    hold_tunnel.py --proxy HOST:PORT --via VIA --dest HOST:PORT --go FILE
                   [--max-wait S] [--timeout S] [--tag FILE]

Opens the tunnel to an echo server, checks one echo, prints "up", then
waits until FILE exists (at most --max-wait seconds).  Then it checks a
second echo, half-closes, waits for the end of the stream and prints
"done".  If pinhole closes the tunnel while it waits it prints
"closed-by-peer after S" and exits 3.  Other failures exit 1.
"""
import argparse
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import TunnelError, open_tunnel, recv_exact, write_tag  # noqa


def echo(s, msg):
    s.sendall(msg)
    got = recv_exact(s, len(msg))
    if got != msg:
        raise TunnelError("echo differs: %r" % got)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--via", default="connect")
    ap.add_argument("--dest", required=True)
    ap.add_argument("--go", required=True)
    ap.add_argument("--max-wait", type=float, default=20)
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--tag")
    a = ap.parse_args()
    try:
        s, _ = open_tunnel(a.proxy, a.via, a.dest, a.timeout)
        write_tag(a.tag, s)
        echo(s, b"ping 1\n")
    except (TunnelError, OSError) as e:
        print("FAIL open: %s" % e, flush=True)
        sys.exit(1)
    print("up", flush=True)
    start = time.monotonic()
    while not os.path.exists(a.go):
        if time.monotonic() - start > a.max_wait:
            print("FAIL go file never came", flush=True)
            sys.exit(1)
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            try:
                data = s.recv(100)
            except OSError:
                data = b""
            if not data:
                print("closed-by-peer after %.1f" % (time.monotonic() - start),
                      flush=True)
                sys.exit(3)
            print("FAIL unexpected bytes %r" % data, flush=True)
            sys.exit(1)
    try:
        echo(s, b"ping 2\n")
        print("echo 2 ok", flush=True)
        s.shutdown(socket.SHUT_WR)
        if s.recv(100) != b"":
            raise TunnelError("bytes after the half-close")
    except (TunnelError, OSError) as e:
        print("FAIL after go: %s" % e, flush=True)
        sys.exit(1)
    s.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
