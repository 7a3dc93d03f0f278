/*
 * The tunnel relay (CONNECT and SOCKS), one direction at a time on the
 * sockets themselves once the handshake's reply is written.
 *
 * A direction starts by copying: read(2) into a stack buffer, show the
 * bytes to whoever must see them (the SNI reader, the pcap until
 * pcap_snaplen), write(2) them on.  When a read fills the buffer and
 * nobody needs to see the bytes any more, the direction switches to
 * splice(2) through a pipe of its own: the payload then never enters
 * pinhole.  Small exchanges never pay for a pipe; bulk never pays for a
 * copy.
 *
 * With sni_check on, the client's first bytes are held, not written on,
 * while they are a ClientHello so far: the tunnel's first flight leaves
 * only once its server name has passed the check (snicheck.c), and a
 * mismatch under enforce sends nothing of it.  The server's first bytes
 * are then read in passing (hrr.c) until they tell whether it asks for
 * the ClientHello again (a TLS 1.3 HelloRetryRequest); meanwhile the
 * client's next bytes are held too, and after an HRR its second
 * ClientHello is held and checked as the first was.  Anything else from
 * the server ends the watch: a tunnel pays for it only until the
 * server's first read.
 *
 * A direction reads only when what it read before is written: a slow
 * reader stops its writer, and pinhole holds at most one pipe or one
 * read per direction.  An EOF is passed on as shutdown(SHUT_WR) once
 * everything before it is written, while the other direction keeps
 * flowing; the flow ends when both have ended.  An end that is not
 * read (after its FIN, or behind a slow writer) is still watched for a
 * reset, which is passed on as a reset at once.
 *
 * A reset passed on drops what the kernel had not delivered: the counts
 * (and the pcap's last ACKs) then keep only what the receiving end
 * acknowledged.
 */
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idle.h"
#include "relay.h"
#include "server.h"
#include "log.h"
#include "hrr.h"
#include "sni.h"
#include "snicheck.h"

#define RELAY_COPY	16384		/* one read while copying */
#define RELAY_PIPE	(1024 * 1024)	/* a pipe's size, when allowed */
/* A ClientHello held for the SNI check: 16 KiB and a record header. */
#define RELAY_HOLD	(SNI_MAX_BYTES + 5)
#define RELAY_GONE	(-2)		/* the session was closed meanwhile */

struct relay_dir {
	struct relay	*relay;
	int		 dir;		/* CAPTURE_UP or CAPTURE_DOWN */
	int		 from, to;
	struct event	*readable;
	struct event	*writable;	/* made when a write first waits */
	int		 pipe[2];	/* -1: still copying */
	size_t		 in_pipe;
	unsigned char	*held;		/* read, not yet written */
	size_t		 held_len, held_off;
	int		 eof;		/* from has ended */
	int		 watched;	/* from, once not read: for a reset */
	int		 read_errno;	/* how reading from failed */
	int		 write_errno;	/* how writing to failed */
};

struct relay {
	struct session		*s;
	struct relay_dir	 d[2];
	int			 ended;		/* directions passed on */
	int			 sni_mode;	/* enum sni_check */
	int			 own_fds;	/* the bufferevents are gone */
	struct event		*sni_deadline;	/* handshake_timeout, held */
	int			 retry;		/* enum relay_retry */
	struct hrr		 hrr;		/* the server's first message */
	struct event		*retry_seen;	/* the server has answered */
};

/* Where the client's second ClientHello stands. */
enum relay_retry {
	RETRY_NONE,	/* the first is held, or no second will be checked */
	RETRY_WAIT,	/* the first went on: the server's answer is awaited */
	RETRY_HELLO	/* the server sent an HRR: the second is held */
};

static void	dir_readable(evutil_socket_t, short, void *);
static void	wait_writable(struct relay_dir *);
static int	write_on(struct relay_dir *, const unsigned char *, size_t);
static void	dir_writable(evutil_socket_t, short, void *);
static void	retry_seen(evutil_socket_t, short, void *);

/* This process's epoll of the ends watched for a reset (watch_reset). */
static int		 watch_ep = -1;
static struct event	*watch_ev;

static void
touch(struct session *s)
{
	idle_touch(s);
}

/* The server name of a ClientHello held from off on, into s->sni. */
static int
hello_name(struct session *s, size_t off)
{
	char	 name[256], *dup;
	int	 state;

	state = sni_parse(s->sni_buf + off, s->sni_len - off, name,
	    sizeof(name));
	if (state != SNI_FOUND)
		return state;
	if ((dup = strdup(name)) == NULL)
		return SNI_NONE;
	free(s->sni);		/* the first ClientHello's, after an HRR */
	s->sni = dup;
	return SNI_FOUND;
}

