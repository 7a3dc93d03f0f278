/*
 * An open-addressing hash of normalised names, each with flags saying
 * whether it matches itself, the names below it, or both.  The hash runs
 * from the last character to the first, so one pass over a looked-up
 * name yields the hash of each of its suffixes: "*.a.com" is found for
 * "x.y.a.com" by probing "y.a.com" and then "a.com", never by scanning
 * the patterns.
 */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "nameset.h"

struct ns_entry {
	uint32_t	off;	/* into the string arena */
	uint8_t		len;
	uint8_t		flags;
};

struct ns_slot {
	uint32_t	hash;
	uint32_t	entry;	/* index + 1; 0 = empty */
};

struct nameset {
	char		*arena;
	size_t		 arena_len, arena_cap;
	struct ns_entry	*entries;
	size_t		 n, cap;
	struct ns_slot	*slots;
	size_t		 nslots;	/* a power of two */
	size_t		 patterns;	/* as written, before merging */
	size_t		 covered;	/* entries merged into a wildcard */
};

#define FNV_OFFSET	2166136261u
#define FNV_PRIME	16777619u

static uint32_t
ns_hash(const char *s, size_t len)
{
	uint32_t h = FNV_OFFSET;

	while (len-- > 0) {
		h ^= (uint8_t)s[len];
		h *= FNV_PRIME;
	}
	return h;
}

struct nameset *
nameset_new(void)
{
	return calloc(1, sizeof(struct nameset));
}

static struct ns_slot *
ns_find(const struct nameset *set, const char *s, size_t len, uint32_t h)
{
	size_t mask = set->nslots - 1;

	if (set->nslots == 0)
		return NULL;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct ns_slot *slot = &set->slots[i];
		const struct ns_entry *e;

		if (slot->entry == 0)
			return slot;
		e = &set->entries[slot->entry - 1];
		if (slot->hash == h && e->len == len &&
		    memcmp(set->arena + e->off, s, len) == 0)
			return slot;
	}
}

static int
ns_rehash(struct nameset *set)
{
	size_t		 nslots = set->nslots ? set->nslots * 2 : 16;
	struct ns_slot	*old = set->slots, *slot;
	size_t		 oldn = set->nslots;

	if ((set->slots = calloc(nslots, sizeof(*slot))) == NULL) {
		set->slots = old;
		return -1;
	}
	set->nslots = nslots;
	for (size_t i = 0; i < oldn; i++) {
		const struct ns_entry *e;

		if (old[i].entry == 0)
			continue;
		e = &set->entries[old[i].entry - 1];
		slot = ns_find(set, set->arena + e->off, e->len, old[i].hash);
		*slot = old[i];
	}
	free(old);
	return 0;
}

static int
ns_reserve(struct nameset *set, size_t len)
{
	void *p;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;

		if ((p = realloc(set->entries, cap * sizeof(*set->entries)))
		    == NULL)
			return -1;
		set->entries = p;
		set->cap = cap;
	}
	while (set->arena_len + len + 1 > set->arena_cap) {
		size_t cap = set->arena_cap ? set->arena_cap * 2 : 256;

		if ((p = realloc(set->arena, cap)) == NULL)
			return -1;
		set->arena = p;
		set->arena_cap = cap;
	}
	if ((set->n + 1) * 2 > set->nslots && ns_rehash(set) == -1)
		return -1;
	return 0;
}

/* Adds a normalised name with NAME_* flags; repeats merge their flags. */
int
nameset_add(struct nameset *set, const char *s, size_t len, uint8_t flags)
{
	uint32_t	 h = ns_hash(s, len);
	struct ns_slot	*slot;
	struct ns_entry	*e;

	if (len == 0 || len > NAME_MAX_LEN || ns_reserve(set, len) == -1)
		return -1;
	slot = ns_find(set, s, len, h);
	if (slot->entry != 0) {
		e = &set->entries[slot->entry - 1];
		if ((e->flags | flags) != e->flags)
			set->patterns++;
		e->flags |= flags;
		return 0;
	}
	set->patterns++;
	e = &set->entries[set->n];
	e->off = (uint32_t)set->arena_len;
	e->len = (uint8_t)len;
	e->flags = flags;
	memcpy(set->arena + set->arena_len, s, len);
	set->arena[set->arena_len + len] = '\0';
	set->arena_len += len + 1;
	slot->hash = h;
	slot->entry = (uint32_t)++set->n;
	return 0;
}

