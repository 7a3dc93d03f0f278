# Shared by the soak scripts, sourced after tests/integration/lib.sh:
# a small world (dnsmasq, a many-connection echo server, an HTTP
# backend), a pinhole config with the admin endpoint on, and readings of
# a running pinhole: descriptors, RSS, metrics.  Figures worth keeping
# are printed as "# figure: ..." lines (tests/soak/run.sh shows them).
# shellcheck shell=sh

# dnsmasq (echo.test, web.test: 127.0.0.1), echo_many.py at $ECHO, an
# HTTP backend at $WEB; free ports $P (pinhole) and $ADMIN.
s_world() {
	t_proxy_dnsmasq --host-record=echo.test,127.0.0.1 \
	    --host-record=web.test,127.0.0.1 || return 1
	set -- $(t_free_ports 4) || return 1
	P=$1 ECHO=$2 WEB=$3 ADMIN=$4
	t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/echo_many.py" --port "$ECHO" \
	    --lifetime 1800 --status "$T_DIR/echo.status"
	S_ECHO_PID=$T_BG_PID
	t_bg "$T_DIR/web.out" "$T_PY" "$T_TOOLS/http_backend.py" \
	    --port "$WEB" --lifetime 1800
	S_WEB_PID=$T_BG_PID
	t_wait_port "$ECHO" 1 100 "$S_ECHO_PID" &&
	    t_wait_port "$WEB" 1 100 "$S_WEB_PID"
}

# s_world as one check; bails out when it fails.
s_world_or_bail() {
	s_world
	t_okd $? "dnsmasq, echo server and HTTP backend started" \
	    "$(cat "$T_DIR/dnsmasq.err" "$T_DIR"/*.out.err 2>/dev/null)" ||
	    { echo "Bail out!"; exit 1; }
}

# Writes a config to FILE: pinhole on 127.0.0.1:$P, clients 127.0.0.0/8,
# rule echo for echo.test, web.test and 127.0.0.1 on $ECHO and $WEB,
# access log ${S_LOG:-$T_DIR/flows.jsonl}, admin on 127.0.0.1:$ADMIN;
# PROXY-LINEs go into [proxy], and $S_LOGLINES (newline separated) into
# [log]; $S_WORKERS is [proxy] workers (default 1).
s_conf() {	# s_conf FILE [PROXY-LINE...]
	_f=$1
	shift
	{
		echo "[proxy]"
		echo "listen = 127.0.0.1:$P"
		echo "clients = 127.0.0.0/8"
		echo "workers = ${S_WORKERS:-1}"
		for _l in "$@"; do
			echo "$_l"
		done
		cat <<EOF

[acl]
deny_private = yes

[allow echo]
hosts = echo.test, web.test
nets = 127.0.0.1
ports = $ECHO, $WEB
allow_private = yes

[cache]
dir = $T_DIR/cache

[dns]
servers = 127.0.0.1:$DNS_PORT
hosts_file =

[log]
access = ${S_LOG:-$T_DIR/flows.jsonl}
${S_LOGLINES:-}

[admin]
listen = 127.0.0.1:$ADMIN
EOF
		[ -n "${S_MORE:-}" ] && printf '\n%s\n' "$S_MORE"
	} >"$_f"
}

# PID's and its worker processes' (its children's) together.
s_fds() {	# s_fds PID: their open descriptors
	for _p in "$1" $(pgrep -P "$1"); do
		ls "/proc/$_p/fd" 2>/dev/null
	done | wc -l
}

s_rss() {	# s_rss PID: their resident sets, kB
	for _p in "$1" $(pgrep -P "$1"); do
		cat "/proc/$_p/status" 2>/dev/null
	done | awk '/^VmRSS:/ { kb += $2 } END { print kb + 0 }'
}

# The metrics of the pinhole at $ADMIN into FILE; s_m FILE KEY reads one.
s_metrics() {	# s_metrics FILE
	curl -s -m 20 -o "$1" "http://127.0.0.1:$ADMIN/metrics"
}
s_m() {	# s_m FILE KEY
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# The sum of pinhole_connections_open over the protocols.
s_open_conns() {
	s_metrics "$T_DIR/m.open" &&
	    awk '/^pinhole_connections_open\{/ { n += $2 } END { print n + 0 }' \
	    "$T_DIR/m.open"
}

# Waits (at most TENTHS) until CMD prints WANT; the last output in S_GOT.
s_wait_eq() {	# s_wait_eq TENTHS WANT CMD...
	_n=$1 _want=$2
	shift 2
	_i=0
	while [ $_i -lt "$_n" ]; do
		S_GOT=$("$@")
		[ "$S_GOT" = "$_want" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

s_fig() {	# s_fig TEXT: a figure for the summary
	echo "# figure: $*"
}

# load.py through pinhole at $P to the echo server; its summary line in
# S_LOAD, split into S_SERVED S_REFUSED S_BROKEN S_MAX S_P50 S_P99.
s_load() {	# s_load LOAD-ARGS...
	S_LOAD=$("$T_PY" "$T_TOOLS/load.py" --proxy "127.0.0.1:$P" \
	    --dest "${S_DEST:-echo.test:$ECHO}" "$@" 2>&1)
	set -- $(echo "$S_LOAD" | head -n 1)
	S_SERVED=${2:-0} S_REFUSED=${4:-0} S_BROKEN=${6:-0} S_MAX=${8:-0}
	S_P50=${10:-0} S_P99=${12:-0}
}
