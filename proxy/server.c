/*
 * The running proxy.  Signals arrive through the event loop: SIGHUP
 * reloads the config and lists and publishes a new allowlist with one
 * pointer swap (open tunnels keep the one they were checked against),
 * SIGUSR1 reopens the access log, SIGTERM and SIGINT stop accepting and
 * let tunnels drain for up to shutdown_grace.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "auth.h"
#include "capture.h"
#include "dnscache.h"
#include "flowcount.h"
#include "flowlog.h"
#include "idle.h"
#include "listener.h"
#include "listjob.h"
#include "lists.h"
#include "log.h"
#include "notify.h"
#include "pac.h"
#include "pcapfile.h"
#include "privdrop.h"
#include "resolve.h"
#include "sandbox.h"
#include "relay.h"
#include "server.h"
#include "session.h"
#include "throttle.h"
#include "workers.h"

#define DNSCACHE_SIZE	4096

struct server server;

static struct event	*sig_events[4];
static struct event	*grace_timer, *gauges_timer;
static struct counters	 own_count;	/* one worker: not shared */

static void	shut_down(void);
static void	signals_hold(int);

/* Builds the allowlist of the config and lists in force, publishes it. */
static int
publish(void)
{
	struct acl *acl;

	if ((acl = acl_new(server.conf->policy, lists_current())) == NULL)
		return -1;
	acl_publish(acl);
	acl_unref(acl);
	return 0;
}

/* A list has a new version: new connections see it from now on. */
static void
lists_changed(void)
{
	if (publish() == -1) {
		log_error("out of memory: the allowlist stays as it was");
		return;
	}
	if (server.conf->revoke_on_reload)
		session_revoke();
}

/* A url list's new version is in the cache: the followers read it. */
static void
lists_cached(void)
{
	workers_lists_changed();
}

/* Another worker ended while nothing asked it to: everything stops. */
static void
worker_gone(void)
{
	server.exit_code = 1;
	workers_signal(SIGTERM);
	shut_down();
}

/* A follower's gauges, for the leader's metrics. */
static void
gauges_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	session_gauges();
}

/* The workers asked for, this process one of them; -1 on failure. */
static int
start_workers(const struct config *c)
{
	server.count = &own_count;
	server.nworkers = workers_count(c);
	server.worker = 0;
	/* Held until they are watched: once the port is open, a signal
	 * is handled, never the default action. */
	signals_hold(1);
	/* The login throttle's table, mapped before the workers fork:
	 * one budget per client address, not one per worker. */
	if (throttle_open((int)c->throttle_prefix_v6) == -1) {
		log_error("cannot map the login throttle's table");
		return -1;
	}
	if (flowcount_open(server.nworkers) == -1) {
		log_error("cannot map the tables of flows per rule");
		return -1;
	}
	/* The pcap's lock and generation: one file, every worker writes
	 * into it (a reload may turn it on later). */
	if (pcapfile_share() == -1) {
		log_error("cannot map the pcap writers' shared state");
		return -1;
	}
	if (listener_bind(c, server.nworkers) == -1)
		return -1;
	if (server.nworkers == 1)
		return 0;
	if ((server.worker = workers_start(server.nworkers)) == -1) {
		workers_signal(SIGTERM);
		workers_reap(1000);
		workers_close();
		listener_close();
		return -1;
	}
	flowcount_worker(server.worker);
	if (server.worker > 0)
		lists_follow();
	return 0;
}

static int
same_dns(const struct config *a, const struct config *b)
{
	if (a->ndns_servers != b->ndns_servers ||
	    (a->hosts_file == NULL) != (b->hosts_file == NULL) ||
	    (a->hosts_file && strcmp(a->hosts_file, b->hosts_file) != 0) ||
	    a->dns_timeout_ms != b->dns_timeout_ms ||
	    a->max_lookups_per_client != b->max_lookups_per_client)
		return 0;
	for (size_t i = 0; i < a->ndns_servers; i++)
		if (strcmp(a->dns_servers[i].text, b->dns_servers[i].text))
			return 0;
	return 1;
}

