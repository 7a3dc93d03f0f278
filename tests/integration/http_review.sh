#!/bin/sh
# HTTP forwarding against what an outside review tried (issue 15): a
# framing header named in Connection (a request smuggled in a body), an
# origin streaming 1xx heads to a client that does not read, a chunked
# response to an HTTP/1.0 client, and clients that read slowly (every
# byte of the response reaches them, and the record counts what did).
#
# Run as root, the script runs itself in a network namespace of its own
# with small TCP buffers: the kernel then holds little of a response, so
# what pinhole itself still has to write is what a slow client waits
# for, on any machine.  Elsewhere the same checks run on the host's
# loopback.
if [ -z "${HTTP_REVIEW_NETNS:-}" ] && [ "$(id -u)" = 0 ] &&
    command -v ip >/dev/null && unshare -n true 2>/dev/null; then
	HTTP_REVIEW_NETNS=1 exec unshare -n sh -c '
	    ip link set lo up || exit 1
	    { echo "4096 16384 65536" >/proc/sys/net/ipv4/tcp_wmem &&
	    echo "4096 65536 131072" >/proc/sys/net/ipv4/tcp_rmem; } \
	        2>/dev/null || echo "# cannot make the TCP buffers small"
	    exec sh "$0"' "$0"
fi
. tests/integration/lib.sh

[ -n "${HTTP_REVIEW_NETNS:-}" ] ||
    echo "# not in a network namespace: the slow-client checks may pass on a pinhole that truncates"
ports=$(t_free_ports 3) || { echo "Bail out! no free ports"; exit 1; }
set -- $ports
P=$1 ORIG=$2 NODNS=$3
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/review.ini
t_bg "$T_DIR/origin.out" "$T_PY" "$T_TOOLS/review_origin.py" \
    --port "$ORIG" --lifetime 300
t_wait_port "$ORIG" 1 100 "$T_BG_PID" ||
    { echo "Bail out! the origin did not start"; exit 1; }
cat >"$CONF" <<EOF
[proxy]
listen = 127.0.0.1:$P, [::1]:$P
clients = 127.0.0.0/8
workers = 1
handshake_timeout = 1s
idle_timeout = 5s

[acl]
deny_private = yes

[allow origin]
nets = 127.0.0.1
ports = $ORIG
allow_private = yes

[cache]
dir = $T_DIR/cache

[dns]
servers = 127.0.0.1:$NODNS
hosts_file =

[log]
access = $LOG

[admin]
listen =
EOF
t_main_start "$CONF" "$T_DIR/review.err" "$P"
t_okd $? "pinhole listens on 127.0.0.1:$P" \
    "$(head -c 2000 "$T_DIR/review.err")" || { echo "Bail out!"; exit 1; }
URL=http://127.0.0.1:$ORIG

# raw_client.py against pinhole: the reply to $T_DIR/reply, its status
# line to ST, the client's ip:port to CL, how it ended to END.
rq() {
	t_main_up "$1"
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --info "$T_DIR/ri" \
	    127.0.0.1 "$P" "$@" >"$T_DIR/reply" 2>/dev/null
	ST=$(head -n 1 "$T_DIR/reply" | tr -d '\r')
	CL=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
	END=$(sed -n 's/.* end=\([^ ]*\) .*/\1/p' "$T_DIR/ri")
}
lg() {
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 --client "$CL" "$@"
}
# The head of the reply in $T_DIR/reply, CRs out; the body to $T_DIR/body.
split_reply() {
	"$T_PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\r\n\r\n")
open(sys.argv[2], "wb").write(d[i + 4:] if i >= 0 else b"")
sys.stdout.write(d[:i].decode("latin-1").replace("\r", ""))' \
	    "$T_DIR/reply" "$T_DIR/body"
}
# The origin saw a request for PATH?
origin_saw() {	# origin_saw PATH
	grep -q "^request [A-Z]* $1\$" "$T_DIR/origin.out"
}

# ---- 2. A framing header named in Connection: refused, never relayed
# The origin would read the request without its length and the body as
# a request of its own, to a host never checked.
SMUGGLED="GET /smuggled-cl HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
rq "esc:POST $URL/post HTTP/1.1\r\nHost: 127.0.0.1:$ORIG\r\nConnection: content-length\r\nContent-Length: 45\r\n\r\n$SMUGGLED"
t_eq "$ST" "HTTP/1.1 400 Bad Request" \
    "Connection: content-length on a request with a body: 400"
