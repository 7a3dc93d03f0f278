/*
 * HTTP forwarding of absolute-form requests ("GET http://host/path").
 * Each request goes through the ACL like any other and gets its own
 * upstream connection, asked to close after the response; the client's
 * connection is kept alive when the response is framed (a length or
 * chunked), so the next request on it is read, checked and forwarded
 * the same way.  Bodies are relayed as they are; chunked framing is only
 * followed to find where a message ends, except for an HTTP/1.0 client,
 * which cannot read chunks: it gets their data, ended by the close.
 * What waits for the client, 1xx heads included, stays under
 * FORWARD_MAX_BUFFER: past it the origin is not read.  A response is
 * over once the client's socket has taken its last byte (however slowly
 * it reads, as long as it reads within idle_timeout); only then does the
 * connection close or wait for the next request.  One flow record per
 * request, counting the bytes as they crossed the client connection:
 * bytes_down is what the client's socket took, and the pcap draws those
 * bytes as the socket takes them, not as they are queued.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/sockios.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forward.h"
#include "hostport.h"
#include "httpreply.h"
#include "httplog.h"
#include "idle.h"
#include "relay.h"
#include "server.h"
#include "sni.h"

#define FORWARD_MAX_BUFFER	(256 * 1024)
#define RESPONSE_HEAD_MAX	(64 * 1024)

static void	response_done(struct session *);
static void	upstream_read(struct bufferevent *, void *);

static void
touch(struct session *s)
{
	idle_touch(s);
}

/*
 * Bytes queued for the client: a copy waits in h->shown (while the flow
 * is captured) to be drawn when the client's socket takes them.  A
 * queued answer that pinhole drops for a 502, or that a reset drops,
 * never left: the pcap does not show it.  NULL when not captured.
 */
static struct evbuffer *
shown(struct session *s)
{
	struct http *h = s->pstate;

	if (!s->capture.started)
		return NULL;
	if (h->shown == NULL)
		h->shown = evbuffer_new();
	return h->shown;
}

/* The first n bytes of from are queued for the client. */
static void
show_later(struct session *s, struct evbuffer *from, size_t n)
{
	struct evbuffer		*to = shown(s);
	struct evbuffer_iovec	 v;

	if (to == NULL || n == 0 ||
	    evbuffer_reserve_space(to, (ev_ssize_t)n, &v, 1) != 1)
		return;
	v.iov_len = (size_t)evbuffer_copyout(from, v.iov_base, n);
	evbuffer_commit_space(to, &v, 1);
}

/* bytes_down: what the client's socket took, not what was queued. */
static void
client_wrote(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;
	size_t		 n = info->n_deleted;

	(void)buf;
	if (n == 0)
		return;
	s->bytes_down += n;
	touch(s);
	if (h->shown != NULL && evbuffer_get_length(h->shown) > 0) {
		if (n > evbuffer_get_length(h->shown))
			n = evbuffer_get_length(h->shown);
		capture_flow_data(&s->capture, CAPTURE_DOWN, h->shown, n);
		evbuffer_drain(h->shown, n);
	}
}

/*
 * Before a reply of pinhole's own, or the next request.  What is still
 * queued of the answer is not drawn: it is dropped, or the response is
 * over and nothing is.
 */
static void
stop_counting(struct session *s)
{
	struct http *h = s->pstate;

	if (h->written != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(s->client),
		    h->written);
	h->written = NULL;
	if (h->shown != NULL)
		evbuffer_drain(h->shown, evbuffer_get_length(h->shown));
}

/*
 * The client's connection ends in a reset: what its socket took and the
 * client had not acknowledged (SIOCOUTQ) is dropped with it, so
 * bytes_down keeps what is known delivered, and the pcap draws the
 * client's last ACK for it.
 */
static void
uncount_unacked(struct session *s)
{
	int		 unacked = 0;
	uint64_t	 lost;

	if (ioctl(bufferevent_getfd(s->client), SIOCOUTQ, &unacked) == -1 ||
	    unacked <= 0)
		return;
	lost = (uint64_t)unacked < s->bytes_down ? (uint64_t)unacked :
	    s->bytes_down;
	s->bytes_down -= lost;
	capture_flow_acked(&s->capture, CAPTURE_DOWN, lost);
}

/*
 * The origin's answer cannot be read as HTTP (no head, broken framing,
 * cut short).  When none of it has reached the client's socket yet,
 * what is queued of it never leaves and the client gets a 502; else the
 * connection ends, and the client can tell the answer is short.
 */
