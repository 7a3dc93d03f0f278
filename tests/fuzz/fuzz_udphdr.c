/*
 * The SOCKS5 UDP header of a datagram through the relay.  Beyond not
 * crashing: a header is never longer than the datagram, its key lies
 * inside it and starts at ATYP, a name comes out NUL-terminated and as
 * long as its length byte says, and a reply header made from an IPv4
 * or IPv6 destination parses back to the same key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udphdr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

/* Every prefix of the header alone is short. */
static void
check_prefixes(const uint8_t *b, const struct udphdr *h)
{
	struct udphdr	 p;

	for (size_t cut = 0; cut < h->len; cut++)
		CHECK(udphdr_parse(b, cut, &p) == UDPHDR_SHORT);
}

/* An IP destination's reply header says the same address and port. */
static void
check_reply(const struct udphdr *h)
{
	struct addr	 a;
	struct udphdr	 back;
	uint8_t		 out[UDPHDR_REPLY_MAX];
	size_t		 n;

	if (h->atyp != 1 && h->atyp != 4)
		return;
	memset(&a, 0, sizeof(a));
	a.family = h->atyp == 1 ? ADDR_V4 : ADDR_V6;
	memcpy(a.b, h->key + 1, h->atyp == 1 ? 4 : 16);
	n = udphdr_format(out, &a, h->port);
	CHECK(n == h->len);
	CHECK(udphdr_parse(out, n, &back) == UDPHDR_OK);
	CHECK(back.keylen == h->keylen && memcmp(back.key, h->key,
	    h->keylen) == 0 && back.port == h->port);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udphdr		 h;
	enum udphdr_error	 e;
	char			 host[NAME_MAX_LEN + 2];

	e = udphdr_parse(data, size, &h);
	CHECK(e >= UDPHDR_OK && e <= UDPHDR_BAD_ADDRESS);
	if (e != UDPHDR_OK)
		return 0;
	CHECK(h.len <= size && h.len == 3 + h.keylen);
	CHECK(h.key == data + 3 && h.key[0] == h.atyp);
	CHECK(h.atyp == 1 || h.atyp == 3 || h.atyp == 4);
	memset(host, 0xAA, sizeof(host));
	CHECK(udphdr_host(&h, host, sizeof(host)) == 0);
	CHECK(memchr(host, '\0', sizeof(host)) != NULL && host[0] != '\0');
	if (h.atyp == 3)
		CHECK(strlen(host) == h.key[1]);
	check_prefixes(data, &h);
	check_reply(&h);
	return 0;
}
