#!/bin/sh
# pinhole review: a config and a crafted flow log (plain, and rotated
# files gzipped) give exactly the expected report: unused rules and
# entries, refused destinations by registrable domain with clients and
# counts, the suggested [allow] sections, top destinations by bytes.
# --since drops older records.  The suggestions pasted into the config
# pass -t and make --explain allow what was refused.  Two million
# records stream in bounded memory (the build without sanitizers, as
# in lists_memory.sh).  The --html page is loaded in headless Chromium
# and checked for its sections and its SVG charts, and it names no URL.
. tests/integration/lib.sh

D=$T_DIR
printf '.islonline.net\n203.0.113.0/24\n*.old-vendor.com\n' >"$D/vendor.txt"
printf '203.0.113.20 api.github.com codeload.github.com\n203.0.113.21 s9.example.org\n203.0.113.22 www.bbc.co.uk\n' \
    >"$D/hosts"
cat >"$D/t.ini" <<EOC
[proxy]
listen = 127.0.0.1:3128
[allow web]
hosts = www.example.com, *.cdn.example.com, old.example.com
ports = 443
[allow backup]
nets = 192.0.2.0/26, 198.51.100.7
ports = 16384
[allow legacy]
hosts = .legacy.example
ports = 80
[allow vendor]
lists = vendor
ports = 443, 7615
[list vendor]
file = $D/vendor.txt
[dns]
servers = 127.0.0.1:9
hosts_file = $D/hosts
[cache]
dir = $D/cache
[log]
access = off
[admin]
listen =
EOC
# shellcheck disable=SC2046
set -- $("$T_PY" "$T_TOOLS/review_log.py" crafted "$D")
ALL_FIRST=$1 LAST=$2 RECENT_FIRST=$3
LOGS="$D/access.log $D/access.log.1.gz $D/access.log.2.gz"

# ---- the whole log, three files
# shellcheck disable=SC2086
out=$($PINHOLE review -c "$D/t.ini" $LOGS 2>"$D/err")
t_eq "$?" 0 "review exits 0"
t_eq "$(cat "$D/err")" "" "review prints nothing to stderr on a short log"
SUGGESTED='
# example.org: 5 refused, from 10.0.0.8 (4)
[allow review-example.org]
hosts = .example.org
ports = 443

# github.com: 3 refused, from 10.0.0.6 (2), 10.0.0.7 (1)
[allow review-github.com]
hosts = api.github.com, codeload.github.com
ports = 443, 8443

# 203.0.113.9: 1 refused, from 2001:db8::5 (1)
[allow review-203.0.113.9]
nets = 203.0.113.9
ports = 22

# bbc.co.uk: 1 refused, from 10.0.0.7 (1)
[allow review-bbc.co.uk]
hosts = www.bbc.co.uk
ports = 80'
want="pinhole review of 3 files: 17 records from $ALL_FIRST to $LAST
  1 line was no flow record, skipped

== Unused rules (no flow in the period): 0 of 4

== Unused hosts and nets of rules in use
[allow web] old.example.com
[allow backup] 192.0.2.0/26

== Unused list entries
[list vendor]: 2 of 3 entries unused
  *.old-vendor.com
  203.0.113.0/24

== Rules in use
[allow web]: 2 flows, 5160 bytes
[allow backup]: 1 flow, 0 bytes
[allow legacy]: 1 flow, 14 bytes
[allow vendor]: 1 flow, 1050 bytes

== Refused (not_allowed) by registrable domain: 5 domains, 11 records
example.org: 5 refused; names s1.example.org (2), s2.example.org (1), s3.example.org (1), s4.example.org (1); ports 443; clients 10.0.0.8 (4)
github.com: 3 refused; names api.github.com (2), codeload.github.com (1); ports 443, 8443; clients 10.0.0.6 (2), 10.0.0.7 (1)
203.0.113.9: 1 refused; names 203.0.113.9 (1); ports 22; clients 2001:db8::5 (1)
bbc.co.uk: 1 refused; names www.bbc.co.uk (1); ports 80; clients 10.0.0.7 (1)
refused.net: 1 refused; names old.refused.net (1); ports 443; clients 10.0.0.9 (1)

== Top destinations by bytes: 4 flows, 6224 bytes
www.example.com: 5100 bytes (up 100, down 5000), 1 flow
x.islonline.net: 1050 bytes (up 1000, down 50), 1 flow
a.cdn.example.com: 60 bytes (up 10, down 50), 1 flow
a.legacy.example: 14 bytes (up 7, down 7), 1 flow

== Suggested rules (paste into the config, then check it with pinhole -t)
$SUGGESTED

# refused.net: 1 refused, from 10.0.0.9 (1)
[allow review-refused.net]
hosts = old.refused.net
ports = 443"
t_eq "$out" "$want" "the report of plain and gzipped logs, exactly"
[ "$out" = "$want" ] || printf '%s\n' "$out" | sed 's/^/#   /'

