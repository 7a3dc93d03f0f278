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
#include <string.h>

#include "proto.h"
#include "relay.h"
#include "server.h"

#define SOCKS4_USERID_MAX	255
#define SOCKS4_GRANTED		0x5a
#define SOCKS4_REJECTED		0x5b

static void
reply(struct session *s, uint8_t code)
{
	uint8_t msg[8] = { 0, code };

	bufferevent_write(s->client, msg, sizeof(msg));
}

/* Where the NUL ending a string at off is, or -1 while it has not come. */
static ssize_t
find_nul(struct evbuffer *in, size_t off, size_t max)
{
	struct evbuffer_ptr	 p;
	size_t			 len = evbuffer_get_length(in);

	if (evbuffer_ptr_set(in, &p, off, EVBUFFER_PTR_SET) == -1)
		return -1;
	p = evbuffer_search(in, "", 1, &p);
	if (p.pos == -1)
		return len > off + max ? -2 : -1;
	return p.pos - (ssize_t)off > (ssize_t)max ? -2 : p.pos;
}

/* VN CD DSTPORT DSTIP USERID NUL [HOST NUL] */
static void
socks4_read(struct session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->client);
	uint8_t		 head[8];
	char		 host[NAME_MAX_LEN + 2];
	ssize_t		 uend, hend = -1;
	uint16_t	 port;

	if (evbuffer_get_length(in) < 9)
		return;
	evbuffer_copyout(in, head, 8);
	if ((uend = find_nul(in, 8, SOCKS4_USERID_MAX)) == -1)
		return;
	/* 0.0.0.x with x != 0: SOCKS4a, a name follows the user id. */
	if (uend >= 0 && head[4] == 0 && head[5] == 0 && head[6] == 0 &&
	    head[7] != 0 && (hend = find_nul(in, (size_t)uend + 1,
	    NAME_MAX_LEN + 1)) == -1)
		return;
	if (uend == -2 || hend == -2 || head[1] != 1) {
		session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
		return;
	}
	memcpy(&port, head + 2, 2);
	port = ntohs(port);
	if (hend >= 0) {
		size_t hlen = (size_t)(hend - uend - 1);

		evbuffer_drain(in, (size_t)uend + 1);
		evbuffer_remove(in, host, hlen + 1);
	} else {
		inet_ntop(AF_INET, head + 4, host, sizeof(host));
		evbuffer_drain(in, (size_t)uend + 1);
	}
	if (server.conf->users_file != NULL) {
		session_refuse(s, EV_DENY, REASON_AUTH);
		return;
	}
	bufferevent_disable(s->client, EV_READ);
	session_request(s, host, port);
}

static void
socks4_connected(struct session *s)
{
	reply(s, SOCKS4_GRANTED);
	relay_start(s);
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
