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
 * Bytes a URL does not carry as they are (controls, space, non-ASCII,
 * a quote or a backslash) as %XX, within HTTPLOG_URL_MAX: the URL in a
 * record is printable ASCII that JSON takes unescaped, so the record
 * stays within its line's buffer.
 */
static char *
url_encode(const char *in)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 out[HTTPLOG_URL_MAX + 1];
	size_t			 n = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (n + 1 > HTTPLOG_URL_MAX)
				break;
			out[n++] = (char)c;
			continue;
		}
		if (n + 3 > HTTPLOG_URL_MAX)
			break;
		out[n++] = '%';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 0xf];
	}
	out[n] = '\0';
	return strdup(out);
}

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
	s->method = strndup(req->method, req->mlen < HTTPLOG_METHOD_MAX ?
	    req->mlen : HTTPLOG_METHOD_MAX);
	if (host == NULL)
		return;
	if (!server.conf->http_query && (q = memchr(path, '?', plen)) != NULL)
		plen = (size_t)(q - path);
	snprintf(url, sizeof(url), strchr(host, ':') != NULL ?
	    "http://[%s]:%u%s%.*s" : "http://%s:%u%s%.*s", host, port,
	    plen == 0 || path[0] == '?' ? "/" : "", (int)plen, path);
	s->url = url_encode(url);
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
