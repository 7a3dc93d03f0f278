/*
 * The pcap file written by several processes at once (pcapfile.c), as
 * the workers write it: two writers forked after pcapfile_share, each
 * with its own counters in shared memory.  Every file is one header
 * and whole records, none lost or split at a rotation, each rotated
 * file just past pcap_rotate_mb (and where PATH.1 cannot be made, the
 * file is written on, not truncated); on a "full disk" (RLIMIT_FSIZE: a
 * write past it is cut short, then fails with EFBIG) every record is
 * either in the file or counted lost, the episode is counted once for
 * both, and the file takes records again once there is room.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "pcapfile.h"
#include "server.h"
#include "t.h"

#define MIB	(1024 * 1024)

static char			 dir[64];
static struct counters		*cnt;	/* one per writer, shared */
static int			 waiting = 1;	/* flushes wait for the lock */

/* What a walk over one file found. */
struct walk {
	int		ok;		/* one header, whole records to the end */
	long long	records[2];	/* by writer */
	long long	size;
	long long	first[2];	/* a writer's first record's number */
	long long	disorder;	/* records after a later one of theirs */
};

static struct walk
walk(const char *path)
{
	struct walk	 w = { 0, { 0, 0 }, 0, { -1, -1 }, 0 };
	long long	 last[2] = { -1, -1 };
	uint8_t		 h[24];
	uint32_t	 r[4], magic;
	uint16_t	 v[2];
	FILE		*fp = fopen(path, "rb");

	if (fp == NULL)
		return w;
	if (fread(h, 1, 24, fp) != 24) {
		fclose(fp);
		return w;
	}
	/* libpcap's: microseconds, 2.4, snap length 65535, LINKTYPE_RAW */
	memcpy(&magic, h, 4);
	memcpy(v, h + 4, 4);
	memcpy(r, h + 8, 16);
	w.ok = magic == 0xa1b2c3d4 && v[0] == 2 && v[1] == 4 &&
	    r[2] == 65535 && r[3] == 101;
	w.size = 24;
	while (w.ok && fread(r, 1, 16, fp) == 16) {
		uint8_t	pkt[2048];

		/* ts_usec says the writer; caplen <= len; IPv4 */
		if (r[2] > sizeof(pkt) || r[2] > r[3] || r[1] > 1 ||
		    fread(pkt, 1, r[2], fp) != r[2] || pkt[0] != 0x45) {
			w.ok = 0;
			break;
		}
		w.records[r[1]]++;
		w.size += 16 + r[2];
		/* ts_sec is the record's number, in its writer's order */
		if (w.first[r[1]] == -1)
			w.first[r[1]] = r[0];
		w.disorder += (long long)r[0] <= last[r[1]];
		last[r[1]] = r[0];
	}
	if (w.ok && !feof(fp))
		w.ok = 0;
	if (w.ok && fgetc(fp) != EOF)
		w.ok = 0;	/* a cut header */
	fclose(fp);
	return w;
}

/* Records from..from+n-1 (60 to 1060 bytes) from writer who. */
static void
numbered(int who, int from, int n)
{
	struct pcap_pkthdr	h;
	uint8_t			pkt[1060];

	memset(pkt, who + 1, sizeof(pkt));
	pkt[0] = 0x45;
	for (int i = from; i < from + n; i++) {
		h.ts.tv_sec = i;
		h.ts.tv_usec = who;
		h.caplen = h.len = 60 + (uint32_t)(i * 7919 % 1001);
		pcapfile_write(&h, pkt);
	}
}

/* n records of 60 to 1060 bytes from writer who. */
static void
records(int who, int n)
{
	numbered(who, 0, n);
}

static char *
dirname_of(char *path)
{
	static char	d[200];
	char		*slash;

	snprintf(d, sizeof(d), "%s", path);
	if ((slash = strrchr(d, '/')) != NULL)
		*slash = '\0';
	return d;
}

/* An empty file at path. */
static void
touch_file(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL)
		fclose(fp);
}

/* The files of folder d, then d. */
static void
remove_all(const char *d)
{
	DIR		*dp = opendir(d);
	struct dirent	*e;
	char		 path[400];

	while (dp != NULL && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, e->d_name);
		unlink(path);
	}
	if (dp != NULL)
		closedir(dp);
	rmdir(d);
}

