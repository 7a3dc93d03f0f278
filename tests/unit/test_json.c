/*
 * The flow log's pieces (json.c) and addr_format (acl/addr.c): numbers,
 * literals and strings exactly as printf and inet_ntop would write them,
 * and a buffer that drops what does not fit.
 */
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "json.h"
#include "t.h"

static void
test_numbers(void)
{
	static const uint64_t u[] = { 0, 1, 9, 10, 99, 100, 65535, 4294967296ULL,
	    18446744073709551615ULL };
	static const int64_t s[] = { 0, -1, 1, -1000, 123456789,
	    INT64_MIN, INT64_MAX };
	char	 buf[64], want[64];

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		struct jbuf j = { buf, sizeof(buf), 0 };

		json_add_uint(&j, u[i]);
		snprintf(want, sizeof(want), "%" PRIu64, u[i]);
		t_str((buf[j.len] = '\0', buf), want, "json_add_uint %s", want);
	}
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct jbuf j = { buf, sizeof(buf), 0 };

		json_add_int(&j, s[i]);
		snprintf(want, sizeof(want), "%" PRId64, s[i]);
		t_str((buf[j.len] = '\0', buf), want, "json_add_int %s", want);
	}
}

static void
test_pieces(void)
{
	char		 buf[64];
	struct jbuf	 j = { buf, sizeof(buf), 0 };
	struct jbuf	 small = { buf, 5, 0 };

	json_add_lit(&j, "{\"id\":");
	json_add_uint(&j, 42);
	json_add_lit(&j, ",\"user\":");
	json_add_string(&j, NULL);
	json_add_lit(&j, ",\"host\":");
	json_add_string(&j, "a\"b\\c\n");
	json_add_lit(&j, "}");
	buf[j.len] = '\0';
	t_str(buf, "{\"id\":42,\"user\":null,\"host\":\"a\\\"b\\\\c\\u000a\"}",
	    "literals, numbers, null and an escaped string");
	json_add_lit(&small, "abc");
	json_add_uint(&small, 12345);
	t_int((long long)small.len, 5, "a full buffer drops the rest");
	t_ok(memcmp(buf, "abc12", 5) == 0, "... after what fits");
}

static void
test_addr(void)
{
	static const char *const v4[] = { "0.0.0.0", "127.0.0.1",
	    "255.255.255.255", "10.20.30.40", "1.22.103.9", "192.168.100.200" };
	static const char *const v6[] = { "::1", "2001:db8::1",
	    "fe80::1:2" };
	struct addr	 a;
	char		 got[ADDR_STRLEN], tiny[8];

	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		t_ok(addr_parse(v4[i], &a) == 0, "parse %s", v4[i]);
		addr_format(&a, got, sizeof(got));
		t_str(got, v4[i], "addr_format %s", v4[i]);
	}
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		t_ok(addr_parse(v6[i], &a) == 0, "parse %s", v6[i]);
		addr_format(&a, got, sizeof(got));
		t_str(got, v6[i], "addr_format %s", v6[i]);
	}
	/* Too small a buffer: empty, as inet_ntop's failure leaves it. */
	addr_parse("255.255.255.255", &a);
	addr_format(&a, tiny, sizeof(tiny));
	t_str(tiny, "", "addr_format into 8 bytes: empty");
	/* Every value of an octet, in each place. */
	for (unsigned v = 0; v < 256; v++) {
		char want[INET_ADDRSTRLEN];
		uint8_t b[4] = { (uint8_t)v, (uint8_t)(255 - v), (uint8_t)v,
		    (uint8_t)(v * 7) };

		addr_from_bytes(ADDR_V4, b, &a);
		addr_format(&a, got, sizeof(got));
		inet_ntop(AF_INET, b, want, sizeof(want));
		if (strcmp(got, want) != 0) {
			t_str(got, want, "addr_format of octet %u", v);
			return;
		}
	}
	t_ok(1, "addr_format equals inet_ntop for every octet value");
}

int
main(void)
{
	test_numbers();
	test_pieces();
	test_addr();
	return t_done();
}
