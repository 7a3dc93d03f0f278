/*
 * The vendor lists at run time.  Each list starts from its cached last
 * good version (or its file), so pinhole serves at once; url lists are
 * then fetched every refresh (with 10% jitter either way), failures
 * retried with a backoff from one minute doubling up to refresh.  A new
 * version is checked whole (listload_body, the sha256 pin, max_shrink)
 * before it replaces the old one; a refused or failed version keeps the
 * old one, is logged with its reason and counted.  Every accepted
 * version is cached and announced through the changed callback, which
 * builds and publishes a new allowlist.
 *
 * A follower worker fetches nothing: its url lists come from the cache,
 * read again when the leader says a new version is there (lists_sync).
 *
 * A new version (fetched, a file read again, the cache a follower
 * reads) is read and parsed off the event loop, by the list thread
 * (listjob.c); the loop takes the job back (job_done), checks it against
 * the list as it is then and swaps it in.  At start-up, before the
 * thread runs, and for a list a reload adds, the cache is read at once.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "listcache.h"
#include "listdiff.h"
#include "listjob.h"
#include "listload.h"
#include "lists.h"
#include "tlsctx.h"
#include "log.h"

#define BACKOFF_START_MS	60000ULL

/* What else than the bytes decides what a list's entries are. */
struct read_as {
	uint64_t		 max_entries, min_prefix_v4, min_prefix_v6;
	uint64_t		 within;	/* a hash of the ranges */
	int			 allow_empty;
};

struct list_state {
	const struct list_conf	*conf;
	struct entries		*entries;	/* the last good version */
	struct read_as		 read_as;	/* its settings */
	int			 has_version;
	char			*etag, *last_modified;
	time_t			 fetched_at;
	uint8_t			 sha256[32];	/* of the version in force */
	struct fetch		*fetch;
	struct event		*timer;
	uint64_t		 backoff_ms;
	struct listjob		*job;		/* being read or parsed */
	int			 again;		/* refresh once it is back */
	struct list_stats	 stats;
};

static struct event_base	*lists_base;
static struct resolver		*lists_resolver;
static const struct config	*lists_conf;
static struct list_state	*states;
static size_t			 nstates;
static struct entries		**current;
static void			(*lists_changed)(void);
static void			(*lists_cached)(void);
static int			 lists_following;

static void	schedule(struct list_state *, uint64_t);
static int	load_cache(struct list_state *);
static void	refresh(struct list_state *);

static const char *
source(const struct list_conf *l)
{
	return l->url != NULL ? l->url : l->file;
}

static uint64_t
jittered(uint64_t ms)
{
	/* refresh +-10%, so many proxies do not fetch in step */
	uint64_t span = ms / 5;

	if (span == 0)
		return ms;
	return ms - ms / 10 + (uint64_t)random() % (span + 1);
}

static void
note_failure(struct list_state *st, const char *why, int refused)
{
	snprintf(st->stats.last_error, sizeof(st->stats.last_error), "%s", why);
	if (refused)
		st->stats.refusals++;
	else
		st->stats.failures++;
	log_warn("list %s: %s %s; keeping the last good version (%zu "
	    "entries)", st->conf->name, refused ? "new version refused:" :
	    "fetch failed:", why, st->entries ? entries_count(st->entries) : 0);
}

/*
 * max_shrink: a version of a url list may lose at most that share of
 * the entries of the last good one; exactly that share is still
 * accepted.
 */
static int
shrinks_too_much(const struct list_state *st, size_t n, char *err,
    size_t errlen)
{
	size_t old = st->entries ? entries_count(st->entries) : 0;

	/* A file = list is the admin's own: an edit that cuts it counts. */
	if (st->conf->file != NULL)
		return 0;
	if (!st->has_version || old == 0 || n >= old)
		return 0;
	if ((old - n) * 100 <= old * st->conf->max_shrink)
		return 0;
	snprintf(err, errlen, "it has %zu entries where the last good version "
	    "has %zu, a loss over max_shrink %llu%%", n, old,
	    (unsigned long long)st->conf->max_shrink);
	return 1;
}

/* FNV-1a over the within ranges as text: equal ranges, equal hashes. */
static uint64_t
within_hash(const struct list_conf *l)
{
	uint64_t	 h = 14695981039346656037ULL;
	char		 buf[CIDR_STRLEN];

	for (size_t i = 0; i < l->nwithin; i++) {
		cidr_format(&l->within[i], buf, sizeof(buf));
		for (const char *p = buf; ; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
			if (*p == '\0')
				break;
		}
	}
	return h;
}

