# pinhole: an allowlisting forward proxy.
#   make            build ./pinhole (installs missing Debian packages first)
#   make test       build with ASan and UBSan, run every test
#   make bench-acl  the allowlist engine's benchmark
#   make bench-review  pinhole review over 10 million flow records

VERSION  = 0.1.0
PKGS     = libevent libevent_openssl openssl libpcap inih jansson libxcrypt \
           libseccomp zlib libpsl
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
           -Wmissing-prototypes -Wstrict-prototypes
INC      = -Iproxy -Iacl -Iupstream -Icache
DEFS     = -DPINHOLE_VERSION='"$(VERSION)"'
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer

SRCS      = $(wildcard proxy/*.c acl/*.c upstream/*.c cache/*.c)
LIB_SRCS  = $(filter-out proxy/main.c,$(SRCS))
UNIT_SRCS = $(wildcard tests/unit/test_*.c)

OBJS       = $(SRCS:%.c=build/obj/%.o)
ASAN_OBJS  = $(SRCS:%.c=build/asan/%.o)
ASAN_LIB   = $(LIB_SRCS:%.c=build/asan/%.o)
UNIT_BINS  = $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)

.PHONY: all test unit bench-acl run clean fuzz
# Keep every object, the unit tests' included.
.SECONDARY:
all: pinhole

# The package list is read once the packages are there: make includes
# build/pkg.mk, builds it first when missing, then starts over.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include build/pkg.mk
endif

build/pkg.mk: scripts/deps.sh
	@mkdir -p build
	@sh scripts/deps.sh build
	@{ echo "PKG_CFLAGS = $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS = $$(pkg-config --libs $(PKGS))"; \
	   echo "INIH_VERSION = $$(pkg-config --modversion inih)"; } > $@

ALL_CFLAGS = $(WARN) $(INC) $(DEFS) -DINIH_VERSION='"$(INIH_VERSION)"' \
             $(PKG_CFLAGS)

build/obj/%.o: %.c build/pkg.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

build/asan/%.o: %.c build/pkg.mk
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC) $(ALL_CFLAGS) -O1 -g $(SANITIZE) -MMD -MP -c $< -o $@

pinhole: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

build/asan/pinhole: $(ASAN_OBJS)
	$(CC) $(SANITIZE) -o $@ $(ASAN_OBJS) $(PKG_LIBS)

build/asan/tests/%: build/asan/tests/unit/%.o build/asan/tests/unit/t.o $(ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SANITIZE) -o $@ $< build/asan/tests/unit/t.o $(ASAN_LIB) $(PKG_LIBS)

unit: $(UNIT_BINS)

test: pinhole build/asan/pinhole $(UNIT_BINS)
	@sh scripts/deps.sh test
	@sh tests/run.sh

build/bench/acl_bench: tests/bench/acl_bench.c $(LIB_SRCS) build/pkg.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -g -o $@ tests/bench/acl_bench.c $(LIB_SRCS) \
	    $(PKG_LIBS)

bench-acl: build/bench/acl_bench
	./build/bench/acl_bench

run: pinhole
	./pinhole -c conf/pinhole.ini

clean:
	rm -rf build pinhole

# libFuzzer targets, one per parser: make fuzz [FUZZ_SECONDS=60]
include tests/fuzz/fuzz.mk
# make bench: pinhole against direct, Squid, tinyproxy, Dante and HAProxy
-include tests/bench/bench.mk
# make bench-review: pinhole review over 10 million flow records
-include tests/bench/review.mk
# make install / uninstall (PREFIX, DESTDIR)
-include scripts/install.mk
# make soak and make test-valgrind: long load and fault runs, memcheck
-include tests/soak/soak.mk
# make test-fresh: make test and make run in a fresh Debian 12 box
-include tests/fresh/fresh.mk

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) \
    $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/unit/%.d)
