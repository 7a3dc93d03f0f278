/*
 * HTTP/1.x on the proxy port: CONNECT tunnels, absolute-form requests
 * forwarded to the origin (forward.c), and origin-form requests to
 * pinhole itself (the PAC file and /healthz).  Every refusal is a short
 * plain-text reply naming the reason, never the config.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "forward.h"
#include "hostport.h"
#include "log.h"
#include "http.h"
#include "pac.h"
#include "proto.h"
#include "relay.h"
#include "server.h"

struct http *
http_state(struct session *s)
{
	struct http *h;

	if (s->pstate == NULL && (h = calloc(1, sizeof(*h))) != NULL) {
		h->minor = 1;
		s->pstate = h;
	}
	return s->pstate;
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 407: return "Proxy Authentication Required";
	case 431: return "Request Header Fields Too Large";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

/*
 * A complete response that ends the connection, sent with session_send:
 * a refusal usually goes out with one write(2), head and body together.
 */
static void
respond(struct session *s, int status, const char *extra, const char *type,
    const char *body, size_t len, int head_only)
{
	struct http	*h = s->pstate;
	char		 buf[2048];
	int		 n;

	n = snprintf(buf, sizeof(buf),
	    "HTTP/1.%d %d %s\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
	    h != NULL && h->minor == 0 ? 0 : 1, status, status_text(status),
	    extra, type, len);
	if (n < 0 || (size_t)n >= sizeof(buf))
		fatalx("http: a response head over %zu bytes", sizeof(buf));
	if (head_only)
		len = 0;
	if (len <= sizeof(buf) - (size_t)n) {
		if (len > 0)
			memcpy(buf + n, body, len);
		(void)session_send(s, buf, (size_t)n + len);
		return;
	}
	(void)session_send(s, buf, (size_t)n);
	(void)session_send(s, body, len);
}

void
http_respond(struct session *s, int status, const char *type,
    const char *body, size_t len, int head_only)
{
	respond(s, status, "", type, body, len, head_only);
}

static int
refusal_status(const struct http *h, enum reason why)
{
	if (h != NULL && h->status != 0)
		return h->status;
	switch (why) {
	case REASON_BAD_REQUEST:
		return 400;
	case REASON_AUTH:
		return 407;
	case REASON_LIMIT:
		return 503;
	case REASON_DNS_ERROR:
	case REASON_CONNECT_FAILED:
		return 502;
	case REASON_TIMEOUT:
		return 504;
	default:
		return 403;
	}
}

static void
http_refuse(struct session *s, enum reason why)
{
	char	 body[128];
	int	 n, status = refusal_status(s->pstate, why);

	if (s->method != NULL)		/* a forwarded request's record */
		s->status = status;

	n = snprintf(body, sizeof(body), "pinhole: %d %s (%s)\n", status,
	    status_text(status), reason_name(why) ? reason_name(why) :
	    "refused");
	respond(s, status, status == 407 ?
	    "Proxy-Authenticate: Basic realm=\"pinhole\"\r\n" : "",
	    "text/plain", body, (size_t)n, 0);
}

/*
 * With [auth], a request for a destination carries its user in
 * Proxy-Authorization: Basic.  Missing, unreadable or wrong is 407.
 * The host and port are kept first, for the flow record of a refusal.
 * As session_authenticate: 0 go on, -1 refused, 1 checking (the head
 * stays unread and is read again).
 */
int
http_authenticate(struct session *s, const struct http_head *req,
    const char *host, uint16_t port)
{
	const struct http_field	*f;
	char			 user[AUTH_NAME_MAX + 1];
	char			 pass[AUTH_PASS_MAX + 1];
	size_t			 plen = 0;
	int			 rc;

	if (server.auth == NULL)
		return 0;
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->port = port;
	f = httphead_field(req, "proxy-authorization");
	if (f == NULL || auth_basic_decode(f->value, f->vlen, user,
	    sizeof(user), pass, sizeof(pass), &plen) == -1)
		return session_authenticate(s, NULL, NULL, 0);
	rc = session_authenticate(s, user, pass, plen);
	OPENSSL_cleanse(pass, sizeof(pass));
	return rc;
}

/* Refuses with a status of its own (400, 404, 405, 431). */
void
http_refuse_status(struct session *s, int status, enum session_event ev,
    enum reason why)
{
	struct http *h = http_state(s);

	if (h != NULL)
		h->status = status;
	session_refuse(s, ev, why);
}

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
	char reply[64];
	int len;

	len = snprintf(reply, sizeof(reply),
	    "HTTP/1.%d 200 Connection established\r\n\r\n", h->minor);
	relay_start(s, reply, (size_t)len);
}

const struct proto http_proto = {
	"http", http_read, http_connected, http_refuse, forward_free
};
