/*
 * The PROXY header parser (proxy/proxyproto.c): versions 1 and 2, every
 * way a header can be short, long or malformed, and that each prefix of
 * a whole header asks for more bytes rather than failing.
 */
#include <stdio.h>
#include <string.h>

#include "proxyproto.h"
#include "t.h"

#define MAX	8192

#define SIG	"\r\n\r\n\0\r\nQUIT\n"

struct pcase {
	const char	*what;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	ssize_t		 want;		/* the header's length, 0, or -1 */
	int		 local;
	const char	*src;		/* the client, when not local */
	unsigned	 sport;
	const char	*dst;
	unsigned	 dport;
};

/* A v2 header: a signature, then the bytes given (sizeof - 1 of them). */
#define V2(what, body, want, local, src, sport, dst, dport) \
	{ what, SIG body, sizeof(SIG body) - 1, want, local, src, sport, \
	    dst, dport }

static const struct pcase cases[] = {
	/* version 1 */
	{ "v1 TCP4", "PROXY TCP4 192.0.2.7 198.51.100.1 40000 3128\r\nGET",
	    0, 46, 0, "192.0.2.7", 40000, "198.51.100.1", 3128 },
	{ "v1 TCP6", "PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n", 0, 44,
	    0, "2001:db8::7", 1, "2001:db8::1", 65535 },
	{ "v1 TCP6 with a mapped IPv4 client is that IPv4 client",
	    "PROXY TCP6 ::ffff:10.1.2.3 ::1 5 6\r\n", 0, 36, 0, "10.1.2.3", 5,
	    "::1", 6 },
	{ "v1 port 0", "PROXY TCP4 1.2.3.4 5.6.7.8 0 0\r\n", 0, 32, 0,
	    "1.2.3.4", 0, "5.6.7.8", 0 },
	{ "v1 UNKNOWN", "PROXY UNKNOWN\r\n", 0, 15, 1, NULL, 0, NULL, 0 },
	{ "v1 UNKNOWN with the rest of the line ignored",
	    "PROXY UNKNOWN ffff::1 zz 1 2\r\nX", 0, 30, 1, NULL, 0, NULL, 0 },
	{ "v1 at 107 bytes", "PROXY TCP6 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", 0, 104,
	    0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535 },
	{ "v1 UNKNOWN of 107 bytes", "PROXY UNKNOWN "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890\r\n", 0, 107, 1, NULL, 0, NULL, 0 },
	{ "v1 UNKNOWN of 108 bytes", "PROXY UNKNOWN "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567890123456789012345678901\r\n", 0, -1, 0, NULL, 0, NULL, 0 },
	{ "v1 without CRLF in 107 bytes", "PROXY UNKNOWN "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123", 0, -1, 0, NULL, 0, NULL, 0 },
	{ "v1 incomplete", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", 0, 0, 0, NULL, 0,
	    NULL, 0 },
	{ "v1 CR without LF yet", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r", 0, 0, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 CR then not LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", 0, -1, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 LF alone", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "v1 lower case", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 0, -1, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 TCP5", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "v1 UDP4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "v1 TCP4 with an IPv6 address", "PROXY TCP4 ::1 5.6.7.8 1 2\r\n", 0,
	    -1, 0, NULL, 0, NULL, 0 },
	{ "v1 TCP6 with an IPv4 address", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", 0,
	    -1, 0, NULL, 0, NULL, 0 },
	{ "v1 IPv4 in octal", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", 0, -1, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 IPv4 as one number", "PROXY TCP4 2130706433 5.6.7.8 1 2\r\n", 0,
	    -1, 0, NULL, 0, NULL, 0 },
	{ "v1 IPv4 of three parts", "PROXY TCP4 127.1.1 5.6.7.8 1 2\r\n", 0,
	    -1, 0, NULL, 0, NULL, 0 },
	{ "v1 port 65536", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 0, -1, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 port with a leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
	    0, -1, 0, NULL, 0, NULL, 0 },
	{ "v1 port signed", "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", 0, -1, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 two spaces", "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", 0, -1, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 a trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", 0, -1,
	    0, NULL, 0, NULL, 0 },
	{ "v1 a field missing", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 0, -1, 0,
	    NULL, 0, NULL, 0 },
	{ "v1 a field too many", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 0, -1,
	    0, NULL, 0, NULL, 0 },
	{ "v1 a tab", "PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "v1 a NUL in an IPv6 address",
	    "PROXY TCP6 ::1\0:2 ::1 1 2\r\n", 27, -1, 0, NULL, 0, NULL, 0 },
	{ "v1 a zone in an IPv6 address", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
	    0, -1, 0, NULL, 0, NULL, 0 },
	{ "v1 PROXY alone", "PROXY \r\n", 0, -1, 0, NULL, 0, NULL, 0 },
	{ "v1 no space after PROXY", "PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n", 0,
	    -1, 0, NULL, 0, NULL, 0 },
	{ "v1 UNKNOWNX", "PROXY UNKNOWNX\r\n", 0, -1, 0, NULL, 0, NULL, 0 },
	{ "an HTTP request instead", "GET / HTTP/1.1\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "a CONNECT instead", "CONNECT a:1 HTTP/1.1\r\n", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "a prefix of PROXY that goes wrong", "PROXI", 0, -1, 0, NULL, 0,
	    NULL, 0 },
	{ "SOCKS5 instead", "\x05\x01\x00", 3, -1, 0, NULL, 0, NULL, 0 },
	{ "nothing yet", "", 0, 0, 0, NULL, 0, NULL, 0 },

	/* version 2 */
	V2("v2 PROXY TCP4", "\x21\x11\x00\x0c" "\xc0\x00\x02\x07"
	    "\xc6\x33\x64\x01" "\x9c\x40\x0c\x38" "GET", 28, 0, "192.0.2.7",
	    40000, "198.51.100.1", 3128),
	V2("v2 PROXY TCP6", "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01" "\x00\x01\xff\xff",
	    52, 0, "2001:db8::7", 1, "2001:db8::1", 65535),
	V2("v2 PROXY TCP6 with a mapped IPv4 client", "\x21\x21\x00\x24"
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\x01\x02\x03"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\x00\x05\x00\x06",
	    52, 0, "10.1.2.3", 5, "::1", 6),
	V2("v2 PROXY TCP4 with TLVs after the addresses", "\x21\x11\x00\x14"
	    "\x01\x02\x03\x04" "\x05\x06\x07\x08" "\x00\x07\x00\x08"
	    "\x04\x00\x00" "\x02\x00\x02hi", 36, 0, "1.2.3.4", 7, "5.6.7.8",
	    8),
	V2("v2 LOCAL", "\x20\x00\x00\x00", 16, 1, NULL, 0, NULL, 0),
	V2("v2 LOCAL with addresses ignored", "\x20\x11\x00\x0c"
	    "\x01\x02\x03\x04" "\x05\x06\x07\x08" "\x00\x07\x00\x08", 28, 1,
	    NULL, 0, NULL, 0),
	V2("v2 PROXY UNSPEC", "\x21\x00\x00\x00", 16, 1, NULL, 0, NULL, 0),
	V2("v2 PROXY UDP4 keeps the connection's addresses", "\x21\x12\x00\x0c"
	    "\x01\x02\x03\x04" "\x05\x06\x07\x08" "\x00\x07\x00\x08", 28, 1,
	    NULL, 0, NULL, 0),
	V2("v2 PROXY UNIX keeps the connection's addresses", "\x21\x31\x00\x02"
	    "ab", 18, 1, NULL, 0, NULL, 0),
	V2("v2 PROXY TCP4 shorter than its addresses", "\x21\x11\x00\x0b"
	    "\x01\x02\x03\x04" "\x05\x06\x07\x08" "\x00\x07\x00", -1, 0, NULL,
	    0, NULL, 0),
	V2("v2 PROXY TCP6 with IPv4-sized addresses", "\x21\x21\x00\x0c"
	    "\x01\x02\x03\x04" "\x05\x06\x07\x08" "\x00\x07\x00\x08", -1, 0,
	    NULL, 0, NULL, 0),
	V2("v2 version 1 in the binary form", "\x11\x11\x00\x0c", -1, 0, NULL,
	    0, NULL, 0),
	V2("v2 version 3", "\x31\x11\x00\x0c", -1, 0, NULL, 0, NULL, 0),
	V2("v2 command 2", "\x22\x11\x00\x0c", -1, 0, NULL, 0, NULL, 0),
	V2("v2 longer than max_header_bytes", "\x21\x11\x1f\xf5", -1, 0, NULL,
	    0, NULL, 0),
	V2("v2 of max_header_bytes waits for its bytes", "\x21\x11\x1f\xf0"
	    "\x01\x02\x03\x04", 0, 0, NULL, 0, NULL, 0),
	V2("v2 incomplete addresses", "\x21\x11\x00\x0c" "\x01\x02\x03", 0, 0,
	    NULL, 0, NULL, 0),
	V2("v2 head only", "\x21\x11\x00", 0, 0, NULL, 0, NULL, 0),
	{ "v2 a bad signature byte", "\r\n\r\n\0\r\nQUIT\r", 12, -1, 0, NULL,
	    0, NULL, 0 },
	{ "v2 a prefix of the signature", "\r\n\r\n\0", 5, 0, 0, NULL, 0,
	    NULL, 0 },
};

static void
check(const struct pcase *c)
{
	struct proxyproto	 pp;
	size_t			 len = c->len ? c->len : strlen(c->in);
	ssize_t			 n;
	char			 a[ADDR_STRLEN];
	int			 prefixes = 1;

	n = proxyproto_parse((const uint8_t *)c->in, len, MAX, &pp);
	if (!t_int(n, c->want, "%s: length", c->what) || n <= 0)
		return;
	t_int(pp.local, c->local, "%s: local", c->what);
	t_int(pp.version, c->in[0] == 'P' ? 1 : 2, "%s: version", c->what);
	if (!c->local) {
		addr_format(&pp.src, a, sizeof(a));
		t_str(a, c->src, "%s: client", c->what);
		t_int(pp.sport, c->sport, "%s: client port", c->what);
		addr_format(&pp.dst, a, sizeof(a));
		t_str(a, c->dst, "%s: destination", c->what);
		t_int(pp.dport, c->dport, "%s: destination port", c->what);
	}
	for (ssize_t i = 0; i < n; i++)
		if (proxyproto_parse((const uint8_t *)c->in, (size_t)i, MAX,
		    &pp) != 0)
			prefixes = 0;
	t_ok(prefixes, "%s: every prefix asks for more", c->what);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);
	return t_done();
}
