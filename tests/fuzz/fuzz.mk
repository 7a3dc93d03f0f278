# libFuzzer targets, one per parser (included by the top-level Makefile).
#   make fuzz [FUZZ_SECONDS=60]  fuzz every target that long, one by one
#                                (-k: go on after a failing target; -jN:
#                                run them side by side)
#   make fuzz-regress            run each target once over its checked-in
#                                corpus: fast, for make test
# Everything is written under build/fuzz/; tests/fuzz/corpus only seeds.
# A target fails the run on a crash, a leak, UB or a hang; its input is
# kept as build/fuzz/artifacts/NAME/crash-... (or leak-, timeout-).

FUZZ_CC      = clang
FUZZ_SECONDS = 60
FUZZ_SAN     = address,undefined
FUZZ_FLAGS   = -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    = $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
FUZZ_LIB     = $(LIB_SRCS:%.c=build/fuzz/obj/%.o)

# Per-target libFuzzer options: a dictionary where tokens matter.
FUZZ_OPTS_config    = -dict=tests/fuzz/config.dict -max_len=16384
FUZZ_OPTS_host      = -dict=tests/fuzz/host.dict -max_len=512
FUZZ_OPTS_list_text = -dict=tests/fuzz/host.dict
FUZZ_OPTS_list_auto = -dict=tests/fuzz/host.dict
FUZZ_OPTS_jsonpath  = -dict=tests/fuzz/jsonpath.dict -max_len=16384
FUZZ_OPTS_value     = -max_len=256
FUZZ_OPTS_http      = -max_len=16384
FUZZ_OPTS_sni       = -max_len=17000
FUZZ_OPTS_listmeta  = -dict=tests/fuzz/listmeta.dict -max_len=9000
FUZZ_OPTS_proxyproto = -dict=tests/fuzz/proxyproto.dict -max_len=4200
FUZZ_OPTS_cidrset   = -max_len=1222
FUZZ_OPTS_addr      = -max_len=64
FUZZ_OPTS_review    = -max_len=4096

# Leaks count as failures (-timeout makes a slow input one too).
FUZZ_UBSAN   = halt_on_error=1:print_stacktrace=1
FUZZ_ENV     = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=$(FUZZ_UBSAN)
FUZZ_RUN_ENV = $(FUZZ_ENV)

.PHONY: fuzz fuzz-build fuzz-regress $(FUZZ_TARGETS:%=fuzz-run-%) \
        $(FUZZ_TARGETS:%=fuzz-regress-%)

fuzz-build: $(FUZZ_BINS)

# Only pattern rules name the objects: keep make from deleting them.
.SECONDARY: $(FUZZ_LIB)

# The library with coverage; libFuzzer's main() comes with the target.
build/fuzz/obj/%.o: %.c build/pkg.mk
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	@$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -MMD -MP -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) build/pkg.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) \
	    -MMD -MP -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

# Grows build/fuzz/corpus-NAME, first topped up with the checked-in seeds
# (crash-* files are inputs of fixed bugs, kept as regression tests).
# The log is kept and its final stats shown.
$(FUZZ_TARGETS:%=fuzz-run-%): fuzz-run-%: build/fuzz/fuzz_%
	@mkdir -p build/fuzz/corpus-$* build/fuzz/artifacts/$*
	@cp tests/fuzz/corpus/$*/* build/fuzz/corpus-$*/
	@echo "  RUN     fuzz_$* for $(FUZZ_SECONDS)s"
	@if $(FUZZ_RUN_ENV) ./build/fuzz/fuzz_$* -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/$*/ $(FUZZ_OPTS_$*) \
	    build/fuzz/corpus-$* >build/fuzz/fuzz_$*.log 2>&1; then \
		grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done )' \
		    build/fuzz/fuzz_$*.log | sed 's/^/    fuzz_$*: /'; \
	else \
		tail -n 60 build/fuzz/fuzz_$*.log; \
		echo "fuzz_$*: FAILED (log build/fuzz/fuzz_$*.log," \
		    "input in build/fuzz/artifacts/$*/)"; \
		exit 1; \
	fi

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

# Each checked-in input once: a crash- file there fails until it is fixed.
$(FUZZ_TARGETS:%=fuzz-regress-%): fuzz-regress-%: build/fuzz/fuzz_%
	@mkdir -p build/fuzz/artifacts/$*
	@if $(FUZZ_ENV) ./build/fuzz/fuzz_$* -timeout=10 \
	    -artifact_prefix=build/fuzz/artifacts/$*/regress- \
	    tests/fuzz/corpus/$*/* >build/fuzz/regress_$*.log 2>&1; then \
		echo "  pass    fuzz_$* ($$(ls tests/fuzz/corpus/$* | wc -l) inputs)"; \
	else \
		tail -n 60 build/fuzz/regress_$*.log; \
		echo "fuzz_$*: FAILED on its corpus (log build/fuzz/regress_$*.log)"; \
		exit 1; \
	fi

fuzz-regress: $(FUZZ_TARGETS:%=fuzz-regress-%)

-include $(FUZZ_LIB:.o=.d) $(FUZZ_BINS:=.d)
