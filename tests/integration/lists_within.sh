#!/bin/sh
# format = auto on a vendor's firewall page as vendors publish them (an
# HTML table of the addresses to allow, with prose that names a public
# resolver, "e.g. 8.8.8.8", and cache-busting links "?v=5.1.0.2"),
# fetched over HTTPS on loopback:
#  - without within, every address of the page is taken, prose and links
#    too, and the change log and /lists/NAME show what came in;
#  - with within = the vendor's ranges, the others are skipped, counted
#    and named in a warning;
#  - a new version of the page is logged with what it added and removed,
#    and /lists/NAME says it in its '#' lines; a refresh that brings the
#    same page logs no change;
#  - within's errors name FILE:LINE.
# Verdicts on 8.8.8.8 are read with --explain (no traffic leaves
# loopback).
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_start_dnsmasq
t_ok $? "dnsmasq started"
ports=$(t_free_ports 4) || exit 1
# shellcheck disable=SC2086
set -- $ports
P=$1 VTLS=$2 VPLAIN=$3 ADMIN=$4
vl_certs
vl_ok $? "test CA and server certificates made with openssl" \
    "$(cat "$T_DIR/certs.log")"
vl_start_vendor
t_ok $? "vendor server listens on 127.0.0.1:$VTLS (TLS)"
U=https://127.0.0.1:$VTLS
CA=$T_DIR/certs/ca.crt
VL_ADMIN=127.0.0.1:$ADMIN

# page GATEWAY...: the vendor's firewall page, a row for each gateway
# address; $UPDATED is the date its footer gives.
page() {
	{
		cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Firewall configuration - Remote Support</title>
<link rel="stylesheet" href="/static/css/main.css?v=5.1.0.2">
</head>
<body>
<h1>Firewall configuration</h1>
<p>The client software connects out to our servers on TCP port 7615,
or 443 and 80 when 7615 is blocked. Allow these addresses:</p>
<table class="servers">
<thead><tr><th>Server</th><th>IP address</th><th>Ports</th></tr></thead>
<tbody>
EOF
		for a in "$@"; do
			echo "<tr><td>Gateway</td><td>$a</td><td>7615, 443, 80</td></tr>"
		done
		cat <<EOF
<tr><td>Gateway (backup)</td><td>203.0.113.41</td><td>7615, 443, 80</td></tr>
<tr><td>Relay cluster</td><td>203.0.113.128/28</td><td>7615, 443</td></tr>
<tr><td>IPv6 relays</td><td>2001:db8:40::/48</td><td>7615, 443</td></tr>
</tbody>
</table>
<h2>Name resolution</h2>
<p>The client resolves our host names with your own DNS server. If it has
none, a public resolver works too (Public DNS, e.g. 8.8.8.8).</p>
<footer>Updated ${UPDATED:-March 2024}</footer>
<script src="/static/js/site.js?v=5.1.0.2"></script>
</body>
</html>
EOF
	} >"$VL_WWW/firewall.html.tmp"
	mv "$VL_WWW/firewall.html.tmp" "$VL_WWW/firewall.html"
}
page 203.0.113.40
vl_route /firewall.html file firewall.html

# conf [WITHIN-LINE]
conf() {
	vl_conf "$CONF" isl-ips <<EOF
[list isl-ips]
url = $U/firewall.html
ca_file = $CA
format = auto
refresh = 1h
$1
EOF
}
explain_rc() {	# explain_rc ADDR:PORT
	$PINHOLE --explain "$1" -c "$CONF" >"$T_DIR/explain.out" \
	    2>"$T_DIR/explain.err"
	echo $?
}
lists() {	# lists NAME: /lists/NAME, its '#' lines too
	curl -s --max-time 5 "http://127.0.0.1:$ADMIN/lists/$1"
}
entries() {	# entries NAME: the entries of /lists/NAME, sorted, on one line
	lists "$1" | grep -v '^#' | sort | tr '\n' ' '
}
last_change() {	# last_change NAME: the change told by /lists/NAME
	lists "$1" | sed -n 's/^# last change [0-9]*-[0-9]*-[0-9]*T[0-9:]*Z: //p'
}

# ---- 1. without within: the prose's 8.8.8.8 and the links' 5.1.0.2 too
CONF=$T_DIR/nowithin.ini
VL_CACHE=$T_DIR/cache-nowithin
conf ""
vl_start "$CONF" nowithin
vl_expect "list isl-ips: 6 entries from $U/firewall.html (was 0)" \
    "the page is read: 6 addresses"
vl_expect "list isl-ips: new version: +6 -0 (added 5.1.0.2, 8.8.8.8, 203.0.113.40, ...)" \
    "the log shows what came in: 5.1.0.2 and 8.8.8.8 first"
