"""Clients that keep arriving: W threads, each opening one tunnel after
another through pinhole to an echo server, loopback only.

    load.py --proxy HOST:PORT --dest HOST:PORT --workers W
            (--duration S | --each K) [--via VIA[,VIA...]] [--bytes N]
            [--timeout S] [--sources A.B.C.D-N] [--until FILE]
            [--tags FILE] [--hold S]

Each tunnel: handshake (VIA taken in turn: connect, socks5, socks4,
socks4a), N random bytes up (default 20000), hold S seconds (default 0),
half-close, then every byte must come back, then the end of the
stream.  Outcomes:
    served    every byte came back, in order, then EOF
    refused   pinhole answered the handshake with a refusal, closed the
              connection before answering, or it could not be opened
              within --timeout (a client not served; pinhole may do
              this when it cannot take more)
    broken    the tunnel was set up, then bytes were lost, changed or
              cut short: never allowed
Workers stop after --duration seconds, or after K tunnels each, or when
--until FILE exists.  Prints one summary line:
    "served S refused R broken B max_ms M p50_ms P p99_ms Q"
(latencies of served tunnels, handshake to EOF), then "broken: ..."
lines for the first few broken ones.  --tags FILE gets "CLIENT BYTES"
for every served tunnel (its ip:port as pinhole logs it).
"""
import argparse
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import (TunnelError, connect, handshake, local_tag,  # noqa
                         loopback_only, split_hostport)
from many_tunnels import raise_nofile, sources  # noqa: E402


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.served = 0
        self.refused = 0
        self.broken = []
        self.ms = []
        self.tags = []


def one(a, st, phost, pport, dhost, dport, via, src, rnd):
    data = rnd.randbytes(a.bytes)
    t0 = time.monotonic()
    try:
        s = connect(phost, pport, a.timeout, src)
    except OSError:
        with st.lock:
            st.refused += 1
        return
    try:
        try:
            handshake(s, via, dhost, dport)
        except (TunnelError, OSError):
            with st.lock:
                st.refused += 1
            return
        tag = local_tag(s)
        got = bytearray()
        err = []

        def reader():
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        return
                    got.extend(d)
            except OSError as e:
                err.append("recv: %s" % e)

        r = threading.Thread(target=reader, daemon=True)
        r.start()
        try:
            for i in range(0, len(data), 16384):
                s.sendall(data[i:i + 16384])
            if a.hold:
                time.sleep(a.hold)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append("send: %s" % e)
        r.join(a.timeout + a.hold + 5)
        ms = (time.monotonic() - t0) * 1000
        with st.lock:
            if r.is_alive():
                st.broken.append("%s %s: no EOF after %d of %d bytes" %
                                 (via, tag, len(got), len(data)))
            elif err or bytes(got) != data:
                st.broken.append("%s %s: %s, %d of %d bytes back%s" % (
                    via, tag, "; ".join(err) or "ok", len(got), len(data),
                    "" if bytes(got) == data[:len(got)] else " (changed)"))
            else:
                st.served += 1
                st.ms.append(ms)
                st.tags.append("%s %d" % (tag, len(data)))
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--duration", type=float)
    ap.add_argument("--each", type=int)
    ap.add_argument("--via", default="socks5")
    ap.add_argument("--bytes", type=int, default=20000)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--sources")
    ap.add_argument("--until")
    ap.add_argument("--tags")
    ap.add_argument("--hold", type=float, default=0)
    a = ap.parse_args()
    if a.duration is None and a.each is None:
        a.duration = 10
    phost, pport = split_hostport(a.proxy)
    dhost, dport = split_hostport(a.dest)
    loopback_only(phost)
    vias = a.via.split(",")
    srcs = sources(a.sources)
    raise_nofile(a.workers * 3 + 100)
    st = Stats()
    end = time.monotonic() + (a.duration if a.duration is not None else 3600)

    def worker(w):
        rnd = random.Random(w)
        n = 0
        while time.monotonic() < end and (a.each is None or n < a.each):
            if a.until and os.path.exists(a.until):
                break
            one(a, st, phost, pport, dhost, dport, vias[(w + n) % len(vias)],
                srcs[w % len(srcs)], rnd)
            n += 1

    threads = [threading.Thread(target=worker, args=(w,), daemon=True)
               for w in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = sorted(st.ms) or [0]
    print("served %d refused %d broken %d max_ms %d p50_ms %d p99_ms %d" % (
        st.served, st.refused, len(st.broken), ms[-1], ms[len(ms) // 2],
        ms[min(len(ms) - 1, len(ms) * 99 // 100)]), flush=True)
    for b in st.broken[:5]:
        print("broken: %s" % b, flush=True)
    if a.tags:
        with open(a.tags, "w") as f:
            f.write("".join(t + "\n" for t in st.tags))


if __name__ == "__main__":
    main()
