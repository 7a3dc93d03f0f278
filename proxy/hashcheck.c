/*
 * crypt(3) off the event loop.  A modern password hash costs
 * milliseconds to a second by design (bcrypt at cost 12 takes about
 * 0.2 s on a small server); on the event loop each check would stall
 * every tunnel of the worker for that long.  So each worker process
 * has one thread that runs the checks in the order they came, and a
 * pipe through which the event loop hears that some are done.
 *
 * The thread is started once the filesystem is confined and before the
 * system-call filter is loaded (server.c), so it is under both: Landlock
 * binds the threads a process starts after it, and seccomp is loaded
 * for every thread at once.  The thread only runs crypt(3): it never
 * logs, and it touches only the check it took, whose pass, hash and
 * match are its own until it hands the check back.
 */
#include <sys/queue.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashcheck.h"
#include "log.h"

struct check {
	TAILQ_ENTRY(check)	 entry;
	char			*pass;
	size_t			 plen;
	char			*hash;
	int			 match;
	hashcheck_done_fn	 done;
	void			*arg;
};

TAILQ_HEAD(check_list, check);

static struct {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 more;		/* to_run has some, or quit */
	pthread_cond_t		 started;	/* ready is set */
	struct check_list	 to_run;	/* under lock */
	struct check_list	 finished;	/* under lock */
	int			 quit;		/* under lock */
	int			 ready;		/* under lock: 1, or -1 */
	int			 running;
	int			 pipe[2];	/* the thread writes, the loop reads */
	struct event		*ev;
} hc = { .pipe = { -1, -1 } };

/* crypt(3) against hash; a failing crypt never matches. */
int
hashcheck_matches(const char *pass, const char *hash, struct crypt_data *cd)
{
	const char	*out = crypt_r(pass, hash, cd);
	size_t		 len = strlen(hash);

	return out != NULL && out[0] != '*' && strlen(out) == len &&
	    CRYPTO_memcmp(out, hash, len) == 0;
}

static void
check_free(struct check *c)
{
	OPENSSL_cleanse(c->pass, c->plen);
	free(c->pass);
	free(c->hash);
	free(c);
}

static void *
thread_main(void *unused)
{
	struct crypt_data	*cd;
	struct check		*c;
	char			 one = 1;
	ssize_t			 woke;

	(void)unused;
	/* crypt_r's state is 32 KiB: too much for a thread's stack. */
	cd = calloc(1, sizeof(*cd));
	pthread_mutex_lock(&hc.lock);
	hc.ready = cd != NULL ? 1 : -1;
	pthread_cond_signal(&hc.started);
	for (;;) {
		while (!hc.quit && TAILQ_EMPTY(&hc.to_run))
			pthread_cond_wait(&hc.more, &hc.lock);
		if (hc.quit || cd == NULL)
			break;
		c = TAILQ_FIRST(&hc.to_run);
		TAILQ_REMOVE(&hc.to_run, c, entry);
		pthread_mutex_unlock(&hc.lock);
		c->match = hashcheck_matches(c->pass, c->hash, cd);
		OPENSSL_cleanse(cd, sizeof(*cd));
		pthread_mutex_lock(&hc.lock);
		TAILQ_INSERT_TAIL(&hc.finished, c, entry);
		/* A full pipe (EAGAIN) has a wake-up waiting already. */
		woke = write(hc.pipe[1], &one, 1);
		(void)woke;
	}
	pthread_mutex_unlock(&hc.lock);
	free(cd);
	return NULL;
}

/* On the event loop: the checks done so far, each told in turn. */
static void
pipe_readable(evutil_socket_t fd, short what, void *arg)
{
	struct check_list	 done;
	struct check		*c;
	char			 buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	TAILQ_INIT(&done);
	pthread_mutex_lock(&hc.lock);
	TAILQ_CONCAT(&done, &hc.finished, entry);
	pthread_mutex_unlock(&hc.lock);
	while ((c = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, c, entry);
		c->done(c->arg, c->match);
		check_free(c);
	}
}