# ---- --since: the ten-day-old file drops out
# shellcheck disable=SC2086
out=$($PINHOLE review -c "$D/t.ini" --since 2d $LOGS 2>"$D/err")
t_eq "$?" 0 "review --since exits 0"
t_eq "$(echo "$out" | sed -n 1,3p)" \
"pinhole review of 3 files: 15 records from $RECENT_FIRST to $LAST
  --since 2d: 2 older records skipped
  1 line was no flow record, skipped" "--since counts what it skipped"
t_eq "$(echo "$out" | sed -n '/^== Unused rules/,/^$/p')" \
"== Unused rules (no flow in the period): 1 of 4
[allow legacy] (line 9)" \
    "--since: a rule used only before the period is unused (a refusal naming it is no use)"
t_eq "$(echo "$out" | grep -c '^refused.net')" 0 \
    "--since: an older refusal is not reported"
t_eq "$(echo "$out" | sed -n '/^== Suggested/,$p' | tail -n +2)" \
    "$SUGGESTED" "--since: exactly the suggestions of the period"
$PINHOLE review -c "$D/t.ini" --since 10 "$D/access.log" >/dev/null 2>"$D/err"
t_eq "$?" 2 "--since without a unit is refused"
t_eq "$(cat "$D/err")" \
    'pinhole review: --since: "10" is not a duration (s, m, h, d) from 1s to 3650d' \
    "... saying why"
$PINHOLE review -c "$D/t.ini" "$D/none.log" >/dev/null 2>"$D/err"
t_eq "$?" 1 "a log that cannot be opened: exit 1"
t_eq "$(cat "$D/err")" "pinhole review: $D/none.log: No such file or directory" \
    "... naming it"

# ---- a rotated file cut short is read up to the cut; one that is no
# gzip at all is an error, and the others are still read
"$T_PY" "$T_TOOLS/review_log.py" many 20000 | gzip -c >"$D/whole.gz"
head -c $(($(wc -c <"$D/whole.gz") / 2)) "$D/whole.gz" >"$D/cut.gz"
out=$($PINHOLE review -c "$D/t.ini" "$D/cut.gz" 2>"$D/err")
t_eq "$?" 0 "a gzipped log cut short: exit 0"
t_eq "$(cat "$D/err")" \
    "pinhole review: $D/cut.gz: warning: unexpected end of file; read up to there" \
    "... with a warning"
n=$(echo "$out" | sed -n 's/^pinhole review of 1 file: \([0-9]*\) records.*/\1/p')
t_okd "$([ "${n:-0}" -gt 1000 ] && [ "$n" -lt 20000 ] && echo 0 || echo 1)" \
    "... and its records up to the cut are read" "$(echo "$out" | head -n 2)"
printf '\037\213garbage' >"$D/bad.gz"
out=$($PINHOLE review -c "$D/t.ini" "$D/bad.gz" "$D/access.log" 2>"$D/err")
t_eq "$?" 1 "a file with gzip's magic and no gzip after it: exit 1"
t_eq "$(cat "$D/err")" "pinhole review: $D/bad.gz: unknown compression method" \
    "... naming it"
t_eq "$(echo "$out" | head -n 1 | cut -d' ' -f1-7)" \
    "pinhole review of 1 file: 11 records" "... and the other file is read"

# ---- a url list with no cached version: its entries are unknown, not unused
sed 's|^file = .*|url = https://vendor.example/list.txt|' "$D/t.ini" >"$D/t3.ini"
out=$($PINHOLE review -c "$D/t3.ini" "$D/access.log" 2>"$D/err")
t_eq "$(echo "$out" | sed -n '/^== Unused list entries/,/^$/p')" \
"== Unused list entries
[list vendor]: no version cached or readable, its entries unknown" \
    "a list with no version is not reported as all unused"

# ---- the suggestions pasted back: -t passes, --explain allows
{ cat "$D/t.ini"; echo "$SUGGESTED"; } >"$D/t2.ini"
$PINHOLE -t -c "$D/t2.ini" >"$D/t.out" 2>"$D/err"
t_eq "$?" 0 "-t accepts the config with the suggestions pasted in"
t_eq "$(grep -c '^rule review-' "$D/t.out")" 4 "... and counts the 4 new rules"
for target in api.github.com:8443 codeload.github.com:443 s9.example.org:443 \
    203.0.113.9:22 www.bbc.co.uk:80; do
	$PINHOLE --explain "$target" -c "$D/t.ini" >/dev/null 2>&1
	t_eq "$?" 3 "--explain $target: denied before"
	out=$($PINHOLE --explain "$target" -c "$D/t2.ini" 2>"$D/err")
	t_eq "$?" 0 "--explain $target: allowed with the suggestions"
