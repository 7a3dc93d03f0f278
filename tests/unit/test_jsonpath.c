/*
 * The json list format: json_path syntax and errors, the vendors' files
 * (tests/unit/data: AWS ip-ranges, Microsoft 365 endpoints, Azure
 * service tags, GitHub meta), invalid bodies, the version checks through
 * listload_body, and json_path in the config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "jsonpath.h"
#include "listload.h"
#include "log.h"
#include "parse.h"
#include "t.h"

#define DATA	"tests/unit/data/"

static const struct parse_limits lim = { 8, 32, NULL, 0 };

static char *
read_data(const char *name, size_t *len)
{
	char	 path[256];
	FILE	*fp;
	char	*buf;
	long	 n;

	snprintf(path, sizeof(path), DATA "%s", name);
	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		abort();
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n)
		abort();
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/*
 * The entries path selects in body, built; NULL when jsonpath_parse
 * fails, with its message in err.
 */
static struct entries *
run_len(const char *body, size_t len, const char *path,
    struct parse_stats *st, char *err, size_t errlen)
{
	struct entries *e = entries_new();

	if (e == NULL)
		abort();
	err[0] = '\0';
	if (jsonpath_parse(body, len, path, &lim, e, st, err, errlen) == -1) {
		entries_unref(e);
		return NULL;
	}
	if (entries_build(e) == -1)
		abort();
	return e;
}

static struct entries *
run(const char *body, const char *path, struct parse_stats *st)
{
	char err[512];
	struct entries *e = run_len(body, strlen(body), path, st, err,
	    sizeof(err));

	if (e == NULL)
		printf("# %s: %s\n", path, err);
	return e;
}

static struct entries *
run_file(const char *name, const char *path, struct parse_stats *st)
{
	size_t		 len;
	char		*body = read_data(name, &len);
	char		 err[512];
	struct entries	*e = run_len(body, len, path, st, err, sizeof(err));

	if (e == NULL)
		printf("# %s %s: %s\n", name, path, err);
	free(body);
	return e;
}

/* a is in the entries, in the CIDR want; want NULL: in none. */
static int
has_addr(const struct entries *e, const char *a, const char *want)
{
	struct addr	 ad;
	struct cidr	 c;
	char		 buf[CIDR_STRLEN];

	if (e == NULL)
		return 0;
	if (addr_parse(a, &ad) == -1 || !cidrset_lookup(e->nets, &ad, &c))
		return want == NULL;
	cidr_format(&c, buf, sizeof(buf));
	return want != NULL && strcmp(buf, want) == 0;
}

static int
has_name(const struct entries *e, const char *n)
{
	return e != NULL && nameset_lookup(e->names, n, strlen(n), NULL);
}

static long long
count(const struct entries *e)
{
	return e == NULL ? -1 : (long long)entries_count(e);
}

static void
aws(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("aws-ip-ranges.json",
	    "prefixes[?service=EC2&region=us-east-1].ip_prefix", &st);
	t_ok(e != NULL, "aws: EC2 us-east-1 parses");
	t_int((long long)st.added, 2, "aws: 2 EC2 prefixes in us-east-1");
	t_int((long long)st.bad, 0, "aws: none bad");
	t_int(count(e), 2, "aws: 2 entries");
	t_ok(has_addr(e, "192.0.2.5", "192.0.2.0/26"), "aws: 192.0.2.0/26");
	t_ok(has_addr(e, "192.0.2.70", "192.0.2.64/26"), "aws: 192.0.2.64/26");
	t_ok(has_addr(e, "192.0.2.130", NULL), "aws: eu-west-1 EC2 left out");
	t_ok(has_addr(e, "198.51.100.1", NULL), "aws: S3 left out");
	t_ok(has_addr(e, "198.51.100.130", NULL), "aws: EC2_INSTANCE_CONNECT "
	    "is not EC2");
	t_ok(has_addr(e, "2001:db8:2000::1", NULL), "aws: no IPv6 from "
	    "prefixes");
	entries_unref(e);

	e = run_file("aws-ip-ranges.json",
	    "ipv6_prefixes[?service=EC2].ipv6_prefix", &st);
	t_int((long long)st.added, 2, "aws v6: 2 EC2 prefixes");
	t_int(count(e), 2, "aws v6: 2 entries");
	t_ok(has_addr(e, "2001:db8:2000::1", "2001:db8:2000::/40"),
	    "aws v6: us-east-1");
	t_ok(has_addr(e, "2001:db8:30ff::1", "2001:db8:3000::/40"),
	    "aws v6: eu-west-1");
	t_ok(has_addr(e, "2001:db8:1000::1", NULL), "aws v6: AMAZON left out");
	t_ok(has_addr(e, "2001:db8:4000::1", NULL), "aws v6: S3 left out");
	entries_unref(e);

	e = run_file("aws-ip-ranges.json",
	    "prefixes[?service=EC2&region=us-east-1].ip_prefix, "
	    "ipv6_prefixes[?service=EC2&region=us-east-1].ipv6_prefix", &st);
	t_int(count(e), 3, "aws: both families of us-east-1 EC2");
	t_ok(has_addr(e, "192.0.2.70", "192.0.2.64/26") &&
	    has_addr(e, "2001:db8:2000::1", "2001:db8:2000::/40") &&
	    has_addr(e, "2001:db8:3000::1", NULL), "aws: both families: "
	    "lookups");
	entries_unref(e);

	e = run_file("aws-ip-ranges.json", "prefixes[].ip_prefix", &st);
	t_int((long long)st.added, 7, "aws: all 7 prefixes taken");
	t_int(count(e), 6, "aws: the prefix listed twice merged");
	t_ok(has_addr(e, "203.0.113.1", "203.0.113.0/24"), "aws: CLOUDFRONT");
	entries_unref(e);

	e = run_file("aws-ip-ranges.json", "prefixes[?service!=EC2].ip_prefix",
	    &st);
	t_int((long long)st.added, 4, "aws: != keeps the 4 others");
	t_ok(has_addr(e, "192.0.2.5", "192.0.2.0/26") &&
	    has_addr(e, "198.51.100.1", "198.51.100.0/25") &&
	    has_addr(e, "198.51.100.130", "198.51.100.128/27") &&
	    has_addr(e, "192.0.2.70", NULL) && has_addr(e, "192.0.2.130", NULL),
	    "aws: != lookups");
	entries_unref(e);

	e = run_file("aws-ip-ranges.json",
	    "prefixes[?service=EC2&region!=us-east-1].ip_prefix", &st);
	t_int(count(e), 1, "aws: = and != together");
	t_ok(has_addr(e, "192.0.2.130", "192.0.2.128/26"), "aws: EC2 outside "
	    "us-east-1");
	entries_unref(e);

	e = run_file("aws-ip-ranges.json",
	    "prefixes[?service=EC2&region=us-east-1&network_border_group="
	    "us-east-1].ip_prefix", &st);
	t_int(count(e), 1, "aws: three conditions");
	entries_unref(e);

	e = run_file("aws-ip-ranges.json", "prefixes[?service=ec2].ip_prefix",
	    &st);
	t_int(count(e), 0, "aws: values compare case-sensitively");
	entries_unref(e);
}

