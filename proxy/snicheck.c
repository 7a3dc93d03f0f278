/*
 * A tunnel allowed for one name can carry TLS for another: a client
 * asks for an allowed front and names a different server in its
 * ClientHello (domain fronting).  The relay holds a tunnel's first bytes
 * until they give the server name (relay.c); this file says whether
 * that name matches the request:
 *   - a request by name: the SNI is that name (case and a trailing dot
 *     aside);
 *   - a request by IP literal: the SNI is a name that some rule allows
 *     on that port for that client and user, by its patterns (nothing is
 *     resolved);
 * and gives the verdict on a held ClientHello (the first, or the second
 * after a HelloRetryRequest): the tunnel goes on, or is refused.
 */
#include <string.h>

#include "acl.h"
#include "log.h"
#include "server.h"
#include "session.h"
#include "sni.h"
#include "snicheck.h"

/* The rule's sni_check, or [acl]'s. */
int
snicheck_mode(const struct session *s)
{
	const struct acl_rule	*r = s->verdict.rule;

	if (s->acl == NULL)
		return SNI_CHECK_OFF;
	if (r != NULL && r->sni_check != SNI_CHECK_INHERIT)
		return r->sni_check;
	return s->acl->policy->sni_check;
}

int
snicheck_matches(const struct session *s, const char *sni)
{
	struct acl_query	 q;
	struct acl_verdict	 v;
	char			 name[NAME_MAX_LEN + 1];
	int			 n;

	if (!s->query.dest.is_addr) {
		n = name_normalise(sni, strlen(sni), name);
		return n >= 0 && (size_t)n == s->query.dest.namelen &&
		    memcmp(name, s->query.dest.name, (size_t)n) == 0;
	}
	acl_query_init(&q, s->query.client, s->query.user, sni, strlen(sni),
	    s->query.port);
	if (q.dest.is_addr)
		return 0;
	acl_check(s->acl, &q, &v);
	return v.result == ACL_RESOLVE && v.rule != NULL;
}

/*
 * The verdict on a held ClientHello (state: what sni_parse said of it;
 * again: the second, after a HelloRetryRequest) under mode: 1 to go
 * on, 0 when the tunnel is refused.
 */
int
snicheck_verdict(const struct session *s, int mode, enum sni_end why,
    int state, int again)
{
	int		 enforce = mode == SNI_CHECK_ENFORCE;
	const char	*what, *retried;

	retried = again ? " (after a HelloRetryRequest)" : "";
	if (state == SNI_FOUND) {
		if (snicheck_matches(s, s->sni))
			return 1;
		server.count->sni_mismatch++;
		log_warn("session %llu: the TLS server name %s does not match "
		    "the request %s:%u%s%s", (unsigned long long)s->id, s->sni,
		    s->host, s->port, retried, enforce ? ": closed" : "");
		return !enforce;
	}
	if (state == SNI_NONE)
		return 1;	/* no name, or no ClientHello: nothing to check */
	/*
	 * A ClientHello that cannot be read whole -- longer than 16 KiB,
	 * cut into tiny records, trickled past the deadline, or ended by
	 * the client half-way -- or whose name a server or router may read
	 * otherwise (sni.c) would pass unchecked: under enforce it does
	 * not.
	 */
	if (state == SNI_BAD)
		what = "whose server name cannot be read as a server reads it";
	else if (state == SNI_TOOBIG || why == SNI_END_FULL)
		what = "longer than 16 KiB";
	else if (why == SNI_END_TIMEOUT)
		what = "not whole within handshake_timeout";
	else if (why == SNI_END_EOF && s->sni_len > 0)
		what = "cut short by the client's end";
	else
		return 1;
	log_info("session %llu: a ClientHello%s %s: %s",
	    (unsigned long long)s->id, retried, what,
	    enforce ? "closed" : "not checked");
	if (enforce)
		server.count->sni_mismatch++;
	return !enforce;
}

/*
 * A first ClientHello whose last record carries more handshake bytes
 * (a second hello, say) than the hello: no client sends that, and what
 * follows the hello in its record could not be held apart.
 */
int
snicheck_trailing(const struct session *s, int mode)
{
	int enforce = mode == SNI_CHECK_ENFORCE;

	log_info("session %llu: a ClientHello followed by more in its "
	    "record: %s", (unsigned long long)s->id,
	    enforce ? "closed" : "not checked");
	if (enforce)
		server.count->sni_mismatch++;
	return !enforce;
}
