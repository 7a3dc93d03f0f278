/*
 * Values are small and written by hand, so parsing is strict: no signs,
 * no spaces inside a number, no overflow, every number inside its
 * bounds.  The caller turns -1 into a FILE:LINE message.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "value.h"

/* Leading decimal digits of s into *out; returns their count or -1. */
static int
value_digits(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int	 n = 0;

	while (isdigit((unsigned char)s[n])) {
		uint64_t d = (uint64_t)(s[n] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		n++;
	}
	*out = v;
	return n > 0 ? n : -1;
}

int
value_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int	 n = value_digits(s, &v);

	if (n == -1 || s[n] != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "250ms", "10s", "15m", "6h", "1d", or "0"; result in milliseconds. */
int
value_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct {
		const char	*unit;
		uint64_t	 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 },
	};
	uint64_t v;
	int	 n = value_digits(s, &v);

	if (n == -1)
		return -1;
	if (s[n] == '\0' && v == 0 && min == 0) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].unit) != 0)
			continue;
		if (v > UINT64_MAX / units[i].ms)
			return -1;
		v *= units[i].ms;
		if (v < min || v > max)
			return -1;
		*out = v;
		return 0;
	}
	return -1;
}

/* Bytes, or with a "k" / "m" suffix KiB / MiB. */
int
value_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v, mult = 1;
	int	 n = value_digits(s, &v);

	if (n == -1)
		return -1;
	if (strcasecmp(s + n, "k") == 0)
		mult = 1024;
	else if (strcasecmp(s + n, "m") == 0)
		mult = 1024 * 1024;
	else if (s[n] != '\0')
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	v *= mult;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
value_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* "50%" (the sign may be left off), 0 to 100. */
int
value_percent(const char *s, unsigned *out)
{
	uint64_t v;
	int	 n = value_digits(s, &v);

	if (n == -1 || v > 100)
		return -1;
	if (s[n] != '\0' && strcmp(s + n, "%") != 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Exactly 2 * len hex digits into out. */
int
value_hex(const char *s, uint8_t *out, size_t len)
{
	if (strlen(s) != len * 2)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned hi, lo;

		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]))
			return -1;
		hi = (unsigned)(isdigit((unsigned char)s[2 * i]) ? s[2 * i] - '0' :
		    tolower((unsigned char)s[2 * i]) - 'a' + 10);
		lo = (unsigned)(isdigit((unsigned char)s[2 * i + 1]) ?
		    s[2 * i + 1] - '0' :
		    tolower((unsigned char)s[2 * i + 1]) - 'a' + 10);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/*
 * Splits s in place at commas and white space into at most max tokens.
 * Returns the number of tokens, or -1 when there are more than max or
 * an empty item between two commas.
 */
int
value_split(char *s, char **tokens, size_t max)
{
	size_t	 n = 0;
	int	 comma = 1;	/* at the start, a comma would be empty */
	char	*p = s;

	while (*p != '\0') {
		if (isspace((unsigned char)*p)) {
			*p++ = '\0';
			continue;
		}
		if (*p == ',') {
			if (comma)
				return -1;
			comma = 1;
			*p++ = '\0';
			continue;
		}
		if (n == max)
			return -1;
		tokens[n++] = p;
		comma = 0;
		while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p))
			p++;
	}
	if (comma && n > 0)
		return -1;	/* a trailing comma */
	return (int)n;
}

/* The shortest exact form: "90s" stays "90s", 3600000 ms is "1h". */
void
value_format_duration(uint64_t ms, char *buf, size_t size)
{
	if (ms == 0)
		snprintf(buf, size, "0");
	else if (ms % 86400000 == 0)
		snprintf(buf, size, "%llud", (unsigned long long)(ms / 86400000));
	else if (ms % 3600000 == 0)
		snprintf(buf, size, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, size, "%llums", (unsigned long long)ms);
}
