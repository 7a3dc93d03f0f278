/*
 * The admin endpoint on [admin] listen, served by libevent's evhttp:
 * health, Prometheus metrics, status, the entries of a list, a refresh
 * of a list, and verdicts as --explain gives them.  Clients outside
 * [admin] allow get 403.  Nothing here is on a connection's path: the
 * figures are counted where things happen and only read here.
 *
 * A browser on an allowed host is a client too, driven by any web
 * page: a Host that is not this endpoint's own (a name rebound to its
 * address) gets 421, a POST from another origin 403, and refreshes of
 * one list within ADMIN_REFRESH_GAP seconds start one fetch.
 */
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin.h"
#include "explain.h"
#include "flowcount.h"
#include "json.h"
#include "lists.h"
#include "log.h"
#include "resolve.h"
#include "server.h"
#include "session.h"
#include "workers.h"

#define ADMIN_REFRESH_GAP	10	/* seconds: one refresh a list */

static void	reply_text(struct evhttp_request *, int, const char *);

static struct evhttp	*admin_http;
/* Where the endpoint listens: a reload that moves [admin] listen does not. */
static struct endpoint	 admin_bound;
static time_t		 admin_started;
/* When the endpoint last started each list's refresh (monotonic s),
 * for the config those lists are of. */
static const struct config	*refreshed_conf;
static time_t			*refreshed_at;
static size_t			 refreshed_n;

static const char *const protos[] = { "connect", "http", "socks5", "socks4" };

static void
reply(struct evhttp_request *req, int code, const char *type,
    struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, code == 200 ? "OK" : code == 202 ?
	    "Accepted" : code == 403 ? "Forbidden" : code == 404 ? "Not Found" :
	    code == 405 ? "Method Not Allowed" : code == 400 ? "Bad Request" :
	    code == 421 ? "Misdirected Request" : code == 429 ?
	    "Too Many Requests" : "Error", body);
}

