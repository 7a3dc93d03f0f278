/*
 * Proxy users: the users file (every error with its line), the three
 * hash families, Basic credentials decoding, the remembered good
 * password, and the per-client throttle, checked here and on the
 * password thread; on the thread also logins sharing a check, checks
 * counted against the throttle, the bound on checks waiting, a waiter
 * gone, and the users read again while a check runs.  The throttle's
 * table: two addresses in one set are both followed, and a set full of
 * addresses in force refuses a new one rather than forget one.
 */
#include <crypt.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "t.h"
#include "throttle.h"

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

static struct event_base	*base;	/* with the password thread: async */

struct told {
	int			 n;
	enum auth_result	 r;
};

static void
on_done(void *arg, enum auth_result r)
{
	struct told *t = arg;

	t->n++;
	t->r = r;
}

/* Runs the loop until t was told (n times), for at most 20 s. */
static int
loop_until(struct told *t, int n)
{
	for (int i = 0; i < 2000 && t->n < n; i++) {
		struct timeval tv = { 0, 10000 };

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return t->n >= n;
}

/*
 * One login as a session makes it: a check on its way is waited for,
 * and its "ask again" asked, which must answer at once.
 */
static enum auth_result
verify(struct auth *a, const struct addr *c, const char *name,
    const char *pass, size_t plen)
{
	struct told		 t = { 0, AUTH_FAILED };
	struct auth_wait	*w;
	enum auth_result	 r;

	r = auth_verify(a, c, name, pass, plen, on_done, &t, &w);
	if (r != AUTH_CHECKING && r != AUTH_WAITING)
		return r;
	if (!loop_until(&t, 1) || t.n != 1)
		return -1;
	if (t.r != AUTH_OK)
		return t.r;
	return auth_verify(a, c, name, pass, plen, on_done, &t, &w);
}

/*
 * The same cases in order, here and on the thread: client 0..2 (from
 * first on), no users at all (nousers), user, password (plen bytes).
 */
static const struct verify_case {
	int			 client;
	int			 nousers;
	const char		*user, *pass;
	size_t			 plen;
	enum auth_result	 want;
	const char		*what;
} verify_cases[] = {
	{ 0, 0, "alice", "secret", 6, AUTH_OK, "the right password" },
	{ 0, 0, "alice", "secret", 6, AUTH_OK,
	    "the right password again (remembered)" },
	{ 0, 0, "bob", "hunter2", 7, AUTH_OK, "bcrypt user" },
	{ 0, 0, "alice", "secre", 5, AUTH_FAILED, "a prefix of the password" },
	{ 0, 0, "alice", "secret\0x", 8, AUTH_FAILED,
	    "a NUL inside the password (refused, not counted)" },
	{ 0, 0, "alice", "secreT", 6, AUTH_FAILED, "one letter wrong" },
	{ 0, 0, "bob", "secret", 6, AUTH_FAILED, "another user's password" },
	{ 0, 0, "mallory", "secret", 6, AUTH_FAILED, "an unknown user" },
	{ 0, 0, "alice", "x", 1, AUTH_FAILED,
	    "the fifth failure in a minute" },
	{ 0, 0, "alice", "secret", 6, AUTH_THROTTLED,
	    "then even the right password is throttled" },
	{ 1, 0, "alice", "secret", 6, AUTH_OK, "another client is not" },
	{ 1, 1, "alice", "secret", 6, AUTH_FAILED,
	    "no users: nobody gets in" },
	{ 2, 0, "alice", "guess", 5, AUTH_FAILED, "a first failure" },
	{ 2, 0, "alice", "guess", 5, AUTH_FAILED, "a second" },
	{ 2, 0, "alice", "guess", 5, AUTH_FAILED, "a third" },
	{ 2, 0, "alice", "guess", 5, AUTH_FAILED, "a fourth" },
	{ 2, 0, "bob", "hunter2", 7, AUTH_OK,
	    "a good login after four failures" },
	{ 2, 0, "alice", "guess", 5, AUTH_FAILED,
	    "does not forgive them: the fifth failure" },
	{ 2, 0, "bob", "hunter2", 7, AUTH_THROTTLED, "throttles the client" },
};

static void
test_verify(int first)
{
	char		 file[1024], err[512];
	char		*y = hash("$y$", "secret"), *b = hash("$2b$", "hunter2");
	struct auth	*a;

	snprintf(file, sizeof(file), "alice:%s\nbob:%s\n", y, b);
	a = load_text("v", file, err, sizeof(err));
	for (size_t i = 0; i < sizeof(verify_cases) / sizeof(verify_cases[0]);
	    i++) {
		const struct verify_case	*c = &verify_cases[i];
		struct addr			 ca = client(first + c->client);

		t_int(verify(c->nousers ? NULL : a, &ca, c->user, c->pass,
		    c->plen), c->want, "%s: %s", base != NULL ? "thread" :
		    "here", c->what);
	}
	auth_free(a);
	free(y);
	free(b);
}

static struct addr
addr_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct addr x;

	memset(&x, 0, sizeof(x));
	x.family = ADDR_V4;
	x.b[0] = a;
	x.b[1] = b;
	x.b[2] = c;
	x.b[3] = d;
	return x;
}

