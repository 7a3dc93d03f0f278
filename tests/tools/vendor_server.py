"""A scriptable vendor list server (HTTPS and plain HTTP) on loopback.

    vendor_server.py --www DIR --certs DIR --log FILE
                     [--tls PORT]... [--plain PORT]... [--lifetime SECONDS]

Listens on 127.0.0.1 only: TLS on every --tls PORT, plain HTTP on every
--plain PORT.  What each request gets is looked up, at every request, in
DIR/routes, one line per path:

    PATH file NAME            DIR/NAME with ETag and Last-Modified; an
                              If-None-Match naming the ETag gets 304
    PATH redirect CODE LOC    CODE (301, 302, ...) with Location: LOC
    PATH status CODE          CODE with a short body
    PATH big N                200 with N bytes of list lines
    PATH garbage              200 with HTML that holds no list entry
    PATH headers N            200 followed by N bytes of header lines
    PATH chunked              200 with a chunked body that never ends
    PATH hang                 reads the request and never answers
    PATH reset [N]            half of a body of N bytes (default 20000),
                              then a TCP reset
    PATH alert [N]            half of a body of N bytes, then a TLS
                              close_notify alert (plain HTTP: a close)
    PATH drip                 200 with a Content-Length of 1 MB, then a
                              list line every 0.5 s (never done)

A path without a line gets 404.  The certificate of the TLS ports is
chosen at every connection: DIR/cert holds a NAME (default "server"),
and --certs DIR/NAME.crt, NAME.key are used.  Every request is logged
to --log as one JSON object per line: port, path, action,
if_none_match, if_modified_since.  Every socket operation is bounded by
a timeout; "hang", "chunked" and "drip" end after 30 s at most; the
server exits by itself after --lifetime seconds (default 300).

With --silent-if FILE, while FILE exists every new connection is
accepted and then never gets a byte, not even the TLS handshake (held
until the client goes, 30 s at most).
"""
import argparse
import hashlib
import json
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

SOCKET_TIMEOUT = 5.0
MAX_HOLD = 30.0

LOG_LOCK = threading.Lock()
CTX_LOCK = threading.Lock()
CONTEXTS = {}


def log_request(path, port, req_path, action, inm, ims):
    line = json.dumps({"t": time.time(), "port": port, "path": req_path,
                       "action": action, "if_none_match": inm,
                       "if_modified_since": ims})
    with LOG_LOCK:
        with open(path, "a") as f:
            f.write(line + "\n")


def tls_context(certs, www):
    try:
        with open(os.path.join(www, "cert")) as f:
            name = f.read().strip() or "server"
    except OSError:
        name = "server"
    with CTX_LOCK:
        ctx = CONTEXTS.get(name)
        if ctx is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(certs, name + ".crt"),
                                os.path.join(certs, name + ".key"))
            CONTEXTS[name] = ctx
        return ctx


def route(www, path):
    try:
        with open(os.path.join(www, "routes")) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == path:
                    return parts[1], parts[2:]
    except OSError:
        pass
    return None, []