static void
reply_text(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL)
		return;
	evbuffer_add_printf(b, "%s\n", text);
	reply(req, code, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

/* Every worker's counters and gauges, this one's brought up to date. */
static void
counters_now(struct counters *sum)
{
	session_gauges();
	workers_sum(sum);
}

/* UDP associations: opened, open, refused at the limit, datagrams. */
static void
udp_metrics(struct evbuffer *b, const struct counters *c)
{
	evbuffer_add_printf(b, "# HELP pinhole_udp_associations_total SOCKS5 "
	    "UDP associations opened.\n"
	    "# TYPE pinhole_udp_associations_total counter\n"
	    "pinhole_udp_associations_total %llu\n"
	    "# HELP pinhole_udp_associations_open UDP associations open.\n"
	    "# TYPE pinhole_udp_associations_open gauge\n"
	    "pinhole_udp_associations_open %llu\n"
	    "# HELP pinhole_udp_associations_refused_total UDP associations "
	    "refused at udp_max_associations_per_client.\n"
	    "# TYPE pinhole_udp_associations_refused_total counter\n"
	    "pinhole_udp_associations_refused_total %llu\n",
	    (unsigned long long)c->udp_associations,
	    (unsigned long long)c->udp_open,
	    (unsigned long long)c->udp_assoc_limit);
	evbuffer_add_printf(b, "# HELP pinhole_udp_datagrams_total Datagrams "
	    "relayed through UDP associations.\n"
	    "# TYPE pinhole_udp_datagrams_total counter\n"
	    "pinhole_udp_datagrams_total{direction=\"up\"} %llu\n"
	    "pinhole_udp_datagrams_total{direction=\"down\"} %llu\n"
	    "# HELP pinhole_udp_bytes_total Their payload bytes.\n"
	    "# TYPE pinhole_udp_bytes_total counter\n"
	    "pinhole_udp_bytes_total{direction=\"up\"} %llu\n"
	    "pinhole_udp_bytes_total{direction=\"down\"} %llu\n",
	    (unsigned long long)c->udp_datagrams[0],
	    (unsigned long long)c->udp_datagrams[1],
	    (unsigned long long)c->udp_bytes[0],
	    (unsigned long long)c->udp_bytes[1]);
	evbuffer_add_printf(b, "# HELP pinhole_udp_dropped_total Datagrams "
	    "dropped, by reason.\n# TYPE pinhole_udp_dropped_total counter\n");
	for (int r = 0; r < UDP_DROP_MAX; r++)
		evbuffer_add_printf(b, "pinhole_udp_dropped_total{reason="
		    "\"%s\"} %llu\n", udprelay_drop_name((enum udp_drop)r),
		    (unsigned long long)c->udp_drops[r]);
}

/* The config in force and the last reload: what a fleet alerts on. */
static void
metrics_config(struct evbuffer *b)
{
	struct counters sum;

	workers_sum(&sum);
	evbuffer_add_printf(b, "# HELP pinhole_config_info The config in "
	    "force: the SHA-256 of its file as loaded.\n"
	    "# TYPE pinhole_config_info gauge\n"
	    "pinhole_config_info{sha256=\"%s\"} 1\n", server.conf->sha256);
	evbuffer_add_printf(b, "# HELP pinhole_config_loaded_timestamp_seconds "
	    "When the config in force was loaded (Unix time).\n"
	    "# TYPE pinhole_config_loaded_timestamp_seconds gauge\n"
	    "pinhole_config_loaded_timestamp_seconds %lld\n",
	    (long long)server.loaded_at);
	evbuffer_add_printf(b, "# HELP pinhole_reloads_total Reloads that "
	    "took effect.\n# TYPE pinhole_reloads_total counter\n"
	    "pinhole_reloads_total %llu\n", (unsigned long long)sum.reloads);
	evbuffer_add_printf(b, "# HELP pinhole_reload_failures_total Reloads "
	    "that failed: the running config stayed.\n"
	    "# TYPE pinhole_reload_failures_total counter\n"
	    "pinhole_reload_failures_total %llu\n",
	    (unsigned long long)sum.reload_failures);
	evbuffer_add_printf(b, "# HELP pinhole_last_reload_success Whether "
	    "the last reload took effect (1 also when there was none).\n"
	    "# TYPE pinhole_last_reload_success gauge\n"
	    "pinhole_last_reload_success %d\n", server.reload_result >= 0);
	evbuffer_add_printf(b, "# HELP pinhole_last_reload_timestamp_seconds "
	    "When the last reload ended (Unix time; 0: none yet).\n"
	    "# TYPE pinhole_last_reload_timestamp_seconds gauge\n"
	    "pinhole_last_reload_timestamp_seconds %lld\n",
	    (long long)server.reload_at);
}

/* Flows per rule and per list of the config in force. */
static void
metrics_flows(struct evbuffer *b, const struct counters *c)
{
	const struct policy *p = server.conf->policy;

	evbuffer_add_printf(b, "# HELP pinhole_would_deny_total Requests "
	    "report mode let through that the allowlist would refuse "
	    "(would_deny in their records).\n"
	    "# TYPE pinhole_would_deny_total counter\n"
	    "pinhole_would_deny_total{reason=\"not_allowed\"} %llu\n",
	    (unsigned long long)c->would_deny);
	evbuffer_add_printf(b, "# HELP pinhole_rule_flows_total Relayed flows "
	    "by the rule that allowed them.\n"
	    "# TYPE pinhole_rule_flows_total counter\n");
	for (size_t i = 0; i < p->nrules; i++)
		evbuffer_add_printf(b, "pinhole_rule_flows_total{rule=\"%s\"} "
		    "%llu\n", p->rules[i].name, (unsigned long long)
		    flowcount_get(FLOWCOUNT_RULE, p->rules[i].name));
	evbuffer_add_printf(b, "# HELP pinhole_list_flows_total Relayed flows "
	    "by the list whose entry allowed them.\n"
	    "# TYPE pinhole_list_flows_total counter\n");
	for (size_t i = 0; i < p->nlists; i++)
		evbuffer_add_printf(b, "pinhole_list_flows_total{list=\"%s\"} "
		    "%llu\n", p->lists[i], (unsigned long long)
		    flowcount_get(FLOWCOUNT_LIST, p->lists[i]));
	evbuffer_add_printf(b, "# HELP pinhole_flows_unattributed_total Flows "
	    "of rules or lists past the table of names each worker keeps "
	    "(%d of each kind since start).\n"
	    "# TYPE pinhole_flows_unattributed_total counter\n"
	    "pinhole_flows_unattributed_total{by=\"rule\"} %llu\n"
	    "pinhole_flows_unattributed_total{by=\"list\"} %llu\n",
	    FLOWCOUNT_MAX,
	    (unsigned long long)flowcount_full(FLOWCOUNT_RULE),
	    (unsigned long long)flowcount_full(FLOWCOUNT_LIST));
}

static void
metrics(struct evhttp_request *req, struct evbuffer *b)
{
	struct counters		 sum;
	const struct counters	*c = &sum;
	const struct config	*conf = server.conf;
	struct entries		**cur = lists_current();
	time_t			 now = time(NULL);

	counters_now(&sum);
	evbuffer_add_printf(b, "# HELP pinhole_workers Worker processes.\n"
	    "# TYPE pinhole_workers gauge\npinhole_workers %d\n",
	    server.nworkers);
	evbuffer_add_printf(b, "# HELP pinhole_connections_open Client "
	    "connections open, by protocol.\n# TYPE pinhole_connections_open "
	    "gauge\n");
	for (size_t i = 0; i < 4; i++)
		evbuffer_add_printf(b, "pinhole_connections_open{proto=\"%s\"} "
		    "%llu\n", protos[i], (unsigned long long)c->open_by_proto[i]);
	evbuffer_add_printf(b, "# HELP pinhole_connections_total Requests "
	    "ended, by protocol.\n# TYPE pinhole_connections_total counter\n");
	for (size_t i = 0; i < 4; i++)
		evbuffer_add_printf(b, "pinhole_connections_total{proto=\"%s\"} "
		    "%llu\n", protos[i], (unsigned long long)c->by_proto[i]);
	evbuffer_add_printf(b, "# HELP pinhole_accepted_total Connections "
	    "accepted.\n# TYPE pinhole_accepted_total counter\n"
	    "pinhole_accepted_total %llu\n", (unsigned long long)c->accepted);
	evbuffer_add_printf(b, "# HELP pinhole_accept_paused_total Times "
	    "accepting paused because descriptors ran out.\n"
	    "# TYPE pinhole_accept_paused_total counter\n"
	    "pinhole_accept_paused_total %llu\n",
	    (unsigned long long)c->accept_paused);
	evbuffer_add_printf(b, "# HELP pinhole_flows_total Relayed flows.\n"
	    "# TYPE pinhole_flows_total counter\npinhole_flows_total %llu\n",
	    (unsigned long long)c->flows);
	evbuffer_add_printf(b, "# HELP pinhole_denied_total Requests refused "
	    "by policy, by reason.\n# TYPE pinhole_denied_total counter\n");
	for (int r = REASON_NOT_ALLOWED; r <= REASON_SHUTDOWN; r++)
		if (r == REASON_NOT_ALLOWED || r == REASON_PRIVATE_ADDRESS ||
		    r == REASON_DENIED_ADDRESS || r == REASON_CLIENT_NOT_ALLOWED ||
		    r == REASON_BAD_REQUEST || r == REASON_AUTH ||
		    r == REASON_LIMIT || r == REASON_SNI_MISMATCH)
			evbuffer_add_printf(b, "pinhole_denied_total{reason="
			    "\"%s\"} %llu\n", reason_name((enum reason)r),
			    (unsigned long long)c->denied[r]);
	evbuffer_add_printf(b, "# HELP pinhole_errors_total Allowed requests "
	    "that failed, by reason.\n# TYPE pinhole_errors_total counter\n");
	for (int r = REASON_DNS_ERROR; r <= REASON_BAD_RESPONSE; r++)
		evbuffer_add_printf(b, "pinhole_errors_total{reason=\"%s\"} "
		    "%llu\n", reason_name((enum reason)r),
		    (unsigned long long)c->errors[r]);
	evbuffer_add_printf(b, "# HELP pinhole_sni_mismatch_total Tunnels "
	    "whose TLS server name did not match the request (sni_check).\n"
	    "# TYPE pinhole_sni_mismatch_total counter\n"
	    "pinhole_sni_mismatch_total %llu\n",
	    (unsigned long long)c->sni_mismatch);
	evbuffer_add_printf(b, "# HELP pinhole_bytes_total Payload bytes "
	    "relayed.\n# TYPE pinhole_bytes_total counter\n"
	    "pinhole_bytes_total{direction=\"up\"} %llu\n"
	    "pinhole_bytes_total{direction=\"down\"} %llu\n",
	    (unsigned long long)c->bytes_up, (unsigned long long)c->bytes_down);
	evbuffer_add_printf(b, "# HELP pinhole_dns_cache_total DNS answer cache "
	    "lookups.\n# TYPE pinhole_dns_cache_total counter\n"
	    "pinhole_dns_cache_total{result=\"hit\"} %llu\n"
	    "pinhole_dns_cache_total{result=\"miss\"} %llu\n",
	    (unsigned long long)c->dns_hits, (unsigned long long)c->dns_misses);
	evbuffer_add_printf(b, "# HELP pinhole_dns_waits_total Lookups that "
	    "waited for a turn: their client had max_lookups_per_client in "
	    "flight, or pinhole had all it sends at once.\n"
	    "# TYPE pinhole_dns_waits_total counter\n"
	    "pinhole_dns_waits_total %llu\n", (unsigned long long)c->dns_waits);
	evbuffer_add_printf(b, "# HELP pinhole_write_errors_total Writes that "
	    "failed.\n# TYPE pinhole_write_errors_total counter\n"
	    "pinhole_write_errors_total{file=\"access\"} %llu\n"
	    "pinhole_write_errors_total{file=\"pcap\"} %llu\n",
	    (unsigned long long)c->log_write_errors,
	    (unsigned long long)c->pcap_write_errors);
	evbuffer_add_printf(b, "# HELP pinhole_write_failures_total Episodes "
	    "of failing writes (a full disk), each counted once.\n"
	    "# TYPE pinhole_write_failures_total counter\n"
	    "pinhole_write_failures_total{file=\"access\"} %llu\n"
	    "pinhole_write_failures_total{file=\"pcap\"} %llu\n",
	    (unsigned long long)c->log_write_failures,
	    (unsigned long long)c->pcap_write_failures);
	evbuffer_add_printf(b, "# HELP pinhole_auth_failures_total Proxy "
	    "logins refused: a wrong user or password, a client throttled "
	    "after too many, or too many password checks waiting (busy).\n"
	    "# TYPE pinhole_auth_failures_total counter\n"
	    "pinhole_auth_failures_total{result=\"wrong\"} %llu\n"
	    "pinhole_auth_failures_total{result=\"throttled\"} %llu\n"
	    "pinhole_auth_failures_total{result=\"busy\"} %llu\n",
	    (unsigned long long)c->auth_failures,
	    (unsigned long long)c->auth_throttled,
	    (unsigned long long)c->auth_busy);
	evbuffer_add_printf(b, "# HELP pinhole_auth_checks_total Passwords "
	    "checked with crypt(3); a remembered one needs none, and logins "
	    "with the same user and password at once share one.\n"
	    "# TYPE pinhole_auth_checks_total counter\n"
	    "pinhole_auth_checks_total %llu\n",
	    (unsigned long long)c->auth_checks);
	evbuffer_add_printf(b, "# HELP pinhole_proxy_headers_total PROXY "
	    "protocol headers from the load balancers: with the client's "
	    "address, without one (LOCAL, UNKNOWN), malformed.\n"
	    "# TYPE pinhole_proxy_headers_total counter\n"
	    "pinhole_proxy_headers_total{result=\"proxy\"} %llu\n"
	    "pinhole_proxy_headers_total{result=\"local\"} %llu\n"
	    "pinhole_proxy_headers_total{result=\"bad\"} %llu\n",
	    (unsigned long long)c->proxy_headers[PROXYHDR_PROXY],
	    (unsigned long long)c->proxy_headers[PROXYHDR_LOCAL],
	    (unsigned long long)c->proxy_headers[PROXYHDR_BAD]);
	udp_metrics(b, c);
	metrics_config(b);
	metrics_flows(b, c);
	evbuffer_add_printf(b, "# HELP pinhole_list_entries Entries of each "
	    "list in force.\n# TYPE pinhole_list_entries gauge\n");
	for (size_t i = 0; i < conf->nlists; i++)
		evbuffer_add_printf(b, "pinhole_list_entries{list=\"%s\"} %zu\n",
		    conf->lists[i].name, cur && cur[i] ? entries_count(cur[i]) :
		    0);
	evbuffer_add_printf(b, "# HELP pinhole_list_seconds_since_success "
	    "Seconds since the list was last fetched or read (-1: never).\n"
	    "# TYPE pinhole_list_seconds_since_success gauge\n");
	for (size_t i = 0; i < conf->nlists; i++) {
		const struct list_stats *st = lists_stats(i);

		evbuffer_add_printf(b, "pinhole_list_seconds_since_success"
		    "{list=\"%s\"} %lld\n", conf->lists[i].name,
		    st && st->last_success ? (long long)(now - st->last_success) :
		    -1LL);
	}
	evbuffer_add_printf(b, "# HELP pinhole_list_failures_total Fetches or "
	    "reads that failed, and versions refused.\n"
	    "# TYPE pinhole_list_failures_total counter\n");
	for (size_t i = 0; i < conf->nlists; i++) {
		const struct list_stats *st = lists_stats(i);

		evbuffer_add_printf(b, "pinhole_list_failures_total{list=\"%s\","
		    "kind=\"failed\"} %llu\n"
		    "pinhole_list_failures_total{list=\"%s\",kind=\"refused\"} "
		    "%llu\n", conf->lists[i].name,
		    st ? (unsigned long long)st->failures : 0ULL,
		    conf->lists[i].name,
		    st ? (unsigned long long)st->refusals : 0ULL);
	}
	reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", b);
}

static json_t *
status_list(size_t i, struct entries **cur, time_t now)
{
	const struct list_conf	*l = &server.conf->lists[i];
	const struct list_stats	*st = lists_stats(i);

	return json_pack("{s:s, s:s, s:I, s:I, s:o, s:o}",
	    "name", l->name,
	    "source", l->url ? l->url : l->file,
	    "entries", (json_int_t)(cur && cur[i] ? entries_count(cur[i]) : 0),
	    "flows", (json_int_t)flowcount_get(FLOWCOUNT_LIST, l->name),
	    "age_s", st && st->last_success ?
	    json_integer((json_int_t)(now - st->last_success)) : json_null(),
	    "last_error", st && st->last_error[0] ?
	    json_string(st->last_error) : json_null());
}

static json_t *
status_time(time_t t)
{
	struct tm	 tm;
	char		 buf[32];

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The config in force and the last reload, as the leader saw them. */
static json_t *
status_config(const struct counters *sum)
{
	const struct policy	*p = server.conf->policy;
	json_t			*rules = json_array();

	for (size_t i = 0; i < p->nrules; i++)
		json_array_append_new(rules, json_pack("{s:s, s:I}",
		    "name", p->rules[i].name, "flows", (json_int_t)
		    flowcount_get(FLOWCOUNT_RULE, p->rules[i].name)));
	return json_pack("{s:s, s:s, s:o, s:{s:o, s:o, s:o}, s:I, s:o}",
	    "path", server.conf->path,
	    "sha256", server.conf->sha256,
	    "loaded_at", status_time(server.loaded_at),
	    "last_reload",
	    "result", server.reload_result == 0 ? json_null() :
	    json_string(server.reload_result > 0 ? "ok" : "failed"),
	    "at", status_time(server.reload_at),
	    "error", server.reload_result < 0 ?
	    json_string(server.reload_error) : json_null(),
	    "reload_failures", (json_int_t)sum->reload_failures,
	    "rules", rules);
}

static int
status_write(const char *buf, size_t len, void *arg)
{
	return evbuffer_add(arg, buf, len);
}

/*
 * Built as a tree and written by jansson: however many lists and however
 * long their URLs, the answer is one valid JSON document.
 */
static void
status(struct evhttp_request *req, struct evbuffer *b)
{
	const struct config	*conf = server.conf;
	struct entries		**cur = lists_current();
	time_t			 now = time(NULL);
	struct counters		 sum;
	json_t			*root, *listen, *lists;

	counters_now(&sum);
	listen = json_array();
	for (size_t i = 0; i < conf->nlisten; i++)
		json_array_append_new(listen, json_string(conf->listen[i].text));
	lists = json_array();
	for (size_t i = 0; i < conf->nlists; i++)
		json_array_append_new(lists, status_list(i, cur, now));
	root = json_pack("{s:s, s:I, s:o, s:s, s:I, s:o, s:i, s:I, s:o}",
	    "version", PINHOLE_VERSION,
	    "uptime_s", (json_int_t)(now - admin_started),
	    "listen", listen,
	    "config", conf->path,
	    "config_loaded_s_ago", (json_int_t)(now - server.loaded_at),
	    "config_state", status_config(&sum),
	    "workers", server.nworkers,
	    "connections_open", (json_int_t)sum.open_sessions,
	    "lists", lists);
	/*
	 * Written straight into the reply: jansson's allocations go through
	 * the counting allocator of jsonpath.c, so none is handed to free().
	 */
	if (root == NULL || json_dump_callback(root, status_write, b,
	    JSON_COMPACT) == -1 || evbuffer_add(b, "\n", 1) == -1) {
		json_decref(root);
		reply_text(req, 500, "out of memory");
		return;
	}
	json_decref(root);
	reply(req, 200, "application/json", b);
}

static long
list_index(const char *name)
{
	for (size_t i = 0; i < server.conf->nlists; i++)
		if (strcmp(server.conf->lists[i].name, name) == 0)
			return (long)i;
	return -1;
}

static void
add_entry(const char *text, void *arg)
{
	evbuffer_add_printf(arg, "%s\n", text);
}

/*
 * The entries in force, one a line, after '#' lines that say how many
 * and what the last change added and removed: the body stays a list
 * that format = text reads as it is.
 */
static void
list_entries(struct evhttp_request *req, struct evbuffer *b,
    const char *name)
{
	struct entries		**cur = lists_current();
	long			  i = list_index(name);
	const struct list_stats	 *st;
	struct tm		  tm;
	char			  when[32];

	if (i == -1) {
		reply_text(req, 404, "no such list");
		return;
	}
	st = lists_stats((size_t)i);
	evbuffer_add_printf(b, "# list %s: %zu entries\n", name,
	    cur && cur[i] ? entries_count(cur[i]) : 0);
	if (st != NULL && st->last_change != 0 &&
	    gmtime_r(&st->last_change, &tm) != NULL) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		evbuffer_add_printf(b, "# last change %s: %s\n", when,
		    st->change);
	} else
		evbuffer_add_printf(b, "# last change: none since pinhole "
		    "started\n");
	if (cur != NULL && cur[i] != NULL)
		entries_foreach(cur[i], add_entry, b);
	reply(req, 200, "text/plain; charset=utf-8", b);
}

static int
client_allowed(struct evhttp_request *req)
{
	struct evhttp_connection	*conn = evhttp_request_get_connection(req);
	char				*host = NULL;
	ev_uint16_t			 port;
	struct addr			 a;

	evhttp_connection_get_peer(conn, &host, &port);
	if (host == NULL || addr_parse(host, &a) == -1)
		return 0;
	return server.conf->admin_allow != NULL &&
	    cidrset_lookup(server.conf->admin_allow, &a, NULL);
}

static int
is_loopback(const struct addr *a)
{
	static const uint8_t one[16] = { [15] = 1 };

	if (a->family == ADDR_V4)
		return a->b[0] == 127;
	return memcmp(a->b, one, sizeof(one)) == 0;
}

/*
 * Is host[:port] (len bytes) this endpoint's own: the IP literal it
 * listens on (any IP literal when it listens on all addresses), or
 * localhost when that is loopback; with its port or none.
 */
static int
own_authority(const char *v, size_t len)
{
	const struct endpoint	*l = &admin_bound;
	char			 host[NAME_MAX_LEN + 1];
	const char		*end = v + len, *colon;
	struct addr		 a, any;
	size_t			 hlen;
	unsigned long		 port = 0;

	if (len > 0 && v[0] == '[') {
		if ((colon = memchr(v, ']', len)) == NULL)
			return 0;
		hlen = (size_t)(colon - v - 1);
		v++;
		colon++;
		if (colon != end && *colon != ':')
			return 0;
	} else {
		if ((colon = memchr(v, ':', len)) == NULL)
			colon = end;
		hlen = (size_t)(colon - v);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (colon != end) {
		if (colon + 1 == end || end - colon > 6 ||
		    strspn(colon + 1, "0123456789") < (size_t)(end - colon - 1))
			return 0;
		for (const char *p = colon + 1; p < end; p++)
			port = port * 10 + (unsigned long)(*p - '0');
		if (port != l->port)
			return 0;
	}
	memset(&any, 0, sizeof(any));
	any.family = l->addr.family;
	if (addr_parse(host, &a) == 0)
		return memcmp(&l->addr, &any, sizeof(any)) == 0 ||
		    memcmp(&a, &l->addr, sizeof(a)) == 0;
	return strcasecmp(host, "localhost") == 0 &&
	    (memcmp(&l->addr, &any, sizeof(any)) == 0 ||
	    is_loopback(&l->addr));
}

/* A request without Host (HTTP/1.0) names no other host. */
static int
host_allowed(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Host");

	return h == NULL || own_authority(h, strlen(h));
}

/* A request that changes something comes from no other web origin. */
static int
origin_allowed(struct evhttp_request *req)
{
	const char *o = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Origin");

	if (o == NULL)
		return 1;
	return strncasecmp(o, "http://", 7) == 0 &&
	    own_authority(o + 7, strlen(o + 7));
}

static time_t
monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * POST /refresh/NAME: a fetch, unless this endpoint started one for
 * that list within ADMIN_REFRESH_GAP seconds (a page can make a browser
 * post many; the vendor sees one).
 */
static void
refresh_list(struct evhttp_request *req, size_t i)
{
	time_t	 now = monotonic_now();
	char	 text[128];

	if (refreshed_conf != server.conf ||
	    refreshed_n != server.conf->nlists) {
		free(refreshed_at);
		refreshed_n = server.conf->nlists;
		refreshed_at = calloc(refreshed_n + 1, sizeof(*refreshed_at));
		refreshed_conf = refreshed_at != NULL ? server.conf : NULL;
	}
	if (refreshed_at != NULL && refreshed_at[i] != 0 &&
	    now - refreshed_at[i] < ADMIN_REFRESH_GAP) {
		snprintf(text, sizeof(text), "%d",
		    (int)(ADMIN_REFRESH_GAP - (now - refreshed_at[i])));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", text);
		snprintf(text, sizeof(text), "a refresh started %lld s ago; "
		    "not started again", (long long)(now - refreshed_at[i]));
		reply_text(req, 429, text);
		return;
	}
	if (refreshed_at != NULL)
		refreshed_at[i] = now;
	lists_refresh(i);
	reply_text(req, 202, "refreshing");
}

static void
handle(struct evhttp_request *req, void *arg)
{
	const char		*path = evhttp_uri_get_path(
				    evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type	 method = evhttp_request_get_command(req);
	struct evbuffer		*b;

	(void)arg;
	if (!client_allowed(req)) {
		reply_text(req, 403, "pinhole: 403 Forbidden (client_not_allowed)");
		return;
	}
	if (!host_allowed(req)) {
		reply_text(req, 421, "pinhole: 421 Misdirected Request (the Host "
		    "is not this admin endpoint)");
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD &&
	    !origin_allowed(req)) {
		reply_text(req, 403, "pinhole: 403 Forbidden (cross-origin)");
		return;
	}
	if (path == NULL)
		path = "/";
	if (strncmp(path, "/refresh/", 9) == 0) {
		long i = list_index(path + 9);

		if (method != EVHTTP_REQ_POST)
			reply_text(req, 405, "use POST");
		else if (i == -1)
			reply_text(req, 404, "no such list");
		else
			refresh_list(req, (size_t)i);
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		reply_text(req, 405, "use GET");
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		reply_text(req, 500, "out of memory");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		evbuffer_add_printf(b, "ok\n");
		reply(req, 200, "text/plain; charset=utf-8", b);
	} else if (strcmp(path, "/metrics") == 0)
		metrics(req, b);
	else if (strcmp(path, "/status") == 0)
		status(req, b);
	else if (strncmp(path, "/lists/", 7) == 0)
		list_entries(req, b, path + 7);
	else if (strcmp(path, "/explain") == 0)
		admin_explain(req);
	else
		reply_text(req, 404, "not found");
	evbuffer_free(b);
}

int
admin_open(const struct config *c)
{
	char ip[ADDR_STRLEN];

	admin_started = time(NULL);
	if (c->admin_listen == NULL)
		return 0;
	if ((admin_http = evhttp_new(server.base)) == NULL)
		return -1;
	addr_format(&c->admin_listen->addr, ip, sizeof(ip));
	if (evhttp_bind_socket(admin_http, ip, c->admin_listen->port) != 0) {
		log_error("admin: cannot listen on %s", c->admin_listen->text);
		evhttp_free(admin_http);
		admin_http = NULL;
		return -1;
	}
	evhttp_set_allowed_methods(admin_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE);
	evhttp_set_max_headers_size(admin_http, 16384);
	evhttp_set_max_body_size(admin_http, 4096);
	evhttp_set_timeout(admin_http, 10);
	evhttp_set_gencb(admin_http, handle, NULL);
	admin_bound = *c->admin_listen;
	log_info("admin endpoint on %s", c->admin_listen->text);
	return 0;
}

void
admin_close(void)
{
	if (admin_http != NULL)
		evhttp_free(admin_http);
	admin_http = NULL;
	free(refreshed_at);
	refreshed_at = NULL;
	refreshed_conf = NULL;
	refreshed_n = 0;
}

/*
 * GET /explain?host=&port=&client=: the JSON of pinhole --explain.  A
 * name is resolved through the proxy's own resolver without holding up
 * the event loop; a client that leaves before the answer gets none.
 */
struct explain_req {
	struct evhttp_request	*req;
	struct explain		 e;
	int			 gone;
	struct resolve_req	*dns;
};

static void
explain_reply(struct explain_req *x, int dns_error, const struct addr *addrs,
    size_t n)
{
	char		 out[8192];
	struct jbuf	 j = { out, sizeof(out), 0 };
	struct evbuffer	*b = evbuffer_new();

	explain_finish(&x->e, dns_error, addrs, n, &j);
	if (b != NULL) {
		evbuffer_add(b, out, j.len);
		reply(x->req, 200, "application/json", b);
		evbuffer_free(b);
	}
}

static void
explain_gone(struct evhttp_connection *conn, void *arg)
{
	struct explain_req *x = arg;

	(void)conn;
	x->gone = 1;
}

static void
explain_answer(int error, const struct addr *addrs, size_t n, uint32_t ttl,
    void *arg)
{
	struct explain_req *x = arg;

	(void)ttl;
	if (!x->gone) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    x->req), NULL, NULL);
		explain_reply(x, error, addrs, n);
	}
	acl_unref(x->e.acl);
	free(x);
}

