/* The HTTP head parser, the chunked framing scanner and the SNI reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "hostport.h"
#include "hrr.h"
#include "httphead.h"
#include "sni.h"
#include "t.h"

static int
parse_req(const char *text, struct http_head *h)
{
	long end = httphead_end(text, strlen(text));

	if (end == -1)
		return -2;
	return httphead_parse_request(text, (size_t)end, h);
}

static void
requests(void)
{
	static const struct {
		const char	*text;
		int		 ok;
		const char	*what;
	} cases[] = {
		{ "GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n", 1,
		    "absolute-form GET" },
		{ "GET http://a.test/ HTTP/1.1\nHost: a.test\n\n", 1,
		    "lines ending in LF alone" },
		{ "\r\nGET / HTTP/1.1\r\n\r\n", 1, "an empty line first" },
		{ "CONNECT a.test:443 HTTP/1.0\r\n\r\n", 1, "CONNECT, 1.0, "
		    "no fields" },
		{ "PURGE http://a.test/x HTTP/1.1\r\nX-A:\r\n\r\n", 1,
		    "any method token, an empty value" },
		{ "GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n", 1,
		    "obs-text in a value" },
		{ "GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5"
		    "\r\n\r\n", 1, "two equal Content-Lengths" },
		{ "GET  / HTTP/1.1\r\n\r\n", 0, "two spaces" },
		{ "GET / HTTP/1.2\r\n\r\n", 0, "HTTP/1.2" },
		{ "GET / HTTP/2.0\r\n\r\n", 0, "HTTP/2.0" },
		{ "GET / http/1.1\r\n\r\n", 0, "lower-case version" },
		{ "GET /\x01 HTTP/1.1\r\n\r\n", 0, "a control byte in the target" },
		{ "GET / HTTP/1.1\rX\r\n\r\n", 0, "a bare CR" },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0,
		    "a space before the colon" },
		{ "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 0, "obs-fold" },
		{ "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 0, "obs-fold, tab" },
		{ "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", 0, "a control byte" },
		{ "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 0, "DEL in a value" },
		{ "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 0, "NUL in a value" },
		{ "GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n", 0, "Content-Length and Transfer-Encoding" },
		{ "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		    "Content-Length: 3\r\n\r\n", 0,
		    "Transfer-Encoding and Content-Length" },
		{ "GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4"
		    "\r\n\r\n", 0, "two differing Content-Lengths" },
		{ "GET / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n", 0,
		    "a list as Content-Length" },
		{ "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 0,
		    "a negative Content-Length" },
		{ "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 0,
		    "a Content-Length with a letter" },
		{ "GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		    0, "a coding besides chunked" },
		{ "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n", 0,
		    "Transfer-Encoding twice" },
		{ "POST / HTTP/1.1\r\nConnection: content-length\r\n"
		    "Content-Length: 3\r\n\r\n", 0,
		    "Connection naming Content-Length" },
		{ "POST / HTTP/1.1\r\nConnection: keep-alive, Transfer-Encoding"
		    "\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
		    "Connection naming Transfer-Encoding" },
		{ "GET / HTTP/1.1\r\nConnection: Content-Length\r\n\r\n", 0,
		    "Connection naming Content-Length, none there" },
		{ "GET / HTTP/1.1\r\nConnection: content-lengths, x-te\r\n"
		    "\r\n", 1, "Connection naming other fields" },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 0, "a field without colon" },
		{ "GET / HTTP/1.1\r\n: x\r\n\r\n", 0, "an empty field name" },
		{ "GET / HTTP/1.1\r\nX\"Y: x\r\n\r\n", 0, "a quote in a name" },
		{ "G(T / HTTP/1.1\r\n\r\n", 0, "a separator in the method" },
		{ "GET /\r\n\r\n", 0, "no version" },
	};
	struct http_head h;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t	 len = strlen(cases[i].text);
		long	 end;

		/* Texts with a NUL inside: take the length up to "\r\n\r\n". */
		if (strstr(cases[i].what, "NUL") != NULL)
			len = strlen(cases[i].text) + 1 +
			    strlen(cases[i].text + strlen(cases[i].text) + 1);
		end = httphead_end(cases[i].text, len);
		t_int(end != -1 && httphead_parse_request(cases[i].text,
		    (size_t)end, &h) == 0, cases[i].ok, "request: %s",
		    cases[i].what);
	}
}

