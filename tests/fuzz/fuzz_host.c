/*
 * The host a client asks for is the most exposed input pinhole has: it
 * goes through acl_parse_host() and the whole acl_check() against a small
 * fixed policy.  The same bytes then go through the other address and
 * name parsers, and whatever parses must format and parse back to the
 * same value, since the filter and the resolver must agree on it.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "cidr.h"
#include "config.h"
#include "fuzz_policy.h"
#include "log.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

/* One of each kind of rule, so every branch of acl_check can be taken. */
static const char policy_ini[] =
    "[proxy]\nclients = 10.0.0.0/8, ::1\n"
    "[acl]\ndeny = 203.0.113.128/25, 2001:db8:dead::/48\n"
    "[allow names]\nhosts = *.a.com, .dot.net, exact.org, _sip._tcp.v.example\n"
    "ports = 443, 80\n"
    "[allow globs]\nhosts = *-files.sp.com, autodiscover.*.ms.com, "
    "a*b*c.g.org, .x*.dot.org, *.*-d.deep.net, sub.*.*.deep.net\n"
    "ports = 443\n"
    "[allow nets]\nnets = 198.51.100.0/24, 2001:db8:1::/48, 10.9.0.0/16\n"
    "hosts = intranet.corp\nports = 443, 22\n"
    "[allow vendor]\nlists = vendor\nresolve = yes\nports = 5061, 7615\n"
    "[allow users]\nhosts = users.example\nusers = alice\nports = 443\n"
    "[allow private]\nhosts = gw.corp\nallow_private = yes\nports = 8443\n"
    "[list vendor]\nfile = vendor.txt\n"
    "[auth]\nusers_file = users\n";

static const char vendor_list[] =
    "*.vendor.net\n.vendor.org\napi.vendor.io\n203.0.113.0/26\n"
    "2001:db8:7::/48\n10.20.0.0/16\n*cdn.vendor.io\n*.com\n";

static struct acl *
fixed_acl(void)
{
	static struct acl	*acl;
	struct config		*c;
	struct entries		*lists[1];
	struct parse_stats	 st;
	static const struct parse_limits lim = { 8, 32, NULL, 0 };

	if (acl != NULL)
		return acl;
	c = fuzz_policy(policy_ini);
	CHECK((lists[0] = entries_new()) != NULL);
	CHECK(parse_text(vendor_list, strlen(vendor_list), &lim, lists[0],
	    &st) == 0 && entries_build(lists[0]) == 0);
	CHECK((acl = acl_new(c->policy, lists)) != NULL);
	/* The acl keeps its own references; it lives until exit. */
	entries_unref(lists[0]);
	config_free(c);
	return acl;
}

static void
check_verdict(const struct acl_verdict *v)
{
	if (v->result == ACL_ALLOW)
		CHECK(v->rule != NULL);
	if (v->result == ACL_DENY)
		CHECK(v->reason != REASON_NONE);
	char entry[ACL_ENTRY_LEN];

	if (acl_entry(v, entry, sizeof(entry)) != NULL)
		CHECK(memchr(entry, '\0', sizeof(entry)) != NULL &&
		    entry[0] != '\0');
}

/*
 * A name a glob matched matches it by fnmatch() too, with the dots made
 * '/' and FNM_PATHNAME, where '*' never crosses a '/': within one label.
 * For "*.glob" some name below a label boundary must match.
 */
static void
check_glob(const struct acl_verdict *v, const char *name)
{
	char	 pat[NAME_MAX_LEN + 1], s[NAME_MAX_LEN + 1];
	int	 ok = 0;

	if (v->name == NULL || !(v->how & NAME_GLOB))
		return;
	CHECK(strstr(v->name, "**") == NULL);
	snprintf(pat, sizeof(pat), "%s", v->name);
	snprintf(s, sizeof(s), "%s", name);
	for (char *p = pat; *p != '\0'; p++)
		*p = *p == '.' ? '/' : *p;
	for (char *p = s; *p != '\0'; p++)
		*p = *p == '.' ? '/' : *p;
	if (v->how & NAME_EXACT)
		ok = fnmatch(pat, s, FNM_PATHNAME) == 0;
	for (char *p = s; (v->how & NAME_WILD) && !ok &&
	    (p = strchr(p, '/')) != NULL;)
		ok = fnmatch(pat, ++p, FNM_PATHNAME) == 0;
	CHECK(ok);
}

static void
check_acl(const uint8_t *data, size_t size)
{
	static const uint16_t	 ports[] = { 443, 80, 22, 5061, 7615, 8443, 0 };
	static const char *const resolved[] = {
		"203.0.113.5", "10.20.1.1", "127.0.0.1", "2001:db8:7::1",
		"64:ff9b::a00:1", "198.51.100.9"
	};
	struct acl		*acl = fixed_acl();
	struct addr		 client, a;
	struct acl_query	 q;
	struct acl_verdict	 v;

	CHECK(addr_parse("10.1.2.3", &client) == 0);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		acl_query_init(&q, i % 2 ? NULL : &client,
		    i % 3 ? NULL : "alice", (const char *)data, size, ports[i]);
		acl_check(acl, &q, &v);
		check_verdict(&v);
		if (v.result != ACL_RESOLVE)
			continue;
		CHECK(q.dest_ok && !q.dest.is_addr);
		check_glob(&v, q.dest.name);
		for (size_t j = 0; j < sizeof(resolved) / sizeof(resolved[0]);
		    j++) {
			CHECK(addr_parse(resolved[j], &a) == 0);
			acl_check_addr(acl, &q, &a, &v);
			check_verdict(&v);
		}
	}
}

static void
check_parsers(const char *s)
{
	char		 out[NAME_MAX_LEN + 1], out2[NAME_MAX_LEN + 1];
	char		 buf[CIDR_STRLEN + NAME_MAX_LEN];
	struct addr	 a, a2;
	struct cidr	 c, c2;
	struct endpoint	 ep, ep2;
	uint8_t		 how, how2;
	int		 n, n2, hb;

	if ((n = name_normalise(s, strlen(s), out)) >= 0) {
		n2 = name_normalise(out, (size_t)n, out2);
		CHECK(n2 == n && memcmp(out, out2, (size_t)n + 1) == 0);
	}
	if ((n = name_parse_pattern(s, out, &how)) >= 0) {
		name_format_pattern(out, how, buf, sizeof(buf));
		n2 = name_parse_pattern(buf, out2, &how2);
		CHECK(n2 == n && how2 == how && strcmp(out, out2) == 0);
	}
	if (addr_parse(s, &a) == 0) {
		addr_format(&a, buf, sizeof(buf));
		CHECK(addr_parse(buf, &a2) == 0 && memcmp(&a, &a2,
		    sizeof(a)) == 0);
	}
	if (cidr_parse(s, &c, &hb) == 0) {
		cidr_format(&c, buf, sizeof(buf));
		CHECK(cidr_parse(buf, &c2, &hb) == 0 && hb == 0 &&
		    memcmp(&c, &c2, sizeof(c)) == 0);
	}
	if (config_parse_endpoint(s, 53, &ep) == 0) {
		CHECK(config_parse_endpoint(ep.text, 0, &ep2) == 0);
		CHECK(ep2.port == ep.port && memcmp(&ep.addr, &ep2.addr,
		    sizeof(ep.addr)) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	/* acl_parse_host gets the bytes as they are: no NUL after them. */
	check_acl(data, size);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_parsers(s);
	free(s);
	return 0;
}
