/*
 * The login throttle's memory.  One table, mapped shared before the
 * workers fork (server.c), holds every client address's failures and
 * checks on their way, so an address has one budget however many
 * workers the kernel spreads its connections over.  A process-shared
 * lock in the table orders the workers.  It is robust: a worker that
 * dies holding it (which takes pinhole down, workers.c) leaves it to
 * the next taker rather than stall the others while they stop.
 *
 * The table has THROTTLE_SETS sets of THROTTLE_WAYS entries.  An
 * address hashes to one set with a key drawn at start, so nobody can
 * aim many addresses at one set.  An entry is taken back only once its
 * address has nothing in force: no failure in its window, no block, no
 * check on its way.  So an address is never forgotten for another:
 * when every entry of its set is in force, a new address is refused
 * without a check (it fails closed) until one is over, at most
 * THROTTLE_WINDOW + THROTTLE_BLOCK seconds later.
 */
#include <sys/mman.h>
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "throttle.h"

struct throttle_entry {
	struct addr	 addr;
	uint8_t		 used;
	uint32_t	 failures;
	uint32_t	 pending;	/* checks on their way, any worker */
	int64_t		 window_start;
	int64_t		 blocked_until;
};

struct throttle_table {
	pthread_mutex_t		 lock;
	uint64_t		 key[2];
	int			 prefix_v6;	/* bits of an IPv6 budget */
	struct throttle_entry	 e[THROTTLE_SETS * THROTTLE_WAYS];
};

static struct throttle_table	*table;

/*
 * Maps the table, once, an IPv6 client counted by its first prefix_v6
 * bits; -1 when it cannot be.  The prefix is fixed for the table's
 * life, so that every worker keys an address alike.
 */
