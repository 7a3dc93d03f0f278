"""Reads pinhole's JSON flow log.

    flowlog.py LOG get --client IP:PORT [--wait S] FIELD...
        Prints the FIELDs of the record of that client connection (the
        last one, if several), space separated; null as "null".  Waits up
        to --wait seconds (default 5) for it to be written; prints
        "missing" and exits 1 if it never is.
    flowlog.py LOG all --client IP:PORT [--wait S] FIELD...
        The same for every record of that client, one line each.

    The kernel may give a later connection a client port an earlier one
    had: get and all read only the records of the latest connection from
    that address (a record written more than GAP s after the one before
    starts a new connection), and when the newest one is older than a
    second they wait a little (STALE_WAIT s) for a newer one, which a
    connection that just ended may still have in pinhole's buffer.
    flowlog.py LOG check
        Checks every line: a JSON object with exactly the documented
        keys and sane values.  Prints "ok N" or the first problem.
    flowlog.py LOG count KEY=VALUE...
        How many records have all these values.
"""
import datetime
import json
import re
import sys
import time

GAP = 3.0
STALE_WAIT = 0.6

KEYS = ["ts", "id", "event", "client", "user", "proto", "host", "port",
        "addr", "rule", "list", "entry", "reason", "bytes_up", "bytes_down",
        "duration_ms", "sni", "datagrams_up", "datagrams_down"]
# A forwarded HTTP request's own fields, and report mode's verdict.
KEYS += ["method", "url", "status", "would_deny"]
EVENTS = {"flow", "deny", "error"}
PROTOS = {"connect", "http", "socks5", "socks4", "socks5-udp", None}
REASONS = {
    "flow": {None, "revoked", "idle_timeout", "shutdown"},
    "deny": {"not_allowed", "private_address", "denied_address",
             "client_not_allowed", "bad_request", "auth", "limit"},
    "error": {"dns_error", "connect_failed", "timeout"},
}
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def records(path):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"_bad": line})
    return out


def when(r):
    """A record's ts in seconds since the epoch; 0 when it has none."""
    try:
        t = datetime.datetime.strptime(str(r.get("ts")),
                                       "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return 0.0
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def newest(found):
    return max(when(r) for r in found)


def latest_connection(found):
    """The records after the last gap of more than GAP s, in log order."""
    times = sorted(when(r) for r in found)
    start = times[0]
    for a, b in zip(times, times[1:]):
        if b - a > GAP:
            start = b
    return [r for r in found if when(r) >= start]


def show(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def check(path):
    n = 0
    for n, r in enumerate(records(path), 1):
        if "_bad" in r:
            return "line %d is not JSON: %r" % (n, r["_bad"][:200])
        if not isinstance(r, dict) or list(r.keys()) != KEYS:
            return "line %d has keys %s" % (n, list(r.keys()))
        if not TS.match(str(r["ts"])):
            return "line %d ts %r" % (n, r["ts"])
        if r["event"] not in EVENTS:
            return "line %d event %r" % (n, r["event"])
        if r["proto"] not in PROTOS:
            return "line %d proto %r" % (n, r["proto"])
        if r["reason"] not in REASONS[r["event"]]:
            return "line %d: event %s with reason %r" % (n, r["event"],
                                                         r["reason"])
        for k in ("id", "bytes_up", "bytes_down", "duration_ms"):
            if not isinstance(r[k], int) or r[k] < 0:
                return "line %d %s %r" % (n, k, r[k])
        for k in ("datagrams_up", "datagrams_down"):
            udp = r["proto"] == "socks5-udp" and r["host"] is not None
            if (udp and (not isinstance(r[k], int) or r[k] < 0)) or \
                    (not udp and r[k] is not None):
                return "line %d %s %r" % (n, k, r[k])
        if r["would_deny"] not in (None, "not_allowed") or (
                r["would_deny"] is not None and r["event"] == "deny"):
            return "line %d would_deny %r" % (n, r["would_deny"])
        if r["status"] is not None and (not isinstance(r["status"], int) or
                                        not 100 <= r["status"] <= 599):
            return "line %d status %r" % (n, r["status"])
        if r["method"] is not None and r["proto"] != "http":
            return "line %d method %r" % (n, r["method"])
        if r["port"] is not None and not isinstance(r["port"], int):
            return "line %d port %r" % (n, r["port"])
        if not re.match(r"^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d+$",
                        str(r["client"])):
            return "line %d client %r" % (n, r["client"])
    return "ok %d" % n


def main():
    path, verb = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if verb == "check":
        print(check(path))
        return
    if verb == "count":
        want = dict(a.split("=", 1) for a in args)
        print(sum(1 for r in records(path)
                  if all(show(r.get(k)) == v for k, v in want.items())))
        return
    client, wait, fields = None, 5.0, []
    i = 0
    while i < len(args):
        if args[i] == "--client":
            client = args[i + 1]
            i += 2
        elif args[i] == "--wait":
            wait = float(args[i + 1])
            i += 2
        else:
            fields.append(args[i])
            i += 1
    called = time.time()
    deadline = time.monotonic() + wait
    stale_deadline = time.monotonic() + min(wait, STALE_WAIT)
    while True:
        found = [r for r in records(path) if r.get("client") == client]
        if found and (newest(found) >= called - 1.0 or
                      time.monotonic() >= stale_deadline):
            break
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if not found:
        print("missing")
        sys.exit(1)
    found = latest_connection(found)
    for r in (found if verb == "all" else found[-1:]):
        print(" ".join(show(r.get(f)) for f in fields))


if __name__ == "__main__":
    main()
