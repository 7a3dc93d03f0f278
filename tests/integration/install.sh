#!/bin/sh
# make install and make uninstall into temporary roots (DESTDIR), never
# into /: the files and their modes, a second install that keeps the
# admin's config, a custom PREFIX and SYSCONFDIR, the installed config
# checked with -t, the unit checked by systemd-analyze (verify, and the
# offline security score), the man page rendered with every config key
# of proxy/confkey.c in its section, the logrotate snippet run for real
# against a pinhole on loopback, and make uninstall.
# Checks that need a program a machine may lack (systemd-analyze, man,
# groff, logrotate, mandoc) are reported as skipped without it.
. tests/integration/lib.sh

# The make of the test run must not leak its flags into these ones.
unset MAKEFLAGS MFLAGS MAKELEVEL
MAKE="make -s --no-print-directory"
D=$T_DIR/root
D2=$T_DIR/root2

t_skip() {	# t_skip DESCRIPTION REASON
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}
have() { command -v "$1" >/dev/null 2>&1; }

# ---- make install DESTDIR=... with the default PREFIX
$MAKE install DESTDIR="$D" >"$T_DIR/install.out" 2>&1
rc=$?
t_okd $rc "make install DESTDIR=... exits 0" "$(cat "$T_DIR/install.out")" ||
    { echo "Bail out! make install failed"; exit 1; }
grep -q -e useradd -e systemctl "$T_DIR/install.out"
t_okd $((!$?)) "with DESTDIR it runs neither useradd nor systemctl" \
    "$(cat "$T_DIR/install.out")"

layout() {	# layout ROOT: "MODE PATH" of every file and folder under ROOT
	(cd "$1" && find . -mindepth 1 -printf '%m %y %P\n' | LC_ALL=C sort -k3)
}
lists_want=
for f in conf/lists/*; do
	lists_want="$lists_want
644 f etc/pinhole/lists/${f##*/}"
done
want=$(printf '%s\n' "755 d etc" "755 d etc/logrotate.d" \
    "644 f etc/logrotate.d/pinhole" "755 d etc/pinhole" \
    "755 d etc/pinhole/lists" "$lists_want" \
    "644 f etc/pinhole/pinhole.ini" "755 d lib" "755 d lib/systemd" \
    "755 d lib/systemd/system" "644 f lib/systemd/system/pinhole.service" \
    "755 d usr" "755 d usr/lib" "755 d usr/lib/sysusers.d" \
    "644 f usr/lib/sysusers.d/pinhole.conf" "755 d usr/local" \
    "755 d usr/local/sbin" "755 f usr/local/sbin/pinhole" \
    "755 d usr/local/share" "755 d usr/local/share/man" \
    "755 d usr/local/share/man/man8" \
    "644 f usr/local/share/man/man8/pinhole.8" | grep . |
    LC_ALL=C sort -k3)
t_eq "$(layout "$D")" "$want" "make install lays out exactly these files and modes"

cmp -s pinhole "$D/usr/local/sbin/pinhole"
t_ok $? "the binary installed is ./pinhole (make pinhole)"
cmp -s man/pinhole.8 "$D/usr/local/share/man/man8/pinhole.8"
t_ok $? "the man page installed is man/pinhole.8"
cmp -s systemd/pinhole.logrotate "$D/etc/logrotate.d/pinhole"
t_ok $? "the logrotate snippet installed is systemd/pinhole.logrotate"
cmp -s systemd/pinhole.sysusers "$D/usr/lib/sysusers.d/pinhole.conf"
t_ok $? "the sysusers.d file installed is systemd/pinhole.sysusers"
for f in conf/lists/*; do
	cmp -s "$f" "$D/etc/pinhole/lists/${f##*/}"
	t_ok $? "the list $f is installed as it is"
done

# ---- the unit names the installed binary and config
UNIT=$D/lib/systemd/system/pinhole.service
t_eq "$(grep '^Exec' "$UNIT")" \
"ExecStartPre=/usr/local/sbin/pinhole -t -c /etc/pinhole/pinhole.ini
ExecStart=/usr/local/sbin/pinhole -c /etc/pinhole/pinhole.ini
ExecReload=/usr/local/sbin/pinhole -t -c /etc/pinhole/pinhole.ini
ExecReload=/bin/kill -HUP \$MAINPID" \
    "the unit checks the config before start and reload, and reloads with SIGHUP"
