/*
 * The sandbox of the running proxy, put in place once start-up is over
 * (ports bound, logs open, privileges dropped): from then on pinhole
 * only relays, reloads, refreshes lists, writes logs and the cache.
 * It comes in two halves, sandbox_confine (1 and 2 below) and
 * sandbox_filter (3), so that the password thread (hashcheck.c),
 * started between them, is bound by all three.
 *
 * 1. PR_SET_NO_NEW_PRIVS: no exec can gain privileges (and both Landlock
 *    and seccomp need it from a process without CAP_SYS_ADMIN).
 * 2. Landlock, where the kernel has it, limits the filesystem to reading
 *    the config, users, list, CA and hosts files, the folders they are in,
 *    and the system files the C library and OpenSSL read (resolv.conf,
 *    the CA store, the time zone), and to reading and writing files in
 *    the cache folder and the folders of the access, events and pcap
 *    files.  Nothing may be executed, and no signal sent outside.
 *    A file is allowed with its folder because editors and `sed -i`
 *    replace a file by renaming a new one over it: a rule on the file
 *    alone would follow the old one and the next reload would be
 *    refused.  Only a file right in / or /etc is allowed alone (a
 *    reload after replacing it needs a restart).  Paths a reload
 *    introduces are outside the rules: they need a restart.  A kernel
 *    without Landlock is said once, and pinhole runs on with seccomp.
 * 3. seccomp: an allowlist of the system calls pinhole makes after
 *    start-up; any other call fails with EPERM (visible in the log, no
 *    dead proxy), and the calls that only an attacker would make (exec,
 *    ptrace, modules, mounts, namespaces, bpf, ...) kill the process.
 *    The list was found by running the integration suite with
 *    -DPINHOLE_SANDBOX_AUDIT, which makes the default action "log"
 *    (audit records of type 1326 in dmesg) instead of EPERM: build with
 *    it to check the list again after a library changes.
 */
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <libgen.h>
#include <limits.h>
#include <linux/landlock.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "listcache.h"
#include "log.h"
#include "sandbox.h"
#include "workers.h"

/* Rights of later ABIs, for building with older kernel headers. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)	/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL		(1ULL << 1)	/* ABI 6 */
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION	(1U << 0)
#endif

#define FS_ALL_RIGHTS	((LANDLOCK_ACCESS_FS_IOCTL_DEV << 1) - 1)
/* The only rights a rule on a file (not a folder) may name. */
#define FS_FILE_RIGHTS	(LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define FS_READ		(LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_READ_DIR)
/* Appending, reopening, rotating (renames in one folder), the cache. */
#define FS_WRITE	(FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG | \
	LANDLOCK_ACCESS_FS_TRUNCATE)

/* The ruleset of every ABI: the kernel takes a longer struct if zeroed. */
struct ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct landlock {
	int		 fd;
	uint64_t	 handled;
	size_t		 nread, nwrite;
};

