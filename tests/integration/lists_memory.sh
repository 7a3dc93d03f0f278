#!/bin/sh
# A JSON list costs memory in proportion to its size, not 77 times it:
# an 8 MiB "[{},{},...]" body (which took some 650 MiB to check) is
# refused under the bound of 16 times the body with a reason, and
# `pinhole -t` on it stays well under that peak.  Measured on the build
# without sanitizers (./pinhole), whose memory is what an admin sees.
. tests/integration/lib.sh

BIN=./pinhole
[ -x "$BIN" ] || { echo "Bail out! $BIN not built"; exit 1; }
"$T_PY" -c '
import sys
n = 8 * 1024 * 1024 // 3 - 10
open(sys.argv[1], "w").write("[" + ",".join(["{}"] * n) + "]")
' "$T_DIR/big.json"
cat >"$T_DIR/t.ini" <<EOC
[proxy]
listen = 127.0.0.1:3128
[allow v]
lists = v
ports = 443
[list v]
file = $T_DIR/big.json
format = json
json_path = []
[cache]
dir = $T_DIR/cache
[log]
access = off
[admin]
listen =
EOC
out=$("$T_PY" -c '
import resource, subprocess, sys
p = subprocess.run([sys.argv[1], "-t", "-c", sys.argv[2]],
                   capture_output=True, text=True, timeout=120)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
sys.stderr.write(p.stderr)
' "$BIN" "$T_DIR/t.ini" 2>"$T_DIR/t.err")
t_okd "$([ "${out:-9999}" -lt 300 ] && echo 0 || echo 1)" \
    "pinhole -t on an 8 MiB list of empty objects peaks under 300 MiB" \
    "peak: $out MiB"
grep -q "^$T_DIR/big.json: list v: refused: its JSON tree would take more than 127 MiB (16 times the body): too costly to parse\$" \
    "$T_DIR/t.err"
t_okd $? "... and names why the list is refused" "$(cat "$T_DIR/t.err")"
t_done
