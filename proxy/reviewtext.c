/*
 * The text report of pinhole review, and the [allow] sections it
 * suggests (the HTML page shows the same sections).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "review.h"

#define LIST_SHOWN	50	/* unused entries shown per list */

void
review_time(int64_t ms, char *buf, size_t size)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms < 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static unsigned long long
ull(uint64_t n)
{
	return (unsigned long long)n;
}

static void
text_header(const struct review *rv, FILE *fp)
{
	char a[32], b[32];

	review_time(rv->first_ms, a, sizeof(a));
	review_time(rv->last_ms, b, sizeof(b));
	fprintf(fp, "pinhole review of %zu %s: %llu records", rv->nfiles,
	    plural(rv->nfiles, "file", "files"), ull(rv->records));
	if (rv->records > 0)
		fprintf(fp, " from %s to %s", a, b);
	fputc('\n', fp);
	if (rv->since_text != NULL)
		fprintf(fp, "  --since %s: %llu older records skipped\n",
		    rv->since_text, ull(rv->older));
	if (rv->bad > 0)
		fprintf(fp, "  %llu %s no flow record, skipped\n",
		    ull(rv->bad), plural(rv->bad, "line was", "lines were"));
	if (rv->unknown > 0)
		fprintf(fp, "  %llu %s rules the config does not have\n",
		    ull(rv->unknown),
		    plural(rv->unknown, "flow names", "flows name"));
}

static const struct review_item *
rule_item(const struct review *rv, const char *rule)
{
	char	key[512];
	int	n = snprintf(key, sizeof(key), "R\t%s", rule);

	return rtab_get(&rv->items, key, (size_t)n);
}

static void
text_rules(const struct review *rv, FILE *fp)
{
	size_t n = 0;

	for (size_t i = 0; i < rv->nrules; i++)
		n += rv->rules[i]->flows == 0;
	fprintf(fp, "\n== Unused rules (no flow in the period): %zu of %zu\n",
	    n, rv->nrules);
	for (size_t i = 0; i < rv->nrules; i++)
		if (rv->rules[i]->flows == 0)
			fprintf(fp, "[allow %s] (line %d)\n", rv->rules[i]->rule,
			    rv->rules[i]->line);
	fprintf(fp, "\n== Unused hosts and nets of rules in use\n");
	for (size_t i = 0; i < rv->nentries; i++) {
		const struct review_item *e = rv->entries[i], *r;

		if (e->rule == NULL || e->flows > 0)
			continue;
		if ((r = rule_item(rv, e->rule)) != NULL && r->flows > 0)
			fprintf(fp, "[allow %s] %s\n", e->rule, e->entry);
	}
}

static void
text_lists(const struct review *rv, FILE *fp)
{
	const struct policy *p = rv->conf->policy;

	fprintf(fp, "\n== Unused list entries\n");
	for (size_t l = 0; l < p->nlists; l++) {
		size_t	 total = 0, unused = 0, shown = 0;

		if (rv->lists[l] == NULL) {
			fprintf(fp, "[list %s]: no version cached or readable, "
			    "its entries unknown\n", p->lists[l]);
			continue;
		}
		for (size_t i = 0; i < rv->nentries; i++) {
			const struct review_item *e = rv->entries[i];

			if (e->list == NULL || strcmp(e->list, p->lists[l]))
				continue;
			total++;
			unused += e->flows == 0;
		}
		fprintf(fp, "[list %s]: %zu of %zu entries unused\n",
		    p->lists[l], unused, total);
		for (size_t i = 0; i < rv->nentries && shown < LIST_SHOWN;
		    i++) {
			const struct review_item *e = rv->entries[i];

			if (e->list == NULL || e->flows > 0 ||
			    strcmp(e->list, p->lists[l]))
				continue;
			fprintf(fp, "  %s\n", e->entry);
			shown++;
		}
		if (unused > shown)
			fprintf(fp, "  ... and %zu more\n", unused - shown);
	}
}

static void
text_used(const struct review *rv, FILE *fp)
{
	fprintf(fp, "\n== Rules in use\n");
	for (size_t i = 0; i < rv->nrules; i++)
		if (rv->rules[i]->flows > 0)
			fprintf(fp, "[allow %s]: %llu %s, %llu bytes\n",
			    rv->rules[i]->rule, ull(rv->rules[i]->flows),
			    plural(rv->rules[i]->flows, "flow", "flows"),
			    ull(rv->rules[i]->bytes));
}

static int
count_cmp(const void *a, const void *b)
{
	const struct review_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->s, y->s);
}

static int
port_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void
counts(const struct review_count *c, size_t n, uint64_t over, FILE *fp)
{
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s%s (%llu)", i ? ", " : "", c[i].s, ull(c[i].n));
	if (over > 0)
		fprintf(fp, "%sothers (%llu)", n ? ", " : "", ull(over));
}

static void
ports(const struct review_group *g, FILE *fp)
{
	for (size_t i = 0; i < g->nports; i++)
		fprintf(fp, "%s%u", i ? ", " : "", g->ports[i]);
}

