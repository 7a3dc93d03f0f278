/* The server name of a TLS ClientHello, read from a tunnel's first bytes. */
#ifndef PINHOLE_SNI_H
#define PINHOLE_SNI_H

#include <stddef.h>
#include <stdint.h>

#define SNI_MAX_BYTES	16384	/* a ClientHello this long at most */

enum sni_result {
	SNI_MORE,	/* a ClientHello so far: give more bytes */
	SNI_FOUND,
	SNI_NONE,	/* not TLS, or a ClientHello without server_name */
	SNI_TOOBIG,	/* a ClientHello longer than SNI_MAX_BYTES */
	SNI_BAD		/* TLS, but no ClientHello whose name can be read
			   as a server or a router reads it (sni.c) */
};

enum sni_result	sni_parse(const uint8_t *, size_t, char *, size_t);

#endif
