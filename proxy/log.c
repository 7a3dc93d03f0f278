/*
 * Event lines go to stderr with a UTC timestamp and a level word.  Flow
 * records are not written here: they have their own file and format.
 * Every line is escaped here, whole: many carry what a client sent (a
 * host, a user, a server name), and a line of printable ASCII, with
 * any other byte as \xNN and a backslash as \\, can neither forge a
 * line of its own nor talk to the terminal that reads it.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level log_level = LOG_LEVEL_INFO;
static int		 log_fd = STDERR_FILENO;
static int		 log_syslog;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* "worker N: " in a follower: what each worker says is said once, and
 * the leader's lines carry no tag. */
static char		 log_tag[32];

void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* Whether lines of this level are written (to skip their making). */
int
log_enabled(enum log_level level)
{
	return level <= log_level;
}

int
log_parse_level(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/*
 * Where event lines go ([log] events): "stderr", "syslog" or a file,
 * opened for appending.  Returns -1 when the file cannot be opened; the
 * lines then stay on stderr.
 */
int
log_open(const char *target)
{
	int fd;

	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	if (log_syslog)
		closelog();
	log_syslog = 0;
	if (target == NULL || strcmp(target, "stderr") == 0)
		return 0;
	if (strcmp(target, "syslog") == 0) {
		openlog("pinhole", LOG_NDELAY | LOG_PID, LOG_DAEMON);
		log_syslog = 1;
		return 0;
	}
	fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	log_fd = fd;
	return 0;
}

/*
 * The message in printable ASCII into out (size bytes, NUL-terminated);
 * its length.  An escape never is cut in half: a message too long ends
 * before it.
 */
size_t
log_escape(char *out, size_t size, const char *in)
{
	size_t	 n = 0;
	char	 piece[5];

	if (size == 0)
		return 0;
	for (; *in != '\0'; in++) {
		unsigned char	 c = (unsigned char)*in;
		size_t		 len;

		if (c == '\\')
			len = (size_t)snprintf(piece, sizeof(piece), "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			len = (size_t)snprintf(piece, sizeof(piece), "\\x%02x",
			    c);
		else {
			piece[0] = (char)c;
			len = 1;
		}
		if (n + len >= size)
			break;
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return n;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, int errnum)
{
	static const int priorities[] = {
		LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG
	};
	char		 line[2048], msg[2048], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n = 0, m;

	if (level > log_level)
		return;
	if (!log_syslog) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s: ", stamp,
		    ts.tv_nsec / 1000000, log_names[level]);
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s", log_tag);
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0 && m >= 0 && m < (int)sizeof(msg))
		snprintf(msg + m, sizeof(msg) - (size_t)m, ": %s",
		    strerror(errnum));
	/* Room for the newline after it. */
	n += (int)log_escape(line + n, sizeof(line) - 1 - (size_t)n, msg);
	if (log_syslog) {
		syslog(priorities[level], "%s", line);
		return;
	}
	line[n++] = '\n';
	/* One write per line: lines from several processes stay whole. */
	if (write(log_fd, line, (size_t)n) == -1 && log_fd != STDERR_FILENO)
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

/* Worker w (0: the leader) writes the lines of this process. */
void
log_set_worker(int w)
{
	if (w > 0)
		snprintf(log_tag, sizeof(log_tag), "worker %d: ", w);
	else
		log_tag[0] = '\0';
}

/*
 * The event library's own messages (its resolver's among them, such as
 * a name server that stopped answering) go through this logger, at
 * their level, instead of to stderr as raw "[msg] ..." lines.  The
 * resolver's separate hook is left unset on purpose: through it every
 * message below a warning, debug ones included, would arrive as one
 * level.
 */
static void
log_library(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("event library: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("event library: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warn("event library: %s", msg);
		break;
	default:
		log_error("event library: %s", msg);
		break;
	}
}

void
log_library_init(void)
{
	event_set_log_callback(log_library);
}

void
log_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	 errnum = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, errnum);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
