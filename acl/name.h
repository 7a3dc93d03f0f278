/* DNS names and the name patterns of rules and lists. */
#ifndef PINHOLE_NAME_H
#define PINHOLE_NAME_H

#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN	253

/* How a pattern was written, and so what it matches. */
#define NAME_EXACT	0x01	/* example.com: the name itself */
#define NAME_WILD	0x02	/* *.example.com: every name below it */
#define NAME_DOT	0x04	/* .example.com: both, written that way */
#define NAME_GLOB	0x08	/* the base holds a '*' within a label */

int	name_normalise(const char *, size_t, char *);
int	name_parse_pattern(const char *, char *, uint8_t *);
const char *name_glob_fixed(const char *, size_t);
void	name_init(void);
int	name_too_broad(const char *, size_t, uint8_t);
void	name_format_pattern(const char *, uint8_t, char *, size_t);

#endif
