/* The list formats (text, auto) and the checks before a version is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listdiff.h"
#include "listload.h"
#include "parse.h"
#include "t.h"

static const struct parse_limits lim = { 8, 32, NULL, 0 };

static int
has_addr(const struct entries *e, const char *a, const char *want)
{
	struct addr	 ad;
	struct cidr	 c;
	char		 buf[CIDR_STRLEN];

	if (addr_parse(a, &ad) == -1 || !cidrset_lookup(e->nets, &ad, &c))
		return want == NULL;
	cidr_format(&c, buf, sizeof(buf));
	return want != NULL && strcmp(buf, want) == 0;
}

static int
has_name(const struct entries *e, const char *n)
{
	return nameset_lookup(e->names, n, strlen(n), NULL);
}

static void
text_format(void)
{
	const char *body =
	    "# a comment\n"
	    "203.0.113.0/24\n"
	    "  198.51.100.7   # trailing comment\n"
	    "\n"
	    "2001:db8::/32\r\n"
	    "*.Vendor.NET\n"
	    ".vendor.org\n"
	    "api.vendor.io.\n"
	    "10.1.2.3/8\n"
	    "two tokens\n"
	    "not_a/cidr\n"
	    "127.1\n"
	    "203.0.113.0/24\n"
	    "last.example";
	struct entries		*e = entries_new();
	struct parse_stats	 st;

	t_int(parse_text(body, strlen(body), &lim, e, &st), 0, "text parses");
	entries_build(e);
	t_int((long long)st.added, 9, "text: 9 entries taken");
	t_int((long long)st.bad, 3, "text: 3 bad lines");
	t_int(st.first_bad_line, 10, "text: first bad line is 10");
	t_str(st.first_bad, "two tokens", "text: first bad text");
	t_str(st.bad_lines, "line 10 \"two tokens\", line 11 \"not_a/cidr\", "
	    "line 12 \"127.1\"", "text: the bad lines, with their numbers");
	t_int((long long)st.host_bits, 1, "text: one CIDR with host bits");
	t_int((long long)entries_count(e), 8, "text: duplicates merged");
	t_ok(has_addr(e, "203.0.113.9", "203.0.113.0/24"), "text: CIDR");
	t_ok(has_addr(e, "198.51.100.7", "198.51.100.7"), "text: address");
	t_ok(has_addr(e, "198.51.100.8", NULL), "text: next address");
	t_ok(has_addr(e, "2001:db8:1::1", "2001:db8::/32"), "text: IPv6");
	t_ok(has_addr(e, "10.200.0.1", "10.0.0.0/8"), "text: host bits "
	    "cleared");
	t_ok(has_name(e, "x.vendor.net"), "text: wildcard, lower-cased");
	t_ok(!has_name(e, "vendor.net"), "text: wildcard not the name");
	t_ok(has_name(e, "vendor.org") && has_name(e, "a.vendor.org"),
	    "text: .name form");
	t_ok(has_name(e, "api.vendor.io"), "text: trailing dot dropped");
	t_ok(has_name(e, "last.example"), "text: last line without newline");
	entries_unref(e);
}

static void
auto_format(void)
{
	const char *body =
	    "<html><p>Servers: 203.0.113.16/28, 203.0.113.40 and "
	    "2001:db8:15::/48.</p>\n"
	    "<td>198.51.100.1</td><td>v1.2.3.4</td>\n"
	    "{\"prefixes\":[{\"ip_prefix\":\"192.0.2.0/25\"}],"
	    "\"ipv6\":\"2001:db8:99::1\"}\n"
	    "time 12:30:45, version 1.2.3.4.5, std::string, abc1.2.3.4\n"
	    "csv,100.100.0.0/16,end\n"
	    "broad 10.0.0.0/4 and 2001::/16\n";
	struct entries		*e = entries_new();
	struct parse_stats	 st;

	t_int(parse_auto(body, strlen(body), &lim, e, &st), 0, "auto parses");
	entries_build(e);
	t_ok(has_addr(e, "203.0.113.17", "203.0.113.16/28"), "auto: html CIDR");
	t_ok(has_addr(e, "203.0.113.40", "203.0.113.40"), "auto: html address");
	t_ok(has_addr(e, "2001:db8:15::9", "2001:db8:15::/48"), "auto: v6 CIDR "
	    "before a full stop");
	t_ok(has_addr(e, "198.51.100.1", "198.51.100.1"), "auto: table cell");
	t_ok(has_addr(e, "192.0.2.1", "192.0.2.0/25"), "auto: json string");
	t_ok(has_addr(e, "2001:db8:99::1", "2001:db8:99::1"), "auto: json v6");
	t_ok(has_addr(e, "100.100.1.1", "100.100.0.0/16"), "auto: csv field");
	t_ok(has_addr(e, "1.2.3.4", NULL), "auto: no address from v1.2.3.4, "
	    "1.2.3.4.5 or abc1.2.3.4");
	t_int((long long)st.too_broad, 2, "auto: 2 CIDRs broader than the "
	    "minimum prefix");
	t_int((long long)entries_count(e), 7, "auto: 7 entries");
	entries_unref(e);
}

static struct list_conf
list_conf(enum list_format f)
{
	struct list_conf l;

	memset(&l, 0, sizeof(l));
	l.name = "t";
	l.format = f;
	l.max_bytes = 1024;
	l.max_entries = 3;
	l.min_prefix_v4 = 8;
	l.min_prefix_v6 = 32;
	return l;
}

static void
validation(void)
{
	struct list_conf	 l = list_conf(LIST_TEXT);
	struct entries		*e;
	char			 err[256];

	e = listload_body(&l, "a.com\nb.com\n", 12, err, sizeof(err));
	t_ok(e != NULL && entries_count(e) == 2, "two entries accepted");
	entries_unref(e);
	e = listload_body(&l, "a.com\nb.com\nc.com\nd.com\n", 24, err,
	    sizeof(err));
	t_ok(e == NULL, "four entries refused");
	t_str(err, "4 entries, over max_entries 3", "max_entries message");
	e = listload_body(&l, "# nothing\n", 10, err, sizeof(err));
	t_ok(e == NULL, "empty list refused");
	t_str(err, "no entries (allow_empty = no)", "empty message");
	l.allow_empty = 1;
	e = listload_body(&l, "# nothing\n", 10, err, sizeof(err));
	t_ok(e != NULL && entries_count(e) == 0, "allow_empty accepts it");
	entries_unref(e);
	e = listload_body(&l, "1.0.0.0/7\n", 10, err, sizeof(err));
	t_ok(e == NULL, "a /7 refused with min_prefix_v4 = 8");
	t_str(err, "1.0.0.0/7 is broader than min_prefix (1 such entries)",
	    "min_prefix message");
	e = listload_body(&l, "1.0.0.0/8\n2001::/32\n", 20, err, sizeof(err));
	t_ok(e != NULL, "a /8 and a v6 /32 accepted");
	entries_unref(e);
	e = listload_body(&l, "2001::/31\n", 10, err, sizeof(err));
	t_ok(e == NULL, "a v6 /31 refused with min_prefix_v6 = 32");
	entries_unref(e);
}

/* A list's covered entries add nothing and are dropped. */
static void
merged(void)
{
	struct list_conf	 l;
	struct entries		*e;
	char			 err[256];
	const char		*body = "10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n"
				    "11.0.0.0/24\n2001:db8::/32\n2001:db8:1::/48\n"
				    ".a.test\nb.a.test\n*.c.b.a.test\nx.test\n"
				    "*.y.test\nz.y.test\ny.test\n";
	struct cidr		 c;
	struct addr		 a;
	char			 buf[CIDR_STRLEN];

	memset(&l, 0, sizeof(l));
	l.name = "m";
	l.format = LIST_TEXT;
	l.max_entries = 100;
	l.min_prefix_v4 = 8;
	l.min_prefix_v6 = 32;
	e = listload_body(&l, body, strlen(body), err, sizeof(err));
	if (!t_ok(e != NULL, "the list loads"))
		return;
	/* 10/8, 11.0.0/24, 2001:db8::/32, .a.test, x.test, and y.test with
	 * *.y.test (one name matched two ways) */
	t_int((long long)entries_count(e), 6, "covered CIDRs and names merged");
	addr_parse("10.1.2.3", &a);
	cidrset_lookup(e->nets, &a, &c);
	cidr_format(&c, buf, sizeof(buf));
	t_str(buf, "10.0.0.0/8", "a covered address matches the broad CIDR");
	t_ok(has_name(e, "q.c.b.a.test") && has_name(e, "b.a.test") &&
	    has_name(e, "a.test"), "names below .a.test still match");
	t_ok(has_name(e, "z.y.test") && has_name(e, "y.test"),
	    "z.y.test (covered) and y.test (not) match");
	entries_unref(e);
}