static void
request_fields(void)
{
	struct http_head	 h;
	const struct http_field	*f;
	char			 v[64];
	int			 hop = 0, kept = 0;

	t_int(parse_req("POST http://a.test:8080/x?y HTTP/1.1\r\n"
	    "Host: a.test:8080\r\nConnection: keep-alive, X-Secret\r\n"
	    "X-Secret: 1\r\nProxy-Authorization: Basic eA==\r\n"
	    "TE: trailers\r\nUpgrade: h2c\r\nKeep-Alive: 5\r\n"
	    "Proxy-Connection: close\r\nTrailer: X\r\n"
	    "Transfer-Encoding: chunked\r\nX-Keep:   spaced value  \r\n\r\n",
	    &h), 0, "a request with hop-by-hop fields parses");
	t_int(h.minor, 1, "HTTP/1.1");
	snprintf(v, sizeof(v), "%.*s", (int)h.tlen, h.target);
	t_str(v, "http://a.test:8080/x?y", "the target");
	t_int(h.chunked, 1, "chunked");
	t_int(h.content_length, -1, "no Content-Length");
	t_int(h.keep_alive, 1, "Connection: keep-alive seen");
	t_int(h.close, 0, "no Connection: close");
	f = httphead_field(&h, "x-keep");
	snprintf(v, sizeof(v), "%.*s", f ? (int)f->vlen : 0, f ? f->value : "");
	t_str(v, "spaced value", "values are trimmed, names found "
	    "case-insensitively");
	for (size_t i = 0; i < h.nfields; i++) {
		if (httphead_is_hop(&h, &h.fields[i]))
			hop++;
		else
			kept++;
	}
	t_int(hop, 8, "Connection, what it names, Proxy-Authorization, TE, "
	    "Upgrade, Keep-Alive, Proxy-Connection, Trailer are hop-by-hop");
	t_int(kept, 3, "Host, Transfer-Encoding and X-Keep are kept");
}

static void
too_many_fields(void)
{
	char		 buf[HTTPHEAD_MAX_FIELDS * 8 + 64];
	size_t		 n;
	struct http_head h;

	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTPHEAD_MAX_FIELDS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X: %d\r\n",
		    i % 10);
	snprintf(buf + n, sizeof(buf) - n, "\r\n");
	t_int(parse_req(buf, &h), 0, "%d fields are taken",
	    HTTPHEAD_MAX_FIELDS);
	snprintf(buf + n, sizeof(buf) - n, "Y: 1\r\n\r\n");
	t_int(parse_req(buf, &h), -1, "one field more is refused");
}

static void
responses(void)
{
	static const struct {
		const char	*text;
		int		 status;	/* -1: refused */
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", 200 },
		{ "HTTP/1.0 204\r\n\r\n", 204 },
		{ "HTTP/1.1 404 Not Found\nX: y\n\n", 404 },
		{ "HTTP/1.1 20 OK\r\n\r\n", -1 },
		{ "HTTP/1.1 200OK\r\n\r\n", -1 },
		{ "HTTP/1.1 2000 OK\r\n\r\n", -1 },
		{ "HTTP/2 200 OK\r\n\r\n", -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n", -1 },
		{ "HTTP/1.1 200 O\x01K\r\n\r\n", -1 },
		{ "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\n"
		    "Content-Length: 5\r\n\r\n", -1 },
		{ "HTTP/1.1 200 OK\r\nConnection: transfer-encoding\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n", -1 },
		{ "HTTP/1.1 102 Processing\r\nConnection: content-length\r\n"
		    "\r\n", -1 },
	};
	struct http_head h;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long	 end = httphead_end(cases[i].text,
			    strlen(cases[i].text));
		int	 rc = end == -1 ? -1 : httphead_parse_response(
			    cases[i].text, (size_t)end, &h);

		t_int(rc == 0 ? h.status : -1, cases[i].status,
		    "response %zu", i);
	}
	t_int(httphead_end("GET / HTTP/1.1\r\nX: y\r\n", 23), -1,
	    "no end without the empty line");
	t_int(httphead_end("A\n\r\nrest", 8), 4, "LF CRLF ends a head");
}