static struct read_as
read_as_of(const struct list_conf *l)
{
	struct read_as r;

	r.max_entries = l->max_entries;
	r.within = within_hash(l);
	r.min_prefix_v4 = l->min_prefix_v4;
	r.min_prefix_v6 = l->min_prefix_v6;
	r.allow_empty = l->allow_empty;
	return r;
}

static int
same_read_as(const struct read_as *a, const struct read_as *b)
{
	return a->max_entries == b->max_entries &&
	    a->min_prefix_v4 == b->min_prefix_v4 &&
	    a->min_prefix_v6 == b->min_prefix_v6 &&
	    a->within == b->within && a->allow_empty == b->allow_empty;
}

/*
 * Logs what version e (NULL: none) added to and removed from the one in
 * force, and keeps it for /lists/NAME, so that a security team sees what
 * a vendor's page brought in.  The leader alone: a follower reads the
 * same versions and would log each change once more.
 */
static void
note_change(struct list_state *st, const struct entries *e,
    const struct listdiff *done)
{
	struct listdiff	 d;

	if (lists_following || e == st->entries)
		return;
	if (done != NULL)
		d = *done;
	else if (listdiff(st->entries, e, &d) == -1) {
		log_warn("list %s: new version: cannot tell what changed "
		    "(out of memory)", st->conf->name);
		return;
	}
	if (d.added == 0 && d.removed == 0)
		return;
	log_info("list %s: new version: %s", st->conf->name, d.text);
	st->stats.last_change = time(NULL);
	snprintf(st->stats.change, sizeof(st->stats.change), "%s", d.text);
}

/*
 * Asks that j's body be written to the cache, with what is known of it
 * now, by the list thread once job_done is through with j (the writes
 * and their fsyncs take a large list's parse time again).
 */
static void
cache_later(struct list_state *st, struct listjob *j)
{
	struct listcache_meta *m = &j->wmeta;

	memset(m, 0, sizeof(*m));
	m->url = strdup(source(st->conf));
	m->etag = st->etag ? strdup(st->etag) : NULL;
	m->last_modified = st->last_modified ? strdup(st->last_modified) :
	    NULL;
	m->fetched_at = st->fetched_at;
	memcpy(m->sha256, st->sha256, 32);
	m->entries = entries_count(st->entries);
	free(j->cache_dir);
	j->cache_dir = strdup(lists_conf->cache_dir);
	if (m->url == NULL || j->cache_dir == NULL ||
	    (st->etag && m->etag == NULL) ||
	    (st->last_modified && m->last_modified == NULL)) {
		st->stats.cache_errors++;
		log_warn("list %s: cannot write the cache: out of memory",
		    st->conf->name);
		return;
	}
	j->write_cache = 1;
}

/*
 * The version j read, checked against the list as it is now (the pin,
 * max_shrink); on success it replaces the version in use.
 */
static int
accept_job(struct list_state *st, struct listjob *j, char *err,
    size_t errlen)
{
	const struct list_conf	*l = st->conf;
	struct entries		*e;

	if (listload_pinned(l, j->sha, err, errlen) == -1)
		return -1;
	if (j->result == LISTJOB_SAME) {
		/* The bytes in force, and so its entries, unless a reload
		 * took them away meanwhile. */
		if (st->entries == NULL || st->entries != j->base ||
		    memcmp(st->sha256, j->sha, 32) != 0) {
			snprintf(err, errlen, "the version in force changed "
			    "while it was read");
			st->again = 1;
			return -1;
		}
		entries_ref(e = st->entries);
	} else {
		e = j->e;
		j->e = NULL;
	}
	if (shrinks_too_much(st, entries_count(e), err, errlen)) {
		entries_unref(e);
		return -1;
	}
	log_info("list %s: %zu entries from %s (was %zu)", l->name,
	    entries_count(e), source(l), st->entries ?
	    entries_count(st->entries) : 0);
	/* The thread's comparison holds when it was with this version. */
	note_change(st, e, j->diffed && j->base == st->entries ? &j->diff :
	    NULL);
	entries_unref(st->entries);
	st->entries = e;
	st->read_as = read_as_of(l);
	st->has_version = 1;
	st->fetched_at = time(NULL);
	memcpy(st->sha256, j->sha, 32);
	free(st->etag);
	free(st->last_modified);
	st->etag = j->etag;
	st->last_modified = j->last_modified;
	j->etag = j->last_modified = NULL;
	st->stats.last_success = st->fetched_at;
	st->stats.last_error[0] = '\0';
	/* The cache has one writer: a follower reads its file lists itself
	 * but leaves the cache to the leader. */
	if (!lists_following)
		cache_later(st, j);
	return 0;
}

