/*
 * The PROXY protocol header (versions 1 and 2) that a load balancer in
 * front of pinhole sends before its client's bytes, to say who the
 * client is.  A pure parser over a byte buffer, like the SOCKS ones:
 * a header split over many reads parses as one read does, and it can be
 * fuzzed on its own.
 */
#ifndef PINHOLE_PROXYPROTO_H
#define PINHOLE_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

#define PROXYPROTO_V1_MAX	107	/* the line, CRLF included */
#define PROXYPROTO_V2_HEAD	16	/* signature, command, family, length */

struct proxyproto {
	int		version;	/* 1 or 2 */
	int		local;		/* no addresses: keep the connection's */
	struct addr	src, dst;
	uint16_t	sport, dport;
};

ssize_t	proxyproto_parse(const uint8_t *, size_t, size_t,
	    struct proxyproto *);

#endif
