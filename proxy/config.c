/*
 * Config loading in two passes.  inih splits the file into sections and
 * key = value pairs, which are collected with their line numbers; then
 * every pair is checked against the key table and applied to a fresh
 * struct config.  Keeping inih to the first pass lets every message name
 * FILE:LINE and lets sections without keys, over-long lines and repeated
 * keys be handled here rather than by the library's build options.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "name.h"
#include "value.h"

struct item {
	int	 is_section;
	char	*section;
	char	*key;
	char	*value;
	int	 line;
};

/* The state of the first pass, shared by the inih reader and handler. */
struct lexer {
	FILE		*fp;
	int		 line;		/* physical line being read */
	int		*map;		/* inih's line number -> physical */
	size_t		 nmap, capmap;
	char		*chunk_base;	/* an over-long line being handed out */
	char		*chunks;	/* its part not handed out yet */
	int		 cont;		/* this line continues the last key */
	const char	*sep;		/* joins a continuation to it */
	const char	*next_sep;
	struct item	*items;
	size_t		 nitems, capitems;
	char		*err;
	size_t		 errlen;
	const char	*path;
	int		 failed;
};

enum section_kind {
	SEC_NONE, SEC_PROXY, SEC_ACL, SEC_ALLOW, SEC_LIST, SEC_CACHE, SEC_DNS,
	SEC_LOG, SEC_ADMIN, SEC_PAC, SEC_AUTH
};

/* The state of the second pass. */
struct parse {
	struct config	*conf;
	const char	*path;
	char		*dir;		/* relative paths start here */
	char		*err;
	size_t		 errlen;
	int		 failed;
	int		 line;
	const char	*key;		/* being applied, for messages */
	enum section_kind kind;
	struct acl_rule	*rule;
	struct list_conf *list;
	int		 seen[SEC_AUTH + 1];
	int		 users_line;
	struct list_ref {
		size_t	 rule;
		char	*name;
		int	 line;
	}		*refs;
	size_t		 nrefs;
};

static void __attribute__((format(printf, 3, 4)))
parse_error(struct parse *p, int line, const char *fmt, ...)
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

/* [proxy] clients when the file gives none: internal addresses. */
static const char *const default_clients =
    "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8, ::1, fc00::/7";

/* ---- first pass ---------------------------------------------------- */

static int
lexer_push(struct lexer *lx, int is_section, const char *section,
    const char *key, const char *value)
{
	struct item *it;

	if (lx->nitems == lx->capitems) {
		size_t cap = lx->capitems ? lx->capitems * 2 : 32;

		if ((it = realloc(lx->items, cap * sizeof(*it))) == NULL)
			return -1;
		lx->items = it;
		lx->capitems = cap;
	}
	it = &lx->items[lx->nitems];
	memset(it, 0, sizeof(*it));
	it->is_section = is_section;
	it->line = lx->line;
	if ((it->section = strdup(section)) == NULL)
		return -1;
	if (key != NULL && ((it->key = strdup(key)) == NULL ||
	    (it->value = strdup(value)) == NULL)) {
		free(it->section);
		free(it->key);
		return -1;
	}
	lx->nitems++;
	return 0;
}

static void
lexer_fail(struct lexer *lx, const char *msg)
{
	if (lx->failed++)
		return;
	snprintf(lx->err, lx->errlen, "%s:%d: %s", lx->path, lx->line, msg);
}

static int
lexer_map(struct lexer *lx)
{
	int *map;

	if (lx->nmap == lx->capmap) {
		size_t cap = lx->capmap ? lx->capmap * 2 : 64;

		if ((map = realloc(lx->map, cap * sizeof(*map))) == NULL)
			return -1;
		lx->map = map;
		lx->capmap = cap;
	}
	lx->map[lx->nmap++] = lx->line;
	return 0;
}

/* Cuts an inline comment: a ';' after white space, as inih does. */
static void
strip_comment(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if (*p == ';' && p > s && isspace((unsigned char)p[-1])) {
			*p = '\0';
			return;
		}
	}
}

