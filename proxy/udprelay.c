/*
 * A SOCKS5 UDP association (RFC 1928 section 7).  Two kinds of socket:
 * one bound on the address the client connected to, which takes the
 * client's datagrams and gives it the replies, and one per address
 * family, unbound, that sends to the destinations and hears their
 * replies.  A datagram goes through:
 *
 *   from the client's IP (then only its IP:port) -> rate -> header ->
 *   its destination (checked once, against udp_ports, names resolved
 *   with the rebinding guard) -> sent on, or dropped and counted
 *
 * and a reply comes back to the client only from a destination the
 * client has sent to, wrapped in the SOCKS5 UDP header.  Nothing is sent
 * to anyone else: no reflection, no amplification.  A datagram waits
 * for its name's lookup in a small queue of the association's; past it,
 * it is dropped.  Each destination has its record when the association
 * ends (a refused one when it is refused).
 *
 * A socket's turn reads a batch of datagrams with one call and sends
 * what goes on with one call (udpbatch.c); every datagram is still
 * checked on its own.  The sockets' receive buffers are raised
 * (UDP_SOCKBUF, within net.core.rmem_max) so a worker that is late by
 * a few milliseconds loses nothing.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "capture.h"
#include "dnscache.h"
#include "flowlog.h"
#include "log.h"
#include "resolve.h"
#include "server.h"
#include "session.h"
#include "udpbatch.h"
#include "udphdr.h"
#include "udprelay.h"
#include "workers.h"

#define UDP_TURNS	4	/* batches read a turn, per socket */
#define UDP_QUEUE_MAX	8	/* waiting for lookups, per association */
#define UDP_QUEUE_BYTES	16384
#define UDP_SOCKBUF	(1 << 20)	/* SO_RCVBUF, SO_SNDBUF asked for */

enum dest_state { D_RESOLVING, D_ALLOWED, D_REFUSED };

struct udp_assoc;

/* A destination as the client named it: a name or an address, a port. */
struct udp_dest {
	struct udp_assoc	*assoc;
	uint8_t			 key[UDPHDR_KEY_MAX];
	size_t			 keylen;
	char			 host[NAME_MAX_LEN + 2];
	uint16_t		 port;
	enum dest_state		 state;
	enum udp_drop		 why;		/* D_REFUSED: the drop */
	struct acl		*acl;		/* checked against this one */
	struct acl_query	 query;
	struct acl_verdict	 verdict;
	struct addr		 addr;		/* sent to, or refused */
	int			 has_addr;
	struct resolve_req	*dns;
	uint64_t		 bytes[2], datagrams[2];	/* up, down */
	uint64_t		 kept[2];	/* payload bytes in the pcap */
	uint64_t		 last_sent;	/* of the association's sends */
	struct timeval		 started;
};

struct udp_queued {
	struct udp_dest	*dest;
	uint8_t		*data;
	size_t		 len;
};

struct udp_assoc {
	struct session		*s;
	int			 fd;		/* the client's side */
	struct event		*ev;
	int			 out[2];	/* IPv4, IPv6: destinations' */
	struct event		*out_ev[2];
	struct sockaddr_storage	 client_ss;	/* from its first datagram */
	socklen_t		 client_sslen;	/* 0 until then */
	uint16_t		 client_port;	/* named, or the first's; or 0 */
	struct udp_dest		**dests;
	size_t			 ndests, maxdests;
	uint64_t		 sends;
	struct udp_queued	 queue[UDP_QUEUE_MAX];
	size_t			 nqueued, queued_bytes;
	time_t			 window;	/* the second being counted */
	uint64_t		 in_window;
	struct timeval		 last_active;
	TAILQ_ENTRY(udp_assoc)	 entry;
};

static TAILQ_HEAD(, udp_assoc) udp_assocs =
    TAILQ_HEAD_INITIALIZER(udp_assocs);

/* A turn's datagrams in, and on: up to destinations, down to clients. */
static struct udpbatch_in	udp_in;
static void	sent_up(void *, const uint8_t *, size_t, int);
static void	sent_down(void *, const uint8_t *, size_t, int);
static struct udpbatch_out	udp_up = { .done = sent_up };
static struct udpbatch_out	udp_down = { .done = sent_down };

#if UDPHDR_REPLY_MAX > UDPBATCH_ROOM
#error "a reply's header must fit in front of a slot"
#endif

