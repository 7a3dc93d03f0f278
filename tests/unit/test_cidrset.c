/*
 * The CIDR and name sets against brute force: random nested CIDRs and
 * patterns, every lookup compared with a linear scan for the longest
 * match / most specific pattern.  Large sets, whose tables are packed,
 * are compared with a sorted copy probed once per prefix length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidrset.h"
#include "name.h"
#include "nameset.h"
#include "t.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A random address near base: same first `keep` bits, rest random. */
static void
random_addr(struct addr *a, const struct addr *base, int family, int keep)
{
	int bits = family == ADDR_V4 ? 32 : 128;

	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	for (int i = 0; i < bits / 8; i++)
		a->b[i] = (uint8_t)rng();
	for (int i = 0; base != NULL && i < keep && i < bits; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		a->b[i / 8] = (uint8_t)((a->b[i / 8] & ~bit) |
		    (base->b[i / 8] & bit));
	}
}

static void
mask(struct cidr *c)
{
	for (int i = c->len; i < addr_bits(&c->net); i++)
		c->net.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* The first c->len bits of a become those of c. */
static void
force_prefix(struct addr *a, const struct cidr *c)
{
	for (int i = 0; i < c->len; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		a->b[i / 8] = (uint8_t)((a->b[i / 8] & ~bit) |
		    (c->net.b[i / 8] & bit));
	}
}

static int
brute(const struct cidr *set, size_t n, const struct addr *a,
    struct cidr *best)
{
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		if (cidr_contains(&set[i], a) && (!found ||
		    set[i].len > best->len)) {
			*best = set[i];
			found = 1;
		}
	}
	return found;
}

static void
round_cidrs(int round, size_t n, int min_len, const char *within)
{
	struct cidr	*in = calloc(n, sizeof(*in));
	struct cidrset	*set = cidrset_new();
	struct cidr	 net;
	int		 bad = 0, hits = 0;

	/* Within one net: a common prefix, so a smaller packed index. */
	if (within != NULL)
		cidr_parse(within, &net, NULL);
	/* Clustered, so that CIDRs nest, touch and overlap. */
	for (size_t i = 0; i < n; i++) {
		int family = rng() % 3 == 0 ? ADDR_V6 : ADDR_V4;
		int bits = family == ADDR_V4 ? 32 : 128;
		struct addr base;

		if (within != NULL)
			family = net.net.family, bits = addr_bits(&net.net);
		random_addr(&base, within ? &net.net : NULL, family,
		    within ? net.len : 0);
		if (i > 0 && rng() % 2 && in[rng() % i].net.family == family) {
			const struct cidr *p = &in[rng() % i];

			if (p->net.family == family)
				base = p->net;
		}
		random_addr(&in[i].net, &base, family,
		    (int)(rng() % (unsigned)bits));
		if (within != NULL)
			force_prefix(&in[i].net, &net);
		in[i].len = (uint8_t)(min_len + (int)(rng() %
		    (unsigned)(bits + 1 - min_len)));
		if (rng() % 4 == 0)
			in[i].len = (uint8_t)bits;
		mask(&in[i]);
		cidrset_add(set, &in[i]);
		if (rng() % 10 == 0)		/* duplicates */
			cidrset_add(set, &in[i]);
	}
	t_ok(cidrset_build(set) == 0, "round %d: build %zu CIDRs", round, n);
	for (int k = 0; k < 20000; k++) {
		const struct cidr	*near = &in[rng() % n];
		struct addr		 a;
		struct cidr		 want, got;
		int			 w, g;

		random_addr(&a, &near->net, near->net.family,
		    k % 2 ? near->len : (int)(rng() % 129));
		w = brute(in, n, &a, &want);
		g = cidrset_lookup(set, &a, &got);
		hits += w;
		if (w != g || (w && (got.len != want.len ||
		    memcmp(got.net.b, want.net.b, 16) != 0))) {
			if (bad++ < 5) {
				char as[ADDR_STRLEN], ws[CIDR_STRLEN],
				    gs[CIDR_STRLEN];

				addr_format(&a, as, sizeof(as));
				cidr_format(&want, ws, sizeof(ws));
				cidr_format(&got, gs, sizeof(gs));
				printf("# %s: want %s %s, got %s %s\n", as,
				    w ? "" : "none", w ? ws : "",
				    g ? "" : "none", g ? gs : "");
			}
		}
	}
	t_int(bad, 0, "round %d: 20000 lookups agree with a linear scan "
	    "(%d hits)", round, hits);
	cidrset_free(set);
	free(in);
}


