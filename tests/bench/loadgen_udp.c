/*
 * The UDP echo scenario of the load generator (make bench, u): one
 * SOCKS5 UDP association (or, direct, one socket to the backend), and
 * datagrams of -l bytes to the backend's UDP echo on -B, in two phases
 * of -s seconds each after a short warm-up:
 *
 *   saturation  -w datagrams in flight at any time, one sent for each
 *               echo back: echoed datagrams a second ("dps"), and with
 *               -p the proxy's CPU time per echo ("cpu_us", user and
 *               system of all its processes: what other jobs on the
 *               machine change least)
 *   loss        an open loop, paced, at -r datagrams a second (or at -L
 *               times the saturation rate, 0.5: half of it): what never
 *               came back ("lost", "loss_pct") once the last has had
 *               time to arrive
 *
 * Each datagram's payload is its sequence number and a pattern that
 * depends on it; an echo is checked whole (the SOCKS5 header the relay
 * puts in front must name the backend, the payload must be the bytes
 * sent, no sequence number twice): any difference is an error, counted.
 * Sending and receiving go in batches (sendmmsg, recvmmsg) so the load
 * generator takes as little of the cores as it can.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

#define UDP_BATCH	64
#define UDP_HDR		10		/* SOCKS5 UDP header, IPv4 */
#define UDP_MAX		1400		/* the largest payload asked for */
#define UDP_SEQ		8
#define PAT_SPAN	251		/* offsets into the pattern */
#define WARM_NS		(NS_S / 2)
#define STALL_MS	20		/* nothing back this long: written off */
#define DRAIN_QUIET_NS	(NS_S / 2)	/* loss: the last echo's grace */
#define DRAIN_MAX_NS	(3 * NS_S)
#define HS_TIMEOUT_MS	5000
#define TICK_NS		1000000ULL	/* loss: the pacing's finest step */

static int		 ufd = -1, cfd = -1;	/* UDP socket, SOCKS control */
static unsigned char	 hdr[UDP_HDR];		/* sent and expected back */
static size_t		 hlen;			/* 0 direct */
static size_t		 psize;			/* payload bytes */
static unsigned char	 pat[UDP_MAX + PAT_SPAN];
static unsigned char	 sbuf[UDP_BATCH][UDP_HDR + UDP_MAX];
static unsigned char	 rbuf[UDP_BATCH][UDP_HDR + UDP_MAX + 64];
static unsigned char	*seen;			/* echoes, by sequence */
static uint64_t		 seen_cap;
static uint64_t		 next_seq;

/* --- the association --- */