/* What the held bytes are so far (enum sni_result). */
static int
held_state(struct session *s)
{
	struct relay	*r = s->relay;
	size_t		 off = 0;

	if (r->retry == RETRY_WAIT)
		return SNI_MORE;	/* held until the server answers */
	if (r->retry == RETRY_HELLO) {
		switch (hrr_hello_at(s->sni_buf, s->sni_len, &off)) {
		case HRR_MORE:
			return SNI_MORE;
		case HRR_NO:
			return SNI_NONE;	/* not TLS: no hello to check */
		case HRR_YES:
			break;
		}
	}
	return hello_name(s, off);
}

/*
 * Appends n client bytes to the held ClientHello; returns how many it
 * took (at most what fits).  s->sni_state says whether it is whole.
 */
static size_t
hold_bytes(struct session *s, const unsigned char *p, size_t n)
{
	if (s->sni_buf == NULL &&
	    (s->sni_buf = malloc(RELAY_HOLD)) == NULL) {
		s->sni_state = SNI_NONE;
		return 0;
	}
	if (n > RELAY_HOLD - s->sni_len)
		n = RELAY_HOLD - s->sni_len;
	memcpy(s->sni_buf + s->sni_len, p, n);
	s->sni_len += n;
	s->sni_state = held_state(s);
	return n;
}

/*
 * With sni_check off the name is read in passing, for the record: the
 * bytes go on meanwhile, and a ClientHello too long to read is let be.
 */
static void
relay_sni(struct session *s, const unsigned char *p, size_t n)
{
	hold_bytes(s, p, n);
	if ((s->sni_state == SNI_MORE && s->sni_len == RELAY_HOLD) ||
	    s->sni_state == SNI_TOOBIG)
		s->sni_state = SNI_NONE;
	if (s->sni_state != SNI_MORE) {
		free(s->sni_buf);
		s->sni_buf = NULL;
		s->sni_len = 0;
	}
}

/* Whether this direction's next bytes must be read to be seen. */
static int
must_see(const struct relay_dir *d)
{
	struct session *s = d->relay->s;

	if (d->dir == CAPTURE_UP && s->sni_state == SNI_MORE)
		return 1;
	if (d->dir == CAPTURE_DOWN && d->relay->hrr.result == HRR_MORE)
		return 1;
	return capture_flow_wants(&s->capture, d->dir);
}

static void
count(struct relay_dir *d, size_t n)
{
	struct session *s = d->relay->s;

	if (d->dir == CAPTURE_UP)
		s->bytes_up += n;
	else
		s->bytes_down += n;
	touch(s);
}

/*
 * The server's bytes, read in passing until they say whether it sent an
 * HRR.  What that means for the client's held bytes is acted on from
 * the event loop: the session may end of it, not under a reader's feet.
 */
static void
watch_server(struct relay *r, const unsigned char *p, size_t n)
{
	if (hrr_feed(&r->hrr, p, n) != HRR_MORE && r->retry == RETRY_WAIT)
		event_active(r->retry_seen, EV_TIMEOUT, 1);
}

/* Bytes read by copying: shown, counted. */
static void
seen(struct relay_dir *d, const unsigned char *p, size_t n)
{
	struct session *s = d->relay->s;

	if (d->dir == CAPTURE_UP && s->sni_state == SNI_MORE)
		relay_sni(s, p, n);
	else if (d->dir == CAPTURE_DOWN && d->relay->hrr.result == HRR_MORE)
		watch_server(d->relay, p, n);
	capture_flow_bytes(&s->capture, d->dir, p, n);
	count(d, n);
}

static int
read_failed(struct relay_dir *d)
{
	d->read_errno = errno;
	return -1;
}

static int
write_failed(struct relay_dir *d)
{
	d->write_errno = errno;
	return -1;
}

/*
 * Both sockets end in a reset (one end's, the one passed on): what the
 * kernel had not delivered is dropped, so it is taken off the counts.
 * That is what was read and not yet written (held, in the pipe), and
 * what the receiving end has not acknowledged (SIOCOUTQ: written, not
 * ACKed).  An ACKed byte is in the receiver's socket, which a reset
 * does not take back; an unACKed one may have arrived, but is not
 * known to: the counts say what is known delivered.  A reply of
 * pinhole's own still unACKed (the tunnel's 200) is no relayed byte,
 * so the count never goes below 0.  The pcap drew the bytes as their
 * sender sent them; the receiving end's last ACK says what arrived.
 */
static void
uncount_dropped(struct relay *r)
{
	struct session	*s = r->s;

	for (int i = 0; i < 2; i++) {
		struct relay_dir	*d = &r->d[i];
		uint64_t		*n = i == CAPTURE_UP ? &s->bytes_up :
					    &s->bytes_down;
		uint64_t		 lost = d->held_len - d->held_off +
					    d->in_pipe;
		int			 unacked = 0;

		if (ioctl(d->to, SIOCOUTQ, &unacked) == 0 && unacked > 0)
			lost += (uint64_t)unacked;
		if (lost > *n)
			lost = *n;
		*n -= lost;
		capture_flow_acked(&s->capture, d->dir, lost);
	}
}