/* A byte order mark before line 1 (Windows editors write one). */
static void
text_bom(void)
{
	static const char body[] = "\xef\xbb\xbf" "203.0.113.0/24\r\n"
	    "*.vendor.net\r\n";
	struct entries		*e = entries_new();
	struct parse_stats	 st;

	t_int(parse_text(body, sizeof(body) - 1, &lim, e, &st), 0,
	    "bom: parses");
	entries_build(e);
	t_int((long long)st.bad, 0, "bom: no bad line");
	t_int((long long)st.added, 2, "bom: both lines taken");
	t_ok(has_addr(e, "203.0.113.9", "203.0.113.0/24"),
	    "bom: the first line's CIDR");
	entries_unref(e);
}

/*
 * A firewall page as vendors publish them: the addresses to allow in a
 * table, and prose and links with other addresses (a public resolver,
 * a cache-busting version).  Read with format = auto.
 */
static const char firewall_page[] =
    "<!DOCTYPE html>\n<html><head><title>Firewall settings</title>\n"
    "<link rel=\"stylesheet\" href=\"/css/site.css?v=5.1.0.2\">\n"
    "</head><body>\n<h2>Outgoing connections</h2>\n"
    "<table><tr><td>Gateway</td><td>203.0.113.40</td><td>TCP 443"
    "</td></tr>\n<tr><td>Relays</td><td>203.0.113.128/28</td></tr>\n"
    "<tr><td>IPv6</td><td>2001:db8:40::/48</td></tr></table>\n"
    "<p>The client resolves names with your DNS server (Public DNS, "
    "e.g. 8.8.8.8, works too).</p>\n"
    "<p>Old range 0.0.0.0/0 is no longer used.</p>\n"
    "<script src=\"/js/app.js?v=5.1.0.2\"></script></body></html>\n";

