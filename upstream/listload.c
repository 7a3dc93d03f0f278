/*
 * A list version is refused as a whole rather than half-used: a body
 * that is too big, empty (unless allow_empty), over max_entries, or that
 * holds a CIDR broader than min_prefix_v4 / min_prefix_v6 never replaces
 * the version in use.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"
#include "listcache.h"
#include "listload.h"
#include "log.h"
#include "parse.h"

/*
 * The sha256 pin, for a body whose SHA-256 is sha: 0 when the list has
 * no pin or the body matches it, else -1 with the reason in err.
 */
int
listload_pinned(const struct list_conf *l, const uint8_t *sha, char *err,
    size_t errlen)
{
	if (!l->has_sha256 || memcmp(sha, l->sha256, 32) == 0)
		return 0;
	snprintf(err, errlen, "its SHA-256 does not match the sha256 pin");
	return -1;
}

/*
 * Every version of a list goes through here, wherever it comes from (a
 * fetch, a file, the cache at start or at a reload, -t and --explain),
 * so the pin is checked here: a body that fails it is never in force.
 */
struct entries *
listload_body(const struct list_conf *l, const char *body, size_t len,
    char *err, size_t errlen)
{
	return listload_body_at(l, body, len, err, errlen, NULL);
}

/* Appends one line to the warnings of a parse (cut when full). */
static void
warn_add(char *warn, size_t warnlen, const char *fmt, ...)
{
	size_t	 used = strlen(warn);
	va_list	 ap;

	if (warnlen == 0 || used + 1 >= warnlen)
		return;
	if (used > 0)
		warn[used++] = '\n';
	warn[used] = '\0';
	va_start(ap, fmt);
	vsnprintf(warn + used, warnlen - used, fmt, ap);
	va_end(ap);
}

/* As listload_body; *line (when not NULL) is the refused entry's line. */
struct entries *
listload_body_at(const struct list_conf *l, const char *body, size_t len,
    char *err, size_t errlen, int *line)
{
	struct entries	*e;
	char		 warn[LISTLOAD_WARNLEN], *p, *nl;

	e = listload_parse(l, body, len, err, errlen, line, warn, sizeof(warn));
	for (p = warn; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		log_warn("%s", p);
		if (nl == NULL)
			break;
	}
	return e;
}

/*
 * As listload_body_at, but it logs nothing, so that the list thread
 * may run it (listjob.c): what would be warned goes to warn instead,
 * one line a warning, for the event loop to log.
 */
