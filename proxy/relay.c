/*
 * The relay moves whole evbuffer chains from one side's input to the
 * other side's output, without copying.  When a side's output holds
 * RELAY_MAX bytes, reading from the other side stops until that output
 * has drained below half of it: a slow reader never makes pinhole
 * buffer without bound.  An EOF from one side is passed on as a
 * shutdown(SHUT_WR) of the other once its output is flushed, while the
 * other direction keeps flowing; the flow ends when both have ended.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "server.h"
#include "sni.h"

#define RELAY_MAX	(256 * 1024)

static void	relay_read(struct bufferevent *, void *);
static void	relay_drained(struct bufferevent *, void *);
static void	relay_event(struct bufferevent *, short, void *);

static struct bufferevent *
other_side(struct session *s, struct bufferevent *bev)
{
	return bev == s->client ? s->upstream : s->client;
}

static void
touch(struct session *s)
{
	event_base_gettimeofday_cached(server.base, &s->last_active);
}

/* After an EOF on from: flush and shut the other side's writing. */
static void
pass_eof(struct session *s, struct bufferevent *to)
{
	if (evbuffer_get_length(bufferevent_get_output(to)) > 0)
		return;		/* relay_drained() comes back here */
	shutdown(bufferevent_getfd(to), SHUT_WR);
	if (s->client_eof && s->upstream_eof)
		session_close(s, EV_FLOW, REASON_NONE);
}

/*
 * Keeps a copy of the tunnel's first bytes until they tell whether a
 * TLS ClientHello with a server name starts it.
 */
static void
relay_sni(struct session *s, struct evbuffer *in)
{
	char	 name[256];
	size_t	 n = evbuffer_get_length(in);

	if (s->sni_buf == NULL &&
	    (s->sni_buf = malloc(SNI_MAX_BYTES + 5)) == NULL) {
		s->sni_state = SNI_NONE;
		return;
	}
	if (n > SNI_MAX_BYTES + 5 - s->sni_len)
		n = SNI_MAX_BYTES + 5 - s->sni_len;
	evbuffer_copyout(in, s->sni_buf + s->sni_len, n);
	s->sni_len += n;
	s->sni_state = sni_parse(s->sni_buf, s->sni_len, name, sizeof(name));
	if (s->sni_state == SNI_MORE && s->sni_len == SNI_MAX_BYTES + 5)
		s->sni_state = SNI_NONE;
	if (s->sni_state == SNI_FOUND)
		s->sni = strdup(name);
	if (s->sni_state != SNI_MORE) {
		free(s->sni_buf);
		s->sni_buf = NULL;
	}
}

static void
move(struct session *s, struct bufferevent *from)
{
	struct bufferevent	*to = other_side(s, from);
	struct evbuffer		*in = bufferevent_get_input(from);
	size_t			 n = evbuffer_get_length(in);

	if (n == 0)
		return;
	if (from == s->client) {
		if (s->sni_state == SNI_MORE)
			relay_sni(s, in);
		s->bytes_up += n;
	} else
		s->bytes_down += n;
	capture_flow_data(&s->capture, from == s->client ? CAPTURE_UP :
	    CAPTURE_DOWN, in, n);
	evbuffer_add_buffer(bufferevent_get_output(to), in);
	touch(s);
	if (evbuffer_get_length(bufferevent_get_output(to)) >= RELAY_MAX) {
		bufferevent_disable(from, EV_READ);
		bufferevent_setwatermark(to, EV_WRITE, RELAY_MAX / 2, 0);
	}
}

static void
relay_read(struct bufferevent *bev, void *arg)
{
	move(arg, bev);
}

/* An output drained below the low mark (or fully, after an EOF). */
static void
relay_drained(struct bufferevent *bev, void *arg)
{
	struct session		*s = arg;
	struct bufferevent	*from = other_side(s, bev);
	int			 from_eof = from == s->client ? s->client_eof :
				    s->upstream_eof;

	touch(s);
	if (from_eof) {
		pass_eof(s, bev);
		return;
	}
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_enable(from, EV_READ);
}

static void
relay_event(struct bufferevent *bev, short what, void *arg)
{
	struct session		*s = arg;
	struct bufferevent	*to = other_side(s, bev);

	if (what & BEV_EVENT_EOF) {
		move(s, bev);
		if (bev == s->client)
			s->client_eof = 1;
		else
			s->upstream_eof = 1;
		capture_flow_fin(&s->capture, bev == s->client ? CAPTURE_UP :
		    CAPTURE_DOWN);
		/* The low mark 0 calls relay_drained() once it is empty. */
		bufferevent_setwatermark(to, EV_WRITE, 0, 0);
		pass_eof(s, to);
		return;
	}
	session_close(s, EV_FLOW, REASON_NONE);
}

void
relay_start(struct session *s)
{
	session_set_state(s, S_RELAY);
	touch(s);
	bufferevent_setwatermark(s->client, EV_READ, 0, 0);
	bufferevent_setcb(s->client, relay_read, relay_drained, relay_event, s);
	bufferevent_setcb(s->upstream, relay_read, relay_drained, relay_event,
	    s);
	bufferevent_enable(s->client, EV_READ | EV_WRITE);
	bufferevent_enable(s->upstream, EV_READ | EV_WRITE);
	/* Bytes the client sent right after its request head. */
	move(s, s->client);
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