static void
m365(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("m365-endpoints.json", "[].ips[]", &st);
	t_ok(e != NULL, "m365: [].ips[] parses");
	t_int((long long)st.added, 7, "m365: 7 ips; endpoints without ips "
	    "skipped");
	t_int((long long)st.bad, 0, "m365: missing ips are not bad");
	t_int(count(e), 7, "m365: 7 entries");
	t_ok(has_addr(e, "192.0.2.153", "192.0.2.152/31"),
	    "m365: Exchange /31");
	t_ok(has_addr(e, "198.51.100.70", "198.51.100.64/26"),
	    "m365: SharePoint");
	t_ok(has_addr(e, "203.0.113.1", "203.0.113.0/25"), "m365: Common");
	t_ok(has_addr(e, "2001:db8:8::1", "2001:db8:8::/48"), "m365: IPv6");
	t_ok(has_addr(e, "203.0.113.200", NULL), "m365: outside");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[?serviceArea=Exchange].ips[]",
	    &st);
	t_int((long long)st.added, 3, "m365: Exchange: 3 ips");
	t_ok(has_addr(e, "198.51.100.1", "198.51.100.0/26") &&
	    has_addr(e, "2001:db8:6::1", "2001:db8:6::/48") &&
	    has_addr(e, "198.51.100.70", NULL) &&
	    has_addr(e, "203.0.113.1", NULL), "m365: Exchange only");
	entries_unref(e);

	e = run_file("m365-endpoints.json",
	    "[?serviceAreaDisplayName=Exchange Online&required!=x].ips[]",
	    &st);
	t_int((long long)st.added, 3, "m365: a value with a blank; != on a "
	    "boolean member keeps");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[].urls[]", &st);
	t_int((long long)st.added, 9, "m365: 9 urls taken");
	t_int((long long)st.bad, 0, "m365: autodiscover.*.onmicrosoft.com "
	    "is a pattern too");
	t_ok(has_name(e, "autodiscover.contoso.onmicrosoft.com") &&
	    !has_name(e, "autodiscover.a.b.onmicrosoft.com"),
	    "m365: a * within one label");
	t_int(count(e), 7, "m365: 7 distinct names");
	t_ok(has_name(e, "outlook.office365.com"), "m365: a name");
	t_ok(has_name(e, "x.outlook.com") && !has_name(e, "outlook.com"),
	    "m365: *.outlook.com");
	t_ok(has_name(e, "contoso.sharepoint.com"), "m365: *.sharepoint.com");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[].ips[], [].urls[]", &st);
	t_int(count(e), 14, "m365: ips and urls joined");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[].id", &st);
	t_int((long long)st.bad, 5, "m365: numbers are bad");
	t_str(st.first_bad, "1", "m365: the first number");
	entries_unref(e);
}

static void
azure(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("azure-servicetags.json",
	    "values[?name=AzureCloud.westeurope].properties.addressPrefixes[]",
	    &st);
	t_ok(e != NULL, "azure: westeurope parses");
	t_int((long long)st.added, 3, "azure: 3 prefixes");
	t_int(count(e), 3, "azure: 3 entries");
	t_ok(has_addr(e, "198.51.100.7", "198.51.100.0/24"), "azure: v4 /24");
	t_ok(has_addr(e, "203.0.113.70", "203.0.113.64/26"), "azure: v4 /26");
	t_ok(has_addr(e, "2001:db8:44ff::1", "2001:db8:4400::/40"),
	    "azure: v6");
	t_ok(has_addr(e, "203.0.113.130", NULL), "azure: northeurope left out");
	t_ok(has_addr(e, "192.0.2.119", NULL), "azure: ActionGroup left out");
	entries_unref(e);

	e = run_file("azure-servicetags.json",
	    "values[].properties.addressPrefixes[]", &st);
	t_int(count(e), 12, "azure: every tag");
	t_ok(has_addr(e, "192.0.2.119", "192.0.2.119"), "azure: a /32 is an "
	    "address");
	t_ok(has_addr(e, "2001:db8:c06:1::481", "2001:db8:c06:1::480/123"),
	    "azure: v6 /123");
	entries_unref(e);

	e = run_file("azure-servicetags.json",
	    "values[?name!=ActionGroup&id!=AzureCloud.northeurope]"
	    ".properties.addressPrefixes[]", &st);
	t_int(count(e), 8, "azure: two != conditions");
	entries_unref(e);

	e = run_file("azure-servicetags.json",
	    "values[].properties.networkFeatures", &st);
	t_int((long long)st.bad, 6, "azure: arrays selected are bad");
	t_str(st.first_bad, "[...]", "azure: an array, described");
	t_int(count(e), 0, "azure: nothing from arrays");
	entries_unref(e);
}

static void
github(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("github-meta.json", "hooks[], web[]", &st);
	t_ok(e != NULL, "github: hooks and web parse");
	t_int((long long)st.added, 7, "github: 7 taken");
	t_int(count(e), 5, "github: 5 distinct");
	t_ok(has_addr(e, "192.0.2.1", "192.0.2.0/26"), "github: both lists");
	t_ok(has_addr(e, "198.51.100.1", "198.51.100.0/25"), "github: hooks");
	t_ok(has_addr(e, "203.0.113.99", "203.0.113.99"), "github: web /32");
	t_ok(has_addr(e, "2001:db8:a440::1", "2001:db8:a440::/48"),
	    "github: v6");
	t_ok(has_addr(e, "203.0.113.200", NULL), "github: api left out");
	t_ok(has_addr(e, "198.51.100.130", NULL), "github: actions left out");
	entries_unref(e);

	e = run_file("github-meta.json", "hooks[],web[],api[],git[],actions[]",
	    &st);
	t_int(count(e), 8, "github: five lists, no blanks");
	entries_unref(e);

	e = run_file("github-meta.json", "domains.website[], domains.copilot[]",
	    &st);
	/* github.com and *.github.com count as one name. */
	t_int((long long)st.added, 4, "github: 4 domains taken");
	t_int(count(e), 3, "github: 3 names");
	t_ok(has_name(e, "github.com") && has_name(e, "api.github.com") &&
	    has_name(e, "x.github.dev") && has_name(e, "a.githubcopilot.com")
	    && !has_name(e, "githubcopilot.com"), "github: domain lookups");
	entries_unref(e);

	e = run_file("github-meta.json", "ssh_key_fingerprints", &st);
	t_int((long long)st.bad, 1, "github: an object selected is bad");
	t_str(st.first_bad, "{...}", "github: an object, described");
	entries_unref(e);

	e = run_file("github-meta.json", "verifiable_password_authentication",
	    &st);
	t_int((long long)st.bad, 1, "github: false is bad");
	t_str(st.first_bad, "false", "github: false, described");
	entries_unref(e);

	e = run_file("github-meta.json", "ssh_keys[]", &st);
	t_int((long long)st.bad, 1, "github: a key is no entry");
	t_int(count(e), 0, "github: no entry from ssh_keys");
	entries_unref(e);

	e = run_file("github-meta.json", "hooks", &st);
	t_int((long long)st.bad, 1, "github: hooks without [] is an array, "
	    "bad");
	entries_unref(e);
}

/* M365: required, expressRoute and notes as JSON publishes them. */
static void
m365_typed(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("m365-endpoints.json", "[?required=true].urls[]", &st);
	t_int((long long)st.added, 5, "m365: required=true, a JSON boolean");
	t_int(count(e), 5, "m365: the urls of the 3 required sets");
	t_ok(has_name(e, "outlook.office365.com") &&
	    has_name(e, "contoso.sharepoint.com") &&
	    has_name(e, "login.microsoftonline.com") &&
	    !has_name(e, "x.outlook.com"), "m365: required lookups");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[?required=false].urls[]", &st);
	t_ok(count(e) == 4 && has_name(e, "x.outlook.com") &&
	    has_name(e, "autodiscover.contoso.onmicrosoft.com") &&
	    !has_name(e, "contoso.sharepoint.com"), "m365: required=false");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[?required=\"true\"].urls[]",
	    &st);
	t_int(count(e), 0, "m365: \"true\" in quotes is a string");
	entries_unref(e);

	e = run_file("m365-endpoints.json",
	    "[?category=Optimize&required=true&expressRoute=true].ips[]", &st);
	t_int(count(e), 5, "m365: the Optimize ips");
	t_ok(has_addr(e, "192.0.2.153", "192.0.2.152/31") &&
	    has_addr(e, "198.51.100.70", "198.51.100.64/26") &&
	    has_addr(e, "203.0.113.1", NULL), "m365: Optimize lookups");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[?id=31].ips[], [?id=46.0].ips[]",
	    &st);
	t_ok(count(e) == 4 && has_addr(e, "198.51.100.70", "198.51.100.64/26")
	    && has_addr(e, "203.0.113.1", "203.0.113.0/25"), "m365: id, a "
	    "number, written 31 and 46.0");
	entries_unref(e);

	e = run_file("m365-endpoints.json", "[?notes!=null].ips[]", &st);
	t_ok(count(e) == 2 && has_addr(e, "203.0.113.1", "203.0.113.0/25"),
	    "m365: notes!=null keeps the set with notes");
	entries_unref(e);
	e = run_file("m365-endpoints.json", "[?notes=null].ips[]", &st);
	t_ok(count(e) == 5 && has_addr(e, "203.0.113.1", NULL),
	    "m365: notes=null: a missing member counts as null");
	entries_unref(e);
}

