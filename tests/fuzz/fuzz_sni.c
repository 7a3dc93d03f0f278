/*
 * The TLS ClientHello reader (proxy/sni.c): the first bytes a client
 * sends into a tunnel, read for the flow log's sni.  Beyond not
 * crashing:
 *   - a name found is printable ASCII, shorter than the buffer, and
 *     stands in the input as it is;
 *   - an answer is final: once a prefix of the input gets FOUND or
 *     NONE, the whole input gets the same (the relay calls again with
 *     more bytes only while the answer is MORE);
 *   - fed the way the relay feeds it (bytes arriving in pieces, at
 *     most SNI_MAX_BYTES + 5 kept), the answer is the one for those
 *     bytes in one piece.
 *   - the verdicts: bytes whose first is not 22 are NONE (not TLS);
 *     after 22, a record version major other than 3 is BAD; and what
 *     pinhole lets on unchecked or checks by a name (NONE, FOUND) is
 *     never read by a name-routing proxy (router_sni, a model of one
 *     that does not reassemble records) as another name; so a hello
 *     cut into records may be BAD where the same hello in one is not.
 * Inputs whose first byte is 0xff are a handshake body instead: the
 * rest is wrapped as a ClientHello message in TLS records of a size the
 * second byte chooses, and the answer must not depend on that size.
 *
 * The HelloRetryRequest reader (proxy/hrr.c) on inputs whose first
 * byte is 0xfe (the rest: a server's first bytes) or 0xfd (the rest: a
 * ServerHello body, its random made the HRR one when the second byte
 * is odd, wrapped in records of a size the third byte chooses, empty
 * records among them):
 *   - fed in pieces, as the relay feeds it, the answer is the one for
 *     the bytes in one piece, and once decided it stays;
 *   - it agrees with a plain reading of the joined records;
 *   - the wrapped ServerHello is an HRR exactly when it was made one;
 *   - where a first ClientHello ends (sni_hello_end) is within the
 *     input, and a hello with a name has an end;
 *   - where it says a second ClientHello starts (hrr_hello_at), a
 *     handshake record starts, after whole records of other types only,
 *     and a longer input gets the same answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrr.h"
#include "sni.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

struct answer {
	enum sni_result	 r;
	char		 name[256];
};

/* The records' payloads joined, as far as they go: the name is there. */
static size_t
payloads(const uint8_t *buf, size_t len, uint8_t *out)
{
	size_t	 off = 0, o = 0;

	while (off + 5 <= len) {
		size_t rec = (size_t)buf[off + 3] << 8 | buf[off + 4];
		size_t n = rec < len - off - 5 ? rec : len - off - 5;

		memcpy(out + o, buf + off + 5, n);
		o += n;
		off += 5 + rec;
	}
	return o;
}

static void
ask(const uint8_t *buf, size_t len, size_t outlen, struct answer *a)
{
	uint8_t	*joined;
	size_t	 n;

	memset(a->name, 0x55, sizeof(a->name));
	a->r = sni_parse(buf, len, a->name, outlen);
	if (a->r != SNI_FOUND) {
		a->name[0] = '\0';
		return;
	}
	n = strnlen(a->name, outlen);
	CHECK(n > 0 && n < outlen);
	for (size_t i = 0; i < n; i++)
		CHECK(a->name[i] > 0x20 && a->name[i] < 0x7f);
	CHECK((joined = malloc(len)) != NULL);
	CHECK(memmem(joined, payloads(buf, len, joined), a->name, n) != NULL);
	free(joined);
}

/*
 * The server name a router that does not reassemble records reads (as
 * HAProxy's req.ssl_sni does): the bytes after the first record's
 * header are the hello, headers of later records and all.  Returns
 * -1 for no name, else its length; *name is where it starts (it may
 * run past the input: then the length is more than *room).
 */
static long
router_sni(const uint8_t *d, size_t len, const uint8_t **name, long *room)
{
	const uint8_t	*end = d + len;
	long		 hs, n, el;

#define BE16(p)	((long)(p)[0] << 8 | (p)[1])
	if (len < 9 || d[0] != 22 || d[1] < 3 || BE16(d + 3) < 49 ||
	    d[5] != 1)
		return -1;
	hs = (long)d[6] << 16 | BE16(d + 7);
	if (hs < 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + 2 || (long)len - 9 < hs)
		return -1;
	d += 9;
	if (d[0] < 3 || d[1] < 1 || d[34] > 32 || d[34] > hs - 35)
		return -1;
	hs -= 35 + d[34];
	d += 35 + d[34];
	if (hs < 4 || (n = BE16(d)) < 2 || n > hs)
		return -1;
	hs -= 2 + n;
	d += 2 + n;
	if (hs < 2 || d[0] < 1 || d[0] > hs)
		return -1;
	hs -= 1 + d[0];
	d += 1 + d[0];
	if (hs < 2 || (n = BE16(d)) > hs - 2)
		return -1;
	hs = n;
	d += 2;
	while (hs >= 4) {
		el = BE16(d + 2);
		if (el > hs - 4)
			return -1;
		if (BE16(d) == 0) {
			if (el < 2 || d + 9 > end)
				return -1;
			n = BE16(d + 4);
			if (n < 4 || n > hs - 6)
				return -1;
			if (d[6] == 0) {
				*name = d + 9;
				*room = end - *name;
				return BE16(d + 7);
			}
		}
		hs -= 4 + el;
		d += 4 + el;
	}
	return -1;
#undef BE16
}