/*
 * Hands inih the next piece of the file.  The library reads lines into
 * a fixed buffer, so a longer key = value line is handed over as a
 * first piece and then continuation lines, which the handler joins back
 * together exactly.  Comments are taken out first so that none can
 * start in a later piece.
 */
static char *
lexer_read(char *buf, int size, void *arg)
{
	struct lexer	*lx = arg;
	char		*line = NULL, *p;
	size_t		 cap = 0, room = (size_t)size - 3, len;
	ssize_t		 n;

	if (lx->failed)
		return NULL;
	if (lx->chunks != NULL)
		goto chunk;
	if ((n = getline(&line, &cap, lx->fp)) == -1) {
		free(line);
		return NULL;
	}
	lx->line++;
	if (memchr(line, '\0', (size_t)n) != NULL) {
		free(line);
		lexer_fail(lx, "NUL byte in the config file");
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	for (p = line; isspace((unsigned char)*p); p++)
		;
	lx->cont = p > line;
	lx->sep = " ";
	if (*p == ';' || *p == '#' || *p == '\0') {
		buf[0] = '\n';
		buf[1] = '\0';
		free(line);
		return lexer_map(lx) == -1 ? NULL : buf;
	}
	if (*p == '[') {
		char *end;

		strip_comment(p);
		for (end = p + strlen(p); end > p &&
		    isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		if (end - p < 3 || end[-1] != ']' || (size_t)(end - p) > room) {
			free(line);
			lexer_fail(lx, "bad section header");
			return NULL;
		}
		end[-1] = '\0';
		if (lexer_push(lx, 1, p + 1, NULL, NULL) == -1) {
			free(line);
			lexer_fail(lx, "out of memory");
			return NULL;
		}
		end[-1] = ']';
		snprintf(buf, (size_t)size, "%s\n", p);
		free(line);
		return lexer_map(lx) == -1 ? NULL : buf;
	}
	strip_comment(line);
	lx->chunk_base = lx->chunks = line;
chunk:
	/* Up to room bytes, cut where no space or comment sign follows. */
	p = lx->chunks;
	len = strlen(p);
	if (len > room) {
		len = room;
		while (len > 1 && (isspace((unsigned char)p[len]) ||
		    p[len] == ';' || p[len] == '#'))
			len--;
	}
	if (p != lx->chunk_base) {	/* a later piece */
		lx->cont = 1;
		lx->sep = lx->next_sep;
		buf[0] = ' ';
		memcpy(buf + 1, p, len);
		buf[len + 1] = '\n';
		buf[len + 2] = '\0';
	} else {
		memcpy(buf, p, len);
		buf[len] = '\n';
		buf[len + 1] = '\0';
	}
	if (p[len] == '\0') {
		free(lx->chunk_base);
		lx->chunk_base = lx->chunks = NULL;
	} else {
		lx->next_sep = isspace((unsigned char)p[len - 1]) ? " " : "";
		lx->chunks = p + len;
	}
	return lexer_map(lx) == -1 ? NULL : buf;
}

static int
lexer_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct lexer	*lx = arg;
	struct item	*last = lx->nitems ? &lx->items[lx->nitems - 1] : NULL;

	if (lx->failed)
		return 1;
	if (lx->cont && last != NULL && !last->is_section &&
	    strcmp(last->section, section) == 0 &&
	    strcmp(last->key, key) == 0) {
		size_t	 len = strlen(last->value) + strlen(lx->sep) +
		    strlen(value) + 1;
		char	*v;

		if ((v = malloc(len)) == NULL) {
			lexer_fail(lx, "out of memory");
			return 1;
		}
		snprintf(v, len, "%s%s%s", last->value, lx->sep, value);
		free(last->value);
		last->value = v;
		return 1;
	}
	if (lexer_push(lx, 0, section, key, value) == -1)
		lexer_fail(lx, "out of memory");
	return 1;
}

/* ---- second pass: values ------------------------------------------- */

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
		parse_error(p, p->line, "out of memory");
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
		parse_error(p, p->line, "out of memory");
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
		parse_error(p, p->line, "out of memory");
		return -1;
	}
	n = value_split(copy, tokens, strlen(v) / 2 + 1);
	if (n == -1) {
		parse_error(p, p->line, "%s: empty item in the list", key);
		rc = -1;
	}
	for (int i = 0; rc == 0 && i < n; i++)
		rc = fn(p, tokens[i], arg);
	free(tokens);
	free(copy);
	return rc;
}

