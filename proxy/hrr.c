/*
 * Tells a HelloRetryRequest from the server's first bytes, and finds
 * the second ClientHello in the client's bytes after it.
 *
 * An HRR is a ServerHello whose random is a fixed value, so the first
 * 38 bytes of the server's first handshake message say it.  They are
 * read as they pass, across reads and TLS records (empty ones too), in
 * a fixed-size state: the server's bytes are never held for it.  Every
 * length is the peer's, checked against what is there.
 */
#include <string.h>

#include "hrr.h"

/* SHA-256("HelloRetryRequest"), RFC 8446 section 4.1.3. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
	0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
};

void
hrr_init(struct hrr *h)
{
	memset(h, 0, sizeof(*h));
	h->result = HRR_MORE;
}

/* The first HRR_HEAD bytes of the first handshake message are read. */
static enum hrr_result
judge(const uint8_t *m)
{
	size_t body = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];

	if (body < HRR_HEAD - 4)
		return HRR_NO;
	return memcmp(m + 6, hrr_random, sizeof(hrr_random)) == 0 ?
	    HRR_YES : HRR_NO;
}

/* Feeds n more server bytes; the answer, once not HRR_MORE, is final. */
enum hrr_result
hrr_feed(struct hrr *h, const uint8_t *p, size_t n)
{
	size_t take;

	while (n > 0 && h->result == HRR_MORE) {
		if (h->rec_left == 0) {
			take = 5 - h->hdr_len < n ? 5 - h->hdr_len : n;
			memcpy(h->hdr + h->hdr_len, p, take);
			h->hdr_len += take;
			p += take;
			n -= take;
			/* Not a handshake record: told by its first bytes. */
			if (h->hdr[0] != 22 ||
			    (h->hdr_len > 1 && h->hdr[1] != 3)) {
				h->result = HRR_NO;
				break;
			}
			if (h->hdr_len < 5)
				break;
			h->hdr_len = 0;
			/* An empty record is skipped, as TLS stacks skip it. */
			h->rec_left = (size_t)h->hdr[3] << 8 | h->hdr[4];
			continue;
		}
		take = h->rec_left < n ? h->rec_left : n;
		if (take > HRR_HEAD - h->msg_len)
			take = HRR_HEAD - h->msg_len;
		memcpy(h->msg + h->msg_len, p, take);
		h->msg_len += take;
		h->rec_left -= take;
		p += take;
		n -= take;
		if (h->msg[0] != 2)		/* server_hello */
			h->result = HRR_NO;
		else if (h->msg_len == HRR_HEAD)
			h->result = judge(h->msg);
	}
	return h->result;
}

/*
 * buf holds the client's bytes after an HRR.  Records other than
 * handshake ones may come before the second ClientHello (the
 * ChangeCipherSpec of middlebox compatibility, early data sent before
 * the HRR came): they are walked past.  HRR_YES with *off the start of
 * the first handshake record; HRR_MORE while those records are not
 * whole; HRR_NO when the bytes are not TLS records.
 */
enum hrr_result
hrr_hello_at(const uint8_t *buf, size_t len, size_t *off)
{
	size_t o = 0;

	while (o + 5 <= len) {
		if (buf[o] < 20 || buf[o] > 24 || buf[o + 1] != 3)
			return HRR_NO;
		if (buf[o] == 22) {
			*off = o;
			return HRR_YES;
		}
		o += 5 + ((size_t)buf[o + 3] << 8 | buf[o + 4]);
	}
	if (o < len && (buf[o] < 20 || buf[o] > 24 ||
	    (o + 1 < len && buf[o + 1] != 3)))
		return HRR_NO;
	return HRR_MORE;
}
