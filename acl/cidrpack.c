/*
 * Packed tables: the form a large cidrset takes, so that a lookup among
 * a million CIDRs stays close to a lookup among ten.  What costs there
 * is cache misses, not comparisons, so the packed form is small, its
 * index stays in L2, and a bucket is one or two adjacent cache lines
 * fetched at once: one miss that reaches memory, not two.
 *
 * The index covers the `bits` address bits after the common prefix, so
 * only the bits after those (shift = cp + bits) are stored; a bucket's
 * records sit next to each other in address order.  A bucket's index
 * entry holds where its records start (24 bits) and its base: the value
 * in effect at its start (an interval running in from before, or one
 * starting right there, whose record is left out), so a lookup never
 * looks outside its bucket, and reads one index entry and the bucket.
 *
 * IPv4: shift >= 16, so a start's remaining bits fit in 16; a record is
 * 3 bytes, the value byte then the 16 bits, read as one 24-bit number
 * (key << 8 | value byte).  IPv6: a record is the start shifted left by
 * shift >= 9, with the value in the low byte those shifted-out bits
 * leave free.  Either way a record compares against the looked-up
 * address's key shifted the same way with the low bits all ones: record
 * <= that exactly when the record's start <= the address.
 *
 * Islands: a CIDR inside one bucket whose interval is the whole CIDR,
 * after which the bucket's base value resumes, needs no record for its
 * end.  Its start's record is flagged (bit 7 of an IPv4 value byte, bit
 * 8 of an IPv6 record) and the lookup finds the end from the prefix
 * length.  Random CIDRs are mostly islands (a host inside a broad net
 * too), so most CIDRs cost one record, not two: a million random ones
 * take about 8 MB, which a server's last-level cache can hold.
 */
#include <stdlib.h>

#include "cidrtable.h"

#define ISLAND4		0x80		/* in an IPv4 record's value byte */
#define REC6_ISLAND	((rec6)1 << 8)
#define REC6_LOW	((rec6)0x1ff)	/* an IPv6 record's value and flag */

/* An IPv4 table is packed when its index is no larger than its records. */
#define PACK4_MIN_BITS	16
/* About four IPv6 records a bucket: one cache line. */
#define PACK6_PER_BUCKET 4
#define PACK6_MIN	64
#define PACK_MAX_BITS	16	/* 2^16 + 1 entries: 256 KiB, stays in L2 */
#define PACK_MAX_N	(1u << 24)	/* records an entry can point to */

/* An index entry: where its bucket's records start, and its base. */
static uint32_t
entry_off(uint32_t e)
{
	return e & (PACK_MAX_N - 1);
}

static uint8_t
entry_base(uint32_t e)
{
	return (uint8_t)(e >> 24);
}

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

/* An IPv4 address's 16 bits after the bucket's. */
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

/* The key of an IPv4 start as the 128-bit keys store it, at the top. */
static struct u128
v4_top(uint32_t k)
{
	return (struct u128){ (uint64_t)k << 32, 0 };
}

static uint32_t
pack_bucket(const struct table *t, struct u128 k)
{
	if (t->bits == 0)
		return 0;
	return u128_top(u128_shl(k, t->cp), t->bits);
}

/* Interval i's start, at the top of the key for IPv4. */
static struct u128
top_start(const struct table *t, size_t i)
{
	return t->v4 ? v4_top(t->i4[i].start) : t->i6[i].start;
}

/* Whether interval i starts right at its bucket's start. */
static int
at_bucket_start(const struct table *t, size_t i)
{
	if (t->v4)
		return pack4_key(t, t->i4[i].start) == 0;
	return rec6_of(u128_shl(t->i6[i].start, t->shift)) == 0;
}

/* Whether interval i, in a bucket whose base value is base, is an island. */
static int
is_island(const struct table *t, size_t i, uint8_t base)
{
	uint8_t		 val = table_val(t, i);
	int		 len = val - 1, wrapped;
	struct u128	 end;

	if (val == 0 || len <= t->shift || i + 1 == t->n ||
	    table_val(t, i + 1) != base)
		return 0;
	end = u128_add_block(table_start(t, i), (t->v4 ? 32 : 128) - len,
	    &wrapped);
	return !wrapped && u128_cmp(end, table_start(t, i + 1)) == 0;
}

static void
put_record(struct table *t, size_t out, size_t i, int island)
{
	uint8_t val = table_val(t, i);

	if (t->v4) {
		uint32_t key = pack4_key(t, t->i4[i].start);

		t->p4[3 * out] = (uint8_t)(val | (island ? ISLAND4 : 0));
		t->p4[3 * out + 1] = (uint8_t)key;
		t->p4[3 * out + 2] = (uint8_t)(key >> 8);
	} else
		t->p6[out] = rec6_of(u128_shl(t->i6[i].start, t->shift)) |
		    val | (island ? REC6_ISLAND : 0);
}

