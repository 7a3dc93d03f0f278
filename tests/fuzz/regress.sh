#!/bin/sh
# Runs every fuzz target once over its checked-in corpus, as TAP lines.
n=0
failed=0
for f in tests/fuzz/fuzz_*.c; do
	t=${f#tests/fuzz/fuzz_}
	t=${t%.c}
	n=$((n + 1))
	if make -s "fuzz-regress-$t" >/dev/null 2>&1; then
		echo "ok $n - fuzz_$t over its corpus"
	else
		echo "not ok $n - fuzz_$t over its corpus (build/fuzz/regress_$t.log)"
		tail -n 30 "build/fuzz/regress_$t.log" 2>/dev/null | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ "$n" -gt 0 ] && [ "$failed" = 0 ]
