/*
 * The parsers that read what clients send before the relay starts: the
 * HTTP request head (and response heads from origins), chunked framing,
 * and the TLS ClientHello read for the flow log's sni.  Beyond not
 * crashing: a parsed head's fields lie inside the input, a length and
 * chunked never come together, the framing fields are never hop-by-hop
 * (never dropped while the body is framed by them), feeding a chunked
 * body in two pieces finds the same end as in one, and taking it piece
 * by piece (data apart from framing, for HTTP/1.0 clients) finds that
 * end too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chunked.h"
#include "httphead.h"
#include "sni.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

static int
inside(const char *p, size_t len, const char *buf, size_t size)
{
	return p >= buf && p + len <= buf + size;
}

static void
check_head(const struct http_head *h, const char *buf, size_t size)
{
	CHECK(!(h->chunked && h->content_length != -1));
	CHECK(h->nfields <= HTTPHEAD_MAX_FIELDS);
	CHECK(inside(h->method, h->mlen, buf, size));
	CHECK(inside(h->target, h->tlen, buf, size));
	for (size_t i = 0; i < h->nfields; i++) {
		const struct http_field	*f = &h->fields[i];
		int			 framing = (f->nlen == 14 &&
		    strncasecmp(f->name, "content-length", 14) == 0) ||
		    (f->nlen == 17 &&
		    strncasecmp(f->name, "transfer-encoding", 17) == 0);

		CHECK(inside(f->name, f->nlen, buf, size));
		CHECK(inside(f->value, f->vlen, buf, size));
		CHECK(!(framing && httphead_is_hop(h, f)));
	}
}

static void
heads(const char *buf, size_t size)
{
	struct http_head	*h = malloc(sizeof(*h));
	long			 end = httphead_end(buf, size);

	if (h == NULL)
		return;
	if (end != -1) {
		CHECK(end > 0 && (size_t)end <= size);
		if (httphead_parse_request(buf, (size_t)end, h) == 0)
			check_head(h, buf, (size_t)end);
		if (httphead_parse_response(buf, (size_t)end, h) == 0) {
			check_head(h, buf, (size_t)end);
			CHECK(h->status >= 0 && h->status <= 999);
		}
	}
	free(h);
}

static long
scan_all(const uint8_t *data, size_t size, size_t split, int *done)
{
	struct chunked	 c;
	long		 a, b;

	chunked_init(&c);
	if ((a = chunked_scan(&c, data, split, done)) == -1 || *done)
		return a;
	CHECK((size_t)a == split);
	if ((b = chunked_scan(&c, data + split, size - split, done)) == -1)
		return -1;
	return a + b;
}

/* Piece by piece, as for an HTTP/1.0 client: the bytes taken, or -1. */
static long
step_all(const uint8_t *data, size_t size, int *done)
{
	struct chunked	 c;
	size_t		 off = 0;
	int		 isdata;

	chunked_init(&c);
	*done = 0;
	while (off < size && !*done) {
		long r = chunked_step(&c, data + off, size - off, done,
		    &isdata);

		if (r == -1)
			return -1;
		CHECK(r > 0 && (size_t)r <= size - off);
		off += (size_t)r;
	}
	return (long)off;
}

static void
chunks(const uint8_t *data, size_t size)
{
	int	 d1, d2, d3;
	long	 one = scan_all(data, size, size, &d1);
	long	 two = scan_all(data, size, size / 2, &d2);
	long	 three = step_all(data, size, &d3);

	CHECK(one == two && d1 == d2);
	CHECK(one == three && (one == -1 || d1 == d3));
	CHECK(one == -1 || (size_t)one <= size);
	CHECK(one == -1 || d1 || (size_t)one == size);
}

static void
client_hello(const uint8_t *data, size_t size)
{
	char		 name[256];
	enum sni_result	 r = sni_parse(data, size, name, sizeof(name));

	if (r == SNI_FOUND) {
		CHECK(strlen(name) > 0 && strlen(name) < sizeof(name));
		for (size_t i = 0; name[i] != '\0'; i++)
			CHECK(name[i] > 0x20 && name[i] < 0x7f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	heads(buf, size);
	chunks(data, size);
	client_hello(data, size);
	free(buf);
	return 0;
}
