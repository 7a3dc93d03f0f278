#!/bin/sh
# The admin endpoint: /healthz, /metrics (Prometheus text, figures that
# follow the traffic), /status, /lists/NAME, POST /refresh/NAME,
# /explain, 403 for clients outside [admin] allow, 404 and 405 otherwise;
# 421 for a Host that is not the endpoint's own (DNS rebinding), 403
# for a POST from another origin, and POST /refresh/NAME bursts making
# one vendor fetch.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail

ERR=$T_DIR/admin.err
CONF=$T_DIR/admin.ini
VENDOR=$T_DIR/vendor.txt
printf '%s\n' '# documentation addresses and a name pattern' \
    '203.0.113.0/24' '*.Vendor.Test' '198.51.100.0/24' >"$VENDOR"
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
sed -i "s|^listen =\$|listen = 127.0.0.1:$APORT\\nallow = 127.0.0.1/32|" \
    "$CONF"
cat >>"$CONF" <<EOC

[list vendor]
file = $VENDOR

[allow vendor]
lists = vendor
ports = 443
EOC
grep -q "^listen = 127.0.0.1:$APORT\$" "$CONF" &&
    grep -q '^allow = 127.0.0.1/32$' "$CONF"
t_ok $? "the config has [admin] listen = 127.0.0.1:$APORT and allow"

# Helpers in Python: a Prometheus text checker, a JSON getter.
cat >"$T_DIR/prom.py" <<'EOP'
import re, sys
# prom.py FILE: checks the exposition format; prints "KEY VALUE" lines
# (KEY is name or name{labels} as written) or the errors, exit 1.
text = open(sys.argv[1], encoding="utf-8").read()
errs, helps, types, seen, out = [], set(), set(), [], []
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? '
    r'(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|NaN|[+-]Inf)$')
if not text.endswith("\n"):
    errs.append("no final newline")
for n, line in enumerate(text.split("\n")[:-1], 1):
    if line.startswith("# HELP "):
        helps.add(line.split(" ")[2])
    elif line.startswith("# TYPE "):
        f = line.split(" ")
        if len(f) != 4 or f[3] not in ("counter", "gauge", "untyped",
                                       "histogram", "summary"):
            errs.append("%d: bad TYPE: %s" % (n, line))
        types.add(f[2])
    elif line.startswith("#"):
        continue
    else:
        m = sample.match(line)
        if not m:
            errs.append("%d: not a sample: %r" % (n, line))
            continue
        seen.append(m.group(1))
        if m.group(1) not in types:
            errs.append("%d: sample before its TYPE: %s" % (n, m.group(1)))
        out.append("%s%s %s" % (m.group(1), m.group(2) or "", m.group(3)))
for name in sorted(set(seen)):
    if name not in helps:
        errs.append("no HELP for " + name)
    if name not in types:
        errs.append("no TYPE for " + name)
keys = [o.rsplit(" ", 1)[0] for o in out]
for k in sorted(set(k for k in keys if keys.count(k) > 1)):
    errs.append("duplicate sample " + k)
if not out:
    errs.append("no samples")
if errs:
    print("\n".join(errs))
    sys.exit(1)
print("\n".join(out))
EOP
cat >"$T_DIR/jget.py" <<'EOP'
import json, sys
# jget.py FILE EXPR: EXPR evaluated with d = the JSON of FILE, printed.
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print("not JSON: %s" % e)
    sys.exit(1)
try:
    v = eval(sys.argv[2], {"d": d})
except Exception as e:
    print("error: %r" % e)
    sys.exit(1)
print(json.dumps(v) if not isinstance(v, str) else v)
EOP

