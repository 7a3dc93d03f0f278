#!/bin/sh
# Vendor lists fetched over HTTPS from a real server on loopback
# (tests/tools/vendor_server.py, a test CA made with openssl): the
# first fetch and the cache, a restart with the vendor down,
# conditional GET, certificate problems, http://, redirects, and a
# vendor that misbehaves (status 500, too big, silent, garbage, huge
# head, endless body, reset) while the proxy keeps serving.
# Validation, corrupt caches and revoke_on_reload: lists_checks.sh.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_start_dnsmasq --host-record=vendor.test,127.0.0.1
t_ok $? "dnsmasq started"
# after dnsmasq, which listens on TCP at its port too
ports=$(t_free_ports 3) || exit 1
# shellcheck disable=SC2086
set -- $ports
P=$1 VTLS=$2 VPLAIN=$3
vl_certs
vl_ok $? "test CA and server certificates made with openssl" \
    "$(cat "$T_DIR/certs.log")"
vl_start_vendor
t_ok $? "vendor server listens on 127.0.0.1:$VTLS (TLS) and :$VPLAIN"
U=https://127.0.0.1:$VTLS
CA=$T_DIR/certs/ca.crt
CACHE=$T_DIR/cache

# ---- first fetch, with no cache: entries in force, cache written
vl_serve /list.txt 127.0.0.11 127.0.0.14 '# two addresses'
CONF=$T_DIR/first.ini
vl_conf "$CONF" vendor <<EOF
[list vendor]
url = $U/list.txt
ca_file = $CA
refresh = 1s
EOF
vl_start "$CONF" first
vl_expect "list vendor: 2 entries from $U/list.txt (was 0)" \
    "the first fetch at start puts the list in force"
vl_allowed 127.0.0.11 "a listed address passes the ACL"
vl_allowed 127.0.0.14 "the other listed address passes the ACL"
vl_denied 127.0.0.13 "an address not on the list"
vl_wait_meta vendor entries 2
test -s "$CACHE/vendor.body" && test -s "$CACHE/vendor.meta"
t_ok $? "first: the cache holds vendor.body and vendor.meta"
cmp -s "$CACHE/vendor.body" "$VL_WWW/_list.txt"
t_ok $? "first: vendor.body is the body as fetched"
t_eq "$(vl_meta vendor url)" "$U/list.txt" "first: the meta names the url"
sha=$(sha256sum "$VL_WWW/_list.txt" | cut -d' ' -f1)
t_eq "$(vl_meta vendor sha256)" "$sha" "first: the meta holds the body's SHA-256"
t_eq "$(vl_meta vendor entries)" 2 "first: the meta counts 2 entries"
age=$(( $(date +%s) - $(vl_meta vendor fetched_at) ))
[ "$age" -ge 0 ] && [ "$age" -le 30 ]
t_ok $? "first: the meta's fetched_at is now (age $age s)"
etag=\"$(printf '%s' "$sha" | cut -c1-16)\"
t_eq "$(vl_meta vendor etag)" "$etag" "first: the meta keeps the vendor's ETag"
# SPEC "Command line": --explain and -t use the cached lists.
out=$($PINHOLE --explain 127.0.0.11:443 -c "$CONF" 2>"$T_DIR/err")
t_eq "$?" 0 "--explain allows an address of the cached url list"
case $out in
*'"list":"vendor","entry":"127.0.0.11"'*) t_ok 0 "--explain names the cached list and entry" ;;
*) t_ok 1 "--explain names the cached list and entry"
   echo "#   got: $out" ;;
esac
out=$($PINHOLE -t -c "$CONF" 2>/dev/null | grep '^list vendor')
case $out in
*'2 entries'*) t_ok 0 "-t counts the cached list's entries" ;;
*) t_ok 1 "-t counts the cached list's entries"; echo "#   got: $out" ;;
esac

