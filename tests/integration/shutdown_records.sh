#!/bin/sh
# SIGTERM with sessions in every state: each keeps the outcome it had
# when the signal came, and its record says so.  A refused CONNECT
# still being answered stays deny/not_allowed, a 404 for the proxy
# itself keeps its deny record, an answered GET with Connection: close
# stays a flow, a tunnel is closed at the end of shutdown_grace as a
# flow with reason shutdown; a kept-alive connection's response in
# flight says Connection: close, and no further request on it is
# forwarded.
. tests/integration/lib.sh

t_proxy_world_or_bail
ORIGIN=$(t_free_ports 1)
t_bg "$T_DIR/origin.out" "$T_PY" "$T_TOOLS/review_origin.py" --port "$ORIGIN"
t_wait_grep "$T_DIR/origin.out" '^ready' 1 50
t_ok $? "an origin on 127.0.0.1:$ORIGIN"
LOG=$T_DIR/flows.jsonl
ERR=$T_DIR/term.err
CONF=$T_DIR/term.ini
t_proxy_conf "$CONF" "$P" "$LOG" "shutdown_grace = 3s"
cat >>"$CONF" <<EOC

[allow origin]
hosts = web.test
ports = $ORIGIN
allow_private = yes
EOC
t_start_pinhole "$CONF" "$ERR" "$P"
t_ok $? "pinhole started, shutdown_grace = 3s"
PID=$PH_PID

# client NAME STEPS...: a raw client in the background, its bytes to
# $T_DIR/NAME.out, its address to $T_DIR/NAME.info.
client() {
	name=$1
	shift
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 8 \
	    --info "$T_DIR/$name.info" 127.0.0.1 "$P" "$@" \
	    >"$T_DIR/$name.out" 2>/dev/null &
	T_PIDS="$T_PIDS $!"
}
addr_of() {	# NAME: the client's ip:port, once it has ended (10 s at most)
	i=0
	while [ ! -s "$T_DIR/$1.info" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/$1.info"
}
rec() {	# NAME FIELDS...
	name=$1
	shift
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 10 \
	    --client "$(addr_of "$name")" "$@"
}
W="Host: web.test:$ORIGIN"

client tunnel "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n" head \
    esc:hi read:2 sleep:7
client refused "esc:CONNECT evil.example:443 HTTP/1.1\r\n\r\n" head sleep:7
client notfound "esc:GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" head sleep:7
client answered \
    "esc:GET http://web.test:$ORIGIN/ HTTP/1.1\r\n$W\r\nConnection: close\r\n\r\n" \
    head read:3 sleep:7
client kept "esc:GET http://web.test:$ORIGIN/slow/1.5 HTTP/1.1\r\n$W\r\n\r\n" \
    head read:3 \
    "esc:GET http://web.test:$ORIGIN/second HTTP/1.1\r\n$W\r\n\r\n" all
t_wait_grep "$T_DIR/origin.out" "request GET /slow/1.5" 1 50
t_ok $? "the kept-alive request reached the origin"
sleep 0.3
kill -TERM "$PID"
t_wait_exit "$PID" 150
t_eq "$T_RC" 0 "pinhole exits 0 after SIGTERM"

t_eq "$(rec tunnel event reason bytes_up)" "flow shutdown 2" \
    "a tunnel is closed at the end of the grace: flow, shutdown"
t_eq "$(rec refused event reason host)" "deny not_allowed evil.example" \
    "a refused CONNECT being answered: deny, not_allowed"
t_eq "$(rec notfound event reason)" "deny bad_request" \
    "a 404 for the proxy itself keeps its deny record"
t_eq "$(rec answered event reason)" "flow null" \
    "an answered GET with Connection: close: flow, no reason"
t_eq "$(rec kept event reason)" "flow null" \
    "the kept-alive request answered after SIGTERM: flow, no reason"
grep -q '^Connection: close' "$T_DIR/kept.out"
t_okd $? "... its response says Connection: close" "$(head -c 300 "$T_DIR/kept.out")"
t_eq "$(grep -c 'request GET /second' "$T_DIR/origin.out")" 0 \
    "... and the next request on it is not forwarded"
t_sanitizer_clean "$ERR"
t_ok $? "no sanitizer report"
t_done
