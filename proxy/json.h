/* Writing JSON: strings escaped, NULL pointers as null. */
#ifndef PINHOLE_JSON_H
#define PINHOLE_JSON_H

#include <stddef.h>
#include <stdio.h>

/* A fixed buffer filled left to right; output past its end is dropped. */
struct jbuf {
	char	*buf;
	size_t	 size, len;
};

void	json_add(struct jbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	json_add_string(struct jbuf *, const char *);

#endif