/* Adds each of the CIDRs given as text to set. */
static void
add_cidrs(struct cidrset *set, const char *const *nets, size_t n)
{
	struct cidr c;

	for (size_t i = 0; i < n; i++) {
		cidr_parse(nets[i], &c, NULL);
		cidrset_add(set, &c);
	}
}

/* The CIDR of set that a matches, as text; "" when none does. */
static void
lookup_text(const struct cidrset *set, const struct addr *a, char *buf,
    size_t size)
{
	struct cidr got;

	buf[0] = '\0';
	if (cidrset_lookup(set, a, &got))
		cidr_format(&got, buf, size);
}

static void
edges(void)
{
	static const char *const nets[] = {
		"0.0.0.0/0", "255.255.255.255", "::/0",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "10.0.0.0/8",
		"10.255.255.255", "0.0.0.0",
	};
	static const struct {
		const char	*addr, *want;
	} cases[] = {
		{ "1.2.3.4", "0.0.0.0/0" },
		{ "255.255.255.255", "255.255.255.255" },
		{ "255.255.255.254", "0.0.0.0/0" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "0.0.0.1", "0.0.0.0/0" },
		{ "10.255.255.255", "10.255.255.255" },
		{ "10.255.255.254", "10.0.0.0/8" },
		{ "11.0.0.0", "0.0.0.0/0" },
		{ "::", "::/0" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "::/0" },
	};
	struct cidrset	*set = cidrset_new(), *empty = cidrset_new();
	struct addr	 a;
	char		 buf[CIDR_STRLEN];

	add_cidrs(set, nets, sizeof(nets) / sizeof(nets[0]));
	cidrset_build(set);
	cidrset_build(empty);
	t_int((long long)cidrset_count(set), 7, "7 distinct CIDRs");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		addr_parse(cases[i].addr, &a);
		lookup_text(set, &a, buf, sizeof(buf));
		t_str(buf, cases[i].want, "edge lookup %s", cases[i].addr);
		t_ok(!cidrset_lookup(empty, &a, NULL), "empty set: %s misses",
		    cases[i].addr);
	}
	cidrset_free(set);
	cidrset_free(empty);
}

/* A sorted copy of a set, probed once per prefix length. */
struct ref {
	struct cidr	*c;
	size_t		 n;
	uint8_t		 has_len[2][129];
};

static int
cidr_cmp(const void *pa, const void *pb)
{
	const struct cidr *a = pa, *b = pb;
	int c;

	if (a->net.family != b->net.family)
		return (int)a->net.family - (int)b->net.family;
	if ((c = memcmp(a->net.b, b->net.b, 16)) != 0)
		return c;
	return (int)a->len - (int)b->len;
}

static void
ref_sort(struct ref *r)
{
	size_t out = 0;

	qsort(r->c, r->n, sizeof(*r->c), cidr_cmp);
	for (size_t i = 0; i < r->n; i++)
		if (out == 0 || cidr_cmp(&r->c[out - 1], &r->c[i]) != 0)
			r->c[out++] = r->c[i];
	r->n = out;
	memset(r->has_len, 0, sizeof(r->has_len));
	for (size_t i = 0; i < r->n; i++)
		r->has_len[r->c[i].net.family == ADDR_V6][r->c[i].len] = 1;
}

/* The longest CIDR of r holding a, shorter than max_len; 0: none. */
static int
ref_lookup(const struct ref *r, const struct addr *a, int max_len,
    struct cidr *best)
{
	int v6 = a->family == ADDR_V6;

