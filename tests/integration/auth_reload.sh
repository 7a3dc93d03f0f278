#!/bin/sh
# A reload that adds [auth] under SOCKS5 clients that greeted without
# it ("no authentication" was chosen): their CONNECT afterwards is
# refused (reply 0x02, a deny record with reason auth and no user),
# both on a rule limited to `users = alice` and on one without users.
# No request is ever served as nobody once [auth] is in force.
. tests/integration/lib.sh

t_proxy_world_or_bail

USERS=$T_DIR/users
printf 'alice:%s\n' "$(mkpasswd -m bcrypt -R 5 alice-pw)" >"$USERS"
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/reload.ini
ERR=$T_DIR/reload.err
t_proxy_conf "$CONF" "$P" "$LOG" "handshake_timeout = 20s" \
    "shutdown_grace = 2s"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole without [auth] started" "$(head -c 2000 "$ERR")" ||
    { echo "Bail out!"; exit 1; }
PH=$PH_PID

# Two clients greet now: one will ask for echo.test (its rule gets
# users = alice), one for web.test (its rule has no users).
GO=$T_DIR/go
"$T_PY" "$T_TOOLS/socks5_late.py" "$P" "$T_DIR/g1" "$GO" echo.test "$ECHO" \
    >"$T_DIR/c1.out" 2>&1 &
C1=$!
"$T_PY" "$T_TOOLS/socks5_late.py" "$P" "$T_DIR/g2" "$GO" web.test "$WEB" \
    >"$T_DIR/c2.out" 2>&1 &
C2=$!
T_PIDS="$T_PIDS $C1 $C2"
i=0
while [ $i -lt 100 ] && { [ ! -e "$T_DIR/g1" ] || [ ! -e "$T_DIR/g2" ]; }; do
	sleep 0.1
	i=$((i + 1))
done
G1=$(cat "$T_DIR/g1" 2>/dev/null)
G2=$(cat "$T_DIR/g2" 2>/dev/null)
t_eq "${G1%% *}:${G2%% *}" "0500:0500" \
    "both greeted without [auth]: method 00 chosen"

# The reload: [auth] and users = alice on the echo rule.
sed -i '/^\[allow echo\]$/a users = alice' "$CONF"
printf '\n[auth]\nusers_file = %s\n' "$USERS" >>"$CONF"
n=$(grep -c 'reloaded' "$ERR")
kill -HUP "$PH"
i=0
while [ $i -lt 100 ] && [ "$(grep -c 'reloaded' "$ERR")" -le "$n" ]; do
	sleep 0.1
	i=$((i + 1))
done
t_okd $([ "$(grep -c 'reloaded' "$ERR")" -gt "$n" ]; echo $?) \
    "SIGHUP: reloaded with [auth]" "$(tail -n 3 "$ERR")"

touch "$GO"
t_wait_exit "$C1" 200
t_wait_exit "$C2" 200
t_eq "$(cut -c1-4 "$T_DIR/c1.out")" 0502 \
    "CONNECT echo.test (rule for alice) after the reload: reply 02"
t_eq "$(cut -c1-4 "$T_DIR/c2.out")" 0502 \
    "CONNECT web.test (rule without users) after the reload: reply 02"
rec() {
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --client "$1" event user \
	    proto host reason
}
t_eq "$(rec "${G1#* }")" "deny null socks5 echo.test auth" \
    "... a deny record: no user, reason auth"
t_eq "$(rec "${G2#* }")" "deny null socks5 web.test auth" \
    "... a deny record: no user, reason auth"

t_stop_pinhole "$PH" "$ERR" "auth added by a reload"
t_done
