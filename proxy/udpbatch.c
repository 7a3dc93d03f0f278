/*
 * Datagrams a batch at a time (see udpbatch.h): a turn of a busy UDP
 * relay costs one recvmmsg and one sendmmsg, not a recvfrom and a
 * sendto for each datagram.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "udpbatch.h"

/* The slots of a read, each with room in front for a reply's header. */
static uint8_t	slots[UDPBATCH_MAX][UDPBATCH_ROOM + UDPBATCH_DATA];

/*
 * Reads what is waiting on fd, up to a batch; the count in in->n.
 * Returns 0, or -1 with errno when nothing was read (EAGAIN: nothing
 * waits).  A datagram longer than a slot cannot be: UDP's own limit
 * is below it.
 */
int
udpbatch_recv(int fd, struct udpbatch_in *in)
{
	struct mmsghdr	msgs[UDPBATCH_MAX];
	struct iovec	iov[UDPBATCH_MAX];
	int		n;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < UDPBATCH_MAX; i++) {
		iov[i].iov_base = slots[i] + UDPBATCH_ROOM;
		iov[i].iov_len = UDPBATCH_DATA;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &in->from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(in->from[i]);
	}
	do
		n = recvmmsg(fd, msgs, UDPBATCH_MAX, MSG_DONTWAIT, NULL);
	while (n == -1 && errno == EINTR);
	in->n = 0;
	if (n == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		in->data[i] = slots[i] + UDPBATCH_ROOM;
		in->len[i] = msgs[i].msg_len;
	}
	in->n = (size_t)n;
	return 0;
}

/*
 * Queues len bytes at p for fd (to the address to, or the socket's
 * own when tolen is 0); a queue for another socket, or a full one, is
 * sent first.  p must stay until the queue is flushed.
 */
void
udpbatch_queue(struct udpbatch_out *q, int fd, uint8_t *p, size_t len,
    size_t skip, const struct sockaddr_storage *to, socklen_t tolen,
    void *tag)
{
	struct msghdr	*h;
	size_t		 i;

	if (q->n > 0 && (q->fd != fd || q->n == UDPBATCH_MAX))
		udpbatch_flush(q);
	q->fd = fd;
	i = q->n++;
	q->iov[i].iov_base = p;
	q->iov[i].iov_len = len;
	q->skip[i] = skip;
	q->tag[i] = tag;
	h = &q->msgs[i].msg_hdr;
	memset(h, 0, sizeof(*h));
	h->msg_iov = &q->iov[i];
	h->msg_iovlen = 1;
	if (tolen > 0) {
		memcpy(&q->to[i], to, tolen);
		h->msg_name = &q->to[i];
		h->msg_namelen = tolen;
	}
}

/*
 * Sends the queue.  A datagram the kernel refuses (a full buffer, an
 * unreachable network) is reported and the rest still go, as they
 * would one sendto at a time.
 */
void
udpbatch_flush(struct udpbatch_out *q)
{
	size_t	i = 0;
	int	r;

	while (i < q->n) {
		r = sendmmsg(q->fd, q->msgs + i, (unsigned)(q->n - i),
		    MSG_DONTWAIT);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			q->done(q->tag[i], (uint8_t *)q->iov[i].iov_base +
			    q->skip[i], q->iov[i].iov_len - q->skip[i], 0);
			i++;
			continue;
		}
		for (int k = 0; k < r; k++, i++)
			q->done(q->tag[i], (uint8_t *)q->iov[i].iov_base +
			    q->skip[i], q->iov[i].iov_len - q->skip[i], 1);
	}
	q->n = 0;
}
