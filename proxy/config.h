/*
 * The parsed config.  config_load() parses a file into a fresh struct
 * and validates all of it; the caller swaps it in only on success, so a
 * bad file never replaces a running config.
 */
#ifndef PINHOLE_CONFIG_H
#define PINHOLE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "cidrset.h"
#include "policy.h"

#define CONFIG_DEFAULT_PATH	"/etc/pinhole/pinhole.ini"
#define CONFIG_ERRLEN		1024
#define CONFIG_SNAPLEN_ALL	UINT32_MAX

struct endpoint {
	struct addr	addr;
	uint16_t	port;
	char		text[ADDR_STRLEN + 8];	/* as the config wrote it */
};

enum list_format {
	LIST_TEXT,
	LIST_AUTO,
	LIST_JSON
};

struct list_conf {
	char		*name;
	int		 line;
	char		*url;
	int		 url_line;
	char		*file;
	enum list_format format;
	char		*json_path;
	uint64_t	 refresh_ms;
	uint64_t	 timeout_ms;
	uint64_t	 max_bytes;
	uint64_t	 max_entries;
	uint64_t	 min_prefix_v4;
	uint64_t	 min_prefix_v6;
	unsigned	 max_shrink;	/* percent */
	int		 allow_empty;
	int		 allow_http;
	int		 fetch_private;	/* may connect to the denied ranges */
	char		*ca_file;
	int		 has_sha256;
	uint8_t		 sha256[32];
	struct cidr	*within;	/* entries outside are skipped */
	size_t		 nwithin;
};

struct config {
	char		*path;
	char		 sha256[65];	/* of the file as loaded, in hex */

	/* [proxy] */
	struct endpoint	*listen;
	size_t		 nlisten;
	uint64_t	 max_connections;
	uint64_t	 max_connections_per_client;
	uint64_t	 handshake_timeout_ms;
	uint64_t	 max_header_bytes;
	uint64_t	 connect_timeout_ms;
	uint64_t	 idle_timeout_ms;
	uint64_t	 shutdown_grace_ms;
	uint64_t	 workers;	/* 0 = auto */
	char		*user;
	int		 proxy_protocol;
	struct cidrset	*proxy_protocol_from;
	int		 sandbox;
	uint64_t	 udp_idle_timeout_ms;
	uint64_t	 udp_max_associations_per_client;
	uint64_t	 udp_max_destinations;	/* per association */
	uint64_t	 udp_max_datagrams_per_second;	/* per association */

	/* [acl], [allow NAME] and the list names */
	int		 deny_private;
	int		 revoke_on_reload;
	struct policy	*policy;

	struct list_conf *lists;	/* same order as policy->lists */
	size_t		 nlists;

	/* [cache] */
	char		*cache_dir;

	/* [dns] */
	struct endpoint	*dns_servers;
	size_t		 ndns_servers;
	char		*hosts_file;
	uint64_t	 min_ttl_ms;
	uint64_t	 max_ttl_ms;
	uint64_t	 dns_timeout_ms;
	uint64_t	 max_lookups_per_client;

	/* [log] */
	char		*access;
	char		*pcap;
	uint64_t	 pcap_snaplen;	/* CONFIG_SNAPLEN_ALL: no cap */
	uint64_t	 pcap_rotate_mb;
	uint64_t	 pcap_keep;
	int		 log_level;	/* enum log_level */
	char		*events;
	int		 http_query;	/* query strings in records */

	/* [admin] */
	struct endpoint	*admin_listen;	/* NULL: off */
	struct cidrset	*admin_allow;

	/* [pac] */
	char		**pac_proxies;
	size_t		 npac_proxies;
	uint64_t	 pac_max_entries;
	int		 pac_default_proxy;	/* else DIRECT */
	struct entries	*pac_direct;		/* always DIRECT */

	/* [auth] */
	char		*users_file;
	uint64_t	 throttle_prefix_v6;	/* an IPv6 client's budget */
};

struct config	*config_load(const char *, char *, size_t);
void		 config_free(struct config *);
int		 config_parse_endpoint(const char *, uint16_t,
		    struct endpoint *);

#endif