/* Filters on booleans, numbers and null, one kind at a time. */
static void
typed(void)
{
	struct parse_stats	 st;
	struct entries		*e;
	const char		*body = "{\"a\": ["
	    "{\"k\": true, \"v\": \"192.0.2.1\"},"
	    "{\"k\": false, \"v\": \"192.0.2.2\"},"
	    "{\"k\": null, \"v\": \"192.0.2.3\"},"
	    "{\"v\": \"192.0.2.4\"},"
	    "{\"k\": 443, \"v\": \"192.0.2.5\"},"
	    "{\"k\": 4.43e2, \"v\": \"192.0.2.6\"},"
	    "{\"k\": \"443\", \"v\": \"192.0.2.7\"},"
	    "{\"k\": \"true\", \"v\": \"192.0.2.8\"},"
	    "{\"k\": -0.5, \"v\": \"192.0.2.9\"},"
	    "{\"k\": [443], \"v\": \"192.0.2.10\"},"
	    "{\"k\": {\"x\": true}, \"v\": \"192.0.2.11\"}"
	    "]}";
	static const struct {
		const char	*path;
		const char	*want;	/* the last octets selected */
	} cases[] = {
		{ "a[?k=true].v", "1 8" },
		{ "a[?k=\"true\"].v", "8" },
		{ "a[?k=false].v", "2" },
		{ "a[?k=null].v", "3 4" },
		{ "a[?k!=null].v", "1 2 5 6 7 8 9 10 11" },
		{ "a[?k=443].v", "5 6 7" },
		{ "a[?k=443.0].v", "5 6" },
		{ "a[?k=4.43E+2].v", "5 6" },
		{ "a[?k=\"443\"].v", "7" },
		{ "a[?k=-0.5].v", "9" },
		{ "a[?k=-5e-1].v", "9" },
		{ "a[?k!=443].v", "1 2 3 4 8 9 10 11" },
		{ "a[?k=0443].v", "" },
		{ "a[?k=True].v", "" },
		{ "a[?k~=443].v", "10" },
		{ "a[?k~=\"443\"].v", "" },
		{ "a[?k.x=true].v", "11" },
		{ "a[?k.x!=true].v", "1 2 3 4 5 6 7 8 9 10" },
		{ "a[?k.x=null].v", "1 2 3 4 5 6 7 8 9 10" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	 got[64] = "", a[32];

		e = run(body, cases[i].path, &st);
		for (int k = 1; k <= 11; k++) {
			snprintf(a, sizeof(a), "192.0.2.%d", k);
			if (has_addr(e, a, a))
				snprintf(got + strlen(got), sizeof(got) -
				    strlen(got), "%s%d", got[0] ? " " : "", k);
		}
		t_str(got, cases[i].want, "typed: %s", cases[i].path);
		entries_unref(e);
	}
}

/* Atlassian: product, direction and region are arrays. */
static void
atlassian(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("atlassian-ip-ranges.json",
	    "items[?product~=jira&direction~=egress].cidr", &st);
	t_ok(e != NULL, "atlassian: jira egress parses");
	t_int((long long)st.added, 4, "atlassian: 4 jira egress ranges");
	t_int((long long)st.bad, 0, "atlassian: none bad");
	t_ok(has_addr(e, "192.0.2.1", "192.0.2.0/26") &&
	    has_addr(e, "198.51.100.17", "198.51.100.16/28") &&
	    has_addr(e, "2001:db8:3000::1", "2001:db8:3000::/36") &&
	    has_addr(e, "2001:db8:3208:5::1", "2001:db8:3208:5::/64"),
	    "atlassian: jira egress lookups");
	t_ok(has_addr(e, "198.51.100.1", NULL), "atlassian: bitbucket ingress "
	    "left out");
	t_ok(has_addr(e, "203.0.113.1", NULL), "atlassian: trello left out");
	t_ok(has_addr(e, "203.0.113.129", NULL), "atlassian: jira ingress only "
	    "left out");
	entries_unref(e);

	e = run_file("atlassian-ip-ranges.json",
	    "items[?region~=global].cidr", &st);
	t_int(count(e), 2, "atlassian: global");
	entries_unref(e);

	e = run_file("atlassian-ip-ranges.json", "items[?product=jira].cidr",
	    &st);
	t_int(count(e), 0, "atlassian: = never equals an array");
	entries_unref(e);
}

/* Azure: systemService and region are inside properties. */
static void
azure_nested(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("azure-servicetags.json",
	    "values[?properties.systemService=AzureStorage&"
	    "properties.region=westeurope].properties.addressPrefixes[]", &st);
	t_ok(e != NULL, "azure: storage in westeurope parses");
	t_int(count(e), 2, "azure: 2 prefixes of Storage.WestEurope");
	t_ok(has_addr(e, "192.0.2.40", "192.0.2.32/28") &&
	    has_addr(e, "2001:db8:4600::1", "2001:db8:4600::/48") &&
	    has_addr(e, "192.0.2.50", NULL) && has_addr(e, "198.51.100.1", NULL),
	    "azure: storage lookups");
	entries_unref(e);

	e = run_file("azure-servicetags.json",
	    "values[?properties.region=westeurope].properties."
	    "addressPrefixes[]", &st);
	t_int(count(e), 5, "azure: everything in westeurope");
	entries_unref(e);

	e = run_file("azure-servicetags.json",
	    "values[?properties.systemService=AzureFrontDoor].properties."
	    "addressPrefixes[]", &st);
	t_ok(count(e) == 2 && has_addr(e, "192.0.2.70", "192.0.2.64/27"),
	    "azure: AzureFrontDoor");
	entries_unref(e);

	e = run_file("azure-servicetags.json",
	    "values[?properties.networkFeatures~=VSE&properties.regionId=17]"
	    ".properties.addressPrefixes[]", &st);
	t_ok(count(e) == 2 && has_addr(e, "203.0.113.130", "203.0.113.128/25"),
	    "azure: ~= and a number, nested");
	entries_unref(e);
}

/* Okta: ranges keyed by cell. */
static void
okta(void)
{
	struct parse_stats	 st;
	struct entries		*e;
	char			 path[1024] = "", err[256];
	int			 n;

	e = run_file("okta-ip-ranges.json", "*.ip_ranges[]", &st);
	t_ok(e != NULL, "okta: *.ip_ranges[] parses");
	t_int((long long)st.added, 48, "okta: 2 ranges of each of 24 cells");
	t_int(count(e), 48, "okta: 48 entries");
	t_ok(has_addr(e, "192.0.2.1", "192.0.2.0/29") &&
	    has_addr(e, "192.0.2.190", "192.0.2.184/29") &&
	    has_addr(e, "198.51.100.24", "198.51.100.24"), "okta: the first "
	    "and last cells");
	entries_unref(e);

	/* The 18 US cells, one path each, as an admin lists them. */
	for (n = 1; n <= 18; n++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    "%sus_cell_%d.ip_ranges[]", n > 1 ? ", " : "", n);
	e = run_file("okta-ip-ranges.json", path, &st);
	t_int(count(e), 36, "okta: 18 US cells by name");
	t_ok(has_addr(e, "198.51.100.18", "198.51.100.18") &&
	    has_addr(e, "198.51.100.19", NULL), "okta: emea_cell_1 left out");
	entries_unref(e);

	/* Every cell by name: 24 paths, past the 512 characters of old. */
	for (n = 1; n <= 4; n++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    ", emea_cell_%d.ip_ranges[]", n);
	strcat(path, ", apac_cell_1.ip_ranges[], apac_cell_2.ip_ranges[]");
	t_ok(strlen(path) > 512, "okta: the 24 paths are %zu characters",
	    strlen(path));
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "okta: 24 paths compile");
	e = run_file("okta-ip-ranges.json", path, &st);
	t_int(count(e), 48, "okta: 24 cells by name");
	entries_unref(e);
}

