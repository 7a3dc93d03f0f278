/*
 * The life of a session, in the order it happens: accept, the first byte
 * picks the protocol, the protocol parser hands over a request, the ACL
 * decides, the name is resolved, the addresses that pass are tried in
 * turn (those two steps in dial.c), and the relay runs until one side
 * ends.  session_close() is the only way out; it writes the flow record
 * and frees everything.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <malloc.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "dial.h"
#include "flowcount.h"
#include "flowlog.h"
#include "httplog.h"
#include "idle.h"
#include "connlimit.h"
#include "log.h"
#include "proto.h"
#include "proxyproto.h"
#include "relay.h"
#include "server.h"
#include "session.h"
#include "udprelay.h"
#include "workers.h"

/* How long a refused client gets to read its reply before the close. */
#define LINGER_SECONDS	2

static void	timer_fired(evutil_socket_t, short, void *);

/* A tunnel's relay let its timer go (relay_begin): it comes back if needed. */
static void
timer_arm(struct session *s, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) *
	    1000 };

	if (s->timer == NULL &&
	    (s->timer = evtimer_new(server.base, timer_fired, s)) == NULL) {
		log_warn("session %llu: out of memory for its timer",
		    (unsigned long long)s->id);
		return;
	}
	evtimer_add(s->timer, &tv);
}

void
session_set_state(struct session *s, enum session_state state)
{
	const struct config *c = server.conf;

	if (s->state == S_RELAY && state != S_RELAY)
		idle_remove(s);
	s->state = state;
	switch (state) {
	case S_RESOLVING:
		/* evdns has its own timeouts; this one bounds them all. */
		timer_arm(s, c->connect_timeout_ms + 5000);
		break;
	case S_CONNECTING:
		timer_arm(s, c->connect_timeout_ms);
		break;
	case S_RELAY:
		/* idle_timeout is the idle queue's, one timer for all */
		if (s->timer != NULL)
			evtimer_del(s->timer);
		idle_add(s);
		break;
	case S_REPLY:
		timer_arm(s, LINGER_SECONDS * 1000);
		break;
	case S_UDP:
		timer_arm(s, c->udp_idle_timeout_ms);
		break;
	case S_PROXY:
	case S_DETECT:
	case S_HANDSHAKE:
	case S_AUTHENTICATING:
		break;		/* the deadline set at accept stands */
	}
}

/* No host yet: "" without an allocation, never freed. */
static const char no_host[] = "";

/*
 * The request's host, in a block of its own size (a tunnel at rest keeps
 * it for its record), cut as the fixed field it replaces was: at
 * NAME_MAX_LEN + 1 bytes.  Returns -1, and leaves no host, when out of
 * memory.
 */
int
session_set_host(struct session *s, const char *host)
{
	char *h = NULL;

	if (s->host != no_host)
		free((char *)s->host);
	s->host = no_host;
	if (host[0] != '\0' && (h = strndup(host, NAME_MAX_LEN + 1)) == NULL)
		return -1;
	if (h != NULL)
		s->host = h;
	return 0;
}

/* Ids unique across workers: worker w of n numbers w + n, w + 2n, ... */
static uint64_t
session_new_id(void)
{
	uint64_t n = server.nworkers > 0 ? (uint64_t)server.nworkers : 1;

	return ++server.next_id * n + (uint64_t)server.worker;
}

/*
 * Over a limit the request is still read, then refused.  Each worker
 * keeps its share of the limits: the kernel spreads a client's
 * connections over the workers.
 */
static void
take_limit(struct session *s)
{
	size_t open;

	s->limit = connlimit_take(&s->client_addr, &open);
	if (s->limit == NULL ||
	    open > workers_share(server.conf->max_connections_per_client))
		s->over_limit = 1;
}

/*
 * The PROXY header a load balancer in proxy_protocol_from must send:
 * from here on its client is the session's client, for the rules, the
 * limits and the records.  Returns 1 when the header is read, 0 while
 * it is incomplete, -1 when the session was closed.
 */
