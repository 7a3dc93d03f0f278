/*
 * The SOCKS handshakes as pure parsers over a byte buffer, so that a
 * handshake split over many reads parses the same as one read, and so
 * that they can be fuzzed on their own.  Each returns the bytes one
 * whole message took, 0 while more bytes are needed, or -1 when the
 * message is malformed.
 */
#ifndef PINHOLE_SOCKS_H
#define PINHOLE_SOCKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "name.h"

#define SOCKS5_GREETING_MAX	(2 + 255)
#define SOCKS5_AUTH_MAX		(1 + 1 + 255 + 1 + 255)
#define SOCKS5_REQUEST_MAX	(4 + 1 + 255 + 2)
#define SOCKS4_REQUEST_MAX	(8 + 256 + NAME_MAX_LEN + 2)

/* The methods a SOCKS5 client offers. */
#define SOCKS5_OFFERS_NO_AUTH	0x1
#define SOCKS5_OFFERS_USERPASS	0x2

/* SOCKS5 reply codes a malformed request is answered with. */
#define SOCKS5_REP_FAILURE	0x01
#define SOCKS5_REP_BAD_COMMAND	0x07
#define SOCKS5_REP_BAD_ATYP	0x08

/* SOCKS5 commands pinhole serves. */
#define SOCKS5_CMD_CONNECT	0x01
#define SOCKS5_CMD_UDP		0x03	/* UDP ASSOCIATE */

struct socks_request {
	char		host[NAME_MAX_LEN + 2];
	uint16_t	port;
	uint8_t		cmd;		/* SOCKS5 */
};

struct socks_auth {
	char		user[256];
	char		pass[256];
	size_t		plen;
};

ssize_t	socks5_parse_greeting(const uint8_t *, size_t, int *);
ssize_t	socks5_parse_auth(const uint8_t *, size_t, struct socks_auth *);
ssize_t	socks5_parse_request(const uint8_t *, size_t, struct socks_request *,
	    int *);
ssize_t	socks4_parse_request(const uint8_t *, size_t, struct socks_request *);

#endif
