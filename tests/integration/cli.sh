#!/bin/sh
# The offline verbs: -V, -t and --explain, on conf/pinhole.ini and on
# broken configs, with names resolved by a real dnsmasq on loopback.
. tests/integration/lib.sh

# ---- -V
out=$($PINHOLE -V)
t_eq "$?" 0 "-V exits 0"
t_eq "$(echo "$out" | head -n 1)" "pinhole 0.1.0" "-V names pinhole's version"
echo "$out" | grep -q '^libevent 2\.' ; t_ok $? "-V names libevent"
echo "$out" | grep -q '^OpenSSL 3\.' ; t_ok $? "-V names OpenSSL"
echo "$out" | grep -q '^libpcap version' ; t_ok $? "-V names libpcap"
echo "$out" | grep -q '^inih r[0-9]' ; t_ok $? "-V names inih"

# ---- -t on the example config
out=$($PINHOLE -t -c conf/pinhole.ini 2>"$T_DIR/err")
t_eq "$?" 0 "-t accepts conf/pinhole.ini"
t_eq "$(cat "$T_DIR/err")" "" "-t prints no warning for conf/pinhole.ini"
t_eq "$(echo "$out" | grep '^listen')" "listen 127.0.0.1:3128" "-t lists the listener"
t_eq "$(echo "$out" | grep '^rule isl-online')" \
    "rule isl-online: ports 80, 443, 7615; 2 host patterns, 0 nets; lists isl-ips" \
    "-t sums up a rule"
t_eq "$(echo "$out" | grep '^rule backup')" \
    "rule backup: ports 16384; 0 host patterns, 2 nets; 5 client ranges" \
    "-t sums up a rule with clients"
t_eq "$(echo "$out" | grep '^list onsight-ips')" \
    "list onsight-ips: file conf/lists/onsight.txt, format text; 3 entries" \
    "-t counts a file list's entries"
t_eq "$(echo "$out" | grep -c '^rule ')" 7 "-t lists the 7 rules"

# ---- -t on broken configs: exit 1 and FILE:LINE: message
check_bad() {	# check_bad WANT-MESSAGE CONFIG-TEXT
	printf '%b' "$2" >"$T_DIR/bad.ini"
	out=$($PINHOLE -t -c "$T_DIR/bad.ini" 2>"$T_DIR/err")
	rc=$?
	t_eq "$rc" 1 "-t exits 1: $1"
	t_eq "$(cat "$T_DIR/err")" "$T_DIR/bad.ini:$1" "-t says where: $1"
	t_eq "$out" "" "-t prints no summary: $1"
}
check_bad '3: unknown key colour in [proxy]' \
    '[proxy]\nlisten = 127.0.0.1:3128\ncolour = blue\n'
check_bad '1: unknown section [proxies]' '[proxies]\n'
check_bad '4: [allow web] has no ports' \
    '[acl]\ndeny_private = yes\n\n[allow web]\nhosts = a.com\n'
check_bad '2: ports: "0" is not a port (1-65535) or a range of ports' \
    '[allow web]\nports = 0\nhosts = a.com\n'
check_bad '3: nets: "10.0.0.0/33" is not an IP address or CIDR' \
    '[allow web]\nports = 443\nnets = 10.0.0.0/33\n'
check_bad '2: hosts: "*.a..com" is not a name or a pattern (name, *.name or .name)' \
    '[allow web]\nhosts = *.a..com\nports = 443\n'
check_bad '2: handshake_timeout: "10" is not a duration (ms, s, m, h, d) from 100ms to 1h' \
    '[proxy]\nhandshake_timeout = 10\n'
rm -f "$T_DIR/bad.ini"
out=$($PINHOLE -t -c "$T_DIR/bad.ini" 2>&1)
t_eq "$out" "$T_DIR/bad.ini:0: cannot open: No such file or directory" \
    "-t names a missing config file"

# ---- -t with a list file that cannot be read: a warning, not an error
printf '[allow a]\nlists = l\nports = 443\n[list l]\nfile = missing.txt\n' \
    >"$T_DIR/warn.ini"
out=$($PINHOLE -t -c "$T_DIR/warn.ini" 2>"$T_DIR/err")
t_eq "$?" 0 "-t exits 0 when a list file is missing"
t_eq "$(cat "$T_DIR/err")" \
    "$T_DIR/missing.txt: warning: list l: cannot open: No such file or directory" \
    "-t warns FILE: warning: about the list file"

# ---- a list file of exactly max_bytes is read; one byte more is not
printf '[allow a]\nlists = l\nports = 443\n[list l]\nfile = size.txt\nmax_bytes = 1024\n' \
    >"$T_DIR/size.ini"
{ printf '#'; head -c 1013 /dev/zero | tr '\0' x; printf '\n192.0.2.1\n'; } \
    >"$T_DIR/size.txt"
