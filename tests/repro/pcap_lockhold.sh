#!/bin/sh
# Measurement, not a test: how long a worker holds the pcap writers'
# lock in write(2), and how long the others wait for it (futex), with
# workers = 2, a regular pcap in $TMPDIR and 8 tunnels of 1 MB each way
# (pcap_snaplen unlimited), strace -T on both workers.  Prints the
# largest and the sum of the write(2) times on the pcap descriptor and
# of the futex waits.  Run from the top of the tree, under the bench lock.
. tests/integration/lib.sh
t_proxy_world_or_bail
t_proxy_conf "$T_DIR/m.ini" "$P" "$T_DIR/m.jsonl"
sed -i -e 's/^workers = 1$/workers = 2/' \
    -e "/^access = /a pcap = $T_DIR/m.pcap\\npcap_snaplen = unlimited" \
    "$T_DIR/m.ini"
t_start_pinhole "$T_DIR/m.ini" "$T_DIR/m.err" "$P" || exit 1
L=$PH_PID F=$(pgrep -P "$PH_PID")
T_PIDS="$T_PIDS $F"
timeout 120 strace -f -T -tt -e trace=write,futex -o "$T_DIR/st" \
    -p "$L" -p "$F" 2>/dev/null &
ST=$!
sleep 1
for i in 1 2 3 4 5 6 7 8; do
	"$T_PY" "$T_TOOLS/pcap_xfer.py" --proxy "127.0.0.1:$P" --via connect \
	    --dest "127.0.0.1:$ECHO" --bytes 1000000 --expect echo \
	    --timeout 20 >/dev/null 2>&1 &
done
wait_n=0
while [ $wait_n -lt 300 ] && pgrep -f "pcap_xfer.py --proxy 127.0.0.1:$P" >/dev/null; do
	sleep 0.1; wait_n=$((wait_n + 1))
done
sleep 1.5
kill "$ST"; wait "$ST" 2>/dev/null
t_stop_pinhole "$L" "$T_DIR/m.err" m >/dev/null
ls -l "$T_DIR/m.pcap" | awk '{ print "pcap bytes", $5 }'
# pcap writes: the buffer (>= 60000 bytes) in one write(2)
awk '/ write\(/ && / = [0-9]+ </ {
	n = $0; sub(/.* = /, "", n); split(n, a, " "); bytes = a[1]
	t = $NF; gsub(/[<>]/, "", t)
	if (bytes + 0 >= 60000) { w++; ws += t; if (t > wm) wm = t }
}
/futex\(.*FUTEX_WAIT/ && /</ {
	t = $NF; gsub(/[<>]/, "", t); f++; fs += t; if (t > fm) fm = t
}
END {
	printf "pcap buffer writes %d, longest %.6f s, sum %.6f s\n", w, wm, ws
	printf "futex waits %d, longest %.6f s, sum %.6f s\n", f, fm, fs
}' "$T_DIR/st"
df -T "$T_DIR" | tail -1
