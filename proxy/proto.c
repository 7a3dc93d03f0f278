#include <ctype.h>
#include <stddef.h>

#include "proto.h"

/*
 * 0x05 is SOCKS5, 0x04 SOCKS4, a letter starts an HTTP method; anything
 * else is no protocol pinhole speaks.
 */
const struct proto *
proto_for_byte(unsigned char c)
{
	if (c == 0x05)
		return &socks5_proto;
	if (c == 0x04)
		return &socks4_proto;
	if (isalpha(c))
		return &http_proto;
	return NULL;
}
