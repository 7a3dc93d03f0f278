/*
 * The load generator of make bench.  It reaches the backend (backend.c)
 * on 127.0.0.1 directly, through an HTTP CONNECT proxy, a SOCKS5 proxy
 * (no-auth method, CONNECT by IPv4 address or by name) or a plain TCP
 * relay, and runs one scenario, printing one line
 *
 *   RESULT key=value ...
 *
 * on stdout (diagnostics go to stderr).  Every wait has a timeout and the
 * whole run a deadline (-D), so a hung proxy never hangs the bench.
 *
 *   loadgen wait  -t PORT                      until 127.0.0.1:PORT accepts
 *   loadgen bulk  -n TUNNELS -u UP -d DOWN     bytes each way per tunnel
 *   loadgen setup -c CLIENTS -s SECONDS        connect, handshake, 64-byte
 *                                              echo, close, over and over
 *   loadgen ping  -n ROUNDS                    64-byte round trips
 *   loadgen idle  -n TUNNELS                   open and hold, proxy RSS
 *   loadgen udp   -l BYTES -s SECONDS          UDP echo through a SOCKS5
 *                 [-w WINDOW] [-L LOAD]        UDP association: datagrams
 *                 [-r RATE]                    a second, then loss at RATE
 *                                              or LOAD times the first
 *                                              (loadgen_udp.c)
 *
 * Common options:
 *   -x PROTO   direct | connect | socks5 | socks5h | relay
 *   -P PORT    the proxy's (or relay's) port on 127.0.0.1
 *   -B PORT    the backend's port on 127.0.0.1
 *   -K COUNT   connections go to COUNT backend ports from -B on, in turn
 *              (relay: the relay spreads them itself)
 *   -p PID     the proxy's process: CPU (user+system, its children
 *              included) and RSS of it and every descendant, from /proc
 *   -O PID     another process of the bench (the backend): with -p and
 *              this one, left out of "foreign", the cores that other
 *              processes kept busy during the run
 *   -D SECONDS hard deadline of the whole run (default 120)
 *   -z         discard received bulk bytes with MSG_TRUNC (no copy)
 *   -S         setup: the backend closes first after the echo (the client
 *              waits for the EOF); by default the client closes, from
 *              source addresses 127.0.0.2-127.0.0.65 in turn
 *
 * Bulk checks its byte counts end to end: the backend reports what it
 * received in a trailer, and every byte sent down is counted.  Echoes are
 * compared byte for byte.  Any mismatch is an error, printed and counted.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

#define CHUNK		(256 * 1024)
#define MSG_LEN		64
#define HDR_LEN		24
#define OPEN_TIMEOUT_NS	(10 * NS_S)
#define CYCLE_TIMEOUT_NS (5 * NS_S)
#define IO_TIMEOUT_MS	5000
#define MAX_EVENTS	256


enum st {
	S_CONNECT,	/* waiting for connect(2) */
	S_SEND,		/* sending out[], then next */
	S_HTTP,		/* reading the CONNECT reply head */
	S_S5M,		/* reading the SOCKS5 method reply */
	S_S5C,		/* reading the SOCKS5 CONNECT reply */
	S_READY,	/* tunnel open: the scenario's bytes */
	S_DONE
};

static const char *const err_names[E_COUNT] = {
	"connect", "refused", "protocol", "eof", "timeout", "data", "system"
};

struct conn {
	int		 fd;
	enum st		 st, next;
	uint32_t	 ev;
	uint64_t	 t0;		/* start of the connection */
	char		 out[320];
	size_t		 olen, ooff;
	unsigned char	 in[1024];
	size_t		 ilen;
	/* scenario state */
	uint64_t	 sent, got;	/* payload bytes */
	unsigned char	 msg[MSG_LEN];
	size_t		 moff;
	unsigned char	 tr[8];
	int		 alive;
	int		 bport;		/* the backend port of this one */
};

enum proto		 proto = P_DIRECT;
int			 proxy_port, backend_port;
static int		 backend_ports = 1;	/* -K */
static pid_t		 proxy_pid;
static int		 discard;
static int		 server_close;	/* -S */
static int		 spread;	/* setup: client addresses */
static int		 ep = -1;
static unsigned long	 errs[E_COUNT];
unsigned long		 n_tunnels;	/* handshakes completed */
unsigned long		 n_started;	/* connections started */
static char		 chunk[CHUNK], sink[CHUNK];

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_S + (uint64_t)ts.tv_nsec;
}

unsigned long
err_total(void)
{
	unsigned long t = 0;

	for (int i = 0; i < E_COUNT; i++)
		t += errs[i];
	return t;
}

void
print_errs(FILE *f)
{
	fprintf(f, " started=%lu handshakes=%lu errors=%lu", n_started,
	    n_tunnels, err_total());
	for (int i = 0; i < E_COUNT; i++)
		if (errs[i])
			fprintf(f, " err_%s=%lu", err_names[i], errs[i]);
}

