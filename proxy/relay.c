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
 * mismatch under enforce sends nothing of it.
 *
 * A direction reads only when what it read before is written: a slow
 * reader stops its writer, and pinhole holds at most one pipe or one
 * read per direction.  An EOF is passed on as shutdown(SHUT_WR) once
 * everything before it is written, while the other direction keeps
 * flowing; the flow ends when both have ended.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "server.h"
#include "log.h"
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
	struct event	*readable, *writable;
	int		 pipe[2];	/* -1: still copying */
	size_t		 in_pipe;
	unsigned char	*held;		/* read, not yet written */
	size_t		 held_len, held_off;
	int		 eof;		/* from has ended */
	int		 read_errno;	/* how reading from failed */
	int		 write_errno;	/* how writing to failed */
};

struct relay {
	struct session		*s;
	struct relay_dir	 d[2];
	int			 ended;		/* directions passed on */
	int			 sni_mode;	/* enum sni_check */
	struct event		*sni_deadline;	/* handshake_timeout, held */
};

enum sni_end {
	SNI_END_PARSED,		/* the ClientHello is whole, or is none */
	SNI_END_FULL,		/* RELAY_HOLD bytes and still not whole */
	SNI_END_TIMEOUT,	/* handshake_timeout and still not whole */
	SNI_END_EOF		/* the client ended it */
};

static void	dir_readable(evutil_socket_t, short, void *);
static void	wait_writable(struct relay_dir *);
static int	write_on(struct relay_dir *, const unsigned char *, size_t);
static void	dir_writable(evutil_socket_t, short, void *);

static void
touch(struct session *s)
{
	event_base_gettimeofday_cached(server.base, &s->last_active);
}

/*
 * Appends n client bytes to the held ClientHello; returns how many it
 * took (at most what fits).  s->sni_state says whether it is whole.
 */
