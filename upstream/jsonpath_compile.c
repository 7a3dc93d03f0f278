/*
 * json_path text into its compiled form (jsonpath_compiled.h): the
 * lexer, with a message naming the character at fault.  The syntax is
 * described at the top of jsonpath.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"
#include "jsonpath_compiled.h"

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
	return c > ' ' && c != 0x7f && strchr(".[],\"=!&?*~", c) == NULL;
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

/* Is s[0..n) a JSON number (RFC 8259: no "+", no leading zeros)? */
static int
json_number_text(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		if (++i == n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

/*
 * What a plain value also reads as.  A number is read as jansson reads
 * the body's (as a double), so equal texts give equal numbers; one too
 * large for a double is refused, as jansson refuses it in a body.
 */
static int
read_literal(struct lexer *lx, struct jp_cond *c, size_t start)
{
	c->lit = JP_LIT_NONE;
	if (strcmp(c->value, "true") == 0)
		c->lit = JP_LIT_TRUE;
	else if (strcmp(c->value, "false") == 0)
		c->lit = JP_LIT_FALSE;
	else if (strcmp(c->value, "null") == 0)
		c->lit = JP_LIT_NULL;
	else if (json_number_text(c->value, c->vlen)) {
		errno = 0;
		c->num = strtod(c->value, NULL);
		if (errno == ERANGE && c->num != 0) {
			lx->pos = start;
			return lex_error(lx, "number out of range");
		}
		c->lit = JP_LIT_NUMBER;
	}
	return 0;
}

/* A filter value: quoted, or plain up to & or ]. */
static int
read_value(struct lexer *lx, struct jp_cond *c)
{
	size_t	 start = lx->pos, n;
	char	*t;

	c->lit = JP_LIT_NONE;
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
	return read_literal(lx, c, start);
}

/* A filter key: member names joined by "."; then the operator. */
static int
read_key(struct lexer *lx, struct jp_cond *c)
{
	const char	*name;
	char		 buf[16];

	c->at = lx->pos;
	for (c->nkey = 0;; ) {
		if (c->nkey == JSONPATH_MAX_KEY)
			return lex_error(lx, "more than %d members in a "
			    "filter key", JSONPATH_MAX_KEY);
		if (read_name(lx, &name, c->nkey ? "a member name after "
		    "\".\"" : "a filter key") == -1)
			return -1;
		if (c->nkey++ == 0)
			c->key = name;
		if (lx->s[lx->pos] != '.')
			break;
		lx->pos++;
	}
	c->len = lx->pos - c->at;
	if (lx->s[lx->pos] == '=') {
		c->op = JP_EQ;
		lx->pos++;
	} else if (lx->s[lx->pos] == '!' && lx->s[lx->pos + 1] == '=') {
		c->op = JP_NE;
		lx->pos += 2;
	} else if (lx->s[lx->pos] == '~' && lx->s[lx->pos + 1] == '=') {
		c->op = JP_HAS;
		lx->pos += 2;
	} else
		return lex_error(lx, "expected \"=\", \"!=\" or \"~=\" after "
		    "the filter key, found %s", shown(lx, buf, sizeof(buf)));
	return 0;
}

/* [] or [?key=value&key!=value...], at the "[". */
static int
read_bracket(struct lexer *lx, struct jp_step *st)
{
	struct jsonpath	*jp = lx->jp;
	char		 buf[16];

	st->kind = JP_EACH;
	st->cond0 = jp->nconds;
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
		if (jp->nconds == JP_POOL_CONDS)
			return lex_error(lx, "path too complex");
		c = &jp->conds[jp->nconds++];
		st->nconds++;
		if (read_key(lx, c) == -1 || read_value(lx, c) == -1)
			return -1;
		if (lx->s[lx->pos++] == ']')
			return 0;
		/* else "&": another condition */
	}
}

/* A step after "." or at the start of a path: * or a member name. */
static int
read_member(struct lexer *lx, struct jp_step *st, int first)
{
	if (lx->s[lx->pos] == '*') {
		st->kind = JP_ALL;
		lx->pos++;
		return 0;
	}
	st->kind = JP_MEMBER;
	return read_name(lx, &st->name, first ?
	    "a member name, \"*\" or \"[\"" :
	    "a member name or \"*\" after \".\"");
}

/* One path: up to a blank, a comma or the end. */
static int
read_path(struct lexer *lx, struct jp_path *p)
{
	struct jsonpath	*jp = lx->jp;
	char		 c = lx->s[lx->pos];

	if (c == '\0' || c == ',')
		return lex_error(lx, "empty path");
	p->step0 = jp->nsteps;
	p->nsteps = 0;
	p->at = lx->pos;
	for (int first = 1;; first = 0) {
		struct jp_step	*st;

		c = lx->s[lx->pos];
		if (!first && c != '.' && c != '[')
			break;
		if (p->nsteps == JSONPATH_MAX_STEPS)
			return lex_error(lx, "more than %d steps in one path",
			    JSONPATH_MAX_STEPS);
		if (jp->nsteps == JP_POOL_STEPS)
			return lex_error(lx, "path too complex");
		st = &jp->steps[jp->nsteps++];
		p->nsteps++;
		if (!first && c == '.')
			lx->pos++;
		st->at = lx->pos;
		if ((c == '[' ? read_bracket(lx, st) :
		    read_member(lx, st, first)) == -1)
			return -1;
		st->len = lx->pos - st->at;
	}
	p->len = lx->pos - p->at;
	return 0;
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
	size_t		 len = strlen(path);

	if (out != NULL)
		*out = NULL;
	if (len > JSONPATH_MAX_LEN) {
		snprintf(err, errlen, "longer than %d characters",
		    JSONPATH_MAX_LEN);
		return -1;
	}
	if ((jp = calloc(1, sizeof(*jp))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(jp->src, path, len + 1);
	lx.s = jp->src;
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
