/*
 * Fetching a vendor list over HTTPS (or http:// when the list allows
 * it) on the proxy's event loop, never blocking it.
 */
#ifndef PINHOLE_FETCH_H
#define PINHOLE_FETCH_H

#include <stddef.h>

#include "config.h"

struct event_base;
struct fetch;
struct policy;
struct resolver;

struct fetch_result {
	int	 ok;		/* 1: a body (status 200) or not modified */
	int	 not_modified;	/* 304 */
	char	*body;
	size_t	 len;
	char	*etag;
	char	*last_modified;
	char	 error[256];
};

typedef void (*fetch_cb)(struct fetch_result *, void *);

struct fetch	*fetch_start(struct event_base *, struct resolver *,
		    const struct policy *, const struct list_conf *,
		    const char *, const char *, fetch_cb, void *);
void		 fetch_cancel(struct fetch *);
void		 fetch_result_free(struct fetch_result *);

#endif
