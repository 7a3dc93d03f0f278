/* The access log: one JSON object per line per flow, denial or error. */
#ifndef PINHOLE_FLOWLOG_H
#define PINHOLE_FLOWLOG_H

struct session;

int	flowlog_open(const char *);
int	flowlog_reopen(void);
void	flowlog_write(const struct session *);
void	flowlog_close(void);

#endif
