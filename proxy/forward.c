/*
 * HTTP forwarding of absolute-form requests ("GET http://host/path").
 * Each request goes through the ACL like any other and gets its own
 * upstream connection, asked to close after the response; the client's
 * connection is kept alive when the response is framed (a length or
 * chunked), so the next request on it is read, checked and forwarded
 * the same way.  Bodies are relayed as they are; chunked framing is only
 * followed to find where a message ends.  One flow record per request,
 * counting the bytes as they crossed the client connection.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forward.h"
#include "hostport.h"
#include "http.h"
#include "httplog.h"
#include "relay.h"
#include "server.h"
#include "sni.h"

#define FORWARD_MAX_BUFFER	(256 * 1024)
#define RESPONSE_HEAD_MAX	(64 * 1024)

static void	response_done(struct session *);

static void
touch(struct session *s)
{
	event_base_gettimeofday_cached(server.base, &s->last_active);
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
move_body(struct evbuffer *in, struct evbuffer *out, int chunked,
    struct chunked *ch, int64_t *left, int until_close, int *done,
    struct capture_flow *cap, int dir)
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
	capture_flow_data(cap, dir, in, n);
	evbuffer_remove_buffer(in, out, n);
	return (long)n;
}

static void
client_body(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct http	*h = s->pstate;
	struct evbuffer	*out = bufferevent_get_output(s->upstream);
	int		 done;
	long		 n;

	if (h->req_done) {
		bufferevent_disable(bev, EV_READ);	/* the next request */
		return;
	}
	n = move_body(bufferevent_get_input(bev), out, h->req_chunked,
	    &h->req_chunks, &h->req_left, 0, &done, &s->capture, CAPTURE_UP);
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

static void
client_drained(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	if (s->upstream != NULL)
		bufferevent_enable(s->upstream, EV_READ);
}

/* The response head for the client: hop-by-hop fields out, framing set. */
static int
response_head(struct session *s, const struct http_head *resp)
{
	struct http	*h = s->pstate;
	struct evbuffer	*out = evbuffer_new();
	int		 interim = resp->status >= 100 && resp->status < 200;

	if (out == NULL)
		return -1;
	if (resp->status == 101) {
		evbuffer_free(out);
		return -1;	/* Upgrade is never forwarded, so never 101 */
	}
	evbuffer_add_printf(out, "HTTP/1.1 %d %.*s\r\n", resp->status,
	    (int)resp->rlen, resp->reason);
	for (size_t i = 0; i < resp->nfields; i++) {
		const struct http_field *f = &resp->fields[i];

		if (!httphead_is_hop(resp, f))
			evbuffer_add_printf(out, "%.*s: %.*s\r\n",
			    (int)f->nlen, f->name, (int)f->vlen, f->value);
	}
	if (!interim) {
		s->status = resp->status;
		h->resp_chunked = resp->chunked;
		h->resp_left = resp->content_length;
		if (h->head_request || resp->status == 204 ||
		    resp->status == 304)
			h->resp_left = 0, h->resp_chunked = 0;
		else if (!resp->chunked && resp->content_length == -1) {
			h->resp_until_close = 1;
			h->client_close = 1;
		}
		chunked_init(&h->resp_chunks);
		evbuffer_add_printf(out, "Connection: %s\r\n",
		    h->client_close ? "close" : "keep-alive");
		h->resp_head_done = 1;
	}
	evbuffer_add(out, "\r\n", 2);
	s->bytes_down += evbuffer_get_length(out);
	capture_flow_data(&s->capture, CAPTURE_DOWN, out,
	    evbuffer_get_length(out));
	evbuffer_add_buffer(bufferevent_get_output(s->client), out);
	evbuffer_free(out);
	return 0;
}

/* Reads response heads (1xx ones included); -1 when it is no response. */
static int
read_response_head(struct session *s, struct evbuffer *in)
{
	struct http_head	 resp;
	struct http		*h = s->pstate;

	while (!h->resp_head_done) {
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
		int sent = s->bytes_down > 0;

		if (read_response_head(s, in) == -1) {
			if (sent)
				session_close(s, EV_FLOW, REASON_NONE);
			else
				http_refuse_status(s, 502, EV_ERROR,
				    REASON_CONNECT_FAILED);
			return;
		}
		if (!h->resp_head_done)
			return;
		if (!h->resp_chunked && !h->resp_until_close &&
		    h->resp_left == 0) {
			response_done(s);
			return;
		}
	}
	n = move_body(in, out, h->resp_chunked, &h->resp_chunks,
	    &h->resp_left, h->resp_until_close, &done, &s->capture,
	    CAPTURE_DOWN);
	if (n == -1) {
		session_close(s, EV_FLOW, REASON_NONE);
		return;
	}
	s->bytes_down += (uint64_t)n;
	if (done) {
		response_done(s);
		return;
	}
	if (evbuffer_get_length(out) >= FORWARD_MAX_BUFFER) {
		bufferevent_disable(bev, EV_READ);
		bufferevent_setwatermark(s->client, EV_WRITE,
		    FORWARD_MAX_BUFFER / 2, 0);
	}
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
	if (!h->resp_head_done && s->bytes_down == 0) {
		http_refuse_status(s, 502, EV_ERROR, REASON_CONNECT_FAILED);
		return;
	}
	session_close(s, EV_FLOW, REASON_NONE);	/* a truncated response */
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
	bufferevent_enable(s->upstream, EV_READ | EV_WRITE);
	bufferevent_enable(s->client, EV_WRITE);
	if (!h->req_done) {
		bufferevent_enable(s->client, EV_READ);
		client_body(s->client, s);
	}
}

/* One request and its response are over. */
static void
response_done(struct session *s)
{
	struct http *h = s->pstate;

	if (h->client_close || !h->req_done) {
		s->event = EV_FLOW;
		s->reason = REASON_NONE;
		/* The origin was asked to close; the client closes next. */
		capture_flow_fin(&s->capture, CAPTURE_DOWN);
		bufferevent_free(s->upstream);
		s->upstream = NULL;
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
	if (h != NULL)
		free(h->head);
}
