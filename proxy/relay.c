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
 * The ClientHello held for the SNI check, and the watch for a
 * HelloRetryRequest, are relayhold.c's.
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
#include "relaypriv.h"
#include "server.h"
#include "log.h"
#include "hrr.h"
#include "sni.h"
#include "snicheck.h"

static void	dir_readable(evutil_socket_t, short, void *);
static void	dir_writable(evutil_socket_t, short, void *);

/* This process's epoll of the ends watched for a reset (watch_reset). */
static int		 watch_ep = -1;
static struct event	*watch_ev;

static void
touch(struct session *s)
{
	idle_touch(s);
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

/* Bytes read by copying: shown, counted. */
void
relay_seen(struct relay_dir *d, const unsigned char *p, size_t n)
{
	struct session *s = d->relay->s;

	if (d->dir == CAPTURE_UP && s->sni_state == SNI_MORE)
		relayhold_sni(s, p, n);
	else if (d->dir == CAPTURE_DOWN && d->relay->hrr.result == HRR_MORE)
		relayhold_server(d->relay, p, n);
	capture_flow_bytes(&s->capture, d->dir, p, n);
	count(d, n);
}

int
relay_read_failed(struct relay_dir *d)
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
void
relay_fail(struct relay_dir *d)
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
		relay_fail(d);
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

void
relay_got_eof(struct relay_dir *d)
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
void
relay_wait_writable(struct relay_dir *d)
{
	event_del(d->readable);
	watch_reset(d);
	if (watch_writable(d) == -1)
		relay_fail(d);
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
int
relay_write_on(struct relay_dir *d, const unsigned char *p, size_t n)
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
		return errno == EAGAIN ? 0 : relay_read_failed(d);
	if (n == 0) {
		relay_got_eof(d);
		return 0;
	}
	relay_seen(d, buf, (size_t)n);
	if ((rc = relay_write_on(d, buf, (size_t)n)) == -1)
		return -1;
	if (rc == 0) {
		relay_wait_writable(d);
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
		return errno == EAGAIN ? 0 : relay_read_failed(d);
	if (n == 0) {
		relay_got_eof(d);
		return 0;
	}
	d->in_pipe = (size_t)n;
	capture_flow_unseen(&s->capture, d->dir, (size_t)n);
	count(d, (size_t)n);
	if ((rc = flush_pipe(d)) == 0)
		relay_wait_writable(d);
	return rc == -1 ? -1 : 0;
}

static void
dir_readable(evutil_socket_t fd, short what, void *arg)
{
	struct relay_dir	*d = arg;
	int			 rc;

	(void)fd;
	(void)what;
	if (relayhold_holding(d))
		rc = relayhold_once(d);
	else if (d->pipe[0] != -1 && !must_see(d))
		rc = splice_once(d);
	else
		rc = copy_once(d);
	if (rc == -1)
		relay_fail(d);
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
		relay_fail(d);
		return;
	}
	if (rc == 0)
		return;		/* still more to write */
	touch(d->relay->s);
	event_del(d->writable);
	if (d->eof)
		pass_eof(d);
	else if (relayhold_holding(d))
		rc = relayhold_recheck(d); /* the server may have answered */
	else if (event_add(d->readable, NULL) == -1)
		rc = -1;
	if (rc == -1)
		relay_fail(d);
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
	if (relayhold_holding(d)) {
		size_t taken = relayhold_bytes(d->relay->s, p, n);

		if (d->relay->s->sni_state == SNI_MORE &&
		    d->relay->s->sni_len < RELAY_HOLD) {
			evbuffer_drain(in, n);
			return event_add(d->readable, NULL);
		}
		rc = relayhold_release(d, d->relay->s->sni_state == SNI_MORE ?
		    SNI_END_FULL : SNI_END_PARSED, p + taken, n - taken);
		if (rc != RELAY_GONE)
			evbuffer_drain(in, n);
		if (rc != 0)
			return rc;
		return d->held != NULL ? watch_writable(d) :
		    event_add(d->readable, NULL);
	}
	relay_seen(d, p, n);
	rc = relay_write_on(d, p, n);
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
	    relayhold_arm(r) == -1 ? -1 : 0;
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
