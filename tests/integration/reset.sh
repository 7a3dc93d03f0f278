#!/bin/sh
# A reset is passed on as a reset: a client that closes its tunnel with
# an RST (SO_LINGER 0) makes the destination see a reset, not a clean
# end of its data, and the other way round; the pcap draws the RST from
# the end that sent it; the record is a flow counting the bytes.  A reset
# after its sender's own FIN is passed on too, at once (the other end does
# not wait for idle_timeout).  The bytes a reset dropped (what pinhole held
# and what the receiver had not acknowledged) are not counted, either way:
# the record's count is what the receiver read (at most a segment whose
# ACK was delayed short of it), and the pcap's last ACK from it says so.
. tests/integration/lib.sh

t_proxy_world_or_bail
set -- $(t_free_ports 6)
D1=$1 D2=$2 D3=$3 D4=$4 D5=$5 D6=$6
LOG=$T_DIR/flows.jsonl
PCAP=$T_DIR/flows.pcap
ERR=$T_DIR/reset.err
CONF=$T_DIR/reset.ini
t_proxy_conf "$CONF" "$P" "$LOG"
sed -i "s|^\[log\]\$|[log]\\npcap = $PCAP|" "$CONF"
cat >>"$CONF" <<EOC

[allow dests]
nets = 127.0.0.1
ports = $D1, $D2, $D3, $D4, $D5, $D6
EOC
t_start_pinhole "$CONF" "$ERR" "$P"
t_ok $? "pinhole started with a pcap"
PID=$PH_PID
rst_src() {	# the sender of the RST of the stream with PORT, as IP:PORT
	tshark -r "$PCAP" -Y "tcp.flags.reset == 1 && tcp.port == $1" \
	    -T fields -e ip.src -e tcp.srcport 2>/dev/null | head -n 1 |
	    tr '\t' ':'
}

# The client resets.
t_bg "$T_DIR/s1.out" "$T_PY" "$T_TOOLS/reset_peer.py" server --port "$D1" \
    --out "$T_DIR/s1"
t_wait_grep "$T_DIR/s1.out" '^ready' 1 50
"$T_PY" "$T_TOOLS/reset_peer.py" client --proxy "$P" --dest "127.0.0.1:$D1" \
    --reset-after 1000 --out "$T_DIR/c1"
t_wait_exit "$T_BG_PID" 100
t_eq "$(cat "$T_DIR/s1" 2>/dev/null)" "reset 1000" \
    "a client's reset reaches the destination as a reset, after its 1000 bytes"
CL=$(sed -n 's/^local=//p' "$T_DIR/c1")
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$CL" \
    event bytes_up)" "flow 1000" "... recorded as a flow of 1000 bytes up"

# The destination resets.
t_bg "$T_DIR/s2.out" "$T_PY" "$T_TOOLS/reset_peer.py" server --port "$D2" \
    --reset-after 2000 --out "$T_DIR/s2"
t_wait_grep "$T_DIR/s2.out" '^ready' 1 50
"$T_PY" "$T_TOOLS/reset_peer.py" client --proxy "$P" --dest "127.0.0.1:$D2" \
    --out "$T_DIR/c2"
t_wait_exit "$T_BG_PID" 100
t_eq "$(head -n 1 "$T_DIR/c2")" "reset 2000" \
    "a destination's reset reaches the client as a reset, after its 2000 bytes"
CL2=$(sed -n 's/^local=//p' "$T_DIR/c2")

# The client half-closes after 1000 bytes, then resets while the
# destination, which read its EOF, is quiet: the destination sees the
# reset, without sending anything to meet it.
t_bg "$T_DIR/s3.out" "$T_PY" "$T_TOOLS/reset_peer.py" server --port "$D3" \
    --watch 4 --out "$T_DIR/s3"
t_wait_grep "$T_DIR/s3.out" '^ready' 1 50
"$T_PY" "$T_TOOLS/reset_peer.py" client --proxy "$P" --dest "127.0.0.1:$D3" \
    --reset-after 1000 --fin --out "$T_DIR/c3"
t_wait_exit "$T_BG_PID" 100
t_eq "$(cat "$T_DIR/s3" 2>/dev/null)" "eof 1000 reset" \
    "a client's reset after its FIN reaches the quiet destination as a reset"
CL3=$(sed -n 's/^local=//p' "$T_DIR/c3")
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$CL3" \
    event reason bytes_up bytes_down)" "flow null 1000 0" \
    "... recorded as a flow of 1000 bytes up"

# The destination does the same the other way.
t_bg "$T_DIR/s4.out" "$T_PY" "$T_TOOLS/reset_peer.py" server --port "$D4" \
    --reset-after 2000 --fin --out "$T_DIR/s4"
t_wait_grep "$T_DIR/s4.out" '^ready' 1 50
"$T_PY" "$T_TOOLS/reset_peer.py" client --proxy "$P" --dest "127.0.0.1:$D4" \
    --watch 4 --out "$T_DIR/c4"
t_wait_exit "$T_BG_PID" 100
t_eq "$(head -n 1 "$T_DIR/c4")" "eof 2000 reset" \
    "a destination's reset after its FIN reaches the quiet client as a reset"
CL4=$(sed -n 's/^local=//p' "$T_DIR/c4")
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$CL4" \
    event reason bytes_up bytes_down)" "flow null 0 2000" \
    "... recorded at once as a flow of 2000 bytes down"

