/*
 * New versions of lists read and parsed off the event loop.  A changed
 * list of a million entries takes about half a second to parse and
 * build; on the event loop that would hold every tunnel of the worker
 * for as long.  So each worker process has one thread that reads (a
 * file = list, or the cached version a follower worker takes), hashes,
 * parses and builds the new version, and compares it with the one in
 * force for the log, in the order the jobs came; a pipe tells the event
 * loop that some are done, and the loop checks each one (lists.c) and
 * swaps one pointer, as before.
 *
 * The thread is started, as the password thread is (hashcheck.c), once
 * the filesystem is confined and before the system-call filter is
 * loaded (server.c), so it is under both.  It never logs: what it would
 * warn goes into the job, for the loop to log.  It touches only the job
 * it took, whose config is a copy of its own (a reload may free the
 * config meanwhile), and the version in force it compares with, which
 * it only reads and of which the loop holds a reference until it takes
 * the job back.  Until the thread runs (start-up, and programs that
 * only parse), a job runs at once on the caller's thread.
 */
#include <sys/epoll.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listjob.h"
#include "log.h"
#include "name.h"

#define READ_FIRST	65536

TAILQ_HEAD(job_list, listjob);

static struct {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 more;		/* to_run has some, or quit */
	pthread_cond_t		 started;	/* ready is set */
	int			 ready;		/* under lock */
	struct job_list		 to_run;	/* under lock */
	struct job_list		 finished;	/* under lock */
	int			 quit;		/* under lock */
	int			 running;
	int			 pipe[2];	/* the thread writes, the loop reads */
	int			 quit_pipe[2];	/* the loop writes at stop */
	int			 epfd;		/* the thread waits on a FIFO */
	struct event		*ev;
	listjob_done_fn		 done;
} lt = { .pipe = { -1, -1 }, .quit_pipe = { -1, -1 }, .epfd = -1 };

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* What listload_parse and the reads need of l, copied. */
static int
conf_copy(struct list_conf *to, const struct list_conf *l)
{
	*to = *l;
	to->ca_file = NULL;
	to->name = dup_or_null(l->name);
	to->url = dup_or_null(l->url);
	to->file = dup_or_null(l->file);
	to->json_path = dup_or_null(l->json_path);
	to->within = NULL;
	if (l->nwithin > 0 && (to->within = calloc(l->nwithin,
	    sizeof(*l->within))) != NULL)
		memcpy(to->within, l->within, l->nwithin * sizeof(*l->within));
	if (to->name == NULL || (l->url != NULL && to->url == NULL) ||
	    (l->file != NULL && to->file == NULL) ||
	    (l->json_path != NULL && to->json_path == NULL) ||
	    (l->nwithin > 0 && to->within == NULL))
		return -1;
	return 0;
}

/*
 * A job for list l, from a fetched body, its file or the cache (in
 * cache_dir); NULL when out of memory.  The caller sets the rest.
 */
struct listjob *
listjob_new(enum listjob_from from, const struct list_conf *l,
    const char *cache_dir)
{
	struct listjob *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->from = from;
	if (conf_copy(&j->conf, l) == -1 || (cache_dir != NULL &&
	    (j->cache_dir = strdup(cache_dir)) == NULL)) {
		listjob_free(j);
		return NULL;
	}
	return j;
}

void
listjob_free(struct listjob *j)
{
	if (j == NULL)
		return;
	free(j->conf.name);
	free(j->conf.url);
	free(j->conf.file);
	free(j->conf.json_path);
	free(j->conf.within);
	free(j->cache_dir);
	free(j->body);
	free(j->etag);
	free(j->last_modified);
	entries_unref(j->base);
	entries_unref(j->e);
	listcache_meta_free(&j->meta);
	listcache_meta_free(&j->wmeta);
	free(j);
}

/*
 * Waits until fd (a FIFO) can be read or the thread is to stop (-1).
 * A FIFO is read as its writer writes: whatever feeds it, the thread
 * waits for it, and a stop does not wait for the writer.
 */
