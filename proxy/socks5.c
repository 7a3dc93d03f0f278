/*
 * SOCKS5 (RFC 1928): method selection, username/password (RFC 1929)
 * when [auth] is set, then one CONNECT request with an IPv4, IPv6 or
 * domain address, or one UDP ASSOCIATE (udprelay.c).  Nothing is
 * consumed until a whole message is there.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "addr.h"
#include "proto.h"
#include "relay.h"
#include "server.h"
#include "socks.h"
#include "udprelay.h"

#define SOCKS5_NO_AUTH		0x00
#define SOCKS5_USERPASS		0x02
#define SOCKS5_NO_METHOD	0xff

#define REP_OK			0x00
#define REP_NOT_ALLOWED		0x02
#define REP_HOST_UNREACHABLE	0x04
#define REP_REFUSED		0x05
#define REP_TTL_EXPIRED		0x06

enum socks5_stage { STAGE_GREETING, STAGE_AUTH, STAGE_REQUEST };

struct socks5 {
	enum socks5_stage	 stage;
	int			 rep;	/* a reply code set by the parser */
	int			 udp;	/* the request is a UDP ASSOCIATE */
};

/* VER NMETHODS METHODS...: *offers gets the methods pinhole knows. */
ssize_t
socks5_parse_greeting(const uint8_t *b, size_t len, int *offers)
{
	*offers = 0;
	if (len < 2)
		return 0;
	if (b[0] != 5)
		return -1;
	if (len < 2 + (size_t)b[1])
		return 0;
	for (size_t i = 0; i < b[1]; i++) {
		if (b[2 + i] == SOCKS5_NO_AUTH)
			*offers |= SOCKS5_OFFERS_NO_AUTH;
		else if (b[2 + i] == SOCKS5_USERPASS)
			*offers |= SOCKS5_OFFERS_USERPASS;
	}
	return 2 + (ssize_t)b[1];
}

/* VER(1) ULEN UNAME PLEN PASSWD; an empty user is malformed. */
ssize_t
socks5_parse_auth(const uint8_t *b, size_t len, struct socks_auth *a)
{
	size_t ulen, plen;

	if (len < 2)
		return 0;
	if (b[0] != 1 || b[1] == 0)
		return -1;
	ulen = b[1];
	if (len < 2 + ulen + 1)
		return 0;
	plen = b[2 + ulen];
	if (len < 3 + ulen + plen)
		return 0;
	if (memchr(b + 2, '\0', ulen) != NULL)
		return -1;
	memcpy(a->user, b + 2, ulen);
	a->user[ulen] = '\0';
	memcpy(a->pass, b + 3 + ulen, plen);
	a->pass[plen] = '\0';
	a->plen = plen;
	return (ssize_t)(3 + ulen + plen);
}

/* VER CMD RSV ATYP DST.ADDR DST.PORT; *rep says why one is refused. */
ssize_t
socks5_parse_request(const uint8_t *b, size_t len, struct socks_request *r,
    int *rep)
{
	size_t need;

	*rep = SOCKS5_REP_FAILURE;
	if (len < 5)
		return 0;
	if (b[0] != 5 || b[2] != 0)
		return -1;
	switch (b[3]) {
	case 1:
		need = 4 + 4 + 2;
		break;
	case 4:
		need = 4 + 16 + 2;
		break;
	case 3:
		need = 4 + 1 + (size_t)b[4] + 2;
		break;
	default:
		*rep = SOCKS5_REP_BAD_ATYP;
		return -1;
	}
	if (len < need)
		return 0;
	if (b[1] != SOCKS5_CMD_CONNECT && b[1] != SOCKS5_CMD_UDP) {
		*rep = SOCKS5_REP_BAD_COMMAND;
		return -1;
	}
	r->cmd = b[1];
	r->port = (uint16_t)(b[need - 2] << 8 | b[need - 1]);
	if (b[3] == 1)
		inet_ntop(AF_INET, b + 4, r->host, sizeof(r->host));
	else if (b[3] == 4)
		inet_ntop(AF_INET6, b + 4, r->host, sizeof(r->host));
	else {
		/*
		 * A NUL inside the name makes it malformed, never shorter;
		 * so does a length no host name has (with a final dot).
		 */
		if (b[4] == 0 || b[4] >= sizeof(r->host) ||
		    memchr(b + 5, '\0', b[4]) != NULL)
			return -1;
		memcpy(r->host, b + 5, b[4]);
		r->host[b[4]] = '\0';
	}
	return (ssize_t)need;
}

