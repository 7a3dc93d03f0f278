#!/bin/sh
# Password checks off the event loop, with the sandbox on: while a slow
# hash (bcrypt at cost 15, over a second) is checked, pinhole answers
# other clients; logins with the same user and password at once share
# one check (pinhole_auth_checks_total); at most 64 checks wait, and the
# next login is refused unchecked (503, reason limit, result "busy");
# a client gone during its check still has its failure counted; one
# that times out during it leaves the check's result remembered; a
# SIGTERM during a check stops pinhole cleanly; users behind one address
# who log in at once all get in (a login past the address's budget of
# checks waits for a turn).
#
# Each part speaks from client addresses of its own (failures and
# checks on their way are counted per client address).
. tests/integration/lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail

PW_SLOW='slow-pw'
PW_QUICK='quick-pw'
H_SLOW=$(mkpasswd -m bcrypt -R 15 "$PW_SLOW")
H_QUICK=$(mkpasswd -m bcrypt -R 5 "$PW_QUICK")
case "$H_SLOW:$H_QUICK" in
'$2b$15$'*':$2b$05$'*) t_ok 0 "hashes made: bcrypt at cost 15 and 5" ;;
*) t_okd 1 "hashes made" "$H_SLOW $H_QUICK"; echo "Bail out!"; exit 1 ;;
esac
USERS=$T_DIR/users
printf 'slow:%s\nquick:%s\n' "$H_SLOW" "$H_QUICK" >"$USERS"
for u in 1 2 3 4 5 6; do
	printf 'q%s:%s\n' "$u" "$H_QUICK" >>"$USERS"
done

LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/checks.ini
ERR=$T_DIR/checks.err
t_proxy_conf "$CONF" "$P" "$LOG" "handshake_timeout = 20s" \
    "connect_timeout = 2s" "shutdown_grace = 2s"
sed -i "s|^listen =\$|listen = 127.0.0.1:$APORT\\nallow = 127.0.0.1/32|" \
    "$CONF"
printf '\n[auth]\nusers_file = %s\n' "$USERS" >>"$CONF"
# Debug: "password check of user U done" tells when a check has ended.
sed -i 's/^\[log\]$/[log]\nlevel = debug/' "$CONF"
grep -q '^sandbox = no' "$CONF"
t_eq $? 1 "the sandbox is on (the default)"

t_main_start "$CONF" "$ERR" "$P"
t_okd $? "pinhole with [auth] started" "$(head -c 2000 "$ERR")" ||
    { echo "Bail out!"; exit 1; }
t_wait_port "$APORT" 1 50 "$T_MAIN_PID"
t_okd $? "the admin endpoint listens" "$(tail -n 5 "$ERR")"

