/* The idle_timeout of relaying sessions: one timer for all of them. */
#ifndef PINHOLE_IDLE_H
#define PINHOLE_IDLE_H

struct session;

void	idle_add(struct session *);
void	idle_touch(struct session *);
void	idle_remove(struct session *);
void	idle_free(void);

#endif
