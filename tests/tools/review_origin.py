"""An origin that answers the way a hostile or odd server may, for the
HTTP forwarding tests; loopback only.

    review_origin.py --port PORT [--lifetime SECONDS]

Every request line received is printed ("request METHOD TARGET"), and
requests are read one after the other on a connection, whatever it
says about closing (a request smuggled in a body shows up here).

GET /interim/S     "HTTP/1.1 102 Processing" heads, as fast as the
                   connection takes them, for S seconds; then a close.
                   Prints "interim N bytes" at the end.
GET /chunked       a chunked body: "line 0\\n" ... "line 999\\n" in chunks
                   of 1 to 4000 bytes, with an extension and a trailer.
GET /close/N       N bytes (byte i is i % 251), no length: ends by closing.
GET /length/N      the same N bytes with a Content-Length.
POST /early/N      the same, at once, without reading the request's
                   body; then a close.
GET /connlen       a response whose Connection names Content-Length.
GET /continue     a 100 Continue head, then "ok\\n" with a Content-Length.
GET /connte        a chunked response whose Connection names
                   Transfer-Encoding.
GET /slow/S        waits S seconds, then "ok\\n" with a Content-Length.
ANY /garbage       reads the request (and its body: "body N" is printed),
                   answers with bytes that are no HTTP, then a close.
GET /badchunk/K    a chunked head, then broken framing K: "huge" (a size
                   of 16 f's), "neg" (a size of -5), "overrun" (5 bytes
                   announced, 7 sent); then a close.
GET /short         a Content-Length of 100, 10 bytes, then a close.
GET /closerst/N    N bytes without a length, then a reset (SO_LINGER 0).
anything else      "ok\\n" with a Content-Length.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402

INTERIM = b"HTTP/1.1 102 Processing\r\n\r\n"


def pattern(n):
    base = bytes(range(251))
    return (base * (n // 251 + 1))[:n]


def chunked_body():
    return b"".join(b"line %d\n" % i for i in range(1000))


def chunked(data):
    sizes = [1, 10, 100, 1000, 4000, 7]
    out = []
    i = k = 0
    while i < len(data):
        n = sizes[k % len(sizes)]
        piece = data[i:i + n]
        ext = b";ext=1" if k == 2 else b""
        out.append(b"%x%s\r\n%s\r\n" % (len(piece), ext, piece))
        i += n
        k += 1
    out.append(b"0\r\nX-Trailer: yes\r\n\r\n")
    return b"".join(out)


def read_head(f):
    lines = []
    while len(lines) < 200:
        line = f.readline(8192)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line.rstrip(b"\r\n").decode("latin-1"))
    return None


def interim(conn, secs):
    sent = 0
    conn.settimeout(0.5)
    end = time.monotonic() + secs
    block = INTERIM * 64
    while time.monotonic() < end:
        try:
            sent += conn.send(block)
        except socket.timeout:
            continue
        except OSError:
            break
    print("interim %d bytes" % sent, flush=True)


def answer(conn, target):
    """Sends the response; False when the connection must end."""
    if target.startswith("/interim/"):
        interim(conn, float(target[9:]))
        return False
    if target == "/chunked":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" +
                     chunked(chunked_body()))
        return False
    if target.startswith("/close/"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/"
                     b"octet-stream\r\n\r\n")
        conn.sendall(pattern(int(target[7:])))
        return False
    if target.startswith("/early/"):
        n = int(target[7:])
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
        conn.sendall(pattern(n))
        return False
    if target.startswith("/length/"):
        n = int(target[8:])
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
        conn.sendall(pattern(n))
        return True
    if target == "/connlen":
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: Content-Length\r\n"
                     b"Content-Length: 5\r\n\r\nhello")
        return True
    if target == "/continue":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n"
                     b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        return True
    if target == "/connte":
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: transfer-encoding\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n0\r\n\r\n")
        return True
    return odd(conn, target)


BROKEN = {"huge": b"ffffffffffffffff\r\n", "neg": b"-5\r\nhello\r\n",
          "overrun": b"5\r\nhelloXX\r\n0\r\n\r\n"}


def odd(conn, target):
    """The later routes: slow, garbage, broken framing, short bodies."""
    if target.startswith("/slow/"):
        time.sleep(min(float(target[6:]), 30))
    elif target == "/garbage":
        conn.sendall(b"this is not an HTTP response\r\n\r\n")
        return False
    elif target.startswith("/badchunk/"):
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                     b"\r\n" + BROKEN.get(target[10:], b"zz\r\n"))
        return False
    elif target.startswith("/closerst/"):
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + pattern(int(target[10:])))
        time.sleep(0.3)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        return False
    elif target == "/short":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                     b"0123456789")
        return False
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    return True


def serve(conn):
    f = conn.makefile("rb")
    try:
        for _ in range(20):
            head = read_head(f)
            if not head:
                return
            parts = head[0].split(" ")
            target = parts[1] if len(parts) > 1 else "/"
            print("request %s %s" % (parts[0], target), flush=True)
            for line in head[1:]:
                name, _, value = line.partition(":")
                if target.startswith("/early/"):
                    break
                if name.strip().lower() == "content-length":
                    body = f.read(min(int(value.strip()), 1 << 20))
                    print("body %d" % len(body), flush=True)
            if not answer(conn, target):
                return
    except (OSError, ValueError):
        pass
    finally:
        f.close()
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    loopback_only(a.listen)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.listen, a.port))
    s.listen(64)
    s.settimeout(0.5)
    print("ready", flush=True)
    end = time.monotonic() + a.lifetime
    while time.monotonic() < end:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        conn.settimeout(10)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
