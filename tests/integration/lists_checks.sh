#!/bin/sh
# Vendor lists, continued (see lists.sh): validation of a new version,
# SIGHUP, file = lists (one that did not change is not parsed again),
# corrupt caches, revoke_on_reload.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_start_dnsmasq
t_ok $? "dnsmasq started"
ports=$(t_free_ports 4) || exit 1
# shellcheck disable=SC2086
set -- $ports
P=$1 VTLS=$2 VPLAIN=$3 ECHO=$4
vl_certs
vl_ok $? "test CA and server certificates made with openssl" \
    "$(cat "$T_DIR/certs.log")"
vl_start_vendor
t_ok $? "vendor server listens on 127.0.0.1:$VTLS (TLS) and :$VPLAIN"
U=https://127.0.0.1:$VTLS
CA=$T_DIR/certs/ca.crt

# ---- validation: each list gets a first version, then a second one;
# a refused version keeps the last good one.
VL_CACHE=$T_DIR/cache-valid
vl_serve /v/empty
vl_serve /v/emptyok
vl_serve /v/maxent 127.0.0.101 127.0.0.103 127.0.0.105
vl_serve /v/broad 127.0.0.109
vl_serve /v/broad16 127.0.0.111 10.1.0.0/16
vl_serve /v/broad6 127.0.0.141 2001:db8::/16
vl_serve /v/pinbad 127.0.0.113
vl_serve /v/pinok 127.0.0.115
vl_serve /v/shrink50 127.0.0.117 127.0.0.119 127.0.0.121 127.0.0.123
vl_serve /v/shrinkmore 127.0.0.125 127.0.0.127 127.0.0.129 127.0.0.131
pin_ok=$(sha256sum "$VL_WWW/_v_pinok" | cut -d' ' -f1)
pin_bad=$(printf '127.0.0.113\n# not this\n' | sha256sum | cut -d' ' -f1)
VALID="empty emptyok maxent broad broad16 broad6 pinbad pinok shrink50 shrinkmore"
for l in $VALID; do
	printf '[list %s]\nurl = %s/v/%s\nca_file = %s\nrefresh = 2s\n' \
	    "$l" "$U" "$l" "$CA"
	case $l in
	emptyok) echo "allow_empty = yes" ;;
	maxent) echo "max_entries = 3" ;;
	broad16) echo "min_prefix_v4 = 16" ;;
	pinbad) echo "sha256 = $pin_bad" ;;
	pinok) echo "sha256 = $pin_ok" ;;
	esac
	echo
done | vl_conf "$T_DIR/valid.ini" "$(echo "$VALID" | sed 's/ /, /g')"
vl_start "$T_DIR/valid.ini" valid
vl_expect "list empty: new version refused: no entries (allow_empty = no)" \
    "an empty body is refused (allow_empty = no)"
vl_expect "list emptyok: 0 entries from $U/v/emptyok" \
    "an empty body is accepted with allow_empty = yes"
vl_expect "list maxent: 3 entries from" "exactly max_entries entries is accepted"
vl_expect "list broad16: 2 entries from" "a CIDR of exactly min_prefix_v4 is accepted"
vl_expect "list broad6: 2 entries from" "a CIDR of exactly min_prefix_v6 is accepted"
vl_expect "list pinbad: new version refused: its SHA-256 does not match the sha256 pin" \
    "a body that does not match the sha256 pin is refused"
vl_expect "list pinok: 1 entries from" "a body that matches the sha256 pin is accepted"
vl_expect "list shrink50: 4 entries from" "shrink50 has its first version"
vl_expect "list shrinkmore: 4 entries from" "shrinkmore has its first version"
vl_denied 127.0.0.113 "a pin mismatch keeps the list empty"
vl_allowed 127.0.0.115 "the pinned list is in force"
t_eq "$(vl_meta pinok sha256)" "$pin_ok" "valid: the pinned body is cached"
test -e "$VL_CACHE/pinbad.body"
t_ok $((1 - $?)) "valid: a refused body is not cached"
vl_put _v_maxent 127.0.0.101 127.0.0.103 127.0.0.105 127.0.0.107
vl_put _v_broad 127.0.0.109 10.0.0.0/7
vl_put _v_broad16 127.0.0.111 10.1.0.0/16 10.2.0.0/15
vl_put _v_broad6 127.0.0.141 2001:db8::/16 2001::/15
vl_put _v_shrink50 127.0.0.117 127.0.0.119
vl_put _v_shrinkmore 127.0.0.125
vl_expect "list maxent: new version refused: 4 entries, over max_entries 3" \
    "a version over max_entries is refused"
vl_expect "list broad: new version refused: 10.0.0.0/7 is broader than min_prefix" \
    "a CIDR broader than min_prefix_v4 (8) is refused"
