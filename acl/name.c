/*
 * Names compare case-insensitively with a trailing dot ignored, so every
 * name is normalised once, on the way in, to lower case without the dot.
 */
#include <ctype.h>
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
 * Validates a host name and writes it, lower-cased and without a trailing
 * dot, to out (NAME_MAX_LEN + 1 bytes).  Returns its length, or -1 when
 * it is no valid name: empty labels, labels over 63 characters or that
 * start or end with '-', characters outside letters, digits, '-' and
 * '_', over 253 characters, or an IPv4 attempt such as "127.1".
 */
int
name_normalise(const char *s, size_t len, char *out)
{
	size_t	 label = 0;

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
		} else {
			if (!name_char_ok(c) || (label == 0 && c == '-'))
				return -1;
			if (++label > 63)
				return -1;
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0 || s[len - 1] == '-')
		return -1;
	out[len] = '\0';
	if (addr_is_v4_attempt(out, len))
		return -1;
	return (int)len;
}

/*
 * "*.a.com", ".a.com" or "a.com" into the normalised base name and the
 * flags saying what it matches.  Returns the base name's length or -1.
 */
int
name_parse_pattern(const char *s, char *out, uint8_t *flags)
{
	size_t	 len = strlen(s);

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
	return name_normalise(s, len, out);
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
