/*
 * pinhole review's record reader: the scanner for records as pinhole
 * writes them and jansson for any other line give the same fields, and
 * what is no JSON object is refused by both.
 */
#include <stdio.h>
#include <string.h>

#include "jsonpath.h"
#include "review.h"
#include "t.h"

static struct review_rec r;

static int
parse(const char *line)
{
	return review_rec_parse(&r, line, strlen(line));
}

static const char *
s(int i)
{
	return r.str[i] ? r.str[i] : "(null)";
}

int
main(void)
{
	jsonpath_init();

	t_int(parse("{\"ts\":\"2026-12-07T10:00:00.000Z\",\"id\":1,"
	    "\"event\":\"flow\",\"client\":\"10.0.0.5:40000\",\"user\":null,"
	    "\"proto\":\"connect\",\"host\":\"www.example.com\",\"port\":443,"
	    "\"addr\":\"93.184.216.34\",\"rule\":\"web\",\"list\":null,"
	    "\"entry\":\"*.a.com\",\"reason\":null,\"bytes_up\":100,"
	    "\"bytes_down\":9223372036854775807,\"duration_ms\":10,"
	    "\"sni\":null,\"would_deny\":\"not_allowed\"}"), 0,
	    "a record as pinhole writes it");
	t_ok(r.json == NULL, "... is read by the scanner");
	t_str(s(REC_TS), "2026-12-07T10:00:00.000Z", "... ts");
	t_str(s(REC_EVENT), "flow", "... event");
	t_str(s(REC_CLIENT), "10.0.0.5:40000", "... client");
	t_str(s(REC_HOST), "www.example.com", "... host");
	t_str(s(REC_RULE), "web", "... rule");
	t_str(s(REC_LIST), "(null)", "... list null");
	t_str(s(REC_ENTRY), "*.a.com", "... entry");
	t_str(s(REC_WOULD_DENY), "not_allowed", "... would_deny");
	t_int((long long)r.num[REC_PORT], 443, "... port");
	t_int((long long)r.num[REC_UP], 100, "... bytes_up");
	t_ok(r.num[REC_DOWN] == INT64_MAX, "... bytes_down, all 19 digits");
	review_rec_done(&r);

	t_int(parse(" { \"event\" : \"deny\", \"host\": \"caf\\u00e9.com\","
	    " \"port\": 80, \"x\": [1, {\"y\": 2}], \"reason\": \"not_allowed\" }"),
	    0, "spaces, an escape, a nested value");
	t_ok(r.json != NULL, "... go to jansson");
	t_str(s(REC_HOST), "caf\xc3\xa9.com", "... which decodes the escape");
	t_str(s(REC_REASON), "not_allowed", "... and reads the rest");
	t_int((long long)r.num[REC_PORT], 80, "... port");
	review_rec_done(&r);

	t_int(parse("{\"event\":\"flow\",\"port\":1.5e2}"), 0,
	    "a number with a fraction or exponent");
	t_ok(r.json != NULL && r.num[REC_PORT] == 150, "... jansson reads it");
	review_rec_done(&r);

	t_int(parse("{\"rule\":\"a\",\"rule\":\"b\"}"), 0, "a key twice");
	t_str(s(REC_RULE), "b", "... the last one counts");
	review_rec_done(&r);

	t_int(parse("{\"host\":5,\"port\":\"443\"}"), 0,
	    "a string key with a number, a number key with a string");
	t_str(s(REC_HOST), "(null)", "... host is no string");
	t_int((long long)r.num[REC_PORT], 0, "... port is no number");
	review_rec_done(&r);

	t_int(parse("{\"port\":-1,\"bytes_up\":true}"), 0,
	    "a negative number and a boolean");
	t_ok(r.num[REC_PORT] == 0 && r.num[REC_UP] == 0, "... read as 0");
	review_rec_done(&r);

	t_int(parse("{\"bytes_up\":18446744073709551616}"), -1,
	    "a number past 64 bits: refused");
	t_int(parse("not json"), -1, "a line that is no JSON: refused");
	t_int(parse("[1,2]"), -1, "an array: refused");
	t_int(parse("{\"a\":1} x"), -1, "trailing bytes: refused");
	t_int(parse("{\"a\":1,}"), -1, "a trailing comma: refused");
	t_int(parse("{\"a\":\"x\ty\"}"), -1,
	    "a control character in a string: refused");
	t_int(parse("{\"a\":01}"), -1, "a leading zero: refused");
	t_int(parse("{}"), 0, "an empty object is an object");
	review_rec_done(&r);
	return t_done();
}