/* Zscaler: cloud, then continent, then city, then the ranges. */
static void
zscaler(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run_file("zscaler-cenr.json", "\"zscaler.net\".*.*[].range", &st);
	t_ok(e != NULL, "zscaler: every city parses");
	t_int((long long)st.added, 6, "zscaler: 6 ranges");
	t_int(count(e), 6, "zscaler: 6 entries");
	t_ok(has_addr(e, "192.0.2.1", "192.0.2.0/27") &&
	    has_addr(e, "2001:db8:4a00::1", "2001:db8:4a00::/40") &&
	    has_addr(e, "198.51.100.100", "198.51.100.64/26") &&
	    has_addr(e, "203.0.113.1", "203.0.113.0/26"), "zscaler: lookups");
	entries_unref(e);

	e = run_file("zscaler-cenr.json",
	    "\"zscaler.net\".\"continent : EMEA\".*[].range", &st);
	t_int(count(e), 3, "zscaler: EMEA only");
	t_ok(has_addr(e, "192.0.2.40", "192.0.2.32/27") &&
	    has_addr(e, "198.51.100.1", NULL) && has_addr(e, "203.0.113.1",
	    NULL), "zscaler: EMEA lookups");
	entries_unref(e);

	e = run_file("zscaler-cenr.json", "*.*.\"city : Atlanta II\"[?vpn!=\"\"]"
	    ".range", &st);
	t_ok(count(e) == 1 && has_addr(e, "198.51.100.1", "198.51.100.0/26"),
	    "zscaler: one city, the ranges with a VPN host");
	entries_unref(e);

	e = run_file("zscaler-cenr.json", "*.*.*.range", &st);
	t_int((long long)st.bad, 4, "zscaler: * over an array is bad");
	t_int(count(e), 0, "zscaler: * over arrays selects nothing");
	entries_unref(e);

	e = run("{\"a\": {\"x\": \"192.0.2.1\", \"y\": null, \"z\": 5}}",
	    "a.*", &st);
	t_ok(count(e) == 1 && st.bad == 1, "*: strings taken, null skipped, "
	    "a number bad");
	entries_unref(e);
	e = run("{\"*\": [\"192.0.2.1\"], \"b\": [\"192.0.2.2\"]}", "\"*\"[]",
	    &st);
	t_ok(count(e) == 1 && has_addr(e, "192.0.2.1", "192.0.2.1"),
	    "*: in quotes, a member named *");
	entries_unref(e);
}

/*
 * What jsonpath_parse notes for the log (the caller logs it: the list
 * thread logs nothing) while path is read over body, one a line.
 */
static void
warnings(const char *body, size_t len, const char *path, char *out,
    size_t size)
{
	struct parse_stats	 st;
	char			 err[512];

	entries_unref(run_len(body, len, path, &st, err, sizeof(err)));
	snprintf(out, size, "%s%s", st.no_match, st.no_match[0] != '\0' ?
	    "\n" : "");
}

/* A path that selects nothing says what it met, where. */
static void
misses(void)
{
	static const struct {
		const char	*file;	/* NULL: body is the JSON */
		const char	*body;
		const char	*path;
		const char	*want;
	} cases[] = {
		{ "m365-endpoints.json", NULL, "[?required=\"true\"].ips[]",
		    "json_path \"[?required=\"true\"].ips[]\" selects nothing: "
		    "no element of the top level passes [?required=\"true\"]: "
		    "the first has required = true\n" },
		{ "okta-ip-ranges.json", NULL, "us_cell_99.ip_ranges[]",
		    "json_path \"us_cell_99.ip_ranges[]\" selects nothing: the "
		    "top level has no member \"us_cell_99\"; its members: "
		    "us_cell_1, us_cell_2, us_cell_3, us_cell_4, us_cell_5, "
		    "us_cell_6, ... (24 in all)\n" },
		{ "aws-ip-ranges.json", NULL, "prefixes.ip_prefix",
		    "json_path \"prefixes.ip_prefix\" selects nothing: "
		    "\"prefixes\" is an array of 7, not an object\n" },
		{ "aws-ip-ranges.json", NULL, "prefixes[].ip_prefx",
		    "json_path \"prefixes[].ip_prefx\" selects nothing: "
		    "\"prefixes[]\" has no member \"ip_prefx\"; its members: "
		    "ip_prefix, region, service, network_border_group\n" },
		{ "atlassian-ip-ranges.json", NULL, "items[?product=jira].cidr",
		    "json_path \"items[?product=jira].cidr\" selects nothing: "
		    "no element of \"items\" passes [?product=jira]: the first "
		    "has product = an array of 7\n" },
		{ "azure-servicetags.json", NULL,
		    "values[?properties.systemservice=AzureStorage].properties."
		    "addressPrefixes[]",
		    "json_path \"values[?properties.systemservice=AzureStorage]"
		    ".properties.addressPrefixes[]\" selects nothing: no "
		    "element of \"values\" passes [?properties.systemservice="
		    "AzureStorage]: the first has no properties.systemservice "
		    "(its members: changeNumber, region, regionId, platform, "
		    "systemService, addressPrefixes, ... (7 in all))\n" },
		{ "zscaler-cenr.json", NULL, "*.*[].range",
		    "json_path \"*.*[].range\" selects nothing: \"*.*\" is an "
		    "object, not an array\n" },
		{ "m365-endpoints.json", NULL, "[].ips[], [].ipz[]",
		    "json_path \"[].ipz[]\" selects nothing: \"[]\" has no "
		    "member \"ipz\"; its members: id, serviceArea, "
		    "serviceAreaDisplayName, urls, ips, tcpPorts, ... (9 in "
		    "all)\n" },
		{ "m365-endpoints.json", NULL, "[].id", "" },
		{ NULL, "[]", "[].ips[]", "json_path \"[].ips[]\" selects "
		    "nothing: the top level is an empty array\n" },
		{ NULL, "{}", "*", "json_path \"*\" selects nothing: the top "
		    "level is an empty object\n" },
		{ NULL, "null", "a", "json_path \"a\" selects nothing: the top "
		    "level is null\n" },
		{ NULL, "{\"a\": null}", "a[]", "json_path \"a[]\" selects "
		    "nothing: \"a\" is null\n" },
		{ NULL, "\"x\"", "a", "json_path \"a\" selects nothing: the top "
		    "level is the string \"x\", not an object\n" },
		{ NULL, "{\"a\": [{\"x\": 1}, {\"b\": []}]}", "a[].b[]",
		    "json_path \"a[].b[]\" selects nothing: \"a[].b\" is an "
		    "empty array\n" },
		{ NULL, "{\"a\": [5, {\"k\": {\"m\": 1}}]}", "a[?k.m.n=1]",
		    "json_path \"a[?k.m.n=1]\" selects nothing: no element of "
		    "\"a\" passes [?k.m.n=1]: the first is the number 5\n" },
		{ NULL, "{\"a\": [{\"k\": {\"m\": 1}}]}", "a[?k.m.n=1]",
		    "json_path \"a[?k.m.n=1]\" selects nothing: no element of "
		    "\"a\" passes [?k.m.n=1]: the first has no k.m.n (on the "
		    "way: the number 1)\n" },
		{ NULL, "{\"a\": [{}]}", "a[?k=1]",
		    "json_path \"a[?k=1]\" selects nothing: no element of "
		    "\"a\" passes [?k=1]: the first has no k (it has no "
		    "members)\n" },
	};
	char	 got[2048];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t	 len;
		char	*body = cases[i].file ? read_data(cases[i].file, &len) :
			    NULL;

		if (body == NULL)
			len = strlen(cases[i].body);
		warnings(body ? body : cases[i].body, len, cases[i].path, got,
		    sizeof(got));
		t_str(got, cases[i].want, "misses: %s", cases[i].path);
		free(body);
	}
}

