#!/bin/sh
# 100 SIGHUPs in a row while traffic flows.  Each reload reads the
# config, a 20,000-entry list file, and fetches a list over HTTPS;
# meanwhile 20 tunnels echo every 100 ms and new clients keep arriving
# (CONNECT, SOCKS5, SOCKS4a, exact bytes).  No tunnel is dropped, no
# ping or new client fails, every SIGHUP gives one "reloaded", and
# pinhole ends with the descriptors it had before and its resident
# memory within a bound of before.  Run twice: the ASan build (memory
# errors, leaks at exit), then the plain build, whose RSS is what is
# measured (ASan's quarantine keeps freed memory on purpose).  The
# bound: 2 MB for the 100 reloads.  One version of the allowlist (the
# 20,000 entries and their sets) is measured below as the RSS it adds
# to a pinhole without the list; keeping even one in ten of the
# replaced versions would grow RSS by ten times that or more.
# (tests/integration/proxy_ops.sh has one SIGHUP with a tunnel open.)
. tests/integration/lib.sh
. tests/integration/lists_lib.sh
. tests/soak/lib.sh

N=${SOAK_HUPS:-100}
s_world_or_bail
set -- $(t_free_ports 2)
VTLS=$1 VPLAIN=$2
vl_certs
t_okd $? "test certificates made" "$(tail -n 5 "$T_DIR/certs.log")"
vl_start_vendor
t_ok $? "vendor server started"
vl_serve /v.txt 203.0.113.7 198.51.100.0/28 vendor.example
awk 'BEGIN { for (i = 0; i < 20000; i++)
	printf "100.%d.%d.%d\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }' \
    >"$T_DIR/big.txt"
S_MORE="[allow lists]
lists = big, vendor
ports = 443

[list big]
file = $T_DIR/big.txt
max_entries = 100000
max_shrink = 100%

[list vendor]
url = https://127.0.0.1:$VTLS/v.txt
fetch_private = yes
ca_file = $T_DIR/certs/ca.crt
refresh = 1h
timeout = 10s"
CONF=$T_DIR/hup.ini
s_conf "$CONF" "handshake_timeout = 20s" "max_connections_per_client = 1000"

# run NAME BINARY: one pinhole through N SIGHUPs; RSS and descriptors
# before and after in R0 R1 F0 F1.
run() {
	name=$1
	ERR=$T_DIR/$name.err
	PINHOLE=$2 t_start_pinhole "$CONF" "$ERR" "$P" 1
	t_okd $? "$name: pinhole started" "$(tail -n 5 "$ERR")" || return 1
	PID=$PH_PID
	t_wait_port "$ADMIN" 1 100 "$PID"
	t_wait_grep "$ERR" "list vendor: 3 entries from" 1 100 &&
	    t_wait_grep "$ERR" "list big: 20000 entries" 1 100
	t_okd $? "$name: both lists loaded" "$(grep list "$ERR" | tail -n 4)"
	hups() {	# hups COUNT: that many SIGHUPs, each waited for
		_h=0
		_r=$(grep -c 'reloaded' "$ERR")
		while [ $_h -lt "$1" ]; do
			kill -HUP "$PID"
			t_wait_grep "$ERR" 'reloaded' $((_r + _h + 1)) 100 || break
			_h=$((_h + 1))
		done
		echo "$_h"
	}
	t_bg "$T_DIR/$name.tun.out" "$T_PY" "$T_TOOLS/many_tunnels.py" \
	    --proxy "127.0.0.1:$P" --dest "127.0.0.1:$ECHO" --count 20 \
	    --via connect --ping 0.1 --go "$T_DIR/$name.go" --max-hold 300
	TUN=$T_BG_PID
	t_wait_grep "$T_DIR/$name.tun.out" '^open\|^FAIL' 1 100
	t_okd $(grep -q '^open 20 ' "$T_DIR/$name.tun.out"; echo $?) \
	    "$name: 20 tunnels open, echoing every 100 ms" \
	    "$(cat "$T_DIR/$name.tun.out"*)"
	# warm up: allocators and caches settle
	t_eq "$(hups 5)" 5 "$name: 5 SIGHUPs to warm up, each reloaded"
	sleep 2
	F0=$(s_fds "$PID") R0=$(s_rss "$PID")
	rm -f "$T_DIR/$name.stop"
	t_bg "$T_DIR/$name.load.out" "$T_PY" "$T_TOOLS/load.py" \
	    --proxy "127.0.0.1:$P" --dest "echo.test:$ECHO" --workers 4 \
	    --duration 600 --until "$T_DIR/$name.stop" \
	    --via connect,socks5,socks4a --bytes 5000 --timeout 20
	LOAD=$T_BG_PID
	t0=$(date +%s)
	t_eq "$(hups "$N")" "$N" "$name: $N SIGHUPs in a row, each reloaded"
	secs=$(($(date +%s) - t0))
	touch "$T_DIR/$name.stop"
	t_wait_exit "$LOAD" 300
	set -- $(head -n 1 "$T_DIR/$name.load.out")
	t_okd $([ "${4:-x}:${6:-x}" = 0:0 ] && [ "${2:-0}" -gt 0 ]; echo $?) \
	    "$name: every new client during the reloads served exactly (${2:-0} tunnels)" \
	    "$(cat "$T_DIR/$name.load.out"*)"
	s_fig "$name: $N SIGHUPs in $secs s with 20 echoing tunnels and ${2:-0} new tunnels"
	# the last fetch ends, the last sessions close
	sleep 3
	s_wait_eq 100 "$F0" s_fds "$PID"
	F1=$S_GOT R1=$(s_rss "$PID")
	touch "$T_DIR/$name.go"
	t_wait_grep "$T_DIR/$name.tun.out" '^closed\|^FAIL' 1 300
	t_okd $(grep -q '^alive 20 of 20 .* failed 0 ' "$T_DIR/$name.tun.out"; echo $?) \
	    "$name: no tunnel dropped, no ping lost" \
	    "$(cat "$T_DIR/$name.tun.out")"
	s_fig "$name: tunnels $(grep '^alive' "$T_DIR/$name.tun.out")"
	t_wait_exit "$TUN" 100
	t_eq "$F1" "$F0" "$name: descriptors before and after the $N SIGHUPs: $F0"
	t_stop_pinhole "$PID" "$ERR" "$name" 300
	grep -q 'reload failed' "$ERR"
	t_ok $((1 - $?)) "$name: no reload failed"
}

run asan "$PINHOLE"
s_fig "ASan build RSS: $R0 kB before, $R1 kB after $N SIGHUPs (quarantine included)"

PLAIN=${PINHOLE_PLAIN:-./pinhole}
# What one version of the lists costs: the same pinhole without them.
S_MORE_KEEP=$S_MORE
S_MORE=
s_conf "$T_DIR/nolist.ini" "handshake_timeout = 20s"
PINHOLE=$PLAIN t_start_pinhole "$T_DIR/nolist.ini" "$T_DIR/nolist.err" "$P" 1
sleep 1
bare=$(s_rss "$PH_PID")
t_stop_pinhole "$PH_PID" "$T_DIR/nolist.err" "without lists"
S_MORE=$S_MORE_KEEP
run plain "$PLAIN"
s_fig "plain build RSS: $R0 kB before, $R1 kB after $N SIGHUPs (growth $((R1 - R0)) kB); $bare kB without the lists, so one version of them about $((R0 - bare)) kB"
[ $((R1 - R0)) -le 2048 ]
t_okd $? "plain: RSS grew by $((R1 - R0)) kB over $N reloads (bound 2048 kB)" \
    "$R0 kB -> $R1 kB"
t_done
