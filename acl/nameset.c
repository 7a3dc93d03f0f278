/*
 * An open-addressing hash of normalised names, each with flags saying
 * whether it matches itself, the names below it, or both.  The hash runs
 * from the last character to the first, so one pass over a looked-up
 * name yields the hash of each of its suffixes: "*.a.com" is found for
 * "x.y.a.com" by probing "y.a.com" and then "a.com", never by scanning
 * the patterns.
 *
 * Globs ("*-files.a.com", "autodiscover.*.a.com") cannot be hashed as
 * they are written.  They live apart, chained under their fixed suffix
 * ("a.com") in a second hash of the same kind, which the same suffix
 * hashes probe.  A lookup so costs, on top of the plain probes, one
 * probe per label of the name and one glob match per glob whose fixed
 * suffix the name ends with: bounded by the globs sharing a suffix, never
 * by the number of plain patterns, and nothing at all without globs.
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

/* A glob, in the chain of its fixed suffix (an entry of set->gkeys). */
struct ns_glob {
	uint32_t	off;	/* into the string arena */
	uint8_t		len;
	uint8_t		fixed;	/* length of the fixed suffix, 0 = none */
	uint8_t		flags;
	uint32_t	next;	/* index + 1 of the next glob; 0 = last */
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
	struct nameset	*gkeys;		/* the globs' fixed suffixes */
	uint32_t	*ghead;		/* per gkeys entry: first glob + 1 */
	size_t		 ghead_cap;
	struct ns_glob	*globs;
	size_t		 nglobs, gcap;
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
ns_arena_reserve(struct nameset *set, size_t len)
{
	void *p;

	while (set->arena_len + len + 1 > set->arena_cap) {
		size_t cap = set->arena_cap ? set->arena_cap * 2 : 256;

		if ((p = realloc(set->arena, cap)) == NULL)
			return -1;
		set->arena = p;
		set->arena_cap = cap;
	}
	return 0;
}

static uint32_t
ns_arena_add(struct nameset *set, const char *s, size_t len)
{
	uint32_t off = (uint32_t)set->arena_len;

	memcpy(set->arena + off, s, len);
	set->arena[off + len] = '\0';
	set->arena_len += len + 1;
	return off;
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
	if (ns_arena_reserve(set, len) == -1)
		return -1;
	if ((set->n + 1) * 2 > set->nslots && ns_rehash(set) == -1)
		return -1;
	return 0;
}

/* Adds a plain name; returns its entry's index, or -1. */
static long
ns_add_plain(struct nameset *set, const char *s, size_t len, uint8_t flags)
{
	uint32_t	 h = ns_hash(s, len);
	struct ns_slot	*slot;
	struct ns_entry	*e;

	if (ns_reserve(set, len) == -1)
		return -1;
	slot = ns_find(set, s, len, h);
	if (slot->entry != 0) {
		e = &set->entries[slot->entry - 1];
		if ((e->flags | flags) != e->flags)
			set->patterns++;
		e->flags |= flags;
		return (long)slot->entry - 1;
	}
	set->patterns++;
	e = &set->entries[set->n];
	e->off = ns_arena_add(set, s, len);
	e->len = (uint8_t)len;
	e->flags = flags;
	slot->hash = h;
	slot->entry = (uint32_t)++set->n;
	return (long)set->n - 1;
}

static int
ns_glob_reserve(struct nameset *set, size_t len)
{
	void	*p;
	size_t	 keys = set->gkeys->n + 1;

	if (set->nglobs == set->gcap) {
		size_t cap = set->gcap ? set->gcap * 2 : 8;

		if ((p = realloc(set->globs, cap * sizeof(*set->globs)))
		    == NULL)
			return -1;
		set->globs = p;
		set->gcap = cap;
	}
	if (keys > set->ghead_cap) {
		size_t cap = set->ghead_cap ? set->ghead_cap * 2 : 8;

		if ((p = realloc(set->ghead, cap * sizeof(*set->ghead)))
		    == NULL)
			return -1;
		set->ghead = p;
		set->ghead_cap = cap;
	}
	return ns_arena_reserve(set, len);
}

/*
 * Adds a glob under its fixed suffix.  A glob without one ("*", "a*")
 * goes under the empty suffix, which no lookup probes: it matches
 * nothing, and name_too_broad() refuses it before it gets here.
 */
static int
ns_add_glob(struct nameset *set, const char *s, size_t len, uint8_t flags)
{
	const char	*fixed = name_glob_fixed(s, len);
	size_t		 flen = len - (size_t)(fixed - s);
	struct ns_glob	*g;
	size_t		 before;
	long		 key;
	uint32_t	 i;

	if (set->gkeys == NULL && (set->gkeys = nameset_new()) == NULL)
		return -1;
	if (ns_glob_reserve(set, len) == -1)
		return -1;
	before = set->gkeys->n;
	if (flen == 0)
		key = -1;
	else if ((key = ns_add_plain(set->gkeys, fixed, flen, 0)) == -1)
		return -1;
	if (key >= 0 && (size_t)key >= before)
		set->ghead[key] = 0;
	for (i = key >= 0 ? set->ghead[key] : 0; i != 0; i = g->next) {
		g = &set->globs[i - 1];
		if (g->len == len && memcmp(set->arena + g->off, s, len) == 0) {
			if ((g->flags | flags) != g->flags)
				set->patterns++;
			g->flags |= flags;
			return 0;
		}
	}
	set->patterns++;
	g = &set->globs[set->nglobs++];
	g->off = ns_arena_add(set, s, len);
	g->len = (uint8_t)len;
	g->fixed = (uint8_t)flen;
	g->flags = flags;
	g->next = key >= 0 ? set->ghead[key] : 0;
	if (key >= 0)
		set->ghead[key] = (uint32_t)set->nglobs;
	return 0;
}

/*
 * Adds a normalised name or glob with NAME_* flags; repeats merge their
 * flags.
 */
int
nameset_add(struct nameset *set, const char *s, size_t len, uint8_t flags)
{
	if (len == 0 || len > NAME_MAX_LEN)
		return -1;
	if (flags & NAME_GLOB)
		return ns_add_glob(set, s, len, flags);
	return ns_add_plain(set, s, len, flags) == -1 ? -1 : 0;
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
 * One label against one glob label: '*' is any run of characters, the
 * rest must be equal.  Backtracking to the last '*' only keeps this
 * within len(pattern) * len(label), both at most 63.
 */
static int
ns_glob_label(const char *p, size_t pl, const char *s, size_t sl)
{
	size_t	 i = 0, k = 0, star = (size_t)-1, mark = 0;

	while (k < sl) {
		if (i < pl && p[i] == '*') {
			star = i++;
			mark = k;
		} else if (i < pl && p[i] == s[k]) {
			i++;
			k++;
		} else if (star != (size_t)-1) {
			i = star + 1;
			k = ++mark;
		} else
			return 0;
	}
	while (i < pl && p[i] == '*')
		i++;
	return i == pl;
}

/* Labels p[0..pl) against s[0..sl), one for one. */
static int
ns_glob_labels(const char *p, size_t pl, const char *s, size_t sl)
{
	for (;;) {
		const char	*pd = memchr(p, '.', pl), *sd = memchr(s, '.', sl);
		size_t		 pn = pd ? (size_t)(pd - p) : pl;
		size_t		 sn = sd ? (size_t)(sd - s) : sl;

		if ((pd == NULL) != (sd == NULL) ||
		    !ns_glob_label(p, pn, s, sn))
			return 0;
		if (pd == NULL)
			return 1;
		p += pn + 1;
		pl -= pn + 1;
		s += sn + 1;
		sl -= sn + 1;
	}
}

/*
 * The name s[0..len), which ends in ".<fixed suffix>" at s + head, against
 * glob g: its labels before the suffix must match the name's, for
 * NAME_EXACT all of them, for NAME_WILD those after one or more labels.
 */
static uint8_t
ns_glob_match(const struct nameset *set, const struct ns_glob *g,
    const char *s, size_t head)
{
	const char	*p = set->arena + g->off;
	size_t		 pl = (size_t)(g->len - g->fixed - 1);

	if ((g->flags & NAME_EXACT) && ns_glob_labels(p, pl, s, head))
		return NAME_EXACT;
	if (!(g->flags & NAME_WILD))
		return 0;
	for (size_t k = 1; k < head; k++)
		if (s[k - 1] == '.' && ns_glob_labels(p, pl, s + k, head - k))
			return NAME_WILD;
	return 0;
}

/* The globs whose fixed suffix is s + off, the suffix hash being h. */
static int
ns_globs_match(const struct nameset *set, const char *s, size_t len,
    size_t off, uint32_t h, struct name_match *m)
{
	const struct ns_slot	*slot;
	const struct ns_glob	*g;
	uint8_t			 how;

	slot = ns_find(set->gkeys, s + off, len - off, h);
	if (slot == NULL || slot->entry == 0)
		return 0;
	for (uint32_t i = set->ghead[slot->entry - 1]; i != 0; i = g->next) {
		g = &set->globs[i - 1];
		if ((how = ns_glob_match(set, g, s, off - 1)) == 0)
			continue;
		if (m != NULL) {
			m->base = set->arena + g->off;
			m->how = (uint8_t)(how | NAME_GLOB |
			    (g->flags & NAME_DOT));
		}
		return 1;
	}
	return 0;
}

/*
 * Looks up a normalised name: an exact entry first, then, from the
 * longest suffix to the shortest, the globs under that suffix and the
 * wildcard on it, so the most specific pattern is the one reported.
 */
int
nameset_lookup(const struct nameset *set, const char *s, size_t len,
    struct name_match *m)
{
	uint32_t	 hashes[NAME_MAX_LEN / 2 + 1];
	size_t		 offs[NAME_MAX_LEN / 2 + 1];
	int		 n = 0, globs = set->nglobs > 0;
	uint32_t	 h = FNV_OFFSET;

	if ((set->n == 0 && !globs) || len == 0 || len > NAME_MAX_LEN)
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
	if (set->n > 0) {
		__builtin_prefetch(&set->slots[h & (set->nslots - 1)]);
		for (int i = 0; i < n; i++)
			__builtin_prefetch(&set->slots[hashes[i] &
			    (set->nslots - 1)]);
	}
	if (ns_match(set, s, len, h, NAME_EXACT, m))
		return 1;
	while (n-- > 0) {
		if (globs && ns_globs_match(set, s, len, offs[n], hashes[n],
		    m))
			return 1;
		if (ns_match(set, s + offs[n], len - offs[n], hashes[n],
		    NAME_WILD, m))
			return 1;
	}
	return 0;
}

/* Calls fn for every name and glob with its NAME_* flags, in the order
 * added (but for those merged into a wildcard), the globs last. */
void
nameset_foreach(const struct nameset *set,
    void (*fn)(const char *, uint8_t, void *), void *arg)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->entries[i].flags != 0)
			fn(set->arena + set->entries[i].off,
			    set->entries[i].flags, arg);
	for (size_t i = 0; i < set->nglobs; i++)
		if (set->globs[i].flags != 0)
			fn(set->arena + set->globs[i].off,
			    set->globs[i].flags, arg);
}

