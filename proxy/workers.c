/*
 * Worker processes.  Each has its own listening sockets in one
 * SO_REUSEPORT group (all bound by the leader before the fork, see
 * listener.c), so the kernel spreads new connections over them and no
 * accept is contended.
 * A follower that dies takes pinhole down (the leader stops the others
 * and exits non-zero, for the service manager to restart it): a worker
 * only dies of a bug, and half a proxy silently serving is worse.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "server.h"
#include "workers.h"

static struct counters	*shared;	/* one slot per worker */
static int		 nworkers = 1;
static pid_t		 pids[WORKERS_MAX];	/* the leader's followers */
static int		 notice_fd[WORKERS_MAX];	/* leader: write ends */
static int		 my_notice = -1;	/* a follower's read end */
static struct event	*notice_ev, *child_ev;
static void		(*on_notice)(void), (*on_gone)(void);

/* auto: one per CPU (a pcap too: each worker writes into it). */
int
workers_count(const struct config *c)
{
	long n;

	if (c->workers != 0)
		return (int)c->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (int)n;
}

/* The share of a limit each worker keeps: the limit / n, rounded up. */
uint64_t
workers_share(uint64_t limit)
{
	return (limit + (uint64_t)nworkers - 1) / (uint64_t)nworkers;
}

static void
follower_init(int w, pid_t leader)
{
	/* The leader gone, a follower goes too. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != leader)
		_exit(1);
	for (int i = 1; i < nworkers; i++)
		if (notice_fd[i] != -1 && i != w)
			close(notice_fd[i]);
	my_notice = notice_fd[w];
	log_set_worker(w);
	memset(notice_fd, 0xff, sizeof(notice_fd));
	memset(pids, 0, sizeof(pids));
	/* Only the leader talks to the service manager. */
	unsetenv("NOTIFY_SOCKET");
}

/*
 * Starts n workers (n - 1 processes besides this one): returns this
 * process's worker number, 0 in the leader, -1 when they could not be
 * started (the ones started are stopped).
 */
int
workers_start(int n)
{
	pid_t	leader = getpid();
	int	fds[2];

	nworkers = n;
	shared = mmap(NULL, sizeof(*shared) * (size_t)n, PROT_READ |
	    PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		log_error("workers: cannot share memory: %s", strerror(errno));
		shared = NULL;
		return -1;
	}
	server.count = &shared[0];
	memset(notice_fd, 0xff, sizeof(notice_fd));
	for (int w = 1; w < n; w++) {
		/* Followers read notices; the leader's writes never block. */
		if (pipe2(fds, O_CLOEXEC) == -1 ||
		    fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1) {
			log_error("workers: pipe: %s", strerror(errno));
			return -1;
		}
		notice_fd[w] = fds[0];
		switch (pids[w] = fork()) {
		case -1:
			log_error("workers: fork: %s", strerror(errno));
			return -1;
		case 0:
			close(fds[1]);
			follower_init(w, leader);
			server.count = &shared[w];
			return w;
		default:
			close(fds[0]);
			notice_fd[w] = fds[1];
		}
	}
	return 0;
}

static void
notice_read(evutil_socket_t fd, short what, void *arg)
{
	char	buf[64];
	ssize_t	r;

	(void)what;
	(void)arg;
	/* Several notices read at once are one: the cache is read once. */
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	if (r == 0) {
		/* Only the leader's end of the pipe closing makes an EOF:
		 * it is gone (the parent-death signal is off by now). */
		log_error("the leader is gone; stopping");
		event_del(notice_ev);
		on_gone();
		return;
	}
	on_notice();
}

static void
child_exited(evutil_socket_t fd, short what, void *arg)
{
	int	status, lost = 0;
	pid_t	pid;

	(void)fd;
	(void)what;
	(void)arg;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int w = 1; w < nworkers; w++) {
			if (pids[w] != pid)
				continue;
			pids[w] = 0;
			if (!server.draining) {
				log_error("worker %d (pid %ld) ended: %s %d; "
				    "stopping", w, (long)pid,
				    WIFSIGNALED(status) ? "signal" : "exit",
				    WIFSIGNALED(status) ? WTERMSIG(status) :
				    WEXITSTATUS(status));
				lost = 1;
			}
		}
	if (lost)
		on_gone();
}

