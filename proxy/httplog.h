/* The method, URL and status of a forwarded HTTP request's record. */
#ifndef PINHOLE_HTTPLOG_H
#define PINHOLE_HTTPLOG_H

#include <stddef.h>
#include <stdint.h>

#include "httphead.h"
#include "session.h"

/* A URL in a record is cut here: a record stays one bounded line. */
#define HTTPLOG_URL_MAX	2048
#define HTTPLOG_METHOD_MAX	32

void	httplog_request(struct session *, const struct http_head *,
	    const char *, uint16_t, const char *, size_t);
void	httplog_clear(struct session *);

#endif
