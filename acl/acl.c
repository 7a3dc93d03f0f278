/*
 * The verdict, in the order SPEC "Allowlist semantics" gives it: the
 * client, the shape of the host, then the rules in config order.  A name
 * is first matched against patterns alone (no lookup); only if some rule
 * could allow it does the caller resolve it and ask again for each
 * address, so names no rule can allow never reach the resolver.
 */
#include <stdlib.h>
#include <string.h>

#include "acl.h"

static struct acl *acl_live;

/* Host as the client wrote it, IPv6 without brackets.  -1: malformed. */
int
acl_parse_host(const char *host, size_t len, struct acl_dest *d)
{
	char	 buf[ADDR_STRLEN];
	int	 n;

	memset(d, 0, sizeof(*d));
	if (memchr(host, ':', len) != NULL) {
		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, host, len);
		buf[len] = '\0';
		if (addr_parse(buf, &d->addr) == -1)
			return -1;
		d->is_addr = 1;
		return 0;
	}
	if (addr_is_v4_attempt(host, len)) {
		if (addr_parse_v4(host, len, &d->addr) == -1)
			return -1;
		d->is_addr = 1;
		return 0;
	}
	if ((n = name_normalise(host, len, d->name)) == -1)
		return -1;
	d->namelen = (size_t)n;
	return 0;
}

/* The entry that decided, normalised ("*.a.com", "10.0.0.0/8"), or NULL. */
const char *
acl_entry(const struct acl_verdict *v, char *buf, size_t size)
{
	if (v->rule == NULL)
		return NULL;
	if (v->name != NULL)
		name_format_pattern(v->name, v->how, buf, size);
	else
		cidr_format(&v->net, buf, size);
	return buf;
}

void
acl_query_init(struct acl_query *q, const struct addr *client,
    const char *user, const char *host, size_t len, uint16_t port)
{
	memset(q, 0, sizeof(*q));
	q->client = client;
	q->user = user;
	q->port = port;
	q->dest_ok = acl_parse_host(host, len, &q->dest) == 0;
}

struct acl *
acl_new(struct policy *policy, struct entries **lists)
{
	struct acl *acl;

	if ((acl = calloc(1, sizeof(*acl))) == NULL)
		return NULL;
	acl->lists = calloc(policy->nlists ? policy->nlists : 1,
	    sizeof(*acl->lists));
	if (acl->lists == NULL) {
		free(acl);
		return NULL;
	}
	for (size_t i = 0; i < policy->nlists; i++) {
		if ((acl->lists[i] = lists ? lists[i] : NULL) != NULL)
			entries_ref(acl->lists[i]);
	}
	policy_ref(policy);
	acl->policy = policy;
	acl->refs = 1;
	return acl;
}

void
acl_ref(struct acl *acl)
{
	acl->refs++;
}

void
acl_unref(struct acl *acl)
{
	if (acl == NULL || --acl->refs > 0)
		return;
	for (size_t i = 0; i < acl->policy->nlists; i++)
		entries_unref(acl->lists[i]);
	free(acl->lists);
	policy_unref(acl->policy);
	free(acl);
}

/*
 * Makes acl the one new connections are checked against, taking a
 * reference; NULL drops the published one (at exit).
 */
void
acl_publish(struct acl *acl)
{
	struct acl *old = acl_live;

	if (acl != NULL)
		acl_ref(acl);
	acl_live = acl;
	acl_unref(old);
}

struct acl *
acl_current(void)
{
	return acl_live;
}

/* A rule for some users is for none of them when nobody logged in (a
 * session from before [auth] came with a reload). */
static int
rule_user_ok(const struct acl_rule *r, const struct acl_query *q)
{
	if (r->users == NULL)
		return 1;
	if (q->user == NULL)
		return 0;
	for (size_t i = 0; i < r->nusers; i++)
		if (strcmp(r->users[i], q->user) == 0)
			return 1;
	return 0;
}

static int
rule_applies(const struct acl_rule *r, const struct acl_query *q)
{
	if (!portset_has(q->udp ? &r->udp_ports : &r->ports, q->port))
		return 0;
	if (q->client != NULL && r->clients != NULL &&
	    !cidrset_lookup(r->clients, q->client, NULL))
		return 0;
	return rule_user_ok(r, q);
}

/* A rule in report mode sets its ports and clients aside, not its users. */
static int
rule_reports(const struct acl_rule *r, const struct acl_query *q)
{
	return r->report && rule_user_ok(r, q);
}

static void
verdict_allow(struct acl_verdict *v, const struct acl_rule *r,
    const char *list)
{
	v->result = ACL_ALLOW;
	v->reason = REASON_NONE;
	v->rule = r;
	v->list = list;
}

