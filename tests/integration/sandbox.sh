#!/bin/sh
# The sandbox of the running proxy (proxy/sandbox.c), seen from outside.
# With sandbox = yes (the default): /proc shows the seccomp filter and
# no_new_privs; traffic, a vendor list fetched over HTTPS and written to
# a cache folder that did not exist, its refresh, SIGUSR1 reopening and
# pcap rotation all work; a reload may read files replaced or added in
# the config's folder, but not a users or list file elsewhere (EACCES,
# logged; the running config stays); LeakSanitizer still runs at exit.
# With sandbox = no nothing is restricted.  A kernel without Landlock
# is simulated (an outer seccomp filter answers ENOSYS to
# landlock_create_ruleset): said once, and pinhole runs on.
# That a forbidden call kills pinhole is tests/unit/test_sandbox.c's
# part: a test build, so that pinhole has no hook that makes one.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_proxy_world_or_bail
vl_world_or_bail
vl_serve /l.txt 127.0.0.31

ETC=$T_DIR/etc
LOGS=$T_DIR/log
CACHE=$T_DIR/var/cache/pinhole	# made by pinhole before the sandbox
OUT=$T_DIR/outside
mkdir -p "$ETC/lists" "$LOGS" "$OUT"
echo 127.0.0.41 >"$ETC/lists/local.txt"
echo 127.0.0.42 >"$OUT/local.txt"
CONF=$ETC/sandbox.ini
ERR=$T_DIR/sandbox.err
LOG=$LOGS/flows.jsonl
PCAP=$LOGS/flows.pcap
HASH=$(openssl passwd -6 'pw-1')
echo "alice:$HASH" >"$ETC/users"
echo "alice:$HASH" >"$OUT/users"

# sb_conf FILE [PROXY-LINE...]: the config, with $AUTH as users_file
# when set and $LOCAL as the local list's file (default in $ETC/lists).
sb_conf() {
	f=$1
	shift
	{
		echo "[proxy]"
		echo "listen = 127.0.0.1:$P, [::1]:$P"
		echo "clients = 127.0.0.0/8, ::1"
		echo "workers = 1"
		for line in "$@"; do
			echo "$line"
		done
		cat <<EOC

[acl]
deny_private = yes

[allow echo]
hosts = echo.test
nets = 127.0.0.1
ports = $ECHO
allow_private = yes

[allow web]
hosts = web.test
ports = $WEB
allow_private = yes

[allow listed]
lists = vendor, local
ports = $ECHO

[list vendor]
url = https://127.0.0.1:$VTLS/l.txt
fetch_private = yes
ca_file = $T_DIR/certs/ca.crt
refresh = 1s

[list local]
file = ${LOCAL:-$ETC/lists/local.txt}

[cache]
dir = $CACHE

[dns]
servers = 127.0.0.1:$DNS_PORT
hosts_file =

[log]
access = $LOG
pcap = $PCAP
pcap_snaplen = unlimited
pcap_rotate_mb = 1
pcap_keep = 2

[admin]
listen = 127.0.0.1:$ADMIN
EOC
		if [ -n "${AUTH:-}" ]; then
			printf '\n[auth]\nusers_file = %s\n' "$AUTH"
		fi
	} >"$f.tmp" && mv "$f.tmp" "$f"	# replaced, as editors do
}