/* Is set taken by one of the clients the other tests speak from? */
static int
set_used_elsewhere(size_t set)
{
	for (int i = 0; i < 256; i++) {
		struct addr a = client(i);

		if (throttle_set(&a) == set)
			return 1;
	}
	return 0;
}

/*
 * n addresses of 10.0.0.0/8 in one set no other test uses; 0 when
 * they were not found among the first 2^20.
 */
static size_t	collide_set = (size_t)-1;	/* the set test_collide fills */

static int
same_set(struct addr *out, int n)
{
	size_t	set = (size_t)-1;
	int	k = 0;

	for (uint32_t i = 1; i < (1u << 20) && k < n; i++) {
		struct addr a = addr_v4(10, (uint8_t)(i >> 16),
		    (uint8_t)(i >> 8), (uint8_t)i);

		if (k == 0) {
			set = throttle_set(&a);
			if (set_used_elsewhere(set) || set == collide_set)
				continue;
		} else if (throttle_set(&a) != set)
			continue;
		out[k++] = a;
	}
	collide_set = set;
	return k == n;
}

/*
 * Two addresses in one set of the throttle's table, 12 wrong
 * passwords each in turn: neither forgets the other's failures.  A
 * set full of addresses with failures in force refuses a new one,
 * even with the right password, and still follows the ones it has.
 */
static void
test_collide(void)
{
	char		 file[1024], err[512], pw[32];
	char		*y = hash("$y$", "secret");
	struct auth	*a;
	struct addr	 c[THROTTLE_WAYS + 1];
	int		 failed[2] = { 0, 0 }, throttled[2] = { 0, 0 };

	snprintf(file, sizeof(file), "alice:%s\n", y);
	a = load_text("collide", file, err, sizeof(err));
	t_ok(same_set(c, THROTTLE_WAYS + 1), "%d addresses in one set found",
	    THROTTLE_WAYS + 1);
	for (int i = 0; i < 12; i++)
		for (int k = 0; k < 2; k++) {
			snprintf(pw, sizeof(pw), "wrong-%d", i);
			switch (verify(a, &c[k], "alice", pw, strlen(pw))) {
			case AUTH_FAILED:
				failed[k]++;
				break;
			case AUTH_THROTTLED:
				throttled[k]++;
				break;
			default:
				break;
			}
		}
	t_ok(failed[0] == 5 && throttled[0] == 7 && failed[1] == 5 &&
	    throttled[1] == 7, "two addresses in one set, 12 wrong passwords "
	    "each: 5 checked and 7 throttled each (%d %d, %d %d)", failed[0],
	    throttled[0], failed[1], throttled[1]);
	t_int(verify(a, &c[0], "alice", "secret", 6), AUTH_THROTTLED,
	    "the first, right password: throttled");
	t_int(verify(a, &c[1], "alice", "secret", 6), AUTH_THROTTLED,
	    "the second, right password: throttled");

	/* Six more addresses with a failure each fill the set. */
	for (int k = 2; k < THROTTLE_WAYS; k++)
		t_int(verify(a, &c[k], "alice", "wrong", 5), AUTH_FAILED,
		    "address %d of the set: a failure", k + 1);
	t_int(verify(a, &c[THROTTLE_WAYS], "alice", "secret", 6),
	    AUTH_THROTTLED, "a new address in the full set, right password: "
	    "refused unchecked (fails closed)");
	t_int(verify(a, &c[2], "alice", "secret", 6), AUTH_OK,
	    "an address the set follows still logs in");
	t_int(verify(a, &c[0], "alice", "secret", 6), AUTH_THROTTLED,
	    "and the first is still throttled");
	auth_free(a);
	free(y);
}

