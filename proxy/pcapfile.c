/*
 * One pcap file, many writers.  Each worker gathers its records in a
 * buffer of its own, and writes the buffer, whole records only, with
 * one write(2) when it fills, every second while it holds anything (so a quiet proxy's
 * packets reach the file within about a second), and on close, reopen
 * and reload.  Writes take turns on a process-shared mutex in memory
 * the leader maps before the workers fork: a buffer is one run of the
 * file, never interleaved with another worker's records (the
 * timestamps of different workers' runs are not in order: `reordercap`
 * sorts a file).
 *
 * A worker does not wait on another's write for long: that write may
 * be stalled, lock held, and this worker's event loop, and so its
 * relaying, must go on.  When the lock is busy the full buffer is kept
 * aside and records go into a second one; both are written, the older
 * first, by the next flush that gets the lock (the next full buffer,
 * or the tick).  With both full it waits for the lock, at most
 * PCAP_STALL_SEC once, then drops the oldest records, counted in
 * pcap_write_errors, until the lock is free again.  Close, reopen and
 * reload wait for the lock.
 *
 * Under the mutex are the file's generation, bumped whenever the file
 * under the configured name changes (created, rotated, reopened after
 * a rename, a reload to another path): a worker whose descriptor is of
 * an older generation opens the path again (O_APPEND) before writing.
 * Rotation by size is done once, by the worker whose write took the
 * file past pcap_rotate_mb; the 24-byte header is written once, by the
 * worker that finds the file new or empty.  libpcap makes that header
 * (magic, version, LINKTYPE_RAW); a record is libpcap's 16-byte record
 * header (seconds, microseconds, captured and original length, in host
 * order as the header's magic says) and the packet, put in the buffer
 * here: pcap_dump() can only write to a stdio stream, and through one
 * in memory it took about 100 ns a record against 3 for two memcpy().
 *
 * A write error (a full disk) is logged once per episode, by whichever
 * worker met it, and counted (pcap_write_failures, and the records
 * lost in pcap_write_errors); relaying never waits for the pcap.  What
 * reached the disk stays readable: holding the mutex, the writer knows
 * no one else wrote, and cuts the file back to the end of its last
 * whole record.  The next write is tried a second later at the
 * earliest; the records in between are lost, and counted.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "pcapfile.h"
#include "server.h"

#define PCAP_BUFFER	65536		/* written when it holds this much */
#define PCAP_HEAD	24
#define PCAP_RECHEAD	16
#define PCAP_BIGGEST	(PCAP_RECHEAD + 40 + 8 + 65536)	/* a UDP datagram */
#define PCAP_ROOM	(PCAP_BUFFER + PCAP_BIGGEST)

/* What all workers share, under lock. */
struct pcapshared {
	pthread_mutex_t	lock;
	uint64_t	gen;		/* of the file under path */
	dev_t		dev;		/* that file */
	ino_t		ino;
	int		failing;	/* an episode of failed writes */
	int		stuck;		/* cannot cut back: off until reopen */
	int		cannot_rotate;	/* said once */
	time_t		retry;		/* after a failed write: not before */
	uint64_t	full_at;	/* the size the file had reached */
	uint64_t	end;		/* of its last whole record */
	int		torn;		/* a writer died holding the lock */
	char		path[PATH_MAX];
};

static struct pcapshared *sh;
static char		*path;		/* this worker's configured path */
static uint64_t		 rotate_bytes, keep;
static int		 refused;	/* the file is not ours: off */
static int		 fd = -1;
static uint64_t		 fd_gen;	/* the generation fd is of */
/* Whole records gathered, not yet written. */
struct pcapbuf {
	uint8_t		*p;		/* PCAP_ROOM bytes */
	size_t		 used;
	uint64_t	 nrec;		/* records in it */
};
static struct pcapbuf	 cur;		/* records go here */
static struct pcapbuf	 aside;		/* a full one, older than cur */
static uint8_t		 head[PCAP_HEAD];	/* libpcap's file header */
static struct event	*tick;
static int		 test_wait;	/* tests only: flushes wait */
static int		 overrun;	/* dropped for a busy lock: said */
static int		 stalled;	/* waited PCAP_STALL_SEC in vain */

/*
 * The leader, before the workers fork: the shared block and its mutex
 * (robust: a worker gone with it held leaves it usable).
 */
