"""Prints, as hex, a TLS ClientHello for the strict SNI tests: ones a
server or an SNI router reads by a name other than the one a careless
reader takes.

    sni_variants.py KIND NAME [SECOND]

KIND is one of
  plain     a hand-built TLS 1.2 ClientHello for NAME, one record
  recver    a real one (Python's ssl, that is OpenSSL) for NAME, its
            record version changed to 04 03
  real      a real one for NAME, as it is
  two       a server_name list of two host_name entries, NAME, SECOND
  fronted   over two records, cut inside a padding extension so that a
            reader that reassembles the records finds SECOND, and one
            that reads on past the first record's header (as a router
            that does not reassemble does) finds NAME
NAME may be given as hex:... (raw bytes, UTF-8 say).
"""
import ssl
import struct
import sys


def ext(etype, body):
    return struct.pack(">HH", etype, len(body)) + body


def sni_ext(*names):
    entries = b"".join(b"\x00" + struct.pack(">H", len(n)) + n
                       for n in names)
    return ext(0, struct.pack(">H", len(entries)) + entries)


def message(exts):
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\x00\x02\x00\x2f"
            + b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    return b"\x01" + struct.pack(">I", len(body))[1:] + body


def record(payload, version=b"\x03\x01"):
    return b"\x16" + version + struct.pack(">H", len(payload)) + payload


def real(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=name.decode())
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def fronted(router_name, server_name):
    """Records R1 R2 of one hello.  Reassembled: PAD1, PAD2, SNI(server).
    Read on past R2's 5-byte header as if R1 went on: PAD1 ends 5 bytes
    early, where its last bytes make a 5-byte padding extension whose
    end is PAD2's body, which holds SNI(router)."""
    hidden = sni_ext(router_name)
    pad1 = ext(21, bytes(35) + b"\x00\x15\x00\x05\x00")
    pad2 = ext(21, hidden)
    msg = message(pad1 + pad2 + sni_ext(server_name))
    cut = msg.index(pad1) + 4 + 10      # inside PAD1's zero bytes
    return record(msg[:cut]) + record(msg[cut:])


def main():
    kind = sys.argv[1]
    names = [bytes.fromhex(a[4:]) if a.startswith("hex:") else a.encode()
             for a in sys.argv[2:]]
    if kind == "plain":
        out = record(message(sni_ext(names[0])))
    elif kind == "real":
        out = real(names[0])
    elif kind == "recver":
        data = real(names[0])
        out = data[:1] + b"\x04\x03" + data[3:]
    elif kind == "two":
        out = record(message(sni_ext(names[0], names[1])))
    elif kind == "fronted":
        out = fronted(names[0], names[1])
    else:
        sys.exit("kind?")
    print(out.hex())


if __name__ == "__main__":
    main()