/*
 * 2001:db8:N::/64 with N from *n up whose set no other test uses and
 * which is not avoid; its address ::last.
 */
static struct addr
fresh_v6(uint16_t *n, size_t avoid, uint8_t last)
{
	struct addr	 a;

	for (;; (*n)++) {
		size_t	 set;

		memset(&a, 0, sizeof(a));
		a.family = ADDR_V6;
		a.b[0] = 0x20;
		a.b[1] = 0x01;
		a.b[2] = 0x0d;
		a.b[3] = 0xb8;
		a.b[4] = (uint8_t)(*n >> 8);
		a.b[5] = (uint8_t)*n;
		a.b[15] = last;
		set = throttle_set(&a);
		if (set != collide_set && set != avoid &&
		    !set_used_elsewhere(set))
			return a;
	}
}

/*
 * An IPv6 host is given a whole /64: its failures count against the
 * /64, not against each of its addresses, or changing the last bits
 * would give it a fresh budget each time.  Another /64 keeps its own.
 */
static void
test_v6_prefix(void)
{
	char		 file[1024], err[512];
	char		*y = hash("$y$", "secret");
	struct auth	*a;
	uint16_t	 n = 1;
	struct addr	 first, same, other;

	snprintf(file, sizeof(file), "alice:%s\n", y);
	a = load_text("v6", file, err, sizeof(err));
	first = fresh_v6(&n, (size_t)-1, 1);
	same = first;
	same.b[8] = 0xfe;
	same.b[15] = 0x77;
	n++;
	other = fresh_v6(&n, throttle_set(&first), 1);
	t_int(throttle_set(&first), throttle_set(&same),
	    "two addresses of one /64 share the throttle's set");
	for (int i = 0; i < THROTTLE_FAILURES; i++) {
		struct addr c = first;

		c.b[15] = (uint8_t)(1 + i);	/* a new address each time */
		t_int(verify(a, &c, "alice", "wrong", 5), AUTH_FAILED,
		    "wrong password %d from address %d of the /64", i + 1,
		    i + 1);
	}
	t_int(verify(a, &same, "alice", "secret", 6), AUTH_THROTTLED,
	    "another address of that /64, right password: throttled");
	t_int(verify(a, &other, "alice", "secret", 6), AUTH_OK,
	    "an address of the next /64: its own budget, logs in");
	auth_free(a);
	free(y);
}

/*
 * A password no hash can match (a NUL in it, or too long) is refused
 * without a place in the throttle's table: else a client could fill a
 * set for free (no crypt) and every new address in it would be
 * refused unchecked.  Nor does it count against its own address.
 */
static void
test_free_failures(void)
{
	char		 file[1024], err[512], pw[AUTH_PASS_MAX + 2];
	char		*y = hash("$y$", "secret");
	struct auth	*a;
	struct addr	 c[THROTTLE_WAYS + 1];

	snprintf(file, sizeof(file), "alice:%s\n", y);
	a = load_text("free", file, err, sizeof(err));
	t_ok(same_set(c, THROTTLE_WAYS + 1), "%d addresses in a fresh set "
	    "found", THROTTLE_WAYS + 1);
	memset(pw, 'x', sizeof(pw));
	for (int k = 0; k < THROTTLE_WAYS; k++)
		for (int i = 0; i < THROTTLE_FAILURES + 2; i++) {
			t_int(verify(a, &c[k], "alice", "sec\0ret", 7),
			    AUTH_FAILED, "address %d, a NUL in the password "
			    "(%d): refused", k + 1, i + 1);
			t_int(verify(a, &c[k], "alice", pw, sizeof(pw)),
			    AUTH_FAILED, "address %d, a password past %d "
			    "bytes (%d): refused", k + 1, AUTH_PASS_MAX, i + 1);
		}
	t_int(verify(a, &c[THROTTLE_WAYS], "alice", "secret", 6), AUTH_OK,
	    "they took no place in the set: a new address there logs in");
	t_int(verify(a, &c[0], "alice", "secret", 6), AUTH_OK,
	    "nor do they count against their own address");
	auth_free(a);
	free(y);
}

