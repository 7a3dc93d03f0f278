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
trap 'exit 1' INT TERM

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
t_start_dnsmasq() {
	DNS_PORT=$(t_free_port udp)
	dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	    --no-hosts --local=/#/ --listen-address=127.0.0.1 --bind-interfaces \
	    --port="$DNS_PORT" --user=root --log-queries \
	    --log-facility="$T_DIR/dns.log" "$@" 2>"$T_DIR/dnsmasq.err" &
	T_PIDS="$T_PIDS $!"
	i=0
	while [ $i -lt 100 ]; do
		ss -Hlnu "sport = :$DNS_PORT" | grep -q . && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "# dnsmasq did not start: $(cat "$T_DIR/dnsmasq.err")"
	return 1
}
