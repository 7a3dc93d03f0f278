/*
 * A name is looked up for A and AAAA at once; the callback runs when
 * both answers are in.  Search domains are never applied: a client's
 * "intranet" must not become "intranet.corp.example" behind the ACL's
 * back.  hosts_file is read here rather than by evdns, because evdns
 * only consults it for getaddrinfo-style lookups, which carry no TTL.
 */
#include <sys/socket.h>
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

struct host_entry {
	char		*name;
	struct addr	 addr;
};

struct resolver {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct host_entry	*hosts;
	size_t			 nhosts;
	uint32_t		 hosts_ttl;
};

struct resolve_req {
	struct resolver		*r;
	resolve_cb		 cb;
	void			*arg;
	struct evdns_request	*q4, *q6;
	int			 pending;
	struct addr		 addrs[RESOLVE_MAX_ADDRS];
	size_t			 n;
	uint32_t		 ttl;
	struct event		*now;	/* answers from hosts_file */
};

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
	if ((r->dns = evdns_base_new(base, 0)) == NULL) {
		snprintf(err, errlen, "cannot start the DNS resolver");
		free(r);
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
	evdns_base_set_option(r->dns, "timeout:", "2");
	evdns_base_set_option(r->dns, "attempts:", "2");
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

static void
req_finish(struct resolve_req *q)
{
	if (q->cb != NULL && q->n > 0)
		q->cb(0, q->addrs, q->n, q->ttl, q->arg);
	else if (q->cb != NULL)
		q->cb(-1, NULL, 0, 0, q->arg);
	if (q->now != NULL)
		event_free(q->now);
	free(q);
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
req_hosts_done(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	req_finish(arg);
}

/*
 * Starts a lookup of a normalised name.  The callback always runs later
 * from the event loop, never from inside this call.
 */
struct resolve_req *
resolve_name(struct resolver *r, const char *name, resolve_cb cb, void *arg)
{
	struct resolve_req *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	for (size_t i = 0; i < r->nhosts && q->n < RESOLVE_MAX_ADDRS; i++)
		if (strcmp(r->hosts[i].name, name) == 0)
			q->addrs[q->n++] = r->hosts[i].addr;
	if (q->n > 0) {
		struct timeval now = { 0, 0 };

		q->ttl = r->hosts_ttl;
		q->now = evtimer_new(r->base, req_hosts_done, q);
		if (q->now == NULL || evtimer_add(q->now, &now) == -1) {
			if (q->now != NULL)
				event_free(q->now);
			free(q);
			return NULL;
		}
		return q;
	}
	q->pending = 2;
	q->q4 = evdns_base_resolve_ipv4(r->dns, name, DNS_QUERY_NO_SEARCH,
	    req_answer4, q);
	if (q->q4 == NULL)
		q->pending--;
	q->q6 = evdns_base_resolve_ipv6(r->dns, name, DNS_QUERY_NO_SEARCH,
	    req_answer6, q);
	if (q->q6 == NULL && --q->pending == 0) {
		free(q);
		return NULL;
	}
	return q;
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
	q->cb = NULL;
	if (q->now != NULL) {
		event_free(q->now);
		free(q);
		return;
	}
	/* evdns still calls back with DNS_ERR_CANCEL; req_answer frees q. */
	if (q->q4 != NULL)
		evdns_cancel_request(q->r->dns, q->q4);
	if (q->q6 != NULL)
		evdns_cancel_request(q->r->dns, q->q6);
}

void
resolve_free(struct resolver *r)
{
	if (r == NULL)
		return;
	if (r->dns != NULL)
		evdns_base_free(r->dns, 1);
	for (size_t i = 0; i < r->nhosts; i++)
		free(r->hosts[i].name);
	free(r->hosts);
	free(r);
}
