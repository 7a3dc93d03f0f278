/*
 * Name patterns with a '*' inside a label (SPEC "Allowlist semantics",
 * Patterns): how they parse, what they match, checked against fnmatch()
 * label by label, how lists take them, and which patterns are refused as
 * broad as a public suffix.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listload.h"
#include "parse.h"
#include "t.h"

#define DATA	"tests/unit/data/"

static const struct parse_limits lim = { 8, 32, NULL, 0 };

/* The pattern as matched and reported, or NULL when it matches none. */
static const char *
lookup(const struct nameset *set, const char *name, char *buf, size_t size)
{
	struct name_match m;

	if (!nameset_lookup(set, name, strlen(name), &m))
		return NULL;
	name_format_pattern(m.base, m.how, buf, size);
	return buf;
}

static void
parse_round_trip(void)
{
	static const struct {
		const char	*in, *out;
		uint8_t		 how;
	} cases[] = {
		{ "*-files.sharepoint.com", "*-files.sharepoint.com",
		    NAME_EXACT | NAME_GLOB },
		{ "*-FILES.SharePoint.com.", "*-files.sharepoint.com",
		    NAME_EXACT | NAME_GLOB },
		{ "autodiscover.*.onmicrosoft.com",
		    "autodiscover.*.onmicrosoft.com", NAME_EXACT | NAME_GLOB },
		{ "*cdn.onenote.net", "*cdn.onenote.net",
		    NAME_EXACT | NAME_GLOB },
		{ "a**b.example.com", "a*b.example.com",
		    NAME_EXACT | NAME_GLOB },
		{ "*.*-x.example.com", "*.*-x.example.com",
		    NAME_WILD | NAME_GLOB },
		{ ".a*.example.com", ".a*.example.com",
		    NAME_EXACT | NAME_WILD | NAME_DOT | NAME_GLOB },
		{ "*.example.com", "*.example.com", NAME_WILD },
		{ "example.com", "example.com", NAME_EXACT },
	};
	static const char *bad[] = {
		"*-.a.com", "-*.a.com", "a.*-.com", "a..*.com", "*..a.com",
		"a*.b.c.1", "a*b!.com", "*.*..", "a.*.com..", "**.a.com",
	};
	char	 base[NAME_MAX_LEN + 1], buf[NAME_MAX_LEN + 3];
	uint8_t	 how;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = name_parse_pattern(cases[i].in, base, &how);

		t_ok(n > 0 && how == cases[i].how, "parse %s: flags %#x",
		    cases[i].in, n > 0 ? how : 0);
		name_format_pattern(base, how, buf, sizeof(buf));
		t_str(buf, cases[i].out, "parse %s: written back", cases[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t_int(name_parse_pattern(bad[i], base, &how), -1,
		    "%s is no pattern", bad[i]);
	t_int(name_normalise("a*.example.com", 14, base), -1,
	    "a host with a '*' is no name");
}

static void
too_broad(void)
{
	static const struct {
		const char	*pattern;
		int		 broad;
	} cases[] = {
		{ "*.com", 1 }, { ".com", 1 }, { "*.co.uk", 1 }, { "*", 1 },
		{ "*.*.com", 1 }, { "*cdn.com", 1 }, { "a.*", 1 },
		{ "*.github.io", 1 }, { "*-x.github.io", 1 },
		{ "*.x.kawasaki.jp", 1 }, { "*.internal", 1 },
		{ "com", 0 }, { "co.uk", 0 }, { "*.vendor.com", 0 },
		{ "*-files.sharepoint.com", 0 }, { "*cdn.onenote.net", 0 },
		{ "autodiscover.*.onmicrosoft.com", 0 },
		{ "*.vendor.co.uk", 0 }, { "*.me.github.io", 0 },
		{ "*.city.kawasaki.jp", 0 },
	};
	char	 base[NAME_MAX_LEN + 1];
	uint8_t	 how;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = name_parse_pattern(cases[i].pattern, base, &how);

		t_int(n > 0 ? name_too_broad(base, (size_t)n, how) : -1,
		    cases[i].broad, "%s %s as broad as a public suffix",
		    cases[i].pattern, cases[i].broad ? "is" : "is not");
	}
}

/* What a set of patterns answers, with the most specific one reported. */
static void
matching(void)
{
	static const char *patterns[] = {
		"*-files.sharepoint.com", "*-myfiles.sharepoint.com",
		"autodiscover.*.onmicrosoft.com", "*cdn.onenote.net",
		"*.onenote.net.example", "x*y*z.glob.example",
		"*.*-d.deep.example", "*.deep.example",
		"exact-files.sharepoint.com",
	};
	static const struct {
		const char	*name, *want;
	} cases[] = {
		{ "contoso-files.sharepoint.com", "*-files.sharepoint.com" },
		{ "contoso-myfiles.sharepoint.com",
		    "*-myfiles.sharepoint.com" },
		{ "exact-files.sharepoint.com", "exact-files.sharepoint.com" },
		{ "a.b-files.sharepoint.com", NULL },
		{ "contoso-files.a.sharepoint.com", NULL },
		{ "sharepoint.com", NULL },
		{ "autodiscover.contoso.onmicrosoft.com",
		    "autodiscover.*.onmicrosoft.com" },
		{ "autodiscover.a.b.onmicrosoft.com", NULL },
		{ "autodiscover.onmicrosoft.com", NULL },
		{ "cdn.onenote.net", "*cdn.onenote.net" },
		{ "foocdn.onenote.net", "*cdn.onenote.net" },
		{ "cdnfoo.onenote.net", NULL },
		{ "xyz.glob.example", "x*y*z.glob.example" },
		{ "xaybz.glob.example", "x*y*z.glob.example" },
		{ "xzyz.glob.example", "x*y*z.glob.example" },
		{ "xyza.glob.example", NULL },
		{ "xzy.glob.example", NULL },
		/* the longest fixed suffix first; at one, the glob first */
		{ "a.b-d.deep.example", "*.*-d.deep.example" },
		{ "b-d.deep.example", "*.deep.example" },
		{ "a.b.deep.example", "*.deep.example" },
	};
	struct nameset	*set = nameset_new();
	char		 base[NAME_MAX_LEN + 1], buf[NAME_MAX_LEN + 3];
	uint8_t		 how;

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		int n = name_parse_pattern(patterns[i], base, &how);

		t_ok(n > 0 && nameset_add(set, base, (size_t)n, how) == 0,
		    "add %s", patterns[i]);
	}
	/* a repeat adds nothing */
	nameset_add(set, "*-files.sharepoint.com", 22, NAME_EXACT | NAME_GLOB);
	t_int((long long)nameset_count(set), 9, "nine patterns");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t_str(lookup(set, cases[i].name, buf, sizeof(buf)),
		    cases[i].want, "%s", cases[i].name);
	nameset_merge_covered(set);
	t_int((long long)nameset_count(set), 8, "*.*-d.deep.example merged "
	    "into *.deep.example");
	t_str(lookup(set, "a.b-d.deep.example", buf, sizeof(buf)),
	    "*.deep.example", "after the merge, the wildcard reports");
	nameset_free(set);
}

