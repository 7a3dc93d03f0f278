/*
 * The running proxy: one event loop, the config and allowlist in force,
 * the resolver, the listeners and the open sessions.  One process holds
 * one of these, as tmux holds its server state.
 */
#ifndef PINHOLE_SERVER_H
#define PINHOLE_SERVER_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "entries.h"
#include "session.h"
#include "udprelay.h"

struct auth;
struct event_base;
struct dnscache;
struct resolver;

/* PROXY headers read: with client addresses, without, malformed. */
enum proxyhdr_result { PROXYHDR_PROXY, PROXYHDR_LOCAL, PROXYHDR_BAD };

/* Counters of what happened, for the log now and the metrics later. */
struct counters {
	uint64_t	accepted;
	uint64_t	by_proto[4];	/* connect, http, socks5, socks4 */
	uint64_t	accept_paused;
	uint64_t	flows;
	uint64_t	denied[REASON_SHUTDOWN + 1];
	uint64_t	errors[REASON_SHUTDOWN + 1];
	uint64_t	bytes_up, bytes_down;
	uint64_t	dns_hits, dns_misses;
	uint64_t	dns_waits;		/* lookups that waited a turn */
	uint64_t	log_write_errors;	/* records lost */
	uint64_t	pcap_write_errors;	/* packets lost */
	uint64_t	log_write_failures;	/* episodes of them */
	uint64_t	pcap_write_failures;
	uint64_t	reloads, reload_failures;
	uint64_t	auth_failures, auth_throttled;
	uint64_t	auth_busy;		/* refused: checks waiting */
	uint64_t	auth_checks;		/* crypt(3) runs */
	uint64_t	proxy_headers[PROXYHDR_BAD + 1];
	uint64_t	sni_mismatch;		/* TLS names off the request */
	uint64_t	udp_associations;	/* UDP ASSOCIATEs served */
	uint64_t	udp_assoc_limit;	/* refused at the client's limit */
	uint64_t	udp_datagrams[2];	/* relayed: up, down */
	uint64_t	udp_bytes[2];		/* their payload bytes */
	uint64_t	udp_drops[UDP_DROP_MAX];	/* by enum udp_drop */
	uint64_t	would_deny;		/* let through by report mode */
	/* gauges, brought up to date for the metrics */
	uint64_t	open_sessions;
	uint64_t	open_by_proto[4];
	uint64_t	udp_open;		/* associations */
};

struct server {
	struct event_base	*base;
	struct config		*conf;
	struct resolver		*resolver;
	struct dnscache		*dns;
	struct auth		*auth;		/* NULL: no [auth] */
	struct session_list	 sessions;
	size_t			 nsessions;
	size_t			 fd_waiting;	/* sessions short of a descriptor */
	uint64_t		 next_id;
	int			 draining;
	int			 worker;	/* 0: the leader */
	int			 nworkers;
	int			 exit_code;
	time_t			 loaded_at;	/* of the config in force */
	/* the last reload, as the leader saw it */
	int			 reload_result;	/* 0 none, 1 ok, -1 failed */
	time_t			 reload_at;
	char			 reload_error[CONFIG_ERRLEN];
	struct counters		*count;		/* this worker's, shared */
};

extern struct server server;

int	server_run(struct config *);
void	server_stop_accepting(void);

#endif