static void
pack_fill(struct table *t, size_t buckets)
{
	size_t	 i = 0, out = 0;
	uint8_t	 cur = 0;

	for (size_t b = 0; b < buckets; b++) {
		uint8_t base;

		if (i < t->n && pack_bucket(t, top_start(t, i)) == b &&
		    at_bucket_start(t, i))
			cur = table_val(t, i++);
		base = cur;
		t->index[b] = (uint32_t)out | (uint32_t)base << 24;
		for (; i < t->n && pack_bucket(t, top_start(t, i)) == b; i++) {
			int island = is_island(t, i, base);

			put_record(t, out++, i, island);
			cur = table_val(t, i);
			if (island) {
				cur = base;
				i++;		/* its end: implied */
			}
		}
	}
	t->index[buckets] = (uint32_t)out;
	t->n = out;
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
	if (cp + bits < 9)
		bits = 9 - cp;
	if (bits > 128 - cp)
		bits = 128 - cp;
	return bits;
}

/* The bytes of n records. */
static size_t
records_size(const struct table *t, size_t n)
{
	return n * (t->v4 ? 3 : sizeof(rec6));
}

/*
 * Packs a built table when it is large enough for the index to pay:
 * small tables stay as they are, in a cache line or two anyway.  1:
 * packed, 0: left as it is, -1: out of memory (and left as it is).
 */
int
cidrpack_build(struct table *t)
{
	struct u128	 first, last;
	size_t		 buckets, n = t->n;
	uint32_t	*index;
	void		*recs, *p;
	int		 cp, bits;

	if (n == 0 || n >= PACK_MAX_N)
		return 0;
	first = table_start(t, 0);
	last = table_start(t, n - 1);
	cp = u128_common(first, last);
	if ((bits = pack_bits(t, cp)) == -1)
		return 0;
	buckets = (size_t)1 << bits;
	index = malloc((buckets + 1) * sizeof(*index));
	recs = malloc(records_size(t, n));
	if (index == NULL || recs == NULL) {
		free(index);
		free(recs);
		return -1;
	}
	free(t->index);
	t->index = index;
	if (t->v4)
		t->p4 = recs;
	else
		t->p6 = recs;
	t->cp = t->v4 ? cp - 96 : cp;
	t->bits = bits;
	t->shift = t->cp + bits;
	t->first = t->v4 ? v4_top((uint32_t)first.lo) : first;
	t->lastval = table_val(t, n - 1);
	pack_fill(t, buckets);
	/* Islands left records unused: give them back. */
	if ((p = realloc(recs, records_size(t, t->n > 0 ? t->n : 1))) != NULL) {
		if (t->v4)
			t->p4 = p;
		else
			t->p6 = p;
	}
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
	if (t->cp == 0 || u128_common(t->first, k) >= t->cp)
		return 0;
	*val = u128_cmp(k, t->first) < 0 ? 0 : t->lastval;
	return 1;
}

/*
 * Key k's bucket: its first record and how many in *first and *n, its
 * base in *val.  0 when that answers the lookup, in *val: k outside the
 * common prefix, or an empty bucket.
 */
static int
pack_bucket_of(const struct table *t, struct u128 k, size_t *first,
    size_t *n, uint8_t *val)
{
	uint32_t	 b, e;

	if (pack_outside(t, k, val))
		return 0;
	b = pack_bucket(t, k);
	e = t->index[b];
	*first = entry_off(e);
	*n = entry_off(t->index[b + 1]) - *first;
	*val = entry_base(e);
	return *n > 0;
}

/*
 * Both ends of the bucket are fetched before the search touches them:
 * the bucket's one or two cache lines then come in together.
 */
static uint8_t
pack4_find(const struct table *t, uint32_t key)
{
	uint32_t	 want, r;
	uint64_t	 past;
	const uint8_t	*p;
	size_t		 first, n;
	uint8_t		 val;
	int		 inside;

	if (!pack_bucket_of(t, v4_top(key), &first, &n, &val))
		return val;
	p = t->p4 + 3 * first;
	__builtin_prefetch(p + 3 * n - 1);
	want = pack4_key(t, key) << 8 | 0xff;
	while (n > 1) {		/* branch-free: the compiler uses cmov */
		size_t half = n / 2;

		p = pack4_get(p + 3 * half) <= want ? p + 3 * half : p;
		n -= half;
	}
	r = pack4_get(p);
	/*
	 * An island's CIDR: is the address inside, or past its end?  No
	 * branch on what the load brought: a mispredicted one would throw
	 * away the loads of lookups that come after.  (For an island the
	 * shift is 16 + shift - len, within 0..15; & 63 keeps the others
	 * defined.)
	 */
	past = ((uint64_t)(want >> 8) - (r >> 8)) >>
	    ((16 + t->shift - (int)(r & 0x7f) + 1) & 63);
	inside = (r <= want) & (!(r & ISLAND4) | (past == 0));
	return inside ? (uint8_t)(r & 0x7f) : val;
}

