/*
 * Config loading in two passes.  confread.c splits the file into
 * sections and key = value pairs with their line numbers; here each
 * section is opened and closed, confkey.c checks and applies each pair
 * to a fresh struct config, and the whole is checked at the end.  A
 * config is returned only when all of it is valid, so a bad file never
 * replaces a running one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confparse.h"

static void
list_defaults(struct list_conf *l)
{
	l->format = LIST_TEXT;
	l->refresh_ms = 6 * MS_H;
	l->timeout_ms = 30 * MS_S;
	l->max_bytes = 8 * 1024 * 1024;
	l->max_entries = 100000;
	l->min_prefix_v4 = 8;
	l->min_prefix_v6 = 16;
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
		config_error(p, line, "unknown section [%s]", raw);
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
		if (strcmp(kind, config_section_name(k)) == 0)
			p->kind = (enum section_kind)k;
	if (p->kind == SEC_NONE) {
		config_error(p, line, "unknown section [%s]", raw);
		return -1;
	}
	if (p->kind != SEC_ALLOW && p->kind != SEC_LIST) {
		if (name[0] != '\0') {
			config_error(p, line, "[%s] takes no name", kind);
			return -1;
		}
		if (p->seen[p->kind]++) {
			config_error(p, line, "[%s] appears twice", kind);
			return -1;
		}
		return 0;
	}
	if (!config_name_ok(name)) {
		config_error(p, line, "[%s NAME]: the name must be 1-64 letters, "
		    "digits, '-', '_' or '.'", kind);
		return -1;
	}
	if (p->kind == SEC_ALLOW) {
		struct policy *pol = p->conf->policy;

		for (size_t i = 0; i < pol->nrules; i++)
			if (strcmp(pol->rules[i].name, name) == 0) {
				config_error(p, line, "[allow %s] appears twice",
				    name);
				return -1;
			}
		if ((p->rule = policy_add_rule(pol, name, line)) == NULL) {
			config_error(p, line, "out of memory");
			return -1;
		}
		return 0;
	}
	if (policy_find_list(p->conf->policy, name) != -1) {
		config_error(p, line, "[list %s] appears twice", name);
		return -1;
	}
	struct list_conf *lists = realloc(p->conf->lists,
	    (p->conf->nlists + 1) * sizeof(*lists));
	if (lists == NULL || policy_add_list(p->conf->policy, name) == -1) {
		if (lists != NULL)
			p->conf->lists = lists;
		config_error(p, line, "out of memory");
		return -1;
	}
	p->conf->lists = lists;
	p->list = &lists[p->conf->nlists++];
	memset(p->list, 0, sizeof(*p->list));
	list_defaults(p->list);
	p->list->line = line;
	if ((p->list->name = strdup(name)) == NULL) {
		config_error(p, line, "out of memory");
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
		/* A rule for UDP alone (media ports) needs no TCP ports. */
		if (r->ports.count == 0 && r->udp_ports.count == 0)
			config_error(p, r->line, "[allow %s] has no ports",
			    r->name);
		else if (entries_count(r->own) == 0 && r->nlists == 0 &&
		    !rule_has_refs(p, r))
			config_error(p, r->line, "[allow %s] has no hosts, nets "
			    "or lists: it would match nothing", r->name);
	}
	if (p->kind == SEC_LIST && l != NULL) {
		if ((l->url == NULL) == (l->file == NULL))
			config_error(p, l->line, "[list %s] needs exactly one "
			    "of url and file", l->name);
		else if (l->url != NULL && strncmp(l->url, "http://", 7) == 0 &&
		    !l->allow_http)
			config_error(p, l->url_line, "url: http:// needs "
			    "allow_http = yes");
		else if (l->format == LIST_JSON && l->json_path == NULL)
			config_error(p, l->line, "[list %s] format = json needs "
			    "json_path", l->name);
		else if (l->format != LIST_JSON && l->json_path != NULL)
			config_error(p, l->line, "[list %s] json_path needs "
			    "format = json", l->name);
	}
	p->rule = NULL;
	p->list = NULL;
}

static int
apply_item(struct parse *p, const struct conf_item *it)
{
	p->line = it->line;
	if (it->is_section) {
		close_section(p);
		memset(p->keys_seen, 0, sizeof(p->keys_seen));
		return open_section(p, it->section, it->line);
	}
	if (p->kind == SEC_NONE) {
		config_error(p, it->line, "%s outside a section", it->key);
		return -1;
	}
	return confkey_apply(p, it->key, it->value);
}

static void
config_check(struct parse *p)
{
	struct config	*c = p->conf;
	struct policy	*pol = c->policy;

	for (size_t i = 0; i < p->nrefs && !p->failed; i++) {
		long idx = policy_find_list(pol, p->refs[i].name);

		if (idx == -1)
			config_error(p, p->refs[i].line, "lists: no [list %s]",
			    p->refs[i].name);
		else if (policy_rule_add_list(&pol->rules[p->refs[i].rule],
		    (size_t)idx) == -1)
			config_error(p, p->refs[i].line, "out of memory");
	}
	if (p->users_line != 0 && c->users_file == NULL)
		config_error(p, p->users_line, "users: needs [auth] users_file");
	if (c->min_ttl_ms > c->max_ttl_ms)
		config_error(p, confkey_line(p, SEC_DNS, "min_ttl"),
		    "min_ttl: longer than max_ttl");
	if (c->proxy_protocol && (c->proxy_protocol_from == NULL ||
	    cidrset_count(c->proxy_protocol_from) == 0))
		config_error(p, confkey_line(p, SEC_PROXY, "proxy_protocol"),
		    "proxy_protocol: yes needs proxy_protocol_from");
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

/*
 * Parses and checks the file at path.  Returns a new config, or NULL
 * with "FILE:LINE: message" in err (line 0 when no one line is at fault).
 */
struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct conf_items items;
	struct parse	 p;

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
	if (confkey_defaults(&p) == -1)
		goto fail;
	if (confread_file(path, &items, err, errlen) == -1) {
		confread_free(&items);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(items.sha256); i++)
		snprintf(p.conf->sha256 + 2 * i, 3, "%02x", items.sha256[i]);
	for (size_t i = 0; i < items.n && !p.failed; i++)
		apply_item(&p, &items.items[i]);
	if (!p.failed)
		close_section(&p);
	confread_free(&items);
	if (!p.failed)
		config_check(&p);
	if (!p.failed && p.conf->deny_private &&
	    (p.conf->policy->private = policy_private_ranges()) == NULL)
		config_error(&p, 0, "out of memory");
	if (!p.failed && (policy_build(p.conf->policy) == -1 ||
	    (p.conf->proxy_protocol_from != NULL &&
	    cidrset_build(p.conf->proxy_protocol_from) == -1) ||
	    cidrset_build(p.conf->admin_allow) == -1 ||
	    (p.conf->pac_direct != NULL &&
	    entries_build(p.conf->pac_direct) == -1)))
		config_error(&p, 0, "out of memory");
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
		free(l->within);
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
	entries_unref(c->pac_direct);
	free(c->users_file);
	free(c);
}

