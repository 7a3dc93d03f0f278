/*
 * The SOCKS handshakes: SOCKS5 method selection, RFC 1929 username and
 * password, the SOCKS5 request, and the SOCKS4/4a request.  The first
 * byte picks the sequence as it does on the proxy port.  Beyond not
 * crashing: a message is never longer than its input, names come out
 * NUL-terminated, and every prefix of a whole message asks for more
 * bytes, so a handshake split over reads parses as one read does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "socks.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

enum step { GREETING, AUTH, REQUEST5, REQUEST4 };

static ssize_t
parse(enum step step, const uint8_t *b, size_t len)
{
	struct socks_request	 r;
	struct socks_auth	 a;
	int			 offers, rep;
	ssize_t			 n = -1;

	memset(&r, 0xAA, sizeof(r));
	memset(&a, 0xAA, sizeof(a));
	switch (step) {
	case GREETING:
		n = socks5_parse_greeting(b, len, &offers);
		CHECK((offers & ~(SOCKS5_OFFERS_NO_AUTH |
		    SOCKS5_OFFERS_USERPASS)) == 0);
		break;
	case AUTH:
		if ((n = socks5_parse_auth(b, len, &a)) > 0) {
			CHECK(strlen(a.user) > 0 && strlen(a.user) < 256);
			CHECK(a.plen < 256 && a.pass[a.plen] == '\0');
		}
		break;
	case REQUEST5:
		n = socks5_parse_request(b, len, &r, &rep);
		if (n > 0)
			CHECK(strlen(r.host) > 0 && strlen(r.host) <
			    sizeof(r.host));
		else if (n == -1)
			CHECK(rep == SOCKS5_REP_FAILURE ||
			    rep == SOCKS5_REP_BAD_COMMAND ||
			    rep == SOCKS5_REP_BAD_ATYP);
		break;
	case REQUEST4:
		if ((n = socks4_parse_request(b, len, &r)) > 0)
			CHECK(memchr(r.host, '\0', sizeof(r.host)) != NULL);
		break;
	}
	CHECK(n >= -1 && n <= (ssize_t)len);
	return n;
}

/* A whole message of n bytes: each shorter prefix wants more. */
static ssize_t
parse_checked(enum step step, const uint8_t *b, size_t len)
{
	ssize_t n = parse(step, b, len);

	if (n > 0) {
		for (size_t cut = 0; cut < (size_t)n; cut++)
			CHECK(parse(step, b, cut) == 0);
		CHECK(parse(step, b, (size_t)n) == n);
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum step five[] = { GREETING, AUTH, REQUEST5 };
	ssize_t n;

	if (size == 0)
		return 0;
	if (data[0] == 4) {
		(void)parse_checked(REQUEST4, data, size);
		return 0;
	}
	/* Greeting, then the RFC 1929 message, then the request. */
	for (size_t i = 0; i < 3 && size > 0; i++) {
		if ((n = parse_checked(five[i], data, size)) <= 0)
			break;
		data += n;
		size -= (size_t)n;
	}
	return 0;
}
