/*
 * One list fetch: a GET through libevent's evhttp over an OpenSSL
 * bufferevent.  The certificate chain is verified against the system
 * store or ca_file and must name the URL's host (or IP address); SNI is
 * sent; TLS 1.2 at least.  Up to 3 redirects are followed, never from
 * https to http.  The body may not pass max_bytes and the whole fetch,
 * redirects included, may not pass timeout.  ETag and Last-Modified of
 * the last good version make the request conditional.
 *
 * Each hop (the first request and every redirect) resolves its host
 * through [dns] here, not inside evhttp, and connects to an address it
 * has checked against the denied ranges, the same check a client's
 * destination gets: a list URL or a redirect cannot make pinhole reach
 * a private or [acl] deny address (SSRF from the proxy's host) unless
 * the list says fetch_private = yes.  evhttp is then given that address,
 * so what was checked is what is connected to.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl.h"
#include "addr.h"
#include "fetch.h"
#include "tlsctx.h"
#include "log.h"
#include "resolve.h"

#define MAX_REDIRECTS		3
#define MAX_HEADERS_BYTES	(64 * 1024)

struct fetch {
	struct event_base		*base;
	struct resolver			*resolver;
	const struct policy		*policy;	/* its denied ranges */
	const struct list_conf		*list;
	fetch_cb			 cb;
	void				*arg;
	char				*url;
	char				*etag, *last_modified;
	int				 redirects;
	int				 was_https;
	SSL				*ssl;	/* owned by bev once made */
	struct bufferevent		*bev;
	struct evhttp_connection	*conn;
	struct evhttp_request		*req;
	struct event			*deadline;
	enum evhttp_request_error	 error;
	int				 sys_error;	/* errno then */
	int				 failed;
	struct timeval			 started;	/* of this hop */
	struct event			*step;	/* starts a hop from the loop */
	struct resolve_req		*lookup;
	char				*host;	/* of this hop, no brackets */
	char				*target;
	char				 hostport[300];	/* Host: */
	int				 port;
	int				 https;
};

static int	fetch_go(struct fetch *);

void
fetch_result_free(struct fetch_result *r)
{
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	memset(r, 0, sizeof(*r));
}

static void
free_conn_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

/* evhttp may not free a connection from its own callback: defer it. */
static void
drop_conn(struct fetch *f)
{
	struct timeval now = { 0, 0 };

	if (f->conn == NULL)
		return;
	if (event_base_once(f->base, -1, EV_TIMEOUT, free_conn_later,
	    f->conn, &now) == -1)
		evhttp_connection_free(f->conn);
	f->conn = NULL;
	f->bev = NULL;
	f->req = NULL;
}

static void
fetch_free(struct fetch *f)
{
	if (f->lookup != NULL)
		resolve_cancel(f->lookup);
	if (f->step != NULL)
		event_free(f->step);
	if (f->deadline != NULL)
		event_free(f->deadline);
	if (f->conn != NULL)
		evhttp_connection_free(f->conn);
	else if (f->bev != NULL)
		bufferevent_free(f->bev);
	free(f->host);
	free(f->target);
	free(f->url);
	free(f->etag);
	free(f->last_modified);
	free(f);
}

static void
finish(struct fetch *f, struct fetch_result *r)
{
	fetch_cb	 cb = f->cb;
	void		*arg = f->arg;

	drop_conn(f);
	fetch_free(f);
	cb(r, arg);
}

static void
fail(struct fetch *f, const char *fmt, const char *detail)
{
	struct fetch_result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.error, sizeof(r.error), fmt, detail);
	finish(f, &r);
}

static const char *
error_text(enum evhttp_request_error e)
{
	switch (e) {
	case EVREQ_HTTP_TIMEOUT:
		return "timed out";
	case EVREQ_HTTP_EOF:
		return "connection closed early";
	case EVREQ_HTTP_INVALID_HEADER:
		return "invalid response head";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "read or write error";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "body over max_bytes (or head too long)";
	default:
		return "failed";
	}
}

/* Why TLS failed, as OpenSSL tells it. */
static void
tls_error(struct fetch *f, char *buf, size_t size)
{
	unsigned long	 e = f->bev ? bufferevent_get_openssl_error(f->bev) : 0;
	long		 v = f->ssl ? SSL_get_verify_result(f->ssl) : X509_V_OK;

	if (v != X509_V_OK)
		snprintf(buf, size, "certificate: %s",
		    X509_verify_cert_error_string(v));
	else if (e != 0 && ERR_GET_LIB(e) != 0)
		ERR_error_string_n(e, buf, size);
	else
		buf[0] = '\0';	/* a system error, told by errno */
	ERR_clear_error();
}

