/* Forwarding absolute-form HTTP requests to their origin. */
#ifndef PINHOLE_FORWARD_H
#define PINHOLE_FORWARD_H

#include "httphead.h"
#include "session.h"

void	forward_request(struct session *, const struct http_head *, size_t);
void	forward_connected(struct session *);
void	forward_free(struct session *);

#endif
