/*
 * CIDR sets against brute force.  Not a parser: the set every list and
 * rule is matched through, whose packed form (cidrpack.c) has the most
 * arithmetic in pinhole.  The input describes a set small enough to
 * check by hand, but clustered so that its tables pack:
 *
 *   byte 0       bit 0: merge covered CIDRs; bits 1-2: IPv4 prefix bytes
 *                shared by every CIDR (0-3); bits 3-4: IPv6 ones (0, 4,
 *                8, 14)
 *   bytes 1-20   the IPv4 base (4 bytes), then the IPv6 base (16)
 *   byte 21      how many more CIDRs a generator adds
 *   then, 4 bytes a CIDR: bit 7 IPv6, bits 0-6 the prefix length (mod
 *   the family's bits + 1), 3 bytes put after the shared prefix
 *
 * Every CIDR's first and last address and the addresses just outside
 * them must get the longest match brute force gives, and
 * cidrset_foreach() must list CIDRs of the set only, each once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidrset.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

#define MAX_CIDRS	300

struct input {
	struct cidr	 c[MAX_CIDRS];
	uint8_t		 dropped[MAX_CIDRS];	/* by the merge */
	size_t		 n;
	int		 merge;
	struct addr	 base[2];
	int		 keep[2];	/* shared prefix bytes, v4 and v6 */
};

static void
mask(struct cidr *c)
{
	for (int i = c->len; i < addr_bits(&c->net); i++)
		c->net.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* A CIDR from a header byte and 3 bytes after the shared prefix. */
static void
add(struct input *in, uint8_t head, const uint8_t var[3])
{
	struct cidr	*c;
	int		 v6 = head >> 7, bits = v6 ? 128 : 32;

	if (in->n == MAX_CIDRS)
		return;
	c = &in->c[in->n++];
	c->net = in->base[v6];
	for (int i = 0; i < 3 && in->keep[v6] + i < bits / 8; i++)
		c->net.b[in->keep[v6] + i] = var[i];
	c->len = (uint8_t)((head & 0x7f) % (bits + 1));
	/* Short prefixes would cover the rest: keep most below the base. */
	if (c->len < in->keep[v6] * 8 && (head & 1))
		c->len = (uint8_t)(in->keep[v6] * 8 + (head & 0x7f) %
		    (bits + 1 - in->keep[v6] * 8));
	mask(c);
}

static int
contains(const struct cidr *c, const struct addr *a)
{
	return a->family == c->net.family && cidr_contains(c, a);
}

/* Covered by another CIDR of the input: a merge drops it. */
static int
covered(const struct input *in, size_t i)
{
	for (size_t j = 0; j < in->n; j++)
		if (in->c[j].len < in->c[i].len &&
		    contains(&in->c[j], &in->c[i].net))
			return 1;
	return 0;
}

static int
brute(const struct input *in, const struct addr *a, struct cidr *best)
{
	int found = 0;

	for (size_t i = 0; i < in->n; i++) {
		if (in->dropped[i] || !contains(&in->c[i], a))
			continue;
		if (!found || in->c[i].len > best->len)
			*best = in->c[i];
		found = 1;
	}
	return found;
}

static struct addr
step(struct addr a, int delta)
{
	for (int i = addr_bits(&a) / 8 - 1; i >= 0; i--) {
		a.b[i] = (uint8_t)(a.b[i] + delta);
		if (a.b[i] != (delta > 0 ? 0 : 0xff))
			break;
	}
	return a;
}

static void
check(const struct cidrset *set, const struct input *in, struct addr a)
{
	struct cidr	 want, got;
	int		 w = brute(in, &a, &want);

	CHECK(cidrset_lookup(set, &a, &got) == w);
	CHECK(!w || (got.len == want.len &&
	    memcmp(got.net.b, want.net.b, 16) == 0));
}

struct listing {
	const struct input	*in;
	size_t			 n;
};

static void
listed(const struct cidr *c, void *arg)
{
	struct listing	*l = arg;
	int		 found = 0;

	for (size_t i = 0; i < l->in->n && !found; i++)
		found = l->in->c[i].len == c->len &&
		    l->in->c[i].net.family == c->net.family &&
		    memcmp(l->in->c[i].net.b, c->net.b, 16) == 0;
	CHECK(found);
	CHECK(++l->n <= l->in->n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int keep6[] = { 0, 4, 8, 14 };
	static struct input in;
	uint8_t		 hdr[22] = { 0 };
	struct cidrset	*set;
	struct listing	 l;
	uint64_t	 x;

	memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	memset(&in, 0, sizeof(in));
	in.merge = hdr[0] & 1;
	in.keep[0] = (hdr[0] >> 1) & 3;
	in.keep[1] = keep6[(hdr[0] >> 3) & 3];
	in.base[0].family = ADDR_V4;
	memcpy(in.base[0].b, hdr + 1, 4);
	in.base[1].family = ADDR_V6;
	memcpy(in.base[1].b, hdr + 5, 16);
	for (size_t i = sizeof(hdr); i + 4 <= size; i += 4)
		add(&in, data[i], data + i + 1);
	/* The generator: enough CIDRs for the tables to pack. */
	x = 0x9e3779b97f4a7c15ULL ^ hdr[21] ^ (uint64_t)size << 8;
	for (int i = 0; i < hdr[21]; i++) {
		uint8_t v[3];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(v, &x, 3);
		add(&in, (uint8_t)(x >> 24), v);
	}

	for (size_t i = 0; i < in.n; i++)
		in.dropped[i] = (uint8_t)(in.merge && covered(&in, i));
	CHECK((set = cidrset_new()) != NULL);
	for (size_t i = 0; i < in.n; i++)
		CHECK(cidrset_add(set, &in.c[i]) == 0);
	if (in.merge)
		cidrset_merge_covered(set);
	CHECK(cidrset_build(set) == 0);
	for (size_t i = 0; i < in.n; i++) {
		struct addr first = in.c[i].net, last = first;

		for (int b = in.c[i].len; b < addr_bits(&last); b++)
			last.b[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		check(set, &in, first);
		check(set, &in, last);
		check(set, &in, step(first, -1));
		check(set, &in, step(last, 1));
	}
	l.in = &in;
	l.n = 0;
	cidrset_foreach(set, listed, &l);
	cidrset_free(set);
	return 0;
}
