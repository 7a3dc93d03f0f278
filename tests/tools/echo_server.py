"""TCP echo server for the integration tests, loopback only.

    echo_server.py --port PORT [--listen 127.0.0.1] [--listen ::1]
                   [--lifetime SECONDS] [--idle SECONDS]

Each connection gets a thread that sends back every byte it reads.  When
the client shuts down its writing, the server sends what is left and then
shuts down its own writing (half-close passes through).  The server ends
by itself after --lifetime seconds; a connection idle for --idle seconds
is closed.
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402


def serve(conn, idle):
    conn.settimeout(idle)
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                conn.shutdown(socket.SHUT_WR)
                # Wait (bounded) for the peer to close, then close.
                try:
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass
                break
            conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(lsock, idle, deadline):
    lsock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        threading.Thread(target=serve, args=(conn, idle), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--listen", action="append")
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--idle", type=float, default=60)
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
        ls.listen(1024)
        t = threading.Thread(target=accept_loop,
                             args=(ls, a.idle, deadline), daemon=True)
        t.start()
        threads.append(t)
    print("listening", flush=True)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1)


if __name__ == "__main__":
    main()
