/* The TLS contexts of list fetches: one per CA source, built once. */
#ifndef PINHOLE_TLSCTX_H
#define PINHOLE_TLSCTX_H

#include <openssl/ssl.h>

#include "config.h"

void	 tlsctx_prepare(const struct config *);
SSL_CTX	*tlsctx_get(const struct list_conf *);
void	 tlsctx_clear(void);

#endif