int
throttle_open(int prefix_v6)
{
	pthread_mutexattr_t	 attr;
	struct throttle_table	*t;

	if (table != NULL)
		return 0;
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return -1;
	if (getrandom(t->key, sizeof(t->key), 0) != sizeof(t->key) ||
	    pthread_mutexattr_init(&attr) != 0) {
		munmap(t, sizeof(*t));
		return -1;
	}
	if (pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&t->lock, &attr) != 0) {
		pthread_mutexattr_destroy(&attr);
		munmap(t, sizeof(*t));
		return -1;
	}
	pthread_mutexattr_destroy(&attr);
	t->prefix_v6 = prefix_v6 < 0 || prefix_v6 > 128 ? 128 : prefix_v6;
	table = t;
	return 0;
}

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static void
sip_word(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

/* SipHash-2-4 of the address under the table's key. */
static uint64_t
keyed_hash(const uint64_t key[2], const struct addr *a)
{
	uint8_t		 in[24];
	uint64_t	 v[4], m;

	memset(in, 0, sizeof(in));
	in[0] = a->family;
	memcpy(in + 1, a->b, sizeof(a->b));
	in[23] = 17;		/* the length, as SipHash ends its input */
	v[0] = key[0] ^ 0x736f6d6570736575ULL;
	v[1] = key[1] ^ 0x646f72616e646f6dULL;
	v[2] = key[0] ^ 0x6c7967656e657261ULL;
	v[3] = key[1] ^ 0x7465646279746573ULL;
	for (size_t i = 0; i < sizeof(in); i += 8) {
		memcpy(&m, in + i, 8);
		sip_word(v, m);
	}
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * What the throttle counts against: an IPv4 address, or the prefix
 * ([auth] throttle_prefix_v6, /64 by default) an IPv6 address is in.
 * A single host is routinely given a whole /64 (SLAAC, privacy
 * addresses), so counting its addresses one by one would hand it 2^64
 * budgets.  addr_canon has already turned an IPv4-mapped address into
 * its IPv4 one.
 */
static struct addr
budget_key(const struct addr *a)
{
	struct addr	 k = *a;
	int		 bits = table->prefix_v6;

	if (k.family != ADDR_V6 || bits >= 128)
		return k;
	if (bits % 8 != 0)
		k.b[bits / 8] &= (uint8_t)(0xff << (8 - bits % 8));
	memset(k.b + (bits + 7) / 8, 0, (size_t)(16 - (bits + 7) / 8));
	return k;
}

/* The set an address falls in (the tests look for two in one). */
size_t
throttle_set(const struct addr *a)
{
	struct addr	 k;

	if (throttle_open(THROTTLE_PREFIX_V6) == -1)
		return 0;
	k = budget_key(a);
	return (size_t)(keyed_hash(table->key, &k) % THROTTLE_SETS);
}

/*
 * Does the entry still hold anything that must not be forgotten?  An
 * address with no failure and no check on its way holds nothing, so
 * the clients that only log in take no room.
 */
static int
in_force(const struct throttle_entry *e, time_t now)
{
	return e->used && (e->pending > 0 || e->blocked_until > now ||
	    (e->failures > 0 && now - e->window_start < THROTTLE_WINDOW));
}

/*
 * The entry of the client's budget (budget_key), its window renewed
 * when over; NULL when it has none.  With take, a new one when its set has room; *room says
 * whether it has (or had).
 */
static struct throttle_entry *
find(const struct addr *client, time_t now, int take, int *room)
{
	struct throttle_entry	*set, *free_e = NULL;
	struct addr		 key = budget_key(client);
	const struct addr	*a = &key;

	set = &table->e[(keyed_hash(table->key, a) % THROTTLE_SETS) *
	    THROTTLE_WAYS];
	*room = 1;
	for (size_t i = 0; i < THROTTLE_WAYS; i++) {
		struct throttle_entry *e = &set[i];

		if (e->used && memcmp(&e->addr, a, sizeof(*a)) == 0) {
			if (now - e->window_start >= THROTTLE_WINDOW) {
				e->failures = 0;
				e->window_start = now;
			}
			return e;
		}
		if (free_e == NULL && !in_force(e, now))
			free_e = e;
	}
	*room = free_e != NULL;
	if (!take || free_e == NULL)
		return NULL;
	memset(free_e, 0, sizeof(*free_e));
	free_e->used = 1;
	free_e->addr = *a;
	free_e->window_start = now;
	return free_e;
}

static void
lock(void)
{
	/* Its owner died between two words of an entry at worst: the
	 * entry may be a failure short, never unsafe to read. */
	if (pthread_mutex_lock(&table->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&table->lock);
}

static void
unlock(void)
{
	pthread_mutex_unlock(&table->lock);
}

static int
blocked(const struct throttle_entry *e, time_t now)
{
	return e->blocked_until > now || e->failures >= THROTTLE_FAILURES;
}

static void
note_failure(struct throttle_entry *e, time_t now)
{
	if (++e->failures >= THROTTLE_FAILURES)
		e->blocked_until = now + THROTTLE_BLOCK;
}

/*
 * Is the address refused without a check: blocked, or new with no room
 * left to follow it (a login it could not be charged for is none)?
 */
int
throttle_refused(const struct addr *a, time_t now)
{
	struct throttle_entry	*e;
	int			 refused, room;

	if (throttle_open(THROTTLE_PREFIX_V6) == -1)
		return 1;
	lock();
	e = find(a, now, 0, &room);
	refused = e != NULL ? blocked(e, now) : !room;
	unlock();
	return refused;
}

/*
 * A check for the address may start: its failures and its checks on
 * their way (any of them may be one) stay within its budget.
 */
enum throttle_turn
throttle_start(const struct addr *a, time_t now)
{
	struct throttle_entry	*e;
	enum throttle_turn	 turn = THROTTLE_REFUSED;
	int			 room;

	if (throttle_open(THROTTLE_PREFIX_V6) == -1)
		return THROTTLE_REFUSED;
	lock();
	if ((e = find(a, now, 1, &room)) != NULL && !blocked(e, now)) {
		if (e->failures + e->pending >= THROTTLE_FAILURES)
			turn = THROTTLE_WAIT;
		else {
			e->pending++;
			turn = THROTTLE_GO;
		}
	}
	unlock();
	return turn;
}

/* A check throttle_start let go is over; failed, it is a failure. */
void
throttle_done(const struct addr *a, int failed, time_t now)
{
	struct throttle_entry	*e;
	int			 room;

	if (table == NULL)
		return;
	lock();
	/* Its check on its way kept the entry. */
	if ((e = find(a, now, 0, &room)) != NULL) {
		if (e->pending > 0)
			e->pending--;
		if (failed)
			note_failure(e, now);
	}
	unlock();
}

/* A failure of the address without a check of its own on its way. */
void
throttle_fail(const struct addr *a, time_t now)
{
	struct throttle_entry	*e;
	int			 room;

	if (throttle_open(THROTTLE_PREFIX_V6) == -1)
		return;
	lock();
	if ((e = find(a, now, 1, &room)) != NULL)
		note_failure(e, now);
	unlock();
}
