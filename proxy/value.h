/* Parsing of config values: every number has bounds. */
#ifndef PINHOLE_VALUE_H
#define PINHOLE_VALUE_H

#include <stddef.h>
#include <stdint.h>

int	value_uint(const char *, uint64_t, uint64_t, uint64_t *);
int	value_duration(const char *, uint64_t, uint64_t, uint64_t *);
int	value_size(const char *, uint64_t, uint64_t, uint64_t *);
int	value_bool(const char *, int *);
int	value_percent(const char *, unsigned *);
int	value_hex(const char *, uint8_t *, size_t);
int	value_split(char *, char **, size_t);
void	value_format_duration(uint64_t, char *, size_t);

#endif
