#!/usr/bin/python3
"""Flow records for pinhole review's tests and bench, as pinhole writes them.

  review_log.py crafted DIR   access.log, access.log.1.gz, access.log.2.gz in
                              DIR (the last one ten days old); prints the
                              first and last ts of all records and of the
                              recent ones
  review_log.py many N        N records to stdout, spread over more
                              destinations, domains, names, ports and clients
                              than pinhole review keeps
"""
import gzip
import sys
import time

FIELDS = ("ts", "id", "event", "client", "user", "proto", "host", "port",
          "addr", "rule", "list", "entry", "reason", "bytes_up", "bytes_down",
          "duration_ms", "sni")


def ts(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".000Z"


def q(v):
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    return '"' + v + '"'


def record(sec, n, event, client, host, port, rule=None, lst=None,
           entry=None, reason=None, up=0, down=0, proto="connect"):
    vals = (ts(sec), n, event, client, None, proto, host, port, None, rule,
            lst, entry, reason, up, down, 5, None)
    return "{" + ",".join('"%s":%s' % (k, q(v))
                          for k, v in zip(FIELDS, vals)) + "}\n"


def crafted(d):
    now = int(time.time())
    t0 = now - 3600            # recent: within the last hour
    old = now - 10 * 86400     # ten days ago
    plain = [
        record(t0 + 0, 1, "flow", "10.0.0.5:40000", "www.example.com", 443,
               "web", None, "www.example.com", None, 100, 5000),
        record(t0 + 60, 2, "flow", "10.0.0.5:40001", "a.cdn.example.com",
               443, "web", None, "*.cdn.example.com", None, 10, 50),
        record(t0 + 120, 3, "flow", "10.0.0.6:40002", "x.islonline.net",
               7615, "vendor", "vendor", ".islonline.net", None, 1000, 50),
        record(t0 + 180, 4, "deny", "10.0.0.6:40003", "api.github.com", 443,
               reason="not_allowed"),
        record(t0 + 240, 5, "deny", "10.0.0.7:40004", "codeload.github.com",
               443, reason="not_allowed"),
        # Not the form pinhole writes (spaces, an escape): read by jansson.
        '{ "ts": "%s", "id": 6, "event": "deny", "client": "10.0.0.7:40005",'
        ' "user": null, "proto": "http", "host": "www.bbc.co.uk", "port": 80,'
        ' "addr": null, "rule": null, "list": null, "entry": null,'
        ' "reason": "not_allowed", "bytes_up": 0, "bytes_down": 0,'
        ' "duration_ms": 1, "sni": "caf\\u00e9" }\n' % ts(t0 + 300),
        "not a record\n",
        # A client that is no address (a hand-edited log) is left out.
        '{"ts":"%s","event":"deny","client":"\\u001b]0;x\\u0007:1",'
        '"host":"s1.example.org","port":443,"reason":"not_allowed"}\n'
        % ts(t0 + 330),
    ]
    for i in range(4):
        plain.append(record(t0 + 360 + i, 7 + i, "deny", "10.0.0.8:4100%d" % i,
                            "s%d.example.org" % (i + 1), 443,
                            reason="not_allowed"))
    rotated = [
        record(t0 - 600, 20, "deny", "10.0.0.6:40010", "api.github.com", 8443,
               reason="not_allowed"),
        record(t0 - 540, 21, "deny", "[2001:db8::5]:5000", "203.0.113.9", 22,
               reason="not_allowed", proto="socks5"),
        # A rule named by a refusal is not used by it.
        record(t0 - 480, 22, "deny", "10.0.0.5:40011", "in.legacy.example", 80,
               "legacy", None, ".legacy.example", "private_address"),
        # An allowed attempt that failed uses its rule and entry.
        record(t0 - 420, 23, "error", "10.0.0.9:40012", "198.51.100.7", 16384,
               "backup", None, "198.51.100.7", "connect_failed"),
    ]
    older = [
        record(old, 30, "flow", "10.0.0.5:40020", "a.legacy.example", 80,
               "legacy", None, ".legacy.example", None, 7, 7),
        record(old + 60, 31, "deny", "10.0.0.9:40021", "old.refused.net", 443,
               reason="not_allowed"),
    ]
    with open(d + "/access.log", "w") as f:
        f.writelines(plain)
    with gzip.open(d + "/access.log.1.gz", "wt") as f:
        f.writelines(rotated)
    with gzip.open(d + "/access.log.2.gz", "wt") as f:
        f.writelines(older)
    print(ts(old)[:19] + "Z", ts(t0 + 363)[:19] + "Z",
          ts(t0 - 600)[:19] + "Z")


def many(n):
    out = sys.stdout
    sec = int(time.time()) - 86400
    buf = []
    for i in range(n):
        client = "10.%d.%d.%d:%d" % (i % 3, i % 251, i % 199, 1024 + i % 60000)
        if i % 4 == 0:
            host = "n%d.d%d.example" % (i % 97, i % 20011)
            buf.append(record(sec + i // 1000, i, "deny", client, host,
                              1 + i % 1009, reason="not_allowed"))
        else:
            host = "h%d.cdn.example.com" % (i % 150001)
            buf.append(record(sec + i // 1000, i, "flow", client, host, 443,
                              "web", None, "*.cdn.example.com", None,
                              i % 997, i % 65521))
        if len(buf) == 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))


if __name__ == "__main__":
    if sys.argv[1] == "crafted":
        crafted(sys.argv[2])
    else:
        many(int(sys.argv[2]))
