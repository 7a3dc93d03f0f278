/*
 * The last good body of each vendor list, kept on disk with what is
 * known about it, so that pinhole serves at once after a restart even
 * when the vendor cannot be reached.
 */
#ifndef PINHOLE_LISTCACHE_H
#define PINHOLE_LISTCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct listcache_meta {
	char		*url;		/* or the file it was read from */
	char		*etag;
	char		*last_modified;
	time_t		 fetched_at;
	uint8_t		 sha256[32];
	size_t		 entries;
};

int	listcache_make_dirs(const char *);
int	listcache_write(const char *, const char *, const char *, size_t,
	    const struct listcache_meta *, char *, size_t);
int	listcache_read(const char *, const char *, size_t, char **, size_t *,
	    struct listcache_meta *, char *, size_t);
int	listcache_format_meta(const struct listcache_meta *, char *, size_t);
int	listcache_parse_meta(const char *, size_t, struct listcache_meta *);
void	listcache_meta_free(struct listcache_meta *);
void	listcache_sha256(const char *, size_t, uint8_t *);
void	listcache_hex(const uint8_t *, char *);

#endif