t_eq "$(lg event proto reason bytes_up bytes_down)" \
    "deny http bad_request 0 0" "its record: deny, bad_request"
rq "esc:POST $URL/post HTTP/1.1\r\nHost: 127.0.0.1:$ORIG\r\nConnection: keep-alive, Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n2d\r\nGET /smuggled-te HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\r\n0\r\n\r\n"
t_eq "$ST" "HTTP/1.1 400 Bad Request" \
    "Connection naming Transfer-Encoding on a chunked request: 400"
rq "esc:GET $URL/plain HTTP/1.1\r\nConnection: Content-Length\r\n\r\n"
t_eq "$ST" "HTTP/1.1 400 Bad Request" \
    "Connection naming Content-Length on a request without one: 400"
sleep 0.3	# what the origin was sent has reached it
origin_saw /smuggled-cl || origin_saw /smuggled-te || origin_saw /post ||
    origin_saw /plain
t_ok $((!$?)) "none of these requests, nor what their bodies held, reached the origin"
# The same from the origin: pinhole would drop the length it frames by.
rq "esc:GET $URL/connlen HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
t_eq "$ST:$END" "HTTP/1.1 502 Bad Gateway:eof" \
    "a response whose Connection names Content-Length: 502"
rq "esc:GET $URL/connte HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
t_eq "$ST:$END" "HTTP/1.1 502 Bad Gateway:eof" \
    "a response whose Connection names Transfer-Encoding: 502"
t_eq "$(lg event proto reason)" "error http bad_response" \
    "its record: error, the origin's answer unusable"
rq "esc:GET $URL/ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, X-Other\r\n\r\n"
t_eq "$ST:$(tail -c 3 "$T_DIR/reply")" "HTTP/1.1 200 OK:ok" \
    "Connection naming other fields still works"
t_main_survived "framing headers named in Connection"

# ---- 3. 1xx heads count against the buffer bound
# The origin sends 102 heads for 4 s to a client that reads nothing.
rss() {	# pinhole's resident memory, kB
	sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$T_MAIN_PID/status"
}
t_main_up "1xx flood"
"$T_PY" "$T_TOOLS/raw_client.py" --timeout 1 127.0.0.1 "$P" \
    "esc:GET $URL/interim/4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" \
    sleep:4.5 >/dev/null 2>&1 &
FLOOD=$!
T_PIDS="$T_PIDS $FLOOD"
sleep 0.5
before=$(rss)
sleep 3
after=$(rss)
t_wait_exit "$FLOOD" 100
t_wait_grep "$T_DIR/origin.out" '^interim ' 1 50
sent=$(sed -n 's/^interim \([0-9]*\) bytes/\1/p' "$T_DIR/origin.out" | tail -n 1)
echo "# VmRSS $before kB, 3 s later $after kB; the origin sent $sent bytes"
t_okd $(( ${after:-0} - ${before:-0} > 32768 )) \
    "1xx heads to a client that does not read: pinhole grows by less than 32 MB" \
    "VmRSS $before kB, 3 s later $after kB"
t_okd $(( ${sent:-999999999} > 8388608 )) \
    "pinhole stops reading the origin's 1xx heads: it took less than 8 MB" \
    "the origin sent $sent bytes"
t_main_survived "a 1xx flood"

# ---- 9. A chunked response to an HTTP/1.0 client: de-chunked, closed
"$T_PY" -c 'import sys
sys.stdout.write("".join("line %d\n" % i for i in range(1000)))' \
    >"$T_DIR/lines.txt"
rq "esc:GET $URL/chunked HTTP/1.0\r\n\r\n"
head=$(split_reply)
t_eq "$ST" "HTTP/1.1 200 OK" "HTTP/1.0 client of a chunked origin: 200"
printf '%s\n' "$head" | grep -qi '^Transfer-Encoding'
t_okd $((!$?)) "it gets no Transfer-Encoding" "$head"
printf '%s\n' "$head" | grep -qx 'Connection: close'
t_okd $? "it gets Connection: close" "$head"
cmp -s "$T_DIR/lines.txt" "$T_DIR/body"
t_okd $? "it gets the body de-chunked, byte for byte, then the close ($END)" \
    "$(head -c 200 "$T_DIR/body")"