# ---- conditional GET: 304 is "not modified"; then a change is taken
vl_expect "list vendor: not modified" "an unchanged list is a 304, logged"
inm=$(grep -cF "\"if_none_match\": \"\\\"$(printf '%s' "$sha" | cut -c1-16)\\\"\"" "$VL_LOG")
[ "$inm" -ge 1 ]
t_ok $? "the refresh sent If-None-Match with the ETag ($inm times)"
grep -q '"path": "/list.txt".*"if_modified_since": "[A-Z][a-z][a-z], ' "$VL_LOG"
t_ok $? "the refresh sent If-Modified-Since"
vl_serve /list.txt 127.0.0.11 127.0.0.14 127.0.0.17
vl_expect "list vendor: 3 entries from $U/list.txt (was 2)" \
    "a refresh picks up a changed list"
vl_allowed 127.0.0.17 "the new address is in force"
vl_wait_meta vendor entries 3
t_eq "$(vl_meta vendor entries)" 3 "first: the cache holds the new version"
vl_stop
cp -r "$CACHE" "$T_DIR/cache-good"

# ---- restart with the vendor down: served from the cache at once
vl_stop_vendor
vl_start "$CONF" down
t_eq "$(vl_code 127.0.0.17)" socks5:5 \
    "down: right after start a cached address passes the ACL"
vl_expect "list vendor: 3 entries from the cache, fetched" \
    "the list is loaded from the cache"
vl_expect "list vendor: fetch failed: .*keeping the last good version (3 entries)" \
    "the unreachable vendor is logged, the cached version kept"
# SPEC "Bad input and faults": a clear log line for an unreachable vendor
out=$(grep -m 1 'list vendor: fetch failed:' "$VL_ERR")
echo "$out" | grep -qi 'refused\|connect'
vl_ok $? "down: the failure says the connection was refused" "got: $out"
vl_allowed 127.0.0.11 "after the failed fetch"
vl_denied 127.0.0.13 "after the failed fetch"
vl_stop
vl_start_vendor
t_ok $? "vendor server started again"

# ---- certificates: name in the URL through [dns]; bad certificates
vl_serve /cert.txt 127.0.0.21 127.0.0.23
VL_CACHE=$T_DIR/cache-cert
CONF=$T_DIR/cert.ini
vl_conf "$CONF" vendor <<EOF
[list vendor]
url = https://vendor.test:$VTLS/cert.txt
ca_file = $CA
refresh = 1s
timeout = 3s
EOF
vl_start "$CONF" cert
vl_expect "list vendor: 2 entries from https://vendor.test:$VTLS/cert.txt" \
    "a name in the URL is resolved through [dns] and its certificate verified"
grep -qi 'query\[A\] vendor.test from 127.0.0.1' "$T_DIR/dns.log"
t_ok $? "cert: vendor.test was looked up through [dns] servers"
n=$(grep -c 'keeping the last good version (2 entries)' "$VL_ERR")
for c in 'other:unable to get local issuer certificate' \
    'expired:certificate has expired' 'wrong:hostname mismatch' \
    'cnonly:hostname mismatch'; do
	seen=$(grep -c "fetch failed: TLS: certificate: ${c#*:}" "$VL_ERR")
	vl_cert "${c%%:*}"
	vl_expect "list vendor: fetch failed: TLS: certificate: ${c#*:}" \
	    "a ${c%%:*} certificate fails with its reason" $((seen + 1))
	vl_allowed 127.0.0.21 "the old version is kept (${c%%:*} certificate)"
done
n2=$(grep -c 'keeping the last good version (2 entries)' "$VL_ERR")
[ "$n2" -ge $((n + 4)) ]
t_ok $? "cert: each refused certificate keeps the last good version"
vl_cert server
vl_stop
VL_CACHE=

# ---- http:// only with allow_http = yes
CONF=$T_DIR/http.ini
vl_conf "$CONF" vendor <<EOF
[list vendor]
url = http://127.0.0.1:$VPLAIN/list.txt
refresh = 1h
EOF
line=$(grep -n '^url = http:' "$CONF" | cut -d: -f1)
out=$($PINHOLE -t -c "$CONF" 2>"$T_DIR/err")
t_eq "$?" 1 "-t refuses an http:// url without allow_http"
t_eq "$(cat "$T_DIR/err")" "$CONF:$line: url: http:// needs allow_http = yes" \
    "-t names the url line"
