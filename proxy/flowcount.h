/* Flows per rule and per list, by name, for the leader's /metrics. */
#ifndef PINHOLE_FLOWCOUNT_H
#define PINHOLE_FLOWCOUNT_H

#include <stdint.h>

#define FLOWCOUNT_MAX	256	/* names of each kind one worker keeps */

enum flowcount_kind { FLOWCOUNT_RULE, FLOWCOUNT_LIST };

int		flowcount_open(int);
void		flowcount_worker(int);
void		flowcount_add(enum flowcount_kind, const char *);
uint64_t	flowcount_get(enum flowcount_kind, const char *);
uint64_t	flowcount_full(enum flowcount_kind);
void		flowcount_close(void);

#endif
