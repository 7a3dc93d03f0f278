#!/bin/sh
# The proxy over HTTP on loopback: CONNECT and forwarding with curl and
# with exact bytes, every HTTP status pinhole answers, wildcard names,
# DNS rebinding, client ACLs, limits, /healthz, /proxy.pac, half-close,
# SNI and the JSON flow log.  Everything runs against real servers on
# 127.0.0.x and ::1 (tests/tools/*.py) and a real dnsmasq.
. tests/integration/lib.sh

t_proxy_world_or_bail
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/http.ini
t_proxy_conf "$CONF" "$P" "$LOG" "handshake_timeout = 5s" \
    "connect_timeout = 1s" "max_header_bytes = 4k" "shutdown_grace = 2s"
t_main_start "$CONF" "$T_DIR/http.err" "$P"
t_okd $? "pinhole listens on 127.0.0.1:$P and [::1]:$P" \
    "$(head -c 2000 "$T_DIR/http.err")" || { echo "Bail out!"; exit 1; }
LG_PID=$T_MAIN_PID

# Before each request to the main pinhole: if it died, a failed check,
# and a new one (lib.sh).
up() {
	[ -n "${RAW_PORT:-}" ] && return 0
	t_main_up "$@"
	LG_PID=$T_MAIN_PID
}
survived() {
	t_main_survived "$1"
	LG_PID=$T_MAIN_PID
}

# raw_client.py against 127.0.0.1:$P (or $RAW_PORT); the reply's bytes go
# to $T_DIR/reply, its status line to ST, the client's ip:port to CL.
rq() {
	up "$1"
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$T_DIR/ri" \
	    ${RAW_BIND:+--bind "$RAW_BIND"} 127.0.0.1 "${RAW_PORT:-$P}" "$@" \
	    >"$T_DIR/reply" 2>/dev/null
	ST=$(head -n 1 "$T_DIR/reply" | tr -d '\r')
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	END=$(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
}
# The fields of the flow record of client $CL in log ${RLOG:-$LOG}.
lg() {
	w=5	# for the record; not long when pinhole is gone
	t_gone "$LG_PID" && w=0.3
	"$T_PY" "$T_TOOLS/flowlog.py" "${RLOG:-$LOG}" get --wait "$w" \
	    --client "$CL" "$@"
}
# The body of the reply in $T_DIR/reply (after the first empty line).
body() {
	"$T_PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\r\n\r\n")
sys.stdout.buffer.write(d[i + 4:] if i >= 0 else b"")' "$T_DIR/reply"
}
# t_has STRING FILE DESCRIPTION: FILE contains the fixed STRING.
t_has() {
	grep -qF -- "$1" "$2"
	t_okd $? "$3" "no \"$1\" in: $(head -c 600 "$2" | tr '\r\n' '  ')"
}
curl_w() {	# curl_w ARGS...: curl with a time limit; body to $T_DIR/cbody,
		# exit status to CRC, what -w writes to CW
	up "curl $*"
	curl -s -S -m 10 -o "$T_DIR/cbody" -D "$T_DIR/chead" "$@" \
	    >"$T_DIR/cw" 2>"$T_DIR/cerr"
	CRC=$?
	CW=$(cat "$T_DIR/cw")
}
HELLO='hello from the backend'

# ---- curl through CONNECT and through HTTP forwarding
curl_w -w '%{http_code} %{local_ip}:%{local_port}' -p \
    -x "http://127.0.0.1:$P" "http://web.test:$WEB/hello.txt"
out=$CW
t_eq "$CRC:${out%% *}:$(cat "$T_DIR/cbody")" "0:200:$HELLO" \
    "curl -p (CONNECT) gets the backend's body"
