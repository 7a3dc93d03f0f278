/* The HTTP state of a session and pinhole's own replies (httpreply.c). */
#ifndef PINHOLE_HTTPREPLY_H
#define PINHOLE_HTTPREPLY_H

#include <event2/buffer.h>

#include "chunked.h"
#include "httphead.h"
#include "session.h"

/* The per-connection state of HTTP, in session->pstate. */
struct http {
	int		 minor;		/* of the request, for replies */
	int		 status;	/* a refusal's own status */
	int		 connect;	/* a CONNECT tunnel */

	/* forwarding one request */
	struct evbuffer	*out;		/* the head to send upstream */
	char		*head;		/* as the client sent it, for the pcap */
	size_t		 headlen;
	int		 head_request;
	int		 client_close;	/* close after this response */
	int64_t		 req_left;	/* body bytes to come */
	int		 req_chunked;
	int		 req_done;
	struct chunked	 req_chunks;
	int		 resp_begun;	/* a head is queued for the client */
	int		 resp_head_done;
	int		 resp_until_close;
	int64_t		 resp_left;
	int		 resp_chunked;
	int		 resp_dechunk;	/* chunked, to a 1.0 client: data only */
	struct chunked	 resp_chunks;
	int		 resp_over;	/* all queued; done once written */
	struct evbuffer_cb_entry *written;	/* counts bytes_down */
	struct evbuffer	*shown;		/* queued for the client, not drawn */
};

struct http	*http_state(struct session *);
void		 http_respond(struct session *, int, const char *,
		    const char *, size_t, int);
void		 http_refuse_status(struct session *, int, enum session_event,
		    enum reason);
int		 http_authenticate(struct session *, const struct http_head *,
		    const char *, uint16_t);
void		 http_refuse(struct session *, enum reason);

#endif
