/* The listening sockets of [proxy] listen. */
#ifndef PINHOLE_LISTENER_H
#define PINHOLE_LISTENER_H

#include "config.h"

int	listener_bind(const struct config *, int);
int	listener_open(const struct config *, int, int);
void	listener_close(void);
void	listener_pause(int);

#define LISTENER_PAUSE_MS	250

#endif