/*
 * The direction failed.  A reset from one end is passed on as a reset
 * to the other (SO_LINGER 0, then the close), and the pcap draws it
 * from the end that sent it: a FIN would tell the other end the data
 * was complete.
 */
static void
fail(struct relay_dir *d)
{
	struct session	*s = d->relay->s;
	struct linger	 now = { 1, 0 };
	int		 from_reset = d->read_errno == ECONNRESET;
	int		 to_reset = d->write_errno == ECONNRESET ||
			    d->write_errno == EPIPE;

	if (from_reset || to_reset) {
		uncount_dropped(d->relay);
		capture_flow_reset(&s->capture, from_reset ? d->dir : !d->dir);
		(void)setsockopt(from_reset ? d->to : d->from, SOL_SOCKET,
		    SO_LINGER, &now, sizeof(now));
	}
	session_close(s, EV_FLOW, REASON_NONE);
}

/* Everything read before the EOF is written: pass it on. */
static void
pass_eof(struct relay_dir *d)
{
	struct relay *r = d->relay;

	event_del(d->readable);
	if (d->writable != NULL)
		event_del(d->writable);
	/* The last one: closing both sockets says it, both queues are read. */
	if (++r->ended == 2) {
		session_close(r->s, EV_FLOW, REASON_NONE);
		return;
	}
	shutdown(d->to, SHUT_WR);
}

/*
 * An end that is not read (it sent its FIN, or its bytes wait for a slow
 * writer) may still reset: SO_LINGER 0, or a close with bytes unread.
 * Nothing else would tell: after a FIN, while the other way is quiet,
 * the other end would wait for idle_timeout; behind a slow writer, it
 * would get every byte pinhole holds before the reset.  So from the
 * first time it is not read the end is watched for the rest of the
 * tunnel, in an epoll of pinhole's own (the event loop's cannot watch a
 * socket for its errors alone, and a dup of the socket is not safe with
 * its change list): edge-triggered and for nothing but EPOLLERR and
 * EPOLLHUP, which epoll always reports, so that neither data, nor room
 * to write, nor an EOF wakes it.  Without that epoll the reset is met
 * when the end is read or written next.
 */
static void
watch_reset(struct relay_dir *d)
{
	struct epoll_event e;

	if (d->watched || watch_ep == -1)
		return;
	memset(&e, 0, sizeof(e));
	e.events = EPOLLET;
	e.data.ptr = d;
	if (epoll_ctl(watch_ep, EPOLL_CTL_ADD, d->from, &e) == 0)
		d->watched = 1;
}

static void
unwatch(struct relay_dir *d)
{
	if (d->watched)
		(void)epoll_ctl(watch_ep, EPOLL_CTL_DEL, d->from, NULL);
	d->watched = 0;
}

/*
 * A watched end woke: a reset, or nothing (a HUP once both halves are
 * shut).  One at a time: a reset closes its session, whose other end
 * may be ready too, and leaves the epoll before the next wait.
 */
static void
watch_fired(evutil_socket_t fd, short what, void *arg)
{
	struct epoll_event	 e;
	int			 n = 0;

	(void)fd;
	(void)what;
	(void)arg;
	while (n++ < 64 && epoll_wait(watch_ep, &e, 1, 0) == 1) {
		struct relay_dir	*d = e.data.ptr;
		int			 err = 0;
		socklen_t		 len = sizeof(err);

		if (getsockopt(d->from, SOL_SOCKET, SO_ERROR, &err,
		    &len) == -1 || err == 0)
			continue;
		/* After its FIN the kernel says a reset as EPIPE (CLOSE_WAIT). */
		d->read_errno = err == EPIPE ? ECONNRESET : err;
		fail(d);
	}
}

