/*
 * The json list format: the body is parsed with jansson and json_path
 * selects the strings in it that are entries.  Each selected string is
 * taken as one line of the text format would be (parse_add_token): an
 * address, a CIDR, a name or a pattern.
 *
 * json_path syntax (docs/admin-guide.md, "json_path", says the same):
 *
 *   a.b.c          member c of member b of member a of the top-level object
 *   a[]            every element of the array a
 *   []             at the start: every element of the top-level array
 *   a[].b          member b of each element of a
 *   a[][]          the elements of the arrays that are elements of a
 *   a[?k=v]        the elements of a that are objects whose member k is
 *                  the string v; a[?k=v&k2=v2] all conditions must hold;
 *                  a[?k!=v] member k is missing or is not the string v
 *   p1, p2         several paths; what each selects is added
 *
 * A path may end at an array (a[] selects its elements, which must be
 * strings) or at a member (a.b selects one value).  Member names and
 * filter keys are written plain (any characters but blanks, control
 * characters and . [ ] , " = ! & ?) or in double quotes.  A filter value
 * is plain text up to the next & or ] (blanks included), or in double
 * quotes for values holding & or ] or for the empty string; inside
 * quotes, \" and \\ stand for " and \.  A filter compares with the one
 * member named, never a nested path, and keeps objects only.  Array
 * indexes ([0]) are not supported.
 *
 * What is selected: a string is an entry (or a bad token, as in the text
 * format); a number, true, false, an object or an array is counted bad.
 * null counts as absent anywhere: a member that is missing or null
 * selects nothing and is not counted.  A value of the wrong kind on the
 * way (a string where the path wants an object or array) is counted bad.
 *
 * Bounds: a path of at most JSONPATH_MAX_LEN characters, JSONPATH_MAX_PATHS
 * paths, JSONPATH_MAX_STEPS steps in each and JSONPATH_MAX_CONDS
 * conditions in a filter.  jansson refuses bodies nested deeper than its
 * limit (2048); the walk below recurses once per path step only, never
 * per level of the body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonpath.h"

enum jp_kind {
	JP_MEMBER,		/* .name */
	JP_EACH			/* [] or [?...] */
};

struct jp_cond {
	const char	*key;
	const char	*value;
	size_t		 vlen;
	int		 neg;		/* != */
};

struct jp_step {
	enum jp_kind	 kind;
	const char	*name;		/* JP_MEMBER */
	int		 nconds;	/* JP_EACH: a filter when > 0 */
	struct jp_cond	 conds[JSONPATH_MAX_CONDS];
};

struct jp_path {
	int		 nsteps;
	struct jp_step	 steps[JSONPATH_MAX_STEPS];
};

struct jsonpath {
	int		 npaths;
	struct jp_path	 paths[JSONPATH_MAX_PATHS];
	/*
	 * The names, keys and values, unquoted and NUL-terminated: a token
	 * written with n characters takes at most 2n bytes here.
	 */
	size_t		 used;
	char		 text[2 * JSONPATH_MAX_LEN + 2];
};

struct lexer {
	const char	*s;
	size_t		 pos;
	struct jsonpath	*jp;
	char		*err;
	size_t		 errlen;
};

