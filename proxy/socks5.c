/*
 * SOCKS5 (RFC 1928): method selection, then one CONNECT request with an
 * IPv4, IPv6 or domain address.  The parser consumes nothing until a
 * whole message is there, so a handshake split over many reads is read
 * the same as one in a single read.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "relay.h"
#include "server.h"

#define SOCKS5_NO_AUTH		0x00
#define SOCKS5_USERPASS		0x02
#define SOCKS5_NO_METHOD	0xff

#define REP_OK			0x00
#define REP_FAILURE		0x01
#define REP_NOT_ALLOWED		0x02
#define REP_HOST_UNREACHABLE	0x04
#define REP_REFUSED		0x05
#define REP_TTL_EXPIRED		0x06
#define REP_BAD_COMMAND		0x07
#define REP_BAD_ATYP		0x08

struct socks5 {
	int	greeted;	/* the method is chosen */
	int	rep;		/* a reply code set by the parser */
};

static struct socks5 *
state(struct session *s)
{
	if (s->pstate == NULL)
		s->pstate = calloc(1, sizeof(struct socks5));
	return s->pstate;
}

static void
reply(struct session *s, int rep, const struct sockaddr_storage *bound)
{
	uint8_t	 msg[4 + 16 + 2] = { 5, (uint8_t)rep, 0, 1 };
	size_t	 len = 4 + 4 + 2;

	if (bound != NULL && bound->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)bound;

		memcpy(msg + 4, &sin->sin_addr, 4);
		memcpy(msg + 8, &sin->sin_port, 2);
	} else if (bound != NULL && bound->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)bound;

		msg[3] = 4;
		memcpy(msg + 4, &sin6->sin6_addr, 16);
		memcpy(msg + 20, &sin6->sin6_port, 2);
		len = 4 + 16 + 2;
	}
	bufferevent_write(s->client, msg, len);
}

static void
bad(struct session *s, int rep)
{
	state(s)->rep = rep;
	session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
}

/* VER NMETHODS METHODS...: pick no-auth, or refuse with 0xFF. */
static int
greet(struct session *s, struct evbuffer *in)
{
	uint8_t	 head[2 + 255];
	size_t	 len = evbuffer_get_length(in);
	uint8_t	 choice[2] = { 5, SOCKS5_NO_METHOD };

	if (len < 2)
		return 0;
	evbuffer_copyout(in, head, 2);
	if (len < 2 + (size_t)head[1])
		return 0;
	evbuffer_remove(in, head, 2 + (size_t)head[1]);
	for (int i = 0; i < head[1]; i++)
		if (head[2 + i] == SOCKS5_NO_AUTH)
			choice[1] = SOCKS5_NO_AUTH;
	bufferevent_write(s->client, choice, 2);
	if (choice[1] == SOCKS5_NO_METHOD) {
		s->event = EV_DENY;
		s->reason = REASON_BAD_REQUEST;
		session_reply(s);
		return -1;
	}
	state(s)->greeted = 1;
	return 1;
}

/* VER CMD RSV ATYP DST.ADDR DST.PORT */
static void
request(struct session *s, struct evbuffer *in)
{
	uint8_t	 msg[4 + 1 + 255 + 2];
	size_t	 len = evbuffer_get_length(in), need;
	char	 host[NAME_MAX_LEN + 2];
	uint16_t port;

	if (len < 5)
		return;
	evbuffer_copyout(in, msg, 5);
	if (msg[0] != 5 || msg[2] != 0) {
		bad(s, REP_FAILURE);
		return;
	}
	switch (msg[3]) {
	case 1:
		need = 4 + 4 + 2;
		break;
	case 4:
		need = 4 + 16 + 2;
		break;
	case 3:
		need = 4 + 1 + (size_t)msg[4] + 2;
		break;
	default:
		bad(s, REP_BAD_ATYP);
		return;
	}
	if (len < need)
		return;
	evbuffer_remove(in, msg, need);
	if (msg[1] != 1) {
		bad(s, REP_BAD_COMMAND);
		return;
	}
	memcpy(&port, msg + need - 2, 2);
	port = ntohs(port);
	if (msg[3] == 1)
		inet_ntop(AF_INET, msg + 4, host, sizeof(host));
	else if (msg[3] == 4)
		inet_ntop(AF_INET6, msg + 4, host, sizeof(host));
	else {
		/* A NUL inside the name makes it malformed, never shorter. */
		if (msg[4] == 0 || memchr(msg + 5, '\0', msg[4]) != NULL) {
			bad(s, REP_FAILURE);
			return;
		}
		memcpy(host, msg + 5, msg[4]);
		host[msg[4]] = '\0';
	}
	bufferevent_disable(s->client, EV_READ);
	session_request(s, host, port);
}

static void
socks5_read(struct session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->client);
	struct socks5	*st = state(s);

	if (st == NULL) {
		session_close(s, EV_ERROR, REASON_NONE);
		return;
	}
	if (!st->greeted && greet(s, in) <= 0)
		return;
	request(s, in);
}

static void
socks5_connected(struct session *s)
{
	struct sockaddr_storage	 bound;
	socklen_t		 len = sizeof(bound);

	memset(&bound, 0, sizeof(bound));
	getsockname(bufferevent_getfd(s->upstream), (struct sockaddr *)&bound,
	    &len);
	reply(s, REP_OK, &bound);
	relay_start(s);
}

static void
socks5_refuse(struct session *s, enum reason why)
{
	struct socks5	*st = s->pstate;
	int		 rep;

	switch (why) {
	case REASON_NOT_ALLOWED:
	case REASON_PRIVATE_ADDRESS:
	case REASON_DENIED_ADDRESS:
	case REASON_CLIENT_NOT_ALLOWED:
	case REASON_AUTH:
		rep = REP_NOT_ALLOWED;
		break;
	case REASON_DNS_ERROR:
		rep = REP_HOST_UNREACHABLE;
		break;
	case REASON_CONNECT_FAILED:
		rep = REP_REFUSED;
		break;
	case REASON_TIMEOUT:
		rep = REP_TTL_EXPIRED;
		break;
	default:
		rep = st != NULL && st->rep ? st->rep : REP_FAILURE;
		break;
	}
	reply(s, rep, NULL);
}

const struct proto socks5_proto = {
	"socks5", socks5_read, socks5_connected, socks5_refuse, NULL
};