/* 0.0.0.0 or :: */
static int
unspecified(const struct addr *a)
{
	static const uint8_t zero[sizeof(a->b)];

	return memcmp(a->b, zero, sizeof(zero)) == 0;
}

static struct socks5 *
state(struct session *s)
{
	if (s->pstate == NULL)
		s->pstate = calloc(1, sizeof(struct socks5));
	return s->pstate;
}

#define REPLY_MAX	(4 + 16 + 2)

/* The reply to a request, in msg; its length. */
static size_t
reply_format(uint8_t msg[REPLY_MAX], int rep,
    const struct sockaddr_storage *bound)
{
	size_t	 len = 4 + 4 + 2;

	memset(msg, 0, REPLY_MAX);
	msg[0] = 5;
	msg[1] = (uint8_t)rep;
	msg[3] = 1;

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
	return len;
}

static void
reply(struct session *s, int rep, const struct sockaddr_storage *bound)
{
	uint8_t	 msg[REPLY_MAX];

	(void)session_send(s, msg, reply_format(msg, rep, bound));
}

static void
bad(struct session *s, int rep)
{
	state(s)->rep = rep;
	session_refuse(s, EV_DENY, REASON_BAD_REQUEST);
}

/*
 * Without [auth] only "no authentication"; with it, only RFC 1929.
 * Returns 0 when the session was refused: a refusal always leaves a
 * reply to write, so the session lives until its reader returns.
 */
static int
greet(struct session *s, int offers)
{
	uint8_t	 choice[2] = { 5, SOCKS5_NO_METHOD };

	if (server.auth != NULL && (offers & SOCKS5_OFFERS_USERPASS))
		choice[1] = SOCKS5_USERPASS;
	else if (server.auth == NULL && (offers & SOCKS5_OFFERS_NO_AUTH))
		choice[1] = SOCKS5_NO_AUTH;
	(void)session_send(s, choice, 2);
	if (choice[1] == SOCKS5_NO_METHOD) {
		s->event = EV_DENY;
		s->reason = server.auth != NULL ? REASON_AUTH :
		    REASON_BAD_REQUEST;
		session_reply(s);
		return 0;
	}
	state(s)->stage = choice[1] == SOCKS5_USERPASS ? STAGE_AUTH :
	    STAGE_REQUEST;
	return 1;
}

/*
 * The RFC 1929 message (n bytes) stays unread until its user may go
 * on: while its password is checked the session waits, then reads it
 * again.  Returns 0 when the session was refused or waits.
 */
static int
authenticate(struct session *s, struct socks_auth *a, size_t n)
{
	uint8_t	 ok[2] = { 1, 0 };
	int	 rc;

	rc = session_authenticate(s, a->user, a->pass, a->plen);
	OPENSSL_cleanse(a, sizeof(*a));
	if (rc != 0)
		return 0;
	evbuffer_drain(bufferevent_get_input(s->client), n);
	(void)session_send(s, ok, 2);
	state(s)->stage = STAGE_REQUEST;
	return 1;
}

/*
 * UDP ASSOCIATE: DST.ADDR and DST.PORT say where the client will send
 * from (RFC 1928 lets either be 0).  A port binds the association to
 * the client's address and that port, so that no other socket on the
 * client's host can take it over (udprelay.c).  An address must be the
 * client's own: 0, or a name, which is never looked up, stand for it.
 * The reply names the relay's socket.
 */
