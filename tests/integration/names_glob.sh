#!/bin/sh
# Patterns with a '*' inside a label, as Microsoft 365 publishes them
# (autodiscover.*.onmicrosoft.com, *-files.sharepoint.com): a CONNECT to
# a name they match is allowed, one where the '*' would have to cross a
# dot is refused, from hosts = and from a JSON list alike; the flow record
# and --explain name the pattern; the PAC tests them within one label;
# and a pattern as broad as a public suffix is an error in hosts = and a
# skipped, counted line in a list.  dnsmasq pins every name to 127.0.0.1.
. tests/integration/lib.sh

t_proxy_dnsmasq \
    --host-record=autodiscover.contoso.onmicrosoft.com,127.0.0.1 \
    --host-record=autodiscover.a.b.onmicrosoft.com,127.0.0.1 \
    --host-record=contoso-files.sharepoint.com,127.0.0.1 \
    --host-record=a.b-files.sharepoint.com,127.0.0.1 \
    --host-record=contoso-myfiles.sharepoint.com,127.0.0.1 \
    --host-record=x.contoso-myfiles.sharepoint.com,127.0.0.1 \
    --host-record=evil.com,127.0.0.1
t_okd $? "dnsmasq started" "$(cat "$T_DIR/dnsmasq.err" 2>/dev/null)" ||
    { t_done; exit 1; }
set -- $(t_free_ports 2)
P=$1 ECHO=$2
t_bg "$T_DIR/echo.out" "$T_PY" "$T_TOOLS/echo_server.py" --port "$ECHO" \
    --listen 127.0.0.1
t_wait_port "$ECHO" 1 100 "$T_BG_PID"
t_ok $? "echo server on 127.0.0.1:$ECHO"

# The list as the endpoints service publishes it, in its JSON shape,
# with one line too broad that must be skipped alone.
cat >"$T_DIR/m365.json" <<EOF
[
  {"serviceArea": "SharePoint", "urls": ["*-myfiles.sharepoint.com"]},
  {"serviceArea": "Common", "urls": ["*.com"]}
]
EOF
LOG=$T_DIR/flows.jsonl
cat >"$T_DIR/glob.ini" <<EOF
[proxy]
listen = 127.0.0.1:$P
clients = 127.0.0.0/8
workers = 1
[acl]
deny_private = yes
[allow m365]
hosts = autodiscover.*.onmicrosoft.com, *-files.sharepoint.com
ports = $ECHO
allow_private = yes
[allow m365-list]
lists = m365
ports = $ECHO
allow_private = yes
[list m365]
file = $T_DIR/m365.json
format = json
json_path = [].urls[]
[cache]
dir = $T_DIR/cache
[dns]
servers = 127.0.0.1:$DNS_PORT
hosts_file =
[log]
access = $LOG
[admin]
listen =
EOF

connect() {	# NAME: the status line; the client's IP:PORT in $T_DIR/info
	"$T_PY" "$T_TOOLS/raw_client.py" --raw --timeout 1 --info "$T_DIR/info" \
	    127.0.0.1 "$P" "esc:CONNECT $1:$ECHO HTTP/1.1\r\n\r\n" head \
	    2>/dev/null | head -n 1 | tr -d '\r'
}
record() {	# FIELD...: of the last connection's flow record
	"$T_PY" "$T_TOOLS/flowlog.py" "$LOG" get --client \
	    "$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$T_DIR/info")" "$@"
}

out=$($PINHOLE -t -c "$T_DIR/glob.ini" 2>"$T_DIR/t.err")
t_eq "$?" 0 "-t accepts mid-label patterns in hosts = and in a list"
t_eq "$(sed 's/^[0-9TZ:.-]* //' "$T_DIR/t.err")" \
    "warn: list m365: 1 patterns as broad as a public suffix, skipped: \"*.com\"" \
    "-t warns of the list's *.com line, named"

t_start_pinhole "$T_DIR/glob.ini" "$T_DIR/glob.err" "$P" 1
t_ok $? "pinhole started"
PID=$PH_PID

t_eq "$(connect autodiscover.contoso.onmicrosoft.com)" \
    "HTTP/1.1 200 Connection established" \
    "CONNECT autodiscover.contoso.onmicrosoft.com is allowed"
