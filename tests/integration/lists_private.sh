#!/bin/sh
# A list fetch never connects to the denied ranges (SSRF from the proxy's
# host) unless the list says fetch_private = yes: the URL's host, an IP
# literal (IPv4, IPv6, IPv4-mapped) or a name resolved through [dns], and
# every redirect, are checked as a client's destination is.  A refused
# fetch connects nowhere (the vendor server sees no request), is logged
# with the address and the reason, counted in /metrics and shown in
# /status.  fetch_private = yes lifts the private ranges, never [acl]
# deny, and then the fetch works (by name too: SNI and the certificate
# check keep the name while the checked address is connected to).
# Last, a symlink planted at the cache's temp name is not followed.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_start_dnsmasq --host-record=vendor.test,127.0.0.1 \
    --host-record=deny.test,127.0.0.2
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
VL_DENY_PRIVATE=yes
VL_CACHE=$T_DIR/cache
CONF=$T_DIR/private.ini
MIRROR="fetch_private = yes allows a mirror inside the network"

for l in lit name mapped v6 ok okname okredir; do
	vl_serve "/$l.txt" 203.0.113.7
done
vl_serve /hopped.txt 203.0.113.7
vl_route /hop redirect 302 "https://127.0.0.2:$VTLS/hopped.txt"
vl_route /hopname redirect 302 "https://deny.test:$VTLS/hopped.txt"
vl_route /r1 redirect 302 "https://vendor.test:$VTLS/okredir.txt"

# section NAME URL [LINE...]
section() {
	printf '[list %s]\nurl = %s\nca_file = %s\nrefresh = 1h\n' "$1" "$2" \
	    "$CA"
	shift 2
	for _l in "$@"; do
		echo "$_l"
	done
	echo
}

{
	section lit "$U/lit.txt"
	section name "https://vendor.test:$VTLS/name.txt"
	section mapped "https://[::ffff:127.0.0.1]:$VTLS/mapped.txt"
	section v6 "https://[::1]:$VTLS/v6.txt"
	section hop "$U/hop" "fetch_private = yes"
	section hopname "$U/hopname" "fetch_private = yes"
	section ok "$U/ok.txt" "fetch_private = yes"
	section okname "https://vendor.test:$VTLS/okname.txt" \
	    "fetch_private = yes"
	section okredir "$U/r1" "fetch_private = yes"
	section nx "https://nx.test:$VTLS/nx.txt" "fetch_private = yes"
} | vl_conf "$CONF" "lit, name, mapped, v6, hop, hopname, ok, okname, okredir, nx" \
    "deny = 127.0.0.2/32"

# The symlink at the temp name of list ok's cache body, to a file outside.
mkdir -p "$VL_CACHE"
echo "outside the cache" >"$T_DIR/outside.txt"
ln -s "$T_DIR/outside.txt" "$VL_CACHE/ok.body.tmp"

vl_start "$CONF" private
t_wait_port "$ADMIN" 1 100 "$PH_PID"

# ---- without fetch_private: refused, logged, nothing connected to
vl_expect "list lit: fetch failed: refused to connect to 127.0.0.1 for $U/lit.txt (private_address; $MIRROR)" \
    "an IP literal URL in the private ranges is refused, and the log says why"
vl_expect "list name: fetch failed: refused to connect to 127.0.0.1 for https://vendor.test:$VTLS/name.txt (private_address; $MIRROR)" \
    "a name that resolves into the private ranges is refused"
vl_expect "list mapped: fetch failed: refused to connect to 127.0.0.1 for https://\[::ffff:127.0.0.1\]:$VTLS/mapped.txt (private_address; " \
    "an IPv4-mapped IPv6 literal is checked as its IPv4 address"
vl_expect "list v6: fetch failed: refused to connect to ::1 for https://\[::1\]:$VTLS/v6.txt (private_address; " \
    "the IPv6 loopback is refused"

# ---- with fetch_private: a redirect into [acl] deny is still refused
vl_expect "list hop: fetch failed: refused to connect to 127.0.0.2 for https://127.0.0.2:$VTLS/hopped.txt (denied_address, \[acl\] deny)" \
    "a redirect to an address in [acl] deny is refused (fetch_private does not lift it)"
vl_expect "list hopname: fetch failed: refused to connect to 127.0.0.2 for https://deny.test:$VTLS/hopped.txt (denied_address, " \
    "a redirect to a name that resolves into [acl] deny is refused"
t_eq "$(vl_requests /hop)" 1 "the first hop of hop was fetched (127.0.0.1, fetch_private)"

# ---- with fetch_private: the fetches work
vl_expect "list ok: 1 entries from $U/ok.txt (was 0)" \
    "fetch_private = yes: an IP literal in the private ranges is fetched"
vl_expect "list okname: 1 entries from https://vendor.test:$VTLS/okname.txt (was 0)" \
    "fetch_private = yes: a name is resolved, its address connected to, the certificate checked for the name"
vl_expect "list okredir: 1 entries from $U/r1 (was 0)" \
    "fetch_private = yes: a redirect to a name is followed"
vl_expect "list nx: fetch failed: the name nx.test did not resolve (no address from \[dns\]);" \
    "a name with no address fails the fetch, and the log says so"

for l in lit name mapped v6; do
	t_eq "$(vl_requests "/$l.txt")" 0 "$l: the vendor saw no request"
done
t_eq "$(vl_requests /hopped.txt)" 0 "hop, hopname: the redirect target saw no request"

metric() {	# metric LIST KIND
	curl -s --max-time 5 "http://127.0.0.1:$ADMIN/metrics" |
	    sed -n "s/^pinhole_list_failures_total{list=\"$1\",kind=\"$2\"} //p"
}
t_eq "$(metric lit failed)" 1 "lit: the refused fetch is counted in /metrics"
t_eq "$(metric hop failed)" 1 "hop: the refused redirect is counted in /metrics"
t_eq "$(metric ok failed)" 0 "ok: no failure counted"
case $(curl -s --max-time 5 "http://127.0.0.1:$ADMIN/status") in
*'"name":"lit",'*'"entries":0,'*'"last_error":"refused to connect to 127.0.0.1 for '*)
	t_ok 0 "/status: lit's last_error names the refusal" ;;
*) t_ok 1 "/status: lit's last_error names the refusal"
   curl -s --max-time 5 "http://127.0.0.1:$ADMIN/status" | sed 's/^/#   /' ;;
esac

# ---- the cache write did not follow the planted symlink
t_eq "$(cat "$T_DIR/outside.txt")" "outside the cache" \
    "the file the planted symlink points at is unchanged"
cmp -s "$VL_CACHE/ok.body" "$VL_WWW/_ok.txt"
t_ok $? "ok.body in the cache is the body as fetched"
test ! -L "$VL_CACHE/ok.body" && test ! -e "$VL_CACHE/ok.body.tmp"
t_ok $? "ok.body is a file of its own, no temp file is left"
vl_stop

t_done
