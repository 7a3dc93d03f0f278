/*
 * The config parser (config_load) and the value parsers under it.  Each
 * case writes a config text to a temporary file, loads it, and checks
 * either the parsed fields or the exact "PATH:LINE: message" error.
 *
 * Layout: the value parsers on their own; then a table of key = value
 * cases (valid ones with the field they set, invalid ones with the
 * message); then the keys that need more than one line to check; then
 * the structure of the file (sections, duplicates, comments,
 * continuation and over-long lines) and the whole-file checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "value.h"
#include "t.h"

/* ---- helpers ----------------------------------------------------- */

static char	*path_now;	/* the config file written last */

/* Writes text as the config file, loads it and removes the file. */
static struct config *
load_len(const char *text, size_t len, char *err)
{
	struct config	*c;
	FILE		*fp;

	free(path_now);
	path_now = t_write_file("config.ini", "");
	if ((fp = fopen(path_now, "w")) == NULL) {
		perror(path_now);
		abort();
	}
	fwrite(text, 1, len, fp);	/* any bytes, NUL included */
	fclose(fp);
	c = config_load(path_now, err, CONFIG_ERRLEN);
	unlink(path_now);
	return c;
}

static struct config *
load(const char *text, char *err)
{
	struct config *c;

	free(path_now);
	path_now = t_write_file("config.ini", text);
	c = config_load(path_now, err, CONFIG_ERRLEN);
	unlink(path_now);
	return c;
}

/* One check: the load fails with exactly "PATH:line: msg". */
static void
check_error(struct config *c, const char *err, int line, const char *msg,
    const char *what)
{
	char	 want[CONFIG_ERRLEN + 256];

	snprintf(want, sizeof(want), "%s:%d: %s", path_now, line, msg);
	if (c != NULL) {
		config_free(c);
		err = "(loaded without an error)";
	}
	t_str(err, want, "%s", what);
}

static void
expect_error(const char *text, int line, const char *msg, const char *what)
{
	char		 err[CONFIG_ERRLEN];
	struct config	*c = load(text, err);

	check_error(c, err, line, msg, what);
}

/* One check: the text loads.  The caller frees what it returns. */
static struct config *
expect_load(const char *text, const char *what)
{
	char		 err[CONFIG_ERRLEN];
	struct config	*c = load(text, err);

	t_ok(c != NULL, "%s: loads%s%s", what, c ? "" : ": ", c ? "" : err);
	return c;
}

/* The folder of the config file, where relative paths start. */
static void
config_folder(char *buf, size_t size)
{
	const char *slash = strrchr(path_now, '/');

	snprintf(buf, size, "%.*s", (int)(slash - path_now), path_now);
}

static int
has_name(const struct nameset *set, const char *name)
{
	struct name_match m;

	return nameset_lookup(set, name, strlen(name), &m);
}

static int
has_addr(const struct cidrset *set, const char *s)
{
	struct addr a;

	if (set == NULL || addr_parse(s, &a) == -1)
		return 0;
	return cidrset_lookup(set, &a, NULL);
}

