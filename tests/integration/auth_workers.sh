#!/bin/sh
# The login throttle with [proxy] workers = 4: one client address has
# one budget of 5 failures a minute however the kernel spreads its
# connections over the workers.  Wrong passwords from one address, one
# connection each: 5 are checked, every later login is refused
# unchecked by whichever worker takes it, the right password included;
# another address still logs in.
. tests/integration/lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail

PW='quick-pw'
H=$(mkpasswd -m bcrypt -R 5 "$PW")
case "$H" in
'$2b$05$'*) t_ok 0 "a bcrypt hash made" ;;
*) t_okd 1 "a bcrypt hash made" "$H"; echo "Bail out!"; exit 1 ;;
esac
USERS=$T_DIR/users
printf 'alice:%s\n' "$H" >"$USERS"

NW=4
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/aw.ini
ERR=$T_DIR/aw.err
t_proxy_conf "$CONF" "$P" "$LOG" "handshake_timeout = 10s" \
    "shutdown_grace = 2s"
sed -i -e "s/^workers = 1\$/workers = $NW/" \
    -e "s|^listen =\$|listen = 127.0.0.1:$APORT\\nallow = 127.0.0.1/32|" \
    "$CONF"
printf '\n[auth]\nusers_file = %s\n' "$USERS" >>"$CONF"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole with workers = $NW and [auth] started" \
    "$(head -c 2000 "$ERR")" || { echo "Bail out!"; exit 1; }
PH=$PH_PID
t_wait_port "$APORT" 1 50 "$PH"
t_okd $? "the admin endpoint listens" "$(tail -n 5 "$ERR")"
grep -q "started: .* $NW workers\$" "$ERR"
t_okd $? "the start line says $NW workers" "$(grep started "$ERR")"

# afail wrong|throttled: pinhole_auth_failures_total, every worker's.
afail() {
	curl -s -m 5 "http://127.0.0.1:$APORT/metrics" 2>/dev/null |
	    sed -n "s/^pinhole_auth_failures_total{result=\"$1\"} \\([0-9]*\\)\$/\\1/p"
}
# login SRC USER:PASS: the status of a forwarded GET with those
# credentials, each on a connection of its own (a new source port).
login() {
	curl -s -m 10 -o /dev/null -w '%{http_code}' --interface "$1" \
	    -x "http://127.0.0.1:$P" -U "$2" "http://web.test:$WEB/hello.txt" \
	    2>/dev/null
}
# records N: waits (5 s at most) until the flow log has N records.
records() {
	i=0
	while [ $i -lt 50 ] && [ "$(wc -l <"$LOG")" -lt "$1" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# ---- 20 wrong passwords from one address, one after the other
SRC=127.0.0.21
n407=0
for i in $(seq 1 20); do
	[ "$(login "$SRC" "alice:wrong-$i")" = 407 ] && n407=$((n407 + 1))
done
t_eq "$n407" 20 "20 wrong passwords from $SRC: 20 times 407"
t_eq "$(afail wrong):$(afail throttled)" "5:15" \
    "metrics: 5 checked and wrong, 15 throttled, across $NW workers"
records 20
workers=$("$T_PY" -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1]) if l.strip()]
print(len(ids), len(set(i % int(sys.argv[2]) for i in ids)))' "$LOG" "$NW")
t_ok "$([ "${workers%% *}" = 20 ] && [ "${workers#* }" -ge 2 ]; echo $?)" \
    "... the 20 records came from several workers (records, workers: $workers)"

# ---- then the right password: every worker refuses it unchecked
n407=0
for i in $(seq 1 8); do
	[ "$(login "$SRC" "alice:$PW")" = 407 ] && n407=$((n407 + 1))
done
t_eq "$n407" 8 "then the right password from $SRC 8 times: 8 times 407"
t_eq "$(afail wrong):$(afail throttled)" "5:23" \
    "metrics: 8 more throttled, none checked"
t_eq "$(login 127.0.0.22 "alice:$PW")" 200 \
    "another address with the right password: 200"

t_stop_pinhole "$PH" "$ERR" "auth with $NW workers"
t_done