static int
proxy_header(struct session *s, struct evbuffer *in)
{
	struct proxyproto	 pp;
	size_t			 len = evbuffer_get_length(in);
	size_t			 max = server.conf->max_header_bytes;
	const uint8_t		*b;
	ssize_t			 n;
	char			 lb[ADDR_STRLEN], src[ADDR_STRLEN];

	if (len > max)
		len = max;
	if ((b = evbuffer_pullup(in, (ev_ssize_t)len)) == NULL)
		return 0;
	addr_format(&s->client_addr, lb, sizeof(lb));
	if ((n = proxyproto_parse(b, len, max, &pp)) == 0 && len < max)
		return 0;
	if (n <= 0) {
		log_info("session %llu: no valid PROXY header from %s",
		    (unsigned long long)s->id, lb);
		server.count->proxy_headers[PROXYHDR_BAD]++;
		session_close(s, EV_DENY, REASON_BAD_REQUEST);
		return -1;
	}
	evbuffer_drain(in, (size_t)n);
	if (pp.local)
		server.count->proxy_headers[PROXYHDR_LOCAL]++;
	else {
		server.count->proxy_headers[PROXYHDR_PROXY]++;
		s->client_addr = pp.src;
		s->client_port = pp.sport;
		addr_format(&s->client_addr, src, sizeof(src));
		log_debug("session %llu: PROXY v%d from %s: client %s:%u",
		    (unsigned long long)s->id, pp.version, lb, src, pp.sport);
	}
	take_limit(s);
	session_set_state(s, S_DETECT);
	return 1;
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	unsigned char	 first;

	/* Draining before the close; a UDP association's control
	 * connection carries nothing more (RFC 1928 section 7). */
	if (s->state == S_REPLY || s->state == S_UDP) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (s->state == S_PROXY && proxy_header(s, in) != 1)
		return;
	if (s->state == S_DETECT) {
		if (evbuffer_copyout(in, &first, 1) != 1)
			return;
		if ((s->proto = proto_for_byte(first)) == NULL) {
			log_debug("session %llu: first byte 0x%02x is no "
			    "protocol", (unsigned long long)s->id, first);
			session_close(s, EV_DENY, REASON_BAD_REQUEST);
			return;
		}
		s->proto_name = s->proto->name;
		session_set_state(s, S_HANDSHAKE);
	}
	if (s->state == S_HANDSHAKE)
		s->proto->read(s);
	/* Later bytes wait in the buffer until the relay starts. */
}

/* A kept-alive HTTP connection with no byte of a next request yet. */
static int
waiting_idle(struct session *s)
{
	return s->state == S_HANDSHAKE && s->kept_alive &&
	    evbuffer_get_length(bufferevent_get_input(s->client)) == 0;
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	/* A UDP association ends with its TCP connection. */
	if (s->state == S_UDP) {
		session_close(s, EV_FLOW, REASON_NONE);
		return;
	}
	if (s->state == S_REPLY) {
		/* A client that half-closed still gets its reply. */
		if (what & BEV_EVENT_EOF)
			capture_flow_fin(&s->capture, CAPTURE_UP);
		if ((what & BEV_EVENT_EOF) &&
		    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
			s->client_eof = 1;
			bufferevent_disable(bev, EV_READ);
			return;
		}
		session_close(s, s->event, s->reason);
		return;
	}
	/*
	 * A tunnel's client stays watched while its destination is looked
	 * up and connected to (turning it off and on again would cost two
	 * epoll_ctl calls a tunnel).  An end or an error met by reading then
	 * stays in the socket for the relay (or the refusal) to meet, as if
	 * it had come later: a client may half-close after its request and
	 * still get its tunnel.  The bufferevent has stopped reading.  An
	 * error in writing (what a kept-alive connection still had to send)
	 * ends the session as before.
	 */
	if ((s->state == S_RESOLVING || s->state == S_CONNECTING) &&
	    (what & BEV_EVENT_READING))
		return;
	/* The client went away before its request was done or served. */
	if (s->state == S_PROXY || s->state == S_DETECT || waiting_idle(s))
		session_close(s, EV_NONE, REASON_NONE);
	else if (s->state == S_HANDSHAKE || s->state == S_AUTHENTICATING)
		session_close(s, EV_DENY, REASON_BAD_REQUEST);
	else
		session_close(s, EV_ERROR, (what & BEV_EVENT_EOF) ?
		    REASON_NONE : REASON_CONNECT_FAILED);
}

