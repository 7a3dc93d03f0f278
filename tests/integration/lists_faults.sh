#!/bin/sh
# A vendor list server that misbehaves while pinhole proxies: garbage,
# 10 MB of headers, a chunked body that never ends, a TLS close_notify
# alert mid-body, a body that drips a line every half second, a server
# that reads the request and never answers, and one that accepts the
# connection and never says a byte (not even the TLS handshake).  Each
# list had a good version first.  All seven are fetched again at once
# (SIGHUP) while three tunnels echo every 50 ms and new clients keep
# arriving: no ping is lost or slow, every new client is served exactly,
# every list keeps its old version (its entries still allowed), and each
# failure is logged and counted in /metrics.  (lists.sh checks the same
# faults' log lines with the admin endpoint off and no traffic.)
. tests/integration/lib.sh
. tests/integration/lists_lib.sh
. tests/soak/lib.sh

s_world_or_bail
set -- $(t_free_ports 3)
VTLS=$1 VPLAIN=$2 VSIL=$3
vl_certs
t_okd $? "test certificates made" "$(tail -n 5 "$T_DIR/certs.log")"
vl_start_vendor
t_ok $? "vendor server listens on 127.0.0.1:$VTLS"
SILENT=$T_DIR/silent.now
t_bg "$T_DIR/vsil.out" "$T_PY" "$T_TOOLS/vendor_server.py" --www "$VL_WWW" \
    --certs "$T_DIR/certs" --log "$T_DIR/vsil.log" --tls "$VSIL" \
    --silent-if "$SILENT" --lifetime 180
VSIL_PID=$T_BG_PID
t_wait_port "$VSIL" 1 100 "$VSIL_PID"
t_ok $? "a second one, that can go silent, on 127.0.0.1:$VSIL"

FAULTS="garbage headers chunked alert drip hang silent"
i=1
S_MORE=$(for l in $FAULTS; do
	port=$VTLS
	[ "$l" = silent ] && port=$VSIL
	vl_serve "/$l" "198.51.100.$i" "203.0.113.$i"
	i=$((i + 1))
	printf '[list %s]\nurl = https://127.0.0.1:%s/%s\nca_file = %s\n' \
	    "$l" "$port" "$l" "$T_DIR/certs/ca.crt"
	printf 'refresh = 1h\ntimeout = 3s\nmax_bytes = 1m\nfetch_private = yes\n\n'
done
printf '[allow vendors]\nlists = %s\nports = 443\n' "$(echo $FAULTS | sed 's/ /, /g')")
CONF=$T_DIR/faults.ini
ERR=$T_DIR/faults.err
s_conf "$CONF" "handshake_timeout = 10s"
t_start_pinhole "$CONF" "$ERR" "$P" 1
t_okd $? "pinhole started" "$(tail -n 5 "$ERR")" || { echo "Bail out!"; exit 1; }
PID=$PH_PID
t_wait_port "$ADMIN" 1 100 "$PID"
n=0
for l in $FAULTS; do
	t_wait_grep "$ERR" "list $l: 2 entries from" 1 100 && n=$((n + 1))
done
t_okd $([ "$n" = 7 ]; echo $?) "all 7 lists have their first version" \
    "$(grep 'list ' "$ERR")"
s_metrics "$T_DIR/m0"

# ---- the vendor goes bad, every list is fetched again, traffic flows
vl_route /garbage garbage
vl_route /headers headers 10000000
vl_route /chunked chunked
vl_route /alert alert 800
vl_route /drip drip
vl_route /hang hang
touch "$SILENT"
t_bg "$T_DIR/tun.out" "$T_PY" "$T_TOOLS/many_tunnels.py" \
    --proxy "127.0.0.1:$P" --dest "127.0.0.1:$ECHO" --count 3 --via socks5 \
    --ping 0.05 --go "$T_DIR/tun.go" --max-hold 60
TUN=$T_BG_PID
t_wait_grep "$T_DIR/tun.out" '^open\|^FAIL' 1 100
t_okd $(grep -q '^open 3 ' "$T_DIR/tun.out"; echo $?) \
    "3 tunnels open, echoing every 50 ms" "$(cat "$T_DIR/tun.out"*)"
kill -HUP "$PID"
s_load --workers 4 --duration 5 --via connect,socks5,socks4a --bytes 20000 \
    --hold 0.2
t_okd $([ "$S_REFUSED:$S_BROKEN" = 0:0 ] && [ "$S_SERVED" -gt 20 ]; echo $?) \
    "during the fetches, $S_SERVED new tunnels served exactly (slowest $S_MAX ms)" \
    "$S_LOAD"
grep -q "list .*: fetch failed\|list .*: new version refused" "$ERR"
t_ok $? "... while the fetches were under way (some had failed by then)"
n=0
for l in $FAULTS; do
	t_wait_grep "$ERR" "list $l: .*keeping the last good version (2 entries)" \
	    1 100 && n=$((n + 1))
done
t_okd $([ "$n" = 7 ]; echo $?) \
    "all 7 fetches failed, each keeping the last good version" \
    "$(grep 'keeping' "$ERR")"
touch "$T_DIR/tun.go"
t_wait_grep "$T_DIR/tun.out" '^closed\|^FAIL' 1 100
t_wait_exit "$TUN" 50
set -- $(grep '^alive' "$T_DIR/tun.out")
t_okd $([ "${2:-0}:${4:-0}" = 3:3 ] && [ "${11:-1}" = 0 ]; echo $?) \
    "the 3 tunnels lived through the fetches, no ping lost (${9:-?} pings)" \
    "$(cat "$T_DIR/tun.out")"
[ "${13:-9999}" -lt 500 ]
t_okd $? "... and none took half a second (slowest ${13:-?} ms)" \
    "$(cat "$T_DIR/tun.out")"
echo "# slowest ping ${13:-?} ms, slowest new tunnel $S_MAX ms"

# ---- each failure logged with its reason, and counted
reason() {	# reason LIST RE DESCRIPTION
	grep -q "list $1: $2" "$ERR"
	t_okd $? "$1: $3" "$(grep "list $1:" "$ERR" | tail -n 2)"
}
reason garbage "new version refused: no entries" "refused: no entries"
reason headers "fetch failed: " "failed"
reason chunked "fetch failed: body over max_bytes" "failed: over max_bytes"
reason alert "fetch failed: " "failed"
reason drip "fetch failed: timed out" "failed: the whole fetch's timeout"
reason hang "fetch failed: timed out" "failed: timed out"
reason silent "fetch failed: " "failed"
s_metrics "$T_DIR/m1"
for l in $FAULTS; do
	kind=failed
	[ "$l" = garbage ] && kind=refused
	k="pinhole_list_failures_total{list=\"$l\",kind=\"$kind\"}"
	t_eq "$(s_m "$T_DIR/m1" "$k")" $(($(s_m "$T_DIR/m0" "$k") + 1)) \
	    "$l: /metrics $k grew by 1"
	t_eq "$(s_m "$T_DIR/m1" "pinhole_list_entries{list=\"$l\"}")" 2 \
	    "$l: /metrics still 2 entries in force"
done
code=$(curl -s -m 5 -o "$T_DIR/x" -w '%{http_code}' \
    "http://127.0.0.1:$ADMIN/explain?host=203.0.113.7&port=443")
grep -q '"verdict":"allow".*"list":"silent"' "$T_DIR/x"
t_okd $? "the silent vendor's old entries are still allowed" "$code $(cat "$T_DIR/x")"
t_stop_pinhole "$PID" "$ERR" "vendor faults"
t_done