# metric NAME [RESULT]: a counter from the admin endpoint.
metric() {
	curl -s -m 5 "http://127.0.0.1:$APORT/metrics" 2>/dev/null |
	    if [ -n "${2:-}" ]; then
		sed -n "s/^$1{result=\"$2\"} \\([0-9]*\\)\$/\\1/p"
	    else
		sed -n "s/^$1 \\([0-9]*\\)\$/\\1/p"
	    fi
}
checks() { metric pinhole_auth_checks_total; }
# wait_checks N: until pinhole_auth_checks_total reaches N (10 s).
wait_checks() {
	i=0
	while [ $i -lt 100 ] && [ "$(checks)" -lt "$1" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(checks)" -ge "$1" ]
}
# login SRC USER PASS OUT: a CONNECT to echo.test with Basic credentials
# in the background, its reply's bytes in OUT; pid in BG.
login() {
	t_bg "$4" "$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 20 \
	    --info "$4.info" --bind "$1" 127.0.0.1 "$P" \
	    "esc:CONNECT echo.test:$ECHO HTTP/1.1\\r\\nProxy-Authorization: Basic $(printf '%s:%s' "$2" "$3" | base64 -w0)\\r\\n\\r\\n" \
	    head sleep:0.2 "esc:ping" read:4 shut
	BG=$T_BG_PID
}
status_of() { head -n 1 "$1" | tr -d '\r'; }
client_of() { sed -n 's/^local=\([^ ]*\) .*/\1/p' "$1.info"; }
lg() {	# lg CLIENT FIELD...
	c=$1
	shift
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$c" "$@"
}

t_eq "$(checks):$(metric pinhole_auth_failures_total busy)" "0:0" \
    "metrics: pinhole_auth_checks_total and result busy start at 0"

# ---- other clients are answered while a slow check runs
login 127.0.0.10 quick "$PW_QUICK" "$T_DIR/q1"
t_wait_exit "$BG" 200
t_eq "$(status_of "$T_DIR/q1")" "HTTP/1.1 200 Connection established" \
    "quick's login: 200 (its password now remembered)"
t_eq "$(checks)" 1 "... after one check"
login 127.0.0.11 slow wrong-guess "$T_DIR/s1"
SLOW=$BG
wait_checks 2
t_okd $? "slow's wrong password: its check started" "$(checks)"
t_main_up "healthz while the check runs"
H=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/healthz")
t_eq "$H" 200 "while it runs: /healthz answers 200"
login 127.0.0.12 quick "$PW_QUICK" "$T_DIR/q2"
t_wait_exit "$BG" 100
t_eq "$(status_of "$T_DIR/q2"):$(tail -c 4 "$T_DIR/q2")" \
    "HTTP/1.1 200 Connection established:ping" \
    "while it runs: quick's tunnel is set up and echoes"
t_eq "$(metric pinhole_auth_failures_total wrong)" 0 \
    "... and all that before the slow check is done (no failure counted yet)"
t_wait_exit "$SLOW" 200
t_eq "$(status_of "$T_DIR/s1")" "HTTP/1.1 407 Proxy Authentication Required" \
    "then slow's wrong password: 407"
t_eq "$(lg "$(client_of "$T_DIR/s1")" event user reason)" "deny slow auth" \
    "... a deny record with reason auth and the user tried"
t_eq "$(metric pinhole_auth_failures_total wrong)" 1 \
    "... counted as a wrong password"

# ---- logins with the same user and password at once share one check
C0=$(checks)
login 127.0.0.20 slow "$PW_SLOW" "$T_DIR/c1"
B1=$BG
login 127.0.0.21 slow "$PW_SLOW" "$T_DIR/c2"
B2=$BG
t_bg "$T_DIR/c3" curl -s -m 20 -o "$T_DIR/c3.body" -w '%{http_code}' \
    --interface 127.0.0.22 -x "socks5h://slow:$PW_SLOW@127.0.0.1:$P" \
    "http://web.test:$WEB/hello.txt"
B3=$T_BG_PID
t_wait_exit "$B1" 300
t_wait_exit "$B2" 300
t_wait_exit "$B3" 300
t_eq "$(status_of "$T_DIR/c1"):$(status_of "$T_DIR/c2")" \
    "HTTP/1.1 200 Connection established:HTTP/1.1 200 Connection established" \
    "three logins as slow at once: both CONNECTs 200"
t_eq "$(cat "$T_DIR/c3"):$(cat "$T_DIR/c3.body")" \
    "200:hello from the backend" "... and the SOCKS5 one is served"
t_eq "$(($(checks) - C0))" 1 "... after one check between them"

# ---- at most 64 checks wait: the next login is refused unchecked
C0=$(checks)
login 127.0.0.30 slow another-guess "$T_DIR/b0"
BLOCK=$BG
wait_checks $((C0 + 1))
t_okd $? "a slow check runs" "$(checks)"
set --
n=0
for src in 31 32 33 34 35 36 37 38 39 40 41 42 43; do
	for k in 1 2 3 4 5; do
		[ $n -lt 64 ] && set -- "$@" "127.0.0.$src:quick:wrong-$src-$k"
		n=$((n + 1))
	done
done
t_main_up "64 logins at once"
"$T_PY" "$T_TOOLS/auth_burst.py" --timeout 30 "$P" "echo.test:$ECHO" "$@" \
    >"$T_DIR/burst" 2>"$T_DIR/burst.err"
t_eq "$(awk '{ print $3 }' "$T_DIR/burst" | sort | uniq -c |
    awk '{ printf "%s:%s ", $2, $1 }')" "407:63 503:1 " \
    "64 wrong logins behind it: 63 checked (407), one refused unchecked (503)"
