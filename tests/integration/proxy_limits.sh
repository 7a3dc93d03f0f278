#!/bin/sh
# Limits: max_connections for the whole proxy (503, reason limit), and
# descriptors running out: accepting pauses instead of spinning, the
# connections already open go on, and accepting resumes afterwards.
. tests/integration/lib.sh

t_proxy_world_or_bail

# A CONNECT to echo.test:$ECHO on pinhole at port $1; its status line.
connect_status() {
	"$T_PY" "$T_TOOLS/raw_client.py" --raw 127.0.0.1 "$1" \
	    "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n" >"$T_DIR/reply" \
	    2>/dev/null
	head -n 1 "$T_DIR/reply" | tr -d '\r'
}

# ---- max_connections = 5: the sixth connection is refused with 503
LOG=$T_DIR/limit.jsonl
ERR=$T_DIR/limit.err
t_proxy_conf "$T_DIR/limit.ini" "$P" "$LOG" "max_connections = 5" \
    "max_connections_per_client = 1000" "handshake_timeout = 30s"
t_start_pinhole "$T_DIR/limit.ini" "$ERR" "$P"
t_ok $? "a pinhole with max_connections = 5 started"
L_PID=$PH_PID
t_bg "$T_DIR/five.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
    --connect "127.0.0.1:$P" --count 5 --until "$T_DIR/five.go" --max-hold 30
FIVE=$T_BG_PID
t_wait_grep "$T_DIR/five.out" '^open 5$' 1 100
t_okd $? "5 idle connections are open" "$(cat "$T_DIR/five.out"*)"
t_eq "$(connect_status "$P")" "HTTP/1.1 503 Service Unavailable" \
    "a sixth connection gets 503"
t_wait_grep "$LOG" '"reason":"limit"' 1 50
t_ok $? "it is logged as a denial with reason limit"
grep '"reason":"limit"' "$LOG" | grep -q '"event":"deny"'
t_ok $? "... event deny"
touch "$T_DIR/five.go"
t_wait_exit "$FIVE" 100
i=0
while [ $i -lt 50 ]; do
	st=$(connect_status "$P")
	[ "$st" = "HTTP/1.1 200 Connection established" ] && break
	sleep 0.1
	i=$((i + 1))
done
t_eq "$st" "HTTP/1.1 200 Connection established" \
    "once they are closed, a CONNECT is served again"
t_stop_pinhole "$L_PID" "$ERR" "max_connections"

# ---- descriptors run out (ulimit -n 96, 150 clients)
P4=$(t_free_ports 1)
LOG4=$T_DIR/fds.jsonl
ERR4=$T_DIR/fds.err
t_proxy_conf "$T_DIR/fds.ini" "$P4" "$LOG4" "handshake_timeout = 60s" \
    "max_connections_per_client = 1000"
ULIMIT_N=96 t_start_pinhole "$T_DIR/fds.ini" "$ERR4" "$P4"
t_ok $? "a pinhole with ulimit -n 96 started"
F_PID=$PH_PID
t_bg "$T_DIR/many.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
    --connect "127.0.0.1:$P4" --count 150 --until "$T_DIR/many.go" \
    --max-hold 40
MANY=$T_BG_PID
t_wait_grep "$T_DIR/many.out" '^open 150$' 1 100
t_okd $? "150 clients are connected (the kernel queues what is not accepted)" \
    "$(cat "$T_DIR/many.out"*)"
t_wait_grep "$ERR4" 'accepting paused' 1 50
t_okd $? "pinhole logs that accepting is paused" "$(tail -n 5 "$ERR4")"
kill -0 "$F_PID" 2>/dev/null
t_ok $? "pinhole is still running"
# Paused, not spinning: well under half a second of CPU in one second.
cpu() { awk '{ print $14 + $15 }' "/proc/$F_PID/stat"; }
c1=$(cpu)
sleep 1
c2=$(cpu)
t_okd $(( (c2 - c1) < 50 ? 0 : 1 )) \
    "while out of descriptors pinhole does not spin on accept" \
    "$((c2 - c1)) ticks of CPU in 1 s"
touch "$T_DIR/many.go"
t_wait_exit "$MANY" 100
out=
i=0
while [ $i -lt 50 ]; do
	out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P4" \
	    --via socks5 --dest "echo.test:$ECHO" --bytes 4000 --timeout 5 \
	    --tag "$T_DIR/tag" 2>/dev/null)
	[ "$out" = "ok sent=4000 received=4000" ] && break
	sleep 0.2
	i=$((i + 1))
done
t_eq "$out" "ok sent=4000 received=4000" \
    "once descriptors are free again, a tunnel is served in full"
t_stop_pinhole "$F_PID" "$ERR4" "descriptors"
t_done
