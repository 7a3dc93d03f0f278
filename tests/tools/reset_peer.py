"""Both ends of a tunnel that ends in a TCP reset, for the reset tests;
loopback only, every wait bounded.

    reset_peer.py server --port PORT [--reset-after N] [--fin]
                  [--watch S] [--flood] [--rcvbuf B --read-when FILE]
                  --out FILE
        Accepts one connection.  Without --reset-after: reads until the
        end and writes "eof BYTES" or "reset BYTES" to FILE.  With it:
        sends N bytes, then closes with SO_LINGER 0 (a reset).
    reset_peer.py client --proxy PORT --dest HOST:PORT [--reset-after N]
                  [--fin] [--watch S] [--flood] [--rcvbuf B --read-when FILE]
                  --out FILE
        Opens a CONNECT tunnel through pinhole on 127.0.0.1:PORT.  With
        --reset-after: sends N bytes, then closes with a reset.  Without:
        reads until the end and writes "eof BYTES" or "reset BYTES", and
        "local=IP:PORT" on a second line.

    --fin      the sender half-closes (FIN) after its N bytes and resets
               0.5 s later: a reset after its own FIN.
    --watch S  the reader, at its EOF, watches the socket for up to S
               seconds for a reset ("eof BYTES reset" or "eof BYTES
               quiet"), without sending: only the reset passed on can
               tell it.
    --flood    the sender sends as fast as the tunnel takes, until it has
               taken nothing for 0.5 s (at most 10 s), then resets;
               "sent N".
    --rcvbuf B --read-when FILE  the reader's receive buffer is B
               bytes, and it reads nothing until FILE exists (at most 20
               s): so pinhole's writes to it stall, then it reads what
               reached it ("reset BYTES": the bytes delivered before the
               reset).
"""
import argparse
import errno
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import handshake, local_tag  # noqa: E402


def reset_close(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def watch_reset(s, secs):
    """After an EOF: has a reset come within secs?  Polled, not read."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) in (
                errno.ECONNRESET, errno.EPIPE):
            return "reset"
        time.sleep(0.05)
    return "quiet"


def read_to_end(s, watch=None):
    got = 0
    try:
        while True:
            b = s.recv(65536)
            if not b:
                if watch is not None:
                    return "eof %d %s" % (got, watch_reset(s, watch))
                return "eof %d" % got
            got += len(b)
    except ConnectionResetError:
        return "reset %d" % got
    except socket.timeout:
        return "timeout %d" % got


def send_then_reset(s, n, fin=False):
    s.sendall(b"x" * n)
    time.sleep(0.3)
    if fin:
        s.shutdown(socket.SHUT_WR)
        time.sleep(0.5)
    reset_close(s)


def flood_then_reset(s):
    """Sends until the tunnel takes nothing for 0.5 s (at most 10 s),
    then resets."""
    s.setblocking(False)
    chunk = b"y" * 65536
    sent = 0
    start = last = time.monotonic()
    while time.monotonic() - last < 0.5 and time.monotonic() - start < 10:
        try:
            n = s.send(chunk)
            sent += n
            last = time.monotonic()
        except BlockingIOError:
            select.select([], [s], [], 0.05)
    reset_close(s)
    return sent


def wait_for(path):
    for _ in range(400 if path else 0):
        if os.path.exists(path):
            break
        time.sleep(0.05)


def tunnel(proxy, dest, rcvbuf):
    """A CONNECT tunnel; the receive buffer is set before the connect."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", proxy))
    host, port = dest.rsplit(":", 1)
    handshake(s, "connect", host, int(port))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("--port", type=int)
    ap.add_argument("--proxy", type=int)
    ap.add_argument("--dest")
    ap.add_argument("--reset-after", type=int)
    ap.add_argument("--fin", action="store_true")
    ap.add_argument("--watch", type=float)
    ap.add_argument("--flood", action="store_true")
    ap.add_argument("--rcvbuf", type=int)
    ap.add_argument("--read-when")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.mode == "server":
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if a.rcvbuf:	# inherited by the accepted socket
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        ls.bind(("127.0.0.1", a.port))
        ls.listen(1)
        ls.settimeout(15)
        print("ready", flush=True)
        conn, _ = ls.accept()
        conn.settimeout(10)
        wait_for(a.read_when)
        if a.flood:
            result = "sent %d" % flood_then_reset(conn)
        elif a.reset_after is not None:
            send_then_reset(conn, a.reset_after, a.fin)
            result = "sent %d" % a.reset_after
        else:
            result = read_to_end(conn, a.watch)
        ls.close()
    else:
        s = tunnel(a.proxy, a.dest, a.rcvbuf)
        tag = local_tag(s)
        wait_for(a.read_when)
        if a.flood:
            result = "sent %d" % flood_then_reset(s)
        elif a.reset_after is not None:
            send_then_reset(s, a.reset_after, a.fin)
            result = "sent %d" % a.reset_after
        else:
            result = read_to_end(s, a.watch)
        result += "\nlocal=%s" % tag
    with open(a.out + ".tmp", "w") as f:
        f.write(result + "\n")
    os.rename(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()
