/*
 * Private to the config parser (config.c, confread.c, confkey.c): the
 * state of the pass that applies key = value pairs to a struct config.
 */
#ifndef PINHOLE_CONFPARSE_H
#define PINHOLE_CONFPARSE_H

#include <stddef.h>

#include "config.h"

#define MS_S	1000ULL
#define MS_M	(60 * MS_S)
#define MS_H	(60 * MS_M)
#define MS_D	(24 * MS_H)

#define CONFKEY_MAX	96	/* room in the table of keys seen */

/* One line of the file: a [section] header or a key = value pair. */
struct conf_item {
	int	 is_section;
	char	*section;
	char	*key;
	char	*value;
	int	 line;
};

struct conf_items {
	struct conf_item	*items;
	size_t			 n, cap;
	unsigned char		 sha256[32];	/* of the bytes read */
};

enum section_kind {
	SEC_NONE, SEC_PROXY, SEC_ACL, SEC_ALLOW, SEC_LIST, SEC_CACHE, SEC_DNS,
	SEC_LOG, SEC_ADMIN, SEC_PAC, SEC_AUTH
};

/* The state of the second pass. */
struct parse {
	struct config	*conf;
	const char	*path;
	char		*dir;		/* relative paths start here */
	char		*err;
	size_t		 errlen;
	int		 failed;
	int		 line;
	const char	*key;		/* being applied, for messages */
	enum section_kind kind;
	struct acl_rule	*rule;
	struct list_conf *list;
	int		 seen[SEC_AUTH + 1];
	unsigned char	 keys_seen[CONFKEY_MAX];
	int		 key_lines[CONFKEY_MAX];	/* last line of each */
	int		 users_line;
	struct list_ref {
		size_t	 rule;
		char	*name;
		int	 line;
	}		*refs;
	size_t		 nrefs;
};

void	config_error(struct parse *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	config_name_ok(const char *);
const char *config_section_name(enum section_kind);
int	confread_file(const char *, struct conf_items *, char *, size_t);
void	confread_free(struct conf_items *);
int	confkey_apply(struct parse *, const char *, const char *);
int	confkey_defaults(struct parse *);
int	confkey_line(const struct parse *, enum section_kind, const char *);

#endif
