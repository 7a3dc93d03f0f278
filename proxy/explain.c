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
#include "hostport.h"
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
format_verdict(struct jbuf *j, const struct explain *e, const char *verdict,
    const struct acl_verdict *v, const char *reason, const struct addr *addrs,
    size_t n, const struct acl_verdict *per)
{
	char addr[ADDR_STRLEN], entry[ACL_ENTRY_LEN];

	json_add(j, "{\"verdict\":\"%s\",\"host\":", verdict);
	json_add_string(j, e->host);
	json_add(j, ",\"port\":%d,\"client\":", e->port);
	json_add_string(j, e->has_client ? e->client_text : NULL);
	json_add(j, ",\"rule\":");
	json_add_string(j, v != NULL && v->rule ? v->rule->name : NULL);
	json_add(j, ",\"list\":");
	json_add_string(j, v != NULL && v->rule ? v->list : NULL);
	json_add(j, ",\"entry\":");
	json_add_string(j, v != NULL ? acl_entry(v, entry, sizeof(entry)) :
	    NULL);
	json_add(j, ",\"reason\":");
	json_add_string(j, reason);
	json_add(j, ",\"addresses\":[");
	for (size_t i = 0; i < n; i++) {
		addr_format(&addrs[i], addr, sizeof(addr));
		json_add(j, "%s{\"addr\":", i ? "," : "");
		json_add_string(j, addr);
		json_add(j, ",\"allowed\":%s,\"reason\":",
		    per[i].result == ACL_ALLOW ? "true" : "false");
		json_add_string(j, reason_name(per[i].reason));
		json_add(j, "}");
	}
	json_add(j, "]}\n");
}

/*
 * The first step: the target and client read, the request checked.
 * -1 with a message in err for arguments that make no request.  When
 * e->need_lookup, the caller resolves e->query.dest.name and goes on
 * with explain_finish(); else explain_finish() with no addresses.
 */
int
explain_start(struct explain *e, struct acl *acl,
    const struct explain_args *args, char *err, size_t errlen)
{
	int port;

	memset(e, 0, sizeof(*e));
	e->port = args->proto != NULL && strcmp(args->proto, "http") == 0 ?
	    80 : 443;
	if (hostport_split(args->target, strlen(args->target), e->host,
	    sizeof(e->host), &port) == -1) {
		snprintf(err, errlen, "\"%.300s\" is not HOST[:PORT]",
		    args->target);
		return -1;
	}
	if (port != -1)
		e->port = port;
	if (args->client != NULL) {
		if (addr_parse(args->client, &e->client) == -1) {
			snprintf(err, errlen, "\"%.300s\" is not an IP address",
			    args->client);
			return -1;
		}
		addr_format(&e->client, e->client_text, sizeof(e->client_text));
		e->has_client = 1;
	}
	e->acl = acl;
	acl_query_init(&e->query, e->has_client ? &e->client : NULL,
	    args->user, e->host, strlen(e->host), (uint16_t)e->port);
	/* UDP through SOCKS5: the rules' udp_ports decide. */
	e->query.udp = args->proto != NULL && strcmp(args->proto, "udp") == 0;
	acl_check(acl, &e->query, &e->verdict);
	e->need_lookup = e->verdict.result == ACL_RESOLVE;
	return 0;
}

/* The verdict as JSON into j; returns the exit code of --explain. */
int
explain_finish(struct explain *e, int dns_error, const struct addr *addrs,
    size_t n, struct jbuf *j)
{
	struct acl_verdict	 per[RESOLVE_MAX_ADDRS];
	const struct acl_verdict *allowed = NULL;

	if (!e->need_lookup) {
		if (e->verdict.result == ACL_ALLOW)
			e->would_deny = e->verdict.would_deny;
		format_verdict(j, e, e->verdict.result == ACL_ALLOW ? "allow" :
		    "deny", &e->verdict, reason_name(e->verdict.reason), NULL,
		    0, NULL);
		return e->verdict.result == ACL_ALLOW ? EXPLAIN_ALLOW :
		    EXPLAIN_DENY;
	}
	/*
	 * Refused after the lookup, or the lookup failed: the rule that
	 * named the host is still the one the flow record names.
	 */
	if (dns_error || n == 0) {
		format_verdict(j, e, "error", &e->verdict,
		    reason_name(REASON_DNS_ERROR), NULL, 0, NULL);
		return EXPLAIN_ERROR;
	}
	if (n > RESOLVE_MAX_ADDRS)
		n = RESOLVE_MAX_ADDRS;
	for (size_t i = 0; i < n; i++) {
		acl_check_addr(e->acl, &e->query, &addrs[i], &per[i]);
		if (allowed == NULL && per[i].result == ACL_ALLOW)
			allowed = &per[i];
	}
	if (allowed != NULL) {
		e->would_deny = allowed->would_deny;
		format_verdict(j, e, "allow", allowed, NULL, addrs, n, per);
		return EXPLAIN_ALLOW;
	}
	format_verdict(j, e, "deny", &e->verdict, reason_name(per[0].reason),
	    addrs, n, per);
	return EXPLAIN_DENY;
}

