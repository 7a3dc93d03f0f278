"""A UDP echo server on loopback, the destination of UDP associations.

    udp_echo.py --port PORT [--host 127.0.0.1] [--lifetime S]

Prints "ready" once bound, then "got N IP:PORT" for each datagram (N
payload bytes, from whom).  Answers each datagram with the same bytes.
A datagram beginning "third" is also answered, before the echo, by two
strangers: a socket on 127.0.0.1 with another port and one on 127.0.0.2
send "stranger" to the sender (replies from destinations the client
never sent to, which pinhole must drop).  A datagram beginning "twice"
is answered twice.  Ends by itself after --lifetime seconds.
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402


def strangers(to):
    for host in ("127.0.0.1", "127.0.0.2"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((host, 0))
            s.sendto(b"stranger", to)
        finally:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    loopback_only(a.host)
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a.host, a.port))
    print("ready", flush=True)
    end = time.monotonic() + a.lifetime
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(min(left, 1.0))
        try:
            msg, peer = s.recvfrom(65536)
        except socket.timeout:
            continue
        print("got %d %s:%d" % (len(msg), peer[0], peer[1]), flush=True)
        if msg.startswith(b"third") and fam == socket.AF_INET:
            strangers(peer)
        s.sendto(msg, peer)
        if msg.startswith(b"twice"):
            s.sendto(msg, peer)


if __name__ == "__main__":
    main()
