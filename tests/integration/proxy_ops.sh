#!/bin/sh
# The running proxy under operations: handshake_timeout against slow
# clients, SIGHUP with a tunnel open (new rules for new connections, a
# bad config kept out), SIGUSR1, SIGTERM draining (a tunnel finishing
# on its own, and one cut at shutdown_grace), 1,000 idle connections.
. tests/integration/lib.sh

t_proxy_world_or_bail
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/ops.ini
ERR=$T_DIR/ops.err
t_proxy_conf "$CONF" "$P" "$LOG" "handshake_timeout = 1s" \
    "connect_timeout = 1s" "shutdown_grace = 10s"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole listens on 127.0.0.1:$P and [::1]:$P" \
    "$(head -c 2000 "$ERR")" || { echo "Bail out!"; exit 1; }
D_PID=$PH_PID
LG_PID=$D_PID

lg() {	# lg FIELD...: the record of client $CL
	w=5
	t_gone "$LG_PID" && w=0.3
	"$T_PY" "$T_TOOLS/flowlog.py" "${RLOG:-$LOG}" get --wait "$w" \
	    --client "$CL" "$@"
}
rq() {	# rq STEP...: exact bytes to 127.0.0.1:${RAW_PORT:-$P}; reply in $T_DIR/reply
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$T_DIR/ri" \
	    "${RAW_HOST:-127.0.0.1}" "${RAW_PORT:-$P}" "$@" >"$T_DIR/reply" \
	    2>/dev/null
	ST=$(head -n 1 "$T_DIR/reply" | tr -d '\r')
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	END=$(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
}
body() {
	"$T_PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\r\n\r\n")
sys.stdout.buffer.write(d[i + 4:] if i >= 0 else b"")' "$T_DIR/reply"
}
# tunnel_to PORT WORD: a SOCKS5 tunnel to echo.test:PORT that sends
# WORD; TT is "ok:" and what came back, or "refused:" and the reply code.
# (SOCKS5 here, so that these checks do not hang on CONNECT's.)
tunnel_to() {
	"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" 127.0.0.1 "$P" \
	    "hex:050100050100030965 63686f2e74657374 $(printf %04x "$1")" \
	    read:12 "esc:$2" shut >"$T_DIR/hex" 2>/dev/null
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	TT=$("$T_PY" -c 'import sys
d = bytes.fromhex(sys.argv[1])
if d[:4] == bytes.fromhex("05000500"):
    print("ok:" + d[12:].decode("latin-1"))
else:
    print("refused:" + d[2:4].hex())' "$(cat "$T_DIR/hex")")
}
# hold NAME PORT [PROXY-PORT]: a tunnel to echo.test:PORT held open by
# hold_tunnel.py until $T_DIR/NAME.go exists; output in $T_DIR/NAME.out.
hold() {
	rm -f "$T_DIR/$1.go"
	t_bg "$T_DIR/$1.out" "$T_PY" "$T_TOOLS/hold_tunnel.py" \
	    --proxy "127.0.0.1:${3:-$P}" --via socks5 --dest "echo.test:$2" \
	    --go "$T_DIR/$1.go" --max-wait 25 --tag "$T_DIR/$1.tag"
	HOLD_PID=$T_BG_PID
	t_wait_grep "$T_DIR/$1.out" '^up$' 1 50
}
# tenths FILE: the "closed after S" of a dribble.py output, in tenths of a second.
tenths() { sed -n 's/^closed after \([0-9]*\)\.\([0-9]\).*/\1\2/p' "$1"; }

# ---- handshake_timeout (1s): slow clients are cut, others served
t_bg "$T_DIR/drib1.out" "$T_PY" "$T_TOOLS/dribble.py" --connect "127.0.0.1:$P" \
    --esc "CONNECT echo.test:$ECHO HTTP/1.1\r\nHost: echo.test\r\n\r\n" \
    --interval 0.2 --max 6 --tag "$T_DIR/drib1.tag"
DRIB1=$T_BG_PID
t_bg "$T_DIR/drib2.out" "$T_PY" "$T_TOOLS/dribble.py" --connect "127.0.0.1:$P" \
    --esc "\x05\x01\x00\x05\x01\x00\x03\x09echo.test\x00\x50" \
    --interval 0.15 --max 6 --tag "$T_DIR/drib2.tag"
DRIB2=$T_BG_PID
sleep 0.4
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via socks4a \
    --dest "echo.test:$ECHO" --bytes 20000 --timeout 0.5)
