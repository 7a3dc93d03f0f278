#!/bin/sh
# The core cases with pinhole under valgrind memcheck (make
# test-valgrind): a plain -O1 -g build, no sanitizers, run through
# tests/soak/valgrind-pinhole.sh.  One pinhole serves CONNECT (with a
# TLS ClientHello), HTTP forwarding with keep-alive and a POST, SOCKS5,
# SOCKS4 and SOCKS4a, refuses with each denial reason this build has
# (not_allowed, private_address, denied_address, client_not_allowed,
# bad_request, limit) and fails with each error (dns_error,
# connect_failed, timeout), fetches a vendor list over HTTPS, answers
# the admin endpoint, reloads on SIGHUP with a tunnel open, reopens its
# log on SIGUSR1 and drains on SIGTERM; a second one with [auth] takes a
# good login (HTTP Basic, SOCKS5 RFC 1929) and refuses a wrong one
# (deny auth); pinhole -t and --explain run too.  Each valgrind report must say 0 errors and 0 bytes definitely
# lost.  valgrind is 20-50 times slower: every wait here is long, and
# bounded.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

PINHOLE=$(pwd)/tests/soak/valgrind-pinhole.sh
VG_PINHOLE=${VG_PINHOLE:-build/valgrind/pinhole}
VG_LOGDIR=$T_DIR/vg
export VG_PINHOLE VG_LOGDIR
mkdir -p "$VG_LOGDIR"
[ -x "$VG_PINHOLE" ] || { echo "Bail out! no $VG_PINHOLE (make build/valgrind/pinhole)"; exit 1; }
command -v valgrind >/dev/null || { echo "Bail out! valgrind is not installed"; exit 1; }

t_proxy_dnsmasq \
    --host-record=echo.test,127.0.0.1 \
    --host-record=web.test,127.0.0.1 \
    --host-record=private.test,127.0.0.5 \
    --host-record=denied.test,127.0.0.9 \
    --address=/nx.test/
t_okd $? "dnsmasq started" "$(cat "$T_DIR/dnsmasq.err")" ||
    { echo "Bail out!"; exit 1; }
set -- $(t_free_ports 7)
P=$1 ECHO=$2 WEB=$3 CLOSED=$4 VTLS=$5 VPLAIN=$6 ADMIN=$7
t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/echo_server.py" --port "$ECHO" \
    --lifetime 600
ECHO_PID=$T_BG_PID
t_bg "$T_DIR/web.out" "$T_PY" "$T_TOOLS/http_backend.py" --port "$WEB" \
    --lifetime 600
WEB_PID=$T_BG_PID
t_bg "$T_DIR/closed.out" "$T_PY" "$T_TOOLS/blackhole.py" --closed \
    --port "$CLOSED" --lifetime 600
vl_certs
t_okd $? "test certificates made" "$(tail -n 5 "$T_DIR/certs.log")"
vl_start_vendor
t_wait_port "$ECHO" 1 100 "$ECHO_PID" && t_wait_port "$WEB" 1 100 "$WEB_PID" &&
    t_wait_grep "$T_DIR/closed.out" '^ready' 1 50
t_ok $? "echo server, HTTP backend, closed port and vendor server ready"
vl_serve /v.txt 127.0.0.61 127.0.0.62 203.0.113.0/28