t_eq "$(record rule entry addr reason)" \
    "m365 autodiscover.*.onmicrosoft.com 127.0.0.1 null" \
    "... its record names the pattern autodiscover.*.onmicrosoft.com"
t_eq "$(connect autodiscover.a.b.onmicrosoft.com)" "HTTP/1.1 403 Forbidden" \
    "CONNECT autodiscover.a.b.onmicrosoft.com is refused: * is one label"
t_eq "$(record rule entry reason)" "null null not_allowed" \
    "... as not_allowed"
t_eq "$(connect contoso-files.sharepoint.com)" \
    "HTTP/1.1 200 Connection established" \
    "CONNECT contoso-files.sharepoint.com is allowed"
t_eq "$(record entry)" "*-files.sharepoint.com" \
    "... its record names *-files.sharepoint.com"
t_eq "$(connect a.b-files.sharepoint.com)" "HTTP/1.1 403 Forbidden" \
    "CONNECT a.b-files.sharepoint.com is refused"
t_eq "$(connect contoso-myfiles.sharepoint.com)" \
    "HTTP/1.1 200 Connection established" \
    "CONNECT contoso-myfiles.sharepoint.com is allowed by the list"
t_eq "$(record rule list entry)" "m365-list m365 *-myfiles.sharepoint.com" \
    "... its record names the list and the pattern"
t_eq "$(connect x.contoso-myfiles.sharepoint.com)" "HTTP/1.1 403 Forbidden" \
    "CONNECT x.contoso-myfiles.sharepoint.com is refused"
t_eq "$(connect evil.com)" "HTTP/1.1 403 Forbidden" \
    "CONNECT evil.com is refused: the list's *.com was skipped"

# The PAC: shExpMatch with the label count pinned.
curl -s -o "$T_DIR/pac" "http://127.0.0.1:$P/proxy.pac"
t_eq "$(grep -c 'shExpMatch' "$T_DIR/pac")" 3 "the PAC has the three patterns"
grep -qF 'if (host.split(".").length == 4 && shExpMatch(host, "autodiscover.*.onmicrosoft.com"))' \
    "$T_DIR/pac"
t_ok $? "the PAC matches autodiscover.*.onmicrosoft.com on four labels only"
grep -qF 'if (host.split(".").length == 3 && shExpMatch(host, "*-files.sharepoint.com"))' \
    "$T_DIR/pac"
t_ok $? "the PAC matches *-files.sharepoint.com on three labels only"
t_stop_pinhole "$PID" "$T_DIR/glob.err" "glob"

# --explain names the pattern too.
out=$($PINHOLE --explain "autodiscover.contoso.onmicrosoft.com:$ECHO" \
    -c "$T_DIR/glob.ini" 2>/dev/null)
t_eq "$?" 0 "--explain autodiscover.contoso.onmicrosoft.com exits 0 (allow)"
case $out in
*'"entry":"autodiscover.*.onmicrosoft.com"'*) t_ok 0 \
    "--explain names autodiscover.*.onmicrosoft.com" ;;
*) t_okd 1 "--explain names autodiscover.*.onmicrosoft.com" "$out" ;;
esac
$PINHOLE --explain "autodiscover.a.b.onmicrosoft.com:$ECHO" \
    -c "$T_DIR/glob.ini" >/dev/null 2>&1
t_eq "$?" 3 "--explain autodiscover.a.b.onmicrosoft.com exits 3 (deny)"

# hosts = *.com: an error at FILE:LINE.
sed 's/^hosts = autodiscover.*/hosts = a.example, *.co.uk/' "$T_DIR/glob.ini" \
    >"$T_DIR/broad.ini"
out=$($PINHOLE -t -c "$T_DIR/broad.ini" 2>"$T_DIR/t.err")
t_eq "$?" 1 "-t refuses hosts = *.co.uk"
t_eq "$(cat "$T_DIR/t.err")" \
    "$T_DIR/broad.ini:8: hosts: \"*.co.uk\" is as broad as a public suffix; name the vendor's domain below it" \
    "... saying FILE:LINE and why"
t_done