static int
same_endpoint(const struct endpoint *a, const struct endpoint *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->port == b->port && memcmp(&a->addr, &b->addr,
	    sizeof(a->addr)) == 0;
}

static int
same_listen(const struct config *a, const struct config *b)
{
	if (a->nlisten != b->nlisten)
		return 0;
	for (size_t i = 0; i < a->nlisten; i++)
		if (!same_endpoint(&a->listen[i], &b->listen[i]))
			return 0;
	return 1;
}

/*
 * The users of c, or NULL without [auth]; *ok 0 when the file is bad,
 * and why in err.
 */
static struct auth *
load_users(const struct config *c, int *ok, char *err, size_t errlen)
{
	struct auth	*a;

	*ok = 1;
	if (c->users_file == NULL)
		return NULL;
	if ((a = auth_load(c->users_file, err, errlen)) == NULL)
		*ok = 0;
	else if (auth_count(a) == 0)
		log_warn("%s: no users: every client will be refused",
		    c->users_file);
	return a;
}

static int
same_capture(const struct config *a, const struct config *b)
{
	return (a->pcap == NULL) == (b->pcap == NULL) &&
	    (a->pcap == NULL || strcmp(a->pcap, b->pcap) == 0) &&
	    a->pcap_snaplen == b->pcap_snaplen &&
	    a->pcap_rotate_mb == b->pcap_rotate_mb &&
	    a->pcap_keep == b->pcap_keep;
}

/* What a reload cannot change, said once (by the leader). */
static void
warn_restart(const struct config *old, const struct config *conf)
{
	if (workers_count(conf) != server.nworkers)
		log_warn("reload: a change of [proxy] workers takes a restart");
	if (!same_listen(old, conf))
		log_warn("reload: a change of [proxy] listen takes a restart");
	if (!same_endpoint(old->admin_listen, conf->admin_listen))
		log_warn("reload: a change of [admin] listen takes a restart");
	if ((old->user == NULL) != (conf->user == NULL) ||
	    (old->user != NULL && strcmp(old->user, conf->user) != 0))
		log_warn("reload: a change of [proxy] user takes a restart");
	if (old->throttle_prefix_v6 != conf->throttle_prefix_v6)
		log_warn("reload: a change of [auth] throttle_prefix_v6 takes a "
		    "restart");
}

/*
 * A reload ends: its result for /status and /metrics.  Every worker
 * reloads on its own (the leader passes SIGHUP on); the leader's line
 * and count stand for all, so one reload is one event.
 */
static void
reload_result(const char *err)
{
	server.reload_at = time(NULL);
	server.reload_result = err == NULL ? 1 : -1;
	snprintf(server.reload_error, sizeof(server.reload_error), "%s",
	    err ? err : "");
	if (server.worker != 0) {
		if (err != NULL)
			log_debug("reload failed: %s", err);
		return;
	}
	if (err == NULL) {
		server.count->reloads++;
		return;
	}
	server.count->reload_failures++;
	log_error("reload failed, the running config stays: %s", err);
}

