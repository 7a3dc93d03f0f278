#!/bin/sh
# The SNI check read as a server and a router read the ClientHello.  A
# real SNI router (HAProxy in TCP mode, routing on req.ssl_sni) sends
# evil.test to the attacker's backend and everything else to the front
# site; pinhole allows CONNECT web.test to that router, sni_check =
# enforce.  ClientHellos that the router routes by evil.test but that a
# careless reader takes as "no name" or as web.test -- record version
# 04 03, a name with a space, raw UTF-8, 310 bytes long, two host_name
# entries (a long one first), a hello over two records that a router
# not reassembling records reads otherwise -- are sent to the router
# straight (it routes each to the evil backend: the bypass is real) and
# through pinhole (a deny, reason sni_mismatch, and the evil backend
# gets nothing).  Real clients with the name asked for (curl TLS 1.2,
# 1.3 and over SOCKS5; openssl s_client TLS 1.0 to 1.3) still pass, and
# a client silent past handshake_timeout is not cut: its bytes go
# through, and its ClientHello, sent late, is still checked.
. tests/integration/lib.sh

t_proxy_world_or_bail
command -v haproxy >/dev/null 2>&1 || { echo "Bail out! no haproxy"; exit 1; }
ports=$(t_free_ports 6) || { echo "Bail out! no free ports"; exit 1; }
HA= FRONT= EVIL=
for p in $ports; do
	case " $P $ECHO $WEB $CLOSED $HANG $P2 $P3 $ECHO2 $DNS_PORT " in
	*" $p "*) continue ;;
	esac
	if [ -z "$HA" ]; then HA=$p
	elif [ -z "$FRONT" ]; then FRONT=$p
	elif [ -z "$EVIL" ]; then EVIL=$p
	fi
done
[ -n "$EVIL" ] || { echo "Bail out! no free ports"; exit 1; }
LOG=$T_DIR/flows.jsonl
ERR=$T_DIR/strict.err
CONF=$T_DIR/strict.ini
t_proxy_conf "$CONF" "$P" "$LOG" "handshake_timeout = 2s"
sed -i 's/^deny_private = yes$/deny_private = yes\nsni_check = enforce/' \
    "$CONF"
cat >>"$CONF" <<EOC

[allow router]
hosts = web.test
ports = $HA
allow_private = yes

[allow logonly]
hosts = xa.test
ports = $HA
allow_private = yes
sni_check = log
EOC

# The front site: a real TLS server.  The evil one: a sink that says
# what reaches it.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=web.test -days 2 \
    -keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" 2>/dev/null
# (TLS 1.0 and 1.1 allowed, for old clients' ClientHellos.)
t_bg "$T_DIR/front.out" openssl s_server -accept "127.0.0.1:$FRONT" \
    -cert "$T_DIR/cert.pem" -key "$T_DIR/key.pem" -www -naccept 40 \
    -cipher 'DEFAULT@SECLEVEL=0' -min_protocol TLSv1
t_wait_port "$FRONT" 1 100 "$T_BG_PID"
t_ok $? "openssl s_server (the front site) on $FRONT"
t_bg "$T_DIR/evil.out" "$T_PY" -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(20)
print("ready", flush=True)
def serve(c):
    n = 0
    c.settimeout(10)
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            n += len(d)
            c.sendall(b"EVIL\n")
    except OSError:
        pass
    print("evil got %d bytes" % n, flush=True)
    c.close()
for _ in range(200):
    c, _ = s.accept()
    print("evil connection", flush=True)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$EVIL"
t_wait_grep "$T_DIR/evil.out" '^ready' 1 50
t_ok $? "the evil backend on $EVIL"
cat >"$T_DIR/haproxy.cfg" <<EOC
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend router
	bind 127.0.0.1:$HA
	tcp-request inspect-delay 3s
	tcp-request content accept if { req.ssl_hello_type 1 }
	use_backend evil if { req.ssl_sni -i evil.test }
	use_backend evil if { req.ssl_sni -m end .evil.test }
	default_backend front
backend front
	server s1 127.0.0.1:$FRONT
