/*
 * A set of CIDRs answering "which is the longest prefix containing this
 * address" in a time that does not grow with the size of the set.
 */
#ifndef PINHOLE_CIDRSET_H
#define PINHOLE_CIDRSET_H

#include "cidr.h"

struct cidrset;

struct cidrset	*cidrset_new(void);
int		 cidrset_add(struct cidrset *, const struct cidr *);
int		 cidrset_build(struct cidrset *);
void		 cidrset_merge_covered(struct cidrset *);
int		 cidrset_lookup(const struct cidrset *, const struct addr *,
		    struct cidr *);
size_t		 cidrset_count(const struct cidrset *);
void		 cidrset_foreach(const struct cidrset *,
		    void (*)(const struct cidr *, void *), void *);
size_t		 cidrset_memory(const struct cidrset *);
void		 cidrset_free(struct cidrset *);

#endif
