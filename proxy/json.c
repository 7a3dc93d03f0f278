#include <stdarg.h>
#include <stdio.h>

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
		json_add(j, "null");
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
