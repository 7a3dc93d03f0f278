/*
 * PROXY protocol headers, versions 1 (a text line) and 2 (binary).
 *
 * The header is trusted only from [proxy] proxy_protocol_from, and from
 * there it is required: the caller never guesses whether one comes.  So
 * the parser is strict and fails early: a byte that cannot begin either
 * version, or a prefix that leaves the signature, is an error at once,
 * not after a timeout.  A header that gives no usable TCP addresses
 * (v1 UNKNOWN, v2 LOCAL, v2 of another family or transport) leaves the
 * connection's own addresses in force, as the protocol asks.
 */
#include <string.h>

#include "proxyproto.h"

static const uint8_t v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static const char v1_sig[] = "PROXY ";

#define V2_CMD_LOCAL	0x0
#define V2_CMD_PROXY	0x1
#define V2_FAM_INET	0x1
#define V2_FAM_INET6	0x2
#define V2_STREAM	0x1

/* The token at *p up to the byte stop, at most max bytes; NULL if none. */
static const char *
token(const char **p, const char *end, char stop, size_t max, size_t *len)
{
	const char	*start = *p, *q;

	for (q = start; q < end && *q != stop; q++)
		if ((size_t)(q - start) >= max)
			return NULL;
	if (q == end || q == start)
		return NULL;
	*len = (size_t)(q - start);
	*p = q + 1;
	return start;
}

/* A port in decimal, 0 to 65535, without leading zeros. */
static int
v1_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int
v1_addr(const char *s, size_t len, int family, struct addr *a)
{
	char buf[ADDR_STRLEN];

	if (len >= sizeof(buf))
		return -1;
	for (size_t i = 0; i < len; i++)
		if (strchr("0123456789abcdefABCDEF:.", s[i]) == NULL ||
		    s[i] == '\0')
			return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (family == ADDR_V4)
		return addr_parse_v4(buf, len, a);
	/* TCP6 names an IPv6 address, written as one. */
	if (memchr(buf, ':', len) == NULL || addr_parse(buf, a) == -1)
		return -1;
	return 0;
}

/* "PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n" or "PROXY UNKNOWN...\r\n". */
static ssize_t
v1_parse(const uint8_t *b, size_t len, struct proxyproto *pp)
{
	const char	*line = (const char *)b, *p, *end, *t;
	const uint8_t	*cr, *lf;
	size_t		 n, tl;
	int		 family;
	char		 buf[8];

	n = len < sizeof(v1_sig) - 1 ? len : sizeof(v1_sig) - 1;
	if (memcmp(b, v1_sig, n) != 0)
		return -1;
	n = len < PROXYPROTO_V1_MAX ? len : PROXYPROTO_V1_MAX;
	/* A line ends in CRLF: a bare LF is an error now, not at the limit. */
	lf = memchr(b, '\n', n);
	if ((cr = memchr(b, '\r', n)) == NULL || (lf != NULL && lf < cr))
		return len < PROXYPROTO_V1_MAX && lf == NULL ? 0 : -1;
	if ((size_t)(cr - b) + 1 == len)
		return 0;
	if (cr[1] != '\n' || (size_t)(cr - b) < sizeof(v1_sig) - 1 ||
	    (size_t)(cr - b) + 2 > PROXYPROTO_V1_MAX)
		return -1;
	end = (const char *)cr;
	p = line + sizeof(v1_sig) - 1;
	pp->version = 1;
	if (end - p >= 7 && memcmp(p, "UNKNOWN", 7) == 0 &&
	    (end - p == 7 || p[7] == ' ')) {
		pp->local = 1;
		return (ssize_t)(end - line) + 2;
	}
	if ((t = token(&p, end, ' ', 4, &tl)) == NULL || tl != 4)
		return -1;
	memcpy(buf, t, 4);
	buf[4] = '\0';
	if (strcmp(buf, "TCP4") == 0)
		family = ADDR_V4;
	else if (strcmp(buf, "TCP6") == 0)
		family = ADDR_V6;
	else
		return -1;
	if ((t = token(&p, end, ' ', ADDR_STRLEN, &tl)) == NULL ||
	    v1_addr(t, tl, family, &pp->src) == -1 ||
	    (t = token(&p, end, ' ', ADDR_STRLEN, &tl)) == NULL ||
	    v1_addr(t, tl, family, &pp->dst) == -1 ||
	    (t = token(&p, end, ' ', 5, &tl)) == NULL ||
	    v1_port(t, tl, &pp->sport) == -1)
		return -1;
	/* The last field runs to the CR: no trailing byte of any kind. */
	if (v1_port(p, (size_t)(end - p), &pp->dport) == -1)
		return -1;
	pp->local = 0;
	return (ssize_t)(end - line) + 2;
}

static void
v2_addr(const uint8_t *b, size_t n, struct addr *a)
{
	addr_from_bytes(n == 4 ? ADDR_V4 : ADDR_V6, b, a);
}

/* The binary header: signature, version and command, family, length. */
static ssize_t
v2_parse(const uint8_t *b, size_t len, size_t max, struct proxyproto *pp)
{
	size_t	 n, body, alen;
	int	 cmd, fam, proto;

	n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);
	if (memcmp(b, v2_sig, n) != 0)
		return -1;
	if (len > 12 && (b[12] >> 4 != 2 || ((b[12] & 0xf) != V2_CMD_LOCAL &&
	    (b[12] & 0xf) != V2_CMD_PROXY)))
		return -1;
	if (len < PROXYPROTO_V2_HEAD)
		return 0;
	cmd = b[12] & 0xf;
	fam = b[13] >> 4;
	proto = b[13] & 0xf;
	body = (size_t)b[14] << 8 | b[15];
	if (PROXYPROTO_V2_HEAD + body > max)
		return -1;
	alen = fam == V2_FAM_INET ? 12 : fam == V2_FAM_INET6 ? 36 : 0;
	if (cmd == V2_CMD_PROXY && body < alen)
		return -1;
	if (len < PROXYPROTO_V2_HEAD + body)
		return 0;
	pp->version = 2;
	pp->local = 1;
	/* The TLVs after the addresses are of no use here: skipped. */
	if (cmd == V2_CMD_PROXY && proto == V2_STREAM && alen > 0) {
		size_t	 w = fam == V2_FAM_INET ? 4 : 16;
		const uint8_t *a = b + PROXYPROTO_V2_HEAD;

		v2_addr(a, w, &pp->src);
		v2_addr(a + w, w, &pp->dst);
		pp->sport = (uint16_t)(a[2 * w] << 8 | a[2 * w + 1]);
		pp->dport = (uint16_t)(a[2 * w + 2] << 8 | a[2 * w + 3]);
		pp->local = 0;
	}
	return (ssize_t)(PROXYPROTO_V2_HEAD + body);
}

/*
 * The header at the start of b: its length, 0 while more bytes are
 * needed, -1 when it is malformed or (v2) longer than max bytes.
 */
ssize_t
proxyproto_parse(const uint8_t *b, size_t len, size_t max,
    struct proxyproto *pp)
{
	memset(pp, 0, sizeof(*pp));
	if (len == 0)
		return 0;
	if (b[0] == 'P')
		return v1_parse(b, len, pp);
	if (b[0] == v2_sig[0])
		return v2_parse(b, len, max, pp);
	return -1;
}