/*
 * evhttp reports a refused or failed connect as a timeout; one that
 * came well before the timeout was a connection failure, told by errno.
 */
static int
real_failure(const struct fetch *f)
{
	struct timeval	 now, d;
	uint64_t	 ms;

	if (f->error == EVREQ_HTTP_DATA_TOO_LONG)
		return 0;
	if (f->error != EVREQ_HTTP_TIMEOUT)
		return 1;
	gettimeofday(&now, NULL);
	timersub(&now, &f->started, &d);
	ms = (uint64_t)d.tv_sec * 1000 + (uint64_t)d.tv_usec / 1000;
	return ms * 10 < f->list->timeout_ms * 9;
}

/*
 * errno as evhttp's error callback finds it is only what the last
 * system call of the process left, which may be any other's: a list
 * whose host did not resolve was once logged "Bad file descriptor".
 * Only an errno that a connection's failure sets is told.
 */
static int
connection_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case ETIMEDOUT:
	case EPIPE:
		return e;
	default:
		return 0;
	}
}

static void
on_error(enum evhttp_request_error e, void *arg)
{
	struct fetch *f = arg;

	f->error = e;
	f->sys_error = connection_errno(EVUTIL_SOCKET_ERROR());
	f->failed = 1;
}

static char *
header(struct evhttp_request *req, const char *name)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    name);

	return v != NULL ? strdup(v) : NULL;
}

/* A Location made absolute against the URL it came from. */
static char *
redirect_target(struct fetch *f, const char *loc)
{
	struct evhttp_uri	*u;
	char			*out;
	size_t			 n;

	if (strncasecmp(loc, "https://", 8) == 0 ||
	    strncasecmp(loc, "http://", 7) == 0)
		return strdup(loc);
	if (loc[0] != '/' || loc[1] == '/')
		return NULL;
	if ((u = evhttp_uri_parse(f->url)) == NULL)
		return NULL;
	n = strlen(f->url) + strlen(loc) + 16;
	if ((out = malloc(n)) != NULL) {
		int port = evhttp_uri_get_port(u);

		if (port > 0)
			snprintf(out, n, "%s://%s:%d%s", evhttp_uri_get_scheme(u),
			    evhttp_uri_get_host(u), port, loc);
		else
			snprintf(out, n, "%s://%s%s", evhttp_uri_get_scheme(u),
			    evhttp_uri_get_host(u), loc);
	}
	evhttp_uri_free(u);
	return out;
}

