/*
 * One client connection and, once allowed, its upstream connection: the
 * two halves of a flow.  Data flows one way through a session:
 *
 *   bytes in -> protocol parser -> request (host, port) -> ACL verdict
 *   -> resolve -> connect -> relay -> flow record
 *
 * Every step ends in session_close(), the one teardown, which writes the
 * session's one flow record and frees it.
 */
#ifndef PINHOLE_SESSION_H
#define PINHOLE_SESSION_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include "acl.h"
#include "capture.h"
#include "resolve.h"

enum session_state {
	S_PROXY,	/* a load balancer's PROXY header comes first */
	S_DETECT,	/* waiting for the first byte */
	S_HANDSHAKE,	/* a protocol parser reads the request */
	S_AUTHENTICATING, /* its password is checked; reading waits */
	S_RESOLVING,
	S_CONNECTING,
	S_RELAY,
	S_REPLY,	/* a last reply is written, then the session ends */
	S_UDP,		/* the control connection of a UDP association */
};

enum session_event {
	EV_FLOW,	/* relayed; written when it ends */
	EV_DENY,	/* refused by policy */
	EV_ERROR,	/* allowed but failed */
	EV_NONE		/* ended before it was a request: no record */
};

struct auth_wait;
struct relay;
struct session;
struct udp_assoc;

/* A client protocol: its parser and its replies. */
struct proto {
	const char	*name;
	void		(*read)(struct session *);
	void		(*connected)(struct session *);
	void		(*refuse)(struct session *, enum reason);
	void		(*free)(struct session *);	/* pstate's insides */
};

struct session {
	uint64_t		 id;
	enum session_state	 state;
	const struct proto	*proto;
	const char		*proto_name;	/* in the flow log */
	void			*pstate;	/* the parser's own */

	struct bufferevent	*client;
	struct bufferevent	*upstream;
	struct addr		 client_addr;
	uint16_t		 client_port;
	int			 over_limit;
	int			 kept_alive;	/* between HTTP requests */
	struct limit_slot	*limit;

	/* the request */
	const char		*host;		/* "" before; session_set_host */
	uint16_t		 port;
	char			*user;
	struct auth_wait	*auth_wait;	/* S_AUTHENTICATING */
	struct acl		*acl;		/* checked against this one */
	struct acl_query	 query;
	struct acl_verdict	 verdict;

	/* resolving and connecting */
	struct resolve_req	*dns;
	struct addr		*addrs;		/* while connecting, naddrs */
	size_t			 naddrs, next_addr;
	struct addr		 addr;		/* connected, or refused */
	int			 has_addr;
	enum reason		 connect_error;
	unsigned		 fd_waits;	/* pauses for a descriptor */

	/* the relay */
	struct relay		*relay;		/* a tunnel's, once it runs */
	struct capture_flow	 capture;	/* its packets in the pcap */
	uint64_t		 bytes_up, bytes_down;
	int			 client_eof, upstream_eof;
	struct timeval		 last_active;
	TAILQ_ENTRY(session)	 idle_entry;	/* relaying: idle.c's queue */
	char			*sni;
	int			 sni_state;	/* enum sni_result */
	unsigned char		*sni_buf;	/* the tunnel's first bytes */
	size_t			 sni_len;
	struct udp_assoc	*udp;		/* a UDP ASSOCIATE's relay */
	/* the record of one destination of a UDP association (else null) */
	int			 has_datagrams;
	uint64_t		 datagrams_up, datagrams_down;

	/* a forwarded HTTP request, for its record (httplog.c) */
	char			*method;
	char			*url;
	int			 status;	/* 0: none yet */

	/* the end */
	enum session_event	 event;
	enum reason		 reason;
	struct timeval		 started;
	struct event		*timer;		/* none while a tunnel relays */
	TAILQ_ENTRY(session)	 entry;
};

TAILQ_HEAD(session_list, session);
TAILQ_HEAD(session_idle, session);

void	session_accept(int, const struct sockaddr *, int);
void	session_set_state(struct session *, enum session_state);
int	session_set_host(struct session *, const char *);
int	session_client_allowed(const struct session *);
int	session_authenticate(struct session *, const char *, const char *,
	    size_t);
void	session_request(struct session *, const char *, uint16_t);
void	session_refuse(struct session *, enum session_event, enum reason);
int	session_send(struct session *, const void *, size_t);
void	session_reply(struct session *);
void	session_next_request(struct session *);
void	session_close(struct session *, enum session_event, enum reason);
void	session_parsed(struct session *);
void	session_relay(struct session *);
void	session_shutdown_all(void);
void	session_revoke(void);
void	session_gauges(void);
size_t	session_held_bytes(const struct session *);

#endif
