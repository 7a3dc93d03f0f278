/*
 * Lines end with CRLF or a bare LF (RFC 9112 2.2); a CR anywhere else is
 * an error.  The head is parsed in place: fields point into the buffer.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "httphead.h"

static int
tchar(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Offset just past the empty line ending a head, or -1 while none. */
long
httphead_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return (long)(i + 2);
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return (long)(i + 3);
	}
	return -1;
}

/* The next line: *line and *len, without its end; -1 on a stray CR. */
static int
next_line(const char *buf, size_t size, size_t *pos, const char **line,
    size_t *len)
{
	size_t	 start = *pos, i;

	for (i = start; i < size && buf[i] != '\n'; i++)
		;
	if (i == size)
		return -1;
	*pos = i + 1;
	if (i > start && buf[i - 1] == '\r')
		i--;
	*line = buf + start;
	*len = i - start;
	for (size_t k = 0; k < *len; k++)
		if (buf[start + k] == '\r')
			return -1;
	return 0;
}

static int
equal(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

/* "a, b ,c" holds token t (case-insensitive)? */
static int
has_token(const char *v, size_t len, const char *t)
{
	size_t i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end > start && equal(v + start, end - start, t))
			return 1;
	}
	return 0;
}

static int
parse_length(const char *v, size_t len, int64_t *out)
{
	int64_t n = 0;

	if (len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

/* Checks and notes one "name: value" line. */
static int
parse_field(struct http_head *h, const char *line, size_t len)
{
	struct http_field	*f;
	size_t			 i = 0, v, e;

	while (i < len && tchar((unsigned char)line[i]))
		i++;
	if (i == 0 || i == len || line[i] != ':')
		return -1;	/* no name, or a space before the colon */
	for (v = i + 1; v < len && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	for (e = len; e > v && (line[e - 1] == ' ' || line[e - 1] == '\t'); e--)
		;
	for (size_t k = v; k < e; k++) {
		unsigned char c = (unsigned char)line[k];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	if (h->nfields == HTTPHEAD_MAX_FIELDS)
		return -1;
	f = &h->fields[h->nfields++];
	f->name = line;
	f->nlen = i;
	f->value = line + v;
	f->vlen = e - v;
	if (equal(f->name, f->nlen, "content-length")) {
		int64_t n;

		if (parse_length(f->value, f->vlen, &n) == -1)
			return -1;
		if (h->content_length != -1 && h->content_length != n)
			return -1;
		h->content_length = n;
	} else if (equal(f->name, f->nlen, "transfer-encoding")) {
		/* Only "chunked", once: anything else cannot be framed. */
		if (h->chunked || !equal(f->value, f->vlen, "chunked"))
			return -1;
		h->chunked = 1;
	} else if (equal(f->name, f->nlen, "connection")) {
		h->close |= has_token(f->value, f->vlen, "close");
		h->keep_alive |= has_token(f->value, f->vlen, "keep-alive");
	}
	return 0;
}

/*
 * A Connection naming Content-Length or Transfer-Encoding would make
 * them hop-by-hop: dropped on the way, while pinhole still frames the
 * body by them, so the next hop would read the body as a message of
 * its own (a request whose host was never checked).  Such a head is
 * refused, whether or not it has the field it names.
 */
static int
names_framing(const struct http_head *h)
{
	for (size_t i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];

		if (equal(f->name, f->nlen, "connection") &&
		    (has_token(f->value, f->vlen, "content-length") ||
		    has_token(f->value, f->vlen, "transfer-encoding")))
			return 1;
	}
	return 0;
}

static int
parse_fields(const char *buf, size_t size, size_t pos, struct http_head *h)
{
	const char	*line;
	size_t		 len;

	for (;;) {
		if (next_line(buf, size, &pos, &line, &len) == -1)
			return -1;
		if (len == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')
			return -1;	/* obs-fold */
		if (parse_field(h, line, len) == -1)
			return -1;
	}
	if (h->chunked && h->content_length != -1)
		return -1;
	return names_framing(h) ? -1 : 0;
}

static int
parse_version(const char *v, size_t len, int *minor)
{
	if (len != 8 || strncmp(v, "HTTP/1.", 7) != 0 ||
	    (v[7] != '0' && v[7] != '1'))
		return -1;
	*minor = v[7] - '0';
	return 0;
}

/* METHOD SP target SP HTTP/1.x, fields, empty line: buf[0..size). */
int
httphead_parse_request(const char *buf, size_t size, struct http_head *h)
{
	const char	*line;
	size_t		 len, pos = 0, i, sp1, sp2;

	memset(h, 0, sizeof(*h));
	h->content_length = -1;
	do {	/* empty lines before a request are ignored (RFC 9112 2.2) */
		if (next_line(buf, size, &pos, &line, &len) == -1)
			return -1;
	} while (len == 0 && pos < size);
	for (i = 0; i < len && tchar((unsigned char)line[i]); i++)
		;
	if (i == 0 || i == len || line[i] != ' ')
		return -1;
	sp1 = i;
	for (i = sp1 + 1; i < len && line[i] > 0x20 && line[i] < 0x7f; i++)
		;
	if (i == sp1 + 1 || i == len || line[i] != ' ')
		return -1;
	sp2 = i;
	if (parse_version(line + sp2 + 1, len - sp2 - 1, &h->minor) == -1)
		return -1;
	h->method = line;
	h->mlen = sp1;
	h->target = line + sp1 + 1;
	h->tlen = sp2 - sp1 - 1;
	return parse_fields(buf, size, pos, h);
}

/* HTTP/1.x SP 3DIGIT SP reason, fields, empty line. */
int
httphead_parse_response(const char *buf, size_t size, struct http_head *h)
{
	const char	*line;
	size_t		 len, pos = 0;

	memset(h, 0, sizeof(*h));
	h->content_length = -1;
	if (next_line(buf, size, &pos, &line, &len) == -1 || len < 12 ||
	    parse_version(line, 8, &h->minor) == -1 || line[8] != ' ' ||
	    !isdigit((unsigned char)line[9]) ||
	    !isdigit((unsigned char)line[10]) ||
	    !isdigit((unsigned char)line[11]) || (len > 12 && line[12] != ' '))
		return -1;
	h->method = line;
	h->mlen = 8;
	h->target = line + 9;
	h->tlen = 3;
	h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
	    (line[11] - '0');
	h->reason = len > 13 ? line + 13 : "";
	h->rlen = len > 13 ? len - 13 : 0;
	for (size_t k = 0; k < h->rlen; k++) {
		unsigned char c = (unsigned char)h->reason[k];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	return parse_fields(buf, size, pos, h);
}

const struct http_field *
httphead_field(const struct http_head *h, const char *name)
{
	for (size_t i = 0; i < h->nfields; i++)
		if (equal(h->fields[i].name, h->fields[i].nlen, name))
			return &h->fields[i];
	return NULL;
}

/*
 * Hop-by-hop: Connection and the fields it names, Keep-Alive,
 * Proxy-Connection, TE, Trailer, Upgrade; and Proxy-Authorization and
 * Proxy-Authenticate, which are for pinhole, never for the other side.
 */
int
httphead_is_hop(const struct http_head *h, const struct http_field *f)
{
	static const char *const hop[] = {
		"connection", "keep-alive", "proxy-connection", "te",
		"trailer", "upgrade", "proxy-authorization",
		"proxy-authenticate",
	};
	char name[128];

	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (equal(f->name, f->nlen, hop[i]))
			return 1;
	if (f->nlen >= sizeof(name))
		return 0;
	memcpy(name, f->name, f->nlen);
	name[f->nlen] = '\0';
	for (size_t i = 0; i < h->nfields; i++) {
		const struct http_field *c = &h->fields[i];

		if (equal(c->name, c->nlen, "connection") &&
		    has_token(c->value, c->vlen, name))
			return 1;
	}
	return 0;
}