static int
ns_match(const struct nameset *set, const char *s, size_t len, uint32_t h,
    uint8_t want, struct name_match *m)
{
	const struct ns_slot	*slot = ns_find(set, s, len, h);
	const struct ns_entry	*e;

	if (slot == NULL || slot->entry == 0)
		return 0;
	e = &set->entries[slot->entry - 1];
	if ((e->flags & want) == 0)
		return 0;
	if (m != NULL) {
		m->base = set->arena + e->off;
		m->how = (uint8_t)(want | (e->flags & NAME_DOT));
	}
	return 1;
}

/*
 * Looks up a normalised name: an exact entry first, then the wildcard on
 * the longest suffix, so the most specific pattern is the one reported.
 */
int
nameset_lookup(const struct nameset *set, const char *s, size_t len,
    struct name_match *m)
{
	uint32_t	 hashes[NAME_MAX_LEN / 2 + 1];
	size_t		 offs[NAME_MAX_LEN / 2 + 1];
	int		 n = 0;
	uint32_t	 h = FNV_OFFSET;

	if (set->n == 0 || len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (size_t i = len; i-- > 0;) {
		h ^= (uint8_t)s[i];
		h *= FNV_PRIME;
		if (i > 0 && s[i - 1] == '.') {
			hashes[n] = h;
			offs[n++] = i;
		}
	}
	/*
	 * The probes do not depend on each other: start every slot's fetch
	 * now, so their cache misses overlap instead of adding up.
	 */
	__builtin_prefetch(&set->slots[h & (set->nslots - 1)]);
	for (int i = 0; i < n; i++)
		__builtin_prefetch(&set->slots[hashes[i] & (set->nslots - 1)]);
	if (ns_match(set, s, len, h, NAME_EXACT, m))
		return 1;
	while (n-- > 0)
		if (ns_match(set, s + offs[n], len - offs[n], hashes[n],
		    NAME_WILD, m))
			return 1;
	return 0;
}

/* Calls fn for every name with its NAME_* flags, in the order added
 * (but for names merged into a wildcard). */
void
nameset_foreach(const struct nameset *set,
    void (*fn)(const char *, uint8_t, void *), void *arg)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->entries[i].flags != 0)
			fn(set->arena + set->entries[i].off,
			    set->entries[i].flags, arg);
}

size_t
nameset_count(const struct nameset *set)
{
	return set->n - set->covered;
}

/*
 * Drops the names that a wildcard of the set already covers: with
 * ".a.com" or "*.a.com" there, "b.a.com" and "*.b.a.com" add nothing.
 */
void
nameset_merge_covered(struct nameset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct ns_entry	*e = &set->entries[i];
		const char	*s = set->arena + e->off;

		if (e->flags == 0)
			continue;
		for (size_t k = 0; k < e->len; k++) {
			size_t	 len = e->len - k - 1;
			uint32_t h;

			if (s[k] != '.')
				continue;
			h = ns_hash(s + k + 1, len);
			if (ns_match(set, s + k + 1, len, h, NAME_WILD, NULL)) {
				e->flags = 0;
				set->covered++;
				break;
			}
		}
	}
}

/* Patterns added, counting "a.com" and "*.a.com" as two. */
size_t
nameset_patterns(const struct nameset *set)
{
	return set->patterns;
}

size_t
nameset_memory(const struct nameset *set)
{
	return sizeof(*set) + set->arena_cap + set->cap *
	    sizeof(struct ns_entry) + set->nslots * sizeof(struct ns_slot);
}

void
nameset_free(struct nameset *set)
{
	if (set == NULL)
		return;
	free(set->arena);
	free(set->entries);
	free(set->slots);
	free(set);
}
