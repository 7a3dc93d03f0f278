/*
 * crypt(3) off the event loop: a thread of its own runs the password
 * checks that auth.c asks for, one at a time, and the event loop hears
 * of each one done.
 */
#ifndef PINHOLE_HASHCHECK_H
#define PINHOLE_HASHCHECK_H

#include <crypt.h>

struct event_base;

/* Called on the event loop: match is 1 when crypt(pass, hash) == hash. */
typedef void	(*hashcheck_done_fn)(void *, int);

int	hashcheck_start(struct event_base *);
int	hashcheck_running(void);
int	hashcheck_submit(const char *, const char *, hashcheck_done_fn,
	    void *);
void	hashcheck_stop(void);
int	hashcheck_matches(const char *, const char *, struct crypt_data *);

#endif
