#!/bin/sh
# A reset is passed on as a reset: a client that closes its tunnel with
# an RST (SO_LINGER 0) makes the destination see a reset, not a clean
# end of its data, and the other way round; the pcap draws the RST from
# the end that sent it; the record is a flow counting the bytes.
. tests/integration/lib.sh

t_proxy_world_or_bail
set -- $(t_free_ports 2)
D1=$1 D2=$2
LOG=$T_DIR/flows.jsonl
PCAP=$T_DIR/flows.pcap
ERR=$T_DIR/reset.err
CONF=$T_DIR/reset.ini
t_proxy_conf "$CONF" "$P" "$LOG"
sed -i "s|^\[log\]\$|[log]\\npcap = $PCAP|" "$CONF"
cat >>"$CONF" <<EOC

[allow dests]
nets = 127.0.0.1
ports = $D1, $D2
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

kill -USR1 "$PID"
sleep 0.5
t_eq "$(rst_src "${CL#*:}")" "$CL" \
    "the pcap draws the first RST from the client that sent it"
t_eq "$(rst_src "$D2")" "127.0.0.1:$D2" \
    "the pcap draws the second RST from the destination that sent it"
t_eq "$(tshark -r "$PCAP" -Y "tcp.flags.reset == 1 && tcp.port == $D1" 2>/dev/null | wc -l)" 1 \
    "... one RST for the first flow"
t_stop_pinhole "$PID" "$ERR" "reset"
t_done