static void
timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	switch (s->state) {
	case S_PROXY:
		log_info("session %llu: no whole PROXY header in "
		    "handshake_timeout", (unsigned long long)s->id);
		server.count->proxy_headers[PROXYHDR_BAD]++;
		/* FALLTHROUGH */
	case S_DETECT:
	case S_HANDSHAKE:
	case S_AUTHENTICATING:
		log_debug("session %llu: handshake_timeout",
		    (unsigned long long)s->id);
		session_close(s, s->state == S_PROXY || s->state == S_DETECT ||
		    waiting_idle(s) ? EV_NONE : EV_ERROR, REASON_TIMEOUT);
		break;
	case S_RESOLVING:
		session_refuse(s, EV_ERROR, REASON_DNS_ERROR);
		break;
	case S_CONNECTING:
		if (s->upstream == NULL) {	/* waited for a descriptor */
			dial_next(s);
			break;
		}
		bufferevent_free(s->upstream);
		s->upstream = NULL;
		s->connect_error = REASON_TIMEOUT;
		dial_next(s);
		break;
	case S_RELAY:
		break;		/* the idle queue's (idle.c) */
	case S_UDP:
		udprelay_idle_check(s);
		break;
	case S_REPLY:
		session_close(s, s->event, s->reason);
		break;
	}
}

/*
 * Under load the client's first bytes (its request, a SOCKS greeting)
 * are often there by the time its connection is accepted: one read(2)
 * into the input buffer takes them at once, instead of a turn of the
 * loop for EPOLLIN and libevent's FIONREAD before its own read.  At most
 * what the read watermark lets the bufferevent read.  Returns whether
 * bytes came; an end or an error, or nothing yet, is left in the socket
 * for the bufferevent to meet as before.
 */
static int
first_read(struct session *s, int fd)
{
	struct evbuffer		*in = bufferevent_get_input(s->client);
	struct evbuffer_iovec	 v;
	size_t			 max = server.conf->max_header_bytes + 1;
	ssize_t			 n = 0;

	/* A bufferevent's input takes bytes only from its own reads. */
	evbuffer_unfreeze(in, 0);
	if (evbuffer_reserve_space(in, (ev_ssize_t)max, &v, 1) == 1) {
		do
			n = read(fd, v.iov_base, v.iov_len < max ?
			    v.iov_len : max);
		while (n == -1 && errno == EINTR);
		v.iov_len = n > 0 ? (size_t)n : 0;
		if (n <= 0 || evbuffer_commit_space(in, &v, 1) == -1)
			n = 0;
	}
	evbuffer_freeze(in, 0);
	return n > 0;
}