static void
reload(void)
{
	struct config	*conf, *old = server.conf;
	struct resolver	*r = NULL;
	struct auth	*users;
	char		 err[CONFIG_ERRLEN];
	int		 ok;

	if (server.worker == 0)
		log_info("reloading %s", old->path);
	if ((conf = config_load(old->path, err, sizeof(err))) == NULL) {
		reload_result(err);
		return;
	}
	users = load_users(conf, &ok, err, sizeof(err));
	if (!ok) {
		reload_result(err);
		config_free(conf);
		return;
	}
	if (!same_dns(old, conf) &&
	    (r = resolve_new(server.base, conf, err, sizeof(err))) == NULL) {
		reload_result(err);
		auth_free(users);
		config_free(conf);
		return;
	}
	if (lists_reload(conf, r ? r : server.resolver) == -1) {
		resolve_free(r);
		auth_free(users);
		config_free(conf);
		reload_result("out of memory");
		return;
	}
	server.conf = conf;
	auth_free(server.auth);
	server.auth = users;
	server.loaded_at = time(NULL);
	if (r != NULL) {
		resolve_retire(server.resolver);
		server.resolver = r;
		dnscache_clear(server.dns);
	}
	if (publish() == -1)
		log_error("reload: out of memory, the allowlist stays as it was");
	else if (server.worker == 0)
		pac_check(acl_current());
	if (server.worker == 0)
		warn_restart(old, conf);
	if (strcmp(old->access, conf->access) != 0 &&
	    flowlog_open(conf->access) == -1)
		log_error("reload: cannot open access log %s", conf->access);
	if (!same_capture(old, conf) && capture_open(conf) == -1)
		log_error("reload: cannot open the pcap %s", conf->pcap);
	log_set_level((enum log_level)conf->log_level);
	if (strcmp(old->events, conf->events) != 0 &&
	    log_open(conf->events) == -1)
		log_error("reload: cannot open the events log %s, using stderr",
		    conf->events);
	config_free(old);
	reload_result(NULL);
	if (conf->revoke_on_reload)
		session_revoke();
	if (server.worker == 0)
		log_info("reloaded: %zu rules, %zu lists, %zu users",
		    conf->policy->nrules, conf->nlists,
		    auth_count(server.auth));
}

static void
grace_over(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_info("shutdown_grace over: closing %zu tunnels", server.nsessions);
	server.draining = 2;
	session_shutdown_all();
}

static void
shut_down(void)
{
	struct timeval	 tv;
	uint64_t	 ms = server.conf->shutdown_grace_ms;

	if (server.draining)
		return;
	server.draining = 1;
	notify_send("STOPPING=1");
	listener_close();
	session_shutdown_all();
	if (server.nsessions == 0) {
		event_base_loopexit(server.base, NULL);
		return;
	}
	log_info("stopping: %zu tunnels may drain for %llu ms",
	    server.nsessions, (unsigned long long)ms);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	grace_timer = evtimer_new(server.base, grace_over, NULL);
	if (grace_timer == NULL || evtimer_add(grace_timer, &tv) == -1)
		grace_over(-1, 0, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	workers_signal(sig);
	switch (sig) {
	case SIGHUP:
		notify_reloading();
		reload();
		notify_send("READY=1");
		break;
	case SIGUSR1:
		log_info("reopening the log files");
		flowlog_reopen();
		capture_reopen();
		if (log_open(server.conf->events) == -1)
			log_error("cannot reopen the events log %s",
			    server.conf->events);
		break;
	default:
		shut_down();
		break;
	}
}

static int
watch_gauges(void)
{
	struct timeval tv = { 1, 0 };

	if (server.worker == 0)
		return 0;	/* the leader's are counted when asked */
	gauges_timer = event_new(server.base, -1, EV_PERSIST, gauges_tick,
	    NULL);
	return gauges_timer == NULL ? -1 : event_add(gauges_timer, &tv);
}

static const int sigs[] = { SIGHUP, SIGUSR1, SIGTERM, SIGINT };

/* Blocks (1) or unblocks (0) the signals pinhole handles. */
static void
signals_hold(int hold)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static int
watch_signals(void)
{

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sig_events[i] = evsignal_new(server.base, sigs[i], on_signal,
		    NULL);
		if (sig_events[i] == NULL || evsignal_add(sig_events[i],
		    NULL) == -1)
			return -1;
	}
	return 0;
}

static void
server_free(void)
{
	/*
	 * A signal passed on late finds a worker on its way out anyway:
	 * it must not end it by the default action instead.  Freeing a
	 * signal's event puts the handler from before back (the default),
	 * so they are held meanwhile, and ignored after; the password
	 * and list threads have stopped first (the list thread blocks
	 * them anyway), so no other thread takes them.
	 */
	auth_stop();
	listjob_stop();
	signals_hold(1);
	for (size_t i = 0; i < sizeof(sig_events) / sizeof(sig_events[0]); i++)
		if (sig_events[i] != NULL)
			event_free(sig_events[i]);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	relay_watch_close();
	if (grace_timer != NULL)
		event_free(grace_timer);
	if (gauges_timer != NULL)
		event_free(gauges_timer);
	idle_free();
	workers_close();
	listener_close();
	admin_close();
	lists_stop();
	resolve_free(server.resolver);
	resolve_free_retired();
	dnscache_free(server.dns);
	acl_publish(NULL);
	flowlog_close();
	capture_close();
	auth_free(server.auth);
	flowcount_close();
	notify_close();
	config_free(server.conf);
	event_base_free(server.base);
	log_open(NULL);
}