t_eq "$(($(checks) - C0))" 64 "... 64 checks in all"
t_eq "$(metric pinhole_auth_failures_total busy)" 1 \
    "... the refused one counted as busy"
limited() {
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count event=deny reason=limit \
	    user=quick
}
i=0
while [ $i -lt 50 ] && [ "$(limited)" -lt 1 ]; do	# the log's next flush
	sleep 0.1
	i=$((i + 1))
done
t_eq "$(limited)" 1 "... and logged as a deny with reason limit"
t_wait_exit "$BLOCK" 200
t_eq "$(status_of "$T_DIR/b0")" "HTTP/1.1 407 Proxy Authentication Required" \
    "the slow check ahead of them: 407"
login 127.0.0.44 quick "$PW_QUICK" "$T_DIR/q3"
t_wait_exit "$BG" 100
t_eq "$(status_of "$T_DIR/q3")" "HTTP/1.1 200 Connection established" \
    "once they are done, quick logs in again"

# ---- a client gone during its check: the failure still counts
W0=$(metric pinhole_auth_failures_total wrong)
C0=$(checks)
t_main_up "a login that hangs up"
"$T_PY" -c '
import base64, socket, sys
s = socket.socket()
s.bind(("127.0.0.50", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
cred = base64.b64encode(b"slow:gone-guess").decode()
s.sendall(("CONNECT echo.test:%s HTTP/1.1\r\nProxy-Authorization: Basic %s"
           "\r\n\r\n" % (sys.argv[2], cred)).encode())
print("local=%s:%d end=closed" % s.getsockname())
s.close()' "$P" "$ECHO" >"$T_DIR/g.info" 2>&1
wait_checks $((C0 + 1))
t_eq "$(($(checks) - C0))" 1 "a client sends a wrong password and hangs up: checked"
i=0
while [ $i -lt 100 ] &&
    [ "$(metric pinhole_auth_failures_total wrong)" -le "$W0" ]; do
	sleep 0.1
	i=$((i + 1))
done
t_eq "$(($(metric pinhole_auth_failures_total wrong) - W0))" 1 \
    "... the failure is counted once the check is done"
t_eq "$(lg "$(client_of "$T_DIR/g")" event user reason)" "deny slow auth" \
    "... and logged"

# ---- seven users behind one address log in at once: quick's password
# is remembered, of the six checks five start and one login waits for a
# turn (none is refused)
C0=$(checks)
login 127.0.0.55 slow yet-another-guess "$T_DIR/n0"
NBLOCK=$BG
wait_checks $((C0 + 1))
t_okd $? "a slow check runs ahead" "$(checks)"
t_main_up "seven users from one address"
"$T_PY" "$T_TOOLS/auth_burst.py" --timeout 30 "$P" "echo.test:$ECHO" \
    127.0.0.56:quick:"$PW_QUICK" 127.0.0.56:q1:"$PW_QUICK" \
    127.0.0.56:q2:"$PW_QUICK" 127.0.0.56:q3:"$PW_QUICK" \
    127.0.0.56:q4:"$PW_QUICK" 127.0.0.56:q5:"$PW_QUICK" \
    127.0.0.56:q6:"$PW_QUICK" >"$T_DIR/nat" 2>"$T_DIR/nat.err"
t_eq "$(awk '{ printf "%s ", $3 }' "$T_DIR/nat")" \
    "200 200 200 200 200 200 200 " \
    "seven users from one address at once: all seven 200"
t_eq "$(($(checks) - C0))" 7 \
    "... with six checks (quick's password was remembered) after the slow one"
t_wait_exit "$NBLOCK" 200

# ---- a login that times out during its check: the result is kept
sed -i 's/^handshake_timeout = 20s$/handshake_timeout = 1s/' "$CONF"
kill -HUP "$T_MAIN_PID"
t_wait_grep "$ERR" 'reloaded' 1 50
t_okd $? "SIGHUP: handshake_timeout = 1s" "$(tail -n 3 "$ERR")"
# A new password for slow: nothing remembered for it yet.
H_SLOW2=$(mkpasswd -m bcrypt -R 15 slow-pw-2)
printf 'slow:%s\nquick:%s\n' "$H_SLOW2" "$H_QUICK" >"$USERS.new"
mv "$USERS.new" "$USERS"
kill -HUP "$T_MAIN_PID"
t_wait_grep "$ERR" 'reloaded' 2 50
t_okd $? "SIGHUP: slow has a new password" "$(tail -n 3 "$ERR")"
C0=$(checks)
D0=$(grep -c 'password check of user slow done: right' "$ERR")
login 127.0.0.60 slow slow-pw-2 "$T_DIR/t1"
t_wait_exit "$BG" 200
t_eq "$(wc -c <"$T_DIR/t1" | tr -d ' '):$(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$T_DIR/t1.info")" \
    "0:eof" "the check outlasts handshake_timeout: closed without a reply"
t_eq "$(lg "$(client_of "$T_DIR/t1")" event user reason)" \
    "error slow timeout" "... logged as an error with reason timeout"
i=0
while [ $i -lt 50 ] && [ "$(checks)" -le "$C0" ]; do
	sleep 0.1
	i=$((i + 1))
done
# The check's own end, after the session's (a login that came while it
# still ran would join it and wait, past handshake_timeout).  No reload
# from here: a reload reads the users file again and forgets what was
# remembered.
t_wait_grep "$ERR" 'password check of user slow done: right' $((D0 + 1)) 300
t_okd $? "the slow check ends by itself (bcrypt at cost 15)" "$(tail -n 3 "$ERR")"
C1=$(checks)
login 127.0.0.61 slow slow-pw-2 "$T_DIR/t2"
t_wait_exit "$BG" 200
# On a busy machine the check (bcrypt at cost 15) can outlast those 2 s:
# a login then joins it, times out in 1 s like the first, and starts no
# check either.  Again, until the check is over (at most 30 times).
i=0
while [ $i -lt 30 ] && [ "$(wc -c <"$T_DIR/t2" | tr -d ' ')" = 0 ] &&
    [ "$(($(checks) - C1))" = 0 ]; do
	sleep 0.5
	login 127.0.0.61 slow slow-pw-2 "$T_DIR/t2"
	t_wait_exit "$BG" 200
	i=$((i + 1))
done
t_eq "$(status_of "$T_DIR/t2"):$(($(checks) - C1))" \
    "HTTP/1.1 200 Connection established:0" \
    "the next login as slow: 200 at once, with no check (the result was remembered)"
# Every line of the log so far (records still come as the log is
# flushed: the checker's own count is of the lines it read).
t_eq "$(lg "$(client_of "$T_DIR/t2")" event user)" "flow slow" \
    "... its flow record written"
R=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" check)
case $R in
"ok "[1-9]*) t_ok 0 "every flow record is well formed ($R)" ;;
*) t_okd 1 "every flow record is well formed" "$R" ;;
esac

# ---- SIGTERM during a check
C0=$(checks)
login 127.0.0.70 slow last-guess "$T_DIR/e1"
wait_checks $((C0 + 1))
t_okd $? "a check runs" "$(checks)"
t_stop_pinhole "$T_MAIN_PID" "$ERR" "SIGTERM during a check" 150
t_wait_exit "$BG" 100
t_eq "$(lg "$(client_of "$T_DIR/e1")" event user reason)" \
    "error slow shutdown" "the waiting login is ended with reason shutdown"
t_done