LOG=$T_DIR/flows.jsonl
ERR=$T_DIR/vg.err
CONF=$T_DIR/vg.ini
conf() {	# conf EXTRA-PORT: the config, with one more port for rule echo
	cat >"$CONF" <<EOF
[proxy]
listen = 127.0.0.1:$P
clients = 127.0.0.1/32, 127.0.0.2/32
workers = 1
handshake_timeout = 4s
connect_timeout = 5s
max_connections_per_client = 8
shutdown_grace = 20s
sandbox = no

[acl]
deny_private = yes
deny = 127.0.0.9/32

[allow echo]
hosts = echo.test, denied.test, nx.test
nets = 127.0.0.1
ports = $ECHO, $CLOSED$1
allow_private = yes

[allow web]
hosts = web.test
ports = $WEB
allow_private = yes

[allow private]
hosts = private.test
ports = $ECHO

[allow vendor]
lists = vendor
ports = 443

[list vendor]
url = https://127.0.0.1:$VTLS/v.txt
fetch_private = yes
ca_file = $T_DIR/certs/ca.crt
refresh = 1h
timeout = 20s

[cache]
dir = $T_DIR/cache

[dns]
servers = 127.0.0.1:$DNS_PORT
hosts_file =

[log]
access = $LOG
pcap = $T_DIR/flows.pcap
pcap_snaplen = 4096

[admin]
listen = 127.0.0.1:$ADMIN
EOF
}
conf ""

# pinhole -t and --explain, each a process under valgrind of its own.
"$PINHOLE" -t -c "$CONF" >"$T_DIR/t.out" 2>&1
t_okd $? "pinhole -t under valgrind exits 0" "$(tail -n 5 "$T_DIR/t.out")"
"$PINHOLE" --explain "echo.test:$ECHO" --client 127.0.0.1 -c "$CONF" \
    >"$T_DIR/x.out" 2>"$T_DIR/x.err"
t_eq "$?:$(grep -c '"verdict":"allow"' "$T_DIR/x.out")" 0:1 \
    "pinhole --explain under valgrind: allow, exit 0"

# The proxy: listening within 60 s even under valgrind.
(exec "$PINHOLE" -c "$CONF") >"$ERR.out" 2>"$ERR" &
PH_PID=$!
T_PIDS="$T_PIDS $PH_PID"
t_wait_port "$P" 1 600 "$PH_PID"
t_okd $? "pinhole under valgrind listens on 127.0.0.1:$P" \
    "$(tail -n 5 "$ERR")" || { t_done; exit 1; }
t_wait_port "$ADMIN" 1 300 "$PH_PID"
t_ok $? "... and its admin endpoint on 127.0.0.1:$ADMIN"
t_wait_grep "$ERR" "list vendor: 3 entries from https://" 1 600
t_okd $? "the vendor list is fetched over HTTPS (3 entries)" \
    "$(grep 'list vendor' "$ERR" | tail -n 3)"

hc() {	# hc VIA DEST BYTES [ARGS...]: halfclose.py through pinhole
	_via=$1 _dest=$2 _n=$3
	shift 3
	"$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via "$_via" \
	    --dest "$_dest" --bytes "$_n" --timeout 60 --tag "$T_DIR/tag" \
	    "$@" 2>&1
}
rq() {	# rq [--bind SRC] STEP...: raw_client.py; reply to $T_DIR/reply
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 60 \
	    --info "$T_DIR/ri" "$@" >"$T_DIR/reply" 2>/dev/null
	ST=$(head -n 1 "$T_DIR/reply" | tr -d '\r')
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
}
lg() {	# lg FIELD...: the record of client $CL
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 30 --client "$CL" "$@"
}
tagged() { CL=$(cat "$T_DIR/tag"); }

# ---- relaying
t_eq "$(hc connect "echo.test:$ECHO" 100000)" "ok sent=100000 received=100000" \
    "CONNECT: 100,000 bytes each way, half-close"
out=$(hc connect "echo.test:$ECHO" 0 --clienthello vg.example.com \
    --write-size 50 --pause 0.05)
echo "$out" | grep -qE '^ok sent=([0-9]+) received=\1$'
t_okd $? "CONNECT: a TLS ClientHello in pieces is relayed" "$out"
tagged
t_eq "$(lg sni)" vg.example.com "... and its server name logged"
t_eq "$(hc socks5 "echo.test:$ECHO" 50000)" "ok sent=50000 received=50000" \
    "SOCKS5 with a name"
t_eq "$(hc socks4a "echo.test:$ECHO" 50000)" "ok sent=50000 received=50000" \
    "SOCKS4a"
