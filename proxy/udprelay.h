/*
 * The relay of a SOCKS5 UDP association: its sockets and the path of
 * every datagram, checked against the rules' udp_ports.  It hangs off
 * the TCP session that asked for it and ends with it.
 */
#ifndef PINHOLE_UDPRELAY_H
#define PINHOLE_UDPRELAY_H

#include <sys/socket.h>

#include "reason.h"

#define UDPRELAY_PROTO	"socks5-udp"	/* in the flow log */

/* Why a datagram was dropped: the metrics' reasons. */
enum udp_drop {
	UDP_DROP_SOURCE,	/* not from the client's address and port */
	UDP_DROP_SHORT,		/* its header cut short */
	UDP_DROP_FRAGMENT,	/* FRAG not 0 */
	UDP_DROP_BAD_ATYP,	/* an address type not 1, 3 or 4 */
	UDP_DROP_BAD_ADDRESS,	/* RSV not 0, a malformed host */
	UDP_DROP_NOT_ALLOWED,	/* to a destination the rules refuse */
	UDP_DROP_DNS_ERROR,	/* to a name that did not resolve */
	UDP_DROP_DESTINATIONS,	/* past udp_max_destinations */
	UDP_DROP_RATE,		/* past udp_max_datagrams_per_second */
	UDP_DROP_QUEUE,		/* no room to wait for a lookup */
	UDP_DROP_UNSOLICITED,	/* from a destination never sent to */
	UDP_DROP_SEND,		/* the kernel would not send it */
	UDP_DROP_MAX
};

struct acl;
struct addr;
struct session;

const char	*udprelay_drop_name(enum udp_drop);
enum reason	 udprelay_open(struct session *, const struct addr *, uint16_t,
		    struct sockaddr_storage *);
void		 udprelay_idle_check(struct session *);
void		 udprelay_revoke(struct session *, struct acl *);
void		 udprelay_close(struct session *, enum reason);

#endif