static void
on_done(struct evhttp_request *req, void *arg)
{
	struct fetch		*f = arg;
	struct fetch_result	 r;
	struct evbuffer		*in;
	int			 code;
	char			 tls[256];
	const char		*loc;

	if (req == NULL || f->failed || evhttp_request_get_response_code(req)
	    == 0) {
		tls_error(f, tls, sizeof(tls));
		if (tls[0] != '\0')
			fail(f, "TLS: %s", tls);
		else if (!f->failed)	/* evhttp tells no more than that */
			fail(f, "cannot connect to %s (refused, unreachable or "
			    "closed at once)", f->url);
		else if (f->sys_error != 0 && real_failure(f))
			fail(f, "%s", evutil_socket_error_to_string(
			    f->sys_error));
		else
			fail(f, "%s", error_text(f->error));
		return;
	}
	code = evhttp_request_get_response_code(req);
	if (code == 301 || code == 302 || code == 303 || code == 307 ||
	    code == 308) {
		char *next;

		loc = evhttp_find_header(evhttp_request_get_input_headers(req),
		    "Location");
		if (loc == NULL || ++f->redirects > MAX_REDIRECTS ||
		    (next = redirect_target(f, loc)) == NULL) {
			fail(f, "%s", loc == NULL ? "redirect without Location" :
			    f->redirects > MAX_REDIRECTS ? "more than 3 redirects" :
			    "bad redirect Location");
			return;
		}
		if (f->was_https && strncasecmp(next, "http://", 7) == 0) {
			free(next);
			fail(f, "%s", "redirect from https to http refused");
			return;
		}
		free(f->url);
		f->url = next;
		drop_conn(f);
		if (fetch_go(f) == -1)
			fail(f, "%s", "cannot follow the redirect");
		return;
	}
	memset(&r, 0, sizeof(r));
	if (code == 304) {
		r.ok = r.not_modified = 1;
		finish(f, &r);
		return;
	}
	if (code != 200) {
		snprintf(tls, sizeof(tls), "HTTP status %d", code);
		fail(f, "%s", tls);
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	r.len = evbuffer_get_length(in);
	if ((r.body = malloc(r.len + 1)) == NULL) {
		fail(f, "%s", "out of memory");
		return;
	}
	evbuffer_remove(in, r.body, r.len);
	r.body[r.len] = '\0';
	r.etag = header(req, "ETag");
	r.last_modified = header(req, "Last-Modified");
	r.ok = 1;
	finish(f, &r);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;

	(void)fd;
	(void)what;
	/* Freeing the connection drops its request without callbacks. */
	if (f->conn != NULL)
		evhttp_connection_free(f->conn);
	f->conn = NULL;
	f->bev = NULL;
	fail(f, "%s", "timed out (the list's timeout)");
}

static SSL *
tls_new(struct fetch *f, const char *host)
{
	struct addr	 ip;
	SSL		*ssl;

	SSL_CTX		*ctx = tlsctx_get(f->list);

	if (ctx == NULL || (ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (addr_parse(host, &ip) == 0) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	} else {
		SSL_set_tlsext_host_name(ssl, host);
		SSL_set1_host(ssl, host);
		/*
		 * The name must be in the certificate's subjectAltName:
		 * OpenSSL would otherwise fall back to a CN, which RFC 6125
		 * and every browser have left behind.
		 */
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
	}
	return ssl;
}

/* Parses f->url into this hop's host, port, target and Host header. */
static int
hop_parse(struct fetch *f)
{
	struct evhttp_uri	*u = evhttp_uri_parse(f->url);
	const char		*scheme, *host, *path, *query;
	char			 target[4096];
	size_t			 hlen;
	int			 rc = -1;

	if (u == NULL || (scheme = evhttp_uri_get_scheme(u)) == NULL ||
	    (host = evhttp_uri_get_host(u)) == NULL || *host == '\0')
		goto out;
	f->https = strcasecmp(scheme, "https") == 0;
	if (!f->https && (strcasecmp(scheme, "http") != 0 ||
	    !f->list->allow_http))
		goto out;
	f->was_https |= f->https;
	f->port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) :
	    f->https ? 443 : 80;
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	snprintf(target, sizeof(target), "%s%s%s", path && *path ? path : "/",
	    query ? "?" : "", query ? query : "");
	/* An IPv6 literal comes as "[...]": the host is what is inside. */
	hlen = strlen(host);
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	free(f->host);
	free(f->target);
	f->host = strndup(host, hlen);
	f->target = strdup(target);
	if (f->host == NULL || f->target == NULL)
		goto out;
	if (f->port == (f->https ? 443 : 80))
		snprintf(f->hostport, sizeof(f->hostport), strchr(f->host,
		    ':') ? "[%s]" : "%s", f->host);
	else
		snprintf(f->hostport, sizeof(f->hostport), strchr(f->host,
		    ':') ? "[%s]:%d" : "%s:%d", f->host, f->port);
	rc = 0;
out:
	if (u != NULL)
		evhttp_uri_free(u);
	return rc;
}

/* Sends this hop's request to address a, checked already. */
static int
hop_connect(struct fetch *f, const struct addr *a)
{
	struct evkeyvalq	*h;
	char			 ip[ADDR_STRLEN];

	addr_format(a, ip, sizeof(ip));
	f->ssl = NULL;
	if (f->https) {
		if ((f->ssl = tls_new(f, f->host)) == NULL)
			return -1;
		f->bev = bufferevent_openssl_socket_new(f->base, -1, f->ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
		    BEV_OPT_DEFER_CALLBACKS);
		if (f->bev == NULL) {
			SSL_free(f->ssl);
			f->ssl = NULL;
			return -1;
		}
	} else
		f->bev = NULL;
	f->conn = evhttp_connection_base_bufferevent_new(f->base,
	    resolve_evdns(f->resolver), f->bev, ip, (unsigned short)f->port);
	if (f->conn == NULL)
		return -1;
	evhttp_connection_set_timeout(f->conn,
	    (int)((f->list->timeout_ms + 999) / 1000));
	evhttp_connection_set_retries(f->conn, 0);
	evhttp_connection_set_max_body_size(f->conn,
	    (ev_ssize_t)f->list->max_bytes);
	evhttp_connection_set_max_headers_size(f->conn, MAX_HEADERS_BYTES);
	if ((f->req = evhttp_request_new(on_done, f)) == NULL)
		return -1;
	evhttp_request_set_error_cb(f->req, on_error);
	h = evhttp_request_get_output_headers(f->req);
	evhttp_add_header(h, "Host", f->hostport);
	evhttp_add_header(h, "User-Agent", "pinhole/" PINHOLE_VERSION);
	evhttp_add_header(h, "Accept", "*/*");
	evhttp_add_header(h, "Connection", "close");
	if (f->etag != NULL)
		evhttp_add_header(h, "If-None-Match", f->etag);
	if (f->last_modified != NULL)
		evhttp_add_header(h, "If-Modified-Since", f->last_modified);
	gettimeofday(&f->started, NULL);
	f->sys_error = 0;
	if (evhttp_make_request(f->conn, f->req, EVHTTP_REQ_GET, f->target) ==
	    -1)
		return -1;	/* evhttp has freed the request */
	return 0;
}

/*
 * The addresses of this hop's host: the first outside the denied ranges
 * is connected to; when there is none, the fetch fails and says why.
 */
static void
hop_addrs(struct fetch *f, const struct addr *addrs, size_t n)
{
	enum reason	 why = REASON_NONE, r;
	struct addr	 bad;
	char		 ip[ADDR_STRLEN], msg[256];
	size_t		 i;

	memset(&bad, 0, sizeof(bad));
	for (i = 0; i < n; i++) {
		r = acl_denied_range(f->policy, &addrs[i],
		    f->list->fetch_private);
		if (r == REASON_NONE)
			break;
		if (why == REASON_NONE) {
			why = r;
			bad = addrs[i];
		}
	}
	if (i == n) {
		addr_format(&bad, ip, sizeof(ip));
		snprintf(msg, sizeof(msg), "refused to connect to %s for %s "
		    "(%s%s)", ip, f->url, reason_name(why),
		    why == REASON_PRIVATE_ADDRESS ? "; fetch_private = yes "
		    "allows a mirror inside the network" : ", [acl] deny");
		fail(f, "%s", msg);
		return;
	}
	if (why != REASON_NONE) {
		addr_format(&bad, ip, sizeof(ip));
		log_info("list %s: %s: not connecting to %s (%s)",
		    f->list->name, f->host, ip, reason_name(why));
	}
	if (hop_connect(f, &addrs[i]) == -1)
		fail(f, "%s", "cannot start the request");
}

static void
hop_resolved(int error, const struct addr *addrs, size_t n, uint32_t ttl,
    void *arg)
{
	struct fetch *f = arg;

	(void)ttl;
	f->lookup = NULL;
	if (error != 0 || n == 0) {
		fail(f, "the name %s did not resolve (no address from [dns])",
		    f->host);
		return;
	}
	hop_addrs(f, addrs, n);
}

/* From the event loop: a hop's host, an IP literal or a name to look up. */
static void
hop_start(evutil_socket_t fd, short what, void *arg)
{
	struct fetch	*f = arg;
	struct acl_dest	 d;

	(void)fd;
	(void)what;
	if (acl_parse_host(f->host, strlen(f->host), &d) == -1) {
		fail(f, "malformed host %s", f->host);
		return;
	}
	if (d.is_addr) {
		hop_addrs(f, &d.addr, 1);
		return;
	}
	f->lookup = resolve_name(f->resolver, d.name, hop_resolved, f);
	if (f->lookup == NULL)
		fail(f, "cannot look up %s", f->host);
}

/*
 * Starts a hop for f->url (again after a redirect).  What follows runs
 * from the event loop, so that every outcome reaches the callback and
 * none runs inside fetch_start.
 */
static int
fetch_go(struct fetch *f)
{
	struct timeval now = { 0, 0 };

	if (hop_parse(f) == -1)
		return -1;
	return evtimer_add(f->step, &now);
}

/*
 * Starts fetching list l; etag and last_modified (or NULL) come from the
 * last good version.  cb runs once, later, from the event loop.
 */
struct fetch *
fetch_start(struct event_base *base, struct resolver *resolver,
    const struct policy *policy, const struct list_conf *l, const char *etag,
    const char *last_modified, fetch_cb cb, void *arg)
{
	struct fetch	*f;
	struct timeval	 tv = { (time_t)(l->timeout_ms / 1000),
			    (suseconds_t)(l->timeout_ms % 1000) * 1000 };

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->base = base;
	f->resolver = resolver;
	f->policy = policy;
	f->list = l;
	f->cb = cb;
	f->arg = arg;
	f->url = strdup(l->url);
	f->etag = etag ? strdup(etag) : NULL;
	f->last_modified = last_modified ? strdup(last_modified) : NULL;
	f->deadline = evtimer_new(base, on_deadline, f);
	f->step = evtimer_new(base, hop_start, f);
	if (f->url == NULL || f->deadline == NULL || f->step == NULL ||
	    evtimer_add(f->deadline,
	    &tv) == -1 || fetch_go(f) == -1) {
		fetch_free(f);
		return NULL;
	}
	return f;
}

/* Stops a fetch; its callback will not run. */
void
fetch_cancel(struct fetch *f)
{
	if (f->conn != NULL)
		evhttp_connection_free(f->conn);
	f->conn = NULL;
	f->bev = NULL;
	fetch_free(f);
}
