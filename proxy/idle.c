/*
 * The idle_timeout of relaying sessions, with one timer for them all
 * instead of an event per session.  The sessions stand in a queue in
 * the order they were last active: a byte relayed moves its session to
 * the back, so the front is always the next to time out, and the one
 * timer is armed for the front.  A moving session costs two pointer
 * moves; a tunnel at rest keeps two pointers here instead of a timer
 * (the 144 bytes of an event it would only need once, at the end).
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <event2/event.h>
#include <stdint.h>

#include "idle.h"
#include "log.h"
#include "server.h"
#include "session.h"

static struct session_idle	 queue = TAILQ_HEAD_INITIALIZER(queue);
static struct event		*timer;

static uint64_t
idle_ms(const struct session *s, const struct timeval *now)
{
	struct timeval idle;

	if (timercmp(now, &s->last_active, <))
		return 0;
	timersub(now, &s->last_active, &idle);
	return (uint64_t)idle.tv_sec * 1000 + (uint64_t)idle.tv_usec / 1000;
}

/* Arms the timer for the front of the queue, if any. */
static void
idle_arm(void)
{
	struct session	*s = TAILQ_FIRST(&queue);
	struct timeval	 now, tv;
	uint64_t	 ms = server.conf->idle_timeout_ms, used;

	if (s == NULL)
		return;
	event_base_gettimeofday_cached(server.base, &now);
	used = idle_ms(s, &now);
	ms = used < ms ? ms - used : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(timer, &tv);
}

/* Closes every session idle for idle_timeout, then waits for the next. */
static void
idle_fired(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s;
	struct timeval	 now;

	(void)fd;
	(void)what;
	(void)arg;
	event_base_gettimeofday_cached(server.base, &now);
	while ((s = TAILQ_FIRST(&queue)) != NULL &&
	    idle_ms(s, &now) >= server.conf->idle_timeout_ms)
		session_close(s, EV_FLOW, REASON_IDLE_TIMEOUT);	/* leaves */
	idle_arm();
}

/* The session starts relaying: its idle time counts from now. */
void
idle_add(struct session *s)
{
	if (timer == NULL &&
	    (timer = evtimer_new(server.base, idle_fired, NULL)) == NULL)
		fatalx("out of memory");
	idle_remove(s);
	event_base_gettimeofday_cached(server.base, &s->last_active);
	TAILQ_INSERT_TAIL(&queue, s, idle_entry);
	if (!evtimer_pending(timer, NULL))
		idle_arm();
}

/* Bytes moved: the session goes to the back of the queue. */
void
idle_touch(struct session *s)
{
	event_base_gettimeofday_cached(server.base, &s->last_active);
	if (s->idle_entry.tqe_prev == NULL ||
	    TAILQ_NEXT(s, idle_entry) == NULL)
		return;		/* not relaying, or at the back already */
	TAILQ_REMOVE(&queue, s, idle_entry);
	TAILQ_INSERT_TAIL(&queue, s, idle_entry);
}

/* The session stops relaying (or ends); the timer may fire for nobody. */
void
idle_remove(struct session *s)
{
	if (s->idle_entry.tqe_prev == NULL)
		return;
	TAILQ_REMOVE(&queue, s, idle_entry);
	s->idle_entry.tqe_prev = NULL;
}

void
idle_free(void)
{
	if (timer != NULL)
		event_free(timer);
	timer = NULL;
}
