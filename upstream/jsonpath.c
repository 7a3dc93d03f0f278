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
 *   a.*            every member of the object a (* at the start: of the
 *                  top-level object); "*" in quotes is a member named *
 *   a[].b          member b of each element of a
 *   a[][]          the elements of the arrays that are elements of a
 *   a[?k=v]        the elements of a that are objects whose member k
 *                  equals v; a[?k=v&k2=v2] all conditions must hold
 *   a[?k!=v]       member k does not equal v
 *   a[?k~=v]       member k is an array with an element that equals v
 *   a[?k.m=v]      a filter key may name a nested member: member m of
 *                  member k
 *   p1, p2         several paths; what each selects is added
 *
 * A path may end at an array (a[] selects its elements, which must be
 * strings) or at a member (a.b selects one value).  Member names and
 * filter keys are written plain (any characters but blanks, control
 * characters and . [ ] , " = ! & ? * ~) or in double quotes.  A filter
 * value is plain text up to the next & or ] (blanks included), or in
 * double quotes for values holding & or ] or for the empty string;
 * inside quotes, \" and \\ stand for " and \.
 *
 * What a value equals: a string, the same characters.  A plain value
 * written as a JSON number, true, false or null also equals that JSON
 * value (443 equals 443 and 443.0, true equals true); in quotes it
 * equals strings only.  A missing member counts as null, so [?k=null]
 * keeps objects without k and [?k!=null] those with one.  An object or
 * an array never equals a value.  A filter keeps objects only.  Array
 * indexes ([0]) are not supported.
 *
 * What is selected: a string is an entry (or a bad token, as in the text
 * format); a number, true, false, an object or an array is counted bad.
 * null counts as absent anywhere: a member that is missing or null
 * selects nothing and is not counted.  A value of the wrong kind on the
 * way (a string where the path wants an object or array) is counted bad.
 * A path that selects nothing at all is logged with what it met at the
 * deepest step it reached: the value's kind, or the members of the
 * object that lacked the one named.
 *
 * Bounds: a path of at most JSONPATH_MAX_LEN characters, JSONPATH_MAX_PATHS
 * paths, JSONPATH_MAX_STEPS steps in each, JSONPATH_MAX_CONDS conditions
 * in a filter and JSONPATH_MAX_KEY members in a filter key.  jansson
 * refuses bodies nested deeper than its limit (2048); the walk below
 * recurses once per path step only, never per level of the body, and
 * reaches each value of the body at most once per path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonpath.h"
#include "jsonpath_compiled.h"

/*
 * One walk of one path.  taken counts the values the path selected;
 * miss describes, for a path that selects nothing, what it met at the
 * deepest step it reached (the first such meeting).
 */
struct jp_run {
	const struct parse_limits	*lim;
	struct entries			*e;
	struct parse_stats		*st;
	const struct jsonpath		*jp;
	const struct jp_path		*p;
	size_t				 taken;
	int				 miss_depth;	/* -1: none yet */
	char				 miss[400];
};