echo "allow_http = yes" >>"$CONF"
$PINHOLE -t -c "$CONF" >/dev/null 2>"$T_DIR/err"
t_eq "$?" 0 "-t accepts an http:// url with allow_http = yes"

# ---- redirects; http:// with allow_http; a name from hosts_file
printf '127.0.0.1 localhost\n' >"$T_DIR/hosts"
VL_HOSTS=$T_DIR/hosts
VL_CACHE=$T_DIR/cache-redir
L=https://localhost:$VTLS
vl_serve /rd/t1 127.0.0.31
vl_serve /rd/t2 127.0.0.33
vl_serve /rd/t3 127.0.0.35
vl_serve /rd/t4 127.0.0.37
vl_serve /rd/t5 127.0.0.39
vl_serve /rd/plain 127.0.0.41
vl_route /rd/one redirect 302 /rd/t1
vl_route /rd/abs redirect 301 "$L/rd/t2"
vl_route /rd/tohttp redirect 302 "http://127.0.0.1:$VPLAIN/rd/t3"
vl_route /rd/f1 redirect 302 /rd/f2
vl_route /rd/f2 redirect 302 /rd/f3
vl_route /rd/f3 redirect 302 /rd/f4
vl_route /rd/f4 redirect 302 /rd/t4
vl_route /rd/g1 redirect 307 /rd/g2
vl_route /rd/g2 redirect 308 /rd/g3
vl_route /rd/g3 redirect 303 /rd/t5
vl_route /rd/loopa redirect 302 /rd/loopb
vl_route /rd/loopb redirect 302 /rd/loopa
CONF=$T_DIR/redir.ini
{
	for l in one abs tohttp four:f1 three:g1 loop:loopa; do
		printf '[list %s]\nurl = %s/rd/%s\nca_file = %s\nrefresh = 1h\n\n' \
		    "${l%%:*}" "$L" "${l#*:}" "$CA"
	done
	printf '[list plain]\nurl = http://127.0.0.1:%s/rd/plain\n' "$VPLAIN"
	printf 'allow_http = yes\nrefresh = 1h\n'
} | vl_conf "$CONF" "one, abs, tohttp, four, three, loop, plain"
vl_start "$CONF" redir
vl_expect "list one: 1 entries from $L/rd/one" \
    "a relative redirect is followed (https://localhost from hosts_file)"
vl_expect "list abs: 1 entries from $L/rd/abs" "an absolute 301 is followed"
vl_expect "list three: 1 entries from $L/rd/g1" \
    "a chain of 3 redirects (307, 308, 303) is followed"
vl_expect "list tohttp: fetch failed: redirect from https to http refused" \
    "a redirect from https to http is refused"
vl_expect "list four: fetch failed: more than 3 redirects" \
    "a chain of 4 redirects is refused"
vl_expect "list loop: fetch failed: more than 3 redirects" \
    "a redirect loop is refused"
vl_expect "list plain: 1 entries from http://127.0.0.1:$VPLAIN/rd/plain" \
    "an http:// list is fetched with allow_http = yes"
vl_allowed 127.0.0.31 "list one"
vl_allowed 127.0.0.33 "list abs"
vl_allowed 127.0.0.39 "list three"
vl_allowed 127.0.0.41 "list plain"
vl_denied 127.0.0.35 "list tohttp"
vl_denied 127.0.0.37 "list four"
t_eq "$(vl_requests /rd/t3)" 0 "redir: the http:// target was never asked"
t_eq "$(vl_requests /rd/t4)" 0 "redir: the 5th hop was never asked"
vl_stop
VL_HOSTS=
VL_CACHE=

