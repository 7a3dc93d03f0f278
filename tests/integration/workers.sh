#!/bin/sh
# [proxy] workers = 2: two processes, each with its own listening socket
# in one SO_REUSEPORT group.  Both serve (flow ids tell them apart), the
# leader's /metrics and /status add up both, a second pinhole on the
# same port is refused, the leader alone fetches a vendor list and the
# follower takes each new version from the cache, signals reach both,
# and either one dying takes the other down.  With a pcap both write
# into the one file: whole records, one header, rotation once, SIGUSR1
# after a rename (tshark reads every file; its flows are the JSON log's).
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_proxy_world_or_bail
vl_world_or_bail
vl_serve /l.txt 127.0.0.31
# The listed addresses' own echo server, on the same port as echo.test.
t_bg "$T_DIR/echo31.out" "$T_PY" "$T_TOOLS/echo_server.py" --port "$ECHO" \
    --listen 127.0.0.31 --listen 127.0.0.32 --listen 127.0.0.33
t_wait_port "$ECHO" 3 100 "$T_BG_PID"
t_ok $? "an echo server on 127.0.0.31, .32 and .33 too"

LOG=$T_DIR/w.jsonl
ERR=$T_DIR/w.err
CONF=$T_DIR/w.ini
w_conf() {	# w_conf FILE WORKERS [PROXY-LINE...]
	f=$1 n=$2
	shift 2
	t_proxy_conf "$f" "$P" "$LOG" "$@"
	sed -i -e "s/^workers = 1\$/workers = $n/" \
	    -e "s/^listen =\$/listen = 127.0.0.1:$ADMIN/" "$f"
	cat >>"$f" <<EOC

[allow listed]
lists = vendor, local
ports = $ECHO
allow_private = yes

[list local]
file = $T_DIR/local.txt

[list vendor]
url = https://127.0.0.1:$VTLS/l.txt
fetch_private = yes
ca_file = $T_DIR/certs/ca.crt
refresh = 1h
EOC
}
# start_two ERR WHAT: pinhole on $CONF, its pids in LEADER and FOLLOWER;
# two checks (started; one follower process).
start_two() {
	t_start_pinhole "$CONF" "$1" "$P"
	t_okd $? "pinhole with workers = 2 started $2" "$(head -c 2000 "$1")" ||
	    { echo "Bail out!"; exit 1; }
	LEADER=$PH_PID
	FOLLOWER=$(pgrep -P "$LEADER")
	t_ok $([ -n "$FOLLOWER" ] && [ "$(echo "$FOLLOWER" | wc -l)" = 1 ]
	    echo $?) "... the leader has one follower process ($FOLLOWER)"
}

echo 127.0.0.33 >"$T_DIR/local.txt"
w_conf "$CONF" 2
start_two "$ERR" ""
grep -q 'started: .* 2 workers$' "$ERR"
t_okd $? "the start line says 2 workers" "$(grep started "$ERR")"
# Two listening sockets on the port, one per process.
n=$(ss -Hltnp "sport = :$P" 2>/dev/null | grep '127.0.0.1' | grep -c pinhole)
t_eq "$n" 2 "two sockets listen on 127.0.0.1:$P (SO_REUSEPORT)"

# ---- both serve
connect_status() {	# connect_status HOST:PORT
	"$T_PY" "$T_TOOLS/raw_client.py" --raw 127.0.0.1 "$P" \
	    "esc:CONNECT $1 HTTP/1.1\r\n\r\n" read:39 shut 2>/dev/null |
	    head -n 1 | tr -d '\r'
}
ok=0
for i in $(seq 1 60); do
	[ "$(connect_status "echo.test:$ECHO")" = \
	    "HTTP/1.1 200 Connection established" ] && ok=$((ok + 1))
done
t_eq "$ok" 60 "60 CONNECTs in a row: all 200"
i=0
while [ $i -lt 50 ] && [ "$(wc -l <"$LOG")" -lt 60 ]; do
	sleep 0.1
	i=$((i + 1))