# req METHOD PATH [CURL-ARGS...]: CODE and TYPE set, the body in $BODY.
BODY=$T_DIR/body
req() {
	m=$1 path=$2
	shift 2
	rm -f "$BODY"
	out=$(curl -s -m 5 -o "$BODY" -w '%{http_code} %{content_type}' \
	    -X "$m" "$@" "http://127.0.0.1:$APORT$path" 2>/dev/null)
	CODE=${out%% *}
	TYPE=${out#* }
	[ -f "$BODY" ] || : >"$BODY"
}
jget() {	# jget EXPR: from $BODY
	"$T_PY" "$T_DIR/jget.py" "$BODY" "$1"
}
# Metrics into FILE (checked, "KEY VALUE" lines in FILE.kv).
metrics() {	# metrics FILE
	req GET /metrics
	cp "$BODY" "$1"
	"$T_PY" "$T_DIR/prom.py" "$1" >"$1.kv"
}
mval() {	# mval FILE KEY
	awk -v k="$2" '{ v = $NF; sub(/ [^ ]*$/, ""); if ($0 == k) print v }' \
	    "$1.kv"
}

t_start_pinhole "$CONF" "$ERR" "$P"
t_ok $? "pinhole started"
A_PID=$PH_PID
t_wait_port "$APORT" 1 50 "$A_PID"
t_okd $? "the admin endpoint listens on 127.0.0.1:$APORT" "$(head -n 5 "$ERR")"

# ---- /healthz
req GET /healthz
t_eq "$CODE $TYPE" "200 text/plain; charset=utf-8" "GET /healthz: 200 text/plain"
t_eq "$(cat "$BODY")" "ok" "... body is ok"

# ---- /lists/vendor (the file is read at start; wait for it, bounded)
i=0
while [ $i -lt 30 ]; do
	req GET /lists/vendor
	grep -q '^[^#]' "$BODY" && break
	sleep 0.1
	i=$((i + 1))
done
t_eq "$CODE $TYPE" "200 text/plain; charset=utf-8" \
    "GET /lists/vendor: 200 text/plain"
t_eq "$(grep -v '^#' "$BODY" | sort | tr '\n' ' ')" \
    "*.vendor.test 198.51.100.0/24 203.0.113.0/24 " \
    "... exactly the entries, normalised"
t_eq "$(sed -n 1p "$BODY")" "# list vendor: 3 entries" \
    "... after a '#' line with the count"
t_eq "$(sed -n '2s/^# last change [0-9]*-[0-9]*-[0-9]*T[0-9:]*Z: //p' "$BODY")" \
    "+3 -0 (added *.vendor.test, 198.51.100.0/24, 203.0.113.0/24)" \
    "... and one with the last change: the file's first reading"
t_eq "$(grep -c '^#' "$BODY")" 2 "... two '#' lines, at the top"
req GET /lists/nope
t_eq "$CODE" 404 "GET /lists/nope: 404"

# ---- /status
req GET /status
t_eq "$CODE $TYPE" "200 application/json" "GET /status: 200 application/json"
t_eq "$(jget 'int(isinstance(d["version"], str) and d["version"] != "")')" \
    1 "... version is a non-empty string"
t_eq "$(jget 'sorted(d["listen"])')" \
    "[\"127.0.0.1:$P\", \"[::1]:$P\"]" "... listen has both addresses"
t_eq "$(jget 'd["config"]')" "$CONF" "... config path"
t_eq "$(jget 'len(d["lists"])')" 1 "... one list"
t_eq "$(jget 'd["lists"][0]["name"]')" vendor "... lists[0].name is vendor"
t_eq "$(jget 'd["lists"][0]["entries"]')" 3 "... lists[0].entries is 3"
t_eq "$(jget 'd["lists"][0]["source"]')" "$VENDOR" "... lists[0].source"
t_eq "$(jget 'd["lists"][0]["last_error"]')" null "... no last_error"

# ---- /metrics, before and after traffic
metrics "$T_DIR/m1"
t_eq "$CODE" 200 "GET /metrics: 200"
case $TYPE in
"text/plain; version=0.0.4"*) t_ok 0 "... content type $TYPE" ;;
*) t_okd 1 "... content type text/plain; version=0.0.4" "got: $TYPE" ;;
esac
"$T_PY" "$T_DIR/prom.py" "$T_DIR/m1" >/dev/null
t_okd $? "... valid Prometheus text, every metric with HELP and TYPE" \
    "$(cat "$T_DIR/m1.kv")"
