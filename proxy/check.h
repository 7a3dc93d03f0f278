/* pinhole -t: the config and the lists it would start with, summed up. */
#ifndef PINHOLE_CHECK_H
#define PINHOLE_CHECK_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "entries.h"

void	check_summary(const struct config *, struct entries **,
	    const time_t *, const int *, FILE *);

#endif
