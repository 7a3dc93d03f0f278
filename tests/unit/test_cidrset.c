/*
 * The CIDR and name sets against brute force: random nested CIDRs and
 * patterns, every lookup compared with a linear scan for the longest
 * match / most specific pattern.
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
round_cidrs(int round, size_t n, int min_len)
{
	struct cidr	*in = calloc(n, sizeof(*in));
	struct cidrset	*set = cidrset_new();
	int		 bad = 0, hits = 0;

	/* Clustered, so that CIDRs nest, touch and overlap. */
	for (size_t i = 0; i < n; i++) {
		int family = rng() % 3 == 0 ? ADDR_V6 : ADDR_V4;
		int bits = family == ADDR_V4 ? 32 : 128;
		struct addr base;

		random_addr(&base, NULL, family, 0);
		if (i > 0 && rng() % 2 && in[rng() % i].net.family == family) {
			const struct cidr *p = &in[rng() % i];

			if (p->net.family == family)
				base = p->net;
		}
		random_addr(&in[i].net, &base, family,
		    (int)(rng() % (unsigned)bits));
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
	struct cidr	 c, got;
	struct addr	 a;
	char		 buf[CIDR_STRLEN];

	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		cidr_parse(nets[i], &c, NULL);
		cidrset_add(set, &c);
	}
	cidrset_build(set);
	cidrset_build(empty);
	t_int((long long)cidrset_count(set), 7, "7 distinct CIDRs");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		addr_parse(cases[i].addr, &a);
		buf[0] = '\0';
		if (cidrset_lookup(set, &a, &got))
			cidr_format(&got, buf, sizeof(buf));
		t_str(buf, cases[i].want, "edge lookup %s", cases[i].addr);
		t_ok(!cidrset_lookup(empty, &a, NULL), "empty set: %s misses",
		    cases[i].addr);
	}
	cidrset_free(set);
	cidrset_free(empty);
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
	round_cidrs(1, 10, 0);
	round_cidrs(2, 300, 0);
	round_cidrs(3, 3000, 0);
	round_cidrs(4, 5000, 12);
	round_cidrs(5, 50, 20);
	round_names();
	return t_done();
}
