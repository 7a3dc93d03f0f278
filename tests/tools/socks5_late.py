"""A SOCKS5 client that greets, then waits before its CONNECT.

    socks5_late.py [--timeout S] PROXY-PORT GREETED-FILE GO-FILE HOST PORT

Connects to 127.0.0.1:PROXY-PORT, sends the greeting offering "no
authentication" (05 01 00), reads the 2-byte method choice and writes
its hex and the client's ip:port to GREETED-FILE ("0500 127.0.0.1:N").
Then waits until GO-FILE exists and sends CONNECT HOST:PORT (a domain
address), and prints in hex all it receives until EOF or the timeout.
Every wait is bounded by --timeout (default 20 s) in all.
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import connect, local_tag  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("port", type=int)
    ap.add_argument("greeted")
    ap.add_argument("go")
    ap.add_argument("host")
    ap.add_argument("dport", type=int)
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout

    s = connect("127.0.0.1", args.port, args.timeout)
    s.sendall(b"\x05\x01\x00")
    choice = b""
    while len(choice) < 2:
        chunk = s.recv(2 - len(choice))
        if not chunk:
            break
        choice += chunk
    with open(args.greeted + ".tmp", "w") as f:
        f.write("%s %s\n" % (choice.hex(), local_tag(s)))
    os.rename(args.greeted + ".tmp", args.greeted)
    while not os.path.exists(args.go):
        if time.monotonic() > deadline:
            print("timeout")
            return 1
        time.sleep(0.05)
    name = args.host.encode()
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name +
              struct.pack(">H", args.dport))
    got = b""
    while time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
        if len(got) >= 10:
            break
    print(got.hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