static const char *const drop_names[] = {
	[UDP_DROP_SOURCE] = "source",
	[UDP_DROP_SHORT] = "short",
	[UDP_DROP_FRAGMENT] = "fragment",
	[UDP_DROP_BAD_ATYP] = "bad_atyp",
	[UDP_DROP_BAD_ADDRESS] = "bad_address",
	[UDP_DROP_NOT_ALLOWED] = "not_allowed",
	[UDP_DROP_DNS_ERROR] = "dns_error",
	[UDP_DROP_DESTINATIONS] = "destinations",
	[UDP_DROP_RATE] = "rate",
	[UDP_DROP_QUEUE] = "queue",
	[UDP_DROP_UNSOLICITED] = "unsolicited",
	[UDP_DROP_SEND] = "send",
};

const char *
udprelay_drop_name(enum udp_drop why)
{
	return why < UDP_DROP_MAX ? drop_names[why] : NULL;
}

static void
drop(enum udp_drop why)
{
	server.count->udp_drops[why]++;
}

static void	send_up(struct udp_assoc *, struct udp_dest *, uint8_t *,
		    size_t);

/*
 * A destination's record, as the session's record would be with this
 * destination's host, address, verdict and counts: the association's
 * id, user and proto, the client's UDP address.
 */
static void
record(struct udp_dest *d, enum session_event event, enum reason reason)
{
	struct udp_assoc	*a = d->assoc;
	struct session		 r = *a->s;
	struct counters		*c = server.count;

	r.client_port = a->client_port;
	r.host = d->host;
	r.port = d->port;
	r.addr = d->addr;
	r.has_addr = d->has_addr;
	r.verdict = d->verdict;
	r.event = event;
	r.reason = reason;
	r.bytes_up = d->bytes[CAPTURE_UP];
	r.bytes_down = d->bytes[CAPTURE_DOWN];
	r.has_datagrams = 1;
	r.datagrams_up = d->datagrams[CAPTURE_UP];
	r.datagrams_down = d->datagrams[CAPTURE_DOWN];
	r.started = d->started;
	r.sni = NULL;
	r.proto_name = UDPRELAY_PROTO;
	flowlog_write(&r);
	if (event == EV_FLOW)
		c->flows++;
	else if (event == EV_DENY)
		c->denied[reason]++;
	else if (event == EV_ERROR)
		c->errors[reason]++;
	c->bytes_up += r.bytes_up;
	c->bytes_down += r.bytes_down;
}

/* Refused: recorded once now; its datagrams are dropped from here on. */
static void
refuse(struct udp_dest *d, enum session_event event, enum reason reason,
    enum udp_drop why)
{
	d->state = D_REFUSED;
	d->why = why;
	d->verdict.result = ACL_DENY;
	d->verdict.reason = reason;
	log_info("session %llu: UDP to %s port %u refused (%s)",
	    (unsigned long long)d->assoc->s->id, d->host, d->port,
	    reason_name(reason));
	record(d, event, reason);
}

/* The datagrams that waited for d's lookup go on, or are dropped. */
static void
flush_queue(struct udp_assoc *a, struct udp_dest *d)
{
	size_t kept;

	for (size_t i = 0; i < a->nqueued; i++) {
		struct udp_queued *q = &a->queue[i];

		if (q->dest != d)
			continue;
		if (d->state == D_ALLOWED)
			send_up(a, d, q->data, q->len);
		else
			drop(d->why);
	}
	udpbatch_flush(&udp_up);	/* before their bytes go */
	kept = 0;
	for (size_t i = 0; i < a->nqueued; i++) {
		struct udp_queued *q = &a->queue[i];

		if (q->dest != d) {
			a->queue[kept++] = *q;
			continue;
		}
		a->queued_bytes -= q->len;
		free(q->data);
	}
	a->nqueued = kept;
}

static void
enqueue(struct udp_assoc *a, struct udp_dest *d, const uint8_t *p,
    size_t len)
{
	struct udp_queued *q;

	if (a->nqueued == UDP_QUEUE_MAX ||
	    a->queued_bytes + len > UDP_QUEUE_BYTES) {
		drop(UDP_DROP_QUEUE);
		return;
	}
	q = &a->queue[a->nqueued];
	if ((q->data = malloc(len > 0 ? len : 1)) == NULL) {
		drop(UDP_DROP_QUEUE);
		return;
	}
	memcpy(q->data, p, len);
	q->len = len;
	q->dest = d;
	a->nqueued++;
	a->queued_bytes += len;
}

