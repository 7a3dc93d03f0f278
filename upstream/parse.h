/* Vendor list bodies into entries: the text and auto formats. */
#ifndef PINHOLE_PARSE_H
#define PINHOLE_PARSE_H

#include <stddef.h>

#include "entries.h"

struct parse_stats {
	size_t	added;		/* entries taken (before merging) */
	size_t	bad;		/* tokens that are no entry */
	size_t	host_bits;	/* CIDRs whose host bits were cleared */
	size_t	too_broad;	/* CIDRs broader than the minimum prefix */
	size_t	broad_names;	/* patterns as broad as a public suffix */
	int	first_bad_line;
	int	first_broad_line;
	char	first_bad[80];
	char	first_broad[80];
	char	first_broad_names[200];	/* the first few, quoted */
	char	bad_lines[300];		/* the first few: line N "text", ... */
	size_t	outside;	/* entries outside within, skipped */
	char	first_outside[200];	/* the first few */
	char	no_match[1024];	/* json_path: the paths that select nothing */
};

/* How many skipped or bad entries a warning names. */
#define PARSE_FIRST_FEW	3

struct parse_limits {
	unsigned		 min_prefix_v4;
	unsigned		 min_prefix_v6;
	const struct cidr	*within;	/* NULL: no bounds */
	size_t			 nwithin;
};

int	parse_text(const char *, size_t, const struct parse_limits *,
	    struct entries *, struct parse_stats *);
int	parse_auto(const char *, size_t, const struct parse_limits *,
	    struct entries *, struct parse_stats *);
void	parse_note_bad(struct parse_stats *, int, const char *, size_t);
int	parse_add_token(const char *, size_t, int,
	    const struct parse_limits *, struct entries *,
	    struct parse_stats *);

#endif
