/*
 * The packets are made up, not captured: IPv4 or IPv6 and TCP headers
 * around the bytes as they were relayed, with real checksums and
 * sequence numbers that follow the byte counts of the flow log.  Up to
 * pcap_snaplen payload bytes per direction are kept whole (in segments
 * of MSS bytes); past that a record keeps the headers only and says how
 * long the packet was, one record per 64000 bytes (gathered over reads
 * until the other side speaks or the flow ends), the way a capture with a
 * snap length records them.  A conversation with one IPv6 end
 * writes its IPv4 end as ::ffff:a.b.c.d.
 *
 * The file itself, its buffers, rotation and a full disk: pcapfile.c.
 */
#include <sys/time.h>

#include <event2/buffer.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "capture.h"
#include "pcapfile.h"

#define MSS		1460
#define BIG_SEGMENT	64000
#define MAX_HEADERS	60		/* IPv6 40 + TCP 20 */

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10

static uint64_t		 pcap_snaplen;

static void
csum_add(struct csum *c, const uint8_t *p, size_t len)
{
	size_t i = 0;

	if (c->odd && len > 0) {
		c->sum += p[0];
		i = 1;
		c->odd = 0;
	}
	for (; i + 1 < len; i += 2)
		c->sum += (uint64_t)p[i] << 8 | p[i + 1];
	if (i < len) {
		c->sum += (uint64_t)p[i] << 8;
		c->odd = 1;
	}
}