/* The first address the rules let d go to (the rebinding guard). */
static void
resolved(struct udp_dest *d, const struct addr *addrs, size_t n)
{
	struct acl_verdict	 v, refused;
	int			 nrefused = 0;

	memset(&refused, 0, sizeof(refused));
	refused.reason = REASON_NOT_ALLOWED;
	for (size_t i = 0; i < n; i++) {
		acl_check_addr(d->acl, &d->query, &addrs[i], &v);
		if (v.result == ACL_ALLOW) {
			d->verdict = v;
			d->addr = addrs[i];
			d->has_addr = 1;
			d->state = D_ALLOWED;
			return;
		}
		if (nrefused++ == 0) {
			refused = v;
			d->addr = addrs[i];
			d->has_addr = 1;
		}
	}
	refuse(d, EV_DENY, refused.reason, UDP_DROP_NOT_ALLOWED);
}

static void
dest_answer(int error, const struct addr *addrs, size_t n, uint32_t ttl,
    void *arg)
{
	struct udp_dest		*d = arg;
	const struct config	*c = server.conf;
	uint64_t		 keep = (uint64_t)ttl * 1000;

	d->dns = NULL;
	if (error || n == 0)
		refuse(d, EV_ERROR, REASON_DNS_ERROR, UDP_DROP_DNS_ERROR);
	else {
		if (keep < c->min_ttl_ms)
			keep = c->min_ttl_ms;
		if (keep > c->max_ttl_ms)
			keep = c->max_ttl_ms;
		dnscache_put(server.dns, d->query.dest.name, addrs, n,
		    time(NULL) + (time_t)(keep / 1000));
		resolved(d, addrs, n);
	}
	flush_queue(d->assoc, d);
}

/* A name some rule may allow: from the cache, or looked up. */
static void
lookup(struct udp_dest *d)
{
	struct session	*s = d->assoc->s;
	struct addr	 addrs[DNSCACHE_MAX_ADDRS];
	size_t		 n;

	if (dnscache_get(server.dns, d->query.dest.name, time(NULL), addrs,
	    &n)) {
		server.count->dns_hits++;
		resolved(d, addrs, n);
		return;
	}
	server.count->dns_misses++;
	d->state = D_RESOLVING;
	d->dns = resolve_name_for(server.resolver, &s->client_addr,
	    d->query.dest.name, dest_answer, d);
	if (d->dns == NULL)
		refuse(d, EV_ERROR, REASON_DNS_ERROR, UDP_DROP_DNS_ERROR);
}

/* A destination the client names for the first time, checked. */
static struct udp_dest *
dest_new(struct udp_assoc *a, const struct udphdr *h)
{
	struct session	*s = a->s;
	struct udp_dest	*d;

	if (a->ndests == a->maxdests) {
		drop(UDP_DROP_DESTINATIONS);
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		drop(UDP_DROP_QUEUE);
		return NULL;
	}
	a->dests[a->ndests++] = d;
	d->assoc = a;
	memcpy(d->key, h->key, h->keylen);
	d->keylen = h->keylen;
	d->port = h->port;
	gettimeofday(&d->started, NULL);
	if (udphdr_host(h, d->host, sizeof(d->host)) == -1)
		d->host[0] = '\0';
	d->acl = acl_current();
	acl_ref(d->acl);
	acl_query_init(&d->query, &s->client_addr, s->user, d->host,
	    strlen(d->host), d->port);
	d->query.udp = 1;
	acl_check(d->acl, &d->query, &d->verdict);
	switch (d->verdict.result) {
	case ACL_DENY:
		if (d->query.dest.is_addr) {
			d->addr = d->query.dest.addr;
			d->has_addr = 1;
		}
		refuse(d, EV_DENY, d->verdict.reason,
		    d->verdict.reason == REASON_BAD_REQUEST ?
		    UDP_DROP_BAD_ADDRESS : UDP_DROP_NOT_ALLOWED);
		break;
	case ACL_ALLOW:
		d->addr = d->query.dest.addr;
		d->has_addr = 1;
		d->state = D_ALLOWED;
		break;
	case ACL_RESOLVE:
		lookup(d);
		break;
	}
	return d;
}