/* What the running kernel's Landlock handles; 0 without Landlock. */
static int
landlock_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	return (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Allows access beneath path (a folder) or to path (a file). */
static int
allow(struct landlock *ll, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr	 pb;
	struct stat				 st;
	int					 fd, rc;

	if (path == NULL || *path == '\0')
		return -1;
	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		log_debug("sandbox: %s: %s: not in the Landlock rules", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		access &= FS_FILE_RIGHTS;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access & ll->handled;
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, ll->fd,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	if (rc == -1)
		log_warn("sandbox: Landlock rule for %s: %s", path,
		    strerror(errno));
	else {
		log_debug("sandbox: %s %s", access & LANDLOCK_ACCESS_FS_WRITE_FILE
		    ? "read and write" : "read", path);
		if (access & LANDLOCK_ACCESS_FS_WRITE_FILE)
			ll->nwrite++;
		else
			ll->nread++;
	}
	close(fd);
	return rc;
}

/* Folders allowed only as the one file asked for, never all beneath. */
static int
broad(const char *dir)
{
	return strcmp(dir, "/") == 0 || strcmp(dir, "/etc") == 0;
}

/*
 * The folder of path, as written and as resolved (a symlink into
 * another folder), with access; a file in a broad folder alone.
 */
static void
allow_folder_of(struct landlock *ll, const char *path, uint64_t access)
{
	char	 copy[PATH_MAX], real[PATH_MAX];
	char	*dir, *rdir;

	if (path == NULL || *path == '\0' || strlen(path) >= sizeof(copy))
		return;
	memcpy(copy, path, strlen(path) + 1);
	dir = dirname(copy);
	if (!broad(dir))
		allow(ll, dir, access);
	if (realpath(path, real) == NULL)
		return;
	rdir = dirname(real);
	if (!broad(rdir) && strcmp(rdir, dir) != 0)
		allow(ll, rdir, access);
}

/* A file read at run time, with its folder (see the top). */
static void
allow_read_file(struct landlock *ll, const char *path)
{
	if (path == NULL || *path == '\0')
		return;
	allow(ll, path, FS_READ);
	allow_folder_of(ll, path, FS_READ);
}

/*
 * A log target that is a file: the file, and its folder for reopening
 * after a rename and for rotating (syslog's /dev/log is a socket, which
 * Landlock does not restrict).
 */
static void
allow_log(struct landlock *ll, const char *target)
{
	if (target == NULL || strcmp(target, "stderr") == 0 ||
	    strcmp(target, "syslog") == 0 || strcmp(target, "off") == 0)
		return;
	allow(ll, target, FS_WRITE);
	allow_folder_of(ll, target, FS_WRITE);
}

/* Where OpenSSL looks for CAs: $SSL_CERT_DIR is a list, ':' between. */
static void
allow_openssl(struct landlock *ll)
{
	char		 buf[PATH_MAX], *p, *save;
	const char	*env, *dir;

	allow(ll, X509_get_default_cert_file(), FS_READ);
	allow(ll, X509_get_default_cert_dir(), FS_READ);
	allow(ll, getenv(X509_get_default_cert_file_env()), FS_READ);
	if ((env = getenv(X509_get_default_cert_dir_env())) != NULL &&
	    strlen(env) < sizeof(buf)) {
		memcpy(buf, env, strlen(env) + 1);
		for (p = strtok_r(buf, ":", &save); p != NULL;
		    p = strtok_r(NULL, ":", &save))
			allow(ll, p, FS_READ);
	}
	allow_read_file(ll, getenv("OPENSSL_CONF"));
	/* OPENSSLDIR (openssl.cnf, certs/): "OPENSSLDIR: \"/usr/lib/ssl\"" */
	dir = OpenSSL_version(OPENSSL_DIR);
	if ((p = strchr(dir, '"')) != NULL && strlen(p) < sizeof(buf)) {
		memcpy(buf, p + 1, strlen(p));
		buf[strcspn(buf, "\"")] = '\0';
		allow(ll, buf, FS_READ);
	}
}

/*
 * Returns 0 when the rules are in force or the kernel has no Landlock
 * (said once, here: this runs once), -1 when they could not be made.
 */
/* Is this the leader of several workers, which it signals? */
static int
leads_workers(void)
{
	const pid_t *pids;

	return workers_pids(&pids) > 1 && pids[1] > 0;
}

static int
landlock_apply(const struct config *c)
{
	/* Read by the C library and OpenSSL: name servers, the time zone
	 * of syslog's stamps, and the CA store with its symlink targets. */
	static const char *const system_files[] = {
		"/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/localtime",
		NULL
	};
	static const char *const system_dirs[] = {
		"/usr/share/zoneinfo", "/etc/ssl", "/usr/lib/ssl",
		"/usr/share/ca-certificates", "/usr/local/share/ca-certificates",
		NULL
	};
	struct ruleset_attr	 attr;
	struct landlock		 ll;
	int			 abi;

	if ((abi = landlock_abi()) < 1) {
		if (errno == ENOSYS || errno == EOPNOTSUPP) {
			log_warn("sandbox: this kernel has no Landlock (%s): "
			    "the filesystem is not restricted; the seccomp "
			    "filter is on", errno == ENOSYS ? "not built in" :
			    "turned off at boot");
			return 0;
		}
		log_error("sandbox: Landlock: %s", strerror(errno));
		return -1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = FS_ALL_RIGHTS;
	if (abi < 2)
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_REFER;
	if (abi < 3)
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi < 5)
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
	/* pinhole signals nobody but its own workers (a leader: seccomp
	 * lets its kill(2) reach those pids only): no kill(2) out of its
	 * domain. */
	if (abi >= 6 && !leads_workers())
		attr.scoped = LANDLOCK_SCOPE_SIGNAL;
	memset(&ll, 0, sizeof(ll));
	ll.handled = attr.handled_access_fs;
	ll.fd = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    abi >= 6 ? sizeof(attr) : abi >= 4 ? 2 * sizeof(uint64_t) :
	    sizeof(uint64_t), 0);
	if (ll.fd == -1) {
		log_error("sandbox: Landlock ruleset: %s", strerror(errno));
		return -1;
	}

	allow_read_file(&ll, c->path);
	allow_read_file(&ll, c->users_file);
	allow_read_file(&ll, c->hosts_file);
	for (size_t i = 0; i < c->nlists; i++) {
		allow_read_file(&ll, c->lists[i].file);
		allow_read_file(&ll, c->lists[i].ca_file);
	}
	for (size_t i = 0; system_files[i] != NULL; i++)
		allow_read_file(&ll, system_files[i]);
	for (size_t i = 0; system_dirs[i] != NULL; i++)
		allow(&ll, system_dirs[i], FS_READ);
	allow_openssl(&ll);

	/* The cache folder must exist to be named in a rule. */
	if (listcache_make_dirs(c->cache_dir) == -1)
		log_warn("sandbox: [cache] dir %s: %s: lists will not be "
		    "cached", c->cache_dir, strerror(errno));
	allow(&ll, c->cache_dir, FS_WRITE);
	allow_log(&ll, c->access);
	allow_log(&ll, c->events);
	allow_log(&ll, c->pcap);
#ifdef __SANITIZE_ADDRESS__
	/*
	 * ASan and UBSan builds only: the sanitizers read /proc/self (maps;
	 * task/, to stop the world for LeakSanitizer at exit) and symbolize
	 * their reports in process, from the program and its libraries.
	 */
	{
		static const char *const dirs[] = { "/proc/self", "/usr/lib",
		    "/lib", "/lib64", "/usr/lib64", NULL };
		char exe[PATH_MAX];

		for (size_t i = 0; dirs[i] != NULL; i++)
			allow(&ll, dirs[i], FS_READ);
		if (realpath("/proc/self/exe", exe) != NULL)
			allow(&ll, exe, FS_READ);
	}
#endif

	/* This thread and those it starts: the password and list threads
	 * come after (sandbox_confine). */
	if (syscall(SYS_landlock_restrict_self, ll.fd, 0) == -1) {
		log_error("sandbox: Landlock: %s", strerror(errno));
		close(ll.fd);
		return -1;
	}
	close(ll.fd);
	log_info("sandbox: Landlock ABI %d: %zu rules to read, %zu to read "
	    "and write", abi, ll.nread, ll.nwrite);
	return 0;
}

/*
 * The system calls of the running proxy, without argument checks: what
 * the integration suite made pinhole call after start-up (audit build,
 * see the top), plus the few that only rare paths reach (marked *) and
 * the names other architectures give the same calls (marked +).
 */
static const char *const allowed_calls[] = {
	/* descriptors: sockets, pipes, logs, the pcap (pread: reopening) */
	"read", "readv", "write", "writev", "pread64" /* * */, "lseek",
	"close", "fcntl", "fsync",
	/* files: config, users, lists, CAs, the cache, logs and rotation;
	 * unlink and ftruncate for pcap_keep = 0 and a write that failed */
	"openat", "newfstatat", "fstat" /* + */, "getdents64", "rename",
	"renameat" /* + */, "renameat2" /* + */, "mkdir", "mkdirat" /* + */,
	"unlink" /* * */, "unlinkat" /* + */, "ftruncate" /* * */,
	/* the relay's zero-copy path */
	"pipe2", "splice",
	/* the event loop and its signals */
	"epoll_wait", "epoll_pwait" /* + */, "epoll_ctl", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "restart_syscall" /* * */,
	/* sockets (socket(2) itself below, by family) */
	"accept4", "connect", "shutdown", "getsockname", "getpeername",
	"getsockopt", "sendto", "recvfrom",
	/* a UDP association's relay socket, on the client's address, and
	 * its datagrams a batch at a time */
	"bind", "recvmmsg", "sendmmsg",
	/* memory (mmap below) */
	"brk", "munmap", "mremap", "madvise",
	/* the C library and OpenSSL: randomness, locks, qsort's sysinfo;
	 * the clocks where the vDSO falls back to system calls */
	"getrandom", "futex", "sysinfo", "getpid", "gettid",
	"clock_gettime" /* * */, "gettimeofday" /* * */, "time" /* * */,
	"exit_group",
	/* the password and list threads' end, at exit (hashcheck.c,
	 * listjob.c; the list thread's epoll set is its own, made before) */
	"exit",
	/* the leader of several workers waiting for them at exit (and
	 * signalling them: kill below, to their pids only) */
	"wait4", "clock_nanosleep", "nanosleep" /* + */,
	NULL
};

#ifdef __SANITIZE_ADDRESS__
/*
 * ASan and UBSan builds only (make test): what the sanitizers need on
 * top, found the same way.  LeakSanitizer, at exit, clones a tracer
 * (clone below, with its flags only) that lists /proc/PID/task, attaches
 * to the threads with ptrace and waits for them; the runtime opens with
 * open(2), reads with getdents(2) and keeps an alternate signal stack;
 * reports read the program's symbols (readlink of /proc/self/exe).
 */
static const char *const sanitizer_calls[] = {
	"open", "getdents", "readlink", "getppid", "sched_yield",
	"sigaltstack", "ptrace",
	NULL
};
#endif

/*
 * Never made by pinhole, only by someone who took it over: the process
 * is killed.  (Anything else not allowed only fails with EPERM.)
 */
static const char *const killing_calls[] = {
	"execve", "execveat", "fork", "vfork", "clone3",
#ifndef __SANITIZE_ADDRESS__
	"clone", "ptrace",	/* LeakSanitizer's, above */
#endif
	"process_vm_readv", "process_vm_writev", "process_madvise",
	"pidfd_getfd", "kcmp", "kexec_load", "kexec_file_load",
	"init_module", "finit_module", "delete_module", "mount", "umount2",
	"mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig",
	"fsmount", "fspick", "pivot_root", "chroot", "setns", "unshare",
	"bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
	"request_key", "open_by_handle_at", "name_to_handle_at", "reboot",
	"swapon", "swapoff", "iopl", "ioperm", "io_uring_setup",
	"io_uring_enter", "io_uring_register", "acct", "quotactl",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"sethostname", "setdomainname", "personality",
	"syslog",	/* the kernel's log, not syslog(3) */
	"uselib", "lookup_dcookie", "vhangup",
	NULL
};

static int
add_rules(scmp_filter_ctx ctx, const char *const *names, uint32_t action,
    size_t *n)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not a call of this architecture */
		if (seccomp_rule_add(ctx, action, nr, 0) < 0) {
			log_error("sandbox: seccomp rule for %s", names[i]);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/*
 * One argument check: argument n equal to a (mask 0), or equal to b
 * under mask.  (libseccomp's SCMP_An() macros leave a field out, which
 * clang's -Wmissing-field-initializers refuses.)
 */
static struct scmp_arg_cmp
arg_is(unsigned n, scmp_datum_t mask, scmp_datum_t a)
{
	struct scmp_arg_cmp c;

	memset(&c, 0, sizeof(c));
	c.arg = n;
	if (mask == 0) {
		c.op = SCMP_CMP_EQ;
		c.datum_a = a;
	} else {
		c.op = SCMP_CMP_MASKED_EQ;
		c.datum_a = mask;
		c.datum_b = a;
	}
	return c;
}

/* The calls allowed with some arguments only; -1 on error. */
static int
add_arg_rules(scmp_filter_ctx ctx, size_t *n)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };
	const pid_t	*pids;
	int		 rc = 0, nw;

	/* Sockets of the families pinhole speaks (syslog, notify: UNIX). */
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    arg_is(0, 0, (scmp_datum_t)families[i]));
	/* libevent asks how much a socket has to read, and the relay how
	 * much a socket it resets had not delivered; nothing else.  (A
	 * refused TCGETS only makes stdio's isatty() say no.) */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    arg_is(1, 0xffffffffu, FIONREAD));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    arg_is(1, 0xffffffffu, SIOCOUTQ));
	/* No memory is made executable after start-up. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    arg_is(2, PROT_EXEC, 0));
	/* abort() signals this process only. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    arg_is(0, 0, (scmp_datum_t)getpid()));
	/* The relay turns Nagle's algorithm off on each tunnel's sockets,
	 * and passes a reset on with SO_LINGER 0; a UDP association raises
	 * its sockets' buffers; no other socket option is set after
	 * start-up. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    arg_is(1, 0, IPPROTO_TCP), arg_is(2, 0, TCP_NODELAY));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    arg_is(1, 0, SOL_SOCKET), arg_is(2, 0, SO_LINGER));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    arg_is(1, 0, SOL_SOCKET), arg_is(2, 0, SO_RCVBUF));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    arg_is(1, 0, SOL_SOCKET), arg_is(2, 0, SO_SNDBUF));
	*n += 7;
	/* The leader passes signals on to its followers, and to no one else. */
	nw = workers_pids(&pids);
	for (int w = 1; w < nw; w++)
		if (pids[w] > 0) {
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(kill), 1, arg_is(0, 0,
			    (scmp_datum_t)pids[w]));
			(*n)++;
		}
