#!/bin/sh
# What a fleet behind a balancer alerts on, with [proxy] workers = 2:
# /status and /metrics give the running config's SHA-256 (of the file as
# loaded) and load time, the last reload's result (ok or failed, when,
# and in /status why), pinhole_reload_failures_total counting one failed
# reload once (not once per worker), and flows per rule and per list
# added up over both workers.
. tests/integration/lib.sh

t_proxy_world_or_bail
t_admin_port_or_bail
LOG=$T_DIR/flows.jsonl
CONF=$T_DIR/fleet.ini
ERR=$T_DIR/fleet.err
echo 127.0.0.1 >"$T_DIR/local.txt"
t_proxy_conf "$CONF" "$P" "$LOG"
sed -i -e 's/^workers = 1$/workers = 2/' \
    -e "s/^listen =\$/listen = 127.0.0.1:$APORT/" "$CONF"
cat >>"$CONF" <<EOC

[allow listed]
lists = local
ports = $ECHO2
allow_private = yes

[list local]
file = $T_DIR/local.txt
EOC
t_start_pinhole "$CONF" "$ERR" "$P"
t_okd $? "pinhole with workers = 2 started" "$(head -c 2000 "$ERR")" ||
    { echo "Bail out!"; exit 1; }

status() {	# status PYTHON-EXPR-ON-d: of /status
	curl -s --max-time 5 "http://127.0.0.1:$APORT/status" |
	    "$T_PY" -c 'import json, sys
d = json.load(sys.stdin)
c = d["config_state"]
v = eval(sys.argv[1])
print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$1"
}
metric() {	# metric NAME{LABELS}: its value
	curl -s --max-time 5 "http://127.0.0.1:$APORT/metrics" |
	    awk -v m="$1" '$1 == m { print $2; exit }'
}
sha() {
	sha256sum "$CONF" | cut -d' ' -f1
}
tunnels() {	# tunnels N HOST:PORT
	i=0
	while [ $i -lt "$1" ]; do
		"$T_PY" "$T_TOOLS/raw_client.py" --raw 127.0.0.1 "$P" \
		    "esc:CONNECT $2 HTTP/1.1\r\n\r\n" head "esc:ping" read:4 \
		    shut >/dev/null 2>&1
		i=$((i + 1))
	done
}

SHA1=$(sha)
t_eq "$(status 'c["sha256"]')" "$SHA1" "/status: the config's SHA-256"
t_eq "$(metric "pinhole_config_info{sha256=\"$SHA1\"}")" 1 \
    "/metrics: pinhole_config_info with that SHA-256"
t_eq "$(status 'c["last_reload"]["result"], c["last_reload"]["at"], c["reload_failures"]')" \
    "None None 0" "/status: no reload yet"
now=$(date +%s)
loaded=$(metric pinhole_config_loaded_timestamp_seconds)
t_ok "$([ "$loaded" -le "$now" ] && [ "$loaded" -ge $((now - 120)) ]
    echo $?)" "/metrics: loaded at $loaded, a moment ago (now $now)"
t_eq "$(status 'c["loaded_at"][:4]')" "$(date -u +%Y)" \
    "/status: loaded_at is a UTC time"

tunnels 12 "echo.test:$ECHO"
tunnels 7 "127.0.0.1:$ECHO2"
t_wait_grep "$LOG" '"event":"flow"' 19 100
t_eq "$(metric 'pinhole_rule_flows_total{rule="echo"}')" 12 \
    "pinhole_rule_flows_total: 12 flows under rule echo, both workers"
t_eq "$(metric 'pinhole_rule_flows_total{rule="listed"}')" 7 \
    "... 7 under rule listed"
t_eq "$(metric 'pinhole_rule_flows_total{rule="web"}')" 0 \
    "... 0 under rule web (a rule no flow used)"
t_eq "$(metric 'pinhole_list_flows_total{list="local"}')" 7 \
    "pinhole_list_flows_total: 7 flows by list local"
t_eq "$(status '[(r["name"], r["flows"]) for r in c["rules"]][:2]')" \
    "[('echo', 12), ('web', 0)]" "/status: flows per rule"
t_eq "$(status '[(l["name"], l["flows"]) for l in d["lists"]]')" \
    "[('local', 7)]" "/status: flows per list"

# ---- a good reload
echo "; edited" >>"$CONF"
SHA2=$(sha)
kill -HUP "$PH_PID"
t_wait_grep "$ERR" 'reloaded: ' 1 100
t_ok $? "SIGHUP: reloaded"
sleep 0.5
t_eq "$(grep -c 'reloaded: ' "$ERR")" 1 "one 'reloaded' line for two workers"
t_eq "$(status 'c["sha256"]')" "$SHA2" "/status: the new SHA-256"
t_eq "$(status 'c["last_reload"]["result"], c["last_reload"]["error"]')" \
    "ok None" "/status: last reload ok, no error"
t_eq "$(status 'c["last_reload"]["at"][:4]')" "$(date -u +%Y)" \
    "/status: ... and when"
t_eq "$(metric "pinhole_config_info{sha256=\"$SHA2\"}")" 1 \
    "/metrics: pinhole_config_info with the new SHA-256"
t_eq "$(metric pinhole_reloads_total) $(metric pinhole_reload_failures_total) $(metric pinhole_last_reload_success)" \
    "1 0 1" "/metrics: 1 reload (not one per worker), 0 failures, success"
t_ok "$([ "$(metric pinhole_last_reload_timestamp_seconds)" -ge "$now" ]
    echo $?)" "/metrics: the last reload's time"
t_eq "$(metric 'pinhole_rule_flows_total{rule="echo"}')" 12 \
    "the flows per rule outlive the reload"

# ---- a failed reload
echo "bogus_key = 1" >>"$CONF"
kill -HUP "$PH_PID"
t_wait_grep "$ERR" 'reload failed' 1 100
t_ok $? "SIGHUP with a bad key: reload failed"
sleep 0.5
t_eq "$(grep -c 'reload failed' "$ERR")" 1 \
    "one 'reload failed' line for two workers"
t_eq "$(status 'c["sha256"]')" "$SHA2" \
    "/status: the running config's SHA-256 stays"
t_eq "$(status 'c["last_reload"]["result"]')" failed \
    "/status: last reload failed"
n=$(wc -l <"$CONF")
t_eq "$(status 'c["last_reload"]["error"]')" \
    "$CONF:$n: unknown key bogus_key in [list]" \
    "/status: ... with the error, FILE:LINE"
t_eq "$(status 'c["reload_failures"]')" 1 "/status: 1 reload failure"
t_eq "$(metric pinhole_reload_failures_total) $(metric pinhole_last_reload_success)" \
    "1 0" "/metrics: pinhole_reload_failures_total 1 (not 2), success 0"
t_eq "$(metric "pinhole_config_info{sha256=\"$SHA2\"}")" 1 \
    "/metrics: pinhole_config_info keeps the running config's SHA-256"
# Still serving, on the running config.
tunnels 1 "echo.test:$ECHO"
t_wait_grep "$LOG" '"event":"flow"' 20 100
t_eq "$(metric 'pinhole_rule_flows_total{rule="echo"}')" 13 \
    "still serving after the failed reload"
t_stop_pinhole "$PH_PID" "$ERR" "fleet"
t_done
