#!/bin/sh
# UDP through SOCKS5 (SPEC "UDP through SOCKS5"): Debian's PySocks opens
# associations and talks to a UDP echo server on loopback by address and
# by name; a raw client sends what PySocks never does (short headers,
# FRAG, bad address types, datagrams from another port or address, to
# refused ports, private addresses and names that resolve to them) and
# checks that strangers' datagrams never reach it; the records field by
# field, the counters, the pcap through tshark, the limits, the idle
# timeout, and --explain --proto udp.
. tests/integration/lib.sh

t_proxy_world_or_bail
/usr/bin/python3 -c 'import socks' 2>/dev/null
t_ok $? "python3-socks (PySocks) is installed" ||
    { echo "Bail out! no python3-socks"; exit 1; }
set -- $(t_free_ports 2)
UE=$1 UE6=$2
t_admin_port_or_bail
t_bg "$T_DIR/uecho.out" "$T_PY" "$T_TOOLS/udp_echo.py" --port "$UE"
t_bg "$T_DIR/uecho6.out" "$T_PY" "$T_TOOLS/udp_echo.py" --port "$UE6" \
    --host ::1
t_wait_grep "$T_DIR/uecho.out" '^ready' 1 50 &&
    t_wait_grep "$T_DIR/uecho6.out" '^ready' 1 50
t_ok $? "UDP echo servers on 127.0.0.1:$UE and [::1]:$UE6"

LOG=$T_DIR/flows.jsonl
PCAP=$T_DIR/udp.pcap
CONF=$T_DIR/udp.ini
echo "127.0.0.0/24" >"$T_DIR/udp-ips.txt"
# udp rules on the echo servers' ports; the TCP rules of t_proxy_conf
# (echo, private, ...) give no UDP.
udp_conf() {	# udp_conf FILE PORT [PROXY-LINE...]
	f=$1 port=$2
	shift 2
	t_proxy_conf "$f" "$port" "$LOG" "$@"
	sed -i "s/^listen =\$/listen = 127.0.0.1:$APORT/" "$f"
	sed -i "s|^access = .*|&\npcap = $PCAP|" "$f"
	cat >>"$f" <<EOC

[allow udp]
hosts = echo.test, echo6.test
nets = 127.0.0.1, ::1
udp_ports = $UE, $UE6
allow_private = yes

[allow udp-private]
hosts = private.test
udp_ports = $UE

[allow udp-list]
lists = udp-ips
udp_ports = $UE

[list udp-ips]
file = $T_DIR/udp-ips.txt
EOC
}
udp_conf "$CONF" "$P"
t_main_start "$CONF" "$T_DIR/udp.err" "$P"
t_okd $? "pinhole with udp_ports rules starts" \
    "$(head -c 2000 "$T_DIR/udp.err")" || { echo "Bail out!"; exit 1; }

py() { "$T_PY" "$T_TOOLS/udp_client.py" "$@" 2>&1; }
# The records of the client at ip:port CL, FIELDS of each, one a line.
recs() {
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" all --wait 5 --client "$CL" "$@"
}

# --- PySocks, by address and by name --------------------------------
t_main_up "pysocks by address"
OUT=$(py pysocks "$P" 127.0.0.1 "$UE" hello "second datagram")
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "reply 127.0.0.1 $UE hello
reply 127.0.0.1 $UE second datagram" \
    "PySocks through UDP ASSOCIATE: both datagrams echoed, from 127.0.0.1:$UE"
PY_CL=$CL
t_eq "$(recs event proto host port addr rule entry reason bytes_up \
    bytes_down datagrams_up datagrams_down sni)" \
    "flow socks5-udp 127.0.0.1 $UE 127.0.0.1 udp 127.0.0.1 null 20 20 2 2 null" \
    "the association's one record: flow, socks5-udp, payload bytes and datagrams each way"

t_main_up "pysocks by name"
OUT=$(py pysocks "$P" echo.test "$UE" "by name")
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" \
    "reply 127.0.0.1 $UE by name" \
    "PySocks to a name: resolved by pinhole, the reply from its address"
t_eq "$(recs event host port addr rule entry reason bytes_up datagrams_up \
    datagrams_down)" "flow echo.test $UE 127.0.0.1 udp echo.test null 7 1 1" \
    "its record names the host as sent, the address resolved, the pattern"

