#!/bin/sh
# How long a changed list of 1,000,000 CIDRs holds the tunnels of a
# worker: three tunnels echo every 10 ms while the list (a file = list)
# is changed and reloaded with SIGHUP three times; the figure is the
# slowest ping.  With the parse on the event loop that was about the
# parse (half a second and more); with the list thread it is what the
# reload itself costs on the loop (its PAC check walks every entry,
# about 50 ms at 1,000,000) and the swap.  A figure, not a check; the
# machine is shared, so hold the bench lock:
#   flock /work/helpers/bench.lock sh tests/bench/list_stall.sh [PINHOLE]
# (PINHOLE: default ./pinhole, the build without sanitizers).
. tests/integration/lib.sh

PINHOLE=${1:-./pinhole}
export PINHOLE
[ -x "$PINHOLE" ] || { echo "Bail out! $PINHOLE not built"; exit 1; }
t_proxy_world_or_bail
LIST=$T_DIR/big.list
# version N: 1,000,000 /32s in 11.0.0.0/8, N of them other each time
version() {
	"$T_PY" -c '
import sys
n = int(sys.argv[2])
with open(sys.argv[1] + ".tmp", "w") as f:
    for i in range(n, 1000000 + n):
        f.write("11.%d.%d.%d/32\n" % (i >> 16, (i >> 8) & 255, i & 255))
' "$LIST" "$1" && mv "$LIST.tmp" "$LIST"
}
version 0
CONF=$T_DIR/stall.ini
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
cat >>"$CONF" <<EOC

[list big]
file = $LIST
max_bytes = 64m
max_entries = 2000000

[allow big]
lists = big
ports = 443
EOC
t_start_pinhole "$CONF" "$T_DIR/stall.err" "$P"
t_ok $? "pinhole started with a 1,000,000-CIDR file = list" || exit 1
PID=$PH_PID
t_bg "$T_DIR/tun.out" "$T_PY" "$T_TOOLS/many_tunnels.py" \
    --proxy "127.0.0.1:$P" --dest "127.0.0.1:$ECHO" --count 3 --via socks5 \
    --ping 0.01 --go "$T_DIR/tun.go" --max-hold 600
TUN=$T_BG_PID
t_wait_grep "$T_DIR/tun.out" '^open\|^FAIL' 1 100
t_ok $(grep -q '^open 3 ' "$T_DIR/tun.out"; echo $?) "3 tunnels echo every 10 ms"
for n in 1 2 3; do
	version "$n"
	kill -HUP "$PID"
	t_wait_grep "$T_DIR/stall.err" 'list big: 1000000 entries from' \
	    "$((n + 1))" 1200
	t_ok $? "reload $n: the changed list is in force"
done
touch "$T_DIR/tun.go"
t_wait_grep "$T_DIR/tun.out" '^closed\|^FAIL' 1 100
t_wait_exit "$TUN" 50
t_stop_pinhole "$PID" "$T_DIR/stall.err" stall
set -- $(grep '^alive' "$T_DIR/tun.out")
echo "# $PINHOLE: slowest ping ${13:-?} ms of ${9:-?} (${11:-?} failed)" \
    "during 3 reloads of a changed 1,000,000-CIDR list"
grep -o 'list big: read and parsed off the event loop in [0-9]* ms' \
    "$T_DIR/stall.err" | sed 's/^/# /'
t_done
