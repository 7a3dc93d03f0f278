/*
 * Dropping root: pinhole started as root binds its ports and opens its
 * logs, then runs on as [proxy] user.
 */
#ifndef PINHOLE_PRIVDROP_H
#define PINHOLE_PRIVDROP_H

#include <stddef.h>

struct config;

int	privdrop_check(const struct config *, char *, size_t);
int	privdrop_drop(const struct config *);

#endif
