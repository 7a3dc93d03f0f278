/*
 * A fixed policy for the fuzz targets that need a whole ACL: the config
 * text goes through the real loader (config_load), as pinhole -c does.
 */
#ifndef PINHOLE_FUZZ_POLICY_H
#define PINHOLE_FUZZ_POLICY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* The config of ini, or abort: a fixed policy that fails is the bug. */
static struct config *
fuzz_policy(const char *ini)
{
	char		 path[] = "/tmp/pinhole-fuzz-XXXXXX";
	char		 err[CONFIG_ERRLEN];
	struct config	*c;
	int		 fd;

	log_set_level(LOG_LEVEL_ERROR);
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, ini, strlen(ini)) != (ssize_t)strlen(ini))
		abort();
	close(fd);
	c = config_load(path, err, sizeof(err));
	unlink(path);
	if (c == NULL) {
		fprintf(stderr, "fuzz policy: %s\n", err);
		abort();
	}
	return c;
}

#endif
