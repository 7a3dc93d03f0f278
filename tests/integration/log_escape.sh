#!/bin/sh
# The events log cannot be forged: a SOCKS5 domain carrying a newline
# and a fake event line, refused at max_connections_per_client, is
# written into "connection limit reached for ..." as one line, the
# newline escaped as \x0a; no line of the log is the forged one.
. tests/integration/lib.sh

t_proxy_world_or_bail

LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/esc.ini
ERR=$T_DIR/esc.err
t_proxy_conf "$CONF" "$P" "$LOG" "max_connections_per_client = 1" \
    "handshake_timeout = 10s" "shutdown_grace = 2s"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole started" "$(head -c 2000 "$ERR")" ||
    { echo "Bail out!"; exit 1; }
PH=$PH_PID

# One connection from 127.0.0.30 held open, so the next one is over.
t_bg "$T_DIR/hold.out" "$T_PY" "$T_TOOLS/raw_client.py" --timeout 10 \
    --bind 127.0.0.30 127.0.0.1 "$P" hex:050100 read:2 sleep:4
HOLD=$T_BG_PID
i=0
while [ $i -lt 50 ] && ! ss -Htn state established "dport = :$P" |
    grep -q '127\.0\.0\.30:'; do
	sleep 0.1
	i=$((i + 1))
done

FORGED='2026-01-01T00:00:00.000Z error: forged event'
NAME="x.test
$FORGED"
NAME_HEX=$(printf '%s' "$NAME" | od -An -tx1 | tr -d ' \n')
LEN_HEX=$(printf '%02x' "$(printf '%s' "$NAME" | wc -c)")
R=$("$T_PY" "$T_TOOLS/raw_client.py" --timeout 5 --bind 127.0.0.30 \
    127.0.0.1 "$P" hex:050100 read:2 \
    "hex:05010003$LEN_HEX$NAME_HEX$(printf '%04x' "$ECHO")" all 2>/dev/null)
t_eq "$R" "05000501000100000000""0000" \
    "SOCKS5 over max_connections_per_client, a domain with a newline: 01"

t_wait_grep "$ERR" 'connection limit reached for' 1 50
t_eq "$(grep -c 'connection limit reached for' "$ERR")" 1 \
    "the events log has one 'connection limit reached' line"
grep -qF 'connection limit reached for x.test\x0a2026-01-01T00:00:00.000Z error: forged event' \
    "$ERR"
t_okd $? "... with the newline escaped as \\x0a and the rest on that line" \
    "$(grep -A1 'connection limit reached' "$ERR")"
grep -q '^2026-01-01T00:00:00.000Z error: forged' "$ERR"
t_eq $? 1 "no line of the events log is the forged one"

t_wait_exit "$HOLD" 100
t_stop_pinhole "$PH" "$ERR" "a forged newline"
t_done