# ---- a misbehaving vendor: nine lists, each with a good version first;
# then each path goes bad in its own way.  The old versions stay,
# pinhole keeps serving, nothing leaks or crashes.
VL_CACHE=$T_DIR/cache-faults
FAULTS="s500 big exact hang garbage headers chunked reset alert"
{
	echo 127.0.0.55
	printf '#%.0s' $(seq 1012)
	echo
} >"$VL_WWW/exact1"	# 1024 bytes: exactly max_bytes
{ cat "$VL_WWW/exact1"; echo; } >"$VL_WWW/exact2"
i=51
for l in $FAULTS; do
	vl_serve "/f/$l" "127.0.0.$i"
	i=$((i + 2))
	printf '[list %s]\nurl = %s/f/%s\nca_file = %s\nrefresh = 2s\n' \
	    "$l" "$U" "$l" "$CA"
	printf 'timeout = 2s\nmax_bytes = 1k\n\n'
done | vl_conf "$T_DIR/faults.ini" "$(echo "$FAULTS" | sed 's/ /, /g')"
vl_route /f/exact file exact1
vl_start "$T_DIR/faults.ini" faults
for l in $FAULTS; do
	vl_expect "list $l: 1 entries from $U/f/$l (was 0)" \
	    "list $l has its first version"
done
t_eq "$(wc -c <"$VL_WWW/exact1")" 1024 "a body of exactly max_bytes (1k) ..."
vl_allowed 127.0.0.55 "... is accepted"
hang0=$(vl_requests /f/hang)
vl_route /f/s500 status 500
vl_route /f/big big 5000
vl_route /f/exact file exact2
vl_route /f/hang hang
vl_route /f/garbage garbage
vl_route /f/headers headers 10000000
vl_route /f/chunked chunked
vl_route /f/reset reset 800
vl_route /f/alert alert 800
vl_wait_requests /f/hang "$hang0" 40
t_ok $? "faults: the silent vendor got its request"
h=$(vl_health)
t_eq "${h%% *}" 200 "faults: /healthz answers 200 during the hung fetch"
awk -v t="${h#* }" 'BEGIN { exit !(t < 1.0) }'
t_ok $? "faults: ... at once (${h#* } s)"
vl_allowed 127.0.0.57 "during the hung fetch"
vl_expect "list s500: fetch failed: HTTP status 500" "status 500 is a failure"
vl_expect "list big: fetch failed: body over max_bytes" \
    "a body over max_bytes is a failure"
vl_expect "list exact: fetch failed: body over max_bytes" \
    "a body of max_bytes + 1 is a failure"
vl_expect "list garbage: new version refused: no entries" \
    "a body that holds no entry is refused"
vl_expect "list headers: fetch failed: " "10 MB of headers is a failure"
vl_expect "list chunked: fetch failed: " "an endless chunked body is a failure"
vl_expect "list reset: fetch failed: " "a reset mid-body is a failure"
vl_expect "list alert: fetch failed: " "a TLS close_notify mid-body is a failure"
vl_expect "list hang: fetch failed: timed out" \
    "a vendor that never answers times out (timeout = 2s)"
n=0
for l in $FAULTS; do
	grep -q "list $l: .*keeping the last good version (1 entries)" \
	    "$VL_ERR" && n=$((n + 1))
done
t_eq "$n" 9 "faults: all 9 lists say they keep the last good version"
i=51
for l in $FAULTS; do
	vl_allowed "127.0.0.$i" "list $l keeps its old version"
	i=$((i + 2))
done
t_gone "$PH_PID"
t_ok $((1 - $?)) "faults: pinhole is still running"
t_eq "$(sed -n 's/^entries //p' "$VL_CACHE/exact.meta")" 1 \
    "faults: a failed version does not replace the cache"
cmp -s "$VL_CACHE/exact.body" "$VL_WWW/exact1"
t_ok $? "faults: the cached body is still the good one"
vl_stop
VL_CACHE=

# ---- the same verdicts through HTTP CONNECT (the checks above use
# SOCKS5): 502 for a list address (nothing listens), 403 for another.
vl_start "$T_DIR/first.ini" connect
t_eq "$(VIA=connect vl_code 127.0.0.11)" 502 \
    "connect: CONNECT to a list address passes the ACL"
t_eq "$(VIA=connect vl_code 127.0.0.13)" 403 \
    "connect: CONNECT to another address is 403"
vl_stop

vl_stop_vendor
t_done
