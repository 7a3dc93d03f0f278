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
 * Inputs whose first byte is 0xff are a handshake body instead: the
 * rest is wrapped as a ClientHello message in TLS records of a size the
 * second byte chooses, and the answer must not depend on that size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	size_t		 cuts[3] = { size / 2, size > 0 ? size - 1 : 0,
			     size > 5 ? 5 + data[5] % (size - 5) : 0 };

	ask(data, size, 256, &whole);
	for (int i = 0; i < 3; i++) {
		ask(data, cuts[i], 256, &part);
		CHECK(part.r == SNI_MORE || same(&part, &whole));
	}
	in_pieces(data, size, &whole);
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
	CHECK(same(&a1, &a2));
	check_input(many, n2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == 0xff)
		check_wrapped(data, size);
	else
		check_input(data, size);
	return 0;
}