static void
publish(void)
{
	for (size_t i = 0; i < nstates; i++)
		current[i] = states[i].entries;
	if (lists_changed != NULL)
		lists_changed();
}

/*
 * A job for st, with the version in force to compare with; NULL when
 * out of memory.
 */
static struct listjob *
job_new(struct list_state *st, enum listjob_from from)
{
	struct listjob	*j;
	struct read_as	 r = read_as_of(st->conf);

	if ((j = listjob_new(from, st->conf, from == LISTJOB_CACHE ?
	    lists_conf->cache_dir : NULL)) == NULL)
		return NULL;
	if (st->entries != NULL)
		entries_ref(j->base = st->entries);
	j->base_known = st->has_version && st->entries != NULL &&
	    same_read_as(&r, &st->read_as);
	memcpy(j->base_sha, st->sha256, 32);
	j->want_diff = !lists_following;
	return j;
}

static void	job_done(struct listjob *);
static void	cache_written(struct list_state *, struct listjob *);

/* Hands j to the list thread, or does it at once when there is none. */
static void
submit(struct list_state *st, struct listjob *j)
{
	st->job = j;
	if (listjob_submit(j) == -1) {
		listjob_run(j);
		job_done(j);
	}
}

static void
fetched(struct fetch_result *r, void *arg)
{
	struct list_state	*st = arg;
	struct listjob		*j;

	st->fetch = NULL;
	if (!r->ok) {
		note_failure(st, r->error, 0);
		st->backoff_ms = st->backoff_ms ? st->backoff_ms * 2 :
		    BACKOFF_START_MS;
		if (st->backoff_ms > st->conf->refresh_ms)
			st->backoff_ms = st->conf->refresh_ms;
		schedule(st, st->backoff_ms);
	} else if (r->not_modified) {
		log_info("list %s: not modified", st->conf->name);
		st->fetched_at = time(NULL);
		st->stats.last_success = st->fetched_at;
		st->backoff_ms = 0;
		schedule(st, jittered(st->conf->refresh_ms));
	} else if ((j = job_new(st, LISTJOB_BODY)) == NULL) {
		note_failure(st, "out of memory", 0);
		schedule(st, BACKOFF_START_MS);
	} else {
		/* The next fetch is scheduled once the body is taken. */
		j->body = r->body;
		j->len = r->len;
		j->etag = r->etag;
		j->last_modified = r->last_modified;
		r->body = r->etag = r->last_modified = NULL;
		submit(st, j);
	}
	fetch_result_free(r);
}

/* A fetched body, read: checked, and in force unless refused. */
static void
body_done(struct list_state *st, struct listjob *j)
{
	char err[512];

	if (j->result != LISTJOB_SAME && j->result != LISTJOB_PARSED)
		note_failure(st, j->err, 1);
	else if (accept_job(st, j, err, sizeof(err)) == -1)
		note_failure(st, err, 1);
	else
		publish();
	st->backoff_ms = 0;
	schedule(st, jittered(st->conf->refresh_ms));
}

/* A file = list read again; a failure keeps the last good version. */
static void
file_done(struct list_state *st, struct listjob *j)
{
	char err[512];

	if (j->result == LISTJOB_UNREAD)
		note_failure(st, j->err, 0);
	else if (j->result != LISTJOB_SAME && j->result != LISTJOB_PARSED)
		note_failure(st, j->err, 1);
	else if (accept_job(st, j, err, sizeof(err)) == -1)
		note_failure(st, err, 1);
	else
		publish();
}

/* The cached version e (of meta m) is now the list's. */
static void
cache_install(struct list_state *st, struct entries *e,
    struct listcache_meta *m)
{
	entries_unref(st->entries);
	free(st->etag);
	free(st->last_modified);
	st->entries = e;
	st->read_as = read_as_of(st->conf);
	st->has_version = 1;
	st->fetched_at = m->fetched_at;
	memcpy(st->sha256, m->sha256, 32);
	st->stats.last_success = m->fetched_at;
	st->etag = m->etag;
	st->last_modified = m->last_modified;
	m->etag = m->last_modified = NULL;
	log_info("list %s: %zu entries from the cache, fetched %lld s ago",
	    st->conf->name, entries_count(e),
	    (long long)(time(NULL) - m->fetched_at));
}

