#!/bin/sh
# The proxy over SOCKS on loopback: curl through socks5h, socks5,
# socks4a and socks4; every SOCKS5 reply code and SOCKS4 0x5A / 0x5B with
# exact bytes; half-close; truncated and slow handshakes; limits and
# client ACLs; the flow records of it all.
. tests/integration/lib.sh

t_proxy_world_or_bail
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/socks.ini
t_proxy_conf "$CONF" "$P" "$LOG" "handshake_timeout = 2s" \
    "connect_timeout = 1s" "shutdown_grace = 2s"
t_main_start "$CONF" "$T_DIR/socks.err" "$P"
t_okd $? "pinhole listens on 127.0.0.1:$P and [::1]:$P" \
    "$(head -c 2000 "$T_DIR/socks.err")" || { echo "Bail out!"; exit 1; }
LG_PID=$T_MAIN_PID

up() {
	[ -n "${RAW_PORT:-}" ] && return 0
	t_main_up "$@"
	LG_PID=$T_MAIN_PID
}
# raw_client.py against 127.0.0.1:${RAW_PORT:-$P}: the reply in hex to R,
# the client's ip:port to CL, how it ended to END.
sq() {
	up "$1"
	"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" \
	    ${RAW_BIND:+--bind "$RAW_BIND"} 127.0.0.1 "${RAW_PORT:-$P}" "$@" \
	    >"$T_DIR/hex" 2>/dev/null
	R=$(cat "$T_DIR/hex")
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	END=$(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	EL=$(sed -n 's/.* elapsed=\([^ ]*\)$/\1/p' "$T_DIR/ri")
}
lg() {
	w=5
	t_gone "$LG_PID" && w=0.3
	"$T_PY" "$T_TOOLS/flowlog.py" "${RLOG:-$LOG}" get --wait "$w" \
	    --client "$CL" "$@"
}
# t_match GOT PATTERN DESCRIPTION: GOT matches the shell pattern.
t_match() {
	case $1 in
	$2) t_ok 0 "$3" ;;
	*) t_okd 1 "$3" "got:  $1