void
session_accept(int fd, const struct sockaddr *peer, int peerlen)
{
	const struct config	*c = server.conf;
	struct session		*s;
	struct timeval		 tv;

	(void)peerlen;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		return;
	}
	s->id = session_new_id();
	s->host = no_host;
	gettimeofday(&s->started, NULL);
	addr_from_sockaddr(peer, &s->client_addr);
	s->client_port = ntohs(peer->sa_family == AF_INET ?
	    ((const struct sockaddr_in *)(const void *)peer)->sin_port :
	    ((const struct sockaddr_in6 *)(const void *)peer)->sin6_port);
	s->client = bufferevent_socket_new(server.base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	s->timer = evtimer_new(server.base, timer_fired, s);
	if (s->client == NULL || s->timer == NULL) {
		if (s->client != NULL)
			bufferevent_free(s->client);
		else
			close(fd);
		if (s->timer != NULL)
			event_free(s->timer);
		free(s);
		return;
	}
	TAILQ_INSERT_TAIL(&server.sessions, s, entry);
	server.nsessions++;
	server.count->accepted++;
	if (server.nsessions > workers_share(c->max_connections))
		s->over_limit = 1;
	s->state = S_DETECT;
	if (c->proxy_protocol &&
	    cidrset_lookup(c->proxy_protocol_from, &s->client_addr, NULL))
		s->state = S_PROXY;
	else
		take_limit(s);
	bufferevent_setcb(s->client, client_read, NULL, client_event, s);
	/* One byte over max_header_bytes tells a parser the head is too big. */
	bufferevent_setwatermark(s->client, EV_READ, 0,
	    c->max_header_bytes + 1);
	bufferevent_enable(s->client, EV_READ);
	tv.tv_sec = (time_t)(c->handshake_timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(c->handshake_timeout_ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
	if (first_read(s, fd))
		client_read(s->client, s);
}

int
session_client_allowed(const struct session *s)
{
	const struct policy *p = acl_current()->policy;

	return p->clients == NULL ||
	    cidrset_lookup(p->clients, &s->client_addr, NULL);
}

/*
 * A password check came back: the protocol reads its request again,
 * which the check now answers at once, or the session is refused.
 */
static void
auth_checked(void *arg, enum auth_result r)
{
	struct session *s = arg;

	s->auth_wait = NULL;
	if (r != AUTH_OK) {
		server.count->auth_failures++;
		session_refuse(s, EV_DENY, REASON_AUTH);
		return;
	}
	session_set_state(s, S_HANDSHAKE);
	bufferevent_enable(s->client, EV_READ);
	s->proto->read(s);
}

/*
 * With [auth], a protocol hands the user and password over before its
 * request: the user is kept for the flow log and the rules' `users`.
 * A client refused anyway (outside [proxy] clients, at a limit) is
 * refused for that, without a password check.  Returns 0 when the user
 * may go on, -1 when the session was refused, and 1 while the password
 * is checked: the protocol leaves the message that carries it unread,
 * and reads it again when the check is done (auth_checked).
 */
int
session_authenticate(struct session *s, const char *user, const char *pass,
    size_t plen)
{
	enum auth_result r;

	free(s->user);
	s->user = user != NULL ? strdup(user) : NULL;
	if (!session_client_allowed(s)) {
		session_refuse(s, EV_DENY, REASON_CLIENT_NOT_ALLOWED);
		return -1;
	}
	if (s->over_limit) {
		session_refuse(s, EV_DENY, REASON_LIMIT);
		return -1;
	}
	if (user == NULL) {
		session_refuse(s, EV_DENY, REASON_AUTH);
		return -1;
	}
	r = auth_verify(server.auth, &s->client_addr, user, pass, plen,
	    auth_checked, s, &s->auth_wait);
	switch (r) {
	case AUTH_OK:
		return 0;
	case AUTH_CHECKING:
		server.count->auth_checks++;
		/* FALLTHROUGH */
	case AUTH_WAITING:
		session_set_state(s, S_AUTHENTICATING);
		bufferevent_disable(s->client, EV_READ);
		return 1;
	case AUTH_BUSY:
		server.count->auth_busy++;
		log_info("session %llu: too many password checks waiting, "
		    "refused unchecked", (unsigned long long)s->id);
		session_refuse(s, EV_DENY, REASON_LIMIT);
		return -1;
	case AUTH_THROTTLED:
		server.count->auth_throttled++;
		break;
	case AUTH_FAILED:
		server.count->auth_failures++;
		break;
	}
	session_refuse(s, EV_DENY, REASON_AUTH);
	return -1;
}

/*
 * The request is parsed: host as the client wrote it (IPv6 without
 * brackets) and port.  From here the session only moves forward.
 */
void
session_request(struct session *s, const char *host, uint16_t port)
{
	s->port = port;
	s->acl = acl_current();
	acl_ref(s->acl);
	if (session_set_host(s, host) == -1) {
		session_refuse(s, EV_ERROR, REASON_CONNECT_FAILED);
		return;
	}
	if (s->over_limit) {
		log_info("session %llu: connection limit reached for %s",
		    (unsigned long long)s->id, s->host);
		session_refuse(s, EV_DENY, REASON_LIMIT);
		return;
	}
	/* A session that began before a reload added [auth] (a SOCKS5
	 * greeting without a login) is never served as nobody. */
	if (server.auth != NULL && s->user == NULL) {
		session_refuse(s, EV_DENY, REASON_AUTH);
		return;
	}
	acl_query_init(&s->query, &s->client_addr, s->user, host,
	    strlen(host), port);
	acl_check(s->acl, &s->query, &s->verdict);
	switch (s->verdict.result) {
	case ACL_DENY:
		if (s->query.dest.is_addr) {
			s->addr = s->query.dest.addr;
			s->has_addr = 1;
		}
		session_refuse(s, EV_DENY, s->verdict.reason);
		return;
	case ACL_ALLOW:
		dial_addr(s);
		return;
	case ACL_RESOLVE:
		break;
	}
	dial_resolve(s);
}

static void
reply_flushed(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->client_eof) {
		session_close(s, s->event, s->reason);
		return;
	}
	/* Half-close, then read until the client closes (or the timer). */
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	bufferevent_setcb(bev, client_read, NULL, client_event, s);
}

/*
 * Ends a request with a refusal: the protocol writes its reply, and the
 * session closes once the client has read it.  Closing at once with
 * unread input would send a reset that can destroy the reply.
 */
void
session_refuse(struct session *s, enum session_event event,
    enum reason reason)
{
	s->event = event;
	s->reason = reason;
	/*
	 * A refusal before anything was relayed counts no bytes; once the
	 * request went to the origin (a bad answer after an upload), every
	 * byte that crossed stays counted: a client must not hide a volume.
	 */
	if (s->state != S_RELAY)
		s->bytes_up = s->bytes_down = 0;
	if (s->dns != NULL) {
		resolve_cancel(s->dns);
		s->dns = NULL;
	}
	if (s->upstream != NULL) {
		bufferevent_free(s->upstream);
		s->upstream = NULL;
	}
	if (s->proto == NULL || s->proto->refuse == NULL) {
		session_close(s, event, reason);
		return;
	}
	s->proto->refuse(s, reason);
	session_reply(s);
}

/*
 * Sends the client a reply it is waiting for (a SOCKS answer, the reply
 * that grants a tunnel, an HTTP response that ends the connection), so
 * its socket has room: one write(2), without a turn of the loop for
 * EPOLLOUT and the two epoll_ctl calls around it.  Behind bytes still queued, or for
 * what the socket does not take, it queues in the bufferevent (which
 * also meets any error).  Returns whether all of it is written.
 */
int
session_send(struct session *s, const void *p, size_t len)
{
	ssize_t	 n = 0;

	if (evbuffer_get_length(bufferevent_get_output(s->client)) == 0) {
		do
			n = write(bufferevent_getfd(s->client), p, len);
		while (n == -1 && errno == EINTR);
		if (n == (ssize_t)len)
			return 1;
		if (n == -1)
			n = 0;
	}
	bufferevent_write(s->client, (const char *)p + n, len - (size_t)n);
	return 0;
}

/* The reply is in the client's output: close once it is written. */
void
session_reply(struct session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->client);

	session_set_state(s, S_REPLY);
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_setwatermark(s->client, EV_READ, 0, 0);
	bufferevent_setwatermark(s->client, EV_WRITE, 0, 0);
	bufferevent_setcb(s->client, client_read, reply_flushed, client_event,
	    s);
	bufferevent_enable(s->client, EV_READ);
	/* Written already (session_send): no need to watch for writing. */
	if (evbuffer_get_length(bufferevent_get_output(s->client)) == 0) {
		reply_flushed(s->client, s);
		return;
	}
	bufferevent_enable(s->client, EV_WRITE);
}

