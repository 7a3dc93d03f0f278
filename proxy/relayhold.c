/*
 * The ClientHello held for the SNI check, and the server's first bytes
 * watched for a HelloRetryRequest (relay.c moves the bytes).
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
 */
#include <sys/time.h>

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relaypriv.h"
#include "server.h"
#include "log.h"
#include "hrr.h"
#include "sni.h"
#include "snicheck.h"

static void	retry_seen(evutil_socket_t, short, void *);

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
size_t
relayhold_bytes(struct session *s, const unsigned char *p, size_t n)
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
void
relayhold_sni(struct session *s, const unsigned char *p, size_t n)
{
	relayhold_bytes(s, p, n);
	if ((s->sni_state == SNI_MORE && s->sni_len == RELAY_HOLD) ||
	    s->sni_state == SNI_TOOBIG)
		s->sni_state = SNI_NONE;
	if (s->sni_state != SNI_MORE) {
		free(s->sni_buf);
		s->sni_buf = NULL;
		s->sni_len = 0;
	}
}

/*
 * The server's bytes, read in passing until they say whether it sent an
 * HRR.  What that means for the client's held bytes is acted on from
 * the event loop: the session may end of it, not under a reader's feet.
 */
void
relayhold_server(struct relay *r, const unsigned char *p, size_t n)
{
	if (hrr_feed(&r->hrr, p, n) != HRR_MORE && r->retry == RETRY_WAIT)
		event_active(r->retry_seen, EV_TIMEOUT, 1);
}

/* Whether the client's bytes wait for the SNI check. */
int
relayhold_holding(const struct relay_dir *d)
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
		return relay_write_on(d, p, n);
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
int
relayhold_release(struct relay_dir *d, enum sni_end why,
    const unsigned char *extra, size_t extra_len)
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
		relay_seen(d, held, len);
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
		relay_wait_writable(d);
	/* Reading may have waited for the server's answer. */
	else if (!d->eof && event_add(d->readable, NULL) == -1)
		return -1;
	return 0;
}

/*
 * Looks at the held bytes again (the server has answered, or what was
 * written is written): they may be decided now, or room made.
 */
int
relayhold_recheck(struct relay_dir *d)
{
	struct relay	*r = d->relay;
	struct session	*s = r->s;

	if (r->retry == RETRY_WAIT && r->hrr.result == HRR_NO)
		return relayhold_release(d, SNI_END_PARSED, NULL, 0);
	if (r->retry == RETRY_WAIT && r->hrr.result == HRR_YES) {
		log_debug("session %llu: a HelloRetryRequest: the next "
		    "ClientHello is checked", (unsigned long long)s->id);
		r->retry = RETRY_HELLO;
	}
	if (s->sni_buf != NULL)
		s->sni_state = held_state(s);
	if (s->sni_state != SNI_MORE)
		return relayhold_release(d, SNI_END_PARSED, NULL, 0);
	if (hold_room(s) == 0) {
		if (r->retry != RETRY_WAIT)
			return relayhold_release(d, SNI_END_FULL, NULL, 0);
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
	if (relayhold_recheck(d) == -1)
		relay_fail(d);
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
int
relayhold_once(struct relay_dir *d)
{
	struct relay	*r = d->relay;
	struct session	*s = r->s;
	unsigned char	 buf[RELAY_COPY];
	size_t		 room;
	ssize_t		 n;

	if (s->sni_buf == NULL && (s->sni_buf = malloc(RELAY_HOLD)) == NULL)
		return relayhold_release(d, SNI_END_PARSED, NULL, 0);
	if ((room = hold_room(s)) == 0)
		return relayhold_recheck(d);
	do
		n = read(d->from, buf, room < sizeof(buf) ? room : sizeof(buf));
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN ? 0 : relay_read_failed(d);
	if (n == 0) {
		int rc = relayhold_release(d, SNI_END_EOF, NULL, 0);

		if (rc == 0)
			relay_got_eof(d);
		return rc;
	}
	if (s->sni_len == 0 && late_deadline(d->relay) == -1)
		return -1;
	relayhold_bytes(s, buf, (size_t)n);
	if (s->sni_state != SNI_MORE || hold_room(s) == 0)
		return relayhold_recheck(d);
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
	if (relayhold_holding(d) && d->relay->s->sni_len == 0 &&
	    d->relay->s->bytes_up == 0)
		return;
	if (relayhold_holding(d) &&
	    relayhold_release(d, SNI_END_TIMEOUT, NULL, 0) == -1)
		relay_fail(d);
}

/*
 * The held ClientHello must be whole by handshake_timeout, counted from
 * the accept like the rest of the handshake.
 */
int
relayhold_arm(struct relay *r)
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
