/*
 * Reads the server_name extension (RFC 6066) of a ClientHello.  The
 * handshake message may span several TLS records and arrive over
 * several reads; the caller keeps the bytes and calls again with more.
 * Every length is checked against what is there: the input is the
 * client's, not to be trusted.
 */
#include <string.h>

#include "sni.h"

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

		if (buf[off] != 22 || buf[off + 1] != 3)
			return SNI_NONE;
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
			return SNI_MORE;
		}
		memcpy(msg + *mlen, buf + off + 5, rec);
		*mlen += rec;
		off += 5 + rec;
		if (*mlen >= 4) {
			if (msg[0] != 1)	/* client_hello */
				return SNI_NONE;
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
	if (len > 0 && buf[0] != 22)
		return SNI_NONE;
	return SNI_MORE;
}

static enum sni_result
find_name(const uint8_t *m, size_t len, char *out, size_t outlen)
{
	size_t off = 4 + 2 + 32, n;

	if (off + 1 > len)
		return SNI_NONE;
	off += 1 + m[off];				/* session id */
	if (off + 2 > len)
		return SNI_NONE;
	off += 2 + be16(m + off);			/* cipher suites */
	if (off + 1 > len)
		return SNI_NONE;
	off += 1 + m[off];				/* compression */
	if (off + 2 > len)
		return SNI_NONE;
	n = be16(m + off);
	off += 2;
	if (off + n > len)
		return SNI_NONE;
	len = off + n;
	while (off + 4 <= len) {
		size_t type = be16(m + off), elen = be16(m + off + 2);
		size_t p = off + 4, end = off + 4 + elen;

		if (end > len)
			return SNI_NONE;
		if (type == 0 && p + 2 <= end) {
			p += 2;				/* list length */
			while (p + 3 <= end) {
				size_t nlen = be16(m + p + 1);

				if (p + 3 + nlen > end)
					return SNI_NONE;
				if (m[p] == 0 && nlen > 0 && nlen < outlen) {
					for (size_t i = 0; i < nlen; i++)
						if (m[p + 3 + i] < 0x21 ||
						    m[p + 3 + i] > 0x7e)
							return SNI_NONE;
					memcpy(out, m + p + 3, nlen);
					out[nlen] = '\0';
					return SNI_FOUND;
				}
				p += 3 + nlen;
			}
			return SNI_NONE;
		}
		off = end;
	}
	return SNI_NONE;
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
	return find_name(msg, mlen, out, outlen);
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
