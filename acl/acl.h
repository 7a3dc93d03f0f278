/*
 * The allowlist: a policy and the entries of its vendor lists as they
 * were when it was built.  An ACL never changes once built; a reload or
 * a list refresh builds a new one and publishes it with acl_publish(),
 * one pointer swap, while connections keep references to the one they
 * were checked against.
 */
#ifndef PINHOLE_ACL_H
#define PINHOLE_ACL_H

#include <stdint.h>

#include "addr.h"
#include "name.h"
#include "policy.h"
#include "reason.h"

struct acl {
	int		  refs;
	struct policy	 *policy;
	struct entries	**lists;	/* policy->nlists; NULL = empty */
};

/* A destination as the client wrote it: an IP literal or a name. */
struct acl_dest {
	int		is_addr;
	struct addr	addr;
	char		name[NAME_MAX_LEN + 1];
	size_t		namelen;
};

struct acl_query {
	const struct addr	*client;	/* NULL: skip client checks */
	const char		*user;		/* NULL: skip user checks */
	int			 dest_ok;	/* 0: malformed host */
	struct acl_dest		 dest;
	uint16_t		 port;
	int			 udp;		/* udp_ports, not ports */
};

enum acl_result {
	ACL_ALLOW,
	ACL_DENY,
	ACL_RESOLVE		/* a name some rule may allow: resolve it */
};

#define ACL_ENTRY_LEN	(NAME_MAX_LEN + 3)

/*
 * What the matching entry was is kept as it was found and written out
 * by acl_entry() only when it is shown (a flow record, --explain): a
 * verdict is on every connection's path, the text is not.
 */
struct acl_verdict {
	enum acl_result		 result;
	enum reason		 reason;	/* with ACL_DENY */
	const struct acl_rule	*rule;		/* what decided, if a rule */
	const char		*list;		/* NULL: the config */
	const char		*name;		/* a pattern's name, or NULL */
	uint8_t			 how;		/* ... and NAME_* flags */
	struct cidr		 net;		/* else the matching net */
	enum reason		 would_deny;	/* allowed by report mode */
};

int		 acl_parse_host(const char *, size_t, struct acl_dest *);
const char	*acl_entry(const struct acl_verdict *, char *, size_t);
void		 acl_query_init(struct acl_query *, const struct addr *,
		    const char *, const char *, size_t, uint16_t);
struct acl	*acl_new(struct policy *, struct entries **);
void		 acl_ref(struct acl *);
void		 acl_unref(struct acl *);
void		 acl_publish(struct acl *);
struct acl	*acl_current(void);
void		 acl_check(const struct acl *, const struct acl_query *,
		    struct acl_verdict *);
void		 acl_check_addr(const struct acl *, const struct acl_query *,
		    const struct addr *, struct acl_verdict *);
enum reason	 acl_denied_range(const struct policy *, const struct addr *,
		    int);

#endif
