#!/bin/sh
# The pcap of flows ([log] pcap, SPEC "Flow records"), read with tshark:
# every flow through CONNECT, SOCKS5 and HTTP forwarding is a TCP
# conversation between the client's and the destination's address:port
# with the JSON log's byte counts (pcap_snaplen unlimited, 0 and 4096),
# a clean handshake and end, sane sequence numbers and checksums; IPv6;
# denied and failed attempts as a SYN answered by an RST; the size bound
# of a 1 GiB tunnel at pcap_snaplen = 4096; kept-alive HTTP requests;
# rotation; SIGUSR1 after a rename; a full disk.  Loopback only; pinhole is stopped before its
# files are read.
# shellcheck disable=SC2046 # set -- $(...): word splitting meant
. tests/integration/lib.sh

# A tmpfs is mounted for the full-disk block: unmounted before T_DIR
# goes (and pinhole, which holds a file there, is stopped before that).
FULL=
pc_cleanup() {
	for pid in $T_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $T_PIDS; do
		wait "$pid" 2>/dev/null
	done
	[ -n "$FULL" ] && umount "$FULL" 2>/dev/null
	t_cleanup
}
trap pc_cleanup EXIT

t_proxy_world_or_bail
# A peer that answers every connection with 23456 bytes of its own,
# whatever it gets (tests/tools/pcap_peer.py), on 127.0.0.1 and ::1.
PEER=$P3
REPLY=23456
t_bg "$T_DIR/peer.out" "$T_PY" "$T_TOOLS/pcap_peer.py" --port "$PEER" \
    --listen 127.0.0.1 --listen ::1 --reply "$REPLY"
t_wait_port "$PEER" 2 100 "$T_BG_PID"
t_okd $? "pcap_peer.py listens on 127.0.0.1:$PEER and [::1]:$PEER" \
    "$(cat "$T_DIR/peer.out"*)" || { echo "Bail out!"; exit 1; }
FLOWS="$T_PY $T_TOOLS/pcap_flows.py"
command -v tshark >/dev/null
t_ok $? "tshark is installed ($(tshark --version 2>/dev/null | head -n 1))" ||
    { echo "Bail out!"; exit 1; }

# ---- Helpers

# ph_start NAME LOG-LINE...: a pinhole on 127.0.0.1:$P and [::1]:$P with
# the proxy tests' rules, a rule "peer" for 127.0.0.1 and ::1 on $PEER,
# the access log $T_DIR/NAME.jsonl and the LOG-LINEs in [log].  Sets
# NAME, CONF, LOG, ERR, PCAP (default $T_DIR/NAME.pcap, as the LOG-LINEs
# say), PH and T_START.  Bails out if it does not start.
ph_start() {
	NAME=$1
	shift
	CONF=$T_DIR/$NAME.ini LOG=$T_DIR/$NAME.jsonl ERR=$T_DIR/$NAME.err
	t_proxy_conf "$CONF.in" "$P" "$LOG" "handshake_timeout = 5s" \
	    "connect_timeout = 2s" "shutdown_grace = 2s"
	printf '%s\n' "$@" >"$T_DIR/extra.lines"
	awk -v f="$T_DIR/extra.lines" '{ print }
	    /^access = / { while ((getline l < f) > 0) print l }' \
	    "$CONF.in" >"$CONF"
	printf '\n[allow peer]\nnets = 127.0.0.1, ::1\nports = %s\nallow_private = yes\n' \
	    "$PEER" >>"$CONF"
	T_START=$(date +%s)
	t_start_pinhole "$CONF" "$ERR" "$P"
	t_okd $? "$NAME: pinhole starts with $(printf '%s; ' "$@" |
	    sed "s|$T_DIR/||g")" \
	    "$(head -c 2000 "$ERR")" || { echo "Bail out!"; exit 1; }
	PH=$PH_PID
	: >"$T_DIR/$NAME.list"
}
ph_stop() {
	t_stop_pinhole "$PH" "$ERR" "$NAME"
	T_END=$(date +%s)
}

