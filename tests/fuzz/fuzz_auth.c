/*
 * The two readers of credentials: a Proxy-Authorization value (Basic)
 * and the users file.  The first byte picks one.  Beyond not crashing:
 * a decoded user is a non-empty name without spaces or colons and the
 * password fits its buffer; a users file that loads has no user twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

static void
basic(const char *v, size_t len)
{
	char	 user[AUTH_NAME_MAX + 1], pass[AUTH_PASS_MAX + 1];
	size_t	 plen = 0;

	if (auth_basic_decode(v, len, user, sizeof(user), pass, sizeof(pass),
	    &plen) == 0) {
		CHECK(strlen(user) > 0 && strlen(user) <= AUTH_NAME_MAX);
		CHECK(strpbrk(user, " :") == NULL);
		CHECK(plen <= sizeof(pass));
	}
}

static void
users(const char *text, size_t len)
{
	char		 err[512];
	struct auth	*a;

	err[0] = '\0';
	a = auth_parse(text, len, "users", err, sizeof(err));
	if (a == NULL)
		CHECK(strncmp(err, "users:", 6) == 0);
	auth_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		basic((const char *)data + 1, size - 1);
	else
		users((const char *)data + 1, size - 1);
	return 0;
}
