# Long load and fault runs, and the core cases under valgrind (included
# by the top-level Makefile).
#   make soak           tests/soak/*.sh but valgrind.sh, against the ASan
#                       build: 10,000 idle tunnels, descriptors running
#                       out, slowloris, 100 SIGHUPs under traffic, a
#                       storm of logins under SIGHUPs (about 2.5 minutes)
#   make test-valgrind  a plain -O1 -g build (build/valgrind/pinhole) run
#                       under valgrind memcheck through the core cases:
#                       0 errors, 0 bytes definitely lost
# SOAK_ONLY=NAME runs one script (tests/soak/NAME.sh).

VG_OBJS = $(SRCS:%.c=build/valgrind/%.o)

.PHONY: soak test-valgrind

# The same sources and flags as build/obj, without the sanitizers.
build/valgrind/%.o: %.c build/pkg.mk
	@mkdir -p $(dir $@)
	@echo "  CC-VG   $<"
	@$(CC) $(ALL_CFLAGS) -O1 -g -MMD -MP -c $< -o $@

build/valgrind/pinhole: $(VG_OBJS)
	$(CC) -o $@ $(VG_OBJS) $(PKG_LIBS)

test-valgrind: build/valgrind/pinhole
	@sh scripts/deps.sh soak
	@sh tests/soak/run.sh valgrind

soak: build/asan/pinhole pinhole
	@sh scripts/deps.sh test
	@sh tests/soak/run.sh $(SOAK_ONLY)

-include $(VG_OBJS:.o=.d)
