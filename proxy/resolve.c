/*
 * A name is looked up for A and AAAA at once; the callback runs when
 * both answers are in (or at the timeout, below).  Search domains are never applied: a client's
 * "intranet" must not become "intranet.corp.example" behind the ACL's
 * back.  hosts_file is read here rather than by evdns, because evdns
 * only consults it for getaddrinfo-style lookups, which carry no TTL.
 *
 * Lookups are shared out by client address.  A client has at most
 * [dns] max_lookups_per_client lookups in flight, and the resolver at
 * most RESOLVE_MAX_INFLIGHT; past either, a lookup waits in its
 * client's queue, and the clients with lookups waiting take the places
 * that free up in turn.  A client whose names are never answered so
 * only ever delays its own lookups.  (evdns, past its own limit, would
 * queue everyone's in arrival order: it is given room for all of ours.)
 *
 * A lookup ends by [dns] timeout, its wait included, with the addresses
 * that came by then.  A query evdns has sent is never cancelled there:
 * it keeps its client's place until evdns gives it up (at about the same
 * timeout), so closing connections frees no place at the name server,
 * and evdns never calls back for a lookup that is no longer ours.  For
 * the same reason a resolver a reload replaced lives on, retired, until
 * evdns has called back for every lookup it sent.
 */
#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "name.h"
#include "resolve.h"
#include "server.h"

#define RESOLVE_BUCKETS		1024
/* evdns's room: two queries a lookup, and some for vendor list fetches. */
#define RESOLVE_EVDNS_INFLIGHT	(2 * RESOLVE_MAX_INFLIGHT + 64)

struct host_entry {
	char		*name;
	struct addr	 addr;
};

enum req_state {
	REQ_HOSTS,	/* answered from hosts_file, called back next turn */
	REQ_WAITING,	/* in its client's queue */
	REQ_INFLIGHT,	/* sent: ends when evdns has called back twice */
	REQ_FAILED	/* could not be sent, called back next turn */
};

TAILQ_HEAD(req_list, resolve_req);

/* A client address with lookups in flight or waiting. */
struct resolve_client {
	struct addr			 addr;	/* family 0: pinhole's own */
	size_t				 inflight;
	struct req_list			 waiting;
	int				 on_ring;
	int				 warned;
	TAILQ_ENTRY(resolve_client)	 ring;
	struct resolve_client		*next;	/* in its bucket */
	size_t				 bucket;
};

struct resolver {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct host_entry	*hosts;
	size_t			 nhosts;
	uint32_t		 hosts_ttl;
	uint64_t		 timeout_ms;
	size_t			 per_client;
	size_t			 inflight;
	int			 full_warned;
	struct req_list		 reqs;		/* every lookup not yet freed */
	/* The clients with lookups waiting and a place of their own. */
	TAILQ_HEAD(, resolve_client) ring;
	struct resolve_client	*buckets[RESOLVE_BUCKETS];
	int			 retired;
	struct event		*reap;
	TAILQ_ENTRY(resolver)	 entry;		/* in retired */
};

struct resolve_req {
	struct resolver		*r;
	struct resolve_client	*client;	/* waiting or in flight */
	enum req_state		 state;
	resolve_cb		 cb;
	void			*arg;
	struct evdns_request	*q4, *q6;
	int			 pending;
	struct addr		 addrs[RESOLVE_MAX_ADDRS];
	size_t			 n;
	uint32_t		 ttl;
	struct event		*timer;
	char			 name[NAME_MAX_LEN + 1];
	TAILQ_ENTRY(resolve_req) all;		/* in r->reqs */
	TAILQ_ENTRY(resolve_req) wait;		/* in client->waiting */
};

static TAILQ_HEAD(, resolver) retired = TAILQ_HEAD_INITIALIZER(retired);

static void	resolver_destroy(struct resolver *, int);
static void	req_answer4(int, char, int, int, void *, void *);
static void	req_answer6(int, char, int, int, void *, void *);

