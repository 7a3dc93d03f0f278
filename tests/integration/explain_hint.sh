#!/bin/sh
# --explain says which part of a refused request no rule takes: the
# port, the client or the destination itself (not_allowed alone does not
# tell a wrong port from a wrong host).  The hint goes to stderr; the
# JSON on stdout stays as the contract has it.
. tests/integration/lib.sh

cat >"$T_DIR/h.ini" <<EOC
[proxy]
listen = 127.0.0.1:3128
[allow a]
hosts = *.a.test
ports = 443
clients = 10.0.0.0/8
[allow b]
nets = 203.0.113.0/24
ports = 8443, 9000-9001
[admin]
listen =
[cache]
dir = $T_DIR/cache
EOC
hint() {	# WANT-EXIT WANT-STDERR ARGS...
	want_rc=$1 want=$2
	shift 2
	$PINHOLE --explain "$@" -c "$T_DIR/h.ini" >"$T_DIR/out" 2>"$T_DIR/err"
	t_eq "$?" "$want_rc" "--explain $* exits $want_rc"
	t_eq "$(cat "$T_DIR/err")" "$want" "--explain $* says why on stderr"
}
hint 3 "pinhole: --explain: rule a names x.a.test on ports 443, not on port 22" \
    x.a.test:22
hint 3 "pinhole: --explain: rule a names x.a.test on port 443, but not for client 192.168.1.1" \
    x.a.test:443 --client 192.168.1.1
hint 3 "pinhole: --explain: no rule names nothere.test on any port" \
    nothere.test:443
hint 3 "pinhole: --explain: rule b names 203.0.113.5 on ports 8443, 9000-9001, not on port 443" \
    203.0.113.5:443
hint 0 "" 203.0.113.5:9001
t_eq "$(cat "$T_DIR/out")" '{"verdict":"allow","host":"203.0.113.5","port":9001,"client":null,"rule":"b","list":null,"entry":"203.0.113.0/24","reason":null,"addresses":[]}' \
    "an allowed request prints its JSON and no hint"
t_done
