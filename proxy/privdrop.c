/*
 * The switch to [proxy] user.  The user is looked up before anything is
 * opened, so a name that does not exist stops pinhole at once rather
 * than leaving it running as root.  After the switch pinhole checks it
 * cannot get root back, and says which of its paths the user cannot
 * write (the cache, the log directories for SIGUSR1 and pcap rotation):
 * pinhole never changes the owner of a path the admin chose.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "privdrop.h"

/* Whether c->user can be switched to from here; err says why not. */
int
privdrop_check(const struct config *c, char *err, size_t len)
{
	struct passwd *pw;

	if (c->user == NULL)
		return 0;
	errno = 0;
	if ((pw = getpwnam(c->user)) == NULL) {
		snprintf(err, len, "%s: [proxy] user %s: %s", c->path, c->user,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, len, "%s: [proxy] user %s: is root", c->path,
		    c->user);
		return -1;
	}
	return 0;
}

/* A missing directory is made later: then its parent must be writable. */
static void
check_dir(const char *what, const char *dir)
{
	char	 copy[4096];
	char	*up = copy;

	if (strlen(dir) >= sizeof(copy))
		return;
	memcpy(copy, dir, strlen(dir) + 1);
	while (access(up, W_OK | X_OK) == -1) {
		if (errno != ENOENT || strcmp(up, "/") == 0 ||
		    strcmp(up, ".") == 0) {
			log_warn("%s %s: %s is not writable as [proxy] user: "
			    "%s", what, dir, up, strerror(errno));
			return;
		}
		up = dirname(up);
	}
}

/* The directory a log file lives in, for reopening and rotating it. */
static void
check_file_dir(const char *what, const char *path)
{
	char	 copy[4096];

	if (path == NULL || path[0] != '/' ||
	    strlen(path) >= sizeof(copy))
		return;
	memcpy(copy, path, strlen(path) + 1);
	check_dir(what, dirname(copy));
}

/*
 * Becomes c->user when started as root.  Returns -1 when pinhole must
 * not run on (the switch failed, or root could be regained).
 */
int
privdrop_drop(const struct config *c)
{
	struct passwd	*pw;
	char		 err[512];

	if (c->user == NULL)
		return 0;
	if (privdrop_check(c, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return -1;
	}
	pw = getpwnam(c->user);
	if (geteuid() != 0) {
		if (geteuid() != pw->pw_uid)
			log_warn("[proxy] user %s: not started as root, "
			    "running on as uid %u", c->user,
			    (unsigned)geteuid());
		return 0;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_error("cannot switch to user %s: %s", c->user,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		log_error("user %s could get root back: stopping", c->user);
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", c->user,
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	check_dir("[cache] dir", c->cache_dir);
	if (strcmp(c->access, "stderr") && strcmp(c->access, "syslog") &&
	    strcmp(c->access, "off"))
		check_file_dir("[log] access", c->access);
	check_file_dir("[log] pcap", c->pcap);
	if (strcmp(c->events, "stderr") && strcmp(c->events, "syslog"))
		check_file_dir("[log] events", c->events);
	return 0;
}
