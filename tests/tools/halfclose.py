"""Half-close through a tunnel: sends N bytes to an echo server through
pinhole, shuts down writing, and checks that every byte comes back and
then the end of the stream.

    halfclose.py --proxy HOST:PORT --via connect|connect10|socks5|socks4|socks4a
                 --dest HOST:PORT --bytes N [--write-size K] [--pause S]
                 [--clienthello NAME] [--timeout S] [--bind SRC] [--tag FILE]

With --clienthello NAME the payload is a TLS ClientHello for server name
NAME made by Python's ssl module, written in pieces of --write-size bytes
with --pause seconds between them (so it reaches pinhole in several
reads).  Prints "ok sent=N received=N" and exits 0, or prints what went
wrong and exits 1.
"""
import argparse
import os
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import TunnelError, open_tunnel, write_tag  # noqa: E402


def client_hello(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=name)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def pattern(n):
    block = bytes(range(256)) * 4096
    out = bytearray()
    while len(out) < n:
        out += block[:n - len(out)]
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--via", required=True)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--bytes", type=int, default=0)
    ap.add_argument("--write-size", type=int, default=65536)
    ap.add_argument("--pause", type=float, default=0)
    ap.add_argument("--clienthello")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--bind")
    ap.add_argument("--tag")
    a = ap.parse_args()
    data = client_hello(a.clienthello) if a.clienthello else pattern(a.bytes)
    deadline = time.monotonic() + a.timeout
    try:
        s, _ = open_tunnel(a.proxy, a.via, a.dest, a.timeout, a.bind)
    except (TunnelError, OSError) as e:
        print("FAIL tunnel: %s %r" % (e, getattr(e, "reply", b"")))
        sys.exit(1)
    write_tag(a.tag, s)
    errors = []

    def sender():
        try:
            for i in range(0, len(data), a.write_size):
                s.sendall(data[i:i + a.write_size])
                if a.pause:
                    time.sleep(a.pause)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("send: %s" % e)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    got = bytearray()
    eof = False
    try:
        while time.monotonic() < deadline:
            chunk = s.recv(262144)
            if not chunk:
                eof = True
                break
            got += chunk
    except OSError as e:
        errors.append("recv: %s" % e)
    t.join(max(0.0, deadline - time.monotonic()))
    s.close()
    if not eof:
        errors.append("no EOF")
    if bytes(got) != data:
        errors.append("echo differs")
    if errors:
        print("FAIL sent=%d received=%d: %s" % (len(data), len(got),
                                                "; ".join(errors)))
        sys.exit(1)
    print("ok sent=%d received=%d" % (len(data), len(got)))


if __name__ == "__main__":
    main()