/* Feeds body in pieces of step bytes; returns the bytes taken or -1. */
static long
scan(const char *body, size_t len, size_t step, int *done)
{
	struct chunked	 c;
	size_t		 off = 0;

	chunked_init(&c);
	*done = 0;
	while (off < len && !*done) {
		size_t	 n = len - off < step ? len - off : step;
		long	 r = chunked_scan(&c, (const uint8_t *)body + off, n,
			    done);

		if (r == -1)
			return -1;
		off += (size_t)r;
	}
	return (long)off;
}

static void
chunks(void)
{
	static const struct {
		const char	*body;
		long		 taken;		/* -1: broken framing */
		int		 done;
	} cases[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", 15, 1 },
		{ "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1", 15, 1 },
		{ "5;ext=1\r\nhello\r\n0\r\n\r\n", 21, 1 },
		{ "A\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", 28, 1 },
		{ "5\nhello\n0\n\n", 11, 1 },
		{ "5\r\nhello\r\n", 10, 0 },
		{ "ff\r\n", 4, 0 },
		{ "g\r\n", -1, 0 },
		{ "\r\n", -1, 0 },
		{ "5\r\nhelloX\r\n", -1, 0 },
		{ "1234567890abcdef0\r\n", -1, 0 },
		{ "5\r\nhello\r\n0\r\nX\x01\r\n\r\n", -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t	 len = strlen(cases[i].body);
		int	 done;

		for (size_t step = 1; step <= len; step += step < 4 ? 1 : len) {
			long r = scan(cases[i].body, len, step, &done);

			t_int(r, cases[i].taken, "chunked %zu in pieces of %zu: "
			    "bytes taken", i, step);
			if (r != -1)
				t_int(done, cases[i].done, "chunked %zu in "
				    "pieces of %zu: end found", i, step);
		}
	}
}

/* Decodes body in pieces of step bytes into out; its length or -1. */
static long
dechunk(const char *body, size_t len, size_t step, char *out, int *done)
{
	struct chunked	 c;
	size_t		 off = 0, n = 0;

	chunked_init(&c);
	*done = 0;
	while (off < len && !*done) {
		size_t	 piece = len - off < step ? len - off : step;
		int	 data;
		long	 r = chunked_step(&c, (const uint8_t *)body + off,
			    piece, done, &data);

		if (r == -1)
			return -1;
		if (data) {
			memcpy(out + n, body + off, (size_t)r);
			n += (size_t)r;
		}
		off += (size_t)r;
	}
	out[n] = '\0';
	return (long)n;
}

static void
dechunks(void)
{
	static const struct {
		const char	*body;
		const char	*data;		/* NULL: broken framing */
		int		 done;
	} cases[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", "hello", 1 },
		{ "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
		    "GET / HTTP/1.1\r\n", "hello world", 1 },
		{ "9\nline 0\r\n\r\r\n0\n\n", "line 0\r\n\r", 1 },
		{ "3\r\nabc\r\n2\r\nd", "abcd", 0 },
		{ "3\r\nabcd\r\n", NULL, 0 },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t	 len = strlen(cases[i].body);
		int	 done;

		for (size_t step = 1; step <= len; step++) {
			long r = dechunk(cases[i].body, len, step, out, &done);

			if (cases[i].data == NULL) {
				t_int(r, -1, "dechunk %zu in pieces of %zu: "
				    "broken", i, step);
				continue;
			}
			t_str(r == -1 ? "(broken)" : out, cases[i].data,
			    "dechunk %zu in pieces of %zu: the data", i, step);
			t_int(done, cases[i].done, "dechunk %zu in pieces of "
			    "%zu: end found", i, step);
		}
	}
}

/* A ClientHello for name in one TLS record; returns its length. */
static size_t
client_hello(uint8_t *b, const char *name)
{
	size_t	 nlen = strlen(name), n = 0, hs, ext;

	b[n++] = 22; b[n++] = 3; b[n++] = 1; n += 2;	/* record, length */
	hs = n;
	b[n++] = 1; n += 3;				/* client_hello */
	b[n++] = 3; b[n++] = 3;
	memset(b + n, 0xab, 32); n += 32;		/* random */
	b[n++] = 0;					/* session id */
	b[n++] = 0; b[n++] = 2; b[n++] = 0x13; b[n++] = 0x01;
	b[n++] = 1; b[n++] = 0;				/* compression */
	ext = n; n += 2;
	b[n++] = 0; b[n++] = 10;			/* another extension */
	b[n++] = 0; b[n++] = 2; b[n++] = 0; b[n++] = 0;
	b[n++] = 0; b[n++] = 0;				/* server_name */
	b[n++] = (uint8_t)((nlen + 5) >> 8); b[n++] = (uint8_t)(nlen + 5);
	b[n++] = (uint8_t)((nlen + 3) >> 8); b[n++] = (uint8_t)(nlen + 3);
	b[n++] = 0;
	b[n++] = (uint8_t)(nlen >> 8); b[n++] = (uint8_t)nlen;
	memcpy(b + n, name, nlen); n += nlen;
	b[ext] = (uint8_t)((n - ext - 2) >> 8);
	b[ext + 1] = (uint8_t)(n - ext - 2);
	b[hs + 1] = 0;
	b[hs + 2] = (uint8_t)((n - hs - 4) >> 8);
	b[hs + 3] = (uint8_t)(n - hs - 4);
	b[3] = (uint8_t)((n - 5) >> 8);
	b[4] = (uint8_t)(n - 5);
	return n;
}

/* sni_parse on hello (len bytes) after edit; restores the byte. */
static int
sni_edited(uint8_t *hello, size_t len, size_t at, uint8_t to)
{
	char	 name[256];
	uint8_t	 was = hello[at];
	int	 r;

	hello[at] = to;
	r = sni_parse(hello, len, name, sizeof(name));
	hello[at] = was;
	return r;
}

/*
 * Once the first byte says "handshake", what a server or router would
 * read otherwise is SNI_BAD, not "no name".
 */
static void
sni_strict(void)
{
	uint8_t		 hello[1024], two[1100];
	char		 name[256], longname[320];
	size_t		 len = client_hello(hello, "sni.test"), half, i;

	t_int(sni_edited(hello, len, 1, 4), SNI_BAD,
	    "record version 04 03: refused, not \"no name\"");
	t_int(sni_parse(hello, 2, name, sizeof(name)), SNI_MORE,
	    "16 03 so far: more");
	t_int(sni_edited(hello, 2, 1, 4), SNI_BAD,
	    "16 04 so far: refused at once");
	t_int(sni_edited(hello, len, 2, 3), SNI_FOUND, "record version 03 03");
	t_int(sni_edited(hello, len, 2, 0), SNI_FOUND, "record version 03 00");
	t_int(sni_edited(hello, len, 5, 1), SNI_FOUND, "the hello as it is");
	/* The name: bytes outside 0x21-0x7e, empty, too long. */
	t_int(sni_edited(hello, len, len - 1, 0xc3), SNI_BAD, "raw UTF-8");
	t_int(sni_edited(hello, len, len - 1, 0), SNI_BAD, "a NUL byte");
	memset(longname, 'a', 310);
	longname[310] = '\0';
	len = client_hello(hello, longname);
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_BAD,
	    "a 310-byte name");
	longname[256] = '\0';
	len = client_hello(hello, longname);
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_BAD,
	    "a 256-byte name, the buffer 256");
	longname[255] = '\0';
	len = client_hello(hello, longname);
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_FOUND,
	    "a 255-byte name fits");
	/* Two host_name entries: which one would a server take? */
	len = client_hello(hello, "evil.test");
	memcpy(hello + len, "\x00\x00\x08sni.test", 11);
	for (i = 0; i < 5; i++) {	/* the lengths that grow by 11 */
		static const size_t at[] = { 3, 7, 50, 0, 0 };
		size_t o = i < 3 ? at[i] : len - 9 - 9 + 2 * i - 4, v;

		v = ((size_t)hello[o] << 8 | hello[o + 1]) + 11;
		hello[o] = (uint8_t)(v >> 8);
		hello[o + 1] = (uint8_t)v;
	}
	len += 11;
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_BAD,
	    "two host_name entries, evil.test first: refused");
	hello[len - 11] = 1;
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_BAD,
	    "a host_name, then an entry of type 1: refused");
	len = client_hello(hello, "sni.test");
	/* The server_name list's own length, one too short. */
	t_int(sni_edited(hello, len, len - 8 - 4, (uint8_t)(8 + 2)), SNI_BAD,
	    "a server_name list length that is not the extension's");
	t_int(sni_edited(hello, len, len - 8 - 3, 1), SNI_BAD,
	    "a name of type 1, not host_name");
	/* Records: another type before the hello is whole. */
	half = (len - 5) / 2;
	memcpy(two, hello, 5 + half);
	two[3] = (uint8_t)(half >> 8);
	two[4] = (uint8_t)half;
	two[5 + half] = 21; two[6 + half] = 3; two[7 + half] = 1;
	two[8 + half] = 0; two[9 + half] = 2; two[10 + half] = 1;
	two[11 + half] = 0x5a;
	t_int(sni_parse(two, 12 + half, name, sizeof(name)), SNI_BAD,
	    "an alert record in the middle of the hello");
	t_int(sni_parse(two, 6 + half, name, sizeof(name)), SNI_BAD,
	    "... seen from its first byte");
	two[5 + half] = 22; two[6 + half] = 4;
	t_int(sni_parse(two, 7 + half, name, sizeof(name)), SNI_BAD,
	    "a second record of version 04");
	t_int(sni_edited(hello, len, 0, 21), SNI_NONE,
	    "an alert first: not a handshake, not checked");
	/* Malformed: a cipher suite length past the end. */
	t_int(sni_edited(hello, len, 5 + 4 + 2 + 32 + 1, 0xff), SNI_BAD,
	    "cipher suites past the hello's end");
	/* A second server_name extension after the first. */
	i = len;
	memcpy(hello + i, hello + len - 8 - 9, 8 + 9);
	len += 8 + 9;
	hello[4] = (uint8_t)(hello[4] + 17);
	hello[8] = (uint8_t)(hello[8] + 17);
	hello[5 + 4 + 2 + 32 + 1 + 4 + 2 + 1] =
	    (uint8_t)(hello[5 + 4 + 2 + 32 + 1 + 4 + 2 + 1] + 17);
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_BAD,
	    "two server_name extensions");
	/* No extensions at all: a hello without a name, as before. */
	len = 5 + 4 + 2 + 32 + 1 + 4 + 2;
	memcpy(hello, "\x16\x03\x01\x00\x2d\x01\x00\x00\x29", 9);
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_NONE,
	    "a hello without extensions: no name");
}