size_t
nameset_count(const struct nameset *set)
{
	return set->n + set->nglobs - set->covered;
}

/* Whether a wildcard of the set covers s or a suffix of it. */
static int
ns_wild_covers(const struct nameset *set, const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++) {
		size_t	 n = len - k;

		if (k > 0 && s[k - 1] != '.')
			continue;
		if (ns_match(set, s + k, n, ns_hash(s + k, n), NAME_WILD, NULL))
			return 1;
	}
	return 0;
}

/*
 * Drops the names that a wildcard of the set already covers: with
 * ".a.com" or "*.a.com" there, "b.a.com", "*.b.a.com" and the glob
 * "*-files.a.com" add nothing.
 */
void
nameset_merge_covered(struct nameset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct ns_entry	*e = &set->entries[i];
		const char	*s = set->arena + e->off;
		const char	*dot = memchr(s, '.', e->len);

		if (e->flags == 0 || dot == NULL)
			continue;
		if (ns_wild_covers(set, dot + 1,
		    e->len - (size_t)(dot + 1 - s))) {
			e->flags = 0;
			set->covered++;
		}
	}
	for (size_t i = 0; i < set->nglobs; i++) {
		struct ns_glob	*g = &set->globs[i];
		const char	*s = set->arena + g->off;

		if (g->flags == 0 || g->fixed == 0)
			continue;
		if (ns_wild_covers(set, s + g->len - g->fixed, g->fixed)) {
			g->flags = 0;
			set->covered++;
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
	size_t globs = set->gcap * sizeof(struct ns_glob) +
	    set->ghead_cap * sizeof(uint32_t);

	if (set->gkeys != NULL)
		globs += nameset_memory(set->gkeys);
	return sizeof(*set) + set->arena_cap + set->cap *
	    sizeof(struct ns_entry) + set->nslots * sizeof(struct ns_slot) +
	    globs;
}

void
nameset_free(struct nameset *set)
{
	if (set == NULL)
		return;
	nameset_free(set->gkeys);
	free(set->ghead);
	free(set->globs);
	free(set->arena);
	free(set->entries);
	free(set->slots);
	free(set);
}
