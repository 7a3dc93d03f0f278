/*
 * The entries of a rule or a vendor list: name patterns and CIDRs.  A
 * list's entries are shared by every ACL built while they are current.
 */
#ifndef PINHOLE_ENTRIES_H
#define PINHOLE_ENTRIES_H

#include <stddef.h>

#include "cidrset.h"
#include "name.h"
#include "nameset.h"

struct entries {
	struct nameset	*names;
	struct cidrset	*nets;
	int		 refs;
};

enum entries_result {
	ENTRIES_OK,
	ENTRIES_HOST_BITS,	/* added, host bits cleared */
	ENTRIES_BAD,
	ENTRIES_TOO_BROAD,	/* a pattern as broad as a public suffix */
	ENTRIES_NOMEM
};

struct entries		*entries_new(void);
enum entries_result	 entries_add(struct entries *, const char *);
int			 entries_add_cidr(struct entries *,
			    const struct cidr *);
int			 entries_add_pattern(struct entries *, const char *,
			    size_t, uint8_t);
int			 entries_build(struct entries *);
int			 entries_build_merged(struct entries *);
size_t			 entries_count(const struct entries *);
void			 entries_foreach(const struct entries *,
			    void (*)(const char *, void *), void *);
void			 entries_name_text(const char *, uint8_t, char *,
			    size_t);
void			 entries_ref(struct entries *);
void			 entries_unref(struct entries *);

#endif
