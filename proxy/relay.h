/* Moving bytes both ways between a client and its destination. */
#ifndef PINHOLE_RELAY_H
#define PINHOLE_RELAY_H

#include "session.h"

void	relay_start(struct session *, const void *, size_t);
void	relay_free(struct session *);
int	relay_watch_open(struct event_base *);
void	relay_watch_close(void);
size_t	relay_held_bytes(const struct session *);

#endif
