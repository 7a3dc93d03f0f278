#include <stddef.h>

#include "reason.h"

static const char *const reason_names[] = {
	[REASON_NONE] = NULL,
	[REASON_NOT_ALLOWED] = "not_allowed",
	[REASON_PRIVATE_ADDRESS] = "private_address",
	[REASON_DENIED_ADDRESS] = "denied_address",
	[REASON_CLIENT_NOT_ALLOWED] = "client_not_allowed",
	[REASON_BAD_REQUEST] = "bad_request",
	[REASON_AUTH] = "auth",
	[REASON_LIMIT] = "limit",
	[REASON_SNI_MISMATCH] = "sni_mismatch",
	[REASON_DNS_ERROR] = "dns_error",
	[REASON_CONNECT_FAILED] = "connect_failed",
	[REASON_TIMEOUT] = "timeout",
	[REASON_BAD_RESPONSE] = "bad_response",
	[REASON_REVOKED] = "revoked",
	[REASON_IDLE_TIMEOUT] = "idle_timeout",
	[REASON_SHUTDOWN] = "shutdown",
};

/* The reason's name in the flow log, or NULL for REASON_NONE. */
const char *
reason_name(enum reason r)
{
	if ((unsigned)r >= sizeof(reason_names) / sizeof(reason_names[0]))
		return NULL;
	return reason_names[r];
}