t_eq "$(grep -e '^Type=' -e '^User=' -e '^Group=' -e 'Directory=' "$UNIT")" \
"Type=notify
User=pinhole
Group=pinhole
StateDirectory=pinhole
LogsDirectory=pinhole
ConfigurationDirectory=pinhole" "the unit: Type=notify, user pinhole, its directories"

# ---- the installed config: a service config that -t accepts
CONF=$D/etc/pinhole/pinhole.ini
n_example=$(grep -c '^[a-z_0-9]* =' conf/pinhole.ini)
n_conf=$(grep -c '^[a-z_0-9]* =' "$CONF")
t_eq "$n_conf" "$((n_example - 3))" \
    "the config keeps every key of conf/pinhole.ini but the trial rule's 3"
grep -q -e 'local-test' -e 'make run' "$CONF"
t_ok $((!$?)) "the config has no trial rule and no word of make run"
t_eq "$(grep -e '^dir =' -e '^access =' -e '^file =' -e '^user =' "$CONF")" \
"user =
file = /etc/pinhole/lists/isl-online.txt
file = /etc/pinhole/lists/onsight.txt
dir = /var/lib/pinhole
access = /var/log/pinhole/flows.jsonl" \
    "the config: no user, lists in /etc/pinhole/lists, cache and log in the unit's folders"

# As installed: it parses; its list files are not in the real /etc.
out=$("$D/usr/local/sbin/pinhole" -t -c "$CONF" 2>"$T_DIR/t.err")
t_eq "$?" 0 "pinhole -t accepts the installed config as it is"
t_eq "$(echo "$out" | grep -e '^cache:' -e '^log:' -e '^listen')" \
"listen 127.0.0.1:3128
cache: /var/lib/pinhole
log: access /var/log/pinhole/flows.jsonl, pcap off, events stderr" \
    "-t: loopback listener, cache and flow log where the service keeps them"
t_eq "$(echo "$out" | grep -c '^rule ')" 6 "-t: the 6 vendor rules"
# With /etc/pinhole and /var mapped into the temporary root: -t reads
# the installed lists, and says nothing on stderr.
sed -e "s|/etc/pinhole/|$D/etc/pinhole/|g" \
    -e "s|/var/lib/pinhole|$T_DIR/var/lib/pinhole|g" \
    -e "s|/var/log/pinhole|$T_DIR/var/log/pinhole|g" "$CONF" \
    >"$T_DIR/mapped.ini"
for bin in "$D/usr/local/sbin/pinhole" "$PINHOLE"; do
	name=$bin
	[ "$bin" = "$D/usr/local/sbin/pinhole" ] && name="installed pinhole"
	out=$("$bin" -t -c "$T_DIR/mapped.ini" 2>"$T_DIR/t.err")
	t_eq "$?" 0 "$name: -t accepts the installed config, paths mapped"
	t_eq "$(cat "$T_DIR/t.err")" "" "$name: -t prints no warning, paths mapped"
done
t_eq "$(echo "$out" | grep '^list onsight-ips')" \
    "list onsight-ips: file $D/etc/pinhole/lists/onsight.txt, format text; 3 entries" \
    "-t reads the installed list files"

# ---- a second install keeps the admin's config and lists byte for byte
printf '\n; edited by the admin\n' >>"$CONF"
sed -i 's/^listen = 127.0.0.1:3128$/listen = 0.0.0.0:3128/' "$CONF"
echo "192.0.2.0/24" >>"$D/etc/pinhole/lists/onsight.txt"
cp "$CONF" "$T_DIR/conf.saved"
cp "$D/etc/pinhole/lists/onsight.txt" "$T_DIR/list.saved"
$MAKE install DESTDIR="$D" >"$T_DIR/install2.out" 2>&1
t_okd $? "a second make install exits 0" "$(cat "$T_DIR/install2.out")"
cmp -s "$CONF" "$T_DIR/conf.saved"
t_ok $? "a second make install keeps the edited pinhole.ini byte for byte"
cmp -s "$D/etc/pinhole/lists/onsight.txt" "$T_DIR/list.saved"
t_ok $? "a second make install keeps an edited list"
grep -q "^note: keeping $D/etc/pinhole/pinhole.ini" "$T_DIR/install2.out"
t_okd $? "it says it kept the config" "$(cat "$T_DIR/install2.out")"
t_eq "$(layout "$D")" "$want" "the second install leaves the same files and modes"

