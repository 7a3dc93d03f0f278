/*
 * FindProxyForURL sends what the requesting client may reach through
 * pinhole to it, what [pac] direct names DIRECT (checked first), and
 * everything else as [pac] default says.  It never makes a browser
 * resolve a name: names are tested on the host string (==, dnsDomainIs,
 * shExpMatch for a '*' within a label), nets only when the host is an
 * IP literal (IPv4 through isInNet, IPv6 through a prefix test of its
 * own, as isInNet takes IPv4 only).  List entries go in up to [pac]
 * max_entries in all, so the file stays small; a resolve = yes rule's
 * names are not known here and follow the default.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <string.h>

#include "httpreply.h"
#include "log.h"
#include "pac.h"
#include "server.h"

struct pac {
	struct evbuffer	*names;
	struct evbuffer	*nets;		/* IPv4 */
	struct evbuffer	*nets6;
	const char	*ret;		/* what a match returns */
	size_t		 budget;	/* list entries still allowed */
	size_t		 left_out;
	int		 from_list;
};

/* The IPv6 prefix test: isInNet() takes IPv4 only. */
static const char pac_v6[] =
    "function pinholeV6(h) {\n"
    "\tvar p = h.split(\"::\"), a, b, g = [], i;\n"
    "\tif (h.indexOf(\".\") >= 0 || p.length > 2)\n\t\treturn null;\n"
    "\ta = p[0] ? p[0].split(\":\") : [];\n"
    "\tb = p.length == 2 && p[1] ? p[1].split(\":\") : [];\n"
    "\tif (p.length == 1 && a.length != 8)\n\t\treturn null;\n"
    "\tfor (i = 0; i < a.length; i++)\n\t\tg.push(parseInt(a[i], 16));\n"
    "\tfor (i = a.length + b.length; i < 8; i++)\n\t\tg.push(0);\n"
    "\tfor (i = 0; i < b.length; i++)\n\t\tg.push(parseInt(b[i], 16));\n"
    "\treturn g.length == 8 ? g : null;\n"
    "}\n"
    "function pinholeInNet6(h, net, bits) {\n"
    "\tvar a = pinholeV6(h), b = pinholeV6(net), i, m;\n"
    "\tif (a == null || b == null)\n\t\treturn false;\n"
    "\tfor (i = 0; i < 8 && bits > 0; i++, bits -= 16) {\n"
    "\t\tm = bits >= 16 ? 65535 : (65535 << (16 - bits)) & 65535;\n"
    "\t\tif ((a[i] & m) != (b[i] & m))\n\t\t\treturn false;\n"
    "\t}\n"
    "\treturn true;\n"
    "}\n";

static int
pac_take(struct pac *p)
{
	if (!p->from_list)
		return 1;
	if (p->budget == 0) {
		p->left_out++;
		return 0;
	}
	p->budget--;
	return 1;
}

/*
 * A glob ("*-files.a.com") through shExpMatch, whose '*' crosses dots.
 * Pinning the host's label count to the glob's makes it exact: every '.'
 * of the host must then meet a '.' of the glob, so no '*' can take one
 * and each stays within its label.  For "*.glob" the labels of the host
 * after the first ones are matched the same way.
 */
static void
add_glob(struct pac *p, const char *glob, uint8_t how)
{
	size_t labels = 1;

	for (const char *c = glob; *c != '\0'; c++)
		labels += *c == '.';
	if (how & NAME_EXACT)
		evbuffer_add_printf(p->names, "\tif (host.split(\".\").length "
		    "== %zu && shExpMatch(host, \"%s\"))\n\t\treturn %s;\n",
		    labels, glob, p->ret);
	if (how & NAME_WILD)
		evbuffer_add_printf(p->names, "\tif (host.split(\".\").length "
		    "> %zu && shExpMatch(host.split(\".\").slice(-%zu).join("
		    "\".\"), \"%s\"))\n\t\treturn %s;\n", labels, labels,
		    glob, p->ret);
}

