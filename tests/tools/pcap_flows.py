"""Reads pinhole's pcap files with tshark, for the pcap tests.

    pcap_flows.py scan [--payload|--fast] FILE >SUMMARY
        One line per TCP stream (tshark's tcp.stream), "key=value" words:
          client=IP:PORT dest=IP:PORT   (the sender of the first SYN, as
                    in the JSON log: ip:port or [ip]:port; without a SYN,
                    the sender of the first packet)
          fam=4|6 pkts=N
          up=N down=N        payload bytes each way, summed tcp.len (which
                             tshark takes from the IP length, so truncated
                             segments count in full)
          upseq=N downseq=N  the same from sequence numbers: the highest
                             seq+len past the SYN's (na without a SYN)
          upkept=N downkept=N  payload bytes actually captured each way
          recbytes=N         bytes of the stream's records in the file
                             (captured bytes + 16 per record header)
          uphash= downhash=  (--payload) sha256 of the captured payload in
                             sequence order
          upprefix=yes|no    (--payload) the captured bytes are the first
                             ones of the direction, with no hole
          start=>S,<SA,>A    flags of the first three packets (> from the
                             client, < to it; S A F R)
          end=FIN|RST|half|none  FIN both ways / any RST / one FIN / none
          tail=clean|dirty   dirty: data or a SYN after a FIN in the same
                             direction, or any packet after an RST
          synrst=yes|no      exactly two packets: a SYN from the client
                             answered by an RST
          lenok=yes|no       every record's original length is the IP
                             packet's, captured length <= original, and
                             the IP and TCP headers are captured in full
          t0= t1=            first and last timestamp (epoch seconds)
        --fast turns off tshark's sequence analysis (which the numbers
        above do not need), for files of hundreds of thousands of records.
    pcap_flows.py get SUMMARY CLIENT FIELD...
        The FIELDs of the last stream of that client, space separated, or
        "missing" (exit 1).
    pcap_flows.py all SUMMARY CLIENT FIELD...
        The same for every stream of that client, one line each, in order.
    pcap_flows.py count SUMMARY
        How many streams.
    pcap_flows.py conv CONV-OUTPUT A B
        "yes" if the output of `tshark -q -z conv,tcp` lists a
        conversation between endpoints A and B (either order), else "no".
    pcap_flows.py convcount CONV-OUTPUT
        How many conversations it lists.
    pcap_flows.py match SUMMARY CONV-OUTPUT LOG
        Every record of the JSON log LOG (flows only) against the pcap:
        `tshark -q -z conv,tcp` lists exactly the conversations the log
        has (client <-> addr:port, as many of each), and each client's
        stream has the record's bytes_up / bytes_down by tcp.len and by
        sequence numbers, a handshake and a FIN or RST.  Prints "ok N
        flows", or the first differences (exit 1).
    pcap_flows.py walk FILE
        Walks the pcap FILE record by record: one 24-byte header of
        pinhole's (magic, LINKTYPE_RAW), then whole records, each with
        captured length <= original length and an IP header where the
        payload starts, ending exactly at the end of the file: no second
        header, no record cut or interleaved.  Prints "ok N records" or
        where it went wrong (exit 1).
    pcap_flows.py sha a|b|FILE N
        sha256 of the first N bytes of pattern a or b (pcap_xfer.py) or of
        FILE.
"""
import collections
import hashlib
import json
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_xfer import pattern_prefix  # noqa: E402

FIELDS = ["frame.time_epoch", "frame.len", "frame.cap_len", "tcp.stream",
          "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
          "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.len",
          "ip.hdr_len", "ip.len", "ipv6.plen", "tcp.hdr_len"]
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


def endpoint(ip, port):
    return "[%s]:%s" % (ip, port) if ":" in ip else "%s:%s" % (ip, port)


def flagstr(f):
    return "".join(c for c, bit in (("S", SYN), ("F", FIN), ("R", RST),
                                    ("A", ACK)) if f & bit)


def num(text, default=0):
    if text == "":
        return default
    return int(text, 0)


def tshark_rows(path, payload, fast):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=f"]
    for f in FIELDS + (["tcp.payload"] if payload else []):
        cmd += ["-e", f]
    # Payload per segment, not handed to HTTP and the like.
    cmd += ["-o", "tcp.desegment_tcp_streams:FALSE",
            "-o", "tcp.analyze_sequence_numbers:%s" %
            ("FALSE" if fast else "TRUE")]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, check=False,
                         stderr=subprocess.DEVNULL).stdout.decode()
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) + 1 - len(cols))
        yield dict(zip(FIELDS + ["tcp.payload"], cols))