static unsigned long long rng = 88172645463325252ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A label of the letters a, b and '-', maybe with '*'s (glob set). */
static size_t
rnd_label(char *out, int glob)
{
	size_t n = 1 + rnd(5);

	for (size_t i = 0; i < n; i++)
		out[i] = glob && rnd(3) == 0 ? '*' : "ab-"[rnd(i == 0 ||
		    i == n - 1 ? 2 : 3)];
	return n;
}

/* Labels joined by sep; the last label is fixed ("t"). */
static void
rnd_name(char *out, int glob, char sep, int labels)
{
	size_t n = 0;

	for (int i = 0; i < labels; i++) {
		n += rnd_label(out + n, glob);
		out[n++] = sep;
	}
	memcpy(out + n, "t", 2);
}

/*
 * The set against fnmatch() with '.' as '/' and FNM_PATHNAME, where '*'
 * never crosses a '/': what "within one label" means.
 */
static void
against_fnmatch(void)
{
	int	 bad = 0, tried = 0, matched = 0;

	for (int round = 0; round < 300; round++) {
		char	 pat[64], name[64], fpat[64], fname[64];
		char	 base[NAME_MAX_LEN + 1];
		struct nameset *set = nameset_new();
		uint8_t	 how;
		int	 n, wild = rnd(2), labels = 1 + (int)rnd(3);
		int	 rwild = wild;
		const char *ref = fpat;

		rnd_name(fpat, 1, '/', labels);
		snprintf(pat, sizeof(pat), "%s", fpat);
		for (char *p = pat; *p; p++)
			*p = *p == '/' ? '.' : *p;
		if (wild) {
			memmove(pat + 2, pat, strlen(pat) + 1);
			memcpy(pat, "*.", 2);
		}
		/* a first label "*" is the leading "*." of any depth */
		if (!wild && strncmp(fpat, "*/", 2) == 0) {
			ref = fpat + 2;
			rwild = 1;
		}
		n = name_parse_pattern(pat, base, &how);
		if (n <= 0 || !(how & NAME_GLOB)) {
			nameset_free(set);
			continue;
		}
		nameset_add(set, base, (size_t)n, how);
		for (int k = 0; k < 40; k++) {
			int want = 0, got, nl = 1 + (int)rnd(4);

			rnd_name(fname, 0, '/', nl);
			snprintf(name, sizeof(name), "%s", fname);
			for (char *p = name; *p; p++)
				*p = *p == '/' ? '.' : *p;
			if (!rwild)
				want = fnmatch(ref, fname, FNM_PATHNAME) == 0;
			for (char *p = fname; rwild && !want &&
			    (p = strchr(p, '/')) != NULL;)
				want = fnmatch(ref, ++p, FNM_PATHNAME) == 0;
			got = nameset_lookup(set, name, strlen(name), NULL);
			tried++;
			matched += want;
			if (got != want && bad++ < 5)
				t_ok(0, "%s against %s: %d, fnmatch %d (%s %s)",
				    name, pat, got, want, fpat, fname);
		}
		nameset_free(set);
	}
	t_ok(bad == 0 && matched > 100, "%d names against globs agree with "
	    "fnmatch (%d matched)", tried, matched);
}

