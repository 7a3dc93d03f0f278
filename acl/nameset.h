/*
 * A set of name patterns answering "which pattern matches this name" in
 * a time that grows with the number of labels, not with the set.
 */
#ifndef PINHOLE_NAMESET_H
#define PINHOLE_NAMESET_H

#include <stddef.h>
#include <stdint.h>

struct nameset;

struct name_match {
	const char	*base;	/* the pattern's name, normalised */
	uint8_t		 how;	/* NAME_EXACT or NAME_WILD, | NAME_DOT */
};

struct nameset	*nameset_new(void);
int		 nameset_add(struct nameset *, const char *, size_t, uint8_t);
int		 nameset_lookup(const struct nameset *, const char *, size_t,
		    struct name_match *);
size_t		 nameset_count(const struct nameset *);
void		 nameset_merge_covered(struct nameset *);
void		 nameset_foreach(const struct nameset *,
		    void (*)(const char *, uint8_t, void *), void *);
size_t		 nameset_patterns(const struct nameset *);
size_t		 nameset_memory(const struct nameset *);
void		 nameset_free(struct nameset *);

#endif
