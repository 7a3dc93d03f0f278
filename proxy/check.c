#include <stdio.h>
#include <string.h>

#include "check.h"
#include "log.h"
#include "value.h"

static const char *const format_names[] = { "text", "auto", "json" };

static void
print_rule(const struct config *c, const struct acl_rule *r, FILE *fp)
{
	char ports[256];

	fprintf(fp, "rule %s: ", r->name);
	if (r->ports.count > 0) {
		portset_format(&r->ports, ports, sizeof(ports));
		fprintf(fp, "ports %s; ", ports);
	}
	if (r->udp_ports.count > 0) {
		portset_format(&r->udp_ports, ports, sizeof(ports));
		fprintf(fp, "udp_ports %s; ", ports);
	}
	fprintf(fp, "%zu host patterns, %zu nets",
	    nameset_patterns(r->own->names), cidrset_count(r->own->nets));
	for (size_t i = 0; i < r->nlists; i++)
		fprintf(fp, "%s%s", i ? ", " : "; lists ",
		    c->policy->lists[r->lists[i]]);
	if (r->clients != NULL)
		fprintf(fp, "; %zu client ranges", cidrset_count(r->clients));
	if (r->nusers > 0)
		fprintf(fp, "; %zu users", r->nusers);
	if (r->resolve)
		fprintf(fp, "; resolve");
	if (r->allow_private)
		fprintf(fp, "; allow_private");
	if (r->report)
		fprintf(fp, "; mode report");
	fputc('\n', fp);
}

static void
print_list(const struct list_conf *l, const struct entries *e,
    time_t fetched, int refused, FILE *fp)
{
	char refresh[32], age[32];

	value_format_duration(l->refresh_ms, refresh, sizeof(refresh));
	if (l->url != NULL)
		fprintf(fp, "list %s: url %s, format %s, refresh %s; ", l->name,
		    l->url, format_names[l->format], refresh);
	else
		fprintf(fp, "list %s: file %s, format %s; %s", l->name,
		    l->file, format_names[l->format], refused ?
		    "refused, the last good version: " : "");
	if (fetched != 0) {
		time_t now = time(NULL);

		value_format_duration(now > fetched ?
		    (uint64_t)(now - fetched) * 1000 : 0, age, sizeof(age));
		fprintf(fp, "cache %s old, ", age);
	} else if (l->url != NULL)
		fprintf(fp, "not cached yet, ");
	if (e != NULL)
		fprintf(fp, "%zu entries\n", entries_count(e));
	else if (l->url != NULL)
		fprintf(fp, "0 entries\n");
	else if (refused)
		fprintf(fp, "none, 0 entries\n");
	else
		fprintf(fp, "unreadable, 0 entries\n");
}

void
check_summary(const struct config *c, struct entries **lists,
    const time_t *fetched, const int *refused, FILE *fp)
{
	char	 a[32], b[32];

	fprintf(fp, "config %s: ok\n", c->path);
	for (size_t i = 0; i < c->nlisten; i++)
		fprintf(fp, "listen %s\n", c->listen[i].text);
	fprintf(fp, "clients: %zu ranges\n", cidrset_count(c->policy->clients));
	fprintf(fp, "denied ranges: %s private ranges, %zu of [acl] deny\n",
	    c->deny_private ? "the" : "no",
	    c->policy->deny ? cidrset_count(c->policy->deny) : 0);
	if (c->policy->report)
		fprintf(fp, "mode report: what the rules refuse as not_allowed "
		    "is let through and recorded (would_deny)\n");
	for (size_t i = 0; i < c->policy->nrules; i++)
		print_rule(c, &c->policy->rules[i], fp);
	for (size_t i = 0; i < c->nlists; i++)
		print_list(&c->lists[i], lists ? lists[i] : NULL,
		    fetched ? fetched[i] : 0, refused ? refused[i] : 0, fp);
	value_format_duration(c->min_ttl_ms, a, sizeof(a));
	value_format_duration(c->max_ttl_ms, b, sizeof(b));
	fprintf(fp, "dns: ");
	if (c->ndns_servers == 0)
		fprintf(fp, "servers of /etc/resolv.conf");
	for (size_t i = 0; i < c->ndns_servers; i++)
		fprintf(fp, "%s%s", i ? ", " : "servers ",
		    c->dns_servers[i].text);
	fprintf(fp, "; hosts_file %s; ttl %s to %s\n",
	    c->hosts_file ? c->hosts_file : "none", a, b);
	fprintf(fp, "cache: %s\n", c->cache_dir);
	fprintf(fp, "log: access %s, pcap %s, events %s\n", c->access,
	    c->pcap ? c->pcap : "off", c->events);
	fprintf(fp, "admin: %s\n",
	    c->admin_listen ? c->admin_listen->text : "off");
}
