/*
 * The relay's own: what relay.c (the tunnel's core) and relayhold.c (the
 * ClientHello held for the SNI check) share.  Not for anyone else.
 */
#ifndef PINHOLE_RELAYPRIV_H
#define PINHOLE_RELAYPRIV_H

#include <stddef.h>

#include <event2/event.h>

#include "hrr.h"
#include "session.h"
#include "sni.h"
#include "snicheck.h"

#define RELAY_COPY	16384		/* one read while copying */
#define RELAY_PIPE	(1024 * 1024)	/* a pipe's size, when allowed */
/* A ClientHello held for the SNI check: 16 KiB and a record header. */
#define RELAY_HOLD	(SNI_MAX_BYTES + 5)
#define RELAY_GONE	(-2)		/* the session was closed meanwhile */

struct relay_dir {
	struct relay	*relay;
	int		 dir;		/* CAPTURE_UP or CAPTURE_DOWN */
	int		 from, to;
	struct event	*readable;
	struct event	*writable;	/* made when a write first waits */
	int		 pipe[2];	/* -1: still copying */
	size_t		 in_pipe;
	unsigned char	*held;		/* read, not yet written */
	size_t		 held_len, held_off;
	int		 eof;		/* from has ended */
	int		 watched;	/* from, once not read: for a reset */
	int		 read_errno;	/* how reading from failed */
	int		 write_errno;	/* how writing to failed */
};

struct relay {
	struct session		*s;
	struct relay_dir	 d[2];
	int			 ended;		/* directions passed on */
	int			 sni_mode;	/* enum sni_check */
	int			 own_fds;	/* the bufferevents are gone */
	struct event		*sni_deadline;	/* handshake_timeout, held */
	int			 retry;		/* enum relay_retry */
	struct hrr		 hrr;		/* the server's first message */
	struct event		*retry_seen;	/* the server has answered */
};

/* Where the client's second ClientHello stands. */
enum relay_retry {
	RETRY_NONE,	/* the first is held, or no second will be checked */
	RETRY_WAIT,	/* the first went on: the server's answer is awaited */
	RETRY_HELLO	/* the server sent an HRR: the second is held */
};

/* relay.c */
void	relay_seen(struct relay_dir *, const unsigned char *, size_t);
int	relay_write_on(struct relay_dir *, const unsigned char *, size_t);
void	relay_wait_writable(struct relay_dir *);
void	relay_fail(struct relay_dir *);
int	relay_read_failed(struct relay_dir *);
void	relay_got_eof(struct relay_dir *);

/* relayhold.c */
int	relayhold_holding(const struct relay_dir *);
size_t	relayhold_bytes(struct session *, const unsigned char *, size_t);
void	relayhold_sni(struct session *, const unsigned char *, size_t);
void	relayhold_server(struct relay *, const unsigned char *, size_t);
int	relayhold_release(struct relay_dir *, enum sni_end,
	    const unsigned char *, size_t);
int	relayhold_recheck(struct relay_dir *);
int	relayhold_once(struct relay_dir *);
int	relayhold_arm(struct relay *);

#endif