t_eq "$(wc -c <"$T_DIR/size.txt")" 1025 "a list file of 1025 bytes ..."
out=$($PINHOLE -t -c "$T_DIR/size.ini" 2>"$T_DIR/err")
t_eq "$(cat "$T_DIR/err")" \
    "$T_DIR/size.txt: warning: list l: larger than max_bytes (1024)" \
    "... is refused with max_bytes = 1024"
sed -i 's/max_bytes = 1024/max_bytes = 1025/' "$T_DIR/size.ini"
out=$($PINHOLE -t -c "$T_DIR/size.ini" 2>"$T_DIR/err")
t_eq "$(cat "$T_DIR/err"):$(printf '%s\n' "$out" | grep -c 'format text; 1 entries')" ":1" \
    "... and read whole (1 entry) with max_bytes = 1025"

# ---- --explain on conf/pinhole.ini, names from dnsmasq
t_start_dnsmasq \
    --host-record=www.islonline.net,203.0.113.10 \
    --host-record=islonline.net,203.0.113.11 \
    --host-record=rebind.islonline.net,10.0.0.5 \
    --host-record=dual.islonline.net,10.0.0.6,2001:db8:15::6 \
    --host-record=gateway.netsupport.example,198.51.100.200 \
    --host-record=eu.librestream.com,93.184.216.34 \
    --host-record=sip.librestream.com,198.51.100.40 \
    --host-record=sip.example.net,198.51.100.70 \
    --host-record=voip.example.net,93.184.216.34 \
    --address=/nx.islonline.net/
t_ok $? "dnsmasq started"
mkdir -p "$T_DIR/conf"
cp -r conf/lists "$T_DIR/conf/lists"
sed -e "s/^servers =.*/servers = 127.0.0.1:$DNS_PORT/" \
    -e 's/^hosts_file =.*/hosts_file =/' conf/pinhole.ini >"$T_DIR/conf/pinhole.ini"
CONF=$T_DIR/conf/pinhole.ini

explain() {	# explain WANT-EXIT WANT-JSON ARGS...
	want_rc=$1
	want=$2
	shift 2
	out=$($PINHOLE --explain "$@" -c "$CONF" 2>"$T_DIR/err")
	rc=$?
	t_eq "$rc" "$want_rc" "--explain $* exits $want_rc"
	t_eq "$out" "$want" "--explain $* prints its verdict"
}
A='"addresses":[]}'
# ISL Online: names on 7615, 443, 80, and the vendor's IP list
explain 0 '{"verdict":"allow","host":"www.islonline.net","port":7615,"client":null,"rule":"isl-online","list":null,"entry":"*.islonline.net","reason":null,"addresses":[{"addr":"203.0.113.10","allowed":true,"reason":null}]}' \
    www.islonline.net:7615
explain 0 '{"verdict":"allow","host":"www.islonline.net","port":80,"client":"10.1.2.3","rule":"isl-online","list":null,"entry":"*.islonline.net","reason":null,"addresses":[{"addr":"203.0.113.10","allowed":true,"reason":null}]}' \
    www.islonline.net:80 --client 10.1.2.3
explain 0 '{"verdict":"allow","host":"islonline.net","port":443,"client":null,"rule":"isl-online","list":null,"entry":"islonline.net","reason":null,"addresses":[{"addr":"203.0.113.11","allowed":true,"reason":null}]}' \
    islonline.net
explain 0 '{"verdict":"allow","host":"203.0.113.20","port":7615,"client":null,"rule":"isl-online","list":"isl-ips","entry":"203.0.113.16/28","reason":null,'"$A" \
    203.0.113.20:7615
explain 0 '{"verdict":"allow","host":"2001:db8:15::1","port":443,"client":null,"rule":"isl-online","list":"isl-ips","entry":"2001:db8:15::/48","reason":null,'"$A" \
    '[2001:db8:15::1]:443'
explain 3 '{"verdict":"deny","host":"www.islonline.net","port":22,"client":null,"rule":null,"list":null,"entry":null,"reason":"not_allowed",'"$A" \
    www.islonline.net:22
explain 3 '{"verdict":"deny","host":"rebind.islonline.net","port":443,"client":null,"rule":"isl-online","list":null,"entry":"*.islonline.net","reason":"private_address","addresses":[{"addr":"10.0.0.5","allowed":false,"reason":"private_address"}]}' \
    rebind.islonline.net:443
explain 0 '{"verdict":"allow","host":"dual.islonline.net","port":443,"client":null,"rule":"isl-online","list":null,"entry":"*.islonline.net","reason":null,"addresses":[{"addr":"10.0.0.6","allowed":false,"reason":"private_address"},{"addr":"2001:db8:15::6","allowed":true,"reason":null}]}' \
    dual.islonline.net:443
explain 4 '{"verdict":"error","host":"nx.islonline.net","port":443,"client":null,"rule":"isl-online","list":null,"entry":"*.islonline.net","reason":"dns_error",'"$A" \
    nx.islonline.net:443
