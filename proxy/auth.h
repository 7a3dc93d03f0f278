/*
 * Proxy users: [auth] users_file, htpasswd style ("user:hash" lines,
 * crypt(3) hashes: yescrypt, bcrypt or SHA-512).  HTTP Basic and SOCKS5
 * username/password both check through auth_verify().
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
	AUTH_THROTTLED		/* too many failures from this client */
};

struct auth;

struct auth	*auth_load(const char *, char *, size_t);
struct auth	*auth_parse(const char *, size_t, const char *, char *, size_t);
void		 auth_free(struct auth *);
size_t		 auth_count(const struct auth *);
enum auth_result auth_verify(struct auth *, const struct addr *,
		    const char *, const char *, size_t);
int		 auth_basic_decode(const char *, size_t, char *, size_t,
		    char *, size_t, size_t *);

#endif
