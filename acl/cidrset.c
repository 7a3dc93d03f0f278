/*
 * The CIDRs are flattened into sorted, disjoint intervals of the address
 * space, each labelled with the prefix length of the innermost CIDR that
 * covers it (0 for none).  The matching CIDR is then the looked-up
 * address masked to that length, so no per-entry record is kept: an
 * interval costs 8 bytes for IPv4 and 24 for IPv6.  A direct index on
 * the address bits just after the set's common prefix narrows the
 * binary search to a bucket of about two intervals.
 *
 * Large tables are then packed (cidrpack.c) so that a lookup among a
 * million CIDRs stays close to a lookup among ten.
 */
#include <stdlib.h>
#include <string.h>

#include "cidrset.h"
#include "cidrtable.h"

struct span {
	struct u128	start, end;
	uint8_t		len;
	uint8_t		v4;
};

struct cidrset {
	struct span	*in;		/* before build */
	size_t		 nin, capin;
	size_t		 count;		/* distinct CIDRs */
	int		 built;		/* no adding after the build */
	int		 merge;		/* drop CIDRs inside others */
	struct table	 t4, t6;
};

static struct u128
addr_key(const struct addr *a)
{
	struct u128 k = { 0, 0 };

	if (a->family == ADDR_V4) {
		k.lo = (uint64_t)a->b[0] << 24 | (uint64_t)a->b[1] << 16 |
		    (uint64_t)a->b[2] << 8 | a->b[3];
		return k;
	}
	for (int i = 0; i < 8; i++) {
		k.hi = k.hi << 8 | a->b[i];
		k.lo = k.lo << 8 | a->b[i + 8];
	}
	return k;
}

static struct span
span_of(const struct cidr *c)
{
	struct span	 s;
	int		 host = addr_bits(&c->net) - c->len;

	s.start = addr_key(&c->net);
	s.end = s.start;
	if (host >= 64) {
		s.end.lo = ~0ULL;
		s.end.hi |= host == 128 ? ~0ULL : (1ULL << (host - 64)) - 1;
	} else if (host > 0)
		s.end.lo |= (1ULL << host) - 1;
	s.len = c->len;
	return s;
}

struct cidrset *
cidrset_new(void)
{
	return calloc(1, sizeof(struct cidrset));
}

int
cidrset_add(struct cidrset *set, const struct cidr *c)
{
	struct span	*s;

	if (set->built)
		return -1;
	if (set->nin == set->capin) {
		size_t cap = set->capin ? set->capin * 2 : 16;

		if ((s = realloc(set->in, cap * sizeof(*s))) == NULL)
			return -1;
		set->in = s;
		set->capin = cap;
	}
	set->in[set->nin] = span_of(c);
	/* IPv4 spans live in the low 32 bits; keep them apart from IPv6. */
	set->in[set->nin].v4 = c->net.family == ADDR_V4;
	set->nin++;
	return 0;
}

static int
span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	int c;

	if (a->v4 != b->v4)
		return a->v4 ? -1 : 1;
	if ((c = u128_cmp(a->start, b->start)) != 0)
		return c;
	return (int)a->len - (int)b->len;	/* broader first */
}

static int
table_grow(struct table *t)
{
	size_t	 cap = t->cap ? t->cap * 2 : 16;
	void	*p;

	if (t->v4) {
		if ((p = realloc(t->i4, cap * sizeof(*t->i4))) == NULL)
			return -1;
		t->i4 = p;
	} else {
		if ((p = realloc(t->i6, cap * sizeof(*t->i6))) == NULL)
			return -1;
		t->i6 = p;
	}
	t->cap = cap;
	return 0;
}

