#!/bin/sh
# A new version of a list is read and parsed off the event loop, by the
# list thread of each worker, and the loop swaps it in once it is back.
#
# Shown without timing: a file = list made a FIFO holds its read open
# for as long as the test likes (fifo_writer.py writes nothing until
# told).  While it is held, a tunnel opened before relays a ping-pong
# and /healthz answers: the loop is free.  Then the version comes,
# takes effect, and the events log says it was read and parsed off the
# loop.  A reload that keeps the list while its read is held has it
# read once more after; one that removes the list drops the version; a SIGTERM while it is held exits 0 at once, with no
# sanitizer report.  Then a vendor's list served over HTTPS grows from 2
# to 300,002 CIDRs with workers = 2 while a tunnel relays: the leader's
# thread parses the fetched body, the follower's thread the cache, both
# apply it; a bad version (one CIDR too broad) is refused and the old
# one stays.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_proxy_world_or_bail
vl_world_or_bail

LIST=$T_DIR/slow.list
CONF=$T_DIR/fifo.ini
fifo_conf() {	# fifo_conf WITH-LIST(yes|no)
	t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
	sed -i 's/^deny_private = yes$/deny_private = no/' "$CONF"
	[ "$1" = yes ] || return 0
	cat >>"$CONF" <<EOC

[list slow]
file = $LIST

[allow slow]
lists = slow
ports = 443
EOC
}
# hold N: a tunnel to the echo server through pinhole, its first echo
# checked; HOLD_PID, output in $T_DIR/holdN.out; one check.
hold() {
	t_bg "$T_DIR/hold$1.out" "$T_PY" "$T_TOOLS/vendor_tunnel.py" hold \
	    --proxy "127.0.0.1:$P" --dest "127.0.0.1:$ECHO" \
	    --go "$T_DIR/go$1" --max-wait 120
	HOLD_PID=$T_BG_PID
	t_wait_grep "$T_DIR/hold$1.out" '^up$' 1 100
	t_okd $? "$VL_NAME: a tunnel is up (tunnel $1)" \
	    "$(cat "$T_DIR/hold$1.out" "$T_DIR/hold$1.out.err")"
}
# fifo N SOURCE: LIST made a FIFO, its writer started (WRITER_PID),
# which writes SOURCE once $T_DIR/writeN exists.
fifo() {
	rm -f "$LIST"
	mkfifo "$LIST"
	t_bg "$T_DIR/writer$1.out" "$T_PY" "$T_TOOLS/fifo_writer.py" \
	    "$LIST" "$T_DIR/reader$1" "$T_DIR/write$1" "$2" --max-wait 120
	WRITER_PID=$T_BG_PID
}
# reader N: waits until pinhole opened the FIFO for reading; one check.
reader() {
	t_wait_grep "$T_DIR/writer$1.out" '^reader$' 1 300
	t_okd $? "$VL_NAME: pinhole opened the FIFO and waits for its writer" \
	    "$(cat "$T_DIR/writer$1.out" "$T_DIR/writer$1.out.err")"
}

# ---- a held read does not hold the event loop
echo 127.0.0.41 >"$LIST"
echo 127.0.0.42 >"$T_DIR/v2.list"
fifo_conf yes
vl_start "$CONF" fifo
t_ok $? "pinhole started with the file = list slow (127.0.0.41)"
vl_allowed 127.0.0.41 "at start"
hold 1
fifo 1 "$T_DIR/v2.list"
kill -HUP "$PH_PID"
reader 1
# A reload that keeps the list while its read is held: the read goes
# on, and the list is read once more when it is back.
kill -HUP "$PH_PID"
vl_expect 'info: reloaded: ' "a second reload, the read still held" 2 100
t_eq "$(vl_health | cut -d' ' -f1)" 200 \
    "fifo: /healthz answers 200 while the list's read is held open"
touch "$T_DIR/go1"
t_wait_exit "$HOLD_PID" 150
t_eq "$(tr '\n' ' ' <"$T_DIR/hold1.out")" "up alive " \
    "fifo: the open tunnel relays a ping-pong while the read is held open"
touch "$T_DIR/write1"
vl_expect 'info: list slow: read and parsed off the event loop in [0-9]* ms$' \
    "the events log says the version was read and parsed off the loop"
vl_expect "info: list slow: 1 entries from $LIST (was 1)\$" \
    "... and then taken: 1 entries"
vl_allowed 127.0.0.42 "the version read from the FIFO is in force"
vl_denied 127.0.0.41 "... and the one before it is gone"
t_bg "$T_DIR/writer1b.out" "$T_PY" "$T_TOOLS/fifo_writer.py" \
    "$LIST" "$T_DIR/reader1b" "$T_DIR/write1b" "$T_DIR/v2.list" --max-wait 120
