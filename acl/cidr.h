/* One IPv4 or IPv6 network: parsing, formatting, containment. */
#ifndef PINHOLE_CIDR_H
#define PINHOLE_CIDR_H

#include "addr.h"

struct cidr {
	struct addr	net;
	uint8_t		len;
};

#define CIDR_STRLEN	(ADDR_STRLEN + 4)

int	cidr_parse(const char *, struct cidr *, int *);
void	cidr_format(const struct cidr *, char *, size_t);
int	cidr_contains(const struct cidr *, const struct addr *);
void	cidr_from_addr(const struct addr *, struct cidr *);

#endif