done
ids=$("$T_PY" -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
print(len(ids), len(set(ids)), sum(1 for i in ids if i % 2 == 0),
      sum(1 for i in ids if i % 2 == 1))' "$LOG")
set -- $ids
t_eq "$1 $2" "60 60" "60 flow records, 60 distinct ids"
t_ok $([ "$3" -gt 0 ] && [ "$4" -gt 0 ]; echo $?) \
    "both workers served: $3 even ids (leader), $4 odd (follower)"

metric() { curl -s --max-time 5 "http://127.0.0.1:$ADMIN/metrics" |
    awk -v m="$1" '$1 == m { print $2 }'; }
t_eq "$(metric pinhole_workers)" 2 "/metrics: pinhole_workers 2"
t_eq "$(metric pinhole_accepted_total)" 60 \
    "/metrics adds both workers up: pinhole_accepted_total 60"
t_eq "$(metric 'pinhole_connections_total{proto="connect"}')" 60 \
    "... pinhole_connections_total{proto=\"connect\"} 60"

# Open connections of both, in /status (the follower's within a second).
t_bg "$T_DIR/idle.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
    --connect "127.0.0.1:$P" --count 40 --until "$T_DIR/idle.go" --max-hold 30
IDLE=$T_BG_PID
t_wait_grep "$T_DIR/idle.out" '^open 40$' 1 100
open_now() { curl -s --max-time 5 "http://127.0.0.1:$ADMIN/status" |
    sed -n 's/.*"connections_open":\([0-9]*\).*/\1/p'; }
i=0
while [ $i -lt 30 ] && [ "$(open_now)" != 40 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_eq "$(open_now)" 40 "/status: 40 connections open across both workers"
touch "$T_DIR/idle.go"
t_wait_exit "$IDLE" 100

# ---- a second pinhole on the same port is refused
w_conf "$T_DIR/second.ini" 2
ERR2=$T_DIR/second.err
"$PINHOLE" -c "$T_DIR/second.ini" >"$ERR2.out" 2>"$ERR2" &
SECOND=$!
t_wait_exit "$SECOND" 100
t_eq "$T_RC" 1 "a second pinhole with workers = 2 on the same port exits 1"
grep -q "cannot listen on 127.0.0.1:$P: Address already in use" "$ERR2"
t_okd $? "... saying the address is in use" "$(head -n 5 "$ERR2")"

# ---- the leader fetches; the follower reads each version from the cache
ok=0
for i in $(seq 1 20); do
	[ "$(connect_status "127.0.0.31:$ECHO")" = \
	    "HTTP/1.1 200 Connection established" ] && ok=$((ok + 1))
	[ "$(connect_status "127.0.0.33:$ECHO")" = \
	    "HTTP/1.1 200 Connection established" ] && ok=$((ok + 1))
done
t_eq "$ok" 40 "the listed 127.0.0.31 and 127.0.0.33 (file): 40 of 40 CONNECTs allowed"
t_eq "$(vl_requests /l.txt)" 1 "the vendor saw one fetch, not one per worker"
vl_serve /l.txt 127.0.0.32
t_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST --max-time 5 \
    "http://127.0.0.1:$ADMIN/refresh/vendor")" 202 "POST /refresh/vendor: 202"
t_wait_grep "$ERR" 'list vendor: 1 entries from https' 1 50
i=0
while [ $i -lt 50 ] && [ "$(grep -c 'list vendor: 1 entries from the cache' \
    "$ERR")" -lt 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -c 'list vendor: 1 entries from the cache' "$ERR" | {
	read -r n
	t_eq "$n" 2 "the follower read the cache at start and once more after the fetch"
}
ok=0 denied=0
for i in $(seq 1 20); do
	[ "$(connect_status "127.0.0.32:$ECHO")" = \
	    "HTTP/1.1 200 Connection established" ] && ok=$((ok + 1))
	[ "$(connect_status "127.0.0.31:$ECHO")" = \
	    "HTTP/1.1 403 Forbidden" ] && denied=$((denied + 1))
done
t_eq "$ok $denied" "20 20" \
    "the new version in both workers: 127.0.0.32 allowed 20 of 20, 127.0.0.31 refused 20 of 20"
t_eq "$(vl_requests /l.txt)" 2 "the vendor saw two fetches in all"

# ---- signals reach both
kill -HUP "$LEADER"
# Both read the file list (at start, and again on SIGHUP); only the
# leader writes the cache, so they never trip over its temporary file.
# (A follower slower to start than the leader also finds the leader's
# cache of the file list first: "entries from the cache", not counted.)
t_wait_grep "$ERR" "list local: 1 entries from $T_DIR/local.txt " 4 50
t_eq "$(grep -cF "list local: 1 entries from $T_DIR/local.txt " "$ERR")" 4 \
    "SIGHUP to the leader: both workers read the file list again"
t_wait_grep "$ERR" 'reloaded: ' 1 50
sleep 0.5
t_eq "$(grep -c 'reloaded: ' "$ERR")" 1 \
    "one reload, one 'reloaded' line (the leader's)"
t_eq "$(grep -c 'cannot write the cache' "$ERR")" 0 \
    "no cache write failed (the cache has one writer)"
kill -TERM "$LEADER"
t_wait_exit "$LEADER" 100
t_eq "$T_RC" 0 "SIGTERM: the leader exits 0"
t_gone "$FOLLOWER"
t_ok $? "... and the follower has ended too"
t_sanitizer_clean "$ERR"
t_okd $? "no sanitizer report from either" "$(grep -A5 -e SUMMARY -e 'runtime error' "$ERR")"

# ---- one dying takes the other down
start_two "$ERR.2" again
kill -KILL "$FOLLOWER"
t_wait_exit "$LEADER" 100
t_eq "$T_RC" 1 "the follower killed: the leader stops, exit 1"
grep -q "worker 1 (pid $FOLLOWER) ended: signal 9; stopping" "$ERR.2"
t_okd $? "... saying which worker ended how" "$(tail -n 3 "$ERR.2")"

start_two "$ERR.3" "a third time"
kill -KILL "$LEADER"
wait "$LEADER" 2>/dev/null
i=0
while [ $i -lt 50 ] && ! t_gone "$FOLLOWER"; do
	sleep 0.1
	i=$((i + 1))
done
t_gone "$FOLLOWER"
t_ok $? "the leader killed: the follower stops too"
grep -q 'worker 1: the leader is gone; stopping' "$ERR.3"
t_okd $? "... saying so" "$(tail -n 3 "$ERR.3")"

# ---- a pcap, two workers writing into the one file
# pw_start NAME LOG-LINE...: pinhole with workers = 2 and the pcap
# $T_DIR/NAME.pcap (pcap_snaplen unlimited, the LOG-LINEs after), its
# JSON log $T_DIR/NAME.jsonl; LEADER, FOLLOWER as start_two.
pw_start() {
	NAME=$1 LOG=$T_DIR/$1.jsonl CONF=$T_DIR/$1.ini PCAP=$T_DIR/$1.pcap
	shift
	w_conf "$CONF" 2
	printf '%s\n' "pcap = $PCAP" "pcap_snaplen = unlimited" "$@" \
	    >"$T_DIR/pw.lines"
	sed -i "/^access = /r $T_DIR/pw.lines" "$CONF"
	"$PINHOLE" -t -c "$CONF" >"$T_DIR/$NAME.t" 2>&1
	t_okd $? "$NAME: workers = 2 with a pcap: pinhole -t exits 0" \
	    "$(head -n 3 "$T_DIR/$NAME.t")"
	start_two "$T_DIR/$NAME.err" "with a pcap ($NAME)"
}
# pw_stop: stops it; one check more: no pcap error in its stderr (under
# the sandbox: every call the writers make is allowed).
pw_stop() {
	t_stop_pinhole "$LEADER" "$T_DIR/$NAME.err" "$NAME (workers = 2, pcap)"
	grep -i -e 'error.*pcap' -e 'pcap.*not permitted' -e 'pcap.*denied' \
	    "$T_DIR/$NAME.err" >"$T_DIR/$NAME.pcaperr"
	t_okd $([ -s "$T_DIR/$NAME.pcaperr" ]; echo $((!$?))) \
	    "$NAME: no pcap error logged by either worker (sandbox on)" \
	    "$(head -n 5 "$T_DIR/$NAME.pcaperr")"
}
# pw_traffic N BYTES: N tunnels through CONNECT and N through SOCKS5,
# each curl POSTing BYTES to web.test's /echo, four at a time; one check
# (every answer a 200 with the BYTES back).
pw_traffic() {
	head -c "$2" /dev/urandom >"$T_DIR/pw.body"
	: >"$T_DIR/pw.codes"
	pids=
	for i in $(seq 1 "$1"); do
		for via in "-p -x http://127.0.0.1:$P" \
		    "--socks5-hostname 127.0.0.1:$P"; do
			# shellcheck disable=SC2086 # $via: two words meant
			curl -s -o /dev/null -w '%{http_code} %{size_download}\n' \
			    --max-time 20 $via --data-binary "@$T_DIR/pw.body" \
			    -H 'Content-Type: application/octet-stream' \
			    "http://web.test:$WEB/echo" >>"$T_DIR/pw.codes" &
			pids="$pids $!"
		done
		if [ $((i % 2)) = 0 ]; then
			# shellcheck disable=SC2086 # a list of pids
			wait $pids
			pids=
		fi
	done
	# shellcheck disable=SC2086
	[ -n "$pids" ] && wait $pids
	t_eq "$(grep -cx "200 $2" "$T_DIR/pw.codes")" $(($1 * 2)) \
	    "$NAME: $(($1 * 2)) tunnels (CONNECT, SOCKS5) of $2 bytes each way: all 200"
}
# pw_wait N: waits for N records in the JSON log; one check that both
# workers served some (ids: the leader's even, the follower's odd).
pw_wait() {
	i=0
	while [ $i -lt 100 ] && [ "$(wc -l <"$LOG")" -lt "$1" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	set -- $("$T_PY" -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
print(len(ids), sum(1 for i in ids if i % 2 == 0),
      sum(1 for i in ids if i % 2 == 1))' "$LOG")
	t_ok $([ "$2" -gt 0 ] && [ "$3" -gt 0 ]; echo $?) \
	    "$NAME: both workers served: $2 flows by the leader, $3 by the follower"
}
# pw_check FILE LOG WHAT: tshark reads FILE cleanly, it is one header and
# whole records, and its conversations are exactly LOG's flows with their
# byte counts; three checks.
pw_check() {
	tshark -n -r "$1" -q -z conv,tcp >"$1.conv" 2>"$1.tserr"
	rc=$?
	grep -v 'Running as user' "$1.tserr" >"$1.tserr2"
	[ "$rc" = 0 ] && ! [ -s "$1.tserr2" ]
	t_okd $? "$NAME: tshark reads $3 cleanly" "exit $rc: $(head -c 500 "$1.tserr2")"
	out=$($FLOWS walk "$1" 2>&1)
	t_okd $? "$NAME: $3: one header, then whole records to its end" "$out"
	$FLOWS scan "$1" >"$1.sum"
	out=$($FLOWS match "$1.sum" "$1.conv" "$2" 2>&1)
	t_okd $? "$NAME: $3: conv,tcp lists exactly the JSON log's $(wc -l <"$2" | tr -d ' ') flows, each with its bytes_up and bytes_down" \
	    "$out"
}
# pw_settle: each worker writes what it gathered within a second (its
# timer): the traffic over, waits for $PCAP to stop growing (at most 6 s).
pw_settle() {
	i=0 last=-1
	while [ $i -lt 5 ] && [ "$(stat -c %s "$PCAP")" != "$last" ]; do
		last=$(stat -c %s "$PCAP")
		sleep 1.2
		i=$((i + 1))
	done
}
FLOWS="$T_PY $T_TOOLS/pcap_flows.py"

# 40 tunnels into one file; then the file renamed away and SIGUSR1: both
# workers write the next 20 into a new file under the name, which has
# one header; then a reload to another path, and 20 more there.
pw_start pw
pw_traffic 20 30000
pw_wait 40
cp "$LOG" "$T_DIR/pw.before.jsonl"
pw_settle
mv "$PCAP" "$PCAP.moved"
kill -USR1 "$LEADER"
t_wait_grep "$T_DIR/pw.err" 'reopening the log files' 2 50
t_ok $? "pw: SIGUSR1: both workers reopen"
# The new file is made by whichever worker comes first (it writes the
# header); the other opens it without writing one.
i=0
while [ $i -lt 50 ] && ! [ -s "$PCAP" ]; do
	sleep 0.1
	i=$((i + 1))
done
t_eq "$(stat -c %s "$PCAP" 2>&1)" 24 "pw: after SIGUSR1 a new pw.pcap with one header, nothing else yet"
pw_traffic 10 20000
pw_wait 60
# A reload to another path: both workers write the later flows there,
# under one header, and nothing more into the first file.
pw_settle
n=$(grep -c 'list local: 1 entries from' "$T_DIR/pw.err")
sed -i "s|^pcap = .*|pcap = $T_DIR/pw2.pcap|" "$CONF"
kill -HUP "$LEADER"
t_wait_grep "$T_DIR/pw.err" 'list local: 1 entries from' $((n + 2)) 50
t_ok $? "pw: SIGHUP: both workers reload"
pw_traffic 10 20000
pw_wait 80
pw_stop
sed -n 41,60p "$LOG" >"$T_DIR/pw.after.jsonl"
tail -n +61 "$LOG" >"$T_DIR/pw.reload.jsonl"
pw_check "$PCAP.moved" "$T_DIR/pw.before.jsonl" "the file renamed away (flows before SIGUSR1)"
pw_check "$PCAP" "$T_DIR/pw.after.jsonl" "the new file (flows after SIGUSR1, before the reload)"
pw_check "$T_DIR/pw2.pcap" "$T_DIR/pw.reload.jsonl" "the file the reload named (flows after it)"

# Rotation with two workers: pcap_rotate_mb = 1 (the least), pcap_keep =
# 50 (nothing dropped); 48 tunnels of 60 kB each way, about 6 MB.
pw_start pwrot "pcap_rotate_mb = 1" "pcap_keep = 50"
pw_traffic 24 60000
pw_wait 48
pw_stop
n=0
while [ -f "$PCAP.$((n + 1))" ]; do
	n=$((n + 1))
done
t_ok $([ "$n" -ge 4 ] && [ "$n" -le 7 ]; echo $?) \
    "pwrot: rotated $n times (4 to 7 for about 6 MB)"
bad=
for k in $(seq "$n" -1 1); do
	out=$($FLOWS walk "$PCAP.$k" 2>&1) || bad="$bad pwrot.pcap.$k: $out;"
	size=$(stat -c %s "$PCAP.$k")
	[ "$size" -ge $((1 << 20)) ] && [ "$size" -le $(((1 << 20) + 65536 + 100)) ] ||
	    bad="$bad pwrot.pcap.$k: $size bytes;"
	tshark -n -r "$PCAP.$k" >/dev/null 2>"$T_DIR/pwrot.tserr" ||
	    bad="$bad pwrot.pcap.$k: tshark: $(head -c 200 "$T_DIR/pwrot.tserr");"
	files="${files:-} $PCAP.$k"
done
out=$($FLOWS walk "$PCAP" 2>&1) || bad="$bad pwrot.pcap: $out;"
t_okd $([ -z "$bad" ]; echo $?) \
    "pwrot: each file is one header and whole records (no record cut at a rotation), each rotated one just past 1 MiB, read by tshark" \
    "$bad"
# shellcheck disable=SC2086 # a list of files
mergecap -F pcap -a -w "$T_DIR/pwrot.all" $files "$PCAP" 2>"$T_DIR/mergecap.err"
t_okd $? "pwrot: mergecap puts the $((n + 1)) files together" "$(cat "$T_DIR/mergecap.err")"
pw_check "$T_DIR/pwrot.all" "$LOG" "the files together"

# ---- limits are shared out: a limit of 2 is one a worker, so of 6
# tunnels held open at most 2 are let through (1 when the kernel's hash
# sends all 6 to one worker); were each worker to keep the whole limit,
# up to 4 would be.
# limit_case N KEY: pinhole with workers = 2 and KEY = 2 (log and
# stderr named after N), 6 tunnels of one client held open.
limit_case() {
	LOG=$T_DIR/lim$1.jsonl
	w_conf "$CONF" 2 "$2 = 2"
	start_two "$ERR.$1" "with $2 = 2"
	hex=$(printf 'CONNECT echo.test:%s HTTP/1.1\r\n\r\n' "$ECHO" |
	    od -An -tx1 | tr -d ' \n')
	t_bg "$T_DIR/lim$1.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
	    --connect "127.0.0.1:$P" --count 6 --send "$hex" \
	    --until "$T_DIR/lim$1.go" --max-hold 30
	LIM=$T_BG_PID
	t_wait_grep "$T_DIR/lim$1.out" '^open 6$' 1 100
	t_wait_grep "$LOG" '"reason":"limit"' 4 50
	n=$(grep -c '"reason":"limit"' "$LOG")
	t_ok $([ "$n" -ge 4 ] && [ "$n" -le 5 ]; echo $?) \
	    "$2 = 2: of 6 tunnels $n refused with reason limit (4 or 5), so at most 2 through"
	touch "$T_DIR/lim$1.go"
	t_wait_exit "$LIM" 100
	t_stop_pinhole "$LEADER" "$ERR.$1" "workers = 2 with $2 = 2"
}
limit_case 5 max_connections_per_client
limit_case 6 max_connections
t_done
