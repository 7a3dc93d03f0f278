#!/bin/sh
# Lookups under a flood: a client whose names are never answered takes
# its own share of the lookups in flight, never another client's; a
# lookup ends by [dns] timeout; a reload that changes [dns] servers with
# lookups in flight, even with a SIGTERM right after, is clean.
. tests/integration/lib.sh

# hole.test is forwarded by dnsmasq to a server that never answers.
SINK=$(t_free_port udp)
t_bg "$T_DIR/sink.out" "$T_PY" "$T_TOOLS/udp_sink.py" --port "$SINK" \
    --lifetime 300
t_wait_grep "$T_DIR/sink.out" '^ready' 1 50 &&
    t_proxy_dnsmasq --host-record=echo.test,127.0.0.1 \
    --host-record=other.test,127.0.0.1 --dns-forward-max=1000 \
    --server=/hole.test/127.0.0.1#"$SINK"
t_okd $? "dnsmasq and a DNS server that never answers started" \
    "$(cat "$T_DIR/dnsmasq.err" "$T_DIR/sink.out.err" 2>/dev/null)" ||
    { echo "Bail out!"; exit 1; }
ports=$(t_free_ports 3) || { echo "Bail out! no free ports"; exit 1; }
set -- $ports
P=$1 ECHO=$2 APORT=$3
t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/echo_server.py" --port "$ECHO"
t_wait_port "$ECHO" 1 100 "$T_BG_PID"
t_ok $? "echo server started"