want: $2" ;;
	esac
}
hx() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# A SOCKS5 request for NAME:PORT (a domain), CMD 01 (CONNECT) by default.
s5name() { printf '05%s0003%02x%s%04x' "${3:-01}" ${#1} "$(hx "$1")" "$2"; }
# The greeting reply and a refusal with code CODE, as pinhole sends them.
s5fail() { printf '0500050%s0001000000000000' "$1"; }
# A SOCKS4 request for IP:PORT, or SOCKS4a for NAME:PORT.
s4ip() {
	printf '0401%04x%s7465737400' "$2" "$(echo "$1" |
	    awk -F. '{ printf "%02x%02x%02x%02x", $1, $2, $3, $4 }')"
}
s4name() { printf '0401%04x000000017465737400%s00' "$2" "$(hx "$1")"; }
HELLO_HEX=$(hx hello)
curl_w() {
	up "curl $*"
	curl -s -S -m 10 -o "$T_DIR/cbody" "$@" >"$T_DIR/cw" 2>"$T_DIR/cerr"
	CRC=$?
	CW=$(cat "$T_DIR/cw")
}
BODY='hello from the backend'

# ---- curl through every SOCKS flavour
for v in socks5h:web.test socks5:127.0.0.1 socks4a:web.test socks4:127.0.0.1; do
	scheme=${v%%:*} host=${v#*:}
	curl_w -w '%{http_code} %{local_ip}:%{local_port}' \
	    -x "$scheme://127.0.0.1:$P" "http://$host:$WEB/hello.txt"
	t_eq "$CRC:${CW%% *}:$(cat "$T_DIR/cbody")" "0:200:$BODY" \
	    "curl -x $scheme:// gets the backend's body"
	CL=${CW#* }
	pr=socks5
	[ "${scheme#socks4}" != "$scheme" ] && pr=socks4
	t_eq "$(lg event proto host port addr rule entry reason)" \
	    "flow $pr $host $WEB 127.0.0.1 web $host null" \
	    "$scheme: flow record with proto $pr, host $host"
done
curl_w -w '%{http_code} %{local_port}' -x "socks5h://[::1]:$P" \
    "http://web.test:$WEB/hello.txt"
t_eq "$CRC:${CW%% *}:$(cat "$T_DIR/cbody")" "0:200:$BODY" \
    "curl -x socks5h:// through the [::1] listener"
CL="[::1]:${CW#* }"
t_eq "$(lg event proto)" "flow socks5" "a client on ::1 is logged as [::1]:port"
t_main_survived "curl through SOCKS"

# ---- half-close and exact byte counts through SOCKS
for v in socks5:1048576 socks4a:12345 socks4:54321; do
	via=${v%%:*} n=${v#*:}
	dest=echo.test
	[ "$via" = socks4 ] && dest=127.0.0.1
	up "halfclose.py $via"
	out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" \
	    --via "$via" --dest "$dest:$ECHO" --bytes "$n" --tag "$T_DIR/tag")
	t_eq "$out" "ok sent=$n received=$n" \
	    "$via: $n bytes, half-close, every byte echoed"
	CL=$(cat "$T_DIR/tag")
	t_eq "$(lg event bytes_up bytes_down sni)" "flow $n $n null" \
	    "$via: bytes_up and bytes_down are exactly $n"
done
up "halfclose.py socks5 ::1"
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "[::1]:$P" --via socks5 \
    --dest "[::1]:$ECHO" --bytes 70000 --tag "$T_DIR/tag")
t_eq "$out" "ok sent=70000 received=70000" "socks5 to an IPv6 address (::1)"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg host addr entry)" "::1 ::1 ::1" "socks5 IPv6: host, addr, entry ::1"
up "halfclose.py socks5 sni"
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via socks5 \
    --dest "echo.test:$ECHO" --clienthello sni.test --write-size 7 \
    --pause 0.005 --tag "$T_DIR/tag")
CL=$(cat "$T_DIR/tag")
t_eq "${out%% *}:$(lg sni)" "ok:sni.test" \
    "socks5: a ClientHello in 7-byte writes is logged with sni"
t_main_survived "half-close through SOCKS"

# ---- SOCKS5 0x00 with exact bytes
sq "hex:050100$(s5name echo.test "$ECHO")" "esc:hello" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" \
    "SOCKS5 domain, greeting and request in one write: 05 00, then 05 00 00 01 127.0.0.1 port, then the echo"
t_eq "$END" eof "SOCKS5: the half-close comes back"
t_eq "$(lg event proto host addr rule entry bytes_up bytes_down)" \
    "flow socks5 echo.test 127.0.0.1 echo echo.test 5 5" \
    "SOCKS5: the flow record"
sq hex:05 sleep:0.05 hex:01 sleep:0.05 hex:00 read:2 \
    "hex:0501" sleep:0.05 "hex:$(s5name echo.test "$ECHO" | cut -c5-12)" \
    sleep:0.05 "hex:$(s5name echo.test "$ECHO" | cut -c13-)" read:10 \
    "esc:hello" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" \
    "SOCKS5 handshake split in many small writes: the same reply"
sq "hex:05020200" read:2 "hex:050100017f000001$(printf %04x "$ECHO")" \
    "esc:hello" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" \
    "SOCKS5 offering 02 and 00 gets 00; an IPv4 address type works"
V6LOOP=$(printf '%030d01' 0)	# ::1
sq "hex:05010005010004$V6LOOP$(printf %04x "$ECHO")" "esc:hello" shut
t_match "$R" "050005000004$V6LOOP????$HELLO_HEX" \
    "SOCKS5 IPv6 address ::1: reply with address type 04 and the bound ::1"
for name in b.a.test c.b.a.test; do
	sq "hex:050100$(s5name $name "$ECHO")" "esc:hello" shut
	t_match "$R" "0500050000017f000001????$HELLO_HEX" "SOCKS5 *.a.test allows $name"
done
sq "hex:050100$(s5name echo.test "$ECHO")$HELLO_HEX" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" \
    "SOCKS5: payload in the same write as the handshake is relayed, not lost"
sq "hex:$(s4name echo.test "$ECHO")$HELLO_HEX" shut
t_match "$R" "005a????????????$HELLO_HEX" \
    "SOCKS4a: payload in the same write as the request is relayed, not lost"
t_main_survived "SOCKS5 0x00"

# ---- SOCKS5 refusals, each reply code
s5refuse() {	# s5refuse CODE REQUEST-HEX DESCRIPTION EVENT REASON
	sq "hex:050100$2"
	t_eq "$R:$END" "$(s5fail "$1"):eof" "SOCKS5 0x0$1: $3"
	t_eq "$(lg event proto reason)" "$4 socks5 $5" "SOCKS5 0x0$1: logged $4 $5 ($3)"
}
s5refuse 2 "$(s5name echo.test "$WEB")" "a port not allowed" deny not_allowed
s5refuse 2 "$(s5name a.test "$ECHO")" "*.a.test does not allow a.test" deny not_allowed
s5refuse 2 "$(s5name xa.test "$ECHO")" "*.a.test does not allow xa.test" deny not_allowed
s5refuse 2 "05010001 7f000002$(printf %04x "$ECHO")" "an IP not allowed" deny not_allowed
s5refuse 2 "$(s5name private.test "$ECHO")" \
    "a name resolving to 127.0.0.5 (rebinding)" deny private_address
t_eq "$(lg addr)" "127.0.0.5" "rebinding: the refused address is logged"
s5refuse 2 "$(s5name only2.test "$ECHO")" \
    "a rule for client 127.0.0.2 only, from 127.0.0.1" deny not_allowed
RAW_BIND=127.0.0.2 sq "hex:050100$(s5name only2.test "$ECHO")" "esc:hello" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" \
    "SOCKS5 0x00 for only2.test from client 127.0.0.2"
s5refuse 1 "$(s5name 0x7f.1 "$ECHO")" "malformed name 0x7f.1" deny bad_request
t_eq "$(lg host)" "0x7f.1" "the malformed name is logged as sent"
s5refuse 1 "$(s5name 2130706433 "$ECHO")" "malformed name 2130706433" deny bad_request
s5refuse 1 "0501000309616200632e74657374$(printf %04x "$ECHO")" \
    "a name with a NUL byte (ab, NUL, c.test)" deny bad_request
s5refuse 1 "0501000308610162$(hx .test)$(printf %04x "$ECHO")" \
    "a name with a control byte" deny bad_request
s5refuse 1 "0501000300$(printf %04x "$ECHO")" "an empty name" deny bad_request
s5refuse 1 "$(s5name 'bad name.test' "$ECHO")" "a name with a space" deny bad_request
s5refuse 1 "04010003$(printf %02x 9)$(hx echo.test)$(printf %04x "$ECHO")" \
    "a request with version 4" deny bad_request
s5refuse 4 "$(s5name nx.test "$ECHO")" "an allowed name that is NXDOMAIN" error dns_error
s5refuse 5 "$(s5name closed.test "$CLOSED")" "connection refused" error connect_failed
t_eq "$(lg addr)" "127.0.0.1" "connection refused: the address tried is logged"
grep -q '^ready' "$T_DIR/hole.out"
t_okd $? "a loopback port where connects hang" "$(cat "$T_DIR/hole.out"*)"
s5refuse 6 "$(s5name hang.test "$HANG")" "connect timeout (1s)" error timeout
s5refuse 7 "$(s5name echo.test "$ECHO" 02)" "command BIND" deny bad_request
s5refuse 7 "$(s5name echo.test "$ECHO" 04)" "an unknown command 04" deny bad_request
# (UDP ASSOCIATE, command 03, is served: tests/integration/udp.sh)
s5refuse 8 "05010009 7f000001$(printf %04x "$ECHO")" "address type 09" deny bad_request
sq "hex:050102"
t_eq "$R:$END" "05ff:eof" "SOCKS5 offering only 02 (no [auth]): method 0xFF, closed"
t_eq "$(lg event proto reason)" "deny socks5 bad_request" "method 0xFF is logged as bad_request"
sq "hex:0500"
t_eq "$R:$END" "05ff:eof" "SOCKS5 offering no method: 0xFF"
# A client that half-closes right after its request still gets the
# reply.  The race is timing-dependent: 10 tries each.
n=0 n4=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	sq "hex:050100$(s5name echo.test "$WEB")" shut
	[ "$R" = "$(s5fail 2)" ] && n=$((n + 1))
	sq "hex:$(s4name a.test "$ECHO")" shut
	case $R in 005b????????????) n4=$((n4 + 1)) ;; esac
