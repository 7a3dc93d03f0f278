/*
 * Records are formatted whole into a buffer of whole lines, written with
 * one write(2) on an O_APPEND descriptor when the next record would not
 * fit, FLOWLOG_DELAY_MS after the first record waiting, and before
 * anything that closes or reopens the file: one system call for many
 * short connections, never a sync, lines from several workers never
 * interleaved, and never half a line (a write cut short by a full disk
 * is cut back to its last whole line).  A failing write counts the
 * records lost and is logged once per episode, and the episode is
 * counted; the proxy relays on.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "flowlog.h"
#include "json.h"
#include "log.h"
#include "server.h"

enum flowlog_kind { FLOWLOG_OFF, FLOWLOG_FD, FLOWLOG_SYSLOG };

static enum flowlog_kind flowlog_kind = FLOWLOG_OFF;
static int		 flowlog_fd = -1;
static char		*flowlog_path;
static int		 flowlog_failing;
static off_t		 flowlog_full_at;	/* the file's size when it failed */
static char		 flowlog_buf[FLOWLOG_BUFFER];
static size_t		 flowlog_len, flowlog_records;
static struct event	*flowlog_timer;

static const char *const event_names[] = { "flow", "deny", "error" };

/*
 * A write that stopped short (the disk filled up in the middle of it)
 * put the first n bytes of the buffer at the end of the file: the part
 * of a record among them is cut off again, so that the file holds whole
 * lines only (one process writes it).  Returns how many records did
 * reach the file whole.
 */
static size_t
cut_short(size_t n)
{
	struct stat	 st;
	size_t		 keep = n, whole = 0;

	while (keep > 0 && flowlog_buf[keep - 1] != '\n')
		keep--;
	for (size_t i = 0; i < keep; i++)
		whole += flowlog_buf[i] == '\n';
	if (keep < n && fstat(flowlog_fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(flowlog_fd, st.st_size - (off_t)(n - keep)) == -1)
		log_error("access log: cannot cut off half a record: %s",
		    strerror(errno));
	return whole;
}

/* The access log's size; 0 when it is not a file (never full then). */
static off_t
file_size(void)
{
	struct stat st;

	if (fstat(flowlog_fd, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	return st.st_size;
}

/* Writes the records waiting in the buffer. */
void
flowlog_flush(void)
{
	ssize_t	 n;

	if (flowlog_len == 0)
		return;
	if (flowlog_timer != NULL)
		evtimer_del(flowlog_timer);
	do
		n = write(flowlog_fd, flowlog_buf, flowlog_len);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)flowlog_len) {
		/* Written again only past where the disk was full: a batch
		 * that fits in the bytes a cut-back freed ends no episode. */
		if (flowlog_failing && (flowlog_full_at == 0 ||
		    file_size() > flowlog_full_at)) {
			log_info("access log: writing again");
			flowlog_failing = 0;
		}
	} else {
		int err = errno;

		if (!flowlog_failing)
			flowlog_full_at = file_size();
		server.count->log_write_errors += flowlog_records -
		    (n > 0 ? cut_short((size_t)n) : 0);
		if (!flowlog_failing++) {
			server.count->log_write_failures++;
			log_error("access log: %s; flow records are lost until "
			    "it recovers", n == -1 ? strerror(err) :
			    "short write");
		}
	}
	flowlog_len = flowlog_records = 0;
}

static void
flowlog_due(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	flowlog_flush();
}

/* A record is waiting: it is written within FLOWLOG_DELAY_MS. */
static void
flowlog_arm(void)
{
	struct timeval tv = { 0, FLOWLOG_DELAY_MS * 1000 };

	if (flowlog_timer == NULL && server.base != NULL)
		flowlog_timer = evtimer_new(server.base, flowlog_due, NULL);
	if (flowlog_timer == NULL || evtimer_add(flowlog_timer, &tv) == -1)
		flowlog_flush();
}

int
flowlog_open(const char *target)
{
	flowlog_close();
	if (target == NULL || strcmp(target, "off") == 0)
		return 0;
	if (strcmp(target, "stderr") == 0) {
		flowlog_kind = FLOWLOG_FD;
		flowlog_fd = STDERR_FILENO;
		return 0;
	}
	if (strcmp(target, "syslog") == 0) {
		openlog("pinhole", LOG_NDELAY | LOG_PID, LOG_DAEMON);
		flowlog_kind = FLOWLOG_SYSLOG;
		return 0;
	}
	if ((flowlog_path = strdup(target)) == NULL)
		return -1;
	flowlog_kind = FLOWLOG_FD;
	return flowlog_reopen();
}

/* Opens the file again under its name (after logrotate moved it). */
int
flowlog_reopen(void)
{
	int fd;

	if (flowlog_path == NULL)
		return 0;
	fd = open(flowlog_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_warn("access log %s: %s", flowlog_path, strerror(errno));
		return -1;
	}
	flowlog_flush();
	if (flowlog_fd != -1)
		close(flowlog_fd);
	flowlog_fd = fd;
	flowlog_failing = 0;
	return 0;
}

/*
 * The record's time, to the millisecond: the seconds are formatted once
 * a second, not once a record.
 */
static void
format_time(struct jbuf *j)
{
	static time_t	 cached = (time_t)-1;
	static char	 secs[32];
	static size_t	 nsecs;
	struct timeval	 tv;
	struct tm	 tm;
	char		 ms[4];

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != cached) {
		gmtime_r(&tv.tv_sec, &tm);
		nsecs = strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
		cached = tv.tv_sec;
	}
	ms[0] = '.';
	ms[1] = (char)('0' + tv.tv_usec / 100000 % 10);
	ms[2] = (char)('0' + tv.tv_usec / 10000 % 10);
	ms[3] = (char)('0' + tv.tv_usec / 1000 % 10);
	json_add_lit(j, "{\"ts\":\"");
	json_add_raw(j, secs, nsecs);
	json_add_raw(j, ms, sizeof(ms));
	json_add_lit(j, "Z\"");
}

