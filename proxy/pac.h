/* The PAC file served at /proxy.pac on the proxy port. */
#ifndef PINHOLE_PAC_H
#define PINHOLE_PAC_H

#include "httphead.h"
#include "session.h"

int	pac_respond(struct session *, const struct http_head *, int);
void	pac_check(const struct acl *);

#endif