int
pcapfile_share(void)
{
	pthread_mutexattr_t a;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		sh = NULL;
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	if (pthread_mutexattr_init(&a) != 0)
		return -1;
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&sh->lock, &a) != 0) {
		pthread_mutexattr_destroy(&a);
		return -1;
	}
	pthread_mutexattr_destroy(&a);
	/* A write past a file size limit (RLIMIT_FSIZE) fails with EFBIG,
	 * as on a full disk, instead of killing the worker that holds the
	 * lock, in the middle of a record. */
	signal(SIGXFSZ, SIG_IGN);
	return 0;
}

/* A writer that died holding the lock may have left part of a record:
 * the next write cuts the file back to sh->end first. */
static void
lock(void)
{
	if (pthread_mutex_lock(&sh->lock) == EOWNERDEAD) {
		sh->torn = 1;
		pthread_mutex_consistent(&sh->lock);
	}
}

/* As lock(), but 0 only when the lock was free (or its holder dead). */
static int
lock_try(void)
{
	int r = pthread_mutex_trylock(&sh->lock);

	if (r == EOWNERDEAD) {
		sh->torn = 1;
		pthread_mutex_consistent(&sh->lock);
		r = 0;
	}
	return r == 0 ? 0 : -1;
}

/*
 * How long a worker whose two buffers are full waits for another's
 * write before it drops records instead: long enough that a busy but
 * healthy machine (a lock holder descheduled for a while) loses
 * nothing, short enough that a stalled write (a hung mount) holds this
 * worker's relaying up once, for a second, not for as long as the
 * stall lasts: after one such wait it only tries the lock until it
 * gets it again.
 */
#define PCAP_STALL_SEC	1

/* As lock(), for at most PCAP_STALL_SEC: 0 when taken. */
static int
lock_wait(void)
{
	struct timespec	t;
	int		r;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += PCAP_STALL_SEC;
	r = pthread_mutex_clocklock(&sh->lock, CLOCK_MONOTONIC, &t);
	if (r == EOWNERDEAD) {
		sh->torn = 1;
		pthread_mutex_consistent(&sh->lock);
		r = 0;
	}
	return r == 0 ? 0 : -1;
}

static void
unlock(void)
{
	pthread_mutex_unlock(&sh->lock);
}

/* The buffer is empty again. */
static void
buffer_reset(struct pcapbuf *b)
{
	b->used = 0;
	b->nrec = 0;
}

/* The buffer is not written: its records are lost, and counted. */
static void
buffer_drop(struct pcapbuf *b)
{
	server.count->pcap_write_errors += b->nrec;
	buffer_reset(b);
}

/* Under lock: a write failed; the first of an episode is said. */
static void
episode(uint64_t size, int err)
{
	if (sh->failing)
		return;
	sh->failing = 1;
	sh->full_at = size;
	server.count->pcap_write_failures++;
	log_error("pcap %s: cannot write (%s); packets are lost until it "
	    "can, relaying goes on", sh->path, strerror(err));
}

/* Under lock: the file cannot be cut back, so it is not written on. */
static void
stuck(void)
{
	sh->stuck = 1;
	log_error("pcap %s: cannot cut the file back to its last whole "
	    "record; not writing to it until SIGUSR1 or a reload", sh->path);
}

/* Writes all of p, or returns the bytes written (errno set). */
static size_t
write_all(const uint8_t *p, size_t n)
{
	size_t	off = 0;
	ssize_t	r;

	while (off < n) {
		if ((r = write(fd, p + off, n - off)) < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ENOSPC;
			break;
		}
		off += (size_t)r;
	}
	return off;
}

/*
 * Under lock: the header of a new or empty file.  A file that cannot
 * take it is cut back to nothing and tried again with the next write.
 */
static int
put_head(int reg)
{
	if (write_all(head, PCAP_HEAD) == PCAP_HEAD) {
		sh->end = PCAP_HEAD;
		return 0;
	}
	episode(0, errno);
	if (!reg || ftruncate(fd, 0) == -1)
		stuck();
	else
		sh->retry = time(NULL) + 1;
	return -1;
}

/*
 * Under lock: opens the configured file.  A file new to the workers
 * (not the one of the current generation) that is empty gets the
 * header, one that has ours is written on after its last byte, one
 * that is not a pcap of ours (any other bytes, even fewer than a
 * header) is refused; the generation moves on.  After a rotation
 * (fresh) the name was just freed: it is created, never truncated, so
 * a file or symlink put there meanwhile goes through the same checks.
 */
