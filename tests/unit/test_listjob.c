/*
 * The list thread's jobs: what a job reads, parses and compares, that it
 * logs nothing (its warnings come back in the job), that a job handed
 * to the thread comes back on the event loop's thread, and that a stop
 * ends a wait for a FIFO's writer at once.
 */
#include <sys/stat.h>

#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "listcache.h"
#include "listjob.h"
#include "log.h"
#include "t.h"

static struct list_conf
conf_of(const char *name, enum list_format format, const char *json_path)
{
	struct list_conf l;

	memset(&l, 0, sizeof(l));
	l.name = (char *)name;
	l.url = (char *)"https://vendor.example/list";
	l.format = format;
	l.json_path = (char *)json_path;
	l.max_bytes = 1 << 20;
	l.max_entries = 1000;
	l.min_prefix_v4 = 8;
	l.min_prefix_v6 = 16;
	return l;
}

static struct listjob *
body_job(const struct list_conf *l, const char *body)
{
	struct listjob *j = listjob_new(LISTJOB_BODY, l, NULL);

	if (j == NULL || (j->body = strdup(body)) == NULL)
		abort();
	j->len = strlen(body);
	return j;
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* A body parsed, its warnings kept for the loop, nothing logged. */
static void
parse_and_warn(void)
{
	struct list_conf	 l = conf_of("v", LIST_TEXT, NULL);
	struct listjob		*j;
	char			*log = t_write_file("listjob.log", "");

	if (log_open(log) == -1)
		abort();
	log_set_level(LOG_LEVEL_DEBUG);
	j = body_job(&l, "203.0.113.0/24\nnot an entry!\n198.51.100.7/24\n");
	listjob_run(j);
	log_open(NULL);
	log_set_level(LOG_LEVEL_ERROR);
	t_int(j->result, LISTJOB_PARSED, "a text body is parsed");
	t_int((long long)entries_count(j->e), 2, "... into 2 entries");
	t_str(j->warn, "list v: 1 lines are no entry, skipped: line 2 "
	    "\"not an entry!\"\nlist v: 1 CIDRs had host bits set, cleared",
	    "... its warnings are in the job, one a line");
	t_int(file_size(log), 0, "... and nothing was logged");
	t_ok(j->body != NULL && j->len > 0,
	    "... its bytes are kept, for the cache");
	t_int(j->on_thread, 0, "... run at once: no thread");
	listjob_free(j);
	unlink(log);
	free(log);

	l = conf_of("j", LIST_JSON, "a[]");
	j = body_job(&l, "{\"b\": [\"192.0.2.1\"]}");
	listjob_run(j);
	t_int(j->result, LISTJOB_REFUSED, "json: a path that selects nothing");
	t_str(j->warn, "json_path \"a[]\" selects nothing: the top level "
	    "has no member \"a\"; its members: b",
	    "... says so in the job's warnings");
	t_str(j->err, "no entries (allow_empty = no)",
	    "... and the refusal in its err");
	t_ok(j->body == NULL, "... a refused body is not kept");
	listjob_free(j);
}

/* The bytes of the version in force are not parsed again; others are
 * compared with it. */
static void
same_and_diff(void)
{
	struct list_conf	 l = conf_of("v", LIST_TEXT, NULL);
	struct listjob		*j, *k;
	const char		*body = "192.0.2.1\n192.0.2.2\n";

	j = body_job(&l, body);
	listjob_run(j);
	t_int(j->result, LISTJOB_PARSED, "first version parsed");

	k = body_job(&l, body);
	entries_ref(k->base = j->e);
	k->base_known = 1;
	memcpy(k->base_sha, j->sha, 32);
	listjob_run(k);
	t_int(k->result, LISTJOB_SAME, "the same bytes: not parsed again");
	t_ok(k->e == NULL, "... no entries made");
	listjob_free(k);

	k = body_job(&l, "192.0.2.2\n192.0.2.3\n192.0.2.4\n");
	entries_ref(k->base = j->e);
	k->base_known = 1;
	memcpy(k->base_sha, j->sha, 32);
	k->want_diff = 1;
	listjob_run(k);
	t_int(k->result, LISTJOB_PARSED, "other bytes: parsed");
	t_ok(k->diffed && k->diff.added == 2 && k->diff.removed == 1,
	    "... and compared with the version in force: +2 -1 (%s)",
	    k->diff.text);
	listjob_free(k);
	listjob_free(j);
}

/* A file = list read by the job; what goes wrong is said in err. */
static void
files(void)
{
	struct list_conf	 l = conf_of("f", LIST_TEXT, NULL);
	struct listjob		*j;
	char			*path = t_write_file("listjob.txt",
				    "198.51.100.0/24\n");

	l.url = NULL;
	l.file = path;
	j = listjob_new(LISTJOB_FILE, &l, NULL);
	listjob_run(j);
	t_int(j->result, LISTJOB_PARSED, "a file is read and parsed");
	t_int((long long)entries_count(j->e), 1, "... 1 entry");
	listjob_free(j);

	l.max_bytes = 4;
	j = listjob_new(LISTJOB_FILE, &l, NULL);
	listjob_run(j);
	t_int(j->result, LISTJOB_UNREAD, "a file over max_bytes is not read");
	t_ok(strstr(j->err, ": larger than max_bytes") != NULL,
	    "... err says so: %s", j->err);
	listjob_free(j);

	unlink(path);
	l.max_bytes = 1 << 20;
	j = listjob_new(LISTJOB_FILE, &l, NULL);
	listjob_run(j);
	t_int(j->result, LISTJOB_UNREAD, "a missing file is not read");
	t_ok(strstr(j->err, ": cannot read it: No such file") != NULL,
	    "... err says so: %s", j->err);
	listjob_free(j);
	free(path);
}

/* Once taken, the same job writes the version to the cache. */
static void
cache_write(void)
{
	struct list_conf	 l = conf_of("w", LIST_TEXT, NULL);
	struct listjob		*j = body_job(&l, "192.0.2.7\n");
	const char		*tmp = getenv("TMPDIR") ? getenv("TMPDIR") :
				    "/tmp";
	char			 dir[512], path[600], *body = NULL, err[256];
	struct listcache_meta	 m;
	size_t			 len;

	snprintf(dir, sizeof(dir), "%s/pinhole-t-%ld-cache", tmp,
	    (long)getpid());
	if (listcache_make_dirs(dir) == -1)
		abort();
	listjob_run(j);
	j->write_cache = 1;
	j->cache_dir = strdup(dir);
	j->wmeta.url = strdup(l.url);
	memcpy(j->wmeta.sha256, j->sha, 32);
	j->wmeta.entries = 1;
	listjob_run(j);
	t_ok(j->written && j->werr[0] == '\0', "a taken version is written "
	    "to the cache by its job (%s)", j->werr);
	t_ok(listcache_read(dir, "w", 1024, &body, &len, &m, err,
	    sizeof(err)) == 0 && len == 10 && memcmp(body, "192.0.2.7\n",
	    10) == 0 && strcmp(m.url, l.url) == 0,
	    "... and reads back whole (%s)", err);
	free(body);
	listcache_meta_free(&m);
	listjob_free(j);
	snprintf(path, sizeof(path), "%s/w.body", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/w.meta", dir);
	unlink(path);
	rmdir(dir);
}

static struct event_base	*base;
static pthread_t		 loop_thread;
static int			 done_on_loop, done_count;
static struct listjob		*done_job;

static void
job_back(struct listjob *j)
{
	done_on_loop = pthread_equal(pthread_self(), loop_thread);
	done_count++;
	done_job = j;
	event_base_loopbreak(base);
}

/* A job given to the thread comes back on the loop's thread; a stop
 * ends a wait for a FIFO's writer. */
static void
thread(void)
{
	struct list_conf	 l = conf_of("t", LIST_TEXT, NULL);
	struct listjob		*j;
	struct timeval		 limit = { 30, 0 };
	char			 fifo[512];
	int			 wfd = -1;

	loop_thread = pthread_self();
	if ((base = event_base_new()) == NULL)
		abort();
	t_int(listjob_start(base, job_back), 0, "the list thread starts");
	t_int(listjob_running(), 1, "... and runs");
	j = body_job(&l, "192.0.2.9\n");
	t_int(listjob_submit(j), 0, "a job is handed to it");
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	t_ok(done_count == 1 && done_job == j, "the job came back");
	t_ok(done_on_loop, "... on the event loop's thread");
	t_ok(j->on_thread && j->result == LISTJOB_PARSED &&
	    entries_count(j->e) == 1, "... parsed on the thread");
	listjob_free(j);

	snprintf(fifo, sizeof(fifo), "%s/listjob.fifo",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	unlink(fifo);
	if (mkfifo(fifo, 0600) == -1)
		abort();
	l.url = NULL;
	l.file = fifo;
	j = listjob_new(LISTJOB_FILE, &l, NULL);
	t_int(listjob_submit(j), 0, "a job for a FIFO");
	/* A writer's open succeeds once the thread opened it to read; the
	 * writer writes nothing, so the thread waits. */
	for (int i = 0; i < 3000 && (wfd = open(fifo, O_WRONLY |
	    O_NONBLOCK)) == -1; i++)
		usleep(10000);
	t_ok(wfd != -1, "... which the thread opened, and waits on");
	/* The stop frees the job (LeakSanitizer watches). */
	listjob_stop();
	close(wfd);
	t_int(listjob_running(), 0, "a stop ends the wait for its writer");
	t_int(done_count, 1, "... and the job is dropped, never told");
	j = body_job(&l, "x");
	t_int(listjob_submit(j), -1,
	    "no thread: a job is refused (the caller runs it)");
	listjob_free(j);
	unlink(fifo);
	event_base_free(base);
}

int
main(void)
{
	log_set_level(LOG_LEVEL_ERROR);
	parse_and_warn();
	same_and_diff();
	files();
	cache_write();
	thread();
	return t_done();
}