static uint8_t
pack6_find(const struct table *t, struct u128 key)
{
	const rec6	*p;
	rec6		 want, r, past;
	size_t		 first, n;
	uint8_t		 val;
	int		 inside;

	if (!pack_bucket_of(t, key, &first, &n, &val))
		return val;
	p = t->p6 + first;
	__builtin_prefetch(p + n - 1);
	want = rec6_of(u128_shl(key, t->shift)) | REC6_LOW;
	while (n > 1) {
		size_t half = n / 2;

		p = p[half] <= want ? p + half : p;
		n -= half;
	}
	r = *p;
	past = (want - r) >> ((128 - (int)(uint8_t)r + 1 + t->shift) & 127);
	inside = (r <= want) & (!(r & REC6_ISLAND) | (past == 0));
	return inside ? (uint8_t)r : val;
}

/* The value of the interval key falls in. */
uint8_t
cidrpack_find(const struct table *t, struct u128 key)
{
	return t->v4 ? pack4_find(t, (uint32_t)key.lo) : pack6_find(t, key);
}

/* The start of bucket b, with rest (shifted-out bits) after its bits. */
static struct u128
bucket_start(const struct table *t, size_t b, struct u128 rest)
{
	struct u128	 pre, bk, k;

	pre = t->cp == 0 ? (struct u128){ 0, 0 } :
	    u128_shl(u128_shr(t->first, 128 - t->cp), 128 - t->cp);
	bk = u128_shl((struct u128){ 0, b }, 128 - t->shift);
	rest = u128_shr(rest, t->shift);
	k.hi = pre.hi | bk.hi | rest.hi;
	k.lo = pre.lo | bk.lo | rest.lo;
	return t->v4 ? (struct u128){ 0, k.hi >> 32 } : k;
}

/*
 * Record i of bucket b as a start and a value; 1 for an island (whose
 * end is implied), else 0.
 */
static int
pack_record(const struct table *t, size_t b, size_t i, struct u128 *start,
    uint8_t *val)
{
	if (t->v4) {
		uint32_t r = pack4_get(t->p4 + 3 * i);

		*start = bucket_start(t, b, (struct u128){
		    (uint64_t)(r >> 8) << 48, 0 });
		*val = (uint8_t)(r & 0x7f);
		return (r & ISLAND4) != 0;
	}
	*start = bucket_start(t, b, (struct u128){
	    (uint64_t)(t->p6[i] >> 64), (uint64_t)(t->p6[i] & ~REC6_LOW) });
	*val = (uint8_t)t->p6[i];
	return (t->p6[i] & REC6_ISLAND) != 0;
}

/*
 * The next interval of a packed table: a bucket's base where it changes
 * the value, records, the implied ends of islands.  0 at the end.
 */
int
cidrpack_next(const struct table *t, struct cursor *c, struct u128 *start,
    uint8_t *val)
{
	size_t	 buckets = (size_t)1 << t->bits;
	int	 wrapped;

	if (c->island_end) {
		c->island_end = 0;
		*start = c->end;
		*val = c->cur = entry_base(t->index[c->b]);
		return 1;
	}
	while (c->b < buckets) {
		if (!c->opened) {
			c->opened = 1;
			if (entry_base(t->index[c->b]) != c->cur) {
				*start = bucket_start(t, c->b,
				    (struct u128){ 0, 0 });
				*val = c->cur = entry_base(t->index[c->b]);
				return 1;
			}
		}
		if (c->i < entry_off(t->index[c->b + 1])) {
			if (pack_record(t, c->b, c->i++, start, val)) {
				c->island_end = 1;
				c->end = u128_add_block(*start,
				    (t->v4 ? 32 : 128) - (*val - 1), &wrapped);
			}
			c->cur = *val;
			return 1;
		}
		c->b++;
		c->opened = 0;
	}
	return 0;
}

size_t
cidrpack_memory(const struct table *t)
{
	size_t buckets = (size_t)1 << t->bits;

	return records_size(t, t->n) + (buckets + 1) * sizeof(*t->index);
}

void
cidrpack_free(struct table *t)
{
	free(t->p4);
	free(t->p6);
	t->p4 = NULL;
	t->p6 = NULL;
}