static void
bad_response(struct session *s)
{
	struct evbuffer	*out = bufferevent_get_output(s->client);

	stop_counting(s);
	if (s->bytes_down > 0) {
		/*
		 * Part of the answer is out: a reset, not a FIN, so that a
		 * client reading until the close cannot take it for whole.
		 */
		struct linger now = { 1, 0 };

		uncount_unacked(s);
		(void)setsockopt(bufferevent_getfd(s->client), SOL_SOCKET,
		    SO_LINGER, &now, sizeof(now));
		session_close(s, EV_ERROR, REASON_BAD_RESPONSE);
		return;
	}
	/* The bufferevent keeps its output's front frozen: unfreeze to drop. */
	evbuffer_unfreeze(out, 1);
	evbuffer_drain(out, evbuffer_get_length(out));
	evbuffer_freeze(out, 1);
	http_refuse_status(s, 502, EV_ERROR, REASON_BAD_RESPONSE);
}

/* "http://authority/path": host, port and where the path starts. */
static int
split_url(const char *t, size_t len, char *host, size_t hostlen,
    uint16_t *port, size_t *auth_end)
{
	const char	*a = t + 7, *end = t + len, *ae, *colon;
	int		 p;

	if (memchr(t, '#', len) != NULL)
		return -1;
	for (ae = a; ae < end && *ae != '/' && *ae != '?'; ae++)
		if (*ae == '@')
			return -1;	/* no user:password@ in a URL */
	/* An IPv6 address in a URL is in brackets, always. */
	colon = memchr(a, ':', (size_t)(ae - a));
	if (ae == a || (*a != '[' && colon != NULL &&
	    memchr(colon + 1, ':', (size_t)(ae - colon - 1)) != NULL))
		return -1;
	if (hostport_split(a, (size_t)(ae - a), host, hostlen, &p) == -1)
		return -1;
	*port = p == -1 ? 80 : (uint16_t)p;
	*auth_end = (size_t)(ae - t);
	return 0;
}

/* The head sent upstream: origin-form, Host set, hop-by-hop fields out. */
static int
build_head(struct http *h, const struct http_head *req, size_t auth_end)
{
	const char	*path = req->target + auth_end;
	size_t		 plen = req->tlen - auth_end;

	if (h->out == NULL && (h->out = evbuffer_new()) == NULL)
		return -1;
	evbuffer_drain(h->out, evbuffer_get_length(h->out));
	evbuffer_add_printf(h->out, "%.*s %s%.*s HTTP/1.1\r\nHost: %.*s\r\n",
	    (int)req->mlen, req->method, plen == 0 || path[0] == '?' ? "/" :
	    "", (int)plen, path, (int)(auth_end - 7), req->target + 7);
	for (size_t i = 0; i < req->nfields; i++) {
		const struct http_field *f = &req->fields[i];

		if (httphead_is_hop(req, f) || (f->nlen == 4 &&
		    strncasecmp(f->name, "host", 4) == 0))
			continue;
		evbuffer_add_printf(h->out, "%.*s: %.*s\r\n", (int)f->nlen,
		    f->name, (int)f->vlen, f->value);
	}
	return evbuffer_add_printf(h->out, "Connection: close\r\n\r\n") < 0 ?
	    -1 : 0;
}

static int
count_hosts(const struct http_head *req)
{
	int n = 0;

	for (size_t i = 0; i < req->nfields; i++)
		n += req->fields[i].nlen == 4 &&
		    strncasecmp(req->fields[i].name, "host", 4) == 0;
	return n;
}