# The JSON record of client $1 in $LOG: fields $2...
jl() {
	cl=$1
	shift
	w=5
	t_gone "$PH" && w=0.3
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait "$w" --client "$cl" "$@"
}
# The stream of client $1 in the summary $SUM: fields $2...
pf() {
	cl=$1
	shift
	$FLOWS get "$SUM" "$cl" "$@"
}
# ip:port as in the JSON log (IPv6 in brackets).
ep() {
	case $1 in
	*:*) echo "[$1]:$2" ;;
	*) echo "$1:$2" ;;
	esac
}

# xfer LABEL VIA PROXY-HOST DEST BYTES EXPECT: a tunnel by pcap_xfer.py
# (BYTES of pattern a up; EXPECT "echo" or the peer's byte count down);
# one check; the client and kind go to $T_DIR/$NAME.list, the bytes sent
# and received to $T_DIR/$NAME.LABEL.up / .down.
xfer() {
	f=$T_DIR/$NAME.$1
	out=$("$T_PY" "$T_TOOLS/pcap_xfer.py" --proxy "$(ep "$3" "$P")" \
	    --via "$2" --dest "$4" --bytes "$5" --expect "$6" --timeout 60 \
	    --save-sent "$f.up" --save-received "$f.down" --tag "$f.tag" 2>&1)
	case $6 in echo) xn=$5 ;; *) xn=$6 ;; esac
	t_eq "$out" "ok sent=$5 received=$xn" \
	    "$NAME: $1: $2 via $3 to $4, $5 bytes up and $xn down"
	echo "$1 $(cat "$f.tag" 2>/dev/null) tunnel" >>"$T_DIR/$NAME.list"
}
# http LABEL METHOD PATH BODY-BYTES: a request forwarded to
# web.test:$WEB by raw_client.py through 127.0.0.1:$P, Connection: close;
# one check (a 200, then EOF without a reset); client and kind to
# $T_DIR/$NAME.list, the request and the reply to $T_DIR/$NAME.LABEL.up
# / .down.
http() {
	f=$T_DIR/$NAME.$1
	{
		printf '%s http://web.test:%s%s HTTP/1.1\r\n' "$2" "$WEB" "$3"
		printf 'Host: web.test:%s\r\nConnection: close\r\n' "$WEB"
		[ "$4" -gt 0 ] && printf 'Content-Length: %s\r\n' "$4"
		printf '\r\n'
		[ "$4" -gt 0 ] && "$T_PY" -c 'import sys
sys.stdout.write("0123456789abcdef" * (int(sys.argv[1]) // 16 + 1))' "$4" |
		    head -c "$4"
	} >"$f.up"
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$f.ri" 127.0.0.1 "$P" \
	    "hex:$(od -An -v -tx1 "$f.up" | tr -d ' \n')" >"$f.down" 2>/dev/null
	cl=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$f.ri")
	t_eq "$(head -n 1 "$f.down" | tr -d '\r') $(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$f.ri")" \
	    "HTTP/1.1 200 OK eof" \
	    "$NAME: $1: $2 http://web.test:$WEB$3 forwarded ($4 bytes of body), then a clean close"
	echo "$1 $cl http" >>"$T_DIR/$NAME.list"
}
# refused LABEL PROXY-HOST STEP WANT-DEST: a request pinhole refuses
# (raw_client.py STEP); the client, the pcap destination it should
# have and "refused" go to $T_DIR/$NAME.list.
refused() {
	f=$T_DIR/$NAME.$1
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$f.ri" "$2" "$P" \
	    "$3" >"$f.down" 2>/dev/null
	cl=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$f.ri")
	echo "$1 $cl refused $4" >>"$T_DIR/$NAME.list"
}
connect_req() { printf 'esc:CONNECT %s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n' "$1" "$1"; }

# Reads $PCAP after pinhole stopped: the checks that the file opens
# cleanly, conv,tcp (to $T_DIR/$NAME.conv), the per-stream summary to
# SUM (scan options $@).
pc_read() {
	tshark -n -r "$PCAP" -q -z conv,tcp >"$T_DIR/$NAME.conv" \
	    2>"$T_DIR/$NAME.tserr"
	rc=$?
	grep -v 'Running as user' "$T_DIR/$NAME.tserr" >"$T_DIR/$NAME.tserr2"
	[ "$rc" = 0 ] && ! [ -s "$T_DIR/$NAME.tserr2" ]
	t_okd $? "$NAME: tshark reads $(basename "$PCAP") cleanly (exit 0, no error)" \
	    "exit $rc: $(cat "$T_DIR/$NAME.tserr2")"
	SUM=$T_DIR/$NAME.sum
	$FLOWS scan "$@" "$PCAP" >"$SUM"
}

# The checks of every flow in $T_DIR/$NAME.list, pcap_snaplen $1.
pc_check_flows() {
	snap=$1
	while read -r label cl kind want; do
		[ -n "$cl" ] || { t_ok 1 "$NAME: $label: no client address"; continue; }
		if [ "$kind" = refused ]; then
			pc_check_refused "$label" "$cl" "$want"
			continue
		fi
		set -- $(jl "$cl" event addr port bytes_up bytes_down)
		t_eq "${1:-}" flow "$NAME: $label ($cl): the JSON log has its flow record"
		[ "${1:-}" = flow ] || continue
		dest=$(ep "$2" "$3") up=$4 down=$5
		pdest=$(pf "$cl" dest)
		conv=$($FLOWS conv "$T_DIR/$NAME.conv" "$cl" "$dest")
		# A conversation between an IPv6 client and an IPv4
		# destination can only be written with the IPv4 end as an
		# IPv4-mapped IPv6 address.
		case $cl in \[*)
			case $dest in \[*) ;; *)
				[ "$pdest" = "[::ffff:$2]:$3" ] && dest=$pdest
				conv=$($FLOWS conv "$T_DIR/$NAME.conv" "$cl" "$dest") ;;
			esac
		esac
		t_okd "$([ "$conv" = yes ] && echo 0 || echo 1)" \
		    "$NAME: $label: tshark -z conv,tcp lists $cl <-> $dest" \
		    "$(grep '<->' "$T_DIR/$NAME.conv")"
		t_eq "$pdest" "$dest" \
		    "$NAME: $label: in the pcap the client's SYN goes to $dest (JSON addr, port)"
		t_eq "$(pf "$cl" up down)" "$up $down" \
		    "$NAME: $label: payload bytes by tcp.len equal the JSON log's bytes_up, bytes_down"
		t_eq "$(pf "$cl" upseq downseq)" "$up $down" \
		    "$NAME: $label: payload bytes by sequence numbers equal the JSON log's"
		set -- $(pf "$cl" start end tail lenok)
		case ${2:-} in FIN|RST) e=ok ;; *) e=${2:-} ;; esac
		t_eq "${1:-} $e ${3:-} ${4:-}" ">S,<SA,>A ok clean yes" \
		    "$NAME: $label: SYN, SYN-ACK, ACK; ends with FIN or RST; nothing after; record lengths sane"
		# Every flow here ends cleanly ("FIN or RST at the end as
		# it happened"): in a tunnel both ends shut down writing,
		# so a FIN each way; a forwarded request with Connection:
		# close is ended by the origin and by pinhole without a
		# reset (the client reads to EOF), so no RST.
		if [ "$kind" = tunnel ]; then
			t_eq "${2:-}" FIN \
			    "$NAME: $label: both ends shut down cleanly: it ends with a FIN each way (not an RST)"
		else
			case ${2:-} in FIN|half) e=ok ;; *) e=${2:-} ;; esac
			t_eq "$e" ok \
			    "$NAME: $label: Connection: close, ended by the origin and pinhole without a reset: it ends with FIN, not RST"
		fi
		f=$T_DIR/$NAME.$label
		case $snap in
		unlimited)
			t_eq "$(pf "$cl" upkept downkept)" "$up $down" \
			    "$NAME: $label: every payload byte is captured"
			t_eq "$(pf "$cl" uphash downhash upprefix downprefix)" \
			    "$($FLOWS sha "$f.up" "$up") $($FLOWS sha "$f.down" "$down") yes yes" \
			    "$NAME: $label: the captured payload, in sequence order, is the bytes relayed each way"
			;;
		0)
			t_eq "$(pf "$cl" upkept downkept)" "0 0" \
			    "$NAME: $label: no payload byte is captured (headers only)"
			;;
		*)
			ku=$up kd=$down
			[ "$ku" -gt "$snap" ] && ku=$snap
			[ "$kd" -gt "$snap" ] && kd=$snap
			set -- $(pf "$cl" upkept downkept)
			[ "${1:-0}" -le "$snap" ] && [ "${2:-0}" -le "$snap" ]
			t_okd $? "$NAME: $label: at most $snap payload bytes captured each way" \
			    "captured up ${1:-} down ${2:-}"
			t_eq "$(pf "$cl" upkept downkept uphash downhash upprefix downprefix)" \
			    "$ku $kd $($FLOWS sha "$f.up" "$ku") $($FLOWS sha "$f.down" "$kd") yes yes" \
			    "$NAME: $label: the first min(bytes, $snap) bytes each way are captured, as relayed"
			;;
		esac
	done <"$T_DIR/$NAME.list"
}
# A refused or failed attempt: SYN, RST, to WANT.
pc_check_refused() {
	label=$1 cl=$2 want=$3
	ev=$(jl "$cl" event reason)
	case $ev in
	deny\ *|error\ *) t_ok 0 "$NAME: $label ($cl): logged as $ev" ;;
	*) t_okd 1 "$NAME: $label ($cl): logged as a deny or an error" "$ev" ;;
	esac
	got=$(pf "$cl" dest synrst)
	t_okd "$([ "$got" = "$want yes" ] && echo 0 || echo 1)" \
	    "$NAME: $label: in the pcap a SYN from $cl to $want answered by an RST, nothing else" \
	    "got: $got ($(pf "$cl" pkts start))"
	t_eq "$($FLOWS conv "$T_DIR/$NAME.conv" "$cl" "$want")" yes \
	    "$NAME: $label: tshark -z conv,tcp lists $cl <-> $want"
}

