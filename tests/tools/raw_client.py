"""Sends exact bytes to a server and prints the exact bytes it answers.

    raw_client.py [--timeout S] [--bind SRC] [--raw] [--info FILE]
                  HOST PORT STEP...

Steps, run in order:
    hex:0501ff        send these bytes
    esc:GET /\\r\\n    send a string with Python escapes (\\r \\n \\x00 ...)
    rep:N:esc-text    send esc-text repeated N times
    sleep:S           wait S seconds
    read:N            read exactly N bytes (or until EOF / timeout)
    head              read up to and with an empty line (CRLF CRLF)
    shut              shut down writing (half-close)
    all               read until EOF or the timeout (also done at the end)
Prints what was received as one hex line (or the raw bytes with --raw).
--info FILE gets "local=IP:PORT end=eof|timeout|reset|refused elapsed=S"
(also on stderr).  Exit 0 unless the connection could not be opened.
Loopback only; every wait is bounded by --timeout (default 5s).
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxyclient import connect, local_tag  # noqa: E402


def unescape(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--bind")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--info")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("steps", nargs="*")
    a = ap.parse_args()
    start = time.monotonic()
    got = b""
    end = "open"
    local = "-"
    try:
        s = connect(a.host, a.port, a.timeout, a.bind)
    except ConnectionRefusedError:
        end = "refused"
        s = None
    except socket.timeout:
        end = "connect-timeout"
        s = None
    if s is not None:
        local = local_tag(s)
        steps = list(a.steps)
        if not steps or steps[-1] != "all":
            steps.append("all")
        try:
            for step in steps:
                kind, _, arg = step.partition(":")
                if kind == "hex":
                    s.sendall(bytes.fromhex(arg))
                elif kind == "esc":
                    s.sendall(unescape(arg))
                elif kind == "rep":
                    n, _, text = arg.partition(":")
                    s.sendall(unescape(text) * int(n))
                elif kind == "sleep":
                    time.sleep(float(arg))
                elif kind == "shut":
                    s.shutdown(socket.SHUT_WR)
                elif kind == "read":
                    want = len(got) + int(arg)
                    while len(got) < want:
                        chunk = s.recv(want - len(got))
                        if not chunk:
                            end = "eof"
                            break
                        got += chunk
                    if end == "eof":
                        break
                elif kind == "head":
                    while not got.endswith(b"\r\n\r\n"):
                        chunk = s.recv(1)
                        if not chunk:
                            end = "eof"
                            break
                        got += chunk
                        if len(got) > 1 << 20:
                            break
                    if end == "eof":
                        break
                elif kind == "all":
                    deadline = time.monotonic() + a.timeout
                    while time.monotonic() < deadline:
                        chunk = s.recv(65536)
                        if not chunk:
                            end = "eof"
                            break
                        got += chunk
                    else:
                        end = "timeout"
                    break
                else:
                    sys.exit("unknown step " + step)
        except socket.timeout:
            end = "timeout"
        except (ConnectionResetError, BrokenPipeError):
            end = "reset"
        finally:
            s.close()
    info = "local=%s end=%s elapsed=%.3f" % (local, end,
                                             time.monotonic() - start)
    if a.info:
        with open(a.info, "w") as f:
            f.write(info + "\n")
    print(info, file=sys.stderr)
    if a.raw:
        sys.stdout.buffer.write(got)
    else:
        print(got.hex())
    sys.exit(0)


if __name__ == "__main__":
    main()
