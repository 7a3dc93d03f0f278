/*
 * The list cache on disk: a write goes through a temp file that is
 * always a new one, never a file or symlink found at the temp name.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listcache.h"
#include "t.h"

static char	dir[512];

static char *
slurp(const char *path)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	size_t	 n;

	if (fp == NULL)
		return NULL;
	if ((buf = calloc(1, 4096)) == NULL)
		abort();
	n = fread(buf, 1, 4095, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static int
is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

static void
write_one(const char *name, const char *body)
{
	struct listcache_meta	 m;
	char			 err[512];

	memset(&m, 0, sizeof(m));
	m.url = (char *)"https://vendor.test/l.txt";
	m.fetched_at = 1700000000;
	m.entries = 1;
	listcache_sha256(body, strlen(body), m.sha256);
	err[0] = '\0';
	t_int(listcache_write(dir, name, body, strlen(body), &m, err,
	    sizeof(err)), 0, "%s: the cache is written (%s)", name, err);
}

static void
read_back(const char *name, const char *want)
{
	struct listcache_meta	 m;
	char			*body = NULL, err[512];
	size_t			 len = 0;

	err[0] = '\0';
	t_int(listcache_read(dir, name, 1 << 20, &body, &len, &m, err,
	    sizeof(err)), 0,
	    "%s: the cache reads back (%s)", name, err);
	t_str(body, want, "%s: ... with the body written", name);
	t_str(m.url, "https://vendor.test/l.txt", "%s: ... and its url", name);
	free(body);
	listcache_meta_free(&m);
}

/* Symlinks at both temp names point outside the cache folder. */
static void
symlinked_temp(void)
{
	char	 outside[600], out_meta[600], tmp[600], *got;
	char	*keep = t_write_file("outside.txt", "precious\n");
	char	*keep2 = t_write_file("outside-meta.txt", "precious too\n");

	snprintf(outside, sizeof(outside), "%s", keep);
	snprintf(out_meta, sizeof(out_meta), "%s", keep2);
	in_dir(tmp, sizeof(tmp), "vendor.body.tmp");
	t_int(symlink(outside, tmp), 0, "a symlink planted at vendor.body.tmp");
	in_dir(tmp, sizeof(tmp), "vendor.meta.tmp");
	t_int(symlink(out_meta, tmp), 0, "a symlink planted at vendor.meta.tmp");

	write_one("vendor", "203.0.113.0/24\n");

	got = slurp(outside);
	t_str(got, "precious\n", "the file the body temp pointed at is unchanged");
	free(got);
	got = slurp(out_meta);
	t_str(got, "precious too\n",
	    "the file the meta temp pointed at is unchanged");
	free(got);
	in_dir(tmp, sizeof(tmp), "vendor.body");
	t_ok(!is_symlink(tmp), "vendor.body is a file of its own");
	in_dir(tmp, sizeof(tmp), "vendor.body.tmp");
	t_ok(!exists(tmp), "no vendor.body.tmp is left");
	in_dir(tmp, sizeof(tmp), "vendor.meta.tmp");
	t_ok(!exists(tmp), "no vendor.meta.tmp is left");
	read_back("vendor", "203.0.113.0/24\n");
	unlink(outside);
	unlink(out_meta);
	free(keep);
	free(keep2);
}

/* A temp file a crash left behind is replaced, not appended to. */
static void
stale_temp(void)
{
	char	 tmp[600];
	FILE	*fp;

	in_dir(tmp, sizeof(tmp), "stale.body.tmp");
	if ((fp = fopen(tmp, "w")) != NULL) {
		fputs("left over from a crash, and longer than the body\n", fp);
		fclose(fp);
	}
	write_one("stale", "198.51.100.7\n");
	read_back("stale", "198.51.100.7\n");
}

/* A second write over the first: the new version is read back. */
static void
rewrite(void)
{
	write_one("again", "192.0.2.1\n");
	write_one("again", "192.0.2.2\n");
	read_back("again", "192.0.2.2\n");
}

/*
 * A cached body is read at most up to the list's max_bytes: a body of
 * 11 bytes is refused under 10, read under 11.
 */
static void
bounded(void)
{
	struct listcache_meta	 m;
	char			*body = NULL, err[512];
	size_t			 len = 0;

	write_one("again", "192.0.2.3\n\n");
	t_int(listcache_read(dir, "again", 10, &body, &len, &m, err,
	    sizeof(err)), -1, "a cached body over max_bytes is not read");
	t_ok(strstr(err, "too large") != NULL, "... it is too large: %s", err);
	free(body);
	body = NULL;
	t_int(listcache_read(dir, "again", 11, &body, &len, &m, err,
	    sizeof(err)), 0, "... and read whole at max_bytes = its size");
	t_int((long long)len, 11, "... all 11 bytes");
	free(body);
	listcache_meta_free(&m);
}

static void
cleanup(void)
{
	static const char *names[] = {
		"vendor.body", "vendor.meta", "stale.body", "stale.meta",
		"again.body", "again.meta", "vendor.body.tmp",
		"vendor.meta.tmp", "stale.body.tmp"
	};
	char path[600];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		in_dir(path, sizeof(path), names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(dir, sizeof(dir), "%s/pinhole-t-%ld-cache", tmpdir,
	    (long)getpid());
	if (mkdir(dir, 0750) == -1) {
		perror(dir);
		return 1;
	}
	symlinked_temp();
	stale_temp();
	rewrite();
	bounded();
	cleanup();
	return t_done();
}