static void
text_refused(const struct review *rv, FILE *fp)
{
	fprintf(fp, "\n== Refused (not_allowed) by registrable domain: "
	    "%zu %s, %llu %s\n", rv->nsgroups,
	    plural(rv->nsgroups, "domain", "domains"), ull(rv->refused),
	    plural(rv->refused, "record", "records"));
	if (rv->refused_over > 0)
		fprintf(fp, "(%llu records of further domains not kept: over "
		    "%d domains)\n", ull(rv->refused_over), REVIEW_MAX_GROUPS);
	for (size_t i = 0; i < rv->nsgroups; i++) {
		const struct review_group *g = rv->sgroups[i];

		fprintf(fp, "%s: %llu refused; names ", g->domain,
		    ull(g->count));
		counts(g->names, g->nnames, g->names_over, fp);
		fprintf(fp, "; ports ");
		ports(g, fp);
		fprintf(fp, "; clients ");
		counts(g->clients, g->nclients, g->clients_over, fp);
		fputc('\n', fp);
	}
}

static void
text_dests(const struct review *rv, FILE *fp)
{
	size_t n = rv->nsdests < 10 ? rv->nsdests : 10;

	fprintf(fp, "\n== Top destinations by bytes: %llu %s, %llu bytes\n",
	    ull(rv->flows), plural(rv->flows, "flow", "flows"),
	    ull(rv->flow_bytes));
	if (rv->dests_pruned > 0)
		fprintf(fp, "(approximate: over %d destinations, %llu bytes "
		    "of the smallest were dropped)\n", REVIEW_MAX_DESTS,
		    ull(rv->dests_pruned));
	for (size_t i = 0; i < n; i++) {
		const struct review_dest *d = rv->sdests[i];

		fprintf(fp, "%s: %llu bytes (up %llu, down %llu), %llu %s\n",
		    d->host, ull(d->up + d->down), ull(d->up), ull(d->down),
		    ull(d->flows), plural(d->flows, "flow", "flows"));
	}
}

/*
 * "review-DOMAIN", within what a section name may be (64 characters of
 * letters, digits, "-", "_" and "."), and unlike every other rule's
 * (taken holds the names given so far).
 */
static char *
section_name(const struct review *rv, const struct review_group *g,
    struct rtab *taken)
{
	char	 name[65];
	size_t	 len;

	snprintf(name, sizeof(name), "review-%s", g->domain);
	for (char *s = name; *s != '\0'; s++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *s) == NULL)
			*s = '-';
	len = strlen(name);
	for (unsigned k = 2; (rule_item(rv, name) != NULL ||
	    rtab_get(taken, name, strlen(name)) != NULL) && k < 100000; k++) {
		if (len > 58)
			len = 58;
		snprintf(name + len, sizeof(name) - len, "-%u", k);
	}
	if (rtab_put(taken, name, strlen(name), taken) == -1)
		return NULL;
	return strdup(name);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct review_count *)a)->s,
	    ((const struct review_count *)b)->s);
}

static void
suggest_one(const struct review_group *g, FILE *fp)
{
	struct review_count	names[REVIEW_MAX_NAMES];

	fprintf(fp, "\n# %s: %llu refused, from ", g->domain, ull(g->count));
	counts(g->clients, g->nclients, g->clients_over, fp);
	fprintf(fp, "\n[allow %s]\n", g->section);
	if (g->is_addr)
		fprintf(fp, "nets = %s\n", g->domain);
	else if (g->nnames <= REVIEW_EXACT_NAMES && g->names_over == 0) {
		memcpy(names, g->names, g->nnames * sizeof(names[0]));
		qsort(names, g->nnames, sizeof(names[0]), name_cmp);
		fprintf(fp, "hosts = ");
		for (size_t i = 0; i < g->nnames; i++)
			fprintf(fp, "%s%s", i ? ", " : "", names[i].s);
		fputc('\n', fp);
	} else
		fprintf(fp, "hosts = .%s\n", g->domain);
	fprintf(fp, "ports = ");
	ports(g, fp);
	fputc('\n', fp);
	if (g->ports_over > 0)
		fprintf(fp, "# %llu refused on further ports not kept\n",
		    ull(g->ports_over));
}

/* One [allow] section for each group that has a port to allow. */
void
review_suggest(struct review *rv, FILE *fp)
{
	struct rtab taken = { 0 };

	for (size_t i = 0; i < rv->nsgroups; i++) {
		struct review_group *g = rv->sgroups[i];

		if (g->nports == 0)
			continue;
		qsort(g->ports, g->nports, sizeof(g->ports[0]), port_cmp);
		if (g->section == NULL &&
		    (g->section = section_name(rv, g, &taken)) == NULL)
			continue;
		suggest_one(g, fp);
	}
	rtab_free(&taken, NULL);
}

void
review_text(struct review *rv, FILE *fp)
{
	for (size_t i = 0; i < rv->nsgroups; i++) {
		struct review_group *g = rv->sgroups[i];

		qsort(g->names, g->nnames, sizeof(g->names[0]), count_cmp);
		qsort(g->clients, g->nclients, sizeof(g->clients[0]),
		    count_cmp);
		qsort(g->ports, g->nports, sizeof(g->ports[0]), port_cmp);
	}
	text_header(rv, fp);
	text_rules(rv, fp);
	text_lists(rv, fp);
	text_used(rv, fp);
	text_refused(rv, fp);
	text_dests(rv, fp);
	fprintf(fp, "\n== Suggested rules (paste into the config, then check "
	    "it with pinhole -t)\n");
	review_suggest(rv, fp);
}
