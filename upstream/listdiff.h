/* What a new version of a list added and removed, for the log. */
#ifndef PINHOLE_LISTDIFF_H
#define PINHOLE_LISTDIFF_H

#include <stddef.h>

#include "entries.h"

/* How many added and removed entries the text names. */
#define LISTDIFF_FIRST_FEW	3

struct listdiff {
	size_t	added;
	size_t	removed;
	/* "+2 -1 (added 203.0.113.50, 203.0.113.51; removed 203.0.113.40)" */
	char	text[1024];
};

int	listdiff(const struct entries *, const struct entries *,
	    struct listdiff *);

#endif