void
fail(enum err e, const char *what)
{
	static unsigned long shown;

	errs[e]++;
	if (shown++ < 5)
		fprintf(stderr, "loadgen: error (%s): %s\n", err_names[e], what);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "loadgen: deadline reached, giving up\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(1, "RESULT deadline=1 errors=1\n", 27);
	_exit(4);
}

/* --- the proxy's processes, from /proc --- */

struct pinfo {
	pid_t		pid, ppid;
	unsigned long long ticks;	/* utime+stime+cutime+cstime */
	long		rss_pages;
};

struct pstat {
	double	cpu_s;
	long	rss_kib;
	int	nproc;
};

static int
read_pinfo(pid_t pid, struct pinfo *pi)
{
	char		 path[64], buf[2048], *p;
	FILE		*f;
	size_t		 n;
	unsigned long long v[24];
	int		 i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p += 2;			/* field 3, the state */
	if (*p == 'Z')
		return -1;
	p += 2;
	/* fields 4 (ppid) to 24 (rss) */
	for (i = 0; i < 21; i++) {
		char *end;

		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
		while (*p == ' ')
			p++;
	}
	pi->pid = pid;
	pi->ppid = (pid_t)v[0];
	pi->ticks = v[10] + v[11] + v[12] + v[13];	/* fields 14-17 */
	pi->rss_pages = (long)v[20];			/* field 24 */
	return 0;
}

static void
tree_stat(pid_t root, struct pstat *ps)
{
	static struct pinfo	*all;
	static size_t		 cap;
	size_t			 n = 0;
	DIR			*d;
	struct dirent		*de;
	char			*in;
	int			 changed;
	long			 hz = sysconf(_SC_CLK_TCK);
	long			 pg = sysconf(_SC_PAGESIZE);
	unsigned long long	 ticks = 0;
	long			 pages = 0;

	memset(ps, 0, sizeof(*ps));
	if (root <= 0 || (d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == cap) {
			size_t		 ncap = cap ? cap * 2 : 1024;
			struct pinfo	*na = realloc(all, ncap * sizeof(*na));

			if (na == NULL)
				break;
			all = na;
			cap = ncap;
		}
		if (read_pinfo((pid_t)atoi(de->d_name), &all[n]) == 0)
			n++;
	}
	closedir(d);
	if ((in = calloc(n ? n : 1, 1)) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		in[i] = all[i].pid == root;
	do {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (size_t j = 0; j < n; j++)
				if (in[j] && all[j].pid == all[i].ppid) {
					in[i] = changed = 1;
					break;
				}
		}
	} while (changed);
	for (size_t i = 0; i < n; i++)
		if (in[i]) {
			ticks += all[i].ticks;
			pages += all[i].rss_pages;
			ps->nproc++;
		}
	free(in);
	ps->cpu_s = (double)ticks / (double)hz;
	ps->rss_kib = pages * (pg / 1024);
}

/* user+nice+system jiffies of the whole machine, from /proc/stat */
static unsigned long long
sys_busy(void)
{
	unsigned long long	 u = 0, ni = 0, sy = 0;
	FILE			*f = fopen("/proc/stat", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu", &u, &ni, &sy) != 3)
		u = ni = sy = 0;
	fclose(f);
	return u + ni + sy;
}

/* CPU seconds of the bench's own processes: this one, the proxy's, -O */
static pid_t	other_pid;

static double
own_cpu(void)
{
	struct pstat	a, b, c;

	tree_stat(getpid(), &a);
	tree_stat(proxy_pid, &b);
	tree_stat(other_pid, &c);
	return a.cpu_s + b.cpu_s + c.cpu_s;
}

/* CPU seconds of the proxy's processes so far (-p; 0 without it) */
double
proxy_cpu(void)
{
	struct pstat p;

	if (proxy_pid <= 0)
		return 0;
	tree_stat(proxy_pid, &p);
	return p.cpu_s;
}

/* --- connections and handshakes --- */

static void
set_ev(struct conn *c, uint32_t ev)
{
	struct epoll_event	e;
	int			op;

	if (c->ev == ev)
		return;
	memset(&e, 0, sizeof(e));
	e.events = ev;
	e.data.ptr = c;
	op = ev == 0 ? EPOLL_CTL_DEL : c->ev ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(ep, op, c->fd, &e) == -1) {
		perror("loadgen: epoll_ctl");
		exit(1);
	}
	c->ev = ev;
}

static void
conn_close(struct conn *c)
{
	if (c->fd != -1) {
		close(c->fd);	/* also leaves the epoll set */
		c->fd = -1;
	}
	c->ev = 0;
	c->st = S_DONE;
}

