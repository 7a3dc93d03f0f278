#!/bin/sh
# Running pinhole like a service: sd_notify over $NOTIFY_SOCKET (READY=1
# once the port accepts, RELOADING=1 with MONOTONIC_USEC then READY=1 on
# SIGHUP, even when the new config is bad, STOPPING=1 on SIGTERM; a path
# and an abstract socket; nothing breaks without it), and the privilege
# drop to [proxy] user (checked in /proc; a user that does not exist, or
# root, stops pinhole at once).  The privilege drop needs root: as
# another user those checks fail, they are never skipped.
. tests/integration/lib.sh

t_proxy_world_or_bail

# The service manager's side: a datagram socket at ADDR (a path, made
# writable for all so that a dropped user can send, or @name for an
# abstract one).  Each message is one line of OUT, newlines written as
# <LF>; READY=1 is followed by whether 127.0.0.1:PORT accepted a
# connection right then, MONOTONIC_USEC by its distance in ms from this
# side's CLOCK_MONOTONIC; then the sender's uid and pid (SCM_CREDENTIALS).
cat >"$T_DIR/notify.py" <<'EOP'
import os, re, socket, struct, sys, time
addr, out, port, life = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
if addr.startswith("@"):
    s.bind("\0" + addr[1:])
else:
    s.bind(addr)
    os.chmod(addr, 0o777)
s.settimeout(0.1)
f = open(out, "a", buffering=1)
f.write("bound\n")
end = time.monotonic() + life
while time.monotonic() < end and not os.path.exists(out + ".stop"):
    try:
        d, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        continue
    now = time.clock_gettime(time.CLOCK_MONOTONIC)
    pid = uid = -1
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, uid, _ = struct.unpack("iii", data[:12])
    msg = d.decode("utf-8", "replace")
    extra = ""
    if msg == "READY=1":
        c = socket.socket()
        c.settimeout(1)
        try:
            c.connect(("127.0.0.1", port))
            extra = " accepts"
        except OSError:
            extra = " refused"
        finally:
            c.close()
    m = re.search(r"MONOTONIC_USEC=(\d+)$", msg)
    if m:
        extra = " skew_ms=%d" % (abs(now * 1e6 - int(m.group(1))) / 1000)
    f.write("%s%s uid=%d pid=%d\n" % (msg.replace("\n", "<LF>"), extra, uid, pid))
EOP
# notify_listen ADDR OUT: the listener, bound (NL_PID).
notify_listen() {
	: >"$2"
	t_bg "$T_DIR/nl.$$" "$T_PY" "$T_DIR/notify.py" "$1" "$2" "$P" 50
	NL_PID=$T_BG_PID
	t_wait_grep "$2" '^bound$' 1 50
}
# The messages so far, "|" between them, without the pid; pids() the
# pids that sent them, once each.
msgs() { grep -v '^bound$' "$1" | sed 's/ pid=[0-9-]*$//' | tr '\n' '|'; }
pids() { sed -n 's/.* pid=\([0-9-]*\)$/\1/p' "$1" | sort -u | tr '\n' ' '; }
# t_match GOT PATTERN DESCRIPTION: GOT matches the shell pattern.
t_match() {
	case $1 in
	$2) t_ok 0 "$3" ;;
	*) t_okd 1 "$3" "got:  $1
want: $2" ;;
	esac
}
# A tunnel through the pinhole on port PORT: "ok" when the echo came back.
tunnel() {	# tunnel PORT
	"$T_PY" "$T_TOOLS/raw_client.py" --raw 127.0.0.1 "$1" \
	    "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\nping" shut \
	    >"$T_DIR/tun" 2>/dev/null
	if [ "$(tr -d '\r' <"$T_DIR/tun" | tr '\n' '|')" = \
	    "HTTP/1.1 200 Connection established||ping" ]; then
		echo ok
	else
		echo "failed: $(head -c 200 "$T_DIR/tun")"
	fi
}

# ---- sd_notify on a socket path
CONF=$T_DIR/svc.ini
ERR=$T_DIR/svc.err
NOUT=$T_DIR/notify.out
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl" "shutdown_grace = 2s"
SOCK=$T_DIR/notify.sock
notify_listen "$SOCK" "$NOUT"
t_okd $? "a datagram socket listens at $SOCK" "$(cat "$T_DIR/nl.$$.err")"
NOTIFY_SOCKET=$SOCK
export NOTIFY_SOCKET
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole started with NOTIFY_SOCKET=$SOCK" "$(head -c 2000 "$ERR")"
unset NOTIFY_SOCKET
S_PID=$PH_PID
t_wait_grep "$NOUT" '^READY=1' 1 50
# The messages as msgs() shows them, from uid 0 and from nobody.
Y0='READY=1 accepts uid=0'
R0='RELOADING=1<LF>MONOTONIC_USEC=[1-9]* skew_ms=* uid=0'
Y1='READY=1 accepts uid=65534'
R1='RELOADING=1<LF>MONOTONIC_USEC=[1-9]* skew_ms=* uid=65534'
t_eq "$(msgs "$NOUT")" "$Y0|" \
    "READY=1 arrives, once, when the port already accepts"