# conf FILE SERVERS [DNS-LINE...]: one rule, resolve = yes, for the
# echo server's address; the names of hole.test and echo.test are
# allowed only by what they resolve to.
conf() {
	f=$1 servers=$2
	shift 2
	{
		cat <<EOC
[proxy]
listen = 127.0.0.1:$P
clients = 127.0.0.0/8
workers = 1
shutdown_grace = 0

[allow echo]
nets = 127.0.0.1
ports = $ECHO
resolve = yes
allow_private = yes

[cache]
dir = $T_DIR/cache

[dns]
servers = $servers
hosts_file =
EOC
		for line in "$@"; do
			echo "$line"
		done
		cat <<EOC

[log]
access = $T_DIR/flows.jsonl

[admin]
listen = 127.0.0.1:$APORT
EOC
	} >"$f"
}
# A metric's value, e.g. metric 'pinhole_dns_cache_total{result="miss"}'.
metric() {
	curl -s -m 5 "http://127.0.0.1:$APORT/metrics" 2>/dev/null |
	    awk -v k="$1" '$1 == k { print $2 }'
}
# Waits (at most 10 s) until metric KEY is at least N.
wait_metric() {	# wait_metric KEY N
	i=0
	while [ $i -lt 100 ]; do
		v=$(metric "$1")
		[ "${v:-0}" -ge "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# CONNECT NAME:$ECHO from SRC, then a half-close (the echo server
# closes back); the status line (empty if none in 8 s).
connect_from() {	# connect_from SRC NAME
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 8 --bind "$1" \
	    --info "$T_DIR/info" 127.0.0.1 "$P" \
	    "esc:CONNECT $2:$ECHO HTTP/1.1\r\n\r\n" head shut >"$T_DIR/reply" \
	    2>/dev/null
	head -n 1 "$T_DIR/reply" | tr -d '\r'
}
# COUNT CONNECTs of names that are never answered (TEMPLATE, see
# lookup_flood.py), from 127.0.0.1, in the background, each waiting at
# most HOLD s (default 40) for its status line; waits until pinhole has
# started every lookup (its cache misses).
flood() {	# flood OUT COUNT TEMPLATE [HOLD]
	misses=$(metric 'pinhole_dns_cache_total{result="miss"}')
	t_bg "$1" "$T_PY" "$T_TOOLS/lookup_flood.py" --proxy "127.0.0.1:$P" \
	    --count "$2" --name "$3" --port "$ECHO" --bind 127.0.0.1 \
	    --max-hold "${4:-40}"
	FLOOD_PID=$T_BG_PID
	t_wait_grep "$1" '^sent' 1 100 &&
	    wait_metric 'pinhole_dns_cache_total{result="miss"}' \
	    $((${misses:-0} + $2))
}

WAITS=pinhole_dns_waits_total
# How often pinhole said the lookups of 127.0.0.1 wait their turn.
said() {
	grep -c 'lookups of 127\.0\.0\.1: .* wait their turn' "$ERR"
}
flood_result() {	# flood_result OUT: its last line once it ended
	t_wait_exit "$FLOOD_PID" 450
	tail -n 1 "$1"
}

# ---- 1. One client's flood leaves another client's lookups alone.
ERR=$T_DIR/fair.err
conf "$T_DIR/fair.ini" "127.0.0.1:$DNS_PORT"
t_start_pinhole "$T_DIR/fair.ini" "$ERR" "$P" 1
t_ok $? "pinhole started"
F_PID=$PH_PID
flood "$T_DIR/flood1" 250 'n{i}.hole.test'
t_okd $? "a client has 250 lookups of never-answered names in flight" \
    "$(cat "$T_DIR/flood1" "$T_DIR/flood1.err")"
st=$(connect_from 127.0.0.2 echo.test)
t_okd "$([ "$st" = "HTTP/1.1 200 Connection established" ]; echo $?)" \
    "meanwhile another client's allowed name is looked up and connected to" \
    "got: '$st' ($(cat "$T_DIR/info" 2>/dev/null))"
t_eq "$(flood_result "$T_DIR/flood1")" "replies 502:250 none:0" \
    "every lookup of the flood ends in 502"
i=0
while [ $i -lt 50 ] && [ "$("$T_PY" "$T_TOOLS/flowlog.py" \
    "$T_DIR/flows.jsonl" count event=error reason=dns_error)" != 250 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$T_DIR/flows.jsonl" count \
    event=error reason=dns_error)" 250 "... each recorded as dns_error"
t_eq "$(metric $WAITS)" 234 \
    "$WAITS: the 234 lookups past the client's 16 in flight waited"
t_eq "$(said)" 1 "pinhole said so once"

# ---- 2. [dns] timeout and max_lookups_per_client, taken by a reload.
conf "$T_DIR/fair.ini" "127.0.0.1:$DNS_PORT" "timeout = 1s" \
    "max_lookups_per_client = 4"
kill -HUP "$F_PID"
t_wait_grep "$ERR" 'reloaded\|reload failed' 1 50
t_okd $? "reloaded" "$(tail -n 3 "$ERR")"
flood "$T_DIR/flood2" 40 'm{i}.hole.test' 6
t_okd $? "40 lookups of never-answered names in flight" \
    "$(cat "$T_DIR/flood2" "$T_DIR/flood2.err")"
t_eq "$(metric $WAITS)" 270 "... 36 of them past the 4 in flight waited"
t_eq "$(flood_result "$T_DIR/flood2")" "replies 502:40 none:0" \
    "each ended in 502 by the 1 s timeout, its wait included (not 10 s)"
t_eq "$(said)" 2 "pinhole said so once more (a new resolver)"
t_sanitizer_clean "$ERR"
t_ok $? "no sanitizer report so far"

# ---- 3. A reload that changes [dns] servers under pending lookups:
# they end on the servers they were sent to, new ones go to the new.
flood "$T_DIR/flood3" 20 'p{i}.hole.test'
t_okd $? "20 lookups of never-answered names in flight" \
    "$(cat "$T_DIR/flood3" "$T_DIR/flood3.err")"
conf "$T_DIR/fair.ini" "127.0.0.1:$SINK" "timeout = 1s" \
    "max_lookups_per_client = 4"
kill -HUP "$F_PID"
t_wait_grep "$ERR" 'reloaded\|reload failed' 2 50
t_okd $? "reloaded with other [dns] servers" "$(tail -n 3 "$ERR")"
t_eq "$(flood_result "$T_DIR/flood3")" "replies 502:20 none:0" \
    "the pending lookups end in 502"
t_eq "$(connect_from 127.0.0.2 other.test)" "HTTP/1.1 502 Bad Gateway" \
    "a new lookup goes to the new server, which never answers: 502"
t_eq "$(grep '^query other\.test ' "$T_DIR/sink.out" | sort -u | tr '\n' ,)" \
    "query other.test A,query other.test AAAA," \
    "... the new server was asked for its A and AAAA"
t_ok "$(t_gone "$F_PID"; [ $? = 1 ]; echo $?)" "pinhole runs on"

# ---- 4. The same, then SIGTERM in the same turn of the loop: every
# session closes cleanly (a lookup outliving its resolver was a use
# after free).
flood "$T_DIR/flood4" 20 'r{i}.hole.test'
t_okd $? "20 lookups of never-answered names in flight" \
    "$(cat "$T_DIR/flood4" "$T_DIR/flood4.err")"
conf "$T_DIR/fair.ini" "127.0.0.1:$DNS_PORT, 127.0.0.1:$SINK"
kill -HUP "$F_PID"
kill -TERM "$F_PID"
t_wait_exit "$F_PID" 150
t_eq "$T_RC" 0 "SIGHUP then SIGTERM: pinhole exits 0"
t_sanitizer_clean "$ERR"
t_ok $? "... and without a sanitizer report"
t_sanitizer_clean "$ERR" || grep -A 30 -m 1 -e ERROR -e 'runtime error' \
    "$ERR" | sed 's/^/#   /' | head -n 40
t_wait_exit "$FLOOD_PID" 100

# ---- 5. SIGTERM with lookups in flight and waiting: each is freed (the
# lookups of closed sessions used to be left to evdns, and leaked).
ERR=$T_DIR/term.err
conf "$T_DIR/fair.ini" "127.0.0.1:$DNS_PORT"
t_start_pinhole "$T_DIR/fair.ini" "$ERR" "$P" 1
t_ok $? "pinhole started again"
F_PID=$PH_PID
flood "$T_DIR/flood5" 30 't{i}.hole.test'
t_okd $? "30 lookups of never-answered names in flight or waiting" \
    "$(cat "$T_DIR/flood5" "$T_DIR/flood5.err")"
t_stop_pinhole "$F_PID" "$ERR" "SIGTERM under pending lookups"
t_wait_exit "$FLOOD_PID" 100

t_done