t_eq "$(mval "$T_DIR/m1" 'pinhole_list_entries{list="vendor"}')" 3 \
    "... pinhole_list_entries{list=\"vendor\"} is 3"

# One CONNECT flow to the echo server: PAYLOAD up, the same back down.
PAYLOAD="admin-test payload 0123456789"
NB=$(printf '%s' "$PAYLOAD" | wc -c)
"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 3 127.0.0.1 "$P" \
    "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\nHost: echo.test:$ECHO\r\n\r\n" \
    head "esc:$PAYLOAD" shut all >"$T_DIR/flow.out" 2>/dev/null
t_eq "$(head -n 1 "$T_DIR/flow.out" | tr -d '\r')" \
    "HTTP/1.1 200 Connection established" "a CONNECT to echo.test is allowed"
grep -q "$PAYLOAD" "$T_DIR/flow.out"
t_ok $? "... and the payload comes back"
# One denied request (plain HTTP, so that the CONNECT count is unmixed).
"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 3 127.0.0.1 "$P" \
    "esc:GET http://never.example/ HTTP/1.1\r\nHost: never.example\r\n\r\n" \
    >"$T_DIR/deny.out" 2>/dev/null
t_eq "$(head -n 1 "$T_DIR/deny.out" | tr -d '\r')" "HTTP/1.1 403 Forbidden" \
    "a request for never.example is refused"

# The counters move when the sessions end: poll (bounded).
c1=$(mval "$T_DIR/m1" 'pinhole_connections_total{proto="connect"}')
h1=$(mval "$T_DIR/m1" 'pinhole_connections_total{proto="http"}')
d1=$(mval "$T_DIR/m1" 'pinhole_denied_total{reason="not_allowed"}')
f1=$(mval "$T_DIR/m1" 'pinhole_flows_total')
u1=$(mval "$T_DIR/m1" 'pinhole_bytes_total{direction="up"}')
w1=$(mval "$T_DIR/m1" 'pinhole_bytes_total{direction="down"}')
i=0
while [ $i -lt 30 ]; do
	metrics "$T_DIR/m2"
	[ "$(mval "$T_DIR/m2" 'pinhole_flows_total')" = $((f1 + 1)) ] &&
	    [ "$(mval "$T_DIR/m2" 'pinhole_denied_total{reason="not_allowed"}')" \
	    = $((d1 + 1)) ] && break
	sleep 0.1
	i=$((i + 1))
done
"$T_PY" "$T_DIR/prom.py" "$T_DIR/m2" >/dev/null
t_okd $? "/metrics after traffic is still valid" "$(cat "$T_DIR/m2.kv")"
t_eq "$(mval "$T_DIR/m2" 'pinhole_connections_total{proto="connect"}')" \
    $((c1 + 1)) "pinhole_connections_total{proto=\"connect\"} grew by 1"
t_eq "$(mval "$T_DIR/m2" 'pinhole_connections_total{proto="http"}')" \
    $((h1 + 1)) "pinhole_connections_total{proto=\"http\"} grew by 1 (the refused one)"
t_eq "$(mval "$T_DIR/m2" 'pinhole_denied_total{reason="not_allowed"}')" \
    $((d1 + 1)) "pinhole_denied_total{reason=\"not_allowed\"} grew by 1"
t_eq "$(mval "$T_DIR/m2" 'pinhole_flows_total')" $((f1 + 1)) \
    "pinhole_flows_total grew by 1"
t_eq "$(mval "$T_DIR/m2" 'pinhole_bytes_total{direction="up"}')" \
    $((u1 + NB)) "pinhole_bytes_total{direction=\"up\"} grew by $NB"
t_eq "$(mval "$T_DIR/m2" 'pinhole_bytes_total{direction="down"}')" \
    $((w1 + NB)) "pinhole_bytes_total{direction=\"down\"} grew by $NB"
t_eq "$(mval "$T_DIR/m2" 'pinhole_connections_open{proto="connect"}')" 0 \
    "pinhole_connections_open{proto=\"connect\"} back to 0"