# Checks over the whole file: as many conversations as JSON records,
# no TCP analysis warning, no bad checksum (and, with $1 = all, every
# checksum verified good), timestamps within the run.
pc_check_file() {
	t_eq "$($FLOWS convcount "$T_DIR/$NAME.conv")" "$(wc -l <"$LOG" | tr -d ' ')" \
	    "$NAME: tshark -z conv,tcp lists as many conversations as the JSON log has records"
	tshark -n -r "$PCAP" -Y 'tcp.analysis.flags && !tcp.analysis.window_update' \
	    >"$T_DIR/$NAME.anal" 2>/dev/null
	t_okd "$([ -s "$T_DIR/$NAME.anal" ] && echo 1 || echo 0)" \
	    "$NAME: no TCP analysis warnings (tcp.analysis.flags)" \
	    "$(head -n 10 "$T_DIR/$NAME.anal")"
	tshark -n -r "$PCAP" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	    -T fields -e tcp.checksum.status -e ip.checksum.status \
	    -e ipv6.src 2>/dev/null >"$T_DIR/$NAME.ck"
	# tcp.checksum.status: 0 bad, 1 good, 2 unverified (truncated).
	bad=$(awk -F'\t' '$1 == "0" || $2 == "0"' "$T_DIR/$NAME.ck" | wc -l)
	t_eq "$bad" 0 "$NAME: no packet with a bad IP or TCP checksum"
	if [ "$1" = all ]; then
		n=$(wc -l <"$T_DIR/$NAME.ck")
		good=$(awk -F'\t' '$1 == "1" && ($2 == "1" || $3 != "")' \
		    "$T_DIR/$NAME.ck" | wc -l)
		t_eq "$good" "$n" \
		    "$NAME: with nothing truncated, every checksum is verified and good ($n packets)"
	fi
	awk -v a="$((T_START - 1))" -v b="$((T_END + 1))" '
	    { for (i = 1; i <= NF; i++) if ($i ~ /^t[01]=/) {
		t = substr($i, 4) + 0; if (t < a || t > b) bad++ } }
	    END { exit bad > 0 }' "$SUM"
	t_okd $? "$NAME: every timestamp falls within the run" \
	    "run $T_START..$T_END: $(grep -o 't[01]=[^ ]*' "$SUM" | head -n 4 | tr '\n' ' ')"
}
# The HTTP request $1 (method) $2 (path) decoded by tshark.
pc_check_http() {
	tshark -n -r "$PCAP" -d "tcp.port==$WEB,http" -Y http.request -T fields \
	    -e http.request.method -e http.request.uri 2>/dev/null |
	    tr '\t' ' ' >"$T_DIR/$NAME.http"
	grep -qx -e "$1 $2" -e "$1 http://web.test:$WEB$2" "$T_DIR/$NAME.http"
	t_okd $? "$NAME: tshark -Y http.request shows the forwarded request: $1 $2" \
	    "$(cat "$T_DIR/$NAME.http")"
}