/* What pinhole lets on (NONE, FOUND) a router reads as it does. */
static void
check_router(const uint8_t *buf, size_t len, const struct answer *a)
{
	const uint8_t	*name;
	long		 n, room;

	if (len > 0 && buf[0] != 22)
		CHECK(a->r == SNI_NONE);
	if (len > 1 && buf[0] == 22 && buf[1] != 3)
		CHECK(a->r == SNI_BAD);
	if (a->r != SNI_NONE && a->r != SNI_FOUND)
		return;
	if ((n = router_sni(buf, len, &name, &room)) <= 0)
		return;		/* no name, or "": routed as without one */
	CHECK(a->r == SNI_FOUND && n <= room &&
	    (size_t)n == strlen(a->name) && memcmp(name, a->name, n) == 0);
}

static int
same(const struct answer *a, const struct answer *b)
{
	return a->r == b->r && strcmp(a->name, b->name) == 0;
}

/* The relay's way: pieces of sizes taken from the input itself. */
static void
in_pieces(const uint8_t *data, size_t size, const struct answer *whole)
{
	static uint8_t	 kept[SNI_MAX_BYTES + 5];
	size_t		 len = 0, off = 0, i = 0;
	struct answer	 a = { SNI_MORE, "" };

	while (off < size && a.r == SNI_MORE && len < sizeof(kept)) {
		/* small pieces first, then growing: a few calls at most */
		size_t piece = 1 + (size_t)data[i++ % size] * 8 + len / 2;

		if (piece > size - off)
			piece = size - off;
		if (piece > sizeof(kept) - len)
			piece = sizeof(kept) - len;
		memcpy(kept + len, data + off, piece);
		len += piece;
		off += piece;
		ask(kept, len, 256, &a);
		if (a.r != SNI_MORE)
			CHECK(same(&a, whole));
	}
	/* All of it kept: the same answer; else MORE until the relay stops. */
	if (off == size)
		CHECK(same(&a, whole));
	else
		CHECK(a.r != SNI_MORE || len == sizeof(kept));
}

static void
check_input(const uint8_t *data, size_t size)
{
	struct answer	 whole, part, small;
	size_t		 end;
	int		 hello;
	size_t		 cuts[3] = { size / 2, size > 0 ? size - 1 : 0,
			     size > 5 ? 5 + data[5] % (size - 5) : 0 };

	ask(data, size, 256, &whole);
	check_router(data, size, &whole);
	for (int i = 0; i < 3; i++) {
		ask(data, cuts[i], 256, &part);
		CHECK(part.r == SNI_MORE || same(&part, &whole));
	}
	in_pieces(data, size, &whole);
	/* Where the hello ends, for what the relay holds after it. */
	end = 0;
	hello = sni_hello_end(data, size, &end);
	if (whole.r == SNI_FOUND)
		CHECK(hello != SNI_HELLO_NO);
	if (hello != SNI_HELLO_NO)
		CHECK(end >= 5 + 4 && end <= size && data[0] == 22);
	/* A short buffer: a longer name is never cut to fit. */
	ask(data, size, 12, &small);
	CHECK(small.r != SNI_FOUND || strlen(small.name) < 12);
}

/* Wraps body as a ClientHello in records of rec bytes at most. */
static size_t
wrap(const uint8_t *body, size_t blen, size_t rec, uint8_t *out)
{
	uint8_t	 msg[4 + SNI_MAX_BYTES];
	size_t	 mlen = 4 + blen, o = 0;

	msg[0] = 1;
	msg[1] = (uint8_t)(blen >> 16);
	msg[2] = (uint8_t)(blen >> 8);
	msg[3] = (uint8_t)blen;
	memcpy(msg + 4, body, blen);
	for (size_t off = 0; off < mlen; off += rec) {
		size_t n = mlen - off < rec ? mlen - off : rec;

		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 1;
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
		memcpy(out + o, msg + off, n);
		o += n;
	}
	return o;
}

static void
check_wrapped(const uint8_t *data, size_t size)
{
	static uint8_t	 one[5 + 4 + SNI_MAX_BYTES];
	static uint8_t	 many[5 * (4 + SNI_MAX_BYTES) + 4 + SNI_MAX_BYTES];
	struct answer	 a1, a2;
	size_t		 blen = size - 2, rec = 1 + data[1], n1, n2;

	if (blen > SNI_MAX_BYTES - 4)
		return;
	n1 = wrap(data + 2, blen, 4 + blen, one);
	n2 = wrap(data + 2, blen, rec, many);
	ask(one, n1, 256, &a1);
	ask(many, n2, 256, &a2);
	CHECK(a1.r != SNI_MORE);
	/* In records of its own the hello may read otherwise to a router. */
	CHECK(same(&a1, &a2) || (a2.r == SNI_BAD && a1.r != SNI_BAD));
	check_input(many, n2);
}