/* The watch of this process's event loop; -1 when it has none. */
int
relay_watch_open(struct event_base *base)
{
	if ((watch_ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	watch_ev = event_new(base, watch_ep, EV_READ | EV_PERSIST,
	    watch_fired, NULL);
	if (watch_ev != NULL && event_add(watch_ev, NULL) == 0)
		return 0;
	relay_watch_close();
	return -1;
}

void
relay_watch_close(void)
{
	if (watch_ev != NULL)
		event_free(watch_ev);
	if (watch_ep != -1)
		close(watch_ep);
	watch_ev = NULL;
	watch_ep = -1;
}

static void
got_eof(struct relay_dir *d)
{
	struct relay *r = d->relay;

	/* A server that has ended sends no HRR: stop holding for one. */
	if (d->dir == CAPTURE_DOWN && r->hrr.result == HRR_MORE) {
		r->hrr.result = HRR_NO;
		if (r->retry == RETRY_WAIT)
			event_active(r->retry_seen, EV_TIMEOUT, 1);
	}
	d->eof = 1;
	event_del(d->readable);
	capture_flow_fin(&d->relay->s->capture, d->dir);
	/* Unless this EOF ends the tunnel now, its end may still reset. */
	if (d->held != NULL || d->in_pipe > 0 || d->relay->ended == 0)
		watch_reset(d);
	if (d->held == NULL && d->in_pipe == 0)
		pass_eof(d);
}

/*
 * Watches for room to write.  The event is made the first time a write
 * waits: most tunnels at rest never needed one (144 bytes each way).
 */
static int
watch_writable(struct relay_dir *d)
{
	if (d->writable == NULL && (d->writable = event_new(server.base,
	    d->to, EV_WRITE | EV_PERSIST, dir_writable, d)) == NULL)
		return -1;
	return event_add(d->writable, NULL);
}

/* Waits for the writer: reading stops until what is held is written. */
static void
wait_writable(struct relay_dir *d)
{
	event_del(d->readable);
	watch_reset(d);
	if (watch_writable(d) == -1)
		fail(d);
}

/* Whether the client's bytes wait for the SNI check. */
static int
holding(const struct relay_dir *d)
{
	return d->dir == CAPTURE_UP &&
	    d->relay->sni_mode != SNI_CHECK_OFF &&
	    d->relay->s->sni_state == SNI_MORE;
}

/*
 * The check's verdict on what was held (state: what sni_parse said of
 * it): 1 to go on, 0 when the tunnel is refused.
 */
static int
sni_verdict(struct relay *r, enum sni_end why, int state)
{
	/* Held while the server had not answered: no hello to check. */
	if (r->retry == RETRY_WAIT) {
		if (why == SNI_END_TIMEOUT)
			log_info("session %llu: no answer from the server "
			    "within handshake_timeout: a ClientHello it asks "
			    "for again would not be checked",
			    (unsigned long long)r->s->id);
		return 1;
	}
	return snicheck_verdict(r->s, r->sni_mode, why, state,
	    r->retry == RETRY_HELLO);
}

/* What is left of handshake_timeout, counted from the accept. */
static void
deadline_left(const struct session *s, struct timeval *left)
{
	struct timeval	 now, used;
	uint64_t	 ms = server.conf->handshake_timeout_ms;

	event_base_gettimeofday_cached(server.base, &now);
	timersub(&now, &s->started, &used);
	left->tv_sec = (time_t)(ms / 1000);
	left->tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (timercmp(&used, left, <))
		timersub(left, &used, left);
	else
		timerclear(left);
}

/* Room left in the held bytes. */
static size_t
hold_room(const struct session *s)
{
	return s->sni_len < RELAY_HOLD ? RELAY_HOLD - s->sni_len : 0;
}

/*
 * After a first ClientHello the server's answer is watched for an HRR,
 * and the client's next bytes (rest, rest_len) are held meanwhile, the
 * deadline still running; after anything else, nothing more is held or
 * watched.  Takes rest.
 */
static int
retry_next(struct relay *r, int watch, unsigned char *rest, size_t rest_len)
{
	struct session	*s = r->s;
	struct timeval	 left;

	if (watch && r->retry_seen == NULL &&
	    (r->retry_seen = event_new(server.base, -1, 0, retry_seen,
	    r)) == NULL) {
		free(rest);
		return -1;
	}
	if (watch) {
		r->retry = r->hrr.result == HRR_YES ? RETRY_HELLO : RETRY_WAIT;
		s->sni_state = SNI_MORE;
		s->sni_buf = rest;
		s->sni_len = rest_len;
		deadline_left(s, &left);
		if (r->retry == RETRY_HELLO)	/* the server spoke first */
			event_active(r->retry_seen, EV_TIMEOUT, 1);
		return evtimer_add(r->sni_deadline, &left);
	}
	free(rest);
	r->retry = RETRY_NONE;
	if (r->hrr.result == HRR_MORE)
		r->hrr.result = HRR_NO;		/* the watch ends */
	/* Nothing more is held: the deadline need not stay. */
	if (r->sni_deadline != NULL) {
		event_free(r->sni_deadline);
		r->sni_deadline = NULL;
	}
	return 0;
}

/*
 * Writes n bytes on, after what waits to be written if anything does
 * (the first ClientHello, when a deadline cuts the wait for the
 * server's answer short).
 */
static int
send_on(struct relay_dir *d, const unsigned char *p, size_t n)
{
	unsigned char *all;

	if (d->held == NULL)
		return write_on(d, p, n);
	if ((all = realloc(d->held, d->held_len + n)) == NULL)
		return -1;
	memcpy(all + d->held_len, p, n);
	d->held = all;
	d->held_len += n;
	return 0;
}

/*
 * The check is decided: the held bytes (and extra, read past them) go
 * on as the tunnel's first bytes, or the tunnel is refused with none of
 * them sent.  A first ClientHello goes on alone, what came after it
 * held until the server has answered.  Returns 0, -1 on an error, or
 * RELAY_GONE when the session was closed (nothing of it may be touched
 * then).
 */
static int
sni_release(struct relay_dir *d, enum sni_end why, const unsigned char *extra,
    size_t extra_len)
{
	struct relay	*r = d->relay;
	struct session	*s = r->s;
	unsigned char	*held = s->sni_buf, *rest = NULL;
	size_t		 len = s->sni_len, end = 0, rest_len = 0;
	int		 rc = 1, state = s->sni_state, go, hello = SNI_HELLO_NO;

	if (r->sni_deadline != NULL)
		evtimer_del(r->sni_deadline);
	/* Only a whole first ClientHello may be answered with an HRR. */
	if (why == SNI_END_PARSED && r->retry == RETRY_NONE && len > 0 &&
	    r->sni_mode != SNI_CHECK_OFF)
		hello = sni_hello_end(held, len, &end);
	go = sni_verdict(r, why, state);
	if (go && hello == SNI_HELLO_MORE)
		go = snicheck_trailing(s, r->sni_mode);
	if (s->sni_state != SNI_FOUND)
		s->sni_state = SNI_NONE;
	s->sni_buf = NULL;
	s->sni_len = 0;
	if (!go) {
		free(held);
		session_close(s, EV_DENY, REASON_SNI_MISMATCH);
		return RELAY_GONE;
	}
	/* Bytes after the hello (rare: sent before the server answered). */
	if (hello == SNI_HELLO_WHOLE && r->hrr.result != HRR_NO &&
	    (rest_len = len - end + extra_len) > 0) {
		if ((rest = malloc(rest_len > RELAY_HOLD ? rest_len :
		    RELAY_HOLD)) == NULL) {
			free(held);
			return -1;
		}
		memcpy(rest, held + end, len - end);
		if (extra_len > 0)
			memcpy(rest + len - end, extra, extra_len);
		len = end;
		extra_len = 0;
	} else if (hello != SNI_HELLO_WHOLE || r->hrr.result == HRR_NO)
		hello = SNI_HELLO_NO;
	if (extra_len > 0) {
		unsigned char *all = realloc(held, len + extra_len);

		if (all == NULL) {
			free(held);
			free(rest);
			return -1;
		}
		memcpy(all + len, extra, extra_len);
		held = all;
		len += extra_len;
	}
	if (len > 0) {
		seen(d, held, len);
		rc = send_on(d, held, len);
	}
	free(held);
	if (rc == -1) {
		free(rest);
		return -1;
	}
	if (retry_next(r, hello == SNI_HELLO_WHOLE, rest, rest_len) == -1)
		return -1;
	if (rc == 0)
		wait_writable(d);
	/* Reading may have waited for the server's answer. */
	else if (!d->eof && event_add(d->readable, NULL) == -1)
		return -1;
	return 0;
}

/*
 * Looks at the held bytes again (the server has answered, or what was
 * written is written): they may be decided now, or room made.
 */
static int
hold_recheck(struct relay_dir *d)
{
	struct relay	*r = d->relay;
	struct session	*s = r->s;

	if (r->retry == RETRY_WAIT && r->hrr.result == HRR_NO)
		return sni_release(d, SNI_END_PARSED, NULL, 0);
	if (r->retry == RETRY_WAIT && r->hrr.result == HRR_YES) {
		log_debug("session %llu: a HelloRetryRequest: the next "
		    "ClientHello is checked", (unsigned long long)s->id);
		r->retry = RETRY_HELLO;
	}
	if (s->sni_buf != NULL)
		s->sni_state = held_state(s);
	if (s->sni_state != SNI_MORE)
		return sni_release(d, SNI_END_PARSED, NULL, 0);
	if (hold_room(s) == 0) {
		if (r->retry != RETRY_WAIT)
			return sni_release(d, SNI_END_FULL, NULL, 0);
		event_del(d->readable);	/* until the server answers */
		return 0;
	}
	return event_add(d->readable, NULL);
}

/* The server's answer is known: the client's held bytes act on it. */
static void
retry_seen(evutil_socket_t fd, short what, void *arg)
{
	struct relay		*r = arg;
	struct relay_dir	*d = &r->d[CAPTURE_UP];

	(void)fd;
	(void)what;
	/* Still writing the first ClientHello: dir_writable looks after. */
	if (r->retry == RETRY_NONE || d->held != NULL || d->eof)
		return;
	if (hold_recheck(d) == -1)
		fail(d);
}

/* The first bytes after the deadline passed unused: a new one. */
static int
late_deadline(struct relay *r)
{
	uint64_t	 ms = server.conf->handshake_timeout_ms;
	struct timeval	 tv = { (time_t)(ms / 1000),
			     (suseconds_t)(ms % 1000) * 1000 };

	if (r->sni_deadline == NULL ||
	    evtimer_pending(r->sni_deadline, NULL))
		return 0;
	return evtimer_add(r->sni_deadline, &tv);
}

/* One read while holding, straight into the held ClientHello. */
static int
hold_once(struct relay_dir *d)
{
	struct relay	*r = d->relay;
	struct session	*s = r->s;
	unsigned char	 buf[RELAY_COPY];
	size_t		 room;
	ssize_t		 n;

	if (s->sni_buf == NULL && (s->sni_buf = malloc(RELAY_HOLD)) == NULL)
		return sni_release(d, SNI_END_PARSED, NULL, 0);
	if ((room = hold_room(s)) == 0)
		return hold_recheck(d);
	do
		n = read(d->from, buf, room < sizeof(buf) ? room : sizeof(buf));
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN ? 0 : read_failed(d);
	if (n == 0) {
		int rc = sni_release(d, SNI_END_EOF, NULL, 0);

		if (rc == 0)
			got_eof(d);
		return rc;
	}
	if (s->sni_len == 0 && late_deadline(d->relay) == -1)
		return -1;
	hold_bytes(s, buf, (size_t)n);
	if (s->sni_state != SNI_MORE || hold_room(s) == 0)
		return hold_recheck(d);
	return 0;
}

/*
 * A client silent past handshake_timeout (nothing held, nothing sent
 * on: a tunnel counts its payload only) has sent no ClientHello: the
 * tunnel goes on (a server may speak first), and its first bytes, when
 * they come, are held and checked all the same, whole within
 * handshake_timeout of the first of them (late_deadline).
 */
static void
sni_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct relay_dir *d = arg;

	(void)fd;
	(void)what;
	if (holding(d) && d->relay->s->sni_len == 0 &&
	    d->relay->s->bytes_up == 0)
		return;
	if (holding(d) && sni_release(d, SNI_END_TIMEOUT, NULL, 0) == -1)
		fail(d);
}
/* Writes what is held; 1 when all of it is written, -1 on an error. */
static int
flush_held(struct relay_dir *d)
{
	ssize_t n;

	while (d->held_off < d->held_len) {
		n = write(d->to, d->held + d->held_off,
		    d->held_len - d->held_off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN ? 0 : write_failed(d);
		d->held_off += (size_t)n;
	}
	free(d->held);
	d->held = NULL;
	d->held_len = d->held_off = 0;
	return 1;
}

static int
flush_pipe(struct relay_dir *d)
{
	ssize_t n;

	while (d->in_pipe > 0) {
		n = splice(d->pipe[0], NULL, d->to, NULL, d->in_pipe,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN ? 0 : write_failed(d);
		d->in_pipe -= (size_t)n;
	}
	return 1;
}

/* Writes n bytes just read; what the writer cannot take now is held. */
static int
write_on(struct relay_dir *d, const unsigned char *p, size_t n)
{
	ssize_t w;

	do
		w = write(d->to, p, n);
	while (w == -1 && errno == EINTR);
	if (w == -1 && errno != EAGAIN)
		return write_failed(d);
	if (w == (ssize_t)n)
		return 1;
	if (w < 0)
		w = 0;
	if ((d->held = malloc(n - (size_t)w)) == NULL)
		return -1;
	memcpy(d->held, p + w, n - (size_t)w);
	d->held_len = n - (size_t)w;
	d->held_off = 0;
	return 0;
}

/* A pipe for this direction, as large as the system lets it be. */
static int
open_pipe(struct relay_dir *d)
{
	if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		d->pipe[0] = d->pipe[1] = -1;
		return -1;
	}
	(void)fcntl(d->pipe[1], F_SETPIPE_SZ, RELAY_PIPE);
	return 0;
}

/* One read by copying; -1 on an error. */
static int
copy_once(struct relay_dir *d)
{
	unsigned char	 buf[RELAY_COPY];
	ssize_t		 n;
	int		 rc;

	do
		n = read(d->from, buf, sizeof(buf));
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN ? 0 : read_failed(d);
	if (n == 0) {
		got_eof(d);
		return 0;
	}
	seen(d, buf, (size_t)n);
	if ((rc = write_on(d, buf, (size_t)n)) == -1)
		return -1;
	if (rc == 0) {
		wait_writable(d);
		return 0;
	}
	/* A full read: bulk is coming; splice it if nobody must see it. */
	if (n == (ssize_t)sizeof(buf) && !must_see(d) && d->pipe[0] == -1)
		(void)open_pipe(d);
	return 0;
}

static int
splice_once(struct relay_dir *d)
{
	struct session	*s = d->relay->s;
	ssize_t		 n;
	int		 rc;

	do
		n = splice(d->from, NULL, d->pipe[1], NULL, RELAY_PIPE,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN ? 0 : read_failed(d);
	if (n == 0) {
		got_eof(d);
		return 0;
	}
	d->in_pipe = (size_t)n;
	capture_flow_unseen(&s->capture, d->dir, (size_t)n);
	count(d, (size_t)n);
	if ((rc = flush_pipe(d)) == 0)
		wait_writable(d);
	return rc == -1 ? -1 : 0;
}

static void
dir_readable(evutil_socket_t fd, short what, void *arg)
{
	struct relay_dir	*d = arg;
	int			 rc;

	(void)fd;
	(void)what;
	if (holding(d))
		rc = hold_once(d);
	else if (d->pipe[0] != -1 && !must_see(d))
		rc = splice_once(d);
	else
		rc = copy_once(d);
	if (rc == -1)
		fail(d);
}

static void
dir_writable(evutil_socket_t fd, short what, void *arg)
{
	struct relay_dir	*d = arg;
	int			 rc = 1;

	(void)fd;
	(void)what;
	if (d->held != NULL)
		rc = flush_held(d);
	if (rc == 1 && d->in_pipe > 0)
		rc = flush_pipe(d);
	if (rc == -1) {
		fail(d);
		return;
	}
	if (rc == 0)
		return;		/* still more to write */
	touch(d->relay->s);
	event_del(d->writable);
	if (d->eof)
		pass_eof(d);
	else if (holding(d))
		rc = hold_recheck(d);	/* the server may have answered */
	else if (event_add(d->readable, NULL) == -1)
		rc = -1;
	if (rc == -1)
		fail(d);
}

static int
dir_init(struct relay *r, int dir, int from, int to)
{
	struct relay_dir *d = &r->d[dir];

	d->relay = r;
	d->dir = dir;
	d->from = from;
	d->to = to;
	d->pipe[0] = d->pipe[1] = -1;
	d->readable = event_new(server.base, from, EV_READ | EV_PERSIST,
	    dir_readable, d);
	return d->readable != NULL ? 0 : -1;
}

/*
 * Bytes a bufferevent read before the relay took over (the client's
 * first payload after its request, a server's banner) go first.
 */
static int
take_over(struct relay_dir *d, struct bufferevent *bev)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 n = evbuffer_get_length(in);
	unsigned char	*p;
	int		 rc;

	if (n == 0)
		return event_add(d->readable, NULL);
	if ((p = evbuffer_pullup(in, (ev_ssize_t)n)) == NULL)
		return -1;
	if (holding(d)) {
		size_t taken = hold_bytes(d->relay->s, p, n);

		if (d->relay->s->sni_state == SNI_MORE &&
		    d->relay->s->sni_len < RELAY_HOLD) {
			evbuffer_drain(in, n);
			return event_add(d->readable, NULL);
		}
		rc = sni_release(d, d->relay->s->sni_state == SNI_MORE ?
		    SNI_END_FULL : SNI_END_PARSED, p + taken, n - taken);
		if (rc != RELAY_GONE)
			evbuffer_drain(in, n);
		if (rc != 0)
			return rc;
		return d->held != NULL ? watch_writable(d) :
		    event_add(d->readable, NULL);
	}
	seen(d, p, n);
	rc = write_on(d, p, n);
	evbuffer_drain(in, n);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		watch_reset(d);
		return watch_writable(d);
	}
	return event_add(d->readable, NULL);
}

/*
 * A relay writes what it has just read: Nagle's algorithm would hold a
 * small write back until the last one is acknowledged, a delay the two
 * ends did not ask for (remote-support sessions are keystrokes).  The
 * client's socket has it off already, from the listening socket.
 */
static void
nodelay(int fd)
{
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/*
 * The held ClientHello must be whole by handshake_timeout, counted from
 * the accept like the rest of the handshake.
 */
static int
sni_arm(struct relay *r)
{
	struct timeval	 left;

	hrr_init(&r->hrr);
	if (r->sni_mode == SNI_CHECK_OFF) {
		r->hrr.result = HRR_NO;		/* nothing to watch for */
		return 0;
	}
	r->sni_deadline = evtimer_new(server.base, sni_timeout,
	    &r->d[CAPTURE_UP]);
	if (r->sni_deadline == NULL)
		return -1;
	deadline_left(r->s, &left);
	return evtimer_add(r->sni_deadline, &left);
}

/*
 * A bufferevent holds some 800 bytes (two events, two buffers) that a
 * tunnel at rest does not need: once the relay watches the socket, the
 * bufferevent lets go of it and is freed.  Its input was taken over,
 * its output is empty (the reply is written).
 */
static void
drop_bufferevent(struct bufferevent **bev)
{
	bufferevent_setfd(*bev, -1);	/* stops watching, keeps it open */
	bufferevent_free(*bev);
	*bev = NULL;
}

/* The reply to the client is written: the sockets are the relay's now. */
static void
relay_begin(struct session *s)
{
	struct relay	*r;
	int		 cfd = bufferevent_getfd(s->client);
	int		 ufd = bufferevent_getfd(s->upstream);
	int		 rc;

	nodelay(ufd);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		session_close(s, EV_ERROR, REASON_NONE);
		return;
	}
	r->s = s;
	s->relay = r;
	/* Its deadlines are the idle queue's from now on (idle.c). */
	if (s->timer != NULL) {
		event_free(s->timer);
		s->timer = NULL;
	}
	/*
	 * Every tunnel's first bytes are looked at afresh, a CONNECT after
	 * forwarded requests on a kept-alive connection too.
	 */
	free(s->sni);
	free(s->sni_buf);
	s->sni = NULL;
	s->sni_buf = NULL;
	s->sni_len = 0;
	s->sni_state = SNI_MORE;
	r->sni_mode = snicheck_mode(s);
	rc = dir_init(r, CAPTURE_UP, cfd, ufd) == -1 ||
	    dir_init(r, CAPTURE_DOWN, ufd, cfd) == -1 ||
	    sni_arm(r) == -1 ? -1 : 0;
	if (rc == 0 && (rc = take_over(&r->d[CAPTURE_UP], s->client)) ==
	    RELAY_GONE)
		return;
	if (rc == 0)
		rc = take_over(&r->d[CAPTURE_DOWN], s->upstream);
	/*
	 * Only now: libevent counts the events on a descriptor, so the
	 * client's, watched for reading all along, sees no epoll change.
	 */
	drop_bufferevent(&s->client);
	drop_bufferevent(&s->upstream);
	r->own_fds = 1;
	session_parsed(s);	/* an HTTP parser's state is some 180 bytes */
	if (rc == -1) {
		session_close(s, EV_FLOW, REASON_NONE);
		return;
	}
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_debug("session %llu: relaying, %zu bytes held",
		    (unsigned long long)s->id, session_held_bytes(s));
}

static void
reply_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	relay_begin(arg);
}

