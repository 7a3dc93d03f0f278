/*
 * The static half of the allowlist, built from the config: the global
 * client and denied ranges and the [allow] rules.  The entries of vendor
 * lists are the other half; struct acl joins the two.
 */
#ifndef PINHOLE_POLICY_H
#define PINHOLE_POLICY_H

#include <stddef.h>

#include "cidrset.h"
#include "entries.h"
#include "portset.h"

/* sni_check: whether a tunnel's TLS server name must match its request. */
enum sni_check {
	SNI_CHECK_INHERIT = -1,		/* a rule: as [acl] says */
	SNI_CHECK_OFF,
	SNI_CHECK_LOG,
	SNI_CHECK_ENFORCE
};

struct acl_rule {
	char		*name;
	int		 line;		/* of the section, for messages */
	struct portset	 ports;		/* TCP */
	struct portset	 udp_ports;	/* UDP through SOCKS5 */
	struct entries	*own;		/* hosts and nets from the config */
	struct cidrset	*clients;	/* NULL: every client */
	char		**users;	/* NULL: every user */
	size_t		 nusers;
	int		 resolve;
	int		 allow_private;
	int		 sni_check;	/* enum sni_check */
	int		 report;	/* mode = report: ports, clients */
	size_t		*lists;		/* indexes into policy lists */
	size_t		 nlists;
};

struct policy {
	int		 refs;
	struct cidrset	*clients;	/* [proxy] clients */
	struct cidrset	*deny;		/* [acl] deny */
	struct cidrset	*private;	/* NULL with deny_private = no */
	int		 sni_check;	/* enum sni_check, not INHERIT */
	int		 report;	/* [acl] mode = report */
	struct acl_rule	*rules;
	size_t		 nrules;
	char		**lists;	/* list names, by index */
	size_t		 nlists;
};

struct policy	*policy_new(void);
struct acl_rule	*policy_add_rule(struct policy *, const char *, int);
int		 policy_add_list(struct policy *, const char *);
long		 policy_find_list(const struct policy *, const char *);
int		 policy_rule_add_list(struct acl_rule *, size_t);
int		 policy_rule_add_user(struct acl_rule *, const char *);
struct cidrset	*policy_private_ranges(void);
int		 policy_build(struct policy *);
void		 policy_ref(struct policy *);
void		 policy_unref(struct policy *);

#endif