t_eq "$(hc socks4 "127.0.0.1:$ECHO" 50000)" "ok sent=50000 received=50000" \
    "SOCKS4 with an address"
rq 127.0.0.1 "$P" \
    "esc:GET http://web.test:$WEB/hello.txt HTTP/1.1\r\nHost: web.test:$WEB\r\n\r\n" \
    head sleep:0.5 \
    "esc:GET http://web.test:$WEB/hello.txt HTTP/1.1\r\nHost: web.test:$WEB\r\nConnection: close\r\n\r\n"
t_eq "$(tr -d '\r' <"$T_DIR/reply" | grep -c '^HTTP/1.1 200 OK')" 2 \
    "HTTP forwarding: two requests on one kept-alive connection, both 200"
i=0
while [ $i -lt 300 ]; do	# (records reach the file in batches)
	recs=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" all --wait 1 --client "$CL" \
	    event proto | tr '\n' '|')
	[ "$recs" = "flow http|flow http|" ] && break
	sleep 0.1
	i=$((i + 1))
done
t_eq "$recs" "flow http|flow http|" "... one record each"
head -c 100000 /dev/urandom >"$T_DIR/post.bin"
curl -s -m 60 -o "$T_DIR/post.out" -x "http://127.0.0.1:$P" \
    --data-binary "@$T_DIR/post.bin" "http://web.test:$WEB/echo"
cmp -s "$T_DIR/post.bin" "$T_DIR/post.out"
t_ok $? "HTTP forwarding: a 100 kB POST comes back whole"

# ---- denials and errors, each logged with its reason
deny() {	# deny WANT DESCRIPTION [--bind SRC] STEP...
	_want=$1 _what=$2
	shift 2
	rq "$@"
	t_eq "$(lg event reason)" "$_want" "$_what: logged $_want"
}
deny "deny not_allowed" "CONNECT to a port no rule allows" \
    127.0.0.1 "$P" "esc:CONNECT echo.test:$WEB HTTP/1.1\r\n\r\n"
deny "deny private_address" "a name in the private ranges" \
    127.0.0.1 "$P" "esc:CONNECT private.test:$ECHO HTTP/1.1\r\n\r\n"
deny "deny denied_address" "a name in [acl] deny" \
    127.0.0.1 "$P" "hex:050100" "hex:050100030b64656e6965642e74657374$(printf %04x "$ECHO")"
deny "deny client_not_allowed" "a client outside [proxy] clients" \
    --bind 127.0.0.3 127.0.0.1 "$P" "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n"
deny "deny bad_request" "garbage" 127.0.0.1 "$P" "hex:00ff"
deny "error dns_error" "NXDOMAIN" \
    127.0.0.1 "$P" "esc:GET http://nx.test:$ECHO/ HTTP/1.1\r\nHost: nx.test\r\n\r\n"
deny "error connect_failed" "a refused connect" \
    127.0.0.1 "$P" "hex:0401$(printf %04x "$CLOSED")7f00000100"
deny "error timeout" "a client silent past handshake_timeout" \
    127.0.0.1 "$P" "esc:CONNECT echo.test" sleep:6 "esc::$ECHO HTTP/1.1\r\n\r\n"
t_bg "$T_DIR/idle.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
    --connect "127.0.0.1:$P" --bind 127.0.0.2 --count 8 \
    --until "$T_DIR/idle.go" --max-hold 120
IDLE_PID=$T_BG_PID
t_wait_grep "$T_DIR/idle.out" '^open 8' 1 300
sleep 2
deny "deny limit" "a 9th connection from one client" \
    --bind 127.0.0.2 127.0.0.1 "$P" "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 503 Service Unavailable" "... answered 503"
touch "$T_DIR/idle.go"
t_wait_exit "$IDLE_PID" 300

