/*
 * A new version of a list read and parsed off the event loop: one
 * thread a worker process takes the jobs lists.c gives it, in turn, and
 * the event loop takes each one back to check and swap it in.
 */
#ifndef PINHOLE_LISTJOB_H
#define PINHOLE_LISTJOB_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "entries.h"
#include "listcache.h"
#include "listdiff.h"
#include "listload.h"

struct event_base;

enum listjob_from {
	LISTJOB_BODY,		/* a fetched body, given */
	LISTJOB_FILE,		/* a file = list, read by the thread */
	LISTJOB_CACHE		/* a url list's cached version, likewise */
};

enum listjob_result {
	LISTJOB_UNREAD,		/* the source could not be read (err) */
	LISTJOB_OTHER_SOURCE,	/* the cache is of another url (err) */
	LISTJOB_SAME,		/* the bytes of base: not parsed again */
	LISTJOB_REFUSED,	/* the pin or the parse refused it (err) */
	LISTJOB_PARSED		/* e is the new version */
};

struct listjob {
	TAILQ_ENTRY(listjob)	 entry;

	/* Set by the event loop; the thread's alone once submitted. */
	enum listjob_from	 from;
	struct list_conf	 conf;	/* a deep copy: a reload may free the
					 * config meanwhile */
	char			*cache_dir;	/* LISTJOB_CACHE */
	char			*body;		/* LISTJOB_BODY: given */
	size_t			 len;
	char			*etag, *last_modified;	/* of a fetched body */
	struct entries		*base;	/* the version in force (a
					 * reference the loop holds), read
					 * only, for the diff; or NULL */
	int			 base_known;	/* base_sha is of base */
	uint8_t			 base_sha[32];
	int			 want_diff;

	/* Set by the thread, the loop's once taken back. */
	enum listjob_result	 result;
	uint8_t			 sha[32];
	struct entries		*e;
	struct listcache_meta	 meta;		/* LISTJOB_CACHE */
	struct listdiff		 diff;
	int			 diffed;	/* diff is of base and e */
	uint64_t		 ms;		/* the time it took */
	int			 on_thread;	/* it ran on the list thread */
	char			 err[512];
	char			 warn[LISTLOAD_WARNLEN];

	/*
	 * Once the loop took the version: the job goes back to the thread
	 * to write body to the cache (in cache_dir) with wmeta, so that the
	 * fsyncs do not hold the loop either.
	 */
	int			 write_cache;
	struct listcache_meta	 wmeta;
	int			 written;	/* the write ran */
	char			 werr[512];	/* its failure, or "" */
};

typedef void	(*listjob_done_fn)(struct listjob *);

struct listjob	*listjob_new(enum listjob_from, const struct list_conf *,
		    const char *);
void		 listjob_free(struct listjob *);
void		 listjob_run(struct listjob *);
int		 listjob_start(struct event_base *, listjob_done_fn);
int		 listjob_running(void);
int		 listjob_submit(struct listjob *);
void		 listjob_stop(void);

#endif
