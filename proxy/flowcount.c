/*
 * Flows per rule and per list.  Rules and lists come and go with
 * reloads, so each worker keeps a small table of names with a counter
 * each, in memory shared with the leader (mapped before the fork), and
 * the leader adds the workers' counters up by name when asked.  A name
 * once in a table stays there: a rule that comes back after a reload
 * counts on, and a worker's table never moves under a reader.  Past
 * FLOWCOUNT_MAX names of a kind (renamed rules over many reloads), the
 * flows of a new name are counted as unattributed instead.
 *
 * One writer per table (its worker) and readers in the leader: a name
 * is written whole before the count of names that makes it visible, and
 * every counter is one aligned 64-bit word.
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "flowcount.h"

struct flowcount_entry {
	uint64_t	flows;
	char		name[72];	/* config names have at most 64 */
};

struct flowcount {
	uint64_t		n[2];		/* names in use, by kind */
	uint64_t		full[2];	/* flows of names without room */
	struct flowcount_entry	e[2][FLOWCOUNT_MAX];
};

static struct flowcount	*tables;	/* one per worker */
static struct flowcount	*own;		/* this worker's */
static int		 ntables;

/* Maps a table for each of n workers; before they are started. */
int
flowcount_open(int n)
{
	void *p;

	flowcount_close();
	p = mmap(NULL, sizeof(*tables) * (size_t)n, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	tables = p;
	ntables = n;
	own = &tables[0];
	return 0;
}

/* This process is worker w: its flows go into its table. */
void
flowcount_worker(int w)
{
	if (tables != NULL && w >= 0 && w < ntables)
		own = &tables[w];
}

void
flowcount_add(enum flowcount_kind k, const char *name)
{
	uint64_t	n;

	if (own == NULL || name == NULL)
		return;
	n = own->n[k];
	for (uint64_t i = 0; i < n; i++)
		if (strcmp(own->e[k][i].name, name) == 0) {
			own->e[k][i].flows++;
			return;
		}
	if (n == FLOWCOUNT_MAX || strlen(name) >= sizeof(own->e[k][n].name)) {
		own->full[k]++;
		return;
	}
	strcpy(own->e[k][n].name, name);
	own->e[k][n].flows = 1;
	__atomic_store_n(&own->n[k], n + 1, __ATOMIC_RELEASE);
}

/* The flows of name, every worker's added up. */
uint64_t
flowcount_get(enum flowcount_kind k, const char *name)
{
	uint64_t sum = 0, n;

	for (int w = 0; w < ntables; w++) {
		const struct flowcount *t = &tables[w];

		n = __atomic_load_n(&t->n[k], __ATOMIC_ACQUIRE);
		for (uint64_t i = 0; i < n && i < FLOWCOUNT_MAX; i++)
			if (strcmp(t->e[k][i].name, name) == 0) {
				sum += t->e[k][i].flows;
				break;
			}
	}
	return sum;
}

/* The flows of names that found no room, every worker's. */
uint64_t
flowcount_full(enum flowcount_kind k)
{
	uint64_t sum = 0;

	for (int w = 0; w < ntables; w++)
		sum += tables[w].full[k];
	return sum;
}

void
flowcount_close(void)
{
	if (tables != NULL)
		munmap(tables, sizeof(*tables) * (size_t)ntables);
	tables = own = NULL;
	ntables = 0;
}