	for (int len = max_len - 1; len >= 0; len--) {
		struct cidr k;

		if (!r->has_len[v6][len])
			continue;
		memset(&k, 0, sizeof(k));
		k.net = *a;
		k.len = (uint8_t)len;
		mask(&k);
		if (bsearch(&k, r->c, r->n, sizeof(k), cidr_cmp) != NULL) {
			*best = k;
			return 1;
		}
	}
	return 0;
}

static void
collect(const struct cidr *c, void *arg)
{
	struct ref *r = arg;

	r->c[r->n++] = *c;
}

/*
 * got, from cidrset_foreach() and sorted, must be want, but for CIDRs
 * that nested ones hide whole (a /31 and both its /32s): the intervals
 * keep no trace of those, as before packing.  Returns the mismatches.
 */
static int
foreach_check(const struct cidrset *set, const struct ref *want,
    const struct ref *got)
{
	size_t	 g = 0;
	int	 bad = 0;

	for (size_t i = 0; i < want->n; i++) {
		const struct cidr	*w = &want->c[i];
		struct cidr		 lo, hi;
		struct addr		 last = w->net;

		if (g < got->n && cidr_cmp(&got->c[g], w) == 0) {
			g++;
			continue;
		}
		for (int b = w->len; b < addr_bits(&last); b++)
			last.b[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		if (!cidrset_lookup(set, &w->net, &lo) || lo.len <= w->len ||
		    !cidrset_lookup(set, &last, &hi) || hi.len <= w->len)
			bad++;		/* missing, yet not hidden */
	}
	return bad + (int)(got->n - g);
}

/*
 * A set like the benchmark's (random IPv4 /16-/32, IPv6 /32-/128, a few
 * broad nets over many index buckets, nests), large enough to be packed:
 * lookups against the sorted copy, then cidrset_foreach() must give
 * back every CIDR (merge: every CIDR no other one covers).
 */
static void
large_set(int round, size_t n, int merge)
{
	struct ref	 in, want, got;
	struct cidrset	*set = cidrset_new();
	int		 bad = 0, hits = 0;

	in.c = calloc(n, sizeof(*in.c));
	for (in.n = 0; in.n < n; in.n++) {
		struct cidr	*c = &in.c[in.n];
		int		 v6 = rng() % 10 < 3, bits = v6 ? 128 : 32;

		random_addr(&c->net, NULL, v6 ? ADDR_V6 : ADDR_V4, 0);
		c->len = (uint8_t)(v6 ? 32 + rng() % 97 : 16 + rng() % 17);
		if (rng() % 2000 == 0)
			c->len = (uint8_t)(v6 ? 16 + rng() % 16 : 8 + rng() % 8);
		if (in.n > 0 && rng() % 8 == 0) {	/* nested */
			const struct cidr *p = &in.c[rng() % in.n];

			if (p->net.family == c->net.family) {
				random_addr(&c->net, &p->net, p->net.family,
				    p->len);
				c->len = (uint8_t)(p->len + rng() %
				    (unsigned)(bits + 1 - p->len));
			}
		}
		mask(c);
		cidrset_add(set, c);
	}
	if (merge)
		cidrset_merge_covered(set);
	t_ok(cidrset_build(set) == 0, "large %d: build %zu CIDRs", round, n);
	ref_sort(&in);

	/* What the set should keep. */
	want.c = calloc(in.n, sizeof(*want.c));
	want.n = 0;
	for (size_t i = 0; i < in.n; i++) {
		struct cidr outer;

		if (!merge || !ref_lookup(&in, &in.c[i].net, in.c[i].len,
		    &outer))
			want.c[want.n++] = in.c[i];
	}
	ref_sort(&want);
	t_int((long long)cidrset_count(set), (long long)want.n,
	    "large %d: %zu distinct CIDRs", round, want.n);
	t_ok(cidrset_memory(set) < 64 * want.n, "large %d: %zu bytes, under "
	    "64 a CIDR", round, cidrset_memory(set));

	for (int k = 0; k < 100000; k++) {
		const struct cidr	*near = &in.c[rng() % in.n];
		struct addr		 a;
		struct cidr		 w, g;
		int			 wf, gf;

		random_addr(&a, &near->net, near->net.family, k % 3 == 0 ?
		    (int)(rng() % 129) : near->len);
		if (k % 5 == 0)		/* a bucket's first or last address */
			memset(a.b + (a.family == ADDR_V4 ? 2 : 2 + rng() % 14),
			    k % 2 ? 0xff : 0, a.family == ADDR_V4 ? 2 : 1);
		wf = ref_lookup(&want, &a, addr_bits(&a) + 1, &w);
		gf = cidrset_lookup(set, &a, &g);
		hits += wf;
		if (wf != gf || (wf && cidr_cmp(&w, &g) != 0)) {
			if (bad++ < 5) {
				char as[ADDR_STRLEN], ws[CIDR_STRLEN],
				    gs[CIDR_STRLEN];

				addr_format(&a, as, sizeof(as));
				cidr_format(&w, ws, sizeof(ws));
				cidr_format(&g, gs, sizeof(gs));
				printf("# %s: want %s, got %s\n", as,
				    wf ? ws : "none", gf ? gs : "none");
			}
		}
	}
	t_int(bad, 0, "large %d: 100000 lookups agree with the sorted copy "
	    "(%d hits)", round, hits);

	got.c = calloc(want.n + 1, sizeof(*got.c));
	got.n = 0;
	cidrset_foreach(set, collect, &got);
	/* A parent whose start a child hides comes after the child. */
	qsort(got.c, got.n, sizeof(*got.c), cidr_cmp);
	t_int(foreach_check(set, &want, &got), 0, "large %d: "
	    "cidrset_foreach gives back the %zu CIDRs (%zu hidden)",
	    round, want.n, want.n - got.n);
	cidrset_free(set);
	free(in.c);
	free(want.c);
	free(got.c);
}

/* a + delta (-1 or 1), wrapping at the ends of its family's space. */
static struct addr
addr_step(struct addr a, int delta)
{
	for (int i = addr_bits(&a) / 8 - 1; i >= 0; i--) {
		a.b[i] = (uint8_t)(a.b[i] + delta);
		if (a.b[i] != (delta > 0 ? 0 : 0xff))
			break;
	}
	return a;
}

/*
 * Islands (cidrpack.c): hosts inside a broad net take one packed record
 * each, not two; the address just before or after one is the broad net
 * again, a host in the next bucket or none.
 */
static void
islands(void)
{
	static const char *const broad[] = { "10.0.0.0/8", "2001:db8::/32" };
	struct cidrset	*set = cidrset_new();
	struct ref	 in, got;
	size_t		 hosts = 100000;
	int		 bad = 0, checked = 0;

	in.c = calloc(hosts + 2, sizeof(*in.c));
	got.c = calloc(hosts + 3, sizeof(*got.c));
	in.n = got.n = 0;
	for (int i = 0; i < 2; i++) {
		cidr_parse(broad[i], &in.c[in.n], NULL);
		cidrset_add(set, &in.c[in.n++]);
	}
	for (size_t i = 0; i < hosts; i++) {
		struct cidr *c = &in.c[in.n++];

		*c = in.c[i % 2];
		random_addr(&c->net, &in.c[i % 2].net, c->net.family,
		    in.c[i % 2].len);
		c->len = (uint8_t)addr_bits(&c->net);
		cidrset_add(set, c);
	}
	t_ok(cidrset_build(set) == 0, "islands: build 100,000 hosts in two "
	    "broad nets");
	ref_sort(&in);
	/*
	 * 50,000 IPv4 hosts at 3 bytes and 50,000 IPv6 ones at 16, indexes
	 * and bases: about 1.05 MB.  Two records a host would be 1.9 MB.
	 */
	t_ok(cidrset_memory(set) < 1200000, "islands: one record a host, "
	    "%zu bytes", cidrset_memory(set));
	for (size_t i = 0; i < in.n; i++) {
		struct addr	 near[3];
		struct cidr	 w, g;
		int		 wf, gf;

		near[0] = in.c[i].net;
		near[1] = addr_step(in.c[i].net, -1);
		near[2] = addr_step(in.c[i].net, 1);
		for (int k = 0; k < 3; k++) {
			wf = ref_lookup(&in, &near[k], addr_bits(&near[k]) + 1,
			    &w);
			gf = cidrset_lookup(set, &near[k], &g);
			checked++;
			if (wf != gf || (wf && cidr_cmp(&w, &g) != 0))
				bad++;
		}
	}
	t_int(bad, 0, "islands: %d lookups of hosts and their neighbours "
	    "agree with the sorted copy", checked);
	cidrset_foreach(set, collect, &got);
	qsort(got.c, got.n, sizeof(*got.c), cidr_cmp);
	t_int(foreach_check(set, &in, &got), 0, "islands: cidrset_foreach "
	    "gives back the broad nets and every host");
	cidrset_free(set);
	free(in.c);
	free(got.c);
}

/* The ends of the address space in packed tables. */
static void
packed_edges(void)
{
	static const char *const nets[] = {
		"0.0.0.0/0", "255.255.255.255", "0.0.0.0", "10.0.0.0/8",
		"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::",
		"2001:db8::/32",
	};
	static const struct {
		const char	*addr, *want;
	} cases[] = {
		{ "255.255.255.255", "255.255.255.255" },
		{ "255.255.255.254", "0.0.0.0/0" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "0.0.0.1", "0.0.0.0/0" },
		{ "10.200.0.0", "10.0.0.0/8" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "::/0" },
		{ "::", "::" },
		{ "::1", "::/0" },
		{ "2001:db8:ffff::", "2001:db8::/32" },
	};
	struct cidrset	*set = cidrset_new(), *hosts = cidrset_new();
	struct cidr	 c;
	struct addr	 a;
	char		 buf[CIDR_STRLEN];

	add_cidrs(set, nets, sizeof(nets) / sizeof(nets[0]));
	/* Enough /32s and /128s at odd places for both tables to pack. */
	for (int i = 0; i < 200000; i++) {
		random_addr(&c.net, NULL, i % 2 ? ADDR_V6 : ADDR_V4, 0);
		c.net.b[3] |= 1;
		c.net.b[15] |= 1;
		c.len = (uint8_t)addr_bits(&c.net);
		cidrset_add(set, &c);
		cidrset_add(hosts, &c);
	}
	cidrset_build(set);
	cidrset_build(hosts);
	/*
	 * 200,000 intervals a family: packed, 3 and 16 bytes each and two
	 * 256 KiB indexes, about 4.3 MB; as before, 8 and 24 bytes each.
	 */
	t_ok(cidrset_memory(hosts) < 5000000, "packed edges: packed, %zu "
	    "bytes", cidrset_memory(hosts));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		addr_parse(cases[i].addr, &a);
		lookup_text(set, &a, buf, sizeof(buf));
		t_str(buf, cases[i].want, "packed edge lookup %s",
		    cases[i].addr);
		t_ok(!cidrset_lookup(hosts, &a, NULL), "packed, hosts only: %s "
		    "misses", cases[i].addr);
	}
	cidrset_free(set);
	cidrset_free(hosts);
}

