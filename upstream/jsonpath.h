/*
 * The json list format: a JSON body and a json_path that names the
 * strings in it that are entries.  The path syntax is described at the
 * top of jsonpath.c and in docs/admin-guide.md, "json_path".
 */
#ifndef PINHOLE_JSONPATH_H
#define PINHOLE_JSONPATH_H

#include <stddef.h>

#include "entries.h"
#include "parse.h"

#define JSONPATH_MAX_LEN	1024	/* characters of json_path */
#define JSONPATH_MAX_PATHS	32	/* comma-separated paths */
#define JSONPATH_MAX_STEPS	16	/* steps in one path */
#define JSONPATH_MAX_CONDS	8	/* conditions in one [?...] filter */
#define JSONPATH_MAX_KEY	8	/* members in one filter key (a.b.c) */

struct jsonpath;

int	jsonpath_compile(const char *, struct jsonpath **, char *, size_t);
void	jsonpath_free(struct jsonpath *);
void	jsonpath_init(void);
int	jsonpath_parse(const char *, size_t, const char *,
	    const struct parse_limits *, struct entries *,
	    struct parse_stats *, char *, size_t);

#endif
