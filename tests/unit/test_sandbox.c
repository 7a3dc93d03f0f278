/*
 * The sandbox (proxy/sandbox.c), applied in forked children of this
 * test program: a test build of the very code pinhole runs, so that
 * pinhole itself needs no hook that would try a forbidden call.  Each
 * child reports what its calls returned through a pipe, or dies: exec,
 * namespaces and the like must kill it with SIGSYS; other calls off the
 * list fail with EPERM; Landlock (where the kernel has it) refuses files
 * outside the config's, cache and log folders.  With sandbox = no
 * nothing is restricted.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sandbox.h"
#include "t.h"

static char	 dir[256];
static int	 have_landlock;

enum probe {
	P_APPLIED,		/* sandbox_apply() */
	P_READ_CONFIG,		/* the config file */
	P_READ_NEIGHBOUR,	/* another file in the config's folder */
	P_READ_OUTSIDE,		/* a file outside every rule */
	P_CACHE_WRITE,		/* write, then rename, in the cache */
	P_LOG_CREATE,		/* a new file in the access log's folder */
	P_CREATE_OUTSIDE,	/* a new file elsewhere */
	P_SOCKET_INET,		/* socket(AF_INET) */
	P_SOCKET_PACKET,	/* socket(AF_PACKET) */
	P_MMAP_EXEC,		/* executable memory */
	P_CHDIR,		/* a call off the list */
	P_KILL_OTHER,		/* a signal to another process */
	P_NODELAY,		/* TCP_NODELAY, which the relay sets */
	P_SOCKOPT_OTHER,	/* any other socket option */
	P_RCVBUF,		/* SO_RCVBUF, which a UDP association sets */
	P_MMSG,			/* sendmmsg and recvmmsg, its batches */
	P_COUNT
};

/* 0, or the errno of the failure. */
static int
try_open(const char *name, int flags)
{
	char	 path[512];
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, flags | O_CLOEXEC, 0640)) == -1)
		return errno;
	close(fd);
	return 0;
}

static int
try_cache_write(void)
{
	char	 from[512], to[512];
	int	 fd;

	snprintf(from, sizeof(from), "%s/cache/l.body.tmp", dir);
	snprintf(to, sizeof(to), "%s/cache/l.body", dir);
	if ((fd = open(from, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640))
	    == -1)
		return errno;
	if (write(fd, "x\n", 2) != 2 || fsync(fd) == -1) {
		close(fd);
		return errno;
	}
	close(fd);
	return rename(from, to) == -1 ? errno : 0;
}

static int
try_socket(int family, int type)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return errno;
	close(fd);
	return 0;
}

/* setsockopt(level, name) on a TCP socket made before the sandbox. */
static int
try_sockopt(int fd, int level, int name)
{
	int on = 1;

	return setsockopt(fd, level, name, &on, sizeof(on)) == -1 ? errno : 0;
}

/* A datagram to a UDP socket's own address with sendmmsg, back with
 * recvmmsg: 0, or the errno of the first that failed. */
static int
try_mmsg(int fd)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	char			 b[4] = "ping", back[8];
	struct iovec		 iov = { b, sizeof(b) };
	struct iovec		 riov = { back, sizeof(back) };
	struct mmsghdr		 m, r;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		return errno;
	memset(&m, 0, sizeof(m));
	m.msg_hdr.msg_name = &sin;
	m.msg_hdr.msg_namelen = sizeof(sin);
	m.msg_hdr.msg_iov = &iov;
	m.msg_hdr.msg_iovlen = 1;
	if (sendmmsg(fd, &m, 1, 0) != 1)
		return errno;
	memset(&r, 0, sizeof(r));
	r.msg_hdr.msg_iov = &riov;
	r.msg_hdr.msg_iovlen = 1;
	if (recvmmsg(fd, &r, 1, 0, NULL) != 1)
		return errno;
	return r.msg_len == sizeof(b) && memcmp(back, b, sizeof(b)) == 0 ?
	    0 : EIO;
}

static int
try_mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

