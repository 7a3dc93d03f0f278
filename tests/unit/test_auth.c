/*
 * Proxy users: the users file (every error with its line), the three
 * hash families, Basic credentials decoding, the remembered good
 * password, and the per-client throttle.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "t.h"

static char *
hash(const char *prefix, const char *pass)
{
	static struct crypt_data	 cd;
	char				 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char			*h;

	if (crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    (h = crypt_r(pass, salt, &cd)) == NULL || h[0] == '*')
		abort();
	return strdup(h);
}

static struct auth *
load_text(const char *name, const char *text, char *err, size_t len)
{
	char		*path = t_write_file(name, text);
	struct auth	*a;

	err[0] = '\0';
	a = auth_load(path, err, len);
	unlink(path);
	free(path);
	return a;
}

/* A bad file names its line; the message follows "FILE:LINE: ". */
static void
load_error(const char *text, int line, const char *msg)
{
	char		 err[512], want[64];
	struct auth	*a = load_text("bad", text, err, sizeof(err));
	const char	*colon = strstr(err, "-bad:");

	t_ok(a == NULL, "refused: %s", msg);
	auth_free(a);
	snprintf(want, sizeof(want), "-bad:%d: ", line);
	t_ok(colon != NULL && strncmp(colon, want, strlen(want)) == 0 &&
	    strstr(err, msg) != NULL, "%s at line %d: %s", msg, line, err);
}

static void
long_line(void)
{
	char	*text = malloc(5000);

	memset(text, 'a', 4999);
	text[4999] = '\0';
	memcpy(text, "# ok\n", 5);
	load_error(text, 2, "line too long");
	free(text);
}

static void
test_load(void)
{
	char		 file[2048], err[512];
	char		*y = hash("$y$", "pw"), *b = hash("$2b$", "pw");
	char		*s = hash("$6$", "pw");
	struct auth	*a;

	snprintf(file, sizeof(file), "# users\n\nalice:%s\r\nbob:%s\n"
	    "carol:%s", y, b, s);
	a = load_text("good", file, err, sizeof(err));
	t_ok(a != NULL, "yescrypt, bcrypt and SHA-512 load (%s)", err);
	t_int((long long)auth_count(a), 3, "three users, comments skipped");
	auth_free(a);

	load_error("alice:$1$abcdefgh$0123456789012345678901\n", 1,
	    "not a yescrypt, bcrypt or SHA-512");
	load_error("# x\nalice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", 2,
	    "not a yescrypt, bcrypt or SHA-512");
	load_error("\nalice:plaintext\n", 2, "not a yescrypt");
	load_error("alice\n", 1, "expected user:hash");
	load_error("alice:$6$x:extra\n", 1, "expected user:hash");
	load_error(":$6$abc\n", 1, "bad user name");
	load_error("al ice:$6$abc\n", 1, "bad user name");
	load_error("alice:$y$\n", 1, "not a yescrypt");
	load_error("alice:$6$salt$short\n", 1, "not a yescrypt");
	load_error("a:b\nalice:$2b$05$FMt8O5Fva21b7W24OXGxC.geQ.KK9IgFaq7Rj8r"
	    "nFETcgemHBKuy!\n", 1, "not a yescrypt");
	snprintf(file, sizeof(file), "alice:%s\nbob:%s\n\nalice:%s\n", y, b,
	    s);
	load_error(file, 4, "user alice is listed twice");
	a = auth_parse("# a\n# b\nalice:$6$\0x\n", 18, "nul", err,
	    sizeof(err));
	t_ok(a == NULL && strcmp(err, "nul:3: a NUL byte") == 0,
	    "a NUL byte: %s", err);
	long_line();
	a = auth_load("/nonexistent/users", err, sizeof(err));
	t_ok(a == NULL && strcmp(err, "/nonexistent/users: No such file or "
	    "directory") == 0, "a missing file: %s", err);
	free(y);
	free(b);
	free(s);
}

static struct addr
client(int last)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	a.family = ADDR_V4;
	a.b[0] = 127;
	a.b[3] = (uint8_t)last;
	return a;
}

