#!/bin/sh
# Messages that say what is wrong (issue 18, point 7):
#  - a list URL whose host does not resolve: one line saying the name did
#    not resolve (not an errno left by some other call, not twice);
#  - a list with several bad lines: the count and the first three, each
#    with its line number;
#  - hosts = a URL, or a name with a port, in a rule: what is wrong and
#    what to write, with FILE:LINE (not "is an address").
# Only keys every build of pinhole knows are used, so that the checks
# can be run against an older build.
. tests/integration/lib.sh
. tests/integration/lists_lib.sh

t_start_dnsmasq --host-record=vendor.test,127.0.0.1 --address=/nx.test/
t_ok $? "dnsmasq started"
P=$(t_free_ports 1) || exit 1

# ---- a list URL whose host does not resolve
CONF=$T_DIR/nx.ini
vl_conf "$CONF" nx <<EOF
[list nx]
url = https://nothere.nx.test/list.txt
refresh = 1h
EOF
vl_start "$CONF" nx
vl_expect "list nx: fetch failed: " "the fetch fails"
# The next try is a minute away (backoff): a second line now would be
# the same failure told twice.
sleep 2
t_eq "$(grep -c 'list nx: fetch failed' "$VL_ERR")" 1 \
    "nx: the failure is told once"
t_eq "$(sed -n 's/.*list nx: fetch failed: \(.*\); keeping.*/\1/p' "$VL_ERR")" \
    "the name nothere.nx.test did not resolve (no address from [dns])" \
    "nx: ... saying that the name did not resolve"
t_eq "$(grep -c -e 'Bad file descriptor' -e 'Resource temporarily' \
    "$VL_ERR")" 0 "nx: no errno of another call in the log"
grep -qi 'query\[A\] nothere.nx.test' "$T_DIR/dns.log"
t_ok $? "nx: the name was asked of [dns] (dnsmasq), which has no address for it"
vl_stop

# ---- a list with five bad lines: the count and the first three
LIST=$T_DIR/bad.txt
printf '%s\n' '# vendor list' 203.0.113.1 'https://vendor.example/x' \
    '203.0.113.0/33' 'two tokens' 203.0.113.2 'bad!name' '-x.example' \
    >"$LIST"
CONF=$T_DIR/bad.ini
vl_conf "$CONF" bad <<EOF
[list bad]
file = $LIST
refresh = 1h
EOF
vl_start "$CONF" badlines
vl_expect "list bad: 2 entries from $LIST" "the good lines are taken"
t_eq "$(sed -n 's/.*warn: list bad: //p' "$VL_ERR")" \
    '5 lines are no entry, skipped: line 3 "https://vendor.example/x", line 4 "203.0.113.0/33", line 5 "two tokens", ...' \
    "badlines: the count and the first three bad lines, with their numbers"
vl_stop

# ---- a JSON list with four bad values: the count and the first three
LIST=$T_DIR/bad.json
printf '%s\n' '{"prefixes": ["203.0.113.1", "nope!", 7, {"a": 1},' \
    '"203.0.113.0/33", "203.0.113.2"]}' >"$LIST"
CONF=$T_DIR/badjson.ini
vl_conf "$CONF" badjson <<EOF
[list badjson]
file = $LIST
format = json
json_path = prefixes[]
refresh = 1h
EOF
vl_start "$CONF" badjson
vl_expect "list badjson: 2 entries from $LIST" "json: the good values are taken"
t_eq "$(sed -n 's/.*warn: list badjson: //p' "$VL_ERR")" \
    '4 values are no entry, skipped: "nope!", "7", "{...}", ...' \
    "badjson: the count and the first three bad values, not the first alone"
vl_stop

# ---- hosts = a URL or a name with a port: -t says what to write
hosts_says() {	# hosts_says VALUE: what -t says of hosts = VALUE
	printf '[allow r]\nports = 443\nhosts = %s\n' "$1" >"$T_DIR/h.ini"
	$PINHOLE -t -c "$T_DIR/h.ini" 2>&1
	echo "exit $?"
}
t_eq "$(hosts_says https://github.com/)" \
    "$T_DIR/h.ini:3: hosts: \"https://github.com/\" is a URL, not a name pattern: write its host alone (github.com)
exit 1" "hosts = https://github.com/: a URL is no name pattern; write the host"
t_eq "$(hosts_says github.com:443)" \
    "$T_DIR/h.ini:3: hosts: \"github.com:443\" has a port: write the name alone (github.com) and the port (443) in ports
exit 1" "hosts = github.com:443: the port goes in ports"
t_eq "$(hosts_says 192.0.2.1:443)" \
    "$T_DIR/h.ini:3: hosts: \"192.0.2.1:443\" is an address with a port: the address goes in nets, the port (443) in ports
exit 1" "hosts = 192.0.2.1:443: the address goes in nets, the port in ports"
t_eq "$(hosts_says 192.0.2.1)" \
    "$T_DIR/h.ini:3: hosts: \"192.0.2.1\" is an address; addresses go in nets
exit 1" "hosts = 192.0.2.1: an address goes in nets (as before)"

t_done