vl_expect "list broad16: new version refused: 10.2.0.0/15 is broader than min_prefix" \
    "a CIDR broader than min_prefix_v4 = 16 is refused"
vl_expect "list broad6: new version refused: 2001::/15 is broader than min_prefix" \
    "a CIDR broader than min_prefix_v6 (16) is refused"
vl_expect "list shrink50: 2 entries from $U/v/shrink50 (was 4)" \
    "losing exactly 50% (max_shrink) is accepted"
vl_expect "list shrinkmore: new version refused: it has 1 entries where the last good version has 4" \
    "losing more than 50% is refused"
vl_allowed 127.0.0.101 "the refused version over max_entries left the old one"
vl_denied 127.0.0.107 "nothing of the refused version over max_entries"
vl_allowed 127.0.0.109 "the refused broad version left the old one"
vl_denied 127.0.0.121 "an address the accepted shrunk version dropped"
vl_allowed 127.0.0.117 "the accepted shrunk version"
vl_allowed 127.0.0.131 "the refused shrunk version left the old one"
t_eq "$(vl_meta shrinkmore entries)" 4 "valid: the cache keeps the last good version"
vl_stop
VL_CACHE=

# ---- SIGHUP fetches a url list at once (refresh = 1h)
VL_CACHE=$T_DIR/cache-hup
CONF=$T_DIR/hup.ini
vl_serve /hup.txt 127.0.0.161 127.0.0.163
vl_conf "$CONF" vendor <<EOF
[list vendor]
url = $U/hup.txt
ca_file = $CA
refresh = 1h
EOF
vl_start "$CONF" hup
vl_expect "list vendor: 2 entries from $U/hup.txt (was 0)" "the first fetch"
n=$(vl_requests /hup.txt)
vl_serve /hup.txt 127.0.0.161 127.0.0.163 127.0.0.165
vl_wait_requests /hup.txt "$n" 10
t_ok $((1 - $?)) "hup: no fetch before refresh (1h) is due"
kill -HUP "$PH_PID"
vl_wait_requests /hup.txt "$n" 30
t_ok $? "hup: SIGHUP makes the list fetched at once"
vl_expect "list vendor: 3 entries from $U/hup.txt (was 2)" \
    "the version fetched on SIGHUP is taken"
vl_allowed 127.0.0.165 "after SIGHUP"
vl_stop
cp -r "$VL_CACHE" "$T_DIR/cache-good"
VL_CACHE=

# ---- a file = list is read again on SIGHUP
CONF=$T_DIR/file.ini
printf '127.0.0.171\n' >"$T_DIR/flist.txt"
vl_conf "$CONF" f <<EOF
[list f]
file = $T_DIR/flist.txt
refresh = 1h
EOF
vl_start "$CONF" file
vl_expect "list f: 1 entries from $T_DIR/flist.txt (was 0)" "the file is read at start"
vl_allowed 127.0.0.171 "the file's address"
printf '127.0.0.173\n' >"$T_DIR/flist.txt"
kill -HUP "$PH_PID"
vl_expect "list f: 1 entries from $T_DIR/flist.txt (was 1)" "SIGHUP reads the file again"
vl_allowed 127.0.0.173 "the file's new address"
vl_denied 127.0.0.171 "the address the file dropped"
rm -f "$T_DIR/flist.txt"
kill -HUP "$PH_PID"
vl_expect "list f: fetch failed: $T_DIR/flist.txt: cannot read it: No such file or directory; keeping the last good version (1 entries)" \
    "an unreadable file is a warning and keeps the last version"
vl_allowed 127.0.0.173 "after the file went away"
vl_stop

# ---- a list whose bytes did not change is not parsed again (its bad
# line is warned about once); new bytes or a new max_entries are
CONF=$T_DIR/same.ini
printf '127.0.0.175\nbad!line\n' >"$T_DIR/slist.txt"
vl_conf "$CONF" s <<EOF
[list s]
file = $T_DIR/slist.txt
refresh = 1h
EOF
vl_start "$CONF" same
BADLINE='list s: 1 lines are no entry, skipped: line 2 "bad!line"'
vl_expect "$BADLINE" "the bad line is warned about at start"
warned() { grep -cF -- "$BADLINE" "$VL_ERR"; }
kill -HUP "$PH_PID"
vl_expect "list s: 1 entries from $T_DIR/slist.txt (was 1)" \
    "SIGHUP reads the unchanged file"
t_eq "$(warned)" 1 "same: ... and does not parse it again (no second warning)"
vl_allowed 127.0.0.175 "its version in force serves on"
printf '127.0.0.175\nbad!line\n127.0.0.177\n' >"$T_DIR/slist.txt"
kill -HUP "$PH_PID"
vl_expect "list s: 2 entries from $T_DIR/slist.txt (was 1)" \
    "SIGHUP after the file changed: read and parsed"