static uint16_t
csum_done(struct csum *c)
{
	uint64_t s = c->sum;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int
flow_v6(const struct capture_flow *f)
{
	return f->end[0].family == ADDR_V6 || f->end[1].family == ADDR_V6;
}

/* An address as it goes in the packet: 4 bytes, or 16 in an IPv6 flow. */
static void
addr_bytes(const struct addr *a, int v6, uint8_t *out)
{
	if (!v6) {
		memcpy(out, a->b, 4);
		return;
	}
	if (a->family == ADDR_V6) {
		memcpy(out, a->b, 16);
		return;
	}
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, a->b, 4);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Flows are recorded: a file is configured and not given up. */
static int
capturing(void)
{
	return pcapfile_on();
}

/*
 * One segment from end `from` of flow f: flags, payload len bytes taken
 * from the iovecs at *src (whose first `keep` bytes are captured).
 */
struct source {
	const struct evbuffer_iovec	*v;
	int				 n, i;
	size_t				 off;
	const uint8_t			*flat;	/* or one flat buffer */
};

static void
source_take(struct source *s, size_t len, uint8_t *copy, struct csum *c)
{
	if (s == NULL)
		return;		/* relayed without being seen */
	if (s->flat != NULL) {
		if (copy != NULL)
			memcpy(copy, s->flat, len);
		csum_add(c, s->flat, len);
		s->flat += len;
		return;
	}
	while (len > 0 && s->i < s->n) {
		size_t		 avail = s->v[s->i].iov_len - s->off;
		size_t		 n = avail < len ? avail : len;
		const uint8_t	*p = (const uint8_t *)s->v[s->i].iov_base +
				    s->off;

		if (copy != NULL) {
			memcpy(copy, p, n);
			copy += n;
		}
		csum_add(c, p, n);
		len -= n;
		s->off += n;
		if (s->off == s->v[s->i].iov_len) {
			s->i++;
			s->off = 0;
		}
	}
}

static void
segment(struct capture_flow *f, int from, uint8_t flags, struct source *src,
    size_t len, int captured, const struct csum *payload_sum)
{
	static uint8_t		 pkt[MAX_HEADERS + MSS];
	int			 v6 = flow_v6(f), to = !from;
	size_t			 ip = v6 ? 40 : 20, hl = ip + 20;
	uint8_t			*tcp = pkt + ip, a[16], b[16], pseudo[40];
	struct csum		 c = { 0, 0 };
	struct pcap_pkthdr	 h;

	memset(pkt, 0, hl);
	addr_bytes(&f->end[from], v6, a);
	addr_bytes(&f->end[to], v6, b);
	if (v6) {
		pkt[0] = 0x60;
		put16(pkt + 4, (uint32_t)(20 + len));
		pkt[6] = 6;
		pkt[7] = 64;
		memcpy(pkt + 8, a, 16);
		memcpy(pkt + 24, b, 16);
	} else {
		struct csum ic = { 0, 0 };

		pkt[0] = 0x45;
		put16(pkt + 2, (uint32_t)(hl + len));
		pkt[6] = 0x40;		/* don't fragment */
		pkt[8] = 64;
		pkt[9] = 6;
		memcpy(pkt + 12, a, 4);
		memcpy(pkt + 16, b, 4);
		csum_add(&ic, pkt, 20);
		put16(pkt + 10, csum_done(&ic));
	}
	put16(tcp, f->port[from]);
	put16(tcp + 2, f->port[to]);
	put32(tcp + 4, f->seq[from]);
	if (flags & TH_ACK)
		put32(tcp + 8, f->seq[to]);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	/* The pseudo-header, the TCP header, then the payload. */
	memset(pseudo, 0, sizeof(pseudo));
	if (v6) {
		memcpy(pseudo, a, 16);
		memcpy(pseudo + 16, b, 16);
		put32(pseudo + 32, (uint32_t)(20 + len));
		pseudo[39] = 6;
		csum_add(&c, pseudo, 40);
	} else {
		memcpy(pseudo, a, 4);
		memcpy(pseudo + 4, b, 4);
		pseudo[9] = 6;
		put16(pseudo + 10, (uint32_t)(20 + len));
		csum_add(&c, pseudo, 12);
	}
	csum_add(&c, tcp, 20);
	if (len > 0 && src != NULL)
		source_take(src, len, captured ? pkt + hl : NULL, &c);
	else if (len > 0 && payload_sum != NULL)
		c.sum += payload_sum->sum;	/* the payload starts even */
	put16(tcp + 16, csum_done(&c));
	gettimeofday(&h.ts, NULL);
	h.len = (bpf_u_int32)(hl + len);
	h.caplen = (bpf_u_int32)(hl + (captured ? len : 0));
	pcapfile_write(&h, pkt);
	f->seq[from] += (uint32_t)len;
	if (flags & (TH_SYN | TH_FIN))
		f->seq[from]++;
}

/* Writes the header-only record of what gathered past snaplen. */
static void
flush(struct capture_flow *f, int dir)
{
	if (f->pending[dir] == 0)
		return;
	segment(f, dir, TH_ACK | TH_PSH, NULL, f->pending[dir], 0,
	    &f->pending_sum[dir]);
	f->pending[dir] = 0;
	memset(&f->pending_sum[dir], 0, sizeof(f->pending_sum[dir]));
}

/* Relayed bytes: the captured part in MSS segments, the rest compactly. */
static void
payload(struct capture_flow *f, int dir, struct source *src, size_t len)
{
	flush(f, !dir);		/* its ACK numbers must come first */
	while (len > 0) {
		uint64_t	 room = pcap_snaplen > f->kept[dir] ?
				    pcap_snaplen - f->kept[dir] : 0;
		size_t		 n;

		if (room > 0) {
			n = len < MSS ? len : MSS;
			if (n > room)
				n = (size_t)room;
			f->kept[dir] += n;
			segment(f, dir, TH_ACK | TH_PSH, src, n, 1, NULL);
		} else {
			n = BIG_SEGMENT - f->pending[dir];
			if (n > len)
				n = len;
			source_take(src, n, NULL, &f->pending_sum[dir]);
			f->pending[dir] += (uint32_t)n;
			if (f->pending[dir] == BIG_SEGMENT)
				flush(f, dir);
		}
		len -= n;
	}
}

int
capture_open(const struct config *c)
{
	pcap_snaplen = c->pcap_snaplen;
	return pcapfile_open(c);
}

/* Opens the file again under its name (SIGUSR1, after a rename). */
int
capture_reopen(void)
{
	return pcapfile_reopen();
}

void
capture_close(void)
{
	pcapfile_close();
}

/* SYN, SYN-ACK and ACK, at connect. */
void
capture_flow_start(struct capture_flow *f, const struct addr *client,
    uint16_t cport, const struct addr *dest, uint16_t dport)
{
	memset(f, 0, sizeof(*f));
	if (!capturing())
		return;
	f->end[0] = *client;
	f->end[1] = *dest;
	f->port[0] = cport;
	f->port[1] = dport;
	f->seq[0] = (uint32_t)random();
	f->seq[1] = (uint32_t)random();
	f->started = 1;
	segment(f, CAPTURE_UP, TH_SYN, NULL, 0, 0, NULL);
	segment(f, CAPTURE_DOWN, TH_SYN | TH_ACK, NULL, 0, 0, NULL);
	segment(f, CAPTURE_UP, TH_ACK, NULL, 0, 0, NULL);
}

/* The first len bytes of buf are about to be relayed in direction dir. */
void
capture_flow_data(struct capture_flow *f, int dir, struct evbuffer *buf,
    size_t len)
{
	struct evbuffer_iovec	 small[16], *v = small;
	struct source		 src;
	int			 n;

	if (!f->started || !capturing() || len == 0)
		return;
	n = evbuffer_peek(buf, (ev_ssize_t)len, NULL, NULL, 0);
	if (n > 16 && (v = calloc((size_t)n, sizeof(*v))) == NULL)
		return;
	n = evbuffer_peek(buf, (ev_ssize_t)len, NULL, v, n);
	memset(&src, 0, sizeof(src));
	src.v = v;
	src.n = n;
	payload(f, dir, &src, len);
	if (v != small)
		free(v);
}

void
capture_flow_bytes(struct capture_flow *f, int dir, const void *data, size_t len)
{
	struct source src;

	if (!f->started || !capturing() || len == 0)
		return;
	memset(&src, 0, sizeof(src));
	src.flat = data;
	payload(f, dir, &src, len);
}

/*
 * Whether the relay must show this direction's next bytes: the capture
 * keeps them until pcap_snaplen.  Past it the relay may move bytes
 * without reading them (splice) and tells only how many.
 */
int
capture_flow_wants(const struct capture_flow *f, int dir)
{
	return f->started && capturing() && f->kept[dir] < pcap_snaplen;
}

/*
 * len bytes relayed unseen, past pcap_snaplen: recorded as a snap-length
 * capture records them, headers only.  Their TCP checksum cannot cover
 * a payload pinhole never read, and no reader of the file can check it
 * since the payload is not in it.
 */
void
capture_flow_unseen(struct capture_flow *f, int dir, size_t len)
{
	if (!f->started || !capturing() || len == 0)
		return;
	payload(f, dir, NULL, len);
}

/* One side closed its sending half. */
void
capture_flow_fin(struct capture_flow *f, int dir)
{
	if (!f->started || !capturing() || f->fin[dir])
		return;
	flush(f, !dir);
	flush(f, dir);
	f->fin[dir] = 1;
	f->last_fin = dir;
	segment(f, dir, TH_FIN | TH_ACK, NULL, 0, 0, NULL);
}

/*
 * The flow is being reset, and the receiving end of direction dir had
 * not acknowledged its last `lost` bytes (they were dropped): that end's
 * ACK, for all but those, so the pcap says what arrived.  Nothing is
 * drawn when all of it did.
 */
void
capture_flow_acked(struct capture_flow *f, int dir, uint64_t lost)
{
	if (!f->started || !capturing() || lost == 0)
		return;
	flush(f, CAPTURE_UP);
	flush(f, CAPTURE_DOWN);
	/* segment() ACKs all that dir sent: all but lost, for this one. */
	f->seq[dir] -= (uint32_t)lost;
	segment(f, !dir, TH_ACK, NULL, 0, 0, NULL);
	f->seq[dir] += (uint32_t)lost;
}

/* One end reset the flow: its RST, from it; nothing follows. */
void
capture_flow_reset(struct capture_flow *f, int dir)
{
	if (!f->started || !capturing())
		return;
	flush(f, CAPTURE_UP);
	flush(f, CAPTURE_DOWN);
	segment(f, dir, TH_RST | TH_ACK, NULL, 0, 0, NULL);
	f->started = 0;
}

/* The flow ends: its last ACK, or an RST when it was cut. */
void
capture_flow_end(struct capture_flow *f, int reset)
{
	if (!f->started || !capturing())
		return;
	flush(f, CAPTURE_UP);
	flush(f, CAPTURE_DOWN);
	if (reset || !f->fin[0] || !f->fin[1])
		segment(f, f->fin[1] ? CAPTURE_UP : CAPTURE_DOWN, TH_RST | TH_ACK,
		    NULL, 0, 0, NULL);
	else	/* the other side acknowledges the last FIN */
		segment(f, !f->last_fin, TH_ACK, NULL, 0, 0, NULL);
	f->started = 0;
}

/*
 * One datagram of a UDP association, from one end to the other: a UDP
 * packet with a real checksum, its payload kept while *kept (the bytes
 * of this destination's direction kept so far) is under pcap_snaplen,
 * then cut the way a snap length cuts it.
 */
void
capture_udp(const struct addr *from, uint16_t fport, const struct addr *to,
    uint16_t tport, const void *data, size_t len, uint64_t *kept)
{
	static uint8_t		 pkt[40 + 8 + 65536];
	int			 v6 = from->family == ADDR_V6 ||
				    to->family == ADDR_V6;
	size_t			 ip = v6 ? 40 : 20, hl = ip + 8, keep;
	uint8_t			*udp = pkt + ip, a[16], b[16], pseudo[40];
	struct csum		 c = { 0, 0 };
	struct pcap_pkthdr	 h;

	if (!capturing() || len > sizeof(pkt) - hl)
		return;
	keep = pcap_snaplen > *kept ? (size_t)(pcap_snaplen - *kept) : 0;
	if (keep > len)
		keep = len;
	*kept += keep;
	memset(pkt, 0, hl);
	addr_bytes(from, v6, a);
	addr_bytes(to, v6, b);
	memset(pseudo, 0, sizeof(pseudo));
	if (v6) {
		pkt[0] = 0x60;
		put16(pkt + 4, (uint32_t)(8 + len));
		pkt[6] = 17;
		pkt[7] = 64;
		memcpy(pkt + 8, a, 16);
		memcpy(pkt + 24, b, 16);
		memcpy(pseudo, a, 16);
		memcpy(pseudo + 16, b, 16);
		put32(pseudo + 32, (uint32_t)(8 + len));
		pseudo[39] = 17;
		csum_add(&c, pseudo, 40);
	} else {
		struct csum ic = { 0, 0 };

		pkt[0] = 0x45;
		put16(pkt + 2, (uint32_t)(hl + len));
		pkt[8] = 64;
		pkt[9] = 17;
		memcpy(pkt + 12, a, 4);
		memcpy(pkt + 16, b, 4);
		csum_add(&ic, pkt, 20);
		put16(pkt + 10, csum_done(&ic));
		memcpy(pseudo, a, 4);
		memcpy(pseudo + 4, b, 4);
		pseudo[9] = 17;
		put16(pseudo + 10, (uint32_t)(8 + len));
		csum_add(&c, pseudo, 12);
	}
	put16(udp, fport);
	put16(udp + 2, tport);
	put16(udp + 4, (uint32_t)(8 + len));
	csum_add(&c, udp, 8);
	csum_add(&c, data, len);
	put16(udp + 6, csum_done(&c) == 0 ? 0xffff : csum_done(&c));
	memcpy(udp + 8, data, keep);
	gettimeofday(&h.ts, NULL);
	h.len = (bpf_u_int32)(hl + len);
	h.caplen = (bpf_u_int32)(hl + keep);
	pcapfile_write(&h, pkt);
}

/*
 * A refused or failed attempt: a SYN answered by an RST, to dest (the
 * resolved address, the requested IP literal, or 0.0.0.0).
 */
void
capture_refused(const struct addr *client, uint16_t cport,
    const struct addr *dest, uint16_t dport)
{
	struct capture_flow f;

	if (!capturing())
		return;
	memset(&f, 0, sizeof(f));
	f.end[0] = *client;
	f.end[1] = *dest;
	f.port[0] = cport;
	f.port[1] = dport;
	f.seq[0] = (uint32_t)random();
	f.started = 1;
	segment(&f, CAPTURE_UP, TH_SYN, NULL, 0, 0, NULL);
	f.seq[1] = 0;
	segment(&f, CAPTURE_DOWN, TH_RST | TH_ACK, NULL, 0, 0, NULL);
}