/* Starts a connection to the proxy (or the backend); 0 or -1. */
static int
conn_start(struct conn *c)
{
	struct sockaddr_in	sin;
	int			one = 1;
	int			port;

	memset(c, 0, sizeof(*c));
	c->t0 = now_ns();
	c->bport = backend_port + (int)(n_started % (unsigned)backend_ports);
	port = proto == P_DIRECT ? c->bport : proxy_port;
	n_started++;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd == -1) {
		fail(E_SYS, strerror(errno));
		c->st = S_DONE;
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (spread) {
		/*
		 * The client closes first, so TIME_WAIT stays with it: source
		 * addresses 127.0.0.2-127.0.0.65 in turn keep 64 clients at
		 * 15,000 cycles/s from running out of ports.
		 */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(0x7f000002 + n_started % 64);
		setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		if (bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			fail(E_SYS, strerror(errno));
			conn_close(c);
			return -1;
		}
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		fail(E_CONNECT, strerror(errno));
		conn_close(c);
		return -1;
	}
	c->st = S_CONNECT;
	set_ev(c, EPOLLOUT);
	return 0;
}

static void
queue(struct conn *c, const void *p, size_t n, enum st next)
{
	memcpy(c->out, p, n);
	c->olen = n;
	c->ooff = 0;
	c->st = S_SEND;
	c->next = next;
}

static void
queue_socks_connect(struct conn *c)
{
	unsigned char	b[300];
	size_t		n = 0;

	b[n++] = 5;
	b[n++] = 1;
	b[n++] = 0;
	if (proto == P_SOCKS5H) {
		b[n++] = 3;
		b[n++] = 9;
		memcpy(b + n, "localhost", 9);
		n += 9;
	} else {
		b[n++] = 1;
		b[n++] = 127; b[n++] = 0; b[n++] = 0; b[n++] = 1;
	}
	b[n++] = (unsigned char)(c->bport >> 8);
	b[n++] = (unsigned char)c->bport;
	queue(c, b, n, S_S5C);
}

/*
 * Reads exactly want bytes of a reply into c->in; 1 when they are all
 * there, 0 to wait, -1 on an error (counted).
 */
static int
read_exact(struct conn *c, size_t want)
{
	while (c->ilen < want) {
		ssize_t n = recv(c->fd, c->in + c->ilen, want - c->ilen, 0);

		if (n == 0) {
			fail(E_EOF, "the proxy closed during the handshake");
			return -1;
		}
		if (n == -1) {
			if (errno == EAGAIN)
				return 0;
			fail(E_EOF, strerror(errno));
			return -1;
		}
		c->ilen += (size_t)n;
	}
	return 1;
}

/*
 * Drives the handshake on an event: 1 when the tunnel is open (state
 * S_READY), 0 to wait for more, -1 on an error (counted, not closed).
 */
static int
hs_io(struct conn *c, uint32_t events)
{
	for (;;) {
		switch (c->st) {
		case S_CONNECT: {
			int		err = 0;
			socklen_t	len = sizeof(err);

			if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
				return 0;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err != 0) {
				fail(E_CONNECT, strerror(err));
				return -1;
			}
			if (proto == P_DIRECT || proto == P_RELAY) {
				c->st = S_READY;
				n_tunnels++;
				return 1;
			}
			if (proto == P_CONNECT) {
				char	req[200];
				int	n = snprintf(req, sizeof(req),
				    "CONNECT 127.0.0.1:%d HTTP/1.1\r\n"
				    "Host: 127.0.0.1:%d\r\n\r\n",
				    c->bport, c->bport);

				queue(c, req, (size_t)n, S_HTTP);
			} else
				queue(c, "\x05\x01\x00", 3, S_S5M);
			break;
		}
		case S_SEND:
			while (c->ooff < c->olen) {
				ssize_t n = send(c->fd, c->out + c->ooff,
				    c->olen - c->ooff, MSG_NOSIGNAL);

				if (n == -1 && errno == EAGAIN) {
					set_ev(c, EPOLLOUT);
					return 0;
				}
				if (n == -1) {
					fail(E_EOF, strerror(errno));
					return -1;
				}
				c->ooff += (size_t)n;
			}
			c->st = c->next;
			c->ilen = 0;
			set_ev(c, EPOLLIN);
			events = EPOLLIN;
			break;
		case S_HTTP: {
			ssize_t	 n;
			char	*end;

			if (c->ilen == sizeof(c->in) - 1) {
				fail(E_PROTO, "CONNECT reply head too long");
				return -1;
			}
			n = recv(c->fd, c->in + c->ilen,
			    sizeof(c->in) - 1 - c->ilen, 0);
			if (n == 0) {
				fail(E_EOF, "the proxy closed after CONNECT");
				return -1;
			}
			if (n == -1) {
				if (errno == EAGAIN)
					return 0;
				fail(E_EOF, strerror(errno));
				return -1;
			}
			c->ilen += (size_t)n;
			c->in[c->ilen] = '\0';
			if ((end = strstr((char *)c->in, "\r\n\r\n")) == NULL)
				break;
			if (strncmp((char *)c->in, "HTTP/1.", 7) != 0 ||
			    strlen((char *)c->in) < 12 ||
			    strncmp((char *)c->in + 8, " 200", 4) != 0) {
				char line[80];

				snprintf(line, sizeof(line), "CONNECT: %.*s",
				    (int)strcspn((char *)c->in, "\r\n"),
				    (char *)c->in);
				fail(E_REFUSED, line);
				return -1;
			}
			if ((size_t)(end + 4 - (char *)c->in) != c->ilen) {
				fail(E_PROTO, "bytes after the CONNECT reply");
				return -1;
			}
			c->st = S_READY;
			n_tunnels++;
			return 1;
		}
		case S_S5M: {
			int r = read_exact(c, 2);

			if (r <= 0)
				return r;
			if (c->in[0] != 5 || c->in[1] != 0) {
				fail(E_REFUSED, "SOCKS5 method refused");
				return -1;
			}
			queue_socks_connect(c);
			break;
		}
		case S_S5C: {
			size_t	want = 5;
			int	r = read_exact(c, want);

			if (r <= 0)
				return r;
			if (c->in[0] != 5 || c->in[1] != 0) {
				char m[64];

				snprintf(m, sizeof(m), "SOCKS5 reply 0x%02x",
				    c->in[1]);
				fail(E_REFUSED, m);
				return -1;
			}
			switch (c->in[3]) {
			case 1: want = 4 + 4 + 2; break;
			case 4: want = 4 + 16 + 2; break;
			case 3: want = 4 + 1 + (size_t)c->in[4] + 2; break;
			default:
				fail(E_PROTO, "SOCKS5 reply address type");
				return -1;
			}
			if ((r = read_exact(c, want)) <= 0)
				return r;
			c->st = S_READY;
			n_tunnels++;
			return 1;
		}
		default:
			return 1;
		}
	}
}

