"""A slow client: sends its bytes one at a time and notes when the
server closes the connection.

    dribble.py --connect HOST:PORT --esc TEXT [--interval S] [--max S]
               [--tag FILE]

Sends TEXT (Python escapes allowed) one byte every --interval seconds.
Prints "closed after S sent N got HEX" when the server ends the
connection, or "not closed after S sent N" when --max seconds passed.
"""
import argparse
import os
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import connect, split_hostport, write_tag  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--esc", required=True)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--max", type=float, default=10)
    ap.add_argument("--tag")
    a = ap.parse_args()
    data = a.esc.encode("latin-1").decode("unicode_escape").encode("latin-1")
    host, port = split_hostport(a.connect)
    s = connect(host, port, 5)
    write_tag(a.tag, s)
    start = time.monotonic()
    sent = 0
    got = b""
    next_send = start
    while time.monotonic() - start < a.max:
        now = time.monotonic()
        if sent < len(data) and now >= next_send:
            try:
                s.send(data[sent:sent + 1])
                sent += 1
            except OSError:
                break
            next_send = now + a.interval
        r, _, _ = select.select([s], [], [], 0.02)
        if r:
            try:
                chunk = s.recv(4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            got += chunk
    else:
        print("not closed after %.2f sent %d" % (time.monotonic() - start,
                                                  sent), flush=True)
        return
    print("closed after %.2f sent %d got %s" % (time.monotonic() - start,
                                                 sent, got.hex() or "-"),
          flush=True)


if __name__ == "__main__":
    main()