static size_t
hold_bytes(struct session *s, const unsigned char *p, size_t n)
{
	char	 name[256];

	if (s->sni_buf == NULL &&
	    (s->sni_buf = malloc(RELAY_HOLD)) == NULL) {
		s->sni_state = SNI_NONE;
		return 0;
	}
	if (n > RELAY_HOLD - s->sni_len)
		n = RELAY_HOLD - s->sni_len;
	memcpy(s->sni_buf + s->sni_len, p, n);
	s->sni_len += n;
	s->sni_state = sni_parse(s->sni_buf, s->sni_len, name, sizeof(name));
	if (s->sni_state == SNI_FOUND && (s->sni = strdup(name)) == NULL)
		s->sni_state = SNI_NONE;
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

	return (d->dir == CAPTURE_UP && s->sni_state == SNI_MORE) ||
	    capture_flow_wants(&s->capture, d->dir);
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
static void
seen(struct relay_dir *d, const unsigned char *p, size_t n)
{
	struct session *s = d->relay->s;

	if (d->dir == CAPTURE_UP && s->sni_state == SNI_MORE)
		relay_sni(s, p, n);
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
	event_del(d->writable);
	/* The last one: closing both sockets says it, both queues are read. */
	if (++r->ended == 2) {
		session_close(r->s, EV_FLOW, REASON_NONE);
		return;
	}
	shutdown(d->to, SHUT_WR);
}

static void
got_eof(struct relay_dir *d)
{
	d->eof = 1;
	event_del(d->readable);
	capture_flow_fin(&d->relay->s->capture, d->dir);
	if (d->held == NULL && d->in_pipe == 0)
		pass_eof(d);
}

/* Waits for the writer: reading stops until what is held is written. */
static void
wait_writable(struct relay_dir *d)
{
	event_del(d->readable);
	if (event_add(d->writable, NULL) == -1)
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
	struct session	*s = r->s;
	int		 enforce = r->sni_mode == SNI_CHECK_ENFORCE;
	const char	*what;

	if (state == SNI_FOUND) {
		if (snicheck_matches(s, s->sni))
			return 1;
		server.count->sni_mismatch++;
		log_warn("session %llu: the TLS server name %s does not match "
		    "the request %s:%u%s", (unsigned long long)s->id, s->sni,
		    s->host, s->port, enforce ? ": closed" : "");
		return !enforce;
	}
	if (state == SNI_NONE)
		return 1;	/* no name, or no ClientHello: nothing to check */
	/*
	 * A ClientHello that cannot be read whole -- longer than 16 KiB,
	 * cut into tiny records, trickled past the deadline, or ended by
	 * the client half-way -- or whose name a server or router may read
	 * otherwise (sni.c) would pass unchecked: under enforce it does
	 * not.
	 */
	if (state == SNI_BAD)
		what = "whose server name cannot be read as a server reads it";
	else if (state == SNI_TOOBIG || why == SNI_END_FULL)
		what = "longer than 16 KiB";
	else if (why == SNI_END_TIMEOUT)
		what = "not whole within handshake_timeout";
	else if (why == SNI_END_EOF && s->sni_len > 0)
		what = "cut short by the client's end";
	else
		return 1;
	log_info("session %llu: a ClientHello %s: %s",
	    (unsigned long long)s->id, what, enforce ? "closed" : "not checked");
	if (enforce)
		server.count->sni_mismatch++;
	return !enforce;
}

/*
 * The check is decided: the held bytes (and extra, read past them) go
 * on as the tunnel's first bytes, or the tunnel is refused with none of
 * them sent.  Returns 0, -1 on an error, or RELAY_GONE when the session
 * was closed (nothing of it may be touched then).
 */
static int
sni_release(struct relay_dir *d, enum sni_end why, const unsigned char *extra,
    size_t extra_len)
{
	struct relay	*r = d->relay;
	struct session	*s = r->s;
	unsigned char	*held = s->sni_buf;
	size_t		 len = s->sni_len;
	int		 rc, state = s->sni_state, go;

	if (r->sni_deadline != NULL)
		evtimer_del(r->sni_deadline);
	go = sni_verdict(r, why, state);
	if (s->sni_state != SNI_FOUND)
		s->sni_state = SNI_NONE;
	s->sni_buf = NULL;
	s->sni_len = 0;
	if (!go) {
		free(held);
		session_close(s, EV_DENY, REASON_SNI_MISMATCH);
		return RELAY_GONE;
	}
	if (extra_len > 0) {
		unsigned char *all = realloc(held, len + extra_len);

		if (all == NULL) {
			free(held);
			return -1;
		}
		memcpy(all + len, extra, extra_len);
		held = all;
		len += extra_len;
	}
	if (len == 0) {
		free(held);
		return 0;
	}
	seen(d, held, len);
	rc = write_on(d, held, len);
	free(held);
	if (rc == 0)
		wait_writable(d);
	return rc == -1 ? -1 : 0;
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
	struct session	*s = d->relay->s;
	unsigned char	 buf[RELAY_COPY];
	size_t		 room;
	ssize_t		 n;

	if (s->sni_buf == NULL && (s->sni_buf = malloc(RELAY_HOLD)) == NULL)
		return sni_release(d, SNI_END_PARSED, NULL, 0);
	room = RELAY_HOLD - s->sni_len;
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
	if (s->sni_state != SNI_MORE)
		return sni_release(d, SNI_END_PARSED, NULL, 0);
	if (s->sni_len == RELAY_HOLD)
		return sni_release(d, SNI_END_FULL, NULL, 0);
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
	else if (event_add(d->readable, NULL) == -1)
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
	d->writable = event_new(server.base, to, EV_WRITE | EV_PERSIST,
	    dir_writable, d);
	return d->readable != NULL && d->writable != NULL ? 0 : -1;
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
		return event_add(d->held != NULL ? d->writable : d->readable,
		    NULL);
	}
	seen(d, p, n);
	rc = write_on(d, p, n);
	evbuffer_drain(in, n);
	if (rc == -1)
		return -1;
	if (rc == 0)
		return event_add(d->writable, NULL);
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
	struct timeval	 now, used, left;
	uint64_t	 ms = server.conf->handshake_timeout_ms;

	if (r->sni_mode == SNI_CHECK_OFF)
		return 0;
	r->sni_deadline = evtimer_new(server.base, sni_timeout,
	    &r->d[CAPTURE_UP]);
	if (r->sni_deadline == NULL)
		return -1;
	event_base_gettimeofday_cached(server.base, &now);
	timersub(&now, &r->s->started, &used);
	left.tv_sec = (time_t)(ms / 1000);
	left.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (timercmp(&used, &left, <))
		timersub(&left, &used, &left);
	else
		timerclear(&left);
	return evtimer_add(r->sni_deadline, &left);
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
	bufferevent_disable(s->client, EV_READ | EV_WRITE);
	bufferevent_disable(s->upstream, EV_READ | EV_WRITE);
	if (rc == -1)
		session_close(s, EV_FLOW, REASON_NONE);
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
	}
	if (r->sni_deadline != NULL)
		event_free(r->sni_deadline);
	free(r);
	s->relay = NULL;
}

/* The idle timer fired: close, or wait for the time that is left. */
void
relay_idle_check(struct session *s)
{
	struct timeval	 now, idle, left;
	uint64_t	 ms = server.conf->idle_timeout_ms;

	event_base_gettimeofday_cached(server.base, &now);
	timersub(&now, &s->last_active, &idle);
	if ((uint64_t)idle.tv_sec * 1000 + (uint64_t)idle.tv_usec / 1000 >= ms) {
		session_close(s, EV_FLOW, REASON_IDLE_TIMEOUT);
		return;
	}
	left.tv_sec = (time_t)(ms / 1000);
	left.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	timersub(&left, &idle, &left);
	evtimer_add(s->timer, &left);
}
