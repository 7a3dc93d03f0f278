/*
 * Address parsing is strict on purpose: inet_aton() accepts "127.1",
 * "0x7f.1" and "2130706433", and a filter that disagrees with the
 * resolver about what an address means is a filter that can be walked
 * around.  Only the canonical dotted quad is an IPv4 address.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <string.h>

#include "addr.h"

static const uint8_t v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * Every address that enters pinhole -- a literal, a DNS answer, a list
 * entry, a PROXY header, a SOCKS address, a peer's sockaddr -- passes
 * here, so that one IPv4 destination has one form: ::ffff:a.b.c.d is
 * stored as a.b.c.d.  A filter that sees two spellings of one address
 * would let one of them past the denied ranges.
 */
void
addr_canon(struct addr *a)
{
	if (a->family == ADDR_V6 &&
	    memcmp(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		memmove(a->b, a->b + 12, 4);
		memset(a->b + 4, 0, 12);
		a->family = ADDR_V4;
	}
	if (a->family == ADDR_V4)
		memset(a->b + 4, 0, 12);
}

/* Raw bytes in network order: 4 for IPv4, 16 for IPv6. */
int
addr_from_bytes(int family, const void *bytes, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (family != ADDR_V4 && family != ADDR_V6)
		return -1;
	out->family = (uint8_t)family;
	memcpy(out->b, bytes, family == ADDR_V4 ? 4 : 16);
	addr_canon(out);
	return 0;
}

/* Four decimal parts 0-255, no leading zeros, nothing else. */
int
addr_parse_v4(const char *s, size_t len, struct addr *out)
{
	size_t	 i = 0;
	int	 part;

	memset(out, 0, sizeof(*out));
	out->family = ADDR_V4;
	for (part = 0; part < 4; part++) {
		unsigned	 v = 0;
		size_t		 start = i;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < len && isdigit((unsigned char)s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255)
			return -1;
		if (s[start] == '0' && i - start > 1)
			return -1;
		out->b[part] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

/*
 * A host whose last label is all digits, or "0x" and hex digits, is
 * something a resolver library would turn into an IPv4 address.
 */
int
addr_is_v4_attempt(const char *s, size_t len)
{
	size_t	 start = len, i;

	while (start > 0 && s[start - 1] != '.')
		start--;
	if (start == len)
		return 0;
	if (len - start >= 2 && s[start] == '0' &&
	    (s[start + 1] == 'x' || s[start + 1] == 'X')) {
		for (i = start + 2; i < len; i++)
			if (!isxdigit((unsigned char)s[i]))
				return 0;
		return 1;
	}
	for (i = start; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* An IPv4 dotted quad or an IPv6 address without brackets or zone. */
int
addr_parse(const char *s, struct addr *out)
{
	struct in6_addr	 in6;

	memset(out, 0, sizeof(*out));
	if (strchr(s, ':') == NULL)
		return addr_parse_v4(s, strlen(s), out);
	if (inet_pton(AF_INET6, s, &in6) != 1)
		return -1;
	return addr_from_bytes(ADDR_V6, &in6, out);
}

/* As inet_ntop(3) writes it; IPv4 (every flow record) without sprintf. */
void
addr_format(const struct addr *a, char *buf, size_t size)
{
	if (a->family == ADDR_V4 && size >= INET_ADDRSTRLEN) {
		for (int i = 0; i < 4; i++) {
			unsigned v = a->b[i];

			if (v >= 100)
				*buf++ = (char)('0' + v / 100);
			if (v >= 10)
				*buf++ = (char)('0' + v / 10 % 10);
			*buf++ = (char)('0' + v % 10);
			*buf++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (inet_ntop(a->family == ADDR_V4 ? AF_INET : AF_INET6, a->b, buf,
	    (socklen_t)size) == NULL && size > 0)
		buf[0] = '\0';
}

int
addr_from_sockaddr(const struct sockaddr *sa, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		return addr_from_bytes(ADDR_V4, &sin->sin_addr, out);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		return addr_from_bytes(ADDR_V6, &sin6->sin6_addr, out);
	}
	return -1;
}

/* Fills a sockaddr_in or sockaddr_in6; returns its length or -1. */
int
addr_to_sockaddr(const struct addr *a, uint16_t port, void *buf, size_t size)
{
	if (a->family == ADDR_V4) {
		struct sockaddr_in sin;

		if (size < sizeof(sin))
			return -1;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, a->b, 4);
		memcpy(buf, &sin, sizeof(sin));
		return (int)sizeof(sin);
	} else {
		struct sockaddr_in6 sin6;

		if (size < sizeof(sin6))
			return -1;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&sin6.sin6_addr, a->b, 16);
		memcpy(buf, &sin6, sizeof(sin6));
		return (int)sizeof(sin6);
	}
}

static void
embedded_add(struct addr *out, int *n, const uint8_t *b, int invert)
{
	memset(&out[*n], 0, sizeof(out[*n]));
	out[*n].family = ADDR_V4;
	for (int i = 0; i < 4; i++)
		out[*n].b[i] = invert ? (uint8_t)~b[i] : b[i];
	(*n)++;
}

/*
 * The IPv4 addresses an IPv6 address carries, which the denied ranges
 * apply to as well: a packet to any of these forms ends up at (or is
 * steered by) that IPv4 host.
 *   ::a.b.c.d           IPv4-compatible (deprecated, still routed by some)
 *   ::ffff:0:a.b.c.d    IPv4-translated (SIIT)
 *   64:ff9b::/96        NAT64 well-known prefix
 *   64:ff9b:1::/48      NAT64 local-use prefix (RFC 8215): its translator
 *                       may use a /48, /56, /64 or /96 prefix (RFC 6052
 *                       2.2), which pinhole cannot know, so all four
 *                       places are taken
 *   2002::/16           6to4: the relay's address in bits 16-47
 *   2001::/32           Teredo: the server in bits 32-63 and the client's
 *                       mapped address, inverted, in the last 32 bits
 *   ...:0:5efe:a.b.c.d  ISATAP (also ...:200:5efe:...), any prefix
 * (::ffff:a.b.c.d never reaches here: addr_canon made it IPv4.)
 * Returns how many were written to out, at most ADDR_MAX_EMBEDDED.
 */
int
addr_embedded_v4(const struct addr *a, struct addr out[ADDR_MAX_EMBEDDED])
{
	static const uint8_t zero[12];
	static const uint8_t translated[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 0, 0 };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t nat64_local[6] = { 0, 0x64, 0xff, 0x9b, 0, 1 };
	const uint8_t	*b = a->b;
	uint8_t		 v[4];
	int		 n = 0;

	if (a->family != ADDR_V6)
		return 0;
	if (memcmp(b, zero, 12) == 0 || memcmp(b, translated, 12) == 0 ||
	    memcmp(b, nat64, 12) == 0)
		embedded_add(out, &n, b + 12, 0);
	else if (memcmp(b, nat64_local, sizeof(nat64_local)) == 0) {
		/* RFC 6052: bits 64-71 are skipped. */
		v[0] = b[6], v[1] = b[7], v[2] = b[9], v[3] = b[10];
		embedded_add(out, &n, v, 0);		/* /48 */
		v[0] = b[7], v[1] = b[9], v[2] = b[10], v[3] = b[11];
		embedded_add(out, &n, v, 0);		/* /56 */
		embedded_add(out, &n, b + 9, 0);	/* /64 */
		embedded_add(out, &n, b + 12, 0);	/* /96 */
	} else if (b[0] == 0x20 && b[1] == 0x02)
		embedded_add(out, &n, b + 2, 0);
	else if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
		embedded_add(out, &n, b + 4, 0);
		embedded_add(out, &n, b + 12, 1);
	}
	if ((b[8] == 0 || b[8] == 2) && b[9] == 0 && b[10] == 0x5e &&
	    b[11] == 0xfe)
		embedded_add(out, &n, b + 12, 0);
	return n;
}

int
addr_bits(const struct addr *a)
{
	return a->family == ADDR_V4 ? 32 : 128;
}
