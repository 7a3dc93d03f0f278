/* The admin endpoint: health, metrics, status, lists, refresh, explain. */
#ifndef PINHOLE_ADMIN_H
#define PINHOLE_ADMIN_H

#include "config.h"

struct evhttp_request;

int	admin_open(const struct config *);
void	admin_close(void);
void	admin_explain(struct evhttp_request *);

#endif
