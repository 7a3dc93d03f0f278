/*
 * The SNI check (domain-fronting guard): whether the server name of the
 * TLS ClientHello that begins a tunnel belongs to what the client asked
 * for.
 */
#ifndef PINHOLE_SNICHECK_H
#define PINHOLE_SNICHECK_H

struct session;

/* How the holding of a ClientHello ended. */
enum sni_end {
	SNI_END_PARSED,		/* the ClientHello is whole, or is none */
	SNI_END_FULL,		/* 16 KiB held and still not whole */
	SNI_END_TIMEOUT,	/* handshake_timeout and still not whole */
	SNI_END_EOF		/* the client ended it */
};

int	snicheck_mode(const struct session *);
int	snicheck_matches(const struct session *, const char *);
int	snicheck_verdict(const struct session *, int, enum sni_end, int, int);
int	snicheck_trailing(const struct session *, int);

#endif
