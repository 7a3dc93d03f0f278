#!/bin/sh
# Whose a SOCKS5 UDP association is, and a record for each destination
# (SPEC "UDP through SOCKS5"):
# - a request naming the port it sends from (as PySocks does) binds the
#   association to the client's address and that port from the start:
#   another socket on the client's address cannot take it over before
#   the owner's first datagram (its datagrams are dropped, reason
#   "source"; the owner's go through, under the owner's login); a
#   request naming another address than the client's is refused; a
#   request naming port 0 still binds to the first datagram's port;
# - a destination whose lookup has not answered when the association
#   ends (its control connection closed, or shutdown) gets its record,
#   error dns_error, and the datagrams that waited for it are counted
#   as dropped.
. tests/integration/lib.sh

t_proxy_world_or_bail
/usr/bin/python3 -c 'import socks' 2>/dev/null
t_ok $? "python3-socks (PySocks) is installed" ||
    { echo "Bail out! no python3-socks"; exit 1; }
set -- $(t_free_ports 1)
UE=$1
t_admin_port_or_bail
t_bg "$T_DIR/uecho.out" "$T_PY" "$T_TOOLS/udp_echo.py" --port "$UE"
t_wait_grep "$T_DIR/uecho.out" '^ready' 1 50
t_ok $? "a UDP echo server on 127.0.0.1:$UE"

LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/src.ini
printf 'alice:%s\n' "$(mkpasswd -m yescrypt alice-pw)" >"$T_DIR/users"
printf 'bob:%s\n' "$(mkpasswd -m yescrypt bob-pw)" >>"$T_DIR/users"
# udp_conf FILE PORT [PROXY-LINE...]: [auth] with alice and bob; UDP to
# the echo server for alice alone; UDP to any name resolving into
# 198.51.100.0/24 for anyone.
udp_conf() {
	f=$1
	shift
	t_proxy_conf "$f" "$@"
	sed -i "s/^listen =\$/listen = 127.0.0.1:$APORT/" "$f"
	cat >>"$f" <<EOC

[allow udp-alice]
hosts = echo.test
nets = 127.0.0.1, ::1
udp_ports = $UE
users = alice
allow_private = yes

[allow udp-resolve]
nets = 198.51.100.0/24
resolve = yes
udp_ports = $UE

[auth]
users_file = $T_DIR/users
EOC
}
udp_conf "$CONF" "$P" "$LOG"
t_main_start "$CONF" "$T_DIR/src.err" "$P"
t_okd $? "pinhole with [auth] and udp_ports rules starts" \
    "$(head -c 2000 "$T_DIR/src.err")" || { echo "Bail out!"; exit 1; }

py() { "$T_PY" "$T_TOOLS/udp_client.py" "$@" 2>&1; }
recs() {	# the records of client CL: FIELDS of each, one a line
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" all --wait 5 --client "$CL" "$@"
}
metric() {	# metric NAME{LABELS}: its value in /metrics
	curl -s "http://127.0.0.1:$APORT/metrics" |
	    awk -v m="$1" '$1 == m { print $2 }'
}
# How many records have these KEY=VALUEs, once one is (5 s at most).
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
SOURCE='pinhole_udp_dropped_total{reason="source"}'
ALICE="--user alice --password alice-pw"