# The flows of the snaplen blocks.
pc_flows() {
	xfer connect-peer connect 127.0.0.1 "127.0.0.1:$PEER" 12345 "$REPLY"
	xfer socks5-peer socks5 127.0.0.1 "127.0.0.1:$PEER" 34567 "$REPLY"
	xfer connect-echo connect 127.0.0.1 "echo.test:$ECHO" 12345 echo
	xfer socks5-echo socks5 127.0.0.1 "echo.test:$ECHO" 23456 echo
	xfer empty socks5 127.0.0.1 "echo.test:$ECHO" 0 echo
	http http-get GET /hello.txt 0
	http http-post POST /echo 5000
	xfer v6-connect connect ::1 "[::1]:$PEER" 12345 "$REPLY"
	xfer v6-socks5 socks5 ::1 "echo6.test:$ECHO" 23456 echo
	xfer v6-to-v4 connect ::1 "127.0.0.1:$PEER" 4000 "$REPLY"
}
pc_refusals() {
	refused port-denied 127.0.0.1 "$(connect_req "127.0.0.1:$ECHO2")" \
	    "127.0.0.1:$ECHO2"
	refused v6-port-denied ::1 "$(connect_req "[::1]:$ECHO2")" "[::1]:$ECHO2"
	refused rebinding 127.0.0.1 "$(connect_req "private.test:$ECHO")" \
	    "127.0.0.5:$ECHO"
	refused name-not-allowed 127.0.0.1 "$(connect_req "nope.test:$ECHO")" \
	    "0.0.0.0:$ECHO"
	refused nxdomain 127.0.0.1 "$(connect_req "nx.test:$ECHO")" \
	    "0.0.0.0:$ECHO"
	refused connect-failed 127.0.0.1 \
	    "$(connect_req "closed.test:$CLOSED")" "127.0.0.1:$CLOSED"
}
# IPv6 conversations are IPv6 in the pcap.
pc_check_v6() {
	for label in v6-connect v6-socks5; do
		cl=$(awk -v l="$label" '$1 == l { print $2 }' "$T_DIR/$NAME.list")
		t_eq "$(pf "$cl" fam)" 6 "$NAME: $label: the flow from $cl is IPv6 in the pcap"
	done
}