CL=${out#* }
t_eq "$(lg event proto host port addr rule list entry reason sni)" \
    "flow connect web.test $WEB 127.0.0.1 web null web.test null null" \
    "CONNECT: the flow record names proto, host, port, addr, rule, entry"
curl_w -w '%{http_code} %{local_ip}:%{local_port} %{size_request} %{size_header} %{size_download}' \
    -x "http://127.0.0.1:$P" "http://web.test:$WEB/hello.txt"
out=$CW
t_eq "$CRC:${out%% *}:$(cat "$T_DIR/cbody")" "0:200:$HELLO" \
    "curl -x (forwarding) gets the backend's body"
set -- $out
CL=$2
t_eq "$(lg event proto host port addr rule entry reason)" \
    "flow http web.test $WEB 127.0.0.1 web web.test null" \
    "forwarding: the flow record has proto http"
t_eq "$(lg bytes_up bytes_down)" "$3 $(($4 + $5))" \
    "forwarding: bytes_up/bytes_down count the request and response on the client side"
curl_w -w '%{http_code} %{local_port}' -p -x "http://[::1]:$P" \
    "http://web.test:$WEB/hello.txt"
out=$CW
t_eq "$CRC:${out%% *}:$(cat "$T_DIR/cbody")" "0:200:$HELLO" \
    "curl -p through the [::1] listener"
CL="[::1]:${out#* }"
t_eq "$(lg event proto)" "flow connect" "the client is logged as [::1]:port"
curl_w -w '%{http_code} %{local_ip}:%{local_port}' -U 'alice:s3cret' \
    -x "http://127.0.0.1:$P" "http://web.test:$WEB/head"
out=$CW
t_eq "$CRC:${out%% *}" "0:200" "forwarding a request with proxy credentials"
head -n 1 "$T_DIR/cbody" | tr -d '\r' >"$T_DIR/line1"
t_eq "$(cat "$T_DIR/line1")" "GET /head HTTP/1.1" \
    "the origin gets the request in origin-form"
t_has "Host: web.test:$WEB" "$T_DIR/cbody" "the origin gets the Host header"
grep -qi -e '^Proxy-Authorization' -e '^Proxy-Connection' "$T_DIR/cbody"
t_ok $((!$?)) "Proxy-Authorization and Proxy-Connection never reach the origin"

# Request bodies are relayed: a 200 kB POST, plain and chunked.
head -c 200000 /dev/urandom >"$T_DIR/post.bin"
curl_w -w '%{http_code} %{local_ip}:%{local_port} %{size_request} %{size_upload} %{size_header} %{size_download}' \
    -x "http://127.0.0.1:$P" --data-binary "@$T_DIR/post.bin" \
    -H 'Content-Type: application/octet-stream' "http://web.test:$WEB/echo"
set -- $CW
t_eq "$CRC:${1:-}" "0:200" "forwarding a POST with a 200 kB body"
cmp -s "$T_DIR/post.bin" "$T_DIR/cbody"
t_ok $? "the POST body reaches the origin intact (echoed back)"
CL=${2:-}
t_eq "$(lg event proto bytes_up bytes_down)" \
    "flow http $((${3:-0} + ${4:-0})) $((${5:-0} + ${6:-0}))" \
    "the POST's record counts its head and body each way"
curl_w -w '%{http_code}' -x "http://127.0.0.1:$P" -H 'Transfer-Encoding: chunked' \
    --data-binary "@$T_DIR/post.bin" "http://web.test:$WEB/echo"
t_eq "$CRC:$CW" "0:200" "forwarding a POST with a chunked body"
cmp -s "$T_DIR/post.bin" "$T_DIR/cbody"
t_ok $? "the chunked body reaches the origin intact (echoed back)"

# Two requests on one kept-alive connection: each goes through the ACL.
rq "esc:GET http://web.test:$WEB/hello.txt HTTP/1.1\r\nHost: web.test:$WEB\r\n\r\nGET http://echo.test:$WEB/hello.txt HTTP/1.1\r\nHost: echo.test:$WEB\r\n\r\n"
tr -d '\r' <"$T_DIR/reply" | grep '^HTTP/' >"$T_DIR/lines"
t_eq "$(cat "$T_DIR/lines" | tr '\n' '|')" \
    "HTTP/1.1 200 OK|HTTP/1.1 403 Forbidden|" \
    "keep-alive: the second request, to a host not allowed, gets 403"
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" all --client "$CL" event proto host reason | tr '\n' '|')" \
    "flow http web.test null|deny http echo.test not_allowed|" \
    "keep-alive: one record per request"

survived "curl and forwarding"

# ---- CONNECT with exact bytes: the 200 line, bytes after the head
rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\nhello" shut
t_eq "$(od -An -c "$T_DIR/reply" | tr -s ' \n' ' ')" \
    "$(printf 'HTTP/1.1 200 Connection established\r\n\r\nhello' | od -An -c | tr -s ' \n' ' ')" \
    "CONNECT 1.1: exactly 'HTTP/1.1 200 Connection established', empty line, the echo of bytes sent with the head"
t_eq "$END" eof "CONNECT: the tunnel passes the half-close back"
t_eq "$(lg event proto bytes_up bytes_down)" "flow connect 5 5" \
    "CONNECT: bytes sent after the head are counted as payload"
rq "esc:CONNECT echo.test:$ECHO HTTP/1.0\r\n\r\nhi" shut
t_eq "$(od -An -c "$T_DIR/reply" | tr -s ' \n' ' ')" \
    "$(printf 'HTTP/1.0 200 Connection established\r\n\r\nhi' | od -An -c | tr -s ' \n' ' ')" \
    "CONNECT 1.0: the reply is 'HTTP/1.0 200 Connection established'"
rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\nHost: echo.test:$ECHO\r\nUser-Agent: t\r\n\r\n" "esc:more" shut
t_eq "$ST:$(body)" "HTTP/1.1 200 Connection established:more" \
    "CONNECT with a Host header and a body sent after the 200"

survived "CONNECT with exact bytes"

# ---- 403: not allowed, with the reason in a short plain-text body
rq "esc:CONNECT echo.test:$WEB HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "a port not allowed for the name: 403"
t_has "not_allowed" "$T_DIR/reply" "the 403 body names the reason"
t_eq "$(lg event proto host port addr rule entry reason bytes_up bytes_down)" \
    "deny connect echo.test $WEB null null null not_allowed 0 0" \
    "the deny record: reason not_allowed, no rule"
rq "esc:GET http://127.0.0.2:$ECHO/ HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "forwarding to an IP not allowed: 403"
t_eq "$(lg event proto host reason)" "deny http 127.0.0.2 not_allowed" \
    "forwarding deny record"

# A client that half-closes right after its request (like printf | nc -N)
# still gets its answer.  The race is timing-dependent: 10 tries each.
halfclosed() {	# halfclosed WANT-STATUS DESCRIPTION STEP
	n=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rq "$3" shut
		[ "$ST" = "$1" ] && n=$((n + 1))
	done
	t_eq "$n" 10 "a client that half-closes after $2 still gets '$1' (of 10 tries)"
}
halfclosed "HTTP/1.1 403 Forbidden" "a denied GET" \
    "esc:GET http://echo.test:$WEB/ HTTP/1.1\r\nHost: echo.test\r\n\r\n"
halfclosed "HTTP/1.1 200 OK" "GET /healthz" "esc:GET /healthz HTTP/1.1\r\n\r\n"
halfclosed "HTTP/1.1 400 Bad Request" "a malformed request" \
    "esc:GET http://web.test:$WEB/ HTTP/1.1\r\nX: a\x01\r\n\r\n"
halfclosed "HTTP/1.1 403 Forbidden" "a denied CONNECT" \
    "esc:CONNECT echo.test:$WEB HTTP/1.1\r\n\r\n"
survived "403 not allowed"

# ---- wildcards, end to end: *.a.test
for name in b.a.test c.b.a.test; do
	rq "esc:CONNECT $name:$ECHO HTTP/1.1\r\n\r\nping" shut
	t_eq "$ST:$(body)" "HTTP/1.1 200 Connection established:ping" \
	    "*.a.test allows $name"
	t_eq "$(lg event rule entry addr)" "flow echo *.a.test 127.0.0.1" \
	    "$name: logged with entry *.a.test"
done
for name in a.test xa.test; do
	rq "esc:CONNECT $name:$ECHO HTTP/1.1\r\n\r\n"
	t_eq "$ST" "HTTP/1.1 403 Forbidden" "*.a.test does not allow $name"
	t_eq "$(lg event reason)" "deny not_allowed" "$name: deny not_allowed"
done
sleep 0.3	# dnsmasq writes its log a little later
grep -qi -e ' a\.test from' -e ' xa\.test from' "$T_DIR/dns.log"
t_ok $((!$?)) "names no rule allows are never looked up"
# (evdns mixes the case of the names it asks: 0x20 hardening)
grep -qi 'query\[A\] c\.b\.a\.test ' "$T_DIR/dns.log"
t_okd $? "an allowed name is looked up through [dns] servers" \
    "$(tail -n 5 "$T_DIR/dns.log")"

survived "wildcards"

# ---- rebinding: an allowed name resolving into the private ranges
rq "esc:CONNECT private.test:$ECHO HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "a name resolving to 127.0.0.5 is refused (deny_private)"
t_eq "$(lg event reason addr)" "deny private_address 127.0.0.5" \
    "rebinding: deny private_address, addr is the refused address"
rq "esc:GET http://private.test:$ECHO/ HTTP/1.1\r\nHost: private.test:$ECHO\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "forwarding to the rebinding name: 403"

survived "rebinding"

# ---- a rule's own clients
rq "esc:CONNECT only2.test:$ECHO HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "a rule for client 127.0.0.2 does not match 127.0.0.1"
t_eq "$(lg event reason)" "deny not_allowed" \
    "a rule whose clients exclude the client: not_allowed"
RAW_BIND=127.0.0.2 rq "esc:CONNECT only2.test:$ECHO HTTP/1.1\r\n\r\nyo" shut
t_eq "$ST:$(body)" "HTTP/1.1 200 Connection established:yo" \
    "the same rule lets client 127.0.0.2 through"
t_eq "$(lg event rule)" "flow only2" "client 127.0.0.2: logged with rule only2"

survived "a rule's own clients"

# ---- 400: malformed requests are never looked up or forwarded
check400() {	# check400 DESCRIPTION STEP
	rq "$2"
	t_eq "$ST" "HTTP/1.1 400 Bad Request" "400: $1"
	t_eq "$(lg event reason)" "deny bad_request" "400 logged as bad_request: $1"
}
check400 "CONNECT to host 0x7f.1" "esc:CONNECT 0x7f.1:$ECHO HTTP/1.1\r\n\r\n"
t_eq "$(lg host)" "0x7f.1" "the malformed host is logged as written"
check400 "CONNECT to host 2130706433" "esc:CONNECT 2130706433:$ECHO HTTP/1.1\r\n\r\n"
check400 "CONNECT to 127.1" "esc:CONNECT 127.1:$ECHO HTTP/1.1\r\n\r\n"
check400 "CONNECT without a port" "esc:CONNECT echo.test HTTP/1.1\r\n\r\n"
GETW="GET http://web.test:$WEB/hello.txt HTTP/1.1\r\nHost: web.test:$WEB\r\n"
check400 "Content-Length with Transfer-Encoding" \
    "esc:${GETW}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
check400 "two differing Content-Lengths" \
    "esc:${GETW}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
check400 "obs-fold" "esc:${GETW}X-Folded: a\r\n  b\r\n\r\n"
check400 "a control byte in a header" "esc:${GETW}X-Ctl: a\x01b\r\n\r\n"
check400 "a NUL in a header" "esc:${GETW}X-Nul: a\x00b\r\n\r\n"
check400 "a space before the colon" "esc:${GETW}X-Bad : a\r\n\r\n"
check400 "a user@ in the URL" \
    "esc:GET http://u:p@web.test:$WEB/ HTTP/1.1\r\nHost: web.test\r\n\r\n"
check400 "HTTP/2.0 as version" "esc:GET http://web.test:$WEB/ HTTP/2.0\r\n\r\n"
grep -qi '0x7f\|2130706433\|127\.1 ' "$T_DIR/dns.log"
t_ok $((!$?)) "malformed hosts are never looked up"

survived "malformed requests (400)"

# ---- 404, 405, 431
rq "esc:GET /other HTTP/1.1\r\nHost: 127.0.0.1:$P\r\n\r\n"
t_eq "$ST" "HTTP/1.1 404 Not Found" "GET /other on the proxy itself: 404"
t_eq "$(lg event)" "deny" "the 404 is logged as a deny"
rq "esc:POST /healthz HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nContent-Length: 0\r\n\r\n"
t_eq "$ST" "HTTP/1.1 405 Method Not Allowed" "POST /healthz: 405"
rq "esc:GET http://web.test:$WEB/ HTTP/1.1\r\nX-Big: " "rep:5000:a" "esc:\r\n\r\n"
t_eq "$ST" "HTTP/1.1 431 Request Header Fields Too Large" \
    "a head over max_header_bytes (4k): 431"
t_eq "$(lg event reason)" "deny bad_request" "the 431 is logged as bad_request"
rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\nX-Big: " "rep:5000:a" "esc:\r\n\r\n"
t_eq "$ST" "HTTP/1.1 431 Request Header Fields Too Large" \
    "a CONNECT head over max_header_bytes: 431"

survived "404, 405, 431"

# ---- 502 and 504: allowed, then failed
rq "esc:CONNECT nx.test:$ECHO HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 502 Bad Gateway" "an allowed name that is NXDOMAIN: 502"
t_eq "$(lg event reason addr)" "error dns_error null" "NXDOMAIN: error dns_error"
rq "esc:CONNECT closed.test:$CLOSED HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 502 Bad Gateway" "connection refused: 502"
t_eq "$(lg event reason addr)" "error connect_failed 127.0.0.1" \
    "connection refused: error connect_failed, addr tried"
rq "esc:GET http://closed.test:$CLOSED/ HTTP/1.1\r\nHost: closed.test:$CLOSED\r\n\r\n"
t_eq "$ST" "HTTP/1.1 502 Bad Gateway" "forwarding to a refused port: 502"
# $HANG (lib.sh): a listener with backlog 0 and its queue full
grep -q '^ready' "$T_DIR/hole.out"
t_okd $? "a loopback port where connects hang (backlog 0, queue full)" \
    "$(cat "$T_DIR/hole.out" "$T_DIR/hole.out.err")"
rq "esc:CONNECT hang.test:$HANG HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 504 Gateway Timeout" "a connect that hangs: 504 after connect_timeout"
el=$(sed -n 's/.*elapsed=\([0-9]*\)\.\([0-9]\).*/\1\2/p' "$T_DIR/ri")	# tenths
[ "${el:-99}" -ge 9 ] && [ "${el:-99}" -le 30 ]
t_ok $? "the 504 comes after connect_timeout = 1s (took $(sed -n 's/.*elapsed=//p' "$T_DIR/ri") s)"
t_eq "$(lg event reason addr)" "error timeout 127.0.0.1" "connect timeout: error timeout"
# The client stays watched while pinhole connects: bytes and its end that
# come meanwhile wait for the reply, and do not end the session early.
rq "esc:CONNECT hang.test:$HANG HTTP/1.1\r\n\r\n" sleep:0.3 esc:early shut
t_eq "$ST:$END" "HTTP/1.1 504 Gateway Timeout:eof" \
    "a client that sends bytes and half-closes while the connect hangs still gets its 504"
t_eq "$(lg event reason)" "error timeout" "... logged as the connect timeout"

survived "502 and 504"

# ---- /healthz and /proxy.pac on the proxy port
curl_w -w '%{http_code}' "http://127.0.0.1:$P/healthz"
code=$CW
t_eq "$code" 200 "GET /healthz: 200"
printf 'ok\n' | cmp -s - "$T_DIR/cbody"
t_ok $? "GET /healthz: the body is exactly ok and a newline"
curl_w -w '%{http_code}' "http://[::1]:$P/healthz"
code=$CW
t_eq "$code:$(cat "$T_DIR/cbody")" "200:ok" "GET /healthz on [::1]"
rq "esc:HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1:$P\r\n\r\n"
t_eq "$ST:$(body | wc -c)" "HTTP/1.1 200 OK:0" "HEAD /healthz: 200, no body"
curl_w -w '%{http_code}' "http://127.0.0.1:$P/proxy.pac"
code=$CW
t_eq "$code" 200 "GET /proxy.pac: 200"
grep -qi '^Content-Type: application/x-ns-proxy-autoconfig' "$T_DIR/chead"
t_ok $? "the PAC's Content-Type is application/x-ns-proxy-autoconfig"
t_has 'function FindProxyForURL(url, host)' "$T_DIR/cbody" "the PAC defines FindProxyForURL"
t_has 'dnsDomainIs(host, ".a.test")' "$T_DIR/cbody" "the PAC tests *.a.test with dnsDomainIs"
t_has 'host == "echo.test"' "$T_DIR/cbody" "the PAC names echo.test"
t_has "PROXY 127.0.0.1:$P" "$T_DIR/cbody" "the PAC's proxy is the host and port it was fetched from"
t_has 'DIRECT' "$T_DIR/cbody" "the PAC sends everything else DIRECT"
grep -q 'only2\.test' "$T_DIR/cbody"
t_ok $((!$?)) "the PAC leaves out a rule the client may not use"
curl_w -w '%{http_code}' --interface 127.0.0.2 "http://127.0.0.1:$P/proxy.pac"
code=$CW
t_eq "$code" 200 "GET /proxy.pac from 127.0.0.2: 200"
t_has 'host == "only2.test"' "$T_DIR/cbody" "the PAC for 127.0.0.2 names only2.test"

survived "/healthz and /proxy.pac"

# ---- half-close and exact byte counts through CONNECT
up halfclose.py
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via connect \
    --dest "echo.test:$ECHO" --bytes 1048576 --tag "$T_DIR/tag")
