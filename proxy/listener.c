/*
 * Accepting pauses, instead of spinning, when descriptors run out: on
 * EMFILE or ENFILE (at accept, or when a session cannot get a socket
 * for its destination) every listener is disabled for a moment and
 * enabled again by a timer, while the connections already open go on.
 * New clients wait in the kernel's backlog meanwhile.  An episode is
 * logged when it starts and when accepting works again, and each pause
 * is counted.
 *
 * With several workers each has its own sockets on every address, in
 * one SO_REUSEPORT group: the kernel spreads connections over them.
 * All are bound by the first process before the others are forked
 * (root may be needed for the port), after a plain bind has shown the
 * port free: a second pinhole on the same port is refused, as with one
 * worker, instead of silently joining the group.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <event2/listener.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "server.h"

#define PAUSE_MS	LISTENER_PAUSE_MS
#define FD_RESERVE	64	/* logs, listeners, DNS, list fetches, pipes */

static int			 *bound;	/* nworkers x nlisten */
static size_t			  nbound;
static struct evconnlistener	**listeners;
static size_t			  nlisteners;
static struct event		 *resume_timer;
static int			  paused;
static int			  short_of_fds;	/* an episode goes on */
static size_t			  fd_limit = SIZE_MAX;
static time_t			  logged_at;	/* an episode's start */
static int			  logged;	/* ... and that it was logged */

static void
accepted(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	(void)l;
	(void)arg;
	/* The episode ends once a quarter of the descriptors are free. */
	if (short_of_fds &&
	    server.nsessions * 2 + FD_RESERVE < fd_limit / 4 * 3) {
		short_of_fds = 0;
		if (logged)
			log_info("accepting again (%zu connections open)",
			    server.nsessions);
		logged = 0;
	}
	session_accept(fd, sa, salen);
	/*
	 * Each connection needs a second descriptor for its destination:
	 * stop taking clients while the limit leaves no room for that,
	 * so those taken are served and the others wait in the backlog.
	 */
	if (server.nsessions * 2 + FD_RESERVE >= fd_limit)
		listener_pause(EMFILE);
}

static void
resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	paused = 0;
	if (server.draining)
		return;
	/* Sessions waiting for a descriptor go first: no new clients yet. */
	if (server.fd_waiting > 0 ||
	    server.nsessions * 2 + FD_RESERVE >= fd_limit) {
		listener_pause(EMFILE);
		return;
	}
	for (size_t i = 0; i < nlisteners; i++)
		evconnlistener_enable(listeners[i]);
}

static void
accept_error(struct evconnlistener *l, void *arg)
{
	int	 err = errno;

	(void)l;
	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		log_warn("accept: %s", strerror(err));
		return;
	}
	listener_pause(err);
}

/* Descriptors ran out (err): stop accepting for PAUSE_MS. */
void
listener_pause(int err)
{
	struct timeval tv = { 0, PAUSE_MS * 1000 };

	if (paused)
		return;
	server.count->accept_paused++;
	/* At most one episode a minute is logged; each pause is counted. */
	if (!short_of_fds && time(NULL) - logged_at >= 60) {
		logged_at = time(NULL);
		logged = 1;
		log_warn("%s: accepting paused, %d ms at a time, until "
		    "descriptors are free (%zu connections open)",
		    strerror(err), PAUSE_MS, server.nsessions);
	}
	short_of_fds = 1;
	paused = 1;
	for (size_t i = 0; i < nlisteners; i++)
		evconnlistener_disable(listeners[i]);
	evtimer_add(resume_timer, &tv);
}

/*
 * A listening socket on a; -1 with errno set.  Accepted sockets inherit
 * its TCP_NODELAY: the relay writes what it has just read, and replies
 * go in one write, so Nagle's algorithm would only delay them (a
 * setsockopt a connection saved).
 */
static int
bind_one(const struct endpoint *a, int reuseport)
{
	struct sockaddr_storage	 ss;
	int			 fd, len, on = 1, err;

	len = addr_to_sockaddr(&a->addr, a->port, &ss, sizeof(ss));
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof(on)) == -1) || (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, (socklen_t)len) == -1 ||
	    listen(fd, 1024) == -1) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Binds every [proxy] listen address for each of n workers; -1 on error. */
int
listener_bind(const struct config *c, int n)
{
	int fd;

	if ((bound = calloc((size_t)n * c->nlisten, sizeof(*bound))) == NULL)
		return -1;
	for (size_t i = 0; i < c->nlisten; i++) {
		/* The plain bind that a running pinhole's group refuses. */
		if (n > 1) {
			if ((fd = bind_one(&c->listen[i], 0)) == -1)
				goto fail;
			close(fd);
		}
		for (int w = 0; w < n; w++) {
			if ((fd = bind_one(&c->listen[i], n > 1)) == -1)
				goto fail;
			bound[nbound++] = fd;
		}
		log_info("listening on %s", c->listen[i].text);
		continue;
fail:
		log_error("cannot listen on %s: %s", c->listen[i].text,
		    strerror(errno));
		listener_close();
		return -1;
	}
	return 0;
}

/* Worker w takes its sockets (and closes the others'). */
int
listener_open(const struct config *c, int w, int n)
{
	unsigned	 flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		fd_limit = (size_t)rl.rlim_cur;
	if ((listeners = calloc(c->nlisten, sizeof(*listeners))) == NULL)
		return -1;
	if ((resume_timer = evtimer_new(server.base, resume, NULL)) == NULL)
		return -1;
	for (size_t k = 0; k < nbound; k++)
		if ((int)(k % (size_t)n) != w) {
			close(bound[k]);
			bound[k] = -1;
		}
	for (size_t i = 0; i < c->nlisten; i++) {
		size_t k = i * (size_t)n + (size_t)w;

		/* Backlog 0: it listens already, with a backlog of 1024. */
		listeners[i] = evconnlistener_new(server.base, accepted, NULL,
		    flags, 0, bound[k]);
		if (listeners[i] == NULL) {
			log_error("cannot listen on %s: %s", c->listen[i].text,
			    strerror(errno));
			return -1;
		}
		bound[k] = -1;		/* the listener's now */
		evconnlistener_set_error_cb(listeners[i], accept_error);
		nlisteners++;
	}
	return 0;
}

void
listener_close(void)
{
	for (size_t k = 0; k < nbound; k++)
		if (bound[k] != -1)
			close(bound[k]);
	free(bound);
	bound = NULL;
	nbound = 0;
	for (size_t i = 0; i < nlisteners; i++)
		evconnlistener_free(listeners[i]);
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
	if (resume_timer != NULL)
		event_free(resume_timer);
	resume_timer = NULL;
}