static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
	0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
};

/* The plain reading: join the leading handshake records, then look. */
static enum hrr_result
hrr_plain(const uint8_t *buf, size_t len)
{
	uint8_t	 msg[HRR_HEAD];
	size_t	 off = 0, m = 0;

	while (off < len && m < HRR_HEAD) {
		size_t rec, n;

		if (buf[off] != 22 || (off + 1 < len && buf[off + 1] != 3))
			return HRR_NO;
		if (off + 5 > len)
			break;
		rec = (size_t)buf[off + 3] << 8 | buf[off + 4];
		n = rec < len - off - 5 ? rec : len - off - 5;
		if (n > HRR_HEAD - m)
			n = HRR_HEAD - m;
		memcpy(msg + m, buf + off + 5, n);
		m += n;
		off += 5 + rec;
	}
	if (m > 0 && msg[0] != 2)
		return HRR_NO;
	if (m < HRR_HEAD)
		return HRR_MORE;
	if (((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3]) <
	    HRR_HEAD - 4)
		return HRR_NO;
	return memcmp(msg + 6, hrr_random, 32) == 0 ? HRR_YES : HRR_NO;
}

static enum hrr_result
hrr_whole(const uint8_t *buf, size_t len)
{
	struct hrr h;

	hrr_init(&h);
	return hrr_feed(&h, buf, len);
}

static void
check_hello_at(const uint8_t *buf, size_t len)
{
	size_t		 off = 0, o = 0, more;
	enum hrr_result	 r = hrr_hello_at(buf, len, &off);

	if (r == HRR_YES) {
		CHECK(off + 5 <= len && buf[off] == 22 && buf[off + 1] == 3);
		while (o < off) {
			CHECK(buf[o] >= 20 && buf[o] <= 24 && buf[o] != 22);
			CHECK(buf[o + 1] == 3);
			o += 5 + ((size_t)buf[o + 3] << 8 | buf[o + 4]);
		}
		CHECK(o == off);
	}
	/* Every prefix that gets an answer gets the whole input's. */
	for (size_t cut = 0; cut < len; cut += 1 + cut / 4) {
		more = 0;
		switch (hrr_hello_at(buf, cut, &more)) {
		case HRR_MORE:
			break;
		case HRR_YES:
			CHECK(r == HRR_YES && more == off);
			break;
		case HRR_NO:
			CHECK(r == HRR_NO);
			break;
		}
	}
}

static void
check_server(const uint8_t *data, size_t size)
{
	enum hrr_result	 whole = hrr_whole(data, size), r = HRR_MORE;
	struct hrr	 h;
	size_t		 off = 0, i = 0;

	CHECK(whole == hrr_plain(data, size));
	hrr_init(&h);
	while (off < size) {
		size_t piece = 1 + data[i++ % size] % 16;

		if (piece > size - off)
			piece = size - off;
		r = hrr_feed(&h, data + off, piece);
		if (r != HRR_MORE)
			CHECK(r == whole);
		off += piece;
	}
	CHECK(r == whole);
	check_hello_at(data, size);
}

/* A ServerHello body wrapped in records of rec bytes, empty ones too. */
static void
check_server_wrapped(const uint8_t *data, size_t size)
{
	static uint8_t	 out[16 * (4 + 1024) + 4 + 1024];
	uint8_t		 msg[4 + 1024];
	size_t		 blen = size - 3, rec = 1 + data[2] % 64, o = 0;
	int		 make_hrr = data[1] & 1;

	if (blen > 1024)
		return;
	msg[0] = 2;
	msg[1] = 0;
	msg[2] = (uint8_t)(blen >> 8);
	msg[3] = (uint8_t)blen;
	memcpy(msg + 4, data + 3, blen);
	if (make_hrr && blen >= 34)
		memcpy(msg + 6, hrr_random, 32);
	for (size_t off = 0; off < 4 + blen; off += rec) {
		size_t n = 4 + blen - off < rec ? 4 + blen - off : rec;

		if (data[1] & 2) {		/* an empty record first */
			memcpy(out + o, "\x16\x03\x03\x00\x00", 5);
			o += 5;
		}
		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 3;
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
		memcpy(out + o, msg + off, n);
		o += n;
	}
	if (blen < 34)
		CHECK(hrr_whole(out, o) == HRR_MORE);	/* too short to tell */
	else if (make_hrr)
		CHECK(hrr_whole(out, o) == HRR_YES);
	else
		CHECK(hrr_whole(out, o) ==
		    (memcmp(msg + 6, hrr_random, 32) == 0 ? HRR_YES : HRR_NO));
	check_server(out, o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == 0xff)
		check_wrapped(data, size);
	else if (size >= 1 && data[0] == 0xfe)
		check_server(data + 1, size - 1);
	else if (size >= 3 && data[0] == 0xfd)
		check_server_wrapped(data, size);
	else
		check_input(data, size);
	return 0;
}