t_eq "$out" "ok sent=1048576 received=1048576" \
    "CONNECT: 1 MB, half-close, all 1 MB echoed back"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg bytes_up bytes_down)" "1048576 1048576" "CONNECT 1 MB: bytes_up/bytes_down exact"
up halfclose.py
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via connect \
    --dest "echo.test:$ECHO" --bytes 12345 --write-size 1000 --tag "$T_DIR/tag")
t_eq "$out" "ok sent=12345 received=12345" "CONNECT: 12345 bytes echoed"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg event proto host port addr rule entry reason bytes_up bytes_down sni)" \
    "flow connect echo.test $ECHO 127.0.0.1 echo echo.test null 12345 12345 null" \
    "CONNECT 12345 bytes: the record counts exactly 12345 each way, sni null"
t_eq "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" all --client "$CL" event | wc -l)" 1 \
    "one tunnel, one record"
up halfclose.py
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via connect10 \
    --dest "echo6.test:$ECHO" --bytes 100000 --tag "$T_DIR/tag")
t_eq "$out" "ok sent=100000 received=100000" "CONNECT 1.0 to a name on ::1"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg addr bytes_up)" "::1 100000" "the record's addr is ::1"
up halfclose.py
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "[::1]:$P" --via connect \
    --dest "[::1]:$ECHO" --bytes 5000 --tag "$T_DIR/tag")