static void
test_verify(void)
{
	char		 file[1024], err[512];
	char		*y = hash("$y$", "secret"), *b = hash("$2b$", "hunter2");
	struct auth	*a;
	struct addr	 c1 = client(10), c2 = client(11), c3 = client(12);

	snprintf(file, sizeof(file), "alice:%s\nbob:%s\n", y, b);
	a = load_text("v", file, err, sizeof(err));
	t_int(auth_verify(a, &c1, "alice", "secret", 6), AUTH_OK,
	    "the right password");
	t_int(auth_verify(a, &c1, "alice", "secret", 6), AUTH_OK,
	    "the right password again (remembered)");
	t_int(auth_verify(a, &c1, "bob", "hunter2", 7), AUTH_OK,
	    "bcrypt user");
	t_int(auth_verify(a, &c1, "alice", "secre", 5), AUTH_FAILED,
	    "a prefix of the password");
	t_int(auth_verify(a, &c1, "alice", "secret\0x", 8), AUTH_FAILED,
	    "a NUL inside the password");
	t_int(auth_verify(a, &c1, "bob", "secret", 6), AUTH_FAILED,
	    "another user's password");
	t_int(auth_verify(a, &c1, "mallory", "secret", 6), AUTH_FAILED,
	    "an unknown user");
	t_int(auth_verify(a, &c1, "alice", "x", 1), AUTH_FAILED,
	    "the fifth failure in a minute");
	t_int(auth_verify(a, &c1, "alice", "secret", 6), AUTH_THROTTLED,
	    "then even the right password is throttled");
	t_int(auth_verify(a, &c2, "alice", "secret", 6), AUTH_OK,
	    "another client is not");
	t_int(auth_verify(NULL, &c2, "alice", "secret", 6), AUTH_FAILED,
	    "no users: nobody gets in");
	for (int i = 0; i < 4; i++)
		auth_verify(a, &c3, "alice", "guess", 5);
	t_int(auth_verify(a, &c3, "bob", "hunter2", 7), AUTH_OK,
	    "a good login after four failures");
	t_int(auth_verify(a, &c3, "alice", "guess", 5), AUTH_FAILED,
	    "does not forgive them: the fifth failure");
	t_int(auth_verify(a, &c3, "bob", "hunter2", 7), AUTH_THROTTLED,
	    "throttles the client");
	auth_free(a);
	free(y);
	free(b);
}

static void
basic(const char *value, int ok, const char *user, const char *pass,
    size_t plen)
{
	char	 u[256], p[256];
	size_t	 n = 0;
	int	 rc = auth_basic_decode(value, strlen(value), u, sizeof(u), p,
		    sizeof(p), &n);

	if (!ok) {
		t_ok(rc == -1, "refused: \"%s\"", value);
		return;
	}
	t_ok(rc == 0 && strcmp(u, user) == 0 && n == plen &&
	    memcmp(p, pass, plen) == 0, "\"%s\" is %s and %zu bytes", value,
	    user, plen);
}

static void
test_basic(void)
{
	basic("Basic YWxpY2U6c2VjcmV0", 1, "alice", "secret", 6);
	basic("basic   YWxpY2U6c2VjcmV0  ", 1, "alice", "secret", 6);
	basic("Basic YWxpY2U6", 1, "alice", "", 0);
	basic("Basic YTpiOmM=", 1, "a", "b:c", 3);	/* a:b:c */
	basic("Basic YTpiYw==", 1, "a", "bc", 2);
	basic("Basic YWxpY2U=", 0, NULL, NULL, 0);	/* no colon */
	basic("Basic OnB3", 0, NULL, NULL, 0);		/* empty user */
	basic("Basic YWxpY2U6c2VjcmV0=", 0, NULL, NULL, 0);
	basic("Basic YW=xpY2U6", 0, NULL, NULL, 0);
	basic("Basic YWxp!2U6", 0, NULL, NULL, 0);
	basic("Basic ", 0, NULL, NULL, 0);
	basic("Digest YWxpY2U6c2VjcmV0", 0, NULL, NULL, 0);
	basic("BasicYWxpY2U6c2VjcmV0", 0, NULL, NULL, 0);
	basic("Basic YSBiOmM=", 0, NULL, NULL, 0);	/* "a b:c" */
}

int
main(void)
{
	test_load();
	test_verify();
	test_basic();
	return t_done();
}
