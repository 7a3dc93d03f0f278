/*
 * Checking proxy users.  crypt(3) with a modern hash costs milliseconds
 * to a second by design, so it runs on a thread of its own (hashcheck.c)
 * and a session waits for its answer while the event loop runs on.
 * Three things keep the checks few: a password that verified once is
 * remembered as a SHA-256 digest until the users file is read again (a
 * browser sends its credentials with every request), sessions that
 * send the same name and password at once share one check, and a
 * client with too many failures in a minute is refused without a check
 * for the next minute (its checks on their way count as failures: a
 * login past them waits for one to be done).  The failures live in a
 * table every worker shares (throttle.c): one budget per address.
 * At most AUTH_PENDING_MAX checks wait in a worker; past that a login
 * is refused unchecked, so no client can queue unbounded work.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "hashcheck.h"
#include "log.h"
#include "throttle.h"

#define AUTH_LINE_MAX		4096
#define AUTH_FILE_MAX		(64 << 20)
#define AUTH_MAX_USERS		100000
#define AUTH_PENDING_MAX	64	/* checks waiting in a worker */
#define AUTH_RETRY_MS		100	/* a deferred login asks again */

struct auth_user {
	char		*name;
	char		*hash;
	unsigned char	 ok[SHA256_DIGEST_LENGTH];	/* of a good password */
	int		 has_ok;
	size_t		 line;		/* in the users file */
};

struct auth {
	struct auth_user	*users;		/* sorted by name */
	size_t			 nusers;
	uint64_t		 decoy_key;	/* picks an unknown name's hash */
	const char		*path;		/* while it is parsed */
};

/* A session waiting for a check, or (job NULL) for a turn to start one. */
struct auth_wait {
	TAILQ_ENTRY(auth_wait)	 entry;
	struct auth_job		*job;
	struct addr		 client;
	unsigned		 round;		/* deferred in this round */
	auth_done_fn		 done;
	void			*arg;
};

/* One crypt(3) on its way, for every session that sent that name and
 * password meanwhile. */
struct auth_job {
	TAILQ_ENTRY(auth_job)	 entry;
	struct auth		*auth;	/* NULL once the users were re-read */
	char			*name;
	unsigned char		 digest[SHA256_DIGEST_LENGTH];
	struct addr		 client;	/* who asked first */
	int			 known;		/* a user of that name */
	TAILQ_HEAD(, auth_wait)	 waits;
};

static struct crypt_data crypt_buf;	/* without the thread: unit tests */
static TAILQ_HEAD(, auth_job) jobs = TAILQ_HEAD_INITIALIZER(jobs);
static size_t		 njobs;
/* Logins deferred while their client's checks fill its budget. */
static TAILQ_HEAD(, auth_wait) deferred = TAILQ_HEAD_INITIALIZER(deferred);
static unsigned		 round_now;
static struct event	*retry_ev;	/* wakes the deferred logins */

/* Each family and the length of its hash part, after the last '$'. */
static const struct {
	const char	*prefix;
	size_t		 len;
} hash_kinds[] = {
	{ "$y$", 43 }, { "$2b$", 53 }, { "$2y$", 53 }, { "$6$", 86 }
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct auth_user *)a)->name,
	    ((const struct auth_user *)b)->name);
}

/*
 * A whole hash of a supported family: its setting is one crypt(3)
 * takes, and its hash part has the family's length in crypt's base64
 * (bcrypt writes salt and hash as one 53-character field).
 */