/* n distinct wrong passwords from one client each, all sent at once. */
static int
start_wrong(struct auth *a, int first, int nclients, int per_client,
    struct told *t, struct auth_wait **w)
{
	int	 k = 0, checking = 0;
	char	 pw[32];

	for (int c = 0; c < nclients; c++) {
		struct addr ca = client(first + c);

		for (int i = 0; i < per_client; i++, k++) {
			snprintf(pw, sizeof(pw), "wrong-%d", k);
			checking += auth_verify(a, &ca, "alice", pw,
			    strlen(pw), on_done, &t[k], &w[k]) ==
			    AUTH_CHECKING;
		}
	}
	return checking;
}

static void
test_async(void)
{
	char			 file[1024], err[512];
	char			*b = hash("$2b$", "hunter2");
	char			 file7[1024];
	struct auth		*a, *a2, *a7;
	struct addr		 c1 = client(40), c2 = client(41);
	struct addr		 c3 = client(45);
	struct told		 t[70], gone = { 0, AUTH_OK };
	struct auth_wait	*w[70], *wg;
	enum auth_result	 r1, r2, r3;
	int			 n;

	memset(t, 0, sizeof(t));
	snprintf(file, sizeof(file), "alice:%s\nbob:%s\n", b, b);
	a = load_text("async", file, err, sizeof(err));
	file7[0] = '\0';
	for (int i = 0; i < 7; i++)
		snprintf(file7 + strlen(file7), sizeof(file7) - strlen(file7),
		    "u%d:%s\n", i, b);
	a7 = load_text("async7", file7, err, sizeof(err));

	/* Three logins at once, one of them gone before the answer. */
	r1 = auth_verify(a, &c1, "bob", "hunter2", 7, on_done, &t[0], &w[0]);
	r2 = auth_verify(a, &c2, "bob", "hunter2", 7, on_done, &t[1], &w[1]);
	r3 = auth_verify(a, &c2, "bob", "hunter2", 7, on_done, &gone, &wg);
	t_ok(r1 == AUTH_CHECKING && r2 == AUTH_WAITING && r3 == AUTH_WAITING,
	    "the same user and password at once: one check, two waiting "
	    "(%d %d %d)", r1, r2, r3);
	auth_cancel(wg);
	t_ok(loop_until(&t[0], 1) && loop_until(&t[1], 1) &&
	    t[0].r == AUTH_OK && t[1].r == AUTH_OK,
	    "both told to ask again (%d %d)", t[0].r, t[1].r);
	t_int(gone.n, 0, "the one gone is not told");
	t_int(auth_verify(a, &c2, "bob", "hunter2", 7, on_done, &t[2], &w[2]),
	    AUTH_OK, "asked again: answered at once");

	/* Checks on their way count as failures for the throttle. */
	memset(t, 0, sizeof(t));
	n = start_wrong(a, 42, 1, 6, t, w);
	t_int(n, 5, "one client, six wrong passwords at once: five checks");
	t_ok(t[5].n == 0 && w[5] != NULL,
	    "the sixth waits for a turn, unchecked");
	for (int i = 0; i < 6; i++)
		loop_until(&t[i], 1);
	t_ok(t[0].r == AUTH_FAILED && t[4].r == AUTH_FAILED,
	    "the five fail (%d %d)", t[0].r, t[4].r);
	t_int(t[5].r, AUTH_OK, "the sixth is told to ask again");
	t_int(auth_verify(a, &(struct addr){ .family = ADDR_V4,
	    .b = { 127, 0, 0, 42 } }, "alice", "wrong-5", 7, on_done, &t[6],
	    &w[6]), AUTH_THROTTLED, "asking again: throttled, never checked");
	t_int(verify(a, &c1, "alice", "hunter2", 7), AUTH_OK,
	    "another client logs in meanwhile");
	t_int(verify(a, &(struct addr){ .family = ADDR_V4,
	    .b = { 127, 0, 0, 42 } }, "alice", "hunter2", 7), AUTH_THROTTLED,
	    "the five failures throttle their client");

	/* Seven users behind one address log in at once: five checks,
	 * two wait for a turn, and all get in. */
	memset(t, 0, sizeof(t));
	n = 0;
	for (int i = 0; i < 7; i++) {
		char u[16];

		snprintf(u, sizeof(u), "u%d", i);
		n += auth_verify(a7, &c3, u, "hunter2", 7, on_done, &t[i],
		    &w[i]) == AUTH_CHECKING;
	}
	t_int(n, 5, "seven users from one address at once: five checks");
	for (int i = 0; i < 7; i++)
		loop_until(&t[i], 1);
	n = 0;
	for (int i = 0; i < 7; i++) {
		char u[16];

		snprintf(u, sizeof(u), "u%d", i);
		n += verify(a7, &c3, u, "hunter2", 7) == AUTH_OK &&
		    t[i].r == AUTH_OK;
	}
	t_int(n, 7, "... all seven get in, none refused or throttled");

	/* At most 64 checks wait; then a login is refused unchecked. */
	memset(t, 0, sizeof(t));
	n = start_wrong(a, 100, 65, 1, t, w);
	t_int(n, 64, "65 clients at once: 64 checks");
	t_ok(w[64] == NULL && t[64].n == 0, "the 65th: nothing to wait for");
	t_int(auth_verify(a, &c1, "bob", "new-guess", 9, on_done, &t[66],
	    &w[66]), AUTH_BUSY, "another login now: busy, unchecked");
	for (int i = 0; i < 64; i++)
		loop_until(&t[i], 1);
	t_int(auth_verify(a, &c1, "bob", "hunter2", 7, on_done, &t[67],
	    &w[67]), AUTH_OK, "once they are done: in again");

	/* The users read again while a check runs: ask again, nothing
	 * remembered for the new users. */
	memset(t, 0, sizeof(t));
	a2 = load_text("async2", file, err, sizeof(err));
	r1 = auth_verify(a2, &c2, "alice", "hunter2", 7, on_done, &t[0],
	    &w[0]);
	auth_free(a2);
	a2 = load_text("async3", file, err, sizeof(err));
	t_ok(r1 == AUTH_CHECKING && loop_until(&t[0], 1) &&
	    t[0].r == AUTH_OK, "users re-read meanwhile: told to ask again");
	t_int(auth_verify(a2, &c2, "alice", "hunter2", 7, on_done, &t[1],
	    &w[1]), AUTH_CHECKING, "the new users check afresh");
	loop_until(&t[1], 1);
	t_int(t[1].r, AUTH_OK, "and that check passes");

	/* A check on its way at the end is dropped with the thread. */
	t_int(auth_verify(a2, &c1, "alice", "other", 5, on_done, &t[2],
	    &w[2]), AUTH_CHECKING, "a check left on its way");
	auth_stop();
	t_int(t[2].n, 0, "at the end it is dropped, not told");
	auth_free(a);
	auth_free(a2);
	auth_free(a7);
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

/*
 * An unknown name is checked against a real user's hash, picked by a
 * keyed hash of the name, so that with users of mixed costs (bcrypt,
 * yescrypt) an unknown name takes the cost of some real one: not
 * always the first user's, and the same each time for one name.
 */
static void
test_decoy(void)
{
	char		 file[1024], err[512], name[32];
	char		*y = hash("$y$", "pw"), *b = hash("$2b$", "pw");
	struct auth	*a;
	int		 hit_y = 0, hit_b = 0, stable = 1;

	snprintf(file, sizeof(file), "aaron:%s\nzoe:%s\n", b, y);
	a = load_text("decoy", file, err, sizeof(err));
	if (!t_ok(a != NULL, "decoy: two users of different hashes: %s", err))
		goto out;
	for (int i = 0; i < 64; i++) {
		const char *h;

		snprintf(name, sizeof(name), "nobody%d", i);
		h = auth_decoy_hash(a, name);
		hit_y += strcmp(h, y) == 0;
		hit_b += strcmp(h, b) == 0;
		stable &= strcmp(h, auth_decoy_hash(a, name)) == 0;
	}
	t_ok(hit_y > 0 && hit_b > 0 && hit_y + hit_b == 64,
	    "decoy: 64 unknown names take both users' hashes (%d, %d)",
	    hit_b, hit_y);
	t_ok(stable, "decoy: one name takes the same hash each time");
out:
	auth_free(a);
	free(y);
	free(b);
}

int
main(void)
{
	test_load();
	test_decoy();
	test_collide();
	test_v6_prefix();
	test_free_failures();
	test_verify(10);
	base = event_base_new();
	if (base == NULL || auth_start(base) == -1)
		abort();
	test_verify(20);
	test_async();
	event_base_free(base);
	test_basic();
	return t_done();
}
