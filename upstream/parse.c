/*
 * "text" is one entry per line with '#' comments; "auto" takes every
 * IPv4 or IPv6 address or CIDR found anywhere in the body, so a vendor's
 * HTML page, CSV or JSON can be used as it is published.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

/*
 * A line that is no entry skips that line alone.  The first few are
 * named with their line numbers (jsonpath values have none: line 0,
 * named by their value alone), so an admin can fix them in one go
 * rather than one a reload.
 */
void
parse_note_bad(struct parse_stats *st, int line, const char *tok, size_t len)
{
	size_t	 n = strlen(st->bad_lines);
	int	 shown = (int)(len > 60 ? 60 : len);

	if (st->bad == 0) {
		st->first_bad_line = line;
		snprintf(st->first_bad, sizeof(st->first_bad), "%.*s", shown,
		    tok);
	}
	if (st->bad++ >= PARSE_FIRST_FEW)
		return;
	if (line > 0)
		snprintf(st->bad_lines + n, sizeof(st->bad_lines) - n,
		    "%sline %d \"%.*s\"", n > 0 ? ", " : "", line, shown, tok);
	else
		snprintf(st->bad_lines + n, sizeof(st->bad_lines) - n,
		    "%s\"%.*s\"", n > 0 ? ", " : "", shown, tok);
}

/*
 * A pattern as broad as a public suffix skips its line alone: the rest
 * of a vendor's list is still good.  The first few are named.
 */
static void
note_broad_name(struct parse_stats *st, const char *tok)
{
	size_t n = strlen(st->first_broad_names);

	if (st->broad_names++ < PARSE_FIRST_FEW)
		snprintf(st->first_broad_names + n,
		    sizeof(st->first_broad_names) - n, "%s\"%.60s\"",
		    n > 0 ? ", " : "", tok);
}

/* An entry outside within is skipped and counted; the first few named. */
static void
note_outside(struct parse_stats *st, const char *tok)
{
	size_t n = strlen(st->first_outside);

	if (st->outside++ < PARSE_FIRST_FEW)
		snprintf(st->first_outside + n, sizeof(st->first_outside) - n,
		    "%s%.60s", n > 0 ? ", " : "", tok);
}

/*
 * Whether token tok (c when it is an address or CIDR, else NULL) is
 * inside the list's within ranges.  A name is never inside them: it can
 * resolve to anything, and within bounds what a list can let out.
 */
static int
inside_within(const struct cidr *c, const struct parse_limits *lim)
{
	if (lim->nwithin == 0)
		return 1;
	if (c == NULL)
		return 0;
	for (size_t i = 0; i < lim->nwithin; i++)
		if (lim->within[i].len <= c->len &&
		    cidr_contains(&lim->within[i], &c->net))
			return 1;
	return 0;
}

/* A token the entries would take as a name or pattern (not an address). */
static int
is_name(const char *tok)
{
	char	 base[NAME_MAX_LEN + 1];
	uint8_t	 how;

	if (strchr(tok, '/') != NULL || strchr(tok, ':') != NULL ||
	    addr_is_v4_attempt(tok, strlen(tok)))
		return 0;
	return name_parse_pattern(tok, base, &how) != -1;
}

static int
too_broad(const struct cidr *c, const struct parse_limits *lim)
{
	unsigned min = c->net.family == ADDR_V4 ? lim->min_prefix_v4 :
	    lim->min_prefix_v6;

	return c->len < min;
}

