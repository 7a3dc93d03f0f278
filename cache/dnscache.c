#include <stdlib.h>
#include <string.h>

#include "dnscache.h"
#include "name.h"

struct dns_slot {
	char		name[NAME_MAX_LEN + 1];
	struct addr	addrs[DNSCACHE_MAX_ADDRS];
	size_t		n;
	time_t		expires;
};

struct dnscache {
	struct dns_slot	*slots;
	size_t		 nslots;	/* a power of two */
};

static uint32_t
dnscache_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* A cache of about size names (rounded up to a power of two). */
struct dnscache *
dnscache_new(size_t size)
{
	struct dnscache	*c;
	size_t		 n = 16;

	while (n < size)
		n *= 2;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->slots = calloc(n, sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	c->nslots = n;
	return c;
}

/* Fills out (DNSCACHE_MAX_ADDRS) from an unexpired answer; 1 on a hit. */
int
dnscache_get(struct dnscache *c, const char *name, time_t now,
    struct addr *out, size_t *n)
{
	struct dns_slot *s = &c->slots[dnscache_hash(name) & (c->nslots - 1)];

	if (s->n == 0 || s->expires <= now || strcmp(s->name, name) != 0)
		return 0;
	memcpy(out, s->addrs, s->n * sizeof(*out));
	*n = s->n;
	return 1;
}

/* Keeps an answer until expires (the caller clamps the TTL). */
void
dnscache_put(struct dnscache *c, const char *name, const struct addr *addrs,
    size_t n, time_t expires)
{
	struct dns_slot *s = &c->slots[dnscache_hash(name) & (c->nslots - 1)];

	if (n == 0 || strlen(name) > NAME_MAX_LEN)
		return;
	if (n > DNSCACHE_MAX_ADDRS)
		n = DNSCACHE_MAX_ADDRS;
	strcpy(s->name, name);
	memcpy(s->addrs, addrs, n * sizeof(*addrs));
	s->n = n;
	s->expires = expires;
}

/* Forgets every answer (the [dns] section changed). */
void
dnscache_clear(struct dnscache *c)
{
	memset(c->slots, 0, c->nslots * sizeof(*c->slots));
}

void
dnscache_free(struct dnscache *c)
{
	if (c == NULL)
		return;
	free(c->slots);
	free(c);
}