backend evil
	server s1 127.0.0.1:$EVIL
EOC
t_bg "$T_DIR/haproxy.out" haproxy -db -f "$T_DIR/haproxy.cfg"
t_wait_port "$HA" 1 100 "$T_BG_PID"
t_okd $? "HAProxy routing on req.ssl_sni on $HA" "$(cat "$T_DIR/haproxy.out")"

t_main_start "$CONF" "$ERR" "$P"
t_okd $? "pinhole started with sni_check = enforce" "$(tail -n 5 "$ERR")" ||
    { t_done; exit 1; }

evil() { grep -c '^evil connection' "$T_DIR/evil.out"; }
rec() {	# FIELDS...: the record of the last client, those fields
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 \
	    --client "$(cat "$T_DIR/cl")" "$@"
}
# straight HEX: the hello to the router, not through pinhole; the first
# 5 bytes the router's choice answered, in hex (the evil backend says
# EVIL\n, the front site a TLS record: 16 03 03, a ServerHello).
straight() {
	"$T_PY" "$T_TOOLS/raw_client.py" --timeout 4 127.0.0.1 "$HA" \
	    "hex:$1" read:5 2>/dev/null
}
EVILX=4556494c0a
# through DEST HEX: CONNECT DEST through pinhole, then the hello; what
# came back after the CONNECT reply, in hex.
through() {
	t_main_up "CONNECT $1"
	"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" --timeout 4 \
	    127.0.0.1 "$P" "esc:CONNECT $1 HTTP/1.1\r\n\r\n" head \
	    "hex:$2" read:5 2>/dev/null >"$T_DIR/hex"
	sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri" >"$T_DIR/cl"
	# 39 bytes: "HTTP/1.1 200 Connection established\r\n\r\n"
	cut -c79- "$T_DIR/hex"
}
hello() { "$T_PY" "$T_TOOLS/sni_variants.py" "$@"; }
# bypass WHAT HELLO-ARGS...: the router routes it to evil; pinhole
# refuses it.
bypass() {
	what=$1
	shift
	h=$(hello "$@")
	before=$(evil)
	t_eq "$(straight "$h")" "$EVILX" \
	    "$what, straight to the router: routed to the evil backend"
	t_eq "$(evil)" $((before + 1)) "... which got one connection"
	t_eq "$(through "web.test:$HA" "$h")" "" \
	    "$what, through pinhole (CONNECT web.test): nothing back"
	t_eq "$(rec event reason bytes_up bytes_down)" \
	    "deny sni_mismatch 0 0" "... record: deny, sni_mismatch, 0 bytes"
	t_eq "$(evil)" $((before + 1)) "... the evil backend got nothing"
}

# The control: the router routes by name, and pinhole passes the name
# asked for and refuses evil.test by its plain reading.
h=$(hello real web.test)
t_eq "$(straight "$h" | cut -c1-6)" 160303 \
    "a real hello for web.test, straight: the front site's ServerHello"
before=$(evil)
t_eq "$(through "web.test:$HA" "$(hello plain evil.test)")" "" \
    "a hello for evil.test through pinhole: nothing back"
t_eq "$(rec event reason sni)" "deny sni_mismatch evil.test" \
    "... record: deny, sni_mismatch, sni evil.test"
t_eq "$(evil)" "$before" "... the evil backend got nothing"

bypass "a real hello for evil.test, record version 04 03" recver evil.test
bypass "a hello for 'a b.evil.test' (a space)" plain "a b.evil.test"
bypass "a hello for é.evil.test (raw UTF-8)" plain \
    "hex:$(printf 'é.evil.test' | od -An -tx1 | tr -d ' \n')"
long=$("$T_PY" -c 'print(".".join(["a" * 60] * 5) + ".evil.test")')
bypass "a hello for a 310-byte name in .evil.test" plain "$long"
bypass "two host_name entries, evil.test then web.test" two evil.test web.test
bypass "two host_name entries, the 310-byte one then web.test" two "$long" \
    web.test
bypass "one hello over two records: evil.test to a router, web.test reassembled" \
    fronted evil.test web.test