t_eq "$(tunnel "$P")" ok "with NOTIFY_SOCKET set, pinhole serves a tunnel"
kill -HUP "$S_PID"
t_wait_grep "$NOUT" '^READY=1' 2 50
t_wait_grep "$ERR" 'reloaded' 1 50
out=$(msgs "$NOUT")
t_match "$out" "$Y0|$R0|$Y0|" \
    "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1"
usec=$(printf '%s' "$out" | sed -n 's/.*MONOTONIC_USEC=\([0-9]*\) .*/\1/p')
case $usec in
'' | *[!0-9]*) t_okd 1 "MONOTONIC_USEC is a number" "$out" ;;
*) t_ok 0 "MONOTONIC_USEC is a number ($usec)" ;;
esac
skew=$(printf '%s' "$out" | sed -n 's/.* skew_ms=\([0-9]*\) .*/\1/p')
[ -n "$skew" ] && [ "$skew" -lt 5000 ]
t_okd $? "MONOTONIC_USEC is CLOCK_MONOTONIC now (${skew:-?} ms off)" "$out"
# A config with an error: the reload fails, READY=1 all the same.
cp "$CONF" "$T_DIR/svc.good"
echo "colour = blue" >>"$CONF"
kill -HUP "$S_PID"
t_wait_grep "$NOUT" '^READY=1' 3 50
t_wait_grep "$ERR" 'reload failed' 1 50
t_okd $? "SIGHUP with a bad config: the reload fails" "$(tail -n 3 "$ERR")"
t_match "$(msgs "$NOUT")" "*|$Y0|$R0|$Y0|" \
    "a failed reload: RELOADING=1, then READY=1 (the running config stays)"
t_eq "$(tunnel "$P")" ok "after the failed reload pinhole still serves"
cp "$T_DIR/svc.good" "$CONF"
t_stop_pinhole "$S_PID" "$ERR" "notify pinhole"
t_wait_grep "$NOUT" '^STOPPING=1' 1 30
t_match "$(msgs "$NOUT")" "*|$Y0|STOPPING=1 uid=0|" \
    "SIGTERM: STOPPING=1, the last message"
t_eq "$(pids "$NOUT")" "$S_PID " "every message came from pinhole's own pid"
grep -q 'cannot notify' "$ERR"
t_ok $((!$?)) "no 'cannot notify' warning in the events log"
touch "$NOUT.stop"
t_wait_exit "$NL_PID" 30

# ---- sd_notify on an abstract socket (@name)
NOUT2=$T_DIR/notify2.out
ANAME="@pinhole-test-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
notify_listen "$ANAME" "$NOUT2"
t_okd $? "a datagram socket listens at the abstract $ANAME" \
    "$(cat "$T_DIR/nl.$$.err")"
NOTIFY_SOCKET=$ANAME
export NOTIFY_SOCKET
t_start_pinhole "$CONF" "$T_DIR/abs.err" "$P"
t_okd $? "pinhole started with NOTIFY_SOCKET=$ANAME" "$(head -c 2000 "$T_DIR/abs.err")"
unset NOTIFY_SOCKET
A_PID=$PH_PID
t_wait_grep "$NOUT2" '^READY=1' 1 50
kill -HUP "$A_PID"
t_wait_grep "$NOUT2" '^READY=1' 2 50
t_stop_pinhole "$A_PID" "$T_DIR/abs.err" "abstract-socket pinhole"
t_wait_grep "$NOUT2" '^STOPPING=1' 1 30
t_match "$(msgs "$NOUT2")" "$Y0|$R0|$Y0|STOPPING=1 uid=0|" \
    "abstract socket: READY=1, RELOADING=1, READY=1, STOPPING=1"
t_eq "$(pids "$NOUT2")" "$A_PID " "abstract socket: every message from pinhole's pid"
touch "$NOUT2.stop"
t_wait_exit "$NL_PID" 30