def scan(path, payload, fast):
    streams = {}
    order = []
    for r in tshark_rows(path, payload, fast):
        if r["tcp.stream"] == "":
            continue
        sid = int(r["tcp.stream"])
        v6 = r["ipv6.src"] != ""
        src = endpoint(r["ipv6.src"] if v6 else r["ip.src"], r["tcp.srcport"])
        dst = endpoint(r["ipv6.dst"] if v6 else r["ip.dst"], r["tcp.dstport"])
        flags = num(r["tcp.flags"])
        caplen, flen = int(r["frame.cap_len"]), int(r["frame.len"])
        iphdr = 40 if v6 else num(r["ip.hdr_len"])
        tcphdr = num(r["tcp.hdr_len"])
        iplen = 40 + num(r["ipv6.plen"]) if v6 else num(r["ip.len"])
        p = {"t": float(r["frame.time_epoch"]), "src": src, "dst": dst,
             "flags": flags, "seq": num(r["tcp.seq_raw"]),
             "len": num(r["tcp.len"]), "v6": v6,
             "kept": max(0, caplen - iphdr - tcphdr), "cap": caplen,
             "lenok": flen == iplen and caplen <= flen and
             tcphdr >= 20 and caplen >= iphdr + tcphdr,
             "data": bytes.fromhex(r["tcp.payload"].replace(":", ""))
             if payload else b""}
        if sid not in streams:
            streams[sid] = []
            order.append(sid)
        streams[sid].append(p)
    for sid in order:
        print(summarize(streams[sid], payload))


def summarize(pk, payload):
    syn = next((p for p in pk if p["flags"] & (SYN | ACK) == SYN), None)
    client = syn["src"] if syn else pk[0]["src"]
    dest = syn["dst"] if syn else pk[0]["dst"]
    isn = {}
    if syn:
        isn[client] = syn["seq"]
    synack = next((p for p in pk if p["flags"] & (SYN | ACK) == SYN | ACK and
                   p["src"] == dest), None)
    if synack:
        isn[dest] = synack["seq"]
    out = {"client": client, "dest": dest,
           "fam": "6" if pk[0]["v6"] else "4", "pkts": len(pk)}
    fins = set()
    rst = False
    dirty = False
    for p in pk:
        if rst:
            dirty = True
        if p["src"] in fins and (p["len"] > 0 or p["flags"] & SYN):
            dirty = True
        if p["flags"] & FIN:
            fins.add(p["src"])
        if p["flags"] & RST:
            rst = True
    for name, who in (("up", client), ("down", dest)):
        mine = [p for p in pk if p["src"] == who]
        out[name] = sum(p["len"] for p in mine)
        if who in isn:
            # Up to the first FIN (which takes a sequence number itself).
            fin = next((p for p in mine if p["flags"] & FIN), None)
            ends = [(p["seq"] + p["len"] - isn[who] - 1) % (1 << 32)
                    for p in ([fin] if fin else mine)
                    if not p["flags"] & SYN]
            out[name + "seq"] = max(ends) if ends else 0
        else:
            out[name + "seq"] = "na"
        out[name + "kept"] = sum(p["kept"] for p in mine)
        if payload:
            base = isn.get(who, min((p["seq"] for p in mine), default=0) - 1)
            pieces = sorted(((p["seq"] - base - 1) % (1 << 32), p["data"])
                            for p in mine if p["data"])
            buf = b""
            prefix = True
            for off, data in pieces:
                if off > len(buf):
                    prefix = False
                buf = buf[:off] + data if off <= len(buf) else buf + data
            out[name + "hash"] = hashlib.sha256(buf).hexdigest()
            out[name + "prefix"] = "yes" if prefix else "no"
    out["recbytes"] = sum(p["cap"] + 16 for p in pk)
    out["start"] = ",".join((">" if p["src"] == client else "<") +
                            flagstr(p["flags"]) for p in pk[:3])
    out["end"] = ("RST" if rst else "FIN" if len(fins) == 2 else
                  "half" if fins else "none")
    out["tail"] = "dirty" if dirty else "clean"
    out["synrst"] = "yes" if (len(pk) == 2 and pk[0]["src"] == client and
                              pk[0]["flags"] & (SYN | ACK | RST | FIN) == SYN
                              and pk[1]["src"] == dest and
                              pk[1]["flags"] & RST) else "no"
    out["lenok"] = "yes" if all(p["lenok"] for p in pk) else "no"
    out["t0"] = "%.6f" % pk[0]["t"]
    out["t1"] = "%.6f" % pk[-1]["t"]
    return " ".join("%s=%s" % kv for kv in out.items())


