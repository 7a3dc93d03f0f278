/* A list body, from a file or a fetch, checked and turned into entries. */
#ifndef PINHOLE_LISTLOAD_H
#define PINHOLE_LISTLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "entries.h"

/* Room for the warnings of one parse, one a line. */
#define LISTLOAD_WARNLEN	2048

int		 listload_pinned(const struct list_conf *, const uint8_t *,
		    char *, size_t);
struct entries	*listload_body(const struct list_conf *, const char *, size_t,
		    char *, size_t);
struct entries	*listload_body_at(const struct list_conf *, const char *,
		    size_t, char *, size_t, int *);
struct entries	*listload_parse(const struct list_conf *, const char *,
		    size_t, char *, size_t, int *, char *, size_t);
struct entries	*listload_file(const struct list_conf *, char *, size_t, int *,
		    int *);
struct entries	**listload_local(const struct config *, FILE *, time_t *,
		    int *);
void		 listload_free(const struct config *, struct entries **);

#endif
