/* The access log: one JSON object per line per flow, denial or error. */
#ifndef PINHOLE_FLOWLOG_H
#define PINHOLE_FLOWLOG_H

struct session;

#define FLOWLOG_BUFFER		65536
#define FLOWLOG_DELAY_MS	100	/* a record waits this long at most */

int	flowlog_open(const char *);
void	flowlog_flush(void);
int	flowlog_reopen(void);
void	flowlog_write(const struct session *);
void	flowlog_close(void);

#endif
