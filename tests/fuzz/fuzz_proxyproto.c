/*
 * The PROXY protocol header (versions 1 and 2).  Beyond not crashing: a
 * header is never longer than its input or its limit (107 bytes for a
 * v1 line, max for v2), the addresses it gives are IPv4 or IPv6, and
 * every prefix of a whole header asks for more bytes, so a header split
 * over reads parses as one read does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "proxyproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

#define MAX	4096

int
LLVMFuzzerTestOneInput(const uint8_t *b, size_t len)
{
	struct proxyproto	 pp;
	ssize_t			 n;

	n = proxyproto_parse(b, len, MAX, &pp);
	CHECK(n >= -1 && n <= (ssize_t)len);
	if (n <= 0)
		return 0;
	CHECK(pp.version == 1 || pp.version == 2);
	CHECK(n <= (pp.version == 1 ? PROXYPROTO_V1_MAX : MAX));
	if (!pp.local) {
		CHECK(pp.src.family == ADDR_V4 || pp.src.family == ADDR_V6);
		CHECK(pp.dst.family == ADDR_V4 || pp.dst.family == ADDR_V6);
	}
	/* The header's own prefixes: the last byte and a spread of others. */
	for (ssize_t i = n - 1; i >= 0; i -= 1 + i / 8)
		CHECK(proxyproto_parse(b, (size_t)i, MAX, &pp) == 0);
	return 0;
}
