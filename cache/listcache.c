/*
 * Each list NAME is two files in the cache directory: NAME.body, the
 * body as fetched, and NAME.meta, "key value" lines (url, etag,
 * last_modified, fetched_at, sha256, entries).  Both are written to a
 * temporary file, fsynced, renamed over the old one, and the directory
 * fsynced, so a crash leaves the old version or the new one, never a
 * mix.  The meta is written last and names the body's SHA-256: a body
 * that does not match it (truncated, or from another write) is refused.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listcache.h"

#define META_MAX_BYTES	8192

void
listcache_sha256(const char *body, size_t len, uint8_t *out)
{
	unsigned n = 32;

	EVP_Digest(body, len, out, &n, EVP_sha256(), NULL);
}

void
listcache_hex(const uint8_t *sha, char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", sha[i]);
}

static void
cache_path(char *buf, size_t size, const char *dir, const char *name,
    const char *ext)
{
	snprintf(buf, size, "%s/%s.%s", dir, name, ext);
}

/*
 * Writes data to path through path.tmp, fsync and rename.  The temp
 * file is always a new one: whatever is at its name (a stale temp of a
 * crash, or a symlink someone planted to make pinhole write elsewhere)
 * is removed first, and O_EXCL with O_NOFOLLOW refuses anything that
 * appears there again before the open instead of following it.
 */
static int
write_atomic(const char *path, const char *data, size_t len, char *err,
    size_t errlen)
{
	char	 tmp[4096];
	int	 fd;
	size_t	 off = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (unlink(tmp) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", tmp, n == -1 ?
			    strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd != -1) {
		fsync(fd);
		close(fd);
	}
}

/* Fields are written without the characters that end a line. */
static const char *
clean(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL ? s : "";
}

/* Makes dir and the folders above it that are missing, like mkdir -p. */
int
listcache_make_dirs(const char *dir)
{
	char	 path[4096];
	size_t	 len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return -1;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0750) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * The text of a .meta file for m in buf: its length, or -1 when it does
 * not fit in size bytes (or in META_MAX_BYTES).
 */
int
listcache_format_meta(const struct listcache_meta *m, char *buf, size_t size)
{
	char	 hex[65];
	int	 n;

	listcache_hex(m->sha256, hex);
	n = snprintf(buf, size, "url %s\netag %s\nlast_modified %s\n"
	    "fetched_at %lld\nsha256 %s\nentries %zu\n", clean(m->url),
	    clean(m->etag), clean(m->last_modified), (long long)m->fetched_at,
	    hex, m->entries);
	if (n < 0 || (size_t)n >= size || n >= META_MAX_BYTES)
		return -1;
	return n;
}

