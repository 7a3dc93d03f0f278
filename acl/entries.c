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

struct foreach_arg {
	void	(*fn)(const char *, void *);
	void	*arg;
};

/* A pattern of a nameset as a list writes it. */
void
entries_name_text(const char *base, uint8_t how, char *buf, size_t size)
{
	/* A name with its subdomains reads as the .name form. */
	if ((how & NAME_EXACT) && (how & NAME_WILD))
		how |= NAME_DOT;
	name_format_pattern(base, how, buf, size);
}

static void
foreach_name(const char *base, uint8_t how, void *arg)
{
	struct foreach_arg	*fa = arg;
	char			 buf[NAME_MAX_LEN + 4];

	entries_name_text(base, how, buf, sizeof(buf));
	fa->fn(buf, fa->arg);
}

static void
foreach_net(const struct cidr *c, void *arg)
{
	struct foreach_arg	*fa = arg;
	char			 buf[CIDR_STRLEN];

	cidr_format(c, buf, sizeof(buf));
	fa->fn(buf, fa->arg);
}

/* Each entry as text, as a list would write it: names, then CIDRs. */
void
entries_foreach(const struct entries *e, void (*fn)(const char *, void *),
    void *arg)
{
	struct foreach_arg fa = { fn, arg };

	nameset_foreach(e->names, foreach_name, &fa);
	cidrset_foreach(e->nets, foreach_net, &fa);
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