static int
attach(int fresh)
{
	struct stat	st;
	uint32_t	magic = 0, link = 0;
	uint8_t		h[PCAP_HEAD];
	int		reg;

	if (fd != -1)
		close(fd);
	/* O_NONBLOCK: a FIFO with a slow reader (or none) fails a write
	 * rather than stopping, lock held, every worker's event loop. */
	fd = open(sh->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NONBLOCK | (fresh ? O_EXCL : 0), 0640);
	if (fd == -1 && fresh && errno == EEXIST) {
		fresh = 0;
		fd = open(sh->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NONBLOCK, 0640);
	}
	if (fd == -1 || fstat(fd, &st) == -1) {
		int err = errno;

		log_error("pcap %s: %s", sh->path, strerror(err));
		if (fd != -1)
			close(fd);
		fd = -1;
		errno = err;
		return -1;
	}
	if (!fresh && sh->gen != 0 && st.st_dev == sh->dev &&
	    st.st_ino == sh->ino) {
		fd_gen = sh->gen;	/* another worker's new file */
		return 0;
	}
	reg = S_ISREG(st.st_mode);
	if (st.st_size >= PCAP_HEAD && pread(fd, h, PCAP_HEAD, 0) ==
	    PCAP_HEAD) {
		memcpy(&magic, h, 4);
		memcpy(&link, h + 20, 4);
	}
	if ((reg && st.st_size > 0 && st.st_size < PCAP_HEAD) ||
	    (st.st_size >= PCAP_HEAD && (magic != 0xa1b2c3d4 || link != 101))) {
		/* (microseconds, LINKTYPE_RAW, in host order: ours) */
		log_error("pcap %s: not a capture of pinhole's, left alone",
		    sh->path);
		close(fd);
		fd = -1;
		refused = 1;
		return -1;
	}
	sh->dev = st.st_dev;
	sh->ino = st.st_ino;
	sh->end = reg && st.st_size >= PCAP_HEAD ? (uint64_t)st.st_size : 0;
	sh->torn = 0;
	fd_gen = ++sh->gen;
	if (!reg || st.st_size < PCAP_HEAD)
		put_head(reg);
	return 0;
}