static void
add_name(const char *name, uint8_t how, void *arg)
{
	struct pac *p = arg;

	if (!pac_take(p))
		return;
	if (how & NAME_GLOB)
		add_glob(p, name, how);
	else if (how & NAME_EXACT)
		evbuffer_add_printf(p->names, "\tif (host == \"%s\")\n"
		    "\t\treturn %s;\n", name, p->ret);
	if ((how & NAME_WILD) && !(how & NAME_GLOB))
		evbuffer_add_printf(p->names, "\tif (dnsDomainIs(host, "
		    "\".%s\"))\n\t\treturn %s;\n", name, p->ret);
}

static void
add_net(const struct cidr *c, void *arg)
{
	struct pac	*p = arg;
	char		 net[ADDR_STRLEN];
	uint32_t	 mask;

	if (!pac_take(p))
		return;
	addr_format(&c->net, net, sizeof(net));
	if (c->net.family == ADDR_V6) {
		evbuffer_add_printf(p->nets6, "\t\tif (pinholeInNet6(host, "
		    "\"%s\", %u))\n\t\t\treturn %s;\n", net, c->len, p->ret);
		return;
	}
	mask = c->len == 0 ? 0 : 0xffffffffu << (32 - c->len);
	evbuffer_add_printf(p->nets, "\t\tif (isInNet(host, \"%s\", "
	    "\"%u.%u.%u.%u\"))\n\t\t\treturn %s;\n", net, mask >> 24,
	    (mask >> 16) & 255, (mask >> 8) & 255, mask & 255, p->ret);
}

static int
rule_for_client(const struct acl_rule *r, const struct addr *client)
{
	return r->clients == NULL || cidrset_lookup(r->clients, client, NULL);
}

static uint16_t
local_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->
		    sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->
	    sin6_port);
}

/*
 * PROXY lines from [pac] proxies, else from the Host the client used.
 * The address the client reached is asked for here, not at accept: only
 * a PAC request needs it.
 */
