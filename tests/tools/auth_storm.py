"""Proxy logins in a storm: right and wrong passwords, clients that hang up.

    auth_storm.py --port P --target HOST:PORT --users FILE --seconds S
                  [--workers N] [--sources N] [--bad N] [--seed N]

FILE has one "user password" line each.  N threads (default 16) log in
over and over for S seconds, each login a CONNECT to TARGET with Basic
credentials from one of --sources addresses (127.0.0.100 and up).  The
first --bad of them (default a quarter) send a wrong password 3 times
in 10; the others ("good") only right ones.  1 login in 5 hangs up
right after sending.  A login that waits for its reply must get one
within 30 s.  A 200 is followed by 5 bytes echoed through the tunnel.
Prints counts, one "KEY N" line each: good-200, good-407, good-503 (a
good address refused), bad-right-200, bad-right-407, bad-right-503,
wrong-200 (a wrong password let in), wrong-407, wrong-503, hangups,
other (no reply, a reset, a bad echo), then logins.  Loopback only;
every wait is bounded.
"""
import argparse
import base64
import random
import socket
import sys
import threading
import time
from collections import Counter


def login(port, target, src, user, password, hang_up):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        cred = base64.b64encode(f"{user}:{password}".encode()).decode()
        s.sendall((f"CONNECT {target} HTTP/1.1\r\n"
                   f"Proxy-Authorization: Basic {cred}\r\n\r\n").encode())
        if hang_up:
            return "hangup"
        got = b""
        while b"\r\n\r\n" not in got and len(got) < 4096:
            data = s.recv(4096)
            if not data:
                break
            got += data
        parts = got.split(b"\r\n", 1)[0].split()
        if len(parts) < 2:
            return "other"
        status = parts[1].decode()
        if status == "200":
            s.sendall(b"storm")
            echoed = b""
            while len(echoed) < 5:
                data = s.recv(5 - len(echoed))
                if not data:
                    break
                echoed += data
            if echoed != b"storm":
                return "other"
        return status
    except OSError:
        return "other"
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--users", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--sources", type=int, default=8)
    ap.add_argument("--bad", type=int, default=-1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    users = [line.split(" ", 1) for line in
             open(args.users).read().splitlines() if line]
    bad = args.bad if args.bad >= 0 else args.sources // 4
    counts = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def worker(n):
        rnd = random.Random(args.seed * 1000 + n)
        while time.monotonic() < deadline:
            user, password = rnd.choice(users)
            k = rnd.randrange(args.sources)
            right = k >= bad or rnd.random() < 0.7
            if not right:
                password = "wrong-%d" % rnd.randrange(1000000)
            hang_up = rnd.random() < 0.2
            got = login(args.port, args.target, "127.0.0.%d" % (100 + k),
                        user, password, hang_up)
            if got == "hangup":
                key = "hangups"
            elif got not in ("200", "407", "503"):
                key = "other"
            elif not right:
                key = "wrong-" + got
            else:
                key = ("good-" if k >= bad else "bad-right-") + got
            with lock:
                counts[key] += 1
                counts["logins"] += 1

    threads = [threading.Thread(target=worker, args=(n,))
               for n in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.seconds + 60)
    for key in ("good-200", "good-407", "good-503", "bad-right-200",
                "bad-right-407", "bad-right-503", "wrong-200", "wrong-407",
                "wrong-503", "hangups", "other", "logins"):
        print(key, counts[key])
    return 0


if __name__ == "__main__":
    sys.exit(main())
