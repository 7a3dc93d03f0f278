#!/bin/sh
# The events log with [proxy] workers = 2: one event, one line.  Start,
# reload and stop are written once (by the leader), not once per
# worker; what a follower says of itself carries "worker N: "; and the
# event library's messages (a DNS server that stopped answering) go
# through pinhole's logger with a level, never as raw "[msg] ..." lines.
. tests/integration/lib.sh

t_proxy_world_or_bail
CONF=$T_DIR/ev.ini
ERR=$T_DIR/ev.err
EV=$T_DIR/events.log
DEAD=$(t_free_port udp)
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
sed -i -e 's/^workers = 1$/workers = 2/' \
    -e "s/^servers = .*/servers = 127.0.0.1:$DEAD/" \
    -e 's/^\[dns\]$/[dns]\ntimeout = 1s/' \
    -e "s|^access = .*|&\nevents = $EV|" "$CONF"
T_EVENTS=$EV t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole with workers = 2 and a DNS server that is down started" \
    "$(cat "$ERR" "$EV" 2>/dev/null | head -c 2000)" ||
    { echo "Bail out!"; exit 1; }

# Lookups through the dead server, over both workers (each has its own
# resolver), until each has said so (bounded).
i=0
while [ $i -lt 20 ] && [ "$(grep -c 'has failed' "$EV")" -lt 2 ]; do
	curl -s -o /dev/null --max-time 4 -x "http://127.0.0.1:$P" \
	    "http://web.test:$WEB/hello.txt"
	i=$((i + 1))
done
kill -HUP "$PH_PID"
t_wait_grep "$EV" 'reloaded: ' 1 100
t_ok $? "SIGHUP: reloaded"
sleep 0.5
kill -TERM "$PH_PID"
t_wait_exit "$PH_PID" 150
t_eq "$T_RC" 0 "pinhole exits 0 on SIGTERM"

t_eq "$(grep -c ' started: ' "$EV")" 1 "one 'started' line for two workers"
t_eq "$(grep -c ' reloading ' "$EV")" 1 "one 'reloading' line"
t_eq "$(grep -c ' reloaded: ' "$EV")" 1 "one 'reloaded' line"
t_eq "$(grep -c ' pinhole stopped' "$EV")" 1 "one 'stopped' line"
t_eq "$(grep -c '\[msg\]\|\[warn\]\|\[err\]\|\[debug\]' "$EV" "$ERR" |
    awk -F: '{ n += $NF } END { print n }')" 0 \
    "no raw event library line in the events log or on stderr"
grep -q '^[0-9T:.-]*Z info: \(worker 1: \)\{0,1\}event library: Nameserver 127.0.0.1:'"$DEAD"' has failed' "$EV"
t_okd $? "the DNS server's failure through the logger, at info" \
    "$(grep -i nameserver "$EV" "$ERR" | head -n 5)"
n=$(grep -c 'Nameserver 127.0.0.1:'"$DEAD"' has failed' "$EV")
d=$(grep 'Nameserver 127.0.0.1:'"$DEAD"' has failed' "$EV" |
    sed 's/^[^ ]* [a-z]*: //' | sort | uniq -d | wc -l)
t_eq "$d" 0 "each worker's resolver says it once, told apart ($n lines)"
bad=$(grep -v -c '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:.]*Z \(error\|warn\|info\|debug\): ' "$EV")
t_eq "$bad" 0 "every line of the events log is the logger's"
grep -q 'info: worker 1: sandbox: seccomp' "$EV"
t_okd $? "a follower's own lines carry 'worker 1: '" \
    "$(grep sandbox "$EV")"
t_sanitizer_clean "$ERR"
t_ok $? "no sanitizer report"
t_done
