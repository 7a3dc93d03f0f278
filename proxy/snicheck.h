/*
 * The SNI check (domain-fronting guard): whether the server name of the
 * TLS ClientHello that begins a tunnel belongs to what the client asked
 * for.
 */
#ifndef PINHOLE_SNICHECK_H
#define PINHOLE_SNICHECK_H

struct session;

int	snicheck_mode(const struct session *);
int	snicheck_matches(const struct session *, const char *);

#endif