static int
supported_hash(const char *hash)
{
	const char	*last = strrchr(hash, '$');
	size_t		 len;

	if (last == NULL)
		return 0;
	len = strlen(last + 1);
	if (len != strspn(last + 1, "./0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
		return 0;
	for (size_t i = 0; i < sizeof(hash_kinds) / sizeof(hash_kinds[0]);
	    i++)
		if (strncmp(hash, hash_kinds[i].prefix,
		    strlen(hash_kinds[i].prefix)) == 0)
			return len == hash_kinds[i].len &&
			    crypt_checksalt(hash) == CRYPT_SALT_OK;
	return 0;
}

static int
valid_name(const char *name, size_t len)
{
	if (len == 0 || len > AUTH_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

/* One "user:hash" line; 0, or -1 with err set. */
static int
add_line(struct auth *a, char *line, char *err, size_t errlen)
{
	char			*colon = strchr(line, ':');
	struct auth_user	*u;

	if (colon == NULL || strchr(colon + 1, ':') != NULL) {
		snprintf(err, errlen, "expected user:hash");
		return -1;
	}
	*colon = '\0';
	if (!valid_name(line, strlen(line))) {
		snprintf(err, errlen, "bad user name");
		return -1;
	}
	if (!supported_hash(colon + 1)) {
		snprintf(err, errlen, "user %.64s: not a yescrypt, bcrypt or "
		    "SHA-512 crypt(3) hash (make one with mkpasswd -m "
		    "yescrypt)", line);
		return -1;
	}
	if (a->nusers == AUTH_MAX_USERS) {
		snprintf(err, errlen, "more than %d users", AUTH_MAX_USERS);
		return -1;
	}
	if ((u = realloc(a->users, (a->nusers + 1) * sizeof(*u))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->users = u;
	u = &a->users[a->nusers];
	memset(u, 0, sizeof(*u));
	if ((u->name = strdup(line)) == NULL ||
	    (u->hash = strdup(colon + 1)) == NULL) {
		free(u->name);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->nusers++;
	return 0;
}

/* One line of len bytes (its end cut off); 0, or -1 with err set. */
static int
parse_line(struct auth *a, const char *p, size_t len, size_t lineno,
    char *err, size_t errlen)
{
	char	 line[AUTH_LINE_MAX + 1], why[256];

	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > AUTH_LINE_MAX) {
		snprintf(why, sizeof(why), "line too long");
		goto bad;
	}
	if (memchr(p, '\0', len) != NULL) {
		snprintf(why, sizeof(why), "a NUL byte");
		goto bad;
	}
	if (len == 0 || p[0] == '#')
		return 0;
	memcpy(line, p, len);
	line[len] = '\0';
	if (add_line(a, line, why, sizeof(why)) == 0) {
		a->users[a->nusers - 1].line = lineno;
		return 0;
	}
bad:
	snprintf(err, errlen, "%s:%zu: %s", a->path, lineno, why);
	return -1;
}

/* The second of two lines for one user is the error. */
static int
check_twice(struct auth *a, char *err, size_t errlen)
{
	if (a->nusers < 2)
		return 0;
	qsort(a->users, a->nusers, sizeof(*a->users), by_name);
	for (size_t i = 1; i < a->nusers; i++) {
		struct auth_user *u = &a->users[i - 1], *v = &a->users[i];

		if (strcmp(u->name, v->name) == 0) {
			snprintf(err, errlen, "%s:%zu: user %.64s is listed "
			    "twice", a->path, u->line > v->line ? u->line :
			    v->line, v->name);
			return -1;
		}
	}
	return 0;
}

/*
 * Parses a users file's text: lines end in LF or CRLF; blank lines and
 * '#' comments are skipped.  NULL with err as FILE:LINE: message.
 */
struct auth *
auth_parse(const char *buf, size_t len, const char *path, char *err,
    size_t errlen)
{
	struct auth	*a;
	const char	*p = buf, *end = buf + len, *nl;
	size_t		 lineno = 0;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->path = path;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (parse_line(a, p, (size_t)(nl - p), ++lineno, err,
		    errlen) == -1) {
			auth_free(a);
			return NULL;
		}
		p = nl + 1;
	}
	if (check_twice(a, err, errlen) == -1) {
		auth_free(a);
		return NULL;
	}
	a->path = NULL;
	if (getrandom(&a->decoy_key, sizeof(a->decoy_key), 0) !=
	    sizeof(a->decoy_key))
		a->decoy_key = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	return a;
}

/*
 * The hash an unknown name's password is checked against, so that it
 * costs what a real one does.  Always the first user's would tell names
 * apart wherever the users' hashes differ in cost (bcrypt at cost 12
 * beside yescrypt); a real user's, picked by a keyed hash of the name,
 * gives each unknown name the cost of some real one, the same every
 * time it is tried.
 */
const char *
auth_decoy_hash(const struct auth *a, const char *name)
{
	uint64_t h = a->decoy_key ^ 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return a->users[h % a->nusers].hash;
}

/* Reads a users file whole; NULL with err as FILE:LINE: message. */
struct auth *
auth_load(const char *path, char *err, size_t errlen)
{
	struct auth	*a = NULL;
	struct stat	 st;
	FILE		*fp;
	char		*buf = NULL;
	size_t		 len = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* Sized by the file, one byte more to see it did not grow past. */
	if (fstat(fileno(fp), &st) == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (st.st_size > AUTH_FILE_MAX)
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    AUTH_FILE_MAX);
	else if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		snprintf(err, errlen, "out of memory");
	else if ((len = fread(buf, 1, (size_t)st.st_size + 1, fp)) >
	    (size_t)st.st_size || ferror(fp))
		snprintf(err, errlen, "%s: %s", path, ferror(fp) ?
		    strerror(errno) : "changed while read");
	else
		a = auth_parse(buf, len, path, err, errlen);
	fclose(fp);
	free(buf);
	return a;
}

void
auth_free(struct auth *a)
{
	struct auth_job *j;

	if (a == NULL)
		return;
	/* Checks on their way against these users: told, not remembered. */
	TAILQ_FOREACH(j, &jobs, entry)
		if (j->auth == a)
			j->auth = NULL;
	for (size_t i = 0; i < a->nusers; i++) {
		free(a->users[i].name);
		free(a->users[i].hash);
	}
	free(a->users);
	free(a);
}

size_t
auth_count(const struct auth *a)
{
	return a ? a->nusers : 0;
}

static void
digest(const char *name, const char *pass, size_t plen, unsigned char *out)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned	 len = 0;

	memset(out, 0, SHA256_DIGEST_LENGTH);
	if (ctx == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, name, strlen(name) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, pass, plen) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1)
		memset(out, 0, SHA256_DIGEST_LENGTH);
	EVP_MD_CTX_free(ctx);
}

static struct auth_user *
find_user(struct auth *a, const char *name)
{
	struct auth_user key = { .name = (char *)name };

	if (a->nusers == 0)
		return NULL;
	return bsearch(&key, a->users, a->nusers, sizeof(struct auth_user),
	    by_name);
}

static struct auth_job *
find_job(struct auth *a, const char *name, const unsigned char *d)
{
	struct auth_job *j;

	TAILQ_FOREACH(j, &jobs, entry)
		if (j->auth == a && strcmp(j->name, name) == 0 &&
		    CRYPTO_memcmp(j->digest, d, SHA256_DIGEST_LENGTH) == 0)
			return j;
	return NULL;
}

static void
job_free(struct auth_job *j)
{
	OPENSSL_cleanse(j->digest, sizeof(j->digest));
	free(j->name);
	free(j);
}

/* Did j's client, or a waiter before w, send this guess already? */
static int
guessed_before(const struct auth_job *j, const struct auth_wait *w)
{
	const struct auth_wait *v;

	if (memcmp(&w->client, &j->client, sizeof(w->client)) == 0)
		return 1;
	for (v = TAILQ_FIRST(&j->waits); v != w; v = TAILQ_NEXT(v, entry))
		if (memcmp(&v->client, &w->client, sizeof(w->client)) == 0)
			return 1;
	return 0;
}

/*
 * One of client's checks is done (client NULL: any client's, maybe in
 * another worker): its deferred logins ask again, each once (one
 * deferred again waits for the next round).
 */
static void
wake_deferred(const struct addr *client)
{
	struct auth_wait	*w;
	unsigned		 round = ++round_now;

	for (;;) {
		TAILQ_FOREACH(w, &deferred, entry)
			if (w->round != round && (client == NULL ||
			    memcmp(&w->client, client, sizeof(*client)) == 0))
				break;
		if (w == NULL)
			return;
		TAILQ_REMOVE(&deferred, w, entry);
		{
			auth_done_fn	 done = w->done;
			void		*warg = w->arg;

			free(w);
			done(warg, AUTH_OK);	/* may end its session */
		}
	}
}

/*
 * A check came back.  Its result is remembered (or its failure noted)
 * only against the users it was made for; after a re-read every waiter
 * is told to ask again.
 */
static void
job_done(void *arg, int match)
{
	struct auth_job		*j = arg;
	struct auth_user	*u;
	struct auth_wait	*w;
	enum auth_result	 r = AUTH_OK;
	time_t			 now = time(NULL);

	TAILQ_REMOVE(&jobs, j, entry);
	njobs--;
	if (j->auth != NULL && match && j->known &&
	    (u = find_user(j->auth, j->name)) != NULL) {
		memcpy(u->ok, j->digest, sizeof(u->ok));
		u->has_ok = 1;
	} else if (j->auth != NULL)
		r = AUTH_FAILED;
	log_debug("password check of user %s done: %s", j->name,
	    r == AUTH_OK ? "right" : "wrong");
	/* One failure for each client that made this guess. */
	throttle_done(&j->client, r == AUTH_FAILED, now);
	if (r == AUTH_FAILED)
		TAILQ_FOREACH(w, &j->waits, entry)
			if (!guessed_before(j, w))
				throttle_fail(&w->client, now);
	while ((w = TAILQ_FIRST(&j->waits)) != NULL) {
		auth_done_fn	 done = w->done;
		void		*warg = w->arg;

		TAILQ_REMOVE(&j->waits, w, entry);
		free(w);
		done(warg, r);		/* may end its session */
	}
	wake_deferred(&j->client);
	job_free(j);
}

static enum auth_result
wait_for(struct auth_job *j, const struct addr *client, auth_done_fn done,
    void *arg, struct auth_wait **wait)
{
	struct auth_wait *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return AUTH_BUSY;
	w->job = j;
	w->client = *client;
	w->done = done;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&j->waits, w, entry);
	*wait = w;
	return AUTH_WAITING;
}

/* A login that waits until one of its client's checks is done. */
static enum auth_result
defer(const struct addr *client, auth_done_fn done, void *arg,
    struct auth_wait **wait)
{
	struct auth_wait *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return AUTH_BUSY;
	w->client = *client;
	w->round = round_now;
	w->done = done;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&deferred, w, entry);
	*wait = w;
	/* The checks it waits for may run in other workers, which cannot
	 * wake it: it also asks again every AUTH_RETRY_MS. */
	if (retry_ev != NULL && !evtimer_pending(retry_ev, NULL)) {
		struct timeval tv = { 0, AUTH_RETRY_MS * 1000 };

		evtimer_add(retry_ev, &tv);
	}
	return AUTH_WAITING;
}

static void
retry_fired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	wake_deferred(NULL);
}