# ---- without NOTIFY_SOCKET, or with one that is no use: pinhole runs
for ns in unset "$T_DIR/nothing-here.sock" relative.sock; do
	if [ "$ns" = unset ]; then
		unset NOTIFY_SOCKET
	else
		NOTIFY_SOCKET=$ns
		export NOTIFY_SOCKET
	fi
	t_start_pinhole "$CONF" "$T_DIR/nons.err" "$P"
	t_okd $? "NOTIFY_SOCKET $ns: pinhole starts" "$(head -c 2000 "$T_DIR/nons.err")"
	unset NOTIFY_SOCKET
	N_PID=$PH_PID
	t_eq "$(tunnel "$P")" ok "NOTIFY_SOCKET $ns: pinhole serves a tunnel"
	kill -HUP "$N_PID"
	t_wait_grep "$T_DIR/nons.err" 'reloaded' 1 50
	t_okd $? "NOTIFY_SOCKET $ns: SIGHUP reloads" "$(tail -n 3 "$T_DIR/nons.err")"
	t_eq "$(tunnel "$P")" ok "NOTIFY_SOCKET $ns: still serves after SIGHUP"
	t_stop_pinhole "$N_PID" "$T_DIR/nons.err" "NOTIFY_SOCKET $ns"
	case $ns in
	unset) ! grep -qi 'notify' "$T_DIR/nons.err"
	    t_okd $? "no NOTIFY_SOCKET: nothing said about notifying" \
		"$(grep -i notify "$T_DIR/nons.err")" ;;
	relative.sock) grep -q 'NOTIFY_SOCKET relative.sock: not a socket path' \
	    "$T_DIR/nons.err"
	    t_okd $? "NOTIFY_SOCKET relative.sock: a warning says it is not a socket path" \
		"$(head -n 5 "$T_DIR/nons.err")" ;;
	*) grep -q 'cannot notify the service manager (READY=1)' "$T_DIR/nons.err"
	    t_okd $? "NOTIFY_SOCKET with no socket there: a warning, nothing worse" \
		"$(head -n 8 "$T_DIR/nons.err")" ;;
	esac
done

# ---- privilege drop: [proxy] user
[ "$(id -u)" = 0 ]
t_okd $? "the privilege-drop tests run as root (they are never skipped)" \
    "running as $(id -un), uid $(id -u): run this test as root" || {
	t_done
	exit 1
}
NB_UID=$(id -u nobody 2>/dev/null)
NB_GID=$(id -g nobody 2>/dev/null)
t_eq "$NB_UID:$NB_GID" "65534:65534" "user nobody exists, uid 65534, gid 65534 (nogroup)"
# The dropped user must reach the notify socket and the config: the test
# directory is searchable (not listable) by others from here on.
chmod 0711 "$T_DIR"
PLOG=$T_DIR/priv.jsonl
PCONF=$T_DIR/priv.ini
PERR=$T_DIR/priv.err
t_proxy_conf "$PCONF" "$P" "$PLOG" "user = nobody" "shutdown_grace = 2s"
out=$("$PINHOLE" -t -c "$PCONF" 2>"$T_DIR/pt.err")
rc=$?
t_eq "$rc" 0 "pinhole -t with user = nobody: exit 0"
printf '%s\n' "$out" | grep -qx 'user: nobody'
t_okd $? "pinhole -t says 'user: nobody'" "$out"
NOUT3=$T_DIR/notify3.out
notify_listen "$T_DIR/notify3.sock" "$NOUT3"
t_okd $? "a datagram socket for the dropped pinhole" "$(cat "$T_DIR/nl.$$.err")"
NOTIFY_SOCKET=$T_DIR/notify3.sock
export NOTIFY_SOCKET
t_start_pinhole "$PCONF" "$PERR" "$P"
t_okd $? "pinhole with user = nobody starts as root and listens" \
    "$(head -c 2000 "$PERR")"
unset NOTIFY_SOCKET
R_PID=$PH_PID
t_wait_grep "$NOUT3" '^READY=1' 1 50
st=/proc/$R_PID/status
t_eq "$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "$st")" \
    "65534 65534 65534 65534" "/proc: real, effective, saved and fs uid are all 65534"
t_eq "$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "$st")" \
    "65534 65534 65534 65534" "/proc: real, effective, saved and fs gid are all 65534"
t_eq "$(awk '$1 == "Groups:" { $1 = ""; print }' "$st" | tr -s ' ' | sed 's/^ //; s/ $//')" \
    "65534" "/proc: supplementary groups are only 65534 (nogroup)"
t_eq "$(awk '$1 == "CapEff:" || $1 == "CapPrm:" { print $2 }' "$st" | tr '\n' ' ')" \
    "0000000000000000 0000000000000000 " "/proc: no capabilities left (CapPrm, CapEff)"
