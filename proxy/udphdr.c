/*
 * The SOCKS5 UDP header.  A destination is named by the header's bytes
 * from ATYP to DST.PORT (its key): the relay finds a destination it knows
 * by comparing those bytes, and writes the host out as text only for a
 * new one.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <string.h>

#include "udphdr.h"

#define ATYP_V4		1
#define ATYP_NAME	3
#define ATYP_V6		4

/* The header of datagram b (len bytes) into h; UDPHDR_OK or why not. */
enum udphdr_error
udphdr_parse(const uint8_t *b, size_t len, struct udphdr *h)
{
	size_t	 alen;

	memset(h, 0, sizeof(*h));
	if (len < 4)
		return UDPHDR_SHORT;
	if (b[0] != 0 || b[1] != 0)
		return UDPHDR_BAD_ADDRESS;
	if (b[2] != 0)
		return UDPHDR_FRAGMENT;
	switch (b[3]) {
	case ATYP_V4:
		alen = 4;
		break;
	case ATYP_V6:
		alen = 16;
		break;
	case ATYP_NAME:
		if (len < 5)
			return UDPHDR_SHORT;
		alen = 1 + (size_t)b[4];
		break;
	default:
		return UDPHDR_BAD_ATYP;
	}
	if (len < 4 + alen + 2)
		return UDPHDR_SHORT;
	/* A NUL in a name makes it malformed, never shorter. */
	if (b[3] == ATYP_NAME && (b[4] == 0 || b[4] > NAME_MAX_LEN + 1 ||
	    memchr(b + 5, '\0', b[4]) != NULL))
		return UDPHDR_BAD_ADDRESS;
	h->atyp = b[3];
	h->key = b + 3;
	h->keylen = 1 + alen + 2;
	h->port = (uint16_t)(b[4 + alen] << 8 | b[4 + alen + 1]);
	h->len = 4 + alen + 2;
	return UDPHDR_OK;
}

/* The destination's host as text, as a SOCKS5 request would give it. */
int
udphdr_host(const struct udphdr *h, char *buf, size_t size)
{
	const uint8_t	*a = h->key + 1;

	switch (h->atyp) {
	case ATYP_V4:
		return inet_ntop(AF_INET, a, buf, (socklen_t)size) ? 0 : -1;
	case ATYP_V6:
		return inet_ntop(AF_INET6, a, buf, (socklen_t)size) ? 0 : -1;
	default:
		if ((size_t)a[0] >= size)
			return -1;
		memcpy(buf, a + 1, a[0]);
		buf[a[0]] = '\0';
		return 0;
	}
}

/* The header of a reply from address a, port; its length. */
size_t
udphdr_format(uint8_t out[UDPHDR_REPLY_MAX], const struct addr *a,
    uint16_t port)
{
	size_t alen = a->family == ADDR_V4 ? 4 : 16;

	out[0] = out[1] = out[2] = 0;
	out[3] = a->family == ADDR_V4 ? ATYP_V4 : ATYP_V6;
	memcpy(out + 4, a->b, alen);
	out[4 + alen] = (uint8_t)(port >> 8);
	out[4 + alen + 1] = (uint8_t)port;
	return 4 + alen + 2;
}
