/*
 * The CIDRs are flattened into sorted, disjoint intervals of the address
 * space, each labelled with the prefix length of the innermost CIDR that
 * covers it (0 for none).  The matching CIDR is then the looked-up
 * address masked to that length, so no per-entry record is kept: an
 * interval costs 8 bytes for IPv4 and 24 for IPv6.  A direct index on
 * the address bits just after the set's common prefix narrows the
 * binary search to a bucket of about two intervals.
 *
 * Large tables are then packed (see "Packed tables" below) so that a
 * lookup among a million CIDRs stays close to a lookup among ten: what
 * costs there is cache and TLB misses, not comparisons, so the packed
 * form is small (3 bytes an IPv4 interval, 16 an IPv6 one), its index
 * is small enough to stay in L2, and a bucket is one or two adjacent
 * cache lines fetched at once: one miss that reaches memory, not two.
 */
#include <stdlib.h>
#include <string.h>

#include "cidrset.h"

struct u128 {
	uint64_t	hi, lo;
};

struct span {
	struct u128	start, end;
	uint8_t		len;
	uint8_t		v4;
};

/* An interval: where it starts, and its prefix length + 1 (0 = none). */
struct iv4 {
	uint32_t	start;
	uint8_t		val;
};

struct iv6 {
	struct u128	start;
	uint8_t		val;
};

/* A packed IPv6 record: start << shift | value (see pack6_fill). */
typedef unsigned __int128	rec6;

struct table {
	int		 v4;		/* intervals in i4, else in i6 */
	size_t		 n;
	struct iv4	*i4;		/* a start next to its value: */
	struct iv6	*i6;		/* one cache line per probe */
	int		 cp;		/* bits common to every start */
	int		 bits;		/* index width */
	uint32_t	*index;		/* 2^bits + 1 bucket offsets */
	size_t		 cap;

	/* Packed: i4, i6 are freed, n counts the records. */
	int		 packed;
	int		 shift;		/* cp + bits */
	uint8_t		*p4;		/* 3-byte records */
	rec6		*p6;
	struct u128	 first;		/* the first start */
	uint8_t		 lastval;	/* the value past the last start */
};

struct cidrset {
	struct span	*in;		/* before build */
	size_t		 nin, capin;
	size_t		 count;		/* distinct CIDRs */
	int		 built;		/* no adding after the build */
	int		 merge;		/* drop CIDRs inside others */
	struct table	 t4, t6;
};

static int
u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static struct u128
u128_shl(struct u128 a, int n)
{
	struct u128 r;

	if (n == 0)
		return a;
	if (n >= 128)
		return (struct u128){ 0, 0 };
	if (n >= 64) {
		r.hi = a.lo << (n - 64);
		r.lo = 0;
	} else {
		r.hi = (a.hi << n) | (a.lo >> (64 - n));
		r.lo = a.lo << n;
	}
	return r;
}

static struct u128
u128_shr(struct u128 a, int n)
{
	struct u128 r;

	if (n == 0)
		return a;
	if (n >= 128)
		return (struct u128){ 0, 0 };
	if (n >= 64) {
		r.lo = a.hi >> (n - 64);
		r.hi = 0;
	} else {
		r.lo = (a.lo >> n) | (a.hi << (64 - n));
		r.hi = a.hi >> n;
	}
	return r;
}

/* The top n bits of a, n in 1..32. */
static uint32_t
u128_top(struct u128 a, int n)
{
	return (uint32_t)(a.hi >> (64 - n));
}

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

static struct u128
table_start(const struct table *t, size_t i)
{
	if (t->v4)
		return (struct u128){ 0, t->i4[i].start };
	return t->i6[i].start;
}

