/*
 * The events log's escaping: every line printable ASCII, a newline or
 * a terminal escape from a client written as \xNN, a backslash as \\,
 * and a line too long cut before an escape, never inside one.  Then a
 * whole line through the logger, read back from its file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

static void
escape(const char *in, size_t size, const char *want, const char *what)
{
	char	 out[256];
	size_t	 n = log_escape(out, size, in);

	t_str(out, want, "%s", what);
	t_int((long long)n, (long long)strlen(want), "%s: its length", what);
}

static void
test_escape(void)
{
	escape("plain text: ok", 256, "plain text: ok", "printable ASCII as is");
	escape("x.test\n2026-01-01T00:00:00.000Z error: forged", 256,
	    "x.test\\x0a2026-01-01T00:00:00.000Z error: forged",
	    "a newline as \\x0a");
	escape("a\rb\tc\x1b[2Jd\x7f", 256, "a\\x0db\\x09c\\x1b[2Jd\\x7f",
	    "CR, tab, a terminal escape, DEL");
	escape("C:\\x0a", 256, "C:\\\\x0a",
	    "a backslash doubled: a written \\x0a is not an escape");
	escape("j\xc3\xb6rg", 256, "j\\xc3\\xb6rg", "UTF-8 bytes as \\xNN");
	escape("ab\ncd", 6, "ab", "cut before an escape, never inside one");
	escape("ab\ncd", 7, "ab\\x0a", "... and with room for it, whole");
	escape("abc", 1, "", "room for the NUL alone: empty");
}

/* A logged line with a newline inside is one line in the file. */
static void
test_line(void)
{
	char	*path = t_write_file("events", "");
	char	 buf[4096];
	FILE	*fp;
	int	 lines = 0;

	t_int(log_open(path), 0, "the events log opens a file");
	log_info("connection limit reached for %s",
	    "x.test\n2026-01-01T00:00:00.000Z error: forged");
	log_open("stderr");
	if ((fp = fopen(path, "r")) == NULL) {
		t_ok(0, "the events file reads back");
		return;
	}
	buf[0] = '\0';
	while (fgets(buf + strlen(buf), (int)(sizeof(buf) - strlen(buf)),
	    fp) != NULL)
		lines++;
	fclose(fp);
	t_int(lines, 1, "one line written");
	t_ok(strstr(buf, " info: connection limit reached for x.test\\x0a"
	    "2026-01-01T00:00:00.000Z error: forged\n") != NULL,
	    "the line holds the value escaped: %s", buf);
	unlink(path);
	free(path);
}

int
main(void)
{
	test_escape();
	test_line();
	return t_done();
}