static void
proxy_line(struct session *s, const struct http_head *req, char *buf,
    size_t size)
{
	const struct config	*c = server.conf;
	const struct http_field	*host = httphead_field(req, "host");
	struct sockaddr_storage	 local;
	socklen_t		 len = sizeof(local);
	size_t			 n = 0;

	memset(&local, 0, sizeof(local));
	if (getsockname(bufferevent_getfd(s->client), (struct sockaddr *)&local,
	    &len) == -1)
		local.ss_family = AF_INET;

	if (c->npac_proxies > 0) {
		for (size_t i = 0; i < c->npac_proxies && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%sPROXY %s",
			    i ? "; " : "", c->pac_proxies[i]);
		return;
	}
	if (host != NULL && host->vlen > 0 && host->vlen < 200 &&
	    strspn(host->value, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") >= host->vlen) {
		const char *colon = memrchr(host->value, ':', host->vlen);
		int has_port = colon != NULL && (host->value[0] != '[' ||
		    colon > (const char *)memchr(host->value, ']', host->vlen));
		if (has_port)
			snprintf(buf, size, "PROXY %.*s", (int)host->vlen,
			    host->value);
		else
			snprintf(buf, size, "PROXY %.*s:%u", (int)host->vlen,
			    host->value, local_port(&local));
		return;
	}
	{
		struct addr	 a;
		char		 ip[ADDR_STRLEN];
		uint16_t	 port;

		addr_from_sockaddr((struct sockaddr *)&local, &a);
		addr_format(&a, ip, sizeof(ip));
		port = local_port(&local);
		snprintf(buf, size, a.family == ADDR_V6 ? "PROXY [%s]:%u" :
		    "PROXY %s:%u", ip, port);
	}
}

/* The entries of every rule this client may use. */
static void
pac_rules(struct pac *p, const struct acl *acl, const struct addr *client)
{
	for (size_t i = 0; i < acl->policy->nrules; i++) {
		const struct acl_rule *r = &acl->policy->rules[i];

		if (client != NULL && !rule_for_client(r, client))
			continue;
		p->from_list = 0;
		nameset_foreach(r->own->names, add_name, p);
		cidrset_foreach(r->own->nets, add_net, p);
		p->from_list = 1;
		for (size_t l = 0; l < r->nlists; l++) {
			const struct entries *e = acl->lists[r->lists[l]];

			if (e == NULL)
				continue;
			nameset_foreach(e->names, add_name, p);
			cidrset_foreach(e->nets, add_net, p);
		}
	}
}

static void
pac_direct(struct pac *p, const struct config *c)
{
	if (c->pac_direct == NULL)
		return;
	p->ret = "\"DIRECT\"";
	p->from_list = 0;
	nameset_foreach(c->pac_direct->names, add_name, p);
	cidrset_foreach(c->pac_direct->nets, add_net, p);
}

static void
pac_free(struct pac *p)
{
	if (p->names != NULL)
		evbuffer_free(p->names);
	if (p->nets != NULL)
		evbuffer_free(p->nets);
	if (p->nets6 != NULL)
		evbuffer_free(p->nets6);
}

static int
pac_init(struct pac *p, const struct config *c)
{
	memset(p, 0, sizeof(*p));
	p->names = evbuffer_new();
	p->nets = evbuffer_new();
	p->nets6 = evbuffer_new();
	p->budget = c->pac_max_entries;
	return p->names == NULL || p->nets == NULL || p->nets6 == NULL ?
	    -1 : 0;
}

/*
 * At start and at each reload: the list entries the PAC leaves out
 * (counted for a client that may use every rule) are said once.
 */
void
pac_check(const struct acl *acl)
{
	const struct config	*c = server.conf;
	struct pac		 p;

	if (pac_init(&p, c) == 0) {
		p.ret = "proxy";
		pac_rules(&p, acl, NULL);
		if (p.left_out > 0)
			log_warn("pac: %zu list entries are past [pac] "
			    "max_entries = %llu: the PAC file leaves them out, "
			    "and sends them %s", p.left_out,
			    (unsigned long long)c->pac_max_entries,
			    c->pac_default_proxy ? "to the proxy (default = "
			    "proxy)" : "DIRECT (default = direct)");
	}
	pac_free(&p);
}

/* Writes the PAC response; -1 when memory ran out. */
int
pac_respond(struct session *s, const struct http_head *req, int head_only)
{
	const struct config	*c = server.conf;
	struct acl		*acl = acl_current();
	struct pac		 p;
	struct evbuffer		*out = evbuffer_new();
	const char		*otherwise;
	char			 proxy[512];
	size_t			 len;
	int			 rc = -1;

	if (pac_init(&p, c) == -1 || out == NULL)
		goto done;
	proxy_line(s, req, proxy, sizeof(proxy));
	otherwise = c->pac_default_proxy ? "proxy" : "\"DIRECT\"";
	pac_direct(&p, c);
	p.ret = "proxy";
	pac_rules(&p, acl, &s->client_addr);
	evbuffer_add_printf(out, "// pinhole: what this client may reach "
	    "through the proxy.\n");
	if (p.left_out > 0)
		evbuffer_add_printf(out, "// %zu list entries are left out "
		    "([pac] max_entries = %llu); they go %s.\n", p.left_out,
		    (unsigned long long)c->pac_max_entries,
		    c->pac_default_proxy ? "to the proxy" : "DIRECT");
	if (evbuffer_get_length(p.nets6) > 0)
		evbuffer_add(out, pac_v6, sizeof(pac_v6) - 1);
	evbuffer_add_printf(out, "function FindProxyForURL(url, host) {\n"
	    "\tvar proxy = \"%s\";\n"
	    "\thost = host.toLowerCase().replace(/\\.$/, \"\")"
	    ".replace(/^\\[|\\]$/g, \"\");\n"
	    "\tif (/^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$/.test(host)) {\n",
	    proxy);
	evbuffer_add_buffer(out, p.nets);
	evbuffer_add_printf(out, "\t\treturn %s;\n\t}\n"
	    "\tif (host.indexOf(\":\") >= 0) {\n", otherwise);
	evbuffer_add_buffer(out, p.nets6);
	evbuffer_add_printf(out, "\t\treturn %s;\n\t}\n", otherwise);
	evbuffer_add_buffer(out, p.names);
	evbuffer_add_printf(out, "\treturn %s;\n}\n", otherwise);
	len = evbuffer_get_length(out);
	http_respond(s, 200, "application/x-ns-proxy-autoconfig",
	    (const char *)evbuffer_pullup(out, -1), len, head_only);
	rc = 0;
done:
	pac_free(&p);
	if (out != NULL)
		evbuffer_free(out);
	return rc;
}