/*
 * Watches what a worker hears from the others: a follower, the
 * leader's notices that the lists changed (notice) and the leader
 * ending (gone); the leader, a follower ending (gone).
 */
int
workers_watch(struct event_base *base, void (*notice)(void),
    void (*gone)(void))
{
	on_notice = notice;
	on_gone = gone;
	if (nworkers == 1)
		return 0;
	if (my_notice != -1) {
		fcntl(my_notice, F_SETFL, O_NONBLOCK);
		notice_ev = event_new(base, my_notice, EV_READ | EV_PERSIST,
		    notice_read, NULL);
		if (notice_ev == NULL || event_add(notice_ev, NULL) == -1)
			return -1;
		/*
		 * From here the pipe's end tells that the leader is gone.
		 * Its parent-death signal would come once per thread of
		 * the leader (it has the password thread), the last one
		 * while this worker is already stopping.
		 */
		prctl(PR_SET_PDEATHSIG, 0);
		return 0;
	}
	child_ev = evsignal_new(base, SIGCHLD, child_exited, NULL);
	if (child_ev == NULL || evsignal_add(child_ev, NULL) == -1)
		return -1;
	/* One that ended before anyone listened for SIGCHLD. */
	child_exited(-1, 0, NULL);
	return 0;
}

/* The leader passes a signal on to its followers. */
void
workers_signal(int sig)
{
	for (int w = 1; w < nworkers; w++)
		if (pids[w] > 0)
			kill(pids[w], sig);
}

/* The leader tells its followers to read the lists' cache again. */
void
workers_lists_changed(void)
{
	for (int w = 1; w < nworkers; w++)
		if (notice_fd[w] != -1 && write(notice_fd[w], "L", 1) == -1 &&
		    errno != EAGAIN)
			log_warn("worker %d: cannot tell it the lists changed: "
			    "%s", w, strerror(errno));
}

/*
 * Every worker's counters added up.  A follower's slot is read while it
 * writes: each field is one aligned 64-bit word, so a reading is never
 * torn, only a moment old.
 */
void
workers_sum(struct counters *out)
{
	const uint64_t	*in;
	uint64_t	*o = (uint64_t *)(void *)out;
	size_t		 nf = sizeof(*out) / sizeof(uint64_t);

	if (shared == NULL) {
		*out = *server.count;
		return;
	}
	memset(out, 0, sizeof(*out));
	for (int w = 0; w < nworkers; w++) {
		in = (const uint64_t *)(const void *)&shared[w];
		for (size_t i = 0; i < nf; i++)
			o[i] += in[i];
	}
}

/* The followers' pids (for the sandbox); their count. */
int
workers_pids(const pid_t **out)
{
	*out = pids;
	return nworkers;
}

/*
 * The leader, stopping: waits up to ms for its followers to end, then
 * kills those left.  Returns -1 when one ended badly.
 */
int
workers_reap(uint64_t ms)
{
	struct timespec	 tick = { 0, 50 * 1000 * 1000 };
	int		 status, rc = 0, left;
	uint64_t	 waited = 0;

	for (;;) {
		left = 0;
		for (int w = 1; w < nworkers; w++) {
			if (pids[w] <= 0)
				continue;
			if (waitpid(pids[w], &status, WNOHANG) == pids[w]) {
				if (!WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0)
					rc = -1;
				pids[w] = 0;
			} else
				left++;
		}
		if (left == 0 || waited >= ms)
			break;
		nanosleep(&tick, NULL);
		waited += 50;
	}
	for (int w = 1; w < nworkers; w++)
		if (pids[w] > 0) {
			log_warn("worker %d (pid %ld) did not stop: killed", w,
			    (long)pids[w]);
			kill(pids[w], SIGKILL);
			waitpid(pids[w], &status, 0);
			pids[w] = 0;
			rc = -1;
		}
	return rc;
}

/* Frees what watched the others (before the event loop goes). */
void
workers_close(void)
{
	if (child_ev != NULL)
		event_free(child_ev);
	if (notice_ev != NULL)
		event_free(notice_ev);
	child_ev = notice_ev = NULL;
	if (my_notice != -1)
		close(my_notice);
	my_notice = -1;
	for (int w = 1; w < nworkers; w++)
		if (notice_fd[w] != -1) {
			close(notice_fd[w]);
			notice_fd[w] = -1;
		}
}
