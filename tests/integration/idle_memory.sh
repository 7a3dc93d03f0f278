#!/bin/sh
# What a tunnel at rest keeps (issue 22, row e): once relaying, a CONNECT
# or SOCKS5 tunnel holds no bufferevent and no timer of its own, and its
# session and relay together stay within a budget of heap.  The debug
# log says how much a tunnel holds when it starts relaying; the bench's
# scenario e measures the process.  The idle queue still closes a
# tunnel left idle for idle_timeout, and only that one.
. tests/integration/lib.sh

# What a tunnel holds when it starts relaying, in glibc's usable sizes:
# the session 904, the relay 232, its two read events and the SNI
# check's deadline (freed at the first bytes) 136 each, the host 24:
# 1,568 bytes.  The sanitizer's allocator counts a little less.  Before
# issue 22 a tunnel held some 4,000 (two bufferevents, five events).
BUDGET=1664

t_proxy_world_or_bail
CONF=$T_DIR/idle.ini
ERR=$T_DIR/idle.err
EV=$T_DIR/events.log
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl" "idle_timeout = 2s"
sed -i "s|^access = .*|&\nevents = $EV\nlevel = debug|" "$CONF"
T_EVENTS=$EV t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole with idle_timeout = 2s and the debug log started" \
    "$(cat "$ERR" "$EV" 2>/dev/null | head -c 2000)" ||
    { echo "Bail out!"; exit 1; }

# A: held idle (never told to go on).  B: an echo every 0.5 s for 4 s.
"$T_PY" "$T_TOOLS/hold_tunnel.py" --proxy "127.0.0.1:$P" --via connect \
    --dest "echo.test:$ECHO" --go "$T_DIR/never" --max-wait 10 \
    >"$T_DIR/a.out" 2>&1 &
TA=$!
"$T_PY" - "127.0.0.1:$P" "echo.test:$ECHO" "$T_TOOLS" >"$T_DIR/b.out" 2>&1 <<'PY' &
import sys, time
sys.path.insert(0, sys.argv[3])
from proxyclient import open_tunnel, recv_exact
s, _ = open_tunnel(sys.argv[1], "socks5", sys.argv[2], 5)
print("up", flush=True)
for i in range(8):
    msg = b"ping %d\n" % i
    s.sendall(msg)
    if recv_exact(s, len(msg)) != msg:
        print("echo differs", flush=True)
        sys.exit(1)
    time.sleep(0.5)
print("alive", flush=True)
PY
TB=$!
T_PIDS="$T_PIDS $TA $TB"
t_wait_grep "$T_DIR/a.out" '^up' 1 50
t_ok $? "tunnel A (CONNECT) is up"
t_wait_grep "$T_DIR/b.out" '^up' 1 50
t_ok $? "tunnel B (SOCKS5) is up"
t_wait_grep "$EV" ': relaying, [0-9]* bytes held$' 2 50
t_ok $? "the debug log says what each tunnel holds"
for b in $(sed -n 's/.*: relaying, \([0-9]*\) bytes held$/\1/p' "$EV"); do
	[ "$b" -le $BUDGET ]
	t_okd $? "a tunnel holds $b bytes when it starts relaying (at most $BUDGET)" \
	    "$(grep 'relaying, ' "$EV")"
done

t_wait_exit "$TA" 150
t_eq "$(sed -n 's/^\(closed-by-peer\) after.*/\1/p' "$T_DIR/a.out")" \
    "closed-by-peer" "tunnel A, idle, is closed by idle_timeout"
t_wait_exit "$TB" 150
t_eq "$(tail -n 1 "$T_DIR/b.out")" "alive" \
    "tunnel B, in use, outlived A's timeout: 8 echoes over 4 s"
t_wait_grep "$T_DIR/flows.jsonl" '"proto":"socks5"' 1 50
t_eq "$(grep -c '"reason":"idle_timeout"' "$T_DIR/flows.jsonl")" 1 \
    "one record with reason idle_timeout"
grep '"reason":"idle_timeout"' "$T_DIR/flows.jsonl" | grep -q '"proto":"connect"'
t_okd $? "it is tunnel A's" "$(cat "$T_DIR/flows.jsonl")"
t_stop_pinhole "$PH_PID" "$ERR" "pinhole"
t_done