/*
 * Opens n tunnels, at most conc handshakes at a time; when echo is set,
 * each sends a 64-byte echo through and checks it.  Returns how many are
 * open; the others are closed (fd -1) and counted as errors.
 */
static void	msg_fill(unsigned char *, uint64_t);
static int	echo_io(struct conn *, uint32_t);

static size_t
open_tunnels(struct conn *cs, size_t n, size_t conc, int echo)
{
	struct epoll_event	evs[MAX_EVENTS];
	size_t			next = 0, pending = 0, ok = 0;
	uint64_t		deadline_step = 0;

	for (;;) {
		while (pending < conc && next < n) {
			if (conn_start(&cs[next]) == 0) {
				cs[next].alive = 1;
				pending++;
			}
			next++;
		}
		if (pending == 0)
			break;
		int k = epoll_wait(ep, evs, MAX_EVENTS, 100);

		if (k == -1 && errno != EINTR) {
			perror("loadgen: epoll_wait");
			exit(1);
		}
		for (int i = 0; i < k; i++) {
			struct conn	*c = evs[i].data.ptr;
			uint32_t	 e = evs[i].events;
			int		 r = 1;

			if (c->alive != 1)
				continue;
			if (c->st != S_READY) {
				r = hs_io(c, e);
				if (r == 1 && echo) {
					msg_fill(c->msg, (uint64_t)(c - cs));
					c->sent = c->got = 0;
					e = EPOLLOUT;
				}
			}
			if (r == 1 && echo)
				r = echo_io(c, e);
			if (r == 1) {
				set_ev(c, 0);	/* quiet until used */
				c->alive = 2;
				pending--;
				ok++;
			} else if (r == -1) {
				conn_close(c);
				c->alive = 0;
				pending--;
			}
		}
		/* Handshakes that take too long are errors. */
		uint64_t t = now_ns();

		if (t - deadline_step > NS_S / 10) {
			deadline_step = t;
			for (size_t i = 0; i < next; i++)
				if (cs[i].alive == 1 &&
				    t - cs[i].t0 > OPEN_TIMEOUT_NS) {
					fail(E_TIMEOUT, "tunnel not open in "
					    "time");
					conn_close(&cs[i]);
					cs[i].alive = 0;
					pending--;
				}
		}
	}
	return ok;
}

/* --- the 64-byte echo --- */

static void
msg_fill(unsigned char *m, uint64_t seq)
{
	m[0] = 'E';	/* the backend echoes until the client closes */
	for (int i = 1; i < MSG_LEN; i++)
		m[i] = (unsigned char)('0' + (seq + (uint64_t)i * 7) % 64);
}

/*
 * One 64-byte echo on an open tunnel: the message is in c->msg; c->sent
 * and c->got count the bytes out and back.  1 when it is back intact,
 * 0 to wait, -1 on an error (counted).
 */
