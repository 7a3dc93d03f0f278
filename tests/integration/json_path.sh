#!/bin/sh
# json_path over vendor-shaped files (tests/unit/data), as an admin
# writes it: -t counts each list, --explain allows an address inside a
# list and denies one outside, and a path that selects nothing says in
# the log what it met.  Offline: file = lists, no DNS, no listener.
. tests/integration/lib.sh

D=$(pwd)/tests/unit/data
cat >"$T_DIR/p.ini" <<EOF
[proxy]
listen = 127.0.0.1:3128
clients = 127.0.0.0/8

[cache]
dir = $T_DIR/cache

# One port a vendor: the documentation ranges of the excerpts overlap.
[allow m365]
lists = m365
ports = 1001

[allow atlassian]
lists = atlassian
ports = 1002

[allow azure]
lists = azure
ports = 1003

[allow okta]
lists = okta
ports = 1004

[allow zscaler]
lists = zscaler
ports = 1005

[list m365]
file = $D/m365-endpoints.json
format = json
json_path = [?category=Optimize&required=true].ips[]

[list atlassian]
file = $D/atlassian-ip-ranges.json
format = json
json_path = items[?product~=jira&direction~=egress].cidr

[list azure]
file = $D/azure-servicetags.json
format = json
json_path = values[?properties.systemService=AzureStorage&properties.region=westeurope].properties.addressPrefixes[]

[list okta]
file = $D/okta-ip-ranges.json
format = json
json_path = *.ip_ranges[]

[list zscaler]
file = $D/zscaler-cenr.json
format = json
json_path = "zscaler.net"."continent : EMEA".*[].range
EOF

out=$($PINHOLE -t -c "$T_DIR/p.ini" 2>"$T_DIR/err")
t_eq "$?" 0 "-t accepts the vendor lists"
t_eq "$(cat "$T_DIR/err")" "" "-t: no warning"
for want in "m365: file $D/m365-endpoints.json, format json; 5 entries" \
    "atlassian: file $D/atlassian-ip-ranges.json, format json; 3 entries" \
    "azure: file $D/azure-servicetags.json, format json; 2 entries" \
    "okta: file $D/okta-ip-ranges.json, format json; 48 entries" \
    "zscaler: file $D/zscaler-cenr.json, format json; 3 entries"; do
	t_eq "$(echo "$out" | grep "^list ${want%%:*}:")" "list $want" \
	    "-t: list ${want%%;*}"
done

# explain PORT WANT-VERDICT WANT-ENTRY ADDRESS
explain() {
	case $4 in
	*:*)	hp="[$4]:$1" ;;
	*)	hp="$4:$1" ;;
	esac
	got=$($PINHOLE --explain "$hp" --client 127.0.0.1 \
	    -c "$T_DIR/p.ini" 2>/dev/null | "$T_PY" -c '
import json, sys
r = json.load(sys.stdin)
print(r["verdict"], r["entry"])')
	t_eq "$got" "$2 $3" "--explain $hp: $2 $3"
}
explain 1001 allow 192.0.2.152/31 192.0.2.153
explain 1001 deny None 203.0.113.1		# Common: not Optimize
explain 1002 allow 2001:db8:3000::/36 2001:db8:3208:5::1
explain 1002 deny None 198.51.100.1		# bitbucket ingress only
explain 1003 allow 192.0.2.32/28 192.0.2.40
explain 1003 deny None 192.0.2.50		# storage in northeurope
explain 1004 allow 198.51.100.24 198.51.100.24	# apac_cell_2
explain 1004 deny None 198.51.100.25
explain 1005 allow 2001:db8:4a00::/40 2001:db8:4a00::1
explain 1005 deny None 203.0.113.1		# Auckland, APAC

# A typo: the list is refused (or empty), and the log says what the
# path met where it found nothing.
sed -i 's/^json_path = \*\.ip_ranges\[\]$/json_path = us_cell_1.ip_ranges[], us_cell_99.ip_ranges[]/' \
    "$T_DIR/p.ini"
sed -i 's/^json_path = \[?category=Optimize&required=true\]\.ips\[\]$/json_path = [?category=Optimize\&required="true"].ips[]\nallow_empty = yes/' \
    "$T_DIR/p.ini"
out=$($PINHOLE -t -c "$T_DIR/p.ini" 2>"$T_DIR/err")
t_eq "$?" 0 "-t: a path that selects nothing is no error"
t_eq "$(echo "$out" | grep '^list okta:')" \
    "list okta: file $D/okta-ip-ranges.json, format json; 2 entries" \
    "-t: the cell that exists is taken"
t_eq "$(sed -n 's/^[^ ]* warn: //p' "$T_DIR/err")" \
"json_path \"[?category=Optimize&required=\"true\"].ips[]\" selects nothing: no element of the top level passes [?category=Optimize&required=\"true\"]: the first has required = true
json_path \"us_cell_99.ip_ranges[]\" selects nothing: the top level has no member \"us_cell_99\"; its members: us_cell_1, us_cell_2, us_cell_3, us_cell_4, us_cell_5, us_cell_6, ... (24 in all)" \
    "the log says what each path that selects nothing met"

t_done
