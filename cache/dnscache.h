/*
 * Resolved names kept for their TTL.  A fixed table, direct-mapped by
 * the name's hash: a lookup is one probe and memory never grows, and a
 * collision only costs a lookup that a busier name evicted.
 */
#ifndef PINHOLE_DNSCACHE_H
#define PINHOLE_DNSCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

#define DNSCACHE_MAX_ADDRS	16

struct dnscache;

struct dnscache	*dnscache_new(size_t);
int		 dnscache_get(struct dnscache *, const char *, time_t,
		    struct addr *, size_t *);
void		 dnscache_put(struct dnscache *, const char *,
		    const struct addr *, size_t, time_t);
void		 dnscache_clear(struct dnscache *);
void		 dnscache_free(struct dnscache *);

#endif