static void
within_auto(void)
{
	struct cidr		 w[2];
	struct parse_limits	 wl = lim;
	struct entries		*e = entries_new();
	struct parse_stats	 st;
	int			 hb;

	/* Without within: every address of the page, its prose too. */
	t_int(parse_auto(firewall_page, strlen(firewall_page), &lim, e, &st),
	    0, "page: parses without within");
	entries_build(e);
	t_ok(has_addr(e, "8.8.8.8", "8.8.8.8") &&
	    has_addr(e, "5.1.0.2", "5.1.0.2"), "page, no within: the prose's "
	    "8.8.8.8 and the cache-buster 5.1.0.2 are taken");
	t_int((long long)st.too_broad, 1, "page, no within: 0.0.0.0/0 is "
	    "too broad (the list would be refused)");
	entries_unref(e);

	cidr_parse("203.0.113.0/24", &w[0], &hb);
	cidr_parse("2001:db8::/32", &w[1], &hb);
	wl.within = w;
	wl.nwithin = 2;
	e = entries_new();
	t_int(parse_auto(firewall_page, strlen(firewall_page), &wl, e, &st),
	    0, "page: parses with within");
	entries_build(e);
	t_int((long long)entries_count(e), 3, "page, within: 3 entries");
	t_ok(has_addr(e, "203.0.113.40", "203.0.113.40") &&
	    has_addr(e, "203.0.113.130", "203.0.113.128/28") &&
	    has_addr(e, "2001:db8:40::1", "2001:db8:40::/48"),
	    "page, within: the table's entries");
	t_ok(has_addr(e, "8.8.8.8", NULL) && has_addr(e, "5.1.0.2", NULL),
	    "page, within: 8.8.8.8 and 5.1.0.2 are not taken");
	t_int((long long)st.outside, 4, "page, within: 4 outside, counted");
	t_int((long long)st.too_broad, 0, "page, within: 0.0.0.0/0 is "
	    "outside, not a refusal");
	t_str(st.first_outside, "5.1.0.2, 8.8.8.8, 0.0.0.0/0",
	    "page, within: the first three named");
	entries_unref(e);
}

