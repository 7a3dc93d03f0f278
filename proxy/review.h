/*
 * pinhole review: what the flow records say about the allowlist.  The
 * records are streamed once; everything kept while reading has a bound
 * of its own (the config's rules and entries, a fixed number of refused
 * domains, of names, ports and clients per domain, of destinations), so
 * ten million records take the memory of ten.
 */
#ifndef PINHOLE_REVIEW_H
#define PINHOLE_REVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "entries.h"

#define REVIEW_MAX_GROUPS	10000	/* refused domains kept */
#define REVIEW_MAX_NAMES	16	/* names kept per domain */
#define REVIEW_MAX_PORTS	32	/* ports kept per domain */
#define REVIEW_MAX_CLIENTS	32	/* clients kept per domain */
#define REVIEW_MAX_DESTS	65536	/* destinations kept for bytes */
#define REVIEW_EXACT_NAMES	3	/* up to this many: hosts = the names */
#define REVIEW_MAX_LINE		65536	/* a longer line is no record */

/* A string-keyed hash table; each key carries a pointer of its user. */
struct rtab_slot {
	char		*key;
	uint32_t	 hash;
	void		*val;
};

struct rtab {
	struct rtab_slot *slots;
	size_t		  n, nslots;
};

/* A rule, a rule's own entry, or a list's entry, and how it was used. */
struct review_item {
	const char	*rule;		/* the rule, or NULL for a list entry */
	const char	*list;		/* the list, or NULL */
	char		*entry;		/* NULL for a rule itself */
	int		 line;		/* of a rule's section */
	uint64_t	 flows;
	uint64_t	 bytes;
};

struct review_count {
	char		*s;
	uint64_t	 n;
};

/* Refused destinations under one registrable domain (or one address). */
struct review_group {
	char			*domain;
	int			 is_addr;
	uint64_t		 count;
	struct review_count	 names[REVIEW_MAX_NAMES];
	size_t			 nnames;
	uint64_t		 names_over;	/* records of names not kept */
	uint16_t		 ports[REVIEW_MAX_PORTS];
	size_t			 nports;
	uint64_t		 ports_over;
	struct review_count	 clients[REVIEW_MAX_CLIENTS];
	size_t			 nclients;
	uint64_t		 clients_over;
	char			*section;	/* the suggested rule's name */
};

struct review_dest {
	char		*host;
	uint64_t	 flows;
	uint64_t	 up, down;
};

struct review {
	const struct config	 *conf;
	struct entries		**lists;
	const char		 *since_text;	/* NULL: every record */
	int64_t			  since_ms;	/* records before: skipped */

	/* what was read */
	size_t			  nfiles;
	uint64_t		  lines, records, bad, older, unknown;
	uint64_t		  bytes_read;
	int64_t			  first_ms, last_ms;	/* -1: none */

	/* the config's rules and entries, with their use */
	struct rtab		  items;
	struct review_item	**rules;	/* config order */
	size_t			  nrules;
	struct review_item	**entries;	/* rules' own, then lists' */
	size_t			  nentries, entries_cap;

	/* refused (not_allowed) */
	struct rtab		  groups;
	uint64_t		  refused, refused_over;

	/* destinations of flows, by bytes */
	struct rtab		  dests;
	uint64_t		  dests_pruned;	/* bytes of dropped ones */
	uint64_t		  flows, flow_bytes;

	/* at the end: both tables sorted for the report */
	struct review_group	**sgroups;
	size_t			  nsgroups;
	struct review_dest	**sdests;
	size_t			  nsdests;
};

/* The fields of a record that the review reads; NULL or 0 when absent. */
enum { REC_TS, REC_EVENT, REC_REASON, REC_WOULD_DENY, REC_HOST, REC_ADDR,
	REC_CLIENT, REC_RULE, REC_LIST, REC_ENTRY, REC_NSTR };
enum { REC_PORT, REC_UP, REC_DOWN, REC_NNUM };

struct review_rec {
	const char	*str[REC_NSTR];
	uint64_t	 num[REC_NNUM];
	void		*json;		/* json_t, when jansson read it */
	char		 copy[2048];	/* the scanner's copy of the line */
};

/* review.c */
int	review_main(int, char *[]);

/* reviewtab.c */
void		*rtab_get(const struct rtab *, const char *, size_t);
int		 rtab_put(struct rtab *, const char *, size_t, void *);
void		 rtab_drop(struct rtab *, int (*)(void *, void *), void *);
void		 rtab_free(struct rtab *, void (*)(void *));
void		**rtab_sorted(const struct rtab *,
		    int (*)(const void *, const void *), size_t *);

/* reviewread.c */
int	review_read(struct review *, const char *);
void	review_record(struct review *, const char *, size_t);

/* reviewscan.c */
int	review_rec_parse(struct review_rec *, const char *, size_t);
void	review_rec_done(struct review_rec *);

/* reviewgroup.c */
int	review_group_init(void);
void	review_group_add(struct review *, const char *, const char *, int);
void	review_dest_add(struct review *, const char *, uint64_t, uint64_t);
int	review_group_cmp(const void *, const void *);
int	review_dest_cmp(const void *, const void *);
void	review_group_free(void *);
void	review_dest_free(void *);
void	review_group_done(void);

/* reviewtext.c */
void	review_time(int64_t, char *, size_t);
void	review_text(struct review *, FILE *);
void	review_suggest(struct review *, FILE *);

/* reviewhtml.c */
int	review_html(struct review *, const char *);

#endif
