#!/bin/sh
# More vendor list checks over HTTPS on loopback, beyond lists.sh and
# lists_checks.sh: format = auto on an HTML page and format = json with
# a json_path on an AWS ip-ranges.json body; a self-signed certificate
# with no ca_file; a cache write cut short (*.tmp left by a crash); a
# vendor that stalls while tunnels echo; a 100,000-entry list refreshed
# under open tunnels.  ACL verdicts of documentation addresses are read
# with --explain (it uses the cached lists), so no traffic leaves
# loopback.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_start_dnsmasq --host-record=vendor.test,127.0.0.1
t_ok $? "dnsmasq started"
ports=$(t_free_ports 4) || exit 1
# shellcheck disable=SC2086
set -- $ports
P=$1 VTLS=$2 VPLAIN=$3 ECHO=$4
vl_certs
vl_ok $? "test CA and server certificates made with openssl" \
    "$(cat "$T_DIR/certs.log")"
(
	cd "$T_DIR/certs" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout selfsigned.key -out selfsigned.crt -subj /CN=selfsigned \
	    -days 2 -addext \
	    'subjectAltName=DNS:localhost,DNS:vendor.test,IP:127.0.0.1'
) >>"$T_DIR/certs.log" 2>&1
t_ok $? "a self-signed server certificate made with openssl"
vl_start_vendor
t_ok $? "vendor server listens on 127.0.0.1:$VTLS (TLS) and :$VPLAIN"
t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/vendor_tunnel.py" echo \
    --listen 127.0.0.1 --port "$ECHO" --lifetime 120
ECHO_PID=$T_BG_PID
t_wait_port "$ECHO" 1 100 "$ECHO_PID"
t_ok $? "echo server listens on 127.0.0.1:$ECHO"
U=https://127.0.0.1:$VTLS
CA=$T_DIR/certs/ca.crt

# Round trips through tunnels of pinhole (SOCKS5, vendor_tunnel.py):
#   rt PROXY DEST N GAP: one tunnel, N echoes GAP s apart; prints
#     "rtts MAX-MS OVER200 N" (OVER200: how many took 200 ms or more)
#   hold PROXY DEST K GO: K tunnels, an echo on each every 50 ms until
#     file GO exists (at most 40 s); prints "up" once open, then
#     "alive ROUNDS MAX-MS".  Any failure prints "FAIL ..." (exit 1).
RT=$T_DIR/rt.py
cat >"$RT" <<'EOF'
import os, sys, time
sys.path.insert(0, "tests/tools")
from vendor_tunnel import open_tunnel, echo_once, Refused

def timed(s, msg):
    t = time.monotonic()
    echo_once(s, msg)
    return (time.monotonic() - t) * 1000

def main():
    mode, proxy, dest = sys.argv[1:4]
    try:
        if mode == "rt":
            n, gap = int(sys.argv[4]), float(sys.argv[5])
            s = open_tunnel(proxy, dest, "socks5")
            s.settimeout(5)
            ms = []
            for i in range(n):
                ms.append(timed(s, b"rt %d\n" % i))
                time.sleep(gap)
            s.close()
            print("rtts %d %d %d" % (max(ms), sum(1 for m in ms if m >= 200),
                                     len(ms)))
            print("all: " + " ".join("%.1f" % m for m in ms))
        else:
            k, go = int(sys.argv[4]), sys.argv[5]
            socks = [open_tunnel(proxy, dest, "socks5") for _ in range(k)]
            for s in socks:
                s.settimeout(5)
                echo_once(s, b"hello\n")
            print("up", flush=True)
            worst, rounds = 0.0, 0
            end = time.monotonic() + 40
            while not os.path.exists(go) and time.monotonic() < end:
                for j, s in enumerate(socks):
                    worst = max(worst, timed(s, b"r %d %d\n" % (rounds, j)))
                rounds += 1
                time.sleep(0.05)
            if not os.path.exists(go):
                print("FAIL the go file never came", flush=True)
                sys.exit(1)
            for s in socks:
                s.close()
            print("alive %d %d" % (rounds, worst), flush=True)
    except Refused as e:
        print("FAIL refused %s" % e.args[0], flush=True)
        sys.exit(1)
    except (OSError, EOFError) as e:
        print("FAIL %s" % e, flush=True)
        sys.exit(1)

