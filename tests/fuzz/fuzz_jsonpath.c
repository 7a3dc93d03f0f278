/*
 * The json list format: the input's first line is a json_path (written
 * by whoever wrote the config), the rest a body (fetched from the
 * internet).  Both go through jsonpath_compile() and jsonpath_parse(),
 * then through listload_body().  A path that compiles must not fail
 * the parse but for the body; one that does not must fail it with the
 * same message.  "P, P" must select twice what P selects.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"
#include "listload.h"
#include "log.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

static const struct parse_limits fuzz_lim = { 8, 32, NULL, 0 };

/* jsonpath_parse into fresh entries; the entries, or NULL on -1. */
static struct entries *
parse(const char *body, size_t len, const char *path, struct parse_stats *st,
    char *err, size_t errlen)
{
	struct entries	*e;

	CHECK((e = entries_new()) != NULL);
	err[0] = '\0';
	if (jsonpath_parse(body, len, path, &fuzz_lim, e, st, err,
	    errlen) == -1) {
		CHECK(err[0] != '\0');
		entries_unref(e);
		return NULL;
	}
	CHECK(entries_build(e) == 0);
	CHECK(entries_count(e) <= st->added);
	CHECK(memchr(st->first_bad, '\0', sizeof(st->first_bad)) != NULL);
	CHECK(memchr(st->first_broad, '\0', sizeof(st->first_broad)) != NULL);
	return e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*nl = memchr(data, '\n', size);
	size_t			 plen = nl ?
				    (size_t)(nl - (const char *)data) : size;
	const char		*body = nl ? nl + 1 : "";
	size_t			 blen = nl ? size - plen - 1 : 0;
	char			*path, *twice;
	char			 cerr[256], err[512], err2[512];
	struct jsonpath		*jp;
	struct parse_stats	 st, st2;
	struct entries		*e, *e2;
	struct list_conf	 conf;
	int			 ok;
	static int		 log_ready;

	/*
	 * The warnings (a path that selects nothing, values skipped) are
	 * written, to /dev/null: their formatting is fuzzed too.
	 */
	if (!log_ready) {
		CHECK(log_open("/dev/null") == 0);
		log_set_level(LOG_LEVEL_WARN);
		log_ready = 1;
	}
	CHECK((path = malloc(plen + 1)) != NULL);
	memcpy(path, data, plen);
	path[plen] = '\0';		/* a NUL inside ends it early */

	cerr[0] = '\0';
	ok = jsonpath_compile(path, &jp, cerr, sizeof(cerr)) == 0;
	CHECK(ok == (jp != NULL));
	CHECK(ok || cerr[0] != '\0');
	jsonpath_free(jp);
	CHECK(jsonpath_compile(path, NULL, err, sizeof(err)) == (ok ? 0 : -1));

	e = parse(body, blen, path, &st, err, sizeof(err));
	if (!ok) {
		char want[512];

		snprintf(want, sizeof(want), "json_path: %s", cerr);
		CHECK(e == NULL && strcmp(err, want) == 0);
	} else if (e == NULL)
		CHECK(strncmp(err, "invalid JSON at line ", 21) == 0 ||
		    strcmp(err, "out of memory") == 0);

	/* The same path twice: each count doubles, the entries stay. */
	if (e != NULL) {
		CHECK((twice = malloc(2 * plen + 3)) != NULL);
		snprintf(twice, 2 * plen + 3, "%s, %s", path, path);
		if (jsonpath_compile(twice, NULL, err2, sizeof(err2)) == 0) {
			e2 = parse(body, blen, twice, &st2, err2, sizeof(err2));
			CHECK(e2 != NULL);
			CHECK(st2.added == 2 * st.added &&
			    st2.bad == 2 * st.bad &&
			    st2.too_broad == 2 * st.too_broad &&
			    st2.host_bits == 2 * st.host_bits);
			CHECK(entries_count(e2) == entries_count(e));
			CHECK(strcmp(st2.first_bad, st.first_bad) == 0);
			entries_unref(e2);
		}
		free(twice);
	}
	entries_unref(e);

	/* The version checks, with limits that the input can reach. */
	memset(&conf, 0, sizeof(conf));
	conf.name = "fuzz";
	conf.format = LIST_JSON;
	conf.json_path = path;
	conf.min_prefix_v4 = 8;
	conf.min_prefix_v6 = 32;
	conf.max_entries = size % 3 ? 100000 : 4;
	conf.allow_empty = size % 2;
	err[0] = '\0';
	if ((e = listload_body(&conf, body, blen, err, sizeof(err))) == NULL)
		CHECK(err[0] != '\0');
	else
		CHECK(ok && entries_count(e) <= conf.max_entries &&
		    (conf.allow_empty || entries_count(e) > 0));
	entries_unref(e);
	free(path);
	return 0;
}