static struct udp_dest *
dest_by_key(struct udp_assoc *a, const struct udphdr *h)
{
	for (size_t i = 0; i < a->ndests; i++) {
		struct udp_dest *d = a->dests[i];

		if (d->keylen == h->keylen &&
		    memcmp(d->key, h->key, h->keylen) == 0)
			return d;
	}
	return NULL;
}

/*
 * The destination a reply comes from, if the client has sent to it.
 * Two names for one address:port (a name and its address) share its
 * replies: the one sent to last has them.
 */
static struct udp_dest *
dest_by_addr(struct udp_assoc *a, const struct addr *src, uint16_t port)
{
	struct udp_dest *found = NULL;

	for (size_t i = 0; i < a->ndests; i++) {
		struct udp_dest *d = a->dests[i];

		if (d->state == D_ALLOWED && d->port == port &&
		    d->datagrams[CAPTURE_UP] > 0 &&
		    memcmp(&d->addr, src, sizeof(*src)) == 0 &&
		    (found == NULL || d->last_sent > found->last_sent))
			found = d;
	}
	return found;
}

/* udp_max_datagrams_per_second, both ways together. */
static int
rate_ok(struct udp_assoc *a)
{
	struct timeval now;

	event_base_gettimeofday_cached(server.base, &now);
	a->last_active = now;
	if (now.tv_sec != a->window) {
		a->window = now.tv_sec;
		a->in_window = 0;
	}
	return ++a->in_window <= server.conf->udp_max_datagrams_per_second;
}

static void
counted(struct udp_dest *d, int dir, const uint8_t *p, size_t len)
{
	struct udp_assoc	*a = d->assoc;
	struct session		*s = a->s;

	d->datagrams[dir]++;
	d->bytes[dir] += len;
	server.count->udp_datagrams[dir]++;
	server.count->udp_bytes[dir] += len;
	if (dir == CAPTURE_UP)
		capture_udp(&s->client_addr, a->client_port, &d->addr,
		    d->port, p, len, &d->kept[dir]);
	else
		capture_udp(&d->addr, d->port, &s->client_addr,
		    a->client_port, p, len, &d->kept[dir]);
}

static void	out_readable(evutil_socket_t, short, void *);

