"""Evaluates a PAC file with pacparser (a real PAC engine, the one of
Debian's python3-pacparser) for the PAC tests.

    pac_eval.py FILE URL...
Prints one line per URL: "URL RESULT", RESULT what FindProxyForURL
returned.  The host is taken from the URL as a browser does (an IPv6
literal without its brackets).
"""
import sys
from urllib.parse import urlsplit

import pacparser


def main():
    pacparser.init()
    with open(sys.argv[1]) as f:
        pacparser.parse_pac_string(f.read())
    for url in sys.argv[2:]:
        host = urlsplit(url).hostname
        print("%s %s" % (url, pacparser.find_proxy(url, host)))
    pacparser.cleanup()


if __name__ == "__main__":
    main()