# ---- PREFIX and SYSCONFDIR of one's own
$MAKE install DESTDIR="$D2" PREFIX=/opt/pinhole SYSCONFDIR=/etc/opt \
    >"$T_DIR/install3.out" 2>&1
t_okd $? "make install PREFIX=/opt/pinhole SYSCONFDIR=/etc/opt exits 0" \
    "$(cat "$T_DIR/install3.out")"
for f in opt/pinhole/sbin/pinhole etc/opt/pinhole/pinhole.ini \
    opt/pinhole/share/man/man8/pinhole.8 lib/systemd/system/pinhole.service \
    etc/opt/logrotate.d/pinhole; do
	[ -f "$D2/$f" ]
	t_ok $? "custom PREFIX: /$f is there"
done
t_eq "$(grep '^ExecStart=' "$D2/lib/systemd/system/pinhole.service")" \
    "ExecStart=/opt/pinhole/sbin/pinhole -c /etc/opt/pinhole/pinhole.ini" \
    "custom PREFIX: the unit runs /opt/pinhole/sbin/pinhole on /etc/opt/pinhole"
grep -v '^#' "$D2/lib/systemd/system/pinhole.service" |
    grep -q '/usr/local\|/etc/pinhole'
t_ok $((!$?)) "custom PREFIX: the unit's settings name no default path"
t_eq "$(grep '^file =' "$D2/etc/opt/pinhole/pinhole.ini")" \
"file = /etc/opt/pinhole/lists/isl-online.txt
file = /etc/opt/pinhole/lists/onsight.txt" \
    "custom SYSCONFDIR: the config names its lists there"

# ---- systemd-analyze: verify and the offline security score
# verify wants the binary and the man page where the unit names them:
# a copy of the unit with the installed paths mapped into the root, and
# man looking in the root's MANPATH.
verify_unit() {	# verify_unit ROOT UNIT MANDIR NAME
	mkdir -p "$T_DIR/verify"
	sed -e "s|=\(/[^ ]*/sbin/pinhole\)|=$1\1|" \
	    -e "s| -c \(/[^ ]*\)| -c $1\1|" "$2" >"$T_DIR/verify/pinhole.service"
	out=$(cd "$T_DIR/verify" && MANPATH=$1$3 \
	    systemd-analyze verify ./pinhole.service 2>&1)
	t_okd $? "systemd-analyze verify passes on the $4 unit" "$out"
	t_eq "$out" "" "systemd-analyze verify says nothing about the $4 unit"
}
if have systemd-analyze; then
	verify_unit "$D" "$UNIT" /usr/local/share/man installed
	verify_unit "$D2" "$D2/lib/systemd/system/pinhole.service" \
	    /opt/pinhole/share/man "custom-PREFIX"
	out=$(LC_ALL=C systemd-analyze security --no-pager --offline=yes \
	    "$UNIT" 2>&1)
	score=$(echo "$out" | sed -n \
	    's/.*Overall exposure level for pinhole\.service: \([0-9.]*\) .*/\1/p')
	echo "# systemd-analyze security --offline=yes: $score"
	awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 2.0) }'
	t_okd $? "systemd-analyze security scores the unit 2.0 or better ($score)" \
	    "$(echo "$out" | grep -e '^✗' -e '^x ' -e Overall)"
else
	for w in "verify on the installed unit" "verify says nothing" \
	    "verify on the custom-PREFIX unit" "verify says nothing (custom)" \
	    "security score"; do
		t_skip "systemd-analyze $w" "systemd-analyze not installed"
	done
fi

