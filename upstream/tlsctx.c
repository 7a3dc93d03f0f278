/*
 * Loading a CA store costs tens of milliseconds (the system store is
 * hundreds of certificates), and it happens on the event loop: one
 * SSL_CTX per fetch made 100 url lists hold every client for about 3 s
 * on a SIGHUP.  So there is one SSL_CTX per CA source -- each ca_file,
 * and the system store -- built when the lists are (re)loaded and
 * shared by every fetch.  A fetch's SSL holds its own reference, so a
 * reload can drop the old contexts while fetches are in flight.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tlsctx.h"

struct tlsctx {
	char	*ca_file;	/* NULL: the system store */
	SSL_CTX	*ctx;
};

static struct tlsctx	*ctxs;
static size_t		 nctxs;

static SSL_CTX *
ctx_build(const char *ca_file, const char *list)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if ((ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, ca_file,
	    NULL) : SSL_CTX_set_default_verify_paths(ctx)) != 1) {
		log_warn("list %s: cannot load CA certificates %s", list,
		    ca_file != NULL ? ca_file : "(system store)");
		SSL_CTX_free(ctx);
		return NULL;
	}
	log_debug("list fetches: CA certificates loaded from %s",
	    ca_file != NULL ? ca_file : "the system store");
	return ctx;
}

static int
same_source(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static struct tlsctx *
find(const char *ca_file)
{
	for (size_t i = 0; i < nctxs; i++)
		if (same_source(ctxs[i].ca_file, ca_file))
			return &ctxs[i];
	return NULL;
}

static SSL_CTX *
add(const char *ca_file, const char *list)
{
	struct tlsctx	*t;
	SSL_CTX		*ctx;
	char		*copy = NULL;

	if ((ctx = ctx_build(ca_file, list)) == NULL)
		return NULL;
	if ((ca_file != NULL && (copy = strdup(ca_file)) == NULL) ||
	    (t = realloc(ctxs, (nctxs + 1) * sizeof(*t))) == NULL) {
		free(copy);
		SSL_CTX_free(ctx);
		return NULL;
	}
	ctxs = t;
	ctxs[nctxs].ca_file = copy;
	ctxs[nctxs].ctx = ctx;
	nctxs++;
	return ctx;
}

/* Every url list's CA source, loaded afresh (a ca_file may have changed). */
void
tlsctx_prepare(const struct config *c)
{
	tlsctx_clear();
	for (size_t i = 0; i < c->nlists; i++) {
		const struct list_conf *l = &c->lists[i];

		if (l->url != NULL && find(l->ca_file) == NULL)
			(void)add(l->ca_file, l->name);
	}
}

/* The context for list l: borrowed, built now if it was not before. */
SSL_CTX *
tlsctx_get(const struct list_conf *l)
{
	struct tlsctx *t = find(l->ca_file);

	return t != NULL ? t->ctx : add(l->ca_file, l->name);
}

void
tlsctx_clear(void)
{
	for (size_t i = 0; i < nctxs; i++) {
		free(ctxs[i].ca_file);
		SSL_CTX_free(ctxs[i].ctx);
	}
	free(ctxs);
	ctxs = NULL;
	nctxs = 0;
}
