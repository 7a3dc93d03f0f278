/* One logger for pinhole's event lines (start, stop, reload, warnings). */
#ifndef PINHOLE_LOG_H
#define PINHOLE_LOG_H

#include <stddef.h>
#include <stdnoreturn.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

void	log_set_level(enum log_level);
int	log_enabled(enum log_level);
int	log_open(const char *);
int	log_parse_level(const char *, enum log_level *);
size_t	log_escape(char *, size_t, const char *);
void	log_set_worker(int);
void	log_library_init(void);

void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
