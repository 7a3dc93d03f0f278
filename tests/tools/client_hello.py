"""Prints, as hex, the ClientHello a real TLS client (Python's ssl, that
is OpenSSL) sends first, for the SNI tests.

    client_hello.py [--sni NAME] [--record-size N]

tls13_hello(), for hrr_client.py, builds a TLS 1.3 ClientHello by hand,
with a key share of one chosen group (to make a server ask again).

--sni NAME         the server_name to send (none without it)
--record-size N    cut the handshake message into TLS records of at most
                   N bytes each (as a client may; tiny records make the
                   bytes much longer than the message)
--bulk N           instead of a real one, the start of a ClientHello whose
                   header says N bytes follow, N zero bytes after it
"""
import argparse
import ssl
import struct


def hello(sni):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


# RFC 8446 groups: the client may offer groups it sends no share of.
X25519, SECP256R1 = 0x001D, 0x0017
# The generator of P-256, a valid public point (04 || x || y).
P256_G = bytes.fromhex(
    "04"
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")


def ext(kind, body):
    return struct.pack(">HH", kind, len(body)) + body


def tls13_hello(sni, share, session_id=bytes(32)):
    """A TLS 1.3 ClientHello offering X25519 and P-256 with a key share
    of group share only, as one record."""
    key = bytes(range(1, 33)) if share == X25519 else P256_G
    exts = b""
    if sni:
        name = sni.encode()
        entry = b"\x00" + struct.pack(">H", len(name)) + name
        exts += ext(0, struct.pack(">H", len(entry)) + entry)
    exts += ext(10, struct.pack(">HHH", 4, X25519, SECP256R1))
    sigs = struct.pack(">5H", 0x0804, 0x0403, 0x0805, 0x0401, 0x0501)
    exts += ext(13, struct.pack(">H", len(sigs)) + sigs)
    exts += ext(43, b"\x02\x03\x04")
    exts += ext(45, b"\x01\x01")
    entry = struct.pack(">HH", share, len(key)) + key
    exts += ext(51, struct.pack(">H", len(entry)) + entry)
    body = (b"\x03\x03" + bytes(range(32)) + bytes([len(session_id)]) +
            session_id + struct.pack(">HHHH", 6, 0x1301, 0x1302, 0x1303) +
            b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    msg = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(msg)) + msg


def recut(data, size):
    """The handshake payload of data's records, cut into records of size."""
    msg, off = b"", 0
    while off + 5 <= len(data):
        n = struct.unpack(">H", data[off + 3:off + 5])[0]
        msg += data[off + 5:off + 5 + n]
        off += 5 + n
    out = b""
    for i in range(0, len(msg), size):
        part = msg[i:i + size]
        out += b"\x16\x03\x01" + struct.pack(">H", len(part)) + part
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sni")
    ap.add_argument("--record-size", type=int)
    ap.add_argument("--bulk", type=int)
    args = ap.parse_args()
    if args.bulk:
        msg = b"\x01" + args.bulk.to_bytes(3, "big") + bytes(args.bulk)
        data = b"\x16\x03\x01" + struct.pack(">H", len(msg)) + msg
    else:
        data = hello(args.sni)
    if args.record_size:
        data = recut(data, args.record_size)
    print(data.hex())


if __name__ == "__main__":
    main()