/* Starts the check of pass (NUL-terminated) for name on the thread. */
static enum auth_result
start_job(struct auth *a, struct auth_user *u, const char *name,
    const char *pass, const unsigned char *d, const struct addr *client,
    auth_done_fn done, void *arg, struct auth_wait **wait)
{
	struct auth_job		*j;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->name = strdup(name)) == NULL) {
		free(j);
		return AUTH_BUSY;
	}
	j->auth = a;
	memcpy(j->digest, d, sizeof(j->digest));
	j->client = *client;
	j->known = u != NULL;
	TAILQ_INIT(&j->waits);
	/* An unknown name costs what a known one does. */
	if (wait_for(j, client, done, arg, wait) != AUTH_WAITING ||
	    hashcheck_submit(pass, u != NULL ? u->hash :
	    auth_decoy_hash(a, name), job_done, j) == -1) {
		free(*wait);
		*wait = NULL;
		job_free(j);
		return AUTH_BUSY;
	}
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	njobs++;
	return AUTH_CHECKING;
}

/* Without the thread (unit tests): crypt(3) right here. */
static enum auth_result
check_here(struct auth *a, struct auth_user *u, const char *name,
    const char *pass, const unsigned char *d)
{
	if (u == NULL) {
		(void)hashcheck_matches(pass, auth_decoy_hash(a, name),
		    &crypt_buf);
		return AUTH_FAILED;
	}
	if (!hashcheck_matches(pass, u->hash, &crypt_buf))
		return AUTH_FAILED;
	memcpy(u->ok, d, sizeof(u->ok));
	u->has_ok = 1;
	return AUTH_OK;
}

