#!/bin/sh
# /status stays one valid JSON document however large it grows (60 lists
# with long URLs: it was cut at 16 KiB), and a reload that changes
# [admin] listen says it takes a restart, while the endpoint goes on
# answering where it was.
. tests/integration/lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail

ERR=$T_DIR/status.err
CONF=$T_DIR/status.ini
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
sed -i "s|^listen =\$|listen = 127.0.0.1:$APORT|" "$CONF"
LONG=$(printf 'p%.0s' $(seq 1 400))
i=1
while [ $i -le 60 ]; do
	printf '\n[list l%d]\nurl = https://nx.test/%d/%s\nrefresh = 1h\n' \
	    "$i" "$i" "$LONG" >>"$CONF"
	i=$((i + 1))
done
t_start_pinhole "$CONF" "$ERR" "$P"
t_ok $? "pinhole started with 60 lists of 400-character URLs"
PID=$PH_PID

curl -s -o "$T_DIR/status.json" -w '%{http_code}' \
    "http://127.0.0.1:$APORT/status" >"$T_DIR/code"
t_eq "$(cat "$T_DIR/code")" 200 "GET /status answers 200"
t_ok "$([ "$(wc -c <"$T_DIR/status.json")" -gt 16384 ] && echo 0 || echo 1)" \
    "... with more than 16 KiB"
got=$("$T_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(len(d["lists"]), d["lists"][59]["name"], len(d["lists"][59]["source"]),
      d["lists"][59]["entries"], d["workers"])
' "$T_DIR/status.json" 2>&1)
t_eq "$got" "60 l60 419 0 1" \
    "/status parses as JSON: 60 lists, the last one's full URL"

# A reload that moves the admin endpoint: a warning, and it stays put.
set -- $(t_free_ports 1)
NEW=$1
sed -i "s|^listen = 127.0.0.1:$APORT\$|listen = 127.0.0.1:$NEW|" "$CONF"
kill -HUP "$PID"
t_wait_grep "$ERR" 'reloaded:' 1 100
t_ok $? "SIGHUP reloads"
grep -q 'warn: reload: a change of \[admin\] listen takes a restart' "$ERR"
t_ok $? "... and warns that a change of [admin] listen takes a restart"
t_eq "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$APORT/healthz")" 200 \
    "... the endpoint still answers on its old port"
t_stop_pinhole "$PID" "$ERR" "status"
t_done
