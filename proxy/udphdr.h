/*
 * The header of a datagram through a SOCKS5 UDP relay (RFC 1928 section
 * 7): RSV(2) FRAG(1) ATYP(1) DST.ADDR DST.PORT(2), then the data.  A
 * pure parser over the datagram, fuzzed on its own (fuzz_udphdr).
 */
#ifndef PINHOLE_UDPHDR_H
#define PINHOLE_UDPHDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "name.h"

/* ATYP, the address and the port: what names a destination. */
#define UDPHDR_KEY_MAX		(1 + 1 + 255 + 2)
#define UDPHDR_MAX		(3 + UDPHDR_KEY_MAX)
/* The header pinhole puts on a reply: an IPv6 address at most. */
#define UDPHDR_REPLY_MAX	(4 + 16 + 2)

/* Why a datagram's header is refused; the metrics' drop reasons. */
enum udphdr_error {
	UDPHDR_OK,
	UDPHDR_SHORT,		/* shorter than its header says */
	UDPHDR_FRAGMENT,	/* FRAG not 0: pinhole does not reassemble */
	UDPHDR_BAD_ATYP,	/* an address type not 1, 3 or 4 */
	UDPHDR_BAD_ADDRESS	/* RSV not 0, an empty name or one with NUL */
};

struct udphdr {
	const uint8_t	*key;		/* ATYP .. DST.PORT, in the datagram */
	size_t		 keylen;
	uint8_t		 atyp;
	uint16_t	 port;
	size_t		 len;		/* of the whole header */
};

enum udphdr_error udphdr_parse(const uint8_t *, size_t, struct udphdr *);
int	udphdr_host(const struct udphdr *, char *, size_t);
size_t	udphdr_format(uint8_t [UDPHDR_REPLY_MAX], const struct addr *,
	    uint16_t);

#endif
