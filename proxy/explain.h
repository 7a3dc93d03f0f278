/* pinhole --explain: one verdict, as JSON, with what decided it. */
#ifndef PINHOLE_EXPLAIN_H
#define PINHOLE_EXPLAIN_H

#include "acl.h"
#include "config.h"

#define EXPLAIN_ALLOW	0
#define EXPLAIN_DENY	3
#define EXPLAIN_ERROR	4

struct explain_args {
	const char	*target;	/* HOST[:PORT] */
	const char	*client;	/* NULL: no client checks */
	const char	*user;		/* NULL: no user checks */
	const char	*proto;		/* connect, socks5 or http */
};

int	explain_run(const struct config *, struct acl *,
	    const struct explain_args *);

#endif
