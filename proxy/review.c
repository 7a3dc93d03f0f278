/*
 * pinhole review [-c FILE] [--since DURATION] [--html OUT] FLOWLOG...
 *
 * Reads flow records against the config and says what the allowlist
 * can lose (rules and entries no flow used), what it refused (grouped
 * by registrable domain, with a ready [allow] section each) and where
 * the bytes went.  The config's rules and entries are loaded as -t and
 * --explain load them: the cached lists and the file = lists, nothing
 * fetched.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listload.h"
#include "log.h"
#include "review.h"
#include "value.h"

#define SINCE_MAX_MS	(3650ULL * 86400 * 1000)

static void
review_usage(void)
{
	fprintf(stderr, "usage: pinhole review [-c FILE] [--since DURATION] "
	    "[--html OUT] FLOWLOG...\n");
	exit(2);
}

static void
add_item(struct review *rv, const char *rule, const char *list,
    const char *entry, int line)
{
	struct review_item	*it;
	char			 key[512];
	int			 n;

	if (entry == NULL)
		n = snprintf(key, sizeof(key), "R\t%s", rule);
	else
		n = snprintf(key, sizeof(key), "%c\t%s\t%s", list ? 'L' : 'E',
		    list ? list : rule, entry);
	if (n < 0 || (size_t)n >= sizeof(key) ||
	    rtab_get(&rv->items, key, (size_t)n) != NULL)
		return;
	if (entry != NULL && rv->nentries == rv->entries_cap) {
		size_t	 cap = rv->entries_cap ? rv->entries_cap * 2 : 256;
		void	*p = reallocarray(rv->entries, cap, sizeof(*rv->entries));

		if (p == NULL)
			fatalx("out of memory");
		rv->entries = p;
		rv->entries_cap = cap;
	}
	if ((it = calloc(1, sizeof(*it))) == NULL ||
	    (entry != NULL && (it->entry = strdup(entry)) == NULL) ||
	    rtab_put(&rv->items, key, (size_t)n, it) == -1)
		fatalx("out of memory");
	it->rule = list ? NULL : rule;
	it->list = list;
	it->line = line;
	if (entry != NULL)
		rv->entries[rv->nentries++] = it;
	else
		rv->rules[rv->nrules++] = it;
}

struct walk {
	struct review	*rv;
	const char	*rule, *list;
};

/*
 * A name written both as "a.com" and "*.a.com" is one entry of the set
 * but two in the records (each names the form that matched); ".a.com"
 * is one in both.
 */
static void
walk_name(const char *base, uint8_t how, void *arg)
{
	struct walk	*w = arg;
	char		 buf[NAME_MAX_LEN + 3];

	if (how & NAME_DOT) {
		name_format_pattern(base, how, buf, sizeof(buf));
		add_item(w->rv, w->rule, w->list, buf, 0);
		return;
	}
	if (how & NAME_EXACT)
		add_item(w->rv, w->rule, w->list, base, 0);
	if (how & NAME_WILD) {
		name_format_pattern(base, NAME_WILD, buf, sizeof(buf));
		add_item(w->rv, w->rule, w->list, buf, 0);
	}
}

static void
walk_net(const struct cidr *c, void *arg)
{
	struct walk	*w = arg;
	char		 buf[CIDR_STRLEN];

	cidr_format(c, buf, sizeof(buf));
	add_item(w->rv, w->rule, w->list, buf, 0);
}

static void
walk_entries(struct review *rv, const struct entries *e, const char *rule,
    const char *list)
{
	struct walk w = { rv, rule, list };

	if (e == NULL)
		return;
	if (e->names != NULL)
		nameset_foreach(e->names, walk_name, &w);
	if (e->nets != NULL)
		cidrset_foreach(e->nets, walk_net, &w);
}

/* Every rule, every rule's own entry and every list entry, unused. */
static void
load_items(struct review *rv)
{
	const struct policy *p = rv->conf->policy;

	if ((rv->rules = calloc(p->nrules + 1, sizeof(*rv->rules))) == NULL)
		fatalx("out of memory");
	for (size_t i = 0; i < p->nrules; i++) {
		add_item(rv, p->rules[i].name, NULL, NULL, p->rules[i].line);
		walk_entries(rv, p->rules[i].own, p->rules[i].name, NULL);
	}
	for (size_t i = 0; i < p->nlists; i++)
		walk_entries(rv, rv->lists[i], NULL, p->lists[i]);
}

static void
item_free(void *p)
{
	struct review_item *it = p;

	free(it->entry);
	free(it);
}

static void
review_free(struct review *rv)
{
	rtab_free(&rv->items, item_free);
	rtab_free(&rv->groups, review_group_free);
	rtab_free(&rv->dests, review_dest_free);
	free(rv->rules);
	free(rv->entries);
	free(rv->sgroups);
	free(rv->sdests);
}

static int
review_run(struct review *rv, char **files, int nfiles, const char *html)
{
	int rc = 0;

	load_items(rv);
	for (int i = 0; i < nfiles; i++)
		if (review_read(rv, files[i]) == -1)
			rc = 1;
	rv->sgroups = (struct review_group **)rtab_sorted(&rv->groups,
	    review_group_cmp, &rv->nsgroups);
	rv->sdests = (struct review_dest **)rtab_sorted(&rv->dests,
	    review_dest_cmp, &rv->nsdests);
	if (rv->sgroups == NULL || rv->sdests == NULL)
		fatalx("out of memory");
	review_text(rv, stdout);
	if (html != NULL && review_html(rv, html) == -1)
		rc = 1;
	return rc;
}

int
review_main(int argc, char *argv[])
{
	enum { OPT_SINCE = 256, OPT_HTML };
	static const struct option opts[] = {
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "html", required_argument, NULL, OPT_HTML },
		{ NULL, 0, NULL, 0 },
	};
	const char	*path = CONFIG_DEFAULT_PATH, *html = NULL;
	struct review	 rv = { .first_ms = -1, .last_ms = -1 };
	struct config	*c;
	char		 err[CONFIG_ERRLEN];
	uint64_t	 ms;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case OPT_SINCE:
			if (value_duration(optarg, 1000, SINCE_MAX_MS, &ms)) {
				fprintf(stderr, "pinhole review: --since: \"%s\" "
				    "is not a duration (s, m, h, d) from 1s to "
				    "3650d\n", optarg);
				return 2;
			}
			rv.since_text = optarg;
			rv.since_ms = (int64_t)time(NULL) * 1000 - (int64_t)ms;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		default:
			review_usage();
		}
	}
	if (optind == argc)
		review_usage();
	if ((c = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if ((rv.lists = listload_local(c, stderr, NULL, NULL)) == NULL ||
	    review_group_init() == -1)
		fatalx("out of memory");
	rv.conf = c;
	rc = review_run(&rv, argv + optind, argc - optind, html);
	review_free(&rv);
	review_group_done();
	listload_free(c, rv.lists);
	config_free(c);
	return rc;
}
