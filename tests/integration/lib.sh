# Shared by the integration tests: TAP output, checks, helpers that
# start real servers on loopback and stop them by PID.
# shellcheck shell=sh

: "${PINHOLE:=build/asan/pinhole}"
T_N=0
T_FAILED=0
T_PIDS=
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pinhole-it.XXXXXX")

t_cleanup() {
	for pid in $T_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $T_PIDS; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

t_ok() {	# t_ok STATUS DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

t_eq() {	# t_eq GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		t_ok 0 "$3"
	else
		t_ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

t_done() {
	echo "# $T_N checks, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}

# A TCP or UDP port free on loopback now, from a range kept per test.
t_free_port() {	# t_free_port tcp|udp
	p=$((20000 + ($$ * 7 + T_N * 13) % 20000))
	i=0
	while [ $i -lt 200 ]; do
		if ! ss -Hln"$(printf %.1s "$1")" "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
		p=$((p + 1))
		i=$((i + 1))
	done
	return 1
}

# Starts dnsmasq on 127.0.0.1:$DNS_PORT answering only from its
# arguments (e.g. --host-record=NAME,ADDR); queries go to $T_DIR/dns.log.
# (t_proxy_dnsmasq below: a port free for UDP and TCP both, under the
# ephemeral range, tried up to 3 times.)
t_start_dnsmasq() {
	t_proxy_dnsmasq "$@"
}

# ---- Helpers for the proxy tests: background servers, pinhole itself.
# Every wait is bounded; every process is stopped by its PID.

T_PY=/usr/bin/python3
T_TOOLS=tests/tools

# COUNT distinct TCP ports free on loopback now, space separated (one
# call, since each call in a $(...) subshell starts from the same place).
# They are taken below the kernel's ephemeral range, so that no client
# socket of the tests can take one before a server binds it.
t_free_ports() {	# t_free_ports COUNT
	top=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${top:-0}" -gt 22000 ] 2>/dev/null || top=40000
	p=$((20000 + ($$ * 331 + T_N * 13) % (top - 20000)))
	n=0
	i=0
	out=
	while [ $n -lt "$1" ] && [ $i -lt 2000 ]; do
		if ! ss -Hlnt "sport = :$p" | grep -q . &&
		    ! ss -Hnt "sport = :$p" | grep -q .; then
			out="$out $p"
			n=$((n + 1))
		fi
		p=$((p + 1))
		[ $p -ge "$top" ] && p=20000
		i=$((i + 1))
	done
	[ $n -eq "$1" ] || return 1
	echo $out
}

# Is PID gone (exited, a zombie, or never there)?
t_gone() {	# t_gone PID
	[ ! -r "/proc/$1/stat" ] && return 0
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# Waits until COUNT sockets listen on TCP PORT (default 1), at most
# TENTHS tenths of a second (default 100); fails early if PID exits.
# With PID, and when ss can name the owners, only sockets of PID count
# (so that another program on the port is not taken for it).
t_wait_port() {	# t_wait_port PORT [COUNT [TENTHS [PID]]]
	i=0
	while [ $i -lt "${3:-100}" ]; do
		if [ -n "${4:-}" ] && ss -Hlntp "sport = :$1" | grep -q 'users:'
		then
			[ "$(ss -Hlntp "sport = :$1" | grep -c "pid=$4,")" -ge \
			    "${2:-1}" ] && return 0
		else
			[ "$(ss -Hlnt "sport = :$1" | wc -l)" -ge "${2:-1}" ] &&
			    return 0
		fi
		[ -n "${4:-}" ] && t_gone "$4" && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Waits until FILE holds a line matching the basic regex RE at least
# COUNT times (default 1), at most TENTHS tenths of a second (default 50).
t_wait_grep() {	# t_wait_grep FILE RE [COUNT [TENTHS]]
	i=0
	while [ $i -lt "${4:-50}" ]; do
		_twg_n=$(grep -c -- "$2" "$1" 2>/dev/null)
		[ "${_twg_n:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Starts CMD in the background with stdout to OUT and stderr to OUT.err;
# its PID is recorded in T_PIDS and left in T_BG_PID.
t_bg() {	# t_bg OUT CMD...
	out=$1
	shift
	"$@" >"$out" 2>"$out.err" &
	T_BG_PID=$!
	T_PIDS="$T_PIDS $T_BG_PID"
}

# Waits (at most TENTHS tenths of a second) for PID to exit, then kills
# it if it did not; its exit status goes to T_RC (137 when killed).
t_wait_exit() {	# t_wait_exit PID [TENTHS]
	i=0
	while [ $i -lt "${2:-100}" ] && ! t_gone "$1"; do
		sleep 0.1
		i=$((i + 1))
	done
	t_gone "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	T_RC=$?
}

# Starts pinhole on CONFIG with stderr to ERR (stdout to ERR.out) and
# waits until it listens on PORT at COUNT addresses (default 2) and has
# said it started.  PID in
# PH_PID and T_PIDS.  ULIMIT_N, when set, is its descriptor limit.
t_start_pinhole() {	# t_start_pinhole CONFIG ERR PORT [COUNT]
	: "${ASAN_OPTIONS:=detect_leaks=1:abort_on_error=0:exitcode=99}"
	: "${UBSAN_OPTIONS:=halt_on_error=1:print_stacktrace=1:exitcode=98}"
	export ASAN_OPTIONS UBSAN_OPTIONS
	(
		if [ -n "${ULIMIT_N:-}" ]; then
			ulimit -n "$ULIMIT_N" 2>/dev/null ||
			    echo "# cannot set ulimit -n $ULIMIT_N" >&2
		fi
		exec "$PINHOLE" -c "$1"
	) >"$2.out" 2>"$2" &
	PH_PID=$!
	T_PIDS="$T_PIDS $PH_PID"
	if ! t_wait_port "$3" "${4:-2}" 100 "$PH_PID"; then
		echo "# pinhole did not start: $(head -c 2000 "$2")"
		return 1
	fi
	# The port opens before start-up is over (the workers bind it
	# first): ready is the log's "started" line ($T_EVENTS when the
	# events log is not stderr).
	_tsp_i=0
	until grep -q 'pinhole .* started: ' "${T_EVENTS:-$2}" 2>/dev/null; do
		if t_gone "$PH_PID" || [ $_tsp_i -ge 100 ]; then
			echo "# pinhole did not finish starting: $(tail -c 2000 "$2")"
			return 1
		fi
		sleep 0.1
		_tsp_i=$((_tsp_i + 1))
	done
}

# Does FILE hold a sanitizer report?
t_sanitizer_clean() {	# t_sanitizer_clean FILE
	! grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' \
	    -e 'LeakSanitizer' -e 'ERROR: UndefinedBehaviorSanitizer' "$1"
}

# SIGTERM to pinhole PID, then two checks: it exits 0 within TENTHS
# (default 150) and ERR holds no sanitizer report.
t_stop_pinhole() {	# t_stop_pinhole PID ERR NAME [TENTHS]
	kill -TERM "$1" 2>/dev/null
	t_wait_exit "$1" "${4:-150}"
	t_eq "$T_RC" 0 "$3: pinhole exits 0 on SIGTERM"
	t_sanitizer_clean "$2"
	t_ok $? "$3: no sanitizer report in pinhole's stderr"
	t_sanitizer_clean "$2" || grep -A 30 -m 1 -e ERROR -e 'runtime error' \
	    "$2" | sed 's/^/#   /' | head -n 40
}

# Like t_start_dnsmasq, but on a port free for both UDP and TCP (dnsmasq
# takes both) below the ephemeral range, trying up to 3 ports.
t_proxy_dnsmasq() {	# t_proxy_dnsmasq DNSMASQ-ARGS...
	tries=0
	for DNS_PORT in $(t_free_ports 40); do
		ss -Hlnu "sport = :$DNS_PORT" | grep -q . && continue
		tries=$((tries + 1))
		[ $tries -gt 3 ] && break
		dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		    --no-hosts --local=/#/ --listen-address=127.0.0.1 \
		    --bind-interfaces --port="$DNS_PORT" --user=root \
		    --log-queries --log-facility="$T_DIR/dns.log" "$@" \
		    2>"$T_DIR/dnsmasq.err" &
		dns_pid=$!
		T_PIDS="$T_PIDS $dns_pid"
		i=0
		while [ $i -lt 100 ] && ! t_gone "$dns_pid"; do
			ss -Hlnu "sport = :$DNS_PORT" | grep -q . &&
			    ss -Hlnt "sport = :$DNS_PORT" | grep -q . && return 0
			sleep 0.05
			i=$((i + 1))
		done
		kill "$dns_pid" 2>/dev/null
		wait "$dns_pid" 2>/dev/null
	done
	echo "# dnsmasq did not start: $(cat "$T_DIR/dnsmasq.err")"
	return 1
}

# The world of the proxy tests, on loopback only: dnsmasq answering the
# test names (all 127.0.0.x or ::1; nx.test is NXDOMAIN), an echo server
# on 127.0.0.1 and ::1 at $ECHO and another on 127.0.0.1 at $ECHO2, an
# HTTP backend (tests/tools/http_backend.py) on 127.0.0.1 at $WEB, a
# port $CLOSED where connects are refused and one, $HANG, where they
# hang; and free ports $P $P2 $P3 for pinholes (or take them later).
t_proxy_world() {
	t_proxy_dnsmasq \
	    --host-record=echo.test,127.0.0.1 \
	    --host-record=echo6.test,::1 \
	    --host-record=web.test,127.0.0.1 \
	    --host-record=a.test,127.0.0.1 \
	    --host-record=b.a.test,127.0.0.1 \
	    --host-record=c.b.a.test,127.0.0.1 \
	    --host-record=xa.test,127.0.0.1 \
	    --host-record=private.test,127.0.0.5 \
	    --host-record=closed.test,127.0.0.1 \
	    --host-record=hang.test,127.0.0.1 \
	    --host-record=only2.test,127.0.0.1 \
	    --address=/nx.test/ || return 1
	# After dnsmasq, which listens on TCP too.
	ports=$(t_free_ports 8) || return 1
	set -- $ports
	P=$1 ECHO=$2 WEB=$3 CLOSED=$4 HANG=$5 P2=$6 P3=$7 ECHO2=$8
	t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/echo_server.py" \
	    --port "$ECHO" --listen 127.0.0.1 --listen ::1
	T_ECHO_PID=$T_BG_PID
	t_bg "$T_DIR/echo2.out" "$T_PY" "$T_TOOLS/echo_server.py" \
	    --port "$ECHO2"
	T_ECHO2_PID=$T_BG_PID
	t_bg "$T_DIR/web.out" "$T_PY" "$T_TOOLS/http_backend.py" --port "$WEB"
	T_WEB_PID=$T_BG_PID
	# $CLOSED is bound and never listened on (refused, and kept from
	# other programs); $HANG is a listener whose connects hang, until
	# $T_DIR/hole.serve exists: then it accepts and echoes.
	t_bg "$T_DIR/closed.out" "$T_PY" "$T_TOOLS/blackhole.py" --closed \
	    --port "$CLOSED" --lifetime 300
	t_bg "$T_DIR/hole.out" "$T_PY" "$T_TOOLS/blackhole.py" \
	    --port "$HANG" --lifetime 300 --serve-when "$T_DIR/hole.serve"
	t_wait_port "$ECHO" 2 100 "$T_ECHO_PID" &&
	    t_wait_port "$ECHO2" 1 100 "$T_ECHO2_PID" &&
	    t_wait_port "$WEB" 1 100 "$T_WEB_PID" &&
	    t_wait_grep "$T_DIR/closed.out" '^ready' 1 50 &&
	    t_wait_grep "$T_DIR/hole.out" '^ready' 1 50
}

# Writes a pinhole config for the proxy tests to FILE: listening on
# 127.0.0.1:PORT and [::1]:PORT, access log LOG, the rules below, and
# any further [proxy] lines given.  $CLIENTS replaces [proxy] clients.
#   echo     echo.test, echo6.test, *.a.test, 127.0.0.1, ::1 on $ECHO
#   web      web.test, 127.0.0.1 on $WEB
#   private  private.test on $ECHO, no allow_private (it is 127.0.0.5)
#   broken   nx.test, closed.test, hang.test on $ECHO, $CLOSED, $HANG
#   only2    only2.test on $ECHO, for client 127.0.0.2 only
t_proxy_conf() {	# t_proxy_conf FILE PORT LOG [PROXY-LINE...]
	f=$1 port=$2 log=$3
	shift 3
	{
		echo "[proxy]"
		echo "listen = 127.0.0.1:$port, [::1]:$port"
		echo "clients = ${CLIENTS:-127.0.0.0/8, ::1}"
		echo "workers = 1"
		for line in "$@"; do
			echo "$line"
		done
		cat <<EOC

[acl]
deny_private = yes

[allow echo]
hosts = echo.test, echo6.test, *.a.test
nets = 127.0.0.1, ::1
ports = $ECHO
allow_private = yes

[allow web]
hosts = web.test
nets = 127.0.0.1
ports = $WEB
allow_private = yes

[allow private]
hosts = private.test
ports = $ECHO

[allow broken]
hosts = nx.test, closed.test, hang.test
ports = $ECHO, $CLOSED, $HANG
allow_private = yes

[allow only2]
hosts = only2.test
ports = $ECHO
clients = 127.0.0.2/32
allow_private = yes

[cache]
dir = $T_DIR/cache

[dns]
servers = 127.0.0.1:$DNS_PORT
hosts_file =

[log]
access = $log

[admin]
listen =
EOC
	} >"$f"
}

# t_ok with a diagnostic: on failure, TEXT follows as "#   " lines.
# Returns STATUS, so it can end a chain.
t_okd() {	# t_okd STATUS DESCRIPTION TEXT
	t_ok "$1" "$2"
	[ "$1" = 0 ] || printf '%s\n' "$3" | head -n 20 | sed 's/^/#   /'
	return "$1"
}

# The main pinhole of a test file, watched: t_main_up before each
# request notices when it died since the last one (a crash, a sanitizer
# report), fails a check naming that last request, and starts a new one,
# so that the checks after it still tell something.
T_MAIN_PID=
T_MAIN_LAST=start
T_MAIN_CRASHES=0
t_main_start() {	# t_main_start CONFIG ERR PORT
	T_MAIN_CONF=$1 T_MAIN_ERR=$2 T_MAIN_PORT=$3
	t_start_pinhole "$1" "$2" "$3"
	rc=$?
	T_MAIN_PID=$PH_PID
	return $rc
}
t_main_survived() {	# t_main_survived WHAT: one check
	if t_gone "$T_MAIN_PID"; then
		wait "$T_MAIN_PID" 2>/dev/null
		rc=$?
		T_MAIN_CRASHES=$((T_MAIN_CRASHES + 1))
		t_okd 1 "pinhole survives $1" "exit $rc: $(grep -a -m 1 \
		    -e SUMMARY -e 'runtime error' "$T_MAIN_ERR" ||
		    tail -n 3 "$T_MAIN_ERR")"
		cp "$T_MAIN_ERR" "$T_MAIN_ERR.$T_MAIN_CRASHES"
		if [ "$T_MAIN_CRASHES" -gt 30 ] || ! t_main_start \
		    "$T_MAIN_CONF" "$T_MAIN_ERR" "$T_MAIN_PORT"; then
			echo "Bail out! pinhole died $T_MAIN_CRASHES times or does not start again"
			t_done
			exit 1
		fi
	else
		t_ok 0 "pinhole survives $1"
	fi
}
t_main_up() {	# t_main_up WHAT-COMES-NEXT (never inside $(...))
	t_gone "$T_MAIN_PID" &&
	    t_main_survived "the request before this one ($T_MAIN_LAST)"
	T_MAIN_LAST=$(printf '%s' "$*" | tr -d '\\' | cut -c1-70)
}

# A free port for [admin] listen in APORT, none of t_proxy_world's; the
# script bails out when there is none.
t_admin_port_or_bail() {
	APORT=$(t_free_ports 1) || { echo "Bail out! no free port"; exit 1; }
	for p in $P $ECHO $WEB $CLOSED $HANG $P2 $P3 $ECHO2 $DNS_PORT; do
		[ "$p" = "$APORT" ] && APORT=$((APORT + 1))
	done
}

# t_proxy_world as one check; the script bails out when it fails.
t_proxy_world_or_bail() {
	t_proxy_world
	t_okd $? "dnsmasq, echo server and HTTP backend started" \
	    "$(cat "$T_DIR/dnsmasq.err" "$T_DIR"/*.out.err 2>/dev/null)" ||
	    { echo "Bail out!"; exit 1; }
}