t_eq "$(warned)" 2 "same: ... (the warning again)"
vl_allowed 127.0.0.177 "the new address"
sed -i "s|^file = $T_DIR/slist.txt\$|&\nmax_entries = 5|" "$CONF"
kill -HUP "$PH_PID"
vl_expect "list s: 2 entries from $T_DIR/slist.txt (was 2)" \
    "SIGHUP with a new max_entries, the same bytes"
t_wait_grep "$VL_ERR" "$BADLINE" 3 50
t_eq "$(warned)" 3 "same: ... parsed again under the new setting"
vl_stop

# ---- corrupt caches, vendor down: logged, ignored, never fatal
vl_stop_vendor
G=$T_DIR/cache-good
CONF=$T_DIR/corrupt.ini
VL_CACHE=$T_DIR/cache-corrupt
vl_conf "$CONF" vendor <<EOF
[list vendor]
url = $U/hup.txt
ca_file = $CA
refresh = 1s
EOF
corrupt() {	# corrupt NAME WANT-RE DESCRIPTION: $VL_CACHE set up before
	vl_start "$CONF" "$1"
	t_eq "$(vl_code 127.0.0.161)" socks5:2 \
	    "$1: the cached addresses are not in force"
	vl_expect "$2" "$3"
	vl_expect "list vendor: fetch failed: " "the vendor is still tried"
	t_gone "$PH_PID"
	t_ok $((1 - $?)) "$1: pinhole keeps running"
	vl_stop
}
fresh() { rm -rf "$VL_CACHE"; cp -r "$G" "$VL_CACHE"; }
fresh
vl_start "$CONF" intact
vl_expect "list vendor: 3 entries from the cache" "an intact cache is used"
vl_allowed 127.0.0.165 "from the intact cache"
vl_stop
fresh
truncate -s 12 "$VL_CACHE/vendor.body"
$PINHOLE -t -c "$CONF" >/dev/null 2>"$T_DIR/err"
t_eq "$?" 0 "-t exits 0 with a corrupt cache"
grep "^$VL_CACHE/vendor\.[a-z]*: warning: " "$T_DIR/err" |
    grep -q 'vendor\.body: does not match its SHA-256'
vl_ok $? "-t warns FILE: warning: about the corrupt cache" \
    "got: $(cat "$T_DIR/err")"
corrupt truncated \
    "list vendor: no usable cache (.*vendor.body: does not match its SHA-256" \
    "a truncated body is logged as unusable"
fresh
printf '\211PNG\r\n\032\n\000\000url x\nsha256 zz\n' >"$VL_CACHE/vendor.meta"
corrupt garbled "list vendor: no usable cache (.*vendor.meta: corrupt)" \
    "a garbled meta is logged as unusable"
fresh
sed -i '/^sha256 /d' "$VL_CACHE/vendor.meta"
corrupt nosha "list vendor: no usable cache (.*vendor.meta: corrupt)" \
    "a meta without sha256 is logged as unusable"
fresh
head -c 9000 /dev/zero | tr '\0' 'a' >>"$VL_CACHE/vendor.meta"
corrupt huge "list vendor: no usable cache (.*vendor.meta: too large)" \
    "a huge meta is logged as unusable"
fresh
rm -f "$VL_CACHE/vendor.meta"
corrupt nometa "list vendor: no usable cache (.*vendor.meta: No such file" \
    "a body without its meta is not used"
fresh
sed -i 's|^url .*|url https://127.0.0.1:1/other.txt|' "$VL_CACHE/vendor.meta"
corrupt otherurl \
    "list vendor: the cache is of https://127.0.0.1:1/other.txt, not $U/hup.txt: ignored" \
    "a cache of another url is ignored"
fresh
printf 'no entries here\n' >"$VL_CACHE/vendor.body"
sha=$(sha256sum "$VL_CACHE/vendor.body" | cut -d' ' -f1)
sed -i "s/^sha256 .*/sha256 $sha/" "$VL_CACHE/vendor.meta"
corrupt noentries "list vendor: cache refused: no entries" \
    "a cached body that holds no entry is refused"
VL_CACHE=
vl_start_vendor
t_ok $? "vendor server started again"

# ---- revoke_on_reload: a list change closes exactly the tunnels whose
# destination it dropped; with revoke_on_reload = no tunnels stay.
t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/vendor_tunnel.py" echo \
    --listen 127.0.0.5 --listen 127.0.0.7 --port "$ECHO" --lifetime 120
