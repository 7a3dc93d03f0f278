/*
 * Reading flow records for pinhole review: plain or gzipped files (zlib
 * reads both, so a rotated "access.log.2.gz" needs no flag), streamed in
 * fixed chunks, one JSON object per line parsed with jansson and
 * forgotten.  On a long run a progress line goes to stderr every few
 * seconds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "review.h"

#define READ_CHUNK	(1024 * 1024)
#define PROGRESS_SEC	3

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z", as flow records write it: ms, or -1. */
static int64_t
parse_ts(const char *s)
{
	int	 y, mo, d, h, mi, sec, ms = 0, scale = 100;
	size_t	 i = 19;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (s[i] == '.') {
		while (s[++i] >= '0' && s[i] <= '9') {
			ms += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if ((s[i] != 'Z' && s[i] != 'z') || s[i + 1] != '\0')
		return -1;
	return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 +
	    (int64_t)sec * 1000 + ms;
}

static int
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

static struct review_item *
item(struct review *rv, char kind, const char *a, const char *b)
{
	char	key[512];
	int	n;

	n = snprintf(key, sizeof(key), "%c\t%s%s%s", kind, a, b ? "\t" : "",
	    b ? b : "");
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return rtab_get(&rv->items, key, (size_t)n);
}

/* A flow (or an allowed attempt that failed) uses its rule and entry. */
static void
use(struct review *rv, const struct review_rec *r)
{
	const char		*rule = r->str[REC_RULE];
	const char		*list = r->str[REC_LIST];
	const char		*entry = r->str[REC_ENTRY];
	uint64_t		 bytes = r->num[REC_UP] + r->num[REC_DOWN];
	struct review_item	*it;

	if (rule == NULL)
		return;
	if ((it = item(rv, 'R', rule, NULL)) == NULL) {
		rv->unknown++;
		return;
	}
	it->flows++;
	it->bytes += bytes;
	if (entry == NULL)
		return;
	if ((it = list != NULL ? item(rv, 'L', list, entry) :
	    item(rv, 'E', rule, entry)) != NULL) {
		it->flows++;
		it->bytes += bytes;
	}
}

static void
account(struct review *rv, const struct review_rec *r, int64_t ts)
{
	const char	*event = r->str[REC_EVENT], *reason = r->str[REC_REASON];
	const char	*host = r->str[REC_HOST];
	uint64_t	 up = r->num[REC_UP], down = r->num[REC_DOWN];

	rv->records++;
	if (rv->first_ms == -1 || ts < rv->first_ms)
		rv->first_ms = ts;
	if (ts > rv->last_ms)
		rv->last_ms = ts;
	if (host == NULL)
		host = r->str[REC_ADDR];
	if (is(event, "flow") || is(event, "error"))
		use(rv, r);
	if (is(event, "flow") && host != NULL) {
		rv->flows++;
		rv->flow_bytes += up + down;
		review_dest_add(rv, host, up, down);
	}
	/* Report mode lets these through; they are refusals all the same. */
	if ((is(event, "deny") && is(reason, "not_allowed")) ||
	    is(r->str[REC_WOULD_DENY], "not_allowed"))
		review_group_add(rv, host, r->str[REC_CLIENT],
		    r->num[REC_PORT] <= 65535 ? (int)r->num[REC_PORT] : 0);
}

void
review_record(struct review *rv, const char *line, size_t len)
{
	static struct review_rec	 r;
	int64_t				 ts;

	if (review_rec_parse(&r, line, len) == -1) {
		rv->bad++;
		return;
	}
	if (r.str[REC_TS] == NULL || r.str[REC_EVENT] == NULL ||
	    (ts = parse_ts(r.str[REC_TS])) == -1)
		rv->bad++;
	else if (rv->since_text != NULL && ts < rv->since_ms)
		rv->older++;
	else
		account(rv, &r, ts);
	review_rec_done(&r);
}

static void
progress(struct review *rv, const char *path, const uint64_t *got,
    time_t *last)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (*last == 0)
		*last = ts.tv_sec;
	if (ts.tv_sec - *last < PROGRESS_SEC)
		return;
	*last = ts.tv_sec;
	fprintf(stderr, "pinhole review: %s: %llu records, %llu MiB read\n",
	    path, (unsigned long long)(rv->records + rv->older + rv->bad),
	    (unsigned long long)((rv->bytes_read + *got) >> 20));
}

static void
line(struct review *rv, const char *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	rv->lines++;
	review_record(rv, p, len);
}

/* Splits a chunk into lines; what is left of a line moves to the start. */
static size_t
chunk(struct review *rv, char *buf, size_t have, int *skipping)
{
	char	*p = buf, *end = buf + have, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (*skipping) {
			*skipping = 0;
			rv->lines++;
			rv->bad++;
		} else
			line(rv, p, (size_t)(nl - p));
		p = nl + 1;
	}
	have = (size_t)(end - p);
	memmove(buf, p, have);
	if (have >= REVIEW_MAX_LINE) {
		*skipping = 1;
		have = 0;
	}
	return have;
}

/* One file, "-" for stdin: 0, or -1 with a message when it cannot be. */
int
review_read(struct review *rv, const char *path)
{
	gzFile		 f;
	char		*buf;
	const char	*msg;
	size_t		 have = 0;
	uint64_t	 got = 0;
	int		 n, skipping = 0, errnum = Z_OK, fd;
	time_t		 last = 0;

	fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : -1;
	f = fd != -1 ? gzdopen(fd, "rb") : gzopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "pinhole review: %s: %s\n", path,
		    errno ? strerror(errno) : "cannot open");
		return -1;
	}
	gzbuffer(f, 256 * 1024);
	if ((buf = malloc(READ_CHUNK + REVIEW_MAX_LINE)) == NULL) {
		gzclose(f);
		fprintf(stderr, "pinhole review: out of memory\n");
		return -1;
	}
	while ((n = gzread(f, buf + have, READ_CHUNK)) > 0) {
		got += (uint64_t)n;
		have = chunk(rv, buf, have + (size_t)n, &skipping);
		progress(rv, path, &got, &last);
	}
	rv->bytes_read += got;
	msg = gzerror(f, &errnum);
	/* zlib's message starts with the path: say it once. */
	if (strncmp(msg, path, strlen(path)) == 0 &&
	    strncmp(msg + strlen(path), ": ", 2) == 0)
		msg += strlen(path) + 2;
	if ((n < 0 || errnum != Z_OK) && got == 0)
		fprintf(stderr, "pinhole review: %s: %s\n", path, msg);
	else {
		if (n < 0 || errnum != Z_OK)
			fprintf(stderr, "pinhole review: %s: warning: %s; read "
			    "up to there\n", path, msg);
		rv->nfiles++;
	}
	if (have > 0 && !skipping)
		line(rv, buf, have);
	free(buf);
	gzclose(f);
	return (n < 0 || errnum != Z_OK) && got == 0 ? -1 : 0;
}