done
t_eq "$n" 10 "SOCKS5: a client that half-closes after its request still gets 0x02 (of 10 tries)"
t_eq "$n4" 10 "SOCKS4a: a client that half-closes after its request still gets 0x5B (of 10 tries)"
t_main_survived "SOCKS5 refusals"

# ---- SOCKS4 and SOCKS4a
s4ok() {	# s4ok REQUEST-HEX DESCRIPTION
	sq "hex:$1" "esc:hello" shut
	t_match "$R" "005a????????????$HELLO_HEX" "SOCKS4 0x5A: $2"
	t_eq "$(lg event proto rule bytes_up bytes_down)" "flow socks4 echo 5 5" \
	    "SOCKS4 flow record: $2"
}
s4ok "$(s4ip 127.0.0.1 "$ECHO")" "127.0.0.1"
s4ok "$(s4name echo.test "$ECHO")" "SOCKS4a echo.test"
t_eq "$(lg host addr entry)" "echo.test 127.0.0.1 echo.test" "SOCKS4a: the name is logged as host"
s4ok "$(s4name c.b.a.test "$ECHO")" "SOCKS4a c.b.a.test (*.a.test)"
s4refuse() {	# s4refuse REQUEST-HEX DESCRIPTION EVENT REASON
	sq "hex:$1"
	t_match "$R:$END" "005b????????????:eof" "SOCKS4 0x5B: $2"
	t_eq "$(lg event proto reason)" "$3 socks4 $4" "SOCKS4 0x5B logged $3 $4: $2"
}
s4refuse "$(s4ip 127.0.0.2 "$ECHO")" "an IP not allowed" deny not_allowed
s4refuse "$(s4name a.test "$ECHO")" "SOCKS4a a.test (not *.a.test)" deny not_allowed
s4refuse "$(s4name private.test "$ECHO")" "SOCKS4a rebinding name" deny private_address
s4refuse "$(s4name 0x7f.1 "$ECHO")" "SOCKS4a malformed 0x7f.1" deny bad_request
s4refuse "$(s4name nx.test "$ECHO")" "SOCKS4a NXDOMAIN" error dns_error
s4refuse "$(s4name closed.test "$CLOSED")" "SOCKS4a connection refused" error connect_failed
s4refuse "0402$(s4ip 127.0.0.1 "$ECHO" | cut -c5-)" "command BIND" deny bad_request
t_main_survived "SOCKS4"

