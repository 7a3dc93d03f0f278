/*
 * The fields of one flow record, as pinhole review needs them.  Records
 * as pinhole writes them (one flat object of plain strings, integers and
 * nulls) are read by a strict scanner that only accepts that form; any
 * other line (an escape in a string, a byte outside ASCII, a nested
 * value, a fraction) goes to jansson.  Both fill the same fields, so
 * the scanner only saves time: ten million records through jansson
 * alone take minutes.
 */
#include <jansson.h>
#include <string.h>

#include "review.h"

static const char *const rec_keys[REC_NSTR] = {
	[REC_TS] = "ts", [REC_EVENT] = "event", [REC_REASON] = "reason",
	[REC_WOULD_DENY] = "would_deny", [REC_HOST] = "host",
	[REC_ADDR] = "addr", [REC_CLIENT] = "client", [REC_RULE] = "rule",
	[REC_LIST] = "list", [REC_ENTRY] = "entry",
};
static const char *const rec_nums[REC_NNUM] = {
	[REC_PORT] = "port", [REC_UP] = "bytes_up", [REC_DOWN] = "bytes_down",
};

static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* A plain string: its end (the closing quote), or NULL. */
static char *
plain_string(char *p, const char *end)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p;
		if (c == '\\' || c < 0x20 || c >= 0x80)
			return NULL;
	}
	return NULL;
}

static int
key_index(const char *k, const char *const *keys, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(k, keys[i]) == 0)
			return i;
	return -1;
}

/* A value at p: a string, digits, true, false or null; its end, or NULL. */
static char *
value(char *p, const char *end, const char *key, struct review_rec *r)
{
	int	 s = key_index(key, rec_keys, REC_NSTR);
	int	 n = key_index(key, rec_nums, REC_NNUM);
	char	*q;

	if (*p == '"') {
		if ((q = plain_string(p, end)) == NULL || n != -1)
			return NULL;
		*q = '\0';
		if (s != -1)
			r->str[s] = p + 1;
		return q + 1;
	}
	if (*p >= '0' && *p <= '9') {
		uint64_t v = 0;

		/* jansson's integers are int64_t: past that it refuses. */
		for (q = p; q < end && *q >= '0' && *q <= '9'; q++) {
			if (v > ((uint64_t)INT64_MAX - (uint64_t)(*q - '0')) / 10)
				return NULL;
			v = v * 10 + (uint64_t)(*q - '0');
		}
		if ((*p == '0' && q - p > 1) || s != -1 ||
		    (q < end && strchr(".eE", *q) != NULL))
			return NULL;
		if (n != -1)
			r->num[n] = v;
		return q;
	}
	for (size_t i = 0; i < 3; i++) {
		static const char *const words[] = { "null", "true", "false" };
		size_t len = strlen(words[i]);

		if ((size_t)(end - p) >= len && memcmp(p, words[i], len) == 0) {
			if ((s != -1 || n != -1) && i != 0)
				return NULL;
			if (s != -1)
				r->str[s] = NULL;
			if (n != -1)
				r->num[n] = 0;
			return p + len;
		}
	}
	return NULL;
}

/* The scanner, on a copy it may write NULs into: 0, or -1 for jansson. */
static int
scan(char *p, const char *end, struct review_rec *r)
{
	char *k, *q;

	p = (char *)ws(p, end);
	if (p == end || *p++ != '{')
		return -1;
	p = (char *)ws(p, end);
	if (p < end && *p == '}')
		return ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		if (p == end || *p != '"' || (q = plain_string(p, end)) == NULL)
			return -1;
		k = p + 1;
		*q = '\0';
		p = (char *)ws(q + 1, end);
		if (p == end || *p++ != ':')
			return -1;
		p = (char *)ws(p, end);
		if (p == end || (p = value(p, end, k, r)) == NULL)
			return -1;
		p = (char *)ws(p, end);
		if (p < end && *p == ',') {
			p = (char *)ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			return ws(p + 1, end) == end ? 0 : -1;
		return -1;
	}
}

static uint64_t
json_num(json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ?
		    (uint64_t)json_integer_value(v) : 0;
	if (json_is_real(v) && json_real_value(v) > 0 &&
	    json_real_value(v) < 1.8e19)
		return (uint64_t)json_real_value(v);
	return 0;
}

static void
rec_clear(struct review_rec *r)
{
	memset(r->str, 0, sizeof(r->str));
	memset(r->num, 0, sizeof(r->num));
	r->json = NULL;
}

/*
 * Fills r from a line: 0, or -1 when it is no JSON object.  r->json is
 * what jansson made of it (or NULL): review_rec_done() releases it.
 */
int
review_rec_parse(struct review_rec *r, const char *line, size_t len)
{
	json_t *o;

	rec_clear(r);
	if (len < sizeof(r->copy)) {
		memcpy(r->copy, line, len);
		if (scan(r->copy, r->copy + len, r) == 0)
			return 0;
		rec_clear(r);
	}
	o = json_loadb(line, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	r->json = o;
	for (int i = 0; i < REC_NSTR; i++)
		r->str[i] = json_string_value(json_object_get(o, rec_keys[i]));
	for (int i = 0; i < REC_NNUM; i++)
		r->num[i] = json_num(json_object_get(o, rec_nums[i]));
	return 0;
}

void
review_rec_done(struct review_rec *r)
{
	json_decref(r->json);
	r->json = NULL;
}
