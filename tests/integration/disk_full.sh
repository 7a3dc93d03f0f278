#!/bin/sh
# The access log and the pcap on a tiny tmpfs (256 kB) that fills up:
# relaying goes on with every byte; each file's failure is logged once
# per episode in the events log (pinhole's stderr) and counted in
# /metrics; when space comes back pinhole says it writes again, and a
# second episode is logged and counted once more.  Whatever was written
# stays readable: the access log holds whole JSON lines only, and
# tshark reads the pcap, which is one header and whole records (cut
# back to the last whole one).  Then the same with two workers writing
# the one pcap (the access log elsewhere): still one line and one count
# per episode, not one per worker.  Needs mount(8) of a tmpfs (root);
# where that is refused, /dev/full stands in for the disk (every write
# fails: one episode, no recovery) and a figure says so.
# (pcap.sh has the pcap alone on a full tmpfs, one episode.)
. tests/integration/lib.sh
. tests/soak/lib.sh

s_world_or_bail
FULL=$T_DIR/full
FLOWS="$T_PY $T_TOOLS/pcap_flows.py"
mkdir -p "$FULL"
trap 'umount "$FULL" 2>/dev/null; t_cleanup' EXIT

# traffic LABEL: 12 tunnels, 50 kB each way, every byte checked.
traffic() {
	s_load --workers 4 --each 3 --via connect,socks5,socks4a \
	    --bytes 50000 --timeout 20
	t_okd $([ "$S_SERVED:$S_REFUSED:$S_BROKEN" = 12:0:0 ]; echo $?) \
	    "$W$1: 12 tunnels of 50 kB served exactly" "$S_LOAD"
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

# full_case WORKERS: pinhole with that many workers and the pcap on the
# small disk, the access log too with one worker (its lines and counts
# in A: 1, or 0 with the access log elsewhere).  Checks are named with
# $W ("" or "w2: ").
full_case() {
	if mount -t tmpfs -o size=256k tmpfs "$FULL" 2>"$T_DIR/mount.err"; then
		MOUNTED=1
		PCAP=$FULL/flows.pcap
	else
		MOUNTED=
		PCAP=/dev/full
		s_fig "${W}cannot mount a tmpfs ($(head -n 1 "$T_DIR/mount.err")): /dev/full instead"
	fi
	if [ "$1" = 1 ]; then
		A=1 W= ACCESS=$FULL/flows.jsonl
		[ -n "$MOUNTED" ] || ACCESS=/dev/full
	else
		A=0 W="w$1: " ACCESS=$T_DIR/flows$1.jsonl
	fi
	CONF=$T_DIR/full$1.ini
	ERR=$T_DIR/full$1.err
	S_WORKERS=$1 S_LOG=$ACCESS S_LOGLINES="pcap = $PCAP
pcap_snaplen = unlimited" s_conf "$CONF" "handshake_timeout = 10s"
	t_start_pinhole "$CONF" "$ERR" "$P" 1
	t_okd $? "${W}pinhole started, $([ $A = 1 ] && echo 'access log and ')pcap on the small disk" \
	    "$(tail -n 5 "$ERR")" || { echo "Bail out!"; exit 1; }
	PID=$PH_PID
	t_wait_port "$ADMIN" 1 100 "$PID"

	# ---- episode 1: the disk fills up
	traffic "filling"
	traffic "full"
	traffic "still full"
	sleep 1
	t_eq "$(lines "$A_FAIL"):$(lines "$P_FAIL")" $A:1 \
	    "${W}episode 1: one line for the pcap$([ $A = 1 ] && echo ', one for the access log')"
	grep -e "$A_FAIL" -e "$P_FAIL" "$ERR" | sed 's/^/#   /'
	wa1=$(m 'pinhole_write_errors_total{file="access"}')
	wp1=$(m 'pinhole_write_errors_total{file="pcap"}')
	ea1=$(m 'pinhole_write_failures_total{file="access"}')
	ep1=$(m 'pinhole_write_failures_total{file="pcap"}')
	t_okd $([ "${wa1:-0}" -ge $A ] && [ "${wp1:-0}" -gt 0 ]; echo $?) \
	    "${W}episode 1: /metrics counts the lost writes" \
	    "$(grep write_ "$T_DIR/m")"
	t_eq "${ea1:-missing}:${ep1:-missing}" $A:1 \
	    "${W}episode 1: /metrics counts one failure episode for each file on the disk"
	s_fig "${W}episode 1: write errors access $wa1, pcap $wp1; episodes ${ea1:-?}, ${ep1:-?}"
	! t_gone "$PID"
	t_ok $? "${W}pinhole is still running"

	if [ -n "$MOUNTED" ]; then
		# ---- space comes back
		mount -o remount,size=64m "$FULL"
		t_ok $? "${W}the tmpfs grows to 64 MB"
		# (the pcap tries again at most once a second)
		traffic "recovered"
		sleep 1.2
		traffic "recovered, a second later"
		if [ $A = 1 ]; then
			t_wait_grep "$ERR" "$A_OK" 1 50
			t_ok $? "pinhole says the access log writes again"
		fi
		t_wait_grep "$ERR" "$P_OK" 1 50
		t_ok $? "${W}pinhole says the pcap writes again"
		# ---- episode 2: a filler takes the space again
		dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
		traffic "full again"
		traffic "still full again"
		sleep 1
		t_eq "$(lines "$A_FAIL"):$(lines "$P_FAIL")" $((A * 2)):2 \
		    "${W}episode 2: one more line for each file on the disk"
		ea2=$(m 'pinhole_write_failures_total{file="access"}')
		ep2=$(m 'pinhole_write_failures_total{file="pcap"}')
		t_eq "${ea2:-missing}:${ep2:-missing}" $((A * 2)):2 \
		    "${W}episode 2: /metrics counts a second episode for each file on the disk"
		rm -f "$FULL/filler"
		traffic "recovered again"
		sleep 1.2
		traffic "recovered again, a second later"
		{ [ $A = 0 ] || t_wait_grep "$ERR" "$A_OK" 2 50; } &&
		    t_wait_grep "$ERR" "$P_OK" 2 50
		t_ok $? "${W}both episodes end: writing again a second time"
	fi

	# Every record that was not written is counted: lines written and
	# records lost add up to the requests that ended.
	s_metrics "$T_DIR/m"
	total=$(awk '/^pinhole_connections_total\{/ { n += $2 } END { print n + 0 }' "$T_DIR/m")
	lost=$(s_m "$T_DIR/m" 'pinhole_write_errors_total{file="access"}')
	t_stop_pinhole "$PID" "$ERR" "${W}full disk" 300
	if [ $A = 0 ]; then
		# Both workers met the full disk (ids: the leader's even).
		set -- $("$T_PY" -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
print(sum(1 for i in ids if i % 2 == 0), sum(1 for i in ids if i % 2 == 1))' "$ACCESS")
		t_ok $([ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ]; echo $?) \
		    "${W}both workers relayed: ${1:-?} flows by the leader, ${2:-?} by the follower"
		[ -n "$MOUNTED" ] &&
		    t_eq "$(lines "$P_OK")" 2 "${W}one 'writing again' line per episode, not one per worker"
	fi
	if [ -n "$MOUNTED" ]; then
		if [ $A = 1 ]; then
			written=$(grep -c '^{.*}$' "$ACCESS")
			t_eq "$((written + lost))" "$total" \
			    "records written ($written) and lost ($lost) add up to the requests ($total)"
			out=$("$T_PY" "$T_TOOLS/flowlog.py" "$ACCESS" check)
			t_eq "${out%% *}" ok "the access log holds whole records only ($out)"
		fi
		tshark -r "$PCAP" -q -z io,stat,0 >"$T_DIR/tshark.out" 2>&1
		t_okd $? "${W}tshark reads the pcap written around the full disk" \
		    "$(tail -n 3 "$T_DIR/tshark.out")"
		out=$($FLOWS walk "$PCAP" 2>&1)
		t_okd $? "${W}the pcap is one header and whole records: cut back to the last whole one" \
		    "$out"
		s_fig "${W}full disk: pcap $(stat -c %s "$PCAP") bytes ($out), $(grep -c . "$ERR") lines in the events log"
		umount "$FULL"
		t_ok $? "${W}the tmpfs is unmounted"
	fi
}

full_case 1
full_case 2
t_done
