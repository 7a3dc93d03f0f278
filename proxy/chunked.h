/*
 * Finds where a chunked body (RFC 9112 7.1) ends: the bytes are relayed
 * as they are, and this says when the message is over.  For a client
 * that cannot read chunks (HTTP/1.0), chunked_step tells the chunks'
 * data from their framing.
 */
#ifndef PINHOLE_CHUNKED_H
#define PINHOLE_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

struct chunked {
	int		state;
	uint64_t	left;		/* data bytes left in this chunk */
	size_t		line;		/* bytes in the current line */
	int		digits;
};

void	chunked_init(struct chunked *);
long	chunked_scan(struct chunked *, const uint8_t *, size_t, int *);
long	chunked_step(struct chunked *, const uint8_t *, size_t, int *, int *);

#endif
