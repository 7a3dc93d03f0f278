#!/bin/sh
# The seed systems of conf/pinhole.ini, as their real clients reach them
# (names and ports from the vendors' firewall guides), through pinhole
# on the shipped config: ISL Light (CONNECT to *.islonline.net on 7615,
# 80, 443), NetSupport (its gateway on 443 and 3085), Onsight Connect
# (HTTPS to *.librestream.com, SIP on 5060-5061 to the published
# ranges), Apple push (N-courier.push.apple.com on 5223, 2197, 443) and
# the backup agent (SOCKS to its subnets on 16384).  The names are
# pinned by dnsmasq to a loopback address of this run's own (127.X.Y.2:
# the vendors' ports are fixed, so two runs at once must not share an
# address), where echo servers listen on those
# ports, so the test config differs from the shipped one only in where
# it listens and logs, its DNS server, and deny_private = no (loopback
# is private); the SIP list gains that address for the same reason.
. tests/integration/lib.sh

VENDOR=127.$(($$ % 250 + 1)).$(($$ / 250 % 250 + 1)).2
t_proxy_dnsmasq \
    --host-record=www.islonline.net,$VENDOR \
    --host-record=islonline.net,$VENDOR \
    --host-record=gateway.netsupport.example,$VENDOR \
    --host-record=eu.librestream.com,$VENDOR \
    --host-record=onsight.librestreamtech.cn,$VENDOR \
    --host-record=sip1.onsight-sip.test,$VENDOR \
    --host-record=1-courier.push.apple.com,$VENDOR \
    --host-record=api.push.apple.com,$VENDOR \
    --host-record=evilislonline.net,$VENDOR
t_okd $? "dnsmasq started" "$(cat "$T_DIR/dnsmasq.err" 2>/dev/null)" ||
    { t_done; exit 1; }

PORTS="7615 80 443 3085 5060 5061 5223 2197"
for port in $PORTS; do
	t_bg "$T_DIR/echo-$port.out" "$T_PY" "$T_TOOLS/echo_server.py" \
	    --port "$port" --listen "$VENDOR"
	t_wait_port "$port" 1 100 "$T_BG_PID" ||
	    echo "# echo server on $VENDOR:$port did not start"
done
P=$(t_free_ports 1)

mkdir -p "$T_DIR/conf"
cp -r conf/lists "$T_DIR/conf/lists"
echo "$VENDOR" >>"$T_DIR/conf/lists/onsight.txt"
sed -e "s/^listen = 127.0.0.1:3128\$/listen = 127.0.0.1:$P/" \
    -e 's/^deny_private = yes$/deny_private = no/' \
    -e "s/^servers =.*/servers = 127.0.0.1:$DNS_PORT/" \
    -e 's/^hosts_file =.*/hosts_file =/' \
    -e "s|^access = stderr\$|access = $T_DIR/flows.jsonl|" \
    -e "s|^dir = ../var/cache\$|dir = $T_DIR/cache|" \
    -e 's/^workers = auto$/workers = 1/' \
    -e 's/^listen = 127.0.0.1:9090$/listen =/' \
    conf/pinhole.ini >"$T_DIR/conf/pinhole.ini"
CONF=$T_DIR/conf/pinhole.ini
t_eq "$(diff conf/pinhole.ini "$CONF" | grep -c '^>')" 8 \
    "the test config differs from conf/pinhole.ini in 8 lines"
t_start_pinhole "$CONF" "$T_DIR/seeds.err" "$P" 1
t_okd $? "pinhole started on the shipped config" \
    "$(tail -n 5 "$T_DIR/seeds.err")" || { t_done; exit 1; }

# tunnel NAME PORT: the CONNECT status line and the echo of "ping".
tunnel() {
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 3 127.0.0.1 "$P" \
	    "esc:CONNECT $1:$2 HTTP/1.1\r\nHost: $1:$2\r\n\r\n" head \
	    "esc:ping" read:4 2>/dev/null | tr -d '\r' | tr '\n' ' '
}
OK="HTTP/1.1 200 Connection established  ping"
NO="HTTP/1.1 403 Forbidden"
allowed() {	# SYSTEM NAME PORT
	t_eq "$(tunnel "$2" "$3")" "$OK" "$1: CONNECT $2:$3 is relayed"
}
refused() {	# SYSTEM NAME PORT
	got=$(tunnel "$2" "$3")
	case $got in
	"$NO"*) t_ok 0 "$1: CONNECT $2:$3 is refused" ;;
	*) t_okd 1 "$1: CONNECT $2:$3 is refused" "$got" ;;
	esac
}

for port in 7615 80 443; do
	allowed "ISL Online" www.islonline.net "$port"
done
allowed "ISL Online" islonline.net 7615
refused "ISL Online" www.islonline.net 3085
refused "ISL Online" evilislonline.net 7615
for port in 443 3085; do
	allowed NetSupport gateway.netsupport.example "$port"
done
allowed "Onsight web" eu.librestream.com 443
allowed "Onsight web" onsight.librestreamtech.cn 443
refused "Onsight web" eu.librestream.com 80
allowed "Onsight SIP" sip1.onsight-sip.test 5060
allowed "Onsight SIP" sip1.onsight-sip.test 5061
for port in 5223 2197 443; do
	allowed "Apple push" 1-courier.push.apple.com "$port"
done
allowed "Apple push" api.push.apple.com 443
refused "Apple push" 1-courier.push.apple.com 80

# The backup agent connects by IP literal through SOCKS; its subnets are
# not on loopback, so --explain gives the verdict the proxy would.
for ip in 204.164.111.5 140.239.229.62; do
	out=$($PINHOLE --explain "$ip:16384" --client 10.1.2.3 --proto socks5 \
	    -c "$CONF" 2>&1)
	t_eq "$?" 0 "backup: --explain $ip:16384 from 10.1.2.3 allows"
done
$PINHOLE --explain 204.164.111.64:16384 --client 10.1.2.3 -c "$CONF" \
    >/dev/null 2>&1
t_eq "$?" 3 "backup: 204.164.111.64, outside the /26, is refused"

# The PAC file sends the seed systems' names to pinhole, not DIRECT.
curl -s "http://127.0.0.1:$P/proxy.pac" >"$T_DIR/pac" 2>/dev/null
for name in islonline.net librestream.com push.apple.com; do
	grep -q "$name" "$T_DIR/pac"
	t_ok $? "the PAC file names $name"
done
t_stop_pinhole "$PH_PID" "$T_DIR/seeds.err" "seeds"
t_done