def list_lines(n):
    """n bytes of list text: addresses, padded with a comment."""
    out = bytearray()
    i = 0
    while len(out) + 16 <= n:
        out += b"198.51.100.%d\n" % (i % 250 + 1)
        i += 1
    pad = n - len(out)
    if pad > 0:
        out += b"#" * (pad - 1) + b"\n" if pad > 1 else b"\n"
    return bytes(out)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT

    def log_message(self, fmt, *args):
        pass

    def head(self, code, headers, length=None):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def do_GET(self):
        srv = self.server
        path = self.path.split("?", 1)[0]
        action, args = route(srv.www, path)
        log_request(srv.log, srv.server_address[1], self.path, action,
                    self.headers.get("If-None-Match"),
                    self.headers.get("If-Modified-Since"))
        try:
            self.act(action, args)
        except (OSError, ValueError):
            self.close_connection = True

    def act(self, action, args):
        srv = self.server
        if action == "file":
            fn = os.path.join(srv.www, args[0])
            with open(fn, "rb") as f:
                body = f.read()
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
            lm = formatdate(os.stat(fn).st_mtime, usegmt=True)
            if self.headers.get("If-None-Match") == etag:
                self.head(304, [("ETag", etag), ("Last-Modified", lm)])
                return
            self.head(200, [("Content-Type", "text/plain"), ("ETag", etag),
                            ("Last-Modified", lm)], len(body))
            self.wfile.write(body)
        elif action == "redirect":
            body = b"moved\n"
            self.head(int(args[0]), [("Location", args[1])], len(body))
            self.wfile.write(body)
        elif action == "status":
            body = b"status %s\n" % args[0].encode()
            self.head(int(args[0]), [("Content-Type", "text/plain")],
                      len(body))
            self.wfile.write(body)
        elif action == "big":
            body = list_lines(int(args[0]))
            self.head(200, [("Content-Type", "text/plain")], len(body))
            for i in range(0, len(body), 65536):
                self.wfile.write(body[i:i + 65536])
        elif action == "garbage":
            body = (b"<html><head><title>Server list</title></head><body>\n"
                    b"<p>Our servers are listed on the portal. Log in!</p>\n"
                    b"%PDF-1.4 \x00\x01\x02\xff\xfe binary junk\n"
                    b"not-an-address 999.1.2.3 ::::: /33\n"
                    b"</body></html>\n")
            self.head(200, [("Content-Type", "text/html")], len(body))
            self.wfile.write(body)
        elif action == "headers":
            self.send_response_only(200)
            self.flush_headers()
            total = int(args[0])
            sent = 0
            n = 0
            pad = b"x" * 1000
            deadline = time.monotonic() + MAX_HOLD
            while sent < total and time.monotonic() < deadline:
                chunk = b"".join(b"X-Pad-%d: %s\r\n" % (n + i, pad)
                                 for i in range(64))
                n += 64
                self.wfile.write(chunk)
                sent += len(chunk)
            self.wfile.write(b"Content-Length: 0\r\n\r\n")
            self.close_connection = True
        elif action == "chunked":
            self.head(200, [("Content-Type", "text/plain"),
                            ("Transfer-Encoding", "chunked")])
            data = list_lines(4096)
            chunk = b"%x\r\n%s\r\n" % (len(data), data)
            deadline = time.monotonic() + MAX_HOLD
            while time.monotonic() < deadline:
                self.wfile.write(chunk)
        elif action == "drip":
            self.head(200, [("Content-Type", "text/plain")], 1 << 20)
            deadline = time.monotonic() + MAX_HOLD
            i = 0
            while time.monotonic() < deadline:
                self.wfile.write(b"198.51.100.%d\n" % (i % 250 + 1))
                self.wfile.flush()
                i += 1
                time.sleep(0.5)
        elif action == "hang":
            self.hold()
        elif action in ("reset", "alert"):
            body = list_lines(int(args[0]) if args else 20000)
            self.head(200, [("Content-Type", "text/plain")], len(body))
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            time.sleep(0.1)
            conn = self.connection
            if action == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
                conn.close()
            elif isinstance(conn, ssl.SSLSocket):
                conn.settimeout(1.0)
                try:
                    conn.unwrap().close()
                except (OSError, ValueError):
                    conn.close()
            else:
                conn.close()
            self.close_connection = True
        else:
            body = b"no such path\n"
            self.head(404, [("Content-Type", "text/plain")], len(body))
            self.wfile.write(body)

    def hold(self):
        """Never answers; waits (bounded) for the client to go away."""
        hold(self.connection)
        self.close_connection = True


def hold(conn):
    """Reads and drops what comes, until EOF or 30 s."""
    conn.settimeout(0.2)
    deadline = time.monotonic() + MAX_HOLD
    while time.monotonic() < deadline:
        try:
            if not conn.recv(4096):
                break
        except socket.timeout:
            continue
        except (OSError, ValueError):
            break


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port, tls, www, certs, log, silent_if=None):
        self.tls = tls
        self.silent_if = silent_if
        self.www = www
        self.certs = certs
        self.log = log
        socketserver.TCPServer.__init__(self, ("127.0.0.1", port), Handler)

    def finish_request(self, request, client_address):
        request.settimeout(SOCKET_TIMEOUT)
        conn = request
        try:
            if self.silent_if and os.path.exists(self.silent_if):
                hold(request)
                return
            if self.tls:
                conn = tls_context(self.certs, self.www).wrap_socket(
                    request, server_side=True)
            Handler(conn, client_address, self)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def shutdown_request(self, request):
        try:
            request.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--www", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tls", type=int, action="append", default=[])
    ap.add_argument("--plain", type=int, action="append", default=[])
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--silent-if")
    a = ap.parse_args()
    servers = []
    for port, tls in [(p, True) for p in a.tls] + [(p, False)
                                                   for p in a.plain]:
        s = Server(port, tls, a.www, a.certs, a.log, a.silent_if)
        threading.Thread(target=s.serve_forever, kwargs={
            "poll_interval": 0.2}, daemon=True).start()
        servers.append(s)
    print("listening", flush=True)
    time.sleep(a.lifetime)
    sys.exit(0)


if __name__ == "__main__":
    main()