static int
hosts_add(struct resolver *r, const char *name, const struct addr *a)
{
	struct host_entry	*h;
	char			 norm[NAME_MAX_LEN + 1];

	if (name_normalise(name, strlen(name), norm) == -1)
		return 0;
	if ((h = realloc(r->hosts, (r->nhosts + 1) * sizeof(*h))) == NULL)
		return -1;
	r->hosts = h;
	if ((h[r->nhosts].name = strdup(norm)) == NULL)
		return -1;
	h[r->nhosts].addr = *a;
	r->nhosts++;
	return 0;
}

/* "address name [aliases...]" lines; a missing file is no error. */
static int
hosts_load(struct resolver *r, const char *path)
{
	FILE	*fp;
	char	*line = NULL, *save, *tok;
	size_t	 cap = 0;
	struct addr a;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno != ENOENT)
			log_warn("hosts_file %s: %s", path, strerror(errno));
		return 0;
	}
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "#\r\n")] = '\0';
		if ((tok = strtok_r(line, " \t", &save)) == NULL ||
		    addr_parse(tok, &a) == -1)
			continue;
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
			if (hosts_add(r, tok, &a) == -1) {
				free(line);
				fclose(fp);
				return -1;
			}
	}
	free(line);
	fclose(fp);
	return 0;
}

static void
resolve_reap(evutil_socket_t fd, short ev, void *arg)
{
	struct resolver *r = arg;

	(void)fd;
	(void)ev;
	TAILQ_REMOVE(&retired, r, entry);
	/* Lookups of vendor list fetches still here fail now. */
	resolver_destroy(r, 1);
}

/* evdns gives a query up after two tries of half the timeout each. */
static int
resolve_set_timeout(struct resolver *r)
{
	char try[32], room[32];

	snprintf(try, sizeof(try), "%.3f", (double)r->timeout_ms / 2000.0);
	snprintf(room, sizeof(room), "%d", RESOLVE_EVDNS_INFLIGHT);
	if (evdns_base_set_option(r->dns, "timeout:", try) != 0 ||
	    evdns_base_set_option(r->dns, "attempts:", "2") != 0 ||
	    evdns_base_set_option(r->dns, "max-inflight:", room) != 0)
		return -1;
	return 0;
}

