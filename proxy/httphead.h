/*
 * An HTTP/1.x message head (request or response), parsed strictly:
 * what a smuggling attack needs (a Content-Length beside a
 * Transfer-Encoding, two differing lengths, obs-fold, a stray CR or
 * control byte, a Connection naming Content-Length or
 * Transfer-Encoding) is refused rather than guessed at.
 */
#ifndef PINHOLE_HTTPHEAD_H
#define PINHOLE_HTTPHEAD_H

#include <stddef.h>
#include <stdint.h>

#define HTTPHEAD_MAX_FIELDS	128

struct http_field {
	const char	*name;
	size_t		 nlen;
	const char	*value;
	size_t		 vlen;
};

struct http_head {
	/* request line, or status line of a response */
	const char		*method;	/* or "HTTP/1.x" */
	size_t			 mlen;
	const char		*target;	/* or the status code */
	size_t			 tlen;
	const char		*reason;	/* response only */
	size_t			 rlen;
	int			 minor;		/* HTTP/1.minor */
	int			 status;	/* response only */
	struct http_field	 fields[HTTPHEAD_MAX_FIELDS];
	size_t			 nfields;
	int64_t			 content_length;	/* -1: none */
	int			 chunked;
	int			 close;		/* Connection: close */
	int			 keep_alive;	/* Connection: keep-alive */
};

long	httphead_end(const char *, size_t);
int	httphead_parse_request(const char *, size_t, struct http_head *);
int	httphead_parse_response(const char *, size_t, struct http_head *);
const struct http_field *httphead_field(const struct http_head *,
	    const char *);
int	httphead_is_hop(const struct http_head *, const struct http_field *);

#endif
