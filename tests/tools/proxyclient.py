"""Shared by the test tools: open a tunnel through pinhole by CONNECT,
SOCKS5, SOCKS4 or SOCKS4a, loopback only, every step under a timeout."""
import ipaddress
import socket
import struct
import sys

LOOPBACK_V4 = ipaddress.ip_network("127.0.0.0/8")
LOOPBACK_V6 = ipaddress.ip_address("::1")


class TunnelError(Exception):
    """The proxy refused or broke the handshake; .reply holds its bytes."""

    def __init__(self, msg, reply=b""):
        super().__init__(msg)
        self.reply = reply


def loopback_only(host):
    """Refuses any address that is not 127.0.0.0/8 or ::1."""
    a = ipaddress.ip_address(host)
    if not (a == LOOPBACK_V6 or (a.version == 4 and a in LOOPBACK_V4)):
        sys.exit("refusing to connect to %s: loopback only" % host)


def split_hostport(text):
    """HOST:PORT or [V6]:PORT."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
    else:
        host, _, port = text.rpartition(":")
    return host, int(port)


def local_tag(sock):
    """The client address as pinhole logs it: ip:port or [ip]:port."""
    name = sock.getsockname()
    if sock.family == socket.AF_INET6:
        return "[%s]:%d" % (name[0], name[1])
    return "%s:%d" % (name[0], name[1])


def connect(host, port, timeout, source=None):
    loopback_only(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        loopback_only(source)
        s.bind((source, 0))
    s.connect((host, port))
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise TunnelError("closed after %d of %d bytes" % (len(buf), n),
                              buf)
        buf += chunk
    return buf


def recv_head(s, limit=65536):
    """Reads an HTTP reply head byte by byte, so no tunnel byte is taken."""
    buf = b""
    while not buf.endswith(b"\r\n\r\n"):
        c = s.recv(1)
        if not c:
            raise TunnelError("closed inside the reply head", buf)
        buf += c
        if len(buf) > limit:
            raise TunnelError("reply head too long", buf)
    return buf


def is_ip(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def handshake(s, via, host, port):
    """Asks the proxy on s for host:port; returns the proxy's reply bytes."""
    if via in ("connect", "connect10"):
        auth = "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)
        ver = "1.0" if via == "connect10" else "1.1"
        s.sendall(("CONNECT %s HTTP/%s\r\n\r\n" % (auth, ver)).encode())
        head = recv_head(s)
        if not head.startswith(b"HTTP/1.") or head[9:12] != b"200":
            raise TunnelError("CONNECT refused", head)
        return head
    if via == "socks5":
        s.sendall(b"\x05\x01\x00")
        choice = recv_exact(s, 2)
        if choice != b"\x05\x00":
            raise TunnelError("method refused", choice)
        if is_ip(host) and ":" in host:
            addr = b"\x04" + socket.inet_pton(socket.AF_INET6, host)
        elif is_ip(host):
            addr = b"\x01" + socket.inet_aton(host)
        else:
            addr = b"\x03" + bytes([len(host)]) + host.encode()
        s.sendall(b"\x05\x01\x00" + addr + struct.pack(">H", port))
        rep = recv_exact(s, 4)
        if rep[1] != 0:
            raise TunnelError("SOCKS5 reply 0x%02x" % rep[1], choice + rep)
        rest = 4 + 2 if rep[3] == 1 else 16 + 2
        return choice + rep + recv_exact(s, rest)
    if via in ("socks4", "socks4a"):
        if via == "socks4":
            req = b"\x04\x01" + struct.pack(">H", port) + \
                socket.inet_aton(host) + b"test\x00"
        else:
            req = b"\x04\x01" + struct.pack(">H", port) + \
                b"\x00\x00\x00\x01" + b"test\x00" + host.encode() + b"\x00"
        s.sendall(req)
        rep = recv_exact(s, 8)
        if rep[1] != 0x5A:
            raise TunnelError("SOCKS4 reply 0x%02x" % rep[1], rep)
        return rep
    raise ValueError("unknown proxy protocol " + via)


def open_tunnel(proxy, via, dest, timeout, source=None):
    """proxy and dest are HOST:PORT strings; returns (socket, reply)."""
    phost, pport = split_hostport(proxy)
    host, port = split_hostport(dest)
    s = connect(phost, pport, timeout, source)
    try:
        return s, handshake(s, via, host, port)
    except BaseException:
        s.close()
        raise


def write_tag(path, sock):
    if path:
        with open(path, "w") as f:
            f.write(local_tag(sock) + "\n")