# ---- truncated and slow handshakes: closed, logged, pinhole stays up
trunc() {	# trunc DESCRIPTION PROTO STEP...
	d=$1 pr=$2
	shift 2
	sq "$@" shut
	t_eq "$END" eof "$d: closed"
	t_eq "$(lg event proto reason)" "deny $pr bad_request" "$d: logged deny bad_request"
}
trunc "SOCKS5 greeting cut short" socks5 hex:0502
trunc "SOCKS5 request cut short" socks5 hex:050100 read:2 "hex:0501000309656368"
trunc "SOCKS5 request with no port yet" socks5 hex:050100 read:2 \
    "hex:$(s5name echo.test "$ECHO" | sed 's/....$//')"
trunc "SOCKS4 cut short" socks4 hex:0401
trunc "SOCKS4 with no end to its user id" socks4 "hex:04010050 7f000001 7465"
trunc "SOCKS4a with no end to its name" socks4 "hex:04010050 00000001 00 6563686f"
sq hex:050100 read:2 hex:050100 all
el=$(echo "$EL" | sed -n 's/^\([0-9]*\)\.\([0-9]\).*/\1\2/p')	# tenths
t_eq "$END" eof "a SOCKS5 request left unfinished is closed"
[ "${el:-99}" -ge 18 ] && [ "${el:-99}" -le 35 ]
t_ok $? "... at handshake_timeout = 2s (after $EL s)"
t_eq "$(lg event proto reason)" "error socks5 timeout" \
    "the unfinished SOCKS5 handshake is logged (error, timeout)"
sq hex:04 all
t_eq "$END" eof "a SOCKS4 request of one byte is closed at handshake_timeout"
t_eq "$(lg event proto reason)" "error socks4 timeout" \
    "the unfinished SOCKS4 request is logged (error, timeout)"
sq "hex:050100$(s5name echo.test "$ECHO")" "esc:hello" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" \
    "after all of them, pinhole still serves"
t_main_survived "truncated handshakes"

# ---- a pinhole at max_connections_per_client = 2: SOCKS at the limit
LOG_B=$T_DIR/flows-b.jsonl
P2=$(t_free_ports 1)	# taken late: fewer races with other tests
t_proxy_conf "$T_DIR/b.ini" "$P2" "$LOG_B" "max_connections_per_client = 2" \
    "idle_timeout = 1s"
t_start_pinhole "$T_DIR/b.ini" "$T_DIR/b.err" "$P2"
t_ok $? "pinhole with max_connections_per_client = 2 started"
B_PID=$PH_PID
LG_PID=$B_PID RLOG=$LOG_B RAW_PORT=$P2
t_bg "$T_DIR/idle.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
    --connect "127.0.0.1:$P2" --count 2 --until "$T_DIR/idle.go" --max-hold 20