/* Starts the thread of this process; -1 when it cannot be. */
int
hashcheck_start(struct event_base *base)
{
	int rc;

	TAILQ_INIT(&hc.to_run);
	TAILQ_INIT(&hc.finished);
	hc.quit = 0;
	if (pipe2(hc.pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_error("password checks: pipe: %s", strerror(errno));
		return -1;
	}
	hc.ev = event_new(base, hc.pipe[0], EV_READ | EV_PERSIST,
	    pipe_readable, NULL);
	if (hc.ev == NULL || event_add(hc.ev, NULL) == -1) {
		log_error("password checks: out of memory");
		hashcheck_stop();
		return -1;
	}
	/*
	 * One heap for both threads: a heap of the thread's own would grow
	 * with mprotect(2), which the sandbox does not allow.
	 */
	mallopt(M_ARENA_MAX, 1);
	pthread_mutex_init(&hc.lock, NULL);
	pthread_cond_init(&hc.more, NULL);
	pthread_cond_init(&hc.started, NULL);
	hc.ready = 0;
	if ((rc = pthread_create(&hc.thread, NULL, thread_main, NULL)) != 0) {
		log_error("password checks: cannot start a thread: %s",
		    strerror(rc));
		pthread_cond_destroy(&hc.started);
		pthread_cond_destroy(&hc.more);
		pthread_mutex_destroy(&hc.lock);
		hashcheck_stop();
		return -1;
	}
	hc.running = 1;
	/* Its start-up (and its first allocation) before the sandbox. */
	pthread_mutex_lock(&hc.lock);
	while (hc.ready == 0)
		pthread_cond_wait(&hc.started, &hc.lock);
	pthread_mutex_unlock(&hc.lock);
	if (hc.ready == -1) {
		log_error("password checks: out of memory");
		hashcheck_stop();
		return -1;
	}
	return 0;
}

int
hashcheck_running(void)
{
	return hc.running;
}

/*
 * Queues crypt(pass, hash) == hash; done(arg, match) is called on the
 * event loop once it ran.  pass (plen bytes, NUL-terminated) and hash
 * are copied.  -1: out of memory, or no thread.
 */
int
hashcheck_submit(const char *pass, const char *hash, hashcheck_done_fn done,
    void *arg)
{
	struct check	*c;
	size_t		 plen = strlen(pass) + 1;

	if (!hc.running || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->plen = plen;
	if ((c->pass = malloc(plen)) == NULL ||
	    (c->hash = strdup(hash)) == NULL) {
		free(c->pass);
		free(c);
		return -1;
	}
	memcpy(c->pass, pass, plen);
	c->done = done;
	c->arg = arg;
	pthread_mutex_lock(&hc.lock);
	TAILQ_INSERT_TAIL(&hc.to_run, c, entry);
	pthread_cond_signal(&hc.more);
	pthread_mutex_unlock(&hc.lock);
	return 0;
}

/*
 * Stops the thread after the check it runs; the checks not yet told
 * are dropped, their done never called.
 */
void
hashcheck_stop(void)
{
	struct check *c;

	if (hc.running) {
		pthread_mutex_lock(&hc.lock);
		hc.quit = 1;
		pthread_cond_signal(&hc.more);
		pthread_mutex_unlock(&hc.lock);
		pthread_join(hc.thread, NULL);
		while ((c = TAILQ_FIRST(&hc.to_run)) != NULL) {
			TAILQ_REMOVE(&hc.to_run, c, entry);
			check_free(c);
		}
		while ((c = TAILQ_FIRST(&hc.finished)) != NULL) {
			TAILQ_REMOVE(&hc.finished, c, entry);
			check_free(c);
		}
		pthread_cond_destroy(&hc.started);
		pthread_cond_destroy(&hc.more);
		pthread_mutex_destroy(&hc.lock);
		hc.running = 0;
	}
	if (hc.ev != NULL)
		event_free(hc.ev);
	hc.ev = NULL;
	for (int i = 0; i < 2; i++) {
		if (hc.pipe[i] != -1)
			close(hc.pipe[i]);
		hc.pipe[i] = -1;
	}
}
