"""A client that reads its response slowly, through pinhole's HTTP
forwarding; loopback only.

    slow_reader.py --proxy HOST:PORT --url URL [--stall S] [--chunk N]
                   [--interval S] [--rcvbuf N] [--max S] [--http10]
                   [--fast-until BYTES --pause S]

Sends "GET URL HTTP/1.1" (or 1.0), reads nothing for --stall seconds,
then reads --chunk bytes every --interval seconds until the server
closes the connection (or --max seconds passed).  With --fast-until,
it reads without waiting until it has that many bytes, then reads
nothing for --pause seconds, then goes on.  A small --rcvbuf
(SO_RCVBUF, before the connect) keeps the kernel from holding much of
the response for it.  Prints one line:
    local=IP:PORT got=BYTES head=BYTES body=BYTES pattern=ok|bad end=eof|timeout|reset
where the body's pattern is byte i = i % 251 (review_origin.py).
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import local_tag, loopback_only, split_hostport  # noqa


def pattern(n):
    base = bytes(range(251))
    return (base * (n // 251 + 1))[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--stall", type=float, default=0)
    ap.add_argument("--chunk", type=int, default=16384)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--rcvbuf", type=int, default=0)
    ap.add_argument("--max", type=float, default=30)
    ap.add_argument("--http10", action="store_true")
    ap.add_argument("--fast-until", type=int, default=-1)
    ap.add_argument("--pause", type=float, default=0)
    a = ap.parse_args()
    host, port = split_hostport(a.proxy)
    loopback_only(host)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.settimeout(5)
    s.connect((host, port))
    local = local_tag(s)
    s.sendall(b"GET %s HTTP/1.%d\r\n\r\n" % (a.url.encode(),
                                             0 if a.http10 else 1))
    start = time.monotonic()
    time.sleep(a.stall)
    got = b""
    end = "timeout"
    s.settimeout(1)
    while time.monotonic() - start < a.max:
        try:
            chunk = s.recv(a.chunk)
        except socket.timeout:
            continue
        except ConnectionResetError:
            end = "reset"
            break
        if not chunk:
            end = "eof"
            break
        got += chunk
        if a.fast_until >= 0 and len(got) >= a.fast_until:
            time.sleep(a.pause)
            a.fast_until = -1
        elif a.fast_until < 0:
            time.sleep(a.interval)
    s.close()
    i = got.find(b"\r\n\r\n")
    head = i + 4 if i >= 0 else len(got)
    body = got[head:]
    print("local=%s got=%d head=%d body=%d pattern=%s end=%s" % (
        local, len(got), head, len(body),
        "ok" if body == pattern(len(body)) else "bad", end), flush=True)


if __name__ == "__main__":
    main()
