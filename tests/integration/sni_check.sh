#!/bin/sh
# The SNI check (domain-fronting guard): a tunnel's ClientHello is held
# until its server name is known; under sni_check = enforce a name that
# does not match the request sends nothing on and ends in a deny record
# (reason sni_mismatch, the sni set, both byte counts 0); under log the
# tunnel goes on and the mismatch is counted and logged.  ClientHellos
# come from Python's ssl (OpenSSL) and from curl against a real TLS
# server (openssl s_server), by name, by IP literal, over SOCKS5, cut
# into tiny records, and none at all.  A TLS 1.3 server that answers
# with a HelloRetryRequest gets a second ClientHello, checked as the
# first (openssl s_client, and a crafted client that names another
# server in its second hello).
. tests/integration/lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail
LOG=$T_DIR/flows.jsonl
ERR=$T_DIR/sni.err
CONF=$T_DIR/sni.ini
set -- $(t_free_ports 4)
TLS=$1 BANNER=$3 HRR=$4
[ "$TLS" = "$APORT" ] && TLS=$2
[ "$BANNER" = "$APORT" ] && BANNER=$2
[ "$HRR" = "$APORT" ] && HRR=$2
t_proxy_conf "$CONF" "$P" "$LOG"
sed -i -e 's/^deny_private = yes$/deny_private = yes\nsni_check = enforce/' \
    -e "s|^listen =\$|listen = 127.0.0.1:$APORT|" "$CONF"
cat >>"$CONF" <<EOC

[allow logonly]
hosts = xa.test
ports = $ECHO2
allow_private = yes
sni_check = log

[allow tls]
hosts = web.test
ports = $TLS
allow_private = yes

[allow off]
hosts = c.b.a.test
ports = $ECHO2
allow_private = yes
sni_check = off

[allow banner]
hosts = xa.test
ports = $BANNER
allow_private = yes

[allow hrr]
hosts = web.test
ports = $HRR
allow_private = yes

[allow hrrlog]
hosts = xa.test
ports = $HRR
allow_private = yes
sni_check = log
EOC

# A real TLS server on 127.0.0.1:$TLS.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=web.test -days 2 \
    -keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" 2>/dev/null
t_bg "$T_DIR/s_server.out" openssl s_server -accept "127.0.0.1:$TLS" \
    -cert "$T_DIR/cert.pem" -key "$T_DIR/key.pem" -www -naccept 20
t_wait_port "$TLS" 1 100 "$T_BG_PID"
t_ok $? "openssl s_server on 127.0.0.1:$TLS"

t_main_start "$CONF" "$ERR" "$P"
t_okd $? "pinhole started with sni_check = enforce" "$(tail -n 5 "$ERR")" ||
    { t_done; exit 1; }

hello() { "$T_PY" "$T_TOOLS/client_hello.py" "$@"; }
# tunnel DEST HELLO-HEX: what comes back after the CONNECT reply, in hex,
# to $T_DIR/back; the client's ip:port to $T_DIR/cl.
tunnel() {
	t_main_up "CONNECT $1"
	"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" --timeout 3 \
	    127.0.0.1 "$P" "esc:CONNECT $1 HTTP/1.1\r\n\r\n" head \
	    "hex:$2" "read:$((${#2} / 2))" 2>/dev/null >"$T_DIR/hex"
	sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri" >"$T_DIR/cl"
	# 39 bytes: "HTTP/1.1 200 Connection established\r\n\r\n"
	cut -c79- "$T_DIR/hex" >"$T_DIR/back"
}
back() { cat "$T_DIR/back"; }
rec() {	# FIELDS...: the record of the last client, those fields
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 \
	    --client "$(cat "$T_DIR/cl")" "$@"
}
passes() {	# DEST SNI-ARGS...: the hello is echoed back
	dest=$1
	shift
	h=$(hello "$@")
	tunnel "$dest" "$h"
	t_eq "$(back)" "$h" \
	    "CONNECT $dest, ClientHello $*: relayed whole"
}
refused() {	# DEST SNI WANT-SNI-FIELD HELLO-ARGS...
	dest=$1 want=$2
	shift 2
	h=$(hello "$@")
	tunnel "$dest" "$h"
	t_eq "$(back)" "" \
	    "CONNECT $dest, ClientHello $*: nothing sent on, nothing back"
	t_eq "$(rec event reason sni bytes_up bytes_down)" \
	    "deny sni_mismatch $want 0 0" \
	    "... record: deny, sni_mismatch, sni $want, 0 bytes"
}

