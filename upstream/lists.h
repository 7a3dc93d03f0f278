/* The vendor lists at run time: cached, fetched, refreshed, swapped. */
#ifndef PINHOLE_LISTS_H
#define PINHOLE_LISTS_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "entries.h"

struct event_base;
struct resolver;

/* What happened to one list, for logs and metrics. */
struct list_stats {
	uint64_t	fetches;
	uint64_t	failures;	/* fetch or read failed */
	uint64_t	refusals;	/* a version was refused */
	uint64_t	cache_errors;
	time_t		last_success;
	char		last_error[256];
	time_t		last_change;	/* 0: none since start */
	char		change[1024];	/* what it added and removed */
};

int			 lists_start(struct event_base *, struct resolver *,
			    const struct config *, void (*)(void),
			    void (*)(void));
int			 lists_start_thread(struct event_base *);
void			 lists_follow(void);
void			 lists_sync(void);
int			 lists_reload(const struct config *, struct resolver *);
struct entries		**lists_current(void);
const struct list_stats	*lists_stats(size_t);
int			 lists_refresh(size_t);
void			 lists_stop(void);

#endif