static int
io_exact(int fd, void *p, size_t n, int out)
{
	size_t off = 0;

	while (off < n) {
		struct pollfd	pfd = { fd, out ? POLLOUT : POLLIN, 0 };
		ssize_t		r;

		if (poll(&pfd, 1, HS_TIMEOUT_MS) != 1)
			return -1;
		r = out ? send(fd, (char *)p + off, n - off, MSG_NOSIGNAL) :
		    recv(fd, (char *)p + off, n - off, 0);
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

static void
sin_lo(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/*
 * SOCKS5, no authentication, UDP ASSOCIATE naming the UDP socket's own
 * address; the relay's address into relay.  0, or -1 (counted).
 */
static int
associate(const struct sockaddr_in *local, struct sockaddr_in *relay)
{
	struct sockaddr_in	 sin;
	unsigned char		 b[32];

	n_started++;
	sin_lo(&sin, proxy_port);
	if ((cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		fail(E_CONNECT, strerror(errno));
		return -1;
	}
	b[0] = 5; b[1] = 1; b[2] = 0;
	if (io_exact(cfd, b, 3, 1) == -1 || io_exact(cfd, b, 2, 0) == -1 ||
	    b[0] != 5 || b[1] != 0) {
		fail(E_PROTO, "udp: SOCKS5 method negotiation");
		return -1;
	}
	b[0] = 5; b[1] = 3; b[2] = 0; b[3] = 1;
	memcpy(b + 4, &local->sin_addr, 4);
	memcpy(b + 8, &local->sin_port, 2);
	if (io_exact(cfd, b, 10, 1) == -1 || io_exact(cfd, b, 4, 0) == -1) {
		fail(E_PROTO, "udp: no UDP ASSOCIATE reply");
		return -1;
	}
	if (b[0] != 5 || b[1] != 0) {
		fail(E_REFUSED, "udp: UDP ASSOCIATE refused");
		return -1;
	}
	memset(relay, 0, sizeof(*relay));
	relay->sin_family = AF_INET;
	if (b[3] == 1) {
		if (io_exact(cfd, b + 4, 6, 0) == -1)
			return fail(E_PROTO, "udp: short reply"), -1;
		memcpy(&relay->sin_addr, b + 4, 4);
		memcpy(&relay->sin_port, b + 8, 2);
	} else if (b[3] == 4) {
		/* an IPv6 relay address: not on this IPv4 bench */
		fail(E_PROTO, "udp: relay address is IPv6");
		return -1;
	} else {
		fail(E_PROTO, "udp: bad address type in the reply");
		return -1;
	}
	if (relay->sin_addr.s_addr == htonl(INADDR_ANY))
		relay->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n_tunnels++;
	return 0;
}

/* The UDP socket, connected to the relay (or the backend). */
static int
udp_open(void)
{
	struct sockaddr_in	 local, to;
	socklen_t		 sl = sizeof(local);
	int			 sz = 4 << 20;

	if ((ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return fail(E_SYS, strerror(errno)), -1;
	setsockopt(ufd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(ufd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sin_lo(&local, 0);
	if (bind(ufd, (struct sockaddr *)&local, sizeof(local)) == -1 ||
	    getsockname(ufd, (struct sockaddr *)&local, &sl) == -1)
		return fail(E_SYS, strerror(errno)), -1;
	if (proto == P_DIRECT) {
		n_started++;
		n_tunnels++;
		sin_lo(&to, backend_port);
		hlen = 0;
	} else {
		if (associate(&local, &to) == -1)
			return -1;
		/* RSV, FRAG 0, IPv4 127.0.0.1, the backend's port */
		memset(hdr, 0, sizeof(hdr));
		hdr[3] = 1;
		hdr[4] = 127;
		hdr[7] = 1;
		hdr[8] = (unsigned char)(backend_port >> 8);
		hdr[9] = (unsigned char)backend_port;
		hlen = UDP_HDR;
	}
	if (connect(ufd, (struct sockaddr *)&to, sizeof(to)) == -1)
		return fail(E_CONNECT, strerror(errno)), -1;
	return 0;
}

/* --- datagrams --- */

static void
put_seq(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_seq(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Sends up to n datagrams; how many went. */
static size_t
send_batch(size_t n)
{
	struct mmsghdr	msgs[UDP_BATCH];
	struct iovec	iov[UDP_BATCH];
	int		r;

	if (n > UDP_BATCH)
		n = UDP_BATCH;
	for (size_t i = 0; i < n; i++) {
		uint64_t seq = next_seq + i;

		memcpy(sbuf[i], hdr, hlen);
		put_seq(sbuf[i] + hlen, seq);
		memcpy(sbuf[i] + hlen + UDP_SEQ, pat + seq % PAT_SPAN,
		    psize - UDP_SEQ);
		iov[i].iov_base = sbuf[i];
		iov[i].iov_len = hlen + psize;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	r = sendmmsg(ufd, msgs, (unsigned)n, MSG_DONTWAIT);
	if (r == -1) {
		if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
			fail(errno == ECONNREFUSED ? E_REFUSED : E_SYS,
			    strerror(errno));
		return 0;
	}
	next_seq += (uint64_t)r;
	return (size_t)r;
}

/* Marks seq as echoed; 0 when it was already (an error). */
static int
mark_seen(uint64_t seq)
{
	if (seq >= seen_cap) {
		uint64_t	 cap = seen_cap ? seen_cap : 1 << 20;
		unsigned char	*p;

		while (cap <= seq)
			cap *= 2;
		if ((p = realloc(seen, cap)) == NULL) {
			fail(E_SYS, "udp: out of memory");
			exit(1);
		}
		memset(p + seen_cap, 0, cap - seen_cap);
		seen = p;
		seen_cap = cap;
	}
	if (seen[seq])
		return 0;
	seen[seq] = 1;
	return 1;
}

/*
 * Receives what is there (up to a batch), checks each echo; the
 * sequence numbers of the good ones into seqs.  How many are good, or
 * -1 when nothing was there.
 */
static int
recv_batch(uint64_t *seqs)
{
	struct mmsghdr	msgs[UDP_BATCH];
	struct iovec	iov[UDP_BATCH];
	int		r, good = 0;

	for (int i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = rbuf[i];
		iov[i].iov_len = sizeof(rbuf[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	r = recvmmsg(ufd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (r == -1) {
		if (errno != EAGAIN && errno != EINTR)
			fail(errno == ECONNREFUSED ? E_REFUSED : E_SYS,
			    strerror(errno));
		return -1;
	}
	for (int i = 0; i < r; i++) {
		const unsigned char	*p = rbuf[i];
		uint64_t		 seq;

		if (msgs[i].msg_len != hlen + psize ||
		    (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ||
		    memcmp(p, hdr, hlen) != 0) {
			fail(E_DATA, "udp: an echo of the wrong length or "
			    "header");
			continue;
		}
		seq = get_seq(p + hlen);
		if (seq >= next_seq || memcmp(p + hlen + UDP_SEQ,
		    pat + seq % PAT_SPAN, psize - UDP_SEQ) != 0) {
			fail(E_DATA, "udp: an echo differs from what was sent");
			continue;
		}
		if (!mark_seen(seq)) {
			fail(E_DATA, "udp: an echo came twice");
			continue;
		}
		seqs[good++] = seq;
	}
	return good;
}

static int
wait_in(long us)
{
	struct pollfd	pfd = { ufd, POLLIN, 0 };
	struct timespec	ts = { us / 1000000, (us % 1000000) * 1000 };

	return ppoll(&pfd, 1, &ts, NULL);
}

/*
 * Saturation: window datagrams in flight; those sent after the last
 * write-off count against it.  Echoes a second after the warm-up.
 */
static double
phase_saturate(double secs, int window, uint64_t *sent, uint64_t *got,
    uint64_t *stalls, double *cpu_us)
{
	double		cpu0 = -1;
	uint64_t	t0 = now_ns(), from = t0 + WARM_NS;
	uint64_t	end = from + (uint64_t)(secs * 1e9), now;
	uint64_t	base = next_seq, mark = next_seq, counted = 0;
	uint64_t	seqs[UDP_BATCH];
	size_t		inflight = 0;
	int		n;

	*got = 0;
	while ((now = now_ns()) < end && err_total() == 0) {
		if (cpu0 < 0 && now >= from)
			cpu0 = proxy_cpu();
		if (inflight < (size_t)window)
			inflight += send_batch((size_t)window - inflight);
		if ((n = recv_batch(seqs)) == -1) {
			if (wait_in(STALL_MS * 1000L) == 0 && inflight > 0) {
				(*stalls)++;
				inflight = 0;
				mark = next_seq;
			}
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (seqs[i] < base)
				continue;
			(*got)++;
			if (seqs[i] >= mark && inflight > 0)
				inflight--;
			if (now >= from)
				counted++;
		}
	}
	*sent = next_seq - base;
	if (cpu0 >= 0 && counted > 0)
		*cpu_us = (proxy_cpu() - cpu0) * 1e6 / (double)counted;
	return (double)counted / secs;
}

/*
 * Loss: rate datagrams a second, paced, for secs; then the stragglers
 * until none came for a while.  Datagrams sent, echoes back.
 */
static void
phase_loss(double rate, double secs, uint64_t *sent, uint64_t *got)
{
	uint64_t	t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	uint64_t	base = next_seq, now, last;
	uint64_t	seqs[UDP_BATCH];
	int		n;

	*got = 0;
	while ((now = now_ns()) < end && err_total() == 0) {
		uint64_t due = (uint64_t)((double)(now - t0) * rate / 1e9);
		uint64_t next_ns;

		while (next_seq - base < due)
			if (send_batch(due - (next_seq - base)) == 0)
				break;
		if ((n = recv_batch(seqs)) != -1) {
			for (int i = 0; i < n; i++)
				*got += seqs[i] >= base;
			continue;
		}
		/*
		 * Sleep till the next is due, a tick at least: spinning
		 * for sends 50 us apart would take a core from the relay
		 * being measured (the ones due by then go together).
		 */
		next_ns = t0 + (uint64_t)((double)(next_seq - base + 1) *
		    1e9 / rate);
		wait_in(next_ns > now + TICK_NS ? (long)((next_ns - now) /
		    1000) : (long)(TICK_NS / 1000));
	}
	*sent = next_seq - base;
	last = now_ns();
	while (*got < *sent && err_total() == 0 &&
	    (now = now_ns()) < end + DRAIN_MAX_NS && now - last < DRAIN_QUIET_NS) {
		if ((n = recv_batch(seqs)) == -1) {
			wait_in(10000);
			continue;
		}
		for (int i = 0; i < n; i++)
			*got += seqs[i] >= base;
		last = now;
	}
}

int
run_udp(size_t size, double secs, int window, double load, double fixed)
{
	uint64_t	s_sent = 0, s_got = 0, stalls = 0;
	uint64_t	l_sent = 0, l_got = 0;
	double		dps = 0, rate = 0, cpu_us = 0;

	if (size < UDP_SEQ || size > UDP_MAX || window < 1 ||
	    window > 100000 || load <= 0 || load > 1 || fixed < 0 ||
	    fixed > 1e7 ||
	    (proto != P_DIRECT && proto != P_SOCKS5)) {
		fprintf(stderr, "loadgen: udp: -l 8-%d, -w 1-100000, "
		    "-L (0,1], -r 0-10^7, -x direct or socks5\n", UDP_MAX);
		return 2;
	}
	psize = size;
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (unsigned char)(i * 7 + i / 251 + 1);
	if (udp_open() == 0) {
		dps = phase_saturate(secs, window, &s_sent, &s_got, &stalls,
		    &cpu_us);
		rate = fixed > 0 ? fixed : dps * load;
		if (rate >= 1 && err_total() == 0)
			phase_loss(rate, secs, &l_sent, &l_got);
	}
	printf("RESULT size=%zu dps=%.0f sat_sent=%llu sat_got=%llu "
	    "stalls=%llu offered=%.0f sent=%llu got=%llu", size, dps,
	    (unsigned long long)s_sent, (unsigned long long)s_got,
	    (unsigned long long)stalls, rate, (unsigned long long)l_sent,
	    (unsigned long long)l_got);
	if (cpu_us > 0)
		printf(" cpu_us=%.2f", cpu_us);
	/* no loss figure from a run that never got to the loss phase */
	if (l_sent > 0)
		printf(" lost=%llu loss_pct=%.4f",
		    (unsigned long long)(l_sent - l_got),
		    100.0 * (double)(l_sent - l_got) / (double)l_sent);
	print_errs(stdout);
	if (ufd != -1)
		close(ufd);
	if (cfd != -1)
		close(cfd);
	free(seen);
	return 0;
}