/* A protocol's place in the counters: connect, http, socks5, socks4. */
static size_t
proto_index(const char *name)
{
	return name[0] == 'c' ? 0 : name[0] == 'h' ? 1 : name[5] == '5' ?
	    2 : 3;
}

/* A block's size as malloc keeps it (0 for none). */
static size_t
block(const void *p)
{
	return p != NULL ? malloc_usable_size((void *)(uintptr_t)p) : 0;
}

/*
 * The heap a session holds, as malloc counts it (without its 8 or 16
 * bytes of header per block): the session, its strings, its timer, its
 * relay, its bufferevents with their buffers (not the bytes queued in
 * them).  The debug log says it when a tunnel starts relaying: a quick
 * look at what a tunnel at rest costs (make bench, scenario e, measures
 * the whole process).
 */
size_t
session_held_bytes(const struct session *s)
{
	size_t n = block(s) + block(s->user) + block(s->sni) +
	    block(s->sni_buf) + block(s->pstate) + block(s->addrs) +
	    block(s->method) + block(s->url) + block(s->timer) +
	    relay_held_bytes(s);

	if (s->host != no_host)
		n += block(s->host);
	if (s->client != NULL)
		n += block(s->client) +
		    block(bufferevent_get_input(s->client)) +
		    block(bufferevent_get_output(s->client));
	if (s->upstream != NULL)
		n += block(s->upstream) +
		    block(bufferevent_get_input(s->upstream)) +
		    block(bufferevent_get_output(s->upstream));
	return n;
}

