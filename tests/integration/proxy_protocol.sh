#!/bin/sh
# PROXY protocol headers (v1 and v2) from the load balancers named in
# proxy_protocol_from, with HAProxy as the load balancer: the client it
# names is the client for [proxy] clients and in the flow records, over
# HTTP CONNECT, HTTP forwarding and SOCKS5.  From a load balancer the
# header is required (none, a malformed one, one cut short: refused or
# timed out); from anyone else it is not believed (the connection is
# treated as a client's own bytes).  v2 LOCAL and v1 UNKNOWN keep the
# load balancer's address.  Counted in /metrics; proxy_protocol follows
# a reload.
. tests/integration/lib.sh

t_proxy_world_or_bail
command -v haproxy >/dev/null 2>&1 || { echo "Bail out! no haproxy"; exit 1; }
ports=$(t_free_ports 3) || { echo "Bail out! no free ports"; exit 1; }
# shellcheck disable=SC2086
set -- $ports
H1=$1 H2=$2 ADMIN=$3
# 127.0.0.2 sends v1 headers, 127.0.0.3 v2; neither is a client itself.
LB1=127.0.0.2 LB2=127.0.0.3
LOG=$T_DIR/pp.jsonl
ERR=$T_DIR/pp.err
CONF=$T_DIR/pp.ini
pp_conf() {	# pp_conf yes|no
	CLIENTS="127.0.0.1, 127.0.0.7, 192.0.2.0/24, 2001:db8::/32, ::1" \
	    t_proxy_conf "$CONF" "$P" "$LOG" "proxy_protocol = $1" \
	    "proxy_protocol_from = $LB1, $LB2" "handshake_timeout = 2s"
	sed -i "s/^listen =\$/listen = 127.0.0.1:$ADMIN/" "$CONF"
}
pp_conf yes
t_main_start "$CONF" "$ERR" "$P"
t_ok $? "pinhole with proxy_protocol = yes started"

cat >"$T_DIR/haproxy.cfg" <<EOC
global
	maxconn 200
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend v1
	bind 127.0.0.1:$H1
	default_backend pinhole_v1
backend pinhole_v1
	server pinhole 127.0.0.1:$P send-proxy source $LB1
frontend v2
	bind 127.0.0.1:$H2
	default_backend pinhole_v2
backend pinhole_v2
	server pinhole 127.0.0.1:$P send-proxy-v2 source $LB2
EOC
t_bg "$T_DIR/haproxy.out" haproxy -db -f "$T_DIR/haproxy.cfg"
HA_PID=$T_BG_PID
t_wait_port "$H1" 1 100 "$HA_PID" && t_wait_port "$H2" 1 100 "$HA_PID"
t_okd $? "HAProxy listens on $H1 (send-proxy) and $H2 (send-proxy-v2)" \
    "$(cat "$T_DIR/haproxy.out"*)"

# rec CLIENT FIELD...: the fields of that client's record.
rec() {
	c=$1
	shift
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --client "$c" "$@"
}
# via FRONT-PORT SRC CURL-ARGS...: curl from SRC through HAProxy; prints
# "STATUS CONNECT-STATUS LOCAL-IP:LOCAL-PORT" (the connection HAProxy
# saw; 000 for a status there was none of) and the body to $T_DIR/body.
via() {
	port=$1 src=$2
	shift 2
	curl -s -o "$T_DIR/body" --max-time 10 --interface "$src" \
	    -w '%{http_code} %{http_connect} %{local_ip}:%{local_port}' "$@" 2>/dev/null
}