def summary(path):
    with open(path) as f:
        for line in f:
            yield dict(w.split("=", 1) for w in line.split())


def conv_pairs(path):
    """Endpoint pairs of `tshark -q -z conv,tcp` output, as sets."""
    pairs = []
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*(\S+)\s+<->\s+(\S+)\s", line)
            if not m:
                continue
            eps = []
            for ep in m.groups():
                ip, _, port = ep.rpartition(":")
                eps.append(endpoint(ip.strip("[]"), port))
            pairs.append(frozenset(eps))
    return pairs


def match(sum_path, conv_path, log_path):
    streams = collections.defaultdict(list)
    for r in summary(sum_path):
        streams[r["client"]].append(r)
    want, bad, n = collections.Counter(), [], 0
    with open(log_path) as f:
        for line in f:
            r = json.loads(line)
            n += 1
            if r.get("event") != "flow":
                bad.append("record %d is a %s, not a flow" % (n, r.get("event")))
                continue
            dest = endpoint(r["addr"], r["port"])
            want[frozenset((r["client"], dest))] += 1
            s = streams[r["client"]].pop(0) if streams[r["client"]] else {}
            got = [s.get(k) for k in ("dest", "up", "down", "upseq",
                                      "downseq", "start")]
            exp = [dest] + [str(r["bytes_up"]), str(r["bytes_down"])] * 2 + \
                [">S,<SA,>A"]
            if got != exp or s.get("end") not in ("FIN", "RST"):
                bad.append("%s: pcap %s end %s, log %s" % (
                    r["client"], got, s.get("end"), exp))
    left = [c for c, v in streams.items() if v]
    if left:
        bad.append("streams not in the log: %s" % left[:5])
    have = collections.Counter(conv_pairs(conv_path))
    if have != want:
        bad.append("conv,tcp: %d conversations, the log %d; only in the "
                   "pcap %s, only in the log %s" % (
                       sum(have.values()), sum(want.values()),
                       list(have - want)[:3], list(want - have)[:3]))
    if bad:
        print("\n".join(bad[:10]))
        sys.exit(1)
    print("ok %d flows" % n)


def walk(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        sys.exit("%d bytes: no header" % len(data))
    magic, = struct.unpack("=I", data[:4])
    link, = struct.unpack("=I", data[20:24])
    if magic != 0xa1b2c3d4 or link != 101:
        sys.exit("not a header of pinhole's: magic %x link %d" % (magic, link))
    off, n = 24, 0
    while off < len(data):
        if off + 16 > len(data):
            sys.exit("record %d at %d: its header is cut" % (n + 1, off))
        _, _, cap, orig = struct.unpack("=IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + cap]
        if cap > orig or len(body) != cap or cap < 20 or \
                body[0] >> 4 not in (4, 6):
            sys.exit("record %d at %d: caplen %d len %d first byte %s: "
                     "not a whole record" % (n + 1, off, cap, orig,
                                             body[:1].hex()))
        off += 16 + cap
        n += 1
    print("ok %d records" % n)


def main():
    verb, args = sys.argv[1], sys.argv[2:]
    if verb == "scan":
        scan(args[-1], "--payload" in args, "--fast" in args)
    elif verb in ("get", "all"):
        found = [r for r in summary(args[0]) if r["client"] == args[1]]
        if not found:
            print("missing")
            sys.exit(1)
        for r in (found if verb == "all" else found[-1:]):
            print(" ".join(r.get(f, "?") for f in args[2:]))
    elif verb == "count":
        print(sum(1 for _ in summary(args[0])))
    elif verb == "conv":
        print("yes" if frozenset(args[1:3]) in conv_pairs(args[0]) else "no")
    elif verb == "convcount":
        print(len(conv_pairs(args[0])))
    elif verb == "match":
        match(args[0], args[1], args[2])
    elif verb == "walk":
        walk(args[0])
    elif verb == "sha":
        n = int(args[1])
        if args[0] in ("a", "b"):
            data = pattern_prefix(args[0], n)
        else:
            with open(args[0], "rb") as f:
                data = f.read(n)
        print(hashlib.sha256(data).hexdigest())
    else:
        sys.exit("unknown verb " + verb)


if __name__ == "__main__":
    main()