static int
echo_io(struct conn *c, uint32_t events)
{
	ssize_t n;

	if (c->sent < MSG_LEN && (events & (EPOLLOUT | EPOLLERR))) {
		n = send(c->fd, c->msg + c->sent, MSG_LEN - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			fail(E_EOF, strerror(errno));
			return -1;
		}
		if (n > 0)
			c->sent += (uint64_t)n;
		if (c->sent < MSG_LEN) {
			set_ev(c, EPOLLOUT);
			return 0;
		}
		set_ev(c, EPOLLIN);
	}
	if (c->sent < MSG_LEN)
		return 0;
	while (c->got < MSG_LEN) {
		n = recv(c->fd, c->in + c->got, MSG_LEN - c->got, 0);
		if (n == 0) {
			fail(E_EOF, "closed before the echo came back");
			return -1;
		}
		if (n == -1) {
			if (errno == EAGAIN)
				return 0;
			fail(E_EOF, strerror(errno));
			return -1;
		}
		c->got += (uint64_t)n;
	}
	if (memcmp(c->in, c->msg, MSG_LEN) != 0) {
		fail(E_DATA, "the echo differs from what was sent");
		return -1;
	}
	return 1;
}

/* --- scenarios --- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_us(uint64_t *v, size_t n, int p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (n * (size_t)p + 99) / 100;
	if (i > 0)
		i--;
	if (i >= n)
		i = n - 1;
	return (double)v[i] / 1000.0;
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t
get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int
run_bulk(size_t n, uint64_t up, uint64_t down)
{
	struct conn		*cs = calloc(n, sizeof(*cs));
	struct epoll_event	 evs[MAX_EVENTS];
	struct pstat		 p0, p1;
	size_t			 open, active = 0;
	uint64_t		 t0, t1, moved = 0;
	int			 rflags = discard ? MSG_TRUNC : 0;

	if (cs == NULL)
		return 1;
	open = open_tunnels(cs, n, n, 0);
	for (size_t i = 0; i < n; i++) {
		unsigned char hdr[HDR_LEN];

		if (cs[i].alive != 2)
			continue;
		memset(hdr, 0, sizeof(hdr));
		hdr[0] = 'X';
		put_le64(hdr + 8, up);
		put_le64(hdr + 16, down);
		/* 24 bytes into an empty socket buffer: never short */
		if (send(cs[i].fd, hdr, sizeof(hdr), MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(hdr)) {
			fail(E_EOF, "could not send the bulk header");
			conn_close(&cs[i]);
			cs[i].alive = 0;
			continue;
		}
		cs[i].sent = cs[i].got = 0;
		set_ev(&cs[i], EPOLLIN | (up > 0 ? EPOLLOUT : 0));
		active++;
	}
	tree_stat(proxy_pid, &p0);
	t0 = now_ns();
	while (active > 0) {
		int k = epoll_wait(ep, evs, MAX_EVENTS, IO_TIMEOUT_MS);

		if (k == 0) {
			fail(E_TIMEOUT, "no bulk progress for 5 s");
			break;
		}
		if (k == -1) {
			if (errno == EINTR)
				continue;
			perror("loadgen: epoll_wait");
			return 1;
		}
		for (int i = 0; i < k; i++) {
			struct conn	*c = evs[i].data.ptr;
			uint32_t	 e = evs[i].events;
			ssize_t		 r;
			int		 bad = 0;

			if ((e & EPOLLOUT) && c->sent < up) {
				for (int j = 0; j < 4 && c->sent < up; j++) {
					size_t w = CHUNK;

					if (w > up - c->sent)
						w = (size_t)(up - c->sent);
					r = send(c->fd, chunk, w, MSG_NOSIGNAL);
					if (r == -1 && errno != EAGAIN) {
						fail(E_EOF, strerror(errno));
						bad = 1;
					}
					if (r <= 0)
						break;
					c->sent += (uint64_t)r;
					if ((size_t)r < w)
						break;
				}
				if (c->sent == up)
					set_ev(c, EPOLLIN);
			}
			if (!bad && (e & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
				for (int j = 0; j < 4; j++) {
					if (c->got < down) {
						size_t w = CHUNK;

						if (w > down - c->got)
							w = (size_t)(down -
							    c->got);
						r = recv(c->fd, sink, w,
						    rflags);
					} else
						r = recv(c->fd, c->tr + (c->got
						    - down), 8 - (c->got -
						    down), 0);
					if (r == 0) {
						fail(E_EOF, "the tunnel closed "
						    "before the end");
						bad = 1;
						break;
					}
					if (r == -1) {
						if (errno != EAGAIN) {
							fail(E_EOF,
							    strerror(errno));
							bad = 1;
						}
						break;
					}
					c->got += (uint64_t)r;
					if (c->got == down + 8)
						break;
				}
			}
			if (!bad && c->got == down + 8 && c->sent == up) {
				uint64_t back = get_le64(c->tr);

				if (back != up) {
					char m[96];

					snprintf(m, sizeof(m), "the backend "
					    "received %llu bytes of %llu",
					    (unsigned long long)back,
					    (unsigned long long)up);
					fail(E_DATA, m);
				} else
					moved += up + down;
				conn_close(c);
				active--;
			} else if (bad) {
				conn_close(c);
				active--;
			}
		}
	}
	t1 = now_ns();
	tree_stat(proxy_pid, &p1);
	for (size_t i = 0; i < n; i++)
		if (cs[i].fd != -1 && cs[i].st != S_DONE) {
			if (cs[i].alive == 2)
				fail(E_DATA, "a tunnel did not finish");
			conn_close(&cs[i]);
		}
	{
		double secs = (double)(t1 - t0) / 1e9;
		double gib = (double)moved / (1024.0 * 1024 * 1024);
		double cpu = p1.cpu_s - p0.cpu_s;

		printf("RESULT tunnels=%zu open=%zu bytes=%llu secs=%.3f "
		    "mbps=%.1f cpu_s=%.2f gib=%.3f cpu_per_gib=%.3f",
		    n, open, (unsigned long long)moved, secs,
		    secs > 0 ? (double)moved / secs / 1e6 : 0, cpu, gib,
		    gib > 0 && proxy_pid > 0 ? cpu / gib : 0);
		print_errs(stdout);
	}
	return 0;
}