t_wait_grep "$ERR" 'a ClientHello whose server name cannot be read as a server reads it: closed' 7 30
t_ok $? "the events log tells each of the seven apart from a plain mismatch"

# Under sni_check = log the same hello goes on, and is told.
before=$(evil)
t_eq "$(through "xa.test:$HA" "$(hello two evil.test web.test)")" \
    "$(printf 'EVIL\n' | od -An -tx1 | tr -d ' \n')" \
    "under log: two host_name entries go on (to the evil backend)"
t_eq "$(rec event reason)" "flow null" "... record: flow"
t_wait_grep "$ERR" 'cannot be read as a server reads it: not checked' 1 30
t_ok $? "... and the events log says it was not checked"

# Real clients with the name asked for, through pinhole and the router
# to the front site.
before=$(evil)
for v in 1.2 1.3; do
	out=$(curl -sk -o /dev/null -w '%{http_code}' --tlsv"$v" \
	    --tls-max "$v" -x "http://127.0.0.1:$P" "https://web.test:$HA/")
	t_eq "$out" 200 "curl --tlsv$v --tls-max $v https://web.test: 200"
done
out=$(curl -sk -o /dev/null -w '%{http_code}' -x "socks5h://127.0.0.1:$P" \
    "https://web.test:$HA/")
t_eq "$out" 200 "curl https://web.test through SOCKS5: 200"
for v in tls1 tls1_1 tls1_2 tls1_3; do
	n=$(openssl s_client -proxy "127.0.0.1:$P" -connect "web.test:$HA" \
	    -servername web.test "-$v" -cipher 'DEFAULT@SECLEVEL=0' \
	    -brief </dev/null 2>&1 |
	    grep -c '^CONNECTION ESTABLISHED')
	t_eq "$n" 1 "openssl s_client -$v -servername web.test: established"
done
n=$(openssl s_client -proxy "127.0.0.1:$P" -connect "web.test:$HA" \
    -servername evil.test -brief </dev/null 2>&1 |
    grep -c '^CONNECTION ESTABLISHED')
t_eq "$n" 0 "openssl s_client -servername evil.test: no handshake"
t_eq "$(evil)" "$before" "... the evil backend got nothing from them"

# A client silent past handshake_timeout (2 s): the tunnel goes on.
t_main_up "CONNECT, silent 3 s, then plain bytes"
"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" --timeout 8 127.0.0.1 \
    "$P" "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n" head sleep:3 \
    "esc:hello\n" read:6 2>/dev/null >"$T_DIR/hex"
sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri" >"$T_DIR/cl"
t_eq "$(cut -c79- "$T_DIR/hex")" 68656c6c6f0a \
    "silent 3 s past handshake_timeout 2 s, then hello: echoed back"
t_eq "$(rec event reason bytes_up)" "flow null 6" "... record: flow, 6 bytes up"
# ... and a ClientHello sent late is checked all the same.
late() {	# HEX: CONNECT web.test via the router, 3 s, then the hello
	t_main_up "CONNECT, silent 3 s, then a ClientHello"
	"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" --timeout 8 \
	    127.0.0.1 "$P" "esc:CONNECT web.test:$HA HTTP/1.1\r\n\r\n" head \
	    sleep:3 "hex:$1" read:5 2>/dev/null >"$T_DIR/hex"
	sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri" >"$T_DIR/cl"
	cut -c79- "$T_DIR/hex"
}
t_eq "$(late "$(hello plain evil.test)")" "" \
    "silent 3 s, then a hello for evil.test: nothing back"
t_eq "$(rec event reason sni)" "deny sni_mismatch evil.test" \
    "... record: deny, sni_mismatch, evil.test"
t_eq "$(late "$(hello real web.test)" | cut -c1-6)" 160303 \
    "silent 3 s, then a real hello for web.test: the front site's ServerHello"
t_eq "$(evil)" "$before" "the evil backend got nothing from the late ones"

t_stop_pinhole "$T_MAIN_PID" "$ERR" "strict"
t_done
