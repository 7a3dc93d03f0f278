"""A small HTTP origin for the forwarding tests, loopback only.

    http_backend.py --port PORT [--listen 127.0.0.1] [--lifetime SECONDS]

GET /hello.txt     "hello from the backend\n"
GET /head          the request head as received, as the body
POST /echo         the request body back (Content-Length or chunked)
anything else      404
Every response has a Content-Length; HTTP/1.1, kept alive unless asked.
"""
import argparse
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402

HELLO = b"hello from the backend\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/hello.txt":
            self.reply(200, HELLO)
        elif self.path == "/head":
            head = self.requestline + "\r\n" + str(self.headers)
            self.reply(200, head.encode("latin-1"))
        else:
            self.reply(404, b"not found\n")

    do_HEAD = do_GET

    def read_chunked(self):
        body = b""
        while len(body) <= 10 * 1024 * 1024:
            size = int(self.rfile.readline(100).split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                    pass	# trailer fields
                return body
            body += self.rfile.read(size)
            self.rfile.readline(10)
        return body

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self.read_chunked()
        else:
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n) if n <= 10 * 1024 * 1024 else b""
        if self.path == "/echo":
            self.reply(200, body, "application/octet-stream")
        else:
            self.reply(404, b"not found\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--listen", action="append")
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    servers = []
    for host in a.listen or ["127.0.0.1"]:
        loopback_only(host)
        cls = Server6 if ":" in host else Server
        srv = cls((host, a.port), Handler)
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
        servers.append(srv)
    print("listening", flush=True)
    time.sleep(a.lifetime)
    for srv in servers:
        srv.shutdown()


if __name__ == "__main__":
    main()
