#!/bin/sh
# The sha256 pin holds for every version of a list, wherever it comes
# from: a list fetched unpinned, then a pin that its body does not match
# is added to the config.  On SIGHUP the version in force leaves at once
# (it does not wait for a fetch, which is refused too); on a restart the
# cached body is refused; --explain does not use it either.  Each time a
# log line says why, the list's entries are not allowed, /lists/NAME is
# empty and /status names the reason.  The body's own pin puts it back.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_start_dnsmasq
t_ok $? "dnsmasq started"
ports=$(t_free_ports 4) || exit 1
# shellcheck disable=SC2086
set -- $ports
P=$1 VTLS=$2 VPLAIN=$3 ADMIN=$4
vl_certs
vl_ok $? "test CA and server certificates made with openssl" \
    "$(cat "$T_DIR/certs.log")"
vl_start_vendor
t_ok $? "vendor server listens on 127.0.0.1:$VTLS (TLS)"
U=https://127.0.0.1:$VTLS
CA=$T_DIR/certs/ca.crt
VL_ADMIN=127.0.0.1:$ADMIN
CONF=$T_DIR/pin.ini
PIN_MSG="its SHA-256 does not match the sha256 pin"

# conf [PIN-LINE]: the vendor list, pinned or not.
conf() {
	vl_conf "$CONF" vendor <<EOF
[list vendor]
url = $U/v.txt
ca_file = $CA
refresh = 1h
$1
EOF
}

admin() {	# admin PATH: the body, without /lists' '#' lines
	curl -s --max-time 5 "http://127.0.0.1:$ADMIN$1" | grep -v '^#'
}

# gone WHAT: the list's entries are not in force (ACL, /lists, --explain
# is separate).
gone() {
	vl_denied 127.0.0.77 "$2the body that fails the pin is not in force"
	vl_denied 127.0.0.78 "$2... nor its other entry"
	t_eq "$(admin /lists/vendor)" "" "$1: /lists/vendor is empty"
}

vl_serve /v.txt 127.0.0.77 127.0.0.78
good=$(sha256sum "$VL_WWW/_v.txt" | cut -d' ' -f1)
bad=$(printf '127.0.0.77\n' | sha256sum | cut -d' ' -f1)

# ---- fetched without a pin: in force and cached
conf ""
vl_start "$CONF" unpinned
vl_expect "list vendor: 2 entries from $U/v.txt (was 0)" \
    "the unpinned list is fetched and in force"
t_wait_port "$ADMIN" 1 100 "$PH_PID"
vl_allowed 127.0.0.77 "unpinned"
t_eq "$(admin /lists/vendor | sort | tr '\n' ' ')" "127.0.0.77 127.0.0.78 " \
    "unpinned: /lists/vendor shows both entries"
t_eq "$(vl_meta vendor sha256)" "$good" "unpinned: the body is cached"

# ---- SIGHUP with a pin the body does not match
conf "sha256 = $bad"
n=$(vl_requests /v.txt)
VL_NAME=sighup
kill -HUP "$PH_PID"
vl_expect "list vendor: the version in force refused: $PIN_MSG" \
    "the version in force is dropped, and the log says why"
vl_wait_requests /v.txt "$n" 50
vl_expect "list vendor: new version refused: $PIN_MSG" \
    "the fetch that follows is refused too"
grep -F '"path": "/v.txt"' "$VL_LOG" | tail -n 1 | grep -q '"if_none_match": null'
t_ok $? "sighup: that fetch asked for the whole body (no If-None-Match)"
gone sighup
curl -s --max-time 5 "http://127.0.0.1:$ADMIN/lists/vendor" |
    sed -n 's/^# last change [0-9T:-]*Z: //p' >"$T_DIR/change"
t_eq "$(cat "$T_DIR/change")" "+0 -2 (removed 127.0.0.77, 127.0.0.78)" \
    "sighup: /lists/vendor says the pin took both entries away"
vl_expect "list vendor: new version: +0 -2 (removed 127.0.0.77, 127.0.0.78)" \
    "... and so does the log"
case $(admin /status) in
*"\"last_error\":\"its SHA-256 does not match the sha256 pin\""*)
	t_ok 0 "sighup: /status names the reason" ;;
*) t_ok 1 "sighup: /status names the reason"
   echo "#   got: $(admin /status)" ;;
esac
vl_stop

# ---- restart with the pin: the cached body is refused
t_eq "$(vl_meta vendor sha256)" "$good" \
    "the cache still holds the unpinned body (a refused one is not cached)"
vl_start "$CONF" restart
vl_expect "list vendor: cache refused: $PIN_MSG" \
    "the cached body is refused, and the log says why"
vl_absent "entries from the cache" "no entries are taken from the cache"
t_wait_port "$ADMIN" 1 100 "$PH_PID"
gone restart
vl_expect "list vendor: new version refused: $PIN_MSG" "the fetch is refused"
gone "restart, after the fetch" "after the fetch: "
vl_stop

# ---- --explain and -t read the cache the same way
out=$($PINHOLE --explain 127.0.0.77:443 -c "$CONF" 2>"$T_DIR/explain.err")
t_eq "$?" 3 "--explain: denied, the cached body fails the pin"
case $out in
*'"verdict":"deny"'*'"list":null'*) t_ok 0 "--explain: no list decided" ;;
*) t_ok 1 "--explain: no list decided"; echo "#   got: $out" ;;
esac
grep -q "warning: list vendor: cache not used: $PIN_MSG" "$T_DIR/explain.err"
t_okd $? "--explain: a warning says why" "$(cat "$T_DIR/explain.err")"
out=$($PINHOLE -t -c "$CONF" 2>/dev/null | grep '^list vendor')
case $out in
*' 0 entries'*) t_ok 0 "-t: the list has no entries" ;;
*) t_ok 1 "-t: the list has no entries"; echo "#   got: $out" ;;
esac

# ---- the body's own pin: in force again, from the cache and on SIGHUP
conf "sha256 = $good"
out=$($PINHOLE --explain 127.0.0.77:443 -c "$CONF" 2>/dev/null)
t_eq "$?" 0 "--explain: allowed with the body's own pin"
vl_route /v.txt status 503
vl_start "$CONF" goodpin
vl_expect "list vendor: 2 entries from the cache" \
    "the cached body is in force at start"
vl_allowed 127.0.0.77 "the vendor down"
vl_stop

t_done