main()
EOF

# explain_rc ADDR:PORT: the exit status of --explain on $CONF.
explain_rc() {
	$PINHOLE --explain "$1" -c "$CONF" >"$T_DIR/explain.out" \
	    2>"$T_DIR/explain.err"
	echo $?
}
# explain_is ADDR:PORT RC DESCRIPTION: one check.
explain_is() {
	_rc=$(explain_rc "$1")
	t_eq "$_rc" "$2" "$VL_NAME: --explain $1 exits $2: $3"
	[ "$_rc" = "$2" ] || sed 's/^/#   /' "$T_DIR/explain.out" \
	    "$T_DIR/explain.err" | head -n 5
}

# ---- 1. formats over HTTPS: an HTML page (auto), AWS JSON (json_path)
cat >"$VL_WWW/page.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Firewall requirements</title></head>
<body>
<h1>Allow these addresses</h1>
<table class="ips">
<tr><th>Service</th><th>Address</th><th>Port</th></tr>
<tr><td>Gateway</td><td>203.0.113.10</td><td>443</td></tr>
<tr><td>Relays</td><td>203.0.113.128/28</td><td>443</td></tr>
</table>
<p>The API answers at <b>203.0.113.77</b> as well; updated 2024-06-20.</p>
</body></html>
EOF
vl_route /page.html file page.html
cp tests/unit/data/aws-ip-ranges.json "$VL_WWW/ip-ranges.json"
vl_route /ip-ranges.json file ip-ranges.json
VL_CACHE=$T_DIR/cache-fmt
CONF=$T_DIR/fmt.ini
vl_conf "$CONF" "html, aws" <<EOF
[list html]
url = $U/page.html
ca_file = $CA
format = auto
refresh = 1h

[list aws]
url = $U/ip-ranges.json
ca_file = $CA
format = json
json_path = prefixes[?service=EC2&region=us-east-1].ip_prefix
refresh = 1h
EOF
vl_start "$CONF" fmt
vl_expect "list html: 3 entries from $U/page.html" \
    "format = auto takes the 3 addresses and CIDRs of the HTML page"
vl_expect "list aws: 2 entries from $U/ip-ranges.json" \
    "format = json takes the 2 EC2 us-east-1 prefixes"
vl_stop
explain_is 203.0.113.10:443 0 "an address in a table cell of the page"
grep -q '"list":"html"' "$T_DIR/explain.out"
vl_ok $? "fmt: --explain names list html" "$(cat "$T_DIR/explain.out")"
explain_is 203.0.113.77:443 0 "an address in the page's text"
explain_is 203.0.113.140:443 0 "an address in the page's CIDR 203.0.113.128/28"
explain_is 203.0.113.11:443 3 "an address not on the page"
explain_is 203.0.113.144:443 3 "just past the page's CIDR"
explain_is 192.0.2.10:443 0 "an EC2 us-east-1 prefix (192.0.2.0/26)"
grep -q '"list":"aws"' "$T_DIR/explain.out"
vl_ok $? "fmt: --explain names list aws" "$(cat "$T_DIR/explain.out")"
explain_is 192.0.2.70:443 0 "the other EC2 us-east-1 prefix (192.0.2.64/26)"
explain_is 198.51.100.10:443 3 "an S3 us-east-1 prefix"
explain_is 192.0.2.130:443 3 "an EC2 eu-west-1 prefix"
explain_is 198.51.100.130:443 3 "an EC2_INSTANCE_CONNECT prefix"

