/*
 * The pcap file that every worker writes its records into: each worker
 * gathers whole records in a buffer of its own and writes the buffer
 * with one write(2), taking turns with the others on a lock in memory
 * shared by all (never waiting for it: a busy lock keeps the buffer
 * for later, see pcapfile.c); rotation, reopening and a full disk are
 * handled under that lock, once, for all of them.
 */
#ifndef PINHOLE_PCAPFILE_H
#define PINHOLE_PCAPFILE_H

#include <stdint.h>

struct config;
struct pcap_pkthdr;

int	pcapfile_share(void);
int	pcapfile_open(const struct config *);
int	pcapfile_reopen(void);
void	pcapfile_close(void);
int	pcapfile_on(void);
void	pcapfile_write(const struct pcap_pkthdr *, const uint8_t *);
void	pcapfile_test_hold(int);	/* tests only: a stalled writer */
void	pcapfile_test_wait(int);	/* tests only: flushes wait */

#endif
