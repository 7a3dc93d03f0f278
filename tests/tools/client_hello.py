"""Prints, as hex, the ClientHello a real TLS client (Python's ssl, that
is OpenSSL) sends first, for the SNI tests.

    client_hello.py [--sni NAME] [--record-size N]

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
