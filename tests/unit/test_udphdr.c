/*
 * The SOCKS5 UDP header (udphdr.c): exact verdicts on whole, short and
 * malformed headers, the host a destination is named by, and the reply
 * header pinhole writes.
 */
#include <string.h>

#include "udphdr.h"
#include "t.h"

struct hdr_case {
	const char		*what;
	const char		*bytes;		/* as a C string with \x escapes */
	size_t			 len;
	enum udphdr_error	 want;
	const char		*host;		/* with UDPHDR_OK */
	int			 port;
	size_t			 hlen;
};

#define B(s)	s, sizeof(s) - 1

static const struct hdr_case cases[] = {
	{ "IPv4 with data", B("\0\0\0\x01\x5d\xb8\xd8\x22\x0d\x96hi"),
	    UDPHDR_OK, "93.184.216.34", 3478, 10 },
	{ "IPv4, no data", B("\0\0\0\x01\x01\x02\x03\x04\x00\x35"),
	    UDPHDR_OK, "1.2.3.4", 53, 10 },
	{ "IPv6", B("\0\0\0\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x3a\x98x"), UDPHDR_OK, "2001:db8::1", 15000, 22 },
	{ "a name", B("\0\0\0\x03\x0b" "stun.a.test\x0d\x96" "data"), UDPHDR_OK,
	    "stun.a.test", 3478, 18 },
	{ "nothing", B(""), UDPHDR_SHORT, NULL, 0, 0 },
	{ "three bytes", B("\0\0\0"), UDPHDR_SHORT, NULL, 0, 0 },
	{ "IPv4 cut in its address", B("\0\0\0\x01\x7f\0\0"), UDPHDR_SHORT,
	    NULL, 0, 0 },
	{ "IPv4 cut in its port", B("\0\0\0\x01\x7f\0\0\x01\x00"),
	    UDPHDR_SHORT, NULL, 0, 0 },
	{ "IPv6 cut", B("\0\0\0\x04\x20\x01"), UDPHDR_SHORT, NULL, 0, 0 },
	{ "a name without its length", B("\0\0\0\x03"), UDPHDR_SHORT, NULL,
	    0, 0 },
	{ "a name cut", B("\0\0\0\x03\x05" "ab"), UDPHDR_SHORT, NULL, 0, 0 },
	{ "FRAG 1", B("\0\0\x01\x01\x01\x02\x03\x04\x00\x35x"),
	    UDPHDR_FRAGMENT, NULL, 0, 0 },
	{ "FRAG 0x80 (the end of a sequence)",
	    B("\0\0\x80\x01\x01\x02\x03\x04\x00\x35x"), UDPHDR_FRAGMENT, NULL,
	    0, 0 },
	{ "ATYP 0", B("\0\0\0\0\x01\x02\x03\x04\x00\x35"), UDPHDR_BAD_ATYP,
	    NULL, 0, 0 },
	{ "ATYP 2", B("\0\0\0\x02\x01\x02\x03\x04\x00\x35"), UDPHDR_BAD_ATYP,
	    NULL, 0, 0 },
	{ "ATYP 5", B("\0\0\0\x05\x01\x02\x03\x04\x00\x35"), UDPHDR_BAD_ATYP,
	    NULL, 0, 0 },
	{ "RSV not 0", B("\0\x01\0\x01\x01\x02\x03\x04\x00\x35"),
	    UDPHDR_BAD_ADDRESS, NULL, 0, 0 },
	{ "an empty name", B("\0\0\0\x03\x00\x00\x35"), UDPHDR_BAD_ADDRESS,
	    NULL, 0, 0 },
	{ "a name with a NUL", B("\0\0\0\x03\x03" "a\0b\x00\x35"),
	    UDPHDR_BAD_ADDRESS, NULL, 0, 0 },
};

static void
test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hdr_case	*c = &cases[i];
		struct udphdr		 h;
		char			 host[NAME_MAX_LEN + 2];
		enum udphdr_error	 e;

		e = udphdr_parse((const uint8_t *)c->bytes, c->len, &h);
		t_int(e, c->want, "%s: verdict", c->what);
		if (e != UDPHDR_OK || c->want != UDPHDR_OK)
			continue;
		t_int(udphdr_host(&h, host, sizeof(host)), 0, "%s: host",
		    c->what);
		t_str(host, c->host, "%s: host", c->what);
		t_int(h.port, c->port, "%s: port", c->what);
		t_int((long long)h.len, (long long)c->hlen, "%s: length",
		    c->what);
		t_ok(h.key == (const uint8_t *)c->bytes + 3 &&
		    h.keylen == c->hlen - 3, "%s: the key is ATYP..PORT",
		    c->what);
	}
}

/* The longest name: 254 bytes (253 and a final dot); 255 is refused. */
static void
test_long_names(void)
{
	uint8_t		 b[4 + 1 + 255 + 2];
	struct udphdr	 h;

	memset(b, 0, sizeof(b));
	b[3] = 3;
	memset(b + 5, 'a', 255);
	b[4] = 254;
	t_int(udphdr_parse(b, 4 + 1 + 254 + 2, &h), UDPHDR_OK,
	    "a 254-byte name");
	b[4] = 255;
	t_int(udphdr_parse(b, sizeof(b), &h), UDPHDR_BAD_ADDRESS,
	    "a 255-byte name");
}

static void
test_reply(void)
{
	struct addr	 a4 = { ADDR_V4, { 127, 0, 0, 1 } }, a6;
	uint8_t		 out[UDPHDR_REPLY_MAX];
	size_t		 n;

	n = udphdr_format(out, &a4, 3478);
	t_int((long long)n, 10, "an IPv4 reply header is 10 bytes");
	t_ok(memcmp(out, "\0\0\0\x01\x7f\0\0\x01\x0d\x96", 10) == 0,
	    "an IPv4 reply header: RSV, FRAG 0, ATYP 1, address, port");
	memset(&a6, 0, sizeof(a6));
	a6.family = ADDR_V6;
	a6.b[15] = 1;
	n = udphdr_format(out, &a6, 15000);
	t_int((long long)n, 22, "an IPv6 reply header is 22 bytes");
	t_ok(out[3] == 4 && out[19] == 1 && out[20] == 0x3a &&
	    out[21] == 0x98, "an IPv6 reply header: ATYP 4, ::1, 15000");
}

int
main(void)
{
	test_cases();
	test_long_names();
	test_reply();
	return t_done();
}
