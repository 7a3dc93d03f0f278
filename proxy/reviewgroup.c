/*
 * What pinhole review keeps of refused destinations and of the bytes of
 * flows.  Refused names are grouped by their registrable domain (the
 * public suffix list, through libpsl), so that one suggested rule covers
 * a vendor's names; an address is a group of its own.  Both tables have
 * a bound: past REVIEW_MAX_GROUPS domains the records are counted only,
 * and past REVIEW_MAX_DESTS destinations the smaller half is dropped.
 */
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "hostport.h"
#include "log.h"
#include "name.h"
#include "review.h"

static psl_ctx_t	*review_psl;

/* The newest list the system has, else the one built into libpsl. */
int
review_group_init(void)
{
	if ((review_psl = psl_latest(NULL)) == NULL &&
	    (review_psl = (psl_ctx_t *)psl_builtin()) == NULL)
		return -1;
	return 0;
}

void
review_group_done(void)
{
	if (review_psl != psl_builtin())
		psl_free(review_psl);
	review_psl = NULL;
}

/* Counts s in a fixed array of counts; 0 when it had no room left. */
static int
count_add(struct review_count *c, size_t *n, size_t max, const char *s,
    size_t len)
{
	for (size_t i = 0; i < *n; i++) {
		if (strncmp(c[i].s, s, len) == 0 && c[i].s[len] == '\0') {
			c[i].n++;
			return 1;
		}
	}
	if (*n == max || (c[*n].s = strndup(s, len)) == NULL)
		return 0;
	c[(*n)++].n = 1;
	return 1;
}

/*
 * A host of a record as the report prints it: an address in its
 * canonical form, or a valid name in lower case; -1 for anything else,
 * which is then left out (a record edited by hand must not put control
 * bytes on a terminal).  out has NAME_MAX_LEN + 2 bytes.
 */
static int
canon_host(const char *host, char *out, int *is_addr)
{
	struct addr a;

	*is_addr = 0;
	if (addr_parse(host, &a) == 0) {
		addr_format(&a, out, NAME_MAX_LEN + 2);
		*is_addr = 1;
		return 0;
	}
	return name_normalise(host, strlen(host), out) == -1 ? -1 : 0;
}

/* "a.b.c.d:port" or "[v6]:port": the address, canonical, or -1. */
static int
client_addr(const char *client, char *out, size_t size)
{
	char		host[ADDR_STRLEN + 1];
	struct addr	a;
	int		port;

	if (hostport_split(client, strlen(client), host, sizeof(host),
	    &port) == -1 || addr_parse(host, &a) == -1)
		return -1;
	addr_format(&a, out, size);
	return 0;
}

static struct review_group *
group_get(struct review *rv, const char *key, int is_addr)
{
	struct review_group *g;

	if ((g = rtab_get(&rv->groups, key, strlen(key))) != NULL)
		return g;
	if (rv->groups.n >= REVIEW_MAX_GROUPS ||
	    (g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	if ((g->domain = strdup(key)) == NULL ||
	    rtab_put(&rv->groups, key, strlen(key), g) == -1) {
		review_group_free(g);
		return NULL;
	}
	g->is_addr = is_addr;
	return g;
}

/* One refused attempt at host:port by client (either may be NULL). */
void
review_group_add(struct review *rv, const char *host, const char *client,
    int port)
{
	struct review_group	*g;
	char			 name[NAME_MAX_LEN + 2], text[ADDR_STRLEN];
	const char		*key = name, *c;
	int			 is_addr;

	if (host == NULL || canon_host(host, name, &is_addr) == -1)
		return;
	rv->refused++;
	if (!is_addr && (c = psl_registrable_domain(review_psl, name)) != NULL)
		key = c;
	if ((g = group_get(rv, key, is_addr)) == NULL) {
		rv->refused_over++;
		return;
	}
	g->count++;
	if (!count_add(g->names, &g->nnames, REVIEW_MAX_NAMES, name,
	    strlen(name)))
		g->names_over++;
	if (port > 0) {
		size_t i;

		for (i = 0; i < g->nports && g->ports[i] != port; i++)
			;
		if (i == g->nports && g->nports < REVIEW_MAX_PORTS)
			g->ports[g->nports++] = (uint16_t)port;
		else if (i == g->nports)
			g->ports_over++;
	}
	if (client == NULL || client_addr(client, text, sizeof(text)) == -1)
		return;
	if (!count_add(g->clients, &g->nclients, REVIEW_MAX_CLIENTS, text,
	    strlen(text)))
		g->clients_over++;
}

void
review_group_free(void *p)
{
	struct review_group *g = p;

	for (size_t i = 0; i < g->nnames; i++)
		free(g->names[i].s);
	for (size_t i = 0; i < g->nclients; i++)
		free(g->clients[i].s);
	free(g->section);
	free(g->domain);
	free(g);
}

void
review_dest_free(void *p)
{
	struct review_dest *d = p;

	free(d->host);
	free(d);
}

static int
u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

struct prune {
	uint64_t	 floor;
	uint64_t	*dropped;
};

static int
dest_keep(void *p, void *arg)
{
	struct review_dest	*d = p;
	struct prune		*pr = arg;

	if (d->up + d->down > pr->floor)
		return 1;
	*pr->dropped += d->up + d->down;
	review_dest_free(d);
	return 0;
}

/*
 * A full table drops its smaller half (at least): a destination that
 * comes back later starts from nothing, so the top of the table stays
 * right unless the traffic is spread over very many destinations, and
 * then what was dropped is said.
 */
static void
dest_prune(struct review *rv)
{
	uint64_t	*v;
	size_t		 n = 0;
	struct prune	 pr = { 0, &rv->dests_pruned };

	if ((v = calloc(rv->dests.n, sizeof(*v))) == NULL)
		return;
	for (size_t i = 0; i < rv->dests.nslots; i++) {
		struct review_dest *d = rv->dests.slots[i].val;

		if (rv->dests.slots[i].key != NULL)
			v[n++] = d->up + d->down;
	}
	qsort(v, n, sizeof(*v), u64_desc);
	pr.floor = v[n / 2];
	free(v);
	rtab_drop(&rv->dests, dest_keep, &pr);
}

void
review_dest_add(struct review *rv, const char *host, uint64_t up,
    uint64_t down)
{
	struct review_dest	*d;
	char			 name[NAME_MAX_LEN + 2];
	size_t			 len;
	int			 is_addr;

	if (canon_host(host, name, &is_addr) == -1)
		return;
	host = name;
	len = strlen(host);
	if ((d = rtab_get(&rv->dests, host, len)) == NULL) {
		if (rv->dests.n >= REVIEW_MAX_DESTS)
			dest_prune(rv);
		if ((d = calloc(1, sizeof(*d))) == NULL ||
		    (d->host = strdup(host)) == NULL ||
		    rtab_put(&rv->dests, host, len, d) == -1)
			fatalx("out of memory");
	}
	d->flows++;
	d->up += up;
	d->down += down;
}

/* Most refused first, then by name. */
int
review_group_cmp(const void *a, const void *b)
{
	const struct review_group *x = *(void *const *)a;
	const struct review_group *y = *(void *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->domain, y->domain);
}

/* Most bytes first, then by name. */
int
review_dest_cmp(const void *a, const void *b)
{
	const struct review_dest *x = *(void *const *)a;
	const struct review_dest *y = *(void *const *)b;

	if (x->up + x->down != y->up + y->down)
		return x->up + x->down < y->up + y->down ? 1 : -1;
	return strcmp(x->host, y->host);
}
