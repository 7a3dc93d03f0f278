/*
 * Reads the server_name extension (RFC 6066) of a ClientHello.  The
 * handshake message may span several TLS records and arrive over
 * several reads; the caller keeps the bytes and calls again with more.
 * Every length is checked against what is there: the input is the
 * client's, not to be trusted.
 *
 * The name must be the one a TLS server or an SNI router in front of
 * the destination reads, or the check compares the wrong name.  So
 * once the first byte says "handshake record", anything a careful
 * reader would read differently, or refuse, is SNI_BAD rather than "no
 * name": another record type or a version other than 3.x before the
 * hello is whole, a malformed hello, a server_name extension that is
 * not exactly one host_name of printable ASCII, a second server_name
 * extension.  A hello over several records is also read the way a
 * router that does not reassemble records reads it (the bytes after the
 * first record's header, headers and all): if that gives another name,
 * the two readers disagree and the hello is SNI_BAD too.
 */
#include <string.h>

#include "sni.h"

/* A record header, or as much of one as there is (avail bytes). */
static int
record_ok(const uint8_t *p, size_t avail)
{
	return (avail < 1 || p[0] == 22) && (avail < 2 || p[1] == 3);
}

/* A handshake message so far (mlen bytes): more, unless no ClientHello. */
static enum sni_result
more(const uint8_t *msg, size_t mlen)
{
	return mlen > 0 && msg[0] != 1 ? SNI_BAD : SNI_MORE;
}

static size_t
be16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

/*
 * Joins the payloads of the handshake records into msg.  On SNI_FOUND,
 * *end is where the record that completes the message ends, and *past
 * how many bytes of that record follow the message.
 */
static enum sni_result
collect(const uint8_t *buf, size_t len, uint8_t *msg, size_t *mlen,
    size_t *end, size_t *past)
{
	size_t	 off = 0, need = 0;

	*mlen = 0;
	while (off + 5 <= len) {
		size_t rec = be16(buf + off + 3);

		if (!record_ok(buf + off, 5) || more(msg, *mlen) == SNI_BAD)
			return SNI_BAD;
		/* An empty record is skipped, as TLS stacks skip it. */
		if (rec == 0) {
			off += 5;
			continue;
		}
		/* Too long to read whole: its name cannot be checked. */
		if (*mlen + rec > SNI_MAX_BYTES)
			return SNI_TOOBIG;
		if (off + 5 + rec > len) {
			memcpy(msg + *mlen, buf + off + 5, len - off - 5);
			*mlen += len - off - 5;
			return more(msg, *mlen);
		}
		memcpy(msg + *mlen, buf + off + 5, rec);
		*mlen += rec;
		off += 5 + rec;
		if (*mlen >= 4) {
			if (msg[0] != 1)	/* client_hello */
				return SNI_BAD;
			need = 4 + ((size_t)msg[1] << 16 | be16(msg + 2));
			if (need > SNI_MAX_BYTES)
				return SNI_TOOBIG;
			if (*mlen >= need) {
				*end = off;
				*past = *mlen - need;
				*mlen = need;
				return SNI_FOUND;
			}
		}
	}
	return record_ok(buf + off, len - off) ? more(msg, *mlen) : SNI_BAD;
}

/*
 * The server_name extension's body (elen bytes at p): exactly one
 * entry, a host_name of printable ASCII that fits out.  lax reads it
 * as a router may instead: the first entry's name if it is a host_name,
 * whatever the lengths around it say (elen is then what is left of the
 * message); SNI_NONE when there is no such name, SNI_BAD when there is
 * one but it cannot be compared (running past the message, say).
 */
static enum sni_result
host_name(const uint8_t *p, size_t elen, char *out, size_t outlen, int lax)
{
	enum sni_result	 bad = lax ? SNI_NONE : SNI_BAD;
	size_t		 nlen;

	if (elen < 5 || p[2] != 0)
		return bad;
	nlen = be16(p + 3);
	if (!lax && (be16(p) != elen - 2 || 5 + nlen != elen))
		return SNI_BAD;
	if (nlen == 0)
		return bad;
	if (nlen >= outlen || 5 + nlen > elen)
		return SNI_BAD;
	for (size_t i = 0; i < nlen; i++)
		if (p[5 + i] < 0x21 || p[5 + i] > 0x7e)
			return SNI_BAD;
	memcpy(out, p + 5, nlen);
	out[nlen] = '\0';
	return SNI_FOUND;
}