# ---- POST /refresh/NAME
printf '%s\n' '192.0.2.0/24' >>"$VENDOR"
req POST /refresh/vendor -d ''
t_eq "$CODE" 202 "POST /refresh/vendor: 202"
i=0
while [ $i -lt 50 ]; do
	req GET /lists/vendor
	grep -qx '192.0.2.0/24' "$BODY" && break
	sleep 0.1
	i=$((i + 1))
done
t_eq "$(grep -v '^#' "$BODY" | sort | tr '\n' ' ')" \
    "*.vendor.test 192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 " \
    "... the new entry is in /lists/vendor within 5 s"
t_eq "$(sed -n '2s/^# last change [0-9]*-[0-9]*-[0-9]*T[0-9:]*Z: //p' "$BODY")" \
    "+1 -0 (added 192.0.2.0/24)" "... and its '#' line says what changed"
metrics "$T_DIR/m3"
t_eq "$(mval "$T_DIR/m3" 'pinhole_list_entries{list="vendor"}')" 4 \
    "... pinhole_list_entries{list=\"vendor\"} is 4"
req GET /refresh/vendor
t_eq "$CODE" 405 "GET /refresh/vendor: 405"
req POST /refresh/nope -d ''
t_eq "$CODE" 404 "POST /refresh/nope: 404"

# ---- /explain
req GET '/explain?host=203.0.113.5&port=443'
t_eq "$CODE $TYPE" "200 application/json" \
    "GET /explain?host=203.0.113.5&port=443: 200 application/json"
t_eq "$(jget '[d["verdict"], d["rule"], d["list"], d["entry"]]')" \
    '["allow", "vendor", "vendor", "203.0.113.0/24"]' \
    "... allow by list vendor, entry 203.0.113.0/24"
req GET "/explain?host=echo.test&port=$ECHO"
t_eq "$CODE $TYPE" "200 application/json" \
    "GET /explain?host=echo.test&port=$ECHO: 200 application/json"
t_eq "$(jget '[d["verdict"], d["rule"]]')" '["allow", "echo"]' \
    "... allow by rule echo"
t_eq "$(jget '[a["addr"] for a in d["addresses"]]')" '["127.0.0.1"]' \
    "... with the address dnsmasq gives"
t_eq "$(jget '[a["allowed"] for a in d["addresses"]]')" '[true]' \
    "... allowed"
req GET '/explain?host=203.0.113.5&port=444'
t_eq "$CODE $TYPE" "200 application/json" "GET /explain, a port no rule has: 200"
t_eq "$(jget 'd["verdict"]')" deny "... deny"
req GET '/explain?port=443'
t_eq "$CODE" 400 "GET /explain without host: 400"
req GET '/explain'
t_eq "$CODE" 400 "GET /explain without a query: 400"

# ---- clients, paths and methods
req GET /healthz --interface 127.0.0.2
t_eq "$CODE $TYPE" "403 text/plain; charset=utf-8" \
    "GET /healthz from 127.0.0.2 (outside [admin] allow): 403"
req GET /metrics --interface 127.0.0.2
t_eq "$CODE" 403 "GET /metrics from 127.0.0.2: 403"
req GET /nope
t_eq "$CODE" 404 "GET /nope: 404"
req GET /
t_eq "$CODE" 404 "GET /: 404"
req PUT /healthz -d ''
t_eq "$CODE" 405 "PUT /healthz: 405"
req DELETE /lists/vendor
t_eq "$CODE" 405 "DELETE /lists/vendor: 405"
req GET /healthz
t_eq "$CODE" 200 "GET /healthz still answers"

# ---- Host and Origin: a browser driven by another site
for path in /status /lists/vendor '/explain?host=203.0.113.5&port=443' \
    /metrics /healthz; do
	req GET "$path" -H 'Host: evil.example'
	t_eq "$CODE $TYPE" "421 text/plain; charset=utf-8" \
	    "GET $path with Host: evil.example (DNS rebinding): 421"
