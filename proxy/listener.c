/*
 * Accepting pauses, instead of spinning, when descriptors run out: on
 * EMFILE or ENFILE every listener is disabled for a moment and enabled
 * again by a timer, while the connections already open go on.
 */
#include <sys/socket.h>

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdlib.h>
#include <string.h>

#include "listener.h"
#include "log.h"
#include "server.h"

#define PAUSE_MS	250

static struct evconnlistener	**listeners;
static size_t			  nlisteners;
static struct event		 *resume_timer;
static int			  paused;

static void
accepted(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	(void)l;
	(void)arg;
	session_accept(fd, sa, salen);
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
	for (size_t i = 0; i < nlisteners; i++)
		evconnlistener_enable(listeners[i]);
}

static void
accept_error(struct evconnlistener *l, void *arg)
{
	struct timeval	 tv = { 0, PAUSE_MS * 1000 };
	int		 err = errno;

	(void)l;
	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		log_warn("accept: %s", strerror(err));
		return;
	}
	server.count.accept_paused++;
	if (!paused)
		log_warn("accept: %s: accepting paused for %d ms (%zu "
		    "connections open)", strerror(err), PAUSE_MS,
		    server.nsessions);
	paused = 1;
	for (size_t i = 0; i < nlisteners; i++)
		evconnlistener_disable(listeners[i]);
	evtimer_add(resume_timer, &tv);
}

int
listener_open(const struct config *c)
{
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_EXEC;

	if ((listeners = calloc(c->nlisten, sizeof(*listeners))) == NULL)
		return -1;
	if ((resume_timer = evtimer_new(server.base, resume, NULL)) == NULL)
		return -1;
	for (size_t i = 0; i < c->nlisten; i++) {
		struct sockaddr_storage	 ss;
		int			 len;

		len = addr_to_sockaddr(&c->listen[i].addr, c->listen[i].port,
		    &ss, sizeof(ss));
		listeners[i] = evconnlistener_new_bind(server.base, accepted,
		    NULL, flags | (ss.ss_family == AF_INET6 ?
		    LEV_OPT_BIND_IPV6ONLY : 0), 1024, (struct sockaddr *)&ss,
		    len);
		if (listeners[i] == NULL) {
			log_error("cannot listen on %s: %s", c->listen[i].text,
			    strerror(errno));
			return -1;
		}
		evconnlistener_set_error_cb(listeners[i], accept_error);
		nlisteners++;
		log_info("listening on %s", c->listen[i].text);
	}
	return 0;
}

void
listener_close(void)
{
	for (size_t i = 0; i < nlisteners; i++)
		evconnlistener_free(listeners[i]);
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
	if (resume_timer != NULL)
		event_free(resume_timer);
	resume_timer = NULL;
}
