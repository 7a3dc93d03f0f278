/*
 * The second pass of config loading: the table of every key, its type
 * and bounds, and the functions that parse and store the values.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confparse.h"
#include "jsonpath.h"
#include "log.h"
#include "name.h"
#include "resolve.h"
#include "throttle.h"
#include "value.h"

/* [proxy] clients when the file gives none: internal addresses. */
static const char *const default_clients =
    "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8, ::1, fc00::/7";

/* A path as written, or relative to the config file's folder. */
static int
set_path(struct parse *p, const char *v, char **out)
{
	size_t	 len;

	free(*out);
	*out = NULL;
	if (*v == '\0')
		return 0;
	if (*v == '/' || p->dir == NULL) {
		*out = strdup(v);
	} else {
		len = strlen(p->dir) + strlen(v) + 2;
		if ((*out = malloc(len)) != NULL)
			snprintf(*out, len, "%s/%s", p->dir, v);
	}
	if (*out == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

static int
set_string(struct parse *p, const char *v, char **out)
{
	free(*out);
	*out = NULL;
	if (*v != '\0' && (*out = strdup(v)) == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

/* Calls fn for each comma or space separated token of v. */
static int
each_token(struct parse *p, const char *key, const char *v,
    int (*fn)(struct parse *, const char *, void *), void *arg)
{
	char	*copy, **tokens;
	int	 n, rc = 0;

	if ((copy = strdup(v)) == NULL ||
	    (tokens = calloc(strlen(v) / 2 + 1, sizeof(*tokens))) == NULL) {
		free(copy);
		config_error(p, p->line, "out of memory");
		return -1;
	}
	n = value_split(copy, tokens, strlen(v) / 2 + 1);
	if (n == -1) {
		config_error(p, p->line, "%s: empty item in the list", key);
		rc = -1;
	}
	for (int i = 0; rc == 0 && i < n; i++)
		rc = fn(p, tokens[i], arg);
	free(tokens);
	free(copy);
	return rc;
}

static int
add_endpoint(struct parse *p, const char *tok, void *arg)
{
	struct config	*c = p->conf;
	struct endpoint	 ep, *eps;
	int		 dns = arg != NULL;

	if (config_parse_endpoint(tok, dns ? 53 : 0, &ep) == -1) {
		config_error(p, p->line, dns ?
		    "servers: \"%s\" is not an IP address with an optional "
		    ":port" : "listen: \"%s\" is not IP:PORT ([IPv6]:PORT)",
		    tok);
		return -1;
	}
	eps = realloc(dns ? c->dns_servers : c->listen,
	    ((dns ? c->ndns_servers : c->nlisten) + 1) * sizeof(*eps));
	if (eps == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	if (dns) {
		c->dns_servers = eps;
		eps[c->ndns_servers++] = ep;
	} else {
		c->listen = eps;
		eps[c->nlisten++] = ep;
	}
	return 0;
}

static int
add_cidr(struct parse *p, const char *tok, void *arg)
{
	struct cidrset	*set = arg;
	struct cidr	 c;
	int		 host_bits;
	char		 buf[CIDR_STRLEN];

	if (cidr_parse(tok, &c, &host_bits) == -1) {
		config_error(p, p->line, "%s: \"%s\" is not an IP address or "
		    "CIDR", p->key, tok);
		return -1;
	}
	if (host_bits) {
		cidr_format(&c, buf, sizeof(buf));
		config_error(p, p->line, "%s: \"%s\" has host bits set (the "
		    "network is %s)", p->key, tok, buf);
		return -1;
	}
	if (cidrset_add(set, &c) == -1) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

/* A fresh set filled from v; an empty value gives an empty set. */
static int
set_cidrs(struct parse *p, const char *key, const char *v,
    struct cidrset **out)
{
	cidrset_free(*out);
	if ((*out = cidrset_new()) == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return each_token(p, key, v, add_cidr, *out);
}

/*
 * Host and port (or "") of a URL ("https://user@host:port/path?q"):
 * what an admin who pasted a URL into hosts meant.
 */
static void
url_parts(const char *tok, char *host, size_t hsize, char *port,
    size_t psize)
{
	const char	*s = strstr(tok, "://") + 3, *at, *end, *colon;
	size_t		 n = strcspn(s, "/?#");

	if ((at = memchr(s, '@', n)) != NULL) {
		n -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	end = s + n;
	if (*s == '[' && (colon = memchr(s, ']', n)) != NULL)
		colon++;
	else
		colon = memchr(s, ':', n);
	if (colon == NULL || *colon != ':')
		colon = end;
	snprintf(host, hsize, "%.*s", (int)(colon - s > 253 ? 253 :
	    colon - s), s);
	snprintf(port, psize, "%.*s", (int)(colon < end && end - colon - 1 < 8 ?
	    end - colon - 1 : 0), colon + 1);
}

/* An address, [an IPv6 address], or something that tries to be one. */
static int
is_address(const char *s)
{
	struct addr	 a;
	size_t		 n = strlen(s);
	char		 buf[ADDR_STRLEN + 2];

	if (s[0] == '[' && n > 2 && s[n - 1] == ']' && n - 2 < sizeof(buf)) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 2), s + 1);
		s = buf;
		n -= 2;
	}
	return addr_parse(s, &a) == 0 || addr_is_v4_attempt(s, n);
}

/*
 * A hosts token that is a URL or a name with a port: say what is wrong
 * and what to write instead.  0 when tok is neither.
 */
static int
host_not_pattern(struct parse *p, const char *tok)
{
	const char	*colon = strrchr(tok, ':');
	char		 host[256], port[16];

	if (strstr(tok, "://") != NULL) {
		url_parts(tok, host, sizeof(host), port, sizeof(port));
		config_error(p, p->line, is_address(host) ? "hosts: \"%s\" is "
		    "a URL, not a name pattern: its host %s is an address, "
		    "it goes in nets%s%s%s" : "hosts: \"%s\" is a URL, not a "
		    "name pattern: write its host alone (%s)%s%s%s", tok, host,
		    port[0] ? ", and the port (" : "", port, port[0] ?
		    ") in ports" : "");
		return -1;
	}
	/* name:port, [v6]:port or v4:port; a bare IPv6 address is not. */
	if (colon == NULL || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    (tok[0] != '[' && memchr(tok, ':', (size_t)(colon - tok)) != NULL))
		return 0;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - tok > 253 ? 253 :
	    colon - tok), tok);
	if (is_address(host))
		config_error(p, p->line, "hosts: \"%s\" is an address with a "
		    "port: the address goes in nets, the port (%s) in ports",
		    tok, colon + 1);
	else
		config_error(p, p->line, "hosts: \"%s\" has a port: write "
		    "the name alone (%s) and the port (%s) in ports", tok, host,
		    colon + 1);
	return -1;
}

static int
add_host(struct parse *p, const char *tok, void *arg)
{
	struct acl_rule	*r = arg;
	struct cidr	 c;
	char		 base[NAME_MAX_LEN + 1];
	uint8_t		 how;
	int		 len, host_bits;

	if (host_not_pattern(p, tok) == -1)
		return -1;
	if (is_address(tok) || cidr_parse(tok, &c, &host_bits) == 0) {
		config_error(p, p->line, "hosts: \"%s\" is an address; "
		    "addresses go in nets", tok);
		return -1;
	}
	if ((len = name_parse_pattern(tok, base, &how)) == -1) {
		config_error(p, p->line, "hosts: \"%s\" is not a name or a "
		    "pattern (name, *.name or .name)", tok);
		return -1;
	}
	if (name_too_broad(base, (size_t)len, how)) {
		config_error(p, p->line, "hosts: \"%s\" is as broad as a "
		    "public suffix; name the vendor's domain below it", tok);
		return -1;
	}
	if (entries_add_pattern(r->own, base, (size_t)len, how) == -1) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

static int
add_port(struct parse *p, const char *tok, void *arg)
{
	struct acl_rule *r = arg;

	if (portset_add(&r->ports, tok) == -1) {
		config_error(p, p->line, "ports: \"%s\" is not a port (1-65535) "
		    "or a range of ports", tok);
		return -1;
	}
	return 0;
}

static int
add_udp_port(struct parse *p, const char *tok, void *arg)
{
	struct acl_rule *r = arg;

	if (portset_add(&r->udp_ports, tok) == -1) {
		config_error(p, p->line, "udp_ports: \"%s\" is not a port "
		    "(1-65535) or a range of ports", tok);
		return -1;
	}
	return 0;
}

static int
add_list_ref(struct parse *p, const char *tok, void *arg)
{
	struct list_ref	*refs;

	(void)arg;
	if (!config_name_ok(tok)) {
		config_error(p, p->line, "lists: \"%s\" is not a list name", tok);
		return -1;
	}
	if ((refs = realloc(p->refs, (p->nrefs + 1) * sizeof(*refs))) == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	p->refs = refs;
	refs[p->nrefs].rule = (size_t)(p->rule - p->conf->policy->rules);
	refs[p->nrefs].line = p->line;
	if ((refs[p->nrefs].name = strdup(tok)) == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	p->nrefs++;
	return 0;
}

static int
add_user(struct parse *p, const char *tok, void *arg)
{
	if (policy_rule_add_user(arg, tok) == -1) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

static int
add_pac_proxy(struct parse *p, const char *tok, void *arg)
{
	struct config	 *c = p->conf;
	char		**v;
	const char	 *colon = strrchr(tok, ':');
	uint64_t	  port;

	(void)arg;
	if (colon == NULL || colon == tok ||
	    value_uint(colon + 1, 1, 65535, &port) == -1) {
		config_error(p, p->line, "proxies: \"%s\" is not HOST:PORT", tok);
		return -1;
	}
	if ((v = realloc(c->pac_proxies, (c->npac_proxies + 1) *
	    sizeof(*v))) == NULL || (v[c->npac_proxies] = strdup(tok)) == NULL) {
		if (v != NULL)
			c->pac_proxies = v;
		config_error(p, p->line, "out of memory");
		return -1;
	}
	c->pac_proxies = v;
	c->npac_proxies++;
	return 0;
}

enum key_type {
	K_BOOL, K_UINT, K_DURATION, K_SIZE, K_PERCENT, K_PATH, K_STRING, K_FUNC
};

typedef int (*key_fn)(struct parse *, const char *);

struct key {
	enum section_kind	 kind;
	const char		*name;
	enum key_type		 type;
	size_t			 off;	/* into the section's struct */
	uint64_t		 min, max;
	key_fn			 fn;	/* K_FUNC */
};

static int
k_listen(struct parse *p, const char *v)
{
	free(p->conf->listen);
	p->conf->listen = NULL;
	p->conf->nlisten = 0;
	if (*v == '\0') {
		config_error(p, p->line, "listen: at least one address is "
		    "needed");
		return -1;
	}
	return each_token(p, "listen", v, add_endpoint, NULL);
}

static int
k_clients(struct parse *p, const char *v)
{
	if (*v == '\0') {
		config_error(p, p->line, "clients: at least one CIDR is needed");
		return -1;
	}
	return set_cidrs(p, "clients", v, &p->conf->policy->clients);
}

static int
k_workers(struct parse *p, const char *v)
{
	if (strcmp(v, "auto") == 0) {
		p->conf->workers = 0;
		return 0;
	}
	if (value_uint(v, 1, 64, &p->conf->workers) == -1) {
		config_error(p, p->line, "workers: \"%s\" is not auto or a "
		    "number from 1 to 64", v);
		return -1;
	}
	return 0;
}

static int
k_proxy_from(struct parse *p, const char *v)
{
	return set_cidrs(p, "proxy_protocol_from", v,
	    &p->conf->proxy_protocol_from);
}

static int
k_deny(struct parse *p, const char *v)
{
	return set_cidrs(p, "deny", v, &p->conf->policy->deny);
}

static int
set_sni_check(struct parse *p, const char *v, int *out)
{
	if (strcmp(v, "off") == 0)
		*out = SNI_CHECK_OFF;
	else if (strcmp(v, "log") == 0)
		*out = SNI_CHECK_LOG;
	else if (strcmp(v, "enforce") == 0)
		*out = SNI_CHECK_ENFORCE;
	else {
		config_error(p, p->line, "sni_check: \"%s\" is not off, log "
		    "or enforce", v);
		return -1;
	}
	return 0;
}

static int
k_sni_check(struct parse *p, const char *v)
{
	return set_sni_check(p, v, &p->conf->policy->sni_check);
}

static int
k_rule_sni_check(struct parse *p, const char *v)
{
	return set_sni_check(p, v, &p->rule->sni_check);
}

static int
set_mode(struct parse *p, const char *v, int *report)
{
	if (strcmp(v, "enforce") == 0)
		*report = 0;
	else if (strcmp(v, "report") == 0)
		*report = 1;
	else {
		config_error(p, p->line, "mode: \"%s\" is not enforce or "
		    "report", v);
		return -1;
	}
	return 0;
}

static int
k_mode(struct parse *p, const char *v)
{
	return set_mode(p, v, &p->conf->policy->report);
}

static int
k_rule_mode(struct parse *p, const char *v)
{
	return set_mode(p, v, &p->rule->report);
}

static int
k_hosts(struct parse *p, const char *v)
{
	return each_token(p, "hosts", v, add_host, p->rule);
}

static int
k_nets(struct parse *p, const char *v)
{
	return each_token(p, "nets", v, add_cidr, p->rule->own->nets);
}

static int
k_lists(struct parse *p, const char *v)
{
	return each_token(p, "lists", v, add_list_ref, NULL);
}

static int
k_ports(struct parse *p, const char *v)
{
	return each_token(p, "ports", v, add_port, p->rule);
}

static int
k_udp_ports(struct parse *p, const char *v)
{
	return each_token(p, "udp_ports", v, add_udp_port, p->rule);
}

static int
k_rule_clients(struct parse *p, const char *v)
{
	if (*v == '\0') {
		cidrset_free(p->rule->clients);
		p->rule->clients = NULL;
		return 0;
	}
	return set_cidrs(p, "clients", v, &p->rule->clients);
}

static int
k_users(struct parse *p, const char *v)
{
	if (p->users_line == 0 && *v != '\0')
		p->users_line = p->line;
	return each_token(p, "users", v, add_user, p->rule);
}

static int
k_url(struct parse *p, const char *v)
{
	const char *host;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else {
		config_error(p, p->line, "url: \"%s\" is not an https:// or "
		    "http:// URL", v);
		return -1;
	}
	if (*host == '\0' || *host == '/' || strpbrk(v, " \t") != NULL) {
		config_error(p, p->line, "url: \"%s\" has no host", v);
		return -1;
	}
	p->list->url_line = p->line;
	return set_string(p, v, &p->list->url);
}

static int
k_file(struct parse *p, const char *v)
{
	if (*v == '\0') {
		config_error(p, p->line, "file: a path is needed");
		return -1;
	}
	return set_path(p, v, &p->list->file);
}

static int
k_format(struct parse *p, const char *v)
{
	static const char *const names[] = { "text", "auto", "json" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(v, names[i]) == 0) {
			p->list->format = (enum list_format)i;
			return 0;
		}
	}
	config_error(p, p->line, "format: \"%s\" is not text, auto or json", v);
	return -1;
}

static int
k_json_path(struct parse *p, const char *v)
{
	char	 err[256];

	if (*v != '\0' && jsonpath_compile(v, NULL, err, sizeof(err)) == -1) {
		config_error(p, p->line, "json_path: %s", err);
		return -1;
	}
	return set_string(p, v, &p->list->json_path);
}

static int
k_sha256(struct parse *p, const char *v)
{
	p->list->has_sha256 = 0;
	if (*v == '\0')
		return 0;
	if (value_hex(v, p->list->sha256, 32) == -1) {
		config_error(p, p->line, "sha256: expected 64 hex digits");
		return -1;
	}
	p->list->has_sha256 = 1;
	return 0;
}

/*
 * Ranges enough to bound any vendor; each entry of a list is checked
 * against each range, so their number is kept small.
 */
#define WITHIN_MAX	256

static int
add_within(struct parse *p, const char *tok, void *arg)
{
	struct list_conf	*l = p->list;
	struct cidr		 c, *w;
	int			 host_bits;
	char			 buf[CIDR_STRLEN];

	(void)arg;
	if (cidr_parse(tok, &c, &host_bits) == -1) {
		config_error(p, p->line, "within: \"%s\" is not an IP address "
		    "or CIDR", tok);
		return -1;
	}
	if (host_bits) {
		cidr_format(&c, buf, sizeof(buf));
		config_error(p, p->line, "within: \"%s\" has host bits set "
		    "(the network is %s)", tok, buf);
		return -1;
	}
	if (l->nwithin >= WITHIN_MAX) {
		config_error(p, p->line, "within: more than %d ranges",
		    WITHIN_MAX);
		return -1;
	}
	if ((w = reallocarray(l->within, l->nwithin + 1, sizeof(*w))) ==
	    NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	l->within = w;
	l->within[l->nwithin++] = c;
	return 0;
}

/* within = CIDRs: a list's entries must lie inside them; empty: none. */
static int
k_within(struct parse *p, const char *v)
{
	free(p->list->within);
	p->list->within = NULL;
	p->list->nwithin = 0;
	return each_token(p, "within", v, add_within, NULL);
}

static int
k_servers(struct parse *p, const char *v)
{
	static int dns_marker;

	free(p->conf->dns_servers);
	p->conf->dns_servers = NULL;
	p->conf->ndns_servers = 0;
	return each_token(p, "servers", v, add_endpoint, &dns_marker);
}

/* A path, or one of the words in the NULL-terminated list words. */
static int
path_or_word(struct parse *p, const char *v, const char *const *words,
    char **out)
{
	for (; *words != NULL; words++)
		if (strcmp(v, *words) == 0)
			return set_string(p, v, out);
	return set_path(p, v, out);
}

static int
k_access(struct parse *p, const char *v)
{
	static const char *const words[] = { "syslog", "stderr", "off", NULL };

	if (*v == '\0') {
		config_error(p, p->line, "access: give a path, syslog, stderr "
		    "or off");
		return -1;
	}
	return path_or_word(p, v, words, &p->conf->access);
}

static int
k_events(struct parse *p, const char *v)
{
	static const char *const words[] = { "syslog", "stderr", NULL };

	if (*v == '\0') {
		config_error(p, p->line, "events: give stderr, syslog or a path");
		return -1;
	}
	return path_or_word(p, v, words, &p->conf->events);
}

static int
k_pcap(struct parse *p, const char *v)
{
	if (strcmp(v, "off") == 0)
		v = "";
	return set_path(p, v, &p->conf->pcap);
}

static int
k_snaplen(struct parse *p, const char *v)
{
	if (strcmp(v, "unlimited") == 0) {
		p->conf->pcap_snaplen = CONFIG_SNAPLEN_ALL;
		return 0;
	}
	if (value_uint(v, 0, 262144, &p->conf->pcap_snaplen) == -1) {
		config_error(p, p->line, "pcap_snaplen: \"%s\" is not unlimited "
		    "or a number from 0 to 262144", v);
		return -1;
	}
	return 0;
}

static int
k_level(struct parse *p, const char *v)
{
	enum log_level level;

	if (log_parse_level(v, &level) == -1) {
		config_error(p, p->line, "level: \"%s\" is not error, warn, "
		    "info or debug", v);
		return -1;
	}
	p->conf->log_level = (int)level;
	return 0;
}

static int
k_admin_listen(struct parse *p, const char *v)
{
	struct config *c = p->conf;

	free(c->admin_listen);
	c->admin_listen = NULL;
	if (*v == '\0')
		return 0;
	if ((c->admin_listen = malloc(sizeof(*c->admin_listen))) == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	if (config_parse_endpoint(v, 0, c->admin_listen) == -1) {
		config_error(p, p->line, "listen: \"%s\" is not IP:PORT "
		    "([IPv6]:PORT)", v);
		return -1;
	}
	return 0;
}

static int
k_admin_allow(struct parse *p, const char *v)
{
	return set_cidrs(p, "allow", v, &p->conf->admin_allow);
}

static int
k_pac_default(struct parse *p, const char *v)
{
	if (strcmp(v, "direct") == 0 || strcmp(v, "proxy") == 0) {
		p->conf->pac_default_proxy = v[0] == 'p';
		return 0;
	}
	config_error(p, p->line, "default: \"%s\" is not direct or proxy", v);
	return -1;
}

/* An address, CIDR, name or pattern the PAC sends DIRECT. */
static int
add_pac_direct(struct parse *p, const char *tok, void *arg)
{
	struct entries	*e = arg;
	char		 base[NAME_MAX_LEN + 1];
	struct cidr	 c;
	uint8_t		 how;
	int		 len;

	if (cidr_parse(tok, &c, NULL) == 0 || strchr(tok, ':') != NULL ||
	    addr_is_v4_attempt(tok, strlen(tok)))
		return add_cidr(p, tok, e->nets);
	if ((len = name_parse_pattern(tok, base, &how)) == -1) {
		config_error(p, p->line, "direct: \"%s\" is not a CIDR, a name "
		    "or a pattern", tok);
		return -1;
	}
	if (entries_add_pattern(e, base, (size_t)len, how) == -1) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

static int
k_pac_direct(struct parse *p, const char *v)
{
	entries_unref(p->conf->pac_direct);
	if ((p->conf->pac_direct = entries_new()) == NULL) {
		config_error(p, p->line, "out of memory");
		return -1;
	}
	return each_token(p, "direct", v, add_pac_direct, p->conf->pac_direct);
}

static int
k_proxies(struct parse *p, const char *v)
{
	struct config *c = p->conf;

	for (size_t i = 0; i < c->npac_proxies; i++)
		free(c->pac_proxies[i]);
	free(c->pac_proxies);
	c->pac_proxies = NULL;
	c->npac_proxies = 0;
	return each_token(p, "proxies", v, add_pac_proxy, NULL);
}

#define C(f)	offsetof(struct config, f)
#define L(f)	offsetof(struct list_conf, f)
#define R(f)	offsetof(struct acl_rule, f)

static const struct key keys[] = {
	{ SEC_PROXY, "listen", K_FUNC, 0, 0, 0, k_listen },
	{ SEC_PROXY, "clients", K_FUNC, 0, 0, 0, k_clients },
	{ SEC_PROXY, "max_connections", K_UINT, C(max_connections), 1,
	    1000000, NULL },
	{ SEC_PROXY, "max_connections_per_client", K_UINT,
	    C(max_connections_per_client), 1, 1000000, NULL },
	{ SEC_PROXY, "handshake_timeout", K_DURATION, C(handshake_timeout_ms),
	    100, MS_H, NULL },
	{ SEC_PROXY, "max_header_bytes", K_SIZE, C(max_header_bytes), 1024,
	    1024 * 1024, NULL },
	{ SEC_PROXY, "connect_timeout", K_DURATION, C(connect_timeout_ms),
	    100, 10 * MS_M, NULL },
	{ SEC_PROXY, "idle_timeout", K_DURATION, C(idle_timeout_ms), MS_S,
	    30 * MS_D, NULL },
	{ SEC_PROXY, "shutdown_grace", K_DURATION, C(shutdown_grace_ms), 0,
	    MS_H, NULL },
	{ SEC_PROXY, "workers", K_FUNC, 0, 0, 0, k_workers },
	{ SEC_PROXY, "user", K_STRING, C(user), 0, 0, NULL },
	{ SEC_PROXY, "proxy_protocol", K_BOOL, C(proxy_protocol), 0, 0, NULL },
	{ SEC_PROXY, "proxy_protocol_from", K_FUNC, 0, 0, 0, k_proxy_from },
	{ SEC_PROXY, "sandbox", K_BOOL, C(sandbox), 0, 0, NULL },
	{ SEC_PROXY, "udp_idle_timeout", K_DURATION, C(udp_idle_timeout_ms),
	    MS_S, MS_D, NULL },
	{ SEC_PROXY, "udp_max_associations_per_client", K_UINT,
	    C(udp_max_associations_per_client), 1, 100000, NULL },
	{ SEC_PROXY, "udp_max_destinations", K_UINT, C(udp_max_destinations),
	    1, 4096, NULL },
	{ SEC_PROXY, "udp_max_datagrams_per_second", K_UINT,
	    C(udp_max_datagrams_per_second), 1, 10000000, NULL },

	{ SEC_ACL, "deny_private", K_BOOL, C(deny_private), 0, 0, NULL },
	{ SEC_ACL, "deny", K_FUNC, 0, 0, 0, k_deny },
	{ SEC_ACL, "revoke_on_reload", K_BOOL, C(revoke_on_reload), 0, 0,
	    NULL },
	{ SEC_ACL, "sni_check", K_FUNC, 0, 0, 0, k_sni_check },
	{ SEC_ACL, "mode", K_FUNC, 0, 0, 0, k_mode },

	{ SEC_ALLOW, "hosts", K_FUNC, 0, 0, 0, k_hosts },
	{ SEC_ALLOW, "nets", K_FUNC, 0, 0, 0, k_nets },
	{ SEC_ALLOW, "lists", K_FUNC, 0, 0, 0, k_lists },
	{ SEC_ALLOW, "ports", K_FUNC, 0, 0, 0, k_ports },
	{ SEC_ALLOW, "udp_ports", K_FUNC, 0, 0, 0, k_udp_ports },
	{ SEC_ALLOW, "clients", K_FUNC, 0, 0, 0, k_rule_clients },
	{ SEC_ALLOW, "users", K_FUNC, 0, 0, 0, k_users },
	{ SEC_ALLOW, "resolve", K_BOOL, R(resolve), 0, 0, NULL },
	{ SEC_ALLOW, "allow_private", K_BOOL, R(allow_private), 0, 0, NULL },
	{ SEC_ALLOW, "sni_check", K_FUNC, 0, 0, 0, k_rule_sni_check },
	{ SEC_ALLOW, "mode", K_FUNC, 0, 0, 0, k_rule_mode },

	{ SEC_LIST, "url", K_FUNC, 0, 0, 0, k_url },
	{ SEC_LIST, "file", K_FUNC, 0, 0, 0, k_file },
	{ SEC_LIST, "format", K_FUNC, 0, 0, 0, k_format },
	{ SEC_LIST, "json_path", K_FUNC, 0, 0, 0, k_json_path },
	{ SEC_LIST, "refresh", K_DURATION, L(refresh_ms), MS_S, 30 * MS_D,
	    NULL },
	{ SEC_LIST, "timeout", K_DURATION, L(timeout_ms), MS_S, MS_H, NULL },
	{ SEC_LIST, "max_bytes", K_SIZE, L(max_bytes), 1024,
	    1024ULL * 1024 * 1024, NULL },
	{ SEC_LIST, "max_entries", K_UINT, L(max_entries), 1, 10000000, NULL },
	{ SEC_LIST, "min_prefix_v4", K_UINT, L(min_prefix_v4), 0, 32, NULL },
	{ SEC_LIST, "min_prefix_v6", K_UINT, L(min_prefix_v6), 0, 128, NULL },
	{ SEC_LIST, "max_shrink", K_PERCENT, L(max_shrink), 0, 100, NULL },
	{ SEC_LIST, "allow_empty", K_BOOL, L(allow_empty), 0, 0, NULL },
	{ SEC_LIST, "allow_http", K_BOOL, L(allow_http), 0, 0, NULL },
	{ SEC_LIST, "fetch_private", K_BOOL, L(fetch_private), 0, 0, NULL },
	{ SEC_LIST, "ca_file", K_PATH, L(ca_file), 0, 0, NULL },
	{ SEC_LIST, "sha256", K_FUNC, 0, 0, 0, k_sha256 },
	{ SEC_LIST, "within", K_FUNC, 0, 0, 0, k_within },

	{ SEC_CACHE, "dir", K_PATH, C(cache_dir), 0, 0, NULL },

	{ SEC_DNS, "servers", K_FUNC, 0, 0, 0, k_servers },
	{ SEC_DNS, "hosts_file", K_PATH, C(hosts_file), 0, 0, NULL },
	{ SEC_DNS, "min_ttl", K_DURATION, C(min_ttl_ms), 0, MS_D, NULL },
	{ SEC_DNS, "max_ttl", K_DURATION, C(max_ttl_ms), MS_S, 7 * MS_D,
	    NULL },
	{ SEC_DNS, "timeout", K_DURATION, C(dns_timeout_ms), 500, MS_M,
	    NULL },
	{ SEC_DNS, "max_lookups_per_client", K_UINT,
	    C(max_lookups_per_client), 1, RESOLVE_MAX_INFLIGHT, NULL },

	{ SEC_LOG, "access", K_FUNC, 0, 0, 0, k_access },
	{ SEC_LOG, "pcap", K_FUNC, 0, 0, 0, k_pcap },
	{ SEC_LOG, "pcap_snaplen", K_FUNC, 0, 0, 0, k_snaplen },
	{ SEC_LOG, "pcap_rotate_mb", K_UINT, C(pcap_rotate_mb), 0, 1048576,
	    NULL },
	{ SEC_LOG, "pcap_keep", K_UINT, C(pcap_keep), 0, 1000, NULL },
	{ SEC_LOG, "level", K_FUNC, 0, 0, 0, k_level },
	{ SEC_LOG, "events", K_FUNC, 0, 0, 0, k_events },
	{ SEC_LOG, "http_query", K_BOOL, C(http_query), 0, 0, NULL },

	{ SEC_ADMIN, "listen", K_FUNC, 0, 0, 0, k_admin_listen },
	{ SEC_ADMIN, "allow", K_FUNC, 0, 0, 0, k_admin_allow },

	{ SEC_PAC, "proxies", K_FUNC, 0, 0, 0, k_proxies },
	{ SEC_PAC, "max_entries", K_UINT, C(pac_max_entries), 0, 10000, NULL },
	{ SEC_PAC, "default", K_FUNC, 0, 0, 0, k_pac_default },
	{ SEC_PAC, "direct", K_FUNC, 0, 0, 0, k_pac_direct },

	{ SEC_AUTH, "users_file", K_PATH, C(users_file), 0, 0, NULL },
	{ SEC_AUTH, "throttle_prefix_v6", K_UINT, C(throttle_prefix_v6), 32, 128,
	    NULL },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static void
bounds_text(const struct key *k, char *buf, size_t size)
{
	char lo[32], hi[32];

	switch (k->type) {
	case K_DURATION:
		value_format_duration(k->min, lo, sizeof(lo));
		value_format_duration(k->max, hi, sizeof(hi));
		snprintf(buf, size, "a duration (ms, s, m, h, d) from %s to %s",
		    lo, hi);
		break;
	case K_SIZE:
		snprintf(buf, size, "a size (bytes, or with k or m) from %llu "
		    "to %llu bytes", (unsigned long long)k->min,
		    (unsigned long long)k->max);
		break;
	case K_PERCENT:
		snprintf(buf, size, "a percentage from 0%% to 100%%");
		break;
	case K_BOOL:
		snprintf(buf, size, "yes or no");
		break;
	default:
		snprintf(buf, size, "a number from %llu to %llu",
		    (unsigned long long)k->min, (unsigned long long)k->max);
		break;
	}
}

static int
apply_key(struct parse *p, const struct key *k, const char *v)
{
	char	*base;
	int	 rc = 0;
	char	 expect[128];

	if (p->kind == SEC_ALLOW)
		base = (char *)p->rule;
	else if (p->kind == SEC_LIST)
		base = (char *)p->list;
	else
		base = (char *)p->conf;
	switch (k->type) {
	case K_BOOL:
		rc = value_bool(v, (int *)(base + k->off));
		break;
	case K_UINT:
		rc = value_uint(v, k->min, k->max, (uint64_t *)(base + k->off));
		break;
	case K_DURATION:
		rc = value_duration(v, k->min, k->max,
		    (uint64_t *)(base + k->off));
		break;
	case K_SIZE:
		rc = value_size(v, k->min, k->max, (uint64_t *)(base + k->off));
		break;
	case K_PERCENT:
		rc = value_percent(v, (unsigned *)(base + k->off));
		break;
	case K_PATH:
		return set_path(p, v, (char **)(base + k->off));
	case K_STRING:
		return set_string(p, v, (char **)(base + k->off));
	case K_FUNC:
		return k->fn(p, v);
	}
	if (rc == -1) {
		bounds_text(k, expect, sizeof(expect));
		config_error(p, p->line, "%s: \"%s\" is not %s", k->name, v,
		    expect);
	}
	return rc;
}

/* Applies key = value in the current section; each key at most once. */
int
confkey_apply(struct parse *p, const char *key, const char *value)
{
	_Static_assert(NKEYS <= CONFKEY_MAX, "CONFKEY_MAX is too small");

	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].kind != p->kind || strcmp(keys[i].name, key))
			continue;
		if (p->keys_seen[i]++) {
			config_error(p, p->line, "%s appears twice in this "
			    "section", key);
			return -1;
		}
		p->key = key;
		p->key_lines[i] = p->line;
		return apply_key(p, &keys[i], value);
	}
	config_error(p, p->line, "unknown key %s in [%s]", key,
	    config_section_name(p->kind));
	return -1;
}

/* The line where a key of a one-off section was given, or 0. */
int
confkey_line(const struct parse *p, enum section_kind kind, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].kind == kind && strcmp(keys[i].name, key) == 0)
			return p->key_lines[i];
	return 0;
}

/* The defaults of SPEC "Config"; keys given in the file replace them. */
int
confkey_defaults(struct parse *p)
{
	struct config *c = p->conf;

	c->max_connections = 10000;
	c->max_connections_per_client = 256;
	c->handshake_timeout_ms = 10 * MS_S;
	c->max_header_bytes = 32 * 1024;
	c->connect_timeout_ms = 10 * MS_S;
	c->idle_timeout_ms = 15 * MS_M;
	c->shutdown_grace_ms = 30 * MS_S;
	c->sandbox = 1;
	c->udp_idle_timeout_ms = 2 * MS_M;
	c->udp_max_associations_per_client = 8;
	c->udp_max_destinations = 64;
	c->udp_max_datagrams_per_second = 10000;
	c->deny_private = 1;
	c->min_ttl_ms = 30 * MS_S;
	c->max_ttl_ms = MS_H;
	c->dns_timeout_ms = 4 * MS_S;
	c->max_lookups_per_client = 16;
	c->pcap_snaplen = 4096;
	c->pcap_rotate_mb = 100;
	c->pcap_keep = 10;
	c->log_level = LOG_LEVEL_INFO;
	c->pac_max_entries = 1000;
	c->throttle_prefix_v6 = THROTTLE_PREFIX_V6;
	if ((c->cache_dir = strdup("/var/lib/pinhole")) == NULL ||
	    (c->hosts_file = strdup("/etc/hosts")) == NULL ||
	    (c->access = strdup("/var/log/pinhole/flows.jsonl")) == NULL ||
	    (c->events = strdup("stderr")) == NULL ||
	    (c->policy = policy_new()) == NULL) {
		config_error(p, 0, "out of memory");
		return -1;
	}
	if (k_listen(p, "0.0.0.0:3128") == -1 ||
	    k_clients(p, default_clients) == -1 ||
	    k_admin_listen(p, "127.0.0.1:9090") == -1 ||
	    k_admin_allow(p, "127.0.0.0/8, ::1") == -1)
		return -1;
	return 0;
}