/* Under lock, after the buffer was written: PATH.1 ... PATH.keep. */
static void
rotate(void)
{
	char	 from[PATH_MAX + 32], to[PATH_MAX + 32];

	for (uint64_t k = keep; k > 1; k--) {
		snprintf(from, sizeof(from), "%s.%llu", sh->path,
		    (unsigned long long)(k - 1));
		snprintf(to, sizeof(to), "%s.%llu", sh->path,
		    (unsigned long long)k);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.%llu", sh->path, 1ULL);
	if ((keep > 0 ? rename(sh->path, to) : unlink(sh->path)) == -1 &&
	    errno != ENOENT) {
		/* Written on rather than truncated: nothing is lost. */
		if (!sh->cannot_rotate)
			log_error("pcap %s: cannot rotate (%s); writing on "
			    "past pcap_rotate_mb", sh->path, strerror(errno));
		sh->cannot_rotate = 1;
		return;
	}
	sh->cannot_rotate = 0;
	attach(1);
}

/* The bytes of the first whole records among the first n of buf. */
static size_t
whole(const uint8_t *buf, size_t n, uint64_t *count)
{
	size_t		p = 0;
	uint32_t	caplen;

	*count = 0;
	while (p + PCAP_RECHEAD <= n) {
		memcpy(&caplen, buf + p + 8, 4);
		if (p + PCAP_RECHEAD + caplen > n)
			break;
		p += PCAP_RECHEAD + caplen;
		(*count)++;
	}
	return p;
}

/*
 * Under lock: the buffer to the end of the file; on a short write the
 * file is cut back to its last whole record (no one else wrote since
 * its size was taken).
 */
static void
write_out(struct pcapbuf *b)
{
	struct stat	st;
	uint64_t	before, kept;
	size_t		n, good;
	int		reg;

	if (fstat(fd, &st) == -1) {
		episode(0, errno);
		buffer_drop(b);
		return;
	}
	reg = S_ISREG(st.st_mode);
	before = (uint64_t)st.st_size;
	if (sh->torn && reg && st.st_dev == sh->dev && st.st_ino == sh->ino &&
	    before > sh->end) {
		/* past the last whole record: a dead writer's part of one */
		if (ftruncate(fd, (off_t)sh->end) == -1) {
			stuck();
			buffer_drop(b);
			return;
		}
		log_warn("pcap %s: a worker died writing; the file is cut back "
		    "to its last whole record", sh->path);
		before = sh->end;
	}
	sh->torn = 0;
	if (reg && before < PCAP_HEAD) {
		/* cut back to nothing after a failure */
		if ((before > 0 && ftruncate(fd, 0) == -1) || put_head(reg)) {
			buffer_drop(b);
			return;
		}
		before = PCAP_HEAD;
	}
	if ((n = write_all(b->p, b->used)) == b->used) {
		sh->retry = 0;
		/* Written again only past where the disk was full: records
		 * that fit in the bytes a cut-back freed end no episode. */
		if (sh->failing && (!reg || before + b->used > sh->full_at)) {
			log_info("pcap %s: writing again", sh->path);
			sh->failing = 0;
		}
		before += b->used;
		sh->end = before;
		buffer_reset(b);
		if (rotate_bytes > 0 && reg && before >= rotate_bytes)
			rotate();
		return;
	}
	episode(before + n, errno);
	good = whole(b->p, n, &kept);
	b->nrec -= kept;
	buffer_drop(b);
	if (!reg || ftruncate(fd, (off_t)(before + good)) == -1)
		stuck();
	else {
		sh->end = before + good;
		sh->retry = time(NULL) + 1;
	}
}

/* Under lock: a buffer to the file, or lost while the file cannot
 * take it. */
static void
put(struct pcapbuf *b)
{
	if (b->used == 0)
		return;
	if (sh->stuck || (sh->retry != 0 && time(NULL) < sh->retry))
		buffer_drop(b);
	else if ((fd == -1 || fd_gen != sh->gen) && attach(0) == -1) {
		if (!refused && !sh->failing)
			episode(0, errno);
		sh->retry = time(NULL) + 1;
		buffer_drop(b);
	} else if (sh->stuck)
		buffer_drop(b);
	else
		write_out(b);
}

/*
 * The lock is held by another worker (its write may be stalled: a hung
 * mount, dirty-page throttling): the full buffer is kept aside and cur
 * starts empty.  With one aside already, flush() has waited for the
 * lock for PCAP_STALL_SEC in vain (or did once, and the lock has not
 * been free since): the aside's records, the oldest, are dropped and
 * counted, as waiting on would stop this worker's event loop, and so
 * its relaying, for as long as the other's write takes.  Two bound the
 * memory (128 KiB a worker).
 */
static void
set_aside(void)
{
	uint8_t	*p;

	if (aside.p == NULL && (aside.p = malloc(PCAP_ROOM)) == NULL) {
		buffer_drop(&cur);
		return;
	}
	if (aside.used > 0 && !overrun) {
		/* once until this worker writes again */
		log_warn("pcap %s: another worker has held the file's lock "
		    "for over %d s (a stalled write?): packets are lost "
		    "until it lets go, relaying goes on", path,
		    PCAP_STALL_SEC);
		overrun = 1;
	}
	buffer_drop(&aside);
	p = aside.p;
	aside = cur;
	cur.p = p;
	buffer_reset(&cur);
}

#define FLUSH_TICK	0	/* the second's tick: cur need not empty */
#define FLUSH_FULL	1	/* cur is full: it empties, lock or not */
#define FLUSH_WAIT	2	/* close, reopen, reload: waits for the lock */

/* The buffers to the file, the older first, one run each. */
static void
flush(int how)
{
	if (cur.used == 0 && aside.used == 0)
		return;
	if (how == FLUSH_WAIT || test_wait)
		lock();
	else if (lock_try() == -1) {
		if (how != FLUSH_FULL)
			return;
		if (aside.used == 0 || stalled || lock_wait() == -1) {
			stalled = aside.used > 0;
			set_aside();
			return;
		}
	}
	overrun = 0;
	stalled = 0;
	put(&aside);
	put(&cur);
	unlock();
}

static void
tick_flush(evutil_socket_t s, short what, void *arg)
{
	(void)s;
	(void)what;
	(void)arg;
	flush(FLUSH_TICK);
}

/* Records are taken: the file is configured, ours, and not given up. */
int
pcapfile_on(void)
{
	return path != NULL && !refused && !sh->stuck;
}

void
pcapfile_write(const struct pcap_pkthdr *h, const uint8_t *pkt)
{
	size_t		rec = PCAP_RECHEAD + h->caplen;
	uint32_t	r[4];

	if (rec > PCAP_BIGGEST)
		return;
	if (cur.used > 0 && cur.used + rec > PCAP_BUFFER)
		flush(FLUSH_FULL);
	/* libpcap's record header (struct pcap_sf_pkthdr) */
	r[0] = (uint32_t)h->ts.tv_sec;
	r[1] = (uint32_t)h->ts.tv_usec;
	r[2] = h->caplen;
	r[3] = h->len;
	memcpy(cur.p + cur.used, r, PCAP_RECHEAD);
	memcpy(cur.p + cur.used + PCAP_RECHEAD, pkt, h->caplen);
	cur.used += rec;
	cur.nrec++;
	if (cur.used >= PCAP_BUFFER)
		flush(FLUSH_FULL);
}

/*
 * The buffer, and the file header as libpcap writes it (into memory:
 * a little more room than it takes, for the NUL a memory stream adds).
 */
static int
buffer_open(void)
{
	uint8_t		 h[PCAP_HEAD + 8];
	pcap_t		*dead;
	pcap_dumper_t	*d = NULL;
	FILE		*fp;
	int		 rc = -1;

	/* aside is made when first needed: most workers never need it */
	if ((cur.p = malloc(PCAP_ROOM)) == NULL)
		return -1;
	memset(h, 0, sizeof(h));
	if ((dead = pcap_open_dead(DLT_RAW, 65535)) == NULL)
		return -1;
	if ((fp = fmemopen(h, sizeof(h), "w")) != NULL &&
	    (d = pcap_dump_fopen(dead, fp)) == NULL)
		fclose(fp);
	if (d != NULL && pcap_dump_flush(d) == 0) {
		memcpy(head, h, PCAP_HEAD);
		rc = 0;
	}
	if (d != NULL)
		pcap_dump_close(d);
	pcap_close(dead);
	buffer_reset(&cur);
	buffer_reset(&aside);
	return rc;
}

int
pcapfile_open(const struct config *c)
{
	struct timeval	sec = { 1, 0 };
	int		rc;

	pcapfile_close();
	if (c->pcap == NULL)
		return 0;
	if (sh == NULL || buffer_open() == -1 ||
	    (path = strdup(c->pcap)) == NULL) {
		pcapfile_close();
		return -1;
	}
	rotate_bytes = c->pcap_rotate_mb * 1024 * 1024;
	keep = c->pcap_keep;
	if (server.base != NULL &&
	    ((tick = event_new(server.base, -1, EV_PERSIST, tick_flush,
	    NULL)) == NULL || event_add(tick, &sec) == -1))
		log_warn("pcap %s: no timer: records reach the file as the "
		    "buffer fills", path);
	lock();
	if (strcmp(sh->path, path) != 0) {
		/* another file: new to every worker */
		snprintf(sh->path, sizeof(sh->path), "%s", path);
		sh->dev = 0;
		sh->ino = 0;
		sh->gen++;
		sh->failing = 0;
		sh->retry = 0;
	}
	/* A file given up (cannot be cut back) is tried again at a
	 * reload that touches the pcap, as the log line says (an episode
	 * of failed writes goes on: counted once). */
	sh->stuck = 0;
	rc = attach(0);
	unlock();
	return rc;
}

/*
 * Opens the file again under its name (SIGUSR1, after a rename): a
 * file still there is written on, one renamed away is started anew by
 * the first worker to get here, and the others follow it.
 */
int
pcapfile_reopen(void)
{
	int rc;

	if (path == NULL)
		return 0;
	flush(FLUSH_WAIT);
	lock();
	sh->failing = 0;
	sh->stuck = 0;
	sh->retry = 0;
	refused = 0;
	rc = attach(0);
	unlock();
	return rc;
}

void
pcapfile_close(void)
{
	if (path != NULL && cur.p != NULL)
		flush(FLUSH_WAIT);
	if (tick != NULL)
		event_free(tick);
	tick = NULL;
	free(cur.p);
	free(aside.p);
	memset(&cur, 0, sizeof(cur));
	memset(&aside, 0, sizeof(aside));
	if (fd != -1)
		close(fd);
	fd = -1;
	free(path);
	path = NULL;
	refused = 0;
}

/* Tests only: every flush waits for the lock, as before close (on),
 * so that writers at memory speed lose nothing to a busy lock. */
void
pcapfile_test_wait(int on)
{
	test_wait = on;
}

/* Tests only: holds (on) or releases the lock, as a stalled writer. */
void
pcapfile_test_hold(int on)
{
	if (on)
		lock();
	else
		unlock();
}
