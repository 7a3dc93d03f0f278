"""A DNS server that never answers: a UDP socket on loopback that reads
every query and replies to none.

    udp_sink.py --port PORT [--host 127.0.0.1] [--lifetime S]

Prints "ready" once bound, then "query NAME TYPE" for each query read
(the question's name, lower case, and type: A, AAAA or a number).  Ends
by itself after --lifetime seconds.
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402


TYPES = {1: "A", 28: "AAAA"}


def question(msg):
    """The question of a DNS query: "NAME TYPE", or "?" when malformed."""
    labels = []
    i = 12
    while i < len(msg) and len(labels) < 128:
        n = msg[i]
        if n == 0:
            if i + 3 > len(msg):
                break
            t = int.from_bytes(msg[i + 1:i + 3], "big")
            return "%s %s" % (".".join(labels).lower() or ".",
                              TYPES.get(t, str(t)))
        if n > 63 or i + 1 + n > len(msg):
            break
        labels.append(msg[i + 1:i + 1 + n].decode("latin-1"))
        i += 1 + n
    return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    loopback_only(a.host)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.host, a.port))
    print("ready", flush=True)
    end = time.monotonic() + a.lifetime
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(min(left, 1.0))
        try:
            msg, _ = s.recvfrom(4096)
        except socket.timeout:
            continue
        print("query %s" % question(msg), flush=True)


if __name__ == "__main__":
    main()