/* within on a text list: a CIDR half inside is outside; names too. */
static void
within_text(void)
{
	static const char body[] = "203.0.113.0/25\n203.0.112.0/23\n"
	    "203.0.113.7\nvendor.example\n*.cdn.example\n198.51.100.1\n";
	struct list_conf	 l = list_conf(LIST_TEXT);
	struct cidr		 w;
	struct entries		*e;
	char			 err[256];
	int			 hb;

	cidr_parse("203.0.113.0/24", &w, &hb);
	l.within = &w;
	l.nwithin = 1;
	l.max_entries = 10;
	e = listload_body(&l, body, sizeof(body) - 1, err, sizeof(err));
	if (!t_ok(e != NULL, "within text: loads"))
		return;
	t_int((long long)entries_count(e), 1, "within text: 203.0.113.0/25 "
	    "alone (203.0.113.7 is covered by it)");
	t_ok(has_addr(e, "203.0.112.1", NULL), "within text: the /23 that "
	    "reaches outside is skipped whole");
	t_ok(!has_name(e, "vendor.example") && !has_name(e, "a.cdn.example"),
	    "within text: names are outside any range");
	entries_unref(e);
	e = listload_body(&l, "vendor.example\n8.8.8.8\n", 23, err,
	    sizeof(err));
	t_ok(e == NULL, "within text: nothing inside: refused");
	t_str(err, "no entries (allow_empty = no); outside within: "
	    "vendor.example, 8.8.8.8", "within text: the refusal says why");
}

static struct entries *
text_entries(const char *body)
{
	struct entries		*e = entries_new();
	struct parse_stats	 st;

	parse_text(body, strlen(body), &lim, e, &st);
	entries_build_merged(e);
	return e;
}

/* What a new version added and removed, as the log and /lists say it. */
static void
diff_versions(void)
{
	struct entries	*v1 = text_entries("203.0.113.40\n203.0.113.41\n"
			    "*.vendor.example\n");
	struct entries	*v2 = text_entries("203.0.113.41\n203.0.113.50\n"
			    "203.0.113.51\n*.vendor.example\n");
	struct entries	*v3 = text_entries("198.51.100.1\n198.51.100.2\n"
			    "198.51.100.3\n198.51.100.4\nvendor.example\n"
			    "*.vendor.example\n");
	struct listdiff	 d;

	t_int(listdiff(v1, v2, &d), 0, "diff: computed");
	t_str(d.text, "+2 -1 (added 203.0.113.50, 203.0.113.51; removed "
	    "203.0.113.40)", "diff: +2 -1, each named");
	t_int(listdiff(v2, v2, &d), 0, "diff: same version");
	t_str(d.text, "+0 -0", "diff: nothing changed");
	t_int(listdiff(NULL, v1, &d), 0, "diff: first version");
	t_str(d.text, "+3 -0 (added *.vendor.example, 203.0.113.40, "
	    "203.0.113.41)", "diff: the first version adds all");
	t_int(listdiff(v2, NULL, &d), 0, "diff: no version now");
	t_str(d.text, "+0 -4 (removed *.vendor.example, 203.0.113.41, "
	    "203.0.113.50, ...)", "diff: all removed, the first three named");
	t_int(listdiff(v1, v3, &d), 0, "diff: many");
	t_str(d.text, "+5 -3 (added .vendor.example, 198.51.100.1, "
	    "198.51.100.2, ...; removed *.vendor.example, 203.0.113.40, "
	    "203.0.113.41)", "diff: a pattern widened counts as a change");
	entries_unref(v1);
	entries_unref(v2);
	entries_unref(v3);
}

int
main(void)
{
	merged();
	text_format();
	text_bom();
	within_auto();
	within_text();
	diff_versions();
	auto_format();
	validation();
	return t_done();
}
