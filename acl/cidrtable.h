/*
 * Inside a cidrset: the interval tables cidrset.c builds and cidrpack.c
 * packs.  Not for other users: they see cidrset.h only.
 */
#ifndef PINHOLE_CIDRTABLE_H
#define PINHOLE_CIDRTABLE_H

#include <stddef.h>
#include <stdint.h>

/* An address as a 128-bit key: IPv6 whole, IPv4 in the low 32 bits. */
struct u128 {
	uint64_t	hi, lo;
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

/* A packed IPv6 record: start << shift | flag | value (cidrpack.c). */
typedef unsigned __int128	rec6;

struct table {
	int		 v4;		/* intervals in i4, else in i6 */
	size_t		 n;
	struct iv4	*i4;		/* a start next to its value: */
	struct iv6	*i6;		/* one cache line per probe */
	int		 cp;		/* bits common to every start */
	int		 bits;		/* index width */
	uint32_t	*index;		/* 2^bits + 1 bucket offsets (packed:
					   and bases, cidrpack.c) */
	size_t		 cap;

	/* Packed: i4, i6 are freed, n counts the records. */
	int		 packed;
	int		 shift;		/* cp + bits */
	uint8_t		*p4;		/* 3-byte records */
	rec6		*p6;
	struct u128	 first;		/* the first start */
	uint8_t		 lastval;	/* the value past the last start */
};

/* Walks the intervals of a table, packed or not, in address order. */
struct cursor {
	size_t		 i, b;
	uint8_t		 cur;		/* the value of the last one given */
	int		 opened;	/* bucket b's start was looked at */
	int		 island_end;	/* the end of an island is next */
	struct u128	 end;
};

int	cidrpack_build(struct table *);
uint8_t	cidrpack_find(const struct table *, struct u128);
int	cidrpack_next(const struct table *, struct cursor *, struct u128 *,
	    uint8_t *);
size_t	cidrpack_memory(const struct table *);
void	cidrpack_free(struct table *);

static inline int
u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static inline struct u128
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

static inline struct u128
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
static inline uint32_t
u128_top(struct u128 a, int n)
{
	return (uint32_t)(a.hi >> (64 - n));
}

/* a + 2^host_bits; *wrapped when that passes the end of the space. */
static inline struct u128
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

/* How many leading bits a and b share. */
static inline int
u128_common(struct u128 a, struct u128 b)
{
	uint64_t hi = a.hi ^ b.hi, lo = a.lo ^ b.lo;

	if (hi != 0)
		return __builtin_clzll(hi);
	if (lo != 0)
		return 64 + __builtin_clzll(lo);
	return 128;
}

static inline struct u128
table_start(const struct table *t, size_t i)
{
	if (t->v4)
		return (struct u128){ 0, t->i4[i].start };
	return t->i6[i].start;
}

static inline uint8_t
table_val(const struct table *t, size_t i)
{
	return t->v4 ? t->i4[i].val : t->i6[i].val;
}

#endif
