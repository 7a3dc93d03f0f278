/*
 * The sandbox of the running proxy ([proxy] sandbox = yes): Landlock
 * rules on the filesystem and a seccomp allowlist of system calls, put
 * in place once start-up is over.
 */
#ifndef PINHOLE_SANDBOX_H
#define PINHOLE_SANDBOX_H

struct config;

int	sandbox_confine(const struct config *);
int	sandbox_filter(const struct config *);
int	sandbox_apply(const struct config *);

#endif
