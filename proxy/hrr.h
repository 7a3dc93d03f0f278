/*
 * The TLS 1.3 HelloRetryRequest (RFC 8446 section 4.1.3): a server that
 * answers a ClientHello with one gets a second ClientHello, which the
 * SNI check must read as it read the first.
 */
#ifndef PINHOLE_HRR_H
#define PINHOLE_HRR_H

#include <stddef.h>
#include <stdint.h>

/* A handshake header, legacy_version and random: what tells an HRR. */
#define HRR_HEAD	(4 + 2 + 32)

enum hrr_result {
	HRR_MORE,	/* the server's first handshake message is not read yet */
	HRR_YES,	/* it is a HelloRetryRequest */
	HRR_NO		/* it is anything else, or the bytes are not TLS */
};

/* The server's first bytes, read as they pass: no more is kept. */
struct hrr {
	uint8_t		 hdr[5];	/* the record header being read */
	uint8_t		 msg[HRR_HEAD];	/* the first handshake bytes */
	size_t		 hdr_len, rec_left, msg_len;
	enum hrr_result	 result;
};

void		 hrr_init(struct hrr *);
enum hrr_result	 hrr_feed(struct hrr *, const uint8_t *, size_t);
enum hrr_result	 hrr_hello_at(const uint8_t *, size_t, size_t *);

#endif
