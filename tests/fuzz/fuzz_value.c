/*
 * Config values: numbers with units and bounds, where overflow is the
 * risk, and the comma/space splitter every list-valued key goes through.
 * A duration that parses must format and parse back to itself, since
 * pinhole -t prints durations the way value_format_duration writes them.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portset.h"
#include "value.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

static void
check_numbers(const char *s)
{
	uint64_t	 v, v2;
	unsigned	 pct;
	int		 b;
	char		 buf[32];

	if (value_duration(s, 0, UINT64_MAX, &v) == 0) {
		value_format_duration(v, buf, sizeof(buf));
		CHECK(value_duration(buf, 0, UINT64_MAX, &v2) == 0 && v2 == v);
	}
	/* The bounds of real keys: [list] refresh, [proxy] max_header_bytes. */
	if (value_duration(s, 1000, 30ULL * 86400000, &v) == 0)
		CHECK(v >= 1000 && v <= 30ULL * 86400000);
	if (value_size(s, 0, UINT64_MAX, &v) == 0 &&
	    value_size(s, 1024, 1024 * 1024, &v) == 0)
		CHECK(v >= 1024 && v <= 1024 * 1024);
	if (value_uint(s, 0, UINT64_MAX, &v) == 0)
		CHECK(value_uint(s, v, v, &v2) == 0 && v2 == v);
	if (value_percent(s, &pct) == 0)
		CHECK(pct <= 100);
	(void)value_bool(s, &b);
}

static void
check_hex(const char *s)
{
	uint8_t	 out[64];
	size_t	 n = strlen(s) / 2;

	(void)value_hex(s, out, 32);		/* the sha256 key */
	if (n <= sizeof(out) && value_hex(s, out, n) == 0)
		for (size_t i = 0; i < n; i++) {
			char hex[3];

			snprintf(hex, sizeof(hex), "%02x", out[i]);
			CHECK(tolower((unsigned char)s[2 * i]) == hex[0] &&
			    tolower((unsigned char)s[2 * i + 1]) == hex[1]);
		}
}

/* Split as config.c's each_token does, then with a small cap. */
static void
check_split(const char *s)
{
	size_t		 len = strlen(s), max = len / 2 + 1;
	char		*copy, **tok;
	int		 n;
	struct portset	 ports;

	CHECK((copy = strdup(s)) != NULL);
	CHECK((tok = calloc(max, sizeof(*tok))) != NULL);
	memset(&ports, 0, sizeof(ports));
	n = value_split(copy, tok, max);
	for (int i = 0; i < n; i++) {
		CHECK(tok[i] >= copy && tok[i] < copy + len);
		CHECK(*tok[i] != '\0');
		for (const char *p = tok[i]; *p != '\0'; p++)
			CHECK(*p != ',' && !isspace((unsigned char)*p));
		(void)portset_add(&ports, tok[i]);	/* "ports = ..." */
	}
	memcpy(copy, s, len + 1);
	n = value_split(copy, tok, 2);
	CHECK(n <= 2);
	free(tok);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_numbers(s);
	check_hex(s);
	check_split(s);
	free(s);
	return 0;
}
