#!/bin/sh
# The access log and the pcap on a tiny tmpfs (256 kB) that fills up:
# relaying goes on with every byte; each file's failure is logged once
# per episode in the events log (pinhole's stderr) and counted in
# /metrics; when space comes back pinhole says it writes again, and a
# second episode is logged and counted once more.  Whatever was written
# stays readable: the access log holds whole JSON lines only, and
# tshark reads the pcap.  Needs mount(8) of a tmpfs (root); where that
# is refused, /dev/full stands in for the disk (every write fails: one
# episode, no recovery) and a figure says so.
# (pcap.sh has the pcap alone on a full tmpfs, one episode.)
. tests/integration/lib.sh
. tests/soak/lib.sh

s_world_or_bail
FULL=$T_DIR/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=256k tmpfs "$FULL" 2>"$T_DIR/mount.err"; then
	MOUNTED=1
	ACCESS=$FULL/flows.jsonl PCAP=$FULL/flows.pcap
	trap 'umount "$FULL" 2>/dev/null; t_cleanup' EXIT
else
	MOUNTED=
	ACCESS=/dev/full PCAP=/dev/full
	s_fig "cannot mount a tmpfs ($(head -n 1 "$T_DIR/mount.err")): /dev/full instead"
fi
CONF=$T_DIR/full.ini
ERR=$T_DIR/full.err
S_LOG=$ACCESS S_LOGLINES="pcap = $PCAP
pcap_snaplen = unlimited" s_conf "$CONF" "handshake_timeout = 10s"
t_start_pinhole "$CONF" "$ERR" "$P" 1
t_okd $? "pinhole started, access log and pcap on the small disk" \
    "$(tail -n 5 "$ERR")" || { echo "Bail out!"; exit 1; }
PID=$PH_PID
t_wait_port "$ADMIN" 1 100 "$PID"

# traffic LABEL: 12 tunnels, 50 kB each way, every byte checked.
traffic() {
	s_load --workers 4 --each 3 --via connect,socks5,socks4a \
	    --bytes 50000 --timeout 20
	t_okd $([ "$S_SERVED:$S_REFUSED:$S_BROKEN" = 12:0:0 ]; echo $?) \
	    "$1: 12 tunnels of 50 kB served exactly" "$S_LOAD"
}
lines() { grep -c -e "$1" "$ERR"; }
A_FAIL='access log: .*lost until'
A_OK='access log: writing again'
P_FAIL='pcap .*cannot write'
P_OK='pcap .*writing again'
m() {	# m KEY: a metric now
	s_metrics "$T_DIR/m"
	s_m "$T_DIR/m" "$1"
}

# ---- episode 1: the disk fills up
traffic "filling"
traffic "full"
traffic "still full"
sleep 1
t_eq "$(lines "$A_FAIL"):$(lines "$P_FAIL")" 1:1 \
    "episode 1: one line for the access log, one for the pcap"
grep -e "$A_FAIL" -e "$P_FAIL" "$ERR" | sed 's/^/#   /'
wa1=$(m 'pinhole_write_errors_total{file="access"}')
wp1=$(m 'pinhole_write_errors_total{file="pcap"}')
ea1=$(m 'pinhole_write_failures_total{file="access"}')
ep1=$(m 'pinhole_write_failures_total{file="pcap"}')
t_okd $([ "${wa1:-0}" -gt 0 ] && [ "${wp1:-0}" -gt 0 ]; echo $?) \
    "episode 1: /metrics counts the lost writes of both files" \
    "$(grep write_ "$T_DIR/m")"
t_eq "${ea1:-missing}:${ep1:-missing}" 1:1 \
    "episode 1: /metrics counts one failure episode for each file"
s_fig "episode 1: write errors access $wa1, pcap $wp1; episodes ${ea1:-?}, ${ep1:-?}"
! t_gone "$PID"
t_ok $? "pinhole is still running"

if [ -n "$MOUNTED" ]; then
	# ---- space comes back
	mount -o remount,size=64m "$FULL"
	t_ok $? "the tmpfs grows to 64 MB"
	# (the pcap tries again at most once a second, at a packet)
	traffic "recovered"
	sleep 1.2
	traffic "recovered, a second later"
	t_wait_grep "$ERR" "$A_OK" 1 50
	t_ok $? "pinhole says the access log writes again"
	t_wait_grep "$ERR" "$P_OK" 1 50
	t_ok $? "pinhole says the pcap writes again"
	# ---- episode 2: a filler takes the space again
	dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
	traffic "full again"
	traffic "still full again"
	sleep 1
	t_eq "$(lines "$A_FAIL"):$(lines "$P_FAIL")" 2:2 \
	    "episode 2: one more line for each file"
	ea2=$(m 'pinhole_write_failures_total{file="access"}')
	ep2=$(m 'pinhole_write_failures_total{file="pcap"}')
	t_eq "${ea2:-missing}:${ep2:-missing}" 2:2 \
	    "episode 2: /metrics counts a second episode for each file"
	wa2=$(m 'pinhole_write_errors_total{file="access"}')
	rm -f "$FULL/filler"
	traffic "recovered again"
	sleep 1.2
	traffic "recovered again, a second later"
	t_wait_grep "$ERR" "$A_OK" 2 50 && t_wait_grep "$ERR" "$P_OK" 2 50
	t_ok $? "both write again a second time"
fi

# Every record that was not written is counted: lines written and
# records lost add up to the requests that ended.
s_metrics "$T_DIR/m"
total=$(awk '/^pinhole_connections_total\{/ { n += $2 } END { print n + 0 }' "$T_DIR/m")
lost=$(s_m "$T_DIR/m" 'pinhole_write_errors_total{file="access"}')
t_stop_pinhole "$PID" "$ERR" "full disk" 300
if [ -n "$MOUNTED" ]; then
	written=$(grep -c '^{.*}$' "$ACCESS")
	t_eq "$((written + lost))" "$total" \
	    "records written ($written) and lost ($lost) add up to the requests ($total)"
	out=$("$T_PY" "$T_TOOLS/flowlog.py" "$ACCESS" check)
	t_eq "${out%% *}" ok "the access log holds whole records only ($out)"
	tshark -r "$PCAP" -q -z io,stat,0 >"$T_DIR/tshark.out" 2>&1
	t_okd $? "tshark reads the pcap written around the full disk" \
	    "$(tail -n 3 "$T_DIR/tshark.out")"
	s_fig "full disk: $written records written, $lost lost, $(grep -c . "$ERR") lines in the events log"
	umount "$FULL"
	t_ok $? "the tmpfs is unmounted"
fi
t_done
