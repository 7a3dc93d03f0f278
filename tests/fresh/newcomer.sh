#!/bin/sh
# make test-fresh: runs the freshbox tool's newcomer.sh on this
# repository's committed HEAD and passes on its verdict (see fresh.mk).
# Exit 0 on PASS, 1 on FAIL; when the check cannot run or judge (no
# tool, not root, no mirror, the port taken), a loud banner and exit 0,
# or 1 with FRESH_REQUIRED=1.
set -u
cd "$(dirname "$0")/../.."
: "${FRESHBOX:=../shared/tools/freshbox}"

not_run() {
	echo "################################################################"
	echo "## FRESH-BOX CHECK NOT RUN: $*"
	echo "## make test and make run were NOT tried on a fresh Debian 12."
	echo "################################################################"
	[ "${FRESH_REQUIRED:-}" = 1 ] && exit 1
	exit 0
}

[ -x "$FRESHBOX/newcomer.sh" ] || not_run "no $FRESHBOX/newcomer.sh"
[ "$(id -u)" = 0 ] || not_run "it needs root"
shared=$(cd "$FRESHBOX/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM
start=$(date +%s)
SHARED_DIR=$shared "$FRESHBOX/newcomer.sh" . 2>&1 | tee "$out"
verdict=$(grep '^NEWCOMER VERDICT: ' "$out" | tail -n 1)
echo "test-fresh: $(($(date +%s) - start))s in all (box builds included)"
case "$verdict" in
"NEWCOMER VERDICT: PASS"*) exit 0 ;;
"NEWCOMER VERDICT: FAIL"*) exit 1 ;;
"") not_run "newcomer.sh gave no verdict (could the box be built? is" \
    "the Debian mirror reachable?)" ;;
*) not_run "${verdict#NEWCOMER VERDICT: }" ;;
esac
