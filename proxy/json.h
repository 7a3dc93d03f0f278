/* Writing JSON: strings escaped, NULL pointers as null. */
#ifndef PINHOLE_JSON_H
#define PINHOLE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A fixed buffer filled left to right; output past its end is dropped. */
struct jbuf {
	char	*buf;
	size_t	 size, len;
};

void	json_add(struct jbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	json_add_string(struct jbuf *, const char *);
void	json_add_raw(struct jbuf *, const char *, size_t);
void	json_add_uint(struct jbuf *, uint64_t);
void	json_add_int(struct jbuf *, int64_t);

/* A string literal as it is: keys and punctuation, no format to parse. */
#define json_add_lit(j, s)	json_add_raw((j), "" s, sizeof(s) - 1)

#endif