t_eq "$(ps -o user= -p "$R_PID" | tr -d ' ')" nobody "ps shows pinhole running as nobody"
grep -q "running as user nobody (uid 65534, gid 65534)" "$PERR"
t_okd $? "the events log says 'running as user nobody (uid 65534, gid 65534)'" \
    "$(head -n 8 "$PERR")"
grep -q "\[cache\] dir $T_DIR/cache: .* is not writable as \[proxy\] user" "$PERR"
t_okd $? "a warning names the cache dir nobody cannot write" "$(grep -i writable "$PERR")"
grep -q "\[log\] access $T_DIR: $T_DIR is not writable as \[proxy\] user" "$PERR"
t_okd $? "a warning names the access log's dir nobody cannot write" \
    "$(grep -i writable "$PERR")"
# The listening sockets were bound before the drop; they stay pinhole's.
t_wait_port "$P" 2 10 "$R_PID"
t_ok $? "pinhole (nobody) still holds its two listening sockets"
t_eq "$(tunnel "$P")" ok "pinhole running as nobody serves a tunnel"
t_eq "$(tunnel "$P")" ok "... and another"
t_wait_grep "$PLOG" '"event":"flow"' 1 30
t_okd $? "the flows are logged (the access log was opened as root)" \
    "$(tail -n 2 "$PLOG")"
kill -HUP "$R_PID"
t_wait_grep "$PERR" 'reloaded' 1 50
t_okd $? "SIGHUP as nobody: the config is read again" "$(tail -n 3 "$PERR")"
t_wait_grep "$NOUT3" '^READY=1' 2 50
t_eq "$(tunnel "$P")" ok "after SIGHUP pinhole (nobody) serves"
sed -i 's/^user = nobody$/user = daemon/' "$PCONF"
kill -HUP "$R_PID"
t_wait_grep "$PERR" 'reloaded' 2 50
grep -q 'a change of \[proxy\] user takes a restart' "$PERR"
t_okd $? "SIGHUP with another user: a warning that it takes a restart" \
    "$(tail -n 3 "$PERR")"
t_eq "$(awk '$1 == "Uid:" { print $2 }' "$st")" 65534 "... pinhole stays nobody"
t_stop_pinhole "$R_PID" "$PERR" "pinhole as nobody"
t_wait_grep "$NOUT3" '^STOPPING=1' 1 30
t_match "$(msgs "$NOUT3")" "$Y1|$R1|$Y1|$R1|$Y1|STOPPING=1 uid=65534|" \
    "the dropped pinhole notifies as nobody, from the first READY=1 to STOPPING=1"
t_eq "$(pids "$NOUT3")" "$R_PID " "... every message from pinhole's pid"
touch "$NOUT3.stop"
t_wait_exit "$NL_PID" 30

# A user that cannot be switched to: exit 1 at once, never listening.
# refuse USER MESSAGE
refuse() {
	u=$1 msg=$2
	t_proxy_conf "$T_DIR/u.ini" "$P" "$T_DIR/u.jsonl" "user = $u"
	start=$(date +%s)
	"$PINHOLE" -c "$T_DIR/u.ini" >"$T_DIR/u.out" 2>"$T_DIR/u.err" &
	pid=$!
	T_PIDS="$T_PIDS $pid"
	seen=0
	i=0
	while [ $i -lt 50 ] && ! t_gone "$pid"; do
		ss -Hlnt "sport = :$P" | grep -q . && seen=1
		sleep 0.1
		i=$((i + 1))
	done
	t_wait_exit "$pid" 1
	t_eq "$T_RC" 1 "user = $u: pinhole exits 1"
	[ $(($(date +%s) - start)) -le 5 ]
	t_ok $? "user = $u: ... at once"
	grep -qF -- "$msg" "$T_DIR/u.err"
	t_okd $? "user = $u: stderr says $msg" "$(cat "$T_DIR/u.err")"
	[ "$seen" = 0 ] && ! grep -q -e 'listening on' -e 'started' "$T_DIR/u.err"
	t_okd $? "user = $u: it never listened" "$(cat "$T_DIR/u.err")"
	[ ! -s "$T_DIR/u.jsonl" ]
	t_ok $? "user = $u: no flow served"
	"$PINHOLE" -t -c "$T_DIR/u.ini" >"$T_DIR/ut.out" 2>"$T_DIR/ut.err"
	t_eq "$?" 1 "user = $u: pinhole -t exits 1"
	grep -qF -- "$msg" "$T_DIR/ut.err"
	t_okd $? "user = $u: pinhole -t says $msg" "$(cat "$T_DIR/ut.err")"
}
refuse nosuchuser-pinhole "$T_DIR/u.ini: [proxy] user nosuchuser-pinhole: no such user"
refuse root "$T_DIR/u.ini: [proxy] user root: is root"

t_done