# Online backup: fixed subnets on 16384, for the rule's clients only
explain 0 '{"verdict":"allow","host":"204.164.111.5","port":16384,"client":"10.1.2.3","rule":"backup","list":null,"entry":"204.164.111.0/26","reason":null,'"$A" \
    204.164.111.5:16384 --client 10.1.2.3 --proto socks5
explain 0 '{"verdict":"allow","host":"140.239.229.63","port":16384,"client":null,"rule":"backup","list":null,"entry":"140.239.229.0/26","reason":null,'"$A" \
    140.239.229.63:16384
explain 3 '{"verdict":"deny","host":"140.239.229.64","port":16384,"client":null,"rule":null,"list":null,"entry":null,"reason":"not_allowed",'"$A" \
    140.239.229.64:16384
explain 3 '{"verdict":"deny","host":"204.164.111.5","port":16384,"client":"8.8.8.8","rule":null,"list":null,"entry":null,"reason":"client_not_allowed",'"$A" \
    204.164.111.5:16384 --client 8.8.8.8
# NetSupport: the gateway's name on 443 and 3085
explain 0 '{"verdict":"allow","host":"gateway.netsupport.example","port":3085,"client":null,"rule":"netsupport","list":null,"entry":"gateway.netsupport.example","reason":null,"addresses":[{"addr":"198.51.100.200","allowed":true,"reason":null}]}' \
    gateway.netsupport.example:3085 --proto http
explain 3 '{"verdict":"deny","host":"gateway.netsupport.example","port":80,"client":null,"rule":null,"list":null,"entry":null,"reason":"not_allowed",'"$A" \
    gateway.netsupport.example --proto http
# Onsight: names on 443; SIP to the published ranges, by IP or by name
explain 0 '{"verdict":"allow","host":"eu.librestream.com","port":443,"client":null,"rule":"onsight-web","list":null,"entry":".librestream.com","reason":null,"addresses":[{"addr":"93.184.216.34","allowed":true,"reason":null}]}' \
    eu.librestream.com:443
explain 0 '{"verdict":"allow","host":"198.51.100.33","port":5061,"client":null,"rule":"onsight-sip","list":"onsight-ips","entry":"198.51.100.32/28","reason":null,'"$A" \
    198.51.100.33:5061
explain 0 '{"verdict":"allow","host":"sip.example.net","port":5060,"client":null,"rule":"onsight-sip","list":"onsight-ips","entry":"198.51.100.64/28","reason":null,"addresses":[{"addr":"198.51.100.70","allowed":true,"reason":null}]}' \
    sip.example.net:5060
explain 3 '{"verdict":"deny","host":"voip.example.net","port":5060,"client":null,"rule":null,"list":null,"entry":null,"reason":"not_allowed","addresses":[{"addr":"93.184.216.34","allowed":false,"reason":"not_allowed"}]}' \
    voip.example.net:5060
# Apple push: one CIDR, three ports
for port in 5223 2197 443; do
	explain 0 '{"verdict":"allow","host":"17.57.144.10","port":'$port',"client":null,"rule":"apple-push","list":null,"entry":"17.0.0.0/8","reason":null,'"$A" \
	    17.57.144.10:$port
done
explain 3 '{"verdict":"deny","host":"17.57.144.10","port":5224,"client":null,"rule":null,"list":null,"entry":null,"reason":"not_allowed",'"$A" \
    17.57.144.10:5224
# malformed hosts are never looked up
explain 3 '{"verdict":"deny","host":"2130706433","port":443,"client":null,"rule":null,"list":null,"entry":null,"reason":"bad_request",'"$A" \
    2130706433:443
explain 3 '{"verdict":"deny","host":"0x7f.1","port":443,"client":null,"rule":null,"list":null,"entry":null,"reason":"bad_request",'"$A" \
    0x7f.1:443
# names no rule can allow are never looked up
explain 3 '{"verdict":"deny","host":"never-asked.example","port":443,"client":null,"rule":null,"list":null,"entry":null,"reason":"not_allowed",'"$A" \
    never-asked.example:443
grep -qi 'never-asked' "$T_DIR/dns.log"
t_ok $((1 - $?)) "a name no rule can allow never reaches the DNS server"
grep -qi 'query\[A\] www.islonline.net from 127.0.0.1' "$T_DIR/dns.log"
t_ok $? "an allowed name is looked up through [dns] servers"
# usage errors
$PINHOLE --explain 'a.com:65536' -c "$CONF" >/dev/null 2>&1
t_eq "$?" 4 "--explain with a port over 65535 exits 4"
$PINHOLE --explain a.com --client nonsense -c "$CONF" >/dev/null 2>&1
t_eq "$?" 4 "--explain with a bad --client exits 4"
$PINHOLE --explain a.com -c "$T_DIR/none.ini" >/dev/null 2>&1
t_eq "$?" 4 "--explain with a missing config exits 4"

t_done