static void
sni(void)
{
	uint8_t		 hello[512], two[600];
	char		 name[256];
	size_t		 len = client_hello(hello, "sni.test"), half;
	int		 more = 1;

	sni_strict();
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_FOUND,
	    "a ClientHello gives its name");
	t_str(name, "sni.test", "the name");
	for (size_t i = 1; i < len; i++)
		more &= sni_parse(hello, i, name, sizeof(name)) == SNI_MORE;
	t_ok(more, "every prefix of a ClientHello asks for more");
	/* The same handshake message in two records. */
	half = (len - 5) / 2;
	memcpy(two, hello, 5 + half);
	two[3] = (uint8_t)(half >> 8);
	two[4] = (uint8_t)half;
	two[5 + half] = 22; two[6 + half] = 3; two[7 + half] = 1;
	two[8 + half] = (uint8_t)((len - 5 - half) >> 8);
	two[9 + half] = (uint8_t)(len - 5 - half);
	memcpy(two + 10 + half, hello + 5 + half, len - 5 - half);
	name[0] = '\0';
	t_int(sni_parse(two, len + 5, name, sizeof(name)), SNI_FOUND,
	    "a ClientHello over two records");
	t_str(name, "sni.test", "the name over two records");
	t_int(sni_parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, name,
	    sizeof(name)), SNI_NONE, "HTTP is no ClientHello");
	/* An empty record is skipped, as TLS stacks skip it. */
	t_int(sni_parse((const uint8_t *)"\x16\x03\x01\x00\x00", 5, name,
	    sizeof(name)), SNI_MORE, "an empty record: more is needed");
	memcpy(two, "\x16\x03\x01\x00\x00", 5);
	memcpy(two + 5, hello, len);
	name[0] = '\0';
	t_int(sni_parse(two, len + 5, name, sizeof(name)), SNI_FOUND,
	    "an empty record, then a ClientHello");
	t_str(name, "sni.test", "... its name is found");
	hello[5] = 2;
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_BAD,
	    "a ServerHello: a handshake, but no ClientHello");
	len = client_hello(hello, "bad name");
	t_int(sni_parse(hello, len, name, sizeof(name)), SNI_BAD,
	    "a name with a space cannot be compared");
}

