"""The writer of a FIFO that pinhole reads as a file = list, so that a
test holds the list's read open as long as it likes.

    fifo_writer.py FIFO READER GO SOURCE [--max-wait SECONDS]

Waits until someone opens FIFO for reading (an open for writing with
O_NONBLOCK fails with ENXIO until then), creates the file READER to say
so, then keeps the FIFO open, writing nothing, until the file GO exists;
then it writes the bytes of SOURCE and closes.  Each wait is bounded by
--max-wait (default 60 s): "FAIL ..." and exit 1.  A reader that goes
away first (EPIPE) prints "reader gone" and exits 3.
"""
import argparse
import errno
import os
import sys
import time


def wait_for(what, max_wait):
    start = time.monotonic()
    while True:
        got = what()
        if got is not None:
            return got
        if time.monotonic() - start > max_wait:
            return None
        time.sleep(0.05)


def open_writer(fifo):
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            return None
        raise


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fifo")
    ap.add_argument("reader")
    ap.add_argument("go")
    ap.add_argument("source")
    ap.add_argument("--max-wait", type=float, default=60)
    a = ap.parse_args()
    fd = wait_for(lambda: open_writer(a.fifo), a.max_wait)
    if fd is None:
        print("FAIL no reader came", flush=True)
        sys.exit(1)
    open(a.reader, "w").close()
    print("reader", flush=True)
    if wait_for(lambda: True if os.path.exists(a.go) else None,
                a.max_wait) is None:
        print("FAIL the go file never came", flush=True)
        sys.exit(1)
    os.set_blocking(fd, True)
    data = open(a.source, "rb").read()
    try:
        while data:
            n = os.write(fd, data)
            data = data[n:]
    except BrokenPipeError:
        print("reader gone", flush=True)
        sys.exit(3)
    os.close(fd)
    print("written", flush=True)


if __name__ == "__main__":
    main()
