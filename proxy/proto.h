/* The client protocols, picked once by a connection's first byte. */
#ifndef PINHOLE_PROTO_H
#define PINHOLE_PROTO_H

#include "session.h"

extern const struct proto socks5_proto;
extern const struct proto socks4_proto;
extern const struct proto http_proto;

const struct proto	*proto_for_byte(unsigned char);

#endif
