"""Opens N idle connections to a server and holds them.

    idle_conns.py --connect HOST:PORT --count N [--send HEX] [--bind SRC]
                  [--until FILE] [--max-hold S]

Prints "open N" once all are connected (and have sent --send, if given),
then holds them until FILE exists (at most --max-hold seconds), then
prints "still-open K of N": how many the server had not closed.
"""
import argparse
import os
import resource
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import connect, split_hostport  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--send", default="")
    ap.add_argument("--bind")
    ap.add_argument("--until")
    ap.add_argument("--max-hold", type=float, default=30)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.count + 64) if hard != resource.RLIM_INFINITY \
        else a.count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    host, port = split_hostport(a.connect)
    socks = []
    try:
        for _ in range(a.count):
            s = connect(host, port, 5, a.bind)
            if a.send:
                s.sendall(bytes.fromhex(a.send))
            socks.append(s)
    except OSError as e:
        print("FAIL after %d connections: %s" % (len(socks), e), flush=True)
        sys.exit(1)
    print("open %d" % len(socks), flush=True)
    start = time.monotonic()
    while time.monotonic() - start < a.max_hold:
        if a.until and os.path.exists(a.until):
            break
        time.sleep(0.05)
    still = 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(1)
            if data:
                still += 1	# an answer, but open
        except BlockingIOError:
            still += 1
        except OSError:
            pass
        s.close()
    print("still-open %d of %d" % (still, len(socks)), flush=True)


if __name__ == "__main__":
    main()