done
req GET /status -H "Host: evil.example:$APORT"
t_eq "$CODE" 421 "GET /status with Host: evil.example:$APORT: 421"
req GET /status -H "Host: 127.0.0.2:$APORT"
t_eq "$CODE" 421 "GET /status with Host: 127.0.0.2:$APORT (not the listen address): 421"
req GET /status -H "Host: 127.0.0.1:$((APORT + 1))"
t_eq "$CODE" 421 "GET /status with Host: 127.0.0.1 and another port: 421"
req GET /status -H "Host: 127.0.0.1:${APORT}x"
t_eq "$CODE" 421 "GET /status with a malformed port in Host: 421"
req GET /status -H "Host: localhost:$APORT"
t_eq "$CODE" 200 "GET /status with Host: localhost:$APORT (loopback): 200"
req GET /status -H 'Host: 127.0.0.1'
t_eq "$CODE" 200 "GET /status with Host: 127.0.0.1 (no port): 200"
req POST /refresh/vendor -d '' -H 'Origin: http://evil.example'
t_eq "$CODE $TYPE" "403 text/plain; charset=utf-8" \
    "POST /refresh/vendor with Origin: http://evil.example: 403"
req POST /refresh/vendor -d '' -H 'Origin: null'
t_eq "$CODE" 403 "POST /refresh/vendor with Origin: null: 403"
req POST /refresh/vendor -d '' -H "Origin: https://127.0.0.1:$APORT"
t_eq "$CODE" 403 "POST /refresh/vendor with Origin: https://127.0.0.1:$APORT (not its scheme): 403"
req POST /refresh/vendor -d '' -H 'Host: evil.example' \
    -H 'Origin: http://evil.example'
t_eq "$CODE" 421 "POST with Host and Origin evil.example: 421"
req GET /status -H 'Origin: http://evil.example'
t_eq "$CODE" 200 "GET /status with a foreign Origin (it cannot read it): 200"

t_gone "$A_PID"
t_ok $((1 - $?)) "pinhole is still running"
t_stop_pinhole "$A_PID" "$ERR" "admin"

# ---- POST /refresh/NAME bursts: one vendor fetch
vl_world_or_bail
vl_serve /l.txt 203.0.113.0/24
CONF2=$T_DIR/admin2.ini
ERR2=$T_DIR/admin2.err
t_proxy_conf "$CONF2" "$P" "$T_DIR/flows2.jsonl"
sed -i "s|^listen =\$|listen = 127.0.0.1:$APORT\\nallow = 127.0.0.1/32|" \
    "$CONF2"
cat >>"$CONF2" <<EOC

[list vendor]
url = https://127.0.0.1:$VTLS/l.txt
fetch_private = yes
ca_file = $T_DIR/certs/ca.crt
refresh = 1h

[allow vendor]
lists = vendor
ports = 443
EOC
t_start_pinhole "$CONF2" "$ERR2" "$P"
t_ok $? "pinhole with a vendor list started"
A_PID=$PH_PID
t_wait_port "$APORT" 1 50 "$A_PID"
vl_wait_requests /l.txt 0
t_eq "$(vl_requests /l.txt)" 1 "the vendor list is fetched at start"
req POST /refresh/vendor -d '' -H "Origin: http://127.0.0.1:$APORT"
t_eq "$CODE" 202 "POST /refresh/vendor with its own Origin: 202"
vl_wait_requests /l.txt 1
t_eq "$(vl_requests /l.txt)" 2 "... the vendor sees a second fetch"
codes=
for i in $(seq 1 40); do
	req POST /refresh/vendor -d ''
	codes="$codes $CODE"
done
t_eq "$(echo $codes | tr ' ' '\n' | sort | uniq -c |
    awk '{ printf "%s:%s ", $2, $1 }')" "429:40 " \
    "40 more POSTs within seconds: 40 times 429 (coalesced)"
req POST /refresh/vendor -d ''
t_eq "$(grep -c 'not started again' "$BODY")" 1 "... the answer says so"
sleep 1
t_eq "$(vl_requests /l.txt)" 2 "... the vendor saw no more fetch"

t_stop_pinhole "$A_PID" "$ERR2" "admin with a vendor list"
t_done
