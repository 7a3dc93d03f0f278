/*
 * A tiny test harness.  Each check prints "ok N - what" or
 * "not ok N - what" (TAP); tests/run.sh counts them.  t_done() prints the
 * totals and returns the exit status.
 */
#ifndef PINHOLE_T_H
#define PINHOLE_T_H

#include <stddef.h>
#include <stdint.h>

int	t_ok(int, const char *, ...) __attribute__((format(printf, 2, 3)));
int	t_str(const char *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	t_int(long long, long long, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	t_done(void);
char	*t_write_file(const char *, const char *);

#endif