/* A ServerHello (an HRR when retry) as one record; its length. */
static size_t
server_hello(uint8_t *b, int retry)
{
	static const uint8_t hrr[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
		0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
		0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
		0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
	};
	size_t	 n = 0;

	memcpy(b, "\x16\x03\x03\x00\x2e\x02\x00\x00\x2a\x03\x03", 11);
	n = 11;
	memcpy(b + n, hrr, 32);
	if (!retry)
		b[n] ^= 1;
	n += 32;
	memcpy(b + n, "\x00\x13\x01\x00\x00\x00", 6);	/* no extensions */
	return n + 6;
}

/* Feeds buf in records of rec payload bytes, one byte a call. */
static enum hrr_result
hrr_bytewise(const uint8_t *buf, size_t len, size_t rec, int empty)
{
	struct hrr	 h;
	uint8_t		 out[1024];
	size_t		 o = 0;
	enum hrr_result	 r = HRR_MORE;

	for (size_t off = 5; off < len; off += rec) {
		size_t n = len - off < rec ? len - off : rec;

		if (empty) {
			memcpy(out + o, "\x16\x03\x03\x00\x00", 5);
			o += 5;
		}
		memcpy(out + o, "\x16\x03\x03", 3);
		out[o + 3] = (uint8_t)(n >> 8);
		out[o + 4] = (uint8_t)n;
		memcpy(out + o + 5, buf + off, n);
		o += 5 + n;
	}
	hrr_init(&h);
	for (size_t i = 0; i < o && r == HRR_MORE; i++)
		r = hrr_feed(&h, out + i, 1);
	return r;
}

