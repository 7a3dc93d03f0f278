/*
 * An IP address as pinhole matches it.  IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are stored as IPv4 so that one rule covers both forms.
 */
#ifndef PINHOLE_ADDR_H
#define PINHOLE_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

#define ADDR_V4		4
#define ADDR_V6		6
#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define ADDR_MAX_EMBEDDED 6	/* IPv4 addresses one IPv6 address carries */

struct addr {
	uint8_t	family;		/* ADDR_V4 or ADDR_V6 */
	uint8_t	b[16];		/* network order; IPv4 uses b[0..3] */
};

void	addr_canon(struct addr *);
int	addr_from_bytes(int, const void *, struct addr *);
int	addr_parse(const char *, struct addr *);
int	addr_parse_v4(const char *, size_t, struct addr *);
int	addr_is_v4_attempt(const char *, size_t);
void	addr_format(const struct addr *, char *, size_t);
int	addr_from_sockaddr(const struct sockaddr *, struct addr *);
int	addr_to_sockaddr(const struct addr *, uint16_t, void *, size_t);
int	addr_embedded_v4(const struct addr *,
	    struct addr [ADDR_MAX_EMBEDDED]);
int	addr_bits(const struct addr *);

#endif
