/*
 * The service manager's readiness protocol: READY=1 once the ports are
 * open, RELOADING=1 and READY=1 around a reload, STOPPING=1 when
 * draining starts.  Nothing is sent when $NOTIFY_SOCKET is not set.
 */
#ifndef PINHOLE_NOTIFY_H
#define PINHOLE_NOTIFY_H

int	notify_open(void);
void	notify_send(const char *);
void	notify_reloading(void);
void	notify_close(void);

#endif
