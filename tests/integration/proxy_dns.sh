#!/bin/sh
# Names through the proxy: answers cached for their TTL clamped between
# [dns] min_ttl and max_ttl, so a name asked twice is looked up once, and
# again once the cached answer has expired.
. tests/integration/lib.sh

t_proxy_world_or_bail

# A CONNECT to NAME:$ECHO on pinhole; its status line.
connect_status() {
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 0.5 127.0.0.1 "$P" \
	    "esc:CONNECT $1:$ECHO HTTP/1.1\r\n\r\n" >"$T_DIR/reply" 2>/dev/null
	head -n 1 "$T_DIR/reply" | tr -d '\r'
}
# How often dnsmasq was asked for NAME's A record.
asked() {
	grep -ci "query\[A\] $1 from" "$T_DIR/dns.log"
}

ERR=$T_DIR/dns.err
# dnsmasq gives its own records a TTL of 0: min_ttl decides.
t_proxy_conf "$T_DIR/dns.ini" "$P" "$T_DIR/flows.jsonl"
sed -i 's/^\[dns\]$/[dns]\nmin_ttl = 3s\nmax_ttl = 3s/' "$T_DIR/dns.ini"
grep -q '^min_ttl = 3s' "$T_DIR/dns.ini"
t_ok $? "the config sets min_ttl = max_ttl = 3s"
t_start_pinhole "$T_DIR/dns.ini" "$ERR" "$P"
t_ok $? "pinhole started"
D_PID=$PH_PID
t_eq "$(connect_status echo.test)" "HTTP/1.1 200 Connection established" \
    "a name is resolved and connected to"
t_eq "$(asked echo.test)" 1 "it was looked up once"
t_eq "$(connect_status ECHO.test)" "HTTP/1.1 200 Connection established" \
    "asked again (in other case) within the TTL"
t_eq "$(asked echo.test)" 1 "... it came from the cache"
sleep 3.5
t_eq "$(connect_status echo.test)" "HTTP/1.1 200 Connection established" \
    "asked again after the TTL"
t_eq "$(asked echo.test)" 2 "... it was looked up again"
t_eq "$(connect_status never.example)" "HTTP/1.1 403 Forbidden" \
    "a name no rule allows is refused"
t_eq "$(asked never.example)" 0 "... and never looked up"
t_stop_pinhole "$D_PID" "$ERR" "dns"
t_done
