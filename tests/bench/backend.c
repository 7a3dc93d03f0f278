/*
 * The backend of make bench: one epoll loop on 127.0.0.1:PORT serving
 * every connection in the mode its first byte names.
 *
 *   'E'  echo: every byte received (the 'E' included) is sent back, until
 *        the client closes.  Used for the ping-pong and idle scenarios.
 *   'C'  one 64-byte echo, then the backend closes (the setup scenario:
 *        the server closes first, so TIME_WAIT stays on the servers'
 *        side of each connection and no client runs out of ports).
 *   'X'  bulk: a 24-byte header follows the 'X' byte's slot: bytes 0-7
 *        "X" and padding, 8-15 the bytes the client will send after the
 *        header (little-endian), 16-23 the bytes the backend must send.
 *        The backend sends that many bytes while it counts what arrives;
 *        once both are done it sends an 8-byte trailer holding the count
 *        it received, so the client checks the upstream direction end to
 *        end.  No half-close is needed, so every proxy can carry it.
 *
 * On the first port it also echoes UDP: every datagram goes back to its
 * sender as it came (the UDP scenario), read and sent in batches.
 *
 * Anything else, or more bulk bytes than announced, is an error that is
 * counted and printed when the backend exits (SIGTERM, SIGINT or after
 * -L seconds, so it never outlives a hung run).
 *
 *   backend -p PORT [-k COUNT] [-L SECONDS] [-z]
 *     -k  listen on COUNT ports from PORT on (default 1): the setup
 *         scenario spreads its tunnels over them, so that a proxy's
 *         connections to the backend do not all share one address and
 *         port and wait on the kernel's search for a free local port
 *     -z  discard bulk bytes with MSG_TRUNC instead of copying them out
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK		(256 * 1024)
#define ECHO_BUF	4096
#define HDR_LEN		24
#define MAX_EVENTS	256
#define ECHO_ONCE	64
#define LISTEN_TAG	(1ULL << 63)	/* epoll data of a listener: | fd */
#define UDP_TAG		(1ULL << 62)	/* epoll data of the UDP echo: | fd */
#define UDP_BATCH	64
#define UDP_BUF		2048

enum mode { M_NEW, M_ECHO, M_BULK_HDR, M_BULK, M_DONE };

struct conn {
	int		 fd;
	enum mode	 mode;
	uint32_t	 ev;		/* events registered */
	unsigned char	 hdr[HDR_LEN];
	size_t		 hlen;
	uint64_t	 up_want, up_got;
	uint64_t	 down_want, down_sent;
	unsigned char	 trailer[8];
	size_t		 tsent;
	char		*ebuf;		/* echo: pending bytes */
	size_t		 elen, eoff;
	size_t		 echo_left;	/* 'C': bytes until the close */
};

static volatile sig_atomic_t	 stop;
static int			 ep;
static int			 discard;
static char			 chunk[CHUNK];
static char			 sink[CHUNK];
static unsigned long long	 n_conns, n_errors, n_bulk_ok, n_echo;
static unsigned long long	 n_udp;
static unsigned char		 ubuf[UDP_BATCH][UDP_BUF];

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
set_events(struct conn *c, uint32_t ev)
{
	struct epoll_event e;

	if (c->ev == ev)
		return;
	memset(&e, 0, sizeof(e));
	e.events = ev;
	e.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) == -1) {
		perror("backend: epoll_ctl");
		exit(1);
	}
	c->ev = ev;
}

static void
conn_free(struct conn *c, int error)
{
	if (error)
		n_errors++;
	close(c->fd);
	free(c->ebuf);
	free(c);
}