struct resolver *
resolve_new(struct event_base *base, const struct config *c, char *err,
    size_t errlen)
{
	struct resolver	*r;
	char		 ep[ADDR_STRLEN + 8];

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base = base;
	r->hosts_ttl = (uint32_t)(c->min_ttl_ms / 1000);
	r->timeout_ms = c->dns_timeout_ms;
	r->per_client = (size_t)c->max_lookups_per_client;
	TAILQ_INIT(&r->reqs);
	TAILQ_INIT(&r->ring);
	if ((r->reap = evtimer_new(base, resolve_reap, r)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	if ((r->dns = evdns_base_new(base, 0)) == NULL) {
		snprintf(err, errlen, "cannot start the DNS resolver");
		resolve_free(r);
		return NULL;
	}
	for (size_t i = 0; i < c->ndns_servers; i++) {
		snprintf(ep, sizeof(ep), "%s", c->dns_servers[i].text);
		if (evdns_base_nameserver_ip_add(r->dns, ep) != 0) {
			snprintf(err, errlen, "DNS server %s: cannot use", ep);
			resolve_free(r);
			return NULL;
		}
	}
	if (c->ndns_servers == 0 && evdns_base_resolv_conf_parse(r->dns,
	    DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC, "/etc/resolv.conf") != 0)
		log_warn("/etc/resolv.conf: no usable name server, "
		    "using 127.0.0.1");
	if (resolve_set_timeout(r) == -1) {
		snprintf(err, errlen, "cannot set the DNS timeout");
		resolve_free(r);
		return NULL;
	}
	/* Vendor list fetches resolve through evdns's getaddrinfo. */
	if (c->hosts_file != NULL)
		evdns_base_load_hosts(r->dns, c->hosts_file);
	if (c->hosts_file != NULL && hosts_load(r, c->hosts_file) == -1) {
		snprintf(err, errlen, "out of memory");
		resolve_free(r);
		return NULL;
	}
	return r;
}

static size_t
client_hash(const struct addr *a)
{
	uint32_t h = 2166136261u;

	h ^= a->family;
	h *= 16777619u;
	for (size_t i = 0; i < sizeof(a->b); i++) {
		h ^= a->b[i];
		h *= 16777619u;
	}
	return h % RESOLVE_BUCKETS;
}

/* The client of address a (NULL: pinhole's own lookups), made if new. */
static struct resolve_client *
client_get(struct resolver *r, const struct addr *a)
{
	struct resolve_client	*c;
	struct addr		 key;
	size_t			 b;

	memset(&key, 0, sizeof(key));
	if (a != NULL) {
		key.family = a->family;
		memcpy(key.b, a->b, a->family == ADDR_V4 ? 4 : 16);
	}
	b = client_hash(&key);
	for (c = r->buckets[b]; c != NULL; c = c->next)
		if (memcmp(&c->addr, &key, sizeof(key)) == 0)
			return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->addr = key;
	c->bucket = b;
	TAILQ_INIT(&c->waiting);
	c->next = r->buckets[b];
	r->buckets[b] = c;
	return c;
}

/*
 * After a change of c's counts: on the ring exactly while it has
 * lookups waiting and a place of its own; freed once it has none.
 */
static void
client_settle(struct resolver *r, struct resolve_client *c)
{
	struct resolve_client	**pp;
	int			  ready;

	ready = !TAILQ_EMPTY(&c->waiting) && c->inflight < r->per_client;
	if (ready && !c->on_ring) {
		TAILQ_INSERT_TAIL(&r->ring, c, ring);
		c->on_ring = 1;
	} else if (!ready && c->on_ring) {
		TAILQ_REMOVE(&r->ring, c, ring);
		c->on_ring = 0;
	}
	if (c->inflight > 0 || !TAILQ_EMPTY(&c->waiting))
		return;
	for (pp = &r->buckets[c->bucket]; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	free(c);
}

static void
client_name(const struct resolve_client *c, char *buf, size_t len)
{
	if (c->addr.family == 0)
		snprintf(buf, len, "pinhole itself");
	else
		addr_format(&c->addr, buf, len);
}

/* Runs the callback, once at most. */
static void
req_deliver(struct resolve_req *q)
{
	resolve_cb cb = q->cb;

	q->cb = NULL;
	if (cb != NULL && q->n > 0)
		cb(0, q->addrs, q->n, q->ttl, q->arg);
	else if (cb != NULL)
		cb(-1, NULL, 0, 0, q->arg);
}

/* Frees a lookup that is in no client's counts. */
static void
req_free(struct resolve_req *q)
{
	struct resolver		*r = q->r;
	struct timeval		 now = { 0, 0 };

	TAILQ_REMOVE(&r->reqs, q, all);
	event_free(q->timer);
	free(q);
	if (r->retired && TAILQ_EMPTY(&r->reqs))
		evtimer_add(r->reap, &now);
}

/* Sends the queries; -1 when evdns took neither. */
static int
req_start(struct resolve_req *q)
{
	struct resolver *r = q->r;

	q->pending = 0;
	q->q4 = evdns_base_resolve_ipv4(r->dns, q->name, DNS_QUERY_NO_SEARCH,
	    req_answer4, q);
	if (q->q4 != NULL)
		q->pending++;
	q->q6 = evdns_base_resolve_ipv6(r->dns, q->name, DNS_QUERY_NO_SEARCH,
	    req_answer6, q);
	if (q->q6 != NULL)
		q->pending++;
	if (q->pending == 0)
		return -1;
	q->state = REQ_INFLIGHT;
	q->client->inflight++;
	r->inflight++;
	return 0;
}

/* Gives the free places to the clients on the ring, one each in turn. */
static void
dispatch(struct resolver *r)
{
	struct resolve_client	*c;
	struct resolve_req	*q;
	struct timeval		 now = { 0, 0 };

	while (r->inflight < RESOLVE_MAX_INFLIGHT &&
	    (c = TAILQ_FIRST(&r->ring)) != NULL) {
		TAILQ_REMOVE(&r->ring, c, ring);
		c->on_ring = 0;
		q = TAILQ_FIRST(&c->waiting);
		TAILQ_REMOVE(&c->waiting, q, wait);
		if (req_start(q) == -1) {
			q->state = REQ_FAILED;
			q->client = NULL;
			evtimer_add(q->timer, &now);
		}
		client_settle(r, c);
	}
	if (TAILQ_EMPTY(&r->ring))
		r->full_warned = 0;
}

/* Both answers are in (or evdns gave up): the place is free. */
static void
req_finish(struct resolve_req *q)
{
	struct resolver		*r = q->r;
	struct resolve_client	*c = q->client;

	q->client = NULL;
	c->inflight--;
	r->inflight--;
	client_settle(r, c);
	dispatch(r);
	req_deliver(q);
	req_free(q);
}

static void
req_answer(int result, char type, int count, int ttl, void *addresses,
    void *arg, int v6)
{
	struct resolve_req *q = arg;

	if (v6)
		q->q6 = NULL;
	else
		q->q4 = NULL;
	if (result == DNS_ERR_NONE) {
		for (int i = 0; i < count && q->n < RESOLVE_MAX_ADDRS; i++) {
			struct addr *a = &q->addrs[q->n];

			/* AAAA ::ffff:127.0.0.1 is 127.0.0.1 from here on. */
			if (type == DNS_IPv4_A && !v6)
				addr_from_bytes(ADDR_V4,
				    (uint8_t *)addresses + 4 * i, a);
			else if (type == DNS_IPv6_AAAA && v6)
				addr_from_bytes(ADDR_V6,
				    (uint8_t *)addresses + 16 * i, a);
			else
				continue;
			q->n++;
			if (ttl >= 0 && (q->ttl == 0 || (uint32_t)ttl < q->ttl))
				q->ttl = (uint32_t)ttl;
		}
	}
	if (--q->pending == 0)
		req_finish(q);
}

static void
req_answer4(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	req_answer(result, type, count, ttl, addrs, arg, 0);
}

static void
req_answer6(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	req_answer(result, type, count, ttl, addrs, arg, 1);
}

static void
req_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct resolve_req	*q = arg;
	struct resolve_client	*c = q->client;

	(void)fd;
	(void)ev;
	switch (q->state) {
	case REQ_INFLIGHT:
		/* With what came; req_answer frees q when evdns is done. */
		req_deliver(q);
		return;
	case REQ_WAITING:
		TAILQ_REMOVE(&c->waiting, q, wait);
		q->client = NULL;
		client_settle(q->r, c);
		break;
	case REQ_HOSTS:
	case REQ_FAILED:
		break;
	}
	req_deliver(q);
	req_free(q);
}

/* One more lookup waits in c's queue: counted, and said once. */
static void
req_wait(struct resolver *r, struct resolve_client *c, struct resolve_req *q)
{
	char who[ADDR_STRLEN + 16];

	q->state = REQ_WAITING;
	TAILQ_INSERT_TAIL(&c->waiting, q, wait);
	client_settle(r, c);
	if (server.count != NULL)
		server.count->dns_waits++;
	if (c->inflight >= r->per_client && !c->warned) {
		c->warned = 1;
		client_name(c, who, sizeof(who));
		log_warn("lookups of %s: %zu in flight, the next wait their "
		    "turn ([dns] max_lookups_per_client)", who, c->inflight);
	} else if (c->inflight < r->per_client && !r->full_warned) {
		r->full_warned = 1;
		log_warn("lookups: %d in flight, the next wait their turn",
		    RESOLVE_MAX_INFLIGHT);
	}
}

/*
 * Starts a lookup of a normalised name for a client (NULL: for pinhole
 * itself).  The callback always runs later from the event loop, never
 * from inside this call, and within [dns] timeout.
 */
struct resolve_req *
resolve_name_for(struct resolver *r, const struct addr *client,
    const char *name, resolve_cb cb, void *arg)
{
	struct resolve_req	*q;
	struct resolve_client	*c;
	struct timeval		 tv = { 0, 0 };

	if (strlen(name) > NAME_MAX_LEN || (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	strcpy(q->name, name);
	if ((q->timer = evtimer_new(r->base, req_timer, q)) == NULL) {
		free(q);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&r->reqs, q, all);
	for (size_t i = 0; i < r->nhosts && q->n < RESOLVE_MAX_ADDRS; i++)
		if (strcmp(r->hosts[i].name, name) == 0)
			q->addrs[q->n++] = r->hosts[i].addr;
	if (q->n > 0) {
		q->state = REQ_HOSTS;
		q->ttl = r->hosts_ttl;
		evtimer_add(q->timer, &tv);
		return q;
	}
	if ((c = client_get(r, client)) == NULL) {
		req_free(q);
		return NULL;
	}
	q->client = c;
	if (TAILQ_EMPTY(&c->waiting) && c->inflight < r->per_client &&
	    r->inflight < RESOLVE_MAX_INFLIGHT) {
		if (req_start(q) == -1) {
			q->client = NULL;
			client_settle(r, c);
			req_free(q);
			return NULL;
		}
	} else
		req_wait(r, c, q);
	tv.tv_sec = (time_t)(r->timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(r->timeout_ms % 1000) * 1000;
	evtimer_add(q->timer, &tv);
	return q;
}

struct resolve_req *
resolve_name(struct resolver *r, const char *name, resolve_cb cb, void *arg)
{
	return resolve_name_for(r, NULL, name, cb, arg);
}

struct evdns_base *
resolve_evdns(struct resolver *r)
{
	return r->dns;
}

/* Stops a lookup; its callback will not run. */
void
resolve_cancel(struct resolve_req *q)
{
	struct resolve_client *c = q->client;

	q->cb = NULL;
	switch (q->state) {
	case REQ_INFLIGHT:
		/* evdns still calls back; req_finish frees q. */
		evtimer_del(q->timer);
		return;
	case REQ_WAITING:
		TAILQ_REMOVE(&c->waiting, q, wait);
		q->client = NULL;
		client_settle(q->r, c);
		break;
	case REQ_HOSTS:
	case REQ_FAILED:
		break;
	}
	req_free(q);
}

/*
 * Frees r and every lookup of it at once.  evdns frees its queries
 * without calling back (fail_requests 0), or, for a retired resolver,
 * fails only those of vendor list fetches (it has none of its own).
 */
static void
resolver_destroy(struct resolver *r, int fail_requests)
{
	struct resolve_req	*q;
	struct resolve_client	*c;

	while ((q = TAILQ_FIRST(&r->reqs)) != NULL) {
		TAILQ_REMOVE(&r->reqs, q, all);
		event_free(q->timer);
		free(q);
	}
	for (size_t b = 0; b < RESOLVE_BUCKETS; b++)
		while ((c = r->buckets[b]) != NULL) {
			r->buckets[b] = c->next;
			free(c);
		}
	if (r->dns != NULL)
		evdns_base_free(r->dns, fail_requests);
	for (size_t i = 0; i < r->nhosts; i++)
		free(r->hosts[i].name);
	free(r->hosts);
	if (r->reap != NULL)
		event_free(r->reap);
	free(r);
}

/* At exit, or a resolver no lookup has been made with. */
void
resolve_free(struct resolver *r)
{
	if (r != NULL)
		resolver_destroy(r, 0);
}

/*
 * A reload replaced r: its lookups go on, and it is freed once evdns
 * has called back for every one (within about [dns] timeout).
 */
void
resolve_retire(struct resolver *r)
{
	struct timeval now = { 0, 0 };

	r->retired = 1;
	TAILQ_INSERT_TAIL(&retired, r, entry);
	if (TAILQ_EMPTY(&r->reqs))
		evtimer_add(r->reap, &now);
}

/* At exit: the retired resolvers still waiting for evdns. */
void
resolve_free_retired(void)
{
	struct resolver *r;

	while ((r = TAILQ_FIRST(&retired)) != NULL) {
		TAILQ_REMOVE(&retired, r, entry);
		resolver_destroy(r, 0);
	}
}