static int
rule_match_name(const struct acl *acl, const struct acl_rule *r,
    const struct acl_dest *d, struct acl_verdict *v)
{
	struct name_match	 m;
	const char		*list = NULL;
	int			 found;

	found = nameset_lookup(r->own->names, d->name, d->namelen, &m);
	for (size_t i = 0; !found && i < r->nlists; i++) {
		const struct entries *e = acl->lists[r->lists[i]];

		if (e != NULL && nameset_lookup(e->names, d->name,
		    d->namelen, &m)) {
			found = 1;
			list = acl->policy->lists[r->lists[i]];
		}
	}
	if (found && v != NULL) {
		v->rule = r;
		v->list = list;
		v->name = m.base;
		v->how = m.how;
	}
	return found;
}

static int
rule_match_addr(const struct acl *acl, const struct acl_rule *r,
    const struct addr *a, struct acl_verdict *v)
{
	struct cidr	 c;
	const char	*list = NULL;
	int		 found;

	found = cidrset_lookup(r->own->nets, a, &c);
	for (size_t i = 0; !found && i < r->nlists; i++) {
		const struct entries *e = acl->lists[r->lists[i]];

		if (e != NULL && cidrset_lookup(e->nets, a, &c)) {
			found = 1;
			list = acl->policy->lists[r->lists[i]];
		}
	}
	if (found && v != NULL) {
		v->rule = r;
		v->list = list;
		v->name = NULL;
		v->net = c;
	}
	return found;
}

static int
rule_owns(const struct acl_rule *r, const struct addr *a)
{
	return r->own->nets != NULL && cidrset_lookup(r->own->nets, a, NULL);
}

/*
 * The denied ranges for one form of the address connected to under rule
 * r.  Nothing lifts [acl] deny; the private ranges give way to
 * allow_private and to the rule's own config nets that contain this
 * very form, never to entries of a fetched list.
 */
static enum reason
form_refused(const struct policy *p, const struct acl_rule *r,
    const struct addr *a)
{
	if (p->deny != NULL && cidrset_lookup(p->deny, a, NULL))
		return REASON_DENIED_ADDRESS;
	if (p->private == NULL || !cidrset_lookup(p->private, a, NULL))
		return REASON_NONE;
	if (r->allow_private || rule_owns(r, a))
		return REASON_NONE;
	return REASON_PRIVATE_ADDRESS;
}

/*
 * An address is refused when it, or any IPv4 address it carries, is:
 * the verdict for 64:ff9b::7f00:1 is the verdict for 127.0.0.1.  The
 * address was made canonical where it entered (addr_canon).  A rule's
 * nets = 2000::/3 does not lift the private ranges for the 10.0.0.5
 * that 2002:a00:5:: carries: only a net that holds 10.0.0.5 does.
 */
static enum reason
addr_refused(const struct acl *acl, const struct acl_rule *r,
    const struct addr *a)
{
	struct addr	 emb[ADDR_MAX_EMBEDDED];
	int		 n = addr_embedded_v4(a, emb);
	enum reason	 why = form_refused(acl->policy, r, a), w;

	for (int i = 0; i < n && why != REASON_DENIED_ADDRESS; i++) {
		w = form_refused(acl->policy, r, &emb[i]);
		if (w != REASON_NONE)
			why = w;
	}
	return why;
}

static enum reason
worse(enum reason a, enum reason b)
{
	static const enum reason order[] = {
		REASON_DENIED_ADDRESS, REASON_PRIVATE_ADDRESS,
		REASON_NOT_ALLOWED
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a;
}

/* Does rule match the destination: by name pattern, or by IP entries? */
static int
rule_match_dest(const struct acl *acl, const struct acl_rule *rule,
    const struct acl_query *q, const struct addr *a, int names,
    struct acl_verdict *v)
{
	return (names && rule_match_name(acl, rule, &q->dest, v)) ||
	    ((!names || rule->resolve) && rule_match_addr(acl, rule, a, v));
}

/*
 * Report mode: what the rules refuse as not_allowed passes, marked
 * would_deny.  First a rule in report mode whose destination matches,
 * its ports and clients set aside, with its own exceptions to the
 * private ranges; then [acl] mode = report, with none.  The denied
 * ranges stand: an address in them keeps the request refused, for that
 * reason.  Returns 1 when v allows.
 */
static int
report_addr(const struct acl *acl, const struct acl_query *q,
    const struct addr *a, int names, struct acl_verdict *v, enum reason *why)
{
	const struct policy	*p = acl->policy;
	enum reason		 r;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct acl_rule *rule = &p->rules[i];

		if (!rule_reports(rule, q) ||
		    !rule_match_dest(acl, rule, q, a, names, v))
			continue;
		if ((r = addr_refused(acl, rule, a)) == REASON_NONE) {
			verdict_allow(v, rule, v->list);
			v->would_deny = REASON_NOT_ALLOWED;
			return 1;
		}
		*why = worse(*why, r);
	}
	if (!p->report)
		return 0;
	if ((r = acl_denied_range(p, a, 0)) != REASON_NONE) {
		*why = worse(*why, r);
		return 0;
	}
	memset(v, 0, sizeof(*v));
	v->result = ACL_ALLOW;
	v->would_deny = REASON_NOT_ALLOWED;
	return 1;
}