#ifdef __SANITIZE_ADDRESS__
	{
		/* LeakSanitizer's tracer, its ptrace permission, and ASan's
		 * own memory protection (never executable either). */
		static const int prctls[] = { PR_GET_DUMPABLE,
		    PR_SET_DUMPABLE, PR_SET_PTRACER, PR_SET_PDEATHSIG };

		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		    arg_is(0, 0, CLONE_VM | CLONE_FS | CLONE_FILES |
		    CLONE_UNTRACED));
		for (size_t i = 0; i < sizeof(prctls) / sizeof(prctls[0]); i++)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(prctl), 1, arg_is(0, 0,
			    (scmp_datum_t)prctls[i]));
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
		    1, arg_is(2, PROT_EXEC, 0));
		*n += 3;
	}
#endif
	return rc < 0 ? -1 : 0;
}

static int
seccomp_apply(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 nallowed = 0, nkilling = 0;
	int		 rc;

#ifdef PINHOLE_SANDBOX_AUDIT
	ctx = seccomp_init(SCMP_ACT_LOG);
#else
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
#endif
	if (ctx == NULL) {
		log_error("sandbox: seccomp: out of memory");
		return -1;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0 ||
	    add_rules(ctx, allowed_calls, SCMP_ACT_ALLOW, &nallowed) == -1 ||
	    add_arg_rules(ctx, &nallowed) == -1 ||
#ifdef __SANITIZE_ADDRESS__
	    add_rules(ctx, sanitizer_calls, SCMP_ACT_ALLOW, &nallowed) == -1 ||
#endif
	    add_rules(ctx, killing_calls, SCMP_ACT_KILL_PROCESS,
	    &nkilling) == -1) {
		seccomp_release(ctx);
		return -1;
	}
	if ((rc = seccomp_load(ctx)) < 0) {
		log_error("sandbox: seccomp: %s (set [proxy] sandbox = no to "
		    "run without it)", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	log_info("sandbox: seccomp: %zu system calls allowed, %zu kill the "
	    "process", nallowed, nkilling);
	return 0;
}

/*
 * The first half: no new privileges and the filesystem confined.  A
 * thread started after it is bound the same way (Landlock binds a
 * thread and those it starts), so the password thread starts between
 * the halves.  -1: the proxy must not run on.
 */
int
sandbox_confine(const struct config *c)
{
	if (!c->sandbox)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_error("sandbox: no_new_privs: %s", strerror(errno));
		return -1;
	}
	return landlock_apply(c);
}

/* The second half: the system-call filter, on every thread at once. */
int
sandbox_filter(const struct config *c)
{
	if (!c->sandbox)
		return 0;
	return seccomp_apply();
}

/* Confines the running proxy to what c needs; -1: it must not run on. */
int
sandbox_apply(const struct config *c)
{
	if (sandbox_confine(c) == -1 || sandbox_filter(c) == -1)
		return -1;
	return 0;
}
