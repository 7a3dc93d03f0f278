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
	const char	*proto;		/* connect, socks5, http or udp */
};

/* One verdict being explained. */
struct explain {
	char			 host[NAME_MAX_LEN + 2];
	int			 port;
	int			 has_client;
	struct addr		 client;
	char			 client_text[ADDR_STRLEN];
	struct acl		*acl;
	struct acl_query	 query;
	struct acl_verdict	 verdict;
	int			 need_lookup;
	enum reason		 would_deny;	/* allowed by report mode */
};

struct jbuf;

void	explain_hint(const struct explain *, char *, size_t);
int	explain_start(struct explain *, struct acl *,
	    const struct explain_args *, char *, size_t);
int	explain_finish(struct explain *, int, const struct addr *, size_t,
	    struct jbuf *);
int	explain_run(const struct config *, struct acl *,
	    const struct explain_args *);

#endif