# ---- the admin endpoint
adm() { curl -s -m 60 -o "$T_DIR/adm" -w '%{http_code}' "$@"; }
t_eq "$(adm "http://127.0.0.1:$ADMIN/metrics")" 200 "GET /metrics"
grep -q '^pinhole_denied_total{reason="denied_address"} 1$' "$T_DIR/adm"
t_okd $? "... counts the denied_address" "$(grep denied "$T_DIR/adm")"
t_eq "$(adm "http://127.0.0.1:$ADMIN/status")" 200 "GET /status"
t_eq "$(adm "http://127.0.0.1:$ADMIN/lists/vendor")" 200 "GET /lists/vendor"
t_eq "$(adm "http://127.0.0.1:$ADMIN/explain?host=echo.test&port=$ECHO&client=127.0.0.1")" \
    200 "GET /explain"
# (explained, not connected to: the tests stay on loopback)
adm "http://127.0.0.1:$ADMIN/explain?host=203.0.113.5&port=443" >/dev/null
grep -q '"verdict":"allow".*"list":"vendor"' "$T_DIR/adm"
t_okd $? "an address of the fetched list is allowed by it" "$(cat "$T_DIR/adm")"
n0=$(vl_requests /v.txt)
t_eq "$(adm -X POST "http://127.0.0.1:$ADMIN/refresh/vendor")" 202 \
    "POST /refresh/vendor"
vl_wait_requests /v.txt "$n0" 300
t_ok $? "... fetches the list again"

# ---- SIGHUP with a tunnel open: a new port for new connections
t_bg "$T_DIR/hold.out" "$T_PY" "$T_TOOLS/hold_tunnel.py" \
    --proxy "127.0.0.1:$P" --via socks5 --dest "echo.test:$ECHO" \
    --go "$T_DIR/hold.go" --max-wait 200 --timeout 60
HOLD_PID=$T_BG_PID
t_wait_grep "$T_DIR/hold.out" '^up' 1 300
t_okd $? "a tunnel is open" "$(cat "$T_DIR/hold.out"*)"
conf ", $WEB"
n0=$(vl_requests /v.txt)
kill -HUP "$PH_PID"
t_wait_grep "$ERR" reloaded 1 300
t_okd $? "SIGHUP: reloaded" "$(tail -n 3 "$ERR")"
vl_wait_requests /v.txt "$n0" 300
t_ok $? "SIGHUP: the list is fetched again"
rq 127.0.0.1 "$P" "esc:CONNECT echo.test:$WEB HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 200 Connection established" \
    "after the reload, the new port is allowed"
touch "$T_DIR/hold.go"
t_wait_exit "$HOLD_PID" 300
t_eq "$(tr '\n' '|' <"$T_DIR/hold.out")" "up|echo 2 ok|done|" \
    "the tunnel opened before the reload still echoes"

# ---- SIGUSR1: the access log is opened again
mv "$LOG" "$LOG.1"
kill -USR1 "$PH_PID"
t_wait_grep "$ERR" reopening 1 300
t_ok $? "SIGUSR1: reopening the access log"
t_eq "$(hc socks5 "echo.test:$ECHO" 1000)" "ok sent=1000 received=1000" \
    "a flow after SIGUSR1"
tagged
t_eq "$(lg event bytes_up)" "flow 1000" "... is in the new log"

# ---- SIGTERM with a tunnel open: it finishes, pinhole exits 0
t_bg "$T_DIR/hold2.out" "$T_PY" "$T_TOOLS/hold_tunnel.py" \
    --proxy "127.0.0.1:$P" --via connect --dest "echo.test:$ECHO" \
    --go "$T_DIR/hold2.go" --max-wait 200 --timeout 60
HOLD2_PID=$T_BG_PID
t_wait_grep "$T_DIR/hold2.out" '^up' 1 300
kill -TERM "$PH_PID"
t_wait_grep "$ERR" stopping 1 300
t_ok $? "SIGTERM: stopping"
sleep 1
touch "$T_DIR/hold2.go"
t_wait_exit "$HOLD2_PID" 300
t_eq "$(tr '\n' '|' <"$T_DIR/hold2.out")" "up|echo 2 ok|done|" \
    "the open tunnel drains"
