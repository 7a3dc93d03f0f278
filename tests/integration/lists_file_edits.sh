#!/bin/sh
# A file = list is the admin's own: an edit that cuts it from 3 entries
# to 1 takes effect on SIGHUP (max_shrink is for vendors' url lists), and
# pinhole --explain and the admin endpoint's /explain agree on it.  And
# pinhole -t fails, naming the file, the line and the reason, when a
# file = list would be refused, so that a reload (which runs -t first)
# does not pass on one; an unreadable file stays a warning.  Real lists'
# IPv6 blocks (/28, /29) pass the default min_prefix_v6.
. tests/integration/lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail
LIST=$T_DIR/mine.txt
printf '%s\n' 203.0.113.1 203.0.113.2 203.0.113.3 >"$LIST"
CONF=$T_DIR/edit.ini
ERR=$T_DIR/edit.err
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
sed -i "s|^listen =\$|listen = 127.0.0.1:$APORT|" "$CONF"
cat >>"$CONF" <<EOC

[list mine]
file = $LIST

[allow mine]
lists = mine
ports = 443
EOC
t_start_pinhole "$CONF" "$ERR" "$P"
t_ok $? "pinhole started with a file = list of 3 entries"
PID=$PH_PID
both() {	# HOST: the CLI's verdict and /explain's
	cli=$($PINHOLE --explain "$1:443" -c "$CONF" 2>/dev/null |
	    sed -n 's/^{"verdict":"\([a-z]*\)".*/\1/p')
	web=$(curl -s "http://127.0.0.1:$APORT/explain?host=$1&port=443" |
	    sed -n 's/^{"verdict":"\([a-z]*\)".*/\1/p')
	echo "$cli $web"
}
t_eq "$(both 203.0.113.3)" "allow allow" "203.0.113.3 is allowed (CLI and /explain)"
printf '%s\n' 203.0.113.1 >"$LIST"
kill -HUP "$PID"
t_wait_grep "$ERR" 'reloaded:' 1 100
sleep 0.5
t_eq "$(both 203.0.113.3)" "deny deny" \
    "after the edit to 1 entry and SIGHUP: refused by both"
t_eq "$(both 203.0.113.1)" "allow allow" "... the entry kept is allowed by both"
t_eq "$(curl -s "http://127.0.0.1:$APORT/lists/mine" | grep -v '^#')" \
    203.0.113.1 "/lists/mine holds the one entry (after its '#' lines)"
t_stop_pinhole "$PID" "$ERR" "edit"

# -t: a file = list that would be refused fails the check.
printf '%s\n' '# vendor' 203.0.113.0/24 10.0.0.0/7 >"$LIST"
out=$($PINHOLE -t -c "$CONF" 2>"$T_DIR/t.err")
t_eq "$?" 1 "-t exits 1 when a file = list would be refused"
t_eq "$(cat "$T_DIR/t.err")" \
    "$LIST:3: list mine: refused: 10.0.0.0/7 is broader than min_prefix (1 such entries)" \
    "... naming the file, the line and the reason"
printf '%s\n' "$out" | grep -q '^list mine: .*; refused, the last good version: cache .* old, 1 entries$'
t_okd $? "... and the summary says refused, and what stays in force" "$out"
rm -f "$LIST"
$PINHOLE -t -c "$CONF" >/dev/null 2>"$T_DIR/t.err"
t_eq "$?" 0 "-t exits 0 when the list file is missing (a warning)"
grep -q "^$LIST: warning: list mine: cannot open" "$T_DIR/t.err"
t_ok $? "... which it names as a warning"
# GitHub's, Google's and Cloudflare's IPv6 blocks under the defaults.
printf '%s\n' 2a0a:a440::/29 2600:1900::/28 2a06:98c0::/29 >"$LIST"
out=$($PINHOLE -t -c "$CONF" 2>"$T_DIR/t.err")
t_eq "$?:$(cat "$T_DIR/t.err")" "0:" \
    "-t passes real vendors' /28 and /29 IPv6 blocks by default"
t_done