t_eq "$out" "ok sent=20000 received=20000" \
    "while two clients dribble their requests, another is served at once (SOCKS4a)"
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via socks5 \
    --dest "echo.test:$ECHO" --bytes 20000 --timeout 0.5)
t_eq "$out" "ok sent=20000 received=20000" "... over SOCKS5 too"
t_wait_exit "$DRIB1" 80
t_wait_exit "$DRIB2" 80
for d in drib1 drib2; do
	ts=$(tenths "$T_DIR/$d.out")
	[ -n "$ts" ] && [ "$ts" -ge 8 ] && [ "$ts" -le 18 ]
	t_okd $? "$d: closed at handshake_timeout = 1s, though it kept sending" \
	    "$(cat "$T_DIR/$d.out")"
	CL=$(cat "$T_DIR/$d.tag")
	t_eq "$(lg event reason)" "error timeout" "$d: logged (error, timeout)"
done
t_eq "$(lg proto)" socks5 "the dribbling SOCKS5 client is logged as socks5"
# (closed: an EOF, or a reset when the late bytes hit the closed socket)
rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n" sleep:1.5 "esc:\r\n"
t_eq "$(wc -c <"$T_DIR/reply"):$(echo "$END" | sed 's/reset/eof/')" "0:eof" \
    "a request head finished after handshake_timeout: closed, no reply"
t_eq "$(lg event reason)" "error timeout" "... and logged as a timeout"
rq sleep:1.5 "esc:GET /healthz HTTP/1.1\r\n\r\n"
t_eq "$(wc -c <"$T_DIR/reply"):$(echo "$END" | sed 's/reset/eof/')" "0:eof" \
    "a client silent past handshake_timeout: closed, no reply"

# ---- SIGHUP with a tunnel open
hold h1 "$ECHO"
t_okd $? "a tunnel to echo.test:$ECHO is open" "$(cat "$T_DIR/h1.out"*)"
H1=$HOLD_PID
# Nagle's algorithm is off on both of the tunnel's sockets, read from
# pinhole itself: the client's from the listening socket, the
# destination's set by the relay.
H1_CL=$(cat "$T_DIR/h1.tag")
"$T_PY" "$T_TOOLS/sockopt.py" "$D_PID" --port "${H1_CL##*:}" >"$T_DIR/so" 2>&1
t_eq "$(cat "$T_DIR/so")" "127.0.0.1:$P $H1_CL nodelay=1" \
    "the tunnel's client socket in pinhole: TCP_NODELAY on"
"$T_PY" "$T_TOOLS/sockopt.py" "$D_PID" --port "$ECHO" >"$T_DIR/so" 2>&1
t_eq "$(sed 's/^127.0.0.1:[0-9]* /LOCAL /' "$T_DIR/so")" \
    "LOCAL 127.0.0.1:$ECHO nodelay=1" \
    "the tunnel's destination socket in pinhole: TCP_NODELAY on"
tunnel_to "$ECHO2" x
t_eq "$TT" "refused:0502" "before the reload, port $ECHO2 is not allowed (SOCKS5 0x02)"
sed "s/^ports = $ECHO\$/ports = $ECHO2/" "$CONF" >"$T_DIR/v2.ini"
cp "$T_DIR/v2.ini" "$CONF"
kill -HUP "$D_PID"
t_wait_grep "$ERR" 'reloaded' 1 50
t_okd $? "SIGHUP: pinhole reloads" "$(tail -n 3 "$ERR")"
sleep 0.5
touch "$T_DIR/h1.go"
t_wait_exit "$H1" 50
t_eq "$(tr '\n' '|' <"$T_DIR/h1.out")" "up|echo 2 ok|done|" \
    "the tunnel opened before the reload still echoes after it"
