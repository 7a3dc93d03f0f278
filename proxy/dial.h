/*
 * A session's way to its destination, once the ACL allows the request:
 * resolve, keep the allowed addresses, connect to them in turn.
 */
#ifndef PINHOLE_DIAL_H
#define PINHOLE_DIAL_H

struct session;

void	dial_addr(struct session *);
void	dial_resolve(struct session *);
void	dial_next(struct session *);
void	dial_drop_addrs(struct session *);
void	dial_wait_over(struct session *);

#endif
