/*
 * Flows as a pcap file: every flow a TCP conversation between the
 * client's address and port and the destination's, so a security team
 * sees who talked to whom, not the proxy talking to everyone; a UDP
 * association's datagrams as UDP between the same ends.
 */
#ifndef PINHOLE_CAPTURE_H
#define PINHOLE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct config;
struct evbuffer;

#define CAPTURE_UP		0	/* client to destination */
#define CAPTURE_DOWN	1

/* A ones' complement sum over bytes that may come in odd-sized pieces. */
struct csum {
	uint64_t	sum;
	int		odd;
};

/* One synthetic TCP conversation. */
struct capture_flow {
	struct addr	end[2];		/* client, destination */
	uint16_t	port[2];
	uint32_t	seq[2];		/* the next sequence number each way */
	uint64_t	kept[2];	/* payload bytes captured each way */
	int		started;
	int		fin[2];
	int		last_fin;	/* the side that sent the last FIN */
	uint32_t	pending[2];	/* past snaplen, not yet written */
	struct csum	pending_sum[2];
};

int	capture_open(const struct config *);
int	capture_reopen(void);
void	capture_close(void);
void	capture_flow_start(struct capture_flow *, const struct addr *, uint16_t,
	    const struct addr *, uint16_t);
void	capture_flow_data(struct capture_flow *, int, struct evbuffer *, size_t);
void	capture_flow_bytes(struct capture_flow *, int, const void *, size_t);
int	capture_flow_wants(const struct capture_flow *, int);
void	capture_flow_unseen(struct capture_flow *, int, size_t);
void	capture_flow_fin(struct capture_flow *, int);
void	capture_flow_acked(struct capture_flow *, int, uint64_t);
void	capture_flow_reset(struct capture_flow *, int);
void	capture_flow_end(struct capture_flow *, int);
void	capture_udp(const struct addr *, uint16_t, const struct addr *,
	    uint16_t, const void *, size_t, uint64_t *);
void	capture_refused(const struct addr *, uint16_t, const struct addr *,
	    uint16_t);

#endif