t_wait_exit "$PH_PID" 600
t_eq "$T_RC" 0 "pinhole under valgrind exits 0 (97 would be a memcheck error)"
out=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check)
t_eq "${out%% *}" ok "the access log: every line a full record ($out)"

# ---- a second pinhole with [auth]: a good login (HTTP Basic and
# SOCKS5 RFC 1929), a wrong one (407, deny auth)
printf 'alice:%s\n' "$(openssl passwd -6 alice-pw)" >"$T_DIR/users"
conf ""
printf '\n[auth]\nusers_file = %s\n' "$T_DIR/users" >>"$CONF"
sed -i "s|^listen = 127.0.0.1:$ADMIN\$|listen =|" "$CONF"
ERR=$T_DIR/vg-auth.err
(exec "$PINHOLE" -c "$CONF") >"$ERR.out" 2>"$ERR" &
PH_PID=$!
T_PIDS="$T_PIDS $PH_PID"
t_wait_port "$P" 1 600 "$PH_PID"
t_okd $? "pinhole with [auth] under valgrind listens" "$(tail -n 5 "$ERR")"
hx() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
basic=$(printf 'alice:alice-pw' | base64)
rq 127.0.0.1 "$P" "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\nProxy-Authorization: Basic $basic\r\n\r\n" \
    head "esc:hello" read:5 shut
t_eq "$ST" "HTTP/1.1 200 Connection established" "HTTP Basic: a good login"
t_eq "$(lg event user)" "flow alice" "... logged with its user"
rq 127.0.0.1 "$P" "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\nProxy-Authorization: Basic $(printf 'alice:wrong' | base64)\r\n\r\n"
t_eq "$ST" "HTTP/1.1 407 Proxy Authentication Required" "HTTP Basic: a wrong password, 407"
t_eq "$(lg event reason)" "deny auth" "... logged deny auth"
rq 127.0.0.1 "$P" "hex:050102" read:2 \
    "hex:0105$(hx alice)08$(hx alice-pw)" read:2 \
    "hex:05010003096563686f2e74657374$(printf %04x "$ECHO")" read:10 \
    "esc:hello" read:5 shut
t_eq "$(od -An -tx1 "$T_DIR/reply" | tr -d ' \n' | cut -c1-12)" 050201000500 \
    "SOCKS5 RFC 1929: a good login, then the tunnel"
t_eq "$(lg event user bytes_up)" "flow alice 5" "... logged with its user"
kill -TERM "$PH_PID"
t_wait_exit "$PH_PID" 600
t_eq "$T_RC" 0 "pinhole with [auth] under valgrind exits 0"

# ---- the reports: one per process
n=0
for f in "$VG_LOGDIR"/vg.*.log; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$f" | head -n 1 |
	    sed 's/^[^ ]*pinhole //')
	errs=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$f" |
	    tr -d ,)
	lost=$(sed -n 's/^==[0-9]*==  *definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" |
	    tr -d ,)
	# No leak summary at all: every block was freed.
	[ -z "$lost" ] && grep -q 'All heap blocks were freed' "$f" && lost=0
	t_eq "${errs:-none}" 0 "valgrind ($cmd): ERROR SUMMARY 0 errors"
	[ "${errs:-none}" = 0 ] || grep -m 1 -A 25 -E '== (Invalid|Conditional|Use of|Syscall|Mismatched)' "$f" | head -n 30 | sed 's/^/#   /'
	t_eq "${lost:-none}" 0 "valgrind ($cmd): 0 bytes definitely lost"
	[ "${lost:-none}" = 0 ] || grep -m 1 -B 2 -A 25 'definitely lost in' "$f" | head -n 30 | sed 's/^/#   /'
	echo "# figure: valgrind ($cmd): $(grep -E 'in use at exit|total heap usage' "$f" | sed 's/^==[0-9]*== *//' | tr '\n' ';')"
done
t_eq "$n" 4 "four valgrind reports (-t, --explain, the proxy, the proxy with [auth])"
t_done
