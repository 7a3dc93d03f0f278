/*
 * What both passes of config loading share, below config.c and
 * confkey.c alike: the first error as FILE:LINE, the names of sections
 * and rules, and host:port endpoints.  confkey.c applies keys with
 * these and never calls back up into config.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "confparse.h"
#include "hostport.h"

/* Keeps the first error, as "FILE:LINE: message". */
void
config_error(struct parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (p->failed++)
		return;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, line);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* A name of an [allow NAME] or [list NAME] section. */
int
config_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	return 1;
}

/* "a.b.c.d:port", "[v6]:port", or with no port the default one. */
int
config_parse_endpoint(const char *s, uint16_t dflt, struct endpoint *ep)
{
	char	 host[ADDR_STRLEN + 1];
	int	 port;

	memset(ep, 0, sizeof(*ep));
	if (hostport_split(s, strlen(s), host, sizeof(host), &port) == -1 ||
	    addr_parse(host, &ep->addr) == -1)
		return -1;
	if (port == -1 && dflt == 0)
		return -1;
	ep->port = port == -1 ? dflt : (uint16_t)port;
	addr_format(&ep->addr, host, sizeof(host));
	snprintf(ep->text, sizeof(ep->text),
	    ep->addr.family == ADDR_V6 ? "[%s]:%u" : "%s:%u", host, ep->port);
	return 0;
}

static const char *const section_names[] = {
	[SEC_PROXY] = "proxy", [SEC_ACL] = "acl", [SEC_ALLOW] = "allow",
	[SEC_LIST] = "list", [SEC_CACHE] = "cache", [SEC_DNS] = "dns",
	[SEC_LOG] = "log", [SEC_ADMIN] = "admin", [SEC_PAC] = "pac",
	[SEC_AUTH] = "auth",
};

const char *
config_section_name(enum section_kind kind)
{
	return section_names[kind];
}
