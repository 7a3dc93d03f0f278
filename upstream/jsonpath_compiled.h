/*
 * A json_path compiled (jsonpath_compile.c), as jsonpath.c walks it.
 * Private to those two files; the syntax is described at the top of
 * jsonpath.c.
 */
#ifndef PINHOLE_JSONPATH_COMPILED_H
#define PINHOLE_JSONPATH_COMPILED_H

#include <stddef.h>

#include "jsonpath.h"

enum jp_kind {
	JP_MEMBER,		/* .name */
	JP_EACH,		/* [] or [?...] */
	JP_ALL			/* * */
};

enum jp_op {
	JP_EQ,			/* = */
	JP_NE,			/* != */
	JP_HAS			/* ~= */
};

/* What a plain filter value also reads as. */
enum jp_lit {
	JP_LIT_NONE,		/* text only (and every quoted value) */
	JP_LIT_NUMBER,
	JP_LIT_TRUE,
	JP_LIT_FALSE,
	JP_LIT_NULL
};

struct jp_cond {
	/* nkey member names, each NUL-terminated, one after the other. */
	const char	*key;
	int		 nkey;
	enum jp_op	 op;
	const char	*value;
	size_t		 vlen;
	enum jp_lit	 lit;
	double		 num;		/* JP_LIT_NUMBER */
	size_t		 at, len;	/* the key as written */
};

struct jp_step {
	enum jp_kind	 kind;
	const char	*name;		/* JP_MEMBER */
	int		 cond0;		/* JP_EACH: conds[cond0 ...] */
	int		 nconds;	/* JP_EACH: a filter when > 0 */
	size_t		 at, len;	/* as written, without a leading "." */
};

struct jp_path {
	int		 step0;		/* steps[step0 ...] */
	int		 nsteps;
	size_t		 at, len;	/* as written */
};

/*
 * The steps and conditions of all paths, in two pools.  The steps are
 * bounded by the paths times their steps; every condition takes at
 * least four characters ("k=v" and a "&" or "[?"), so the conditions
 * fit too.  Both are checked all the same.
 */
#define JP_POOL_STEPS	(JSONPATH_MAX_PATHS * JSONPATH_MAX_STEPS)
#define JP_POOL_CONDS	(JSONPATH_MAX_LEN / 4)

struct jsonpath {
	int		 npaths;
	struct jp_path	 paths[JSONPATH_MAX_PATHS];
	int		 nsteps;
	struct jp_step	 steps[JP_POOL_STEPS];
	int		 nconds;
	struct jp_cond	 conds[JP_POOL_CONDS];
	/*
	 * The names, keys and values, unquoted and NUL-terminated: a token
	 * written with n characters takes at most 2n bytes here.
	 */
	size_t		 used;
	char		 text[2 * JSONPATH_MAX_LEN + 2];
	char		 src[JSONPATH_MAX_LEN + 1];	/* for messages */
};

#endif