CL=$(cat "$T_DIR/h1.tag")
t_eq "$(lg event port reason bytes_up bytes_down)" "flow $ECHO null 14 14" \
    "the tunnel's record: a normal flow, 14 bytes each way"
d=$(lg duration_ms)
[ "${d:-0}" -ge 300 ] 2>/dev/null
t_okd $? "its duration_ms covers the time it was held open" "duration_ms $d"
tunnel_to "$ECHO2" now
t_eq "$TT" "ok:now" \
    "after the reload, the newly allowed port $ECHO2 works"
tunnel_to "$ECHO" x
t_eq "$TT" "refused:0502" \
    "after the reload, port $ECHO is denied to new connections"
t_eq "$(lg event reason)" "deny not_allowed" "... logged deny not_allowed"

# A bad config on SIGHUP: the running one stays, the error names FILE:LINE.
printf '[proxy]\nlisten = 127.0.0.1:%s\ncolour = blue\n' "$P" >"$CONF"
kill -HUP "$D_PID"
t_wait_grep "$ERR" 'reload failed' 1 50
t_okd $? "SIGHUP with a bad config: the reload fails" "$(tail -n 3 "$ERR")"
grep -qF "$CONF:3: unknown key colour in [proxy]" "$ERR"
t_okd $? "the error names FILE:LINE and the problem" "$(grep 'reload failed' "$ERR")"
! t_gone "$D_PID"
t_ok $? "pinhole keeps running after a bad reload"
tunnel_to "$ECHO2" still
t_eq "$TT" "ok:still" \
    "the running config stays: port $ECHO2 still works"
tunnel_to "$ECHO" x
t_eq "$TT" "refused:0502" \
    "the running config stays: port $ECHO still denied"
cp "$T_DIR/v2.ini" "$CONF"

# ---- SIGUSR1 reopens the access log (logrotate)
mv "$LOG" "$LOG.1"
kill -USR1 "$D_PID"
t_wait_grep "$ERR" 'reopening' 1 50
t_ok $? "SIGUSR1: pinhole reopens the access log"
sleep 0.2
tunnel_to "$ECHO2" rot
t_eq "$TT" "ok:rot" \
    "a flow after SIGUSR1"
t_eq "$(lg event bytes_up)" "flow 3" "its record is in the new file"
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG.1" get --wait 0.2 --client "$CL" event)" \
    missing "... and not in the rotated one"

# ---- SIGTERM with a tunnel open: stop accepting, let it finish, exit 0
hold h2 "$ECHO2"
t_okd $? "a tunnel to echo.test:$ECHO2 is open" "$(cat "$T_DIR/h2.out"*)"
H2=$HOLD_PID
kill -TERM "$D_PID"
t_wait_grep "$ERR" 'stopping' 1 50
t_okd $? "SIGTERM: pinhole says it is stopping" "$(tail -n 3 "$ERR")"
rq "esc:GET /healthz HTTP/1.1\r\n\r\n"
t_eq "$END" refused "after SIGTERM, new connections to 127.0.0.1 are refused"
RAW_HOST=::1 rq "esc:GET /healthz HTTP/1.1\r\n\r\n"
t_eq "$END" refused "after SIGTERM, new connections to [::1] are refused"
! t_gone "$D_PID"
t_ok $? "pinhole waits for the open tunnel"
sleep 0.5
touch "$T_DIR/h2.go"
t_wait_exit "$H2" 50
t_eq "$(tr '\n' '|' <"$T_DIR/h2.out")" "up|echo 2 ok|done|" \
    "the open tunnel keeps echoing while pinhole drains"