# ---- 2. a self-signed certificate and no ca_file: refused, not cached
vl_serve /self.txt 203.0.113.20
VL_CACHE=$T_DIR/cache-self
CONF=$T_DIR/self.ini
vl_conf "$CONF" vendor <<EOF
[list vendor]
url = $U/self.txt
refresh = 1s
timeout = 3s
EOF
vl_cert selfsigned
vl_start "$CONF" self
vl_expect "list vendor: fetch failed: TLS: certificate: self.signed certificate" \
    "a self-signed certificate is refused against the system store"
vl_absent "list vendor: [0-9]* entries from" "nothing is taken from it"
vl_stop
vl_cert server
n=0
for _f in "$VL_CACHE"/vendor*; do
	[ -e "$_f" ] && n=$((n + 1))
done
t_eq "$n" 0 "self: no vendor.* file in the cache"
explain_is 203.0.113.20:443 3 "the address of the refused list"
t_eq "$(vl_requests /self.txt)" 0 "self: no request reached the vendor"

# ---- 3. a cache write cut short: *.tmp files left next to the cache
vl_serve /tmp.txt 203.0.113.50 127.0.0.51 198.51.100.200
VL_CACHE=$T_DIR/cache-tmp
CONF=$T_DIR/tmp.ini
vl_conf "$CONF" vendor <<EOF
[list vendor]
url = $U/tmp.txt
ca_file = $CA
refresh = 1s
timeout = 3s
EOF
vl_start "$CONF" tmpw
vl_expect "list vendor: 3 entries from $U/tmp.txt (was 0)" "the first fetch"
vl_stop
cp "$VL_CACHE/vendor.body" "$T_DIR/body.good"
cp "$VL_CACHE/vendor.meta" "$T_DIR/meta.good"
head -c 9 "$T_DIR/body.good" >"$VL_CACHE/vendor.body.tmp"
head -c 30 "$T_DIR/meta.good" >"$VL_CACHE/vendor.meta.tmp"
vl_stop_vendor
vl_start "$CONF" tmpr
vl_expect "list vendor: 3 entries from the cache" \
    "with *.tmp files of a cut write, the old cache loads"
vl_expect "list vendor: fetch failed: " "the vendor is down"
vl_allowed 127.0.0.51 "the cached list serves"
vl_denied 127.0.0.52 "an address not in the cache"
vl_absent "sanitizer\|corrupt" "no corrupt-cache warning"
vl_stop
cmp -s "$VL_CACHE/vendor.body" "$T_DIR/body.good" &&
    cmp -s "$VL_CACHE/vendor.meta" "$T_DIR/meta.good"
t_ok $? "tmpr: vendor.body and vendor.meta are unchanged"
explain_is 203.0.113.50:443 0 "an address of the cached list"
explain_is 203.0.113.51:443 3 "an address not in it"
out=$($PINHOLE -t -c "$CONF" 2>"$T_DIR/t.err" | grep '^list vendor')
case $out in
*'3 entries'*) t_ok 0 "tmpr: -t shows the cached list's 3 entries" ;;
*) t_ok 1 "tmpr: -t shows the cached list's 3 entries"
   echo "#   got: $out $(head -c 300 "$T_DIR/t.err")" ;;
esac
vl_start_vendor
t_ok $? "vendor server started again"

# ---- 4. a stalling vendor does not slow tunnels
vl_route /hang hang
VL_CACHE=$T_DIR/cache-hang
CONF=$T_DIR/hang.ini
vl_conf "$CONF" stall <<EOF
[list stall]
url = $U/hang
ca_file = $CA
refresh = 1s
timeout = 5s

[allow echo]
nets = 127.0.0.1
ports = $ECHO
allow_private = yes
EOF
vl_start "$CONF" hang
vl_wait_requests /hang 0 50
t_ok $? "hang: pinhole's fetch reached the vendor, which never answers"
t0=$(date +%s)
out=$("$T_PY" "$RT" rt "127.0.0.1:$P" "127.0.0.1:$ECHO" 20 0.1 2>&1)
# shellcheck disable=SC2086
set -- $out
[ "$1" = rtts ] && [ "$3" = 0 ] && [ "$4" = 20 ]
vl_ok $? "hang: 20 echo round trips each under 200 ms during the stalled fetch" \
    "$out"