# ---- through HAProxy: the client is curl's address, not HAProxy's
for front in "v1 $H1" "v2 $H2"; do
	# shellcheck disable=SC2086
	set -- $front
	v=$1 hp=$2
	t_main_up "CONNECT through HAProxy $v"
	set -- $(via "$hp" 127.0.0.7 -p -x "http://127.0.0.1:$hp" \
	    "http://web.test:$WEB/hello.txt")
	t_eq "$1 $(cat "$T_DIR/body")" "200 hello from the backend" \
	    "$v: CONNECT through HAProxy is served"
	t_eq "$(rec "$3" event proto host client)" \
	    "flow connect web.test $3" \
	    "$v: the record's client is curl's 127.0.0.7 and port ($3)"

	t_main_up "HTTP forwarding through HAProxy $v"
	set -- $(via "$hp" 127.0.0.7 -x "http://127.0.0.1:$hp" \
	    "http://web.test:$WEB/hello.txt")
	t_eq "$1 $(cat "$T_DIR/body")" "200 hello from the backend" \
	    "$v: HTTP forwarding through HAProxy is served"
	t_eq "$(rec "$3" event proto client)" "flow http $3" \
	    "$v: its record names curl's address and port"

	t_main_up "SOCKS5 through HAProxy $v"
	set -- $(via "$hp" 127.0.0.7 --socks5-hostname "127.0.0.1:$hp" \
	    "http://web.test:$WEB/hello.txt")
	t_eq "$1 $(cat "$T_DIR/body")" "200 hello from the backend" \
	    "$v: SOCKS5 through HAProxy is served"
	t_eq "$(rec "$3" event proto client)" "flow socks5 $3" \
	    "$v: its record names curl's address and port"

	t_main_up "a client outside [proxy] clients through HAProxy $v"
	set -- $(via "$hp" 127.0.0.8 -p -x "http://127.0.0.1:$hp" \
	    "http://web.test:$WEB/hello.txt")
	t_eq "$2" 403 "$v: client 127.0.0.8 (not in clients) gets 403, though HAProxy may send headers"
	t_eq "$(rec "$3" event reason client)" \
	    "deny client_not_allowed $3" \
	    "$v: ... as client_not_allowed, under its own address"
done

# ---- without HAProxy: who may send a header, and what it must be
# raw SRC STEP...: raw_client.py from SRC to pinhole; the first line it
# got back (CR dropped) or "-" when none, and the connection's
# local=IP:PORT in $T_DIR/info.
raw() {
	src=$1
	shift
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 5 --bind "$src" \
	    --info "$T_DIR/info" 127.0.0.1 "$P" "$@" >"$T_DIR/reply" \
	    2>/dev/null
	l=$(head -n 1 "$T_DIR/reply" | tr -d '\r')
	echo "${l:--}"
}
info() { sed -n 's/.*\b'"$1"'=\([^ ]*\).*/\1/p' "$T_DIR/info"; }
CONNECT="CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n"
V2SIG='\r\n\r\n\x00\r\nQUIT\n'

t_main_up "a direct client without a header"
t_eq "$(raw 127.0.0.1 "esc:$CONNECT" read:39)" \
    "HTTP/1.1 200 Connection established" \
    "a client not in proxy_protocol_from needs no header"
t_eq "$(rec "$(info local)" event client)" "flow $(info local)" \
    "... and is logged under its own address"

t_main_up "a direct client sending a v1 header"
t_eq "$(raw 127.0.0.1 "esc:PROXY TCP4 192.0.2.9 127.0.0.1 1 $P\r\n$CONNECT")" \
    "HTTP/1.1 400 Bad Request" \
    "a v1 header from a client not in proxy_protocol_from is not believed: 400"
t_eq "$(rec "$(info local)" event reason client)" \
    "deny bad_request $(info local)" "... logged under its real address"

t_main_up "a direct client sending a v2 header"
t_eq "$(raw 127.0.0.1 "esc:${V2SIG}\x21\x11\x00\x0c\xc0\x00\x02\x09\x7f\x00\x00\x01\x00\x01\x00\x02$CONNECT")" \
    "-" "a v2 header from a client not in proxy_protocol_from: closed, no reply"
t_eq "$(info end)" eof "... at once (eof)"
t_eq "$(rec "$(info local)" event reason client)" \
    "deny bad_request $(info local)" "... logged under its real address"

t_main_up "a load balancer without a header"
t_eq "$(raw $LB1 "esc:$CONNECT")" "-" \
    "a load balancer that sends a request without a header: closed"
t_eq "$(info end)" eof "... at once (eof)"
t_eq "$(rec "$(info local)" event reason client)" \
    "deny bad_request $(info local)" "... logged under its own address"
t_wait_grep "$ERR" "no valid PROXY header from $LB1" 1 20
t_ok $? "... and said in the log"

