"""Echo server and tunnel holder for the vendor list tests, loopback only.

    vendor_tunnel.py echo --listen ADDR [--listen ADDR]... --port PORT
                          [--lifetime SECONDS]
    vendor_tunnel.py hold --proxy HOST:PORT --dest HOST:PORT --go FILE
                          [--max-wait SECONDS] [--via socks5|connect]
    vendor_tunnel.py probe --proxy HOST:PORT --dest HOST:PORT
                           [--via socks5|connect]

echo: a TCP echo server on each 127.x ADDR at PORT, a thread per
connection; it exits by itself after --lifetime seconds (default 120).

hold: opens a tunnel through the proxy (SOCKS5 CONNECT by default, or
HTTP CONNECT), checks one echo and prints "up"; then waits until FILE
exists (at most --max-wait seconds, default 20), watching the tunnel.  If the proxy closes the tunnel
first it prints "closed" and exits 3.  Otherwise it checks a second
echo and prints "alive" (exit 0) or "dead" (exit 4).  Other failures
print "FAIL ..." and exit 1.

probe: asks for a tunnel once and prints the answer: "ok", the HTTP
status of a refused CONNECT, "socks5:N" for a SOCKS5 reply code N
other than 0, or "error: ..." when there was no answer.

Every socket operation has a timeout.
"""
import argparse
import os
import select
import socket
import sys
import threading
import time

TIMEOUT = 5.0


def loopback(host):
    if not host.startswith("127."):
        sys.exit("vendor_tunnel.py: %s is not a 127.x address" % host)


def serve(conn):
    conn.settimeout(30)
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(lsock):
    while True:
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def echo_main(a):
    for addr in a.listen:
        loopback(addr)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, a.port))
        s.listen(64)
        s.settimeout(0.5)
        threading.Thread(target=accept_loop, args=(s,), daemon=True).start()
    print("listening", flush=True)
    time.sleep(a.lifetime)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        data = s.recv(n - len(buf))
        if not data:
            raise EOFError("closed after %d bytes" % len(buf))
        buf += data
    return buf


def echo_once(s, msg):
    s.sendall(msg)
    got = recv_exact(s, len(msg))
    if got != msg:
        raise EOFError("echo differs: %r" % got)


class Refused(Exception):
    pass


def recv_head(s):
    head = b""
    while b"\r\n\r\n" not in head:
        data = s.recv(1)
        if not data:
            raise EOFError("closed during the CONNECT answer")
        head += data
        if len(head) > 4096:
            raise EOFError("answer head too long")
    return head


def open_tunnel(proxy, dest, via):
    """A tunnel to dest through proxy; Refused(code) when it says no:
    the HTTP status of CONNECT, or the SOCKS5 reply code."""
    phost, pport = proxy.rsplit(":", 1)
    dhost, dport = dest.rsplit(":", 1)
    loopback(phost)
    loopback(dhost)
    s = socket.create_connection((phost, int(pport)), timeout=TIMEOUT)
    if via == "connect":
        s.sendall(b"CONNECT %s HTTP/1.1\r\n\r\n" % dest.encode())
        status = recv_head(s).split(b"\r\n", 1)[0].split()
        code = status[1].decode() if len(status) > 1 else "?"
        if code != "200":
            s.close()
            raise Refused(code)
        return s
    s.sendall(b"\x05\x01\x00")
    if recv_exact(s, 2) != b"\x05\x00":
        raise EOFError("SOCKS5 method refused")
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(dhost) +
              int(dport).to_bytes(2, "big"))
    rep = recv_exact(s, 10)
    if rep[1] != 0:
        s.close()
        raise Refused("socks5:%d" % rep[1])
    return s


def probe_main(a):
    """Prints what the proxy answers: "ok" (tunnel open), the HTTP
    status, "socks5:N", or "error: ..." when it did not answer."""
    try:
        s = open_tunnel(a.proxy, a.dest, a.via)
        s.close()
        print("ok")
    except Refused as e:
        print(e.args[0])
    except (OSError, EOFError) as e:
        print("error: %s" % e)


def hold_main(a):
    try:
        s = open_tunnel(a.proxy, a.dest, a.via)
        echo_once(s, b"ping 1\n")
    except Refused as e:
        print("FAIL refused: %s" % e.args[0], flush=True)
        sys.exit(1)
    except (OSError, EOFError) as e:
        print("FAIL open: %s" % e, flush=True)
        sys.exit(1)
    print("up", flush=True)
    start = time.monotonic()
    while not os.path.exists(a.go):
        if time.monotonic() - start > a.max_wait:
            print("FAIL the go file never came", flush=True)
            sys.exit(1)
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            try:
                data = s.recv(100)
            except OSError:
                data = b""
            if not data:
                print("closed", flush=True)
                sys.exit(3)
            print("FAIL unexpected bytes %r" % data, flush=True)
            sys.exit(1)
    try:
        echo_once(s, b"ping 2\n")
    except (OSError, EOFError):
        print("dead", flush=True)
        sys.exit(4)
    s.close()
    print("alive", flush=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--listen", action="append", required=True)
    e.add_argument("--port", type=int, required=True)
    e.add_argument("--lifetime", type=float, default=120)
    h = sub.add_parser("hold")
    h.add_argument("--proxy", required=True)
    h.add_argument("--dest", required=True)
    h.add_argument("--go", required=True)
    h.add_argument("--max-wait", type=float, default=20)
    h.add_argument("--via", choices=["connect", "socks5"], default="socks5")
    p = sub.add_parser("probe")
    p.add_argument("--proxy", required=True)
    p.add_argument("--dest", required=True)
    p.add_argument("--via", choices=["connect", "socks5"], default="socks5")
    a = ap.parse_args()
    if a.cmd == "echo":
        echo_main(a)
    elif a.cmd == "probe":
        probe_main(a)
    else:
        hold_main(a)


if __name__ == "__main__":
    main()