static int
run_setup(size_t conc, double secs)
{
	struct conn		*cs = calloc(conc, sizeof(*cs));
	struct epoll_event	 evs[MAX_EVENTS];
	uint64_t		*lat = NULL, t_start, t_end, seq = 0;
	size_t			 nlat = 0, caplat = 0, abandoned = 0;
	uint64_t		 last_scan = 0;
	struct pstat		 p0, p1;

	if (cs == NULL)
		return 1;
	spread = !server_close;
	tree_stat(proxy_pid, &p0);
	t_start = now_ns();
	t_end = t_start + (uint64_t)(secs * 1e9);
	for (size_t i = 0; i < conc; i++)
		conn_start(&cs[i]);
	for (;;) {
		uint64_t t = now_ns();

		if (t >= t_end)
			break;
		int k = epoll_wait(ep, evs, MAX_EVENTS, 50);

		if (k == -1 && errno != EINTR) {
			perror("loadgen: epoll_wait");
			return 1;
		}
		for (int i = 0; i < k; i++) {
			struct conn	*c = evs[i].data.ptr;
			uint32_t	 e = evs[i].events;
			int		 r = 1;

			if (c->st == S_DONE)
				continue;
			if (c->st != S_READY) {
				r = hs_io(c, e);
				if (r == 1) {
					msg_fill(c->msg, seq++);
					if (server_close)
						c->msg[0] = 'C';
					c->sent = c->got = 0;
					c->moff = 0;
					e = EPOLLOUT;
				}
			}
			if (r == 1 && c->moff == 0) {
				r = echo_io(c, e);
				if (r == 1 && server_close) {
					c->moff = 1;	/* now the EOF */
					e = EPOLLIN;
				}
			}
			if (r == 1 && c->moff == 1) {
				char	b;
				ssize_t	m = recv(c->fd, &b, 1, 0);

				if (m == -1 && errno == EAGAIN)
					continue;
				if (m != 0) {
					fail(m > 0 ? E_DATA : E_EOF, m > 0 ?
					    "bytes after the echo" :
					    strerror(errno));
					r = -1;
				}
			}
			if (r == 0)
				continue;
			if (r == 1) {
				uint64_t done;

				conn_close(c);
				done = now_ns();
				if (done <= t_end) {
					if (nlat == caplat) {
						size_t	  nc = caplat ?
						    caplat * 2 : 65536;
						uint64_t *nl = realloc(lat,
						    nc * sizeof(*nl));

						if (nl == NULL) {
							perror("loadgen");
							return 1;
						}
						lat = nl;
						caplat = nc;
					}
					lat[nlat++] = done - c->t0;
				}
			} else
				conn_close(c);
			if (now_ns() < t_end)
				conn_start(c);
		}
		t = now_ns();
		if (t - last_scan > NS_S / 10) {
			last_scan = t;
			for (size_t i = 0; i < conc; i++)
				if (cs[i].st != S_DONE &&
				    t - cs[i].t0 > CYCLE_TIMEOUT_NS) {
					fail(E_TIMEOUT, "a cycle took over "
					    "5 s");
					conn_close(&cs[i]);
					if (t < t_end)
						conn_start(&cs[i]);
				}
			/* restart clients whose start failed */
			for (size_t i = 0; i < conc; i++)
				if (cs[i].st == S_DONE && t < t_end)
					conn_start(&cs[i]);
		}
	}
	for (size_t i = 0; i < conc; i++)
		if (cs[i].st != S_DONE) {
			abandoned++;
			conn_close(&cs[i]);
		}
	tree_stat(proxy_pid, &p1);
	if (nlat == 0)
		fail(E_TIMEOUT, "no cycle completed");
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	printf("RESULT clients=%zu secs=%.2f cycles=%zu rate=%.1f p50_us=%.1f "
	    "p99_us=%.1f tunnels=%lu abandoned=%zu cpu_s=%.2f", conc, secs,
	    nlat, (double)nlat / secs, pct_us(lat, nlat, 50),
	    pct_us(lat, nlat, 99), n_tunnels, abandoned,
	    p1.cpu_s - p0.cpu_s);
	print_errs(stdout);
	free(lat);
	free(cs);
	return 0;
}