/* In a child: the sandbox of c, then every probe; results to fd. */
static void
probe_child(struct config *c, int fd)
{
	int	 r[P_COUNT];
	int	 tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int	 udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	r[P_APPLIED] = sandbox_apply(c);
	r[P_READ_CONFIG] = try_open("conf/pinhole.ini", O_RDONLY);
	r[P_READ_NEIGHBOUR] = try_open("conf/users", O_RDONLY);
	r[P_READ_OUTSIDE] = try_open("secret", O_RDONLY);
	r[P_CACHE_WRITE] = try_cache_write();
	r[P_LOG_CREATE] = try_open("logs/flows.jsonl.1", O_WRONLY | O_CREAT);
	r[P_CREATE_OUTSIDE] = try_open("elsewhere/new", O_WRONLY | O_CREAT);
	r[P_SOCKET_INET] = try_socket(AF_INET, SOCK_STREAM);
	r[P_SOCKET_PACKET] = try_socket(AF_PACKET, SOCK_RAW);
	r[P_MMAP_EXEC] = try_mmap_exec();
	r[P_CHDIR] = chdir("/") == -1 ? errno : 0;
	r[P_KILL_OTHER] = kill(getppid(), 0) == -1 ? errno : 0;
	r[P_NODELAY] = try_sockopt(tcp, IPPROTO_TCP, TCP_NODELAY);
	r[P_SOCKOPT_OTHER] = try_sockopt(tcp, SOL_SOCKET, SO_KEEPALIVE);
	r[P_RCVBUF] = try_sockopt(udp, SOL_SOCKET, SO_RCVBUF);
	r[P_MMSG] = try_mmsg(udp);
	if (write(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
	_exit(0);
}

/* Runs probe_child on c; fills r, returns 0 when the child reported. */
static int
probe(struct config *c, int *r)
{
	int	 p[2], status;
	pid_t	 pid;

	fflush(stdout);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		abort();
	if (pid == 0) {
		close(p[0]);
		probe_child(c, p[1]);
	}
	close(p[1]);
	if (read(p[0], r, P_COUNT * sizeof(int)) !=
	    (ssize_t)(P_COUNT * sizeof(int))) {
		close(p[0]);
		waitpid(pid, &status, 0);
		printf("# the probe child ended with status %#x\n", status);
		return -1;
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	return 0;
}

/* A child that applies the sandbox and makes one forbidden call. */
static int
forbidden(struct config *c, const char *what)
{
	static char *const argv[] = { "/bin/true", NULL };
	int	 status;
	pid_t	 pid;

	fflush(stdout);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		if (sandbox_apply(c) != 0)
			_exit(2);
		if (strcmp(what, "execve") == 0)
			execv("/bin/true", argv);
		else if (strcmp(what, "unshare") == 0)
			unshare(CLONE_NEWUSER);
		else if (strcmp(what, "mount") == 0)
			syscall(SYS_mount, "none", dir, "tmpfs", 0, NULL);
		_exit(1);	/* the call came back: not killed */
	}
	if (waitpid(pid, &status, 0) == -1)
		abort();
	return status;
}

static struct config *
load(void)
{
	char		 path[512], text[2048], err[CONFIG_ERRLEN];
	struct config	*c;
	FILE		*fp;

	snprintf(text, sizeof(text),
	    "[proxy]\nlisten = 127.0.0.1:1\nworkers = 1\n"
	    "[allow x]\nhosts = localhost\nports = 1\n"
	    "[cache]\ndir = %s/cache\n"
	    "[dns]\nhosts_file =\n"
	    "[log]\naccess = %s/logs/flows.jsonl\nlevel = error\n"
	    "[admin]\nlisten =\n", dir, dir);
	snprintf(path, sizeof(path), "%s/conf/pinhole.ini", dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	if ((c = config_load(path, err, sizeof(err))) == NULL) {
		printf("# %s\n", err);
		abort();
	}
	return c;
}

static void
touch(const char *name)
{
	char	 path[512];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs("x\n", fp);
	fclose(fp);
}

static void
sandbox_on(struct config *c)
{
	int	 r[P_COUNT], st;

	if (probe(c, r) == -1) {
		t_ok(0, "sandbox on: the probe child reports");
		return;
	}
	t_int(r[P_APPLIED], 0, "sandbox on: sandbox_apply() succeeds");
	t_int(r[P_READ_CONFIG], 0, "sandbox on: the config can be read");
	t_int(r[P_READ_NEIGHBOUR], 0,
	    "sandbox on: a file next to the config can be read");
	t_int(r[P_CACHE_WRITE], 0,
	    "sandbox on: the cache can be written and renamed in");
	t_int(r[P_LOG_CREATE], 0,
	    "sandbox on: a new file in the log's folder can be made");
	if (have_landlock) {
		t_int(r[P_READ_OUTSIDE], EACCES,
		    "sandbox on: Landlock refuses reading outside (EACCES)");
		t_int(r[P_CREATE_OUTSIDE], EACCES,
		    "sandbox on: Landlock refuses creating outside (EACCES)");
	} else {
		t_ok(1, "Landlock refuses reading outside # SKIP no Landlock");
		t_ok(1, "Landlock refuses creating outside # SKIP no Landlock");
	}
	t_int(r[P_SOCKET_INET], 0, "sandbox on: socket(AF_INET) is allowed");
	t_int(r[P_SOCKET_PACKET], EPERM,
	    "sandbox on: socket(AF_PACKET) fails with EPERM");
	t_int(r[P_MMAP_EXEC], EPERM,
	    "sandbox on: executable memory fails with EPERM");
	t_int(r[P_CHDIR], EPERM,
	    "sandbox on: chdir (not on the list) fails with EPERM");
	t_int(r[P_KILL_OTHER], EPERM,
	    "sandbox on: kill() to another process fails with EPERM");
	t_int(r[P_NODELAY], 0,
	    "sandbox on: setsockopt(TCP_NODELAY), the relay's, is allowed");
	t_int(r[P_SOCKOPT_OTHER], EPERM,
	    "sandbox on: another socket option (SO_KEEPALIVE) fails with EPERM");
	t_int(r[P_RCVBUF], 0,
	    "sandbox on: setsockopt(SO_RCVBUF), a UDP association's, is "
	    "allowed");
	t_int(r[P_MMSG], 0,
	    "sandbox on: sendmmsg and recvmmsg, the UDP relay's batches, are "
	    "allowed");

	st = forbidden(c, "execve");
	t_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "sandbox on: execve kills the process with SIGSYS (status %#x)",
	    st);
	st = forbidden(c, "unshare");
	t_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "sandbox on: unshare kills the process with SIGSYS (status %#x)",
	    st);
	st = forbidden(c, "mount");
	t_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "sandbox on: mount kills the process with SIGSYS (status %#x)",
	    st);
}

