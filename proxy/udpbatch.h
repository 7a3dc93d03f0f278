/*
 * Datagrams a batch at a time: read with one recvmmsg into fixed slots,
 * sent with one sendmmsg from a queue.  No allocation per datagram;
 * one worker, one event at a time, so the slots and a queue are the
 * worker's own.
 */
#ifndef PINHOLE_UDPBATCH_H
#define PINHOLE_UDPBATCH_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define UDPBATCH_MAX	32		/* datagrams a call */
#define UDPBATCH_ROOM	32		/* free bytes in front of each */
#define UDPBATCH_DATA	65536		/* more than any datagram */

/* What one read brought: the slots' bytes stay until the next read. */
struct udpbatch_in {
	size_t			 n;
	uint8_t			*data[UDPBATCH_MAX];
	size_t			 len[UDPBATCH_MAX];
	struct sockaddr_storage	 from[UDPBATCH_MAX];
};

/*
 * Called for each queued datagram once it has gone (ok 1) or could not
 * (ok 0): its tag, and its bytes past the first skip.
 */
typedef void	(*udpbatch_done)(void *tag, const uint8_t *, size_t, int ok);

struct udpbatch_out {
	int			 fd;
	size_t			 n;
	udpbatch_done		 done;
	struct mmsghdr		 msgs[UDPBATCH_MAX];
	struct iovec		 iov[UDPBATCH_MAX];
	struct sockaddr_storage	 to[UDPBATCH_MAX];
	void			*tag[UDPBATCH_MAX];
	size_t			 skip[UDPBATCH_MAX];
};

int	udpbatch_recv(int, struct udpbatch_in *);
void	udpbatch_queue(struct udpbatch_out *, int, uint8_t *, size_t,
	    size_t, const struct sockaddr_storage *, socklen_t, void *);
void	udpbatch_flush(struct udpbatch_out *);

#endif
