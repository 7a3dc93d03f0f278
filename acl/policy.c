#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* SPEC "Private ranges": what deny_private = yes keeps out of reach. */
static const char *const private_ranges[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16",
	"198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
	/* local-use NAT64 (RFC 8215): not globally reachable, like fc00::/7 */
	"64:ff9b:1::/48",
};

struct policy *
policy_new(void)
{
	struct policy *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->refs = 1;
	p->sni_check = SNI_CHECK_LOG;
	return p;
}

struct acl_rule *
policy_add_rule(struct policy *p, const char *name, int line)
{
	struct acl_rule	*rules, *r;

	rules = realloc(p->rules, (p->nrules + 1) * sizeof(*rules));
	if (rules == NULL)
		return NULL;
	p->rules = rules;
	r = &rules[p->nrules];
	memset(r, 0, sizeof(*r));
	if ((r->name = strdup(name)) == NULL ||
	    (r->own = entries_new()) == NULL) {
		free(r->name);
		return NULL;
	}
	r->line = line;
	r->sni_check = SNI_CHECK_INHERIT;
	p->nrules++;
	return r;
}

int
policy_add_list(struct policy *p, const char *name)
{
	char **lists;

	if ((lists = realloc(p->lists, (p->nlists + 1) * sizeof(*lists)))
	    == NULL)
		return -1;
	p->lists = lists;
	if ((lists[p->nlists] = strdup(name)) == NULL)
		return -1;
	p->nlists++;
	return 0;
}

long
policy_find_list(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nlists; i++)
		if (strcmp(p->lists[i], name) == 0)
			return (long)i;
	return -1;
}

int
policy_rule_add_list(struct acl_rule *r, size_t index)
{
	size_t *lists;

	for (size_t i = 0; i < r->nlists; i++)
		if (r->lists[i] == index)
			return 0;
	if ((lists = realloc(r->lists, (r->nlists + 1) * sizeof(*lists)))
	    == NULL)
		return -1;
	r->lists = lists;
	r->lists[r->nlists++] = index;
	return 0;
}

int
policy_rule_add_user(struct acl_rule *r, const char *user)
{
	char **users;

	if ((users = realloc(r->users, (r->nusers + 1) * sizeof(*users)))
	    == NULL)
		return -1;
	r->users = users;
	if ((users[r->nusers] = strdup(user)) == NULL)
		return -1;
	r->nusers++;
	return 0;
}

struct cidrset *
policy_private_ranges(void)
{
	struct cidrset	*set = cidrset_new();
	struct cidr	 c;

	if (set == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(private_ranges) /
	    sizeof(private_ranges[0]); i++) {
		if (cidr_parse(private_ranges[i], &c, NULL) == -1 ||
		    cidrset_add(set, &c) == -1) {
			cidrset_free(set);
			return NULL;
		}
	}
	if (cidrset_build(set) == -1) {
		cidrset_free(set);
		return NULL;
	}
	return set;
}

/* Finishes every set once all entries are in; lookups may start after. */
int
policy_build(struct policy *p)
{
	if (p->clients != NULL && cidrset_build(p->clients) == -1)
		return -1;
	if (p->deny != NULL && cidrset_build(p->deny) == -1)
		return -1;
	for (size_t i = 0; i < p->nrules; i++) {
		struct acl_rule *r = &p->rules[i];

		if (entries_build(r->own) == -1)
			return -1;
		if (r->clients != NULL && cidrset_build(r->clients) == -1)
			return -1;
	}
	return 0;
}

void
policy_ref(struct policy *p)
{
	p->refs++;
}

void
policy_unref(struct policy *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	cidrset_free(p->clients);
	cidrset_free(p->deny);
	cidrset_free(p->private);
	for (size_t i = 0; i < p->nrules; i++) {
		struct acl_rule *r = &p->rules[i];

		free(r->name);
		entries_unref(r->own);
		cidrset_free(r->clients);
		for (size_t u = 0; u < r->nusers; u++)
			free(r->users[u]);
		free(r->users);
		free(r->lists);
	}
	free(p->rules);
	for (size_t i = 0; i < p->nlists; i++)
		free(p->lists[i]);
	free(p->lists);
	free(p);
}
