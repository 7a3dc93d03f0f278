#!/bin/sh
# Relaying never waits for the pcap, with two workers writing it:
# (1) the pcap path is a FIFO no one reads (or reads slowly): once the
# pipe is full, a write must fail and be counted, not block the worker
# that holds the writers' lock (and with it every other worker's event
# loop); (2) a file size limit (ulimit -f, systemd LimitFSIZE=) is a
# full disk: a write past it must fail (EFBIG), not kill the worker with
# SIGXFSZ in the middle of a record, lock held (pinhole then goes down
# and the file keeps a torn record that tshark cannot read past).
. tests/integration/lib.sh

t_proxy_world_or_bail
XFER="$T_PY $T_TOOLS/pcap_xfer.py"

# xfers N BYTES: N tunnels of BYTES each way, one after the other, 8 s
# each at most; prints how many came back whole.
xfers() {
	ok=0
	for i in $(seq 1 "$1"); do
		$XFER --proxy "127.0.0.1:$P" --via connect \
		    --dest "127.0.0.1:$ECHO" --bytes "$2" --expect echo \
		    --timeout 8 >/dev/null 2>&1 && ok=$((ok + 1))
	done
	echo "$ok"
}
conf() {	# conf NAME PCAP
	t_proxy_conf "$T_DIR/$1.ini" "$P" "$T_DIR/$1.jsonl"
	sed -i -e 's/^workers = 1$/workers = 2/' \
	    -e "/^access = /a pcap = $2\\npcap_snaplen = unlimited" \
	    "$T_DIR/$1.ini"
}

# ---- (1) a FIFO at the pcap path, nothing reading it
mkfifo "$T_DIR/fifo.pcap"
conf fifo "$T_DIR/fifo.pcap"
t_start_pinhole "$T_DIR/fifo.ini" "$T_DIR/fifo.err" "$P"
t_ok $? "fifo: pinhole with workers = 2 and a FIFO as its pcap started" ||
    { echo "Bail out! $(head -c 300 "$T_DIR/fifo.err")"; exit 1; }
FIFO_PID=$PH_PID
FIFO_FOLLOWER=$(pgrep -P "$FIFO_PID")
T_PIDS="$T_PIDS $FIFO_FOLLOWER"
# 3 tunnels of 100 kB each way: the pipe (64 KiB) fills within them.
t_eq "$(xfers 3 100000)" 3 "fifo: 3 tunnels of 100 kB relayed whole"
sleep 2	# the one-second flush of both workers has run
t_eq "$(xfers 5 1000)" 5 \
    "fifo: 5 more tunnels relayed, the pipe full (no worker waits on it)"
t_stop_pinhole "$FIFO_PID" "$T_DIR/fifo.err" "fifo" 100
t_gone "$FIFO_FOLLOWER" || kill -KILL "$FIFO_FOLLOWER"

# ---- (2) ulimit -f: the pcap reaches the size limit
conf fsize "$T_DIR/fsize.pcap"
ULIMIT_F=200	# KiB; the access log stays far below it
(
	ulimit -f "$ULIMIT_F"
	exec "$PINHOLE" -c "$T_DIR/fsize.ini"
) >"$T_DIR/fsize.err.out" 2>"$T_DIR/fsize.err" &
FS_PID=$!
T_PIDS="$T_PIDS $FS_PID"
FS_FOLLOWER=
t_wait_port "$P" 2 100 "$FS_PID" &&
    t_wait_grep "$T_DIR/fsize.err" 'pinhole .* started: ' 1 100
t_ok $? "fsize: pinhole with ulimit -f $ULIMIT_F and workers = 2 started" ||
    { echo "Bail out!"; exit 1; }
FS_FOLLOWER=$(pgrep -P "$FS_PID")
T_PIDS="$T_PIDS $FS_FOLLOWER"
t_eq "$(xfers 6 100000)" 6 "fsize: 6 tunnels of 100 kB relayed whole"
sleep 2
t_eq "$(xfers 4 1000)" 4 "fsize: 4 more tunnels relayed after the limit"
t_ok $(t_gone "$FS_PID"; echo $((!$?))) \
    "fsize: pinhole runs on past the file size limit"
grep -q 'pcap .*cannot write' "$T_DIR/fsize.err"
t_okd $? "fsize: the failed write is logged" "$(tail -n 5 "$T_DIR/fsize.err")"
t_stop_pinhole "$FS_PID" "$T_DIR/fsize.err" "fsize" 100
t_gone "$FS_FOLLOWER" || kill -KILL "$FS_FOLLOWER"
tshark -r "$T_DIR/fsize.pcap" >/dev/null 2>"$T_DIR/fsize.tshark"
t_okd $? "fsize: tshark reads the pcap to its end (no torn record)" \
    "$(head -c 300 "$T_DIR/fsize.tshark")"
t_done