void
admin_explain(struct evhttp_request *req)
{
	struct evkeyvalq		 q;
	struct explain_args		 args;
	const char			*query, *port;
	char				 target[NAME_MAX_LEN + 16], err[512];
	struct explain_req		*x;
	struct acl			*acl = acl_current();

	memset(&args, 0, sizeof(args));
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0) {
		reply_text(req, 400, "give host= (and port=, client=)");
		return;
	}
	port = evhttp_find_header(&q, "port");
	if (evhttp_find_header(&q, "host") == NULL) {
		reply_text(req, 400, "give host= (and port=, client=)");
		evhttp_clear_headers(&q);
		return;
	}
	snprintf(target, sizeof(target), strchr(evhttp_find_header(&q,
	    "host"), ':') ? "[%s]%s%s" : "%s%s%s", evhttp_find_header(&q,
	    "host"), port ? ":" : "", port ? port : "");
	args.target = target;
	args.client = evhttp_find_header(&q, "client");
	args.proto = evhttp_find_header(&q, "proto");
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    explain_start(&x->e, acl, &args, err, sizeof(err)) == -1) {
		reply_text(req, 400, x ? err : "out of memory");
		free(x);
		evhttp_clear_headers(&q);
		return;
	}
	evhttp_clear_headers(&q);
	x->req = req;
	acl_ref(acl);
	if (!x->e.need_lookup) {
		explain_reply(x, 0, NULL, 0);
		acl_unref(acl);
		free(x);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    explain_gone, x);
	if ((x->dns = resolve_name(server.resolver, x->e.query.dest.name,
	    explain_answer, x)) == NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    req), NULL, NULL);
		explain_reply(x, 1, NULL, 0);
		acl_unref(acl);
		free(x);
	}
}