/* Waits for fd to be ready for ev; 0, or -1 after IO_TIMEOUT_MS. */
static int
wait_fd(int fd, short ev)
{
	struct pollfd pfd = { .fd = fd, .events = ev };

	for (;;) {
		int r = poll(&pfd, 1, IO_TIMEOUT_MS);

		if (r == 1)
			return 0;
		if (r == 0 || errno != EINTR)
			return -1;
	}
}

static int
run_ping(size_t rounds)
{
	struct conn	 c;
	uint64_t	*lat = calloc(rounds ? rounds : 1, sizeof(*lat));
	size_t		 warm = rounds / 10 < 200 ? rounds / 10 : 200;
	size_t		 nlat = 0, done = 0;	/* round trips done */
	unsigned char	 back[MSG_LEN];

	if (lat == NULL)
		return 1;
	if (open_tunnels(&c, 1, 1, 0) != 1) {
		printf("RESULT rounds=0 p50_us=0 p99_us=0");
		print_errs(stdout);
		return 0;
	}
	for (size_t r = 0; r < warm + rounds; r++) {
		unsigned char	m[MSG_LEN];
		size_t		off = 0;
		uint64_t	t0;

		msg_fill(m, r);
		t0 = now_ns();
		while (off < MSG_LEN) {
			ssize_t n = send(c.fd, m + off, MSG_LEN - off,
			    MSG_NOSIGNAL);

			if (n == -1 && errno == EAGAIN &&
			    wait_fd(c.fd, POLLOUT) == 0)
				continue;
			if (n <= 0) {
				fail(E_EOF, "ping: send failed");
				goto out;
			}
			off += (size_t)n;
		}
		off = 0;
		while (off < MSG_LEN) {
			ssize_t n = recv(c.fd, back + off, MSG_LEN - off, 0);

			if (n == -1 && errno == EAGAIN) {
				if (wait_fd(c.fd, POLLIN) == 0)
					continue;
				fail(E_TIMEOUT, "ping: no answer in 5 s");
				goto out;
			}
			if (n <= 0) {
				fail(E_EOF, "ping: the tunnel closed");
				goto out;
			}
			off += (size_t)n;
		}
		if (memcmp(m, back, MSG_LEN) != 0) {
			fail(E_DATA, "ping: the echo differs");
			goto out;
		}
		if (r >= warm)
			lat[nlat++] = now_ns() - t0;
		done++;
	}
out:
	conn_close(&c);
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	printf("RESULT rounds=%zu p50_us=%.1f p99_us=%.1f bytes_each_way=%zu",
	    nlat, pct_us(lat, nlat, 50), pct_us(lat, nlat, 99),
	    done * MSG_LEN);
	print_errs(stdout);
	free(lat);
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
run_idle(size_t n)
{
	struct conn	*cs = calloc(n + 1, sizeof(*cs));
	struct pstat	 p0, p1;
	size_t		 ok, dead = 0;

	if (cs == NULL)
		return 1;
	/* one tunnel first, so what any first tunnel sets up is in p0 */
	if (open_tunnels(cs + n, 1, 1, 1) == 1)
		conn_close(cs + n);
	sleep_ms(300);
	tree_stat(proxy_pid, &p0);
	ok = open_tunnels(cs, n, 64, 1);
	sleep_ms(1000);
	tree_stat(proxy_pid, &p1);
	/* every tunnel must still be open: no EOF and no stray bytes */
	for (size_t i = 0; i < n; i++) {
		char b;

		if (cs[i].alive != 2)
			continue;
		if (recv(cs[i].fd, &b, 1, MSG_DONTWAIT) != -1 ||
		    errno != EAGAIN)
			dead++;
	}
	if (dead)
		fail(E_EOF, "idle tunnels closed while held");
	errs[E_EOF] += dead ? dead - 1 : 0;
	for (size_t i = 0; i < n; i++)
		if (cs[i].fd != -1 && cs[i].st != S_DONE)
			conn_close(&cs[i]);
	printf("RESULT tunnels=%zu open=%zu rss0_kib=%ld rss1_kib=%ld "
	    "nproc0=%d nproc1=%d kib_per_tunnel=%.2f", n, ok, p0.rss_kib,
	    p1.rss_kib, p0.nproc, p1.nproc,
	    ok > 0 ? (double)(p1.rss_kib - p0.rss_kib) / (double)ok : 0);
	print_errs(stdout);
	free(cs);
	return 0;
}

static int
run_wait(int port, double secs)
{
	uint64_t end = now_ns() + (uint64_t)(secs * 1e9);

	while (now_ns() < end) {
		struct sockaddr_in	sin;
		int			fd = socket(AF_INET, SOCK_STREAM |
					    SOCK_CLOEXEC, 0);

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd != -1 && connect(fd, (struct sockaddr *)&sin,
		    sizeof(sin)) == 0) {
			close(fd);
			return 0;
		}
		if (fd != -1)
			close(fd);
		sleep_ms(50);
	}
	fprintf(stderr, "loadgen: 127.0.0.1:%d does not accept after %.0f "
	    "s\n", port, secs);
	return 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen wait|bulk|setup|ping|idle|udp [-x "
	    "direct|connect|socks5|socks5h|relay] [-P PORT] [-B PORT]\n"
	    "       [-K COUNT] [-n N] [-u BYTES] [-d BYTES] [-c CLIENTS] [-s SECONDS] "
	    "[-t PORT] [-p PID] [-O PID] [-D SECONDS] [-z] [-S]\n"
	    "       [-l BYTES] [-w WINDOW] [-L LOAD] [-r RATE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char		*mode;
	struct sigaction	 sa;
	struct rlimit		 rl;
	unsigned long long	 n = 1, up = 0, down = 0;
	double			 secs = 10, deadline = 120;
	int			 opt, conc = 64, wport = 0, window = 64;
	unsigned long long	 dsize = 64;
	double			 load = 0.5, rate = 0;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "x:P:B:K:n:u:d:c:s:t:p:O:D:zSl:w:L:r:")) != -1) {
		switch (opt) {
		case 'x':
			if (strcmp(optarg, "direct") == 0)
				proto = P_DIRECT;
			else if (strcmp(optarg, "connect") == 0)
				proto = P_CONNECT;
			else if (strcmp(optarg, "socks5") == 0)
				proto = P_SOCKS5;
			else if (strcmp(optarg, "socks5h") == 0)
				proto = P_SOCKS5H;
			else if (strcmp(optarg, "relay") == 0)
				proto = P_RELAY;
			else
				usage();
			break;
		case 'P': proxy_port = atoi(optarg); break;
		case 'B': backend_port = atoi(optarg); break;
		case 'K': backend_ports = atoi(optarg); break;
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'u': up = strtoull(optarg, NULL, 10); break;
		case 'd': down = strtoull(optarg, NULL, 10); break;
		case 'c': conc = atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		case 't': wport = atoi(optarg); break;
		case 'p': proxy_pid = (pid_t)atoi(optarg); break;
		case 'O': other_pid = (pid_t)atoi(optarg); break;
		case 'D': deadline = atof(optarg); break;
		case 'z': discard = 1; break;
		case 'S': server_close = 1; break;
		case 'l': dsize = strtoull(optarg, NULL, 10); break;
		case 'w': window = atoi(optarg); break;
		case 'L': load = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		default: usage();
		}
	}
	if (backend_ports < 1 || backend_ports > 256 ||
	    backend_port + backend_ports - 1 > 65535)
		usage();
	if (deadline < 1 || n < 1 || n > 1000000 || conc < 1 || conc > 10000
	    || secs <= 0)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)(deadline + 0.999));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (strcmp(mode, "wait") == 0)
		return run_wait(wport, secs);
	if (backend_port <= 0 || (proto != P_DIRECT && proxy_port <= 0))
		usage();
	for (size_t i = 0; i < CHUNK; i++)
		chunk[i] = (char)('A' + i % 26);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("loadgen: epoll_create1");
		return 1;
	}
	{
		unsigned long long	busy0 = sys_busy();
		double			own0 = own_cpu();
		uint64_t		t0 = now_ns();
		double			foreign, secs_run;
		int			rc;

		if (strcmp(mode, "bulk") == 0)
			rc = run_bulk((size_t)n, up, down);
		else if (strcmp(mode, "setup") == 0)
			rc = run_setup((size_t)conc, secs);
		else if (strcmp(mode, "ping") == 0)
			rc = run_ping((size_t)n);
		else if (strcmp(mode, "idle") == 0)
			rc = run_idle((size_t)n);
		else if (strcmp(mode, "udp") == 0)
			rc = run_udp((size_t)dsize, secs, window, load, rate);
		else
			usage();
		/*
		 * Cores that processes other than the bench's kept busy
		 * meanwhile (another job on the machine makes every figure
		 * unreliable).  Softirq time is left out on both sides.
		 */
		secs_run = (double)(now_ns() - t0) / 1e9;
		foreign = ((double)(sys_busy() - busy0) /
		    (double)sysconf(_SC_CLK_TCK) - (own_cpu() - own0)) /
		    (secs_run > 0 ? secs_run : 1);
		printf(" foreign=%.2f\n", foreign < 0 ? 0 : foreign);
		return rc;
	}
}