static void
reply_failed(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	session_close(arg, EV_FLOW, REASON_NONE);
}

/* The tunnel is granted: reply to the client, then relay. */
void
relay_start(struct session *s, const void *reply, size_t len)
{
	session_set_state(s, S_RELAY);
	touch(s);
	if (session_send(s, reply, len)) {
		relay_begin(s);
		return;
	}
	/* The rest of the reply first. */
	bufferevent_disable(s->client, EV_READ);
	bufferevent_setwatermark(s->client, EV_WRITE, 0, 0);
	bufferevent_setcb(s->client, NULL, reply_written, reply_failed, s);
	bufferevent_enable(s->client, EV_WRITE);
}

void
relay_free(struct session *s)
{
	struct relay *r = s->relay;

	if (r == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		struct relay_dir *d = &r->d[i];

		if (d->readable != NULL)
			event_free(d->readable);
		if (d->writable != NULL)
			event_free(d->writable);
		if (d->pipe[0] != -1) {
			close(d->pipe[0]);
			close(d->pipe[1]);
		}
		free(d->held);
		unwatch(d);
	}
	/* The client's socket last, as the bufferevents closed them. */
	if (r->own_fds) {
		close(r->d[CAPTURE_DOWN].from);
		close(r->d[CAPTURE_UP].from);
	}
	if (r->sni_deadline != NULL)
		event_free(r->sni_deadline);
	if (r->retry_seen != NULL)
		event_free(r->retry_seen);
	free(r);
	s->relay = NULL;
}

/* The heap the relay holds: see session_held_bytes(). */
size_t
relay_held_bytes(const struct session *s)
{
	const struct relay	*r = s->relay;
	size_t			 n;

	if (r == NULL)
		return 0;
	n = malloc_usable_size(s->relay);
	if (r->sni_deadline != NULL)
		n += malloc_usable_size(r->sni_deadline);
	for (int i = 0; i < 2; i++) {
		const struct relay_dir *d = &r->d[i];

		if (d->readable != NULL)
			n += malloc_usable_size(d->readable);
		if (d->writable != NULL)
			n += malloc_usable_size(d->writable);
		if (d->held != NULL)
			n += malloc_usable_size(d->held);
	}
	return n;
}
