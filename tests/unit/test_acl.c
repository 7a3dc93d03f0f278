/*
 * The allowlist engine against tests/unit/data/acl.ini: the declarative
 * cases of acl_cases.txt, then generated ones for name and label lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "config.h"
#include "listload.h"
#include "t.h"

#define DATA	"tests/unit/data/"

struct expect {
	const char	*verdict, *host, *client, *user, *dns;
	const char	*rule, *list, *entry, *reason;
	const char	*would;		/* would_deny */
	int		 port;
	int		 udp;		/* udp_ports, not ports */
};

static const char *
result_name(enum acl_result r)
{
	return r == ACL_ALLOW ? "allow" : r == ACL_DENY ? "deny" : "resolve";
}

/* The verdict for a name after lookup, as the proxy would reach it. */
static void
check_dns(const struct acl *acl, const struct acl_query *q, char *dns,
    struct acl_verdict *out)
{
	struct acl_verdict	 v, first;
	int			 n = 0;

	for (char *a = strtok(dns, ","); a != NULL; a = strtok(NULL, ",")) {
		struct addr addr;

		if (addr_parse(a, &addr) == -1) {
			t_ok(0, "bad dns= address %s in a case", a);
			continue;
		}
		acl_check_addr(acl, q, &addr, &v);
		if (n++ == 0)
			first = v;
		if (v.result == ACL_ALLOW) {
			*out = v;
			return;
		}
	}
	*out = first;
}

static void
run_case(const struct acl *acl, struct expect *e, int line)
{
	struct acl_query	 q;
	struct acl_verdict	 v;
	struct addr		 client;
	char			 what[512], dns[512], entry[ACL_ENTRY_LEN];
	const char		*got_rule, *got_list, *got_entry;

	snprintf(what, sizeof(what), "line %d: %s %s:%d%s%s%s%s%s%s%s", line,
	    e->verdict, e->host, e->port, e->udp ? "/udp" : "",
	    e->client ? " client=" : "",
	    e->client ? e->client : "", e->user ? " user=" : "",
	    e->user ? e->user : "", e->dns ? " dns=" : "", e->dns ? e->dns : "");
	if (e->client != NULL && addr_parse(e->client, &client) == -1) {
		t_ok(0, "%s: bad client", what);
		return;
	}
	acl_query_init(&q, e->client ? &client : NULL, e->user, e->host,
	    strlen(e->host), (uint16_t)e->port);
	q.udp = e->udp;
	acl_check(acl, &q, &v);
	if (e->dns != NULL) {
		if (!t_str(result_name(v.result), "resolve", "%s: looked up",
		    what))
			return;
		snprintf(dns, sizeof(dns), "%s", e->dns);
		check_dns(acl, &q, dns, &v);
	}
	got_rule = v.rule ? v.rule->name : NULL;
	got_list = v.rule ? v.list : NULL;
	got_entry = acl_entry(&v, entry, sizeof(entry));
	t_str(result_name(v.result), e->verdict, "%s: verdict", what);
	t_str(got_rule, e->rule, "%s: rule", what);
	t_str(got_list, e->list, "%s: list", what);
	t_str(got_entry, e->entry, "%s: entry", what);
	t_str(reason_name(v.reason), e->reason, "%s: reason", what);
	t_str(reason_name(v.would_deny), e->would, "%s: would_deny", what);
}

static void
run_file(const struct acl *acl, const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	 buf[1024];
	int	 line = 0;

	if (!t_ok(fp != NULL, "open %s", path))
		return;
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		struct expect	 e;
		char		*tok, *save;

		line++;
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == '#' || buf[0] == '\0')
			continue;
		memset(&e, 0, sizeof(e));
		e.verdict = strtok_r(buf, " \t", &save);
		e.host = strtok_r(NULL, " \t", &save);
		tok = strtok_r(NULL, " \t", &save);
		if (e.host == NULL || tok == NULL) {
			t_ok(0, "line %d: malformed case", line);
			continue;
		}
		e.port = atoi(tok);
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
			char *eq = strchr(tok, '=');

			if (eq == NULL) {
				t_ok(0, "line %d: bad field %s", line, tok);
				break;
			}
			*eq++ = '\0';
			if (strcmp(tok, "client") == 0)
				e.client = eq;
			else if (strcmp(tok, "user") == 0)
				e.user = eq;
			else if (strcmp(tok, "dns") == 0)
				e.dns = eq;
			else if (strcmp(tok, "rule") == 0)
				e.rule = eq;
			else if (strcmp(tok, "list") == 0)
				e.list = eq;
			else if (strcmp(tok, "entry") == 0)
				e.entry = eq;
			else if (strcmp(tok, "reason") == 0)
				e.reason = eq;
			else if (strcmp(tok, "udp") == 0)
				e.udp = atoi(eq);
			else if (strcmp(tok, "would") == 0)
				e.would = eq;
			else
				t_ok(0, "line %d: unknown field %s", line, tok);
		}
		run_case(acl, &e, line);
	}
	fclose(fp);
}

