"""A port where TCP connects hang: a listening socket with backlog 0
whose one queue slot is filled at once, never accepted.  Further SYNs are
dropped by the kernel, so a connect to it neither succeeds nor fails
until the connecting side gives up.

    blackhole.py --port PORT [--host 127.0.0.1] [--lifetime S] [--closed]
                 [--serve-when FILE]

Prints "ready" once a probe connect has been seen to hang.  With
--serve-when, once FILE exists the port starts accepting and echoes
every connection (echo_server.py's accept_loop): a connect that was hanging
then completes when the kernel sends its SYN again (about 1 s after the
first).  With
--closed the port is only bound, never listened on: connects to it are
refused at once, and no other program can take the port meanwhile.
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402
from echo_server import accept_loop  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--closed", action="store_true")
    ap.add_argument("--serve-when")
    a = ap.parse_args()
    loopback_only(a.host)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.host, a.port))
    if a.closed:
        probe = socket.socket()
        probe.settimeout(1)
        try:
            probe.connect((a.host, a.port))
            print("FAIL a connect to the bound port succeeded", flush=True)
            sys.exit(1)
        except ConnectionRefusedError:
            pass
        probe.close()
        print("ready", flush=True)
        time.sleep(a.lifetime)
        return
    ls.listen(0)
    fillers = []
    hung = False
    for _ in range(8):
        c = socket.socket()
        c.settimeout(0.3)
        try:
            c.connect((a.host, a.port))
            fillers.append(c)
        except socket.timeout:
            hung = True
            c.close()
            break
    if not hung:
        print("FAIL connects do not hang", flush=True)
        sys.exit(1)
    print("ready", flush=True)
    end = time.monotonic() + a.lifetime
    if a.serve_when is None:
        time.sleep(a.lifetime)
        return
    while not os.path.exists(a.serve_when) and time.monotonic() < end:
        time.sleep(0.05)
    accept_loop(ls, 10, end)


if __name__ == "__main__":
    main()
