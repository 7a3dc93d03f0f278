#!/bin/sh
# Runs the soak scripts (tests/soak/*.sh but valgrind*.sh, lib.sh and
# this one), or only the NAMEs given (tests/soak/NAME.sh), like
# tests/run.sh: TAP lines from each, the time each took and its
# "# figure:" lines, "N passed, N failed" last, exit 1 on any failure.
set -u
cd "$(dirname "$0")/../.."

: "${PINHOLE:=build/asan/pinhole}"
export PINHOLE
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

if [ $# -gt 0 ]; then
	scripts=
	for n in "$@"; do
		scripts="$scripts tests/soak/$n.sh"
	done
else
	scripts=$(ls tests/soak/*.sh | grep -v -e '/run\.sh$' -e '/lib\.sh$' \
	    -e '/valgrind')
fi

passed=0
failed=0
for t in $scripts; do
	log="$out/$(basename "$t").log"
	t0=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
		echo "FAIL $t (exit $rc, ${secs}s)"
		grep -v '^ok ' "$log" | head -n 80
	else
		echo "pass $t ($p checks, ${secs}s)"
		grep '^# figure:' "$log" | sed 's/^# figure:/    /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
