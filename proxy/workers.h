/*
 * [proxy] workers: processes sharing the proxy port (SO_REUSEPORT), one
 * event loop each.  Worker 0, the process started, is the leader: it
 * alone fetches the vendor lists, serves the admin endpoint, talks to
 * the service manager and takes signals, which it passes on.  The
 * others (followers) read the lists from the cache when the leader says
 * a new version is there.  Their counters live in memory shared by all,
 * so the leader's /metrics adds them up.
 */
#ifndef PINHOLE_WORKERS_H
#define PINHOLE_WORKERS_H

#include <sys/types.h>

#include <stdint.h>

struct config;
struct counters;
struct event_base;

#define WORKERS_MAX	64

int		 workers_count(const struct config *);
int		 workers_start(int);
int		 workers_watch(struct event_base *, void (*)(void),
		    void (*)(void));
void		 workers_signal(int);
void		 workers_lists_changed(void);
void		 workers_sum(struct counters *);
uint64_t	 workers_share(uint64_t);
int		 workers_pids(const pid_t **);
int		 workers_reap(uint64_t);
void		 workers_close(void);

#endif