IDLE_PID=$T_BG_PID
t_wait_grep "$T_DIR/idle.out" '^open 2' 1 50
t_ok $? "2 idle connections open"
sq "hex:050100$(s5name echo.test "$ECHO")"
t_eq "$R:$END" "$(s5fail 1):eof" "SOCKS5 over the limit: method 00, then reply 0x01"
t_eq "$(lg event proto reason)" "deny socks5 limit" "SOCKS5 over the limit: deny limit"
sq "hex:$(s4name echo.test "$ECHO")"
t_match "$R:$END" "005b????????????:eof" "SOCKS4a over the limit: 0x5B"
t_eq "$(lg event proto reason)" "deny socks4 limit" "SOCKS4 over the limit: deny limit"
touch "$T_DIR/idle.go"
t_wait_exit "$IDLE_PID" 100
t_eq "$(tail -n 1 "$T_DIR/idle.out")" "still-open 2 of 2" "the idle connections stayed open"
sleep 0.2
sq "hex:050100$(s5name echo.test "$ECHO")" "esc:hello" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" "below the limit again: served"
# idle_timeout = 1s: a tunnel with no bytes either way is closed.
"$T_PY" "$T_TOOLS/hold_tunnel.py" --proxy "127.0.0.1:$P2" --via socks5 \
    --dest "echo.test:$ECHO" --go "$T_DIR/never" --max-wait 6 \
    --tag "$T_DIR/tag" >"$T_DIR/idle1.out" 2>&1
closed=$(sed -n 's/^closed-by-peer after \([0-9]*\)\..*/\1/p' "$T_DIR/idle1.out")
[ -n "$closed" ] && [ "$closed" -ge 0 ] && [ "$closed" -le 3 ]
t_okd $? "an idle tunnel is closed at idle_timeout = 1s" "$(cat "$T_DIR/idle1.out")"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg event reason bytes_up bytes_down)" "flow idle_timeout 7 7" \
    "the idle tunnel's record: flow, reason idle_timeout"
t_stop_pinhole "$B_PID" "$T_DIR/b.err" "limit pinhole"

# ---- a pinhole for clients 127.0.0.2/32 only
LOG_C=$T_DIR/flows-c.jsonl
P3=$(t_free_ports 1)	# taken late: fewer races with other tests
CLIENTS=127.0.0.2/32 t_proxy_conf "$T_DIR/c.ini" "$P3" "$LOG_C"
t_start_pinhole "$T_DIR/c.ini" "$T_DIR/c.err" "$P3"
t_ok $? "pinhole with clients = 127.0.0.2/32 started"
C_PID=$PH_PID
LG_PID=$C_PID RLOG=$LOG_C RAW_PORT=$P3
sq "hex:050100$(s5name echo.test "$ECHO")"
t_eq "$R:$END" "$(s5fail 2):eof" "SOCKS5 from a client outside [proxy] clients: 0x02"
t_eq "$(lg event proto reason)" "deny socks5 client_not_allowed" \
    "SOCKS5: logged client_not_allowed"
sq "hex:$(s4ip 127.0.0.1 "$ECHO")"
t_match "$R:$END" "005b????????????:eof" "SOCKS4 from a client outside [proxy] clients: 0x5B"
t_eq "$(lg event proto reason)" "deny socks4 client_not_allowed" \
    "SOCKS4: logged client_not_allowed"
RAW_BIND=127.0.0.2 sq "hex:050100$(s5name echo.test "$ECHO")" "esc:hello" shut
t_match "$R" "0500050000017f000001????$HELLO_HEX" "SOCKS5 from client 127.0.0.2: served"
t_stop_pinhole "$C_PID" "$T_DIR/c.err" "clients pinhole"
LG_PID=$T_MAIN_PID RLOG='' RAW_PORT=''

# ---- the logs, whole
for f in "$LOG" "$LOG_B" "$LOG_C"; do
	out=$("$T_PY" "$T_TOOLS/flowlog.py" "$f" check)
	t_eq "${out%% *}" ok "$(basename "$f"): every line is a record with every field ($out)"
done
for pr in socks5 socks4; do
	n=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count proto=$pr event=flow)
	[ "$n" -ge 3 ]
	t_ok $? "the log has flow records with proto $pr ($n)"
done
n=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count proto=socks4a)
t_eq "$n" 0 "SOCKS4a is logged as proto socks4, never socks4a"

t_main_survived "to the end"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/socks.err" "main pinhole"
t_done
