#!/bin/sh
# An origin whose answer cannot be read as HTTP: the record says so
# (error, bad_response), counts every byte that crossed (a client may not
# hide a million-byte upload behind a bad answer), and the client gets
# 502 when nothing of the answer reached it yet, or the bytes that did,
# as the record counts them.  The pcap draws only what reached the
# client's socket: never an answer's head that pinhole queued and then
# dropped for its 502, and never more than the record counts.
. tests/integration/lib.sh

t_proxy_world_or_bail
ORIGIN=$(t_free_ports 1)
t_bg "$T_DIR/origin.out" "$T_PY" "$T_TOOLS/review_origin.py" --port "$ORIGIN"
t_wait_grep "$T_DIR/origin.out" '^ready' 1 50
t_ok $? "an origin on 127.0.0.1:$ORIGIN"
LOG=$T_DIR/flows.jsonl
PCAP=$T_DIR/flows.pcap
ERR=$T_DIR/bad.err
CONF=$T_DIR/bad.ini
t_proxy_conf "$CONF" "$P" "$LOG"
sed -i "s|^\[log\]\$|[log]\\npcap = $PCAP|" "$CONF"
cat >>"$CONF" <<EOC

[allow origin]
hosts = web.test
ports = $ORIGIN
allow_private = yes
EOC
t_main_start "$CONF" "$ERR" "$P"
t_ok $? "pinhole started"

# get PATH [CURL-ARGS...]: curl through pinhole; its status code to
# $T_DIR/code, its body to $T_DIR/body, its address to $T_DIR/cl.
get() {
	path=$1
	shift
	t_main_up "GET $path"
	curl -s -m 10 -o "$T_DIR/body" -w '%{http_code} %{local_ip}:%{local_port}' \
	    -x "http://127.0.0.1:$P" "$@" "http://web.test:$ORIGIN$path" \
	    >"$T_DIR/w" 2>/dev/null
	cut -d' ' -f1 "$T_DIR/w" >"$T_DIR/code"
	cut -d' ' -f2 "$T_DIR/w" >"$T_DIR/cl"
	echo "$path $(cat "$T_DIR/cl")" >>"$T_DIR/cases"
}
rec() {
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 \
	    --client "$(cat "$T_DIR/cl")" "$@"
}

head -c 1000000 /dev/zero >"$T_DIR/upload"
get /garbage --data-binary "@$T_DIR/upload" -H 'Content-Type: application/x'
t_eq "$(grep -c '^body 1000000$' "$T_DIR/origin.out")" 1 \
    "a POST of 1,000,000 bytes reached the origin whole"
t_eq "$(cat "$T_DIR/code")" 502 "... which answered garbage: the client gets 502"
up=$(rec bytes_up)
t_okd "$([ "${up:-0}" -gt 1000000 ] && echo 0 || echo 1)" \
    "... the record counts the upload (bytes_up over 1,000,000)" "bytes_up: $up"
t_eq "$(rec event reason)" "error bad_response" "... error, bad_response"

for kind in huge neg overrun; do
	get "/badchunk/$kind"
	got=$(wc -c <"$T_DIR/body")
	t_eq "$(cat "$T_DIR/code"):$(rec event reason)" "502:error bad_response" \
	    "broken chunked framing ($kind): 502, error, bad_response"
done
get /short
code=$(cat "$T_DIR/code")
got=$(wc -c <"$T_DIR/body")
t_eq "$(rec event reason)" "error bad_response" \
    "a body cut short by the origin: error, bad_response"
t_okd "$([ "$code" = 502 ] || [ "$got" -lt 100 ] && echo 0 || echo 1)" \
    "... the client gets 502 or fewer than 100 bytes, never a whole answer" \
    "code $code, $got bytes"
# An answer read until the close, cut by the origin's reset after part of
# it went out: the client gets a reset too, never a clean end.
t_main_up "GET /closerst/100000"
curl -s -m 10 -o "$T_DIR/body" -x "http://127.0.0.1:$P" \
    -w '%{local_ip}:%{local_port}' \
    "http://web.test:$ORIGIN/closerst/100000" >"$T_DIR/cl" 2>/dev/null
rc=$?
echo "/closerst/100000 $(cat "$T_DIR/cl")" >>"$T_DIR/cases"
t_okd "$([ "$rc" != 0 ] && echo 0 || echo 1)" \
    "an answer cut by the origin's reset: curl sees the failure, not a clean end" \
    "curl exit $rc, $(wc -c <"$T_DIR/body") bytes"

# The pcap against the records, case by case: the bytes drawn from the
# origin to the client are the record's bytes_down (0 where the client
# got pinhole's 502: the head queued before the broken framing was
# never sent).
t_main_up "the pcap"
kill -USR1 "$T_MAIN_PID"
sleep 0.5
"$T_PY" "$T_TOOLS/pcap_flows.py" scan --fast "$PCAP" >"$T_DIR/sum"
while read -r path cl; do
	down=$("$T_PY" "$T_TOOLS/pcap_flows.py" get "$T_DIR/sum" "$cl" down)
	t_eq "$down" "$("$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --wait 5 \
	    --client "$cl" bytes_down)" \
	    "$path: the pcap draws from the origin what the record counts down ($down)"
done <"$T_DIR/cases"
t_main_up "the end"
t_stop_pinhole "$T_MAIN_PID" "$ERR" "badorigin"
t_done