int
listcache_write(const char *dir, const char *name, const char *body,
    size_t len, const struct listcache_meta *m, char *err, size_t errlen)
{
	char	 path[4096], meta[META_MAX_BYTES];
	int	 n;

	if (listcache_make_dirs(dir) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((n = listcache_format_meta(m, meta, sizeof(meta))) == -1) {
		snprintf(err, errlen, "metadata too long");
		return -1;
	}
	cache_path(path, sizeof(path), dir, name, "body");
	if (write_atomic(path, body, len, err, errlen) == -1)
		return -1;
	cache_path(path, sizeof(path), dir, name, "meta");
	if (write_atomic(path, meta, (size_t)n, err, errlen) == -1)
		return -1;
	sync_dir(dir);
	return 0;
}

static char *
read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		*buf;
	size_t		 n;
	struct stat	 st;

	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* The buffer is the file's size when that is less (plus one). */
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < max)
		max = (size_t)st.st_size + 1;
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp) || n > max) {
		snprintf(err, errlen, "%s: %s", path, ferror(fp) ?
		    "read error" : "too large");
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Two hex digits, either case, nothing else. */
static int
hex_byte(const char *p, uint8_t *out)
{
	int v = 0;

	for (int i = 0; i < 2; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = (uint8_t)v;
	return 0;
}

/* Sets *field to a copy of v; a key given twice is corrupt. */
static int
set_once(char **field, const char *v)
{
	if (*field != NULL)
		return -1;
	return (*field = strdup(v)) == NULL ? -1 : 0;
}

static int
parse_meta(char *text, struct listcache_meta *m)
{
	int	 have_sha = 0, have_time = 0;
	char	*line, *save;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char		*v = strchr(line, ' ');
		char		*end;

		if (v == NULL)
			return -1;
		*v++ = '\0';
		if (strcmp(line, "url") == 0) {
			if (set_once(&m->url, v) == -1)
				return -1;
		} else if (strcmp(line, "etag") == 0 && *v != '\0') {
			if (set_once(&m->etag, v) == -1)
				return -1;
		} else if (strcmp(line, "last_modified") == 0 && *v != '\0') {
			if (set_once(&m->last_modified, v) == -1)
				return -1;
		} else if (strcmp(line, "fetched_at") == 0) {
			m->fetched_at = (time_t)strtoll(v, &end, 10);
			have_time = *v != '\0' && *end == '\0';
		} else if (strcmp(line, "sha256") == 0) {
			if (strlen(v) != 64)
				return -1;
			for (int i = 0; i < 32; i++)
				if (hex_byte(v + 2 * i, &m->sha256[i]) == -1)
					return -1;
			have_sha = 1;
		} else if (strcmp(line, "entries") == 0)
			m->entries = (size_t)strtoull(v, NULL, 10);
	}
	return have_sha && have_time && m->url != NULL ? 0 : -1;
}

/*
 * Parses the len bytes of a .meta file at buf into m (which it clears
 * first): 0, or -1 when they are not a whole, well-formed metadata file
 * (then m holds nothing to free).  buf need not end in a NUL.
 */
int
listcache_parse_meta(const char *buf, size_t len, struct listcache_meta *m)
{
	char	*text;
	int	 rc;

	memset(m, 0, sizeof(*m));
	if (len > META_MAX_BYTES || memchr(buf, '\0', len) != NULL)
		return -1;
	if ((text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(text, buf, len);
	text[len] = '\0';
	rc = parse_meta(text, m);
	free(text);
	if (rc == -1)
		listcache_meta_free(m);
	return rc;
}

/*
 * Reads list name's cached body (at most max bytes, the list's
 * max_bytes: a cache is no way round it) and metadata.  -1 with a
 * reason in err when there is none, it is too large or corrupt.
 */
int
listcache_read(const char *dir, const char *name, size_t max, char **body,
    size_t *len, struct listcache_meta *m, char *err, size_t errlen)
{
	char	 path[4096], *text;
	size_t	 tlen;
	uint8_t	 sha[32];

	memset(m, 0, sizeof(*m));
	*body = NULL;
	cache_path(path, sizeof(path), dir, name, "meta");
	if ((text = read_file(path, META_MAX_BYTES, &tlen, err, errlen)) ==
	    NULL)
		return -1;
	if (listcache_parse_meta(text, tlen, m) == -1) {
		free(text);
		snprintf(err, errlen, "%s: corrupt", path);
		return -1;
	}
	free(text);
	cache_path(path, sizeof(path), dir, name, "body");
	if ((*body = read_file(path, max, len, err, errlen)) == NULL) {
		listcache_meta_free(m);
		return -1;
	}
	listcache_sha256(*body, *len, sha);
	if (memcmp(sha, m->sha256, 32) != 0) {
		snprintf(err, errlen, "%s: does not match its SHA-256 (truncated "
		    "or corrupt)", path);
		free(*body);
		*body = NULL;
		listcache_meta_free(m);
		return -1;
	}
	return 0;
}

void
listcache_meta_free(struct listcache_meta *m)
{
	free(m->url);
	free(m->etag);
	free(m->last_modified);
	memset(m, 0, sizeof(*m));
}
