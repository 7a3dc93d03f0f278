#!/bin/sh
# 500 slowloris clients (a byte a second of a request head that never
# ends: HTTP CONNECT, forwarded GET, SOCKS5) while 50 normal clients are
# served, three times over: every normal client is served exactly, and
# the slowest within a bound that has nothing to do with
# handshake_timeout (20 s here): at most twice the slowest of the same
# 50 clients without the slowloris, plus 250 ms.  pinhole is one event
# loop; a slow client costs it a read and a look at a short partial
# head per byte, 500 such reads a second, far under a millisecond of
# work each, so the normal clients should not notice them at all; 250
# ms is room for scheduling noise on a small shared machine (two CPUs,
# the slowloris and the load generator on them too).  Then the
# slowloris clients are all cut at handshake_timeout and logged as
# timeouts.  (tests/integration/proxy_ops.sh has two dribbling clients
# against handshake_timeout = 1s.)
. tests/integration/lib.sh
. tests/soak/lib.sh

s_world_or_bail
CONF=$T_DIR/slow.ini
ERR=$T_DIR/slow.err
LOG=$T_DIR/flows.jsonl
s_conf "$CONF" "handshake_timeout = 20s" "max_connections = 2000"
t_start_pinhole "$CONF" "$ERR" "$P" 1
t_okd $? "pinhole started (handshake_timeout = 20s)" "$(tail -n 5 "$ERR")" ||
    { echo "Bail out!"; exit 1; }
PID=$PH_PID
t_wait_port "$ADMIN" 1 100 "$PID"

normal() {	# 50 clients at once, one tunnel each, 20 kB each way
	s_load --workers 50 --each 1 --via connect,socks5,socks4a \
	    --bytes 20000 --timeout 20 --sources 127.0.4.1-5
}
# The bound: the slowest of 5 runs without the slowloris.
base_max=0
base_p50=0
for i in 1 2 3 4 5; do
	normal
	[ "$S_SERVED:$S_BROKEN" = 50:0 ] || break
	[ "$S_MAX" -gt "$base_max" ] && base_max=$S_MAX
	[ "$S_P50" -gt "$base_p50" ] && base_p50=$S_P50
done
t_okd $([ "$S_SERVED:$S_REFUSED:$S_BROKEN" = 50:0:0 ]; echo $?) \
    "without slowloris: 5 times 50 clients served exactly" "$S_LOAD"
bound=$((2 * base_max + 250))
s_fig "without slowloris: 50 clients, p50 up to $base_p50 ms, slowest $base_max ms; bound $bound ms"
fds0=$(s_fds "$PID")

# ---- 500 slowloris clients from 10 addresses (50 each)
t_bg "$T_DIR/slow.out" "$T_PY" "$T_TOOLS/slowloris.py" \
    --connect "127.0.0.1:$P" --count 500 --dest "echo.test:$ECHO" \
    --sources 127.0.3.1-10 --interval 1 --max 45
SLOW=$T_BG_PID
t_wait_grep "$T_DIR/slow.out" '^open 500' 1 200
t_okd $? "500 slowloris clients connected" "$(cat "$T_DIR/slow.out"*)"
worst=0
for round in 1 2 3; do
	sleep 3
	normal
	t_okd $([ "$S_SERVED:$S_REFUSED:$S_BROKEN" = 50:0:0 ]; echo $?) \
	    "round $round, $(tail -n 1 "$T_DIR/slow.out" | sed 's/^t=\([0-9]*\) open \([0-9]*\)/\2 slowloris open at \1 s/'): 50 clients served exactly" \
	    "$S_LOAD"
	[ "$S_MAX" -le "$bound" ]
	t_okd $? "round $round: the slowest took $S_MAX ms (bound $bound ms; p50 $S_P50 ms)" \
	    "$S_LOAD"
	[ "$S_MAX" -gt "$worst" ] && worst=$S_MAX
done
code=$(curl -s -m 20 -o /dev/null -w '%{http_code} %{time_total}' \
    -x "http://127.0.0.1:$P" "http://web.test:$WEB/hello.txt")
t_eq "${code%% *}" 200 "an HTTP request forwarded meanwhile (${code#* } s)"
s_fig "with 500 slowloris clients: 3 times 50 clients, slowest $worst ms (bound $bound ms)"
t_eq "$(tail -n 1 "$T_DIR/slow.out" | sed 's/^t=[0-9]* //')" "open 500" \
    "the slowloris clients are all still open (handshake_timeout not reached)"

# ---- all cut at handshake_timeout (20 s after each connected)
t_wait_exit "$SLOW" 400
set -- $(grep '^closed' "$T_DIR/slow.out")
t_eq "${1:-}:${2:-}:${4:-}" "closed:500:500" \
    "pinhole closed all 500 slowloris clients"
awk -v a="${6:-0}" -v b="${8:-99}" 'BEGIN { exit !(a >= 19.5 && b <= 25) }'
t_okd $? "... between 20 and 25 s after each connected (first ${6:-?} s, last ${8:-?} s)" \
    "$(cat "$T_DIR/slow.out" | tail -n 3)"
s_fig "slowloris cut after ${6:-?} to ${8:-?} s (handshake_timeout 20 s)"
i=0
while [ $i -lt 100 ]; do
	n=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count event=error reason=timeout)
	[ "$n" -ge 500 ] && break
	sleep 0.1
	i=$((i + 1))
done
t_eq "$n" 500 "500 records: error timeout"
s_wait_eq 300 "$fds0" s_fds "$PID"
t_eq "$S_GOT" "$fds0" "pinhole is back to $fds0 descriptors"
t_stop_pinhole "$PID" "$ERR" "slowloris" 300
t_done
