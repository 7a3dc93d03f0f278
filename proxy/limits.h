/* Open connections per client address, for max_connections_per_client. */
#ifndef PINHOLE_LIMITS_H
#define PINHOLE_LIMITS_H

#include <stddef.h>

#include "addr.h"

struct limit_slot;

struct limit_slot	*limits_take(const struct addr *, size_t *);
void			 limits_give(struct limit_slot *);

#endif
