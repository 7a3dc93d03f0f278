/*
 * A chained hash of client addresses with their open connection count.
 * A slot lives while its client has a connection open, so the table is
 * as large as the number of clients connected, never more.
 */
#include <stdlib.h>
#include <string.h>

#include "connlimit.h"

#define CONNLIMIT_BUCKETS	4096

struct limit_slot {
	struct addr		 addr;
	size_t			 open;
	size_t			 bucket;
	struct limit_slot	*next;
};

static struct limit_slot *buckets[CONNLIMIT_BUCKETS];

static size_t
connlimit_hash(const struct addr *a)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < (a->family == ADDR_V4 ? 4 : 16); i++) {
		h ^= a->b[i];
		h *= 16777619u;
	}
	return h % CONNLIMIT_BUCKETS;
}

/* Counts one more connection of a; *open is the count with it. */
struct limit_slot *
connlimit_take(const struct addr *a, size_t *open)
{
	size_t			 b = connlimit_hash(a);
	struct limit_slot	*s;

	for (s = buckets[b]; s != NULL; s = s->next)
		if (memcmp(&s->addr, a, sizeof(*a)) == 0)
			break;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return NULL;
		s->addr = *a;
		s->bucket = b;
		s->next = buckets[b];
		buckets[b] = s;
	}
	*open = ++s->open;
	return s;
}

void
connlimit_give(struct limit_slot *s)
{
	struct limit_slot **pp;

	if (s == NULL || --s->open > 0)
		return;
	for (pp = &buckets[s->bucket]; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	free(s);
}
