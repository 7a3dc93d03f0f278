/*
 * --explain runs the same two steps as a connection: acl_check() on the
 * request, then, for a name some rule may allow, the lookup through
 * [dns] and acl_check_addr() on each address.  It fetches nothing.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "json.h"
#include "resolve.h"
#include "value.h"

struct answer {
	struct event_base *base;
	int		 done;
	int		 error;
	struct addr	 addrs[RESOLVE_MAX_ADDRS];
	size_t		 n;
};

/* HOST, HOST:PORT, [V6], [V6]:PORT or a bare IPv6 address. */
static int
split_target(const char *s, char *host, size_t hostlen, int *port)
{
	const char	*end, *colon = NULL;
	size_t		 len;
	uint64_t	 v;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		len = (size_t)(end - s - 1);
		s++;
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1] != '\0')
			return -1;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;	/* a bare IPv6 address */
		len = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (len == 0 || len >= hostlen)
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	if (colon != NULL) {
		if (value_uint(colon + 1, 0, 65535, &v) == -1)
			return -1;
		*port = (int)v;
	}
	return 0;
}

static void
on_answer(int error, const struct addr *addrs, size_t n, uint32_t ttl,
    void *arg)
{
	struct answer *a = arg;

	(void)ttl;
	a->done = 1;
	a->error = error;
	a->n = n;
	if (n > 0)
		memcpy(a->addrs, addrs, n * sizeof(*addrs));
	/* evdns keeps timers of its own (probes of dead servers). */
	event_base_loopbreak(a->base);
}

/* Looks the name up through [dns]; -1 when the resolver cannot start. */
static int
lookup(const struct config *c, const char *name, struct answer *a)
{
	struct event_base	*base;
	struct resolver		*r;
	char			 err[256];

	memset(a, 0, sizeof(*a));
	if ((base = event_base_new()) == NULL)
		return -1;
	a->base = base;
	if ((r = resolve_new(base, c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "pinhole: %s\n", err);
		event_base_free(base);
		return -1;
	}
	if (resolve_name(r, name, on_answer, a) == NULL)
		a->error = -1;
	else
		event_base_dispatch(base);
	resolve_free(r);
	event_base_free(base);
	if (!a->done)
		a->error = -1;
	return 0;
}

static void
print_verdict(const char *verdict, const char *host, int port,
    const char *client, const struct acl_verdict *v, const char *reason,
    const struct answer *a, const struct acl_verdict *per)
{
	char addr[ADDR_STRLEN];

	printf("{\"verdict\":\"%s\",\"host\":", verdict);
	json_string(stdout, host);
	printf(",\"port\":%d,\"client\":", port);
	json_string(stdout, client);
	printf(",\"rule\":");
	json_string(stdout, v != NULL && v->rule ? v->rule->name : NULL);
	printf(",\"list\":");
	json_string(stdout, v != NULL && v->rule ? v->list : NULL);
	printf(",\"entry\":");
	json_string(stdout, v != NULL && v->rule ? v->entry : NULL);
	printf(",\"reason\":");
	json_string(stdout, reason);
	printf(",\"addresses\":[");
	for (size_t i = 0; a != NULL && i < a->n; i++) {
		addr_format(&a->addrs[i], addr, sizeof(addr));
		printf("%s{\"addr\":", i ? "," : "");
		json_string(stdout, addr);
		printf(",\"allowed\":%s,\"reason\":",
		    per[i].result == ACL_ALLOW ? "true" : "false");
		json_string(stdout, reason_name(per[i].reason));
		printf("}");
	}
	printf("]}\n");
}

int
explain_run(const struct config *c, struct acl *acl,
    const struct explain_args *args)
{
	char			 host[NAME_MAX_LEN + 2], cbuf[ADDR_STRLEN];
	int			 port;
	struct addr		 client;
	struct acl_query	 q;
	struct acl_verdict	 v, per[RESOLVE_MAX_ADDRS];
	const struct acl_verdict *allowed = NULL;
	struct answer		 a;

	port = args->proto != NULL && strcmp(args->proto, "http") == 0 ?
	    80 : 443;
	if (split_target(args->target, host, sizeof(host), &port) == -1) {
		fprintf(stderr, "pinhole: --explain: \"%s\" is not "
		    "HOST[:PORT]\n", args->target);
		return EXPLAIN_ERROR;
	}
	if (args->client != NULL) {
		if (addr_parse(args->client, &client) == -1) {
			fprintf(stderr, "pinhole: --client: \"%s\" is not an "
			    "IP address\n", args->client);
			return EXPLAIN_ERROR;
		}
		addr_format(&client, cbuf, sizeof(cbuf));
	}
	acl_query_init(&q, args->client ? &client : NULL, args->user, host,
	    strlen(host), (uint16_t)port);
	acl_check(acl, &q, &v);
	if (v.result != ACL_RESOLVE) {
		print_verdict(v.result == ACL_ALLOW ? "allow" : "deny", host,
		    port, args->client ? cbuf : NULL, &v,
		    reason_name(v.reason), NULL, NULL);
		return v.result == ACL_ALLOW ? EXPLAIN_ALLOW : EXPLAIN_DENY;
	}
	if (lookup(c, q.dest.name, &a) == -1)
		return EXPLAIN_ERROR;
	if (a.error) {
		a.n = 0;
		print_verdict("error", host, port, args->client ? cbuf : NULL,
		    NULL, reason_name(REASON_DNS_ERROR), &a, per);
		return EXPLAIN_ERROR;
	}
	for (size_t i = 0; i < a.n; i++) {
		acl_check_addr(acl, &q, &a.addrs[i], &per[i]);
		if (allowed == NULL && per[i].result == ACL_ALLOW)
			allowed = &per[i];
	}
	if (allowed != NULL) {
		print_verdict("allow", host, port, args->client ? cbuf : NULL,
		    allowed, NULL, &a, per);
		return EXPLAIN_ALLOW;
	}
	print_verdict("deny", host, port, args->client ? cbuf : NULL, NULL,
	    reason_name(per[0].reason), &a, per);
	return EXPLAIN_DENY;
}