static int	lex_error(struct lexer *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* "what is wrong at character N", N counted from 1; returns -1. */
static int
lex_error(struct lexer *lx, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(lx->err, lx->errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < lx->errlen)
		snprintf(lx->err + n, lx->errlen - (size_t)n,
		    " at character %zu", lx->pos + 1);
	return -1;
}

/* The character at the lexer's position, for a message. */
static const char *
shown(const struct lexer *lx, char *buf, size_t size)
{
	unsigned char c = (unsigned char)lx->s[lx->pos];

	if (c == '\0')
		snprintf(buf, size, "end of path");
	else if (c > ' ' && c < 0x7f)
		snprintf(buf, size, "\"%c\"", c);
	else if (c == ' ')
		snprintf(buf, size, "blank");
	else
		snprintf(buf, size, "byte 0x%02x", c);
	return buf;
}

static int
unexpected(struct lexer *lx)
{
	char buf[16];

	return lex_error(lx, "unexpected %s", shown(lx, buf, sizeof(buf)));
}

static int
name_char(unsigned char c)
{
	return c > ' ' && c != 0x7f && strchr(".[],\"=!&?", c) == NULL;
}

static void
skip_blanks(struct lexer *lx)
{
	while (lx->s[lx->pos] == ' ' || lx->s[lx->pos] == '\t')
		lx->pos++;
}

/* Room for n more bytes of text; the bound in struct jsonpath holds. */
static char *
text_room(struct lexer *lx, size_t n)
{
	struct jsonpath *jp = lx->jp;

	if (jp->used + n > sizeof(jp->text))
		return NULL;
	return jp->text + jp->used;
}

/* A "quoted" token at the position, unescaped into the text. */
static int
read_quoted(struct lexer *lx, const char **out, size_t *len)
{
	size_t	 start = lx->pos, n = 0;
	char	*t;

	/* The token's characters, less the quotes, plus a NUL. */
	if ((t = text_room(lx, strlen(lx->s + start))) == NULL)
		return lex_error(lx, "path too complex");
	for (lx->pos++;; ) {
		char c = lx->s[lx->pos];

		if (c == '\0') {
			lx->pos = start;
			return lex_error(lx, "unterminated quoted string");
		}
		if (c == '"')
			break;
		if (c == '\\') {
			c = lx->s[lx->pos + 1];
			if (c != '"' && c != '\\')
				return lex_error(lx, "bad escape in a quoted "
				    "string (only \\\" and \\\\)");
			lx->pos++;
		}
		t[n++] = c;
		lx->pos++;
	}
	lx->pos++;
	t[n] = '\0';
	lx->jp->used += n + 1;
	*out = t;
	if (len != NULL)
		*len = n;
	return 0;
}

/* A member name or filter key, plain or quoted; what says which. */
static int
read_name(struct lexer *lx, const char **out, const char *what)
{
	size_t	 start = lx->pos, n;
	char	*t;

	if (lx->s[lx->pos] == '"')
		return read_quoted(lx, out, NULL);
	while (name_char((unsigned char)lx->s[lx->pos]))
		lx->pos++;
	if ((n = lx->pos - start) == 0) {
		char buf[16];

		return lex_error(lx, "expected %s, found %s", what,
		    shown(lx, buf, sizeof(buf)));
	}
	if ((t = text_room(lx, n + 1)) == NULL)
		return lex_error(lx, "path too complex");
	memcpy(t, lx->s + start, n);
	t[n] = '\0';
	lx->jp->used += n + 1;
	*out = t;
	return 0;
}

/* A filter value: quoted, or plain up to & or ]. */
static int
read_value(struct lexer *lx, struct jp_cond *c)
{
	size_t	 start = lx->pos, n;
	char	*t;

	if (lx->s[lx->pos] == '"') {
		if (read_quoted(lx, &c->value, &c->vlen) == -1)
			return -1;
		if (lx->s[lx->pos] != '&' && lx->s[lx->pos] != ']') {
			char buf[16];

			return lex_error(lx, "expected \"&\" or \"]\" after "
			    "a quoted value, found %s",
			    shown(lx, buf, sizeof(buf)));
		}
		return 0;
	}
	while (lx->s[lx->pos] != '\0' && lx->s[lx->pos] != '&' &&
	    lx->s[lx->pos] != ']')
		lx->pos++;
	if (lx->s[lx->pos] == '\0')
		return lex_error(lx, "missing \"]\" after the filter");
	if ((n = lx->pos - start) == 0)
		return lex_error(lx, "empty filter value (write \"\" for the "
		    "empty string)");
	if ((t = text_room(lx, n + 1)) == NULL)
		return lex_error(lx, "path too complex");
	memcpy(t, lx->s + start, n);
	t[n] = '\0';
	lx->jp->used += n + 1;
	c->value = t;
	c->vlen = n;
	return 0;
}

/* [] or [?key=value&key!=value...], at the "[". */
static int
read_bracket(struct lexer *lx, struct jp_step *st)
{
	char	 buf[16];

	st->kind = JP_EACH;
	st->nconds = 0;
	lx->pos++;
	if (lx->s[lx->pos] == ']') {
		lx->pos++;
		return 0;
	}
	if (lx->s[lx->pos] >= '0' && lx->s[lx->pos] <= '9')
		return lex_error(lx, "array indexes are not supported (use [] "
		    "or [?key=value])");
	if (lx->s[lx->pos] != '?')
		return lex_error(lx, "expected \"]\" or \"?\" after \"[\", "
		    "found %s", shown(lx, buf, sizeof(buf)));
	lx->pos++;
	for (;;) {
		struct jp_cond *c;

		if (st->nconds == JSONPATH_MAX_CONDS)
			return lex_error(lx, "more than %d conditions in one "
			    "filter", JSONPATH_MAX_CONDS);
		c = &st->conds[st->nconds++];
		if (read_name(lx, &c->key, "a filter key") == -1)
			return -1;
		if (lx->s[lx->pos] == '=') {
			c->neg = 0;
			lx->pos++;
		} else if (lx->s[lx->pos] == '!' && lx->s[lx->pos + 1] == '=') {
			c->neg = 1;
			lx->pos += 2;
		} else
			return lex_error(lx, "expected \"=\" or \"!=\" after "
			    "the filter key, found %s",
			    shown(lx, buf, sizeof(buf)));
		if (read_value(lx, c) == -1)
			return -1;
		if (lx->s[lx->pos++] == ']')
			return 0;
		/* else "&": another condition */
	}
}

/* One path: up to a blank, a comma or the end. */
static int
read_path(struct lexer *lx, struct jp_path *p)
{
	char c = lx->s[lx->pos];

	if (c == '\0' || c == ',')
		return lex_error(lx, "empty path");
	for (int first = 1;; first = 0) {
		struct jp_step	*st;

		c = lx->s[lx->pos];
		if (!first && c != '.' && c != '[')
			return 0;
		if (p->nsteps == JSONPATH_MAX_STEPS)
			return lex_error(lx, "more than %d steps in one path",
			    JSONPATH_MAX_STEPS);
		st = &p->steps[p->nsteps++];
		if (c == '[') {
			if (read_bracket(lx, st) == -1)
				return -1;
			continue;
		}
		st->kind = JP_MEMBER;
		if (!first)
			lx->pos++;	/* the "." */
		if (read_name(lx, &st->name, first ?
		    "a member name or \"[\"" : "a member name after \".\"") ==
		    -1)
			return -1;
	}
}

/*
 * Checks the syntax of path; with out, also returns it compiled (free
 * it with jsonpath_free).  On error, err says what and where.
 */
int
jsonpath_compile(const char *path, struct jsonpath **out, char *err,
    size_t errlen)
{
	struct lexer	 lx;
	struct jsonpath	*jp;

	if (out != NULL)
		*out = NULL;
	if (strlen(path) > JSONPATH_MAX_LEN) {
		snprintf(err, errlen, "longer than %d characters",
		    JSONPATH_MAX_LEN);
		return -1;
	}
	if ((jp = calloc(1, sizeof(*jp))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lx.s = path;
	lx.pos = 0;
	lx.jp = jp;
	lx.err = err;
	lx.errlen = errlen;
	for (;;) {
		skip_blanks(&lx);
		if (jp->npaths == JSONPATH_MAX_PATHS) {
			lex_error(&lx, "more than %d paths",
			    JSONPATH_MAX_PATHS);
			goto fail;
		}
		if (read_path(&lx, &jp->paths[jp->npaths++]) == -1)
			goto fail;
		skip_blanks(&lx);
		if (path[lx.pos] == '\0')
			break;
		if (path[lx.pos] != ',') {
			unexpected(&lx);
			goto fail;
		}
		lx.pos++;
	}
	if (out != NULL)
		*out = jp;
	else
		free(jp);
	return 0;
fail:
	free(jp);
	return -1;
}

void
jsonpath_free(struct jsonpath *jp)
{
	free(jp);
}

struct jp_run {
	const struct parse_limits	*lim;
	struct entries			*e;
	struct parse_stats		*st;
};

/* Counts a value that is no entry; the first is described. */
static void
note_bad_value(struct parse_stats *st, const json_t *v)
{
	char	*b = st->first_bad;
	size_t	 size = sizeof(st->first_bad);

	if (st->bad++ > 0)
		return;
	st->first_bad_line = 0;
	switch (json_typeof(v)) {
	case JSON_STRING: {
		size_t n = json_string_length(v);

		snprintf(b, size, "%.*s", (int)(n > 60 ? 60 : n),
		    json_string_value(v));
		break;
	}
	case JSON_INTEGER:
		snprintf(b, size, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(b, size, "%.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(b, size, "true");
		break;
	case JSON_FALSE:
		snprintf(b, size, "false");
		break;
	case JSON_NULL:
		snprintf(b, size, "null");
		break;
	case JSON_OBJECT:
		snprintf(b, size, "{...}");
		break;
	case JSON_ARRAY:
		snprintf(b, size, "[...]");
		break;
	}
}

/* Does the array element el pass the filter of step s? */
static int
keep(const struct jp_step *s, const json_t *el)
{
	if (!json_is_object(el))
		return 0;
	for (int i = 0; i < s->nconds; i++) {
		const struct jp_cond	*c = &s->conds[i];
		const json_t		*m = json_object_get(el, c->key);
		int			 eq;

		eq = json_is_string(m) && json_string_length(m) == c->vlen &&
		    memcmp(json_string_value(m), c->value, c->vlen) == 0;
		if (eq == c->neg)
			return 0;
	}
	return 1;
}

/* A selected value: a string is a token, anything else is bad. */
static int
take(struct jp_run *r, const json_t *v)
{
	const char	*s;
	size_t		 n;

	if (!json_is_string(v)) {
		note_bad_value(r->st, v);
		return 0;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (memchr(s, '\0', n) != NULL) {
		note_bad_value(r->st, v);
		return 0;
	}
	return parse_add_token(s, n, 0, r->lim, r->e, r->st);
}

/* Steps i.. of p from v; recurses once per step, at most nsteps deep. */
static int
walk(struct jp_run *r, const struct jp_path *p, int i, json_t *v)
{
	const struct jp_step	*s;
	json_t			*m;
	size_t			 idx;

	if (json_is_null(v))
		return 0;
	if (i == p->nsteps)
		return take(r, v);
	s = &p->steps[i];
	if (s->kind == JP_MEMBER) {
		if (!json_is_object(v)) {
			note_bad_value(r->st, v);
			return 0;
		}
		if ((m = json_object_get(v, s->name)) == NULL)
			return 0;
		return walk(r, p, i + 1, m);
	}
	if (!json_is_array(v)) {
		note_bad_value(r->st, v);
		return 0;
	}
	json_array_foreach(v, idx, m) {
		if (s->nconds > 0 && !keep(s, m))
			continue;
		if (walk(r, p, i + 1, m) == -1)
			return -1;
	}
	return 0;
}

/*
 * A JSON tree costs far more than its text: jansson spends about 250
 * bytes on an empty object, so an 8 MiB body of "{}," would take some
 * 700 MiB, in every worker.  Real vendor lists cost 7-10 times their
 * size.  jansson's allocations are therefore counted while a body is
 * parsed, and the parse fails once the tree passes JSONPATH_TREE_FACTOR
 * times the body (at least JSONPATH_TREE_MIN): the list is refused with
 * that reason, and memory never grows past the bound.  The count is
 * per thread, so a parse on another thread has its own.
 */
#define JSONPATH_TREE_FACTOR	16
#define JSONPATH_TREE_MIN	(1024 * 1024)

union tree_head {
	size_t		n;
	max_align_t	align;
};

struct tree_budget {
	int	on, over;
	size_t	used, max;
};

static _Thread_local struct tree_budget budget;

static void *
tree_malloc(size_t n)
{
	union tree_head	*h;

	if (budget.on) {
		if (n > budget.max - budget.used) {
			budget.over = 1;
			return NULL;
		}
		budget.used += n;
	}
	if (n > SIZE_MAX - sizeof(*h) || (h = malloc(sizeof(*h) + n)) == NULL)
		return NULL;
	h->n = n;
	return h + 1;
}

static void
tree_free(void *p)
{
	union tree_head	*h;

	if (p == NULL)
		return;
	h = (union tree_head *)p - 1;
	if (budget.on)
		budget.used -= h->n < budget.used ? h->n : budget.used;
	free(h);
}

/*
 * Installs the counting allocator: before any jansson value exists
 * (main calls it first thing; jsonpath_parse again, for programs that
 * only parse lists).
 */
void
jsonpath_init(void)
{
	static int	 done;

	if (!done) {
		json_set_alloc_funcs(tree_malloc, tree_free);
		done = 1;
	}
}

static json_t *
load_bounded(const char *body, size_t len, json_error_t *je, size_t *max)
{
	json_t	*root;

	jsonpath_init();
	budget.used = 0;
	budget.over = 0;
	budget.max = len > JSONPATH_TREE_MIN / JSONPATH_TREE_FACTOR ?
	    (len > SIZE_MAX / JSONPATH_TREE_FACTOR ? SIZE_MAX :
	    len * JSONPATH_TREE_FACTOR) : JSONPATH_TREE_MIN;
	*max = budget.max;
	budget.on = 1;
	/*
	 * Integers as reals: a vendor's 20-digit serial number elsewhere in
	 * the body must not make the whole body invalid.
	 */
	root = json_loadb(body, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL |
	    JSON_ALLOW_NUL, je);
	budget.on = 0;
	if (budget.over) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/*
 * Adds to e every string that path selects in the JSON body.  -1 with
 * err set when the path is bad ("json_path: ..."), the body is no JSON
 * ("invalid JSON at line L, column C: ...") or memory runs out.
 */
int
jsonpath_parse(const char *body, size_t len, const char *path,
    const struct parse_limits *lim, struct entries *e,
    struct parse_stats *st, char *err, size_t errlen)
{
	struct jsonpath	*jp;
	struct jp_run	 r = { lim, e, st };
	json_t		*root;
	json_error_t	 je;
	char		 perr[256];
	size_t		 max;
	int		 rc = 0;

	memset(st, 0, sizeof(*st));
	if (path == NULL) {
		snprintf(err, errlen, "json_path: no path");
		return -1;
	}
	if (jsonpath_compile(path, &jp, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "json_path: %s", perr);
		return -1;
	}
	root = load_bounded(body, len, &je, &max);
	if (root == NULL && budget.over)
		snprintf(err, errlen, "its JSON tree would take more than "
		    "%zu MiB (%d times the body): too costly to parse",
		    max >> 20, JSONPATH_TREE_FACTOR);
	else if (root == NULL)
		snprintf(err, errlen, "invalid JSON at line %d, column %d: %s",
		    je.line, je.column, je.text);
	if (root == NULL) {
		jsonpath_free(jp);
		return -1;
	}
	for (int i = 0; i < jp->npaths && rc == 0; i++)
		rc = walk(&r, &jp->paths[i], 0, root);
	if (rc == -1)
		snprintf(err, errlen, "out of memory");
	json_decref(root);
	jsonpath_free(jp);
	return rc;
}