t_main_up "a load balancer with a malformed v1 header"
t_eq "$(raw $LB1 "esc:PROXY TCP4 192.0.2.9 127.0.0.1 01 $P\r\n$CONNECT")" \
    "-" "a v1 header with a port of leading zero: closed"
t_eq "$(rec "$(info local)" event reason)" "deny bad_request" \
    "... logged as bad_request"

t_main_up "a v1 header in pieces"
t_eq "$(raw $LB1 "esc:PROXY TC" sleep:0.2 "esc:P4 192.0.2.9 127.0" \
    sleep:0.2 "esc:.0.1 40009 $P\r" sleep:0.2 "esc:\n" sleep:0.2 \
    "esc:$CONNECT" read:39)" "HTTP/1.1 200 Connection established" \
    "a v1 header sent in four pieces, the request after it: 200"
t_eq "$(rec 192.0.2.9:40009 event host client)" \
    "flow echo.test 192.0.2.9:40009" "... logged as client 192.0.2.9:40009"

t_main_up "a v2 TCP6 header with TLVs, the request in the same segment"
t_eq "$(raw $LB2 "esc:${V2SIG}\x21\x21\x00\x2c\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x9c\x41\x0c\x38\x04\x00\x00\x02\x00\x02hi$CONNECT" read:39)" \
    "HTTP/1.1 200 Connection established" \
    "a v2 TCP6 header with TLVs, a CONNECT in the same segment: 200"
t_eq "$(rec "[2001:db8::7]:40001" event reason client)" \
    "flow null [2001:db8::7]:40001" "... logged as client [2001:db8::7]:40001"

t_main_up "a v2 LOCAL header"
t_eq "$(raw $LB2 "esc:${V2SIG}\x20\x00\x00\x00$CONNECT")" \
    "HTTP/1.1 403 Forbidden" \
    "v2 LOCAL keeps the load balancer's address, which is no client: 403"
t_eq "$(rec "$(info local)" event reason client)" \
    "deny client_not_allowed $(info local)" \
    "... logged under the load balancer's address"

t_main_up "a v1 UNKNOWN header"
t_eq "$(raw $LB1 "esc:PROXY UNKNOWN\r\n$CONNECT")" "HTTP/1.1 403 Forbidden" \
    "v1 UNKNOWN keeps the load balancer's address too: 403"

t_main_up "a header cut short"
t_eq "$(raw $LB1 "esc:PROXY TCP4 192.0.2.9" all)" "-" \
    "a header cut short is dropped after handshake_timeout"
t_eq "$(info end)" eof "... by pinhole (eof, not the client's timeout)"

t_main_up "the metrics"
curl -s --max-time 5 "http://127.0.0.1:$ADMIN/metrics" >"$T_DIR/metrics"
# Through HAProxy: 4 connections per version; by hand: pieces, TCP6.
t_eq "$(grep '^pinhole_proxy_headers_total' "$T_DIR/metrics" | tr '\n' ' ')" \
    'pinhole_proxy_headers_total{result="proxy"} 10 pinhole_proxy_headers_total{result="local"} 2 pinhole_proxy_headers_total{result="bad"} 3 ' \
    "/metrics counts 10 headers with a client, 2 without, 3 bad (missing, malformed, cut short)"

# ---- a reload turns it off: HAProxy's header is then a bad request
pp_conf no
kill -HUP "$T_MAIN_PID"
t_wait_grep "$ERR" 'reloaded' 1 50
t_okd $? "proxy_protocol = no is reloaded" "$(tail -n 3 "$ERR")"
t_main_up "CONNECT through HAProxy after proxy_protocol = no"
set -- $(via "$H1" 127.0.0.7 -p -x "http://127.0.0.1:$H1" \
    "http://web.test:$WEB/hello.txt")
t_eq "$2" 400 "with proxy_protocol = no, HAProxy's v1 header is a bad request"
t_main_up "a direct client after the reload"
t_eq "$(raw $LB1 "esc:$CONNECT" read:39)" "HTTP/1.1 403 Forbidden" \
    "127.0.0.2, no longer a load balancer, is a client outside clients: 403"

kill "$HA_PID"
t_wait_exit "$HA_PID" 50
t_stop_pinhole "$T_MAIN_PID" "$ERR" "proxy_protocol"
t_done