static void
associate(struct session *s, const struct socks_request *req)
{
	struct sockaddr_storage	 bound;
	struct addr		 from;
	const struct addr	*named = NULL;
	uint8_t			 msg[REPLY_MAX];
	enum reason		 why;

	s->proto_name = UDPRELAY_PROTO;
	state(s)->udp = 1;
	if (addr_parse(req->host, &from) == 0 && !unspecified(&from))
		named = &from;
	if ((why = udprelay_open(s, named, req->port, &bound)) !=
	    REASON_NONE) {
		if (why == REASON_BAD_REQUEST)
			state(s)->rep = REP_NOT_ALLOWED;
		session_refuse(s, why == REASON_CONNECT_FAILED ? EV_ERROR :
		    EV_DENY, why);
		return;
	}
	(void)session_send(s, msg, reply_format(msg, REP_OK, &bound));
}

/* One whole message at a time, for as many as have arrived. */
static void
socks5_read(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->client);
	struct socks5		*st = state(s);
	struct socks_request	 req;
	struct socks_auth	 a;
	const uint8_t		*b;
	size_t			 len;
	ssize_t			 n = 1;
	int			 offers, rep = SOCKS5_REP_FAILURE;

	if (st == NULL) {
		session_close(s, EV_ERROR, REASON_NONE);
		return;
	}
	while (n > 0 && (len = evbuffer_get_length(in)) > 0) {
		if (len > SOCKS5_AUTH_MAX)
			len = SOCKS5_AUTH_MAX;
		b = evbuffer_pullup(in, (ssize_t)len);
		switch (st->stage) {
		case STAGE_GREETING:
			if ((n = socks5_parse_greeting(b, len, &offers)) > 0) {
				evbuffer_drain(in, (size_t)n);
				if (!greet(s, offers))
					return;
			}
			break;
		case STAGE_AUTH:
			if ((n = socks5_parse_auth(b, len, &a)) > 0 &&
			    !authenticate(s, &a, (size_t)n))
				return;
			break;
		case STAGE_REQUEST:
			if ((n = socks5_parse_request(b, len, &req, &rep)) > 0) {
				evbuffer_drain(in, (size_t)n);
				if (req.cmd == SOCKS5_CMD_UDP)
					associate(s, &req);
				else
					session_request(s, req.host, req.port);
				return;
			}
			break;
		}
	}
	if (n == -1)
		bad(s, st->stage == STAGE_REQUEST ? rep : SOCKS5_REP_FAILURE);
}

static void
socks5_connected(struct session *s)
{
	struct sockaddr_storage	 bound;
	socklen_t		 len = sizeof(bound);
	uint8_t			 msg[REPLY_MAX];

	memset(&bound, 0, sizeof(bound));
	getsockname(bufferevent_getfd(s->upstream), (struct sockaddr *)&bound,
	    &len);
	relay_start(s, msg, reply_format(msg, REP_OK, &bound));
}

static void
socks5_refuse(struct session *s, enum reason why)
{
	struct socks5	*st = s->pstate;
	uint8_t		 failed[2] = { 1, 1 };
	int		 rep;

	/* Refused while authenticating: RFC 1929's own failure reply. */
	if (st != NULL && st->stage == STAGE_AUTH) {
		(void)session_send(s, failed, 2);
		return;
	}
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
		/* no UDP relay socket: a general failure, not a refusal */
		rep = st != NULL && st->udp ? SOCKS5_REP_FAILURE :
		    REP_REFUSED;
		break;
	case REASON_TIMEOUT:
		rep = REP_TTL_EXPIRED;
		break;
	default:
		rep = st != NULL && st->rep ? st->rep : SOCKS5_REP_FAILURE;
		break;
	}
	reply(s, rep, NULL);
}

const struct proto socks5_proto = {
	"socks5", socks5_read, socks5_connected, socks5_refuse, NULL
};