/* Adds one token; -1 only when memory runs out. */
int
parse_add_token(const char *tok, size_t len, int line,
    const struct parse_limits *lim, struct entries *e, struct parse_stats *st)
{
	char		 buf[NAME_MAX_LEN + 8];
	struct cidr	 c;
	int		 host_bits, is_cidr;

	if (len >= sizeof(buf)) {
		parse_note_bad(st, line, tok, len);
		return 0;
	}
	memcpy(buf, tok, len);
	buf[len] = '\0';
	is_cidr = cidr_parse(buf, &c, &host_bits) == 0;
	/* Before too_broad: within says what is wanted of a page whose
	 * prose may name 0.0.0.0/0; it does not refuse the page. */
	if ((is_cidr || is_name(buf)) &&
	    !inside_within(is_cidr ? &c : NULL, lim)) {
		note_outside(st, buf);
		return 0;
	}
	if (is_cidr && too_broad(&c, lim)) {
		if (st->too_broad++ == 0) {
			snprintf(st->first_broad, sizeof(st->first_broad),
			    "%.60s", buf);
			st->first_broad_line = line;
		}
		return 0;
	}
	switch (entries_add(e, buf)) {
	case ENTRIES_OK:
		break;
	case ENTRIES_HOST_BITS:
		st->host_bits++;
		break;
	case ENTRIES_BAD:
		parse_note_bad(st, line, tok, len);
		return 0;
	case ENTRIES_TOO_BROAD:
		note_broad_name(st, buf);
		return 0;
	case ENTRIES_NOMEM:
		return -1;
	}
	st->added++;
	return 0;
}

int
parse_text(const char *body, size_t len, const struct parse_limits *lim,
    struct entries *e, struct parse_stats *st)
{
	size_t	 pos = 0;
	int	 line = 0;

	memset(st, 0, sizeof(*st));
	/* A UTF-8 byte order mark, as Windows editors write, is no entry. */
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char	*s = body + pos;
		const char	*nl = memchr(s, '\n', len - pos);
		size_t		 n = nl ? (size_t)(nl - s) : len - pos;
		size_t		 a = 0, b;

		pos += n + 1;
		line++;
		for (b = 0; b < n && s[b] != '#'; b++)
			;
		while (a < b && isspace((unsigned char)s[a]))
			a++;
		while (b > a && isspace((unsigned char)s[b - 1]))
			b--;
		if (a == b)
			continue;
		for (size_t i = a; i < b; i++)
			if (isspace((unsigned char)s[i])) {
				parse_note_bad(st, line, s + a, b - a);
				a = b;
				break;
			}
		if (a < b &&
		    parse_add_token(s + a, b - a, line, lim, e, st) == -1)
			return -1;
	}
	return 0;
}

static int
auto_char(int c)
{
	return isxdigit(c) || c == '.' || c == ':' || c == '/';
}

/* A run of address characters that can be an address or CIDR. */
static int
auto_candidate(const char *s, size_t len)
{
	size_t	 dots = 0, colons = 0, digits = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] == ':')
			colons++;
		else if (isdigit((unsigned char)s[i]))
			digits++;
	}
	if (digits == 0)
		return 0;
	if (colons >= 2)
		return 1;
	return colons == 0 && dots == 3;
}

int
parse_auto(const char *body, size_t len, const struct parse_limits *lim,
    struct entries *e, struct parse_stats *st)
{
	size_t	 i = 0;
	int	 line = 1;

	memset(st, 0, sizeof(*st));
	while (i < len) {
		size_t start, end;

		if (!auto_char((unsigned char)body[i])) {
			line += body[i] == '\n';
			i++;
			continue;
		}
		start = i;
		while (i < len && auto_char((unsigned char)body[i]))
			i++;
		end = i;
		/* A sentence may end right after an address. */
		while (end > start && (body[end - 1] == '.' ||
		    body[end - 1] == ':' || body[end - 1] == '/'))
			end--;
		/* Hex letters glued to a word ("abc1.2.3.4") are no address. */
		if (start > 0 && isalnum((unsigned char)body[start - 1]))
			continue;
		if (i < len && isalnum((unsigned char)body[i]))
			continue;
		if (!auto_candidate(body + start, end - start))
			continue;
		{
			char		 buf[CIDR_STRLEN + 1];
			struct cidr	 c;
			int		 host_bits;

			if (end - start >= sizeof(buf))
				continue;
			memcpy(buf, body + start, end - start);
			buf[end - start] = '\0';
			if (cidr_parse(buf, &c, &host_bits) == -1)
				continue;
			if (parse_add_token(buf, end - start, line, lim, e,
			    st) == -1)
				return -1;
		}
	}
	return 0;
}