/* The cache read again (a follower): a new version is taken. */
static void
cache_done(struct list_state *st, struct listjob *j)
{
	char err[512];

	switch (j->result) {
	case LISTJOB_UNREAD:
		log_info("list %s: no usable cache (%s)", st->conf->name,
		    j->err);
		return;
	case LISTJOB_OTHER_SOURCE:
		log_warn("list %s: %s: ignored", st->conf->name, j->err);
		return;
	case LISTJOB_SAME:
		return;		/* the version in force */
	case LISTJOB_REFUSED:
		break;
	case LISTJOB_PARSED:
		if (listload_pinned(st->conf, j->sha, j->err,
		    sizeof(j->err)) == -1)
			break;
		cache_install(st, j->e, &j->meta);
		j->e = NULL;
		publish();
		return;
	}
	snprintf(err, sizeof(err), "%s", j->err);
	log_warn("list %s: cache refused: %s", st->conf->name, err);
	snprintf(st->stats.last_error, sizeof(st->stats.last_error),
	    "cache refused: %.200s", err);
}

static void
log_warnings(const char *warn)
{
	const char *p, *nl;

	for (p = warn; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		log_warn("%.*s", nl != NULL ? (int)(nl - p) : (int)strlen(p),
		    p);
		if (nl == NULL)
			break;
	}
}

/*
 * A version is in the cache (or could not be written): the followers
 * are told to read it from now on, not before.  st is NULL when a
 * reload removed the list meanwhile.
 */
static void
cache_written(struct list_state *st, struct listjob *j)
{
	if (st != NULL)
		st->job = NULL;
	if (j->werr[0] != '\0') {
		if (st != NULL)
			st->stats.cache_errors++;
		log_warn("list %s: cannot write the cache: %s", j->conf.name,
		    j->werr);
	} else if (j->conf.url != NULL && lists_cached != NULL)
		lists_cached();
	listjob_free(j);
	if (st != NULL && st->again) {
		st->again = 0;
		refresh(st);
	}
}

/*
 * On the event loop: a job is back.  The list it was for may be gone
 * (a reload removed it) or read another way now (a reload changed its
 * settings): then it is dropped, and in the second case read again.
 */
static void
job_done(struct listjob *j)
{
	struct list_state	*st = NULL;
	struct read_as		 now, then = read_as_of(&j->conf);

	for (size_t i = 0; i < nstates && st == NULL; i++)
		if (states[i].job == j)
			st = &states[i];
	if (j->written) {
		cache_written(st, j);
		return;
	}
	if (st == NULL) {
		log_info("list %s: a version read for a list that a reload "
		    "removed: dropped", j->conf.name);
		listjob_free(j);
		return;
	}
	st->job = NULL;
	now = read_as_of(st->conf);
	if (!same_read_as(&now, &then)) {
		log_info("list %s: a version read with the settings before a "
		    "reload: dropped, read again", st->conf->name);
		listjob_free(j);
		refresh(st);
		return;
	}
	if (j->on_thread && j->result != LISTJOB_UNREAD &&
	    j->result != LISTJOB_OTHER_SOURCE)
		log_info("list %s: %s off the event loop in %llu ms",
		    st->conf->name, j->result == LISTJOB_SAME ?
		    "read (unchanged, not parsed)" : "read and parsed",
		    (unsigned long long)j->ms);
	log_warnings(j->warn);
	if (j->from == LISTJOB_BODY)
		body_done(st, j);
	else if (j->from == LISTJOB_FILE)
		file_done(st, j);
	else
		cache_done(st, j);
	if (j->write_cache) {
		submit(st, j);	/* the list is busy until it is written */
		return;
	}
	listjob_free(j);
	if (st->again) {
		st->again = 0;
		refresh(st);
	}
}

/* Reads a file = list again, off the event loop. */
static void
reread(struct list_state *st)
{
	struct listjob *j;

	if ((j = job_new(st, LISTJOB_FILE)) == NULL)
		note_failure(st, "out of memory", 0);
	else
		submit(st, j);
}

/* A follower reads the cache again, off the event loop. */
static void
reread_cache(struct list_state *st)
{
	struct listjob *j;

	if ((j = job_new(st, LISTJOB_CACHE)) == NULL)
		log_warn("list %s: cannot read the cache: out of memory",
		    st->conf->name);
	else
		submit(st, j);
}

