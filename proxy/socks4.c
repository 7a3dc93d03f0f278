/*
 * SOCKS4 and SOCKS4a CONNECT.  The reply is 0x5A, or 0x5B for any
 * refusal or failure: the protocol has no finer codes.  Both are logged
 * as proto "socks4".
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "relay.h"
#include "server.h"
#include "socks.h"

#define SOCKS4_USERID_MAX	255
#define SOCKS4_GRANTED		0x5a
#define SOCKS4_REJECTED		0x5b

static void
reply(struct session *s, uint8_t code)
{
	uint8_t msg[8] = { 0, code };

	(void)session_send(s, msg, sizeof(msg));
}

/* The end of the NUL-terminated string at off: -1 unfinished, -2 too long. */
static ssize_t
find_nul(const uint8_t *b, size_t len, size_t off, size_t max)
{
	const uint8_t *nul;

	if (off >= len)
		return -1;
	nul = memchr(b + off, '\0', len - off);
	if (nul == NULL)
		return len - off > max ? -2 : -1;
	return (size_t)(nul - b) - off > max ? -2 : nul - b;
}

/* VN CD DSTPORT DSTIP USERID NUL [HOST NUL] */
ssize_t
socks4_parse_request(const uint8_t *b, size_t len, struct socks_request *r)
{
	ssize_t	 uend, hend = -1;

	if (len < 9)
		return 0;
	if ((uend = find_nul(b, len, 8, SOCKS4_USERID_MAX)) == -1)
		return 0;
	/* 0.0.0.x with x != 0: SOCKS4a, a name follows the user id. */
	if (uend >= 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] != 0 &&
	    (hend = find_nul(b, len, (size_t)uend + 1, NAME_MAX_LEN + 1)) == -1)
		return 0;
	if (uend == -2 || hend == -2 || b[0] != 4 || b[1] != 1)
		return -1;
	r->port = (uint16_t)(b[2] << 8 | b[3]);
	if (hend >= 0) {
		memcpy(r->host, b + uend + 1, (size_t)(hend - uend));
		return hend + 1;
	}
	inet_ntop(AF_INET, b + 4, r->host, sizeof(r->host));
	return uend + 1;
}

static void
socks4_read(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->client);
	size_t			 len = evbuffer_get_length(in);
	struct socks_request	 req;
	ssize_t			 n;

	if (len > SOCKS4_REQUEST_MAX)
		len = SOCKS4_REQUEST_MAX;
	n = socks4_parse_request(evbuffer_pullup(in, (ssize_t)len), len, &req);
	if (n == 0)
		return;
	if (n == -1) {
		session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	evbuffer_drain(in, (size_t)n);
	if (server.auth != NULL) {
		/* Kept for the flow record of the refusal. */
		(void)session_set_host(s, req.host);
		s->port = req.port;
		session_refuse(s, EV_DENY, REASON_AUTH);
		return;
	}
	session_request(s, req.host, req.port);
}

static void
socks4_connected(struct session *s)
{
	uint8_t msg[8] = { 0, SOCKS4_GRANTED };

	relay_start(s, msg, sizeof(msg));
}

static void
socks4_refuse(struct session *s, enum reason why)
{
	(void)why;
	reply(s, SOCKS4_REJECTED);
}

const struct proto socks4_proto = {
	"socks4", socks4_read, socks4_connected, socks4_refuse, NULL
};