ECHO_PID=$T_BG_PID
t_wait_port "$ECHO" 2 100 "$ECHO_PID"
t_ok $? "echo server on 127.0.0.5 and 127.0.0.7 port $ECHO"
VL_PORTS=$ECHO
hold() {	# hold NAME DEST: a tunnel through pinhole, output in $T_DIR/NAME
	t_bg "$T_DIR/$1" "$T_PY" "$T_TOOLS/vendor_tunnel.py" hold \
	    --proxy "127.0.0.1:$P" --dest "$2" --go "$T_DIR/$1.go" \
	    --max-wait 20
}
flow_reason() {	# flow_reason HOST: reasons of the flow records to HOST:$ECHO
	"$T_PY" -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"] == "flow" and r["host"] == sys.argv[2] and \
            r["port"] == int(sys.argv[3]):
        print(r["reason"])' "$T_DIR/flows.jsonl" "$1" "$ECHO" 2>&1 |
	    tr '\n' ' '
}
for mode in yes no; do
	VL_CACHE=$T_DIR/cache-revoke-$mode
	vl_serve /rv.txt 127.0.0.5 127.0.0.7
	vl_conf "$T_DIR/revoke-$mode.ini" vendor \
	    "revoke_on_reload = $mode" <<EOF
[list vendor]
url = $U/rv.txt
ca_file = $CA
refresh = 1s
EOF
	rm -f "$T_DIR/flows.jsonl"
	vl_start "$T_DIR/revoke-$mode.ini" "revoke-$mode"
	vl_expect "list vendor: 2 entries from" "the list with both addresses"
	hold h5 "127.0.0.5:$ECHO"
	H5=$T_BG_PID
	hold h7 "127.0.0.7:$ECHO"
	H7=$T_BG_PID
	t_wait_grep "$T_DIR/h5" '^up' 1 50 && t_wait_grep "$T_DIR/h7" '^up' 1 50
	vl_ok $? "revoke-$mode: tunnels to 127.0.0.5 and 127.0.0.7 are up" \
	    "$(cat "$T_DIR/h5" "$T_DIR/h7")"
	n=$(vl_requests /rv.txt)
	vl_serve /rv.txt 127.0.0.7
	vl_expect "list vendor: 1 entries from $U/rv.txt (was 2)" \
	    "the list drops 127.0.0.5"
	vl_denied "127.0.0.5:$ECHO" "a new tunnel to the dropped address"
	if [ $mode = yes ]; then
		t_wait_grep "$T_DIR/h5" '^closed' 1 30
		t_ok $? "revoke-yes: the tunnel to the dropped address is closed"
	else
		# a refresh after the change: time enough to revoke
		vl_wait_requests /rv.txt "$((n + 1))" 40
		grep -q '^closed' "$T_DIR/h5"
		t_ok $((1 - $?)) "revoke-no: the tunnel to the dropped address stays open"
	fi
	touch "$T_DIR/h5.go" "$T_DIR/h7.go"
	t_wait_grep "$T_DIR/h7" '^alive' 1 50
	t_ok $? "revoke-$mode: the tunnel to the address still listed stays open"
	t_wait_exit "$H7" 50
	t_wait_exit "$H5" 50
	[ $mode = no ] && t_eq "$(cat "$T_DIR/h5")" "up
alive" "revoke-no: the old tunnel still relays"
	t_wait_grep "$T_DIR/flows.jsonl" '"host":"127.0.0.7"' 1 30
	want5=revoked
	[ $mode = no ] && want5=None
	t_eq "$(flow_reason 127.0.0.5)" "$want5 " \
	    "revoke-$mode: the flow record of the tunnel to 127.0.0.5"
	t_eq "$(flow_reason 127.0.0.7)" "None " \
	    "revoke-$mode: the flow record of the tunnel to 127.0.0.7"
	vl_stop
done
VL_PORTS=
kill "$ECHO_PID"
t_wait_exit "$ECHO_PID" 30

# ---- SIGHUP with two lists: both fetched or read again, pinhole lives
VL_CACHE=$T_DIR/cache-hup2
CONF=$T_DIR/hup2.ini
printf '127.0.0.181\n' >"$T_DIR/flist2.txt"
vl_conf "$CONF" "vendor, f" <<EOF
[list vendor]
url = $U/hup.txt
ca_file = $CA
refresh = 1h

[list f]
file = $T_DIR/flist2.txt
refresh = 1h
EOF
vl_start "$CONF" hup2
vl_expect "list vendor: 3 entries from $U/hup.txt (was 0)" "the url list"
vl_expect "list f: 1 entries from" "the file list"
n=$(vl_requests /hup.txt)
printf '127.0.0.183\n' >"$T_DIR/flist2.txt"
kill -HUP "$PH_PID"
vl_wait_requests /hup.txt "$n" 30
t_ok $? "hup2: SIGHUP fetches the url list at once"
vl_expect "list f: 1 entries from $T_DIR/flist2.txt (was 1)" \
    "SIGHUP reads the file list again"
vl_expect "reloaded: 1 rules, 2 lists" "the reload is logged"
vl_allowed 127.0.0.183 "after SIGHUP"
vl_stop

vl_stop_vendor
t_done