/*
 * epoll with libevent's change list: the interest changes made in one
 * callback are folded into one epoll_ctl per descriptor at the next
 * dispatch (a connected destination's socket goes from writable to
 * readable in one call, not two).  Safe here: no descriptor is ever
 * dup(2)ed, the one case libevent warns about (the relay's watch for
 * resets has an epoll of its own for that reason).
 */
static struct event_base *
new_base(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/* Runs the proxy on conf (taken over) until it is told to stop. */
int
server_run(struct config *conf)
{
	char	 err[512];
	int	 rc = 1, ok;

	TAILQ_INIT(&server.sessions);
	server.conf = conf;
	server.loaded_at = time(NULL);
	log_set_level((enum log_level)conf->log_level);
	if (log_open(conf->events) == -1)
		log_error("cannot open the events log %s, using stderr",
		    conf->events);
	if (privdrop_check(conf, err, sizeof(err)) == -1) {
		log_error("%s", err);
		config_free(conf);
		return 1;
	}
	server.auth = load_users(conf, &ok, err, sizeof(err));
	if (!ok)
		log_error("%s", err);
	if (!ok || start_workers(conf) == -1) {
		auth_free(server.auth);
		config_free(conf);
		return 1;
	}
	notify_open();
	if ((server.base = new_base()) == NULL)
		fatalx("cannot start the event loop");
	if (relay_watch_open(server.base) == -1)
		log_warn("cannot watch tunnels for resets: a reset is passed "
		    "on when its end is next read or written");
	if ((server.resolver = resolve_new(server.base, conf, err,
	    sizeof(err))) == NULL)
		log_error("%s", err);
	else if (lists_start(server.base, server.resolver, conf,
	    lists_changed, lists_cached) == -1 || publish() == -1)
		log_error("out of memory");
	else if ((server.dns = dnscache_new(DNSCACHE_SIZE)) == NULL)
		log_error("out of memory");
	else if (flowlog_open(conf->access) == -1)
		log_error("cannot open access log %s", conf->access);
	else if (capture_open(conf) == -1)
		log_error("cannot open the pcap %s", conf->pcap);
	else if (watch_signals() == -1 || workers_watch(server.base,
	    lists_sync, worker_gone) == -1 || watch_gauges() == -1)
		log_error("cannot watch signals");
	else {
		signals_hold(0);
		if (server.worker == 0 && admin_open(conf) == -1)
			log_warn("the admin endpoint is off; the proxy runs on");
		if (server.worker == 0)
			pac_check(acl_current());
		if (listener_open(conf, server.worker, server.nworkers) == 0 &&
		    privdrop_drop(conf) == 0 &&
		    sandbox_confine(conf) == 0 &&
		    auth_start(server.base) == 0 &&
		    lists_start_thread(server.base) == 0 &&
		    sandbox_filter(conf) == 0) {
			if (server.worker == 0)
				log_info("pinhole %s started: %zu rules, %zu "
				    "lists, %zu users, %d worker%s",
				    PINHOLE_VERSION, conf->policy->nrules,
				    conf->nlists, auth_count(server.auth),
				    server.nworkers, server.nworkers > 1 ? "s" :
				    "");
			notify_send("READY=1");
			event_base_dispatch(server.base);
			if (server.worker == 0)
				log_info("pinhole stopped");
			rc = server.exit_code;
		}
	}
	/* The leader outlives its followers, however it stops. */
	if (server.worker == 0 && server.nworkers > 1) {
		if (!server.draining)
			workers_signal(SIGTERM);
		if (workers_reap(server.conf->shutdown_grace_ms + 5000) == -1)
			rc = 1;
	}
	server_free();
	return rc;
}