done
t_eq "$out" \
    '{"verdict":"allow","host":"www.bbc.co.uk","port":80,"client":null,"rule":"review-bbc.co.uk","list":null,"entry":"www.bbc.co.uk","reason":null,"addresses":[{"addr":"203.0.113.22","allowed":true,"reason":null}]}' \
    "... by the suggested rule"

# ---- the page: one file, no script, no URL; Chromium shows its parts
# shellcheck disable=SC2086
$PINHOLE review -c "$D/t.ini" --html "$D/review.html" $LOGS >/dev/null 2>"$D/err"
t_eq "$?" 0 "review --html exits 0"
t_eq "$(grep -ciE 'https?:|src=|href=|url\(|@import|<script|<link' "$D/review.html")" 0 \
    "the page names no URL and holds no script"
$PINHOLE review -c "$D/t.ini" --html "$D/none/review.html" "$D/access.log" >/dev/null 2>"$D/err"
t_eq "$?" 1 "a page that cannot be written: exit 1"
t_eq "$(cat "$D/err")" "pinhole review: $D/none/review.html: No such file or directory" \
    "... naming it"
$PINHOLE review -c "$D/t.ini" >/dev/null 2>"$D/err"
t_eq "$?" 2 "review without a log: exit 2"
t_eq "$(cat "$D/err")" \
    "usage: pinhole review [-c FILE] [--since DURATION] [--html OUT] FLOWLOG..." \
    "... with its usage"
if ! command -v chromium >/dev/null; then
	echo "Bail out! chromium is not installed (scripts/deps.sh test)"
	exit 1
fi
chrome() {	# chrome ARGS...: headless, nothing fetched, bounded
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$D/chr.XXXXXX")" \
	    "$@" 2>>"$D/chromium.err"
}
chrome --dump-dom "file://$D/review.html" >"$D/dom.html"
t_eq "$?" 0 "Chromium loads the page"
for id in summary unused rules refused destinations suggested; do
	grep -q "<section id=\"$id\">" "$D/dom.html"
	t_ok $? "the page has its section $id"
done
for id in chart-rules chart-refused chart-bytes; do
	grep -q "<svg id=\"$id\" class=\"chart\"" "$D/dom.html"
	t_ok $? "the page has its SVG chart $id"
done
t_eq "$(grep -o '<rect class="bar refused"' "$D/dom.html" | wc -l)" 5 \
    "the refused chart has a bar per domain"
grep -q '<td>github.com</td><td class="n">3</td>' "$D/dom.html"
t_ok $? "the refused table counts github.com's 3 refusals"
grep -q '\[allow review-github.com\]' "$D/dom.html"
t_ok $? "the page shows the suggested sections"
chrome --hide-scrollbars --window-size=1000,1400 \
    --screenshot="$D/review.png" "file://$D/review.html" >/dev/null
t_eq "$(head -c 4 "$D/review.png" | od -An -c | tr -d ' ')" '211PNG' \
    "Chromium draws the page (screenshot)"

# ---- two million records through stdin: memory stays bounded
BIN=./pinhole
[ -x "$BIN" ] || { echo "Bail out! $BIN not built"; exit 1; }
peak=$("$T_PY" -c '
import resource, subprocess, sys
sys.argv.pop(0)
gen = subprocess.Popen([sys.argv[0], sys.argv[1], "many", "2000000"],
                       stdout=subprocess.PIPE)
with open(sys.argv[4], "w") as out, open(sys.argv[5], "w") as err:
    p = subprocess.run([sys.argv[2], "review", "-c", sys.argv[3], "-"],
                       stdin=gen.stdout, stdout=out, stderr=err, timeout=1200)
gen.stdout.close()
gen.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, p.returncode)
' "$T_PY" "$T_TOOLS/review_log.py" "$BIN" "$D/t.ini" "$D/big.out" "$D/big.err")
t_eq "${peak#* }" 0 "review of 2 million records exits 0"
peak=${peak% *}
t_okd "$([ "${peak:-9999}" -lt 100 ] && echo 0 || echo 1)" \
    "2 million records, 20011 refused domains, 150001 destinations: peak under 100 MiB" \
    "peak: $peak MiB"
echo "# peak RSS of review over 2 million records: $peak MiB"
t_eq "$(head -n 1 "$D/big.out" | cut -d' ' -f1-8)" \
    "pinhole review of 1 file: 2000000 records from" "... all of them read"
grep -q '^(.* records of further domains not kept: over 10000 domains)$' "$D/big.out"
t_ok $? "... saying that domains past the bound were only counted"
grep -q '^(approximate: over 65536 destinations, .* bytes of the smallest were dropped)$' "$D/big.out"
t_ok $? "... and that the bytes table was cut"
t_eq "$(grep -cvE '^pinhole review: -: [0-9]+ records, [0-9]+ MiB read$' "$D/big.err")" 0 \
    "stderr holds only progress lines"
t_done
