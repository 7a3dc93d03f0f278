"""A client that makes a TLS 1.3 server ask for its ClientHello again
(a HelloRetryRequest), then may name another server in the second one:
domain fronting past a check of the first hello only.

    hrr_client.py [--timeout S] [--info FILE] [--pipeline]
                  [--record-size N] PROXY-HOST PROXY-PORT DEST SNI1 SNI2

Through pinhole by CONNECT DEST: a first ClientHello for SNI1 whose only
key share is X25519 (a server that takes P-256 only answers with an
HRR), then a ChangeCipherSpec record and a second ClientHello for SNI2
with a P-256 share ("-" for no server name).  --pipeline sends all of
it at once without waiting for the HRR; --record-size cuts the second
hello into records of N bytes.  Prints one line:
    hrr=yes|no|none back=N
(the server's first handshake message an HRR, another, or none before
the end; N bytes came back after the HRR, a ChangeCipherSpec aside).  --info FILE gets
"local=IP:PORT end=eof|timeout|reset first=N" (N: the first
hello's length in bytes).  Loopback only; every wait is
bounded by --timeout (default 5s).
"""
import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client_hello import SECP256R1, X25519, recut, tls13_hello  # noqa: E402
from proxyclient import connect, local_tag, recv_head  # noqa: E402

HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
CCS = bytes.fromhex("140303000101")


def first_message(s):
    """Reads records until the first 38 handshake bytes: (is-HRR, rest of
    the bytes read past the records looked at)."""
    buf, msg = b"", b""
    while True:
        while len(buf) >= 5:
            n = int.from_bytes(buf[3:5], "big")
            if buf[0] != 22 or len(buf) < 5 + n:
                break
            msg += buf[5:5 + n]
            buf = buf[5 + n:]
            if len(msg) >= 38:
                return msg[0] == 2 and msg[6:38] == HRR_RANDOM, buf
        if buf[:1] and buf[0] != 22:
            return False, buf
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError
        buf += chunk


def without_ccs(data):
    """data less its leading ChangeCipherSpec records (a server sends
    one after its HRR, for middlebox compatibility)."""
    while data[:1] == b"\x14" and len(data) >= 6:
        data = data[5 + int.from_bytes(data[3:5], "big"):]
    return data


def read_all(s):
    """Reads until the server says more than a ChangeCipherSpec, or the
    end."""
    got, end = b"", "eof"
    try:
        while not without_ccs(got):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        end = "timeout"
    except ConnectionResetError:
        end = "reset"
    return got, end


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--info")
    ap.add_argument("--pipeline", action="store_true")
    ap.add_argument("--record-size", type=int)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("dest")
    ap.add_argument("sni1")
    ap.add_argument("sni2")
    a = ap.parse_args()
    name = [None if n == "-" else n for n in (a.sni1, a.sni2)]
    sid = bytes(range(100, 132))
    first = tls13_hello(name[0], X25519, sid)
    second = tls13_hello(name[1], SECP256R1, sid)
    if a.record_size:
        second = recut(second, a.record_size)
    s = connect(a.host, a.port, a.timeout)
    local = local_tag(s)
    s.sendall(("CONNECT %s HTTP/1.1\r\n\r\n" % a.dest).encode())
    head = recv_head(s)
    if b" 200 " not in head.split(b"\r\n")[0]:
        sys.exit("no tunnel: %r" % head)
    hrr, back, end = "none", b"", "eof"
    try:
        if a.pipeline:
            s.sendall(first + CCS + second)
        else:
            s.sendall(first)
        is_hrr, back = first_message(s)
        hrr = "yes" if is_hrr else "no"
        if is_hrr and not a.pipeline:
            s.sendall(CCS + second)
        if not is_hrr:
            back = b""
        more, end = read_all(s)
        back += more
    except EOFError:
        pass
    except socket.timeout:
        end = "timeout"
    except (ConnectionResetError, BrokenPipeError):
        end = "reset"
    s.close()
    print("hrr=%s back=%d" % (hrr, len(without_ccs(back))))
    if a.info:
        with open(a.info, "w") as f:
            f.write("local=%s end=%s first=%d\n" % (local, end, len(first)))


if __name__ == "__main__":
    main()
