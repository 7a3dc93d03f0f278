/*
 * The body of a vendor list is fetched from the internet: both formats
 * are fuzzed through parse_*() and through listload_body(), the checks a
 * version passes before use.  Every line that is, on its own, a plain
 * name or a CIDR narrow enough must then be found by a lookup: that
 * holds the parser and the sets built from it to what the line says.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listload.h"
#include "log.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

static const struct parse_limits fuzz_lim = { 8, 32, NULL, 0 };

/* Checks one line made only of name or only of address characters. */
static void
check_line(const struct entries *e, const char *s, size_t n, int is_auto)
{
	char		 line[NAME_MAX_LEN + 1], base[NAME_MAX_LEN + 1];
	struct cidr	 c, m;
	uint8_t		 how;
	int		 len, hb, names = 1, nets = 1, digit = 0;

	if (n == 0 || n > NAME_MAX_LEN)
		return;
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		names &= isalnum(ch) || ch == '.' || ch == '-' || ch == '_' ||
		    ch == '*';
		nets &= isxdigit(ch) || ch == '.' || ch == ':' || ch == '/';
		digit |= isdigit(ch);
	}
	memcpy(line, s, n);
	line[n] = '\0';
	/* auto leaves out "::"-ended and digit-less runs, by design. */
	if (nets && (!is_auto || (digit && isxdigit((unsigned char)s[n - 1]))) &&
	    cidr_parse(line, &c, &hb) == 0 &&
	    c.len >= (c.net.family == ADDR_V4 ? fuzz_lim.min_prefix_v4 :
	    fuzz_lim.min_prefix_v6)) {
		CHECK(cidrset_lookup(e->nets, &c.net, &m));
		CHECK(m.len >= c.len);
	} else if (names && !is_auto && strchr(line, ':') == NULL &&
	    !addr_is_v4_attempt(line, n) &&
	    (len = name_parse_pattern(line, base, &how)) >= 0) {
		/* As broad as a public suffix: skipped, counted. */
		if (name_too_broad(base, (size_t)len, how))
			return;
		/* A glob matches the name with an 'x' for each '*'. */
		for (int i = 0; i < len; i++)
			if (base[i] == '*')
				base[i] = 'x';
		how &= (uint8_t)~NAME_GLOB;
		/* "*.a.com" matches the names below a.com, not a.com. */
		if (how == NAME_WILD) {
			if (len + 2 > NAME_MAX_LEN)
				return;
			snprintf(line, sizeof(line), "x.%s", base);
			CHECK(nameset_lookup(e->names, line, (size_t)len + 2,
			    NULL));
		} else
			CHECK(nameset_lookup(e->names, base, (size_t)len,
			    NULL));
	}
}

static void
fuzz_list(const uint8_t *data, size_t size, enum list_format format)
{
	const char		*body = (const char *)data;
	struct list_conf	 conf;
	struct parse_stats	 st;
	struct entries		*e;
	struct addr		 a;
	char			 err[256];
	int			 rc, lines = 0;

	log_set_level(LOG_LEVEL_ERROR);	/* listload_body warns */
	CHECK((e = entries_new()) != NULL);
	rc = format == LIST_AUTO ? parse_auto(body, size, &fuzz_lim, e, &st) :
	    parse_text(body, size, &fuzz_lim, e, &st);
	CHECK(rc == 0 && entries_build(e) == 0);
	CHECK(entries_count(e) <= st.added);
	CHECK(memchr(st.first_bad, '\0', sizeof(st.first_bad)) != NULL);

	/* Addresses from the input's first bytes, hit or miss. */
	memset(&a, 0, sizeof(a));
	a.family = ADDR_V6;
	memcpy(a.b, data, size < 16 ? size : 16);
	cidrset_lookup(e->nets, &a, NULL);
	a.family = ADDR_V4;
	memset(a.b + 4, 0, 12);
	cidrset_lookup(e->nets, &a, NULL);
	nameset_lookup(e->names, "a.vendor.net", 12, NULL);

	for (size_t pos = 0; pos < size && lines++ < 64;) {
		const char	*nl = memchr(body + pos, '\n', size - pos);
		size_t		 n = nl ? (size_t)(nl - body) - pos : size - pos;

		check_line(e, body + pos, n, format == LIST_AUTO);
		pos += n + 1;
	}
	entries_unref(e);

	/* The version checks, with limits that the input can reach. */
	memset(&conf, 0, sizeof(conf));
	conf.name = "fuzz";
	conf.format = format;
	conf.min_prefix_v4 = 8;
	conf.min_prefix_v6 = 32;
	conf.max_entries = size % 3 ? 100000 : 4;
	conf.allow_empty = size % 2;
	err[0] = '\0';
	if ((e = listload_body(&conf, body, size, err, sizeof(err))) == NULL)
		CHECK(err[0] != '\0');
	else
		CHECK(entries_count(e) <= conf.max_entries &&
		    (conf.allow_empty || entries_count(e) > 0));
	entries_unref(e);
}