static struct config
conf(const char *name, uint64_t rotate_mb, uint64_t keep)
{
	static char	path[128];
	struct config	c;

	memset(&c, 0, sizeof(c));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	c.pcap = path;
	c.pcap_rotate_mb = rotate_mb;
	c.pcap_keep = keep;
	return c;
}

/* Runs fn(who) in two processes at once; 0 when both exit 0. */
static int
two(void (*fn)(int))
{
	pid_t	pid[2];
	int	st, rc = 0;

	for (int who = 0; who < 2; who++)
		if ((pid[who] = fork()) == 0) {
			server.count = &cnt[who];
			fn(who);
			_exit(0);
		}
	for (int who = 0; who < 2; who++)
		if (pid[who] <= 0 || waitpid(pid[who], &st, 0) != pid[who] ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = -1;
	return rc;
}

static void
rotating(int who)
{
	struct config c = conf(waiting ? "rot.pcap" : "rotnw.pcap", 1, 50);

	pcapfile_test_wait(waiting);
	if (pcapfile_open(&c) == -1)
		_exit(1);
	records(who, 6000);
	pcapfile_close();
}

/* Two writers, 12,000 records (about 6.6 MB), rotation at 1 MiB; their
 * flushes wait for the lock (waiting) or, as in a worker, never do. */
static void
test_rotation(void)
{
	const char	*t = waiting ? "rotation" : "rotation, not waiting";
	const char	*name = waiting ? "rot.pcap" : "rotnw.pcap";
	char		 path[160];
	long long	 got[2] = { 0, 0 }, n = 0, bad = 0, size_bad = 0;
	struct walk	 w;

	memset(cnt, 0, 2 * sizeof(*cnt));
	t_int(two(rotating), 0, "%s: two writers ran", t);
	for (int k = 0; k <= 50; k++) {
		if (k == 0)
			snprintf(path, sizeof(path), "%s/%s", dir, name);
		else
			snprintf(path, sizeof(path), "%s/%s.%d", dir, name, k);
		if (access(path, F_OK) == -1)
			break;
		w = walk(path);
		n++;
		bad += !w.ok;
		got[0] += w.records[0];
		got[1] += w.records[1];
		if (k > 0 && (w.size < MIB || w.size > MIB + 65536 + 1100))
			size_bad++;
	}
	t_int(bad, 0, "%s: every file is one header and whole records", t);
	t_int(size_bad, 0, "%s: every rotated file just past 1 MiB "
	    "(rotated once, not once per writer)", t);
	if (!waiting) {
		/* Writers at memory speed, not a relay's, often find the
		 * lock busy with both their buffers full: the oldest are
		 * dropped and counted, the files hold less than 6.6 MB. */
		t_int(got[0] + (long long)cnt[0].pcap_write_errors, 6000,
		    "%s: writer 0's 6000 records in the files or counted "
		    "lost (%lld lost)", t, (long long)cnt[0].pcap_write_errors);
		t_int(got[1] + (long long)cnt[1].pcap_write_errors, 6000,
		    "%s: writer 1's 6000 records in the files or counted "
		    "lost (%lld lost)", t, (long long)cnt[1].pcap_write_errors);
		return;
	}
	t_ok(n >= 6 && n <= 8, "rotation: %lld files for 6.6 MB at 1 MiB", n);
	t_int(got[0], 6000, "rotation: writer 0's 6000 records, none lost");
	t_int(got[1], 6000, "rotation: writer 1's 6000 records, none lost");
	t_int((long long)(cnt[0].pcap_write_errors + cnt[1].pcap_write_errors),
	    0, "rotation: no record counted lost");
}

static void
blocked(int who)
{
	struct config c = conf("blocked.pcap", 1, 1);

	pcapfile_test_wait(1);		/* lose none to a busy lock */
	if (pcapfile_open(&c) == -1)
		_exit(1);
	records(who, 2000);
	pcapfile_close();
}

/* PATH.1 cannot be made (a folder is there): written on, not cut. */
static void
test_cannot_rotate(void)
{
	char		 path[160];
	struct walk	 w;

	snprintf(path, sizeof(path), "%s/blocked.pcap.1/x", dir);
	mkdir(dirname_of(path), 0700);
	touch_file(path);
	memset(cnt, 0, 2 * sizeof(*cnt));
	t_int(two(blocked), 0, "cannot rotate: two writers ran");
	snprintf(path, sizeof(path), "%s/blocked.pcap", dir);
	w = walk(path);
	t_ok(w.ok && w.size > 2 * MIB, "cannot rotate: the file is written "
	    "on past 1 MiB, whole (%lld bytes)", w.size);
	t_int(w.records[0] + w.records[1], 4000,
	    "cannot rotate: all 4000 records in it, none truncated away");
}

/* A limit on file size stands in for a full disk. */
static void
disk(rlim_t bytes)
{
	struct rlimit rl;

	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = bytes;
	setrlimit(RLIMIT_FSIZE, &rl);
}

static void
filling(int who)
{
	struct config c = conf("full.pcap", 0, 0);

	signal(SIGXFSZ, SIG_IGN);
	disk(300000);
	if (pcapfile_open(&c) == -1)
		_exit(1);
	records(who, 1500);	/* about 1.7 MB between the two */
	pcapfile_close();
}

/* Two writers on a disk that fills up. */
static void
test_full(void)
{
	char		 path[160];
	struct walk	 w;
	long long	 lost;

	memset(cnt, 0, 2 * sizeof(*cnt));
	t_int(two(filling), 0, "full: two writers ran");
	snprintf(path, sizeof(path), "%s/full.pcap", dir);
	w = walk(path);
	t_ok(w.ok, "full: the file is one header and whole records (cut back "
	    "to the last whole one)");
	t_ok(w.size <= 300000 && w.size > 24,
	    "full: it holds what fitted (%lld bytes of 300000)", w.size);
	lost = (long long)(cnt[0].pcap_write_errors + cnt[1].pcap_write_errors);
	t_int(w.records[0] + w.records[1] + lost, 3000,
	    "full: records in the file (%lld) and counted lost (%lld) add up "
	    "to the 3000 written", w.records[0] + w.records[1], lost);
	t_int((long long)(cnt[0].pcap_write_failures +
	    cnt[1].pcap_write_failures), 1,
	    "full: one failure episode counted, not one per writer");
}

static void
recovering(int who)
{
	struct config		c = conf("back.pcap", 0, 0);
	struct timespec		sec = { 1, 100 * 1000 * 1000 };

	if (who == 1)
		return;
	signal(SIGXFSZ, SIG_IGN);
	disk(100000);
	if (pcapfile_open(&c) == -1)
		_exit(1);
	records(0, 500);	/* full */
	disk(RLIM_INFINITY);
	nanosleep(&sec, NULL);	/* tried again at most once a second */
	records(0, 200);	/* room again */
	disk(200000);
	nanosleep(&sec, NULL);
	records(0, 500);	/* full again: a second episode */
	pcapfile_close();
}

/* Room comes back: records are written again; a second episode. */
static void
test_recovery(void)
{
	char		 path[160];
	struct walk	 w;

	memset(cnt, 0, 2 * sizeof(*cnt));
	t_int(two(recovering), 0, "recovery: the writer ran");
	snprintf(path, sizeof(path), "%s/back.pcap", dir);
	w = walk(path);
	t_ok(w.ok, "recovery: one header and whole records");
	t_ok(w.size > 100000, "recovery: records written past the first "
	    "full mark once there was room (%lld bytes)", w.size);
	t_int(w.records[0] + (long long)cnt[0].pcap_write_errors, 1200,
	    "recovery: records in the file and lost add up to the 1200");
	t_int((long long)cnt[0].pcap_write_failures, 2,
	    "recovery: two episodes counted");
}

/* Runs fn(who) in one process, then the next; the wait statuses. */
static void
one_then_other(void (*fn)(int), int st[2])
{
	for (int who = 0; who < 2; who++) {
		pid_t pid = fork();

		st[who] = -1;
		if (pid == 0) {
			server.count = &cnt[who];
			fn(who);
			_exit(0);
		}
		if (pid > 0 && waitpid(pid, &st[who], 0) != pid)
			st[who] = -1;
	}
}

/* Writer 0 dies in the middle of a record, lock held (SIGXFSZ at its
 * default: killed at the write past the limit); writer 1 comes next. */
static void
dying(int who)
{
	struct config c = conf("dead.pcap", 0, 0);

	if (who == 0) {
		signal(SIGXFSZ, SIG_DFL);
		disk(100007);
	}
	if (pcapfile_open(&c) == -1)
		_exit(1);
	records(who, who == 0 ? 500 : 100);
	pcapfile_close();
}

static void
test_dead_writer(void)
{
	char		 path[160];
	struct walk	 w;
	int		 st[2];

	memset(cnt, 0, 2 * sizeof(*cnt));
	one_then_other(dying, st);
	t_ok(WIFSIGNALED(st[0]) && WTERMSIG(st[0]) == SIGXFSZ,
	    "dead writer: writer 0 died in a write, the lock held");
	t_ok(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 0,
	    "dead writer: writer 1 took the lock after it and ran");
	snprintf(path, sizeof(path), "%s/dead.pcap", dir);
	w = walk(path);
	t_ok(w.ok, "dead writer: the file is one header and whole records "
	    "(the dead writer's part of a record cut away)");
	t_int(w.records[1], 100, "dead writer: writer 1's 100 records in it");
}

/* A file size limit, SIGXFSZ left as pcapfile_share set it. */
static void
limited(int who)
{
	struct config c = conf("limit.pcap", 0, 0);

	if (who == 1)
		return;
	disk(100007);
	if (pcapfile_open(&c) == -1)
		_exit(1);
	records(0, 500);
	pcapfile_close();
}

static void
test_size_limit(void)
{
	char		 path[160];
	struct walk	 w;
	int		 st[2];

	memset(cnt, 0, 2 * sizeof(*cnt));
	one_then_other(limited, st);
	t_ok(WIFEXITED(st[0]) && WEXITSTATUS(st[0]) == 0,
	    "size limit: the writer lives on past RLIMIT_FSIZE (status %#x)",
	    st[0]);
	snprintf(path, sizeof(path), "%s/limit.pcap", dir);
	w = walk(path);
	t_ok(w.ok, "size limit: one header and whole records");
	t_int(w.records[0] + (long long)cnt[0].pcap_write_errors, 500,
	    "size limit: records in the file and counted lost add up to 500");
}

/* A FIFO no one reads: a write fails, it never waits (bounded: alarm). */
static void
piping(int who)
{
	struct config c = conf("fifo.pcap", 0, 0);

	if (who == 1)
		return;
	alarm(20);
	if (pcapfile_open(&c) == -1)
		_exit(1);
	records(0, 2000);	/* about 1.1 MB: the pipe takes 64 KiB */
	pcapfile_close();
}

static void
test_fifo(void)
{
	char		 path[160];
	int		 st[2];

	snprintf(path, sizeof(path), "%s/fifo.pcap", dir);
	if (mkfifo(path, 0600) == -1) {
		t_ok(0, "fifo: mkfifo %s", path);
		return;
	}
	memset(cnt, 0, 2 * sizeof(*cnt));
	one_then_other(piping, st);
	t_ok(WIFEXITED(st[0]) && WEXITSTATUS(st[0]) == 0,
	    "fifo: the writer never blocked on a full pipe (status %#x)",
	    st[0]);
	t_ok(cnt[0].pcap_write_failures == 1 && cnt[0].pcap_write_errors > 0,
	    "fifo: one failure counted, and the records lost (%llu)",
	    (unsigned long long)cnt[0].pcap_write_errors);
	/* given up ("until SIGUSR1 or a reload"): a reload takes it up */
	{
		struct config c = conf("fifo.pcap", 0, 0);
		int fd = open(path, O_RDONLY | O_NONBLOCK);
		char drain[4096];

		while (fd != -1 && read(fd, drain, sizeof(drain)) > 0)
			;
		server.count = &cnt[0];
		t_int(pcapfile_open(&c), 0, "fifo: opened again (a reload)");
		t_int(pcapfile_on(), 1, "fifo: records taken again after it");
		pcapfile_close();
		if (fd != -1)
			close(fd);
	}
	unlink(path);
}

/* A file of someone else's at the path, shorter than a pcap header,
 * reached through a symlink: refused, left as it was. */
static void
test_small_file(void)
{
	char		 path[160], link[160], got[32];
	struct config	 c = conf("small.pcap", 0, 0);
	FILE		*fp;
	size_t		 n = 0;

	snprintf(path, sizeof(path), "%s/secret", dir);
	snprintf(link, sizeof(link), "%s/small.pcap", dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("token=abc123\n", fp);
		fclose(fp);
	}
	symlink(path, link);
	server.count = &cnt[0];
	t_int(pcapfile_open(&c), -1, "small file: the pcap is refused");
	t_int(pcapfile_on(), 0, "small file: no records are taken");
	pcapfile_close();
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(got, 1, sizeof(got) - 1, fp);
		fclose(fp);
	}
	got[n] = '\0';
	t_ok(strcmp(got, "token=abc123\n") == 0,
	    "small file: the 13 bytes are left as they were");
	unlink(link);
	unlink(path);
}