# ---- pcap_snaplen = unlimited, 0, 4096: the same flows
for snap in unlimited 0 4096; do
	ph_start "snap$snap" "pcap = $T_DIR/snap$snap.pcap" "pcap_snaplen = $snap"
	PCAP=$T_DIR/snap$snap.pcap
	pc_flows
	[ "$snap" = unlimited ] && pc_refusals
	ph_stop
	if [ "$snap" = 0 ]; then
		pc_read
	else
		pc_read --payload
	fi
	pc_check_flows "$snap"
	if [ "$snap" = unlimited ]; then
		pc_check_file all
	else
		pc_check_file some
	fi
	pc_check_v6
	[ "$snap" != 0 ] && pc_check_http GET /hello.txt
	out=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check)
	t_eq "${out%% *}" ok "$NAME: the JSON log: every line a full record ($out)"
done

# ---- pcap_snaplen = 4096: 1 MB up stays small; the 1 GiB bound.
# A 1 GiB tunnel takes a few seconds through the ASan build here; the
# file is read with tshark's sequence analysis off (--fast), which the
# byte counts do not need.
BIG=$((1 << 30))
BIG_BOUND=$((2 << 20))
ph_start big "pcap = $T_DIR/big.pcap" "pcap_snaplen = 4096"
PCAP=$T_DIR/big.pcap
xfer mb connect 127.0.0.1 "127.0.0.1:$PEER" 1048576 "$REPLY"
t0=$(date +%s)
f=$T_DIR/big.gib
out=$("$T_PY" "$T_TOOLS/pcap_xfer.py" --proxy "127.0.0.1:$P" --via socks5 \
    --dest "127.0.0.1:$PEER" --bytes "$BIG" --expect "$REPLY" --timeout 60 \
    --tag "$f.tag" 2>&1)