void
forward_request(struct session *s, const struct http_head *req,
    size_t headlen)
{
	struct http	*h = http_state(s);
	char		 host[NAME_MAX_LEN + 2];
	uint16_t	 port;
	size_t		 auth_end;

	s->proto_name = "http";
	s->sni_state = SNI_NONE;
	h->connect = 0;
	h->resp_head_done = h->resp_until_close = h->resp_chunked = 0;
	h->resp_begun = h->resp_dechunk = h->resp_over = 0;
	h->req_chunked = req->chunked;
	h->req_left = req->content_length > 0 ? req->content_length : 0;
	h->req_done = !req->chunked && h->req_left == 0;
	chunked_init(&h->req_chunks);
	h->head_request = req->mlen == 4 && memcmp(req->method, "HEAD", 4) == 0;
	h->client_close = req->close || (req->minor == 0 && !req->keep_alive);
	if (split_url(req->target, req->tlen, host, sizeof(host), &port,
	    &auth_end) == -1 || count_hosts(req) > 1) {
		httplog_request(s, req, NULL, 0, NULL, 0);
		session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	httplog_request(s, req, host, port, req->target + auth_end,
	    req->tlen - auth_end);
	if (http_authenticate(s, req, host, port) != 0)
		return;
	free(h->head);
	h->headlen = 0;
	if (build_head(h, req, auth_end) == -1 ||
	    (h->head = malloc(headlen)) == NULL) {
		session_close(s, EV_ERROR, REASON_NONE);
		return;
	}
	evbuffer_copyout(bufferevent_get_input(s->client), h->head, headlen);
	h->headlen = headlen;
	evbuffer_drain(bufferevent_get_input(s->client), headlen);
	bufferevent_disable(s->client, EV_READ);
	session_request(s, host, port);
}

/*
 * Moves up to the end of the message being relayed from in to out:
 * *left bytes of a length-framed body, or a chunked body up to its last
 * chunk, or everything when it runs to the close.  Returns the bytes
 * moved, or -1 on broken chunked framing; *done when the message ended.
 */
static long
move_body(struct session *s, struct evbuffer *in, struct evbuffer *out,
    int chunked, struct chunked *ch, int64_t *left, int until_close,
    int *done, int dir)
{
	size_t	 len = evbuffer_get_length(in), n = 0;

	*done = 0;
	if (until_close)
		n = len;
	else if (chunked) {
		struct evbuffer_iovec	 vec[16];
		int			 nvec = evbuffer_peek(in, -1, NULL, vec,
					    16);

		for (int i = 0; i < nvec && i < 16 && !*done; i++) {
			long r = chunked_scan(ch, vec[i].iov_base,
			    vec[i].iov_len, done);

			if (r == -1)
				return -1;
			n += (size_t)r;
		}
	} else {
		n = len < (uint64_t)*left ? len : (size_t)*left;
		*left -= (int64_t)n;
		*done = *left == 0;
	}
	if (dir == CAPTURE_UP)
		capture_flow_data(&s->capture, dir, in, n);
	else
		show_later(s, in, n);
	evbuffer_remove_buffer(in, out, n);
	return (long)n;
}

/*
 * A chunked body for a client that cannot read chunks (HTTP/1.0): the
 * chunks' data goes on, their sizes, extensions and trailers do not.
 * Returns the bytes taken from in, or -1 on broken framing.
 */
static long
dechunk_body(struct session *s, struct evbuffer *in, struct evbuffer *out,
    struct chunked *ch, int *done)
{
	struct evbuffer_iovec	 vec[16];
	size_t			 taken = 0;
	int			 nvec, data;

	*done = 0;
	nvec = evbuffer_peek(in, -1, NULL, vec, 16);
	for (int i = 0; i < nvec && i < 16 && !*done; i++) {
		const uint8_t	*p = vec[i].iov_base;
		size_t		 off = 0;

		while (off < vec[i].iov_len && !*done) {
			long r = chunked_step(ch, p + off,
			    vec[i].iov_len - off, done, &data);

			if (r == -1)
				return -1;
			if (data) {
				if (shown(s) != NULL)
					evbuffer_add(shown(s), p + off,
					    (size_t)r);
				evbuffer_add(out, p + off, (size_t)r);
			}
			off += (size_t)r;
		}
		taken += off;
	}
	evbuffer_drain(in, taken);
	return (long)taken;
}

static void
client_body(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;
	struct evbuffer	*out;
	int		 done;
	long		 n;

	if (h->req_done) {
		bufferevent_disable(bev, EV_READ);	/* the next request */
		return;
	}
	if (h->resp_over) {	/* a body the origin did not wait for */
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	out = bufferevent_get_output(s->upstream);
	n = move_body(s, bufferevent_get_input(bev), out, h->req_chunked,
	    &h->req_chunks, &h->req_left, 0, &done, CAPTURE_UP);
	if (n == -1) {
		session_close(s, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	s->bytes_up += (uint64_t)n;
	touch(s);
	if (done) {
		h->req_done = 1;
		bufferevent_disable(bev, EV_READ);
	} else if (evbuffer_get_length(out) >= FORWARD_MAX_BUFFER) {
		bufferevent_disable(bev, EV_READ);
		bufferevent_setwatermark(s->upstream, EV_WRITE,
		    FORWARD_MAX_BUFFER / 2, 0);
	}
}

static void
upstream_drained(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;

	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	if (!h->req_done)
		bufferevent_enable(s->client, EV_READ);
}

/* The client's output is under the bound again, or written. */
static void
client_drained(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;

	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	if (h->resp_over) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			response_done(s);
		return;
	}
	if (s->upstream == NULL)
		return;
	bufferevent_enable(s->upstream, EV_READ);
	/* Heads read before the hold: no new byte may come to read them. */
	if (evbuffer_get_length(bufferevent_get_input(s->upstream)) > 0)
		upstream_read(s->upstream, s);
}

/* Past the bound, the origin is not read until the client reads. */
static void
hold_upstream(struct session *s)
{
	if (evbuffer_get_length(bufferevent_get_output(s->client)) <
	    FORWARD_MAX_BUFFER)
		return;
	bufferevent_disable(s->upstream, EV_READ);
	bufferevent_setwatermark(s->client, EV_WRITE, FORWARD_MAX_BUFFER / 2,
	    0);
}

/* How a final response's body ends, and how the client learns it. */
static void
response_framing(struct session *s, const struct http_head *resp)
{
	struct http *h = s->pstate;

	h->resp_chunked = resp->chunked;
	h->resp_left = resp->content_length;
	/* Draining: this response is the connection's last. */
	if (server.draining)
		h->client_close = 1;
	if (h->head_request || resp->status == 204 || resp->status == 304)
		h->resp_left = 0, h->resp_chunked = 0;
	else if (resp->chunked && h->minor == 0) {
		/* Chunks are HTTP/1.1 (RFC 9112 6.1): the close ends it. */
		h->resp_dechunk = 1;
		h->client_close = 1;
	} else if (!resp->chunked && resp->content_length == -1) {
		h->resp_until_close = 1;
		h->client_close = 1;
	}
	chunked_init(&h->resp_chunks);
	h->resp_head_done = 1;
}

/* The response head for the client: hop-by-hop fields out, framing set. */
static int
response_head(struct session *s, const struct http_head *resp)
{
	struct http	*h = s->pstate;
	struct evbuffer	*out;
	int		 interim = resp->status >= 100 && resp->status < 200;

	if (resp->status == 101)
		return -1;	/* Upgrade is never forwarded, so never 101 */
	/* HTTP/1.0 has no 1xx: its client would take one for the answer. */
	if (interim && h->minor == 0)
		return 0;
	if (!interim)
		response_framing(s, resp);
	if ((out = evbuffer_new()) == NULL)
		return -1;
	evbuffer_add_printf(out, "HTTP/1.1 %d %.*s\r\n", resp->status,
	    (int)resp->rlen, resp->reason);
	for (size_t i = 0; i < resp->nfields; i++) {
		const struct http_field *f = &resp->fields[i];

		if (httphead_is_hop(resp, f) || (h->minor == 0 &&
		    f->nlen == 17 &&
		    strncasecmp(f->name, "transfer-encoding", 17) == 0))
			continue;
		evbuffer_add_printf(out, "%.*s: %.*s\r\n", (int)f->nlen,
		    f->name, (int)f->vlen, f->value);
	}
	if (!interim) {
		s->status = resp->status;
		evbuffer_add_printf(out, "Connection: %s\r\n",
		    h->client_close ? "close" : "keep-alive");
	}
	evbuffer_add(out, "\r\n", 2);
	show_later(s, out, evbuffer_get_length(out));
	evbuffer_add_buffer(bufferevent_get_output(s->client), out);
	evbuffer_free(out);
	h->resp_begun = 1;
	return 0;
}

/*
 * Reads response heads (1xx ones included), while the client's output
 * is under the bound; -1 when it is no response.
 */
static int
read_response_head(struct session *s, struct evbuffer *in)
{
	struct http_head	 resp;
	struct http		*h = s->pstate;
	struct evbuffer		*out = bufferevent_get_output(s->client);

	while (!h->resp_head_done &&
	    evbuffer_get_length(out) < FORWARD_MAX_BUFFER) {
		size_t		 len = evbuffer_get_length(in);
		size_t		 lim = len > RESPONSE_HEAD_MAX ?
				    RESPONSE_HEAD_MAX : len;
		const char	*buf = (const char *)evbuffer_pullup(in,
				    (ssize_t)lim);
		long		 end = httphead_end(buf, lim);

		if (end == -1)
			return len > RESPONSE_HEAD_MAX ? -1 : 0;
		if (httphead_parse_response(buf, (size_t)end, &resp) == -1 ||
		    response_head(s, &resp) == -1)
			return -1;
		evbuffer_drain(in, (size_t)end);
	}
	return 0;
}

static void
upstream_read(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer	*out = bufferevent_get_output(s->client);
	int		 done;
	long		 n;

	touch(s);
	if (!h->resp_head_done) {
		if (read_response_head(s, in) == -1) {
			bad_response(s);
			return;
		}
		if (!h->resp_head_done) {
			hold_upstream(s);	/* 1xx heads count too */
			return;
		}
		if (!h->resp_chunked && !h->resp_until_close &&
		    h->resp_left == 0) {
			response_done(s);
			return;
		}
	}
	if (h->resp_dechunk)
		n = dechunk_body(s, in, out, &h->resp_chunks, &done);
	else
		n = move_body(s, in, out, h->resp_chunked, &h->resp_chunks,
		    &h->resp_left, h->resp_until_close, &done, CAPTURE_DOWN);
	if (n == -1) {
		bad_response(s);
		return;
	}
	if (done) {
		response_done(s);
		return;
	}
	hold_upstream(s);
}

static void
upstream_event(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;

	if ((what & BEV_EVENT_EOF) && h->resp_head_done && h->resp_until_close) {
		upstream_read(bev, s);
		h->resp_until_close = 0;
		response_done(s);
		return;
	}
	if (what & BEV_EVENT_ERROR && !h->resp_begun && !h->resp_head_done &&
	    s->bytes_down == 0) {
		/* Reset before any answer: the origin refused the request. */
		stop_counting(s);
		http_refuse_status(s, 502, EV_ERROR, REASON_CONNECT_FAILED);
		return;
	}
	bad_response(s);	/* no answer, or one cut short */
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;

	(void)bev;
	/* A client that half-closes after its request still gets its answer. */
	if ((what & BEV_EVENT_EOF) && h->req_done) {
		h->client_close = 1;
		return;
	}
	session_close(s, EV_FLOW, REASON_NONE);
}

/* The upstream connection is up: send the head, relay the body. */
void
forward_connected(struct session *s)
{
	struct http *h = s->pstate;

	evbuffer_add_buffer(bufferevent_get_output(s->upstream), h->out);
	capture_flow_bytes(&s->capture, CAPTURE_UP, h->head, h->headlen);
	session_set_state(s, S_RELAY);
	touch(s);
	bufferevent_setwatermark(s->client, EV_READ, 0, 0);
	bufferevent_setcb(s->client, client_body, client_drained,
	    client_event, s);
	bufferevent_setcb(s->upstream, upstream_read, upstream_drained,
	    upstream_event, s);
	if (h->written == NULL)
		h->written = evbuffer_add_cb(bufferevent_get_output(s->client),
		    client_wrote, s);
	bufferevent_enable(s->upstream, EV_READ | EV_WRITE);
	bufferevent_enable(s->client, EV_WRITE);
	if (!h->req_done) {
		bufferevent_enable(s->client, EV_READ);
		client_body(s->client, s);
	}
}

/*
 * The response is all queued: the origin is done with (it was asked to
 * close), and the request is over once the client's socket has taken
 * the last byte.  Until then the session relays, under idle_timeout;
 * a close (or the handshake_timeout of a next request) any earlier
 * would cut the response short with a clean end.
 */
static void
response_done(struct session *s)
{
	struct http *h = s->pstate;

	if (s->upstream != NULL) {
		bufferevent_free(s->upstream);
		s->upstream = NULL;
	}
	h->resp_over = 1;
	if (evbuffer_get_length(bufferevent_get_output(s->client)) > 0) {
		bufferevent_setwatermark(s->client, EV_WRITE, 0, 0);
		if (!h->req_done)	/* the rest of its body is read away */
			bufferevent_enable(s->client, EV_READ);
		return;
	}
	stop_counting(s);
	if (h->client_close || !h->req_done || server.draining) {
		s->event = EV_FLOW;
		s->reason = REASON_NONE;
		/* The origin was asked to close; the client closes next. */
		capture_flow_fin(&s->capture, CAPTURE_DOWN);
		session_reply(s);
		return;
	}
	session_next_request(s);
}

void
forward_free(struct session *s)
{
	struct http *h = s->pstate;

	if (h != NULL && h->out != NULL)
		evbuffer_free(h->out);
	if (h != NULL && h->shown != NULL)
		evbuffer_free(h->shown);
	if (h != NULL)
		free(h->head);
}