static uint64_t
get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/* Echo: returns -1 to close (error or EOF), 0 to go on. */
static int
echo_io(struct conn *c, uint32_t events)
{
	ssize_t n;

	if (c->echo_left > 0) {
		size_t room = c->echo_left - c->elen;

		/* 'C': read no more than the message, send it, close */
		if (c->elen < c->echo_left && room > 0 && (events & EPOLLIN)) {
			n = recv(c->fd, c->ebuf + c->elen, room, 0);
			if (n == 0 || (n == -1 && errno != EAGAIN))
				return -1;
			if (n > 0)
				c->elen += (size_t)n;
		}
		if (c->elen > c->eoff) {
			n = send(c->fd, c->ebuf + c->eoff, c->elen - c->eoff,
			    MSG_NOSIGNAL);
			if (n == -1 && errno != EAGAIN)
				return -1;
			if (n > 0)
				c->eoff += (size_t)n;
		}
		if (c->eoff == c->echo_left)
			return -1;	/* all echoed: the server closes */
		set_events(c, c->elen > c->eoff ? EPOLLOUT : EPOLLIN);
		return 0;
	}

	if ((events & EPOLLOUT) && c->elen > c->eoff) {
		n = send(c->fd, c->ebuf + c->eoff, c->elen - c->eoff,
		    MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN)
			return -1;
		if (n > 0)
			c->eoff += (size_t)n;
	}
	if (c->eoff == c->elen) {
		c->eoff = c->elen = 0;
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
			n = recv(c->fd, c->ebuf, ECHO_BUF, 0);
			if (n == 0)
				return -1;
			if (n == -1)
				return errno == EAGAIN ? 0 : -1;
			c->elen = (size_t)n;
			n = send(c->fd, c->ebuf, c->elen, MSG_NOSIGNAL);
			if (n == -1 && errno != EAGAIN)
				return -1;
			if (n > 0)
				c->eoff = (size_t)n;
			if (c->eoff == c->elen)
				c->eoff = c->elen = 0;
		}
	}
	set_events(c, c->elen > c->eoff ? EPOLLOUT : EPOLLIN);
	return 0;
}

/* Bulk: returns -1 on an error, 1 when the client closed after the end. */
static int
bulk_io(struct conn *c, uint32_t events)
{
	ssize_t	n;
	int	flags = discard ? MSG_TRUNC : 0;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (int i = 0; i < 4; i++) {
			size_t want = CHUNK;

			if (c->up_got == c->up_want) {
				/* Only the client's close may come now. */
				char b;

				n = recv(c->fd, &b, 1, 0);
				if (n == 0)
					return c->mode == M_DONE ? 1 : -1;
				if (n == -1 && errno == EAGAIN)
					break;
				return -1;	/* extra bytes or error */
			}
			if (want > c->up_want - c->up_got)
				want = (size_t)(c->up_want - c->up_got);
			n = recv(c->fd, sink, want, flags);
			if (n == 0 || (n == -1 && errno != EAGAIN))
				return -1;
			if (n == -1)
				break;
			c->up_got += (uint64_t)n;
			if ((size_t)n < want)
				break;
		}
	}
	if (events & EPOLLOUT) {
		for (int i = 0; i < 4 && c->down_sent < c->down_want; i++) {
			size_t want = CHUNK;

			if (want > c->down_want - c->down_sent)
				want = (size_t)(c->down_want - c->down_sent);
			n = send(c->fd, chunk, want, MSG_NOSIGNAL);
			if (n == -1 && errno != EAGAIN)
				return -1;
			if (n <= 0)
				break;
			c->down_sent += (uint64_t)n;
			if ((size_t)n < want)
				break;
		}
		if (c->down_sent == c->down_want && c->up_got == c->up_want &&
		    c->tsent < 8) {
			if (c->tsent == 0)
				put_le64(c->trailer, c->up_got);
			n = send(c->fd, c->trailer + c->tsent, 8 - c->tsent,
			    MSG_NOSIGNAL);
			if (n == -1 && errno != EAGAIN)
				return -1;
			if (n > 0)
				c->tsent += (size_t)n;
			if (c->tsent == 8) {
				c->mode = M_DONE;
				n_bulk_ok++;
			}
		}
	}
	{
		uint32_t ev = EPOLLIN;

		if (c->down_sent < c->down_want ||
		    (c->up_got == c->up_want && c->tsent < 8))
			ev |= EPOLLOUT;
		set_events(c, ev);
	}
	return 0;
}

static void
conn_io(struct conn *c, uint32_t events)
{
	ssize_t	n;
	int	r;

	if (c->mode == M_NEW || c->mode == M_BULK_HDR) {
		size_t want = c->mode == M_NEW ? 1 : HDR_LEN - c->hlen;

		n = recv(c->fd, c->hdr + c->hlen, want, 0);
		if (n == 0 && c->mode == M_NEW) {
			conn_free(c, 0);	/* a port probe */
			return;
		}
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			conn_free(c, 1);
			return;
		}
		if (n == -1)
			return;
		c->hlen += (size_t)n;
		if (c->mode == M_NEW) {
			if (c->hdr[0] == 'E' || c->hdr[0] == 'C') {
				if (c->hdr[0] == 'C')
					c->echo_left = ECHO_ONCE;
				c->mode = M_ECHO;
				n_echo++;
				if ((c->ebuf = malloc(ECHO_BUF)) == NULL) {
					conn_free(c, 1);
					return;
				}
				c->ebuf[0] = (char)c->hdr[0];
				c->elen = 1;
				events = EPOLLOUT | EPOLLIN;
			} else if (c->hdr[0] == 'X') {
				c->mode = M_BULK_HDR;
				return;
			} else {
				fprintf(stderr, "backend: unknown mode byte "
				    "0x%02x\n", c->hdr[0]);
				conn_free(c, 1);
				return;
			}
		} else if (c->hlen == HDR_LEN) {
			c->up_want = get_le64(c->hdr + 8);
			c->down_want = get_le64(c->hdr + 16);
			c->mode = M_BULK;
			events = EPOLLIN | EPOLLOUT;
		} else
			return;
	}
	if (c->mode == M_ECHO) {
		if (echo_io(c, events) == -1)
			conn_free(c, 0);
		return;
	}
	r = bulk_io(c, events);
	if (r != 0)
		conn_free(c, r == -1);
}