t_wait_exit "$D_PID" 30
t_eq "$T_RC" 0 "pinhole exits 0 once the tunnel closed (well before shutdown_grace = 10s)"
t_sanitizer_clean "$ERR"
t_okd $? "drain: no sanitizer report" "$(grep -a -m 1 -A 8 ERROR "$ERR")"
CL=$(cat "$T_DIR/h2.tag")
t_eq "$(lg event reason bytes_up bytes_down)" "flow null 14 14" \
    "the drained tunnel's record: flow, reason null"
out=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check)
t_eq "${out%% *}" ok "the access log: every line a full record ($out)"

# ---- 1,000 idle connections, then a normal request; then SIGTERM
# with a tunnel that does not end: cut at shutdown_grace (2s).
LOG2=$T_DIR/flows2.jsonl
ERR2=$T_DIR/many.err
P2=$(t_free_ports 1)	# taken late: fewer races with other tests
t_proxy_conf "$T_DIR/many.ini" "$P2" "$LOG2" "handshake_timeout = 30s" \
    "max_connections_per_client = 2000" "shutdown_grace = 2s"
ULIMIT_N=4096 t_start_pinhole "$T_DIR/many.ini" "$ERR2" "$P2"
t_ok $? "a pinhole with ulimit -n 4096 started"
M_PID=$PH_PID
LG_PID=$M_PID RLOG=$LOG2 RAW_PORT=$P2
t_eq "$(awk '/^Max open files/ { print $4 }' "/proc/$M_PID/limits")" 4096 \
    "its descriptor limit is 4096"
t_bg "$T_DIR/many.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
    --connect "127.0.0.1:$P2" --count 1000 --until "$T_DIR/many.go" \
    --max-hold 40
MANY=$T_BG_PID
t_wait_grep "$T_DIR/many.out" '^open 1000$' 1 300
t_okd $? "1,000 idle connections are open" "$(cat "$T_DIR/many.out"*)"
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P2" --via socks5 \
    --dest "echo.test:$ECHO" --bytes 12345 --timeout 5 --tag "$T_DIR/tag")
t_eq "$out" "ok sent=12345 received=12345" \
    "with 1,000 idle connections open, a SOCKS5 tunnel still works"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg event bytes_up bytes_down)" "flow 12345 12345" "... and is logged"
rq "esc:GET /healthz HTTP/1.1\r\n\r\n"
t_eq "$ST:$(body)" "HTTP/1.1 200 OK:ok" "... and /healthz answers"
touch "$T_DIR/many.go"
t_wait_exit "$MANY" 100
t_eq "$(tail -n 1 "$T_DIR/many.out")" "still-open 1000 of 1000" \
    "pinhole kept all 1,000 idle connections open"
hold h3 "$ECHO" "$P2"
t_okd $? "a tunnel is open" "$(cat "$T_DIR/h3.out"*)"
H3=$HOLD_PID
kill -TERM "$M_PID"
t_wait_exit "$H3" 60
t_match_closed=$(sed -n 's/^closed-by-peer after \([0-9]*\)\..*/\1/p' "$T_DIR/h3.out")
[ -n "$t_match_closed" ] && [ "$t_match_closed" -ge 1 ] &&
    [ "$t_match_closed" -le 4 ]
t_okd $? "a tunnel that does not end is closed at shutdown_grace = 2s" \
    "$(cat "$T_DIR/h3.out")"
t_wait_exit "$M_PID" 50
t_eq "$T_RC" 0 "pinhole exits 0 after shutdown_grace"
t_sanitizer_clean "$ERR2"
t_okd $? "1,000 connections and a grace cut: no sanitizer report" \
    "$(grep -a -m 1 -A 8 ERROR "$ERR2")"
CL=$(cat "$T_DIR/h3.tag")
t_eq "$(lg event reason bytes_up bytes_down)" "flow shutdown 7 7" \
    "the cut tunnel's record: flow, reason shutdown"
d=$(lg duration_ms)
[ "${d:-0}" -ge 2000 ] 2>/dev/null && [ "$d" -le 10000 ]
t_okd $? "its duration_ms includes the 2s of grace" "duration_ms $d"
out=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG2" check)
t_eq "${out%% *}" ok "the second access log: every line a full record ($out)"
t_done