static void
retry(void)
{
	uint8_t		 b[128], hello[512], two[1024];
	struct hrr	 h;
	size_t		 len = server_hello(b, 1), off = 99, end = 0;
	size_t		 hlen = client_hello(hello, "sni.test");

	hrr_init(&h);
	t_int(hrr_feed(&h, b, len), HRR_YES, "an HRR in one record");
	t_int(hrr_bytewise(b, len, 1, 1), HRR_YES,
	    "an HRR in one-byte records, empty ones between, a byte a read");
	hrr_init(&h);
	t_int(hrr_feed(&h, b, 42), HRR_MORE, "42 bytes of an HRR: not yet");
	t_int(hrr_feed(&h, b + 42, len - 42), HRR_YES, "... then the rest");
	len = server_hello(b, 0);
	hrr_init(&h);
	t_int(hrr_feed(&h, b, len), HRR_NO, "a ServerHello");
	t_int(hrr_bytewise(b, len, 3, 0), HRR_NO,
	    "a ServerHello in three-byte records");
	hrr_init(&h);
	t_int(hrr_feed(&h, (const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28",
	    7), HRR_NO, "an alert");
	hrr_init(&h);
	t_int(hrr_feed(&h, (const uint8_t *)"2", 1), HRR_NO,
	    "a banner's first byte");
	hrr_init(&h);
	t_int(hrr_feed(&h, (const uint8_t *)"\x16\x03\x03\x00\x04\x0b\x00"
	    "\x00\x00", 9), HRR_NO, "another handshake message");
	/* The client's bytes after an HRR. */
	memcpy(two, "\x14\x03\x03\x00\x01\x01", 6);
	memcpy(two + 6, "\x17\x03\x03\x00\x02\xab\xcd", 7);
	memcpy(two + 13, hello, hlen);
	t_int(hrr_hello_at(two, 13 + hlen, &off), HRR_YES,
	    "a ChangeCipherSpec, early data, then a ClientHello");
	t_int((long long)off, 13, "... which starts after them");
	t_int(hrr_hello_at(two, 9, &off), HRR_MORE,
	    "a ChangeCipherSpec and part of a record: more is needed");
	t_int(hrr_hello_at((const uint8_t *)"GET /", 5, &off), HRR_NO,
	    "not TLS");
	/* Where a first ClientHello ends, and whether its record goes on. */
	t_int(sni_hello_end(hello, hlen, &end), SNI_HELLO_WHOLE,
	    "a ClientHello in a record of its own");
	t_int((long long)end, (long long)hlen, "... ends with its record");
	memcpy(two, hello, hlen);
	memcpy(two + hlen, "\x14\x03\x03\x00\x01\x01", 6);
	t_int(sni_hello_end(two, hlen + 6, &end), SNI_HELLO_WHOLE,
	    "a ClientHello, then a ChangeCipherSpec");
	t_int((long long)end, (long long)hlen, "... ends before it");
	memcpy(two, hello, hlen);
	memcpy(two + hlen, "\x01\x00\x00\x00", 4);
	two[4] = (uint8_t)(two[4] + 4);
	t_int(sni_hello_end(two, hlen + 4, &end), SNI_HELLO_MORE,
	    "a ClientHello whose record carries more");
	t_int(sni_hello_end(hello, hlen - 1, &end), SNI_HELLO_NO,
	    "part of a ClientHello");
}

static void
hostports(void)
{
	static const struct {
		const char	*in, *host;
		int		 port;	/* -1: none; -2: refused */
	} cases[] = {
		{ "a.test:443", "a.test", 443 },
		{ "a.test", "a.test", -1 },
		{ "[::1]:8080", "::1", 8080 },
		{ "[::1]", "::1", -1 },
		{ "::1", "::1", -1 },
		{ "2001:db8::1", "2001:db8::1", -1 },
		{ "1.2.3.4:1", "1.2.3.4", 1 },
		{ "a.test:65535", "a.test", 65535 },
		{ "a.test:65536", NULL, -2 },
		{ "a.test:0", NULL, -2 },
		{ "a.test:0443", NULL, -2 },
		{ "a.test:", NULL, -2 },
		{ "a.test:4x3", NULL, -2 },
		{ ":443", NULL, -2 },
		{ "[::1", NULL, -2 },
		{ "[::1]x", NULL, -2 },
		{ "[]:443", NULL, -2 },
		{ "", NULL, -2 },
	};
	char	 host[64];
	int	 port;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = hostport_split(cases[i].in, strlen(cases[i].in), host,
		    sizeof(host), &port);

		if (cases[i].port == -2) {
			t_int(rc, -1, "hostport \"%s\" refused", cases[i].in);
			continue;
		}
		t_int(rc, 0, "hostport \"%s\" taken", cases[i].in);
		t_str(rc == 0 ? host : NULL, cases[i].host, "hostport \"%s\": "
		    "host", cases[i].in);
		t_int(port, cases[i].port, "hostport \"%s\": port",
		    cases[i].in);
	}
}

int
main(void)
{
	hostports();
	requests();
	request_fields();
	too_many_fields();
	responses();
	chunks();
	dechunks();
	sni();
	retry();
	return t_done();
}