t_wait_port "$ADMIN" 1 100 "$PH_PID"
t_eq "$(entries isl-ips)" \
    "2001:db8:40::/48 203.0.113.128/28 203.0.113.40 203.0.113.41 5.1.0.2 8.8.8.8 " \
    "nowithin: /lists/isl-ips holds the cache-buster and the resolver"
t_eq "$(last_change isl-ips)" \
    "+6 -0 (added 5.1.0.2, 8.8.8.8, 203.0.113.40, ...)" \
    "nowithin: its '#' line says what the first version brought in"
vl_stop
t_eq "$(explain_rc 8.8.8.8:443)" 0 \
    "nowithin: --explain 8.8.8.8:443 is allowed (what within is for)"
t_eq "$(explain_rc 5.1.0.2:443)" 0 \
    "nowithin: --explain 5.1.0.2:443 is allowed"

# ---- 2. within the vendor's ranges: the others skipped, counted, named
CONF=$T_DIR/within.ini
VL_CACHE=$T_DIR/cache-within
conf "within = 203.0.113.0/24, 2001:db8::/32"
vl_start "$CONF" within
vl_expect "list isl-ips: 3 entries outside within, skipped: 5.1.0.2, 8.8.8.8, 5.1.0.2$" \
    "the warning counts the addresses outside and names the first three"
vl_expect "list isl-ips: 4 entries from $U/firewall.html (was 0)" \
    "the page is read: the 4 addresses of the table"
t_wait_port "$ADMIN" 1 100 "$PH_PID"
t_eq "$(entries isl-ips)" \
    "2001:db8:40::/48 203.0.113.128/28 203.0.113.40 203.0.113.41 " \
    "within: /lists/isl-ips holds the table's addresses alone"
t_eq "$(explain_rc 8.8.8.8:443)" 3 "within: --explain 8.8.8.8:443 is denied"
t_eq "$(explain_rc 5.1.0.2:443)" 3 "within: --explain 5.1.0.2:443 is denied"
t_eq "$(explain_rc 203.0.113.140:443)" 0 \
    "within: --explain 203.0.113.140:443 (the relay cluster) is allowed"

# ---- 3. the vendor changes its page: the change is logged and shown
page 203.0.113.50 203.0.113.51
n=$(vl_requests /firewall.html)
curl -s -o /dev/null --max-time 5 -X POST "http://127.0.0.1:$ADMIN/refresh/isl-ips"
vl_wait_requests /firewall.html "$n" 50
vl_expect "list isl-ips: new version: +2 -1 (added 203.0.113.50, 203.0.113.51; removed 203.0.113.40)" \
    "a new version of the page: the log says what it added and removed"
t_eq "$(last_change isl-ips)" \
    "+2 -1 (added 203.0.113.50, 203.0.113.51; removed 203.0.113.40)" \
    "within: /lists/isl-ips says it in its '#' line"
t_eq "$(lists isl-ips | sed -n 1p)" "# list isl-ips: 5 entries" \
    "within: ... after the count"
t_eq "$(lists isl-ips | grep -c '^#')" 2 "within: two '#' lines, at the top"
t_eq "$(entries isl-ips)" \
    "2001:db8:40::/48 203.0.113.128/28 203.0.113.41 203.0.113.50 203.0.113.51 " \
    "within: the new entries are in force, the old one is gone"

# ---- 4. the page changes, its addresses do not: no change logged
UPDATED="June 2024" page 203.0.113.50 203.0.113.51
n=$(vl_requests /firewall.html)
kill -HUP "$PH_PID"
vl_wait_requests /firewall.html "$n" 50
vl_expect "list isl-ips: 5 entries from $U/firewall.html (was 5)" \
    "SIGHUP: the page with a new date is fetched and read"
t_eq "$(grep -c 'list isl-ips: new version:' "$VL_ERR")" 2 \
    "within: no change logged for it (2 in all)"
t_eq "$(last_change isl-ips)" \
    "+2 -1 (added 203.0.113.50, 203.0.113.51; removed 203.0.113.40)" \
    "within: /lists/isl-ips still tells the last change"
vl_stop

# ---- 5. within's errors name the file and the line
CONF=$T_DIR/bad.ini
conf "within = 203.0.113.0/24, isl.example"
line=$(grep -n '^within' "$CONF" | cut -d: -f1)
out=$($PINHOLE -t -c "$CONF" 2>&1)
t_eq "$?" 1 "-t: a bad within fails the check"
t_eq "$out" "$CONF:$line: within: \"isl.example\" is not an IP address or CIDR" \
    "-t: ... naming FILE:LINE and the token"
conf "within = 203.0.113.1/24"
out=$($PINHOLE -t -c "$CONF" 2>&1)
t_eq "$out" "$CONF:$line: within: \"203.0.113.1/24\" has host bits set (the network is 203.0.113.0/24)" \
    "-t: host bits in within are named"

t_done