/*
 * pass is NUL-terminated here (crypt(3) takes a C string); d is the
 * digest of name and pass.
 */
static enum auth_result
check_password(struct auth *a, const char *name, const char *pass,
    const unsigned char *d, const struct addr *client, auth_done_fn done,
    void *arg, struct auth_wait **wait)
{
	struct auth_user	*u = find_user(a, name);
	struct auth_job		*j;
	enum auth_result	 r;

	if (u != NULL && u->has_ok &&
	    CRYPTO_memcmp(d, u->ok, SHA256_DIGEST_LENGTH) == 0)
		return AUTH_OK;
	if (a->nusers == 0)
		return AUTH_FAILED;
	if (!hashcheck_running())
		return check_here(a, u, name, pass, d);
	if ((j = find_job(a, name, d)) != NULL)
		return wait_for(j, client, done, arg, wait);
	if (njobs >= AUTH_PENDING_MAX)
		return AUTH_BUSY;
	/*
	 * A client's checks on their way, in every worker, count against
	 * its failures (any of them may be one), so concurrency buys no
	 * extra guesses; a login past that waits for a turn rather than
	 * being refused.
	 */
	switch (throttle_start(client, time(NULL))) {
	case THROTTLE_REFUSED:
		return AUTH_THROTTLED;
	case THROTTLE_WAIT:
		return defer(client, done, arg, wait);
	case THROTTLE_GO:
		break;
	}
	if ((r = start_job(a, u, name, pass, d, client, done, arg, wait)) !=
	    AUTH_CHECKING)
		throttle_done(client, 0, time(NULL));
	return r;
}

/*
 * Checks name and password (plen bytes, not NUL-terminated) for a
 * client.  A client past THROTTLE_FAILURES is throttled, not checked.
 * AUTH_CHECKING and AUTH_WAITING: done(arg, result) comes later, unless
 * auth_cancel(*wait) comes first.
 */
