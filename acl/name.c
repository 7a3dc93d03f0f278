/*
 * Names compare case-insensitively with a trailing dot ignored, so every
 * name is normalised once, on the way in, to lower case without the dot.
 */
#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "name.h"

static int
name_char_ok(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/*
 * The one check of a name's shape.  With glob set, '*' is also a
 * character of a label, runs of it written once ("a**b" is "a*b"); a
 * label still may not start or end with '-'.
 */
static int
name_check(const char *s, size_t len, char *out, int glob)
{
	size_t	 label = 0, n = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > NAME_MAX_LEN)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return -1;
			label = 0;
		} else if (c == '*' && glob) {
			if (label > 0 && out[n - 1] == '*')
				continue;
			label++;
		} else {
			if (!name_char_ok(c) || (label == 0 && c == '-'))
				return -1;
			if (++label > 63)
				return -1;
		}
		out[n++] = (char)tolower(c);
	}
	if (label == 0 || s[len - 1] == '-')
		return -1;
	out[n] = '\0';
	if (addr_is_v4_attempt(out, n))
		return -1;
	return (int)n;
}

/*
 * Validates a host name and writes it, lower-cased and without a trailing
 * dot, to out (NAME_MAX_LEN + 1 bytes).  Returns its length, or -1 when
 * it is no valid name: empty labels, labels over 63 characters or that
 * start or end with '-', characters outside letters, digits, '-' and
 * '_', over 253 characters, or an IPv4 attempt such as "127.1".
 */
int
name_normalise(const char *s, size_t len, char *out)
{
	return name_check(s, len, out, 0);
}

/*
 * "*.a.com", ".a.com" or "a.com" into the normalised base name and the
 * flags saying what it matches.  A '*' left in the base after the
 * leading "*." or "." ("*-files.a.com", "autodiscover.*.a.com") makes it
 * a glob, NAME_GLOB: each of its labels matches one label of a name, a
 * '*' there any run of characters within that label.  Returns the base
 * name's length or -1.
 */
int
name_parse_pattern(const char *s, char *out, uint8_t *flags)
{
	size_t	 len = strlen(s);
	int	 n;

	if (len > 2 && s[0] == '*' && s[1] == '.') {
		*flags = NAME_WILD;
		s += 2;
		len -= 2;
	} else if (len > 1 && s[0] == '.') {
		*flags = NAME_EXACT | NAME_WILD | NAME_DOT;
		s += 1;
		len -= 1;
	} else
		*flags = NAME_EXACT;
	if (len > 0 && s[len - 1] == '.')
		len--;		/* "*.a.com." is "*.a.com" */
	if (len > 0 && s[len - 1] == '.')
		return -1;
	if (memchr(s, '*', len) != NULL)
		*flags |= NAME_GLOB;
	if ((n = name_check(s, len, out, (*flags & NAME_GLOB) != 0)) == -1)
		return -1;
	/* "**.a.com" would be written back as "*.a.com", another pattern. */
	if (*flags == (NAME_EXACT | NAME_GLOB) && out[0] == '*' &&
	    out[1] == '.')
		return -1;
	return n;
}

/*
 * The part of a pattern's base that every name it matches ends with:
 * what follows the last label holding a '*', or all of a plain base.
 */
const char *
name_glob_fixed(const char *base, size_t len)
{
	const char *star = memrchr(base, '*', len), *dot;

	if (star == NULL)
		return base;
	dot = memchr(star, '.', len - (size_t)(star - base));
	return dot != NULL ? dot + 1 : base + len;
}

/*
 * A pattern as broad as a public suffix or broader: one that reaches
 * below a name (NAME_WILD or a glob) whose fixed part is empty or on the
 * public suffix list ("*.com", "*.co.uk", "*.github.io", "*", "*.*.com").
 * The list is the one compiled into libpsl (psl_builtin()), so the answer
 * never depends on a file read at run time; its private section counts
 * too, since anyone can register a name below "github.io".  An exact
 * name ("com") is no broader than itself and passes.
 */
static const psl_ctx_t	*psl;
static pthread_once_t	 psl_once = PTHREAD_ONCE_INIT;

/*
 * A libpsl built without its own copy has none: then the file it was
 * built to read, once, kept for the life of the process.  With neither,
 * libpsl calls every name a public suffix: refused.
 */
static void
psl_load(void)
{
	if ((psl = psl_builtin()) == NULL)
		psl = psl_latest(NULL);
}

/*
 * Loads the public suffix list now: before the sandbox (a file, when
 * libpsl has no copy of its own), and once for the list thread and the
 * event loop, which both ask.
 */
void
name_init(void)
{
	pthread_once(&psl_once, psl_load);
}

int
name_too_broad(const char *base, size_t len, uint8_t how)
{
	const char		*fixed;

	if (!(how & (NAME_WILD | NAME_GLOB)))
		return 0;
	fixed = name_glob_fixed(base, len);
	if (*fixed == '\0')
		return 1;
	name_init();
	return psl_is_public_suffix2(psl, fixed, PSL_TYPE_ANY) != 0;
}

/* The pattern as an entry is reported: "*.a.com", ".a.com" or "a.com". */
void
name_format_pattern(const char *base, uint8_t how, char *buf, size_t size)
{
	if (how & NAME_DOT)
		snprintf(buf, size, ".%s", base);
	else if (how & NAME_WILD)
		snprintf(buf, size, "*.%s", base);
	else
		snprintf(buf, size, "%s", base);
}