/* Room for a burst: the kernel caps it at net.core.[rw]mem_max. */
static void
sockbufs(int fd)
{
	int sz = UDP_SOCKBUF;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

/* The socket of a family that sends to destinations, opened once. */
static int
out_socket(struct udp_assoc *a, int v6)
{
	int fd;

	if (a->out[v6] != -1)
		return a->out[v6];
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	sockbufs(fd);
	a->out_ev[v6] = event_new(server.base, fd, EV_READ | EV_PERSIST,
	    out_readable, a);
	if (a->out_ev[v6] == NULL || event_add(a->out_ev[v6], NULL) == -1) {
		if (a->out_ev[v6] != NULL)
			event_free(a->out_ev[v6]);
		a->out_ev[v6] = NULL;
		close(fd);
		return -1;
	}
	a->out[v6] = fd;
	return fd;
}

/* Queued for d, sent with the rest of the turn (udp_up). */
static void
send_up(struct udp_assoc *a, struct udp_dest *d, uint8_t *p, size_t len)
{
	struct sockaddr_storage	 ss;
	int			 fd, sl;

	fd = out_socket(a, d->addr.family == ADDR_V6);
	sl = addr_to_sockaddr(&d->addr, d->port, &ss, sizeof(ss));
	if (fd == -1 || sl == -1) {
		drop(UDP_DROP_SEND);
		return;
	}
	d->last_sent = ++a->sends;
	udpbatch_queue(&udp_up, fd, p, len, 0, &ss, (socklen_t)sl, d);
}

static void
sent_up(void *tag, const uint8_t *p, size_t len, int ok)
{
	if (ok)
		counted(tag, CAPTURE_UP, p, len);
	else
		drop(UDP_DROP_SEND);
}

static void
sent_down(void *tag, const uint8_t *p, size_t len, int ok)
{
	if (ok)
		counted(tag, CAPTURE_DOWN, p, len);
	else
		drop(UDP_DROP_SEND);
}

static void
bound_log(struct udp_assoc *a, const char *why)
{
	char	ip[ADDR_STRLEN];
	int	v6 = a->s->client_addr.family == ADDR_V6;

	addr_format(&a->s->client_addr, ip, sizeof(ip));
	log_info("session %llu: UDP association takes datagrams from "
	    "%s%s%s:%u (%s)", (unsigned long long)a->s->id, v6 ? "[" : "",
	    ip, v6 ? "]" : "", a->client_port, why);
}

/*
 * Only the client's IP, and only the port its request named; a request
 * that named port 0 binds the association to the port of the first
 * datagram from the client's IP, whoever on that host sent it.
 */
static int
from_client(struct udp_assoc *a, const struct sockaddr_storage *ss)
{
	struct addr	 src;
	uint16_t	 port;

	if (addr_from_sockaddr((const struct sockaddr *)ss, &src) == -1 ||
	    memcmp(&src, &a->s->client_addr, sizeof(src)) != 0)
		return 0;
	port = ntohs(ss->ss_family == AF_INET ?
	    ((const struct sockaddr_in *)(const void *)ss)->sin_port :
	    ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	if (a->client_port == 0) {
		a->client_port = port;
		bound_log(a, "its first datagram");
	}
	if (port != a->client_port)
		return 0;
	if (a->client_sslen == 0) {
		a->client_ss = *ss;
		a->client_sslen = ss->ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	return 1;
}

static const enum udp_drop header_drops[] = {
	[UDPHDR_OK] = UDP_DROP_MAX,
	[UDPHDR_SHORT] = UDP_DROP_SHORT,
	[UDPHDR_FRAGMENT] = UDP_DROP_FRAGMENT,
	[UDPHDR_BAD_ATYP] = UDP_DROP_BAD_ATYP,
	[UDPHDR_BAD_ADDRESS] = UDP_DROP_BAD_ADDRESS,
};

/* A datagram from the client, len bytes at p. */
static void
datagram_up(struct udp_assoc *a, uint8_t *p, size_t len)
{
	struct udphdr		 h;
	struct udp_dest		*d;
	enum udphdr_error	 e;

	if (!rate_ok(a)) {
		drop(UDP_DROP_RATE);
		return;
	}
	if ((e = udphdr_parse(p, len, &h)) != UDPHDR_OK) {
		drop(header_drops[e]);
		return;
	}
	if ((d = dest_by_key(a, &h)) == NULL && (d = dest_new(a, &h)) == NULL)
		return;
	switch (d->state) {
	case D_ALLOWED:
		send_up(a, d, p + h.len, len - h.len);
		break;
	case D_RESOLVING:
		enqueue(a, d, p + h.len, len - h.len);
		break;
	case D_REFUSED:
		drop(d->why);
		break;
	}
}

static void
client_readable(evutil_socket_t fd, short what, void *arg)
{
	struct udp_assoc	*a = arg;
	struct udpbatch_in	*in = &udp_in;

	(void)what;
	for (int t = 0; t < UDP_TURNS; t++) {
		if (udpbatch_recv(fd, in) == -1)
			break;
		for (size_t i = 0; i < in->n; i++) {
			if (!from_client(a, &in->from[i]))
				drop(UDP_DROP_SOURCE);
			else
				datagram_up(a, in->data[i], in->len[i]);
		}
		udpbatch_flush(&udp_up);
		if (in->n < UDPBATCH_MAX)
			break;		/* nothing more waits */
	}
}

/* A reply, len bytes at p, with room for its header in front. */
static void
datagram_down(struct udp_assoc *a, uint8_t *p, size_t len,
    const struct sockaddr_storage *ss)
{
	struct udp_dest	*d;
	struct addr	 src;
	uint8_t		 hdr[UDPHDR_REPLY_MAX];
	uint16_t	 port;
	size_t		 hl;

	if (addr_from_sockaddr((const struct sockaddr *)ss, &src) == -1)
		return;
	port = ntohs(ss->ss_family == AF_INET ?
	    ((const struct sockaddr_in *)(const void *)ss)->sin_port :
	    ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	if ((d = dest_by_addr(a, &src, port)) == NULL) {
		drop(UDP_DROP_UNSOLICITED);
		return;
	}
	if (!rate_ok(a)) {
		drop(UDP_DROP_RATE);
		return;
	}
	hl = udphdr_format(hdr, &src, port);
	memcpy(p - hl, hdr, hl);
	udpbatch_queue(&udp_down, a->fd, p - hl, len + hl, hl, &a->client_ss,
	    a->client_sslen, d);
}

static void
out_readable(evutil_socket_t fd, short what, void *arg)
{
	struct udp_assoc	*a = arg;
	struct udpbatch_in	*in = &udp_in;

	(void)what;
	for (int t = 0; t < UDP_TURNS; t++) {
		if (udpbatch_recv(fd, in) == -1)
			break;
		for (size_t i = 0; i < in->n; i++)
			datagram_down(a, in->data[i], in->len[i],
			    &in->from[i]);
		udpbatch_flush(&udp_down);
		if (in->n < UDPBATCH_MAX)
			break;		/* nothing more waits */
	}
}

/* A client's associations in this worker. */
static uint64_t
client_assocs(const struct addr *client)
{
	struct udp_assoc	*a;
	uint64_t		 n = 0;

	TAILQ_FOREACH(a, &udp_assocs, entry)
		if (memcmp(&a->s->client_addr, client, sizeof(*client)) == 0)
			n++;
	return n;
}

/*
 * The client's socket, on the address the client connected to; bound
 * is its address for the reply (an IPv4-mapped one as IPv4, which is
 * what a client that connected over IPv4 sends to).
 */
static int
client_socket(struct session *s, struct sockaddr_storage *bound)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)bound;
	struct sockaddr_in	 sin;
	struct addr		 a;
	socklen_t		 len = sizeof(*bound);
	int			 fd;

	memset(bound, 0, sizeof(*bound));
	if (getsockname(bufferevent_getfd(s->client),
	    (struct sockaddr *)bound, &len) == -1)
		return -1;
	if (bound->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)bound)->sin_port = 0;
	else
		sin6->sin6_port = 0;
	fd = socket(bound->ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	sockbufs(fd);
	if (bind(fd, (struct sockaddr *)bound, len) == -1 ||
	    getsockname(fd, (struct sockaddr *)bound, &len) == -1) {
		close(fd);
		return -1;
	}
	if (bound->ss_family == AF_INET6 &&
	    addr_from_sockaddr((struct sockaddr *)bound, &a) == 0 &&
	    a.family == ADDR_V4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = sin6->sin6_port;
		memcpy(&sin.sin_addr, a.b, 4);
		memset(bound, 0, sizeof(*bound));
		memcpy(bound, &sin, sizeof(sin));
	}
	return fd;
}

/*
 * UDP ASSOCIATE: the checks any SOCKS5 request gets, the address the
 * client says it sends from (from: NULL for none; never another host
 * than the client's), the client's limit, then the relay socket, whose
 * address goes in bound.  A port (not 0) binds the association to it
 * from the start.  Returns REASON_NONE, or why the association is
 * refused.
 */
enum reason
udprelay_open(struct session *s, const struct addr *from, uint16_t port,
    struct sockaddr_storage *bound)
{
	const struct config	*c = server.conf;
	struct udp_assoc	*a;
	char			 client[ADDR_STRLEN], named[ADDR_STRLEN];

	if (!session_client_allowed(s))
		return REASON_CLIENT_NOT_ALLOWED;
	if (s->over_limit)
		return REASON_LIMIT;
	if (server.auth != NULL && s->user == NULL)
		return REASON_AUTH;
	if (from != NULL &&
	    memcmp(from, &s->client_addr, sizeof(*from)) != 0) {
		addr_format(&s->client_addr, client, sizeof(client));
		addr_format(from, named, sizeof(named));
		log_info("session %llu: UDP ASSOCIATE from %s names %s as "
		    "its source", (unsigned long long)s->id, client, named);
		return REASON_BAD_REQUEST;
	}
	if (client_assocs(&s->client_addr) >=
	    workers_share(c->udp_max_associations_per_client)) {
		server.count->udp_assoc_limit++;
		addr_format(&s->client_addr, client, sizeof(client));
		log_info("session %llu: %s has udp_max_associations_per_client "
		    "UDP associations", (unsigned long long)s->id, client);
		return REASON_LIMIT;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->dests = calloc(c->udp_max_destinations,
	    sizeof(*a->dests))) == NULL) {
		free(a);
		return REASON_CONNECT_FAILED;
	}
	a->s = s;
	a->maxdests = c->udp_max_destinations;
	a->out[0] = a->out[1] = -1;
	if ((a->fd = client_socket(s, bound)) == -1 ||
	    (a->ev = event_new(server.base, a->fd, EV_READ | EV_PERSIST,
	    client_readable, a)) == NULL || event_add(a->ev, NULL) == -1) {
		log_warn("session %llu: no UDP relay socket: %s",
		    (unsigned long long)s->id, strerror(errno));
		if (a->ev != NULL)
			event_free(a->ev);
		if (a->fd != -1)
			close(a->fd);
		free(a->dests);
		free(a);
		return REASON_CONNECT_FAILED;
	}
	event_base_gettimeofday_cached(server.base, &a->last_active);
	TAILQ_INSERT_TAIL(&udp_assocs, a, entry);
	s->udp = a;
	if ((a->client_port = port) != 0)
		bound_log(a, "named in the request");
	server.count->udp_associations++;
	server.count->udp_open++;
	session_set_state(s, S_UDP);
	return REASON_NONE;
}

/* The idle timer fired: close, or wait for the time that is left. */
void
udprelay_idle_check(struct session *s)
{
	struct timeval	 now, idle, left;
	uint64_t	 ms = server.conf->udp_idle_timeout_ms;

	event_base_gettimeofday_cached(server.base, &now);
	timersub(&now, &s->udp->last_active, &idle);
	if ((uint64_t)idle.tv_sec * 1000 + (uint64_t)idle.tv_usec / 1000 >=
	    ms) {
		session_close(s, EV_FLOW, REASON_IDLE_TIMEOUT);
		return;
	}
	left.tv_sec = (time_t)(ms / 1000);
	left.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	timersub(&left, &idle, &left);
	evtimer_add(s->timer, &left);
}

/*
 * After a reload with revoke_on_reload: destinations the new allowlist
 * refuses end, each with its record (reason "revoked"); the client's
 * datagrams to them are dropped from then on.
 */
void
udprelay_revoke(struct session *s, struct acl *acl)
{
	struct udp_assoc	*a = s->udp;
	struct acl_verdict	 v;

	for (size_t i = 0; a != NULL && i < a->ndests; i++) {
		struct udp_dest *d = a->dests[i];

		if (d->state != D_ALLOWED)
			continue;
		acl_check(acl, &d->query, &v);
		if (v.result == ACL_RESOLVE)
			acl_check_addr(acl, &d->query, &d->addr, &v);
		if (v.result == ACL_ALLOW)
			continue;
		record(d, EV_FLOW, REASON_REVOKED);
		d->state = D_REFUSED;
		d->why = UDP_DROP_NOT_ALLOWED;
	}
}

/*
 * The association ends during d's lookup: the name went to the DNS, so
 * it has its record, as a failed lookup, and what waited is dropped.
 */
static void
cut_short(struct udp_assoc *a, struct udp_dest *d)
{
	size_t waited = 0;

	for (size_t i = 0; i < a->nqueued; i++)
		if (a->queue[i].dest == d)
			waited++;
	if (d->dns != NULL)
		resolve_cancel(d->dns);
	d->dns = NULL;
	log_info("session %llu: UDP association ended during the lookup of "
	    "%s; %zu datagrams to it dropped", (unsigned long long)a->s->id,
	    d->host, waited);
	refuse(d, EV_ERROR, REASON_DNS_ERROR, UDP_DROP_DNS_ERROR);
	flush_queue(a, d);
}

/* The association ends: each destination's record, every resource. */
void
udprelay_close(struct session *s, enum reason reason)
{
	struct udp_assoc *a = s->udp;

	for (size_t i = 0; i < a->ndests; i++) {
		struct udp_dest *d = a->dests[i];

		if (d->state == D_RESOLVING)
			cut_short(a, d);
		if (d->state == D_ALLOWED)
			record(d, EV_FLOW, reason);
		acl_unref(d->acl);
		free(d);
	}
	for (size_t i = 0; i < a->nqueued; i++)
		free(a->queue[i].data);
	for (int v6 = 0; v6 < 2; v6++)
		if (a->out[v6] != -1) {
			event_free(a->out_ev[v6]);
			close(a->out[v6]);
		}
	event_free(a->ev);
	close(a->fd);
	TAILQ_REMOVE(&udp_assocs, a, entry);
	free(a->dests);
	free(a);
	s->udp = NULL;
	server.count->udp_open--;
	server.count->by_proto[2]++;	/* a SOCKS5 connection ended */
}
