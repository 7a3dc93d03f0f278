"""SOCKS5 UDP ASSOCIATE clients, loopback only.

    udp_client.py pysocks PROXYPORT [--user U --password P] [--intruder]
                          HOST PORT TEXT...
        Debian's PySocks (python3-socks) opens the association and sends
        each TEXT to HOST:PORT (a name goes to the proxy as a name), then
        reads one reply: prints "reply HOST PORT TEXT" or "reply none".
        First prints "local IP:PORT", the address it sends from.  --user
        and --password are PySocks's RFC 1929 login.  With --intruder,
        before PySocks's first datagram another socket on 127.0.0.1 sends
        "intruder" to HOST:PORT through the association's relay and waits
        2 s for a reply: prints "intruder HOST PORT TEXT" or "intruder
        none".

    udp_client.py raw PROXYPORT [--from IP] [--user U --password P]
                      [--ask HOST|PORT] STEP...
        A hand-made client for what PySocks never sends.  It opens the
        association (printing "assoc REP BOUND-IP", or "refused REP") from
        127.0.0.1 (or --from IP; from ::1 to the proxy's [::1] and from
        a UDP socket on ::1) and prints "local IP:PORT" of its UDP socket
        ("main"), then runs the steps in order.  The request's DST.ADDR and DST.PORT
        are 0.0.0.0 and 0, or with --ask HOST (an address, or a name sent
        as a name) and PORT (a number, or "main": main's port).  Steps:
          main | port2 | addr2   send from main, from a second socket on
                                 127.0.0.1, or from one on 127.0.0.2
          to|HOST|PORT|TEXT      a datagram with a well-formed header
                                 (IPv4, IPv6 or a name, by HOST's form)
          hex|HEX                these very bytes
          recv                   one datagram to the socket sent from
                                 last (main at first) within 2 s: prints
                                 "recv HOST PORT TEXT" or "recv none"
          drain                  reads what comes to main within 1 s:
                                 prints "drained N"
          burst|HOST|PORT|N|SIZE N datagrams of SIZE bytes at once, each
                                 its own, then reads the replies (2 s
                                 after the last at most): prints "burst
                                 K back, E exact" (E: from HOST:PORT,
                                 the very bytes of one sent, once)
          close                  closes the TCP connection
          wait|S                 sleeps S seconds
          tcp                    prints "tcp closed" once pinhole closes
                                 the control connection (within 10 s),
                                 else "tcp open"
"""
import ipaddress
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import loopback_only  # noqa: E402


def header(host, port):
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode()
        return b"\0\0\0\x03" + bytes([len(name)]) + name + \
            struct.pack(">H", port)
    atyp = b"\x01" if ip.version == 4 else b"\x04"
    return b"\0\0\0" + atyp + ip.packed + struct.pack(">H", port)


def parse_reply(d):
    if len(d) < 10 or d[3] not in (1, 4):
        return "malformed %s" % d.hex()
    n = 4 if d[3] == 1 else 16
    ip = ipaddress.ip_address(d[4:4 + n])
    port = struct.unpack(">H", d[4 + n:6 + n])[0]
    return "%s %d %s" % (ip, port, d[6 + n:].decode("latin-1"))


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def associate(port, source, user, password, ask=b"\x01\0\0\0\0\0\0"):
    """The TCP control connection and the reply: (sock, rep, ip, port).
    ask: the request's ATYP, DST.ADDR and DST.PORT."""
    loopback_only(source)
    proxy = "::1" if ":" in source else "127.0.0.1"
    t = socket.create_connection((proxy, port), timeout=5,
                                 source_address=(source, 0))
    if user is None:
        t.sendall(b"\x05\x01\x00")
        if recv_exact(t, 2) != b"\x05\x00":
            return t, -1, None, 0
    else:
        t.sendall(b"\x05\x01\x02")
        if recv_exact(t, 2) != b"\x05\x02":
            return t, -1, None, 0
        u, p = user.encode(), password.encode()
        t.sendall(b"\x01" + bytes([len(u)]) + u + bytes([len(p)]) + p)
        if recv_exact(t, 2) != b"\x01\x00":
            return t, -2, None, 0
    t.sendall(b"\x05\x03\x00" + ask)
    r = recv_exact(t, 4)
    n = 4 if r[3] == 1 else 16
    rest = recv_exact(t, n + 2)
    ip = str(ipaddress.ip_address(rest[:n]))
    return t, r[1], ip, struct.unpack(">H", rest[n:])[0]


def udp_socket(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, 0))
    return s


def tcp_state(t):
    t.settimeout(10)
    try:
        return "tcp open" if t.recv(1) else "tcp closed"
    except socket.timeout:
        return "tcp open"
    except OSError:
        return "tcp closed"


