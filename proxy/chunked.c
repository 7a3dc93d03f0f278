#include <ctype.h>
#include <string.h>

#include "chunked.h"

#define LINE_MAX_BYTES	4096	/* a size line or a trailer line */

enum {
	C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF,
	C_TRAILER, C_TRAILER_LINE, C_END_LF, C_DONE
};

void
chunked_init(struct chunked *c)
{
	memset(c, 0, sizeof(*c));
}

static int
hexval(int ch)
{
	if (isdigit(ch))
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* One byte of framing (a size line, a CRLF, a trailer); -1 if broken. */
static int
frame_byte(struct chunked *c, int ch, int *done)
{
	if (++c->line > LINE_MAX_BYTES)
		return -1;
	switch (c->state) {
	case C_SIZE:
		if (hexval(ch) >= 0) {
			if (++c->digits > 15)
				return -1;
			c->left = c->left * 16 + (uint64_t)hexval(ch);
		} else if (c->digits == 0)
			return -1;
		else if (ch == ';' || ch == ' ' || ch == '\t')
			c->state = C_EXT;
		else if (ch == '\r')
			c->state = C_SIZE_LF;
		else if (ch == '\n')
			goto size_done;
		else
			return -1;
		return 0;
	case C_EXT:
		if (ch == '\r')
			c->state = C_SIZE_LF;
		else if (ch == '\n')
			goto size_done;
		else if (ch < 0x20 && ch != '\t')
			return -1;
		return 0;
	case C_SIZE_LF:
		if (ch != '\n')
			return -1;
size_done:
		c->line = 0;
		c->digits = 0;
		c->state = c->left > 0 ? C_DATA : C_TRAILER;
		return 0;
	case C_DATA_CR:
		if (ch == '\n') {
			c->state = C_SIZE;
			c->line = 0;
		} else if (ch == '\r')
			c->state = C_DATA_LF;
		else
			return -1;
		return 0;
	case C_DATA_LF:
		if (ch != '\n')
			return -1;
		c->state = C_SIZE;
		c->line = 0;
		return 0;
	case C_TRAILER:
		if (ch == '\n') {
			c->state = C_DONE;
			*done = 1;
		} else
			c->state = ch == '\r' ? C_END_LF : C_TRAILER_LINE;
		return 0;
	case C_TRAILER_LINE:
		if (ch == '\n') {
			c->state = C_TRAILER;
			c->line = 0;
		} else if (ch < 0x20 && ch != '\t' && ch != '\r')
			return -1;
		return 0;
	case C_END_LF:
		if (ch != '\n')
			return -1;
		c->state = C_DONE;
		*done = 1;
		return 0;
	default:
		return -1;
	}
}

/*
 * Takes the next piece of len bytes of body: a run of chunk data
 * (*data set) or a run of framing, up to where the other begins.
 * Returns its length, or -1 when the framing is broken; *done when the
 * body ended with it.
 */
long
chunked_step(struct chunked *c, const uint8_t *buf, size_t len, int *done,
    int *data)
{
	size_t i = 0;

	*done = 0;
	*data = c->state == C_DATA;
	if (*data) {
		i = len < c->left ? len : (size_t)c->left;
		c->left -= i;
		if (c->left == 0)
			c->state = C_DATA_CR;
		return (long)i;
	}
	while (i < len && c->state != C_DATA && !*done)
		if (frame_byte(c, buf[i++], done) == -1)
			return -1;
	return (long)i;
}

/*
 * Scans len bytes of body.  Returns how many belong to the body (all of
 * them, or fewer when it ends inside buf, with *done set), or -1 when
 * the framing is broken.
 */
long
chunked_scan(struct chunked *c, const uint8_t *buf, size_t len, int *done)
{
	size_t	 i = 0;
	int	 data;

	*done = 0;
	while (i < len && !*done) {
		long r = chunked_step(c, buf + i, len - i, done, &data);

		if (r == -1)
			return -1;
		i += (size_t)r;
	}
	return (long)i;
}