reader 1b
touch "$T_DIR/write1b"
vl_expect 'info: list slow: read (unchanged, not parsed) off the event loop in [0-9]* ms$' \
    "the reload during the read asked for one more, which found it unchanged"

# ---- a reload that removes the list while its read is held: dropped
fifo 2 "$T_DIR/v2.list"
kill -HUP "$PH_PID"
reader 2
fifo_conf no
kill -HUP "$PH_PID"
vl_expect 'info: reloaded: ' "the reload without the list is done" 4 100
touch "$T_DIR/write2"
vl_expect 'info: list slow: a version read for a list that a reload removed: dropped$' \
    "the version read for the removed list is dropped when it is back"
vl_denied 127.0.0.42 "the removed list allows nothing"

# ---- SIGTERM while a read is held: the thread stops at once
fifo_conf yes
fifo 3 "$T_DIR/v2.list"
kill -HUP "$PH_PID"
reader 3
vl_stop
kill "$WRITER_PID" 2>/dev/null
t_wait_exit "$WRITER_PID" 50
rm -f "$LIST"

# ---- 300,002 CIDRs over HTTPS, two workers, a tunnel relaying
vl_serve /big.txt 127.0.0.1 127.0.0.51
"$T_PY" -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("127.0.0.1\n127.0.0.52\n")
    for i in range(300000):
        f.write("11.%d.%d.%d/32\n" % (i >> 16, (i >> 8) & 255, i & 255))
' "$VL_WWW/big2"
{ cat "$VL_WWW/big2"; echo 10.0.0.0/7; } >"$VL_WWW/big3"
BCONF=$T_DIR/big.ini
VL_PORTS=$ECHO vl_conf "$BCONF" big <<EOC
[list big]
url = https://127.0.0.1:$VTLS/big.txt
ca_file = $T_DIR/certs/ca.crt
fetch_private = yes
refresh = 1h
max_entries = 1000000
EOC
sed -i 's/^workers = 1$/workers = 2/' "$BCONF"
vl_start "$BCONF" big
t_ok $? "pinhole started with workers = 2 and the url list big"
LEADER=$PH_PID
vl_expect 'info: list big: 2 entries from https' "the leader fetched 2 entries"
vl_expect 'worker 1: list big: 2 entries from the cache' \
    "the follower took them from the cache"
hold 2
vl_route /big.txt file big2
kill -HUP "$LEADER"
vl_expect '^[^ ]* info: list big: read and parsed off the event loop in [0-9]* ms$' \
    "the leader's list thread parsed the new version" 1 300
vl_expect '^[^ ]* info: list big: 300002 entries from https' \
    "... which the leader took: 300002 entries" 1 300
vl_expect 'info: list big: new version: +300001 -1 ' \
    "... and logged what it added and removed" 1 300
vl_expect 'info: worker 1: list big: read and parsed off the event loop in [0-9]* ms$' \
    "the follower's list thread parsed the cached version" 1 300
vl_expect 'info: worker 1: list big: 300002 entries from the cache' \
    "... which the follower took" 1 300
touch "$T_DIR/go2"
t_wait_exit "$HOLD_PID" 150
t_eq "$(tr '\n' ' ' <"$T_DIR/hold2.out")" "up alive " \
    "big: the tunnel opened before the change still relays"
# Each probe is a new connection; either worker may take it.
n52=0 n51=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(vl_code 127.0.0.52)" = socks5:5 ] && n52=$((n52 + 1))
	[ "$(vl_code 127.0.0.51)" = socks5:2 ] && n51=$((n51 + 1))
done
t_eq "$n52 $n51" "10 10" \
    "big: 10 of 10 probes allow 127.0.0.52 and deny 127.0.0.51 (new version)"

vl_route /big.txt file big3
kill -HUP "$LEADER"
vl_expect '^[^ ]* info: list big: read and parsed off the event loop in [0-9]* ms$' \
    "the leader's thread parsed the bad version too" 2 300
vl_expect 'warn: list big: new version refused: 10.0.0.0/7 is broader than min_prefix (1 such entries); keeping the last good version (300002 entries)$' \
    "the bad version is refused, the last good one kept" 1 300
n52=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(vl_code 127.0.0.52)" = socks5:5 ] && n52=$((n52 + 1))
done
t_eq "$n52" 10 "big: 10 of 10 probes still allow 127.0.0.52"
vl_absent 'worker 1: list big: 300003' "the follower never took the bad version"
vl_stop
t_done