static void
sandbox_off(struct config *c)
{
	int	 r[P_COUNT], st;

	c->sandbox = 0;
	if (probe(c, r) == -1) {
		t_ok(0, "sandbox off: the probe child reports");
		return;
	}
	t_int(r[P_APPLIED], 0, "sandbox off: sandbox_apply() succeeds");
	t_int(r[P_READ_OUTSIDE], 0, "sandbox off: reading outside works");
	t_int(r[P_CREATE_OUTSIDE], 0, "sandbox off: creating outside works");
	t_int(r[P_CHDIR], 0, "sandbox off: chdir works");
	t_int(r[P_MMAP_EXEC], 0, "sandbox off: executable memory works");
	st = forbidden(c, "execve");
	t_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "sandbox off: execve runs /bin/true (status %#x)", st);
	c->sandbox = 1;
}

int
main(void)
{
	static const char *const dirs[] = { "conf", "logs", "elsewhere" };
	const char	*tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char		 cmd[600];
	struct config	*c;
	int		 rc;

	snprintf(dir, sizeof(dir), "%s/pinhole-sandbox-XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", dir, dirs[i]);
		if (mkdir(cmd, 0750) == -1)
			abort();
	}
	touch("conf/users");
	touch("secret");
	have_landlock = syscall(SYS_landlock_create_ruleset, NULL, 0, 1) >= 1;
	if (!have_landlock)
		printf("# this kernel has no Landlock: its checks are skipped\n");
	c = load();

	sandbox_on(c);
	sandbox_off(c);

	config_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	rc = t_done();
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return rc;
}
