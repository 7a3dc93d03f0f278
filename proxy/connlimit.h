/* Open connections per client address, for max_connections_per_client. */
#ifndef PINHOLE_CONNLIMIT_H
#define PINHOLE_CONNLIMIT_H

#include <stddef.h>

#include "addr.h"

struct limit_slot;

struct limit_slot	*connlimit_take(const struct addr *, size_t *);
void			 connlimit_give(struct limit_slot *);

#endif
