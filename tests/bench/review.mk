# make bench-review: pinhole review over 10 million flow records (one
# generated file of 1 million records, read ten times over), timed, with
# the records per second it read.  REVIEW_RECORDS and REVIEW_TIMES change
# the sizes.  No assertion: a number to compare across changes.

REVIEW_RECORDS ?= 1000000
REVIEW_TIMES   ?= 10

.PHONY: bench-review

build/bench/review-$(REVIEW_RECORDS).log: tests/tools/review_log.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 tests/tools/review_log.py many $(REVIEW_RECORDS) >$@.tmp
	mv $@.tmp $@

bench-review: pinhole build/bench/review-$(REVIEW_RECORDS).log
	@log=build/bench/review-$(REVIEW_RECORDS).log; \
	files=; i=0; \
	while [ $$i -lt $(REVIEW_TIMES) ]; do files="$$files $$log"; i=$$((i + 1)); done; \
	start=$$(date +%s.%N); \
	./pinhole review -c tests/bench/review.ini $$files >build/bench/review.out; \
	rc=$$?; end=$$(date +%s.%N); \
	head -n 1 build/bench/review.out; \
	awk -v s=$$start -v e=$$end -v n=$$(($(REVIEW_RECORDS) * $(REVIEW_TIMES))) \
	    'BEGIN { printf "review: %d records in %.1f s, %.0f records/s\n", n, e - s, n / (e - s) }'; \
	exit $$rc
