/*
 * pinhole review's record reader (proxy/reviewscan.c).  Beyond not
 * crashing: whatever line the scanner takes on its own, jansson reads
 * as an object with the same fields, so the scanner never makes a
 * record say something jansson would not.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"
#include "review.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } \
	} while (0)

static const char *const strs[REC_NSTR] = {
	[REC_TS] = "ts", [REC_EVENT] = "event", [REC_REASON] = "reason",
	[REC_WOULD_DENY] = "would_deny", [REC_HOST] = "host",
	[REC_ADDR] = "addr", [REC_CLIENT] = "client", [REC_RULE] = "rule",
	[REC_LIST] = "list", [REC_ENTRY] = "entry",
};
static const char *const nums[REC_NNUM] = {
	[REC_PORT] = "port", [REC_UP] = "bytes_up", [REC_DOWN] = "bytes_down",
};

static struct review_rec r;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t	*o;

	jsonpath_init();
	if (review_rec_parse(&r, (const char *)data, len) == 0 &&
	    r.json == NULL) {
		o = json_loadb((const char *)data, len, 0, NULL);
		CHECK(json_is_object(o));
		for (int i = 0; i < REC_NSTR; i++) {
			const char *v = json_string_value(json_object_get(o,
			    strs[i]));

			CHECK((v == NULL) == (r.str[i] == NULL));
			CHECK(v == NULL || strcmp(v, r.str[i]) == 0);
		}
		for (int i = 0; i < REC_NNUM; i++) {
			json_t *v = json_object_get(o, nums[i]);

			CHECK(v == NULL || json_is_null(v) ||
			    json_is_integer(v));
			CHECK((uint64_t)(json_is_integer(v) ?
			    json_integer_value(v) : 0) == r.num[i]);
		}
		json_decref(o);
	}
	review_rec_done(&r);
	return 0;
}
