/*
 * HTTP/1.x on the proxy port: CONNECT tunnels, absolute-form requests
 * forwarded to the origin (forward.c), and origin-form requests to
 * pinhole itself (the PAC file and /healthz).  Every refusal is a short
 * plain-text reply naming the reason, never the config (httpreply.c,
 * which forward.c and pac.c use too without calling back up here).
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forward.h"
#include "hostport.h"
#include "httpreply.h"
#include "pac.h"
#include "proto.h"
#include "relay.h"
#include "server.h"

/* GET or HEAD /proxy.pac and /healthz: pinhole answers itself. */
static void
serve_local(struct session *s, const struct http_head *req)
{
	int head = req->mlen == 4 && memcmp(req->method, "HEAD", 4) == 0;
	int get = req->mlen == 3 && memcmp(req->method, "GET", 3) == 0;
	int pac = req->tlen == 10 && memcmp(req->target, "/proxy.pac", 10) == 0;
	int health = req->tlen == 8 && memcmp(req->target, "/healthz", 8) == 0;

	if (!session_client_allowed(s)) {
		session_refuse(s, EV_DENY, REASON_CLIENT_NOT_ALLOWED);
		return;
	}
	if (s->over_limit) {
		session_refuse(s, EV_DENY, REASON_LIMIT);
		return;
	}
	if (!pac && !health) {
		http_refuse_status(s, 404, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	if (!get && !head) {
		http_refuse_status(s, 405, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	s->event = EV_NONE;
	if (health)
		http_respond(s, 200, "text/plain", "ok\n", 3, head);
	else if (pac_respond(s, req, head) == -1) {
		session_close(s, EV_ERROR, REASON_NONE);
		return;
	}
	session_reply(s);
}

/* CONNECT host:port: the head is parsed, the tunnel is asked for. */
static void
start_connect(struct session *s, const struct http_head *req, size_t end)
{
	char		 host[NAME_MAX_LEN + 2];
	int		 port, ok;

	s->proto_name = "connect";
	/* req points into the input buffer: read it before draining. */
	ok = hostport_split(req->target, req->tlen, host, sizeof(host),
	    &port) == 0 && port != -1;	/* CONNECT needs its port */
	if (ok && http_authenticate(s, req, host, (uint16_t)port) != 0)
		return;
	evbuffer_drain(bufferevent_get_input(s->client), end);
	if (!ok) {
		session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	http_state(s)->connect = 1;
	session_request(s, host, (uint16_t)port);
}

/*
 * Reads a request head.  Over max_header_bytes without its end is 431;
 * a head that does not parse is 400.
 */
static void
http_read(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->client);
	size_t			 len = evbuffer_get_length(in);
	size_t			 max = server.conf->max_header_bytes;
	struct http		*h = http_state(s);
	struct http_head	 req;
	const char		*buf;
	long			 end;

	if (h == NULL) {
		session_close(s, EV_ERROR, REASON_NONE);
		return;
	}
	buf = (const char *)evbuffer_pullup(in, len > max ? (ssize_t)max + 1 :
	    -1);
	end = httphead_end(buf, len > max ? max : len);
	if (end == -1) {
		if (len > max)
			http_refuse_status(s, 431, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	if (httphead_parse_request(buf, (size_t)end, &req) == -1) {
		session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	h->minor = req.minor;
	s->bytes_up = (uint64_t)end;
	if (req.mlen == 7 && memcmp(req.method, "CONNECT", 7) == 0) {
		s->bytes_up = 0;	/* a tunnel counts its payload only */
		start_connect(s, &req, (size_t)end);
	} else if (req.tlen > 0 && req.target[0] == '/') {
		serve_local(s, &req);
	} else if (req.tlen > 7 && strncasecmp(req.target, "http://", 7) == 0) {
		forward_request(s, &req, (size_t)end);
	} else {
		s->proto_name = "http";
		session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
	}
}

static void
http_connected(struct session *s)
{
	struct http *h = s->pstate;

	if (!h->connect) {
		forward_connected(s);
		return;
	}
	/* In the request's own version: 1.0 or 1.1 (httphead.c). */
	static const char r10[] = "HTTP/1.0 200 Connection established\r\n\r\n";
	static const char r11[] = "HTTP/1.1 200 Connection established\r\n\r\n";

	relay_start(s, h->minor == 0 ? r10 : r11, sizeof(r11) - 1);
}

const struct proto http_proto = {
	"http", http_read, http_connected, http_refuse, forward_free
};