# --- the request names the port: bound to it from the start ----------
t_main_up "named port: an intruder before alice's first datagram"
OUT=$(py raw "$P" $ALICE --ask "0.0.0.0|main" \
    port2 "to|127.0.0.1|$UE|intruder" recv \
    main "to|127.0.0.1|$UE|alice" recv \
    port2 "to|127.0.0.1|$UE|intruder again" recv close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 127.0.0.1
recv none
recv 127.0.0.1 $UE alice
recv none" \
    "a request naming port P: another socket on the client's address gets nothing relayed, before and after the owner's first datagram; the owner's datagram goes through"
t_eq "$(recs event user rule host port datagrams_up datagrams_down)" \
    "flow alice udp-alice 127.0.0.1 $UE 1 1" \
    "the record: alice's, from the port she named (client $CL), her datagram alone"
t_eq "$(metric "$SOURCE")" 2 \
    "/metrics: both of the intruder's datagrams dropped, reason source"
t_eq "$(grep -c '^got' "$T_DIR/uecho.out")" 1 \
    "the echo server got alice's datagram alone"
BOUND="UDP association takes datagrams from"
t_wait_grep "$T_DIR/src.err" \
    "$BOUND 127.0.0.1:${CL##*:} (named in the request)" 1 50
t_okd $? "the log names the source the association is bound to, and why" \
    "$(grep 'UDP association' "$T_DIR/src.err" | tail -n 3)"

t_main_up "named address and port: the client's own"
OUT=$(py raw "$P" $ALICE --ask "127.0.0.1|main" \
    port2 "to|127.0.0.1|$UE|intruder" recv \
    main "to|127.0.0.1|$UE|own address" recv close)
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 127.0.0.1
recv none
recv 127.0.0.1 $UE own address" \
    "a request naming the client's own address and port: the same"

t_main_up "named address: another one"
OUT=$(py raw "$P" $ALICE --ask "127.0.0.2|main" "to|127.0.0.1|$UE|x")
t_eq "$OUT" "refused 2" \
    "a request naming an address not the client's (127.0.0.2 for 127.0.0.1): refused, 0x02"
t_eq "$(count_wait event=deny proto=socks5-udp reason=bad_request \
    user=alice)" 1 \
    "its record: deny, socks5-udp, bad_request"

t_main_up "IPv6: named address and port"
OUT=$(py raw "$P" --from ::1 $ALICE --ask "::1|main" \
    port2 "to|::1|$UE|intruder" recv main "to|127.0.0.1|$UE|six" recv close)
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 ::1
recv none
recv 127.0.0.1 $UE six" "a client on [::1] naming [::1] and its port: the same"

# --- PySocks names its port (DST.ADDR the name "0") ------------------
t_main_up "pysocks with an intruder"
S0=$(metric "$SOURCE")
OUT=$(py pysocks "$P" $ALICE --intruder 127.0.0.1 "$UE" "pysocks")
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "intruder none
reply 127.0.0.1 $UE pysocks" \
    "PySocks: another socket's datagram before PySocks's first is not relayed; PySocks's is"
t_eq "$(recs event user datagrams_up datagrams_down)" "flow alice 1 1" \
    "its record: alice's, from PySocks's port ($CL)"
t_eq "$(($(metric "$SOURCE") - S0))" 1 \
    "/metrics: the intruder's datagram dropped, reason source"

# --- port 0: bound to the first datagram, as before ------------------
t_main_up "port 0"
OUT=$(py raw "$P" $ALICE "to|127.0.0.1|$UE|zero" recv \
    port2 "to|127.0.0.1|$UE|second socket" recv close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_eq "$(printf '%s\n' "$OUT" | grep -v '^local')" "assoc 0 127.0.0.1
recv 127.0.0.1 $UE zero
recv none" \
    "a request naming port 0: bound to its first datagram's port, others dropped"
t_eq "$(recs event user datagrams_up)" "flow alice 1" "its record"
t_wait_grep "$T_DIR/src.err" \
    "$BOUND 127.0.0.1:${CL##*:} (its first datagram)" 1 50
t_okd $? "the log names the source its first datagram bound it to" \
    "$(grep 'UDP association' "$T_DIR/src.err" | tail -n 3)"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/src.err" "named ports"

# --- a lookup the association's end cuts short ------------------------
LOG=$T_DIR/slow.jsonl
SINK=$(t_free_port udp)
t_bg "$T_DIR/sink.out" "$T_PY" "$T_TOOLS/udp_sink.py" --port "$SINK"
t_wait_grep "$T_DIR/sink.out" '^ready' 1 50
t_ok $? "a DNS server that never answers, on 127.0.0.1:$SINK"
udp_conf "$T_DIR/slow.ini" "$P2" "$LOG"
sed -i "s/^servers = .*/servers = 127.0.0.1:$SINK\ntimeout = 30s/" \
    "$T_DIR/slow.ini"
t_main_start "$T_DIR/slow.ini" "$T_DIR/slow.err" "$P2"
t_okd $? "pinhole with a DNS server that never answers (timeout 30s) starts" \
    "$(head -c 2000 "$T_DIR/slow.err")" || { echo "Bail out!"; exit 1; }
t_main_up "control connection closed during a lookup"
OUT=$(py raw "$P2" --user bob --password bob-pw \
    "to|secret-1234.slow.test|$UE|a" "to|secret-1234.slow.test|$UE|b" \
    "to|secret-1234.slow.test|$UE|c" "wait|0.5" close)
CL=$(printf '%s\n' "$OUT" | sed -n 's/^local //p')
t_wait_grep "$T_DIR/sink.out" 'secret-1234.slow.test' 1 50
t_ok $? "the name was looked up (the DNS server got it)"
t_eq "$(recs event user proto host port addr rule reason datagrams_up)" \
    "error bob socks5-udp secret-1234.slow.test $UE null null dns_error 0" \
    "the control connection closed before the answer: the destination's record, error dns_error"
t_eq "$(metric 'pinhole_udp_dropped_total{reason="dns_error"}')" 3 \
    "/metrics: the 3 datagrams that waited for the lookup counted as dropped (dns_error)"
t_eq "$(metric 'pinhole_errors_total{reason="dns_error"}')" 1 \
    "/metrics: one dns_error"
grep -q "UDP association ended during the lookup of secret-1234.slow.test;\
 3 datagrams to it dropped" "$T_DIR/slow.err"
t_okd $? "the log says so" "$(grep 'UDP' "$T_DIR/slow.err" | tail -n 3)"

t_main_up "shutdown during a lookup"
t_bg "$T_DIR/held.out" "$T_PY" "$T_TOOLS/udp_client.py" raw "$P2" \
    --user bob --password bob-pw "to|held-5678.slow.test|$UE|held" "wait|30"
t_wait_grep "$T_DIR/sink.out" 'held-5678.slow.test' 1 100
t_ok $? "an association waits for a lookup"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/slow.err" "slow dns"
CL=$(sed -n 's/^local //p' "$T_DIR/held.out")
t_eq "$(recs event host reason datagrams_up)" \
    "error held-5678.slow.test dns_error 0" \
    "an association ended by shutdown during a lookup: the destination's record"
"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check >"$T_DIR/check.out"
t_eq "$(sed 's/ [0-9]*$//' "$T_DIR/check.out")" "ok" \
    "every record has exactly the documented fields ($(cat "$T_DIR/check.out"))"
t_done