# --- the raw client: what is dropped, and what is recorded ------------
metric() {	# metric NAME{LABELS}: its value in /metrics
	curl -s "http://127.0.0.1:$APORT/metrics" |
	    awk -v m="$1" '$1 == m { print $2 }'
}
t_main_up "raw: malformed datagrams, strangers, refused destinations"
# A name with a NUL in it, and the same header with RSV 0x0100.
NUL=0000000303610062$(printf %04x "$UE")78
RSV=01000001$(printf '7f000001%04x' "$UE")78
OUT=$(py raw "$P" "to|127.0.0.1|$UE|first" recv \
    hex\|00000001 \
    hex\|000000017f0000 \
    "hex|00000101$(printf '7f000001%04x' "$UE")66726167" \
    "hex|00000002$(printf '7f000001%04x' "$UE")78" \
    "hex|00000005$(printf '7f000001%04x' "$UE")78" \
    "hex|$RSV" "hex|$NUL" \
    port2 "to|127.0.0.1|$UE|from port2" \
    addr2 "to|127.0.0.1|$UE|from addr2" \
    main recv \
    "to|127.0.0.1|$UE|third" recv recv \
    "to|127.0.0.1|$ECHO|tcp port" \
    "to|127.0.0.3|$UE|private" \
    "to|private.test|$UE|rebound" \
    "to|nx.test|$UE|unnamed" \
    "to|echo.test|$UE|byname" recv \
    "to|::1|$UE6|six" recv \
    recv close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
RAW_CL=$CL
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 127.0.0.1
recv 127.0.0.1 $UE first
recv none
recv 127.0.0.1 $UE third
recv none
recv 127.0.0.1 $UE byname
recv ::1 $UE6 six
recv none" \
    "only well-formed datagrams from the client's address and port go out; strangers' replies never come back"
# (the denials in the order they were decided: sorted)
t_eq "$(recs event host port addr rule reason bytes_up bytes_down \
    datagrams_up datagrams_down | LC_ALL=C sort)" \
    "deny 127.0.0.1 $ECHO 127.0.0.1 null not_allowed 0 0 0 0
deny 127.0.0.3 $UE 127.0.0.3 null private_address 0 0 0 0
deny nx.test $UE null null not_allowed 0 0 0 0
deny private.test $UE 127.0.0.5 udp-private private_address 0 0 0 0
flow 127.0.0.1 $UE 127.0.0.1 udp null 10 10 2 2
flow ::1 $UE6 ::1 udp null 3 3 1 1
flow echo.test $UE 127.0.0.1 udp null 6 6 1 1" \
    "one deny record per refused destination (a TCP port, a private address, a name resolving to one, an unnamed name), one flow record per destination"
t_eq "$(grep -c '^got' "$T_DIR/uecho.out") $(grep -c '^got' \
    "$T_DIR/uecho6.out")" "6 1" \
    "the echo servers got only the allowed datagrams (3 from PySocks, 3 raw; 1 over IPv6)"
for m in 'reason="short"} 2' 'reason="fragment"} 1' 'reason="bad_atyp"} 2' \
    'reason="bad_address"} 2' 'reason="source"} 2' \
    'reason="unsolicited"} 2' 'reason="not_allowed"} 4' \
    'reason="rate"} 0' 'reason="destinations"} 0' 'reason="queue"} 0'; do
	name="pinhole_udp_dropped_total{${m% *}"
	t_eq "$(metric "$name")" "${m##* }" "/metrics: $name ${m##* }"
done
t_eq "$(metric pinhole_udp_associations_total) $(metric \
    pinhole_udp_associations_open)" "3 0" \
    "/metrics: 3 associations opened, none open"
t_eq "$(metric 'pinhole_udp_datagrams_total{direction="up"}') $(metric \
    'pinhole_udp_datagrams_total{direction="down"}')" "7 7" \
    "/metrics: 7 datagrams relayed each way"

t_main_up "raw over IPv6"
OUT=$(py raw "$P" --from ::1 "to|::1|$UE6|over six" recv \
    "to|127.0.0.1|$UE|to four" recv close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 ::1
recv ::1 $UE6 over six
recv 127.0.0.1 $UE to four" \
    "a client on [::1]: the relay's address is ::1; IPv6 and IPv4 destinations"
t_eq "$(recs event host datagrams_up datagrams_down)" "flow ::1 1 1
flow 127.0.0.1 1 1" "its records, client [::1]:port"

t_main_up "a burst"
# More datagrams at once than the relay reads or sends in one call:
# every one comes back, whole, and is counted (4,000 bytes each way,
# within the pcap's 4,096 a direction, so every packet is checked below).
OUT=$(py raw "$P" "burst|127.0.0.1|$UE|100|40" close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep '^burst')" "burst 100 back, 100 exact" \
    "100 datagrams of 40 bytes at once: all echoed, each the bytes sent"
t_eq "$(recs event host bytes_up bytes_down datagrams_up datagrams_down)" \
    "flow 127.0.0.1 4000 4000 100 100" \
    "the burst's record: 100 datagrams and 4000 bytes each way"

# --- --explain and /explain: --proto udp asks udp_ports -------------
ex() { "$PINHOLE" -c "$CONF" --explain "$@" 2>/dev/null; }
t_eq "$(ex "127.0.0.1:$UE" --proto udp | "$T_PY" -c 'import json, sys
v = json.load(sys.stdin); print(v["verdict"], v["rule"], v["reason"])')" \
    "allow udp None" "--explain 127.0.0.1:$UE --proto udp: allowed by rule udp"
t_eq "$(ex "127.0.0.1:$UE" | "$T_PY" -c 'import json, sys
v = json.load(sys.stdin); print(v["verdict"], v["rule"], v["reason"])')" \
    "deny None not_allowed" "--explain 127.0.0.1:$UE (TCP): udp_ports give no TCP"
t_eq "$("$PINHOLE" -c "$CONF" --explain "echo.test:$ECHO" --proto udp 2>&1 \
    >/dev/null)" "pinhole: --explain: rule udp names echo.test on udp_ports $UE-$UE6, not on port $ECHO" \
    "--explain --proto udp: the hint names udp_ports"
t_eq "$(curl -s "http://127.0.0.1:$APORT/explain?host=127.0.0.1&port=$UE&proto=udp" |
    "$T_PY" -c 'import json, sys
v = json.load(sys.stdin); print(v["verdict"], v["rule"])')" "allow udp" \
    "/explain?proto=udp: allowed by rule udp"

# --- shutdown ends an association; then the pcap ---------------------
t_main_up "an association open at shutdown"
t_bg "$T_DIR/held.out" "$T_PY" "$T_TOOLS/udp_client.py" raw "$P" \
    "to|127.0.0.1|$UE|held" recv "wait|30"
t_wait_grep "$T_DIR/held.out" '^recv' 1 100
t_ok $? "an association with one datagram each way is open"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/udp.err" "udp"
CL=$(sed -n 's/^local //p' "$T_DIR/held.out")
t_eq "$(recs event host reason datagrams_up datagrams_down)" \
    "flow 127.0.0.1 shutdown 1 1" "the association open at shutdown: its record, reason shutdown"
"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check >"$T_DIR/check.out"
t_eq "$(sed 's/ [0-9]*$//' "$T_DIR/check.out")" "ok" \
    "every record has exactly the documented fields ($(cat "$T_DIR/check.out"))"

tshark -n -r "$PCAP" -q -z conv,udp >"$T_DIR/conv" 2>"$T_DIR/tserr"
rc=$?
grep -v 'Running as user' "$T_DIR/tserr" >"$T_DIR/tserr2"
[ "$rc" = 0 ] && ! [ -s "$T_DIR/tserr2" ]
t_okd $? "tshark reads the pcap cleanly" "exit $rc: $(cat "$T_DIR/tserr2")"
# conv,udp: "A <-> B frames-from-B bytes frames-from-A bytes total ..."
conv() {	# conv A B: the frames each way, A to B first
	awk -v a="$1" -v b="$2" '$1 == a && $3 == b { print $7, $4; exit }
	    $1 == b && $3 == a { print $4, $7; exit }' "$T_DIR/conv"
}
t_eq "$(conv "$CL" "127.0.0.1:$UE")" "1 1" \
    "conv,udp: the held association as UDP between the client's address:port and the destination's"
t_eq "$(conv "$PY_CL" "127.0.0.1:$UE")" "2 2" \
    "conv,udp: PySocks's association, two datagrams each way"
t_eq "$(conv "$RAW_CL" "127.0.0.1:$UE") $(conv "::ffff:$RAW_CL" "::1:$UE6")" \
    "3 3 1 1" \
    "conv,udp: the raw association, only its relayed datagrams (IPv6 with the client as ::ffff:127.0.0.1)"
t_eq "$(tshark -n -r "$PCAP" -o udp.check_checksum:TRUE -Y udp \
    -T fields -e udp.checksum.status 2>/dev/null | sort | uniq -c |
    awk '{ print $2 }' | tr '\n' ' ')" "1 " \
    "every UDP packet's checksum is right"

# --- limits: associations per client, destinations, datagrams a second;
# [proxy] clients --------------------------------------------------------
LOG=$T_DIR/tight.jsonl
PCAP=$T_DIR/tight.pcap
CLIENTS="127.0.0.1/32, ::1" udp_conf "$T_DIR/tight.ini" "$P2" \
    "udp_max_associations_per_client = 2" "udp_max_destinations = 2" \
    "udp_max_datagrams_per_second = 5"
t_main_start "$T_DIR/tight.ini" "$T_DIR/tight.err" "$P2"
t_okd $? "pinhole with udp_max_* limits starts" \
    "$(head -c 2000 "$T_DIR/tight.err")" || { echo "Bail out!"; exit 1; }
# The records with these KEY=VALUEs, once one is written (5 s at most).
count_wait() {
	i=0
	while [ $i -lt 50 ]; do
		n=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count "$@")
		[ "$n" != 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "$n"
}
t_main_up "client not allowed"
t_eq "$(py raw "$P2" --from 127.0.0.2 "to|127.0.0.1|$UE|x")" "refused 2" \
    "UDP ASSOCIATE from outside [proxy] clients: refused, 0x02"
t_eq "$(count_wait event=deny proto=socks5-udp \
    reason=client_not_allowed host=null)" 1 \
    "its record: deny, socks5-udp, client_not_allowed"

t_main_up "associations per client"
t_bg "$T_DIR/hold1.out" "$T_PY" "$T_TOOLS/udp_client.py" raw "$P2" "wait|20"
H1=$T_BG_PID
t_bg "$T_DIR/hold2.out" "$T_PY" "$T_TOOLS/udp_client.py" raw "$P2" "wait|20"
H2=$T_BG_PID
t_wait_grep "$T_DIR/hold1.out" '^local' 1 100 &&
    t_wait_grep "$T_DIR/hold2.out" '^local' 1 100
t_ok $? "two associations held open"
t_eq "$(py raw "$P2" "to|127.0.0.1|$UE|x")" "refused 1" \
    "a third association of the client: refused, 0x01 (udp_max_associations_per_client = 2)"
t_eq "$(count_wait event=deny proto=socks5-udp reason=limit)" 1 \
    "its record: deny, socks5-udp, limit"
kill "$H1" "$H2" 2>/dev/null
wait "$H1" "$H2" 2>/dev/null
i=0
while [ $i -lt 50 ] && [ "$(metric pinhole_udp_associations_open)" != 0 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_eq "$(metric pinhole_udp_associations_refused_total) $(metric \
    pinhole_udp_associations_open)" "1 0" \
    "/metrics: one refused at the limit; none open once the holders closed"

t_main_up "destinations per association"
OUT=$(py raw "$P2" "to|127.0.0.1|$UE|one" recv "to|echo.test|$UE|two" recv \
    "to|::1|$UE6|three" recv close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep '^recv')" "recv 127.0.0.1 $UE one
recv 127.0.0.1 $UE two
recv none" "a third destination past udp_max_destinations = 2: dropped"
t_eq "$(recs event host datagrams_up)" "flow 127.0.0.1 1
flow echo.test 1" "records for the two destinations only"
t_eq "$(metric 'pinhole_udp_dropped_total{reason="destinations"}')" 1 \
    "/metrics: dropped, reason destinations: 1"

t_main_up "datagrams a second"
steps=
i=0
while [ $i -lt 30 ]; do
	steps="$steps to|127.0.0.1|$UE|r$i"
	i=$((i + 1))
done
OUT=$(py raw "$P2" $steps drain close)
N=$(printf '%s\n' "$OUT" | sed -n 's/^drained //p')
R=$(metric 'pinhole_udp_dropped_total{reason="rate"}')
[ "${N:-99}" -le 15 ] && [ "${R:-0}" -ge 15 ]
t_okd $? "30 datagrams at once past udp_max_datagrams_per_second = 5: most dropped (reason rate)" \
    "echoed $N, dropped for the rate $R"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/tight.err" "tight"

# --- udp_idle_timeout -------------------------------------------------
LOG=$T_DIR/idle.jsonl
PCAP=$T_DIR/idle.pcap
# Names are looked up through a DNS server that never answers.
SINK=$(t_free_port udp)
t_bg "$T_DIR/sink.out" "$T_PY" "$T_TOOLS/udp_sink.py" --port "$SINK"
t_wait_grep "$T_DIR/sink.out" '^ready' 1 50
t_ok $? "a DNS server that never answers, on 127.0.0.1:$SINK"
udp_conf "$T_DIR/idle.ini" "$P3" "udp_idle_timeout = 1s"
sed -i "s/^servers = .*/servers = 127.0.0.1:$SINK\ntimeout = 500ms/" \
    "$T_DIR/idle.ini"
t_main_start "$T_DIR/idle.ini" "$T_DIR/idle.err" "$P3"
t_okd $? "pinhole with udp_idle_timeout = 1s starts" \
    "$(head -c 2000 "$T_DIR/idle.err")" || { echo "Bail out!"; exit 1; }
t_main_up "datagrams waiting for a lookup"
steps=
i=0
while [ $i -lt 12 ]; do
	steps="$steps to|echo.test|$UE|q$i"
	i=$((i + 1))
done
OUT=$(py raw "$P3" $steps recv close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep '^recv')" "recv none" \
    "12 datagrams to a name whose lookup never ends: none relayed"
t_eq "$(recs event host reason datagrams_up)" "error echo.test dns_error 0" \
    "its record: error, dns_error"
t_eq "$(metric 'pinhole_udp_dropped_total{reason="queue"}') $(metric \
    'pinhole_udp_dropped_total{reason="dns_error"}')" "4 8" \
    "/metrics: 8 waited in the queue (then dns_error), 4 found it full"
t_main_up "idle timeout"
OUT=$(py raw "$P3" "to|127.0.0.1|$UE|idle" recv tcp)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 127.0.0.1
recv 127.0.0.1 $UE idle
tcp closed" "an association without datagrams for udp_idle_timeout: its TCP connection is closed"
t_eq "$(recs event reason datagrams_up datagrams_down)" \
    "flow idle_timeout 1 1" "its record: reason idle_timeout"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/idle.err" "idle"

# --- [auth]: a UDP association is a SOCKS5 request like any ----------
LOG=$T_DIR/auth.jsonl
PCAP=$T_DIR/auth.pcap
printf 'alice:%s\n' "$(mkpasswd -m yescrypt alice-pw)" >"$T_DIR/users"
udp_conf "$T_DIR/auth.ini" "$P3"
sed -i 's/^deny_private = yes$/&\nrevoke_on_reload = yes/' "$T_DIR/auth.ini"
printf '\n[auth]\nusers_file = %s\n' "$T_DIR/users" >>"$T_DIR/auth.ini"
t_main_start "$T_DIR/auth.ini" "$T_DIR/auth.err" "$P3"
t_okd $? "pinhole with [auth] starts" \
    "$(head -c 2000 "$T_DIR/auth.err")" || { echo "Bail out!"; exit 1; }
t_main_up "auth"
t_eq "$(py raw "$P3" "to|127.0.0.1|$UE|x")" "refused -1" \
    "with [auth], a client offering no login gets no method (0xFF)"
t_eq "$(py raw "$P3" --user alice --password wrong "to|127.0.0.1|$UE|x")" \
    "refused -2" "a wrong password: the RFC 1929 failure"
OUT=$(py raw "$P3" --user alice --password alice-pw "to|127.0.0.1|$UE|auth" \
    recv close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 127.0.0.1
recv 127.0.0.1 $UE auth" "alice's association relays"
t_eq "$(recs event user proto datagrams_up)" "flow alice socks5-udp 1" \
    "its record names the user"

t_main_up "revoke on reload"
t_bg "$T_DIR/rev.out" "$T_PY" "$T_TOOLS/udp_client.py" raw "$P3" \
    --user alice --password alice-pw "to|127.0.0.1|$UE|before" recv \
    "to|::1|$UE6|six" recv "wait|4" "to|127.0.0.1|$UE|after" recv \
    "to|::1|$UE6|six" recv
t_wait_grep "$T_DIR/rev.out" "^recv ::1" 1 100
t_ok $? "an association with two destinations is open"
sed -i "s/^udp_ports = $UE, $UE6\$/udp_ports = $UE6/" "$T_DIR/auth.ini"
kill -HUP "$T_MAIN_PID"
t_wait_grep "$T_DIR/auth.err" 'reloaded' 1 50
t_okd $? "SIGHUP: pinhole reloads a config without 127.0.0.1:$UE for UDP" \
    "$(tail -n 3 "$T_DIR/auth.err")"
CL=$(sed -n 's/^local //p' "$T_DIR/rev.out")
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$CL" \
    event host reason datagrams_up)" "flow 127.0.0.1 revoked 1" \
    "revoke_on_reload: the destination no longer allowed ends, reason revoked"
t_wait_grep "$T_DIR/rev.out" "^recv.* six" 2 100
t_eq "$(grep '^recv' "$T_DIR/rev.out")" "recv 127.0.0.1 $UE before
recv ::1 $UE6 six
recv none
recv ::1 $UE6 six" "after it, datagrams to it are dropped; the other destination goes on"
t_eq "$(recs event host reason datagrams_up | tail -n 1)" "flow ::1 null 2" \
    "the other destination's record when the client closes"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/auth.err" "auth"
t_done
