/* A set of TCP or UDP ports, written as "443, 7615, 5060-5061". */
#ifndef PINHOLE_PORTSET_H
#define PINHOLE_PORTSET_H

#include <stddef.h>
#include <stdint.h>

struct portset {
	uint64_t	bits[65536 / 64];
	unsigned	count;
};

int	portset_add(struct portset *, const char *);
int	portset_has(const struct portset *, uint16_t);
void	portset_format(const struct portset *, char *, size_t);

#endif
