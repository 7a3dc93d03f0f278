/*
 * What the load generator's files share: the proxy's kind and ports,
 * the clock, the error counts and the RESULT line's error fields.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stdint.h>
#include <stdio.h>

#define NS_S		1000000000ULL

enum proto { P_DIRECT, P_CONNECT, P_SOCKS5, P_SOCKS5H, P_RELAY };

enum err {
	E_CONNECT, E_REFUSED, E_PROTO, E_EOF, E_TIMEOUT, E_DATA, E_SYS,
	E_COUNT
};

extern enum proto	 proto;
extern int		 proxy_port, backend_port;
extern unsigned long	 n_tunnels;	/* handshakes completed */
extern unsigned long	 n_started;	/* connections started */

uint64_t	now_ns(void);
unsigned long	err_total(void);
void		fail(enum err, const char *);
void		print_errs(FILE *);
double		proxy_cpu(void);

/* loadgen_udp.c: the UDP echo scenario (u) */
int		run_udp(size_t size, double secs, int window, double load,
		    double rate);

#endif