t_eq "$out" "ok sent=$BIG received=$REPLY" \
    "big: a 1 GiB tunnel (SOCKS5) in $(($(date +%s) - t0)) s"
GIB=$(cat "$f.tag")
ph_stop
size=$(stat -c %s "$PCAP")
pc_read --fast
MB=$(awk '$1 == "mb" { print $2 }' "$T_DIR/big.list")
set -- $(jl "$MB" bytes_up bytes_down)
t_eq "$(pf "$MB" up down upseq downseq)" "1048576 $REPLY 1048576 $REPLY" \
    "big: 1 MB up: tshark counts every byte each way"
t_eq "$*" "1048576 $REPLY" "big: 1 MB up: ... as the JSON log does"
set -- $(pf "$MB" upkept downkept recbytes)
[ "${1:-9}" -le 4096 ] && [ "${2:-9}" -le 4096 ]
t_okd $? "big: 1 MB up: at most 4096 payload bytes kept each way" "$*"
[ "${3:-999999}" -lt 16384 ]
t_okd $? "big: 1 MB up: its records take under 16 KiB of pcap (4 KiB kept each way + headers)" \
    "$(pf "$MB" pkts recbytes) bytes"
set -- $(jl "$GIB" bytes_up bytes_down)
t_eq "$(pf "$GIB" up down upseq downseq)" "$BIG $REPLY $BIG $REPLY" \
    "big: 1 GiB: tshark counts every byte each way (tcp.len and sequence numbers)"
t_eq "$*" "$BIG $REPLY" "big: 1 GiB: ... as the JSON log does"
set -- $(pf "$GIB" start end lenok)
t_eq "$*" ">S,<SA,>A FIN yes" "big: 1 GiB: handshake, FIN, record lengths sane"
[ "$size" -lt "$BIG_BOUND" ]
t_okd $? "big: a 1 GiB tunnel with pcap_snaplen = 4096 costs under 2 MB of pcap" \
    "the file has $size bytes; the 1 GiB stream $(pf "$GIB" pkts) records, $(pf "$GIB" recbytes) bytes"

# ---- Rotation: pcap_rotate_mb = 1, pcap_keep = 3, nothing truncated;
# eight 400 kB echoes (about 6.7 MB of pcap).
ph_start rot "pcap = $T_DIR/rot.pcap" "pcap_snaplen = unlimited" \
    "pcap_rotate_mb = 1" "pcap_keep = 3"
PCAP=$T_DIR/rot.pcap
for i in 1 2 3 4 5 6 7 8; do
	xfer "r$i" socks5 127.0.0.1 "echo.test:$ECHO" 400000 echo
done
ph_stop
for s in "" .1 .2 .3; do
	[ -f "$PCAP$s" ]
	t_ok $? "rot: rot.pcap$s exists"
done
[ ! -e "$PCAP.4" ]
t_ok $? "rot: no rot.pcap.4 (pcap_keep = 3)"
for s in "" .1 .2 .3; do
	[ -f "$PCAP$s" ] || continue
	tshark -n -r "$PCAP$s" >/dev/null 2>"$T_DIR/rot.tserr"
	rc=$?
	grep -v 'Running as user' "$T_DIR/rot.tserr" >"$T_DIR/rot.tserr2"
	[ "$rc" = 0 ] && ! [ -s "$T_DIR/rot.tserr2" ]
	t_okd $? "rot: tshark reads rot.pcap$s cleanly (exit 0, not cut short)" \
	    "exit $rc: $(cat "$T_DIR/rot.tserr2")"
	[ "$s" = "" ] && continue
	size=$(stat -c %s "$PCAP$s")
	[ "$size" -ge $((1 << 20)) ] && [ "$size" -le $(((1 << 20) + 65536 + 100)) ]
	t_okd $? "rot: rot.pcap$s was rotated just past 1 MiB" "$size bytes"
done
# The last three flows lie in the files kept; cut at a rotation, a
# flow goes on in the next file: the files put together hold them whole.
mergecap -a -w "$T_DIR/rot.all" "$PCAP.3" "$PCAP.2" "$PCAP.1" "$PCAP" \
    2>"$T_DIR/mergecap.err"
