/*
 * The metadata file of the list cache (NAME.meta, "key value" lines),
 * read back at every start: the cache directory may hold anything a
 * crash, a full disk or another program left there.  Beyond not
 * crashing or leaking: a rejected file leaves nothing behind, and an
 * accepted one, written out again as listcache_write() writes it,
 * reads back to the same fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listcache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

/* What listcache_write() keeps of a field: lines never break in it. */
static const char *
as_written(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL ? s : "";
}

/* An optional field read back: empty ones are not kept. */
static int
same_optional(const char *was, const char *now)
{
	const char *w = as_written(was);

	if (*w == '\0')
		return now == NULL;
	return now != NULL && strcmp(w, now) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listcache_meta	 m, again;
	char			 out[8192];
	int			 n;

	if (listcache_parse_meta((const char *)data, size, &m) == -1) {
		CHECK(m.url == NULL && m.etag == NULL &&
		    m.last_modified == NULL);
		return 0;
	}
	CHECK(m.url != NULL);
	CHECK(m.etag == NULL || *m.etag != '\0');
	CHECK(m.last_modified == NULL || *m.last_modified != '\0');
	CHECK(memchr(data, '\0', size) == NULL);

	if ((n = listcache_format_meta(&m, out, sizeof(out))) != -1) {
		CHECK((size_t)n < sizeof(out) && out[n] == '\0');
		CHECK(listcache_parse_meta(out, (size_t)n, &again) == 0);
		CHECK(strcmp(again.url, as_written(m.url)) == 0);
		CHECK(same_optional(m.etag, again.etag));
		CHECK(same_optional(m.last_modified, again.last_modified));
		CHECK(again.fetched_at == m.fetched_at);
		CHECK(again.entries == m.entries);
		CHECK(memcmp(again.sha256, m.sha256, 32) == 0);
		listcache_meta_free(&again);
	}
	listcache_meta_free(&m);
	CHECK(m.url == NULL && m.etag == NULL && m.last_modified == NULL);
	return 0;
}