/*
 * The name in a whole ClientHello message (len bytes at m): SNI_FOUND,
 * SNI_NONE when it has no server_name extension, or SNI_BAD.  lax: as
 * a router reads it, a message it cannot walk has no name.
 */
static enum sni_result
find_name(const uint8_t *m, size_t len, char *out, size_t outlen, int lax)
{
	enum sni_result	 r = SNI_NONE, bad = lax ? SNI_NONE : SNI_BAD;
	size_t		 off = 4 + 2 + 32, n, mend = len;

	if (off + 1 > len)
		return bad;
	off += 1 + m[off];				/* session id */
	if (off + 2 > len)
		return bad;
	off += 2 + be16(m + off);			/* cipher suites */
	if (off + 1 > len)
		return bad;
	off += 1 + m[off];				/* compression */
	if (off == len)
		return SNI_NONE;			/* no extensions */
	if (off + 2 > len)
		return bad;
	n = be16(m + off);
	off += 2;
	if (off + n > len)
		return bad;
	len = off + n;
	while (off < len) {
		size_t type, end;

		if (off + 4 > len)
			return bad;
		type = be16(m + off);
		end = off + 4 + be16(m + off + 2);
		if (end > len)
			return bad;
		if (type == 0 && lax) {
			/* A router takes the first host_name it meets. */
			if ((r = host_name(m + off + 4, mend - off - 4, out,
			    outlen, 1)) != SNI_NONE)
				return r;
		} else if (type == 0) {
			/* A second server_name: which one counts? */
			if (r != SNI_NONE)
				return SNI_BAD;
			r = host_name(m + off + 4, end - off - 4, out, outlen,
			    0);
			if (r == SNI_BAD)
				return r;
		}
		off = end;
	}
	return r;
}

/*
 * A hello over several records, read as if its first record held it
 * all: SNI_BAD when that gives a name other than name (or one where
 * there is none).
 */
static enum sni_result
router_view(const uint8_t *buf, size_t mlen, enum sni_result r,
    const char *name)
{
	char	 other[256];

	switch (find_name(buf + 5, mlen, other, sizeof(other), 1)) {
	case SNI_NONE:
		return r;
	case SNI_FOUND:
		if (r == SNI_FOUND && strcmp(other, name) == 0)
			return r;
		/* FALLTHROUGH */
	default:
		return SNI_BAD;
	}
}

/*
 * The name of the whole hello msg (mlen bytes) that begins buf: read as
 * a server reads it, and when its first record does not hold it all,
 * as a router reads it too.
 */
static enum sni_result
strict_name(const uint8_t *buf, const uint8_t *msg, size_t mlen, char *out,
    size_t outlen)
{
	size_t		 first = be16(buf + 3);
	enum sni_result	 r = find_name(msg, mlen, out, outlen, 0);

	if (r != SNI_BAD && first > 0 && first < mlen)
		r = router_view(buf, mlen, r, out);
	return r;
}

/*
 * buf holds the first len bytes a client sent into its tunnel.  On
 * SNI_FOUND, out holds the name (printable ASCII only).
 */
enum sni_result
sni_parse(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	static uint8_t	 msg[SNI_MAX_BYTES];
	size_t		 mlen, end, past;
	enum sni_result	 r;

	if (len > 0 && buf[0] != 22)
		return SNI_NONE;
	if ((r = collect(buf, len, msg, &mlen, &end, &past)) != SNI_FOUND)
		return r;
	return strict_name(buf, msg, mlen, out, outlen);
}

/*
 * Whether buf begins with a whole ClientHello, named or not (after one,
 * a HelloRetryRequest may ask for a second): SNI_HELLO_NO, or *end is
 * where the records that carry it end and the answer says whether
 * their last one carries more than it.
 */
int
sni_hello_end(const uint8_t *buf, size_t len, size_t *end)
{
	static uint8_t	 msg[SNI_MAX_BYTES];
	size_t		 mlen, past;

	if (len == 0 || buf[0] != 22 ||
	    collect(buf, len, msg, &mlen, end, &past) != SNI_FOUND)
		return SNI_HELLO_NO;
	return past > 0 ? SNI_HELLO_MORE : SNI_HELLO_WHOLE;
}