/* The paths of README.md's vendor table, over the excerpts. */
static void
readme_paths(void)
{
	static const struct {
		const char	*file;
		const char	*path;
		long long	 entries;
	} cases[] = {
		{ "aws-ip-ranges.json", "prefixes[?service=EC2&region=us-east-1]"
		    ".ip_prefix, ipv6_prefixes[?service=EC2&region=us-east-1]"
		    ".ipv6_prefix", 3 },
		{ "m365-endpoints.json", "[?category=Optimize&required=true]"
		    ".ips[]", 5 },
		{ "m365-endpoints.json", "[?required=true].urls[]", 5 },
		{ "azure-servicetags.json", "values[?properties.systemService="
		    "AzureStorage&properties.region=westeurope].properties."
		    "addressPrefixes[]", 2 },
		{ "github-meta.json", "hooks[], web[]", 5 },
		{ "atlassian-ip-ranges.json", "items[?product~=jira&"
		    "direction~=egress].cidr", 4 },
		{ "okta-ip-ranges.json", "*.ip_ranges[]", 48 },
		{ "okta-ip-ranges.json", "us_cell_1.ip_ranges[], "
		    "us_cell_2.ip_ranges[]", 4 },
		{ "zscaler-cenr.json", "\"zscaler.net\".*.*[].range", 6 },
		{ "zscaler-cenr.json", "\"zscaler.net\".\"continent : EMEA\""
		    ".*[].range", 3 },
	};
	struct parse_stats	 st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct entries *e = run_file(cases[i].file, cases[i].path,
		    &st);

		t_int(count(e), cases[i].entries, "readme: %s over %s",
		    cases[i].path, cases[i].file);
		t_int((long long)st.bad, 0, "readme: %s: none bad",
		    cases[i].path);
		entries_unref(e);
	}
}

static void
selection(void)
{
	struct parse_stats	 st;
	struct entries		*e;
	const char		*mixed =
	    "{\"a\": [1, \"192.0.2.1\", true, null, "
	    "{\"x\": 1}, [1], 2.5, false, \"\", \"192.0.2.2/24\", "
	    "\"10.0.0.0/7\", \"2001::/16\", \"b.example\"]}";

	e = run(mixed, "a[]", &st);
	t_int((long long)st.added, 3, "mixed: 3 entries taken");
	t_int((long long)st.bad, 7, "mixed: 1, true, {}, [], 2.5, false and "
	    "\"\" bad; null skipped");
	t_str(st.first_bad, "1", "mixed: the first bad is 1");
	t_int(st.first_bad_line, 0, "mixed: no line number");
	t_int((long long)st.host_bits, 1, "mixed: host bits counted");
	t_ok(has_addr(e, "192.0.2.200", "192.0.2.0/24"), "mixed: host bits "
	    "cleared");
	t_int((long long)st.too_broad, 2, "mixed: 2 too broad");
	t_str(st.first_broad, "10.0.0.0/7", "mixed: the first too broad");
	t_ok(has_name(e, "b.example"), "mixed: a name");
	entries_unref(e);

	e = run("{\"a\": [2.5, 1e3, 12345678901234567890123]}", "a[]", &st);
	t_int((long long)st.bad, 3, "numbers: bad, big ones too");
	t_str(st.first_bad, "2.5", "numbers: 2.5 described");
	entries_unref(e);

	e = run("{\"a\": [[\"192.0.2.1\", \"192.0.2.2\"], [], "
	    "[\"192.0.2.3\"], \"192.0.2.4\"]}", "a[][]", &st);
	t_int((long long)st.added, 3, "nested: a[][] takes 3");
	t_int((long long)st.bad, 1, "nested: a string where an array is "
	    "wanted is bad");
	t_str(st.first_bad, "192.0.2.4", "nested: the string, described");
	entries_unref(e);

	e = run("[[\"192.0.2.1\"], [\"192.0.2.2\", \"192.0.2.3\"]]", "[][]",
	    &st);
	t_int(count(e), 3, "nested: [][] from the top");
	entries_unref(e);

	e = run("[{\"v\": [{\"w\": [\"192.0.2.1\"]}]}, {\"v\": [{\"w\": "
	    "[\"192.0.2.2\"]}, {\"w\": null}, {}]}]", "[].v[].w[]", &st);
	t_int(count(e), 2, "nested: [].v[].w[]");
	t_int((long long)st.bad, 0, "nested: null and missing are not bad");
	entries_unref(e);

	e = run("{\"a\": {\"b\": {\"c\": \"192.0.2.9\"}}}", "a.b.c", &st);
	t_ok(has_addr(e, "192.0.2.9", "192.0.2.9"), "members: a.b.c");
	entries_unref(e);

	e = run("{\"a\": {\"b\": 1}}", "a[].b", &st);
	t_int((long long)st.bad, 1, "mismatch: an object where an array is "
	    "wanted");
	t_str(st.first_bad, "{...}", "mismatch: described");
	entries_unref(e);

	e = run("{\"a\": [\"192.0.2.1\"]}", "a.b", &st);
	t_int((long long)st.bad, 1, "mismatch: an array where an object is "
	    "wanted");
	entries_unref(e);

	e = run("{\"a\": null, \"b\": {}}", "a[], b.c, c, a.x", &st);
	t_int((long long)(st.bad + st.added), 0, "absent: null and missing "
	    "members select nothing");
	t_int(count(e), 0, "absent: no entries");
	entries_unref(e);

	/* Filters. */
	{
		const char *body = "{\"a\": ["
		    "{\"k\": \"x&y]\", \"v\": \"192.0.2.1\"},"
		    "{\"k\": \"x\", \"j\": \"1\", \"v\": \"192.0.2.2\"},"
		    "{\"k\": \"\", \"v\": \"192.0.2.3\"},"
		    "{\"v\": \"192.0.2.4\"},"
		    "{\"k\": 5, \"v\": \"192.0.2.5\"},"
		    "\"192.0.2.6\", [\"192.0.2.7\"], null,"
		    "{\"we\\\"ird\": \"y\", \"v\": \"192.0.2.8\"}"
		    "]}";

		e = run(body, "a[?k=\"x&y]\"].v", &st);
		t_ok(count(e) == 1 && has_addr(e, "192.0.2.1", "192.0.2.1"),
		    "filter: a quoted value with & and ]");
		entries_unref(e);
		e = run(body, "a[?k=\"\"].v", &st);
		t_ok(count(e) == 1 && has_addr(e, "192.0.2.3", "192.0.2.3"),
		    "filter: the empty string, quoted");
		entries_unref(e);
		e = run(body, "a[?k=x].v", &st);
		t_ok(count(e) == 1 && has_addr(e, "192.0.2.2", "192.0.2.2"),
		    "filter: =");
		t_int((long long)st.bad, 0, "filter: elements that are no "
		    "object are left out, not bad");
		entries_unref(e);
		e = run(body, "a[?k!=x].v", &st);
		t_int(count(e), 5, "filter: != keeps missing and non-string "
		    "members");
		t_ok(has_addr(e, "192.0.2.2", NULL) &&
		    has_addr(e, "192.0.2.6", NULL) &&
		    has_addr(e, "192.0.2.5", "192.0.2.5"),
		    "filter: != lookups");
		entries_unref(e);
		e = run(body, "a[?k=x&j=1].v", &st);
		t_int(count(e), 1, "filter: & both hold");
		entries_unref(e);
		e = run(body, "a[?k=x&j=2].v", &st);
		t_int(count(e), 0, "filter: & one fails");
		entries_unref(e);
		e = run(body, "a[?k=x&j!=2].v", &st);
		t_int(count(e), 1, "filter: = & !=");
		entries_unref(e);
		e = run(body, "a[?k=5].v", &st);
		t_ok(count(e) == 1 && has_addr(e, "192.0.2.5", "192.0.2.5"),
		    "filter: a plain number equals the number");
		entries_unref(e);
		e = run(body, "a[?k=\"5\"].v", &st);
		t_int(count(e), 0, "filter: a quoted value equals strings only");
		entries_unref(e);
		e = run(body, "a[?\"we\\\"ird\"=y].\"v\"", &st);
		t_ok(count(e) == 1 && has_addr(e, "192.0.2.8", "192.0.2.8"),
		    "filter: quoted key with an escaped quote, quoted member");
		entries_unref(e);
		e = run(body, "a[?k=x], a[?k=\"\"]", &st);
		t_int((long long)st.bad, 2, "filter: ending at a filter "
		    "selects the objects: bad");
		entries_unref(e);
		e = run(body, "a[?k=x].v, a[?k=x].v", &st);
		t_ok(st.added == 2 && count(e) == 1, "filter: the same path "
		    "twice adds twice, merged");
		entries_unref(e);
	}

	e = run("{\"a\": \"192.0.2.1\\u0000x\"}", "a", &st);
	t_int((long long)st.bad, 1, "a string holding NUL is bad");
	t_int(count(e), 0, "NUL: no entry");
	entries_unref(e);

	e = run("{\"a\": [\"192.0.2.1\"], \"a\": [\"192.0.2.2\"]}", "a[]", &st);
	t_int(count(e), 1, "duplicate members: one of them");
	entries_unref(e);

	e = run("{\"a b\": [\"192.0.2.1\"], \"\": [\"192.0.2.2\"]}",
	    "\"a b\"[], \"\"[]", &st);
	t_int(count(e), 2, "quoted member names, blank and empty");
	entries_unref(e);
}

