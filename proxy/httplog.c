/*
 * What a security team keys on in a proxy's records: the method, the
 * URL and the status of each forwarded request.  The URL is rebuilt
 * from what pinhole forwards (scheme, host, port, path), never copied
 * from the client's target: the port is always written, and the query
 * string, which often carries tokens, only with [log] http_query = yes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httplog.h"
#include "server.h"

/*
 * The request's method, and its URL when the target was read (host is
 * NULL when it was not): path is the target after the authority, plen
 * bytes of it, query string included.
 */
void
httplog_request(struct session *s, const struct http_head *req,
    const char *host, uint16_t port, const char *path, size_t plen)
{
	const char	*q;
	char		 url[HTTPLOG_URL_MAX + 1];

	httplog_clear(s);
	s->method = strndup(req->method, req->mlen);
	if (host == NULL)
		return;
	if (!server.conf->http_query && (q = memchr(path, '?', plen)) != NULL)
		plen = (size_t)(q - path);
	snprintf(url, sizeof(url), strchr(host, ':') != NULL ?
	    "http://[%s]:%u%s%.*s" : "http://%s:%u%s%.*s", host, port,
	    plen == 0 || path[0] == '?' ? "/" : "", (int)plen, path);
	s->url = strdup(url);
}

/* A kept-alive connection's next request starts with none. */
void
httplog_clear(struct session *s)
{
	free(s->method);
	free(s->url);
	s->method = s->url = NULL;
	s->status = 0;
}