t_okd $? "rot: mergecap puts the four files together" "$(cat "$T_DIR/mergecap.err")"
SUM=$T_DIR/rot.sum
$FLOWS scan --payload "$T_DIR/rot.all" >"$SUM"
ports=
for i in 6 7 8; do
	cl=$(awk -v l="r$i" '$1 == l { print $2 }' "$T_DIR/rot.list")
	ports="$ports ${cl##*:}"
	set -- $(jl "$cl" bytes_up bytes_down)
	t_eq "$(pf "$cl" up down upseq downseq start)" "$1 $2 $1 $2 >S,<SA,>A" \
	    "rot: r$i, across the rotated files: whole, with the JSON log's byte counts"
	t_eq "$(pf "$cl" uphash downhash)" \
	    "$($FLOWS sha "$T_DIR/rot.r$i.up" 400000) $($FLOWS sha "$T_DIR/rot.r$i.down" 400000)" \
	    "rot: r$i: its payload across the files is the bytes relayed"
done
tshark -n -r "$T_DIR/rot.all" \
    -Y "tcp.analysis.flags && !tcp.analysis.window_update && tcp.port in {$ports}" \
    >"$T_DIR/rot.anal" 2>/dev/null
t_okd "$([ -s "$T_DIR/rot.anal" ] && echo 1 || echo 0)" \
    "rot: no TCP analysis warnings on those flows across the files" \
    "$(head -n 10 "$T_DIR/rot.anal")"
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count event=flow)" 8 \
    "rot: the JSON log has the 8 flows"

# ---- Two forwarded requests on one kept-alive client connection: the
# JSON log has a record for each, the pcap a conversation for each
# (same endpoints, so tshark notes "port numbers reused": not counted
# as a warning here), with each record's byte counts.
ph_start ka "pcap = $T_DIR/ka.pcap" "pcap_snaplen = unlimited"
PCAP=$T_DIR/ka.pcap
"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$T_DIR/ka.ri" 127.0.0.1 "$P" \
    "esc:GET http://web.test:$WEB/hello.txt HTTP/1.1\r\nHost: web.test:$WEB\r\n\r\n" \
    read:100 sleep:0.3 \
    "esc:POST http://web.test:$WEB/echo HTTP/1.1\r\nHost: web.test:$WEB\r\nContent-Length: 300\r\nConnection: close\r\n\r\n" \
    "rep:30:0123456789" >"$T_DIR/ka.reply" 2>/dev/null
cl=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ka.ri")
t_eq "$(grep -c '^HTTP/1.1 200 OK' "$T_DIR/ka.reply")" 2 \
    "ka: two requests on one connection, two 200 answers"
ph_stop
pc_read
"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" all --wait 0.3 --client "$cl" \
    bytes_up bytes_down >"$T_DIR/ka.json"
$FLOWS all "$SUM" "$cl" up down >"$T_DIR/ka.pcapb"
t_eq "$(wc -l <"$T_DIR/ka.json" | tr -d ' ')" 2 "ka: the JSON log has two records for $cl"
t_eq "$(tr '\n' ' ' <"$T_DIR/ka.pcapb")" "$(tr '\n' ' ' <"$T_DIR/ka.json")" \
    "ka: the pcap has a conversation per request, each with its record's byte counts"
$FLOWS all "$SUM" "$cl" upseq downseq >"$T_DIR/ka.pcaps"
t_eq "$(tr '\n' ' ' <"$T_DIR/ka.pcaps")" "$(tr '\n' ' ' <"$T_DIR/ka.json")" \
    "ka: ... by sequence numbers too"
t_eq "$(grep -c '<->' "$T_DIR/ka.conv")" 2 "ka: tshark -z conv,tcp lists two conversations"
t_eq "$($FLOWS all "$SUM" "$cl" start lenok | tr '\n' ' ')" \
    ">S,<SA,>A yes >S,<SA,>A yes " "ka: each conversation starts with SYN, SYN-ACK, ACK"
tshark -n -r "$PCAP" -d "tcp.port==$WEB,http" -Y http.request -T fields \
    -e http.request.method 2>/dev/null | tr '\n' ' ' >"$T_DIR/ka.http"
