#!/bin/sh
# Reproduction (report only, not fixed): a worker held in its pcap
# write(2) with the writers' lock held (here: stopped by gdb at a write
# of a buffer, standing in for a hung NFS/FUSE mount or a disk in
# dirty-page throttling) stops every worker's relaying: the other
# worker blocks in the lock at its next flush (a full buffer or the
# one-second tick).  Needs gdb and root (ptrace).  Run from the top of
# the tree, under the bench lock.
. tests/integration/lib.sh
t_proxy_world_or_bail
t_proxy_conf "$T_DIR/h.ini" "$P" "$T_DIR/h.jsonl"
sed -i -e 's/^workers = 1$/workers = 2/' \
    -e "/^access = /a pcap = $T_DIR/h.pcap\\npcap_snaplen = unlimited" \
    "$T_DIR/h.ini"
t_start_pinhole "$T_DIR/h.ini" "$T_DIR/h.err" "$P" || exit 1
L=$PH_PID F=$(pgrep -P "$PH_PID")
T_PIDS="$T_PIDS $F"
xfer() {	# xfer BYTES TIMEOUT
	"$T_PY" "$T_TOOLS/pcap_xfer.py" --proxy "127.0.0.1:$P" --via connect \
	    --dest "127.0.0.1:$ECHO" --bytes "$1" --expect echo \
	    --timeout "$2" >/dev/null 2>&1
}
# The follower stops in write_out (under the lock, before its write of a
# buffer of records), for 20 s, then goes on.
timeout 60 gdb -q -p "$F" -batch -ex 'set pagination off' \
    -ex 'break write_out' -ex continue \
    -ex 'shell touch '"$T_DIR"'/held' -ex 'shell sleep 30' \
    -ex detach >"$T_DIR/gdb.out" 2>&1 &
GDB=$!
sleep 3
i=0	# tunnels of 200 kB until the follower holds the lock
while [ $i -lt 40 ] && [ ! -e "$T_DIR/held" ]; do
	xfer 200000 5 &
	sleep 0.2
	i=$((i + 1))
done
t_ok $([ -e "$T_DIR/held" ]; echo $?) "the follower is stopped in a pcap write, lock held"
sleep 2	# the leader's tick meets the lock
ok=0
for i in 1 2 3 4 5 6; do xfer 1000 4 && ok=$((ok + 1)); done
t_eq "$ok" 6 "6 small tunnels relayed while one worker sits in a pcap write"
sleep 1.5	# the leader's tick, with its records of those tunnels
W=$(cat "/proc/$L/wchan" 2>/dev/null)
echo "# the leader's main thread waits in: $W"
case $W in *futex*) t_ok 1 "the leader is not waiting for the lock ($W)" ;;
*) t_ok 0 "the leader is not waiting for the lock ($W)" ;; esac
ok=0
for i in 1 2 3 4 5 6; do xfer 1000 4 && ok=$((ok + 1)); done
t_eq "$ok" 6 "6 more small tunnels relayed"
wait "$GDB"
ok=0
for i in 1 2 3; do xfer 1000 4 && ok=$((ok + 1)); done
t_eq "$ok" 3 "after it: 3 small tunnels relayed"
t_stop_pinhole "$L" "$T_DIR/h.err" h
t_done
