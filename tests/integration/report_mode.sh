#!/bin/sh
# Report mode: [acl] mode = report lets through what the allowlist would
# refuse as not_allowed, over CONNECT, HTTP forwarding and SOCKS5, each
# recorded as a flow with would_deny "not_allowed" and counted in
# pinhole_would_deny_total; [acl] deny, the private ranges, [proxy]
# clients and [auth] are never relaxed.  A rule's own mode = report sets
# only its ports and clients aside, for its own destinations: a name no
# rule names stays refused.  --explain says so.
. tests/integration/lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail
LOG=$T_DIR/flows.jsonl

# through_connect HOST:PORT [PROXY-HOST]: ST the status line, CL the
# client's ip:port.
through_connect() {
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$T_DIR/ri" \
	    "${2:-127.0.0.1}" "${PPORT:-$P}" \
	    "esc:CONNECT $1 HTTP/1.1\r\nHost: $1\r\n\r\n" head shut \
	    >"$T_DIR/reply" 2>/dev/null
	ST=$(head -n 1 "$T_DIR/reply" | tr -d '\r')
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
}
# through_curl CURL-ARGS...: CODE the status, CL the client's ip:port.
through_curl() {
	out=$(curl -s -o "$T_DIR/body" -w '%{http_code} %{local_port}' \
	    --max-time 10 "$@")
	CODE=${out% *}
	CL=127.0.0.1:${out#* }
}
rec() {	# rec FIELD...: of the record of $CL
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --client "$CL" "$@"
}
F="event reason rule would_deny"

# ---- [acl] mode = report.  deny_private = no, for destinations on
# loopback that no rule names; [acl] deny keeps 127.0.0.5 out.
CONF=$T_DIR/report.ini
ERR=$T_DIR/report.err
CLIENTS="127.0.0.0/8" t_proxy_conf "$CONF" "$P" "$LOG"
sed -i -e 's/^deny_private = yes$/deny_private = no\ndeny = 127.0.0.5\nmode = report/' \
    -e "s/^listen =\$/listen = 127.0.0.1:$APORT/" "$CONF"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole with [acl] mode = report started" "$(head -c 2000 "$ERR")" ||
    { echo "Bail out!"; exit 1; }

through_connect "xa.test:$ECHO"
t_eq "$ST" "HTTP/1.1 200 Connection established" \
    "report: CONNECT to a name no rule names: 200"
t_eq "$(rec $F)" "flow null null not_allowed" \
    "... recorded as a flow with would_deny not_allowed"
through_connect "127.0.0.1:$ECHO2"
t_eq "$ST" "HTTP/1.1 200 Connection established" \
    "report: CONNECT to an IP literal on a port no rule has: 200"
t_eq "$(rec $F)" "flow null null not_allowed" "... would_deny not_allowed"
through_connect "echo.test:$ECHO"
t_eq "$(rec $F)" "flow null echo null" \
    "report: an allowed request's would_deny is null"
through_curl -x "http://127.0.0.1:$P" "http://xa.test:$WEB/hello.txt"
t_eq "$CODE" 200 "report: HTTP forwarding to a name no rule names: 200"
t_eq "$(rec $F status)" "flow null null not_allowed 200" \
    "... recorded with would_deny not_allowed and status 200"
through_curl --socks5-hostname "127.0.0.1:$P" "http://xa.test:$WEB/hello.txt"
t_eq "$CODE" 200 "report: SOCKS5 to a name no rule names: 200"
t_eq "$(rec proto $F)" "socks5 flow null null not_allowed" \
    "... recorded with would_deny not_allowed"
# Never relaxed.
through_connect "private.test:$ECHO2"
t_eq "$ST" "HTTP/1.1 403 Forbidden" \
    "report: a name resolving into [acl] deny: 403"
t_eq "$(rec $F)" "deny denied_address null null" "... denied_address"
through_connect "127.0.0.5:$ECHO2"
t_eq "$(rec $F)" "deny denied_address null null" \
    "report: an IP literal in [acl] deny: denied_address"
through_connect "xa.test:$ECHO" ::1
t_eq "$ST" "HTTP/1.1 403 Forbidden" \
    "report: a client outside [proxy] clients: 403"
t_eq "$(rec $F)" "deny client_not_allowed null null" "... client_not_allowed"
through_connect "sub.nx.test:$ECHO"
t_eq "$(rec event reason would_deny)" "error dns_error not_allowed" \
    "report: a name no rule names that does not resolve: dns_error, would_deny"
through_connect "xa.test:$CLOSED"
t_eq "$(rec event reason would_deny)" "error connect_failed not_allowed" \
    "report: a connection that fails: connect_failed, would_deny"
curl -s "http://127.0.0.1:$APORT/metrics" >"$T_DIR/metrics"
t_eq "$(grep '^pinhole_would_deny_total' "$T_DIR/metrics")" \
    'pinhole_would_deny_total{reason="not_allowed"} 6' \
    "pinhole_would_deny_total counts the 6 let through (2 failed)"
out=$("$PINHOLE" --explain "xa.test:$ECHO" -c "$CONF" 2>"$T_DIR/explain.err")
rc=$?
t_eq "$rc" 0 "--explain in report mode: exit 0 (allow)"
t_eq "$(printf '%s' "$out" | "$T_PY" -c 'import json, sys
d = json.load(sys.stdin)
print(d["verdict"], d["rule"], d["reason"], sorted(d))')" \
    "allow None None ['addresses', 'client', 'entry', 'host', 'list', 'port', 'reason', 'rule', 'verdict']" \
    "... verdict allow, no rule, the contract's keys"
t_eq "$(cat "$T_DIR/explain.err")" \
    "pinhole: --explain: allowed by report mode only: in enforce mode it would be refused (not_allowed)" \
    "... and the note on stderr"
out=$("$PINHOLE" --explain "echo.test:$ECHO" -c "$CONF" 2>"$T_DIR/explain.err")
t_eq "$?:$(cat "$T_DIR/explain.err")" "0:" \
    "--explain in report mode, an allowed request: no note"
t_stop_pinhole "$PH_PID" "$ERR" "report"
"$PINHOLE" -t -c "$CONF" >"$T_DIR/t.out" 2>&1
t_okd "$(grep -c '^mode report: ' "$T_DIR/t.out" | grep -qx 1; echo $?)" \
    "-t says [acl] mode = report" "$(cat "$T_DIR/t.out")"

# ---- the private ranges: deny_private = yes, mode = report.
sed -i -e 's/^deny_private = no$/deny_private = yes/' "$CONF"
t_start_pinhole "$CONF" "$ERR.2" "$P"
t_okd $? "pinhole with deny_private = yes, mode = report started" \
    "$(head -c 2000 "$ERR.2")"
through_connect "xa.test:$ECHO"
t_eq "$ST" "HTTP/1.1 403 Forbidden" \
    "report: a name no rule names resolving to 127.0.0.1 (private): 403"
t_eq "$(rec $F)" "deny private_address null null" "... private_address"
through_connect "127.0.0.1:$ECHO2"
t_eq "$(rec $F)" "deny private_address null null" \
    "report: a private IP literal: private_address"
t_stop_pinhole "$PH_PID" "$ERR.2" "report, deny_private"

# ---- [auth] is never relaxed.
USERS=$T_DIR/users
echo "alice:$(openssl passwd -6 wonderland)" >"$USERS"
sed -i -e 's/^deny_private = yes$/deny_private = no/' "$CONF"
printf '\n[auth]\nusers_file = %s\n' "$USERS" >>"$CONF"
t_start_pinhole "$CONF" "$ERR.3" "$P"
t_okd $? "pinhole with [auth], mode = report started" "$(head -c 2000 "$ERR.3")"
through_connect "xa.test:$ECHO"
t_eq "$ST" "HTTP/1.1 407 Proxy Authentication Required" \
    "report: no login: 407"
t_eq "$(rec $F)" "deny auth null null" "... reason auth"
through_curl -x "http://127.0.0.1:$P" -U alice:wonderland \
    "http://xa.test:$WEB/hello.txt"
t_eq "$CODE" 200 "report: logged in, a name no rule names: 200"
t_eq "$(rec user $F)" "alice flow null null not_allowed" \
    "... would_deny not_allowed"
t_stop_pinhole "$PH_PID" "$ERR.3" "report, auth"

# ---- a rule in report mode, [acl] mode = enforce.
CONF=$T_DIR/rule.ini
ERR=$T_DIR/rule.err
t_proxy_conf "$CONF" "$P" "$LOG"
sed -i -e '/^\[allow web\]$/a mode = report' \
    -e '/^\[allow only2\]$/a mode = report' \
    -e '/^\[allow private\]$/a mode = report' "$CONF"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole with rules in report mode started" "$(head -c 2000 "$ERR")"
through_connect "web.test:$ECHO"
t_eq "$ST" "HTTP/1.1 200 Connection established" \
    "rule report: its name on a port it does not have: 200"
t_eq "$(rec $F)" "flow null web not_allowed" \
    "... a flow under that rule, would_deny not_allowed"
through_connect "only2.test:$ECHO"
t_eq "$ST" "HTTP/1.1 200 Connection established" \
    "rule report: its name for a client it does not have: 200"
t_eq "$(rec $F)" "flow null only2 not_allowed" "... would_deny not_allowed"
through_connect "echo.test:$ECHO"
t_eq "$(rec $F)" "flow null echo null" \
    "rule report: another rule's request is as before"
through_connect "xa.test:$ECHO"
t_eq "$ST" "HTTP/1.1 403 Forbidden" \
    "rule report: a name no rule names stays refused: 403"
t_eq "$(rec $F)" "deny not_allowed null null" "... not_allowed"
through_connect "echo.test:$ECHO2"
t_eq "$(rec $F)" "deny not_allowed null null" \
    "rule report: an enforcing rule's name on another port: not_allowed"
through_connect "private.test:$ECHO2"
t_eq "$ST" "HTTP/1.1 403 Forbidden" \
    "rule report: its name resolving to a private address: 403"
t_eq "$(rec $F)" "deny private_address private null" \
    "... private_address, naming the rule whose pattern named it (as in enforce mode)"
out=$("$PINHOLE" --explain "web.test:$ECHO" -c "$CONF" 2>"$T_DIR/explain.err")
t_eq "$(printf '%s' "$out" | "$T_PY" -c 'import json, sys
d = json.load(sys.stdin)
print(d["verdict"], d["rule"], d["entry"])')" "allow web web.test" \
    "--explain: a rule in report mode allows its name on another port"
grep -q 'allowed by report mode only' "$T_DIR/explain.err"
t_okd $? "... with the note on stderr" "$(cat "$T_DIR/explain.err")"
out=$("$PINHOLE" --explain "xa.test:$ECHO" -c "$CONF" 2>/dev/null)
t_eq "$?:$(printf '%s' "$out" | "$T_PY" -c 'import json, sys
d = json.load(sys.stdin)
print(d["verdict"], d["reason"])')" "3:deny not_allowed" \
    "--explain: a name no rule names is refused"
t_stop_pinhole "$PH_PID" "$ERR" "rule report"
"$PINHOLE" -t -c "$CONF" >"$T_DIR/t.out" 2>&1
t_okd "$(grep '^rule web: ' "$T_DIR/t.out" | grep -q '; mode report$'; echo $?)" \
    "-t says which rules are in report mode" "$(cat "$T_DIR/t.out")"

t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check | cut -d' ' -f1)" ok \
    "every record has exactly the documented keys"
"$PINHOLE" -t -c "$CONF" >/dev/null 2>&1
t_eq "$?" 0 "-t accepts mode = report"
sed -i 's/^mode = report$/mode = audit/' "$CONF"
msg=$("$PINHOLE" -t -c "$CONF" 2>&1 >/dev/null)
t_eq "$(printf '%s' "$msg" | head -n 1 | sed 's/^[^:]*:[0-9]*: //')" \
    'mode: "audit" is not enforce or report' "a bad mode is an error"
t_done