t_eq "$(cat "$T_DIR/ka.http")" "GET POST " "ka: tshark decodes both requests"
tshark -n -r "$PCAP" -Y \
    'tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.reused_ports' \
    >"$T_DIR/ka.anal" 2>/dev/null
t_okd "$([ -s "$T_DIR/ka.anal" ] && echo 1 || echo 0)" \
    "ka: no TCP analysis warnings" "$(head -n 10 "$T_DIR/ka.anal")"

# ---- SIGUSR1 after the file was renamed away: a new file at PATH
ph_start usr1 "pcap = $T_DIR/usr1.pcap" "pcap_snaplen = unlimited"
PCAP=$T_DIR/usr1.pcap
xfer before socks5 127.0.0.1 "echo.test:$ECHO" 1000 echo
before=$(awk '$1 == "before" { print $2 }' "$T_DIR/usr1.list")
jl "$before" event >/dev/null
mv "$PCAP" "$PCAP.moved"
n=$(grep -c . "$ERR")
kill -USR1 "$PH"
i=0
while [ $i -lt 50 ] && [ "$(grep -c . "$ERR")" -le "$n" ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
xfer after socks5 127.0.0.1 "echo.test:$ECHO" 2000 echo
after=$(awk '$1 == "after" { print $2 }' "$T_DIR/usr1.list")
ph_stop
[ -f "$PCAP" ]
t_ok $? "usr1: after a rename and SIGUSR1, pinhole writes a new usr1.pcap"
pc_read --payload
t_eq "$(pf "$after" up down start)" "2000 2000 >S,<SA,>A" \
    "usr1: the flow after SIGUSR1 is in the new file, whole"
t_eq "$(pf "$before" up)" missing "usr1: ... and the flow before it is not"
SUM=$T_DIR/usr1.old.sum
$FLOWS scan "$PCAP.moved" >"$SUM"
t_eq "$(pf "$before" up down)" "1000 1000" \
    "usr1: the flow before SIGUSR1 is in the renamed file"
t_eq "$(pf "$after" up)" missing "usr1: ... and the one after is not"

# ---- A full disk: the pcap on a 256 kB tmpfs, the JSON log elsewhere.
FULLDIR=$T_DIR/full
mkdir -p "$FULLDIR"
if ! mount -t tmpfs -o size=256k tmpfs "$FULLDIR" 2>"$T_DIR/mount.err"; then
	T_N=$((T_N + 1))
	echo "ok $T_N # SKIP full disk: cannot mount a tmpfs: $(head -n 1 "$T_DIR/mount.err")"
else
	FULL=$FULLDIR
	ph_start full "pcap = $FULLDIR/full.pcap" "pcap_snaplen = unlimited"
	PCAP=$FULLDIR/full.pcap
	lines0=$(grep -ci pcap "$ERR")
	for i in 1 2 3 4; do
		xfer "f$i" socks5 127.0.0.1 "echo.test:$ECHO" 1000000 echo
	done
	xfer f5 connect 127.0.0.1 "127.0.0.1:$PEER" 12345 "$REPLY"
	while read -r label cl kind; do
		set -- $(jl "$cl" event bytes_up bytes_down)
		case $label in f5) w="flow 12345 $REPLY" ;; *) w="flow 1000000 1000000" ;; esac
		t_eq "$*" "$w" "full: $label is in the JSON log with its bytes"
	done <"$T_DIR/full.list"
	t_eq "$(($(grep -ci pcap "$ERR") - lines0))" 1 \
	    "full: while relaying, pinhole's stderr got one line about the pcap for the episode"
	ph_stop
	grep -i pcap "$ERR" | tail -n +$((lines0 + 1)) >"$T_DIR/full.pcaplines"
	t_eq "$(wc -l <"$T_DIR/full.pcaplines" | tr -d ' ')" 1 \
	    "full: ... and still one after the shutdown (closing the file on the full disk)"
	grep -qi -e error -e fail -e 'no space' -e warn "$T_DIR/full.pcaplines"
	t_okd $? "full: ... and it reports the failure" \
	    "$(head -n 5 "$T_DIR/full.pcaplines")"
	sed 's/^/#   /' "$T_DIR/full.pcaplines" | head -n 3
	umount "$FULLDIR"
	t_ok $? "full: the tmpfs is unmounted"
	FULL=
fi
t_done