static int
wait_readable(int fd, int *added)
{
	struct epoll_event ev[2];
	int n;

	if (!*added) {
		memset(ev, 0, sizeof(ev[0]));
		ev[0].events = EPOLLIN;
		ev[0].data.fd = fd;
		if (epoll_ctl(lt.epfd, EPOLL_CTL_ADD, fd, &ev[0]) == -1)
			return -1;
		*added = 1;
	}
	while ((n = epoll_wait(lt.epfd, ev, 2, -1)) == -1 && errno == EINTR)
		;
	for (int i = 0; i < n; i++)
		if (ev[i].data.fd == lt.quit_pipe[0])
			return -1;
	return n > 0 ? 0 : -1;
}

/* Grows j's body to hold more, up to max_bytes and one byte over. */
static int
grow(struct listjob *j, size_t *cap)
{
	size_t	 limit = (size_t)j->conf.max_bytes + 1;
	size_t	 want = *cap < READ_FIRST ? READ_FIRST : *cap * 2;
	char	*p;

	if (want > limit)
		want = limit;
	if ((p = realloc(j->body, want + 1)) == NULL)
		return -1;
	j->body = p;
	*cap = want;
	return 0;
}

/* A file = list, at most max_bytes of it, into j's body. */
static int
read_file(struct listjob *j)
{
	const char	*path = j->conf.file;
	struct stat	 sb;
	size_t		 cap = 0;
	ssize_t		 n = 0;
	int		 fd, fifo, added = 0, wait;
	const char	*why = NULL;

	/* A FIFO waits for a writer in open(2), unless O_NONBLOCK. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
	    fstat(fd, &sb) == -1) {
		snprintf(j->err, sizeof(j->err), "%s: cannot read it: %s",
		    path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	fifo = S_ISFIFO(sb.st_mode) && lt.epfd != -1;
	if (!fifo)
		(void)fcntl(fd, F_SETFL, 0);
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size < j->conf.max_bytes)
		cap = (size_t)sb.st_size;
	/* With no writer yet, a FIFO reads as empty: wait for one first. */
	wait = fifo;
	j->len = 0;
	for (;;) {
		if ((j->body == NULL || j->len == cap) && j->len <=
		    j->conf.max_bytes && grow(j, &cap) == -1) {
			why = "out of memory";
			break;
		}
		if (j->len > j->conf.max_bytes) {
			why = "larger than max_bytes";
			break;
		}
		if (wait && wait_readable(fd, &added) == -1) {
			why = "stopped while it waited for its writer";
			break;
		}
		n = read(fd, j->body + j->len, cap - j->len);
		wait = 0;
		if (n > 0)
			j->len += (size_t)n;
		else if (n == 0)
			break;
		else if (errno == EAGAIN && fifo)
			wait = 1;
		else if (errno != EINTR) {
			why = "read error";
			break;
		}
	}
	if (added)
		epoll_ctl(lt.epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	if (why != NULL) {
		snprintf(j->err, sizeof(j->err), "%s: %s", path, why);
		return -1;
	}
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads j's source; the cached body's SHA-256 is checked as read. */
static int
read_source(struct listjob *j)
{
	const char *source = j->conf.url ? j->conf.url : j->conf.file;

	switch (j->from) {
	case LISTJOB_FILE:
		if (read_file(j) == -1)
			return -1;
		break;
	case LISTJOB_CACHE:
		if (listcache_read(j->cache_dir, j->conf.name,
		    j->conf.max_bytes, &j->body, &j->len, &j->meta, j->err,
		    sizeof(j->err)) == -1)
			return -1;
		if (strcmp(j->meta.url, source) != 0) {
			snprintf(j->err, sizeof(j->err), "the cache is of "
			    "%.200s, not %.200s", j->meta.url, source);
			j->result = LISTJOB_OTHER_SOURCE;
			return -1;
		}
		memcpy(j->sha, j->meta.sha256, 32);
		return 0;
	case LISTJOB_BODY:
		break;
	}
	listcache_sha256(j->body != NULL ? j->body : "", j->len, j->sha);
	return 0;
}

/*
 * Does j: reads its source, and unless it holds the bytes of base (read
 * the same way: the loop checks that), parses it and compares it with
 * base; or, once taken (write_cache), writes it to the cache.  Logs
 * nothing.
 */
void
listjob_run(struct listjob *j)
{
	uint64_t	 start = now_ms();
	int		 line;

	if (j->write_cache) {
		if (listcache_write(j->cache_dir, j->conf.name, j->body != NULL ?
		    j->body : "", j->len, &j->wmeta, j->werr,
		    sizeof(j->werr)) == 0)
			j->werr[0] = '\0';
		j->written = 1;
		return;
	}
	j->result = LISTJOB_UNREAD;
	if (read_source(j) == -1)
		;
	else if (j->base_known && memcmp(j->sha, j->base_sha, 32) == 0)
		j->result = LISTJOB_SAME;
	else if ((j->e = listload_parse(&j->conf, j->body != NULL ? j->body :
	    "", j->len, j->err, sizeof(j->err), &line, j->warn,
	    sizeof(j->warn))) == NULL)
		j->result = LISTJOB_REFUSED;
	else {
		j->result = LISTJOB_PARSED;
		if (j->want_diff && listdiff(j->base, j->e, &j->diff) == 0)
			j->diffed = 1;
	}
	/* The cache keeps the bytes of the version taken; no one else. */
	if (j->from == LISTJOB_CACHE || (j->result != LISTJOB_PARSED &&
	    j->result != LISTJOB_SAME)) {
		free(j->body);
		j->body = NULL;
	}
	j->ms = now_ms() - start;
}

static void *
thread_main(void *unused)
{
	struct listjob	*j;
	char		 one = 1;
	ssize_t		 woke;

	(void)unused;
	pthread_mutex_lock(&lt.lock);
	lt.ready = 1;
	pthread_cond_signal(&lt.started);
	for (;;) {
		while (!lt.quit && TAILQ_EMPTY(&lt.to_run))
			pthread_cond_wait(&lt.more, &lt.lock);
		if (lt.quit)
			break;
		j = TAILQ_FIRST(&lt.to_run);
		TAILQ_REMOVE(&lt.to_run, j, entry);
		pthread_mutex_unlock(&lt.lock);
		listjob_run(j);
		pthread_mutex_lock(&lt.lock);
		TAILQ_INSERT_TAIL(&lt.finished, j, entry);
		/* A full pipe (EAGAIN) has a wake-up waiting already. */
		woke = write(lt.pipe[1], &one, 1);
		(void)woke;
	}
	pthread_mutex_unlock(&lt.lock);
	return NULL;
}

/* On the event loop: the jobs done so far, each handed back in turn. */
static void
pipe_readable(evutil_socket_t fd, short what, void *arg)
{
	struct job_list	 done;
	struct listjob	*j;
	char		 buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	TAILQ_INIT(&done);
	pthread_mutex_lock(&lt.lock);
	TAILQ_CONCAT(&done, &lt.finished, entry);
	pthread_mutex_unlock(&lt.lock);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, entry);
		lt.done(j);
	}
}