static void
refresh(struct list_state *st)
{
	if (st->fetch != NULL)
		return;
	if (st->job != NULL) {
		st->again = 1;
		return;
	}
	if (lists_following && st->conf->url != NULL) {
		reread_cache(st);
		return;
	}
	if (st->conf->file != NULL) {
		reread(st);
		schedule(st, jittered(st->conf->refresh_ms));
		return;
	}
	st->stats.fetches++;
	st->fetch = fetch_start(lists_base, lists_resolver, lists_conf->policy,
	    st->conf, st->etag, st->last_modified, fetched, st);
	if (st->fetch == NULL) {
		note_failure(st, "cannot start the fetch", 0);
		schedule(st, BACKOFF_START_MS);
	}
}

static void
timer_fired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	refresh(arg);
}

static void
schedule(struct list_state *st, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) *
	    1000 };

	evtimer_add(st->timer, &tv);
}

/*
 * The cached version of a list that has none in force (start-up, or a
 * list a reload adds), checked like a fetched one, read at once: the
 * list is to serve from the start.  Returns 1 when it is now the list's
 * version.
 */
static int
load_cache(struct list_state *st)
{
	struct listcache_meta	 m;
	char			*body, err[512];
	size_t			 len;
	struct entries		*e;

	int			 rc = 0;

	if (listcache_read(lists_conf->cache_dir, st->conf->name,
	    st->conf->max_bytes, &body, &len, &m, err, sizeof(err)) == -1) {
		log_info("list %s: no usable cache (%s)", st->conf->name, err);
		return 0;
	}
	if (strcmp(m.url, source(st->conf)) != 0)
		log_warn("list %s: the cache is of %s, not %s: ignored",
		    st->conf->name, m.url, source(st->conf));
	else if ((e = listload_body(st->conf, body, len, err, sizeof(err))) ==
	    NULL) {
		log_warn("list %s: cache refused: %s", st->conf->name, err);
		snprintf(st->stats.last_error, sizeof(st->stats.last_error),
		    "cache refused: %.200s", err);
	} else {
		cache_install(st, e, &m);
		rc = 1;
	}
	free(body);
	listcache_meta_free(&m);
	return rc;
}

static struct list_state *
find_state(struct list_state *old, size_t nold, const struct list_conf *l)
{
	for (size_t i = 0; i < nold; i++) {
		const struct list_conf *o = old[i].conf;

		if (o == NULL)		/* taken over already */
			continue;
		if (strcmp(o->name, l->name) == 0 &&
		    strcmp(source(o), source(l)) == 0 && o->format == l->format &&
		    (o->json_path == NULL) == (l->json_path == NULL) &&
		    (o->json_path == NULL || strcmp(o->json_path,
		    l->json_path) == 0))
			return &old[i];
	}
	return NULL;
}

/*
 * A version kept over a reload was checked against the old config's
 * pin, if any: one that fails the new pin leaves at once, and with it
 * its ETag, so the next fetch asks for the whole body again.
 */
static void
drop_unpinned(struct list_state *st)
{
	char err[128];

	if (!st->has_version || listload_pinned(st->conf, st->sha256, err,
	    sizeof(err)) == 0)
		return;
	snprintf(st->stats.last_error, sizeof(st->stats.last_error),
	    "version in force refused: %s", err);
	st->stats.refusals++;
	log_warn("list %s: the version in force refused: %s; the list is "
	    "empty until a version that matches is fetched (was %zu entries)",
	    st->conf->name, err, st->entries ? entries_count(st->entries) : 0);
	note_change(st, NULL, NULL);
	entries_unref(st->entries);
	st->entries = NULL;
	st->has_version = 0;
	memset(st->sha256, 0, sizeof(st->sha256));
	free(st->etag);
	free(st->last_modified);
	st->etag = st->last_modified = NULL;
}

static void
state_stop(struct list_state *st)
{
	if (st->fetch != NULL)
		fetch_cancel(st->fetch);
	st->fetch = NULL;
	if (st->timer != NULL)
		event_free(st->timer);
	st->timer = NULL;
}

static void
state_free(struct list_state *st)
{
	state_stop(st);
	entries_unref(st->entries);
	free(st->etag);
	free(st->last_modified);
}

/*
 * Takes the lists of conf: versions of lists whose source did not change
 * are kept, the others start from their cache.  The first fetch of a url
 * list is due refresh after its cached version was fetched.
 */