/* Appends the interval [pos, next start) with value val, merging. */
static int
table_emit(struct table *t, struct u128 pos, uint8_t val)
{
	if (t->n > 0 && u128_cmp(table_start(t, t->n - 1), pos) == 0) {
		t->n--;		/* an empty interval: the new value wins */
		if (t->n > 0 && table_val(t, t->n - 1) == val)
			return 0;
	} else if (t->n > 0 && table_val(t, t->n - 1) == val)
		return 0;
	if (t->n == 0 && val == 0)
		return 0;
	if (t->n == t->cap && table_grow(t) == -1)
		return -1;
	if (t->v4) {
		t->i4[t->n].start = (uint32_t)pos.lo;
		t->i4[t->n].val = val;
	} else {
		t->i6[t->n].start = pos;
		t->i6[t->n].val = val;
	}
	t->n++;
	return 0;
}

static int
span_is_last(struct u128 end, int v4)
{
	if (v4)
		return end.lo == 0xffffffffULL;
	return end.hi == ~0ULL && end.lo == ~0ULL;
}

static struct u128
u128_inc(struct u128 a)
{
	a.lo++;
	if (a.lo == 0)
		a.hi++;
	return a;
}

/* The CIDR on top of the stack ends: what encloses it resumes. */
static int
close_top(struct table *t, const struct span *stack, int *depth)
{
	const struct span *top = &stack[--*depth];

	if (span_is_last(top->end, t->v4))
		return 0;
	return table_emit(t, u128_inc(top->end), *depth > 0 ?
	    (uint8_t)(stack[*depth - 1].len + 1) : 0);
}

/*
 * Sweeps the sorted spans with a stack of the CIDRs still open, so a
 * nested CIDR splits its parent and the parent resumes after it.
 */
static int
table_fill(struct table *t, const struct span *s, size_t n, size_t *count,
    int merge)
{
	struct span	 stack[129];
	int		 depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && u128_cmp(s[i].start, s[i - 1].start) == 0 &&
		    s[i].len == s[i - 1].len)
			continue;	/* duplicate */
		while (depth > 0 && u128_cmp(stack[depth - 1].end,
		    s[i].start) < 0)
			if (close_top(t, stack, &depth) == -1)
				return -1;
		if (merge && depth > 0)
			continue;	/* inside a broader CIDR of the set */
		(*count)++;
		if (table_emit(t, s[i].start, (uint8_t)(s[i].len + 1))
		    == -1)
			return -1;
		stack[depth++] = s[i];
	}
	while (depth > 0)
		if (close_top(t, stack, &depth) == -1)
			return -1;
	return 0;
}

static int
table_index(struct table *t)
{
	size_t	 buckets, i = 0;
	int	 bits = 0;

	if (t->n < 8)
		return 0;
	/* About two intervals a bucket: the index stays small. */
	while (bits < 20 && ((size_t)1 << (bits + 2)) <= t->n)
		bits++;
	t->cp = u128_common(table_start(t, 0), table_start(t, t->n - 1));
	if (t->cp + bits > 128)
		bits = 128 - t->cp;
	if (bits == 0)
		return 0;
	t->bits = bits;
	buckets = (size_t)1 << bits;
	if ((t->index = malloc((buckets + 1) * sizeof(*t->index))) == NULL)
		return -1;
	for (size_t b = 0; b <= buckets; b++) {
		while (i < t->n && u128_top(u128_shl(table_start(t, i), t->cp),
		    bits) < b)
			i++;
		t->index[b] = (uint32_t)i;
	}
	return 0;
}

static int
table_build(struct table *t, const struct span *s, size_t n, size_t *count,
    int merge)
{
	void	*p;
	int	 rc;

	if (table_fill(t, s, n, count, merge) == -1)
		return -1;
	/* Give back the slack of the doubling growth. */
	if (t->n > 0 && t->n < t->cap) {
		if (t->v4 && (p = realloc(t->i4, t->n * sizeof(*t->i4))) != NULL)
			t->i4 = p;
		if (!t->v4 && (p = realloc(t->i6, t->n * sizeof(*t->i6))) !=
		    NULL)
			t->i6 = p;
		t->cap = t->n;
	}
	if ((rc = cidrpack_build(t)) != 0)
		return rc == 1 ? 0 : -1;
	return table_index(t);
}