static void
parse_cases(void)
{
	static const struct {
		const char	*in, *out;
		int		 host_bits;
	} cases[] = {
		{ "10.0.0.0/8", "10.0.0.0/8", 0 },
		{ "10.1.2.3/8", "10.0.0.0/8", 1 },
		{ "1.2.3.4", "1.2.3.4", 0 },
		{ "1.2.3.4/32", "1.2.3.4", 0 },
		{ "0.0.0.0/0", "0.0.0.0/0", 0 },
		{ "2001:DB8::/32", "2001:db8::/32", 0 },
		{ "2001:db8::1/128", "2001:db8::1", 0 },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 0 },
		{ "2001:db8::1/32", "2001:db8::/32", 1 },
		{ "::ffff:10.0.0.0/104", "10.0.0.0/8", 0 },
		{ "::ffff:1.2.3.4", "1.2.3.4", 0 },
		{ "::/0", "::/0", 0 },
	};
	static const char *const bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08",
		"10.0.0.0/-1", "10.0.0/8", "010.0.0.0/8", "2001:db8::/129",
		"2001:db8::/x", "1.2.3.4/8/8", "example.com", "1.2.3.4 ",
		"fe80::1%eth0", "10.0.0.0/8x",
	};
	struct cidr	 c;
	char		 buf[CIDR_STRLEN];
	int		 hb;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf[0] = '\0';
		if (cidr_parse(cases[i].in, &c, &hb) == 0)
			cidr_format(&c, buf, sizeof(buf));
		t_str(buf, cases[i].out, "cidr_parse %s", cases[i].in);
		t_int(hb, cases[i].host_bits, "host bits of %s", cases[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t_int(cidr_parse(bad[i], &c, &hb), -1, "cidr_parse refuses "
		    "\"%s\"", bad[i]);
}

static void
random_name(char *buf, size_t size, int labels)
{
	static const char alpha[] = "abcde";
	size_t n = 0;

	for (int l = 0; l < labels; l++) {
		int len = 1 + (int)(rng() % 2);

		for (int i = 0; i < len && n + 2 < size; i++)
			buf[n++] = alpha[rng() % 5];
		if (l + 1 < labels)
			buf[n++] = '.';
	}
	buf[n] = '\0';
}

struct pat {
	char	name[64];
	uint8_t	how;
};

/* The most specific match: exact first, then the longest suffix. */
static int
brute_name(const struct pat *p, size_t n, const char *name,
    struct name_match *m)
{
	size_t	 len = strlen(name);

	for (size_t i = 0; i < n; i++)
		if ((p[i].how & NAME_EXACT) && strcmp(p[i].name, name) == 0) {
			m->base = p[i].name;
			return 1;
		}
	for (size_t off = 0; off < len; off++) {
		if (off > 0 && name[off - 1] != '.')
			continue;
		if (off == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if ((p[i].how & NAME_WILD) &&
			    strcmp(p[i].name, name + off) == 0) {
				m->base = p[i].name;
				return 1;
			}
	}
	return 0;
}

static void
round_names(void)
{
	enum { N = 400 };
	static struct pat pats[N];
	struct nameset	*set = nameset_new();
	int		 bad = 0, hits = 0;

	for (int i = 0; i < N; i++) {
		static const uint8_t hows[] = { NAME_EXACT, NAME_WILD,
		    NAME_EXACT | NAME_WILD | NAME_DOT };

		random_name(pats[i].name, sizeof(pats[i].name),
		    1 + (int)(rng() % 3));
		pats[i].how = hows[rng() % 3];
		nameset_add(set, pats[i].name, strlen(pats[i].name),
		    pats[i].how);
	}
	for (int k = 0; k < 20000; k++) {
		char			 name[64];
		struct name_match	 want, got;
		int			 w, g;

		random_name(name, sizeof(name), 1 + (int)(rng() % 5));
		w = brute_name(pats, N, name, &want);
		g = nameset_lookup(set, name, strlen(name), &got);
		hits += w;
		if (w != g || (w && strcmp(want.base, got.base) != 0)) {
			if (bad++ < 5)
				printf("# %s: want %s got %s\n", name,
				    w ? want.base : "none",
				    g ? got.base : "none");
		}
	}
	t_int(bad, 0, "20000 name lookups agree with a linear scan (%d hits)",
	    hits);
	nameset_free(set);
}

int
main(void)
{
	parse_cases();
	edges();
	round_cidrs(1, 10, 0, NULL);
	round_cidrs(2, 300, 0, NULL);
	round_cidrs(3, 3000, 0, NULL);
	round_cidrs(4, 5000, 12, NULL);
	round_cidrs(5, 50, 20, NULL);
	/* Packed IPv4 tables: 2^(16 - common prefix) intervals or more. */
	round_cidrs(6, 3000, 8, "10.0.0.0/8");
	round_cidrs(7, 3000, 16, "172.16.0.0/12");
	round_cidrs(8, 2000, 24, "192.168.0.0/16");
	round_cidrs(9, 2000, 32, "2001:db8::/32");
	round_cidrs(10, 2000, 0, "::/0");
	large_set(1, 150000, 0);
	large_set(2, 150000, 1);
	packed_edges();
	islands();
	round_names();
	return t_done();
}
