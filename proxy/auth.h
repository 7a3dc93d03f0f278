/*
 * Proxy users: [auth] users_file, htpasswd style ("user:hash" lines,
 * crypt(3) hashes: yescrypt, bcrypt or SHA-512).  HTTP Basic and SOCKS5
 * username/password both check through auth_verify(), whose crypt(3)
 * runs on a thread of its own (hashcheck.c) once auth_start() ran.
 */
#ifndef PINHOLE_AUTH_H
#define PINHOLE_AUTH_H

#include <stddef.h>

#include "addr.h"

#define AUTH_NAME_MAX	255	/* what SOCKS5 can carry, for both */
#define AUTH_PASS_MAX	255

enum auth_result {
	AUTH_OK,
	AUTH_FAILED,		/* unknown user or wrong password */
	AUTH_THROTTLED,		/* too many failures from this client */
	AUTH_BUSY,		/* too many checks waiting: refused unchecked */
	AUTH_CHECKING,		/* a check started; done() tells */
	AUTH_WAITING		/* joined the same check on its way */
};

struct auth;
struct auth_wait;
struct event_base;

/*
 * How a check that was not answered at once ended: AUTH_FAILED, or
 * AUTH_OK for "ask again", which answers at once now (or, when the
 * users file was read again meanwhile, checks against the new one).
 */
typedef void	(*auth_done_fn)(void *, enum auth_result);

struct auth	*auth_load(const char *, char *, size_t);
struct auth	*auth_parse(const char *, size_t, const char *, char *, size_t);
void		 auth_free(struct auth *);
size_t		 auth_count(const struct auth *);
const char	*auth_decoy_hash(const struct auth *, const char *);
int		 auth_start(struct event_base *);
void		 auth_stop(void);
enum auth_result auth_verify(struct auth *, const struct addr *,
		    const char *, const char *, size_t, auth_done_fn, void *,
		    struct auth_wait **);
void		 auth_cancel(struct auth_wait *);
int		 auth_basic_decode(const char *, size_t, char *, size_t,
		    char *, size_t, size_t *);

#endif