/* s with tabs and newlines shown as \t and \n, for check names. */
static const char *
shown(const char *s)
{
	static char	 buf[256];
	size_t		 n = 0;

	for (; *s != '\0' && n + 3 < sizeof(buf); s++) {
		if (*s == '\t' || *s == '\n') {
			buf[n++] = '\\';
			buf[n++] = *s == '\t' ? 't' : 'n';
		} else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* ---- the value parsers ------------------------------------------- */

typedef int (*num_fn)(const char *, uint64_t, uint64_t, uint64_t *);

struct num_case {
	const char	*s;
	uint64_t	 min, max;
	int		 rc;		/* 0: accepted, -1: refused */
	uint64_t	 want;
};

/* Runs fn on each case; a refused value must leave *out alone. */
static void
run_num(const char *name, num_fn fn, const struct num_case *cases,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct num_case	*k = &cases[i];
		uint64_t		 v = 12345;
		int			 rc = fn(k->s, k->min, k->max, &v);
		char			 what[160];

		snprintf(what, sizeof(what), "%s(\"%s\", %llu, %llu)", name,
		    k->s, (unsigned long long)k->min,
		    (unsigned long long)k->max);
		if (k->rc == 0)
			t_ok(rc == 0 && v == k->want, "%s = %llu", what,
			    (unsigned long long)k->want);
		else
			t_ok(rc == -1 && v == 12345, "%s is refused", what);
	}
}

#define RUN_NUM(fn, cases) \
	run_num(#fn, fn, cases, sizeof(cases) / sizeof(cases[0]))

static void
test_value_numbers(void)
{
	static const struct num_case uints[] = {
		{ "0", 0, 10, 0, 0 },
		{ "10", 0, 10, 0, 10 },
		{ "11", 0, 10, -1, 0 },
		{ "4", 5, 10, -1, 0 },
		{ "5", 5, 10, 0, 5 },
		{ "007", 0, 10, 0, 7 },
		{ "", 0, 10, -1, 0 },
		{ "-1", 0, 10, -1, 0 },
		{ "+1", 0, 10, -1, 0 },
		{ " 1", 0, 10, -1, 0 },
		{ "1 ", 0, 10, -1, 0 },
		{ "1x", 0, 10, -1, 0 },
		{ "0x10", 0, 100, -1, 0 },
		{ "1e3", 0, 10000, -1, 0 },
		{ "18446744073709551609", 0, UINT64_MAX, 0,
		    18446744073709551609ULL },
		{ "18446744073709551616", 0, UINT64_MAX, -1, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -1, 0 },
	};
	static const struct num_case durations[] = {
		{ "0", 0, 1000, 0, 0 },
		{ "0", 1, 1000, -1, 0 },
		{ "0ms", 0, 1000, 0, 0 },
		{ "0s", 0, 1000, 0, 0 },
		{ "250ms", 0, UINT64_MAX, 0, 250 },
		{ "10s", 0, UINT64_MAX, 0, 10000 },
		{ "15m", 0, UINT64_MAX, 0, 900000 },
		{ "6h", 0, UINT64_MAX, 0, 21600000 },
		{ "1d", 0, UINT64_MAX, 0, 86400000 },
		{ "1000ms", 1000, 1000, 0, 1000 },
		{ "999ms", 1000, 2000, -1, 0 },
		{ "3s", 1000, 2000, -1, 0 },
		{ "10", 0, UINT64_MAX, -1, 0 },	/* a bare number */
		{ "ms", 0, UINT64_MAX, -1, 0 },
		{ "", 0, UINT64_MAX, -1, 0 },
		{ "10S", 0, UINT64_MAX, -1, 0 },
		{ "10 s", 0, UINT64_MAX, -1, 0 },
		{ "10sec", 0, UINT64_MAX, -1, 0 },
		{ "1.5s", 0, UINT64_MAX, -1, 0 },
		{ "-1s", 0, UINT64_MAX, -1, 0 },
		{ "1h30m", 0, UINT64_MAX, -1, 0 },
		{ "213503982334d", 0, UINT64_MAX, 0,
		    213503982334ULL * 86400000 },
		{ "213503982335d", 0, UINT64_MAX, -1, 0 },	/* overflows */
	};
	static const struct num_case sizes[] = {
		{ "0", 0, UINT64_MAX, 0, 0 },
		{ "1024", 0, UINT64_MAX, 0, 1024 },
		{ "1k", 0, UINT64_MAX, 0, 1024 },
		{ "1K", 0, UINT64_MAX, 0, 1024 },
		{ "32k", 0, UINT64_MAX, 0, 32768 },
		{ "1m", 0, UINT64_MAX, 0, 1048576 },
		{ "8M", 0, UINT64_MAX, 0, 8388608 },
		{ "1k", 1025, 2048, -1, 0 },
		{ "2k", 1025, 2048, 0, 2048 },
		{ "2049", 1025, 2048, -1, 0 },
		{ "1g", 0, UINT64_MAX, -1, 0 },
		{ "1kb", 0, UINT64_MAX, -1, 0 },
		{ "k", 0, UINT64_MAX, -1, 0 },
		{ "", 0, UINT64_MAX, -1, 0 },
		{ "1 k", 0, UINT64_MAX, -1, 0 },
		{ "-1k", 0, UINT64_MAX, -1, 0 },
		{ "17592186044415m", 0, UINT64_MAX, 0,
		    17592186044415ULL * 1048576 },
		{ "17592186044416m", 0, UINT64_MAX, -1, 0 },	/* 2^64 */
		{ "18014398509481984k", 0, UINT64_MAX, -1, 0 },	/* 2^64 */
	};

	RUN_NUM(value_uint, uints);
	RUN_NUM(value_duration, durations);
	RUN_NUM(value_size, sizes);
}

static void
test_value_bool(void)
{
	static const struct {
		const char	*s;
		int		 rc, want;
	} cases[] = {
		{ "yes", 0, 1 }, { "no", 0, 0 }, { "true", 0, 1 },
		{ "false", 0, 0 }, { "on", 0, 1 }, { "off", 0, 0 },
		{ "1", 0, 1 }, { "0", 0, 0 }, { "YES", 0, 1 }, { "Off", 0, 0 },
		{ "TRUE", 0, 1 },
		{ "", -1, 0 }, { "y", -1, 0 }, { "n", -1, 0 }, { "2", -1, 0 },
		{ "yes ", -1, 0 }, { "enabled", -1, 0 }, { "01", -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = 7, rc = value_bool(cases[i].s, &v);

		if (cases[i].rc == 0)
			t_ok(rc == 0 && v == cases[i].want,
			    "value_bool(\"%s\") = %d", cases[i].s,
			    cases[i].want);
		else
			t_ok(rc == -1 && v == 7,
			    "value_bool(\"%s\") is refused", cases[i].s);
	}
}

static void
test_value_percent(void)
{
	static const struct {
		const char	*s;
		int		 rc;
		unsigned	 want;
	} cases[] = {
		{ "0", 0, 0 }, { "0%", 0, 0 }, { "50%", 0, 50 },
		{ "100", 0, 100 }, { "100%", 0, 100 },
		{ "101", -1, 0 }, { "101%", -1, 0 }, { "%", -1, 0 },
		{ "", -1, 0 }, { "50 %", -1, 0 }, { "50%%", -1, 0 },
		{ "-5", -1, 0 }, { "5.5%", -1, 0 }, { "50pc", -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned	 v = 77;
		int		 rc = value_percent(cases[i].s, &v);

		if (cases[i].rc == 0)
			t_ok(rc == 0 && v == cases[i].want,
			    "value_percent(\"%s\") = %u", cases[i].s,
			    cases[i].want);
		else
			t_ok(rc == -1, "value_percent(\"%s\") is refused",
			    cases[i].s);
	}
}

static void
test_value_hex(void)
{
	uint8_t	 out[4];

	memset(out, 0xee, sizeof(out));
	t_ok(value_hex("00ff7f80", out, 4) == 0 && out[0] == 0x00 &&
	    out[1] == 0xff && out[2] == 0x7f && out[3] == 0x80,
	    "value_hex(\"00ff7f80\")");
	t_ok(value_hex("ABcd", out, 2) == 0 && out[0] == 0xab &&
	    out[1] == 0xcd, "value_hex(\"ABcd\") takes either case");
	t_ok(value_hex("", out, 0) == 0, "value_hex(\"\", 0 bytes)");
	t_ok(value_hex("abc", out, 2) == -1, "value_hex: too few digits");
	t_ok(value_hex("abcdef", out, 2) == -1, "value_hex: too many digits");
	t_ok(value_hex("0g", out, 1) == -1, "value_hex: not a hex digit");
	t_ok(value_hex(" a", out, 1) == -1, "value_hex: a space");
}

static void
test_value_split(void)
{
	static const struct {
		const char	*s;
		size_t		 max;
		int		 n;
		const char	*joined;	/* the tokens joined by '|' */
	} cases[] = {
		{ "a, b c", 8, 3, "a|b|c" },
		{ "a,b,c", 8, 3, "a|b|c" },
		{ "  a  ,  b  ", 8, 2, "a|b" },
		{ "a\tb\nc", 8, 3, "a|b|c" },
		{ "one", 8, 1, "one" },
		{ "", 8, 0, "" },
		{ "   ", 8, 0, "" },
		{ "a b c", 3, 3, "a|b|c" },
		{ "a b c", 2, -1, NULL },	/* more than max */
		{ "a,,b", 8, -1, NULL },	/* empty item */
		{ "a, ,b", 8, -1, NULL },	/* empty item with a space */
		{ "a,b,", 8, -1, NULL },	/* trailing comma */
		{ "a,b, ", 8, -1, NULL },	/* trailing comma, space */
		{ ",a", 8, -1, NULL },		/* leading comma */
		{ ",", 8, -1, NULL },
		{ ",,", 8, -1, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	 buf[64], joined[64] = "", *tokens[8];
		int	 n;

		snprintf(buf, sizeof(buf), "%s", cases[i].s);
		n = value_split(buf, tokens, cases[i].max);
		if (cases[i].n == -1) {
			t_int(n, -1, "value_split(\"%s\", max %zu) is refused",
			    shown(cases[i].s), cases[i].max);
			continue;
		}
		for (int j = 0; j < n && j < 8; j++) {
			if (j > 0)
				strcat(joined, "|");
			strcat(joined, tokens[j]);
		}
		t_ok(n == cases[i].n && strcmp(joined, cases[i].joined) == 0,
		    "value_split(\"%s\") = %d tokens %s", shown(cases[i].s),
		    cases[i].n, cases[i].joined);
	}
}

static void
test_value_format_duration(void)
{
	static const struct {
		uint64_t	 ms;
		const char	*want;
	} cases[] = {
		{ 0, "0" }, { 250, "250ms" }, { 90000, "90s" },
		{ 3600000, "1h" }, { 86400000, "1d" }, { 1500, "1500ms" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];

		value_format_duration(cases[i].ms, buf, sizeof(buf));
		t_str(buf, cases[i].want, "value_format_duration(%llu)",
		    (unsigned long long)cases[i].ms);
	}
}

/* ---- key = value: one key per case ------------------------------- */

/*
 * The lines before the key.  In [list] and [allow] they make the section
 * valid by itself; the key is on the line after them.
 */
#define PROXY	"[proxy]\n"
#define ACL	"[acl]\n"
#define RULE	"[allow r]\nports = 443\nhosts = a.com\n"
#define LIST	"[list l]\nfile = l.txt\n"
#define DNS	"[dns]\n"
#define LOG	"[log]\n"
#define PAC	"[pac]\n"
#define AUTH	"[auth]\n"

enum ftype { F_NONE, F_U64, F_INT, F_UNSIGNED };

struct kv_case {
	const char	*before;
	const char	*key, *value;
	const char	*bad;	/* NULL: valid; else the text after KEY: "V" */
	enum ftype	 type;
	size_t		 off;	/* into struct config, list_conf or acl_rule */
	uint64_t	 want;
	const char	*after;	/* lines after the key, or NULL */
};

#define CU(f)	F_U64, offsetof(struct config, f)
#define CI(f)	F_INT, offsetof(struct config, f)
#define LU(f)	F_U64, offsetof(struct list_conf, f)
#define LI(f)	F_INT, offsetof(struct list_conf, f)
#define LP(f)	F_UNSIGNED, offsetof(struct list_conf, f)
#define RI(f)	F_INT, offsetof(struct acl_rule, f)

#define OK(sec, key, val, field, want) \
	{ sec, key, val, NULL, field, want, NULL }
#define OKA(sec, key, val, field, want, after) \
	{ sec, key, val, NULL, field, want, after }
#define BAD(sec, key, val, msg) \
	{ sec, key, val, msg, F_NONE, 0, 0, NULL }

#define NUM(lo, hi)	" is not a number from " #lo " to " #hi
#define DUR(lo, hi)	" is not a duration (ms, s, m, h, d) from " lo " to " hi
#define SIZE(lo, hi)	" is not a size (bytes, or with k or m) from " #lo \
			" to " #hi " bytes"
#define PCT		" is not a percentage from 0% to 100%"
#define BOOL		" is not yes or no"

static const struct kv_case kv_cases[] = {
	/* [proxy] */
	OK(PROXY, "max_connections", "1", CU(max_connections), 1),
	OK(PROXY, "max_connections", "1000000", CU(max_connections), 1000000),
	OK(PROXY, "max_connections", "007", CU(max_connections), 7),
	BAD(PROXY, "max_connections", "0", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "1000001", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "-1", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "+5", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "5x", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "1e3", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "5 6", NUM(1, 1000000)),
	BAD(PROXY, "max_connections", "99999999999999999999999",
	    NUM(1, 1000000)),
	OK(PROXY, "max_connections_per_client", "1",
	    CU(max_connections_per_client), 1),
	OK(PROXY, "max_connections_per_client", "1000000",
	    CU(max_connections_per_client), 1000000),
	BAD(PROXY, "max_connections_per_client", "0", NUM(1, 1000000)),
	BAD(PROXY, "max_connections_per_client", "1000001", NUM(1, 1000000)),
	OK(PROXY, "handshake_timeout", "100ms", CU(handshake_timeout_ms), 100),
	OK(PROXY, "handshake_timeout", "10s", CU(handshake_timeout_ms), 10000),
	OK(PROXY, "handshake_timeout", "60m", CU(handshake_timeout_ms),
	    3600000),
	OK(PROXY, "handshake_timeout", "1h", CU(handshake_timeout_ms), 3600000),
	BAD(PROXY, "handshake_timeout", "99ms", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "3600001ms", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "3601s", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "61m", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "2h", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "1d", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "10", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "0", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "10S", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "1.5s", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "s", DUR("100ms", "1h")),
	BAD(PROXY, "handshake_timeout", "-1s", DUR("100ms", "1h")),
	OK(PROXY, "max_header_bytes", "1024", CU(max_header_bytes), 1024),
	OK(PROXY, "max_header_bytes", "1k", CU(max_header_bytes), 1024),
	OK(PROXY, "max_header_bytes", "32K", CU(max_header_bytes), 32768),
	OK(PROXY, "max_header_bytes", "1024k", CU(max_header_bytes), 1048576),
	OK(PROXY, "max_header_bytes", "1m", CU(max_header_bytes), 1048576),
	OK(PROXY, "max_header_bytes", "1048576", CU(max_header_bytes), 1048576),
	BAD(PROXY, "max_header_bytes", "1023", SIZE(1024, 1048576)),
	BAD(PROXY, "max_header_bytes", "1048577", SIZE(1024, 1048576)),
	BAD(PROXY, "max_header_bytes", "1025k", SIZE(1024, 1048576)),
	BAD(PROXY, "max_header_bytes", "2m", SIZE(1024, 1048576)),
	BAD(PROXY, "max_header_bytes", "1g", SIZE(1024, 1048576)),
	BAD(PROXY, "max_header_bytes", "1kb", SIZE(1024, 1048576)),
	BAD(PROXY, "max_header_bytes", "k", SIZE(1024, 1048576)),
	OK(PROXY, "connect_timeout", "100ms", CU(connect_timeout_ms), 100),
	OK(PROXY, "connect_timeout", "10m", CU(connect_timeout_ms), 600000),
	OK(PROXY, "connect_timeout", "600s", CU(connect_timeout_ms), 600000),
	BAD(PROXY, "connect_timeout", "99ms", DUR("100ms", "10m")),
	BAD(PROXY, "connect_timeout", "601s", DUR("100ms", "10m")),
	BAD(PROXY, "connect_timeout", "1h", DUR("100ms", "10m")),
	OK(PROXY, "idle_timeout", "1s", CU(idle_timeout_ms), 1000),
	OK(PROXY, "idle_timeout", "1000ms", CU(idle_timeout_ms), 1000),
	OK(PROXY, "idle_timeout", "30d", CU(idle_timeout_ms), 2592000000ULL),
	OK(PROXY, "idle_timeout", "720h", CU(idle_timeout_ms), 2592000000ULL),
	BAD(PROXY, "idle_timeout", "999ms", DUR("1s", "30d")),
	BAD(PROXY, "idle_timeout", "31d", DUR("1s", "30d")),
	BAD(PROXY, "idle_timeout", "721h", DUR("1s", "30d")),
	BAD(PROXY, "idle_timeout", "0", DUR("1s", "30d")),
	BAD(PROXY, "idle_timeout", "15", DUR("1s", "30d")),
	OK(PROXY, "shutdown_grace", "0", CU(shutdown_grace_ms), 0),
	OK(PROXY, "shutdown_grace", "0s", CU(shutdown_grace_ms), 0),
	OK(PROXY, "shutdown_grace", "250ms", CU(shutdown_grace_ms), 250),
	OK(PROXY, "shutdown_grace", "1h", CU(shutdown_grace_ms), 3600000),
	BAD(PROXY, "shutdown_grace", "3601s", DUR("0", "1h")),
	BAD(PROXY, "shutdown_grace", "61m", DUR("0", "1h")),
	BAD(PROXY, "shutdown_grace", "1d", DUR("0", "1h")),
	BAD(PROXY, "shutdown_grace", "30", DUR("0", "1h")),
	OK(PROXY, "workers", "auto", CU(workers), 0),
	OK(PROXY, "workers", "1", CU(workers), 1),
	OK(PROXY, "workers", "64", CU(workers), 64),
	BAD(PROXY, "workers", "0", " is not auto or a number from 1 to 64"),
	BAD(PROXY, "workers", "65", " is not auto or a number from 1 to 64"),
	BAD(PROXY, "workers", "Auto", " is not auto or a number from 1 to 64"),
	BAD(PROXY, "workers", "", " is not auto or a number from 1 to 64"),
	OK(PROXY, "proxy_protocol", "no", CI(proxy_protocol), 0),
	OKA(PROXY, "proxy_protocol", "yes", CI(proxy_protocol), 1,
	    "proxy_protocol_from = 10.0.0.0/8\n"),
	BAD(PROXY, "proxy_protocol", "maybe", BOOL),
	OK(PROXY, "sandbox", "no", CI(sandbox), 0),
	OK(PROXY, "sandbox", "yes", CI(sandbox), 1),
	BAD(PROXY, "sandbox", "2", BOOL),
	BAD(PROXY, "sandbox", "", BOOL),

	/* [acl] */
	OK(ACL, "deny_private", "no", CI(deny_private), 0),
	OK(ACL, "deny_private", "yes", CI(deny_private), 1),
	BAD(ACL, "deny_private", "nope", BOOL),
	OK(ACL, "revoke_on_reload", "yes", CI(revoke_on_reload), 1),
	OK(ACL, "revoke_on_reload", "no", CI(revoke_on_reload), 0),
	BAD(ACL, "revoke_on_reload", "y", BOOL),

	/* [allow NAME] */
	OK(RULE, "resolve", "yes", RI(resolve), 1),
	OK(RULE, "resolve", "off", RI(resolve), 0),
	BAD(RULE, "resolve", "sometimes", BOOL),
	OK(RULE, "allow_private", "true", RI(allow_private), 1),
	OK(RULE, "allow_private", "false", RI(allow_private), 0),
	BAD(RULE, "allow_private", "yess", BOOL),
	OK(RULE, "sni_check", "off", RI(sni_check), SNI_CHECK_OFF),
	OK(RULE, "sni_check", "log", RI(sni_check), SNI_CHECK_LOG),
	OK(RULE, "sni_check", "enforce", RI(sni_check), SNI_CHECK_ENFORCE),
	BAD(RULE, "sni_check", "on", " is not off, log or enforce"),
	BAD(ACL, "sni_check", "Enforce", " is not off, log or enforce"),

	/* [pac] */
	OK(PAC, "default", "proxy", CI(pac_default_proxy), 1),
	OK(PAC, "default", "direct", CI(pac_default_proxy), 0),
	BAD(PAC, "default", "DIRECT", " is not direct or proxy"),
	BAD(PAC, "direct", "a..b", " is not a CIDR, a name or a pattern"),
	BAD(PAC, "direct", "10.0.0.1/8", " has host bits set (the network is "
	    "10.0.0.0/8)"),

	/* [list NAME] */
	OK(LIST, "refresh", "1s", LU(refresh_ms), 1000),
	OK(LIST, "refresh", "6h", LU(refresh_ms), 21600000),
	OK(LIST, "refresh", "30d", LU(refresh_ms), 2592000000ULL),
	BAD(LIST, "refresh", "999ms", DUR("1s", "30d")),
	BAD(LIST, "refresh", "31d", DUR("1s", "30d")),
	BAD(LIST, "refresh", "0", DUR("1s", "30d")),
	BAD(LIST, "refresh", "6", DUR("1s", "30d")),
	OK(LIST, "timeout", "1s", LU(timeout_ms), 1000),
	OK(LIST, "timeout", "1h", LU(timeout_ms), 3600000),
	BAD(LIST, "timeout", "999ms", DUR("1s", "1h")),
	BAD(LIST, "timeout", "3601s", DUR("1s", "1h")),
	OK(LIST, "max_bytes", "1024", LU(max_bytes), 1024),
	OK(LIST, "max_bytes", "1k", LU(max_bytes), 1024),
	OK(LIST, "max_bytes", "8M", LU(max_bytes), 8388608),
	OK(LIST, "max_bytes", "1024m", LU(max_bytes), 1073741824),
	OK(LIST, "max_bytes", "1048576k", LU(max_bytes), 1073741824),
	BAD(LIST, "max_bytes", "1023", SIZE(1024, 1073741824)),
	BAD(LIST, "max_bytes", "1025m", SIZE(1024, 1073741824)),
	BAD(LIST, "max_bytes", "1073741825", SIZE(1024, 1073741824)),
	BAD(LIST, "max_bytes", "1g", SIZE(1024, 1073741824)),
	OK(LIST, "max_entries", "1", LU(max_entries), 1),
	OK(LIST, "max_entries", "10000000", LU(max_entries), 10000000),
	BAD(LIST, "max_entries", "0", NUM(1, 10000000)),
	BAD(LIST, "max_entries", "10000001", NUM(1, 10000000)),
	OK(LIST, "min_prefix_v4", "0", LU(min_prefix_v4), 0),
	OK(LIST, "min_prefix_v4", "32", LU(min_prefix_v4), 32),
	BAD(LIST, "min_prefix_v4", "33", NUM(0, 32)),
	BAD(LIST, "min_prefix_v4", "-1", NUM(0, 32)),
	BAD(LIST, "min_prefix_v4", "/8", NUM(0, 32)),
	OK(LIST, "min_prefix_v6", "0", LU(min_prefix_v6), 0),
	OK(LIST, "min_prefix_v6", "128", LU(min_prefix_v6), 128),
	BAD(LIST, "min_prefix_v6", "129", NUM(0, 128)),
	OK(LIST, "max_shrink", "0", LP(max_shrink), 0),
	OK(LIST, "max_shrink", "0%", LP(max_shrink), 0),
	OK(LIST, "max_shrink", "25%", LP(max_shrink), 25),
	OK(LIST, "max_shrink", "100", LP(max_shrink), 100),
	OK(LIST, "max_shrink", "100%", LP(max_shrink), 100),
	BAD(LIST, "max_shrink", "101", PCT),
	BAD(LIST, "max_shrink", "101%", PCT),
	BAD(LIST, "max_shrink", "50 %", PCT),
	BAD(LIST, "max_shrink", "%", PCT),
	BAD(LIST, "max_shrink", "50%%", PCT),
	BAD(LIST, "max_shrink", "-5", PCT),
	BAD(LIST, "max_shrink", "", PCT),
	OK(LIST, "allow_empty", "on", LI(allow_empty), 1),
	OK(LIST, "allow_empty", "off", LI(allow_empty), 0),
	BAD(LIST, "allow_empty", "enabled", BOOL),
	OK(LIST, "allow_http", "1", LI(allow_http), 1),
	OK(LIST, "allow_http", "0", LI(allow_http), 0),
	BAD(LIST, "allow_http", "11", BOOL),
	OK(LIST, "fetch_private", "yes", LI(fetch_private), 1),
	OK(LIST, "fetch_private", "no", LI(fetch_private), 0),
	BAD(LIST, "fetch_private", "private", BOOL),

	/* [dns] */
	OK(DNS, "min_ttl", "0", CU(min_ttl_ms), 0),
	OK(DNS, "min_ttl", "30s", CU(min_ttl_ms), 30000),
	OKA(DNS, "min_ttl", "1d", CU(min_ttl_ms), 86400000,
	    "max_ttl = 7d\n"),
	OKA(DNS, "min_ttl", "1440m", CU(min_ttl_ms), 86400000,
	    "max_ttl = 1d\n"),
	BAD(DNS, "min_ttl", "1441m", DUR("0", "1d")),
	BAD(DNS, "min_ttl", "2d", DUR("0", "1d")),
	BAD(DNS, "min_ttl", "30", DUR("0", "1d")),
	OKA(DNS, "max_ttl", "1s", CU(max_ttl_ms), 1000, "min_ttl = 0\n"),
	OK(DNS, "max_ttl", "7d", CU(max_ttl_ms), 604800000),
	OK(DNS, "max_ttl", "168h", CU(max_ttl_ms), 604800000),
	BAD(DNS, "max_ttl", "999ms", DUR("1s", "7d")),
	BAD(DNS, "max_ttl", "8d", DUR("1s", "7d")),
	BAD(DNS, "max_ttl", "169h", DUR("1s", "7d")),
	BAD(DNS, "max_ttl", "0", DUR("1s", "7d")),
	OK(DNS, "timeout", "500ms", CU(dns_timeout_ms), 500),
	OK(DNS, "timeout", "1m", CU(dns_timeout_ms), 60000),
	BAD(DNS, "timeout", "499ms", DUR("500ms", "1m")),
	BAD(DNS, "timeout", "61s", DUR("500ms", "1m")),
	BAD(DNS, "timeout", "0", DUR("500ms", "1m")),
	OK(DNS, "max_lookups_per_client", "1", CU(max_lookups_per_client), 1),
	OK(DNS, "max_lookups_per_client", "256", CU(max_lookups_per_client),
	    256),
	BAD(DNS, "max_lookups_per_client", "0", NUM(1, 256)),
	BAD(DNS, "max_lookups_per_client", "257", NUM(1, 256)),

	/* [log] */
	OK(LOG, "pcap_snaplen", "unlimited", CU(pcap_snaplen),
	    CONFIG_SNAPLEN_ALL),
	OK(LOG, "pcap_snaplen", "0", CU(pcap_snaplen), 0),
	OK(LOG, "pcap_snaplen", "65535", CU(pcap_snaplen), 65535),
	OK(LOG, "pcap_snaplen", "262144", CU(pcap_snaplen), 262144),
	BAD(LOG, "pcap_snaplen", "262145",
	    " is not unlimited or a number from 0 to 262144"),
	BAD(LOG, "pcap_snaplen", "Unlimited",
	    " is not unlimited or a number from 0 to 262144"),
	BAD(LOG, "pcap_snaplen", "-1",
	    " is not unlimited or a number from 0 to 262144"),
	BAD(LOG, "pcap_snaplen", "",
	    " is not unlimited or a number from 0 to 262144"),
	OK(LOG, "pcap_rotate_mb", "0", CU(pcap_rotate_mb), 0),
	OK(LOG, "pcap_rotate_mb", "1048576", CU(pcap_rotate_mb), 1048576),
	BAD(LOG, "pcap_rotate_mb", "1048577", NUM(0, 1048576)),
	BAD(LOG, "pcap_rotate_mb", "100m", NUM(0, 1048576)),
	OK(LOG, "pcap_keep", "0", CU(pcap_keep), 0),
	OK(LOG, "pcap_keep", "1000", CU(pcap_keep), 1000),
	BAD(LOG, "pcap_keep", "1001", NUM(0, 1000)),
	OK(LOG, "level", "error", CI(log_level), LOG_LEVEL_ERROR),
	OK(LOG, "level", "warn", CI(log_level), LOG_LEVEL_WARN),
	OK(LOG, "level", "info", CI(log_level), LOG_LEVEL_INFO),
	OK(LOG, "level", "debug", CI(log_level), LOG_LEVEL_DEBUG),
	BAD(LOG, "level", "warning",
	    " is not error, warn, info or debug"),
	BAD(LOG, "level", "INFO", " is not error, warn, info or debug"),
	BAD(LOG, "level", "", " is not error, warn, info or debug"),

	/* [pac] */
	OK(PAC, "max_entries", "0", CU(pac_max_entries), 0),
	OK(PAC, "max_entries", "10000", CU(pac_max_entries), 10000),
	BAD(PAC, "max_entries", "10001", NUM(0, 10000)),

	/* [auth] */
	OK(AUTH, "throttle_prefix_v6", "32", CU(throttle_prefix_v6), 32),
	OK(AUTH, "throttle_prefix_v6", "128", CU(throttle_prefix_v6), 128),
	BAD(AUTH, "throttle_prefix_v6", "31", NUM(32, 128)),
	BAD(AUTH, "throttle_prefix_v6", "129", NUM(32, 128)),
};

static void
test_kv(void)
{
	for (size_t i = 0; i < sizeof(kv_cases) / sizeof(kv_cases[0]); i++) {
		const struct kv_case	*k = &kv_cases[i];
		char			 text[1024], what[256], msg[512];
		char			 err[CONFIG_ERRLEN];
		struct config		*c;
		const char		*base;
		uint64_t		 got;

		snprintf(text, sizeof(text), "%s%s = %s\n%s", k->before,
		    k->key, k->value, k->after ? k->after : "");
		snprintf(what, sizeof(what), "%.*s %s = \"%s\"",
		    (int)strcspn(k->before, "\n"), k->before, k->key, k->value);
		if (k->bad != NULL) {
			snprintf(msg, sizeof(msg), "%s: \"%s\"%s", k->key,
			    k->value, k->bad);
			expect_error(text, count_lines(k->before) + 1, msg,
			    what);
			continue;
		}
		c = load(text, err);
		if (!t_ok(c != NULL, "%s: loads%s%s", what, c ? "" : ": ",
		    c ? "" : err))
			continue;
		if (strncmp(k->before, "[list", 5) == 0)
			base = (const char *)&c->lists[0];
		else if (strncmp(k->before, "[allow", 6) == 0)
			base = (const char *)&c->policy->rules[0];
		else
			base = (const char *)c;
		switch (k->type) {
		case F_U64:
			memcpy(&got, base + k->off, sizeof(got));
			break;
		case F_INT: {
			int v;

			memcpy(&v, base + k->off, sizeof(v));
			got = (uint64_t)(long long)v;
			break;
		}
		case F_UNSIGNED: {
			unsigned v;

			memcpy(&v, base + k->off, sizeof(v));
			got = v;
			break;
		}
		default:
			got = k->want;
			break;
		}
		t_int((long long)got, (long long)k->want, "%s: value", what);
		config_free(c);
	}
}

/* Every spelling of a bool, on one key. */
static void
test_bool_spellings(void)
{
	static const struct {
		const char	*s;
		int		 want;
	} cases[] = {
		{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
		{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
		{ "Yes", 1 }, { "OFF", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char		 text[128], what[128];
		struct config	*c;

		snprintf(text, sizeof(text), "[acl]\nrevoke_on_reload = %s\n",
		    cases[i].s);
		snprintf(what, sizeof(what), "revoke_on_reload = %s",
		    cases[i].s);
		if ((c = expect_load(text, what)) == NULL)
			continue;
		t_int(c->revoke_on_reload, cases[i].want, "%s: value", what);
		config_free(c);
	}
}

/* ---- keys whose errors need a full message ----------------------- */

struct err_case {
	const char	*text;
	int		 line;
	const char	*msg;
};

static void
run_errors(const struct err_case *cases, size_t n, const char *group)
{
	for (size_t i = 0; i < n; i++) {
		char what[256];

		snprintf(what, sizeof(what), "%s: %.*s", group,
		    (int)strcspn(cases[i].msg, "\n"), cases[i].msg);
		expect_error(cases[i].text, cases[i].line, cases[i].msg, what);
	}
}

#define RUN(cases, group) \
	run_errors(cases, sizeof(cases) / sizeof(cases[0]), group)

#define NOT_EP	" is not IP:PORT ([IPv6]:PORT)"
#define NOT_CIDR	" is not an IP address or CIDR"
#define NOT_PATTERN	" is not a name or a pattern (name, *.name or .name)"
#define IS_ADDR	" is an address; addresses go in nets"
#define TOO_BROAD	" is as broad as a public suffix; name the vendor's " \
			"domain below it"
#define NOT_PORT	" is not a port (1-65535) or a range of ports"
#define NOT_DNS	" is not an IP address with an optional :port"

static const struct err_case key_errors[] = {
	/* [proxy] listen */
	{ "[proxy]\nlisten =\n", 2, "listen: at least one address is needed" },
	{ "[proxy]\nlisten = 1.2.3.4\n", 2, "listen: \"1.2.3.4\"" NOT_EP },
	{ "[proxy]\nlisten = :3128\n", 2, "listen: \":3128\"" NOT_EP },
	{ "[proxy]\nlisten = 1.2.3.4:0\n", 2, "listen: \"1.2.3.4:0\"" NOT_EP },
	{ "[proxy]\nlisten = 1.2.3.4:65536\n", 2,
	    "listen: \"1.2.3.4:65536\"" NOT_EP },
	{ "[proxy]\nlisten = 1.2.3.4:80x\n", 2,
	    "listen: \"1.2.3.4:80x\"" NOT_EP },
	{ "[proxy]\nlisten = 1.2.3.256:80\n", 2,
	    "listen: \"1.2.3.256:80\"" NOT_EP },
	{ "[proxy]\nlisten = ::1\n", 2, "listen: \"::1\"" NOT_EP },
	{ "[proxy]\nlisten = [::1]\n", 2, "listen: \"[::1]\"" NOT_EP },
	{ "[proxy]\nlisten = [::1]:\n", 2, "listen: \"[::1]:\"" NOT_EP },
	{ "[proxy]\nlisten = [::1]3128\n", 2, "listen: \"[::1]3128\"" NOT_EP },
	{ "[proxy]\nlisten = [::1:3128\n", 2, "listen: \"[::1:3128\"" NOT_EP },
	{ "[proxy]\nlisten = proxy.example:3128\n", 2,
	    "listen: \"proxy.example:3128\"" NOT_EP },
	{ "[proxy]\nlisten = 127.0.0.1:3128, 127.0.0.1\n", 2,
	    "listen: \"127.0.0.1\"" NOT_EP },
	{ "[proxy]\nlisten = 127.0.0.1:1,,127.0.0.1:2\n", 2,
	    "listen: empty item in the list" },
	{ "[proxy]\nlisten = 127.0.0.1:1,\n", 2,
	    "listen: empty item in the list" },
	/* [proxy] clients */
	{ "[proxy]\nclients =\n", 2, "clients: at least one CIDR is needed" },
	{ "[proxy]\nclients = 10.0.0.1/8\n", 2, "clients: \"10.0.0.1/8\" has "
	    "host bits set (the network is 10.0.0.0/8)" },
	{ "[proxy]\nclients = 2001:db8::1/32\n", 2, "clients: "
	    "\"2001:db8::1/32\" has host bits set (the network is "
	    "2001:db8::/32)" },
	{ "[proxy]\nclients = 10.0.0.0/33\n", 2,
	    "clients: \"10.0.0.0/33\"" NOT_CIDR },
	{ "[proxy]\nclients = 10.0.0.0/08\n", 2,
	    "clients: \"10.0.0.0/08\"" NOT_CIDR },
	{ "[proxy]\nclients = corp.example\n", 2,
	    "clients: \"corp.example\"" NOT_CIDR },
	{ "[proxy]\nclients = 10.0.0.0/8,, 192.168.0.0/16\n", 2,
	    "clients: empty item in the list" },
	/* [proxy] proxy_protocol_from */
	{ "[proxy]\nproxy_protocol_from = 10.0.0.0/8x\n", 2,
	    "proxy_protocol_from: \"10.0.0.0/8x\"" NOT_CIDR },
	{ "[proxy]\nproxy_protocol_from = 10.1.2.3/16\n", 2,
	    "proxy_protocol_from: \"10.1.2.3/16\" has host bits set (the "
	    "network is 10.1.0.0/16)" },
	{ "[proxy]\nproxy_protocol = yes\n", 2,
	    "proxy_protocol: yes needs proxy_protocol_from" },
	/* [proxy] user, a string: only a repeat is an error */
	{ "[proxy]\nuser = nobody\nuser = daemon\n", 3,
	    "user appears twice in this section" },
	/* [acl] deny */
	{ "[acl]\ndeny = 203.0.113.1/24\n", 2, "deny: \"203.0.113.1/24\" has "
	    "host bits set (the network is 203.0.113.0/24)" },
	{ "[acl]\ndeny = 300.0.0.0/8\n", 2, "deny: \"300.0.0.0/8\"" NOT_CIDR },
	{ "[acl]\ndeny = 10.0.0.0/8,\n", 2, "deny: empty item in the list" },
	/* [allow] hosts */
	{ "[allow r]\nports = 443\nhosts = a..com\n", 3,
	    "hosts: \"a..com\"" NOT_PATTERN },
	{ "[allow r]\nports = 443\nhosts = *\n", 3,
	    "hosts: \"*\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = a.*.com\n", 3,
	    "hosts: \"a.*.com\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = *.\n", 3,
	    "hosts: \"*.\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = *.com\n", 3,
	    "hosts: \"*.com\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = a.com, .co.uk\n", 3,
	    "hosts: \".co.uk\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = *.*.com\n", 3,
	    "hosts: \"*.*.com\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = *cdn.com\n", 3,
	    "hosts: \"*cdn.com\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = *.github.io\n", 3,
	    "hosts: \"*.github.io\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = a*.b*.com\n", 3,
	    "hosts: \"a*.b*.com\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = a.*\n", 3,
	    "hosts: \"a.*\"" TOO_BROAD },
	{ "[allow r]\nports = 443\nhosts = *-.a.com\n", 3,
	    "hosts: \"*-.a.com\"" NOT_PATTERN },
	{ "[allow r]\nports = 443\nhosts = a*.b-.com\n", 3,
	    "hosts: \"a*.b-.com\"" NOT_PATTERN },
	{ "[allow r]\nports = 443\nhosts = -a.com\n", 3,
	    "hosts: \"-a.com\"" NOT_PATTERN },
	{ "[allow r]\nports = 443\nhosts = a.com, b!.com\n", 3,
	    "hosts: \"b!.com\"" NOT_PATTERN },
	{ "[allow r]\nports = 443\nhosts = 1.2.3.4\n", 3,
	    "hosts: \"1.2.3.4\"" IS_ADDR },
	{ "[allow r]\nports = 443\nhosts = 127.1\n", 3,
	    "hosts: \"127.1\"" IS_ADDR },
	{ "[allow r]\nports = 443\nhosts = ::1\n", 3,
	    "hosts: \"::1\"" IS_ADDR },
	{ "[allow r]\nports = 443\nhosts = 2001:db8::/32\n", 3,
	    "hosts: \"2001:db8::/32\"" IS_ADDR },
	{ "[allow r]\nports = 443\nhosts = a.com,,b.com\n", 3,
	    "hosts: empty item in the list" },
	/* a URL or a port in hosts: what is wrong and what to write */
	{ "[allow r]\nports = 443\nhosts = https://github.com/\n", 3,
	    "hosts: \"https://github.com/\" is a URL, not a name pattern: "
	    "write its host alone (github.com)" },
	{ "[allow r]\nports = 443\nhosts = https://u@github.com:8443/x?y\n",
	    3, "hosts: \"https://u@github.com:8443/x?y\" is a URL, not a name "
	    "pattern: write its host alone (github.com), and the port (8443) "
	    "in ports" },
	{ "[allow r]\nports = 443\nhosts = http://192.0.2.1/\n", 3,
	    "hosts: \"http://192.0.2.1/\" is a URL, not a name pattern: its "
	    "host 192.0.2.1 is an address, it goes in nets" },
	{ "[allow r]\nports = 443\nhosts = https://[2001:db8::1]:443/\n", 3,
	    "hosts: \"https://[2001:db8::1]:443/\" is a URL, not a name "
	    "pattern: its host [2001:db8::1] is an address, it goes in nets, "
	    "and the port (443) in ports" },
	{ "[allow r]\nports = 443\nhosts = github.com:443\n", 3,
	    "hosts: \"github.com:443\" has a port: write the name alone "
	    "(github.com) and the port (443) in ports" },
	{ "[allow r]\nports = 443\nhosts = a.com, *.github.com:22\n", 3,
	    "hosts: \"*.github.com:22\" has a port: write the name alone "
	    "(*.github.com) and the port (22) in ports" },
	{ "[allow r]\nports = 443\nhosts = 192.0.2.1:443\n", 3,
	    "hosts: \"192.0.2.1:443\" is an address with a port: the address "
	    "goes in nets, the port (443) in ports" },
	{ "[allow r]\nports = 443\nhosts = [::1]:443\n", 3,
	    "hosts: \"[::1]:443\" is an address with a port: the address "
	    "goes in nets, the port (443) in ports" },
	{ "[allow r]\nports = 443\nhosts = [::1]\n", 3,
	    "hosts: \"[::1]\"" IS_ADDR },
	{ "[allow r]\nports = 443\nhosts = a.com:b\n", 3,
	    "hosts: \"a.com:b\"" NOT_PATTERN },
	/* [allow] nets */
	{ "[allow r]\nports = 443\nnets = 192.0.2.0/24x\n", 3,
	    "nets: \"192.0.2.0/24x\"" NOT_CIDR },
	{ "[allow r]\nports = 443\nnets = a.com\n", 3,
	    "nets: \"a.com\"" NOT_CIDR },
	{ "[allow r]\nports = 443\nnets = 192.0.2.1/24\n", 3,
	    "nets: \"192.0.2.1/24\" has host bits set (the network is "
	    "192.0.2.0/24)" },
	/* [allow] ports */
	{ "[allow r]\nhosts = a.com\nports = 0\n", 3,
	    "ports: \"0\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nports = 65536\n", 3,
	    "ports: \"65536\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nports = 10-5\n", 3,
	    "ports: \"10-5\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nudp_ports = 0\n", 3,
	    "udp_ports: \"0\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nudp_ports = 3478-\n", 3,
	    "udp_ports: \"3478-\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nports = 1-\n", 3,
	    "ports: \"1-\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nports = https\n", 3,
	    "ports: \"https\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nports = 080\n", 3,
	    "ports: \"080\"" NOT_PORT },
	{ "[allow r]\nhosts = a.com\nports = 443,\n", 3,
	    "ports: empty item in the list" },
	/* [allow] lists */
	{ "[allow r]\nports = 443\nlists = a/b\n", 3,
	    "lists: \"a/b\" is not a list name" },
	/* [allow] clients */
	{ "[allow r]\nports = 443\nhosts = a.com\nclients = 10.1.0.0/15x\n", 4,
	    "clients: \"10.1.0.0/15x\"" NOT_CIDR },
	{ "[allow r]\nports = 443\nhosts = a.com\nclients = 10.1.0.1/16\n", 4,
	    "clients: \"10.1.0.1/16\" has host bits set (the network is "
	    "10.1.0.0/16)" },
	/* [allow] users: needs [auth] users_file, checked at the end */
	{ "[allow r]\nports = 443\nhosts = a.com\nusers = alice\n", 4,
	    "users: needs [auth] users_file" },
	/* [list] url */
	{ "[list l]\nurl = ftp://vendor.example/x\n", 2, "url: "
	    "\"ftp://vendor.example/x\" is not an https:// or http:// URL" },
	{ "[list l]\nurl = vendor.example/list\n", 2, "url: "
	    "\"vendor.example/list\" is not an https:// or http:// URL" },
	{ "[list l]\nurl = HTTPS://vendor.example/list\n", 2, "url: "
	    "\"HTTPS://vendor.example/list\" is not an https:// or http:// "
	    "URL" },
	{ "[list l]\nurl = https://\n", 2, "url: \"https://\" has no host" },
	{ "[list l]\nurl = https:///list\n", 2,
	    "url: \"https:///list\" has no host" },
	{ "[list l]\nurl = http://\n", 2, "url: \"http://\" has no host" },
	{ "[list l]\nurl = https://a.example/x y\n", 2,
	    "url: \"https://a.example/x y\" has no host" },
	/* [list] file */
	{ "[list l]\nfile =\n", 2, "file: a path is needed" },
	/* [list] format */
	{ "[list l]\nfile = l.txt\nformat = csv\n", 3,
	    "format: \"csv\" is not text, auto or json" },
	{ "[list l]\nfile = l.txt\nformat = JSON\n", 3,
	    "format: \"JSON\" is not text, auto or json" },
	/* [list] json_path, ca_file: strings and paths */
	{ "[list l]\nfile = l.txt\njson_path = a\njson_path = b\n", 4,
	    "json_path appears twice in this section" },
	{ "[list l]\nfile = l.txt\nca_file = a.pem\nca_file = b.pem\n", 4,
	    "ca_file appears twice in this section" },
	/* [list] within */
	{ "[list l]\nfile = l.txt\nwithin = 203.0.113.0/24, isl.example\n", 3,
	    "within: \"isl.example\"" NOT_CIDR },
	{ "[list l]\nfile = l.txt\nwithin = 203.0.113.1/24\n", 3,
	    "within: \"203.0.113.1/24\" has host bits set (the network is "
	    "203.0.113.0/24)" },
	{ "[list l]\nfile = l.txt\nwithin = 203.0.113.0/33\n", 3,
	    "within: \"203.0.113.0/33\"" NOT_CIDR },
	{ "[list l]\nfile = l.txt\nwithin = 203.0.113.0/24,\n", 3,
	    "within: empty item in the list" },
	/* [list] sha256 */
	{ "[list l]\nfile = l.txt\nsha256 = abc\n", 3,
	    "sha256: expected 64 hex digits" },
	{ "[list l]\nfile = l.txt\nsha256 = "
	    "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdeg\n",		/* a 'g' */
	    3, "sha256: expected 64 hex digits" },
	{ "[list l]\nfile = l.txt\nsha256 = "
	    "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef00\n",	/* 66 digits */
	    3, "sha256: expected 64 hex digits" },
	/* [cache] dir */
	{ "[cache]\ndir = /a\ndir = /b\n", 3,
	    "dir appears twice in this section" },
	/* [dns] servers, hosts_file */
	{ "[dns]\nservers = 1.1.1.1:0\n", 2, "servers: \"1.1.1.1:0\"" NOT_DNS },
	{ "[dns]\nservers = 1.1.1.1:65536\n", 2,
	    "servers: \"1.1.1.1:65536\"" NOT_DNS },
	{ "[dns]\nservers = dns.example\n", 2,
	    "servers: \"dns.example\"" NOT_DNS },
	{ "[dns]\nservers = 1.1.1.1, [::1\n", 2, "servers: \"[::1\"" NOT_DNS },
	{ "[dns]\nservers = 1.1.1.1,\n", 2, "servers: empty item in the list" },
	{ "[dns]\nhosts_file = /a\nhosts_file = /b\n", 3,
	    "hosts_file appears twice in this section" },
	/* [log] */
	{ "[log]\naccess =\n", 2,
	    "access: give a path, syslog, stderr or off" },
	{ "[log]\nevents =\n", 2, "events: give stderr, syslog or a path" },
	{ "[log]\npcap = a.pcap\npcap = off\n", 3,
	    "pcap appears twice in this section" },
	/* [admin] */
	{ "[admin]\nlisten = 127.0.0.1\n", 2, "listen: \"127.0.0.1\"" NOT_EP },
	{ "[admin]\nlisten = 127.0.0.1:0\n", 2,
	    "listen: \"127.0.0.1:0\"" NOT_EP },
	{ "[admin]\nlisten = 127.0.0.1:9090, 127.0.0.1:9091\n", 2,
	    "listen: \"127.0.0.1:9090, 127.0.0.1:9091\"" NOT_EP },
	{ "[admin]\nallow = 127.0.0.1/8\n", 2, "allow: \"127.0.0.1/8\" has "
	    "host bits set (the network is 127.0.0.0/8)" },
	{ "[admin]\nallow = localhost\n", 2, "allow: \"localhost\"" NOT_CIDR },
	/* [pac] proxies */
	{ "[pac]\nproxies = proxy.example\n", 2,
	    "proxies: \"proxy.example\" is not HOST:PORT" },
	{ "[pac]\nproxies = :3128\n", 2,
	    "proxies: \":3128\" is not HOST:PORT" },
	{ "[pac]\nproxies = proxy.example:0\n", 2,
	    "proxies: \"proxy.example:0\" is not HOST:PORT" },
	{ "[pac]\nproxies = proxy.example:65536\n", 2,
	    "proxies: \"proxy.example:65536\" is not HOST:PORT" },
	{ "[pac]\nproxies = proxy.example:http\n", 2,
	    "proxies: \"proxy.example:http\" is not HOST:PORT" },
	{ "[pac]\nproxies = a:1,\n", 2, "proxies: empty item in the list" },
	/* [auth] users_file */
	{ "[auth]\nusers_file = a\nusers_file = b\n", 3,
	    "users_file appears twice in this section" },
};

/* ---- keys checked field by field --------------------------------- */

static void
test_defaults(void)
{
	struct config	*c = expect_load("", "an empty file");
	struct policy	*pol;

	if (c == NULL)
		return;
	pol = c->policy;
	t_str(c->path, path_now, "defaults: path");
	t_int((long long)c->nlisten, 1, "defaults: one listen address");
	t_str(c->listen[0].text, "0.0.0.0:3128", "defaults: listen");
	t_int(c->listen[0].port, 3128, "defaults: listen port");
	t_int(c->listen[0].addr.family, ADDR_V4, "defaults: listen family");
	t_int((long long)cidrset_count(pol->clients), 6,
	    "defaults: six client ranges");
	t_ok(has_addr(pol->clients, "10.9.8.7") &&
	    has_addr(pol->clients, "172.31.0.1") &&
	    has_addr(pol->clients, "192.168.1.1") &&
	    has_addr(pol->clients, "127.0.0.1") &&
	    has_addr(pol->clients, "::1") && has_addr(pol->clients, "fd00::1"),
	    "defaults: clients are the internal ranges");
	t_ok(!has_addr(pol->clients, "8.8.8.8") &&
	    !has_addr(pol->clients, "172.32.0.1") &&
	    !has_addr(pol->clients, "2001:db8::1"),
	    "defaults: clients leave out public addresses");
	t_int((long long)c->max_connections, 10000,
	    "defaults: max_connections");
	t_int((long long)c->max_connections_per_client, 256,
	    "defaults: max_connections_per_client");
	t_int((long long)c->handshake_timeout_ms, 10000,
	    "defaults: handshake_timeout 10s");
	t_int((long long)c->max_header_bytes, 32768,
	    "defaults: max_header_bytes 32k");
	t_int((long long)c->connect_timeout_ms, 10000,
	    "defaults: connect_timeout 10s");
	t_int((long long)c->idle_timeout_ms, 900000,
	    "defaults: idle_timeout 15m");
	t_int((long long)c->shutdown_grace_ms, 30000,
	    "defaults: shutdown_grace 30s");
	t_int((long long)c->workers, 0, "defaults: workers auto");
	t_str(c->user, NULL, "defaults: no user");
	t_int(c->proxy_protocol, 0, "defaults: proxy_protocol no");
	t_ok(c->proxy_protocol_from == NULL,
	    "defaults: no proxy_protocol_from");
	t_int(c->sandbox, 1, "defaults: sandbox yes");
	t_int(c->deny_private, 1, "defaults: deny_private yes");
	t_ok(pol->private != NULL && has_addr(pol->private, "10.0.0.1") &&
	    has_addr(pol->private, "169.254.1.1"),
	    "defaults: the private ranges are denied");
	t_int(c->revoke_on_reload, 0, "defaults: revoke_on_reload no");
	t_ok(pol->deny == NULL, "defaults: no deny");
	t_int((long long)pol->nrules, 0, "defaults: no rules");
	t_int((long long)c->nlists, 0, "defaults: no lists");
	t_str(c->cache_dir, "/var/lib/pinhole", "defaults: cache dir");
	t_int((long long)c->ndns_servers, 0, "defaults: no dns servers");
	t_str(c->hosts_file, "/etc/hosts", "defaults: hosts_file");
	t_int((long long)c->min_ttl_ms, 30000, "defaults: min_ttl 30s");
	t_int((long long)c->max_ttl_ms, 3600000, "defaults: max_ttl 1h");
	t_int((long long)c->dns_timeout_ms, 4000, "defaults: [dns] timeout 4s");
	t_int((long long)c->max_lookups_per_client, 16,
	    "defaults: max_lookups_per_client 16");
	t_str(c->access, "/var/log/pinhole/flows.jsonl", "defaults: access");
	t_str(c->pcap, NULL, "defaults: no pcap");
	t_int((long long)c->pcap_snaplen, 4096, "defaults: pcap_snaplen");
	t_int((long long)c->pcap_rotate_mb, 100, "defaults: pcap_rotate_mb");
	t_int((long long)c->pcap_keep, 10, "defaults: pcap_keep");
	t_int(c->log_level, LOG_LEVEL_INFO, "defaults: level info");
	t_str(c->events, "stderr", "defaults: events");
	t_ok(c->admin_listen != NULL &&
	    strcmp(c->admin_listen->text, "127.0.0.1:9090") == 0,
	    "defaults: admin listen 127.0.0.1:9090");
	t_ok(cidrset_count(c->admin_allow) == 2 &&
	    has_addr(c->admin_allow, "127.1.2.3") &&
	    has_addr(c->admin_allow, "::1") &&
	    !has_addr(c->admin_allow, "10.0.0.1"),
	    "defaults: admin allow 127.0.0.0/8, ::1");
	t_int((long long)c->npac_proxies, 0, "defaults: no pac proxies");
	t_int((long long)c->pac_max_entries, 1000, "defaults: pac max_entries");
	t_str(c->users_file, NULL, "defaults: no users_file");
	config_free(c);

	/* Sections without keys change nothing. */
	c = expect_load("; comments only\n# and more\n[proxy]\n[acl]\n[cache]\n"
	    "[dns]\n[log]\n[admin]\n[pac]\n[auth]\n", "empty sections");
	if (c != NULL) {
		t_str(c->listen[0].text, "0.0.0.0:3128",
		    "empty sections: listen default");
		t_int((long long)c->idle_timeout_ms, 900000,
		    "empty sections: idle_timeout default");
		config_free(c);
	}

	c = expect_load("[acl]\ndeny_private = no\n", "deny_private = no");
	if (c != NULL) {
		t_ok(c->policy->private == NULL,
		    "deny_private = no: no private ranges");
		config_free(c);
	}
}

static void
test_proxy_keys(void)
{
	struct config	*c;

	c = expect_load("[proxy]\nlisten = 127.0.0.1:3128, [::1]:3128\t"
	    "10.0.0.1:8080   192.0.2.1:1,[2001:db8::1]:65535\n", "listen list");
	if (c != NULL) {
		t_int((long long)c->nlisten, 5, "listen: five addresses");
		if (c->nlisten == 5) {
			t_str(c->listen[0].text, "127.0.0.1:3128", "listen 0");
			t_str(c->listen[1].text, "[::1]:3128", "listen 1 IPv6");
			t_int(c->listen[1].addr.family, ADDR_V6,
			    "listen 1 is IPv6");
			t_int(c->listen[1].port, 3128, "listen 1 port");
			t_str(c->listen[2].text, "10.0.0.1:8080", "listen 2");
			t_str(c->listen[3].text, "192.0.2.1:1", "listen 3");
			t_str(c->listen[4].text, "[2001:db8::1]:65535",
			    "listen 4");
			t_int(c->listen[4].port, 65535, "listen 4 port");
		}
		config_free(c);
	}
	c = expect_load("[proxy]\nlisten = [::1]:3128\n", "listen [::1]:3128");
	if (c != NULL) {
		t_ok(c->nlisten == 1 && c->listen[0].addr.family == ADDR_V6 &&
		    c->listen[0].addr.b[15] == 1 && c->listen[0].port == 3128,
		    "listen [::1]:3128: the address and port");
		config_free(c);
	}

	c = expect_load("[proxy]\nclients = 192.0.2.0/24 2001:db8::/32\n",
	    "clients");
	if (c != NULL) {
		t_int((long long)cidrset_count(c->policy->clients), 2,
		    "clients: two ranges replace the defaults");
		t_ok(has_addr(c->policy->clients, "192.0.2.9") &&
		    has_addr(c->policy->clients, "2001:db8::5") &&
		    !has_addr(c->policy->clients, "10.0.0.1"),
		    "clients: the new ranges only");
		config_free(c);
	}

	c = expect_load("[proxy]\nuser = nobody\nproxy_protocol = on\n"
	    "proxy_protocol_from = 10.0.0.0/8, 2001:db8::/32\n", "user, "
	    "proxy_protocol");
	if (c != NULL) {
		t_str(c->user, "nobody", "user = nobody");
		t_int(c->proxy_protocol, 1, "proxy_protocol = on");
		t_ok(c->proxy_protocol_from != NULL &&
		    cidrset_count(c->proxy_protocol_from) == 2 &&
		    has_addr(c->proxy_protocol_from, "10.2.3.4") &&
		    has_addr(c->proxy_protocol_from, "2001:db8::9") &&
		    !has_addr(c->proxy_protocol_from, "11.0.0.1"),
		    "proxy_protocol_from: two ranges");
		config_free(c);
	}
	c = expect_load("[proxy]\nuser =\n", "user empty");
	if (c != NULL) {
		t_str(c->user, NULL, "user = (empty): stay");
		config_free(c);
	}

	c = expect_load("[acl]\ndeny = 203.0.113.0/24, 2001:db8:dead::/48\n",
	    "deny");
	if (c != NULL) {
		t_ok(c->policy->deny != NULL &&
		    cidrset_count(c->policy->deny) == 2 &&
		    has_addr(c->policy->deny, "203.0.113.77") &&
		    has_addr(c->policy->deny, "2001:db8:dead::1") &&
		    !has_addr(c->policy->deny, "203.0.114.1"),
		    "deny: two ranges");
		config_free(c);
	}
	c = expect_load("[acl]\ndeny =\n", "deny empty");
	if (c != NULL) {
		t_ok(c->policy->deny != NULL &&
		    cidrset_count(c->policy->deny) == 0, "deny = (empty)");
		config_free(c);
	}
}

static void
test_rule_keys(void)
{
	static const char text[] =
	    "[auth]\n"
	    "users_file = users.htpasswd\n"
	    "[list l1]\n"
	    "url = https://a.example/x\n"
	    "[allow r1]\n"				/* line 5 */
	    "hosts = a.com, *.b.com .c.com\n"
	    "nets = 192.0.2.0/24 2001:db8::/32\n"
	    "lists = l1, l2, l1\n"
	    "ports = 443, 80 5060-5061\n"
	    "clients = 10.1.0.0/16\n"
	    "users = alice, bob\n"
	    "resolve = yes\n"
	    "allow_private = yes\n"
	    "[allow r2]\n"				/* line 14 */
	    "nets = 198.51.100.7\n"
	    "ports = 22\n"
	    "clients =\n"
	    "users =\n"
	    "[allow r3]\n"				/* line 19 */
	    "lists = l2\n"
	    "ports = 1-65535\n"
	    "[list l2]\n"				/* line 22 */
	    "file = /etc/pinhole/l2.txt\n";
	struct config		*c = expect_load(text, "a full [allow]");
	const struct acl_rule	*r;
	struct name_match	 m;

	if (c == NULL)
		return;
	if (!t_int((long long)c->policy->nrules, 3, "three rules")) {
		config_free(c);
		return;
	}
	r = &c->policy->rules[0];
	t_str(r->name, "r1", "rule 0 name");
	t_int(r->line, 5, "rule 0 line");
	t_int(r->ports.count, 4, "ports: four");
	t_ok(portset_has(&r->ports, 443) && portset_has(&r->ports, 80) &&
	    portset_has(&r->ports, 5060) && portset_has(&r->ports, 5061) &&
	    !portset_has(&r->ports, 22) && !portset_has(&r->ports, 5062),
	    "ports: 443, 80, 5060-5061");
	t_int((long long)nameset_count(r->own->names), 3, "hosts: three");
	t_ok(nameset_lookup(r->own->names, "a.com", 5, &m) &&
	    m.how == NAME_EXACT && strcmp(m.base, "a.com") == 0,
	    "hosts: a.com exact");
	t_ok(!has_name(r->own->names, "x.a.com"), "hosts: a.com only itself");
	t_ok(nameset_lookup(r->own->names, "x.y.b.com", 9, &m) &&
	    (m.how & NAME_WILD) && strcmp(m.base, "b.com") == 0,
	    "hosts: *.b.com matches below");
	t_ok(!has_name(r->own->names, "b.com"), "hosts: *.b.com not itself");
	t_ok(has_name(r->own->names, "c.com") &&
	    has_name(r->own->names, "x.c.com"), "hosts: .c.com both");
	t_int((long long)cidrset_count(r->own->nets), 2, "nets: two");
	t_ok(has_addr(r->own->nets, "192.0.2.200") &&
	    has_addr(r->own->nets, "2001:db8:1::1") &&
	    !has_addr(r->own->nets, "192.0.3.1"), "nets: the ranges");
	t_int((long long)r->nlists, 2, "lists: two, the repeat dropped");
	t_ok(r->nlists == 2 && r->lists[0] == 0 && r->lists[1] == 1,
	    "lists: l1 then l2 (defined after the rule)");
	t_ok(r->clients != NULL && cidrset_count(r->clients) == 1 &&
	    has_addr(r->clients, "10.1.200.1") &&
	    !has_addr(r->clients, "10.2.0.1"), "clients: 10.1.0.0/16");
	t_ok(r->nusers == 2 && strcmp(r->users[0], "alice") == 0 &&
	    strcmp(r->users[1], "bob") == 0, "users: alice, bob");
	t_int(r->resolve, 1, "resolve = yes");
	t_int(r->allow_private, 1, "allow_private = yes");

	r = &c->policy->rules[1];
	t_str(r->name, "r2", "rule 1 name");
	t_int(r->line, 14, "rule 1 line");
	t_ok(cidrset_count(r->own->nets) == 1 &&
	    has_addr(r->own->nets, "198.51.100.7") &&
	    !has_addr(r->own->nets, "198.51.100.8"),
	    "nets: a bare address is one host");
	t_ok(r->clients == NULL, "clients = (empty): every client");
	t_ok(r->nusers == 0 && r->users == NULL, "users = (empty): any user");
	t_ok(r->resolve == 0 && r->allow_private == 0 && r->nlists == 0,
	    "rule 1: resolve, allow_private no; no lists");

	r = &c->policy->rules[2];
	t_ok(r->nlists == 1 && r->lists[0] == 1 && r->ports.count == 65535,
	    "rule 2: lists only, every port");

	t_ok(c->nlists == 2 && c->policy->nlists == 2 &&
	    strcmp(c->policy->lists[0], "l1") == 0 &&
	    strcmp(c->policy->lists[1], "l2") == 0 &&
	    strcmp(c->lists[1].name, "l2") == 0 && c->lists[1].line == 22,
	    "lists l1, l2 in file order");
	config_free(c);

	/* UDP alone: a rule with udp_ports needs no (TCP) ports. */
	c = expect_load("[allow media]\nhosts = *.m.example\n"
	    "udp_ports = 3478, 15000-65000\n", "a rule with udp_ports only");
	if (c == NULL)
		return;
	r = &c->policy->rules[0];
	t_ok(r->ports.count == 0 && r->udp_ports.count == 1 + 50001 &&
	    portset_has(&r->udp_ports, 3478) &&
	    portset_has(&r->udp_ports, 15000) &&
	    !portset_has(&r->udp_ports, 14999), "udp_ports 3478, 15000-65000");
	config_free(c);
}

/* within holds at most 256 ranges (each entry is checked against each). */
static void
within_bound(void)
{
	static char	 text[256 * 20 + 64];
	size_t		 n;

	for (int max = 256; max <= 257; max++) {
		struct config	*c;

		n = (size_t)snprintf(text, sizeof(text),
		    "[list l]\nfile = l.txt\nwithin =");
		for (int i = 0; i < max; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			    " 10.%d.%d.0/24", i / 256, i % 256);
		snprintf(text + n, sizeof(text) - n, "\n");
		if (max == 256) {
			c = expect_load(text, "within: 256 ranges");
			t_ok(c != NULL && c->lists[0].nwithin == 256,
			    "within: 256 ranges kept");
			config_free(c);
		} else
			expect_error(text, 3, "within: more than 256 ranges",
			    "within: 257 ranges");
	}
}

static void
test_list_keys(void)
{
	static const char full[] =
	    "[list full]\n"
	    "url = https://vendor.example/servers.json\n"
	    "format = json\n"
	    "json_path = data.ips\n"
	    "refresh = 2h\n"
	    "timeout = 45s\n"
	    "max_bytes = 2m\n"
	    "max_entries = 500\n"
	    "min_prefix_v4 = 16\n"
	    "min_prefix_v6 = 48\n"
	    "max_shrink = 20%\n"
	    "allow_empty = yes\n"
	    "allow_http = yes\n"
	    "fetch_private = yes\n"
	    "ca_file = /etc/ssl/vendor.pem\n"
	    "within = 203.0.113.0/24, 2001:db8::/32 198.51.100.7\n"
	    "sha256 = 00112233445566778899aabbccddeeff"
	    "FFEEDDCCBBAA99887766554433221100\n";
	struct config		*c;
	const struct list_conf	*l;

	c = expect_load("; a list\n[list l]\n"
	    "url = https://vendor.example/l.txt\n", "list defaults");
	if (c != NULL && t_int((long long)c->nlists, 1, "one list")) {
		l = &c->lists[0];
		t_str(l->name, "l", "list name");
		t_int(l->line, 2, "list line");
		t_str(l->url, "https://vendor.example/l.txt", "list url");
		t_int(l->url_line, 3, "list url line");
		t_str(l->file, NULL, "list: no file");
		t_int(l->format, LIST_TEXT, "list defaults: format text");
		t_str(l->json_path, NULL, "list defaults: no json_path");
		t_int((long long)l->refresh_ms, 21600000,
		    "list defaults: refresh 6h");
		t_int((long long)l->timeout_ms, 30000,
		    "list defaults: timeout 30s");
		t_int((long long)l->max_bytes, 8388608,
		    "list defaults: max_bytes 8m");
		t_int((long long)l->max_entries, 100000,
		    "list defaults: max_entries");
		t_int((long long)l->min_prefix_v4, 8,
		    "list defaults: min_prefix_v4");
		t_int((long long)l->min_prefix_v6, 16,
		    "list defaults: min_prefix_v6");
		t_int(l->max_shrink, 50, "list defaults: max_shrink 50%%");
		t_int(l->allow_empty, 0, "list defaults: allow_empty no");
		t_int(l->allow_http, 0, "list defaults: allow_http no");
		t_int(l->fetch_private, 0, "list defaults: fetch_private no");
		t_str(l->ca_file, NULL, "list defaults: system CA store");
		t_int(l->has_sha256, 0, "list defaults: no sha256 pin");
		t_ok(l->within == NULL && l->nwithin == 0,
		    "list defaults: no within");
		t_ok(c->policy->nlists == 1 &&
		    strcmp(c->policy->lists[0], "l") == 0,
		    "list: in the policy's names");
	}
	config_free(c);

	c = expect_load(full, "a list with every key");
	if (c != NULL) {
		l = &c->lists[0];
		t_str(l->url, "https://vendor.example/servers.json",
		    "full: url");
		t_int(l->format, LIST_JSON, "full: format json");
		t_str(l->json_path, "data.ips", "full: json_path");
		t_int((long long)l->refresh_ms, 7200000, "full: refresh");
		t_int((long long)l->timeout_ms, 45000, "full: timeout");
		t_int((long long)l->max_bytes, 2097152, "full: max_bytes");
		t_int((long long)l->max_entries, 500, "full: max_entries");
		t_int((long long)l->min_prefix_v4, 16, "full: min_prefix_v4");
		t_int((long long)l->min_prefix_v6, 48, "full: min_prefix_v6");
		t_int(l->max_shrink, 20, "full: max_shrink");
		t_int(l->allow_empty, 1, "full: allow_empty");
		t_int(l->allow_http, 1, "full: allow_http");
		t_int(l->fetch_private, 1, "full: fetch_private");
		t_str(l->ca_file, "/etc/ssl/vendor.pem", "full: ca_file");
		t_int((long long)l->nwithin, 3, "full: within, three ranges");
		within_bound();
		if (l->nwithin == 3) {
			char w[3][CIDR_STRLEN];

			for (int i = 0; i < 3; i++)
				cidr_format(&l->within[i], w[i], sizeof(w[i]));
			t_str(w[0], "203.0.113.0/24", "full: within 1");
			t_str(w[1], "2001:db8::/32", "full: within 2");
			t_str(w[2], "198.51.100.7", "full: within 3, a host");
		}
		t_ok(l->has_sha256 && l->sha256[0] == 0x00 &&
		    l->sha256[1] == 0x11 && l->sha256[15] == 0xff &&
		    l->sha256[16] == 0xff && l->sha256[31] == 0x00,
		    "full: sha256 pin, either case");
		config_free(c);
	}

	c = expect_load("[list a]\nfile = a.txt\nformat = auto\nsha256 =\n"
	    "ca_file =\n[list b]\nurl = http://vendor.example/b\n"
	    "allow_http = yes\nformat = text\n", "format auto, http allowed");
	if (c != NULL) {
		t_int(c->lists[0].format, LIST_AUTO, "format = auto");
		t_int(c->lists[0].has_sha256, 0, "sha256 = (empty): no pin");
		t_str(c->lists[0].ca_file, NULL, "ca_file = (empty)");
		t_int(c->lists[1].format, LIST_TEXT, "format = text");
		t_str(c->lists[1].url, "http://vendor.example/b",
		    "http:// with allow_http = yes");
		config_free(c);
	}
	/* allow_http is read at the end of the section, wherever it is. */
	c = expect_load("[list b]\nallow_http = yes\n"
	    "url = http://v.example/b\n", "allow_http before url");
	config_free(c);
}

static void
test_other_keys(void)
{
	struct config	*c;

	c = expect_load("[dns]\nservers = 1.1.1.1, 9.9.9.9:5353 "
	    "[2001:db8::1]:5300 ::1 [::2]\nmin_ttl = 1m\nmax_ttl = 1m\n",
	    "dns servers");
	if (c != NULL) {
		t_int((long long)c->ndns_servers, 5, "servers: five");
		if (c->ndns_servers == 5) {
			t_str(c->dns_servers[0].text, "1.1.1.1:53",
			    "servers: no port means 53");
			t_str(c->dns_servers[1].text, "9.9.9.9:5353",
			    "servers: with a port");
			t_str(c->dns_servers[2].text, "[2001:db8::1]:5300",
			    "servers: [IPv6]:port");
			t_str(c->dns_servers[3].text, "[::1]:53",
			    "servers: bare IPv6, port 53");
			t_str(c->dns_servers[4].text, "[::2]:53",
			    "servers: [IPv6], port 53");
			t_int(c->dns_servers[1].port, 5353, "servers: port");
		}
		t_ok(c->min_ttl_ms == 60000 && c->max_ttl_ms == 60000,
		    "min_ttl = max_ttl is fine");
		config_free(c);
	}
	c = expect_load("[dns]\nservers =\n", "servers empty");
	if (c != NULL) {
		t_int((long long)c->ndns_servers, 0,
		    "servers = (empty): resolv.conf");
		config_free(c);
	}

	c = expect_load("[admin]\nlisten =\n", "admin listen off");
	if (c != NULL) {
		t_ok(c->admin_listen == NULL, "admin listen = (empty): off");
		config_free(c);
	}
	c = expect_load("[admin]\nlisten = [::1]:9091\nallow = 10.0.0.0/8, "
	    "192.168.1.1 fd00::/8\n", "admin listen, allow");
	if (c != NULL) {
		t_ok(c->admin_listen != NULL &&
		    strcmp(c->admin_listen->text, "[::1]:9091") == 0 &&
		    c->admin_listen->port == 9091, "admin listen [::1]:9091");
		t_ok(cidrset_count(c->admin_allow) == 3 &&
		    has_addr(c->admin_allow, "10.9.9.9") &&
		    has_addr(c->admin_allow, "192.168.1.1") &&
		    !has_addr(c->admin_allow, "192.168.1.2") &&
		    !has_addr(c->admin_allow, "127.0.0.1"),
		    "admin allow: replaces the default");
		config_free(c);
	}

	c = expect_load("[pac]\nproxies = proxy.example:8080, 10.0.0.1:3128 "
	    "[::1]:3128\n", "pac proxies");
	if (c != NULL) {
		t_ok(c->npac_proxies == 3 &&
		    strcmp(c->pac_proxies[0], "proxy.example:8080") == 0 &&
		    strcmp(c->pac_proxies[1], "10.0.0.1:3128") == 0 &&
		    strcmp(c->pac_proxies[2], "[::1]:3128") == 0,
		    "pac proxies: three, as written");
		config_free(c);
	}
	c = expect_load("[pac]\nproxies =\n", "pac proxies empty");
	if (c != NULL) {
		t_int((long long)c->npac_proxies, 0, "pac proxies = (empty)");
		config_free(c);
	}

	c = expect_load("[log]\naccess = syslog\nevents = syslog\npcap = off\n",
	    "log words");
	if (c != NULL) {
		t_str(c->access, "syslog", "access = syslog");
		t_str(c->events, "syslog", "events = syslog");
		t_str(c->pcap, NULL, "pcap = off");
		config_free(c);
	}
	c = expect_load("[log]\naccess = off\nevents = stderr\npcap =\n",
	    "log words 2");
	if (c != NULL) {
		t_str(c->access, "off", "access = off");
		t_str(c->events, "stderr", "events = stderr");
		t_str(c->pcap, NULL, "pcap = (empty)");
		config_free(c);
	}
	c = expect_load("[log]\naccess = stderr\n", "access = stderr");
	if (c != NULL) {
		t_str(c->access, "stderr", "access = stderr");
		config_free(c);
	}
}

/* Relative paths start in the config file's folder; absolute ones stay. */
static void
test_paths(void)
{
	static const char text[] =
	    "[list l]\nfile = lists/l.txt\nca_file = ca.pem\n"
	    "[cache]\ndir = cache\n"
	    "[dns]\nhosts_file = etc/hosts\n"
	    "[log]\naccess = flows.jsonl\npcap = flows.pcap\n"
	    "events = events.log\n"
	    "[auth]\nusers_file = users\n";
	struct config	*c = expect_load(text, "relative paths");
	char		 dir[512], want[600];

	if (c == NULL)
		return;
	config_folder(dir, sizeof(dir));
#define REL(field, rel) do {						\
	snprintf(want, sizeof(want), "%s/%s", dir, rel);		\
	t_str(field, want, "relative path: " #field);			\
} while (0)
	REL(c->lists[0].file, "lists/l.txt");
	REL(c->lists[0].ca_file, "ca.pem");
	REL(c->cache_dir, "cache");
	REL(c->hosts_file, "etc/hosts");
	REL(c->access, "flows.jsonl");
	REL(c->pcap, "flows.pcap");
	REL(c->events, "events.log");
	REL(c->users_file, "users");
#undef REL
	config_free(c);

	c = expect_load("[list l]\nfile = /srv/l.txt\nca_file = /etc/ca.pem\n"
	    "[cache]\ndir = /var/cache/ph\n[dns]\nhosts_file = /etc/hosts2\n"
	    "[log]\naccess = /var/log/a.jsonl\npcap = /var/log/p.pcap\n"
	    "events = /var/log/e.log\n[auth]\nusers_file = /etc/ph/users\n",
	    "absolute paths");
	if (c == NULL)
		return;
	t_str(c->lists[0].file, "/srv/l.txt", "absolute: file");
	t_str(c->lists[0].ca_file, "/etc/ca.pem", "absolute: ca_file");
	t_str(c->cache_dir, "/var/cache/ph", "absolute: dir");
	t_str(c->hosts_file, "/etc/hosts2", "absolute: hosts_file");
	t_str(c->access, "/var/log/a.jsonl", "absolute: access");
	t_str(c->pcap, "/var/log/p.pcap", "absolute: pcap");
	t_str(c->events, "/var/log/e.log", "absolute: events");
	t_str(c->users_file, "/etc/ph/users", "absolute: users_file");
	config_free(c);

	c = expect_load("[cache]\ndir =\n[dns]\nhosts_file =\n[auth]\n"
	    "users_file =\n", "empty paths");
	if (c == NULL)
		return;
	t_ok(c->cache_dir == NULL && c->hosts_file == NULL &&
	    c->users_file == NULL, "empty paths are unset");
	config_free(c);
}

/* ---- the file's structure ---------------------------------------- */

/* Every key of the key table, with a valid value. */
static const struct {
	const char	*section, *key, *value;
} all_keys[] = {
	{ "proxy", "listen", "127.0.0.1:3128" },
	{ "proxy", "clients", "10.0.0.0/8" },
	{ "proxy", "max_connections", "5" },
	{ "proxy", "max_connections_per_client", "5" },
	{ "proxy", "handshake_timeout", "5s" },
	{ "proxy", "max_header_bytes", "8k" },
	{ "proxy", "connect_timeout", "5s" },
	{ "proxy", "idle_timeout", "5m" },
	{ "proxy", "shutdown_grace", "5s" },
	{ "proxy", "workers", "auto" },
	{ "proxy", "user", "nobody" },
	{ "proxy", "proxy_protocol", "no" },
	{ "proxy", "proxy_protocol_from", "10.0.0.0/8" },
	{ "proxy", "sandbox", "yes" },
	{ "acl", "deny_private", "yes" },
	{ "acl", "deny", "203.0.113.0/24" },
	{ "acl", "revoke_on_reload", "no" },
	{ "allow r", "hosts", "a.com" },
	{ "allow r", "nets", "192.0.2.0/24" },
	{ "allow r", "lists", "l" },
	{ "allow r", "ports", "443" },
	{ "allow r", "clients", "10.0.0.0/8" },
	{ "allow r", "users", "alice" },
	{ "allow r", "resolve", "yes" },
	{ "allow r", "allow_private", "no" },
	{ "list l", "url", "https://v.example/l" },
	{ "list l", "file", "l.txt" },
	{ "list l", "format", "text" },
	{ "list l", "json_path", "a.b" },
	{ "list l", "refresh", "1h" },
	{ "list l", "timeout", "10s" },
	{ "list l", "max_bytes", "1m" },
	{ "list l", "max_entries", "10" },
	{ "list l", "min_prefix_v4", "8" },
	{ "list l", "min_prefix_v6", "32" },
	{ "list l", "max_shrink", "50%" },
	{ "list l", "allow_empty", "no" },
	{ "list l", "allow_http", "no" },
	{ "list l", "ca_file", "ca.pem" },
	{ "list l", "sha256", "00000000000000000000000000000000"
	    "00000000000000000000000000000000" },
	{ "cache", "dir", "/var/lib/pinhole" },
	{ "dns", "servers", "1.1.1.1" },
	{ "dns", "hosts_file", "/etc/hosts" },
	{ "dns", "min_ttl", "1s" },
	{ "dns", "max_ttl", "1h" },
	{ "dns", "timeout", "2s" },
	{ "dns", "max_lookups_per_client", "8" },
	{ "log", "access", "syslog" },
	{ "log", "pcap", "off" },
	{ "log", "pcap_snaplen", "100" },
	{ "log", "pcap_rotate_mb", "1" },
	{ "log", "pcap_keep", "1" },
	{ "log", "level", "debug" },
	{ "log", "events", "stderr" },
	{ "admin", "listen", "127.0.0.1:9090" },
	{ "admin", "allow", "127.0.0.0/8" },
	{ "pac", "proxies", "p.example:3128" },
	{ "pac", "max_entries", "10" },
	{ "auth", "users_file", "users" },
	{ "auth", "throttle_prefix_v6", "64" },
};

/* A key given twice in one section is an error at the second. */
static void
test_duplicate_keys(void)
{
	for (size_t i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		char	 text[512], msg[128], what[128];

		snprintf(text, sizeof(text), "[%s]\n%s = %s\n; between\n"
		    "%s = %s\n", all_keys[i].section, all_keys[i].key,
		    all_keys[i].value, all_keys[i].key, all_keys[i].value);
		snprintf(msg, sizeof(msg), "%s appears twice in this section",
		    all_keys[i].key);
		snprintf(what, sizeof(what), "[%s] %s twice",
		    all_keys[i].section, all_keys[i].key);
		expect_error(text, 4, msg, what);
	}
	/* The same key in two [allow] sections is fine. */
	config_free(expect_load("[allow a]\nports = 1\nhosts = a.com\n"
	    "[allow b]\nports = 1\nhosts = a.com\n", "one key in two rules"));
}

/* Every section has its own keys: one of another section is unknown. */
static void
test_unknown_keys(void)
{
	static const struct err_case cases[] = {
		{ "[proxy]\nlisten = 127.0.0.1:1\nbogus = 1\n", 3,
		    "unknown key bogus in [proxy]" },
		{ "[proxy]\ndeny = 10.0.0.0/8\n", 2,
		    "unknown key deny in [proxy]" },
		{ "[proxy]\nListen = 127.0.0.1:1\n", 2,
		    "unknown key Listen in [proxy]" },
		{ "[acl]\nclients = 10.0.0.0/8\n", 2,
		    "unknown key clients in [acl]" },
		{ "[allow r]\nports = 1\nhosts = a.com\nhost = b.com\n", 4,
		    "unknown key host in [allow]" },
		{ "[allow r]\nurl = https://a.example/\n", 2,
		    "unknown key url in [allow]" },
		{ "[list l]\nfile = l.txt\nhosts = a.com\n", 3,
		    "unknown key hosts in [list]" },
		{ "[cache]\ndirectory = /tmp\n", 2,
		    "unknown key directory in [cache]" },
		{ "[dns]\nserver = 1.1.1.1\n", 2,
		    "unknown key server in [dns]" },
		{ "[log]\nlevels = info\n", 2, "unknown key levels in [log]" },
		{ "[admin]\nmax_entries = 1\n", 2,
		    "unknown key max_entries in [admin]" },
		{ "[pac]\nlisten = 127.0.0.1:1\n", 2,
		    "unknown key listen in [pac]" },
		{ "[auth]\nusers = alice\n", 2, "unknown key users in [auth]" },
	};

	RUN(cases, "unknown key");
}

static void
test_sections(void)
{
	static const char *const singletons[] = {
		"proxy", "acl", "cache", "dns", "log", "admin", "pac", "auth",
	};
	static const struct err_case cases[] = {
		{ "[bogus]\n", 1, "unknown section [bogus]" },
		{ "[proxy]\nlisten = 127.0.0.1:1\n\n[Proxy]\n", 4,
		    "unknown section [Proxy]" },
		{ "[allowx r]\n", 1, "unknown section [allowx r]" },
		{ "[lists l]\n", 1, "unknown section [lists l]" },
		{ "[averyveryverylongkind x]\n", 1,
		    "unknown section [averyveryverylongkind x]" },
		{ "[proxy\n", 1, "bad section header" },
		{ "[]\n", 1, "bad section header" },
		{ "[proxy] x\n", 1, "bad section header" },
		{ "[proxy]\n[acl]]\n", 2, "unknown section [acl]]" },
		{ "[dns x]\n", 1, "[dns] takes no name" },
		{ "[proxy main]\n", 1, "[proxy] takes no name" },
		{ "[allow]\n", 1, "[allow NAME]: the name must be 1-64 "
		    "letters, digits, '-', '_' or '.'" },
		{ "[allow a/b]\n", 1, "[allow NAME]: the name must be 1-64 "
		    "letters, digits, '-', '_' or '.'" },
		{ "[list]\n", 1, "[list NAME]: the name must be 1-64 letters, "
		    "digits, '-', '_' or '.'" },
		{ "[list a b]\n", 1, "[list NAME]: the name must be 1-64 "
		    "letters, digits, '-', '_' or '.'" },
		{ "[allow x]\nports = 1\nhosts = a.com\n[allow y]\nports = 1\n"
		    "hosts = a.com\n[allow x]\nports = 2\nhosts = b.com\n", 7,
		    "[allow x] appears twice" },
		{ "[list x]\nfile = x.txt\n\n[list x]\nfile = y.txt\n", 4,
		    "[list x] appears twice" },
		{ "listen = 127.0.0.1:1\n", 1, "listen outside a section" },
		{ "; comment\n# comment\n\nfoo = 1\n[proxy]\n", 4,
		    "foo outside a section" },
		/* The first error wins: the rule closes at the next header. */
		{ "[allow a]\nhosts = a.com\n[bogus]\n", 1,
		    "[allow a] has no ports" },
	};
	char		 name[80], text[256];
	struct config	*c;

	for (size_t i = 0; i < sizeof(singletons) / sizeof(*singletons); i++) {
		char msg[64], what[64];

		snprintf(text, sizeof(text), "[%s]\n; once\n\n[%s]\n",
		    singletons[i], singletons[i]);
		snprintf(msg, sizeof(msg), "[%s] appears twice", singletons[i]);
		snprintf(what, sizeof(what), "section [%s] twice",
		    singletons[i]);
		expect_error(text, 4, msg, what);
	}
	RUN(cases, "sections");

	/* A name of 64 characters is the longest. */
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), "[allow %s]\nports = 1\nhosts = a.com\n"
	    "[list %s]\nfile = a\n", name, name);
	config_free(expect_load(text, "64-character section names"));
	strcat(name, "n");
	snprintf(text, sizeof(text), "[list %s]\nfile = a\n", name);
	expect_error(text, 1, "[list NAME]: the name must be 1-64 letters, "
	    "digits, '-', '_' or '.'", "65-character list name");
	/* [allow x] and [list x] may share a name; names keep their case. */
	config_free(expect_load("[list x]\nfile = x\n[allow x]\nports = 1\n"
	    "lists = x\n[allow X]\nports = 1\nhosts = a.com\n[allow a_b-c.d]\n"
	    "ports = 1\nhosts = a.com\n", "names: shared, case, '_-.'"));
	c = expect_load("[ proxy]\n[allow  spaced ]\nports = 1\n"
	    "hosts = a.com\n", "spaces inside the brackets");
	if (c != NULL) {
		t_str(c->policy->rules[0].name, "spaced",
		    "spaces around a section name are dropped");
		config_free(c);
	}
}

/* What only a whole [allow] or [list] section can tell. */
static const struct err_case section_checks[] = {
	/* no ports: at the rule's header */
	{ "[allow r]\nhosts = a.com\n", 1, "[allow r] has no ports" },
	{ "[proxy]\n[allow r]\nhosts = a.com\nports =\n", 2,
	    "[allow r] has no ports" },
	{ "[allow r]\n[proxy]\n", 1, "[allow r] has no ports" },
	{ "[allow r]\nhosts = a.com\nudp_ports =\n", 1,
	    "[allow r] has no ports" },
	{ "[allow a]\nports = 1\nhosts = a.com\n\n[allow b]\n[allow c]\n"
	    "ports = 1\nhosts = c.com\n", 5, "[allow b] has no ports" },
	{ "[proxy]\n\n; the last section\n[allow last]\n", 4,
	    "[allow last] has no ports" },
	{ "[proxy]\n[allow last]\nhosts = a.com\n; trailing comment\n", 2,
	    "[allow last] has no ports" },
	/* ports but nothing to match */
	{ "[allow r]\nports = 443\n", 1,
	    "[allow r] has no hosts, nets or lists: it would match nothing" },
	{ "[auth]\nusers_file = u\n[allow r]\nports = 443\nhosts =\n"
	    "clients = 10.0.0.0/8\nusers = alice\nresolve = yes\n[proxy]\n", 3,
	    "[allow r] has no hosts, nets or lists: it would match nothing" },
	{ "[allow r]\nports = 443\nnets =\nlists =\n", 1,
	    "[allow r] has no hosts, nets or lists: it would match nothing" },
	/* lists = naming a missing list: at the lists line */
	{ "[list a]\nfile = a\n[allow r]\nports = 1\nlists = a, b\n", 5,
	    "lists: no [list b]" },
	{ "[allow r]\nports = 1\nhosts = a.com\n[allow s]\nports = 1\n"
	    "lists = nope\n[list other]\nfile = o\n", 6,
	    "lists: no [list nope]" },
	/* [list]: exactly one of url and file, at the header */
	{ "[list l]\nurl = https://v.example/l\nfile = l.txt\n", 1,
	    "[list l] needs exactly one of url and file" },
	{ "[list l]\nformat = text\n[proxy]\n", 1,
	    "[list l] needs exactly one of url and file" },
	{ "[proxy]\n[list l]\n[acl]\n", 2,
	    "[list l] needs exactly one of url and file" },
	{ "[proxy]\n\n[list last]\n", 3,
	    "[list last] needs exactly one of url and file" },
	{ "[list a]\nfile = a\n[list b]\nrefresh = 1h\n", 3,
	    "[list b] needs exactly one of url and file" },
	/* http:// needs allow_http: at the url line */
	{ "[list l]\nformat = auto\nurl = http://v.example/l\n", 3,
	    "url: http:// needs allow_http = yes" },
	{ "[list l]\nurl = http://v.example/l\nallow_http = no\n", 2,
	    "url: http:// needs allow_http = yes" },
	/* format = json and json_path go together: at the header */
	{ "[proxy]\n[list l]\nurl = https://v.example/l\nformat = json\n", 2,
	    "[list l] format = json needs json_path" },
	{ "[list l]\nfile = l\njson_path = a.b\n", 1,
	    "[list l] json_path needs format = json" },
	{ "[list l]\nfile = l\nformat = auto\njson_path = a.b\n", 1,
	    "[list l] json_path needs format = json" },
	/* users need [auth] users_file: at the users line */
	{ "[allow r]\nports = 1\nhosts = a.com\nusers =\n[allow s]\nports = 1\n"
	    "hosts = a.com\nusers = bob\n", 8,
	    "users: needs [auth] users_file" },
	{ "[auth]\nusers_file =\n[allow r]\nports = 1\nhosts = a.com\n"
	    "users = bob\n", 6, "users: needs [auth] users_file" },
	/* min_ttl > max_ttl: at the min_ttl line, 0 when it is a default */
	{ "[dns]\nmin_ttl = 2h\nmax_ttl = 1h\n", 2,
	    "min_ttl: longer than max_ttl" },
	{ "[dns]\nmin_ttl = 3601s\n", 2, "min_ttl: longer than max_ttl" },
	{ "[dns]\nmax_ttl = 29s\n", 0, "min_ttl: longer than max_ttl" },
};

static void
test_lexing(void)
{
	static const struct err_case cases[] = {
		{ "[proxy]\nlisten\n", 2,
		    "syntax error: expected [section] or key = value" },
		{ "; one\n# two\n\n[proxy]\n  ; indented comment\n"
		    "listen = 127.0.0.1:1,\n  127.0.0.1:2\n\nbogus line\n", 9,
		    "syntax error: expected [section] or key = value" },
		{ "[proxy]\nlisten = 127.0.0.1:1 ; comment a..com\nx y\n", 3,
		    "syntax error: expected [section] or key = value" },
		/* A continuation line's error is at its key's line. */
		{ "[allow r]\nports = 443\nhosts = a.com,\n  b.com\n  a..com\n",
		    3, "hosts: \"a..com\"" NOT_PATTERN },
		/* An indented key = value continues the key above it. */
		{ "[proxy]\nlisten = 127.0.0.1:1\n  max_connections = 5\n", 2,
		    "listen: \"max_connections\"" NOT_EP },
		/* ';' and '#' start a comment only after white space. */
		{ "[proxy]\nlisten = 127.0.0.1:1;x\n", 2,
		    "listen: \"127.0.0.1:1;x\"" NOT_EP },
		{ "[proxy]\nlisten = 127.0.0.1:1#x\n", 2,
		    "listen: \"127.0.0.1:1#x\"" NOT_EP },
	};
	static const char nul[] =
	    "[proxy]\nlisten = 127.0.0.1:1\nuser = a\0b\n";
	struct config	*c;
	char		 err[CONFIG_ERRLEN], want[CONFIG_ERRLEN];

	RUN(cases, "lexing");

	c = expect_load("; comment\n# comment\n   ; indented\n\t# indented\n"
	    "[proxy]   ; a comment after a header\n"
	    "listen = 127.0.0.1:3128 ; inline comment, a..com *\n"
	    "max_connections = 7\t; tab then comment\n"
	    "shutdown_grace = 5s # a hash comment\n"
	    "user = a;b#c\n", "comments");
	if (c != NULL) {
		t_ok(c->nlisten == 1 &&
		    strcmp(c->listen[0].text, "127.0.0.1:3128") == 0,
		    "comments: inline comment cut");
		t_int((long long)c->max_connections, 7,
		    "comments: after a tab");
		t_str(c->user, "a;b#c",
		    "comments: ';' and '#' inside a value stay");
		t_int((long long)c->shutdown_grace_ms, 5000,
		    "comments: '#' after white space starts one");
		config_free(c);
	}

	c = expect_load("[allow r]\nports = 80,\n    443\nhosts = a.com,\n"
	    "  b.com\n\tc.com d.com\n; a comment between\n    e.com\n"
	    "nets = 192.0.2.0/24\n", "continuation lines");
	if (c != NULL) {
		const struct acl_rule *r = &c->policy->rules[0];

		t_int(r->ports.count, 2, "continuation: ports 80, 443");
		t_int((long long)nameset_count(r->own->names), 5,
		    "continuation: five hosts");
		t_ok(has_name(r->own->names, "a.com") &&
		    has_name(r->own->names, "c.com") &&
		    has_name(r->own->names, "d.com") &&
		    has_name(r->own->names, "e.com"),
		    "continuation: every host");
		t_int((long long)cidrset_count(r->own->nets), 1,
		    "continuation: the next key is separate");
		config_free(c);
	}
	c = expect_load("[proxy]\n  listen = 127.0.0.1:1\n",
	    "an indented first key");
	if (c != NULL) {
		t_str(c->listen[0].text, "127.0.0.1:1",
		    "an indented first key is a key");
		config_free(c);
	}
	c = expect_load("[proxy]\nlisten = 127.0.0.1:1\n[dns]\n"
	    "  servers = 1.1.1.1\n", "an indented key after a header");
	if (c != NULL) {
		t_int((long long)c->ndns_servers, 1,
		    "an indented key after a header is a key");
		config_free(c);
	}
	c = expect_load("[proxy]\r\nlisten = 127.0.0.1:1\r\n\r\n[acl]\r\n"
	    "deny = 10.0.0.0/8\r\n", "CRLF line ends");
	if (c != NULL) {
		t_str(c->listen[0].text, "127.0.0.1:1", "CRLF: listen");
		config_free(c);
	}
	c = expect_load("[proxy]\nlisten = 127.0.0.1:9",
	    "no newline at the end");
	if (c != NULL) {
		t_str(c->listen[0].text, "127.0.0.1:9", "no final newline");
		config_free(c);
	}

	/* A NUL byte anywhere. */
	c = load_len(nul, sizeof(nul) - 1, err);
	check_error(c, err, 3, "NUL byte in the config file", "a NUL byte");
	c = load_len("\0", 1, err);
	check_error(c, err, 1, "NUL byte in the config file",
	    "a NUL byte alone");

	/* A missing file is line 0. */
	c = config_load("/nonexistent/pinhole-test/pinhole.ini", err,
	    sizeof(err));
	snprintf(want, sizeof(want), "/nonexistent/pinhole-test/pinhole.ini:0: "
	    "cannot open: No such file or directory");
	if (c != NULL) {
		config_free(c);
		snprintf(err, sizeof(err), "(loaded)");
	}
	t_str(err, want, "a missing file");
}

/* ---- over-long lines --------------------------------------------- */

#define NHOSTS	300

/* Host i: labels of different lengths so the cuts fall everywhere. */
static void
host_name(int i, char *buf, size_t size)
{
	snprintf(buf, size, "h%dx%.*s.example%s", i, i % 17,
	    "abcdefghijklmnopq", i % 3 == 0 ? ".com" : ".org");
}

/* "hosts = " and NHOSTS names joined by sep, then tail. */
static char *
long_hosts_line(const char *sep, const char *tail)
{
	size_t	 cap = 64 + NHOSTS * (40 + strlen(sep)) + strlen(tail);
	char	*s = malloc(cap), name[64];
	size_t	 len;

	if (s == NULL)
		abort();
	len = (size_t)snprintf(s, cap, "hosts = ");
	for (int i = 0; i < NHOSTS; i++) {
		host_name(i, name, sizeof(name));
		len += (size_t)snprintf(s + len, cap - len, "%s%s",
		    i ? sep : "", name);
	}
	snprintf(s + len, cap - len, "%s", tail);
	return s;
}

static void
check_all_hosts(const struct config *c, int extra, const char *what)
{
	const struct nameset	*names = c->policy->rules[0].own->names;
	char			 name[64];
	int			 found = 0;

	t_int((long long)nameset_count(names), NHOSTS + extra,
	    "%s: nameset_count", what);
	for (int i = 0; i < NHOSTS; i++) {
		host_name(i, name, sizeof(name));
		found += has_name(names, name);
	}
	t_int(found, NHOSTS, "%s: every name is found", what);
	host_name(0, name, sizeof(name));
	t_ok(has_name(names, name), "%s: the first name", what);
	host_name(NHOSTS / 2, name, sizeof(name));
	t_ok(has_name(names, name), "%s: a name in the middle", what);
	host_name(NHOSTS - 1, name, sizeof(name));
	t_ok(has_name(names, name), "%s: the last name", what);
	t_ok(!has_name(names, "h1xb.example.org") &&
	    !has_name(names, "h300x.example.com"),
	    "%s: names not in the line are not found", what);
}

/*
 * A hosts line of exactly total characters whose first name is shift
 * characters longer, so that the cuts fall on every kind of character.
 */
static void
check_cut(size_t shift, size_t total)
{
	char		 text[700], line[600], first[64], last[80];
	char		 err[CONFIG_ERRLEN], what[128];
	struct config	*c;
	int		 n = 1;
	size_t		 len;

	snprintf(first, sizeof(first), "s%.*s.example", (int)shift,
	    "xxxxxxxxxxxxxxxxxxxxxxxx");
	len = (size_t)snprintf(line, sizeof(line), "hosts = %s", first);
	while (len + 40 < total)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    ", n%d.example", n++ - 1);
	/* ", z0...0.example" pads the line to total characters. */
	snprintf(last, sizeof(last), "z%0*d.example", (int)(total - len - 11),
	    0);
	snprintf(line + len, sizeof(line) - len, ", %s", last);
	n++;

	snprintf(text, sizeof(text), "[allow r]\nports = 1\n%s\nmax = 1\n",
	    line);
	c = load(text, err);
	snprintf(what, sizeof(what), "a %zu-character line (shift %zu): the "
	    "next line is line 4", strlen(line), shift);
	check_error(c, err, 4, "unknown key max in [allow]", what);

	snprintf(text, sizeof(text), "[allow r]\nports = 1\n%s\n", line);
	if ((c = load(text, err)) == NULL) {
		t_ok(0, "a %zu-character line loads: %s", strlen(line), err);
		return;
	}
	t_ok(strlen(line) == total &&
	    nameset_count(c->policy->rules[0].own->names) == (size_t)n &&
	    has_name(c->policy->rules[0].own->names, first) &&
	    has_name(c->policy->rules[0].own->names, last) &&
	    (n < 3 || has_name(c->policy->rules[0].own->names, "n0.example")),
	    "a %zu-character line (shift %zu): all %d names", total, shift, n);
	config_free(c);
}

static void
test_long_lines(void)
{
	static const struct {
		const char	*sep;
		const char	*what;
	} seps[] = {
		{ ", ", "comma and space" },
		{ ",", "comma only" },
		{ " ", "space only" },
		{ " ,\t ", "mixed, with tabs" },
		{ "        ", "runs of spaces" },
	};
	char		 err[CONFIG_ERRLEN];
	struct config	*c;

	for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		char	*line = long_hosts_line(seps[i].sep, "\n");
		size_t	 len = strlen(line) + 64;
		char	*text = malloc(len);
		char	 what[64];

		if (text == NULL)
			abort();
		snprintf(text, len, "[allow r]\nports = 443\n%s", line);
		snprintf(what, sizeof(what), "a %zu-character hosts line, %s",
		    strlen(line) - 1, seps[i].what);
		t_ok(strlen(line) > 3000, "%s: is long", what);
		if ((c = expect_load(text, what)) != NULL) {
			check_all_hosts(c, 0, what);
			config_free(c);
		}
		free(line);
		free(text);
	}

	/*
	 * A long line with a comment, continuation lines after it, then a
	 * syntax error whose line number must survive the pieces.
	 */
	{
		char	*line = long_hosts_line(", ",
		    " ; a comment past the cut: a..com * 1.2.3.4\n"
		    "  more1.example, more2.example\n");
		size_t	 len = strlen(line) + 128;
		char	*text = malloc(len);

		if (text == NULL)
			abort();
		snprintf(text, len, "[allow r]\nports = 443\n%s"
		    "nets = 192.0.2.0/24\n", line);
		if ((c = expect_load(text, "a long line, comment, "
		    "continuation")) != NULL) {
			check_all_hosts(c, 2, "long line + continuation");
			t_ok(has_name(c->policy->rules[0].own->names,
			    "more2.example"), "long line + continuation: "
			    "the continued names");
			config_free(c);
		}
		snprintf(text, len, "[allow r]\nports = 443\n%s"
		    "nets = 192.0.2.0/24\nbroken\n", line);
		c = load(text, err);
		check_error(c, err, 6, "syntax error: expected [section] or "
		    "key = value", "the line after a long line");
		snprintf(text, len, "[allow r]\nports = 443\n%s"
		    "nets = 192.0.2.0/24\nports = 80\n", line);
		c = load(text, err);
		check_error(c, err, 6, "ports appears twice in this section",
		    "a repeat after a long line");
		free(line);
		free(text);
	}

	/* A bad name late in a long line: the message has it whole. */
	{
		char	*line = long_hosts_line(", ", ", late..bad.example\n");
		size_t	 len = strlen(line) + 64;
		char	*text = malloc(len);

		if (text == NULL)
			abort();
		snprintf(text, len, "[allow r]\nports = 443\n%s", line);
		expect_error(text, 3, "hosts: \"late..bad.example\""
		    NOT_PATTERN, "an error at the end of a long line");
		free(line);
		free(text);
	}

	/* 300 CIDRs. */
	{
		size_t	 cap = 64 + 300 * 24, len;
		char	*text = malloc(cap);

		if (text == NULL)
			abort();
		len = (size_t)snprintf(text, cap,
		    "[allow r]\nports = 1\nnets =");
		for (int i = 0; i < 300; i++)
			len += (size_t)snprintf(text + len, cap - len,
			    " 10.%d.%d.0/24,", i / 250, i % 250);
		text[len - 1] = '\n';
		if ((c = expect_load(text, "300 CIDRs on one line")) != NULL) {
			const struct cidrset *nets =
			    c->policy->rules[0].own->nets;

			t_int((long long)cidrset_count(nets), 300,
			    "300 CIDRs: cidrset_count");
			t_ok(has_addr(nets, "10.0.0.1") &&
			    has_addr(nets, "10.0.249.9") &&
			    has_addr(nets, "10.1.49.200") &&
			    !has_addr(nets, "10.1.50.1"), "300 CIDRs: lookups");
			config_free(c);
		}
		free(text);
	}

	/* One token longer than a piece is joined back exactly. */
	{
		char	 url[700], text[800];
		size_t	 len;

		len = (size_t)snprintf(url, sizeof(url),
		    "https://vendor.example/");
		for (int i = 0; i < 30; i++)
			len += (size_t)snprintf(url + len, sizeof(url) - len,
			    "seg-%02d-abcdefgh/", i);
		snprintf(text, sizeof(text), "[list l]\nurl = %s\n", url);
		if ((c = expect_load(text, "a url of 503 characters")) != NULL) {
			t_str(c->lists[0].url, url, "the long url is exact");
			config_free(c);
		}
	}

	/* A long comment line, and every length around the piece size. */
	{
		char text[4096];

		snprintf(text, sizeof(text), "; %0*d\n#%0*d\n[proxy]\n"
		    "listen = 127.0.0.1:5\n", 1500, 0, 1500, 0);
		if ((c = expect_load(text, "long comment lines")) != NULL) {
			t_str(c->listen[0].text, "127.0.0.1:5",
			    "long comment lines are skipped");
			config_free(c);
		}
	}
	for (size_t shift = 0; shift < 14; shift++)
		check_cut(shift, 420);
	for (size_t total = 194; total <= 202; total++)
		check_cut(0, total);
}

/* ---- bugs found while writing this test, now fixed ---------------- */

static void
test_regressions(void)
{
	struct config	*c;
	char		 err[CONFIG_ERRLEN];

	/* inih skips a UTF-8 byte order mark; the lexer must too. */
	c = load("\xEF\xBB\xBF[proxy]\nlisten = 127.0.0.1:7\n", err);
	if (t_ok(c != NULL, "a file starting with a UTF-8 BOM loads%s%s",
	    c ? "" : ": ", c ? "" : err)) {
		t_str(c->listen[0].text, "127.0.0.1:7", "BOM: [proxy] applies");
		config_free(c);
	}
	/* proxy_protocol = yes with an empty proxy_protocol_from. */
	c = load("[proxy]\nproxy_protocol = yes\nproxy_protocol_from =\n", err);
	t_ok(c == NULL, "proxy_protocol = yes with proxy_protocol_from "
	    "empty is refused");
	config_free(c);
	/* "[allow x ]" drops the space; "[proxy ]" should too. */
	c = load("[proxy ]\nlisten = 127.0.0.1:8\n", err);
	if (t_ok(c != NULL, "[proxy ] (a space before the bracket) loads%s%s",
	    c ? "" : ": ", c ? "" : err))
		config_free(c);
	/* The config language has only '='; inih alone would take ':'. */
	c = load("[allow r]\nports: 443\nhosts = a.com\n", err);
	t_ok(c == NULL && strstr(err, ":2: syntax error: expected key = value")
	    != NULL, "key: value is refused at its line (%s)", err);
	config_free(c);
	/* A long run of blanks after '=' is no reason to cut the line. */
	{
		char	 text[512];

		snprintf(text, sizeof(text), "[allow r]\nports = 1\nhosts =%*s"
		    "a.com\n", 250, "");
		c = load(text, err);
		if (t_ok(c != NULL, "blanks after '=' on a long line%s%s",
		    c ? "" : ": ", c ? "" : err)) {
			t_ok(nameset_lookup(c->policy->rules[0].own->names,
			    "a.com", 5, NULL), "the value after the blanks");
			config_free(c);
		}
	}
}

int
main(void)
{
	test_value_numbers();
	test_value_bool();
	test_value_percent();
	test_value_hex();
	test_value_split();
	test_value_format_duration();

	test_kv();
	test_bool_spellings();
	RUN(key_errors, "bad value");
	test_defaults();
	test_proxy_keys();
	test_rule_keys();
	test_list_keys();
	test_other_keys();
	test_paths();

	test_duplicate_keys();
	test_unknown_keys();
	test_sections();
	RUN(section_checks, "section check");
	test_lexing();
	test_long_lines();

	test_regressions();

	free(path_now);
	return t_done();
}
