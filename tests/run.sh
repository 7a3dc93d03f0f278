#!/bin/sh
# Runs every test: the unit test programs, then the integration scripts.
# Each prints TAP lines ("ok N - ...", "not ok N - ..."); the totals go
# on the last line as "N passed, N failed".  Exits 1 on any failure.
set -u
cd "$(dirname "$0")/.."

: "${PINHOLE:=build/asan/pinhole}"
export PINHOLE
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

passed=0
failed=0
run() {
	name=$1
	shift
	log="$out/$(basename "$name").log"
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1	# crashed or sanitizer report without a failed check
	fi
	if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
		echo "FAIL $name (exit $rc)"
		grep -v '^ok ' "$log" | head -n 60
	else
		echo "pass $name ($p checks)"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in build/asan/tests/test_*; do
	[ -x "$t" ] && run "$t" "$t"
done
# Every fuzz target once over its corpus (seeds and inputs of past bugs).
run fuzz-regress sh tests/fuzz/regress.sh

for t in tests/integration/*.sh; do
	case "$t" in *lib.sh) continue ;; esac
	run "$t" sh "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
