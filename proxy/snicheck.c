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
 *     resolved).
 */
#include <string.h>

#include "acl.h"
#include "session.h"
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
