/*
 * What a new version of a list added and removed.  A security team
 * wants to see what a vendor's page brought in, not only that the count
 * changed: both versions' entries are sorted and walked side by side,
 * names as text and CIDRs as numbers (so a 100,000-address list is not
 * written out as text to be compared).  Only the first few of each side
 * are written, for the log and /lists/NAME.  It is done only when a
 * version with other bytes than the one in force is accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listdiff.h"

/* One version's entries, sorted: names in an arena, CIDRs as they are. */
struct sorted {
	char		*buf;
	size_t		 len, cap;
	size_t		*off;
	size_t		 nnames, offcap;
	char		**names;
	struct cidr	*nets;
	size_t		 nnets, netcap;
	int		 failed;
};

/* The first few of one side of the change, and how many in all. */
struct side {
	size_t	*count;
	char	 text[480];
};

static int
grow(void **p, size_t *cap, size_t need, size_t size, size_t start)
{
	size_t	 n = *cap ? *cap : start;
	void	*q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	if ((q = reallocarray(*p, n, size)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static void
add_name(const char *base, uint8_t how, void *arg)
{
	struct sorted	*v = arg;
	char		 text[NAME_MAX_LEN + 4];
	size_t		 n;

	if (v->failed)
		return;
	entries_name_text(base, how, text, sizeof(text));
	n = strlen(text) + 1;
	if (grow((void **)&v->buf, &v->cap, v->len + n, 1, 4096) == -1 ||
	    grow((void **)&v->off, &v->offcap, v->nnames + 1,
	    sizeof(*v->off), 64) == -1) {
		v->failed = 1;
		return;
	}
	memcpy(v->buf + v->len, text, n);
	v->off[v->nnames++] = v->len;
	v->len += n;
}

static void
add_net(const struct cidr *c, void *arg)
{
	struct sorted *v = arg;

	if (v->failed)
		return;
	if (grow((void **)&v->nets, &v->netcap, v->nnets + 1,
	    sizeof(*v->nets), 256) == -1) {
		v->failed = 1;
		return;
	}
	v->nets[v->nnets++] = *c;
}

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* IPv4 before IPv6, then by address, then the shorter prefix first. */
static int
by_cidr(const void *a, const void *b)
{
	const struct cidr	*x = a, *y = b;
	int			 c;

	if (x->net.family != y->net.family)
		return x->net.family < y->net.family ? -1 : 1;
	if ((c = memcmp(x->net.b, y->net.b, x->net.family == ADDR_V4 ? 4 :
	    16)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* e's entries into v, sorted; e may be NULL (no version). */
static int
sorted_of(const struct entries *e, struct sorted *v)
{
	if (e != NULL) {
		nameset_foreach(e->names, add_name, v);
		cidrset_foreach(e->nets, add_net, v);
	}
	if (v->failed || (v->nnames > 0 && (v->names = calloc(v->nnames,
	    sizeof(*v->names))) == NULL))
		return -1;
	for (size_t i = 0; i < v->nnames; i++)
		v->names[i] = v->buf + v->off[i];
	if (v->nnames > 1)
		qsort(v->names, v->nnames, sizeof(*v->names), by_text);
	/* A cidrset gives its CIDRs in order, or close: check first. */
	for (size_t i = 1; i < v->nnets; i++)
		if (by_cidr(&v->nets[i - 1], &v->nets[i]) > 0) {
			qsort(v->nets, v->nnets, sizeof(*v->nets), by_cidr);
			break;
		}
	return 0;
}

static void
sorted_free(struct sorted *v)
{
	free(v->buf);
	free(v->off);
	free(v->names);
	free(v->nets);
}

/* Counts one entry; the first few are named. */
static void
note(struct side *s, const char *text)
{
	size_t n = strlen(s->text);

	if ((*s->count)++ < LISTDIFF_FIRST_FEW)
		snprintf(s->text + n, sizeof(s->text) - n, "%s%.100s",
		    n > 0 ? ", " : "", text);
	else if (*s->count == LISTDIFF_FIRST_FEW + 1)
		snprintf(s->text + n, sizeof(s->text) - n, ", ...");
}

static void
note_net(struct side *s, const struct cidr *c)
{
	char buf[CIDR_STRLEN];

	if (*s->count > LISTDIFF_FIRST_FEW) {
		(*s->count)++;
		return;
	}
	cidr_format(c, buf, sizeof(buf));
	note(s, buf);
}

static void
walk_names(const struct sorted *a, const struct sorted *b, struct side *rm,
    struct side *add)
{
	size_t i = 0, j = 0;

	while (i < a->nnames || j < b->nnames) {
		int c = i == a->nnames ? 1 : j == b->nnames ? -1 :
		    strcmp(a->names[i], b->names[j]);

		if (c == 0) {
			i++;
			j++;
		} else if (c < 0)
			note(rm, a->names[i++]);
		else
			note(add, b->names[j++]);
	}
}

static void
walk_nets(const struct sorted *a, const struct sorted *b, struct side *rm,
    struct side *add)
{
	size_t i = 0, j = 0;

	while (i < a->nnets || j < b->nnets) {
		int c = i == a->nnets ? 1 : j == b->nnets ? -1 :
		    by_cidr(&a->nets[i], &b->nets[j]);

		if (c == 0) {
			i++;
			j++;
		} else if (c < 0)
			note_net(rm, &a->nets[i++]);
		else
			note_net(add, &b->nets[j++]);
	}
}

/*
 * What the version e has that old has not and the other way round (old
 * or e may be NULL: no version); d->text says it, names first.  -1 when
 * memory ran out.
 */
int
listdiff(const struct entries *old, const struct entries *e,
    struct listdiff *d)
{
	struct sorted	 a, b;
	struct side	 rm, add;
	int		 rc = -1;

	memset(d, 0, sizeof(*d));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&rm, 0, sizeof(rm));
	memset(&add, 0, sizeof(add));
	rm.count = &d->removed;
	add.count = &d->added;
	if (sorted_of(old, &a) == -1 || sorted_of(e, &b) == -1)
		goto out;
	walk_names(&a, &b, &rm, &add);
	walk_nets(&a, &b, &rm, &add);
	snprintf(d->text, sizeof(d->text), "+%zu -%zu%s%s%s%s%s%s%s", d->added,
	    d->removed, d->added || d->removed ? " (" : "",
	    d->added ? "added " : "", add.text, d->added && d->removed ?
	    "; " : "", d->removed ? "removed " : "", rm.text,
	    d->added || d->removed ? ")" : "");
	rc = 0;
out:
	sorted_free(&a);
	sorted_free(&b);
	return rc;
}