/*
 * Connecting to address a for query q: the first rule that matches (by
 * name pattern when names is set, else by its IP entries, which a
 * resolve = yes rule also uses for names) and whose denied ranges let a
 * through decides.
 */
static void
match_addr(const struct acl *acl, const struct acl_query *q,
    const struct addr *a, int names, struct acl_verdict *v)
{
	const struct policy	*p = acl->policy;
	enum reason		 why = REASON_NOT_ALLOWED, r;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct acl_rule *rule = &p->rules[i];

		if (!rule_applies(rule, q) ||
		    !rule_match_dest(acl, rule, q, a, names, v))
			continue;
		if ((r = addr_refused(acl, rule, a)) == REASON_NONE) {
			verdict_allow(v, rule, v->list);
			return;
		}
		why = worse(why, r);
	}
	if (why == REASON_NOT_ALLOWED &&
	    report_addr(acl, q, a, names, v, &why))
		return;
	memset(v, 0, sizeof(*v));
	v->result = ACL_DENY;
	v->reason = why;
}

/*
 * Would report mode let a name through that no rule takes as it is: a
 * rule in report mode takes the names of its patterns (v names it), or
 * any name with resolve = yes; [acl] mode = report takes every name.
 * Each address is checked after the lookup.
 */
static int
report_name(const struct acl *acl, const struct acl_query *q,
    struct acl_verdict *v)
{
	const struct policy	*p = acl->policy;
	int			 found = p->report;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < p->nrules; i++) {
		const struct acl_rule *rule = &p->rules[i];

		if (!rule_reports(rule, q))
			continue;
		if (rule_match_name(acl, rule, &q->dest, v))
			return 1;
		found |= rule->resolve;
	}
	return found;
}

static void
verdict_deny(struct acl_verdict *v, enum reason why)
{
	memset(v, 0, sizeof(*v));
	v->result = ACL_DENY;
	v->reason = why;
}

/*
 * The first check of a request.  An IP literal is decided here; a name
 * ends in ACL_RESOLVE when some rule matches it by pattern or may match
 * it through resolve = yes, and then every address it resolves to goes
 * through acl_check_addr().
 */
void
acl_check(const struct acl *acl, const struct acl_query *q,
    struct acl_verdict *v)
{
	const struct policy	*p = acl->policy;
	int			 resolvable = 0;

	memset(v, 0, sizeof(*v));
	if (q->client != NULL && p->clients != NULL &&
	    !cidrset_lookup(p->clients, q->client, NULL)) {
		verdict_deny(v, REASON_CLIENT_NOT_ALLOWED);
		return;
	}
	if (!q->dest_ok || q->port == 0) {
		verdict_deny(v, REASON_BAD_REQUEST);
		return;
	}
	if (q->dest.is_addr) {
		match_addr(acl, q, &q->dest.addr, 0, v);
		return;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct acl_rule *rule = &p->rules[i];

		if (!rule_applies(rule, q))
			continue;
		if (rule_match_name(acl, rule, &q->dest, v)) {
			v->result = ACL_RESOLVE;
			return;
		}
		resolvable |= rule->resolve;
	}
	if (resolvable) {
		memset(v, 0, sizeof(*v));
		v->result = ACL_RESOLVE;
		return;
	}
	if (report_name(acl, q, v)) {
		/* Looked up for report mode alone: so its record says,
		 * should the lookup or the connection fail. */
		v->result = ACL_RESOLVE;
		v->would_deny = REASON_NOT_ALLOWED;
		return;
	}
	verdict_deny(v, REASON_NOT_ALLOWED);
}

/* The verdict for connecting a name query to one resolved address. */
void
acl_check_addr(const struct acl *acl, const struct acl_query *q,
    const struct addr *a, struct acl_verdict *v)
{
	memset(v, 0, sizeof(*v));
	match_addr(acl, q, a, !q->dest.is_addr, v);
}

/*
 * The denied ranges alone, for a connection pinhole makes itself (a
 * vendor list fetch): REASON_DENIED_ADDRESS, REASON_PRIVATE_ADDRESS or
 * REASON_NONE, by the very check a client's destination gets.
 * allow_private lifts the private ranges as a rule's allow_private
 * does; nothing lifts [acl] deny.
 */
enum reason
acl_denied_range(const struct policy *p, const struct addr *a,
    int allow_private)
{
	struct acl	 acl;
	struct acl_rule	 r;
	struct entries	 none;

	memset(&acl, 0, sizeof(acl));
	memset(&r, 0, sizeof(r));
	memset(&none, 0, sizeof(none));
	acl.policy = (struct policy *)p;
	r.allow_private = allow_private;
	r.own = &none;
	return addr_refused(&acl, &r, a);
}