/* A name of total length len under "a.com", labels of label chars. */
static void
make_name(char *buf, size_t len, size_t label)
{
	size_t n = 0;

	while (n + 6 < len) {
		size_t l = label;

		if (n + l + 6 > len)
			l = len - n - 6;
		if (l == 0)
			break;
		memset(buf + n, 'x', l);
		n += l;
		buf[n++] = '.';
	}
	memcpy(buf + n, "a.com", 6);
	while (strlen(buf) < len) {	/* pad the first label */
		memmove(buf + 1, buf, strlen(buf) + 1);
		buf[0] = 'y';
	}
}

static void
expect_host(const struct acl *acl, const char *host, enum acl_result want,
    const char *what)
{
	struct acl_query	 q;
	struct acl_verdict	 v;

	acl_query_init(&q, NULL, NULL, host, strlen(host), 443);
	acl_check(acl, &q, &v);
	t_str(result_name(v.result), result_name(want), "%s", what);
}

static void
run_lengths(const struct acl *acl)
{
	char	 name[600], label[80];

	make_name(name, 253, 63);
	expect_host(acl, name, ACL_RESOLVE, "a 253-character name is valid");
	strcat(name, ".");
	expect_host(acl, name, ACL_RESOLVE,
	    "a 253-character name with a trailing dot is valid");
	make_name(name, 254, 63);
	expect_host(acl, name, ACL_DENY, "a 254-character name is malformed");
	make_name(name, 300, 50);
	expect_host(acl, name, ACL_DENY, "a 300-character name is malformed");
	for (int len = 1; len <= 64; len++) {
		memset(label, 'l', (size_t)len);
		label[len] = '\0';
		snprintf(name, sizeof(name), "%s.a.com", label);
		expect_host(acl, name, len <= 63 ? ACL_RESOLVE : ACL_DENY,
		    len <= 63 ? "a label of 1-63 characters is valid" :
		    "a 64-character label is malformed");
	}
	memset(label, 'm', 64);
	label[64] = '\0';
	snprintf(name, sizeof(name), "b.%s.a.com", label);
	expect_host(acl, name, ACL_DENY, "a 64-character inner label");
	for (int c = 1; c < 256; c++) {
		char	 host[16];
		int	 ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_';

		if (c == '.')
			continue;
		snprintf(host, sizeof(host), "x%cx.a.com", c);
		expect_host(acl, host, ok ? ACL_RESOLVE : ACL_DENY,
		    ok ? "a valid name character" : "a byte not allowed "
		    "in a name");
	}
}

/* The cases of one more config (report mode). */
static void
run_config(const char *ini, const char *cases)
{
	char		 err[CONFIG_ERRLEN];
	struct config	*c = config_load(ini, err, sizeof(err));
	struct entries	**lists;
	struct acl	*acl;

	if (!t_ok(c != NULL, "load %s: %s", ini, err))
		return;
	lists = listload_local(c, stdout, NULL, NULL);
	acl = acl_new(c->policy, lists);
	run_file(acl, cases);
	acl_unref(acl);
	listload_free(c, lists);
	config_free(c);
}

int
main(void)
{
	char		 err[CONFIG_ERRLEN];
	struct config	*c = config_load(DATA "acl.ini", err, sizeof(err));
	struct entries	**lists;
	struct acl	*acl;

	if (!t_ok(c != NULL, "load acl.ini: %s", err))
		return t_done();
	lists = listload_local(c, stdout, NULL, NULL);
	t_ok(lists[0] != NULL && lists[1] != NULL, "lists load");
	acl = acl_new(c->policy, lists);
	run_file(acl, DATA "acl_cases.txt");
	run_lengths(acl);
	acl_unref(acl);
	listload_free(c, lists);
	config_free(c);
	run_config(DATA "acl_report.ini", DATA "acl_report_cases.txt");
	run_config(DATA "acl_rule_report.ini", DATA "acl_rule_report_cases.txt");
	return t_done();
}