static void
scalars_and_empty(void)
{
	struct parse_stats	 st;
	struct entries		*e;

	e = run("\"192.0.2.1\"", "[]", &st);
	t_ok(e != NULL, "a body that is a JSON string parses");
	t_int((long long)st.bad, 1, "string body: counted bad");
	t_str(st.first_bad, "192.0.2.1", "string body: described");
	t_int(count(e), 0, "string body: no entries");
	entries_unref(e);

	e = run("42", "prefixes[].ip_prefix", &st);
	t_ok(e != NULL, "a body that is a JSON number parses");
	t_int((long long)st.bad, 1, "number body: counted bad");
	t_str(st.first_bad, "42", "number body: described");
	t_int(count(e), 0, "number body: no entries");
	entries_unref(e);

	e = run("null", "a", &st);
	t_ok(e != NULL && st.bad == 0 && count(e) == 0, "a null body selects "
	    "nothing");
	entries_unref(e);

	e = run("[]", "[]", &st);
	t_ok(e != NULL && st.bad == 0 && count(e) == 0, "empty top-level "
	    "array");
	entries_unref(e);

	e = run("{\"prefixes\": []}", "prefixes[].ip_prefix", &st);
	t_ok(e != NULL && st.bad == 0 && count(e) == 0, "empty array member");
	entries_unref(e);

	e = run("{\"a\": [[], [], {}]}", "a[][]", &st);
	t_ok(e != NULL && count(e) == 0 && st.bad == 1, "empty nested "
	    "arrays; an object in their place is bad");
	entries_unref(e);

	e = run("{}", "a[]", &st);
	t_ok(e != NULL && st.bad == 0 && count(e) == 0, "empty object");
	entries_unref(e);
}

struct syntax_case {
	const char	*path;
	const char	*msg;		/* NULL: valid */
};

static void
syntax(void)
{
	static const struct syntax_case cases[] = {
		{ "a", NULL },
		{ "[]", NULL },
		{ "a.b.c", NULL },
		{ "a[].b[][]", NULL },
		{ "[?k=v]", NULL },
		{ "[?k=v].x[]", NULL },
		{ "a[?k=v&k2!=v w&\"k3\"=\"\"].b", NULL },
		{ "  a[] ,\tb[]  ", NULL },
		{ "$schema.ip-v4_x", NULL },
		{ "a[?k=a.b:c/d e'f\"g]", NULL },
		{ "*", NULL },
		{ "*.ip_ranges[]", NULL },
		{ "a.*.*[].b", NULL },
		{ "\"*\".x", NULL },
		{ "[?k=true&k=false&k=null&k=-0.5e+3&k=443]", NULL },
		{ "[?k~=jira&k~=\"\"]", NULL },
		{ "[?a.b.c=v&\"x.y\".\"*\"!=w]", NULL },
		{ "[?k=1e999x]", NULL },
		{ "[?k=1e999]", "number out of range at character 5" },
		{ "[?k=-1e999]", "number out of range at character 5" },
		{ "a*", "unexpected \"*\" at character 2" },
		{ "*a", "unexpected \"a\" at character 2" },
		{ "a.*b", "unexpected \"b\" at character 4" },
		{ "a.**", "unexpected \"*\" at character 4" },
		{ "a~b", "unexpected \"~\" at character 2" },
		{ "[?k~v]", "expected \"=\", \"!=\" or \"~=\" after the filter "
		    "key, found \"~\" at character 4" },
		{ "[?k.=v]", "expected a member name after \".\", found \"=\" "
		    "at character 5" },
		{ "[?.k=v]", "expected a filter key, found \".\" at "
		    "character 3" },
		{ "[?*=v]", "expected a filter key, found \"*\" at "
		    "character 3" },
		{ "[?a.b.c.d.e.f.g.h.i=v]", "more than 8 members in a filter "
		    "key at character 19" },
		{ "\"a.b\".\"c[]\"", NULL },
		{ "", "empty path at character 1" },
		{ "   ", "empty path at character 4" },
		{ "a,", "empty path at character 3" },
		{ ",a", "empty path at character 1" },
		{ "a,,b", "empty path at character 3" },
		{ "a..b", "expected a member name or \"*\" after \".\", found "
		    "\".\" at character 3" },
		{ "a.", "expected a member name or \"*\" after \".\", found end "
		    "of path at character 3" },
		{ ".a", "expected a member name, \"*\" or \"[\", found \".\" "
		    "at character 1" },
		{ "a.[]", "expected a member name or \"*\" after \".\", found "
		    "\"[\" at character 3" },
		{ "a[", "expected \"]\" or \"?\" after \"[\", found end of "
		    "path at character 3" },
		{ "a[x]", "expected \"]\" or \"?\" after \"[\", found \"x\" at "
		    "character 3" },
		{ "a[*]", "expected \"]\" or \"?\" after \"[\", found \"*\" at "
		    "character 3" },
		{ "a[0]", "array indexes are not supported (use [] or "
		    "[?key=value]) at character 3" },
		{ "a[?]", "expected a filter key, found \"]\" at character 4" },
		{ "a[?=v]", "expected a filter key, found \"=\" at "
		    "character 4" },
		{ "a[?k]", "expected \"=\", \"!=\" or \"~=\" after the filter "
		    "key, found \"]\" at character 5" },
		{ "a[?k!v]", "expected \"=\", \"!=\" or \"~=\" after the filter "
		    "key, found \"!\" at character 5" },
		{ "a[?k.x]", "expected \"=\", \"!=\" or \"~=\" after the filter "
		    "key, found \"]\" at character 7" },
		{ "a[?k =v]", "expected \"=\", \"!=\" or \"~=\" after the filter "
		    "key, found blank at character 5" },
		{ "a[?k=]", "empty filter value (write \"\" for the empty "
		    "string) at character 6" },
		{ "a[?k=v&]", "expected a filter key, found \"]\" at "
		    "character 8" },
		{ "a[?k=v", "missing \"]\" after the filter at character 7" },
		{ "a[?k=v&j=w", "missing \"]\" after the filter at character "
		    "11" },
		{ "a[?k=\"v]", "unterminated quoted string at character 6" },
		{ "\"a", "unterminated quoted string at character 1" },
		{ "a[?k=\"v\"x]", "expected \"&\" or \"]\" after a quoted "
		    "value, found \"x\" at character 9" },
		{ "\"a\\x\"", "bad escape in a quoted string (only \\\" and "
		    "\\\\) at character 3" },
		{ "a]", "unexpected \"]\" at character 2" },
		{ "a b", "unexpected \"b\" at character 3" },
		{ "a[]b", "unexpected \"b\" at character 4" },
		{ "a=b", "unexpected \"=\" at character 2" },
		{ "a?", "unexpected \"?\" at character 2" },
		{ "a\x01", "unexpected byte 0x01 at character 2" },
		{ "a\"b\"", "unexpected \"\"\" at character 2" },
	};
	char			 err[512], path[2048], what[600];
	struct jsonpath		*jp;
	size_t			 n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		err[0] = '\0';
		rc = jsonpath_compile(cases[i].path, &jp, err, sizeof(err));
		snprintf(what, sizeof(what), "syntax: '%s'", cases[i].path);
		if (cases[i].msg == NULL) {
			t_ok(rc == 0 && jp != NULL, "%s is valid%s%s", what,
			    rc ? ": " : "", rc ? err : "");
		} else {
			t_ok(rc == -1 && jp == NULL, "%s is refused", what);
			t_str(err, cases[i].msg, "%s: message", what);
		}
		jsonpath_free(jp);
	}
	t_int(jsonpath_compile("a[", NULL, err, sizeof(err)), -1,
	    "syntax: checked without a result");
	t_int(jsonpath_compile("a[]", NULL, err, sizeof(err)), 0,
	    "syntax: valid without a result");

	/* Bounds: length, steps, conditions, paths. */
	memset(path, 'a', 1024);
	path[1024] = '\0';
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "bounds: 1024 characters");
	path[1024] = 'a';
	path[1025] = '\0';
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), -1,
	    "bounds: 1025 characters refused");
	t_str(err, "longer than 1024 characters", "bounds: length message");

	for (n = 0; n < 16; n++)
		memcpy(path + 2 * n, n ? ".a" : "[]", 2);
	path[2 * n] = '\0';
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "bounds: 16 steps");
	strcat(path, "[]");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), -1,
	    "bounds: 17 steps refused");
	t_str(err, "more than 16 steps in one path at character 33",
	    "bounds: steps message");
	strcpy(path, "x, a");
	for (n = 0; n < 15; n++)
		strcat(path, ".a");
	strcat(path, ", y");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "bounds: steps count per path");

	strcpy(path, "a[?k1=v");
	for (n = 2; n <= 8; n++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    "&k%zu=v", n);
	strcat(path, "]");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "bounds: 8 conditions");
	path[strlen(path) - 1] = '\0';
	strcat(path, "&k9=v]");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), -1,
	    "bounds: 9 conditions refused");
	t_str(err, "more than 8 conditions in one filter at character 44",
	    "bounds: conditions message");

	path[0] = '\0';
	for (n = 0; n < 32; n++)
		strcat(path, n ? ",a" : "a");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "bounds: 32 paths");
	strcat(path, ",a");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), -1,
	    "bounds: 33 paths refused");
	t_str(err, "more than 32 paths at character 65", "bounds: paths "
	    "message");
	/* The pools of steps and conditions hold what the bounds let by. */
	path[0] = '\0';
	for (n = 0; n < 32; n++)
		strcat(path, n ? ",[][][][][][][][][][][][][][][]" :
		    "[][][][][][][][][][][][][][][]");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "bounds: 32 paths of 15 steps");
	path[0] = '\0';
	for (n = 0; n < 32; n++)
		strcat(path, n ? ",a[][][][][][][][][][][][][][][]" :
		    "a[][][][][][][][][][][][][][][]");
	t_ok(strlen(path) == 1023 && jsonpath_compile(path, NULL, err,
	    sizeof(err)) == 0, "bounds: 32 paths of 16 steps");
	path[0] = '\0';
	for (n = 0; n < 32; n++)
		strcat(path, n ? ",[?a=b&a=b&a=b&a=b&a=b&a=b&a=b]" :
		    "[?a=b&a=b&a=b&a=b&a=b&a=b&a=b]");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), 0,
	    "bounds: 32 filters of 7 conditions");

	/* Every kind of token at its longest, packed: the text fits. */
	memset(path, 0, sizeof(path));
	path[0] = '"';
	memset(path + 1, 'q', 1022);
	path[1023] = '"';
	t_int(jsonpath_compile(path, &jp, err, sizeof(err)), 0,
	    "bounds: a 1022-character quoted name");
	jsonpath_free(jp);
	strcpy(path, "[?a=b");
	while (strlen(path) < 500)
		strcat(path, "&a=b");
	strcat(path, "]");
	t_int(jsonpath_compile(path, NULL, err, sizeof(err)), -1,
	    "bounds: many short conditions");

	/* A bad path through jsonpath_parse. */
	{
		struct parse_stats	 st;
		struct entries		*e = entries_new();

		t_int(jsonpath_parse("{}", 2, "a[", &lim, e, &st, err,
		    sizeof(err)), -1, "parse: a bad path fails");
		t_str(err, "json_path: expected \"]\" or \"?\" after \"[\", "
		    "found end of path at character 3", "parse: bad path "
		    "message");
		t_int(jsonpath_parse("{}", 2, NULL, &lim, e, &st, err,
		    sizeof(err)), -1, "parse: no path fails");
		t_str(err, "json_path: no path", "parse: no path message");
		entries_unref(e);
	}
}

