/* "host:port" as clients, configs and the command line write it. */
#ifndef PINHOLE_HOSTPORT_H
#define PINHOLE_HOSTPORT_H

#include <stddef.h>

int	hostport_split(const char *, size_t, char *, size_t, int *);

#endif
