#!/bin/sh
# Descriptors running out while clients keep arriving: pinhole under
# ulimit -n 256, 300 clients at once, each opening one tunnel after
# another for 20 s (20 kB each way, every byte checked).  Accepting
# pauses (logged and counted), pinhole keeps running, every client it
# served was served exactly (and logged with its bytes), none got a
# broken tunnel; afterwards it is back to its descriptors from before
# and serves at once.  (tests/integration/proxy_limits.sh does 150 idle
# clients under ulimit -n 96; here they move data.)
. tests/integration/lib.sh
. tests/soak/lib.sh

s_world_or_bail
CONF=$T_DIR/fds.ini
ERR=$T_DIR/fds.err
LOG=$T_DIR/flows.jsonl
s_conf "$CONF" "handshake_timeout = 30s" "connect_timeout = 5s" \
    "max_connections_per_client = 5000"
ULIMIT_N=256 t_start_pinhole "$CONF" "$ERR" "$P" 1
t_okd $? "pinhole started with ulimit -n 256" "$(tail -n 5 "$ERR")" ||
    { echo "Bail out!"; exit 1; }
PID=$PH_PID
t_eq "$(awk '/^Max open files/ { print $4 }' "/proc/$PID/limits")" 256 \
    "its descriptor limit is 256"
t_wait_port "$ADMIN" 1 100 "$PID"
s_load --workers 10 --each 5 --via socks5 --bytes 20000
t_eq "$S_SERVED:$S_BROKEN" 50:0 "before: 50 tunnels served exactly"
sleep 0.5
fds0=$(s_fds "$PID")
s_metrics "$T_DIR/m0"
paused0=$(s_m "$T_DIR/m0" pinhole_accept_paused_total)

# ---- 300 clients at once for 20 s: about 125 tunnels fit.  A client
# is not served when pinhole cannot take it (its connect to the echo
# server fails for want of a descriptor: 502 or a SOCKS refusal, logged
# connect_failed) or when it waits too long in the listen queue.
t0=$(date +%s)
s_load --workers 300 --duration "${SOAK_FD_SECONDS:-20}" \
    --via connect,socks5,socks4a --bytes 20000 --hold 0.3 --timeout 30 \
    --sources 127.0.2.1-30 --tags "$T_DIR/tags"
secs=$(($(date +%s) - t0))
echo "# $S_LOAD" | head -n 6
t_okd $([ "$S_BROKEN" = 0 ]; echo $?) \
    "no client got a broken tunnel (every byte back, in order, then EOF)" \
    "$S_LOAD"
t_okd $([ "$S_SERVED" -ge 100 ]; echo $?) \
    "pinhole went on serving: $S_SERVED tunnels in $secs s" "$S_LOAD"
s_fig "ulimit -n 256, 300 clients for $secs s: $S_SERVED served exactly, $S_REFUSED not served, 0 broken; p50 $S_P50 ms, p99 $S_P99 ms, max $S_MAX ms"
! t_gone "$PID"
t_ok $? "pinhole is still running"
grep -q 'accepting paused' "$ERR"
t_okd $? "it logged that accepting paused" "$(tail -n 5 "$ERR")"
lines=$(grep -c 'accepting paused' "$ERR")
s_metrics "$T_DIR/m1"
paused1=$(s_m "$T_DIR/m1" pinhole_accept_paused_total)
[ -n "$paused1" ] && [ "$paused1" -gt "${paused0:-0}" ]
t_okd $? "/metrics counts the pauses (pinhole_accept_paused_total)" \
    "$(grep -i -e paus -e accept "$T_DIR/m1")"
s_fig "accepting paused: $lines log lines, pinhole_accept_paused_total ${paused1:-missing}"

# Every served tunnel has its record: a flow, 20000 bytes each way.
out=$("$T_PY" - "$LOG" "$T_DIR/tags" <<'EOF'
import json, sys, time
from collections import Counter
# A client address may come back (ports are reused over thousands of
# connections): each served tunnel needs a flow record of its own.
want = Counter()
for line in open(sys.argv[2]):
    client, n = line.split()
    want[(client, int(n))] += 1
deadline = time.monotonic() + 30
while True:
    got = Counter()
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if r["event"] == "flow" and r["bytes_up"] == r["bytes_down"]:
            got[(r["client"], r["bytes_up"])] += 1
    missing = want - got
    if not missing or time.monotonic() > deadline:
        break
    time.sleep(0.5)
n = sum(want.values())
print("records %d of %d%s" % (n - sum(missing.values()), n,
      (" first missing %s" % list(missing)[0][0]) if missing else ""))
EOF
)
case $out in
"records $S_SERVED of $S_SERVED") t_ok 0 "every served tunnel logged as a flow of 20000 bytes each way" ;;
*) t_okd 1 "every served tunnel logged as a flow of 20000 bytes each way" "$out" ;;
esac

# What the clients not served were told: the records by reason.
fl() { "$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count "$@"; }
s_fig "records: $(fl event=flow) flows, $(fl event=error reason=connect_failed) connect_failed, $(fl event=error reason=timeout) timeout, $(fl event=deny reason=limit) limit"

# ---- and afterwards: descriptors back, served at once
s_wait_eq 300 "$fds0" s_fds "$PID"
t_eq "$S_GOT" "$fds0" "pinhole is back to $fds0 descriptors"
s_wait_eq 300 0 s_open_conns
t_eq "$S_GOT" 0 "/metrics: no connection open"
s_load --workers 10 --each 5 --via connect,socks5 --bytes 20000 --timeout 5
t_okd $([ "$S_SERVED:$S_REFUSED:$S_BROKEN" = 50:0:0 ]; echo $?) \
    "after: 50 tunnels served exactly at once (max $S_MAX ms)" "$S_LOAD"
out=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check)
t_eq "${out%% *}" ok "the access log: every line a full record ($out)"
t_stop_pinhole "$PID" "$ERR" "descriptors" 300
t_done