/* Every datagram back to its sender, a batch at a time, until none. */
static void
udp_echo(int fd)
{
	struct mmsghdr		msgs[UDP_BATCH];
	struct iovec		iov[UDP_BATCH];
	struct sockaddr_storage	from[UDP_BATCH];

	for (int turn = 0; turn < 16; turn++) {
		int n, sent = 0;

		for (int i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = ubuf[i];
			iov[i].iov_len = UDP_BUF;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++)
			iov[i].iov_len = msgs[i].msg_len;
		/* a full receiver drops, as any UDP peer would: not retried */
		while (sent < n) {
			int r = sendmmsg(fd, msgs + sent, (unsigned)(n - sent),
			    MSG_DONTWAIT);

			if (r <= 0)
				break;
			sent += r;
		}
		n_udp += (unsigned long long)n;
	}
}

static int
udp_listen(int port)
{
	struct sockaddr_in	sin;
	struct epoll_event	e;
	int			sz = 4 << 20;
	int			fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN;
	e.data.u64 = UDP_TAG | (uint64_t)fd;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void
do_accept(int lfd)
{
	for (int i = 0; i < 64; i++) {
		struct epoll_event	 e;
		struct conn		*c;
		int			 one = 1;
		int			 fd = accept4(lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				perror("backend: accept");
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			n_errors++;
			continue;
		}
		c->fd = fd;
		c->ev = EPOLLIN;
		memset(&e, 0, sizeof(e));
		e.events = EPOLLIN;
		e.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) == -1) {
			perror("backend: epoll_ctl");
			conn_free(c, 1);
			continue;
		}
		n_conns++;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct epoll_event	 e, evs[MAX_EVENTS];
	struct sigaction	 sa;
	struct rlimit		 rl;
	int			 lfd, opt, one = 1, port = 0, count = 1;
	long			 life = 3600;

	while ((opt = getopt(argc, argv, "p:k:L:z")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'k': count = atoi(optarg); break;
		case 'L': life = atol(optarg); break;
		case 'z': discard = 1; break;
		default:
			fprintf(stderr, "usage: backend -p PORT [-k COUNT] "
			    "[-L SECONDS] [-z]\n");
			return 2;
		}
	}
	if (port <= 0 || count < 1 || count > 256 || port + count - 1 > 65535
	    || life <= 0) {
		fprintf(stderr, "backend: bad port, count or lifetime\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (size_t i = 0; i < CHUNK; i++)
		chunk[i] = (char)('a' + i % 26);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("backend: epoll_create1");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		if (lfd == -1) {
			perror("backend: socket");
			return 1;
		}
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)(port + i));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(lfd, 4096) == -1) {
			fprintf(stderr, "backend: 127.0.0.1:%d: %s\n", port + i,
			    strerror(errno));
			return 1;
		}
		memset(&e, 0, sizeof(e));
		e.events = EPOLLIN;
		e.data.u64 = LISTEN_TAG | (uint64_t)lfd;
		epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
	}
	if (udp_listen(port) == -1) {
		fprintf(stderr, "backend: UDP 127.0.0.1:%d: %s\n", port,
		    strerror(errno));
		return 1;
	}
	alarm((unsigned)life);		/* SIGALRM ends a forgotten backend */

	while (!stop) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, 500);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("backend: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 & UDP_TAG)
				udp_echo((int)(evs[i].data.u64 & 0xffffffff));
			else if (evs[i].data.u64 & LISTEN_TAG)
				do_accept((int)(evs[i].data.u64 & 0xffffffff));
			else
				conn_io(evs[i].data.ptr, evs[i].events);
		}
	}
	fprintf(stderr, "backend: %llu connections, %llu echo, %llu bulk "
	    "complete, %llu UDP datagrams echoed, %llu errors\n", n_conns,
	    n_echo, n_bulk_ok, n_udp, n_errors);
	return n_errors ? 3 : 0;
}
