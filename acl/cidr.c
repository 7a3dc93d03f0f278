#include <sys/socket.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"

static int
cidr_parse_len(const char *s, int max)
{
	int	 v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

/* Clears the host bits; returns 1 when some were set. */
static int
cidr_mask(struct cidr *c)
{
	int	 bits = addr_bits(&c->net), set = 0;

	for (int i = c->len; i < bits; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		if (c->net.b[i / 8] & bit) {
			set = 1;
			c->net.b[i / 8] &= (uint8_t)~bit;
		}
	}
	return set;
}

/*
 * "a.b.c.d/n", "x:y::/n" or a bare address (a /32 or /128).  Host bits
 * are cleared and reported through *host_bits so that the caller can
 * decide whether that is an error (config) or a warning (vendor list).
 */
int
cidr_parse(const char *s, struct cidr *out, int *host_bits)
{
	char		 buf[ADDR_STRLEN + 8];
	const char	*slash = strchr(s, '/');
	size_t		 alen = slash ? (size_t)(slash - s) : strlen(s);
	int		 len;

	memset(out, 0, sizeof(*out));
	if (host_bits != NULL)
		*host_bits = 0;
	if (alen == 0 || alen >= ADDR_STRLEN)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (strchr(buf, ':') != NULL) {
		if (inet_pton(AF_INET6, buf, out->net.b) != 1)
			return -1;
		out->net.family = ADDR_V6;
	} else if (addr_parse_v4(buf, alen, &out->net) == -1)
		return -1;
	len = addr_bits(&out->net);
	if (slash != NULL && (len = cidr_parse_len(slash + 1, len)) == -1)
		return -1;
	out->len = (uint8_t)len;
	/* ::ffff:a.b.c.d/n with n >= 96 is the IPv4 network it maps. */
	if (out->net.family == ADDR_V6 && out->len >= 96) {
		struct addr v4;

		if (addr_parse(buf, &v4) == 0 && v4.family == ADDR_V4) {
			out->net = v4;
			out->len -= 96;
		}
	}
	if (cidr_mask(out) && host_bits != NULL)
		*host_bits = 1;
	return 0;
}

/* A /32 or /128 is written as the bare address (RFC 5952 for IPv6). */
void
cidr_format(const struct cidr *c, char *buf, size_t size)
{
	char	 a[ADDR_STRLEN];

	addr_format(&c->net, a, sizeof(a));
	if (c->len == addr_bits(&c->net))
		snprintf(buf, size, "%s", a);
	else
		snprintf(buf, size, "%s/%u", a, c->len);
}

int
cidr_contains(const struct cidr *c, const struct addr *a)
{
	int	 full = c->len / 8, rest = c->len % 8;

	if (c->net.family != a->family)
		return 0;
	if (memcmp(c->net.b, a->b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((c->net.b[full] ^ a->b[full]) & (0xff00 >> rest)) == 0;
}

void
cidr_from_addr(const struct addr *a, struct cidr *c)
{
	c->net = *a;
	c->len = (uint8_t)addr_bits(a);
}
