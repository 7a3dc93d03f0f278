#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "portset.h"

static int
portset_number(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5 || (s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

/* Adds "443" or "5060-5061"; ports are 1-65535. */
int
portset_add(struct portset *set, const char *s)
{
	const char	*dash = strchr(s, '-');
	unsigned	 lo, hi;

	if (dash == NULL) {
		if (portset_number(s, strlen(s), &lo) == -1)
			return -1;
		hi = lo;
	} else if (portset_number(s, (size_t)(dash - s), &lo) == -1 ||
	    portset_number(dash + 1, strlen(dash + 1), &hi) == -1 || hi < lo)
		return -1;
	for (unsigned p = lo; p <= hi; p++) {
		uint64_t bit = 1ULL << (p % 64);

		if ((set->bits[p / 64] & bit) == 0) {
			set->bits[p / 64] |= bit;
			set->count++;
		}
	}
	return 0;
}

int
portset_has(const struct portset *set, uint16_t port)
{
	return (set->bits[port / 64] >> (port % 64)) & 1;
}

/* "80, 443, 5060-5061", cut short with "..." when the buffer is full. */
void
portset_format(const struct portset *set, char *buf, size_t size)
{
	size_t	 used = 0;
	unsigned p = 1;

	if (size == 0)
		return;
	buf[0] = '\0';
	while (p <= 65535) {
		unsigned	 start;
		char		 item[16];
		int		 n;

		if (!portset_has(set, (uint16_t)p)) {
			p++;
			continue;
		}
		start = p;
		while (p < 65535 && portset_has(set, (uint16_t)(p + 1)))
			p++;
		if (start == p)
			n = snprintf(item, sizeof(item), "%s%u",
			    used ? ", " : "", p);
		else
			n = snprintf(item, sizeof(item), "%s%u-%u",
			    used ? ", " : "", start, p);
		if (used + (size_t)n + 4 > size) {
			snprintf(buf + used, size - used, "...");
			return;
		}
		memcpy(buf + used, item, (size_t)n + 1);
		used += (size_t)n;
		p++;
	}
}