/* This worker's open sessions, by protocol, into its gauges. */
void
session_gauges(void)
{
	struct counters	*c = server.count;
	struct session	*s;

	memset(c->open_by_proto, 0, sizeof(c->open_by_proto));
	TAILQ_FOREACH(s, &server.sessions, entry)
		if (s->proto_name != NULL)
			c->open_by_proto[proto_index(s->proto_name)]++;
	c->open_sessions = server.nsessions;
}

static void
count_end(const struct session *s)
{
	struct counters *c = server.count;

	switch (s->event) {
	case EV_FLOW:
		c->flows++;
		if (s->verdict.rule != NULL) {
			flowcount_add(FLOWCOUNT_RULE, s->verdict.rule->name);
			flowcount_add(FLOWCOUNT_LIST, s->verdict.list);
		}
		break;
	case EV_DENY:
		c->denied[s->reason]++;
		break;
	case EV_ERROR:
		c->errors[s->reason]++;
		break;
	case EV_NONE:
		break;
	}
	if (s->event != EV_DENY && s->event != EV_NONE &&
	    s->verdict.would_deny != REASON_NONE)
		c->would_deny++;
	c->bytes_up += s->bytes_up;
	c->bytes_down += s->bytes_down;
	if (s->event != EV_NONE && s->proto_name != NULL)
		c->by_proto[proto_index(s->proto_name)]++;
}

/* A refused or failed attempt in the pcap: a SYN answered by an RST. */
static void
capture_attempt(const struct session *s)
{
	struct addr	 none;

	memset(&none, 0, sizeof(none));
	none.family = ADDR_V4;
	if (s->event != EV_DENY && s->event != EV_ERROR)
		return;
	capture_refused(&s->client_addr, s->client_port, s->has_addr ?
	    &s->addr : s->query.dest.is_addr ? &s->query.dest.addr : &none,
	    s->port);
}

/* The parser is done with: a tunnel's relay runs (its reply is sent). */
void
session_parsed(struct session *s)
{
	if (s->proto != NULL && s->proto->free != NULL)
		s->proto->free(s);
	free(s->pstate);
	s->pstate = NULL;
}

/* The one teardown: the flow record, then every resource. */
void
session_close(struct session *s, enum session_event event,
    enum reason reason)
{
	/* A UDP association's records are its destinations'. */
	if (s->udp != NULL) {
		udprelay_close(s, reason);
		event = EV_NONE;
	}
	s->event = event;
	s->reason = reason;
	flowlog_write(s);
	if (s->capture.started)
		capture_flow_end(&s->capture, event != EV_FLOW ||
		    reason != REASON_NONE);
	else
		capture_attempt(s);
	count_end(s);
	if (s->dns != NULL)
		resolve_cancel(s->dns);
	auth_cancel(s->auth_wait);
	idle_remove(s);
	relay_free(s);
	dial_wait_over(s);
	if (s->upstream != NULL)
		bufferevent_free(s->upstream);
	if (s->client != NULL)		/* a tunnel's relay has let it go */
		bufferevent_free(s->client);
	if (s->timer != NULL)
		event_free(s->timer);
	acl_unref(s->acl);
	connlimit_give(s->limit);
	free(s->user);
	free(s->sni);
	free(s->sni_buf);
	session_set_host(s, no_host);
	free(s->addrs);
	httplog_clear(s);
	session_parsed(s);
	TAILQ_REMOVE(&server.sessions, s, entry);
	server.nsessions--;
	free(s);
	if (server.draining && server.nsessions == 0)
		event_base_loopexit(server.base, NULL);
}