static int
first_port(const struct portset *ps)
{
	for (size_t i = 0; i < sizeof(ps->bits) / sizeof(ps->bits[0]); i++)
		if (ps->bits[i] != 0)
			return (int)(i * 64) + __builtin_ctzll(ps->bits[i]);
	return -1;
}

/*
 * A not_allowed answer does not say which part of the request no rule
 * takes.  Each rule is asked again with its own port and no client or
 * user: the first that names the destination tells whether the port,
 * the client or the user kept it out.  One line for stderr, or "".
 */
void
explain_hint(const struct explain *e, char *buf, size_t size)
{
	const struct policy	*p = e->acl->policy;
	struct acl_query	 q;
	struct acl_verdict	 v;
	const struct acl_rule	*r;
	char			 ports[256];
	int			 port;

	buf[0] = '\0';
	if (e->verdict.result != ACL_DENY ||
	    e->verdict.reason != REASON_NOT_ALLOWED)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct portset *ps = e->query.udp ?
		    &p->rules[i].udp_ports : &p->rules[i].ports;

		if ((port = first_port(ps)) <= 0)
			continue;
		q = e->query;
		q.port = (uint16_t)port;
		q.client = NULL;
		q.user = NULL;
		acl_check(e->acl, &q, &v);
		if (v.result == ACL_DENY || (r = v.rule) == NULL)
			continue;
		ps = e->query.udp ? &r->udp_ports : &r->ports;
		portset_format(ps, ports, sizeof(ports));
		if (!portset_has(ps, (uint16_t)e->port))
			snprintf(buf, size, "rule %s names %s on %sports %s, "
			    "not on port %d", r->name, e->host, e->query.udp ?
			    "udp_" : "", ports, e->port);
		else if (e->has_client && r->clients != NULL &&
		    !cidrset_lookup(r->clients, &e->client, NULL))
			snprintf(buf, size, "rule %s names %s on port %d, but "
			    "not for client %s", r->name, e->host, e->port,
			    e->client_text);
		else
			snprintf(buf, size, "rule %s names %s on port %d, but "
			    "not for that user", r->name, e->host, e->port);
		return;
	}
	snprintf(buf, size, "no rule names %s on any port", e->host);
}

/* pinhole --explain: the whole of it, the lookup included. */
int
explain_run(const struct config *c, struct acl *acl,
    const struct explain_args *args)
{
	struct explain	 e;
	struct answer	 a;
	char		 out[8192], err[512];
	struct jbuf	 j = { out, sizeof(out), 0 };
	int		 rc;

	if (explain_start(&e, acl, args, err, sizeof(err)) == -1) {
		fprintf(stderr, "pinhole: --explain: %s\n", err);
		return EXPLAIN_ERROR;
	}
	memset(&a, 0, sizeof(a));
	if (e.need_lookup && lookup(c, e.query.dest.name, &a) == -1)
		return EXPLAIN_ERROR;
	rc = explain_finish(&e, a.error, a.addrs, a.n, &j);
	fwrite(out, 1, j.len, stdout);
	explain_hint(&e, err, sizeof(err));
	if (e.would_deny != REASON_NONE)
		snprintf(err, sizeof(err), "allowed by report mode only: "
		    "in enforce mode it would be refused (%s)",
		    reason_name(e.would_deny));
	if (err[0] != '\0')
		fprintf(stderr, "pinhole: --explain: %s\n", err);
	return rc;
}