int
cidrset_build(struct cidrset *set)
{
	size_t	 n4 = 0;
	int	 rc;

	if (set->built)
		return 0;
	set->built = 1;
	if (set->nin > 0)
		qsort(set->in, set->nin, sizeof(*set->in), span_cmp);
	while (n4 < set->nin && set->in[n4].v4)
		n4++;
	set->t4.v4 = 1;
	set->count = 0;
	rc = table_build(&set->t4, set->in, n4, &set->count, set->merge);
	if (rc == 0 && set->nin > n4)
		rc = table_build(&set->t6, set->in + n4, set->nin - n4,
		    &set->count, set->merge);
	free(set->in);
	set->in = NULL;
	set->nin = set->capin = 0;
	return rc;
}

/* Index of the last interval starting at or before key, or -1. */
static long
table_find(const struct table *t, struct u128 key)
{
	size_t	 lo = 0, hi = t->n;

	if (t->n == 0)
		return -1;
	if (t->index != NULL) {
		struct u128	 first = table_start(t, 0);
		struct u128	 k = u128_shl(key, t->cp);
		int		 c;

		/* Outside the common prefix: before or after everything. */
		if (t->cp > 0 && u128_common(first, key) < t->cp) {
			c = u128_cmp(key, first);
			return c < 0 ? -1 : (long)t->n - 1;
		}
		uint32_t b = u128_top(k, t->bits);
		lo = t->index[b];
		hi = t->index[b + 1];
		if (lo == hi || u128_cmp(table_start(t, lo), key) > 0)
			return (long)lo - 1;
	}
	/* Invariant: the answer lies in [lo, hi) or is lo - 1. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (u128_cmp(table_start(t, mid), key) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	if (u128_cmp(table_start(t, lo), key) > 0)
		return (long)lo - 1;
	return (long)lo;
}

static struct addr
key_addr(struct u128 k, int v4)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (v4) {
		a.family = ADDR_V4;
		for (int i = 0; i < 4; i++)
			a.b[i] = (uint8_t)(k.lo >> (24 - 8 * i));
		return a;
	}
	a.family = ADDR_V6;
	for (int i = 0; i < 8; i++) {
		a.b[i] = (uint8_t)(k.hi >> (56 - 8 * i));
		a.b[i + 8] = (uint8_t)(k.lo >> (56 - 8 * i));
	}
	return a;
}

/*
 * The first len bits of key k; without branches on len, which comes out
 * of the lookup's memory access and would stall the next one.
 */
static struct u128
key_prefix(struct u128 k, int len, int v4)
{
	if (v4) {
		k.lo &= (0xffffffff00000000ULL >> len) & 0xffffffffULL;
		return k;
	}
	/* & 63: a shift by 64 or more is undefined, even if not taken. */
	k.hi &= len >= 64 ? ~0ULL : ~(~0ULL >> (len & 63));
	k.lo &= len <= 64 ? 0 : ~0ULL << ((128 - len) & 63);
	return k;
}

int
cidrset_lookup(const struct cidrset *set, const struct addr *a,
    struct cidr *match)
{
	const struct table	*t = a->family == ADDR_V4 ? &set->t4 : &set->t6;
	struct u128		 k = addr_key(a);
	uint8_t			 val;
	long			 i;

	if (t->packed)
		val = cidrpack_find(t, k);
	else if ((i = table_find(t, k)) < 0)
		val = 0;
	else
		val = table_val(t, (size_t)i);
	if (val == 0)
		return 0;
	if (match != NULL) {
		/* The CIDR is the address with its host bits cleared. */
		match->net = key_addr(key_prefix(k, val - 1, t->v4), t->v4);
		match->len = (uint8_t)(val - 1);
	}
	return 1;
}

/*
 * At the build, CIDRs inside a broader CIDR of the set are dropped: for
 * vendor lists, where they add nothing.  (Rules keep them, so a verdict
 * can name the most specific net an admin wrote.)
 */
void
cidrset_merge_covered(struct cidrset *set)
{
	set->merge = 1;
}

/* Distinct CIDRs once built; before, the CIDRs added so far. */
size_t
cidrset_count(const struct cidrset *set)
{
	return set->count + set->nin;
}

/* The next interval of a table in address order; 0 at the end. */
static int
cursor_next(const struct table *t, struct cursor *c, struct u128 *start,
    uint8_t *val)
{
	if (t->packed)
		return cidrpack_next(t, c, start, val);
	if (c->i >= t->n)
		return 0;
	*start = table_start(t, c->i);
	*val = table_val(t, c->i++);
	return 1;
}

/*
 * Calls fn for every CIDR of the set, each once, in address order.  The
 * intervals are split back into the blocks of their prefix length; a
 * parent split by a nested CIDR is seen again after it and skipped.
 */
static void
table_foreach(const struct table *t, void (*fn)(const struct cidr *, void *),
    void *arg)
{
	struct cidr	 stack[129];
	struct cursor	 cur = { 0, 0, 0, 0, 0, { 0, 0 } };
	struct u128	 start, next;
	uint8_t		 val, nval;
	int		 depth = 0, bits = t->v4 ? 32 : 128, more;

	more = cursor_next(t, &cur, &start, &val);
	while (more) {
		struct u128	 k = start, end = { ~0ULL, ~0ULL };
		int		 last, wrapped = 0;

		more = cursor_next(t, &cur, &next, &nval);
		last = !more;
		if (val == 0)
			goto next;
		if (t->v4)
			end.hi = 0, end.lo = 0xffffffffULL;
		if (!last)
			end = next;
		while (!wrapped && (last ? u128_cmp(k, end) <= 0 :
		    u128_cmp(k, end) < 0)) {
			struct cidr c;

			c.net = key_addr(k, t->v4);
			c.len = (uint8_t)(val - 1);
			for (int b = c.len; b < bits; b++)
				c.net.b[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			while (depth > 0 && !cidr_contains(&stack[depth - 1],
			    &c.net))
				depth--;
			if (depth == 0 || stack[depth - 1].len != c.len ||
			    memcmp(stack[depth - 1].net.b, c.net.b, 16) != 0) {
				fn(&c, arg);
				stack[depth++] = c;
			}
			k = u128_add_block(addr_key(&c.net), bits - c.len,
			    &wrapped);
			if (t->v4 && k.lo > 0xffffffffULL)
				wrapped = 1;
		}
next:
		start = next;
		val = nval;
	}
}

void
cidrset_foreach(const struct cidrset *set,
    void (*fn)(const struct cidr *, void *), void *arg)
{
	table_foreach(&set->t4, fn, arg);
	table_foreach(&set->t6, fn, arg);
}

static size_t
table_memory(const struct table *t)
{
	size_t m;

	if (t->packed)
		return cidrpack_memory(t);
	m = t->n * (t->v4 ? sizeof(struct iv4) : sizeof(struct iv6));
	if (t->index != NULL)
		m += (((size_t)1 << t->bits) + 1) * sizeof(*t->index);
	return m;
}

size_t
cidrset_memory(const struct cidrset *set)
{
	return sizeof(*set) + table_memory(&set->t4) + table_memory(&set->t6);
}

static void
table_free(struct table *t)
{
	free(t->i4);
	free(t->i6);
	free(t->index);
	cidrpack_free(t);
}

void
cidrset_free(struct cidrset *set)
{
	if (set == NULL)
		return;
	free(set->in);
	table_free(&set->t4);
	table_free(&set->t6);
	free(set);
}