/*
 * An HTTP request on a kept-alive connection is over: its record is
 * written and the session waits for the next request, which goes
 * through the ACL afresh.
 */
void
session_next_request(struct session *s)
{
	const struct config	*c = server.conf;
	struct timeval		 tv;

	s->event = EV_FLOW;
	s->reason = REASON_NONE;
	flowlog_write(s);
	count_end(s);
	/* The request's conversation in the pcap ends as a close would. */
	capture_flow_fin(&s->capture, CAPTURE_UP);
	capture_flow_fin(&s->capture, CAPTURE_DOWN);
	capture_flow_end(&s->capture, 0);
	if (s->upstream != NULL)
		bufferevent_free(s->upstream);
	s->upstream = NULL;
	acl_unref(s->acl);
	s->acl = NULL;
	memset(&s->verdict, 0, sizeof(s->verdict));
	session_set_host(s, no_host);
	s->port = 0;
	dial_drop_addrs(s);
	s->has_addr = 0;
	s->connect_error = REASON_NONE;
	s->bytes_up = s->bytes_down = 0;
	httplog_clear(s);
	s->kept_alive = 1;
	idle_remove(s);
	s->id = session_new_id();
	gettimeofday(&s->started, NULL);
	s->state = S_HANDSHAKE;
	bufferevent_setcb(s->client, client_read, NULL, client_event, s);
	bufferevent_setwatermark(s->client, EV_READ, 0,
	    c->max_header_bytes + 1);
	bufferevent_setwatermark(s->client, EV_WRITE, 0, 0);
	bufferevent_enable(s->client, EV_READ | EV_WRITE);
	tv.tv_sec = (time_t)(c->handshake_timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(c->handshake_timeout_ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
	if (evbuffer_get_length(bufferevent_get_input(s->client)) > 0)
		client_read(s->client, s);
}

/* On shutdown: requests not yet relaying end now, tunnels may drain. */
void
session_shutdown_all(void)
{
	struct session *s, *next;

	for (s = TAILQ_FIRST(&server.sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		switch (s->state) {
		case S_REPLY:
			/*
			 * Its outcome is decided (a refusal, an answered
			 * request): it ends with that outcome once the reply
			 * is written, or when the grace is over.
			 */
			if (server.draining > 1)
				session_close(s, s->event, s->reason);
			break;
		case S_RELAY:
			if (server.draining > 1)
				session_close(s, EV_FLOW, REASON_SHUTDOWN);
			break;
		default:
			session_close(s, s->host[0] ? EV_ERROR : EV_NONE,
			    REASON_SHUTDOWN);
			break;
		}
	}
}

/*
 * After a reload with revoke_on_reload: tunnels whose destination the
 * new allowlist refuses are closed, each with reason "revoked".
 */
void
session_revoke(void)
{
	struct acl		*acl = acl_current();
	struct session		*s, *next;
	struct acl_verdict	 v;

	for (s = TAILQ_FIRST(&server.sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->state == S_UDP)
			udprelay_revoke(s, acl);
		if (s->state != S_RELAY)
			continue;
		acl_check(acl, &s->query, &v);
		if (v.result == ACL_RESOLVE)
			acl_check_addr(acl, &s->query, &s->addr, &v);
		if (v.result != ACL_ALLOW)
			session_close(s, EV_FLOW, REASON_REVOKED);
	}
}
