/*
 * Asynchronous name resolution through libevent's evdns, with the
 * servers of [dns] (or /etc/resolv.conf) and the names of hosts_file,
 * each client address with its fair share of the lookups in flight.
 */
#ifndef PINHOLE_RESOLVE_H
#define PINHOLE_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

#define RESOLVE_MAX_ADDRS	16
/* Lookups in flight at once, of all clients together. */
#define RESOLVE_MAX_INFLIGHT	256

struct event_base;
struct evdns_base;
struct resolver;
struct resolve_req;

/* error is 0, or -1 when the name has no address or the lookup failed. */
typedef void (*resolve_cb)(int error, const struct addr *, size_t,
    uint32_t ttl, void *);

struct resolver	*resolve_new(struct event_base *, const struct config *,
		    char *, size_t);
struct resolve_req *resolve_name(struct resolver *, const char *,
		    resolve_cb, void *);
struct resolve_req *resolve_name_for(struct resolver *, const struct addr *,
		    const char *, resolve_cb, void *);
void		 resolve_cancel(struct resolve_req *);
struct evdns_base *resolve_evdns(struct resolver *);
void		 resolve_free(struct resolver *);
void		 resolve_retire(struct resolver *);
void		 resolve_free_retired(void);

#endif
