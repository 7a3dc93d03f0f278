# make bench: pinhole against direct, Squid, tinyproxy, Dante and HAProxy
# on loopback, with the load generator and backend of tests/bench/.
#
#   make bench                       every proxy, every scenario, 3 runs
#   make bench QUICK=1               small sizes, one run (under 2 minutes)
#   make bench ONLY=pinhole SCEN=c   one proxy (or a few, comma separated),
#                                    one scenario (or a few: SCEN=a,c,d)
#   make bench REPS=5                more repetitions
#
# ONLY takes row names: direct, pinhole, squid, tinyproxy, pinhole-socks5,
# dante, haproxy, pinhole-pcap, pinhole-bigacl; "pinhole" alone means every
# pinhole row.  SCEN takes a to h, and u (UDP through SOCKS5 UDP
# ASSOCIATE: direct, pinhole-socks5, dante).  The table is printed and
# written to build/bench/results.md.  See tests/bench/bench.sh for the
# details.

BENCH_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror

.PHONY: bench

build/bench/loadgen: tests/bench/loadgen.c tests/bench/loadgen_udp.c \
    tests/bench/loadgen.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ tests/bench/loadgen.c \
	    tests/bench/loadgen_udp.c

build/bench/backend: tests/bench/backend.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ tests/bench/backend.c

bench: pinhole build/bench/loadgen build/bench/backend
	@sh scripts/deps.sh bench || echo "bench: packages missing, their rows are left out" >&2
	QUICK="$(QUICK)" ONLY="$(ONLY)" SCEN="$(SCEN)" REPS="$(REPS)" \
	    bash tests/bench/bench.sh
