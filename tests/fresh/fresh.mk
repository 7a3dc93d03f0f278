# make test-fresh: the README's two commands, make test and make run, each
# in a fresh minimal Debian 12 box on a clean clone of the committed HEAD
# (the freshbox tool beside the repository: FRESHBOX=DIR to name another
# place).  Needs root and the Debian mirror; where the box cannot be
# built it says so loudly and fails only with FRESH_REQUIRED=1.
# (included by the top-level Makefile)

FRESHBOX ?= ../shared/tools/freshbox

.PHONY: test-fresh

test-fresh:
	@FRESHBOX="$(FRESHBOX)" FRESH_REQUIRED="$(FRESH_REQUIRED)" \
	    sh tests/fresh/newcomer.sh
