/*
 * json_add formats with vsnprintf; the flow log, written once a flow,
 * builds its records from json_add_raw, json_add_uint and json_add_int
 * instead, which cost a tenth of a format string's parse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

void
json_add(struct jbuf *j, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (j->len >= j->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, j->size - j->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	j->len += (size_t)n;
	if (j->len > j->size)
		j->len = j->size;
}

static void
json_byte(struct jbuf *j, char c)
{
	if (j->len < j->size)
		j->buf[j->len++] = c;
}

void
json_add_string(struct jbuf *j, const char *s)
{
	if (s == NULL) {
		json_add_lit(j, "null");
		return;
	}
	json_byte(j, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			json_byte(j, '\\');
			json_byte(j, (char)c);
		} else if (c < 0x20 || c >= 0x7f)
			json_add(j, "\\u%04x", c);
		else
			json_byte(j, (char)c);
	}
	json_byte(j, '"');
}

/* n bytes as they are (no escaping); what does not fit is dropped. */
void
json_add_raw(struct jbuf *j, const char *s, size_t n)
{
	size_t room = j->len < j->size ? j->size - j->len : 0;

	if (n > room)
		n = room;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

void
json_add_uint(struct jbuf *j, uint64_t v)
{
	char	 b[20];
	size_t	 i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	json_add_raw(j, b + i, sizeof(b) - i);
}

void
json_add_int(struct jbuf *j, int64_t v)
{
	if (v < 0) {
		json_byte(j, '-');
		json_add_uint(j, (uint64_t)0 - (uint64_t)v);
	} else
		json_add_uint(j, (uint64_t)v);
}