t_eq "$END" eof "the body ends with the connection"
t_eq "$(lg event proto bytes_down)" "flow http $(wc -c <"$T_DIR/reply")" \
    "its record counts the bytes the client got"
rq "esc:GET $URL/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
head=$(split_reply)
printf '%s\n' "$head" | grep -qx 'Transfer-Encoding: chunked'
t_okd $? "an HTTP/1.1 client still gets the chunks as they are" "$head"
t_eq "$(head -c 12 "$T_DIR/body" | od -An -c | tr -s ' \n' ' ')" \
    "$(printf '1\r\nl\r\na\r\nine' | od -An -c | tr -s ' \n' ' ')" \
    "the 1.1 body starts with the origin's first chunks"
rq "esc:GET $URL/continue HTTP/1.0\r\n\r\n"
t_eq "$(tr -d '\r' <"$T_DIR/reply" | grep -c '^HTTP/')" 1 \
    "an HTTP/1.0 client gets no 1xx head, only the final response"
t_eq "$ST" "HTTP/1.1 200 OK" "and that is the 200"
t_main_survived "HTTP/1.0 clients"

# ---- 10. A slow client gets every byte, and the record counts them
# The client reads quickly until 200 kB are left, then reads nothing
# for longer than the close timer (2 s) or handshake_timeout (1 s), then
# reads the rest.  pinhole got the whole response from the origin while
# the client was stalled.
slow() {	# slow TAG ARGS...: slow_reader.py; its line to SR, CL
	t_main_up "slow reader $1"
	shift
	SR=$("$T_PY" "$T_TOOLS/slow_reader.py" --proxy "127.0.0.1:$P" \
	    --rcvbuf 16384 --chunk 65536 --interval 0.01 --max 20 "$@")
	CL=$(printf '%s\n' "$SR" | sed -n 's/^local=\([^ ]*\) .*/\1/p')
	GOT=$(printf '%s\n' "$SR" | sed -n 's/.* got=\([0-9]*\) .*/\1/p')
}
N=1000000
slow close --url "$URL/close/$N" --fast-until $((N - 200000)) --pause 3
t_eq "$(printf '%s\n' "$SR" | sed 's/^[^ ]* got=[0-9]* head=[0-9]* //')" \
    "body=$N pattern=ok end=eof" \
    "a response that ends by the close: a client stalled 3 s gets all $N bytes"
t_eq "$(lg event bytes_down)" "flow $GOT" \
    "its record's bytes_down is what the client got ($GOT)"
slow keepalive --url "$URL/length/$N" --fast-until $((N - 200000)) \
    --pause 2.5
t_eq "$(printf '%s\n' "$SR" | sed 's/^[^ ]* got=[0-9]* head=[0-9]* //')" \
    "body=$N pattern=ok end=eof" \
    "a kept-alive response: a client stalled past handshake_timeout gets all $N bytes"
t_eq "$(lg event bytes_down)" "flow $GOT" \
    "its record's bytes_down is what the client got ($GOT)"
# An origin that answers before the request's body is all there: the
# client gets the whole answer while the rest of its body is read away.
rq "esc:POST $URL/early/300000 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n" \
    sleep:0.5 "rep:200000:0123456789"
split_reply >/dev/null
t_eq "$ST:$(wc -c <"$T_DIR/body"):$END" "HTTP/1.1 200 OK:300000:eof" \
    "an answer sent before the request's body ends reaches the client whole"
t_eq "$(lg event bytes_down)" "flow $(wc -c <"$T_DIR/reply")" \
    "its record's bytes_down is what the client got"
# A client that stops reading: idle_timeout (5 s) ends the flow, and
# the record counts what reached the client, not what was queued.
slow idle --url "$URL/close/8000000" --stall 6.5
t_eq "$(printf '%s\n' "$SR" | sed 's/.* end=//')" eof \
    "a client that stops reading is closed after idle_timeout"
t_eq "$(lg event reason bytes_down)" "flow idle_timeout $GOT" \
    "its record's bytes_down is what reached the client ($GOT), not what was queued"
t_main_survived "slow clients"

t_stop_pinhole "$T_MAIN_PID" "$T_DIR/review.err" "review"
t_done