passes "echo.test:$ECHO" --sni echo.test
t_eq "$(rec event sni)" "flow echo.test" "... record: flow, sni echo.test"
passes "echo.test:$ECHO" --sni ECHO.Test.
passes "ECHO.test.:$ECHO" --sni echo.test
refused "echo.test:$ECHO" evil.example --sni evil.example
refused "echo.test:$ECHO" b.a.test --sni b.a.test
# By IP literal: a name some rule allows on that port for that client.
passes "127.0.0.1:$ECHO" --sni b.a.test
refused "127.0.0.1:$ECHO" evil.example --sni evil.example
refused "127.0.0.1:$ECHO" web.test --sni web.test
refused "127.0.0.1:$ECHO" only2.test --sni only2.test
# No name, not TLS: nothing to check.
passes "echo.test:$ECHO"
tunnel "echo.test:$ECHO" 68656c6c6f0a
t_eq "$(back)" 68656c6c6f0a \
    "CONNECT echo.test, plain bytes: relayed"
# Cut into one-byte records: still read whole and checked ...
passes "echo.test:$ECHO" --sni echo.test --record-size 1
refused "echo.test:$ECHO" evil.example --sni evil.example --record-size 1
# ... and one that would not fit 16 KiB is refused, not let through.
h=$(hello --bulk 4000 --record-size 1)
tunnel "echo.test:$ECHO" "$h"
t_eq "$(back | cut -c1-20)" "" \
    "a ClientHello in 24,024 bytes of tiny records: nothing sent on"
t_eq "$(rec event reason sni bytes_up)" "deny sni_mismatch null 0" \
    "... record: deny, sni_mismatch, no sni, 0 bytes"

# An empty handshake record first (TLS stacks skip it): still checked.
h=$(hello --sni evil.example)
tunnel "echo.test:$ECHO" "1603010000$h"
t_eq "$(back)" "" "an empty record, then a ClientHello for evil.example: nothing sent on"
t_eq "$(rec event reason sni)" "deny sni_mismatch evil.example" \
    "... record: deny, sni_mismatch, evil.example"
h=$(hello --sni echo.test)
tunnel "echo.test:$ECHO" "1603010000$h"
t_eq "$(back)" "1603010000$h" "... and one for echo.test: relayed whole"
# A ClientHello over 16 KiB in two ordinary records: refused, not passed.
h=$(hello --bulk 20000 --record-size 16000)
tunnel "echo.test:$ECHO" "$h"
t_eq "$(back | cut -c1-20)" "" "a 20,004-byte ClientHello in two records: nothing sent on"
t_eq "$(rec event reason sni bytes_up)" "deny sni_mismatch null 0" \
    "... record: deny, sni_mismatch, no sni, 0 bytes"
# A ClientHello cut short by the client's end (half-close): not sent on.
h=$(hello --sni evil.example)
t_main_up "CONNECT, half a ClientHello, half-close"
"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" --timeout 3 127.0.0.1 "$P" \
    "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n" head \
    "hex:$(printf '%s' "$h" | cut -c1-200)" shut all 2>/dev/null >"$T_DIR/hex"
sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri" >"$T_DIR/cl"
t_eq "$(cut -c79- "$T_DIR/hex")" "" "half a ClientHello then a half-close: nothing sent on"
t_eq "$(rec event reason bytes_up)" "deny sni_mismatch 0" "... record: deny, sni_mismatch"
# A CONNECT after a forwarded request on a kept-alive connection is
# checked as any tunnel is.
h=$(hello --sni evil.example)
t_main_up "GET, then CONNECT on the same connection"
"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" --timeout 3 127.0.0.1 "$P" \
    "esc:GET http://web.test:$WEB/hello.txt HTTP/1.1\r\nHost: web.test:$WEB\r\n\r\n" \
    head read:23 "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n" head \
    "hex:$h" all 2>/dev/null >"$T_DIR/hex"
ok200=$(printf 'HTTP/1.1 200 Connection established\r\n\r\n' | od -An -tx1 |
    tr -d ' \n')
case $(cat "$T_DIR/hex") in
*"$ok200") t_ok 0 "GET then CONNECT echo.test with SNI evil.example: granted, then nothing back" ;;
*) t_okd 1 "GET then CONNECT echo.test with SNI evil.example: granted, then nothing back" \
    "$(tail -c 120 "$T_DIR/hex")" ;;
esac
t_wait_grep "$LOG" '"proto":"connect".*"reason":"sni_mismatch","bytes_up":0' 1 30
t_ok $? "... record: deny, sni_mismatch"

# SOCKS5 by name.
h=$(hello --sni evil.example)
hx() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
t_main_up "SOCKS5 echo.test"
"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" --timeout 3 127.0.0.1 "$P" \
    hex:050100 read:2 \
    "hex:05010003$(printf %02x 9)$(hx echo.test)$(printf %04x "$ECHO")" \
    read:10 "hex:$h" all 2>/dev/null >"$T_DIR/hex"
sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri" >"$T_DIR/cl"
t_eq "$(cut -c1-20 "$T_DIR/hex"):$(wc -c <"$T_DIR/hex")" \
    "0500050000017f000001:25" \
    "SOCKS5 echo.test with SNI evil.example: granted, then nothing back"
t_eq "$(rec event proto reason sni)" "deny socks5 sni_mismatch evil.example" \
    "... record: deny, socks5, sni_mismatch"

# A rule with sni_check = log: the tunnel goes on, the mismatch is told.
passes "xa.test:$ECHO2" --sni evil.example
t_eq "$(rec event reason sni)" "flow null evil.example" \
    "... under log: a flow, its sni evil.example"
t_wait_grep "$ERR" "the TLS server name evil.example does not match the request xa.test:$ECHO2\$" 1 30
t_ok $? "... and the events log says the name does not match"

# A rule with sni_check = off: nothing held or counted, the name still
# read for the record.
passes "c.b.a.test:$ECHO2" --sni evil.example
t_eq "$(rec event reason sni)" "flow null evil.example" \
    "... under off: a flow, its sni read in passing"
passes "c.b.a.test:$ECHO2" --sni evil.example --record-size 1
t_eq "$(rec sni)" "evil.example" "... also from one-byte records"

# curl against a real TLS server: its own name passes; fronted, refused.
out=$(curl -sk -o /dev/null -w '%{http_code}' -x "http://127.0.0.1:$P" \
    "https://web.test:$TLS/" 2>&1)
t_eq "$out" 200 "curl https://web.test through CONNECT: 200 from s_server"
out=$(curl -sk -o /dev/null -w '%{http_code}' -x "http://127.0.0.1:$P" \
    --connect-to "evil.example:$TLS:web.test:$TLS" \
    "https://evil.example:$TLS/" 2>&1)
rc=$?
t_eq "$out:$rc" "000:35" \
    "curl fronting evil.example through CONNECT web.test: the TLS handshake fails"

# openssl s_client through CONNECT: the name asked for, another name,
# and no name at all.
sclient() {	# SERVERNAME-ARGS...: how the handshake through pinhole ended
	openssl s_client -proxy "127.0.0.1:$P" -connect "web.test:$TLS" \
	    "$@" -brief </dev/null 2>&1 | grep -c '^CONNECTION ESTABLISHED'
}
t_eq "$(sclient -servername web.test)" 1 \
    "openssl s_client -servername web.test through CONNECT: established"
t_eq "$(sclient -servername other.example)" 0 \
    "openssl s_client -servername other.example: no handshake"
t_eq "$(sclient -noservername)" 1 \
    "openssl s_client without a server name: established (nothing to check)"
# curl through SOCKS5: its own name passes, a fronted one does not.
out=$(curl -sk -o /dev/null -w '%{http_code}' -x "socks5h://127.0.0.1:$P" \
    "https://web.test:$TLS/" 2>&1)
t_eq "$out" 200 "curl through SOCKS5 to web.test: 200"
out=$(curl -sk -o /dev/null -w '%{http_code}' -x "socks5h://127.0.0.1:$P" \
    --connect-to "evil.example:$TLS:web.test:$TLS" \
    "https://evil.example:$TLS/" 2>&1)
t_eq "$out" 000 "curl through SOCKS5 fronting evil.example: refused"
# A server that speaks first: the check holds nothing of what it says.
t_bg "$T_DIR/banner.out" "$T_PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(20)
print("ready", flush=True)
c, _ = s.accept(); c.sendall(b"220 banner first\r\n"); c.settimeout(5)
c.recv(100); c.close()' "$BANNER"
t_wait_grep "$T_DIR/banner.out" '^ready' 1 50
t_ok $? "a server that speaks first listens on $BANNER"
# The banner comes before any client byte (a tunnel's bytes are held
# only from the client, under enforce too).
"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 3 127.0.0.1 "$P" \
    "esc:CONNECT xa.test:$BANNER HTTP/1.1\r\n\r\n" head read:18 \
    2>/dev/null | tail -c 18 | tr -d '\r' >"$T_DIR/banner"
t_eq "$(cat "$T_DIR/banner")" "220 banner first" \
    "a server that speaks first is heard before the client says anything"

# TLS 1.3 HelloRetryRequest: a server that takes P-256 only asks a
# client whose one key share is X25519 for its ClientHello again.
t_bg "$T_DIR/hrr.out" openssl s_server -accept "127.0.0.1:$HRR" \
    -cert "$T_DIR/cert.pem" -key "$T_DIR/key.pem" -www -groups P-256 -msg \
    -naccept 20
