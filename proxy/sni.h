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
int		sni_hello_end(const uint8_t *, size_t, size_t *);

/* sni_hello_end's answers */
#define SNI_HELLO_NO	0	/* not a whole ClientHello */
#define SNI_HELLO_WHOLE	1	/* one, in records of its own */
#define SNI_HELLO_MORE	2	/* one, its last record carrying more */

#endif