static void
close_fds(void)
{
	for (int i = 0; i < 2; i++) {
		if (lt.pipe[i] != -1)
			close(lt.pipe[i]);
		if (lt.quit_pipe[i] != -1)
			close(lt.quit_pipe[i]);
		lt.pipe[i] = lt.quit_pipe[i] = -1;
	}
	if (lt.epfd != -1)
		close(lt.epfd);
	lt.epfd = -1;
}

/*
 * Starts the thread of this process; done(job) is called on the event
 * loop for each job it finished, and owns the job.  -1: it cannot be.
 */
int
listjob_start(struct event_base *base, listjob_done_fn done)
{
	struct epoll_event	 ev;
	sigset_t		 all, old;
	int			 rc;

	TAILQ_INIT(&lt.to_run);
	TAILQ_INIT(&lt.finished);
	lt.quit = 0;
	lt.done = done;
	memset(&ev, 0, sizeof(ev));
	if (pipe2(lt.pipe, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    pipe2(lt.quit_pipe, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (lt.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_error("list thread: %s", strerror(errno));
		close_fds();
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = lt.quit_pipe[0];
	if (epoll_ctl(lt.epfd, EPOLL_CTL_ADD, lt.quit_pipe[0], &ev) == -1) {
		log_error("list thread: epoll: %s", strerror(errno));
		close_fds();
		return -1;
	}
	lt.ev = event_new(base, lt.pipe[0], EV_READ | EV_PERSIST,
	    pipe_readable, NULL);
	if (lt.ev == NULL || event_add(lt.ev, NULL) == -1) {
		log_error("list thread: out of memory");
		listjob_stop();
		return -1;
	}
	/* What the parse shares with the loop, loaded before the sandbox. */
	name_init();
	/* One heap for all threads: see hashcheck.c. */
	mallopt(M_ARENA_MAX, 1);
	pthread_mutex_init(&lt.lock, NULL);
	pthread_cond_init(&lt.more, NULL);
	pthread_cond_init(&lt.started, NULL);
	lt.ready = 0;
	/* The signals are the event loop's: the thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&lt.thread, NULL, thread_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_error("list thread: cannot start it: %s", strerror(rc));
		pthread_cond_destroy(&lt.started);
		pthread_cond_destroy(&lt.more);
		pthread_mutex_destroy(&lt.lock);
		listjob_stop();
		return -1;
	}
	lt.running = 1;
	/*
	 * Its start-up (the C library registers the thread with the
	 * kernel, rseq(2)) before the system-call filter, which forbids it.
	 */
	pthread_mutex_lock(&lt.lock);
	while (!lt.ready)
		pthread_cond_wait(&lt.started, &lt.lock);
	pthread_mutex_unlock(&lt.lock);
	return 0;
}

int
listjob_running(void)
{
	return lt.running;
}

/* Queues j for the thread; -1 when there is none (run it at once). */
int
listjob_submit(struct listjob *j)
{
	if (!lt.running)
		return -1;
	j->on_thread = 1;
	pthread_mutex_lock(&lt.lock);
	TAILQ_INSERT_TAIL(&lt.to_run, j, entry);
	pthread_cond_signal(&lt.more);
	pthread_mutex_unlock(&lt.lock);
	return 0;
}

/*
 * Stops the thread after the job it runs (a wait for a FIFO's writer
 * ends at once); the jobs not yet handed back are freed, never told,
 * but a version taken is written to the cache first, here, so that the
 * next start begins from it.
 */
void
listjob_stop(void)
{
	struct listjob	*j;
	char		 one = 1;

	if (lt.running) {
		pthread_mutex_lock(&lt.lock);
		lt.quit = 1;
		pthread_cond_signal(&lt.more);
		pthread_mutex_unlock(&lt.lock);
		if (write(lt.quit_pipe[1], &one, 1) == -1)
			log_warn("list thread: cannot tell it to stop: %s",
			    strerror(errno));
		pthread_join(lt.thread, NULL);
		while ((j = TAILQ_FIRST(&lt.to_run)) != NULL) {
			TAILQ_REMOVE(&lt.to_run, j, entry);
			if (j->write_cache) {
				listjob_run(j);
				if (j->werr[0] != '\0')
					log_warn("list %s: cannot write the "
					    "cache: %s", j->conf.name, j->werr);
			}
			listjob_free(j);
		}
		while ((j = TAILQ_FIRST(&lt.finished)) != NULL) {
			TAILQ_REMOVE(&lt.finished, j, entry);
			listjob_free(j);
		}
		pthread_cond_destroy(&lt.started);
		pthread_cond_destroy(&lt.more);
		pthread_mutex_destroy(&lt.lock);
		lt.running = 0;
	}
	if (lt.ev != NULL)
		event_free(lt.ev);
	lt.ev = NULL;
	close_fds();
}
