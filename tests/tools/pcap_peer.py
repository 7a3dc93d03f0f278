"""A TCP peer for the pcap tests, loopback only: every connection gets
--reply N bytes of pattern "b" (sent while the client's bytes are read),
then, once the client has shut down its writing, a shutdown of the
server's writing and a close.  So a flow can carry different byte counts
each way (e.g. 12345 up, 23456 down), and both ends close with a FIN.

    pcap_peer.py --port PORT [--listen 127.0.0.1] [--listen ::1]
                 [--reply N] [--lifetime S]

What a connection read is not kept (only counted).  Prints "listening".
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402
from pcap_xfer import pattern_chunks  # noqa: E402


def serve(conn, reply):
    conn.settimeout(60)
    done = []

    def sender():
        try:
            for chunk in pattern_chunks("b", reply):
                conn.sendall(chunk)
        except OSError:
            pass
        done.append(1)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    try:
        while conn.recv(262144):
            pass
    except OSError:
        pass
    t.join(60)
    try:
        conn.shutdown(socket.SHUT_WR)
        # The client closes after it saw our FIN; wait for that (bounded).
        conn.settimeout(10)
        while conn.recv(65536):
            pass
    except OSError:
        pass
    conn.close()


def accept_loop(ls, reply, deadline):
    ls.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        threading.Thread(target=serve, args=(conn, reply),
                         daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--listen", action="append")
    ap.add_argument("--reply", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    deadline = time.monotonic() + a.lifetime
    threads = []
    for host in a.listen or ["127.0.0.1"]:
        loopback_only(host)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        ls.bind((host, a.port))
        ls.listen(256)
        t = threading.Thread(target=accept_loop, args=(ls, a.reply, deadline),
                             daemon=True)
        t.start()
        threads.append(t)
    print("listening", flush=True)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1)


if __name__ == "__main__":
    main()
