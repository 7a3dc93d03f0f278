#!/bin/sh
# 100 url lists share their CA store: it is loaded once per CA source
# when the lists are (re)loaded, not once per fetch on the event loop
# (100 lists and a SIGHUP held every client for 3.4 s).  Counted from
# the debug log: the system store and one ca_file, at start and at the
# reload, whatever the number of lists; /healthz answers meanwhile.
. tests/integration/lib.sh

t_proxy_world_or_bail
ERR=$T_DIR/tls.err
CONF=$T_DIR/tls.ini
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T_DIR/ca.key" -out "$T_DIR/ca.crt" -subj "/CN=test ca" \
    -days 2 2>/dev/null
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
sed -i 's/^\[log\]$/[log]\nlevel = debug/' "$CONF"
i=1
while [ $i -le 100 ]; do
	if [ $i -le 50 ]; then ca="ca_file = $T_DIR/ca.crt"; else ca=; fi
	printf '\n[list l%d]\nurl = https://127.0.0.1:%s/%d.txt\nfetch_private = yes\nrefresh = 1h\n%s\n' \
	    "$i" "$CLOSED" "$i" "$ca" >>"$CONF"
	i=$((i + 1))
done
t_start_pinhole "$CONF" "$ERR" "$P"
t_ok $? "pinhole started with 100 https lists (50 with a ca_file)"
PID=$PH_PID
t_wait_grep "$ERR" 'list l100: fetch failed' 1 100
t_eq "$(grep -c 'CA certificates loaded from' "$ERR")" 2 \
    "the CA sources are loaded once each at start (2, not 100)"
kill -HUP "$PID"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/healthz")
t_eq "$code" 200 "/healthz answers during the reload"
t_wait_grep "$ERR" 'reloaded:' 1 100
t_wait_grep "$ERR" 'list l100: fetch failed' 2 100
t_eq "$(grep -c 'CA certificates loaded from' "$ERR")" 4 \
    "... and once each again at the reload (4 in all)"
t_eq "$(grep -c "CA certificates loaded from $T_DIR/ca.crt" "$ERR")" 2 \
    "... the ca_file twice"
t_stop_pinhole "$PID" "$ERR" "tls"
t_done