static void
invalid_json(void)
{
	static const struct {
		const char	*body;
		const char	*msg;
	} cases[] = {
		{ "{\"a\": [1, 2,]}", "invalid JSON at line 1, column 13: "
		    "unexpected token near ']'" },
		{ "{\n  \"prefixes\": [\n    \"192.0.2.1\",\n  ]\n}\n",
		    "invalid JSON at line 4, column 3: unexpected token near "
		    "']'" },
		{ "", "invalid JSON at line 1, column 0: unexpected token "
		    "near end of file" },
		{ "{\"a\": [\"192.0.2.1\"", "invalid JSON at line 1, "
		    "column 18: ']' expected near end of file" },
		{ "{} x", "invalid JSON at line 1, column 4: end of file "
		    "expected near 'x'" },
		{ "<html>", "invalid JSON at line 1, column 1: invalid token "
		    "near '<'" },
		{ "{\"a\": 1e999}", "invalid JSON at line 1, column 11: real "
		    "number overflow near '1e999'" },
		{ "{\"a\": \"\xff\"}", "invalid JSON at line 1, column 7: "
		    "unable to decode byte 0xff near '\"'" },
	};
	struct parse_stats	 st;
	char			 err[512], *deep;
	size_t			 n = 3000;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct entries *e = run_len(cases[i].body,
		    strlen(cases[i].body), "a[]", &st, err, sizeof(err));

		t_ok(e == NULL, "invalid JSON %zu refused", i);
		t_str(err, cases[i].msg, "invalid JSON %zu: message", i);
		entries_unref(e);
	}

	/* Nested past jansson's limit: refused, not a deep recursion. */
	if ((deep = malloc(2 * n + 1)) == NULL)
		abort();
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	t_ok(run_len(deep, 2 * n, "[]", &st, err, sizeof(err)) == NULL,
	    "3000 levels deep refused");
	t_ok(strstr(err, "maximum parsing depth reached") != NULL &&
	    strncmp(err, "invalid JSON at line 1, column ", 31) == 0,
	    "deep: message (%s)", err);
	/* 2000 levels is within it. */
	n = 2000;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	{
		struct entries *e = run_len(deep, 2 * n, "[][]", &st, err,
		    sizeof(err));

		t_ok(e != NULL && count(e) == 0 && st.bad == 1,
		    "2000 levels deep parse");
		entries_unref(e);
	}
	free(deep);
}