/* "a.b.c.d:port", "[v6]:port", or with no port the default one. */
int
config_parse_endpoint(const char *s, uint16_t dflt, struct endpoint *ep)
{
	char		 host[ADDR_STRLEN + 1];
	const char	*port = NULL, *end;
	size_t		 hlen;
	uint64_t	 v;

	memset(ep, 0, sizeof(*ep));
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		hlen = (size_t)(end - s - 1);
		s++;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		end = strrchr(s, ':');
		if (end != NULL && strchr(s, ':') != end)
			end = NULL;	/* a bare IPv6 address has no port */
		hlen = end ? (size_t)(end - s) : strlen(s);
		if (end != NULL)
			port = end + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (addr_parse(host, &ep->addr) == -1)
		return -1;
	if (port != NULL) {
		if (value_uint(port, 1, 65535, &v) == -1)
			return -1;
		ep->port = (uint16_t)v;
	} else if ((ep->port = dflt) == 0)
		return -1;
	addr_format(&ep->addr, host, sizeof(host));
	snprintf(ep->text, sizeof(ep->text),
	    ep->addr.family == ADDR_V6 ? "[%s]:%u" : "%s:%u", host, ep->port);
	return 0;
}

static int
add_endpoint(struct parse *p, const char *tok, void *arg)
{
	struct config	*c = p->conf;
	struct endpoint	 ep, *eps;
	int		 dns = arg != NULL;

	if (config_parse_endpoint(tok, dns ? 53 : 0, &ep) == -1) {
		parse_error(p, p->line, dns ?
		    "servers: \"%s\" is not an IP address with an optional "
		    ":port" : "listen: \"%s\" is not IP:PORT ([IPv6]:PORT)",
		    tok);
		return -1;
	}
	eps = realloc(dns ? c->dns_servers : c->listen,
	    ((dns ? c->ndns_servers : c->nlisten) + 1) * sizeof(*eps));
	if (eps == NULL) {
		parse_error(p, p->line, "out of memory");
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
		parse_error(p, p->line, "%s: \"%s\" is not an IP address or "
		    "CIDR", p->key, tok);
		return -1;
	}
	if (host_bits) {
		cidr_format(&c, buf, sizeof(buf));
		parse_error(p, p->line, "%s: \"%s\" has host bits set (the "
		    "network is %s)", p->key, tok, buf);
		return -1;
	}
	if (cidrset_add(set, &c) == -1) {
		parse_error(p, p->line, "out of memory");
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
		parse_error(p, p->line, "out of memory");
		return -1;
	}
	return each_token(p, key, v, add_cidr, *out);
}