t_wait_port "$HRR" 1 100 "$T_BG_PID"
t_ok $? "openssl s_server -groups P-256 on 127.0.0.1:$HRR"
hellos() { grep -c '^<<< .*ClientHello' "$T_DIR/hrr.out"; }
# got N: wait for the server to have read N ClientHellos in all, then
# say how many it has (no more may come after the test's own end).
got() { t_wait_grep "$T_DIR/hrr.out" '^<<< .*ClientHello' "$1" 30; hellos; }
n=$(hellos)
out=$(openssl s_client -proxy "127.0.0.1:$P" -connect "web.test:$HRR" \
    -servername web.test -groups X25519:P-256 -brief </dev/null 2>&1)
t_eq "$(printf '%s\n' "$out" | grep -c '^CONNECTION ESTABLISHED')" 1 \
    "openssl s_client -groups X25519:P-256 through CONNECT, after an HRR: established"
t_eq "$(got $((n + 2)))" $((n + 2)) "... the server read two ClientHellos (it sent an HRR)"
# hrr DEST SNI1 SNI2 [ARGS...]: the crafted client's line; its ip:port
# to $T_DIR/cl, the length of its first hello to $T_DIR/first.
hrr() {
	t_main_up "HRR $*"
	"$T_PY" "$T_TOOLS/hrr_client.py" --info "$T_DIR/ri" --timeout 3 \
	    127.0.0.1 "$P" "$@" 2>&1
	sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri" >"$T_DIR/cl"
	sed -n 's/.* first=\([0-9]*\)$/\1/p' "$T_DIR/ri" >"$T_DIR/first"
}
hrr_refused() {	# WHAT SNI1 SNI2 [ARGS...]: denied at the second hello
	what=$1 s2=$3
	shift
	n=$(hellos)
	t_eq "$(hrr "web.test:$HRR" "$@")" "hrr=yes back=0" \
	    "CONNECT web.test, $what: an HRR, then nothing back"
	t_eq "$(got $((n + 1)))" $((n + 1)) \
	    "... the server read the first ClientHello only"
	t_eq "$(rec event reason sni bytes_up)" \
	    "deny sni_mismatch $s2 $(cat "$T_DIR/first")" \
	    "... record: deny, sni_mismatch, sni $s2, only the first hello sent"
}
hrr_passes() {	# WHAT DEST SNI1 SNI2 [ARGS...]: the second hello goes on
	what=$1 dest=$2
	shift
	n=$(hellos)
	t_eq "$(hrr "$@" | sed 's/back=[1-9][0-9]*/back=some/')" \
	    "hrr=yes back=some" "CONNECT $dest, $what: the server answers it"
	t_eq "$(got $((n + 2)))" $((n + 2)) "... the server read both ClientHellos"
}
hrr_passes "the same name twice" "web.test:$HRR" web.test web.test
t_eq "$(rec event reason sni)" "flow null web.test" "... record: flow, sni web.test"
hrr_passes "the same name, the second hello in 7-byte records" \
    "web.test:$HRR" web.test web.test --record-size 7
hrr_refused "evil.example in the second hello" web.test evil.example
hrr_refused "the second hello in 7-byte records" web.test evil.example \
    --record-size 7
hrr_refused "no name first, evil.example second" - evil.example
# Sent at once, not waiting for the HRR: the second hello is held until
# the server's answer is read.
hrr_refused "both hellos at once" web.test evil.example --pipeline
# Under sni_check = log the second hello goes on, and is told.
hrr_passes "log: evil.example in the second hello" "xa.test:$HRR" \
    xa.test evil.example
t_eq "$(rec event reason sni)" "flow null evil.example" \
    "... under log: a flow, its sni the second hello's"
t_wait_grep "$ERR" "the TLS server name evil.example does not match the request xa.test:$HRR (after a HelloRetryRequest)\$" 1 30
t_ok $? "... and the events log says the second hello's name does not match"

metric=$(curl -s "http://127.0.0.1:$APORT/metrics" |
    sed -n 's/^pinhole_sni_mismatch_total //p')
t_eq "$metric" 21 "pinhole_sni_mismatch_total counts the 21 mismatches"
denied=$(curl -s "http://127.0.0.1:$APORT/metrics" |
    sed -n 's/^pinhole_denied_total{reason="sni_mismatch"} //p')
t_eq "$denied" 19 "pinhole_denied_total{reason=\"sni_mismatch\"} counts the 19 refused"
t_stop_pinhole "$T_MAIN_PID" "$ERR" "sni"
t_done