echo "# hang: slowest round trip $2 ms"
vl_absent "list stall: fetch failed" \
    "the fetch was still hanging while they ran"
vl_expect "list stall: fetch failed: .*time" \
    "the stalled fetch fails after its timeout" 1 80
vl_stop
echo "# hang: the fetch took about $(( $(date +%s) - t0 )) s more"

# ---- 5. a 100,000-entry list refreshed under open tunnels
gen() {	# gen SKIP EXTRA...: the list without entries i % 10 == SKIP
	_skip=$1
	shift
	awk -v skip="$_skip" 'BEGIN {
		for (i = 0; i < 100000; i++) {
			if (skip != "" && i % 10 == skip) continue
			printf "100.%d.%d.%d\n", 128 + int(i / 65536),
			    int(i / 256) % 256, i % 256
		}
	}'
	printf '%s\n' "$@"
}
gen "" >"$VL_WWW/big.tmp" && mv "$VL_WWW/big.tmp" "$VL_WWW/big"
vl_route /big file big
VL_CACHE=$T_DIR/cache-big
CONF=$T_DIR/big.ini
vl_conf "$CONF" big <<EOF
[list big]
url = $U/big
ca_file = $CA
refresh = 1s
timeout = 10s

[allow echo]
nets = 127.0.0.1
ports = $ECHO
allow_private = yes
EOF
vl_start "$CONF" big
vl_expect "list big: 100000 entries from $U/big (was 0)" \
    "the 100,000-entry list is taken" 1 150
explain_is 100.129.134.159:443 0 "the last entry of version 1"
explain_is 198.51.100.99:443 3 "not in version 1"
GO=$T_DIR/big.go
t_bg "$T_DIR/hold.out" "$T_PY" "$RT" hold "127.0.0.1:$P" "127.0.0.1:$ECHO" \
    3 "$GO"
HOLD_PID=$T_BG_PID
t_wait_grep "$T_DIR/hold.out" '^up' 1 50
vl_ok $? "big: 3 tunnels to the echo server are open" \
    "$(cat "$T_DIR/hold.out" "$T_DIR/hold.out.err")"
gen 0 198.51.100.99 >"$VL_WWW/big.tmp" && mv "$VL_WWW/big.tmp" "$VL_WWW/big"
vl_expect "list big: 90001 entries from $U/big (was 100000)" \
    "a refresh takes version 2 (10% fewer, one new) and logs its count" 1 150
i=0
while [ $i -lt 50 ] && [ "$(vl_meta big entries)" != 90001 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_eq "$(vl_meta big entries)" 90001 "big: the cache holds version 2"
explain_is 198.51.100.99:443 0 "the entry only in version 2"
explain_is 100.128.0.0:443 3 "an entry dropped in version 2"
explain_is 100.128.0.1:443 0 "an entry kept in version 2"
gen 5 198.51.100.99 198.51.100.98 >"$VL_WWW/big.tmp" &&
    mv "$VL_WWW/big.tmp" "$VL_WWW/big"
vl_expect "list big: 90002 entries from $U/big (was 90001)" \
    "another refresh takes version 3" 1 150
touch "$GO"
t_wait_exit "$HOLD_PID" 100
t_eq "$T_RC" 0 "big: the tunnel holder ends well"
out=$(cat "$T_DIR/hold.out")
# shellcheck disable=SC2046
set -- $(grep '^alive' "$T_DIR/hold.out")
[ "${1:-}" = alive ] && [ "${2:-0}" -ge 5 ]
vl_ok $? "big: the 3 tunnels kept echoing across both refreshes" "$out"
echo "# big: ${2:-?} rounds of echoes, slowest ${3:-?} ms"
[ "${3:-99999}" -lt 1000 ]
vl_ok $? "big: no echo took a second or more during the refreshes" "$out"
vl_stop

t_done
