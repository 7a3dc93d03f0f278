/*
 * Every spelling of an IPv4 address pinhole can meet -- a DNS answer's
 * raw bytes, a literal, a list entry, a peer's sockaddr -- in every IPv6
 * form that carries it (::ffff:a.b.c.d, ::a.b.c.d, ::ffff:0:a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4, Teredo, ISATAP) must get the verdict the
 * IPv4 address itself gets.  The local-use NAT64 prefix 64:ff9b:1::/48
 * is private itself: with the private ranges on it is refused, and
 * denied_address wherever its IPv4 address is; without them it gets the
 * IPv4 address's verdict.  The same bytes are then taken
 * as an arbitrary AAAA answer and as text: whatever comes out is
 * canonical, and is refused whenever an IPv4 address it carries is.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "cidr.h"
#include "config.h"
#include "fuzz_policy.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

/* Names allowed on 443 with the private ranges on, on 8443 without. */
static const char policy_ini[] =
    "[proxy]\nclients = 0.0.0.0/0, ::/0\n"
    "[acl]\ndeny_private = yes\n"
    "deny = 203.0.113.128/25, 198.51.100.7, 2001:db8:dead::/48\n"
    "[allow names]\nhosts = *.a.com\nports = 443\n"
    "[allow private]\nhosts = *.a.com\nallow_private = yes\nports = 8443\n";

static struct acl *
fixed_acl(void)
{
	static struct acl	*acl;
	struct config		*c;

	if (acl != NULL)
		return acl;
	c = fuzz_policy(policy_ini);
	CHECK((acl = acl_new(c->policy, NULL)) != NULL);
	config_free(c);
	return acl;
}

static void
verdict(const struct addr *a, uint16_t port, struct acl_verdict *v)
{
	struct acl_query	 q;
	struct acl_verdict	 first;

	acl_query_init(&q, NULL, NULL, "x.a.com", 7, port);
	acl_check(fixed_acl(), &q, &first);
	CHECK(first.result == ACL_RESOLVE);
	acl_check_addr(fixed_acl(), &q, a, v);
}

static int
same(const struct acl_verdict *x, const struct acl_verdict *y)
{
	return x->result == y->result &&
	    (x->result != ACL_DENY || x->reason == y->reason);
}

/* An address pinhole keeps is canonical: no mapped IPv6, no IPv4 tail. */
static void
check_canonical(const struct addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const uint8_t zero[12];

	CHECK(a->family == ADDR_V4 || a->family == ADDR_V6);
	if (a->family == ADDR_V4)
		CHECK(memcmp(a->b + 4, zero, 12) == 0);
	else
		CHECK(memcmp(a->b, mapped, 12) != 0);
}

/* The IPv6 forms of v4, the spare bytes (6to4 subnet) from rest. */
#define FORM_NAT64_LOCAL	4
static int
forms(const uint8_t v4[4], const uint8_t rest[10], uint8_t out[][16])
{
	static const uint8_t pre[][12] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff },
		{ 0 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 },
		{ 0, 0x64, 0xff, 0x9b },
		{ 0, 0x64, 0xff, 0x9b, 0, 1 },
	};
	size_t	 n = 0;

	for (; n < sizeof(pre) / sizeof(pre[0]); n++) {
		memcpy(out[n], pre[n], 12);
		memcpy(out[n] + 12, v4, 4);
	}
	/* 6to4: 2002:V4::/48, any subnet and interface. */
	out[n][0] = 0x20;
	out[n][1] = 0x02;
	memcpy(out[n] + 2, v4, 4);
	memcpy(out[n] + 6, rest, 10);
	out[n][10] = 0;		/* no ISATAP identifier by chance */
	n++;
	/* Teredo: V4 as the server and, inverted, as the client. */
	memset(out[n], 0, 16);
	out[n][0] = 0x20;
	out[n][1] = 0x01;
	memcpy(out[n] + 4, v4, 4);
	for (int i = 0; i < 4; i++)
		out[n][12 + i] = (uint8_t)~v4[i];
	n++;
	/* ISATAP under 2001:db8:1:2::/64. */
	memset(out[n], 0, 16);
	memcpy(out[n], "\x20\x01\x0d\xb8\x00\x01\x00\x02\x00\x00\x5e\xfe", 12);
	memcpy(out[n] + 12, v4, 4);
	n++;
	return (int)n;
}

/* Each way a form can arrive: as an answer, a literal, a peer, a net. */
static void
check_spellings(const uint8_t b[16], const struct addr *want_addr,
    const struct acl_verdict want[2])
{
	static const uint16_t	 ports[2] = { 443, 8443 };
	struct addr		 as[4];
	struct sockaddr_in6	 sin6;
	struct cidr		 c;
	char			 text[ADDR_STRLEN];

	CHECK(addr_from_bytes(ADDR_V6, b, &as[0]) == 0);
	CHECK(inet_ntop(AF_INET6, b, text, sizeof(text)) != NULL);
	CHECK(addr_parse(text, &as[1]) == 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, b, 16);
	CHECK(addr_from_sockaddr((struct sockaddr *)&sin6, &as[2]) == 0);
	CHECK(cidr_parse(text, &c, NULL) == 0);
	as[3] = c.net;
	CHECK(c.len == addr_bits(&c.net));
	for (int i = 0; i < 4; i++) {
		check_canonical(&as[i]);
		CHECK(memcmp(&as[i], &as[0], sizeof(as[0])) == 0);
		for (int p = 0; p < 2; p++) {
			struct acl_verdict v;

			verdict(&as[i], ports[p], &v);
			CHECK(same(&v, &want[p]));
		}
	}
	(void)want_addr;
}

/* Any raw AAAA answer: refused whenever an IPv4 address it carries is. */
static void
check_answer(const uint8_t b[16])
{
	struct addr		 a, emb[ADDR_MAX_EMBEDDED];
	struct acl_verdict	 v, ve;
	int			 n;

	CHECK(addr_from_bytes(ADDR_V6, b, &a) == 0);
	check_canonical(&a);
	verdict(&a, 443, &v);
	n = addr_embedded_v4(&a, emb);
	CHECK(n >= 0 && n <= ADDR_MAX_EMBEDDED);
	for (int i = 0; i < n; i++) {
		verdict(&emb[i], 443, &ve);
		if (ve.result == ACL_DENY)
			CHECK(v.result == ACL_DENY);
		if (ve.reason == REASON_DENIED_ADDRESS)
			CHECK(v.reason == REASON_DENIED_ADDRESS);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t			 in[30], f[9][16];
	struct addr		 v4;
	struct acl_verdict	 want[2];
	char			*s;
	int			 n;

	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	CHECK(addr_from_bytes(ADDR_V4, in, &v4) == 0);
	verdict(&v4, 443, &want[0]);
	verdict(&v4, 8443, &want[1]);
	n = forms(in, in + 4, f);
	for (int i = 0; i < n; i++) {
		struct acl_verdict	 w[2] = { want[0], want[1] };

		if (i == FORM_NAT64_LOCAL && w[0].reason !=
		    REASON_DENIED_ADDRESS) {
			w[0].result = ACL_DENY;
			w[0].reason = REASON_PRIVATE_ADDRESS;
		}
		check_spellings(f[i], &v4, w);
	}
	check_answer(in + 14);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (addr_parse(s, &v4) == 0) {
		check_canonical(&v4);
		verdict(&v4, 443, &want[0]);
	}
	free(s);
	return 0;
}