/* ,"key": and the address as a string ("a.b.c.d:port", "[v6]:port"). */
static void
format_addr(struct jbuf *j, const char *key, const struct addr *a,
    int port)
{
	char buf[ADDR_STRLEN];

	json_add_lit(j, ",\"");
	json_add_raw(j, key, strlen(key));
	json_add_lit(j, "\":");
	if (a == NULL) {
		json_add_lit(j, "null");
		return;
	}
	addr_format(a, buf, sizeof(buf));
	json_add_raw(j, a->family == ADDR_V6 && port >= 0 ? "\"[" : "\"",
	    a->family == ADDR_V6 && port >= 0 ? 2 : 1);
	json_add_raw(j, buf, strlen(buf));
	if (port >= 0) {
		json_add_raw(j, a->family == ADDR_V6 ? "]:" : ":",
		    a->family == ADDR_V6 ? 2 : 1);
		json_add_uint(j, (uint64_t)port);
	}
	json_add_lit(j, "\"");
}

/* ,"key": and a string or null. */
static void
format_string(struct jbuf *j, const char *key, const char *v)
{
	json_add_lit(j, ",\"");
	json_add_raw(j, key, strlen(key));
	json_add_lit(j, "\":");
	json_add_string(j, v);
}

/* ,"key": and a number. */
static void
format_uint(struct jbuf *j, const char *key, uint64_t v)
{
	json_add_lit(j, ",\"");
	json_add_raw(j, key, strlen(key));
	json_add_lit(j, "\":");
	json_add_uint(j, v);
}

/* A forwarded request's method, URL and status; report mode's verdict. */
static void
format_http(const struct session *s, struct jbuf *j)
{
	format_string(j, "method", s->method);
	format_string(j, "url", s->url);
	if (s->status != 0) {
		json_add_lit(j, ",\"status\":");
		json_add_int(j, s->status);
	} else
		json_add_lit(j, ",\"status\":null");
	format_string(j, "would_deny", s->event == EV_DENY ? NULL :
	    reason_name(s->verdict.would_deny));
}

/*
 * One record, built from pieces rather than format strings: it is
 * written for every flow, and printf's parsing was half of pinhole's
 * own work in a short tunnel.
 */
static void
format_record(const struct session *s, struct jbuf *j)
{
	const struct acl_verdict *v = &s->verdict;
	struct timeval		  now, d;
	char			  entry[ACL_ENTRY_LEN];

	format_time(j);
	format_uint(j, "id", s->id);
	json_add_lit(j, ",\"event\":\"");
	json_add_raw(j, event_names[s->event], strlen(event_names[s->event]));
	json_add_lit(j, "\"");
	format_addr(j, "client", &s->client_addr, s->client_port);
	format_string(j, "user", s->user);
	format_string(j, "proto", s->proto_name);
	format_string(j, "host", s->host[0] ? s->host : NULL);
	if (s->host[0])
		format_uint(j, "port", s->port);
	else
		json_add_lit(j, ",\"port\":null");
	format_addr(j, "addr", s->has_addr ? &s->addr : NULL, -1);
	format_string(j, "rule", v->rule ? v->rule->name : NULL);
	format_string(j, "list", v->rule ? v->list : NULL);
	format_string(j, "entry", acl_entry(v, entry, sizeof(entry)));
	format_string(j, "reason", reason_name(s->reason));
	gettimeofday(&now, NULL);
	timersub(&now, &s->started, &d);
	format_uint(j, "bytes_up", s->bytes_up);
	format_uint(j, "bytes_down", s->bytes_down);
	json_add_lit(j, ",\"duration_ms\":");
	json_add_int(j, (int64_t)d.tv_sec * 1000 + d.tv_usec / 1000);
	format_string(j, "sni", s->sni);
	if (s->has_datagrams) {
		format_uint(j, "datagrams_up", s->datagrams_up);
		format_uint(j, "datagrams_down", s->datagrams_down);
	} else
		json_add_lit(j, ",\"datagrams_up\":null,\"datagrams_down\":null");
	format_http(s, j);
	json_add_lit(j, "}\n");
}

void
flowlog_write(const struct session *s)
{
	char		 buf[8192];
	struct jbuf	 j = { buf, sizeof(buf), 0 };

	if (flowlog_kind == FLOWLOG_OFF || s->event == EV_NONE)
		return;
	format_record(s, &j);
	if (flowlog_kind == FLOWLOG_SYSLOG) {
		syslog(LOG_INFO, "%.*s", (int)j.len - 1, buf);
		return;
	}
	if (flowlog_len + j.len > sizeof(flowlog_buf))
		flowlog_flush();
	memcpy(flowlog_buf + flowlog_len, buf, j.len);
	if (flowlog_len == 0)
		flowlog_arm();
	flowlog_len += j.len;
	flowlog_records++;
}

void
flowlog_close(void)
{
	if (flowlog_kind == FLOWLOG_FD)
		flowlog_flush();
	if (flowlog_timer != NULL)
		event_free(flowlog_timer);
	flowlog_timer = NULL;
	if (flowlog_kind == FLOWLOG_FD && flowlog_fd != STDERR_FILENO &&
	    flowlog_fd != -1)
		close(flowlog_fd);
	if (flowlog_kind == FLOWLOG_SYSLOG)
		closelog();
	flowlog_fd = -1;
	free(flowlog_path);
	flowlog_path = NULL;
	flowlog_kind = FLOWLOG_OFF;
}