# status FIELD PID: a field of /proc/PID/status
status() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"; }
# tunnel: "ok sent=N received=N" through a SOCKS5 tunnel to echo.test
tunnel() {
	"$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via socks5 \
	    --dest "echo.test:$ECHO" --bytes "${1:-2000}" --timeout 10
}
# web [USER:PASS]: the HTTP status of a forwarded request to web.test
web() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	    ${1:+-U "$1"} -x "http://127.0.0.1:$P" "http://web.test:$WEB/hello.txt"
}
# reload: SIGHUP, then wait until this reload ended, either way
RELOADS=0
reload() {
	RELOADS=$((RELOADS + 1))
	kill -HUP "$PH_PID"
	i=0
	while [ $i -lt 50 ]; do
		[ "$(grep -c -e 'reloaded: ' -e 'reload failed' "$ERR")" -ge \
		    "$RELOADS" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- sandbox = yes (the default)
sb_conf "$CONF"
[ ! -e "$CACHE" ]
t_ok $? "the cache folder does not exist before the start"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole starts with the sandbox on" "$(head -c 3000 "$ERR")" ||
    { echo "Bail out!"; exit 1; }
t_eq "$(status Seccomp "$PH_PID")" 2 "/proc: Seccomp: 2 (a filter)"
t_eq "$(status NoNewPrivs "$PH_PID")" 1 "/proc: NoNewPrivs: 1"
grep -q 'sandbox: seccomp: [0-9]* system calls allowed' "$ERR"
t_okd $? "the start log names the seccomp filter" "$(grep sandbox "$ERR")"
if grep -q 'sandbox: Landlock ABI [0-9]' "$ERR"; then
	LANDLOCK=1
	t_ok 0 "the start log names the Landlock rules"
elif grep -q 'this kernel has no Landlock' "$ERR"; then
	LANDLOCK=0
	echo "# this kernel has no Landlock: the checks of its rules are skipped"
	t_ok 0 "the start log says this kernel has no Landlock"
else
	LANDLOCK=0
	t_okd 1 "the start log names the Landlock rules" "$(grep sandbox "$ERR")"
fi
# l_eq GOT WANT DESCRIPTION: t_eq, skipped without Landlock
l_eq() {
	if [ "$LANDLOCK" = 1 ]; then
		t_eq "$1" "$2" "$3"
	else
		T_N=$((T_N + 1))
		echo "ok $T_N - $3 # SKIP no Landlock in this kernel"
	fi
}

t_eq "$(tunnel)" "ok sent=2000 received=2000" "a SOCKS5 tunnel is served"
t_eq "$(web)" 200 "a forwarded HTTP request is served"
t_eq "$(curl -s --max-time 5 "http://127.0.0.1:$ADMIN/healthz")" ok \
    "the admin endpoint answers"

# The vendor list: fetched over HTTPS (the CA file read after start-up),
# written to the cache folder pinhole made, then refreshed.
t_wait_grep "$ERR" "list vendor: 1 entries from" 1 100
t_okd $? "the vendor list is fetched over HTTPS" "$(grep 'list vendor' "$ERR")"
t_wait_grep "$CACHE/vendor.meta" '^entries 1$' 1 50
t_okd $? "its cache is written in the new cache folder" \
    "$(ls -la "$CACHE" 2>&1; grep -i cache "$ERR")"
vl_serve /l.txt 127.0.0.31 127.0.0.32
t_wait_grep "$CACHE/vendor.meta" '^entries 2$' 1 100
t_okd $? "a refresh replaces the cached body and meta (write, rename)" \
    "$(grep 'list vendor' "$ERR" | tail -n 3)"
t_eq "$(ls "$CACHE" | grep -c '\.tmp$')" 0 "no temporary file is left in the cache"

# SIGUSR1 after logrotate's rename: new files in the log folder.
t_wait_grep "$LOG" '"event":"flow"' 2 30
mv "$LOG" "$LOG.1"
mv "$PCAP" "$PCAP.moved"
kill -USR1 "$PH_PID"
t_wait_grep "$ERR" 'reopening the log files' 1 50
t_eq "$(tunnel)" "ok sent=2000 received=2000" "a tunnel after SIGUSR1"
t_wait_grep "$LOG" '"event":"flow"' 1 30
t_okd $? "SIGUSR1: a new access log is made and written" "$(ls -la "$LOGS")"
test -s "$PCAP"
t_okd $? "SIGUSR1: a new pcap file is made" "$(ls -la "$LOGS")"
grep -q -e 'cannot reopen' -e 'pcap.*Permission denied' "$ERR"
t_okd $((!$?)) "no reopen error is logged" "$(grep -e cannot -e denied "$ERR")"
# pcap_rotate_mb = 1: about 1.6 MB of payload makes flows.pcap.1.
t_eq "$(tunnel 800000)" "ok sent=800000 received=800000" "a bulk tunnel (800 kB echoed)"
i=0
while [ $i -lt 50 ] && [ ! -s "$PCAP.1" ]; do
	sleep 0.1
	i=$((i + 1))
done
test -s "$PCAP.1"
t_okd $? "the pcap is rotated (flows.pcap.1) under the sandbox" "$(ls -la "$LOGS")"

# Reloads: a users file added next to the config, then replaced by a
# rename (sed -i), are read; one in another folder is refused.
AUTH=$ETC/users sb_conf "$CONF"
reload
grep -q 'reloaded: .* 1 users' "$ERR"
t_okd $? "SIGHUP: a replaced config naming a users file next to it is read" \
    "$(tail -n 4 "$ERR")"
t_eq "$(web alice:pw-1)" 200 "alice is served"
t_eq "$(web)" 407 "no user: 407"
sed -i 's/^alice:/bob:/' "$ETC/users"
reload
t_eq "$(grep -c 'reloaded: .* 1 users' "$ERR")" 2 \
    "SIGHUP: the users file replaced by sed -i is read"
t_eq "$(web bob:pw-1):$(web alice:pw-1)" 200:407 "bob is served now, alice not"

AUTH=$OUT/users sb_conf "$CONF"
reload
l_eq "$(grep -c "$OUT/users: Permission denied" "$ERR")" 1 \
    "SIGHUP: a users file outside the rules is refused (EACCES, logged)"
l_eq "$(grep -c 'reload failed, the running config stays' "$ERR")" 1 \
    "... the reload fails and says the running config stays"
l_eq "$(web bob:pw-1):$(web alice:pw-1)" 200:407 "... bob is still served, alice not"

AUTH=$ETC/users LOCAL=$OUT/local.txt sb_conf "$CONF"
reload
# (A list whose file changed is a new list: it starts empty, the cache
# of the old file is not taken; lists.c says "cannot read it".)
grep -q "list local: .*$OUT/local.txt: cannot read it: Permission denied" "$ERR"
l_eq $? 0 "SIGHUP: a list file outside the rules cannot be read (logged)"
l_eq "$(curl -s --max-time 5 "http://127.0.0.1:$ADMIN/lists/local" |
    grep -v '^#')" "" "... none of its entries is in force"
t_eq "$(web bob:pw-1)" 200 "... and pinhole serves on"
AUTH=$ETC/users sb_conf "$CONF"
reload
t_eq "$(web bob:pw-1)" 200 "SIGHUP back to the first paths: served"
AUTH='' sb_conf "$CONF"
reload
t_eq "$(web)" 200 "SIGHUP without [auth]: served without a user"
t_eq "$(status Seccomp "$PH_PID")" 2 "/proc: still Seccomp: 2 after all that"
grep -q 'Operation not permitted' "$ERR"
t_okd $((!$?)) "no EPERM from a system call off the list was logged" \
    "$(grep 'Operation not permitted' "$ERR" | head -n 5)"
t_stop_pinhole "$PH_PID" "$ERR" "sandbox on"

# ---- sandbox = no: nothing restricted
ERR=$T_DIR/nosandbox.err
RELOADS=0
sb_conf "$CONF" "sandbox = no"
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole starts with sandbox = no" "$(head -c 3000 "$ERR")"
t_eq "$(status Seccomp "$PH_PID"):$(status NoNewPrivs "$PH_PID")" 0:0 \
    "sandbox = no: /proc: Seccomp: 0, NoNewPrivs: 0"
grep -q 'sandbox' "$ERR"
t_okd $((!$?)) "sandbox = no: nothing about a sandbox is logged" "$(grep sandbox "$ERR")"
AUTH=$OUT/users sb_conf "$CONF" "sandbox = no"
reload
grep -q 'reloaded: .* 1 users' "$ERR"
t_okd $? "sandbox = no: a users file in any folder is read on SIGHUP" \
    "$(tail -n 4 "$ERR")"
t_eq "$(web alice:pw-1)" 200 "sandbox = no: alice is served"
t_stop_pinhole "$PH_PID" "$ERR" "sandbox = no"

# ---- a kernel without Landlock, simulated: landlock_create_ruleset
# (444 on every architecture) answers ENOSYS through a seccomp filter
# put on before pinhole is executed.
cat >"$T_DIR/nolandlock.py" <<'EOF'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
# ld [nr]; jeq 444 ? errno(ENOSYS) : allow
prog = [(0x20, 0, 0, 0), (0x15, 0, 1, 444), (0x06, 0, 0, 0x00050000 | 38),
        (0x06, 0, 0, 0x7fff0000)]
buf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in prog))
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fp = Fprog(len(prog), ctypes.cast(buf, ctypes.c_void_p))
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fp), 0, 0) != 0:
    sys.exit("seccomp: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
EOF
printf '#!/bin/sh\nexec %s %s %s "$@"\n' "$T_PY" "$T_DIR/nolandlock.py" \
    "$(cd "$(dirname "$PINHOLE")" && pwd)/$(basename "$PINHOLE")" >"$T_DIR/nolandlock"
chmod +x "$T_DIR/nolandlock"
ERR=$T_DIR/nolandlock.err
RELOADS=0
sb_conf "$CONF"
REAL_PINHOLE=$PINHOLE
PINHOLE=$T_DIR/nolandlock
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "no Landlock: pinhole starts" "$(head -c 3000 "$ERR")"
PINHOLE=$REAL_PINHOLE
t_eq "$(grep -c 'sandbox: this kernel has no Landlock (not built in)' "$ERR")" 1 \
    "no Landlock: said once at start"
grep -q 'sandbox: seccomp: [0-9]* system calls allowed' "$ERR"
t_okd $? "no Landlock: the seccomp filter is on" "$(grep sandbox "$ERR")"
t_eq "$(status Seccomp "$PH_PID")" 2 "no Landlock: /proc: Seccomp: 2"
t_eq "$(tunnel)" "ok sent=2000 received=2000" "no Landlock: a tunnel is served"
AUTH=$OUT/users sb_conf "$CONF"
reload
kill -USR1 "$PH_PID"
t_wait_grep "$ERR" 'reopening the log files' 1 50
grep -q 'reloaded: .* 1 users' "$ERR"
t_okd $? "no Landlock: the filesystem is not restricted (a users file elsewhere is read)" \
    "$(tail -n 4 "$ERR")"
t_eq "$(web alice:pw-1)" 200 "no Landlock: alice is served"
t_eq "$(grep -c 'no Landlock' "$ERR")" 1 \
    "no Landlock: still said once after SIGHUP and SIGUSR1"
t_stop_pinhole "$PH_PID" "$ERR" "no Landlock"

t_done