t_eq "$out" "ok sent=5000 received=5000" "CONNECT [::1]:port through the [::1] listener"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg host addr entry)" "::1 ::1 ::1" "an IPv6 literal: host, addr and entry ::1"

survived "half-close through CONNECT"

# ---- SNI: a TLS ClientHello at the start of the tunnel, in pieces
up halfclose.py
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via connect \
    --dest "echo.test:$ECHO" --clienthello sni.test --write-size 40 \
    --pause 0.01 --tag "$T_DIR/tag")
t_eq "${out%% *}" ok "a ClientHello written 40 bytes at a time goes through"
CL=$(cat "$T_DIR/tag")
t_eq "$(lg sni)" "sni.test" "the record's sni is the ClientHello's server_name"
up halfclose.py
out=$("$T_PY" "$T_TOOLS/halfclose.py" --proxy "127.0.0.1:$P" --via connect \
    --dest "echo.test:$ECHO" --clienthello Mixed.Case.test --tag "$T_DIR/tag")
CL=$(cat "$T_DIR/tag")
t_eq "${out%% *}:$(lg sni)" "ok:Mixed.Case.test" "a ClientHello in one write: sni as sent"

survived "SNI"

# ---- garbage first bytes: closed, deny bad_request
for g in 00ff 160301 ffffffff; do
	"$T_PY" "$T_TOOLS/raw_client.py" --info "$T_DIR/ri" 127.0.0.1 "$P" \
	    "hex:$g" >"$T_DIR/hex" 2>/dev/null
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	END=$(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	t_eq "$(cat "$T_DIR/hex"):$(echo "$END" | sed 's/reset/eof/')" ":eof" \
	    "first bytes $g: closed without a reply"
	t_eq "$(lg event reason proto host)" "deny bad_request null null" \
	    "first bytes $g: deny bad_request"
done

survived "garbage first bytes"

# ---- a second pinhole at max_connections_per_client = 3: 503
LOG_B=$T_DIR/flows-b.jsonl
P2=$(t_free_ports 1)	# taken late: fewer races with other tests
t_proxy_conf "$T_DIR/b.ini" "$P2" "$LOG_B" "max_connections_per_client = 3"
t_start_pinhole "$T_DIR/b.ini" "$T_DIR/b.err" "$P2"
t_ok $? "pinhole with max_connections_per_client = 3 started"
B_PID=$PH_PID
LG_PID=$B_PID
t_bg "$T_DIR/idle.out" "$T_PY" "$T_TOOLS/idle_conns.py" \
    --connect "127.0.0.1:$P2" --count 3 --until "$T_DIR/idle.go" --max-hold 20
IDLE_PID=$T_BG_PID
t_wait_grep "$T_DIR/idle.out" '^open 3' 1 50
t_ok $? "3 idle connections open"
RAW_PORT=$P2 rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 503 Service Unavailable" "the 4th connection of a client: 503"
RLOG=$LOG_B
t_eq "$(lg event reason host)" "deny limit echo.test" "the 503 is logged: deny limit"
RAW_PORT=$P2 RAW_BIND=127.0.0.2 rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\nx" shut
t_eq "$ST:$(body)" "HTTP/1.1 200 Connection established:x" \
    "another client address is not limited meanwhile"
touch "$T_DIR/idle.go"
t_wait_exit "$IDLE_PID" 100
t_eq "$(cat "$T_DIR/idle.out" | tail -n 1)" "still-open 3 of 3" \
    "the idle connections stayed open"
sleep 0.2
RAW_PORT=$P2 rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\nagain" shut
t_eq "$ST:$(body)" "HTTP/1.1 200 Connection established:again" \
    "once they close, the client is served again"
# A tunnel whose client sends bytes and half-closes while pinhole is
# still connecting (default connect_timeout): the hanging port starts
# serving, the kernel's next SYN gets through, and the tunnel carries
# the bytes read during the connect and then the end.
RAW_PORT=$P2 RAW_BIND=127.0.0.3 \
    rq "esc:CONNECT hang.test:$HANG HTTP/1.1\r\n\r\n" sleep:0.3 esc:early \
    shut &
RQ_PID=$!
i=0
while [ $i -lt 50 ] && [ -z "$(ss -Htn state syn-sent "dport = :$HANG")" ]; do
	sleep 0.1
	i=$((i + 1))
done
t_ok $([ $i -lt 50 ]; echo $?) "pinhole's connect to the hanging port waits (SYN-SENT)"
sleep 0.5	# the bytes and the end come during the connect
touch "$T_DIR/hole.serve"
t_wait_exit "$RQ_PID" 100
ST=$(head -n 1 "$T_DIR/reply" | tr -d '\r')
END=$(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
t_eq "$ST:$(body):$END" "HTTP/1.1 200 Connection established:early:eof" \
    "a client that half-closes while pinhole connects still gets its tunnel, its bytes and the end"
CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
t_eq "$(lg event host bytes_up bytes_down)" "flow hang.test 5 5" \
    "... one flow record, 5 bytes each way"
RLOG=
t_stop_pinhole "$B_PID" "$T_DIR/b.err" "limit pinhole"
LG_PID=$T_MAIN_PID

# ---- a third pinhole for clients 127.0.0.2/32 only
LOG_C=$T_DIR/flows-c.jsonl
P3=$(t_free_ports 1)	# taken late: fewer races with other tests
CLIENTS=127.0.0.2/32 t_proxy_conf "$T_DIR/c.ini" "$P3" "$LOG_C"
# A rule of 151 names: its PAC is larger than the 2 KiB a response is
# put together in, so the body follows the head in a write of its own.
{
	printf '\n[allow many]\nhosts = '
	i=1
	while [ $i -le 150 ]; do
		printf 'h%03d.many.test, ' $i
		i=$((i + 1))
	done
	printf 'last.many.test\nports = 443\n'
} >>"$T_DIR/c.ini"
t_start_pinhole "$T_DIR/c.ini" "$T_DIR/c.err" "$P3"
t_ok $? "pinhole with clients = 127.0.0.2/32 started"
C_PID=$PH_PID
LG_PID=$C_PID
RLOG=$LOG_C
RAW_PORT=$P3 rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "a client outside [proxy] clients: 403"
t_has "client_not_allowed" "$T_DIR/reply" "the 403 body names client_not_allowed"
t_eq "$(lg event reason)" "deny client_not_allowed" "logged as client_not_allowed"
RAW_PORT=$P3 rq "esc:GET /healthz HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "/healthz for a client outside [proxy] clients: 403"
t_eq "$(lg event reason)" "deny client_not_allowed" "the refused /healthz is logged"
RAW_PORT=$P3 rq "esc:GET /proxy.pac HTTP/1.1\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "/proxy.pac for a client outside [proxy] clients: 403"
RAW_PORT=$P3 rq "esc:GET http://web.test:$WEB/hello.txt HTTP/1.1\r\nHost: web.test\r\n\r\n"
t_eq "$ST" "HTTP/1.1 403 Forbidden" "forwarding for a client outside [proxy] clients: 403"
RAW_PORT=$P3 RAW_BIND=127.0.0.2 rq "esc:CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\nok" shut
t_eq "$ST:$(body)" "HTTP/1.1 200 Connection established:ok" \
    "client 127.0.0.2 is served"
RAW_PORT=$P3 RAW_BIND=127.0.0.2 rq "esc:GET /proxy.pac HTTP/1.1\r\n\r\n"
len=$(tr -d '\r' <"$T_DIR/reply" | sed -n 's/^Content-Length: //p')
t_eq "$ST:$(body | wc -c | tr -d ' '):$(body | grep -o '[a-z0-9]*\.many\.test' |
    sort -u | wc -l | tr -d ' ')" "HTTP/1.1 200 OK:$len:151" \
    "a PAC over 2 KiB ($len bytes) comes whole, with the 151 names of its rule"
[ "${len:-0}" -gt 2048 ]
t_ok $? "... and it is over 2 KiB"
RLOG=
t_stop_pinhole "$C_PID" "$T_DIR/c.err" "clients pinhole"
LG_PID=$T_MAIN_PID

# ---- the log, whole: one JSON object a line, every field present
for f in "$LOG" "$LOG_B" "$LOG_C"; do
	out=$("$T_PY" "$T_TOOLS/flowlog.py" "$f" check)
	t_eq "${out%% *}" ok "$(basename "$f"): every line is a record with every field ($out)"
done
for pr in connect http; do
	n=$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" count proto=$pr event=flow)
	[ "$n" -ge 1 ]
	t_ok $? "the log has flow records with proto $pr ($n)"
done

! t_gone "$T_MAIN_PID"
t_ok $? "pinhole is still running after all of the above"
t_stop_pinhole "$T_MAIN_PID" "$T_DIR/http.err" "main pinhole"
t_done