/*
 * A writer stalled with the lock held (writer 1), and writer 0 writing
 * meanwhile: writer 0 must never wait for it.  The processes take
 * turns through pipes: one byte to go on, EOF when a process is gone
 * (a writer 0 blocked in the lock is ended by its alarm).
 */
struct stall {
	int	held;		/* writer 0's records while the lock is held */
	int	after;		/* its records once it is free, before close */
	int	up[2];		/* to the test */
	int	down[2][2];	/* to writer 0, to writer 1 */
};

static struct stall	stall;

static int
get(int fd)
{
	char	c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

static void
put(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		return;		/* gone: its status says why */
}

/* The walk of stall.pcap, as writer 0 sees it, to the test. */
static void
tell_walk(void)
{
	char		 path[160];
	struct walk	 w;

	snprintf(path, sizeof(path), "%s/stall.pcap", dir);
	w = walk(path);
	if (write(stall.up[1], &w, sizeof(w)) != sizeof(w))
		_exit(1);
}

static void
stalling(int who)
{
	struct config c = conf("stall.pcap", 0, 0);

	alarm(20);
	if (pcapfile_open(&c) == -1)
		_exit(1);
	put(stall.up[1], 'o');			/* opened */
	if (who == 1) {
		numbered(1, 0, 50);		/* in its buffer, not written */
		pcapfile_test_hold(1);
		put(stall.up[1], 'h');		/* holds the lock */
		get(stall.down[1][0]);
		pcapfile_test_hold(0);
		numbered(1, 50, 50);
		pcapfile_close();
		return;
	}
	get(stall.down[0][0]);
	numbered(0, 0, stall.held);
	put(stall.up[1], 'w');			/* wrote, did not wait */
	get(stall.down[0][0]);
	numbered(0, stall.held, stall.after);
	tell_walk();
	pcapfile_close();
}

/* Writer 0 and 1 run as the test says; the file's walk while the lock
 * is held, and as writer 0 saw it after stall.after records more. */
static int
stalled(int held, int after, struct walk *during, struct walk *later,
    int st[2])
{
	pid_t	pid[2] = { -1, -1 };
	int	wrote;
	char	path[160];

	stall.held = held;
	stall.after = after;
	memset(later, 0, sizeof(*later));
	snprintf(path, sizeof(path), "%s/stall.pcap", dir);
	unlink(path);
	if (pipe(stall.up) == -1 || pipe(stall.down[0]) == -1 ||
	    pipe(stall.down[1]) == -1)
		return -1;
	memset(cnt, 0, 2 * sizeof(*cnt));
	for (int who = 0; who < 2; who++) {
		if ((pid[who] = fork()) == 0) {
			close(stall.up[0]);
			server.count = &cnt[who];
			stalling(who);
			_exit(0);
		}
		get(stall.up[0]);		/* opened */
	}
	close(stall.up[1]);
	get(stall.up[0]);			/* writer 1 holds the lock */
	put(stall.down[0][1], 'g');
	wrote = get(stall.up[0]) == 'w';	/* EOF if writer 0 waited */
	*during = walk(path);
	put(stall.down[1][1], 'r');		/* writer 1 lets go */
	if (pid[1] > 0)
		waitpid(pid[1], &st[1], 0);
	put(stall.down[0][1], 'g');
	if (read(stall.up[0], later, sizeof(*later)) != sizeof(*later))
		memset(later, 0, sizeof(*later));
	if (pid[0] > 0)
		waitpid(pid[0], &st[0], 0);
	for (int i = 0; i < 2; i++) {
		close(stall.down[i][0]);
		close(stall.down[i][1]);
	}
	close(stall.up[0]);
	return wrote;
}

/* More than one buffer (180 records, about 104 KB) while the lock is
 * held: kept in two buffers, written once it is free, none lost. */
static void
test_stalled(void)
{
	char		 path[160];
	struct walk	 during, later, w;
	int		 st[2] = { -1, -1 };

	t_int(stalled(180, 120, &during, &later, st), 1, "stalled: writer 0 "
	    "wrote 180 records (104 KB) while writer 1 held the lock, "
	    "without waiting for it");
	t_ok(during.ok && during.records[0] == 0 && during.records[1] == 0,
	    "stalled: nothing reached the file while the lock was held");
	t_ok(later.ok && later.records[0] >= 180 && later.disorder == 0,
	    "stalled: the next full buffer, the lock free, wrote the kept "
	    "ones (%lld records of writer 0's, in order)", later.records[0]);
	t_ok(WIFEXITED(st[0]) && WEXITSTATUS(st[0]) == 0 &&
	    WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 0,
	    "stalled: both writers ran to the end (%#x %#x)", st[0], st[1]);
	snprintf(path, sizeof(path), "%s/stall.pcap", dir);
	w = walk(path);
	t_ok(w.ok, "stalled: the file is one header and whole records");
	t_int(w.records[0], 300, "stalled: writer 0's 300 records, once each");
	t_int(w.records[1], 100, "stalled: writer 1's 100 records, once each");
	t_int(w.disorder, 0, "stalled: each writer's records in its order");
	t_int((long long)(cnt[0].pcap_write_errors + cnt[1].pcap_write_errors),
	    0, "stalled: no record counted lost");
}

/* 600 records (about 340 KB) while the lock is held: the oldest past
 * two buffers are dropped and counted, the newest reach the file. */
static void
test_stalled_over(void)
{
	char		 path[160];
	struct walk	 during, later, w;
	int		 st[2] = { -1, -1 };
	long long	 lost;

	t_int(stalled(600, 0, &during, &later, st), 1, "stalled over: writer "
	    "0 wrote 600 records (340 KB) while the lock was held, without "
	    "waiting");
	t_ok(WIFEXITED(st[0]) && WEXITSTATUS(st[0]) == 0,
	    "stalled over: writer 0 ran to the end (%#x)", st[0]);
	snprintf(path, sizeof(path), "%s/stall.pcap", dir);
	w = walk(path);
	lost = (long long)cnt[0].pcap_write_errors;
	t_ok(w.ok, "stalled over: the file is one header and whole records");
	t_ok(lost > 0 && w.records[0] > 113, "stalled over: %lld records "
	    "counted lost, %lld (more than a buffer's) in the file", lost,
	    w.records[0]);
	t_int(w.records[0] + lost, 600, "stalled over: in the file and "
	    "counted lost add up to the 600");
	t_ok(w.first[0] == lost && w.disorder == 0, "stalled over: the "
	    "oldest were dropped, the rest are in order (first %lld)",
	    w.first[0]);
	t_int(w.records[1], 100, "stalled over: writer 1's 100 records");
}

static void
cleanup(void)
{
	char	path[200];

	snprintf(path, sizeof(path), "%s/blocked.pcap.1/x", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/blocked.pcap.1", dir);
	rmdir(path);
	remove_all(dir);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(dir, sizeof(dir), "%s/pinhole-t-XXXXXX", tmp);
	cnt = mmap(NULL, 2 * sizeof(*cnt), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mkdtemp(dir) == NULL || cnt == MAP_FAILED || pcapfile_share() == -1) {
		t_ok(0, "a folder, shared counters and the shared lock");
		return t_done();
	}
	test_rotation();
	waiting = 0;
	test_rotation();
	test_cannot_rotate();
	test_full();
	test_recovery();
	test_size_limit();
	test_dead_writer();
	test_fifo();
	test_small_file();
	signal(SIGPIPE, SIG_IGN);
	test_stalled();
	test_stalled_over();
	cleanup();
	return t_done();
}
