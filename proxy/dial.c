/*
 * The step from an allowed request to a connected destination: the name
 * is resolved (from the cache or the resolver), the addresses the ACL
 * lets through are kept, and they are tried in turn until one connects.
 * A failure goes to session_refuse(); a connection to the protocol's
 * connected().
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dial.h"
#include "dnscache.h"
#include "listener.h"
#include "log.h"
#include "server.h"
#include "session.h"

/* The allowed addresses to try, in a block of their number. */
static int
set_addrs(struct session *s, size_t n)
{
	free(s->addrs);
	s->naddrs = s->next_addr = 0;
	if ((s->addrs = calloc(n, sizeof(*s->addrs))) == NULL)
		return -1;
	return 0;
}

void
dial_drop_addrs(struct session *s)
{
	free(s->addrs);
	s->addrs = NULL;
	s->naddrs = s->next_addr = 0;
}

/* The addresses that the ACL lets this request connect to, in order. */
static void
resolved(struct session *s, const struct addr *addrs, size_t n)
{
	struct acl_verdict	 v, refused;
	struct addr		 refused_addr;
	size_t			 kept = 0;
	int			 nrefused = 0;

	memset(&refused, 0, sizeof(refused));
	memset(&refused_addr, 0, sizeof(refused_addr));
	refused.reason = REASON_NOT_ALLOWED;
	if (set_addrs(s, n < RESOLVE_MAX_ADDRS ? n : RESOLVE_MAX_ADDRS) ==
	    -1) {
		session_refuse(s, EV_ERROR, REASON_CONNECT_FAILED);
		return;
	}
	for (size_t i = 0; i < n && kept < RESOLVE_MAX_ADDRS; i++) {
		acl_check_addr(s->acl, &s->query, &addrs[i], &v);
		if (v.result == ACL_ALLOW)
			s->addrs[kept++] = addrs[i];
		else if (nrefused++ == 0) {
			refused = v;
			refused_addr = addrs[i];
		}
	}
	if (kept == 0) {
		dial_drop_addrs(s);
		/* The record names the rule whose pattern named the host. */
		s->verdict.result = ACL_DENY;
		s->verdict.reason = refused.reason;
		s->addr = refused_addr;
		s->has_addr = 1;
		log_info("session %llu: %s resolves only to refused "
		    "addresses (%s)", (unsigned long long)s->id, s->host,
		    reason_name(refused.reason));
		session_refuse(s, EV_DENY, refused.reason);
		return;
	}
	s->naddrs = kept;
	s->next_addr = 0;
	dial_next(s);
}

static void
dns_answer(int error, const struct addr *addrs, size_t n, uint32_t ttl,
    void *arg)
{
	struct session		*s = arg;
	const struct config	*c = server.conf;
	uint64_t		 keep = (uint64_t)ttl * 1000;

	s->dns = NULL;
	if (error || n == 0) {
		session_refuse(s, EV_ERROR, REASON_DNS_ERROR);
		return;
	}
	if (keep < c->min_ttl_ms)
		keep = c->min_ttl_ms;
	if (keep > c->max_ttl_ms)
		keep = c->max_ttl_ms;
	dnscache_put(server.dns, s->query.dest.name, addrs, n,
	    time(NULL) + (time_t)(keep / 1000));
	resolved(s, addrs, n);
}

/* The client named an address the ACL allows: the one to try. */
void
dial_addr(struct session *s)
{
	if (set_addrs(s, 1) == -1) {
		session_refuse(s, EV_ERROR, REASON_CONNECT_FAILED);
		return;
	}
	s->addrs[0] = s->query.dest.addr;
	s->naddrs = 1;
	dial_next(s);
}

/* The ACL needs the name's addresses: from the cache, else looked up. */
void
dial_resolve(struct session *s)
{
	struct addr	 addrs[DNSCACHE_MAX_ADDRS];
	size_t		 n;

	if (dnscache_get(server.dns, s->query.dest.name, time(NULL), addrs,
	    &n)) {
		server.count->dns_hits++;
		resolved(s, addrs, n);
		return;
	}
	server.count->dns_misses++;
	session_set_state(s, S_RESOLVING);
	s->dns = resolve_name_for(server.resolver, &s->client_addr,
	    s->query.dest.name, dns_answer, s);
	if (s->dns == NULL)
		session_refuse(s, EV_ERROR, REASON_DNS_ERROR);
}

static void
upstream_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		s->addr = s->addrs[s->next_addr - 1];
		s->has_addr = 1;
		dial_drop_addrs(s);		/* connected: no other to try */
		/* The verdict of the address actually connected to. */
		if (!s->query.dest.is_addr)
			acl_check_addr(s->acl, &s->query, &s->addr,
			    &s->verdict);
		evtimer_del(s->timer);
		capture_flow_start(&s->capture, &s->client_addr,
		    s->client_port, &s->addr, s->port);
		s->proto->connected(s);
		return;
	}
	bufferevent_free(s->upstream);
	s->upstream = NULL;
	s->connect_error = REASON_CONNECT_FAILED;
	dial_next(s);
}

/*
 * No descriptor for the destination's socket: accepting pauses, and this
 * session tries the same address again after the pause, for as long as
 * connect_timeout, instead of failing a client that was served nothing.
 */
static int
wait_for_fd(struct session *s, int err)
{
	struct timeval	 tv = { 0, LISTENER_PAUSE_MS * 1000 };

	if ((err != EMFILE && err != ENFILE) ||
	    (uint64_t)s->fd_waits * LISTENER_PAUSE_MS >=
	    server.conf->connect_timeout_ms)
		return 0;
	if (s->fd_waits++ == 0)
		server.fd_waiting++;
	s->next_addr--;
	listener_pause(err);
	evtimer_add(s->timer, &tv);
	return 1;
}

/* A session that waited for a descriptor waits no more. */
void
dial_wait_over(struct session *s)
{
	if (s->fd_waits > 0 && server.fd_waiting > 0)
		server.fd_waiting--;
	s->fd_waits = 0;
}

/* Tries the next allowed address; refuses when none is left. */
void
dial_next(struct session *s)
{
	struct sockaddr_storage	 ss;
	int			 len, err;

	session_set_state(s, S_CONNECTING);
	while (s->next_addr < s->naddrs) {
		const struct addr *a = &s->addrs[s->next_addr++];

		len = addr_to_sockaddr(a, s->port, &ss, sizeof(ss));
		s->upstream = bufferevent_socket_new(server.base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
		if (s->upstream == NULL) {
			s->connect_error = REASON_CONNECT_FAILED;
			continue;
		}
		bufferevent_setcb(s->upstream, NULL, NULL, upstream_event, s);
		if (bufferevent_socket_connect(s->upstream,
		    (struct sockaddr *)&ss, len) == 0) {
			dial_wait_over(s);
			return;
		}
		err = errno;
		log_debug("session %llu: connect: %s",
		    (unsigned long long)s->id, strerror(err));
		bufferevent_free(s->upstream);
		s->upstream = NULL;
		if (wait_for_fd(s, err))
			return;
		s->connect_error = REASON_CONNECT_FAILED;
	}
	dial_wait_over(s);
	if (s->naddrs > 0) {
		s->addr = s->addrs[s->naddrs - 1];
		s->has_addr = 1;
	}
	session_refuse(s, EV_ERROR, s->connect_error ? s->connect_error :
	    REASON_CONNECT_FAILED);
}