# The client sends until the tunnel takes no more (the destination reads
# nothing yet, through a small receive buffer), then resets: what pinhole
# had written and the destination had not acknowledged is dropped.  The
# destination reads what reached it, then the reset.
t_bg "$T_DIR/s5.out" "$T_PY" "$T_TOOLS/reset_peer.py" server --port "$D5" \
    --rcvbuf 4096 --read-when "$T_DIR/c5" --out "$T_DIR/s5"
t_wait_grep "$T_DIR/s5.out" '^ready' 1 50
"$T_PY" "$T_TOOLS/reset_peer.py" client --proxy "$P" --dest "127.0.0.1:$D5" \
    --flood --out "$T_DIR/c5"
t_wait_exit "$T_BG_PID" 100
got5=$(sed -n 's/^reset //p' "$T_DIR/s5")
sent5=$(sed -n 's/^sent //p' "$T_DIR/c5")
t_okd "$([ "${got5:-0}" -gt 0 ] && [ "${sent5:-0}" -gt "$got5" ] && echo 0 || echo 1)" \
    "a flood cut by the client's reset: the destination read part of it, then the reset" \
    "sent $sent5, destination: $(cat "$T_DIR/s5" 2>/dev/null)"
# The record counts what the destination acknowledged: every byte it
# read but, at most, the last segment, which can have arrived with its
# ACK still delayed when the reset went.
CL5=$(sed -n 's/^local=//p' "$T_DIR/c5")
set -- $("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$CL5" \
    event bytes_up bytes_down)
up5=${2:-0}
t_okd "$([ "$1 $3" = "flow 0" ] && [ "$up5" -le "${got5:-0}" ] &&
    [ $((got5 - up5)) -lt 65536 ] && echo 0 || echo 1)" \
    "... the record counts what was delivered (not what the reset dropped)" \
    "record: $*; the destination read $got5"

# The same the other way: the destination floods a client that reads
# nothing yet, then resets.
t_bg "$T_DIR/s6.out" "$T_PY" "$T_TOOLS/reset_peer.py" server --port "$D6" \
    --flood --out "$T_DIR/s6"
t_wait_grep "$T_DIR/s6.out" '^ready' 1 50
"$T_PY" "$T_TOOLS/reset_peer.py" client --proxy "$P" --dest "127.0.0.1:$D6" \
    --rcvbuf 4096 --read-when "$T_DIR/s6" --out "$T_DIR/c6"
t_wait_exit "$T_BG_PID" 100
got6=$(sed -n 's/^reset //p' "$T_DIR/c6")
sent6=$(sed -n 's/^sent //p' "$T_DIR/s6")
CL6=$(sed -n 's/^local=//p' "$T_DIR/c6")
set -- $("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$CL6" \
    event bytes_up bytes_down)
down6=${3:-0}
t_okd "$([ "${got6:-0}" -gt 0 ] && [ "${sent6:-0}" -gt "$got6" ] &&
    [ "$1 $2" = "flow 0" ] && [ "$down6" -le "$got6" ] &&
    [ $((got6 - down6)) -lt 65536 ] && echo 0 || echo 1)" \
    "a destination's flood cut by its reset: the record counts what the client got" \
    "sent $sent6, client: $(head -n 1 "$T_DIR/c6" 2>/dev/null), record: $*"

kill -USR1 "$PID"
sleep 0.5
t_eq "$(rst_src "${CL#*:}")" "$CL" \
    "the pcap draws the first RST from the client that sent it"
t_eq "$(rst_src "$D2")" "127.0.0.1:$D2" \
    "the pcap draws the second RST from the destination that sent it"
t_eq "$(tshark -r "$PCAP" -Y "tcp.flags.reset == 1 && tcp.port == $D1" 2>/dev/null | wc -l)" 1 \
    "... one RST for the first flow"
# flags PORT: the flags of the stream with PORT, in order, as FROM:FLAGS
# (c: from the client, d: from the destination; F R A as set).
flags() {
	tshark -r "$PCAP" -Y "tcp.port == $1 && tcp.len == 0" -T fields \
	    -e tcp.srcport -e tcp.flags.fin -e tcp.flags.reset 2>/dev/null |
	    awk -v d="$2" '{ f = ($2 == "1" || $2 == "True") ? "F" : "";
	        f = f (($3 == "1" || $3 == "True") ? "R" : "");
	        if (f != "") printf "%s%s:%s", n++ ? " " : "", $1 == d ? "d" : "c", f }'
}
t_eq "$(flags "$D3" "$D3")" "c:F c:R" \
    "the pcap draws the client's FIN, then its RST, for the reset after a FIN"
t_eq "$(flags "$D4" "$D4")" "d:F d:R" \
    "... and the destination's FIN, then its RST, the other way"
# The destination's last ACK before the RST: tshark's relative numbers
# count the SYN as 1.
ack5=$(tshark -r "$PCAP" -Y "tcp.srcport == $D5 && tcp.flags.reset == 0" \
    -T fields -e tcp.ack 2>/dev/null | tail -n 1)
t_eq "$((ack5 - 1))" "$up5" \
    "the pcap's last ACK from the destination acknowledges the bytes counted"
ack6=$(tshark -r "$PCAP" -Y "tcp.dstport == $D6 && tcp.flags.reset == 0" \
    -T fields -e tcp.ack 2>/dev/null | tail -n 1)
t_eq "$((ack6 - 1))" "$down6" \
    "... and the client's, the other way"
t_stop_pinhole "$PID" "$ERR" "reset"
t_done
