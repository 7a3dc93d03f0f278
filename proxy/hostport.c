#include <string.h>

#include "hostport.h"

/*
 * "host", "host:port", "[v6]" or "[v6]:port" -- or a bare IPv6 address,
 * which has no port -- into host (without brackets, NUL-terminated) and
 * *port, -1 when none is given.  A port is 1 to 65535 in decimal with no
 * leading zero.  Returns -1 when s is none of these; what the host may
 * be (an address, a name) is for the caller to check.
 */
int
hostport_split(const char *s, size_t len, char *host, size_t hostlen,
    int *port)
{
	const char	*end = s + len, *hs = s, *he, *ps = NULL, *c;
	long		 p = 0;

	if (len > 0 && s[0] == '[') {
		if ((he = memchr(s, ']', len)) == NULL)
			return -1;
		hs = s + 1;
		if (he + 1 < end) {
			if (he[1] != ':')
				return -1;
			ps = he + 2;
		}
	} else if ((c = memchr(s, ':', len)) != NULL &&
	    memchr(c + 1, ':', (size_t)(end - c - 1)) == NULL) {
		he = c;
		ps = c + 1;
	} else
		he = end;	/* no port, or a bare IPv6 address */
	if (he == hs || (size_t)(he - hs) >= hostlen)
		return -1;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	*port = -1;
	if (ps == NULL)
		return 0;
	if (ps == end || end - ps > 5 || *ps == '0')
		return -1;
	for (; ps < end; ps++) {
		if (*ps < '0' || *ps > '9')
			return -1;
		p = p * 10 + (*ps - '0');
	}
	if (p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}