static char *
read_data(const char *name, size_t *len)
{
	char	 path[256];
	FILE	*fp;
	char	*buf = malloc(65536);

	snprintf(path, sizeof(path), DATA "%s", name);
	if ((fp = fopen(path, "rb")) == NULL) {
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, 65535, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

/* The mid-label patterns Microsoft 365's endpoints service publishes. */
static void
m365_list(void)
{
	struct list_conf	 l;
	struct entries		*e;
	char			 err[256], buf[NAME_MAX_LEN + 3];
	size_t			 len;
	char			*body = read_data("m365-midlabel.json", &len);

	memset(&l, 0, sizeof(l));
	l.name = "m365";
	l.format = LIST_JSON;
	l.json_path = "[].urls[]";
	l.max_entries = 100;
	l.min_prefix_v4 = 8;
	l.min_prefix_v6 = 32;
	if (!t_ok(body != NULL, "read m365-midlabel.json"))
		return;
	e = listload_body(&l, body, len, err, sizeof(err));
	free(body);
	if (!t_ok(e != NULL, "m365: the list loads"))
		return;
	t_int((long long)entries_count(e), 6, "m365: every pattern taken");
	t_str(lookup(e->names, "contoso-files.sharepoint.com", buf,
	    sizeof(buf)), "*-files.sharepoint.com", "m365: *-files");
	t_str(lookup(e->names, "contoso-myfiles.sharepoint.com", buf,
	    sizeof(buf)), "*-myfiles.sharepoint.com", "m365: *-myfiles");
	t_str(lookup(e->names, "a.b-files.sharepoint.com", buf,
	    sizeof(buf)), NULL, "m365: *-files stays within its label");
	t_str(lookup(e->names, "autodiscover.contoso.onmicrosoft.com", buf,
	    sizeof(buf)), "autodiscover.*.onmicrosoft.com",
	    "m365: autodiscover.*");
	t_str(lookup(e->names, "autodiscover.a.b.onmicrosoft.com", buf,
	    sizeof(buf)), NULL, "m365: autodiscover.* is one label");
	t_str(lookup(e->names, "contentcdn.onenote.net", buf, sizeof(buf)),
	    "*cdn.onenote.net", "m365: *cdn.onenote.net");
	t_str(lookup(e->names, "x.outlook.com", buf, sizeof(buf)),
	    "*.outlook.com", "m365: a plain wildcard beside them");
	entries_unref(e);
}

/* A list line as broad as a public suffix is skipped and counted alone. */
static void
broad_lines(void)
{
	const char *body =
	    "*.com\n"
	    "vendor.example\n"
	    "*.co.uk\n"
	    "*-files.sharepoint.com\n"
	    "*\n"
	    ".net\n"
	    "*.*.org\n"
	    "com\n";
	struct entries		*e = entries_new();
	struct parse_stats	 st;
	struct list_conf	 l;
	char			 err[256];

	t_int(parse_text(body, strlen(body), &lim, e, &st), 0, "broad: "
	    "parses");
	t_int((long long)st.added, 3, "broad: three entries taken");
	t_int((long long)st.bad, 0, "broad: none bad");
	t_int((long long)st.broad_names, 5, "broad: five too broad");
	t_str(st.first_broad_names, "\"*.com\", \"*.co.uk\", \"*\"",
	    "broad: the first three named");
	t_ok(!nameset_lookup(e->names, "x.com", 5, NULL) &&
	    nameset_lookup(e->names, "com", 3, NULL),
	    "broad: *.com not taken, the name com is");
	entries_unref(e);

	memset(&l, 0, sizeof(l));
	l.name = "b";
	l.format = LIST_TEXT;
	l.max_entries = 100;
	l.min_prefix_v4 = 8;
	l.min_prefix_v6 = 32;
	e = listload_body(&l, body, strlen(body), err, sizeof(err));
	t_ok(e != NULL && entries_count(e) == 3, "broad: the list still "
	    "loads with the rest");
	entries_unref(e);
}

int
main(void)
{
	parse_round_trip();
	too_broad();
	matching();
	against_fnmatch();
	m365_list();
	broad_lines();
	return t_done();
}
