/*
 * The HTTP state of a session and the replies pinhole writes itself:
 * its short plain-text refusals, its own answers (the PAC file,
 * /healthz), and the 407 of a request without its user.  http.c (the
 * protocol), forward.c and pac.c all build on this file; it calls none
 * of them.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "httpreply.h"
#include "log.h"
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

void
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
	(void)session_set_host(s, host);	/* for a refusal's record */
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
