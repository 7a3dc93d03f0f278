/* Writing JSON values: strings escaped, NULL pointers as null. */
#ifndef PINHOLE_JSON_H
#define PINHOLE_JSON_H

#include <stdio.h>

void	json_string(FILE *, const char *);

#endif
