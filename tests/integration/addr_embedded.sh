#!/bin/sh
# DNS rebinding through IPv6 spellings of an IPv4 address: an allowed
# name whose AAAA answer carries 127.0.0.1 (::ffff:127.0.0.1, ::127.0.0.1,
# 64:ff9b::7f00:1, 6to4, Teredo) is refused like the A answer 127.0.0.1
# itself, over CONNECT, HTTP forwarding and SOCKS5, and by --explain;
# with [acl] deny = 127.0.0.0/8 it is denied_address even where the rule
# allows private addresses.  An echo server listens on 127.0.0.1: before
# the canonical form, every one of these reached it.
. tests/integration/lib.sh

# name, AAAA answer (no A record unless noted)
FORMS="mapped ::ffff:127.0.0.1
compat ::127.0.0.1
siit ::ffff:0:7f00:1
nat64 64:ff9b::7f00:1
nat64local 64:ff9b:1::7f00:1
sixtofour 2002:7f00:1::1
teredo 2001:0:7f00:1::1
teredoclient 2001:0:cb00:7101::80ff:fffe"

set --
while read -r name aaaa; do
	set -- "$@" --host-record="$name.evil.test,$aaaa"
done <<EOF2
$FORMS
EOF2
t_proxy_dnsmasq "$@" --host-record=both.evil.test,127.0.0.1,::ffff:127.0.0.1 \
    --host-record=good.evil.test,127.0.0.1
t_okd $? "dnsmasq started" "$(cat "$T_DIR/dnsmasq.err" 2>/dev/null)" ||
    { t_done; exit 1; }
set -- $(t_free_ports 3)
P=$1 ECHO=$2 P2=$3
t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/echo_server.py" --port "$ECHO" \
    --listen 127.0.0.1
t_wait_port "$ECHO" 1 100 "$T_BG_PID"
t_ok $? "echo server on 127.0.0.1:$ECHO"

# conf FILE PORT ACL-LINES RULE-LINES
conf() {
	cat >"$1" <<EOC
[proxy]
listen = 127.0.0.1:$2
clients = 127.0.0.0/8
workers = 1
[acl]
deny_private = yes
$3
[allow evil]
hosts = *.evil.test
ports = $ECHO
$4
[allow self]
hosts = good.evil.test
ports = $ECHO
allow_private = yes
[cache]
dir = $T_DIR/cache
[dns]
servers = 127.0.0.1:$DNS_PORT
hosts_file =
[log]
access = $T_DIR/flows-$2.jsonl
[admin]
listen =
EOC
}
conf "$T_DIR/priv.ini" "$P" "" ""
conf "$T_DIR/deny.ini" "$P2" "deny = 127.0.0.0/8" "allow_private = yes"

connect_status() {	# PORT NAME
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 2 127.0.0.1 "$1" \
	    "esc:CONNECT $2:$ECHO HTTP/1.1\r\n\r\n" head 2>/dev/null |
	    head -n 1 | tr -d '\r'
}
forward_status() {	# PORT NAME
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 2 127.0.0.1 "$1" \
	    "esc:GET http://$2:$ECHO/ HTTP/1.1\r\nHost: $2:$ECHO\r\n\r\n" \
	    head 2>/dev/null | head -n 1 | tr -d '\r'
}
hx() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
socks5_reply() {	# PORT NAME: the CONNECT reply code
	r=$("$T_PY" "$T_TOOLS/raw_client.py" --timeout 2 127.0.0.1 "$1" \
	    hex:050100 read:2 \
	    "hex:05010003$(printf %02x ${#2})$(hx "$2")$(printf %04x "$ECHO")" \
	    read:10 2>/dev/null)
	printf '%s' "$r" | cut -c7-8
}
last_reason() {	# PORT
	tail -n 1 "$T_DIR/flows-$1.jsonl" 2>/dev/null |
	    sed -n 's/.*"reason":"\([a-z_]*\)".*/\1/p'
}

# The address a record names: the answer as pinhole keeps it (a mapped
# one is IPv4).
want_addr() {	# NAME AAAA
	case $1 in
	mapped | both) echo 127.0.0.1 ;;
	*) echo "$2" ;;
	esac
}

# check PORT WANT-REASON
check() {
	port=$1 why=$2
	while read -r name aaaa; do
		h=$name.evil.test
		t_eq "$(connect_status "$port" "$h")" "HTTP/1.1 403 Forbidden" \
		    "CONNECT $h (AAAA $aaaa) is refused"
		t_wait_grep "$T_DIR/flows-$port.jsonl" "\"host\":\"$h\"" 1 40
		t_eq "$(last_reason "$port")" "$why" "... as $why"
		t_eq "$(tail -n 1 "$T_DIR/flows-$port.jsonl" | sed -n \
		    's/.*"addr":"\([^"]*\)","rule":"\([^"]*\)","list":null,"entry":"\([^"]*\)".*/\1 \2 \3/p')" \
		    "$(want_addr "$name" "$aaaa") evil *.evil.test" \
		    "... the record names the address and the name's rule and pattern"
		t_eq "$(forward_status "$port" "$h")" "HTTP/1.1 403 Forbidden" \
		    "GET http://$h/ (AAAA $aaaa) is refused"
		t_eq "$(socks5_reply "$port" "$h")" 02 \
		    "SOCKS5 CONNECT $h (AAAA $aaaa) is refused with 0x02"
	done <<EOF2
$FORMS
both x
EOF2
}

t_start_pinhole "$T_DIR/priv.ini" "$T_DIR/priv.err" "$P" 1
t_ok $? "pinhole started with deny_private"
PRIV_PID=$PH_PID
t_eq "$(connect_status "$P" good.evil.test)" \
    "HTTP/1.1 200 Connection established" \
    "the echo server is reachable where a rule allows it (control)"
check "$P" private_address
t_stop_pinhole "$PRIV_PID" "$T_DIR/priv.err" "deny_private"

t_start_pinhole "$T_DIR/deny.ini" "$T_DIR/deny.err" "$P2" 1
t_ok $? "pinhole started with [acl] deny = 127.0.0.0/8"
DENY_PID=$PH_PID
check "$P2" denied_address
t_stop_pinhole "$DENY_PID" "$T_DIR/deny.err" "deny"

# --explain agrees with the proxy.
for name in mapped nat64 teredo; do
	out=$($PINHOLE --explain "$name.evil.test:$ECHO" -c "$T_DIR/deny.ini" \
	    2>"$T_DIR/explain.err")
	rc=$?
	t_eq "$rc" 3 "--explain $name.evil.test exits 3 (deny)"
	case $out in
	*'"verdict":"deny"'*'"reason":"denied_address"'*) t_ok 0 \
	    "--explain $name.evil.test says deny, denied_address" ;;
	*) t_okd 1 "--explain $name.evil.test says deny, denied_address" \
	    "$out" ;;
	esac
done
out=$($PINHOLE --explain "mapped.evil.test:$ECHO" -c "$T_DIR/deny.ini" 2>&1)
case $out in
*'"addr":"127.0.0.1","allowed":false,"reason":"denied_address"'*)
	t_ok 0 "--explain shows the mapped answer as 127.0.0.1" ;;
*) t_okd 1 "--explain shows the mapped answer as 127.0.0.1" "$out" ;;
esac
t_done
