#!/bin/sh
# The PAC file, run by a real PAC engine (pacparser): [pac] direct
# (internal networks and names, checked first), [pac] default = proxy or
# direct for what the rules do not name, IPv6 entries tested against
# IPv6 literals, and a warning at start and at reload when list entries
# are past [pac] max_entries (the PAC says so too).
. tests/integration/lib.sh

t_proxy_world_or_bail
LIST=$T_DIR/vendor.txt
printf '%s\n' 203.0.113.1 203.0.113.2 203.0.113.3 a.vendor.test \
    b.vendor.test >"$LIST"
CONF=$T_DIR/pac.ini
ERR=$T_DIR/pac.err
t_proxy_conf "$CONF" "$P" "$T_DIR/flows.jsonl"
cat >>"$CONF" <<EOC

[allow v6]
nets = 2001:db8:15::/48
hosts = *.v6.test
ports = 443

[allow vendor]
lists = vendor
ports = 443

[list vendor]
file = $LIST

[pac]
default = proxy
direct = 10.0.0.0/8, fd00::/8, *.corp.example, intranet.v6.test
max_entries = 3
EOC
t_start_pinhole "$CONF" "$ERR" "$P"
t_ok $? "pinhole started with [pac] default = proxy and direct ="
PID=$PH_PID
t_wait_grep "$ERR" 'pac: 2 list entries are past \[pac\] max_entries = 3' 1 50
t_ok $? "the start warns that 2 list entries are past max_entries"
curl -s "http://127.0.0.1:$P/proxy.pac" >"$T_DIR/p.pac"
grep -q '^// 2 list entries are left out (\[pac\] max_entries = 3); they go to the proxy.$' \
    "$T_DIR/p.pac"
t_ok $? "the PAC says so in a comment"
X="PROXY 127.0.0.1:$P"
"$T_PY" "$T_TOOLS/pac_eval.py" "$T_DIR/p.pac" \
    "http://echo.test/" "http://x.corp.example/" "http://10.1.2.3/" \
    "http://127.0.0.1/" "http://[2001:db8:15::1]/" "http://[fd00::1]/" \
    "http://[2001:db8:99::1]/" "http://unknown.example/" \
    "http://intranet.v6.test/" "http://www.v6.test/" \
    >"$T_DIR/eval" 2>"$T_DIR/eval.err"
t_okd $? "pacparser evaluates the PAC" "$(cat "$T_DIR/eval.err")"
want="http://echo.test/ $X
http://x.corp.example/ DIRECT
http://10.1.2.3/ DIRECT
http://127.0.0.1/ $X
http://[2001:db8:15::1]/ $X
http://[fd00::1]/ DIRECT
http://[2001:db8:99::1]/ $X
http://unknown.example/ $X
http://intranet.v6.test/ DIRECT
http://www.v6.test/ $X"
t_eq "$(cat "$T_DIR/eval")" "$want" \
    "direct = first, the rules' names and nets (IPv6 too), the rest to the proxy"

# default = direct, on a reload: the rest goes DIRECT, and the reload
# warns again.
sed -i 's/^default = proxy$/default = direct/' "$CONF"
kill -HUP "$PID"
t_wait_grep "$ERR" 'reloaded:' 1 100
t_wait_grep "$ERR" 'pac: 2 list entries are past' 2 50
t_ok $? "the reload warns again"
curl -s "http://127.0.0.1:$P/proxy.pac" >"$T_DIR/p2.pac"
"$T_PY" "$T_TOOLS/pac_eval.py" "$T_DIR/p2.pac" "http://unknown.example/" \
    "http://[2001:db8:99::1]/" "http://192.0.2.1/" "http://echo.test/" \
    >"$T_DIR/eval2" 2>&1
t_eq "$(cat "$T_DIR/eval2")" "http://unknown.example/ DIRECT
http://[2001:db8:99::1]/ DIRECT
http://192.0.2.1/ DIRECT
http://echo.test/ $X" "default = direct: what no rule names goes DIRECT"
t_stop_pinhole "$PID" "$ERR" "pac"
t_done