/* Counts a value that is no entry; the first few are described. */
static void
note_bad_value(struct parse_stats *st, const json_t *v)
{
	char	 b[80];
	size_t	 n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		n = json_string_length(v);
		snprintf(b, sizeof(b), "%.*s", (int)(n > 60 ? 60 : n),
		    json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(b, sizeof(b), "%.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(b, sizeof(b), "true");
		break;
	case JSON_FALSE:
		snprintf(b, sizeof(b), "false");
		break;
	case JSON_NULL:
		snprintf(b, sizeof(b), "null");
		break;
	case JSON_OBJECT:
		snprintf(b, sizeof(b), "{...}");
		break;
	default:
		snprintf(b, sizeof(b), "[...]");
		break;
	}
	parse_note_bad(st, 0, b, strlen(b));
}

/* Does the JSON value m (NULL: missing) equal the value of c? */
static int
value_eq(const struct jp_cond *c, const json_t *m)
{
	if (m == NULL || json_is_null(m))
		return c->lit == JP_LIT_NULL;
	switch (json_typeof(m)) {
	case JSON_STRING:
		return json_string_length(m) == c->vlen &&
		    memcmp(json_string_value(m), c->value, c->vlen) == 0;
	case JSON_INTEGER:
	case JSON_REAL:
		return c->lit == JP_LIT_NUMBER &&
		    json_number_value(m) == c->num;
	case JSON_TRUE:
		return c->lit == JP_LIT_TRUE;
	case JSON_FALSE:
		return c->lit == JP_LIT_FALSE;
	default:
		return 0;
	}
}

/*
 * The member c's key names in el (NULL when missing); *parent, when
 * asked, is the last value looked in.
 */
static const json_t *
cond_member(const struct jp_cond *c, const json_t *el, const json_t **parent)
{
	const char	*name = c->key;
	const json_t	*m = el;

	for (int i = 0; i < c->nkey; i++) {
		if (parent != NULL)
			*parent = m;
		if (!json_is_object(m))
			return NULL;
		if ((m = json_object_get(m, name)) == NULL)
			return NULL;
		name += strlen(name) + 1;
	}
	return m;
}

static int
cond_holds(const struct jp_cond *c, const json_t *el)
{
	const json_t	*m = cond_member(c, el, NULL), *x;
	size_t		 i;

	switch (c->op) {
	case JP_EQ:
		return value_eq(c, m);
	case JP_NE:
		return !value_eq(c, m);
	case JP_HAS:
		if (!json_is_array(m))
			return 0;
		json_array_foreach(m, i, x)
			if (value_eq(c, x))
				return 1;
		return 0;
	}
	return 0;
}

/* The first condition of step s that el fails, or NULL: el is kept. */
static const struct jp_cond *
failed_cond(const struct jsonpath *jp, const struct jp_step *s,
    const json_t *el)
{
	for (int i = 0; i < s->nconds; i++) {
		const struct jp_cond *c = &jp->conds[s->cond0 + i];

		if (!cond_holds(c, el))
			return c;
	}
	return NULL;
}

/* Appends to buf (size bytes, NUL-terminated) what fmt says, cut short. */
static void	append(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t size, const char *fmt, ...)
{
	size_t	 n = strlen(buf);
	va_list	 ap;

	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* A value for a message: its kind, and a string's or number's text. */
static void
append_value(char *buf, size_t size, const json_t *v)
{
	size_t n;

	if (v == NULL) {
		append(buf, size, "missing");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		n = json_string_length(v);
		append(buf, size, "the string \"%.*s\"%s", (int)(n > 40 ? 40 : n),
		    json_string_value(v), n > 40 ? "..." : "");
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		append(buf, size, "the number %.15g", json_number_value(v));
		break;
	case JSON_TRUE:
		append(buf, size, "true");
		break;
	case JSON_FALSE:
		append(buf, size, "false");
		break;
	case JSON_NULL:
		append(buf, size, "null");
		break;
	case JSON_OBJECT:
		append(buf, size, json_object_size(v) ? "an object" :
		    "an empty object");
		break;
	case JSON_ARRAY:
		n = json_array_size(v);
		if (n == 0)
			append(buf, size, "an empty array");
		else
			append(buf, size, "an array of %zu", n);
		break;
	}
}

/* The first member names of the object o, and how many there are. */
static void
append_members(char *buf, size_t size, const json_t *o)
{
	const char	*k;
	const json_t	*m;
	size_t		 i = 0, n = json_object_size(o);

	if (n == 0) {
		append(buf, size, "it has no members");
		return;
	}
	append(buf, size, "its members: ");
	json_object_foreach((json_t *)o, k, m) {
		if (i == 6) {
			append(buf, size, ", ... (%zu in all)", n);
			break;
		}
		append(buf, size, "%s%.40s", i++ ? ", " : "", k);
	}
}

/* Steps 0..i-1 of the path as written, or "the top level". */
static void
append_where(struct jp_run *r, int i)
{
	const struct jp_step	*s = &r->jp->steps[r->p->step0];

	if (i == 0) {
		append(r->miss, sizeof(r->miss), "the top level");
		return;
	}
	append(r->miss, sizeof(r->miss), "\"%.*s\"",
	    (int)(s[i - 1].at + s[i - 1].len - r->p->at),
	    r->jp->src + r->p->at);
}

/*
 * Is a meeting at step i of the walk the first at a depth no earlier
 * meeting reached?  If so, the message restarts, to be written.
 */
static int
miss_first(struct jp_run *r, int i)
{
	if (i <= r->miss_depth)
		return 0;
	r->miss_depth = i;
	r->miss[0] = '\0';
	return 1;
}

/* Step i wanted an object or an array and met v. */
static void
miss_kind(struct jp_run *r, int i, const json_t *v, const char *wanted)
{
	if (!miss_first(r, i))
		return;
	append_where(r, i);
	append(r->miss, sizeof(r->miss), " is ");
	append_value(r->miss, sizeof(r->miss), v);
	if (wanted != NULL)
		append(r->miss, sizeof(r->miss), ", not %s", wanted);
}

/* The member step i names is not in the object v. */
static void
miss_member(struct jp_run *r, int i, const json_t *v)
{
	const struct jp_step *s = &r->jp->steps[r->p->step0 + i];

	if (!miss_first(r, i))
		return;
	append_where(r, i);
	append(r->miss, sizeof(r->miss), " has no member \"%.40s\"; ",
	    s->name);
	append_members(r->miss, sizeof(r->miss), v);
}

/* The element el of the array at step i fails the filter. */
static void
miss_filter(struct jp_run *r, int i, const json_t *el)
{
	const struct jp_step	*s = &r->jp->steps[r->p->step0 + i];
	const struct jp_cond	*c;
	const json_t		*parent = NULL, *m;

	if (!miss_first(r, i))
		return;
	append(r->miss, sizeof(r->miss), "no element of ");
	append_where(r, i);
	append(r->miss, sizeof(r->miss), " passes %.*s: the first ",
	    (int)s->len, r->jp->src + s->at);
	if (!json_is_object(el)) {
		append(r->miss, sizeof(r->miss), "is ");
		append_value(r->miss, sizeof(r->miss), el);
		return;
	}
	c = failed_cond(r->jp, s, el);
	m = cond_member(c, el, &parent);
	if (m != NULL) {
		append(r->miss, sizeof(r->miss), "has %.*s = ", (int)c->len,
		    r->jp->src + c->at);
		append_value(r->miss, sizeof(r->miss), m);
		return;
	}
	append(r->miss, sizeof(r->miss), "has no %.*s (", (int)c->len,
	    r->jp->src + c->at);
	if (json_is_object(parent))
		append_members(r->miss, sizeof(r->miss), parent);
	else {
		append(r->miss, sizeof(r->miss), "on the way: ");
		append_value(r->miss, sizeof(r->miss), parent);
	}
	append(r->miss, sizeof(r->miss), ")");
}

/* A selected value: a string is a token, anything else is bad. */
static int
take(struct jp_run *r, const json_t *v)
{
	const char	*s;
	size_t		 n;

	r->taken++;
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

static int	walk(struct jp_run *, int, json_t *);

/* Step i, [] or [?...], over the array v. */
static int
walk_each(struct jp_run *r, int i, json_t *v)
{
	const struct jp_step	*s = &r->jp->steps[r->p->step0 + i];
	json_t			*m;
	size_t			 idx;

	if (!json_is_array(v)) {
		note_bad_value(r->st, v);
		miss_kind(r, i, v, "an array");
		return 0;
	}
	if (json_array_size(v) == 0)
		miss_kind(r, i, v, NULL);
	json_array_foreach(v, idx, m) {
		if (s->nconds > 0 && (!json_is_object(m) ||
		    failed_cond(r->jp, s, m) != NULL)) {
			miss_filter(r, i, m);
			continue;
		}
		if (walk(r, i + 1, m) == -1)
			return -1;
	}
	return 0;
}

/* Step i, *, over the object v. */
static int
walk_all(struct jp_run *r, int i, json_t *v)
{
	const char	*k;
	json_t		*m;

	if (!json_is_object(v)) {
		note_bad_value(r->st, v);
		miss_kind(r, i, v, "an object");
		return 0;
	}
	if (json_object_size(v) == 0)
		miss_kind(r, i, v, NULL);
	json_object_foreach(v, k, m) {
		if (walk(r, i + 1, m) == -1)
			return -1;
	}
	return 0;
}

/*
 * Steps i.. of the path from v; recurses once per step, at most nsteps
 * deep.
 */
static int
walk(struct jp_run *r, int i, json_t *v)
{
	const struct jp_step	*s;
	json_t			*m;

	if (json_is_null(v)) {
		miss_kind(r, i, v, NULL);
		return 0;
	}
	if (i == r->p->nsteps)
		return take(r, v);
	s = &r->jp->steps[r->p->step0 + i];
	switch (s->kind) {
	case JP_MEMBER:
		if (!json_is_object(v)) {
			note_bad_value(r->st, v);
			miss_kind(r, i, v, "an object");
			return 0;
		}
		if ((m = json_object_get(v, s->name)) == NULL) {
			miss_member(r, i, v);
			return 0;
		}
		return walk(r, i + 1, m);
	case JP_ALL:
		return walk_all(r, i, v);
	case JP_EACH:
		return walk_each(r, i, v);
	}
	return 0;
}

/*
 * Walks path k of jp over root.  One that selects nothing is logged
 * with what it met: the log line names the path, as the admin wrote
 * it, and the list it came from follows, as the caller refuses it or
 * takes it.
 */
/*
 * Said by the caller, not logged here: the list thread parses too, and
 * only the event loop logs.  One line a path, the first few.
 */
static void
note_no_match(struct parse_stats *st, const struct jp_run *r)
{
	size_t used = strlen(st->no_match);

	if (used + 1 >= sizeof(st->no_match))
		return;
	if (used > 0)
		st->no_match[used++] = '\n';
	snprintf(st->no_match + used, sizeof(st->no_match) - used,
	    "json_path \"%.*s\" selects nothing: %s", (int)r->p->len,
	    r->jp->src + r->p->at, r->miss);
}

static int
walk_path(struct jp_run *r, int k, json_t *root)
{
	int rc;

	r->p = &r->jp->paths[k];
	r->taken = 0;
	r->miss_depth = -1;
	r->miss[0] = '\0';
	rc = walk(r, 0, root);
	if (rc == 0 && r->taken == 0)
		note_no_match(r->st, r);
	return rc;
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
	struct jp_run	 r;
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
	memset(&r, 0, sizeof(r));
	r.lim = lim;
	r.e = e;
	r.st = st;
	r.jp = jp;
	for (int i = 0; i < jp->npaths && rc == 0; i++)
		rc = walk_path(&r, i, root);
	if (rc == -1)
		snprintf(err, errlen, "out of memory");
	json_decref(root);
	jsonpath_free(jp);
	return rc;
}