static int
lists_take(const struct config *conf, int fetch_now)
{
	struct list_state	*old = states, *st;
	size_t			 nold = nstates;
	struct entries		**cur;

	if ((st = calloc(conf->nlists ? conf->nlists : 1, sizeof(*st))) == NULL ||
	    (cur = calloc(conf->nlists ? conf->nlists : 1, sizeof(*cur))) ==
	    NULL) {
		free(st);
		return -1;
	}
	for (size_t i = 0; i < conf->nlists; i++) {
		struct list_state *prev = find_state(old, nold, &conf->lists[i]);

		if (prev != NULL) {
			state_stop(prev);
			st[i] = *prev;
			memset(prev, 0, sizeof(*prev));
		}
		st[i].conf = &conf->lists[i];
		st[i].timer = evtimer_new(lists_base, timer_fired, &st[i]);
		drop_unpinned(&st[i]);
	}
	for (size_t i = 0; i < nold; i++)
		state_free(&old[i]);
	free(old);
	free(current);
	states = st;
	nstates = conf->nlists;
	current = cur;
	lists_conf = conf;
	for (size_t i = 0; i < nstates; i++) {
		uint64_t due = 0;

		if (!states[i].has_version)
			load_cache(&states[i]);
		if (lists_following && states[i].conf->url != NULL)
			continue;	/* the leader fetches */
		if (!fetch_now && states[i].conf->url != NULL &&
		    states[i].has_version) {
			uint64_t age = (uint64_t)(time(NULL) -
			    states[i].fetched_at) * 1000;

			if (age < states[i].conf->refresh_ms)
				due = states[i].conf->refresh_ms - age;
		}
		if (states[i].conf->file != NULL && !fetch_now) {
			refresh(&states[i]);	/* files are read at once */
			continue;
		}
		schedule(&states[i], due);
	}
	for (size_t i = 0; i < nstates; i++)
		current[i] = states[i].entries;
	return 0;
}

/* This process is a follower worker: it fetches nothing itself. */
void
lists_follow(void)
{
	lists_following = 1;
}

/* The leader has a new version of some list in the cache: read it. */
void
lists_sync(void)
{
	for (size_t i = 0; i < nstates; i++)
		if (states[i].conf->url != NULL)
			refresh(&states[i]);
}

/*
 * changed: a list has a new version in force (publish the allowlist);
 * cached: a url list's new version is in the cache (tell the followers).
 */
int
lists_start(struct event_base *base, struct resolver *resolver,
    const struct config *conf, void (*changed)(void), void (*cached)(void))
{
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	lists_base = base;
	lists_resolver = resolver;
	lists_changed = NULL;
	lists_cached = NULL;
	tlsctx_prepare(conf);
	if (lists_take(conf, 0) == -1)
		return -1;
	lists_changed = changed;
	lists_cached = cached;
	return 0;
}

/*
 * From now on new versions are read and parsed by the list thread
 * (listjob.c), started once the filesystem is confined and before the
 * system-call filter (server.c).
 */
int
lists_start_thread(struct event_base *base)
{
	return listjob_start(base, job_done);
}

/*
 * A new config (SIGHUP): every list is fetched or read again at once,
 * through resolver (the new one when [dns] changed).
 */
int
lists_reload(const struct config *conf, struct resolver *resolver)
{
	void (*changed)(void) = lists_changed, (*cached)(void) = lists_cached;
	int rc;

	lists_changed = NULL;
	lists_cached = NULL;
	tlsctx_prepare(conf);
	rc = lists_take(conf, 1);
	lists_changed = changed;
	lists_cached = cached;
	if (rc == 0)
		lists_resolver = resolver;
	return rc;
}

/* The entries of each list of the current config (NULL: none yet). */
struct entries **
lists_current(void)
{
	return current;
}

const struct list_stats *
lists_stats(size_t i)
{
	return i < nstates ? &states[i].stats : NULL;
}

/* Fetches (or reads) list i now; -1 when there is no such list. */
int
lists_refresh(size_t i)
{
	if (i >= nstates)
		return -1;
	evtimer_del(states[i].timer);
	refresh(&states[i]);
	return 0;
}

void
lists_stop(void)
{
	for (size_t i = 0; i < nstates; i++)
		state_free(&states[i]);
	free(states);
	free(current);
	tlsctx_clear();
	states = NULL;
	current = NULL;
	nstates = 0;
}