def burst(cur, main, relay, host, port, n, size):
    h = header(host, port)
    sent = set()
    for i in range(n):
        d = (b"%06d" % i + bytes([65 + i % 26]) * size)[:size]
        sent.add(d)
        cur.sendto(h + d, relay)
    back = exact = 0
    main.settimeout(2)
    try:
        while back < n:
            d, _ = main.recvfrom(65536)
            back += 1
            if d[:len(h)] == h and d[len(h):] in sent:
                sent.discard(d[len(h):])
                exact += 1
    except socket.timeout:
        pass
    print("burst %d back, %d exact" % (back, exact), flush=True)


def raw(argv):
    port = int(argv[0])
    user = password = None
    source = "127.0.0.1"
    steps = argv[1:]
    if steps[:1] == ["--from"]:
        source, steps = steps[1], steps[2:]
    if steps[:1] == ["--user"]:
        user, password, steps = steps[1], steps[3], steps[4:]
    here = "::1" if ":" in source else "127.0.0.1"
    main = udp_socket(here)
    local = main.getsockname()
    ask = b"\x01\0\0\0\0\0\0"
    if steps[:1] == ["--ask"]:
        host, aport = steps[1].split("|")
        aport = local[1] if aport == "main" else int(aport)
        ask = header(host, aport)[3:]
        steps = steps[2:]
    t, rep, bip, bport = associate(port, source, user, password, ask)
    if rep != 0:
        print("refused %d" % rep, flush=True)
        return
    print("assoc %d %s" % (rep, bip), flush=True)
    loopback_only(bip)
    relay = (bip, bport)
    print(("local [%s]:%d" if ":" in here else "local %s:%d") % local[:2],
          flush=True)
    socks = {"main": main}
    cur = main
    for step in steps:
        parts = step.split("|")
        if parts[0] in ("main", "port2", "addr2"):
            if parts[0] not in socks:
                socks[parts[0]] = udp_socket(
                    "127.0.0.2" if parts[0] == "addr2" else here)
            cur = socks[parts[0]]
        elif parts[0] == "to":
            cur.sendto(header(parts[1], int(parts[2])) +
                       parts[3].encode(), relay)
        elif parts[0] == "hex":
            cur.sendto(bytes.fromhex(parts[1]), relay)
        elif parts[0] == "recv":
            cur.settimeout(2)
            try:
                d, _ = cur.recvfrom(65536)
                print("recv %s" % parse_reply(d), flush=True)
            except socket.timeout:
                print("recv none", flush=True)
        elif parts[0] == "drain":
            n = 0
            main.settimeout(1)
            try:
                while n < 10000:
                    main.recvfrom(65536)
                    n += 1
            except socket.timeout:
                pass
            print("drained %d" % n, flush=True)
        elif parts[0] == "burst":
            burst(cur, main, relay, parts[1], int(parts[2]), int(parts[3]),
                  int(parts[4]))
        elif parts[0] == "close":
            t.close()
        elif parts[0] == "wait":
            time.sleep(float(parts[1]))
        elif parts[0] == "tcp":
            print(tcp_state(t), flush=True)
        else:
            sys.exit("unknown step %s" % step)


def pysocks(argv):
    import socks
    user = password = None
    intruder = False
    if argv[1:2] == ["--user"]:
        user, password, argv = argv[2], argv[4], argv[:1] + argv[5:]
    if argv[1:2] == ["--intruder"]:
        intruder, argv = True, argv[:1] + argv[2:]
    port, host, dport, texts = int(argv[0]), argv[1], int(argv[2]), argv[3:]
    s = socks.socksocket(socket.AF_INET, socket.SOCK_DGRAM)
    s.set_proxy(socks.SOCKS5, "127.0.0.1", port, rdns=True, username=user,
                password=password)
    s.settimeout(5)
    s.bind(("127.0.0.1", 0))
    print("local %s:%d" % socket.socket.getsockname(s), flush=True)
    if intruder:
        relay = socket.socket.getpeername(s)
        loopback_only(relay[0])
        other = udp_socket("127.0.0.1")
        other.settimeout(2)
        other.sendto(header(host, dport) + b"intruder", relay)
        try:
            d, _ = other.recvfrom(65536)
            print("intruder %s" % parse_reply(d), flush=True)
        except socket.timeout:
            print("intruder none", flush=True)
        other.close()
    for text in texts:
        s.sendto(text.encode(), (host, dport))
        try:
            d, (h, p) = s.recvfrom(65536)
            print("reply %s %d %s" % (h, p, d.decode("latin-1")),
                  flush=True)
        except socket.timeout:
            print("reply none", flush=True)
    s.close()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "pysocks":
        pysocks(sys.argv[2:])
    elif sys.argv[1] == "raw":
        raw(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
