#!/bin/sh
# What a security team reads in a forwarded HTTP request's record:
# method, url (scheme, host, port and path; the query string only with
# [log] http_query = yes) and status (the origin's, or pinhole's own for
# a refusal it answered), with every record carrying the same keys
# (null where they do not apply).  curl is the client.
. tests/integration/lib.sh

t_proxy_world_or_bail
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/rec.ini
ERR=$T_DIR/rec.err
t_proxy_conf "$CONF" "$P" "$LOG"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole started" "$(head -c 2000 "$ERR")" ||
    { echo "Bail out!"; exit 1; }

# curl through pinhole; CL is its client ip:port, CODE the status.
through() {	# through CURL-ARGS...
	out=$(curl -s -o "$T_DIR/body" -x "http://127.0.0.1:$P" \
	    -w '%{http_code} %{local_port}' --max-time 10 "$@")
	CODE=${out% *}
	CL=127.0.0.1:${out#* }
}
rec() {	# rec FIELD...: of the record of $CL
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --client "$CL" "$@"
}
F="event reason method url status would_deny"

through "http://web.test:$WEB/hello.txt"
t_eq "$CODE" 200 "GET through pinhole: 200"
t_eq "$(rec $F)" "flow null GET http://web.test:$WEB/hello.txt 200 null" \
    "GET: method, url, the origin's 200"

# (The backend answers a path with a query string 404.)
through "http://web.test:$WEB/hello.txt?token=secret&x=1"
t_eq "$(rec $F)" "flow null GET http://web.test:$WEB/hello.txt 404 null" \
    "GET with a query string: the url without it"

through -d 'a=1&b=2' "http://web.test:$WEB/echo"
t_eq "$CODE" 200 "POST through pinhole: 200"
t_eq "$(rec $F)" "flow null POST http://web.test:$WEB/echo 200 null" \
    "POST: method POST, url, status"
through -d 'a=1&b=2' "http://web.test:$WEB/echo?sig=abc"
t_eq "$(rec method url)" "POST http://web.test:$WEB/echo" \
    "POST with a query string: the url without it"

through "http://web.test:$WEB/nothing/here"
t_eq "$(rec $F)" "flow null GET http://web.test:$WEB/nothing/here 404 null" \
    "the origin's 404 is the record's status"

through "http://web.test:$WEB"
t_eq "$(rec url status)" "http://web.test:$WEB/ 404" \
    "an empty path is recorded as /"

through "http://nothere.test:$WEB/x?y=1"
t_eq "$CODE" 403 "a destination no rule names: 403"
t_eq "$(rec $F)" "deny not_allowed GET http://nothere.test:$WEB/x 403 null" \
    "a refused request's record: pinhole's own status 403"

through -X DELETE "http://[::1]:$WEB/gone"
t_eq "$(rec method url status)" "DELETE http://[::1]:$WEB/gone 403" \
    "an IPv6 host is written in brackets, any method is recorded"

# A URL in a record is printable ASCII, a quote and a backslash as %XX
# (pinhole takes them unencoded in a target).
"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$T_DIR/ri" 127.0.0.1 "$P" \
    'esc:GET http://web.test:'"$WEB"'/a"x\\y HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n' \
    all >/dev/null 2>&1
CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
t_eq "$(rec method url status)" \
    "GET http://web.test:$WEB/a%22x%5Cy 404" \
    "a quote and a backslash in the path are written as %XX"

through -p "https://echo.test:$ECHO/"
t_eq "$(rec event method url status would_deny)" \
    "flow null null null null" \
    "a CONNECT tunnel's record has method, url and status null"

# http_query = yes: the query string is kept.
sed -i 's/^access = .*/&\nhttp_query = yes/' "$CONF"
kill -HUP "$PH_PID"
t_wait_grep "$ERR" 'reloaded' 1 100
t_ok $? "reloaded with http_query = yes"
through "http://web.test:$WEB/hello.txt?token=secret&x=1"
t_eq "$(rec method url status)" \
    "GET http://web.test:$WEB/hello.txt?token=secret&x=1 404" \
    "with http_query = yes the url has its query string"
through -d 'z' "http://web.test:$WEB/echo?sig=abc"
t_eq "$(rec method url status)" "POST http://web.test:$WEB/echo?sig=abc 404" \
    "... for a POST too"

t_stop_pinhole "$PH_PID" "$ERR" "records"
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check | cut -d' ' -f1)" ok \
    "every record has exactly the documented keys"
t_done