struct entries *
listload_parse(const struct list_conf *l, const char *body, size_t len,
    char *err, size_t errlen, int *line, char *warn, size_t warnlen)
{
	struct parse_limits	 lim = { (unsigned)l->min_prefix_v4,
				    (unsigned)l->min_prefix_v6, l->within,
				    l->nwithin };
	struct parse_stats	 st;
	struct entries		*e;
	uint8_t			 sha[32];
	int			 rc;

	if (warnlen > 0)
		warn[0] = '\0';
	if (l->has_sha256) {
		listcache_sha256(body, len, sha);
		if (listload_pinned(l, sha, err, errlen) == -1)
			return NULL;
	}
	if ((e = entries_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	switch (l->format) {
	case LIST_TEXT:
		rc = parse_text(body, len, &lim, e, &st);
		break;
	case LIST_AUTO:
		rc = parse_auto(body, len, &lim, e, &st);
		break;
	case LIST_JSON:
		/* Its own messages: a bad path or body, not only memory. */
		rc = jsonpath_parse(body, len, l->json_path, &lim, e, &st, err,
		    errlen);
		if (st.no_match[0] != '\0')
			warn_add(warn, warnlen, "%s", st.no_match);
		if (rc == -1) {
			entries_unref(e);
			return NULL;
		}
		break;
	default:
		snprintf(err, errlen, "unknown format");
		entries_unref(e);
		return NULL;
	}
	if (rc == -1 || entries_build_merged(e) == -1) {
		snprintf(err, errlen, "out of memory");
		entries_unref(e);
		return NULL;
	}
	if (st.too_broad > 0) {
		snprintf(err, errlen, "%s is broader than min_prefix (%zu such "
		    "entries)", st.first_broad, st.too_broad);
		if (line != NULL)
			*line = st.first_broad_line;
	} else if (entries_count(e) == 0 && !l->allow_empty) {
		/* What was skipped is why it is empty: say it here too. */
		snprintf(err, errlen, "no entries (allow_empty = no)%s%.*s%s%s",
		    st.outside > 0 ? "; outside within: " : "",
		    st.outside > 0 ? 200 : 0, st.first_outside,
		    st.bad > 0 && st.bad_lines[0] != '\0' ?
		    "; no entry: " : "", st.bad > 0 ? st.bad_lines : "");
	} else if (entries_count(e) > l->max_entries) {
		snprintf(err, errlen, "%zu entries, over max_entries %llu",
		    entries_count(e), (unsigned long long)l->max_entries);
	} else {
		if (st.bad > 0)
			warn_add(warn, warnlen, "list %s: %zu %s are no entry, "
			    "skipped: %s%s", l->name, st.bad, l->format ==
			    LIST_JSON ? "values" : "lines", st.bad_lines,
			    st.bad > PARSE_FIRST_FEW ? ", ..." : "");
		if (st.outside > 0)
			warn_add(warn, warnlen, "list %s: %zu entries outside "
			    "within, skipped: %s%s", l->name, st.outside,
			    st.first_outside, st.outside > PARSE_FIRST_FEW ?
			    ", ..." : "");
		if (st.broad_names > 0)
			warn_add(warn, warnlen, "list %s: %zu patterns as "
			    "broad as a public suffix, skipped: %s%s", l->name,
			    st.broad_names, st.first_broad_names,
			    st.broad_names > PARSE_FIRST_FEW ? ", ..." : "");
		if (st.host_bits > 0)
			warn_add(warn, warnlen, "list %s: %zu CIDRs had host "
			    "bits set, cleared", l->name, st.host_bits);
		return e;
	}
	entries_unref(e);
	return NULL;
}

/*
 * Reads a file = list, at most max_bytes of it, into a buffer the size
 * of the file (one byte more tells that it grew past what was asked).
 * *refused (when not NULL) tells a file that was read and then refused
 * from one that could not be read; *line is the refused entry's line,
 * or 0.
 */
struct entries *
listload_file(const struct list_conf *l, char *err, size_t errlen,
    int *refused, int *line)
{
	FILE		*fp;
	struct stat	 st;
	char		*body;
	size_t		 len, want = l->max_bytes + 1;
	struct entries	*e = NULL;

	if ((fp = fopen(l->file, "rb")) == NULL) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < l->max_bytes)
		want = (size_t)st.st_size + 1;
	if ((body = malloc(want)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	len = fread(body, 1, want, fp);
	if (refused != NULL)
		*refused = 0;
	if (line != NULL)
		*line = 0;
	if (ferror(fp))
		snprintf(err, errlen, "read error");
	else if (len > l->max_bytes)
		snprintf(err, errlen, "larger than max_bytes (%llu)",
		    (unsigned long long)l->max_bytes);
	else if (len == want)
		snprintf(err, errlen, "changed while read");
	else if ((e = listload_body_at(l, body, len, err, errlen, line)) ==
	    NULL && refused != NULL)
		*refused = 1;
	fclose(fp);
	free(body);
	return e;
}

/*
 * A list's cached version, if there is a good one for its source; its
 * fetch time goes to *fetched.  What is wrong with it goes to err.
 */
static struct entries *
load_cached(const struct config *c, const struct list_conf *l,
    time_t *fetched, char *err, size_t errlen)
{
	struct listcache_meta	 m;
	struct entries		*e = NULL;
	const char		*source = l->url ? l->url : l->file;
	char			*body;
	size_t			 len;

	if (listcache_read(c->cache_dir, l->name, l->max_bytes, &body, &len, &m,
	    err, errlen) == -1)
		return NULL;
	if (strcmp(m.url, source) != 0)
		snprintf(err, errlen, "the cache is of %.200s, not of %.200s",
		    m.url, source);
	else if ((e = listload_body(l, body, len, err, errlen)) != NULL &&
	    fetched != NULL)
		*fetched = m.fetched_at;
	free(body);
	listcache_meta_free(&m);
	return e;
}

/*
 * The entries every list has without fetching anything: a file = list
 * read now (or, when it cannot be, its cached version), a url list's
 * cached version.  A list that cannot be loaded stays empty, with a
 * "FILE: warning: ..." line on warn, as SPEC "Command line" asks of -t.
 * fetched (or NULL) gets each cached version's fetch time, 0 for none.
 * A file = list that was read and then refused (what -t must fail on)
 * is a "FILE:LINE: list NAME: refused: ..." line instead, and flagged
 * in refused (when not NULL, one int a list).
 */
struct entries **
listload_local(const struct config *c, FILE *warn, time_t *fetched,
    int *refused)
{
	struct entries	**lists;
	char		  err[512], cerr[512], meta[4096];

	if ((lists = calloc(c->nlists ? c->nlists : 1, sizeof(*lists))) == NULL)
		return NULL;
	for (size_t i = 0; i < c->nlists; i++) {
		const struct list_conf *l = &c->lists[i];

		int	 bad = 0, line = 0;

		if (fetched != NULL)
			fetched[i] = 0;
		if (refused != NULL)
			refused[i] = 0;
		if (l->file != NULL && (lists[i] = listload_file(l, err,
		    sizeof(err), &bad, &line)) != NULL)
			continue;
		if (l->file != NULL && bad && line > 0)
			fprintf(warn, "%s:%d: list %s: refused: %s\n", l->file,
			    line, l->name, err);
		else if (l->file != NULL && bad)
			fprintf(warn, "%s: list %s: refused: %s\n", l->file,
			    l->name, err);
		else if (l->file != NULL)
			fprintf(warn, "%s: warning: list %s: %s\n", l->file,
			    l->name, err);
		if (refused != NULL)
			refused[i] = bad;
		lists[i] = load_cached(c, l, fetched ? &fetched[i] : NULL,
		    cerr, sizeof(cerr));
		snprintf(meta, sizeof(meta), "%s/%s.meta", c->cache_dir,
		    l->name);
		/* No cache at all is no news; a bad one is. */
		if (lists[i] == NULL && strstr(cerr, "No such file") == NULL)
			fprintf(warn, "%s: warning: list %s: cache not used: %s\n",
			    meta, l->name, cerr);
	}
	return lists;
}

void
listload_free(const struct config *c, struct entries **lists)
{
	if (lists == NULL)
		return;
	for (size_t i = 0; i < c->nlists; i++)
		entries_unref(lists[i]);
	free(lists);
}
