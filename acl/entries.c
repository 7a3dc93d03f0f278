#include <stdlib.h>
#include <string.h>

#include "entries.h"

struct entries *
entries_new(void)
{
	struct entries *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->names = nameset_new();
	e->nets = cidrset_new();
	if (e->names == NULL || e->nets == NULL) {
		nameset_free(e->names);
		cidrset_free(e->nets);
		free(e);
		return NULL;
	}
	e->refs = 1;
	return e;
}

int
entries_add_cidr(struct entries *e, const struct cidr *c)
{
	return cidrset_add(e->nets, c);
}

int
entries_add_pattern(struct entries *e, const char *base, size_t len,
    uint8_t how)
{
	return nameset_add(e->names, base, len, how);
}

/*
 * One token of a vendor list: an address, a CIDR, a name or a pattern.
 * Something that looks like an IPv4 address but is not canonical is
 * refused rather than taken for a name, and a pattern as broad as a
 * public suffix ("*.com") is refused rather than let every name out.
 */
enum entries_result
entries_add(struct entries *e, const char *token)
{
	struct cidr	 c;
	char		 base[NAME_MAX_LEN + 1];
	uint8_t		 how;
	int		 host_bits, len;

	if (strchr(token, '/') != NULL || strchr(token, ':') != NULL ||
	    addr_is_v4_attempt(token, strlen(token))) {
		if (cidr_parse(token, &c, &host_bits) == -1)
			return ENTRIES_BAD;
		if (entries_add_cidr(e, &c) == -1)
			return ENTRIES_NOMEM;
		return host_bits ? ENTRIES_HOST_BITS : ENTRIES_OK;
	}
	if ((len = name_parse_pattern(token, base, &how)) == -1)
		return ENTRIES_BAD;
	if (name_too_broad(base, (size_t)len, how))
		return ENTRIES_TOO_BROAD;
	if (entries_add_pattern(e, base, (size_t)len, how) == -1)
		return ENTRIES_NOMEM;
	return ENTRIES_OK;
}

int
entries_build(struct entries *e)
{
	return cidrset_build(e->nets);
}

/* Builds a vendor list's entries, dropping those others cover. */
int
entries_build_merged(struct entries *e)
{
	cidrset_merge_covered(e->nets);
	nameset_merge_covered(e->names);
	return cidrset_build(e->nets);
}

size_t
entries_count(const struct entries *e)
{
	return nameset_count(e->names) + cidrset_count(e->nets);
}

void
entries_ref(struct entries *e)
{
	e->refs++;
}

void
entries_unref(struct entries *e)
{
	if (e == NULL || --e->refs > 0)
		return;
	nameset_free(e->names);
	cidrset_free(e->nets);
	free(e);
}
