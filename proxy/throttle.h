/*
 * The login throttle: failures and password checks on their way per
 * client address, in one table every worker shares.  A client with
 * THROTTLE_FAILURES failures in THROTTLE_WINDOW seconds is refused
 * without a check for THROTTLE_BLOCK seconds.
 */
#ifndef PINHOLE_THROTTLE_H
#define PINHOLE_THROTTLE_H

#include <stddef.h>
#include <time.h>

#include "addr.h"

#define THROTTLE_FAILURES	5	/* in THROTTLE_WINDOW seconds, then */
#define THROTTLE_WINDOW		60
#define THROTTLE_BLOCK		60	/* seconds refused without a check */
#define THROTTLE_SETS		16384
#define THROTTLE_WAYS		8	/* addresses followed in a set */
#define THROTTLE_PREFIX_V6	64	/* an IPv6 budget: [auth] default */

enum throttle_turn {
	THROTTLE_GO,		/* check it: counted as on its way */
	THROTTLE_WAIT,		/* its checks on their way fill its budget */
	THROTTLE_REFUSED	/* blocked, or no room to follow it */
};

int			 throttle_open(int);
size_t			 throttle_set(const struct addr *);
int			 throttle_refused(const struct addr *, time_t);
enum throttle_turn	 throttle_start(const struct addr *, time_t);
void			 throttle_done(const struct addr *, int, time_t);
void			 throttle_fail(const struct addr *, time_t);

#endif