enum auth_result
auth_verify(struct auth *a, const struct addr *client, const char *name,
    const char *pass, size_t plen, auth_done_fn done, void *arg,
    struct auth_wait **wait)
{
	time_t			 now = time(NULL);
	char			 copy[AUTH_PASS_MAX + 1];
	unsigned char		 d[SHA256_DIGEST_LENGTH];
	enum auth_result	 r;

	*wait = NULL;
	/* Before the remembered passwords: a client refused learns
	 * nothing, not even that a guess was right. */
	if (throttle_refused(client, now))
		return AUTH_THROTTLED;
	/*
	 * A password no hash can match (a NUL in it, or too long) is
	 * refused without a check and without a place in the throttle's
	 * table: it guesses nothing, and counting it would let a client
	 * fill the table for free, which refuses everyone new.
	 */
	if (a == NULL || memchr(pass, '\0', plen) != NULL ||
	    plen > AUTH_PASS_MAX)
		return AUTH_FAILED;
	memcpy(copy, pass, plen);
	copy[plen] = '\0';
	digest(name, copy, plen, d);
	r = check_password(a, name, copy, d, client, done, arg, wait);
	OPENSSL_cleanse(copy, sizeof(copy));
	OPENSSL_cleanse(d, sizeof(d));
	/*
	 * A success does not forgive earlier failures: one good account
	 * must not buy unlimited guesses at the others.
	 */
	if (r == AUTH_FAILED)
		throttle_fail(client, now);
	return r;
}

/* The session waiting is gone; its check runs on for the others. */
void
auth_cancel(struct auth_wait *w)
{
	if (w == NULL)
		return;
	if (w->job != NULL)
		TAILQ_REMOVE(&w->job->waits, w, entry);
	else
		TAILQ_REMOVE(&deferred, w, entry);
	free(w);
}

/* The thread that runs crypt(3) for this process. */
int
auth_start(struct event_base *base)
{
	if ((retry_ev = evtimer_new(base, retry_fired, NULL)) == NULL)
		return -1;
	return hashcheck_start(base);
}

/* At exit: the thread stops, and the checks on their way are dropped. */
void
auth_stop(void)
{
	struct auth_job		*j;
	struct auth_wait	*w;

	hashcheck_stop();
	if (retry_ev != NULL)
		event_free(retry_ev);
	retry_ev = NULL;
	while ((j = TAILQ_FIRST(&jobs)) != NULL) {
		TAILQ_REMOVE(&jobs, j, entry);
		throttle_done(&j->client, 0, time(NULL));
		while ((w = TAILQ_FIRST(&j->waits)) != NULL) {
			TAILQ_REMOVE(&j->waits, w, entry);
			free(w);
		}
		job_free(j);
	}
	njobs = 0;
	while ((w = TAILQ_FIRST(&deferred)) != NULL) {
		TAILQ_REMOVE(&deferred, w, entry);
		free(w);
	}
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 with padding; returns the decoded length or -1. */
static long
b64_decode(const char *in, size_t len, unsigned char *out, size_t max)
{
	size_t		 n = 0;
	uint32_t	 acc = 0;
	int		 bits = 0, pad = 0;

	if (len == 0 || len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (in[i] == '=' && i >= len - 2) {
			pad++;
			continue;
		}
		if (v < 0 || pad > 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)n;
}

/*
 * A Proxy-Authorization value, "Basic base64(user:password)": the user
 * into name (NUL-terminated) and the password into pass (*plen bytes).
 */
int
auth_basic_decode(const char *v, size_t len, char *name, size_t nsize,
    char *pass, size_t psize, size_t *plen)
{
	unsigned char	 buf[AUTH_NAME_MAX + 1 + AUTH_PASS_MAX + 3];
	unsigned char	*colon;
	long		 n;

	if (len < 6 || strncasecmp(v, "Basic ", 6) != 0)
		return -1;
	v += 6;
	len -= 6;
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if ((n = b64_decode(v, len, buf, sizeof(buf))) < 0 ||
	    (colon = memchr(buf, ':', (size_t)n)) == NULL)
		return -1;
	if ((size_t)(colon - buf) >= nsize ||
	    (size_t)(buf + n - colon - 1) > psize ||
	    !valid_name((const char *)buf, (size_t)(colon - buf)))
		return -1;
	memcpy(name, buf, (size_t)(colon - buf));
	name[colon - buf] = '\0';
	*plen = (size_t)(buf + n - colon - 1);
	memcpy(pass, colon + 1, *plen);
	return 0;
}
