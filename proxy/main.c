/*
 * pinhole: an allowlisting forward proxy.  main() only sorts out the
 * command line; each verb lives in its own file.
 */
#include <event2/event.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "auth.h"
#include "check.h"
#include "config.h"
#include "explain.h"
#include "jsonpath.h"
#include "listload.h"
#include "log.h"
#include "privdrop.h"
#include "review.h"
#include "server.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pinhole [-c FILE]\n"
	    "       pinhole -t [-c FILE]\n"
	    "       pinhole --explain HOST[:PORT] [--client IP] [--user NAME]\n"
	    "               [--proto connect|socks5|http|udp] [-c FILE]\n"
	    "       pinhole review [-c FILE] [--since DURATION] [--html OUT] "
	    "FLOWLOG...\n"
	    "       pinhole -V\n");
	exit(2);
}

static void
version(void)
{
	printf("pinhole %s\n", PINHOLE_VERSION);
	printf("libevent %s\n", event_get_version());
	printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("%s\n", pcap_lib_version());
	printf("inih r%s\n", INIH_VERSION);
}

static struct config *
load_or_exit(const char *path, int code)
{
	struct config	*c;
	char		 err[CONFIG_ERRLEN];

	if ((c = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(code);
	}
	return c;
}

/* The users file and [proxy] user are checked as a start would. */
static struct auth *
check_users(struct config *c)
{
	struct auth	*a = NULL;
	char		 err[512];

	if (privdrop_check(c, err, sizeof(err)) == -1 ||
	    (c->users_file != NULL &&
	    (a = auth_load(c->users_file, err, sizeof(err))) == NULL)) {
		fprintf(stderr, "%s\n", err);
		config_free(c);
		exit(1);
	}
	return a;
}

static int
run_check(const char *path)
{
	struct config	 *c = load_or_exit(path, 1);
	time_t		 *fetched;
	int		 *refused, rc = 0;
	struct entries	**lists;
	struct auth	 *users = check_users(c);

	fetched = calloc(c->nlists + 1, sizeof(*fetched));
	refused = calloc(c->nlists + 1, sizeof(*refused));
	if (fetched == NULL || refused == NULL)
		fatalx("out of memory");
	lists = listload_local(c, stderr, fetched, refused);
	if (lists == NULL)
		fatalx("out of memory");
	/* A file = list the proxy would refuse fails the check (a reload). */
	for (size_t i = 0; i < c->nlists; i++)
		if (refused[i])
			rc = 1;
	check_summary(c, lists, fetched, refused, stdout);
	if (c->users_file != NULL)
		printf("auth: %s, %zu users\n", c->users_file,
		    auth_count(users));
	if (c->user != NULL)
		printf("user: %s\n", c->user);
	auth_free(users);
	listload_free(c, lists);
	free(fetched);
	free(refused);
	config_free(c);
	return rc;
}

static int
run_explain(const char *path, const struct explain_args *args)
{
	struct config	 *c = load_or_exit(path, EXPLAIN_ERROR);
	struct entries	**lists = listload_local(c, stderr, NULL, NULL);
	struct acl	 *acl;
	int		  rc;

	if (lists == NULL || (acl = acl_new(c->policy, lists)) == NULL) {
		fprintf(stderr, "pinhole: out of memory\n");
		return EXPLAIN_ERROR;
	}
	rc = explain_run(c, acl, args);
	acl_unref(acl);
	listload_free(c, lists);
	config_free(c);
	return rc;
}

int
main(int argc, char *argv[])
{
	enum { OPT_EXPLAIN = 256, OPT_CLIENT, OPT_PROTO, OPT_USER };
	static const struct option opts[] = {
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		{ "client", required_argument, NULL, OPT_CLIENT },
		{ "proto", required_argument, NULL, OPT_PROTO },
		{ "user", required_argument, NULL, OPT_USER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*path = CONFIG_DEFAULT_PATH;
	struct explain_args	 ex = { 0 };
	int			 ch, test = 0;

	jsonpath_init();	/* before any JSON value exists */
	log_library_init();	/* before any event loop exists */
	if (argc > 1 && strcmp(argv[1], "review") == 0)
		return review_main(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			version();
			return 0;
		case OPT_EXPLAIN:
			ex.target = optarg;
			break;
		case OPT_CLIENT:
			ex.client = optarg;
			break;
		case OPT_PROTO:
			if (strcmp(optarg, "connect") != 0 &&
			    strcmp(optarg, "socks5") != 0 &&
			    strcmp(optarg, "http") != 0 &&
			    strcmp(optarg, "udp") != 0)
				usage();
			ex.proto = optarg;
			break;
		case OPT_USER:
			ex.user = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (test && ex.target != NULL))
		usage();
	if ((ex.client || ex.proto || ex.user) && ex.target == NULL)
		usage();
	if (test)
		return run_check(path);
	if (ex.target != NULL)
		return run_explain(path, &ex);
	return server_run(load_or_exit(path, 1));
}
