"""Many proxy logins at once: CONNECTs with Proxy-Authorization: Basic.

    auth_burst.py [--timeout S] PROXY-PORT TARGET SRC:USER:PASS...

Opens one connection per SRC:USER:PASS (from source address SRC to
127.0.0.1:PROXY-PORT), then sends every request (CONNECT TARGET with
that user and password), and only then reads each reply's status line.
Prints one line per login, in the order given: "SRC USER STATUS", the
status code, or "none" when the connection ended without one.  Every
wait is bounded by --timeout (default 20 s) in all.
"""
import argparse
import base64
import select
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("port", type=int)
    ap.add_argument("target")
    ap.add_argument("logins", nargs="+")
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout

    conns = []
    for spec in args.logins:
        src, user, password = spec.split(":", 2)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.connect(("127.0.0.1", args.port))
        cred = base64.b64encode(f"{user}:{password}".encode()).decode()
        req = (f"CONNECT {args.target} HTTP/1.1\r\n"
               f"Proxy-Authorization: Basic {cred}\r\n\r\n").encode()
        conns.append([s, src, user, req, b"", False])
    for c in conns:
        c[0].sendall(c[3])

    # Read until each has its status line or has ended.
    pending = {c[0].fileno(): c for c in conns}
    while pending and time.monotonic() < deadline:
        left = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select(list(pending), [], [], min(left, 1.0))
        for fd in ready:
            c = pending[fd]
            try:
                data = c[0].recv(4096)
            except OSError:
                data = b""
            c[4] += data
            if not data or b"\r\n" in c[4]:
                c[5] = True
                del pending[fd]

    for s, src, user, _, got, _ in conns:
        line = got.split(b"\r\n", 1)[0].split()
        status = line[1].decode() if len(line) >= 2 else "none"
        print(f"{src} {user} {status}")
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