# ---- the man page: renders clean, every key of confkey.c in its section
MAN=$D/usr/local/share/man/man8/pinhole.8
if have man && have groff; then
	MANWIDTH=200 LC_ALL=C man --warnings --nh --nj -l "$MAN" \
	    >"$T_DIR/man.txt" 2>"$T_DIR/man.err"
	t_okd $? "man -l renders the installed page" "$(cat "$T_DIR/man.err")"
	t_eq "$(cat "$T_DIR/man.err")" "" "man --warnings -l says nothing"
	out=$(groff -mdoc -ww -z "$MAN" 2>&1)
	t_okd $? "groff -mdoc -ww -z exits 0" "$out"
	t_eq "$out" "" "groff -mdoc -ww warns about nothing"
	for form in 'pinhole \[-c file\]' 'pinhole -t \[-c file\]' \
	    'pinhole --explain host\[:port\] \[--client ip\]' 'pinhole -V'; do
		grep -q "^     $form" "$T_DIR/man.txt"
		t_ok $? "SYNOPSIS: $form"
	done
	for sh in NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS CONFIGURATION \
	    'FLOW LOG' 'ADMIN ENDPOINT' FILES 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		grep -q "^$sh\$" "$T_DIR/man.txt"
		t_ok $? "the page has a $sh section"
	done
	# "[proxy] listen": every key the config reader accepts, and every
	# key the page documents under CONFIGURATION.
	sed -n 's/^[[:space:]]*{ SEC_\([A-Z]*\), "\([a-z0-9_]*\)".*/\1 \2/p' \
	    proxy/confkey.c | while read -r sec key; do
		sec=$(echo "$sec" | tr '[:upper:]' '[:lower:]')
		case $sec in
		allow | list) echo "[$sec NAME] $key" ;;
		*) echo "[$sec] $key" ;;
		esac
	done | LC_ALL=C sort >"$T_DIR/keys.code"
	awk '
	/^[A-Z]/ { sec = ""; inconf = ($0 == "CONFIGURATION"); next }
	inconf && /^   \[/ { sec = substr($0, 4); next }
	inconf && sec != "" && /^     [a-z_0-9]+ =/ {
		split(substr($0, 6), w, " "); print sec " " w[1]
	}' "$T_DIR/man.txt" | LC_ALL=C sort >"$T_DIR/keys.man"
	n=$(wc -l <"$T_DIR/keys.code")
	[ "$n" -gt 50 ]
	t_okd $? "$n config keys read from proxy/confkey.c" "$(head "$T_DIR/keys.code")"
	t_eq "$(comm -23 "$T_DIR/keys.code" "$T_DIR/keys.man" | tr '\n' ';')" "" \
	    "every config key of confkey.c has an entry in its section of the page"
	t_eq "$(comm -13 "$T_DIR/keys.code" "$T_DIR/keys.man" | tr '\n' ';')" "" \
	    "the page documents no key that confkey.c does not accept"
else
	t_skip "man -l renders the page, every config key in it" \
	    "man-db or groff not installed"
fi
if have mandoc; then
	out=$(mandoc -Tlint -W warning "$MAN" 2>&1)
	t_okd $? "mandoc -Tlint -W warning finds nothing" "$out"
else
	t_skip "mandoc -Tlint" "mandoc not installed"
fi

# ---- logrotate: the snippet parses, and rotates a running pinhole
LR=$D/etc/logrotate.d/pinhole
if have logrotate; then
	# su pinhole pinhole needs the user, which only a real install makes.
	if getent passwd pinhole >/dev/null; then
		cp "$LR" "$T_DIR/lr-d.conf"
	else
		sed "s/^\([[:space:]]*su\) pinhole pinhole$/\1 $(id -un) $(id -gn)/" \
		    "$LR" >"$T_DIR/lr-d.conf"
		echo "# no user pinhole here: logrotate -d runs with su $(id -un)"
	fi
	chmod 0644 "$T_DIR/lr-d.conf"
	out=$(logrotate -d -s "$T_DIR/lr-d.state" "$T_DIR/lr-d.conf" 2>&1)
	t_okd $? "logrotate -d accepts the snippet" "$out"
	echo "$out" | grep -q '^error'
	t_okd $((!$?)) "logrotate -d reports no error" "$out"

	# For real: the snippet with /var/log/pinhole in the test's folder,
	# su as this user, and the signal to the pinhole started here in
	# place of the one systemd names.
	L=$T_DIR/log
	mkdir -p "$L" "$T_DIR/cache"
	PORT=$(t_free_ports 1) || { echo "Bail out! no free port"; exit 1; }
	cat >"$T_DIR/rot.ini" <<EOC
[proxy]
listen = 127.0.0.1:$PORT
clients = 127.0.0.0/8
workers = 1
[allow only]
hosts = allowed.test
ports = 443
[cache]
dir = $T_DIR/cache
[dns]
servers = 127.0.0.1:9
hosts_file =
[log]
access = $L/flows.jsonl
pcap = $L/flows.pcap
events = $L/events.log
[admin]
listen =
EOC
	T_EVENTS=$L/events.log t_start_pinhole "$T_DIR/rot.ini" "$T_DIR/rot.err" \
	    "$PORT" 1
	t_ok $? "pinhole started with its logs in a folder of the test"
	sed -e "s|/var/log/pinhole/|$L/|g" \
	    -e "s/^\([[:space:]]*su\) pinhole pinhole$/\1 $(id -un) $(id -gn)/" \
	    -e "s/\$(systemctl show --property=MainPID --value pinhole.service 2>\/dev\/null)/$PH_PID/" \
	    "$LR" >"$T_DIR/lr.conf"
	chmod 0644 "$T_DIR/lr.conf"
	t_eq "$(grep -c -e "pid=$PH_PID\$" -e "$L/\*.jsonl" "$T_DIR/lr.conf")" 2 \
	    "the snippet, mapped: this folder, this pinhole's PID"
	deny() {
		curl -s -o /dev/null -w '%{http_code}' -m 5 \
		    -x "http://127.0.0.1:$PORT" "http://denied$1.test/"
	}
	t_eq "$(deny 1)" 403 "a request is refused (and logged)"
	t_wait_grep "$L/flows.jsonl" '"host":"denied1.test"'
	t_ok $? "the flow log has its record"
	out=$(logrotate -f -s "$T_DIR/lr.state" "$T_DIR/lr.conf" 2>&1)
	t_okd $? "logrotate rotates the logs and signals pinhole" "$out"
	i=0
	while [ $i -lt 50 ] && [ ! -e "$L/flows.jsonl" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$L/flows.jsonl" ]
	t_ok $? "pinhole opens a new flows.jsonl on SIGUSR1 (no copytruncate)"
	t_eq "$(deny 2)" 403 "a request after the rotation is refused"
	t_wait_grep "$L/flows.jsonl" '"host":"denied2.test"'
	t_ok $? "its record is in the new flows.jsonl"
	t_eq "$(grep -c denied "$L/flows.jsonl.1" 2>/dev/null)" 1 \
	    "the record before the rotation is in flows.jsonl.1, whole"
	t_eq "$(grep -c denied "$L/flows.jsonl")" 1 \
	    "the new flows.jsonl holds only the later record"
	[ -e "$L/events.log.1" ] && [ -e "$L/events.log" ]
	t_ok $? "the events log is rotated and opened again too"
	[ -s "$L/flows.pcap" ] && [ ! -e "$L/flows.pcap.1" ]
	t_ok $? "the pcap is left to pinhole's own rotation"
	t_stop_pinhole "$PH_PID" "$T_DIR/rot.err" "logrotate"
else
	t_skip "logrotate -d and a real rotation" "logrotate not installed"
fi

# ---- make uninstall
$MAKE uninstall DESTDIR="$D" >"$T_DIR/uninstall.out" 2>&1
t_okd $? "make uninstall DESTDIR=... exits 0" "$(cat "$T_DIR/uninstall.out")"
t_eq "$(cd "$D" && find . -type f -printf '%P\n' | LC_ALL=C sort)" \
    "$(printf '%s\n' "etc/pinhole/lists/isl-online.txt" \
    "etc/pinhole/lists/onsight.txt" "etc/pinhole/pinhole.ini" |
    LC_ALL=C sort)" \
    "make uninstall removes every file but /etc/pinhole (config and lists)"
cmp -s "$CONF" "$T_DIR/conf.saved"
t_ok $? "make uninstall keeps the admin's config byte for byte"
grep -q "^note: kept $D/etc/pinhole" "$T_DIR/uninstall.out"
t_okd $? "it says it kept /etc/pinhole" "$(cat "$T_DIR/uninstall.out")"
$MAKE uninstall DESTDIR="$D2" PREFIX=/opt/pinhole SYSCONFDIR=/etc/opt \
    >"$T_DIR/uninstall2.out" 2>&1
t_okd $? "make uninstall with the custom PREFIX exits 0" \
    "$(cat "$T_DIR/uninstall2.out")"
t_eq "$(cd "$D2" && find . -type f -printf '%P\n' | grep -v '^etc/opt/pinhole/')" "" \
    "make uninstall with the custom PREFIX removes every file but its config"

t_done