static int
add_host(struct parse *p, const char *tok, void *arg)
{
	struct acl_rule	*r = arg;
	char		 base[NAME_MAX_LEN + 1];
	uint8_t		 how;
	int		 len;

	if (strchr(tok, ':') != NULL || addr_is_v4_attempt(tok, strlen(tok))) {
		parse_error(p, p->line, "hosts: \"%s\" is an address; "
		    "addresses go in nets", tok);
		return -1;
	}
	if ((len = name_parse_pattern(tok, base, &how)) == -1) {
		parse_error(p, p->line, "hosts: \"%s\" is not a name or a "
		    "pattern (name, *.name or .name)", tok);
		return -1;
	}
	if (entries_add_pattern(r->own, base, (size_t)len, how) == -1) {
		parse_error(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

static int
add_port(struct parse *p, const char *tok, void *arg)
{
	struct acl_rule *r = arg;

	if (portset_add(&r->ports, tok) == -1) {
		parse_error(p, p->line, "ports: \"%s\" is not a port (1-65535) "
		    "or a range of ports", tok);
		return -1;
	}
	return 0;
}

static int
name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	return 1;
}

static int
add_list_ref(struct parse *p, const char *tok, void *arg)
{
	struct list_ref	*refs;

	(void)arg;
	if (!name_ok(tok)) {
		parse_error(p, p->line, "lists: \"%s\" is not a list name", tok);
		return -1;
	}
	if ((refs = realloc(p->refs, (p->nrefs + 1) * sizeof(*refs))) == NULL) {
		parse_error(p, p->line, "out of memory");
		return -1;
	}
	p->refs = refs;
	refs[p->nrefs].rule = (size_t)(p->rule - p->conf->policy->rules);
	refs[p->nrefs].line = p->line;
	if ((refs[p->nrefs].name = strdup(tok)) == NULL) {
		parse_error(p, p->line, "out of memory");
		return -1;
	}
	p->nrefs++;
	return 0;
}

static int
add_user(struct parse *p, const char *tok, void *arg)
{
	if (policy_rule_add_user(arg, tok) == -1) {
		parse_error(p, p->line, "out of memory");
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
		parse_error(p, p->line, "proxies: \"%s\" is not HOST:PORT", tok);
		return -1;
	}
	if ((v = realloc(c->pac_proxies, (c->npac_proxies + 1) *
	    sizeof(*v))) == NULL || (v[c->npac_proxies] = strdup(tok)) == NULL) {
		if (v != NULL)
			c->pac_proxies = v;
		parse_error(p, p->line, "out of memory");
		return -1;
	}
	c->pac_proxies = v;
	c->npac_proxies++;
	return 0;
}

/* ---- second pass: the key table ------------------------------------ */

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

#define MS_S	1000ULL
#define MS_M	(60 * MS_S)
#define MS_H	(60 * MS_M)
#define MS_D	(24 * MS_H)

static int
k_listen(struct parse *p, const char *v)
{
	free(p->conf->listen);
	p->conf->listen = NULL;
	p->conf->nlisten = 0;
	if (*v == '\0') {
		parse_error(p, p->line, "listen: at least one address is "
		    "needed");
		return -1;
	}
	return each_token(p, "listen", v, add_endpoint, NULL);
}

static int
k_clients(struct parse *p, const char *v)
{
	if (*v == '\0') {
		parse_error(p, p->line, "clients: at least one CIDR is needed");
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
		parse_error(p, p->line, "workers: \"%s\" is not auto or a "
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
		parse_error(p, p->line, "url: \"%s\" is not an https:// or "
		    "http:// URL", v);
		return -1;
	}
	if (*host == '\0' || *host == '/' || strpbrk(v, " \t") != NULL) {
		parse_error(p, p->line, "url: \"%s\" has no host", v);
		return -1;
	}
	p->list->url_line = p->line;
	return set_string(p, v, &p->list->url);
}

static int
k_file(struct parse *p, const char *v)
{
	if (*v == '\0') {
		parse_error(p, p->line, "file: a path is needed");
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
	parse_error(p, p->line, "format: \"%s\" is not text, auto or json", v);
	return -1;
}

static int
k_sha256(struct parse *p, const char *v)
{
	p->list->has_sha256 = 0;
	if (*v == '\0')
		return 0;
	if (value_hex(v, p->list->sha256, 32) == -1) {
		parse_error(p, p->line, "sha256: expected 64 hex digits");
		return -1;
	}
	p->list->has_sha256 = 1;
	return 0;
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
		parse_error(p, p->line, "access: give a path, syslog, stderr "
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
		parse_error(p, p->line, "events: give stderr, syslog or a path");
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
		parse_error(p, p->line, "pcap_snaplen: \"%s\" is not unlimited "
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
		parse_error(p, p->line, "level: \"%s\" is not error, warn, "
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
		parse_error(p, p->line, "out of memory");
		return -1;
	}
	if (config_parse_endpoint(v, 0, c->admin_listen) == -1) {
		parse_error(p, p->line, "listen: \"%s\" is not IP:PORT "
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

	{ SEC_ACL, "deny_private", K_BOOL, C(deny_private), 0, 0, NULL },
	{ SEC_ACL, "deny", K_FUNC, 0, 0, 0, k_deny },
	{ SEC_ACL, "revoke_on_reload", K_BOOL, C(revoke_on_reload), 0, 0,
	    NULL },

	{ SEC_ALLOW, "hosts", K_FUNC, 0, 0, 0, k_hosts },
	{ SEC_ALLOW, "nets", K_FUNC, 0, 0, 0, k_nets },
	{ SEC_ALLOW, "lists", K_FUNC, 0, 0, 0, k_lists },
	{ SEC_ALLOW, "ports", K_FUNC, 0, 0, 0, k_ports },
	{ SEC_ALLOW, "clients", K_FUNC, 0, 0, 0, k_rule_clients },
	{ SEC_ALLOW, "users", K_FUNC, 0, 0, 0, k_users },
	{ SEC_ALLOW, "resolve", K_BOOL, R(resolve), 0, 0, NULL },
	{ SEC_ALLOW, "allow_private", K_BOOL, R(allow_private), 0, 0, NULL },

	{ SEC_LIST, "url", K_FUNC, 0, 0, 0, k_url },
	{ SEC_LIST, "file", K_FUNC, 0, 0, 0, k_file },
	{ SEC_LIST, "format", K_FUNC, 0, 0, 0, k_format },
	{ SEC_LIST, "json_path", K_STRING, L(json_path), 0, 0, NULL },
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
	{ SEC_LIST, "ca_file", K_PATH, L(ca_file), 0, 0, NULL },
	{ SEC_LIST, "sha256", K_FUNC, 0, 0, 0, k_sha256 },

	{ SEC_CACHE, "dir", K_PATH, C(cache_dir), 0, 0, NULL },

	{ SEC_DNS, "servers", K_FUNC, 0, 0, 0, k_servers },
	{ SEC_DNS, "hosts_file", K_PATH, C(hosts_file), 0, 0, NULL },
	{ SEC_DNS, "min_ttl", K_DURATION, C(min_ttl_ms), 0, MS_D, NULL },
	{ SEC_DNS, "max_ttl", K_DURATION, C(max_ttl_ms), MS_S, 7 * MS_D,
	    NULL },

	{ SEC_LOG, "access", K_FUNC, 0, 0, 0, k_access },
	{ SEC_LOG, "pcap", K_FUNC, 0, 0, 0, k_pcap },
	{ SEC_LOG, "pcap_snaplen", K_FUNC, 0, 0, 0, k_snaplen },
	{ SEC_LOG, "pcap_rotate_mb", K_UINT, C(pcap_rotate_mb), 0, 1048576,
	    NULL },
	{ SEC_LOG, "pcap_keep", K_UINT, C(pcap_keep), 0, 1000, NULL },
	{ SEC_LOG, "level", K_FUNC, 0, 0, 0, k_level },
	{ SEC_LOG, "events", K_FUNC, 0, 0, 0, k_events },

	{ SEC_ADMIN, "listen", K_FUNC, 0, 0, 0, k_admin_listen },
	{ SEC_ADMIN, "allow", K_FUNC, 0, 0, 0, k_admin_allow },

	{ SEC_PAC, "proxies", K_FUNC, 0, 0, 0, k_proxies },
	{ SEC_PAC, "max_entries", K_UINT, C(pac_max_entries), 0, 10000, NULL },

	{ SEC_AUTH, "users_file", K_PATH, C(users_file), 0, 0, NULL },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const section_names[] = {
	[SEC_PROXY] = "proxy", [SEC_ACL] = "acl", [SEC_ALLOW] = "allow",
	[SEC_LIST] = "list", [SEC_CACHE] = "cache", [SEC_DNS] = "dns",
	[SEC_LOG] = "log", [SEC_ADMIN] = "admin", [SEC_PAC] = "pac",
	[SEC_AUTH] = "auth",
};

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
		parse_error(p, p->line, "%s: \"%s\" is not %s", k->name, v,
		    expect);
	}
	return rc;
}

static void
list_defaults(struct list_conf *l)
{
	l->format = LIST_TEXT;
	l->refresh_ms = 6 * MS_H;
	l->timeout_ms = 30 * MS_S;
	l->max_bytes = 8 * 1024 * 1024;
	l->max_entries = 100000;
	l->min_prefix_v4 = 8;
	l->min_prefix_v6 = 32;
	l->max_shrink = 50;
}

static int
open_section(struct parse *p, const char *raw, int line)
{
	char		 kind[16], name[128];
	const char	*sp;
	size_t		 klen;

	while (isspace((unsigned char)*raw))
		raw++;
	sp = strpbrk(raw, " \t");
	klen = sp ? (size_t)(sp - raw) : strlen(raw);
	if (klen >= sizeof(kind)) {
		parse_error(p, line, "unknown section [%s]", raw);
		return -1;
	}
	memcpy(kind, raw, klen);
	kind[klen] = '\0';
	name[0] = '\0';
	if (sp != NULL) {
		while (isspace((unsigned char)*sp))
			sp++;
		snprintf(name, sizeof(name), "%s", sp);
		for (size_t n = strlen(name); n > 0 &&
		    isspace((unsigned char)name[n - 1]); n--)
			name[n - 1] = '\0';
	}
	p->kind = SEC_NONE;
	for (int k = SEC_PROXY; k <= SEC_AUTH; k++)
		if (strcmp(kind, section_names[k]) == 0)
			p->kind = (enum section_kind)k;
	if (p->kind == SEC_NONE) {
		parse_error(p, line, "unknown section [%s]", raw);
		return -1;
	}
	if (p->kind != SEC_ALLOW && p->kind != SEC_LIST) {
		if (sp != NULL) {
			parse_error(p, line, "[%s] takes no name", kind);
			return -1;
		}
		if (p->seen[p->kind]++) {
			parse_error(p, line, "[%s] appears twice", kind);
			return -1;
		}
		return 0;
	}
	if (!name_ok(name)) {
		parse_error(p, line, "[%s NAME]: the name must be 1-64 letters, "
		    "digits, '-', '_' or '.'", kind);
		return -1;
	}
	if (p->kind == SEC_ALLOW) {
		struct policy *pol = p->conf->policy;

		for (size_t i = 0; i < pol->nrules; i++)
			if (strcmp(pol->rules[i].name, name) == 0) {
				parse_error(p, line, "[allow %s] appears twice",
				    name);
				return -1;
			}
		if ((p->rule = policy_add_rule(pol, name, line)) == NULL) {
			parse_error(p, line, "out of memory");
			return -1;
		}
		return 0;
	}
	if (policy_find_list(p->conf->policy, name) != -1) {
		parse_error(p, line, "[list %s] appears twice", name);
		return -1;
	}
	struct list_conf *lists = realloc(p->conf->lists,
	    (p->conf->nlists + 1) * sizeof(*lists));
	if (lists == NULL || policy_add_list(p->conf->policy, name) == -1) {
		if (lists != NULL)
			p->conf->lists = lists;
		parse_error(p, line, "out of memory");
		return -1;
	}
	p->conf->lists = lists;
	p->list = &lists[p->conf->nlists++];
	memset(p->list, 0, sizeof(*p->list));
	list_defaults(p->list);
	p->list->line = line;
	if ((p->list->name = strdup(name)) == NULL) {
		parse_error(p, line, "out of memory");
		return -1;
	}
	return 0;
}

static int
rule_has_refs(const struct parse *p, const struct acl_rule *r)
{
	for (size_t i = 0; i < p->nrefs; i++)
		if (&p->conf->policy->rules[p->refs[i].rule] == r)
			return 1;
	return 0;
}

/* Checks what only the whole section can tell. */
static void
close_section(struct parse *p)
{
	struct list_conf *l = p->list;
	struct acl_rule	 *r = p->rule;

	if (p->kind == SEC_ALLOW && r != NULL) {
		if (r->ports.count == 0)
			parse_error(p, r->line, "[allow %s] has no ports",
			    r->name);
		else if (entries_count(r->own) == 0 && r->nlists == 0 &&
		    !rule_has_refs(p, r))
			parse_error(p, r->line, "[allow %s] has no hosts, nets "
			    "or lists: it would match nothing", r->name);
	}
	if (p->kind == SEC_LIST && l != NULL) {
		if ((l->url == NULL) == (l->file == NULL))
			parse_error(p, l->line, "[list %s] needs exactly one "
			    "of url and file", l->name);
		else if (l->url != NULL && strncmp(l->url, "http://", 7) == 0 &&
		    !l->allow_http)
			parse_error(p, l->url_line, "url: http:// needs "
			    "allow_http = yes");
		else if (l->format == LIST_JSON && l->json_path == NULL)
			parse_error(p, l->line, "[list %s] format = json needs "
			    "json_path", l->name);
		else if (l->format != LIST_JSON && l->json_path != NULL)
			parse_error(p, l->line, "[list %s] json_path needs "
			    "format = json", l->name);
	}
	p->rule = NULL;
	p->list = NULL;
}

static int
apply_item(struct parse *p, const struct item *it, unsigned char *seen)
{
	p->line = it->line;
	if (it->is_section) {
		close_section(p);
		memset(seen, 0, NKEYS);
		return open_section(p, it->section, it->line);
	}
	if (p->kind == SEC_NONE) {
		parse_error(p, it->line, "%s outside a section", it->key);
		return -1;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].kind != p->kind || strcmp(keys[i].name, it->key))
			continue;
		if (seen[i]++) {
			parse_error(p, it->line, "%s appears twice in this "
			    "section", it->key);
			return -1;
		}
		p->key = it->key;
		return apply_key(p, &keys[i], it->value);
	}
	parse_error(p, it->line, "unknown key %s in [%s]", it->key,
	    section_names[p->kind]);
	return -1;
}

/* ---- defaults, whole-file checks, loading -------------------------- */

static int
config_defaults(struct parse *p)
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
	c->deny_private = 1;
	c->min_ttl_ms = 30 * MS_S;
	c->max_ttl_ms = MS_H;
	c->pcap_snaplen = 4096;
	c->pcap_rotate_mb = 100;
	c->pcap_keep = 10;
	c->log_level = LOG_LEVEL_INFO;
	c->pac_max_entries = 1000;
	if ((c->cache_dir = strdup("/var/lib/pinhole")) == NULL ||
	    (c->hosts_file = strdup("/etc/hosts")) == NULL ||
	    (c->access = strdup("/var/log/pinhole/flows.jsonl")) == NULL ||
	    (c->events = strdup("stderr")) == NULL ||
	    (c->policy = policy_new()) == NULL) {
		parse_error(p, 0, "out of memory");
		return -1;
	}
	/* Keys given in the file replace these. */
	if (k_listen(p, "0.0.0.0:3128") == -1 ||
	    k_clients(p, default_clients) == -1 ||
	    k_admin_listen(p, "127.0.0.1:9090") == -1 ||
	    k_admin_allow(p, "127.0.0.0/8, ::1") == -1)
		return -1;
	return 0;
}

static void
config_check(struct parse *p)
{
	struct config	*c = p->conf;
	struct policy	*pol = c->policy;

	for (size_t i = 0; i < p->nrefs && !p->failed; i++) {
		long idx = policy_find_list(pol, p->refs[i].name);

		if (idx == -1)
			parse_error(p, p->refs[i].line, "lists: no [list %s]",
			    p->refs[i].name);
		else if (policy_rule_add_list(&pol->rules[p->refs[i].rule],
		    (size_t)idx) == -1)
			parse_error(p, p->refs[i].line, "out of memory");
	}
	if (p->users_line != 0 && c->users_file == NULL)
		parse_error(p, p->users_line, "users: needs [auth] users_file");
	if (c->min_ttl_ms > c->max_ttl_ms)
		parse_error(p, 0, "[dns] min_ttl is longer than max_ttl");
	if (c->proxy_protocol && (c->proxy_protocol_from == NULL))
		parse_error(p, 0, "[proxy] proxy_protocol = yes needs "
		    "proxy_protocol_from");
}

static char *
config_dir(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	if ((dir = malloc((size_t)(slash - path) + 1)) == NULL)
		return NULL;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return dir;
}

static void
lexer_free(struct lexer *lx)
{
	for (size_t i = 0; i < lx->nitems; i++) {
		free(lx->items[i].section);
		free(lx->items[i].key);
		free(lx->items[i].value);
	}
	free(lx->items);
	free(lx->map);
	free(lx->chunk_base);
}

static int
config_lex(struct lexer *lx, const char *path, char *err, size_t errlen)
{
	int rc;

	memset(lx, 0, sizeof(*lx));
	lx->path = path;
	lx->err = err;
	lx->errlen = errlen;
	if ((lx->fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s:0: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(lexer_read, lx, lexer_handler, lx);
	fclose(lx->fp);
	if (lx->failed)
		return -1;
	if (rc > 0) {
		int line = (size_t)rc <= lx->nmap ? lx->map[rc - 1] : lx->line;

		snprintf(err, errlen, "%s:%d: syntax error: expected [section] "
		    "or key = value", path, line);
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		return -1;
	}
	return 0;
}

/*
 * Parses and checks the file at path.  Returns a new config, or NULL
 * with "FILE:LINE: message" in err (line 0 when no one line is at fault).
 */
struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct lexer	 lx;
	struct parse	 p;
	unsigned char	 seen[NKEYS];

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	err[0] = '\0';
	if ((p.conf = calloc(1, sizeof(*p.conf))) == NULL ||
	    (p.conf->path = strdup(path)) == NULL ||
	    (p.dir = config_dir(path)) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		goto fail;
	}
	if (config_defaults(&p) == -1)
		goto fail;
	if (config_lex(&lx, path, err, errlen) == -1) {
		lexer_free(&lx);
		goto fail;
	}
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < lx.nitems && !p.failed; i++)
		apply_item(&p, &lx.items[i], seen);
	if (!p.failed)
		close_section(&p);
	lexer_free(&lx);
	if (!p.failed)
		config_check(&p);
	if (!p.failed && p.conf->deny_private &&
	    (p.conf->policy->private = policy_private_ranges()) == NULL)
		parse_error(&p, 0, "out of memory");
	if (!p.failed && (policy_build(p.conf->policy) == -1 ||
	    (p.conf->proxy_protocol_from != NULL &&
	    cidrset_build(p.conf->proxy_protocol_from) == -1) ||
	    cidrset_build(p.conf->admin_allow) == -1))
		parse_error(&p, 0, "out of memory");
	if (p.failed)
		goto fail;
	for (size_t i = 0; i < p.nrefs; i++)
		free(p.refs[i].name);
	free(p.refs);
	free(p.dir);
	return p.conf;
fail:
	for (size_t i = 0; i < p.nrefs; i++)
		free(p.refs[i].name);
	free(p.refs);
	free(p.dir);
	config_free(p.conf);
	return NULL;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->listen);
	free(c->user);
	cidrset_free(c->proxy_protocol_from);
	policy_unref(c->policy);
	for (size_t i = 0; i < c->nlists; i++) {
		struct list_conf *l = &c->lists[i];

		free(l->name);
		free(l->url);
		free(l->file);
		free(l->json_path);
		free(l->ca_file);
	}
	free(c->lists);
	free(c->cache_dir);
	free(c->dns_servers);
	free(c->hosts_file);
	free(c->access);
	free(c->pcap);
	free(c->events);
	free(c->admin_listen);
	cidrset_free(c->admin_allow);
	for (size_t i = 0; i < c->npac_proxies; i++)
		free(c->pac_proxies[i]);
	free(c->pac_proxies);
	free(c->users_file);
	free(c);
}
