#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

static int	t_count, t_failed;

static int
t_report(int ok, const char *fmt, va_list ap)
{
	t_count++;
	if (!ok)
		t_failed++;
	printf("%sok %d - ", ok ? "" : "not ", t_count);
	vprintf(fmt, ap);
	putchar('\n');
	return ok;
}

int
t_ok(int cond, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = t_report(cond, fmt, ap);
	va_end(ap);
	return rc;
}

/* Equal strings; NULL equals only NULL. */
int
t_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list	 ap;
	int	 ok, rc;

	ok = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	rc = t_report(ok, fmt, ap);
	va_end(ap);
	if (!ok)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)",
		    want ? want : "(null)");
	return rc;
}

int
t_int(long long got, long long want, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = t_report(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return rc;
}

int
t_done(void)
{
	printf("# %d checks, %d failed\n", t_count, t_failed);
	return t_failed ? 1 : 0;
}

/* Writes text to a new file under TMPDIR; returns its malloc'd path. */
char *
t_write_file(const char *name, const char *text)
{
	const char	*dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t		 len = strlen(dir) + strlen(name) + 32;
	char		*path = malloc(len);
	FILE		*fp;

	if (path == NULL)
		abort();
	snprintf(path, len, "%s/pinhole-t-%ld-%s", dir, (long)getpid(), name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		abort();
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}