static uint8_t
table_val(const struct table *t, size_t i)
{
	return t->v4 ? t->i4[i].val : t->i6[i].val;
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
common_prefix(struct u128 a, struct u128 b)
{
	uint64_t hi = a.hi ^ b.hi, lo = a.lo ^ b.lo;

	if (hi != 0)
		return __builtin_clzll(hi);
	if (lo != 0)
		return 64 + __builtin_clzll(lo);
	return 128;
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
	t->cp = common_prefix(table_start(t, 0), table_start(t, t->n - 1));
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

/*
 * Packed tables.  The index covers the `bits` address bits after the
 * common prefix, so only the bits after those (shift = cp + bits) are
 * stored; a bucket's records sit next to each other in address order.
 * An interval that runs into a bucket from the one before gets a record
 * at the bucket's start, so a lookup never looks outside its bucket.
 *
 * IPv4: shift >= 16, so the start's remaining bits fit in 16; a record
 * is 3 bytes, the value then the 16 bits, read as one 24-bit number
 * (key << 8 | value).  IPv6: a record is the start shifted left by
 * shift >= 8, with the value in the low byte those shifted-out bits
 * leave free.  Either way a record compares against the looked-up
 * address's key shifted the same way with the low byte all ones:
 * record <= that exactly when the record's start <= the address.
 */

/* An IPv4 table is packed when its index is no larger than its records. */
#define PACK4_MIN_BITS	16
/* About four IPv6 records a bucket: one cache line. */
#define PACK6_PER_BUCKET 4
#define PACK6_MIN	64
#define PACK_MAX_BITS	16	/* 2^16 + 1 offsets: 256 KiB, stays in L2 */

static int
log2_floor(size_t n)
{
	int b = 0;

	while (n > 1) {
		n >>= 1;
		b++;
	}
	return b;
}

static uint32_t
pack4_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static uint32_t
pack4_key(const struct table *t, uint32_t k)
{
	return (uint32_t)((uint64_t)k << t->shift) >> 16;
}

static rec6
rec6_of(struct u128 k)
{
	return (rec6)k.hi << 64 | k.lo;
}

static uint32_t
pack_bucket(const struct table *t, struct u128 k)
{
	if (t->bits == 0)
		return 0;
	return u128_top(u128_shl(k, t->cp), t->bits);
}

/* The key of an IPv4 start as the 128-bit keys store it, at the top. */
static struct u128
v4_top(uint32_t k)
{
	return (struct u128){ (uint64_t)k << 32, 0 };
}

static int
pack4_fill(struct table *t, size_t buckets)
{
	size_t		 i = 0, out = 0;
	uint8_t		 cur = 0;

	if ((t->p4 = malloc(3 * (t->n + buckets))) == NULL)
		return -1;
	for (size_t b = 0; b < buckets; b++) {
		t->index[b] = (uint32_t)out;
		if ((i == t->n || pack_bucket(t, v4_top(t->i4[i].start)) != b ||
		    pack4_key(t, t->i4[i].start) != 0) && cur != 0) {
			t->p4[3 * out] = cur;	/* runs in from before */
			t->p4[3 * out + 1] = t->p4[3 * out + 2] = 0;
			out++;
		}
		for (; i < t->n && pack_bucket(t, v4_top(t->i4[i].start)) ==
		    b; i++, out++) {
			uint32_t key = pack4_key(t, t->i4[i].start);

			t->p4[3 * out] = cur = t->i4[i].val;
			t->p4[3 * out + 1] = (uint8_t)key;
			t->p4[3 * out + 2] = (uint8_t)(key >> 8);
		}
	}
	t->index[buckets] = (uint32_t)out;
	t->n = out;
	return 0;
}

static int
pack6_fill(struct table *t, size_t buckets)
{
	size_t		 i = 0, out = 0;
	uint8_t		 cur = 0;

	t->p6 = malloc((t->n + buckets) * sizeof(*t->p6));
	if (t->p6 == NULL)
		return -1;
	for (size_t b = 0; b < buckets; b++) {
		t->index[b] = (uint32_t)out;
		if ((i == t->n || pack_bucket(t, t->i6[i].start) != b ||
		    rec6_of(u128_shl(t->i6[i].start, t->shift)) != 0) &&
		    cur != 0)
			t->p6[out++] = cur;	/* runs in from before */
		for (; i < t->n && pack_bucket(t, t->i6[i].start) == b; i++) {
			cur = t->i6[i].val;
			t->p6[out++] = rec6_of(u128_shl(t->i6[i].start,
			    t->shift)) | cur;
		}
	}
	t->index[buckets] = (uint32_t)out;
	t->n = out;
	return 0;
}

/* The index width of a packed table, or -1 to leave it unpacked. */
static int
pack_bits(const struct table *t, int cp)
{
	int bits;

	if (t->v4) {
		cp -= 96;		/* IPv4 keys are the low 32 bits */
		bits = log2_floor(t->n / 16);
		if (bits > PACK_MAX_BITS)
			bits = PACK_MAX_BITS;
		if (bits < PACK4_MIN_BITS - cp)
			bits = PACK4_MIN_BITS - cp;
		if (bits > 32 - cp)
			bits = 32 - cp;
		if (((size_t)1 << bits) > t->n)
			return -1;
		return bits;
	}
	if (t->n < PACK6_MIN)
		return -1;
	bits = log2_floor(t->n / PACK6_PER_BUCKET);
	if (bits > PACK_MAX_BITS)
		bits = PACK_MAX_BITS;
	if (cp + bits < 8)
		bits = 8 - cp;
	if (bits > 128 - cp)
		bits = 128 - cp;
	return bits;
}

/*
 * Packs a built table when it is large enough for the index to pay:
 * small tables stay as they are, in a cache line or two anyway.  1:
 * packed, 0: left as it is, -1: out of memory.
 */
static int
table_pack(struct table *t)
{
	struct u128	 first, last;
	size_t		 buckets;
	int		 cp, bits, rc;

	if (t->n == 0)
		return 0;
	first = table_start(t, 0);
	last = table_start(t, t->n - 1);
	cp = common_prefix(first, last);
	if ((bits = pack_bits(t, cp)) == -1)
		return 0;
	buckets = (size_t)1 << bits;
	free(t->index);
	if ((t->index = malloc((buckets + 1) * sizeof(*t->index))) == NULL)
		return -1;
	t->cp = t->v4 ? cp - 96 : cp;
	t->bits = bits;
	t->shift = t->cp + bits;
	t->first = t->v4 ? v4_top((uint32_t)first.lo) : first;
	t->lastval = table_val(t, t->n - 1);
	rc = t->v4 ? pack4_fill(t, buckets) : pack6_fill(t, buckets);
	if (rc == -1)
		return -1;
	free(t->i4);
	free(t->i6);
	t->i4 = NULL;
	t->i6 = NULL;
	t->cap = 0;
	t->packed = 1;
	return 1;
}

/* Outside the common prefix: 0 before every start, else lastval. */
static int
pack_outside(const struct table *t, struct u128 k, uint8_t *val)
{
	if (t->cp == 0 || common_prefix(t->first, k) >= t->cp)
		return 0;
	*val = u128_cmp(k, t->first) < 0 ? 0 : t->lastval;
	return 1;
}

/*
 * Both ends of the bucket are fetched before the search touches them:
 * the bucket's one or two cache lines then come in together.
 */
static uint8_t
pack4_find(const struct table *t, uint32_t key)
{
	struct u128	 k = v4_top(key);
	uint32_t	 b, want, r;
	const uint8_t	*p;
	size_t		 n;
	uint8_t		 val;

	if (pack_outside(t, k, &val))
		return val;
	b = pack_bucket(t, k);
	p = t->p4 + 3 * (size_t)t->index[b];
	if ((n = t->index[b + 1] - t->index[b]) == 0)
		return 0;
	__builtin_prefetch(p + 3 * n - 1);
	want = pack4_key(t, key) << 8 | 0xff;
	while (n > 1) {		/* branch-free: the compiler uses cmov */
		size_t half = n / 2;

		p = pack4_get(p + 3 * half) <= want ? p + 3 * half : p;
		n -= half;
	}
	r = pack4_get(p);
	return r <= want ? (uint8_t)r : 0;
}

static uint8_t
pack6_find(const struct table *t, struct u128 key)
{
	const rec6	*p;
	rec6		 want;
	uint32_t	 b;
	size_t		 n;
	uint8_t		 val;

	if (pack_outside(t, key, &val))
		return val;
	b = pack_bucket(t, key);
	p = t->p6 + t->index[b];
	if ((n = t->index[b + 1] - t->index[b]) == 0)
		return 0;
	__builtin_prefetch(p + n - 1);
	want = rec6_of(u128_shl(key, t->shift)) | 0xff;
	while (n > 1) {
		size_t half = n / 2;

		p = p[half] <= want ? p + half : p;
		n -= half;
	}
	return *p <= want ? (uint8_t)*p : 0;
}

/* Record i of bucket b of a packed table, as a start and a value. */
static void
pack_record(const struct table *t, size_t b, size_t i, struct u128 *start,
    uint8_t *val)
{
	if (t->v4) {
		uint32_t r = pack4_get(t->p4 + 3 * i);
		uint64_t pre = t->cp == 0 ? 0 :
		    t->first.hi >> (64 - t->cp) << (64 - t->cp);

		start->hi = 0;
		start->lo = (pre | (uint64_t)b << (64 - t->shift) |
		    ((uint64_t)(r >> 8) << 48) >> t->shift) >> 32;
		*val = (uint8_t)r;
	} else {
		struct u128 pre = u128_shl(u128_shr(t->first, 128 - t->cp),
		    128 - t->cp);
		struct u128 bk = u128_shl((struct u128){ 0, b },
		    128 - t->shift);
		struct u128 rest = u128_shr((struct u128){
		    (uint64_t)(t->p6[i] >> 64),
		    (uint64_t)t->p6[i] & ~0xffULL }, t->shift);

		start->hi = pre.hi | bk.hi | rest.hi;
		start->lo = pre.lo | bk.lo | rest.lo;
		*val = (uint8_t)t->p6[i];
	}
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
	if ((rc = table_pack(t)) != 0)
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
		if (t->cp > 0 && common_prefix(first, key) < t->cp) {
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
		val = t->v4 ? pack4_find(t, (uint32_t)k.lo) : pack6_find(t, k);
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

static struct u128
u128_add_block(struct u128 k, int host_bits, int *wrapped)
{
	struct u128 r = k;

	*wrapped = 0;
	if (host_bits >= 128) {
		*wrapped = 1;
		return r;
	}
	if (host_bits >= 64) {
		r.hi += 1ULL << (host_bits - 64);
		*wrapped = r.hi < k.hi;
	} else {
		r.lo += 1ULL << host_bits;
		if (r.lo < k.lo && ++r.hi == 0)
			*wrapped = 1;
	}
	return r;
}

/* Walks the intervals of a table, packed or not, in address order. */
struct cursor {
	size_t		 i, b;
	uint8_t		 prev;
};

static int
cursor_next(const struct table *t, struct cursor *c, struct u128 *start,
    uint8_t *val)
{
	while (c->i < t->n) {
		if (!t->packed) {
			*start = table_start(t, c->i);
			*val = table_val(t, c->i++);
			return 1;
		}
		while (t->index[c->b + 1] <= c->i)
			c->b++;
		pack_record(t, c->b, c->i++, start, val);
		/* A record at a bucket's start may repeat a value. */
		if (c->i > 1 && *val == c->prev)
			continue;
		c->prev = *val;
		return 1;
	}
	return 0;
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
	struct cursor	 cur = { 0, 0, 0 };
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

size_t
cidrset_memory(const struct cidrset *set)
{
	size_t	 m = sizeof(*set);

	m += set->t4.n * (set->t4.packed ? 3 : sizeof(struct iv4));
	m += set->t6.n * (set->t6.packed ? sizeof(rec6) : sizeof(struct iv6));
	if (set->t4.index != NULL)
		m += (((size_t)1 << set->t4.bits) + 1) * 4;
	if (set->t6.index != NULL)
		m += (((size_t)1 << set->t6.bits) + 1) * 4;
	return m;
}

static void
table_free(struct table *t)
{
	free(t->i4);
	free(t->i6);
	free(t->index);
	free(t->p4);
	free(t->p6);
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