static void
big(void)
{
	size_t			 cap = 2 * 1024 * 1024, len = 0;
	char			*body = malloc(cap);
	struct parse_stats	 st;
	struct entries		*e;

	if (body == NULL)
		abort();
	len += (size_t)snprintf(body + len, cap - len,
	    "{\"syncToken\": \"1718900000\", \"prefixes\": [\n");
	for (int i = 0; i < 20000; i++)
		len += (size_t)snprintf(body + len, cap - len,
		    "%s{\"ip_prefix\": \"10.%d.%d.0/24\", \"region\": "
		    "\"us-east-1\", \"service\": \"%s\"}", i ? ",\n" : "",
		    i / 256, i % 256, i % 4 == 0 ? "S3" : "EC2");
	len += (size_t)snprintf(body + len, cap - len, "\n]}\n");
	t_ok(len >= 1000000 && len < cap, "big: %zu bytes", len);

	e = run_len(body, len, "prefixes[].ip_prefix", &st, (char[256]){ 0 },
	    256);
	t_int((long long)st.added, 20000, "big: 20000 taken");
	t_int((long long)st.bad, 0, "big: none bad");
	t_int(count(e), 20000, "big: 20000 entries");
	t_ok(has_addr(e, "10.0.0.1", "10.0.0.0/24"), "big: the first");
	t_ok(has_addr(e, "10.78.31.200", "10.78.31.0/24"), "big: the last");
	t_ok(has_addr(e, "10.40.1.1", "10.40.1.0/24"), "big: one between");
	t_ok(has_addr(e, "10.78.32.1", NULL), "big: past the last");
	entries_unref(e);

	e = run_len(body, len, "prefixes[?service=S3].ip_prefix", &st,
	    (char[256]){ 0 }, 256);
	t_int(count(e), 5000, "big: 5000 S3");
	t_ok(has_addr(e, "10.0.4.1", "10.0.4.0/24") &&
	    has_addr(e, "10.0.5.1", NULL), "big: S3 lookups");
	entries_unref(e);
	free(body);
}

/*
 * A body whose tree would cost more than 16 times its size is refused
 * with that reason (an 8 MiB "[{},{},...]" took some 700 MiB), while
 * the real lists above and big() (a megabyte of AWS-style objects)
 * pass.
 */
static void
tree_bound(void)
{
	static const char *const cells[] = { "{}", "[]", "{\"a\":{}}" };
	size_t			 cap = 2 * 1024 * 1024;
	char			*body = malloc(cap), err[256];
	struct parse_stats	 st;

	if (body == NULL)
		abort();
	for (size_t k = 0; k < sizeof(cells) / sizeof(cells[0]); k++) {
		size_t	 cl = strlen(cells[k]), len = 1;

		body[0] = '[';
		while (len + cl + 2 < cap) {
			memcpy(body + len, cells[k], cl);
			len += cl;
			body[len++] = ',';
		}
		body[len - 1] = ']';
		t_ok(run_len(body, len, "[]", &st, err, sizeof(err)) == NULL,
		    "tree bound: 2 MiB of %s is refused", cells[k]);
		t_str(err, "its JSON tree would take more than 31 MiB (16 "
		    "times the body): too costly to parse",
		    "tree bound: ... saying why (%s)", cells[k]);
	}
	free(body);
}

static struct list_conf
list_conf(const char *path)
{
	struct list_conf l;

	memset(&l, 0, sizeof(l));
	l.name = "t";
	l.format = LIST_JSON;
	l.json_path = (char *)path;
	l.max_bytes = 1024 * 1024;
	l.max_entries = 1000;
	l.min_prefix_v4 = 8;
	l.min_prefix_v6 = 32;
	return l;
}

static struct entries *
load(const struct list_conf *l, const char *body, char *err)
{
	return listload_body(l, body, strlen(body), err, 512);
}

static void
listload(void)
{
	struct list_conf	 l;
	struct entries		*e;
	char			 err[512];

	l = list_conf("values[?name=AzureCloud.westeurope]"
	    ".properties.addressPrefixes[]");
	l.file = DATA "azure-servicetags.json";
	e = listload_file(&l, err, sizeof(err), NULL, NULL);
	t_ok(e != NULL && entries_count(e) == 3, "listload: the azure file");
	t_ok(has_addr(e, "203.0.113.70", "203.0.113.64/26"), "listload: azure "
	    "lookup");
	entries_unref(e);

	l = list_conf("[].ips[]");
	e = load(&l, "[{\"ips\": [\"192.0.2.1\", 5]}]", err);
	t_ok(e != NULL && entries_count(e) == 1, "listload: bad values "
	    "skipped with a warning");
	entries_unref(e);

	e = load(&l, "[{\"ips\": [\"192.0.2.1\",]}]", err);
	t_ok(e == NULL, "listload: invalid JSON refused");
	t_str(err, "invalid JSON at line 1, column 23: unexpected token near "
	    "']'", "listload: invalid JSON message");

	e = load(&l, "[{\"ips\": []}]", err);
	t_ok(e == NULL, "listload: nothing selected refused");
	t_str(err, "no entries (allow_empty = no)", "listload: empty message");

	e = load(&l, "\"192.0.2.1\"", err);
	t_ok(e == NULL, "listload: a string body refused");
	t_str(err, "no entries (allow_empty = no); no entry: \"192.0.2.1\"",
	    "listload: string body message names the value skipped");

	e = load(&l, "[{\"ips\": [\"10.0.0.0/7\"]}]", err);
	t_ok(e == NULL, "listload: too broad refused");
	t_str(err, "10.0.0.0/7 is broader than min_prefix (1 such entries)",
	    "listload: too broad message");

	l = list_conf("[].ips[");
	e = load(&l, "[]", err);
	t_ok(e == NULL, "listload: a bad path refused");
	t_str(err, "json_path: expected \"]\" or \"?\" after \"[\", found end "
	    "of path at character 8", "listload: bad path message");

	l = list_conf("[]");
	l.max_entries = 2;
	e = load(&l, "[\"a.example\", \"b.example\", \"c.example\"]", err);
	t_ok(e == NULL, "listload: max_entries applies");
	t_str(err, "3 entries, over max_entries 2", "listload: max_entries "
	    "message");
}

/* The config file: json_path is checked where it is written. */
static void
config(void)
{
	static const struct {
		const char	*path;
		const char	*msg;	/* NULL: loads */
	} cases[] = {
		{ "prefixes[?service=EC2&region=us-east-1].ip_prefix", NULL },
		{ "hooks[], web[]", NULL },
		{ "values[?name=AzureCloud.westeurope].properties."
		    "addressPrefixes[]", NULL },
		{ "prefixes[.ip_prefix", "json_path: expected \"]\" or \"?\" "
		    "after \"[\", found \".\" at character 10" },
		{ "prefixes[?service].ip_prefix", "json_path: expected "
		    "\"=\", \"!=\" or \"~=\" after the filter key, found \"]\" "
		    "at character 18" },
		{ "a,,b", "json_path: empty path at character 3" },
		{ "a[0]", "json_path: array indexes are not supported (use [] "
		    "or [?key=value]) at character 3" },
	};
	char	 text[1024], err[CONFIG_ERRLEN], want[CONFIG_ERRLEN + 64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config	*c;
		char		*path;

		snprintf(text, sizeof(text), "[list vendor]\n"
		    "url = https://vendor.example/ranges.json\n"
		    "format = json\n"
		    "json_path = %s\n", cases[i].path);
		path = t_write_file("jsonpath.ini", text);
		c = config_load(path, err, sizeof(err));
		unlink(path);
		if (cases[i].msg == NULL) {
			t_ok(c != NULL, "config: json_path = %s loads%s%s",
			    cases[i].path, c ? "" : ": ", c ? "" : err);
			t_str(c ? c->lists[0].json_path : NULL, cases[i].path,
			    "config: json_path kept as written");
		} else {
			snprintf(want, sizeof(want), "%s:4: %s", path,
			    cases[i].msg);
			t_str(c ? "(loaded)" : err, want,
			    "config: json_path = %s refused", cases[i].path);
		}
		config_free(c);
		free(path);
	}

	/* An empty json_path is no path: format = json then needs one. */
	{
		struct config	*c;
		char		*path = t_write_file("jsonpath.ini",
		    "[list vendor]\nfile = /nonexistent/v.json\n"
		    "format = json\njson_path =\n");

		c = config_load(path, err, sizeof(err));
		unlink(path);
		snprintf(want, sizeof(want), "%s:1: [list vendor] format = "
		    "json needs json_path", path);
		t_str(c ? "(loaded)" : err, want, "config: empty json_path");
		config_free(c);
		free(path);
	}
}

int
main(void)
{
	log_set_level(LOG_LEVEL_ERROR);	/* listload_body warns */
	aws();
	m365();
	azure();
	github();
	m365_typed();
	typed();
	atlassian();
	azure_nested();
	okta();
	zscaler();
	misses();
	readme_paths();
	selection();
	scalars_and_empty();
	syntax();
	invalid_json();
	big();
	tree_bound();
	listload();
	config();
	return t_done();
}
