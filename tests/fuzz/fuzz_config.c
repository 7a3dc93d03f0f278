/*
 * The config file through config_load(), so the input goes through the
 * same inih reader and handler as pinhole -c FILE: the over-long-line
 * chunking, continuations and line mapping are the risky part.  A
 * rejected file must say where: its message starts with "PATH:".
 * inih drops white space at the end of a line, and the chunking claims
 * to join pieces back exactly, so the file without that white space
 * must load or fail the same: that catches pieces cut at the wrong place.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "acl.h"
#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

/*
 * config_load only takes a path: a memory file's /proc path, rewritten
 * for each input, leaves nothing behind even when a run crashes.
 */
static char	 path[64];

static struct config *
load(const uint8_t *data, size_t size, char *err)
{
	static int	 fd = -1;
	struct config	*c;

	if (fd == -1) {
		CHECK((fd = memfd_create("pinhole-fuzz.ini", 0)) != -1);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	memset(err, 'x', CONFIG_ERRLEN);
	if ((c = config_load(path, err, CONFIG_ERRLEN)) == NULL) {
		size_t n = strlen(path);

		CHECK(memchr(err, '\0', CONFIG_ERRLEN) != NULL);
		if (strncmp(err, path, n) != 0 || err[n] != ':') {
			fprintf(stderr, "error without its path: %.200s\n", err);
			abort();
		}
	}
	return c;
}

/* What a loaded config holds, in a few numbers. */
static void
summary(const struct config *c, char *buf, size_t size)
{
	const struct policy	*p = c->policy;
	int			 n;

	n = snprintf(buf, size, "%zu %zu %zu %zu %llu %llu %llu |", c->nlisten,
	    c->ndns_servers, c->npac_proxies, c->nlists,
	    (unsigned long long)c->max_connections,
	    (unsigned long long)c->idle_timeout_ms,
	    (unsigned long long)c->max_header_bytes);
	for (size_t i = 0; i < p->nrules && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, " %zu/%u/%zu",
		    entries_count(p->rules[i].own), p->rules[i].ports.count,
		    p->rules[i].nusers);
}

/* A loaded config must give a policy that can be checked. */
static void
check_policy(struct config *c)
{
	struct acl		*acl = acl_new(c->policy, NULL);
	struct acl_query	 q;
	struct acl_verdict	 v;
	struct addr		 client;

	CHECK(acl != NULL);
	CHECK(addr_parse("10.1.2.3", &client) == 0);
	acl_query_init(&q, &client, "alice", "www.example.com", 15, 443);
	acl_check(acl, &q, &v);
	acl_query_init(&q, NULL, NULL, "198.51.100.1", 12, 443);
	acl_check(acl, &q, &v);
	acl_unref(acl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 err[CONFIG_ERRLEN], err2[CONFIG_ERRLEN];
	static char	 sum[4096], sum2[4096];
	struct config	*c, *c2;
	uint8_t		*trim;
	size_t		 n = 0;

	if ((c = load(data, size, err)) != NULL) {
		check_policy(c);
		summary(c, sum, sizeof(sum));
	}
	/* The same file without blanks at line ends, if it has any. */
	CHECK((trim = malloc(size + 1)) != NULL);
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n')
			while (n > 0 && (trim[n - 1] == ' ' ||
			    trim[n - 1] == '\t'))
				n--;
		trim[n++] = data[i];
	}
	while (n > 0 && (trim[n - 1] == ' ' || trim[n - 1] == '\t'))
		n--;
	if (n != size) {
		c2 = load(trim, n, err2);
		/* Which line a junk file fails on may move; failing may not. */
		if ((c == NULL) != (c2 == NULL)) {
			fprintf(stderr, "blanks at line ends change the result:\n"
			    "  with:    %.300s\n  without: %.300s\n",
			    c ? "loads" : err, c2 ? "loads" : err2);
			abort();
		}
		if (c != NULL) {
			summary(c2, sum2, sizeof(sum2));
			if (strcmp(sum, sum2) != 0) {
				fprintf(stderr, "blanks at line ends change the "
				    "config: %s / %s\n", sum, sum2);
				abort();
			}
		}
		config_free(c2);
	}
	free(trim);
	config_free(c);
	return 0;
}
