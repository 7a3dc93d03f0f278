"""The TCP sockets of a running process and whether each has Nagle's
algorithm off, read from the process itself: pidfd_getfd(2) takes a
copy of each socket descriptor (root, or the same user with ptrace
rights), and getsockopt asks it.

    sockopt.py PID [--port PORT]

Prints one line a socket, sorted: "LOCAL PEER nodelay=0|1"; listening
sockets have PEER "-".  With --port, only sockets whose local or peer
port is PORT.  Exit 1 when the process cannot be read.
"""
import argparse
import ctypes
import os
import socket
import sys

SYS_PIDFD_GETFD = 438


def addr(a):
    if isinstance(a, tuple) and len(a) >= 2:
        host = a[0]
        return ("[%s]:%d" % (host, a[1])) if ":" in host else "%s:%d" % a[:2]
    return "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pid", type=int)
    ap.add_argument("--port", type=int)
    a = ap.parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        pidfd = os.pidfd_open(a.pid)
    except OSError as e:
        print("cannot open pid %d: %s" % (a.pid, e), file=sys.stderr)
        sys.exit(1)
    lines = []
    for name in os.listdir("/proc/%d/fd" % a.pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (a.pid, name))
        except OSError:
            continue
        if not target.startswith("socket:"):
            continue
        fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
        if fd < 0:
            err = ctypes.get_errno()
            print("pidfd_getfd: %s" % os.strerror(err), file=sys.stderr)
            sys.exit(1)
        s = socket.socket(fileno=fd)
        try:
            if s.type != socket.SOCK_STREAM or s.family not in (
                    socket.AF_INET, socket.AF_INET6):
                continue
            local = s.getsockname()
            try:
                peer = s.getpeername()
            except OSError:
                peer = None
            ports = {local[1]} | ({peer[1]} if peer else set())
            if a.port is not None and a.port not in ports:
                continue
            nd = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            lines.append("%s %s nodelay=%d" % (addr(local), addr(peer),
                                               1 if nd else 0))
        finally:
            s.close()
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
