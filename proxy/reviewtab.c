/*
 * The hash table of pinhole review: string keys (copied), a pointer of
 * the caller's for each, linear probing, kept at most half full.
 */
#include <stdlib.h>
#include <string.h>

#include "review.h"

#define FNV_OFFSET	2166136261u
#define FNV_PRIME	16777619u

static uint32_t
rtab_hash(const char *s, size_t len)
{
	uint32_t h = FNV_OFFSET;

	while (len-- > 0) {
		h ^= (uint8_t)*s++;
		h *= FNV_PRIME;
	}
	return h;
}

static struct rtab_slot *
rtab_find(const struct rtab *t, const char *key, size_t len, uint32_t h)
{
	size_t mask = t->nslots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct rtab_slot *s = &t->slots[i];

		if (s->key == NULL || (s->hash == h &&
		    strncmp(s->key, key, len) == 0 && s->key[len] == '\0'))
			return s;
	}
}

static int
rtab_grow(struct rtab *t, size_t nslots)
{
	struct rtab_slot	*old = t->slots;
	size_t			 nold = t->nslots;

	if ((t->slots = calloc(nslots, sizeof(*t->slots))) == NULL) {
		t->slots = old;
		return -1;
	}
	t->nslots = nslots;
	for (size_t i = 0; i < nold; i++) {
		if (old[i].key != NULL)
			*rtab_find(t, old[i].key, strlen(old[i].key),
			    old[i].hash) = old[i];
	}
	free(old);
	return 0;
}

void *
rtab_get(const struct rtab *t, const char *key, size_t len)
{
	struct rtab_slot *s;

	if (t->nslots == 0)
		return NULL;
	s = rtab_find(t, key, len, rtab_hash(key, len));
	return s->key != NULL ? s->val : NULL;
}

/* Adds a key that is not there yet; -1 when memory runs out. */
int
rtab_put(struct rtab *t, const char *key, size_t len, void *val)
{
	struct rtab_slot	*s;
	uint32_t		 h = rtab_hash(key, len);

	if ((t->n + 1) * 2 > t->nslots &&
	    rtab_grow(t, t->nslots ? t->nslots * 2 : 64) == -1)
		return -1;
	s = rtab_find(t, key, len, h);
	if ((s->key = malloc(len + 1)) == NULL)
		return -1;
	memcpy(s->key, key, len);
	s->key[len] = '\0';
	s->hash = h;
	s->val = val;
	t->n++;
	return 0;
}

/*
 * Drops every value keep() says no to (keep frees it), then puts the
 * rest back in place: probing needs no holes.
 */
void
rtab_drop(struct rtab *t, int (*keep)(void *, void *), void *arg)
{
	struct rtab_slot	*old = t->slots;
	size_t			 nold = t->nslots;

	if ((t->slots = calloc(nold, sizeof(*t->slots))) == NULL) {
		t->slots = old;
		return;
	}
	t->n = 0;
	for (size_t i = 0; i < nold; i++) {
		if (old[i].key == NULL)
			continue;
		if (!keep(old[i].val, arg)) {
			free(old[i].key);
			continue;
		}
		*rtab_find(t, old[i].key, strlen(old[i].key), old[i].hash) =
		    old[i];
		t->n++;
	}
	free(old);
}

void
rtab_free(struct rtab *t, void (*fn)(void *))
{
	for (size_t i = 0; i < t->nslots; i++) {
		if (t->slots[i].key == NULL)
			continue;
		free(t->slots[i].key);
		if (fn != NULL)
			fn(t->slots[i].val);
	}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* The values, sorted by cmp (which gets pointers to value pointers). */
void **
rtab_sorted(const struct rtab *t, int (*cmp)(const void *, const void *),
    size_t *n)
{
	void	**v;
	size_t	  k = 0;

	if ((v = calloc(t->n ? t->n : 1, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slots[i].key != NULL)
			v[k++] = t->slots[i].val;
	qsort(v, k, sizeof(*v), cmp);
	*n = k;
	return v;
}
