#!/bin/sh
# A storm of proxy logins for 30 s: 16 clients at once from 40
# addresses, ten of which also send wrong passwords, one login in five
# hanging up right after sending, while the users file is replaced and
# re-read (SIGHUP) twice a second, so that checks are on their way,
# shared, deferred and made stale by a reload all the time.  No wrong
# password ever gets a tunnel, no address that sends only right ones is
# ever refused, every login that waits gets its reply, pinhole runs on
# and stops cleanly, and the flow log stays well formed.
. tests/integration/lib.sh
. tests/soak/lib.sh

SECS=${SOAK_AUTH_SECONDS:-30}
s_world_or_bail
command -v mkpasswd >/dev/null
t_okd $? "mkpasswd is installed" "run scripts/deps.sh test" ||
    { echo "Bail out!"; exit 1; }

# Two versions of the users file, the same passwords with new salts:
# each reload forgets what was remembered and leaves checks stale.
: >"$T_DIR/storm-users"
for v in 1 2; do
	: >"$T_DIR/users.$v"
done
for u in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
	pw="pw-$u-storm"
	cost=5
	[ "$u" -gt 12 ] && cost=10	# two users with a slower hash
	echo "user$u $pw" >>"$T_DIR/storm-users"
	for v in 1 2; do
		echo "user$u:$(mkpasswd -m bcrypt -R "$cost" "$pw")" \
		    >>"$T_DIR/users.$v"
	done
done
cp "$T_DIR/users.1" "$T_DIR/users"
t_eq "$(grep -c '^user[0-9]*:\$2b\$' "$T_DIR/users")" 14 \
    "14 users, bcrypt at cost 5 and 10"

S_MORE="[auth]
users_file = $T_DIR/users"
CONF=$T_DIR/storm.ini
s_conf "$CONF" "handshake_timeout = 20s" "max_connections_per_client = 1000"
ERR=$T_DIR/storm.err
t_start_pinhole "$CONF" "$ERR" "$P" 1
t_okd $? "pinhole with 14 users started" "$(tail -n 5 "$ERR")" ||
    { echo "Bail out!"; exit 1; }
PID=$PH_PID
t_wait_port "$ADMIN" 1 100 "$PID"

t_bg "$T_DIR/storm.out" "$T_PY" "$T_TOOLS/auth_storm.py" --port "$P" \
    --target "echo.test:$ECHO" --users "$T_DIR/storm-users" \
    --seconds "$SECS" --workers 16 --sources 40 --bad 10
STORM=$T_BG_PID
hups=0
v=1
while ! t_gone "$STORM" && [ $hups -lt $((SECS * 4)) ]; do
	v=$((3 - v))
	cp "$T_DIR/users.$v" "$T_DIR/users.new"
	mv "$T_DIR/users.new" "$T_DIR/users"
	kill -HUP "$PID" 2>/dev/null
	hups=$((hups + 1))
	sleep 0.5
done
t_wait_exit "$STORM" 900
t_eq "$T_RC" 0 "the storm ran its $SECS s and ended"
count() { sed -n "s/^$1 \\([0-9]*\\)\$/\\1/p" "$T_DIR/storm.out"; }
LOGINS=$(count logins)
echo "# figure: $LOGINS logins in $SECS s under $hups SIGHUPs:" \
    "good addresses $(count good-200) 200s;" \
    "the others, right passwords 200/407 $(count bad-right-200)/$(count bad-right-407)," \
    "wrong 407 $(count wrong-407); $(count hangups) hang-ups"
t_eq "$(count wrong-200)" 0 "no wrong password ever got a tunnel"
t_eq "$(count good-407):$(count good-503)" "0:0" \
    "no address sending only right passwords was ever refused"
t_eq "$(count other)" 0 "every login that waited got its reply (and each tunnel echoed)"
t_ok $([ "$(count good-200)" -gt 0 ] && [ "$(count wrong-407)" -gt 0 ]
    echo $?) "right passwords got tunnels, wrong ones 407s"
t_wait_grep "$ERR" 'reloaded' "$hups" 100
t_okd $? "every SIGHUP ($hups) reloaded" "$(grep -c reloaded "$ERR")"
t_gone "$PID"
t_eq $? 1 "pinhole runs on"
s_metrics "$T_DIR/metrics"
CHECKS=$(s_m "$T_DIR/metrics" pinhole_auth_checks_total)
t_ok $([ "${CHECKS:-0}" -gt 0 ] && [ "$CHECKS" -le "$LOGINS" ]
    echo $?) "crypt(3) checks run: $CHECKS, for $LOGINS logins"

# The log's next flush, then every record well formed (the checker's
# count is of the lines it read).
sleep 1.5
R=$("$T_PY" "$T_TOOLS/flowlog.py" "$T_DIR/flows.jsonl" check)
case $R in
"ok "[1-9]*) t_ok 0 "every flow record is well formed ($R)" ;;
*) t_okd 1 "every flow record is well formed" "$R" ;;
esac
t_stop_pinhole "$PID" "$ERR" "after the storm"

t_done
