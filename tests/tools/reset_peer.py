"""Both ends of a tunnel that ends in a TCP reset, for the reset tests;
loopback only, every wait bounded.

    reset_peer.py server --port PORT [--reset-after N] --out FILE
        Accepts one connection.  Without --reset-after: reads until the
        end and writes "eof BYTES" or "reset BYTES" to FILE.  With it:
        sends N bytes, then closes with SO_LINGER 0 (a reset).
    reset_peer.py client --proxy PORT --dest HOST:PORT [--reset-after N]
                  --out FILE
        Opens a CONNECT tunnel through pinhole on 127.0.0.1:PORT.  With
        --reset-after: sends N bytes, then closes with a reset.  Without:
        reads until the end and writes "eof BYTES" or "reset BYTES", and
        "local=IP:PORT" on a second line.
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import local_tag, open_tunnel  # noqa: E402


def reset_close(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def read_to_end(s):
    got = 0
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return "eof %d" % got
            got += len(b)
    except ConnectionResetError:
        return "reset %d" % got
    except socket.timeout:
        return "timeout %d" % got


def send_then_reset(s, n):
    s.sendall(b"x" * n)
    time.sleep(0.3)
    reset_close(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("--port", type=int)
    ap.add_argument("--proxy", type=int)
    ap.add_argument("--dest")
    ap.add_argument("--reset-after", type=int)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.mode == "server":
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", a.port))
        ls.listen(1)
        ls.settimeout(15)
        print("ready", flush=True)
        conn, _ = ls.accept()
        conn.settimeout(10)
        if a.reset_after is not None:
            send_then_reset(conn, a.reset_after)
            result = "sent %d" % a.reset_after
        else:
            result = read_to_end(conn)
        ls.close()
    else:
        s, _ = open_tunnel("127.0.0.1:%d" % a.proxy, "connect", a.dest, 10)
        tag = local_tag(s)
        if a.reset_after is not None:
            send_then_reset(s, a.reset_after)
            result = "sent %d" % a.reset_after
        else:
            result = read_to_end(s)
        result += "\nlocal=%s" % tag
    with open(a.out, "w") as f:
        f.write(result + "\n")


if __name__ == "__main__":
    main()
